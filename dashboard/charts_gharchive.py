"""GitHub view charts from GH Archive (source ``gharchive``): monthly stars given, forks, issue and PR flow.

The months from 2025-06 on (GitHub's public event feed lost most events) and GH Archive's outage months
are stored with ``quality = 'lower_bound'``, the running month with ``partial_period``. These charts draw
each framework's months in runs of equal quality: solid (or dashed) lines for complete months, a dotted
line with hollow markers for flagged ones, a dotted connector between runs, and the reason in the hover.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard import chartkit as K
from fwpulse.dashboard.charts import ChartSpec
from fwpulse.data import catalog

BACKFILL = "fwpulse refresh --source gharchive --backfill"
LOWER_BOUND_FROM = pd.Timestamp("2025-06-01")
LOWER_BOUND_HOVER = "lower bound: GitHub's event feed degraded after 2025-05"
PARTIAL_HOVER = "partial month: not over when collected"
FLAG_KEY = "hollow markers, dotted: lower bound or partial month"
CAVEAT = (
    "Counted from GH Archive's copy of GitHub's public event feed (ClickHouse `github.github_events`), including "
    "the repositories' former names. The feed degraded after 2025-05 and collapsed in 2026 (under 20% of stars "
    "captured): months from 2025-06 on, and GH Archive's outage months, are lower bounds, drawn dotted with hollow "
    "markers; the running month is partial. Stars given are never net of stars removed, so they do not add up to "
    "the star count.")
FLAG_COLUMNS = list(dict.fromkeys([*K.DATA_COLUMNS, "quality"]))   # DATA_COLUMNS carries quality now
OPEN_SYMBOLS = ("circle-open", "square-open", "diamond-open")


def _query(con, spec, options) -> pd.DataFrame:
    """Every stored month with its quality flag (monthly series are never thinned; thinning drops the flag)."""
    try:
        from fwpulse.data.read import read_values
    except ImportError:   # before the read API moved out of the chart core
        from fwpulse.dashboard.charts import read_values

    values, _ = read_values(con, options.frameworks or None, spec.metrics, options.start, options.end, thin=False)
    return values


def _details(value) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            out = json.loads(value)
            return out if isinstance(out, dict) else {}
        except ValueError:
            return {}
    return {}


def flag_reason(row) -> str:
    """The hover line for a flagged month ('' for an ok one)."""
    quality = row.get("quality") or "ok"
    if quality == "ok":
        return ""
    if quality == "partial_period":
        return PARTIAL_HOVER
    if quality == "lower_bound":
        if pd.Timestamp(row["date"]) >= LOWER_BOUND_FROM:
            return LOWER_BOUND_HOVER
        why = _details(row.get("details")).get("why")
        return f"lower bound: {why}" if why else "lower bound: GH Archive missed events this month"
    return f"{quality.replace('_', ' ')}"


def _runs(g: pd.DataFrame) -> list[pd.DataFrame]:
    """Consecutive rows of equal flag (ok vs flagged)."""
    flagged = g["quality"].fillna("ok").ne("ok")
    run_id = flagged.ne(flagged.shift()).cumsum()
    return [r for _, r in g.groupby(run_id, sort=True)]


def quality_lines(spec, values: pd.DataFrame, options, names, colors, series: list[tuple[str, str, str]],
                  y_title: str):
    """One line per (metric, framework) in ``series`` = (metric, dash of complete months, legend suffix)."""
    metrics = [m for m, _, _ in series]
    df = values[values["metric"].isin(metrics)] if not values.empty else values
    if df.empty:
        return K.empty(spec, metrics)
    df = df.copy()
    if "quality" not in df.columns:
        df["quality"] = "ok"
    df["quality"] = df["quality"].fillna("ok")
    df = K.transform(df, options)
    order = K.C._order(names)
    fig = go.Figure()
    xfmt = "%{x:.1f} y" if options.align else "%{x|%Y-%m}"
    fmt = ":,.1f" if options.mode != "absolute" or options.smoothing > 1 else ":,.0f"
    plotted, any_flag = [], False
    for i, (metric, dash, suffix) in enumerate(series):
        part = df[df["metric"] == metric]
        unit = K._unit(catalog.metric(metric).unit, options)
        for fid in sorted(part["framework"].unique(), key=lambda f: order.get(f, 999)):
            g = part[part["framework"] == fid].sort_values("date")
            label = names.get(fid, fid) + (f" · {suffix}" if suffix else "")
            color = colors.get(fid)
            legend_done = False
            runs = _runs(g)
            for k, run in enumerate(runs):
                flagged = run["quality"].iloc[0] != "ok"
                any_flag |= flagged
                reasons = [flag_reason(r) for r in run.to_dict("records")]
                hover = (xfmt + ": %{y" + fmt + "}" + ("<br>%{customdata}" if flagged else "")
                         + "<extra>" + label + "</extra>")
                fig.add_trace(go.Scatter(
                    x=run["x"], y=run["value"], name=label, legendgroup=f"{fid}|{metric}",
                    showlegend=not legend_done and not flagged,
                    mode="lines+markers" if flagged or len(run) <= 2 else "lines",
                    line={"color": color, "width": 2.2 if not flagged else 2.0, "dash": "dot" if flagged else dash},
                    marker={"color": color, "size": 8 if flagged else 6,
                            "symbol": OPEN_SYMBOLS[i % len(OPEN_SYMBOLS)] if flagged else "circle",
                            "line": {"color": color, "width": 2}},
                    customdata=reasons, hovertemplate=hover))
                legend_done |= not flagged
                if k > 0:   # dotted connector from the previous run's last month: no gap, no extra point
                    prev = runs[k - 1].iloc[-1]
                    first = run.iloc[0]
                    fig.add_shape(type="line", xref="x", yref="y", x0=prev["x"], y0=prev["value"], x1=first["x"],
                                  y1=first["value"], line={"color": color, "width": 2.0, "dash": "dot"}, layer="below")
            if not legend_done:   # only flagged months: still one legend entry for the series
                fig.data[-1].showlegend = True
            g = g.copy()
            g["unit"] = unit
            plotted.append(g)
    if any_flag:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines+markers", name=FLAG_KEY, hoverinfo="skip",
                                 line={"color": "grey", "dash": "dot", "width": 2},
                                 marker={"color": "grey", "symbol": "circle-open", "size": 8}))
    K.C._style(fig, spec, options, y_title)
    fig.update_layout(showlegend=True)   # one series still gets its legend entry
    data = pd.concat(plotted, ignore_index=True)
    data = data[[c for c in FLAG_COLUMNS if c in data.columns]]
    text, sources, as_of = K.C.caption_for(data, options)
    chart = K.C.Chart(spec, fig, data, text, sources=sources, as_of=as_of)
    if any_flag:
        flagged = data[data["quality"] != "ok"]
        months = pd.to_datetime(flagged["date"])
        chart.notes.append(
            f"{flagged['date'].nunique()} month(s) here are not final counts ({months.min():%Y-%m} to "
            f"{months.max():%Y-%m}; dotted, hollow markers; the CSV's quality column says which): lower bounds "
            "after 2025-05 and in GH Archive outages, the running month partial.")
    return chart


def _one(metric: str, y_title: str):
    def builder(spec, inputs, options, names, colors):
        return quality_lines(spec, inputs.values, options, names, colors, [(metric, "solid", "")], y_title)
    builder.__name__ = metric.replace(".", "_")
    return builder


def _two(a: tuple[str, str], b: tuple[str, str], y_title: str):
    def builder(spec, inputs, options, names, colors):
        return quality_lines(spec, inputs.values, options, names, colors,
                             [(a[0], "solid", a[1]), (b[0], "dash", b[1])], y_title)
    builder.__name__ = a[0].replace(".", "_") + "_" + b[1]
    return builder


SPECS = [
    ChartSpec("gharchive-stars-given", "Stars given per month (GH Archive)", ("gharchive.stars_given",),
              _one("gharchive.stars_given", "stars/month"), BACKFILL, view="github", query=_query),
    ChartSpec("gharchive-forks", "Forks per month (GH Archive)", ("gharchive.forks",),
              _one("gharchive.forks", "forks/month"), BACKFILL, view="github", query=_query),
    ChartSpec("gharchive-issues", "Issues opened and closed per month (GH Archive)",
              ("gharchive.issues_opened", "gharchive.issues_closed"),
              _two(("gharchive.issues_opened", "opened"), ("gharchive.issues_closed", "closed"), "issues/month"),
              BACKFILL, view="github", query=_query),
    ChartSpec("gharchive-prs", "Pull requests opened and merged per month (GH Archive)",
              ("gharchive.prs_opened", "gharchive.prs_merged"),
              _two(("gharchive.prs_opened", "opened"), ("gharchive.prs_merged", "merged"), "PRs/month"),
              BACKFILL, view="github", query=_query),
]
