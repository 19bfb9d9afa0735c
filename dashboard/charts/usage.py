"""Community (Stack Overflow), Search interest (Google Trends) and Adoption (PyPI, citations) charts."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts import kit
from fwpulse.dashboard.charts.quality import with_quality
from fwpulse.dashboard.charts.spec import ChartSpec
from fwpulse.data import catalog, read
from fwpulse.data.quality import details_dict

SO = "fwpulse refresh --source stackoverflow"
SO_BACKFILL = "fwpulse refresh --source stackoverflow --backfill"
TRENDS = "fwpulse refresh --source trends"
PYPI = "fwpulse refresh --source pypi"
CITATIONS = "fwpulse refresh --source citations"
CLICKPY = "fwpulse refresh --source clickpy --backfill"

ALL_INSTALLERS_CAVEAT = (
    "All installers: every download PyPI logged, mirrors (bandersnatch and the like) and CI machines included, "
    "summed over the framework's packages (ClickPy's copy of PyPI's BigQuery logs, ClickHouse). Not comparable "
    "with pypistats' figures, which exclude mirrors: compare frameworks within one definition, never across them."
)


def trends_rescaling(values: pd.DataFrame) -> pd.DataFrame:
    """Per framework and batch: term, anchor, scale factor, and the newest raw vs rescaled value.

    Read from each ``trends.interest`` row's ``details`` (term, timeframe, batch, batches, anchor,
    scale, raw: written by the collector, and by migration 0004 for older rows); a row without them
    is counted under batch 'unknown'. Method text is never parsed.
    """
    df = values[values["metric"] == "trends.interest"] if not values.empty else values
    cols = [
        "framework",
        "term",
        "timeframe",
        "batch",
        "anchor",
        "scale",
        "raw (newest)",
        "rescaled (newest)",
        "newest date",
        "rows",
    ]
    if df.empty:
        return pd.DataFrame(columns=cols)
    keys = ["term", "timeframe", "batch", "batches", "anchor", "scale", "raw"]
    details = [details_dict(d) for d in (df["details"] if "details" in df.columns else [None] * len(df))]
    parsed = pd.DataFrame([{k: d.get(k) for k in keys} for d in details], columns=keys)
    df = pd.concat([df.drop(columns=[k for k in keys if k in df.columns]).reset_index(drop=True), parsed], axis=1)
    df["scale"] = pd.to_numeric(df["scale"], errors="coerce").fillna(1.0).where(df["batch"].notna())
    df["batch"] = df["batch"].map(lambda b: "unknown" if b is None or pd.isna(b) else str(int(b)))
    out = []
    for (fid, batch), g in df.sort_values("date").groupby(["framework", "batch"], sort=True):
        last = g.iloc[-1]
        out.append(
            {
                "framework": fid,
                "term": last["term"],
                "timeframe": last["timeframe"],
                "batch": f"{batch} of {int(last['batches'])}" if batch != "unknown" else batch,
                "anchor": last["anchor"] if isinstance(last["anchor"], str) else "(none: <= 5 terms)",
                "scale": last["scale"],
                "raw (newest)": pd.to_numeric(last["raw"], errors="coerce"),
                "rescaled (newest)": last["value"],
                "newest date": pd.Timestamp(last["date"]).date(),
                "rows": len(g),
            }
        )
    return pd.DataFrame(out, columns=cols)


def trends_interest(spec, inputs, options, names, colors):
    chart = kit.line_chart(spec, inputs.values, options, names, colors, "trends.interest")
    if chart.figure is not None:
        scales = trends_rescaling(inputs.values)
        anchored = scales[scales["anchor"] != "(none: <= 5 terms)"]
        if not anchored.empty:
            first = anchored.iloc[0]
            chart.notes.append(
                f"More than five terms: requests were batched around the anchor term '{first['anchor']}' and each "
                "batch was multiplied by (batch 1's anchor mean / its own anchor mean), so values above 100 are "
                "possible. The scale factor per framework is in the table below and in every CSV row's details."
            )
        else:
            chart.notes.append(
                "All terms fitted in one request (at most five): values are as Google Trends served "
                "them, 0-100 relative to the peak of the request."
            )
    return chart


def dependents(spec, inputs, options, names, colors):
    from fwpulse.data import catalog

    chart = kit.line_chart(spec, inputs.values, options, names, colors, "pypi.dependents_monthly")
    if chart.figure is not None:
        chart.notes.append(
            f"Definition: {catalog.metric('pypi.dependents_monthly').definition} A project counts once "
            "per month however many files it uploaded; the running month is not stored."
        )
    return chart


SHARE_NOTE = (
    "Percent of all new Stack Overflow questions in the month (what Stack Overflow Trends plots); shrinking "
    "overall traffic makes shares rise even at flat counts."
)
TOTAL_NOTE = "Summed over each framework's tags: a question with two of them counts twice."
AI_INDEX_NOTE = (
    "Page-scraped yearly counts up to 2020, one bar per calendar year; a hatched bar is a partial year, "
    "labelled with the day its count stops (the 2020 scrape ended 2020-06-12), so it is not a fall."
)
PYPI_DAILY_NOTE = "pypistats keeps 180 days; fwpulse stores every run's days, so history grows with each refresh."
CITATIONS_NOTE = "Keras and JAX have no paper with a DOI, so they have no citation counts."


def year_of(date, details) -> int:
    """The calendar year a yearly count describes: its ``details.period`` when the row says, else the date's."""
    period = str(details_dict(details).get("period") or "")
    return int(period) if period.isdigit() else pd.Timestamp(date).year


def yearly_bars(metric: str, note: str):
    """The builder of a chart of yearly counts as bars per calendar year (dated at year end, they read as the
    next January on a time axis); a partial year is hatched and labelled with where its count stops."""

    def builder(spec, inputs, options, names, colors):
        df = inputs.values[inputs.values["metric"] == metric] if not inputs.values.empty else inputs.values
        if df.empty:
            return kit.empty(spec, [metric])
        df = with_quality(df)
        df["x"] = [year_of(d, det) for d, det in zip(df["date"], df["details"])]
        df["raw_value"] = df["value"]
        order = {fid: i for i, fid in enumerate(names)}  # registry order, as every legend
        fig = go.Figure()
        for fid in sorted(df["framework"].unique(), key=lambda f: order.get(f, 999)):
            g = df[df["framework"] == fid].sort_values("x")
            partial = [q == "partial_period" for q in g["quality"]]
            ends = [details_dict(d).get("period_end") for d in g["details"]]
            fig.add_bar(
                x=g["x"],
                y=g["value"],
                name=names.get(fid, fid),
                marker={"color": colors.get(fid), "pattern": {"shape": ["/" if p else "" for p in partial]}},
                hovertemplate="%{x}: %{y:,.0f}<extra>" + names.get(fid, fid) + "</extra>",
            )
        partial = df[df["quality"] == "partial_period"]
        for year, rows in partial.groupby("x"):  # one label over each partial year's bars: where it stops
            ends = {details_dict(d).get("period_end") for d in rows["details"]} - {None}
            stop = f" (to {pd.Timestamp(min(ends)):%b %d})" if ends else ""
            # The label is wider than the year's group: it reaches over the year before's last bar.
            before = df[df["x"] == year - 1].sort_values("framework", key=lambda c: c.map(order))["value"]
            top = max(rows["value"].max(), before.iloc[-1] if not before.empty else 0)
            fig.add_annotation(  # right-aligned on the group's right edge: never past the plot's end
                x=year + 0.45, y=top, text=f"{year}: partial year{stop}", showarrow=False,
                xanchor="right", yshift=14, font={"size": 12}, name="fwpulse-partial",
            )  # fmt: skip
        fig.update_layout(title=spec.title, barmode="group", yaxis_title="questions/year")
        fig.update_xaxes(dtick=1, tickformat="d", title_text="calendar year")
        chart = kit.finish(spec, fig, [df], options, catalog.metric(metric).unit, time_series=False)
        chart.notes.append(note)
        return chart

    builder.__name__ = metric.replace(".", "_")
    return builder


SO_SITE = "stackoverflow.questions_monthly_site"
SITE_NOTE = (
    "Every new Stack Overflow question per month, all tags (the denominator of the share chart), whichever "
    "frameworks are picked."
)


def site_questions(con, spec, options) -> pd.DataFrame:
    """All Stack Overflow questions per month (the site-wide series, framework id '_all'), whatever is picked."""
    return read.read_values(con, [catalog.SITE], spec.metrics, options.start, options.end)[0]


def site_line(spec, inputs, options, names, colors):
    """The site-wide monthly questions as one grey line named for what it counts (a share of the selected
    frameworks' total does not apply to it: one series is always 100%, so it stays in counts)."""
    site = {catalog.SITE: catalog.SERIES_NAMES[catalog.SITE]}
    shown = replace(options, mode="absolute") if options.mode == "share" else options
    chart = kit.line_chart(spec, inputs.values, shown, site, {catalog.SITE: "#7f7f7f"}, SO_SITE)
    if chart.figure is not None:
        chart.notes.append(SITE_NOTE)
        if shown is not options:
            chart.notes.append("Shown in counts: a share of the selected total does not apply to the site-wide series.")
    return chart


SPECS = [
    kit.line_spec(
        "stackoverflow-questions-monthly",
        "Stack Overflow questions per month",
        "stackoverflow.questions_monthly",
        SO_BACKFILL,
        "community",
        collapses=("stackoverflow.questions_monthly", SO_SITE),
    ),
    kit.line_spec(
        "stackoverflow-questions-share",
        "Share of all Stack Overflow questions",
        "stackoverflow.questions_share",
        SO_BACKFILL,
        "community",
        SHARE_NOTE,
        collapses=(SO_SITE,),
    ),
    ChartSpec(
        "stackoverflow-questions-site",
        "All Stack Overflow questions per month",
        (SO_SITE,),
        site_line,
        SO_BACKFILL,
        view="community",
        query=site_questions,
        collapses=(SO_SITE,),
    ),
    kit.line_spec(
        "stackoverflow-questions-total",
        "Stack Overflow questions (total)",
        "stackoverflow.questions_total",
        SO,
        "community",
        TOTAL_NOTE,
        collapses=(SO_SITE,),
    ),
    ChartSpec(
        "stackoverflow-questions-yearly-ai-index",
        "Stack Overflow questions asked per year (Stanford AI Index 2020)",
        ("manual.stackoverflow_questions_asked_in_year",),
        yearly_bars("manual.stackoverflow_questions_asked_in_year", AI_INDEX_NOTE),
        "fwpulse import FILE.csv",
        view="community",
        query=kit.every_value,
        time_series=False,
    ),
    ChartSpec(
        "trends-interest",
        "Google Trends search interest",
        ("trends.interest",),
        trends_interest,
        TRENDS,
        view="search-interest",
    ),
    kit.line_spec(
        "pypi-downloads-monthly-all",
        "PyPI downloads per month, all installers incl. mirrors and CI (ClickPy)",
        "pypi.downloads_monthly_all",
        CLICKPY,
        "adoption",
        ALL_INSTALLERS_CAVEAT,
    ),
    kit.line_spec(
        "pypi-downloads-daily-all",
        "PyPI downloads per day, all installers incl. mirrors and CI (ClickPy)",
        "pypi.downloads_daily_all",
        CLICKPY,
        "adoption",
        ALL_INSTALLERS_CAVEAT,
    ),
    ChartSpec(
        "pypi-dependents-monthly",
        "PyPI projects releasing with a dependency on the framework, per month",
        ("pypi.dependents_monthly",),
        dependents,
        CLICKPY,
        view="adoption",
    ),
    kit.line_spec(
        "pypi-downloads-daily", "PyPI downloads per day", "pypi.downloads_daily", PYPI, "adoption", PYPI_DAILY_NOTE
    ),
    kit.line_spec(
        "citations-yearly", "Citations per year (OpenAlex)", "citations.yearly", CITATIONS, "adoption", CITATIONS_NOTE
    ),
    kit.line_spec(
        "citations-total", "Citations (total, OpenAlex)", "citations.total", CITATIONS, "adoption", CITATIONS_NOTE
    ),
]
