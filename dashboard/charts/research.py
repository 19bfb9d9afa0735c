"""Research and model-hub charts: He's conference counts, OpenAlex mentions per year, Hub models per month.

Captions say what is counted: papers that *mention* a framework (not papers that use it), and Hub models by the
file-format tags the Hub detects (not the framework a model was trained with). He's conference counts and
OpenAlex's yearly counts are different methods: they are separate series, never one line.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts import breaks, kit, quality
from fwpulse.dashboard.charts.spec import ChartSpec
from fwpulse.data import catalog, read
from fwpulse.data.catalog_research import CONFERENCE_MENTIONS, CONFERENCE_PAPERS, CONFERENCES
from fwpulse.data.quality import OK, details_dict

RESEARCH = "fwpulse refresh --source research"
HFHUB = "fwpulse refresh --source hfhub --backfill"
SITE = catalog.SITE
MENTION, ABSTRACT = "research.papers_mentioning", "research.papers_mentioning_abstract"
AI, AI_FULLTEXT = "research.papers_ai", "research.papers_ai_fulltext"
HUB, HUB_SITE, HUB_UNTAGGED = (
    "hfhub.models_created_monthly",
    "hfhub.models_created_monthly_site",
    "hfhub.models_untagged_monthly",
)
SITE_SERIES = {HUB_SITE: "All models", HUB_UNTAGGED: "No framework tag", "hub_untagged_share": "No framework tag"}
HE_SERIES = ["pytorch", "tensorflow", SITE]  # the only series He counted
HE_METRICS = tuple(f"{p}{c}" for p in (CONFERENCE_MENTIONS, CONFERENCE_PAPERS) for c in CONFERENCES)
CONF_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4"]

MENTIONS_NOTE = (
    "Mentions, not usage: a paper that compares against TensorFlow, or cites it in related work, counts for "
    "TensorFlow. OpenAlex's full text covers only part of the papers (more of older and open-access ones), so "
    "the full-text share divides by AI papers that have full text; 'JAX' also names mice strains and an airport, "
    "which the AI-subfield filter only partly removes."
)
HE_NOTE = (
    "Horace He's counts: papers whose PDF mentions PyTorch but not TensorFlow (or Keras), and the reverse; papers "
    "mentioning both count for neither. Mentions, not usage. Each point is one conference edition. The dashed "
    "OpenAlex line, where collected, is another method (AI papers per year, full text; a paper mentioning both "
    "counts for both), drawn at mid-year: compare its trend, not its level."
)
HUB_NOTE = (
    "Tags are file formats the Hub detects (pytorch = a PyTorch weights file), not the framework a model was trained "
    "with: since 2024 most PyTorch models ship only safetensors and carry no pytorch tag, so they count as 'no "
    "framework tag'. Counts are of models still public today (deleted repositories are gone)."
)


def with_site(con, spec, options) -> pd.DataFrame:
    """Every stored value of the spec's metrics for the picked frameworks and the site-wide series."""
    picked = [*(options.frameworks or []), SITE] if options.frameworks else None
    return read.read_values(con, picked, spec.metrics, options.start, options.end, thin=False)[0]


def he_query(con, spec, options) -> pd.DataFrame:
    """He's conference counts, whichever frameworks are picked (the chart is PyTorch against TensorFlow)."""
    return read.read_values(con, HE_SERIES, spec.metrics, options.start, options.end, thin=False)[0]


def _ratio(num: pd.DataFrame, den: pd.DataFrame, label: str) -> pd.DataFrame:
    """``num`` rows (one framework and metric per row) as % of ``den`` (site-wide, same dates); the row keeps
    the numerator's source, method and the worse of the two qualities."""
    d = den[["date", "value", "quality"]].rename(columns={"value": "den", "quality": "den_quality"})
    out = num.merge(d, on="date", how="inner")
    out = out[out["den"] > 0].copy()
    out["quality"] = out["quality"].where(out["quality"] != OK, out["den_quality"])
    out["value"] = out["value"] / out["den"] * 100.0
    out["metric"] = label
    return out.drop(columns=["den", "den_quality"])


def _lines(spec, df: pd.DataFrame, options, names, colors, series, y_title: str, unit: str, note: str):
    """Draw ``series`` [(metric label in df, dash, legend suffix)] per framework, one line per method."""
    order = kit.legend_order(names)
    plain = replace(options, mode="absolute", align=False)  # counts and shares per year or month: no index, no age
    df = kit.transform(df, plain)
    fig, kinds, plotted, connectors = go.Figure(), set(), [], []
    for metric, dash, suffix in series:
        part = df[df["metric"] == metric]
        for fid in sorted(part["framework"].unique(), key=lambda f: order.get(f, 999)):
            g = part[part["framework"] == fid].sort_values("date")
            name = SITE_SERIES.get(metric) if fid == SITE else None
            label = name or " · ".join(p for p in (catalog.series_name(fid, names), suffix) if p)
            color = colors.get(fid, "#7f7f7f")
            kinds |= breaks.method_lines(
                fig,
                g,
                label,
                color,
                "%{x|%Y-%m}: %{y:,.1f}",
                dash,
                each_in_legend=False,
                width=2.2,
                legendgroup=fid,
                shapes=connectors,
            )
            plotted.append(g.assign(unit=unit))
    quality.add_shapes(fig, connectors)
    quality.legend_key(fig, kinds)
    chart = kit.finish(spec, fig, plotted, plain, unit, y_title)
    chart.notes += [n for n in (quality.quality_note(kinds), note) if n]
    return chart


def papers_mentioning(spec, inputs, options, names, colors):
    values = quality.with_quality(inputs.values) if not inputs.values.empty else inputs.values
    df = values[values["metric"].isin([MENTION, ABSTRACT])] if not values.empty else values
    if df.empty:
        return kit.empty(spec, [MENTION])
    series = [(MENTION, "solid", "full text"), (ABSTRACT, "dash", "title/abstract")]
    return _lines(spec, df, options, names, colors, series, "papers/year", "papers/year", MENTIONS_NOTE)


def papers_share(spec, inputs, options, names, colors):
    values = quality.with_quality(inputs.values) if not inputs.values.empty else inputs.values
    if values.empty or not values["metric"].isin([MENTION, ABSTRACT]).any():
        return kit.empty(spec, [MENTION, AI_FULLTEXT])
    full = _ratio(values[values["metric"] == MENTION], values[values["metric"] == AI_FULLTEXT], "share_fulltext")
    abstract = _ratio(values[values["metric"] == ABSTRACT], values[values["metric"] == AI], "share_abstract")
    series = [("share_fulltext", "solid", "full text"), ("share_abstract", "dash", "title/abstract")]
    df = pd.concat([full, abstract], ignore_index=True)
    if df.empty:
        return kit.empty(spec, [AI, AI_FULLTEXT], "AI papers per year (the denominators)")
    y_title = "% of AI papers (with full text / all)"
    return _lines(spec, df, options, names, colors, series, y_title, "%", MENTIONS_NOTE)


def he_conferences(spec, inputs, options, names, colors):
    """He's chart: PyTorch / (PyTorch + TensorFlow) per conference edition, one line per conference."""
    values = inputs.values
    mentions = values[values["metric"].str.startswith(CONFERENCE_MENTIONS)] if not values.empty else values
    if mentions.empty:
        return kit.empty(spec, [], "conference history")
    wide = mentions.pivot_table(index=["metric", "date"], columns="framework", values="value").reset_index()
    if not {"pytorch", "tensorflow"} <= set(wide.columns):
        return kit.empty(spec, [], "PyTorch and TensorFlow conference")
    wide = wide[(wide["pytorch"] + wide["tensorflow"]) > 0].copy()
    wide["value"] = wide["pytorch"] / (wide["pytorch"] + wide["tensorflow"]) * 100.0
    wide["conference"] = wide["metric"].str.removeprefix(CONFERENCE_MENTIONS)
    fig, plotted = go.Figure(), []
    first = mentions.drop_duplicates(["metric", "date"]).set_index(["metric", "date"])
    for i, (cid, g) in enumerate(sorted(wide.groupby("conference"), key=lambda kv: list(CONFERENCES).index(kv[0]))):
        g = g.sort_values("date")
        fig.add_trace(
            go.Scatter(
                x=g["date"],
                y=g["value"],
                name=CONFERENCES[cid],
                mode="lines+markers",
                line={"color": CONF_COLORS[i % len(CONF_COLORS)], "width": 2},
                customdata=list(zip(g["pytorch"], g["tensorflow"])),
                hovertemplate=f"{CONFERENCES[cid]} %{{x|%Y-%m}}: %{{y:.0f}}% "
                "(%{customdata[0]:,.0f} PyTorch-only vs %{customdata[1]:,.0f} TensorFlow-only)<extra></extra>",
            )
        )
        rows = first.loc[[(m, d) for m, d in zip(g["metric"], g["date"])]].reset_index()
        rows = rows.assign(framework="pytorch", value=g["value"].to_numpy(), raw_value=g["value"].to_numpy())
        plotted.append(rows.assign(x=rows["date"], metric=f"he_pytorch_share.{cid}", unit="%", quality=OK))
    plotted += _openalex_pairwise(fig, quality.with_quality(values))
    fig.add_hline(y=50, line_dash="dot", line_color="grey")
    plain = replace(options, mode="absolute", align=False, log=False)
    chart = kit.finish(spec, fig, plotted, plain, "%", "PyTorch-only, % of one-framework papers")
    fig.update_yaxes(range=[0, 100])
    chart.notes.append(HE_NOTE)
    return chart


def _openalex_pairwise(fig: go.Figure, values: pd.DataFrame) -> list[pd.DataFrame]:
    """OpenAlex's yearly AI papers mentioning PyTorch / (PyTorch + TensorFlow), full text, drawn beside He's lines
    as a series of its own (another method: it counts papers that mention both for both), at mid-year."""
    live = values[(values["metric"] == MENTION) & values["framework"].isin(["pytorch", "tensorflow"])]
    wide = live.pivot_table(index="date", columns="framework", values="value")
    if live.empty or not {"pytorch", "tensorflow"} <= set(wide.columns):
        return []
    wide = wide[(wide["pytorch"] + wide["tensorflow"]) > 0]
    rows = live[live["framework"] == "pytorch"].set_index("date").loc[wide.index].reset_index()
    rows["value"] = rows["raw_value"] = (wide["pytorch"] / (wide["pytorch"] + wide["tensorflow"]) * 100).to_numpy()
    rows["x"] = pd.to_datetime(rows["date"]) + pd.DateOffset(months=6)  # a year's count sits at its middle (1 July)
    partial = rows["quality"] != OK
    rows["details"] = [  # the caveat names the partial year as a year ('2026 (to ...)'), not as its first month
        json.dumps({**details_dict(d), "period": f"{pd.Timestamp(day):%Y}"}) if p else d
        for d, day, p in zip(rows["details"], rows["date"], partial)
    ]
    fig.add_trace(
        go.Scatter(
            x=rows["x"],
            y=rows["value"],
            name="OpenAlex, AI papers (full text)",
            mode="lines+markers",
            line={"color": "#222222", "width": 2.5, "dash": "dash"},
            marker={"symbol": ["circle-open" if p else "circle" for p in partial], "size": 8},
            hovertemplate="OpenAlex %{x|%Y}: %{y:.0f}% (a paper mentioning both counts for both)<extra></extra>",
        )
    )
    return [rows.assign(metric="openalex_pytorch_share", unit="%")]


def he_share_of_all(spec, inputs, options, names, colors):
    """Each framework's share of all papers of an edition (He's P/total), one dot per edition."""
    values = inputs.values
    if values.empty or not values["metric"].str.startswith(CONFERENCE_PAPERS).any():
        return kit.empty(spec, [], "conference history")
    totals = values[values["metric"].str.startswith(CONFERENCE_PAPERS)].assign(
        conference=lambda d: d["metric"].str.removeprefix(CONFERENCE_PAPERS)
    )
    mentions = values[values["metric"].str.startswith(CONFERENCE_MENTIONS)].assign(
        conference=lambda d: d["metric"].str.removeprefix(CONFERENCE_MENTIONS)
    )
    both = mentions.merge(totals[["conference", "date", "value"]], on=["conference", "date"], suffixes=("", "_all"))
    both = both[both["value_all"] > 0].copy()
    both["share"] = both["value"] / both["value_all"] * 100.0
    fig, plotted, order = go.Figure(), [], kit.legend_order(names)
    for fid in sorted(both["framework"].unique(), key=lambda f: order.get(f, 999)):
        g = both[both["framework"] == fid].sort_values("date")
        fig.add_trace(
            go.Scatter(
                x=g["date"],
                y=g["share"],
                name=f"{names.get(fid, fid)} only",
                mode="markers",
                marker={"color": colors.get(fid), "size": 8},
                text=[CONFERENCES[c] for c in g["conference"]],
                hovertemplate="%{text} %{x|%Y-%m}: %{y:.1f}% of all papers<extra>" + names.get(fid, fid) + "</extra>",
            )
        )
        out = g.drop(columns=["value_all", "conference"]).assign(value=g["share"], raw_value=g["share"])
        plotted.append(out.drop(columns="share").assign(x=g["date"], unit="% of papers", quality=OK))
    plain = replace(options, mode="absolute", align=False, log=False)
    chart = kit.finish(spec, fig, plotted, plain, "%", "% of all papers of the edition")
    chart.notes.append(HE_NOTE)
    return chart


def hub_models(spec, inputs, options, names, colors):
    values = quality.with_quality(inputs.values) if not inputs.values.empty else inputs.values
    if values.empty or not values["metric"].isin([HUB, HUB_SITE]).any():
        return kit.empty(spec, [HUB])
    series = [(HUB, "solid", ""), (HUB_SITE, "dot", ""), (HUB_UNTAGGED, "dash", "")]
    grey = {**colors, SITE: "#7f7f7f"}
    return _lines(spec, values, options, names, grey, series, "models/month", "models/month", HUB_NOTE)


def hub_share(spec, inputs, options, names, colors):
    values = quality.with_quality(inputs.values) if not inputs.values.empty else inputs.values
    if values.empty or not values["metric"].isin([HUB]).any():
        return kit.empty(spec, [HUB])
    site = values[values["metric"] == HUB_SITE]
    df = pd.concat(
        [
            _ratio(values[values["metric"] == HUB], site, "hub_share"),
            _ratio(values[values["metric"] == HUB_UNTAGGED], site, "hub_untagged_share"),
        ],
        ignore_index=True,
    )
    series = [("hub_share", "solid", ""), ("hub_untagged_share", "dash", "")]
    grey = {**colors, SITE: "#7f7f7f"}
    return _lines(spec, df, options, names, grey, series, "% of models created", "%", HUB_NOTE)


SPECS = [
    ChartSpec("research-he-conferences", "Papers mentioning PyTorch vs TensorFlow: He's conference counts, OpenAlex",
              (*HE_METRICS, MENTION),
              he_conferences, "bundled with fwpulse (conference_papers_he.csv)", view="research", query=he_query,
              time_series=False),
    ChartSpec("research-he-share-of-papers", "Share of conference papers mentioning only one framework", HE_METRICS,
              he_share_of_all, "bundled with fwpulse (conference_papers_he.csv)", view="research", query=he_query,
              time_series=False),
    ChartSpec("research-papers-mentioning", "AI papers mentioning each framework per year (OpenAlex)", (MENTION, ABSTRACT),
              papers_mentioning, RESEARCH, view="research", query=kit.every_value),
    ChartSpec("research-papers-share", "Share of AI papers mentioning each framework (OpenAlex)",
              (MENTION, ABSTRACT, AI, AI_FULLTEXT), papers_share, RESEARCH, view="research", query=with_site),
    ChartSpec("hfhub-models-monthly", "Models created per month on the Hugging Face Hub, by tag",
              (HUB, HUB_SITE, HUB_UNTAGGED), hub_models, HFHUB, view="research", query=with_site),
    ChartSpec("hfhub-models-share", "Share of new Hugging Face Hub models carrying each framework's tags",
              (HUB, HUB_SITE, HUB_UNTAGGED), hub_share, HFHUB, view="research", query=with_site),
]  # fmt: skip
