"""GitHub view charts from GH Archive (source ``gharchive``): monthly stars given, forks, issue and PR flow.

The months from 2025-05 on (GitHub's public event feed lost most events from 2025-05-23) and GH Archive's
outage months are stored with ``quality = 'lower_bound'``, the running month with ``partial_period``.
Merged pull requests end with 2025-09 (the events carry no ``merged`` flag from 2025-10-07): the PR chart
drops any merged value from 2025-10 on (stored by an older fwpulse) and marks, inside the figure, where
and why that line stops. They are drawn
with the dashboard's quality styling (:mod:`fwpulse.dashboard.charts.quality`: each framework's months in
runs of equal quality, flagged runs dotted with their own markers, a dotted connector between runs), and
the hover gives this source's reason, e.g. "lower bound: GitHub's event feed degraded from 2025-05-23".
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts import breaks, kit, quality
from fwpulse.dashboard.charts.spec import ChartSpec
from fwpulse.data import catalog
from fwpulse.data.quality import OK, details_dict, quality_of, reason

BACKFILL = "fwpulse refresh --source gharchive --backfill"
LOWER_BOUND_FROM = pd.Timestamp("2025-05-01")
LOWER_BOUND_REASON = "GitHub's event feed degraded from 2025-05-23"
MERGED_METRIC = "gharchive.prs_merged"
MERGED_UNTIL = pd.Timestamp("2025-10-01")  # first month GH Archive cannot count merged PRs
MERGED_LABEL = "merged PRs: not in GH Archive from 2025-10"
MERGED_NOTE = (
    "The merged line stops at 2025-09: from about 2025-10-07 GitHub's event payloads carry no 'merged' "
    "field, so GH Archive cannot tell a merged pull request from a closed one."
)
LOWER_BOUND_HOVER = f"lower bound: {LOWER_BOUND_REASON}"
PARTIAL_REASON = "the month was not over when collected"
CAVEAT = (
    "Counted from GH Archive's copy of GitHub's public event feed (ClickHouse `github.github_events`), including "
    "the repositories' former names (counted by repository id). The feed degraded from 2025-05-23 and collapsed "
    "in 2026 (under 20% of stars captured): months from 2025-05 on, and GH Archive's outage months, are lower "
    "bounds, drawn dotted with triangle markers; the running month is partial (hollow circle). Merged pull "
    "requests end with 2025-09 (the events lost their 'merged' flag). Stars given are never net of stars "
    "removed, so they do not add up to the star count."
)


def flag_reason(quality: str, date, details) -> str:
    """Why a GH Archive month is not a final count, in this source's words ('' for an ok month)."""
    quality = quality_of(quality)
    if quality == OK:
        return ""
    if quality == "partial_period":
        return PARTIAL_REASON
    if quality == "lower_bound":
        if pd.Timestamp(date) >= LOWER_BOUND_FROM:
            return LOWER_BOUND_REASON
        return details_dict(details).get("why") or "GH Archive missed events this month"
    return reason(quality, details)


def _with_reasons(df: pd.DataFrame) -> pd.DataFrame:
    """``details.reason`` set from :func:`flag_reason`, which the quality styling puts in the hover."""
    df = quality.with_quality(df)
    df["details"] = [
        d if q == OK else json.dumps({**details_dict(d), "reason": flag_reason(q, day, d)})
        for q, day, d in zip(df["quality"], df["date"], df["details"])
    ]
    return df


def quality_lines(spec, values: pd.DataFrame, options, names, colors, series: list[tuple[str, str, str]], y_title: str):
    """One line per (metric, framework) in ``series`` = (metric, dash of complete months, legend suffix)."""
    metrics = [m for m, _, _ in series]
    df = values[values["metric"].isin(metrics)] if not values.empty else values
    if not df.empty:  # merged counts from 2025-10 on are structural zeros (an older fwpulse stored them)
        df = df[~((df["metric"] == MERGED_METRIC) & (pd.to_datetime(df["date"]) >= MERGED_UNTIL))]
    if df.empty:
        return kit.empty(spec, metrics)
    df = kit.transform(_with_reasons(df), options)
    order = kit.legend_order(names)
    fig = go.Figure()
    xfmt = "%{x:.1f} y" if options.align else "%{x|%Y-%m}"
    fmt = ":,.1f" if options.mode != "absolute" or options.smoothing > 1 else ":,.0f"
    plotted, kinds, connectors = [], set(), []
    for metric, dash, suffix in series:
        part = df[df["metric"] == metric]
        unit = kit.plotted_unit(catalog.metric(metric).unit, options)
        for fid in sorted(part["framework"].unique(), key=lambda f: order.get(f, 999)):
            g = part[part["framework"] == fid].sort_values("date")
            label = names.get(fid, fid) + (f" · {suffix}" if suffix else "")
            kinds |= quality.add_series(
                fig,
                g,
                label,
                colors.get(fid),
                xfmt + ": %{y" + fmt + "}",
                dash=dash,
                width=2.2,
                legendgroup=f"{fid}|{metric}",
                shapes=connectors,
            )
            g = g.copy()
            g["unit"] = unit
            plotted.append(g)
    quality.add_shapes(fig, connectors)
    quality.legend_key(fig, kinds)
    merged_stops = MERGED_METRIC in metrics and not options.align and pd.to_datetime(df["date"]).max() >= MERGED_UNTIL
    if merged_stops:  # inside the figure: a reader copies the picture, not the note under it
        breaks.vline_label(fig, MERGED_UNTIL, MERGED_LABEL, 0, "right", hovertext=MERGED_NOTE, name="fwpulse-break")
    chart = kit.finish(spec, fig, plotted, options, "", y_title)
    if merged_stops:
        chart.notes.append(MERGED_NOTE)
    note = quality.quality_note(kinds)
    if note:
        flagged = chart.data[chart.data["quality"] != OK]
        months = pd.to_datetime(flagged["date"])
        chart.notes.append(
            f"{flagged['date'].nunique()} month(s) here are not final counts ({months.min():%Y-%m} to "
            f"{months.max():%Y-%m}; the CSV's quality column says which)."
        )
        chart.notes.append(note)
    return chart


def _lines(series: list[tuple[str, str]], y_title: str):
    """The builder of a chart of ``series`` = [(metric, legend suffix)]: the first solid, the second dashed."""

    def builder(spec, inputs, options, names, colors):
        drawn = [(metric, dash, suffix) for (metric, suffix), dash in zip(series, ("solid", "dash"))]
        return quality_lines(spec, inputs.values, options, names, colors, drawn, y_title)

    builder.__name__ = "_".join(metric.replace(".", "_") for metric, _ in series)
    return builder


# (chart id, title, series drawn: [(metric, legend suffix)], y axis title)
_CHARTS = [
    ("gharchive-stars-given", "Stars given per month (GH Archive)", [("gharchive.stars_given", "")], "stars/month"),
    ("gharchive-forks", "Forks per month (GH Archive)", [("gharchive.forks", "")], "forks/month"),
    (
        "gharchive-issues",
        "Issues opened and closed per month (GH Archive)",
        [("gharchive.issues_opened", "opened"), ("gharchive.issues_closed", "closed")],
        "issues/month",
    ),
    (
        "gharchive-prs",
        "Pull requests opened and merged per month (GH Archive)",
        [("gharchive.prs_opened", "opened"), ("gharchive.prs_merged", "merged")],
        "PRs/month",
    ),
]
SPECS = [
    ChartSpec(
        cid,
        title,
        tuple(m for m, _ in series),
        _lines(series, y_title),
        BACKFILL,
        view="github",
        query=kit.every_value,
    )
    for cid, title, series, y_title in _CHARTS
]
