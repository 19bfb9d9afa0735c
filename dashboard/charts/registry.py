"""The chart registry: every chart the dashboard and `fwpulse export` know, and how to load, render and build one.

Imports the chart core (:mod:`fwpulse.dashboard.charts.spec`) and then every chart module explicitly; no
chart module imports this one, so importing any module alone, in any order, works. A new chart
module is added to :data:`MODULES`.

* ``load(con, chart_id, options) -> ChartInput``: the store query (read-only connection), through
  :mod:`fwpulse.data.read`;
* ``render(chart_id, inputs, options, names, colors) -> Chart``: the spec's pure builder;
* ``build(con, chart_id, options, registry)`` does both: what `fwpulse export` calls. The dashboard
  caches ``load`` (keyed by the database path) and calls ``render``.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from fwpulse.dashboard.charts import (
    article,
    axes,
    breaks,
    caveats,
    drops,
    gharchive,
    github,
    overview,
    research,
    speed,
    usage,
)
from fwpulse.dashboard.charts.spec import Chart, ChartInput, ChartOptions, ChartSpec
from fwpulse.data import read, shifts

MODULES = (
    overview,
    github,
    gharchive,
    usage,
    research,
    speed,
    article,
)


def _collect() -> dict[str, ChartSpec]:
    found: dict[str, ChartSpec] = {}
    for module in MODULES:
        for spec in module.SPECS:
            if spec.id in found:
                raise ValueError(f"duplicate chart id {spec.id!r} ({module.__name__})")
            found[spec.id] = spec
    return found


CHARTS: dict[str, ChartSpec] = _collect()


def load(con: duckdb.DuckDBPyConnection, chart_id: str, options: ChartOptions) -> ChartInput:
    """The chart's store query (pure read; pass a read-only connection)."""
    spec = CHARTS[chart_id]
    frameworks = options.frameworks or None
    thinned = None
    if spec.query is not None:
        values = spec.query(con, spec, options)
    else:
        values, thinned = read.read_values(con, frameworks, spec.metrics, options.start, options.end)
    if "date" in values.columns:
        values["date"] = pd.to_datetime(values["date"])
    events = pd.DataFrame()
    if spec.events:
        events = read.events(con, frameworks)
        if not events.empty:
            events["date"] = pd.to_datetime(events["date"])
            if options.start:
                events = events[events["date"] >= pd.Timestamp(options.start)]
            if options.end:
                events = events[events["date"] <= pd.Timestamp(options.end)]
    collapses = shifts.find(con, spec.collapses, frameworks) if spec.collapses else []
    return ChartInput(values, events, thinned, collapses)


def _one_date_per_series(values: pd.DataFrame) -> bool:
    if values.empty or not {"framework", "metric", "date"} <= set(values.columns):
        return False
    return bool(values.groupby(["framework", "metric"])["date"].nunique().max() <= 1)


def render(
    chart_id: str, inputs: ChartInput, options: ChartOptions, names: dict[str, str], colors: dict[str, str]
) -> Chart:
    spec = CHARTS[chart_id]
    single = _one_date_per_series(inputs.values) if spec.time_series and options.mode == "index" else False
    if single:  # an index of one value per series is 100 for all: show the values themselves
        options = replace(options, mode="absolute")
    chart = spec.builder(spec, inputs, options, names, colors)
    if single and chart.figure is not None:
        chart.notes.append("Shown as values, not indexed: every series here has one date, so each index would be 100.")
    axes.readable(chart.figure)  # readable log ticks, a legend for one series (dashboard/charts/axes.py)
    if inputs.thinned and chart.figure is not None:
        chart.caption += " · thinned to one point per series per week (see note)"  # export.theme.THINNED
        chart.notes.append(inputs.thinned)
    if inputs.collapses and chart.figure is not None and spec.time_series and not options.align:
        chart.notes.append(breaks.mark_collapses(chart.figure, inputs.collapses, names, chart.data))
    if chart.figure is not None and spec.time_series and not options.align and "date" in chart.data.columns:
        axes.fit_time_axis(chart.figure, chart.data["date"])
    if chart.figure is not None and spec.time_series and not options.align and options.mode != "share":
        own = caveats.own_rows(chart)
        if chart.breaks is None:  # unless the builder found them on these rows already (kit.line_chart)
            chart.breaks = breaks.method_breaks(own)
        found = chart.drops = drops.level_drops(own, spec.metrics, chart.breaks)
        note = drops.mark_drops(chart.figure, found, names, options.log, own.get("date"), own.get("value"))
        if note:
            chart.notes.append(note)
    chart.caveat = caveats.caveat_line(chart, names)
    if chart.caveat:  # inside the figure: a reader copies the picture, not the notes under it
        top = chart.figure.layout.margin.t or 60
        chart.figure.update_layout(title_subtitle_text=chart.caveat, margin_t=max(top, 85))
    return chart


def build(con: duckdb.DuckDBPyConnection, chart_id: str, options: ChartOptions, registry) -> Chart:
    """Query and render one chart: what `fwpulse export` calls."""
    if not options.frameworks:
        options = replace(options, frameworks=tuple(registry.ids("main")))
    return render(chart_id, load(con, chart_id, options), options, registry.names(), registry.colors())
