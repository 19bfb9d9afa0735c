"""What a chart is: the options every view shares, a chart's spec, its input and the drawn chart.

A chart is two pure steps, run by :mod:`fwpulse.dashboard.charts.registry` (which lists every chart):
``load`` (the store query) gives a :class:`ChartInput`, the spec's ``builder`` turns it into a
:class:`Chart` (figure, exactly the plotted rows, caption). The presentation options shared by
every view (scale, absolute / index / share, alignment by project age, smoothing, date range,
frameworks) live in :class:`ChartOptions`; :func:`fwpulse.dashboard.charts.kit.transform` applies them
the same way everywhere. This module imports no other chart module, so any module imports in any order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

MODES = ("absolute", "index", "share")
# The columns of a chart's plotted rows (``Chart.data``), in CSV order; a chart may add its own after them.
DATA_COLUMNS = [
    "framework",
    "metric",
    "date",
    "x",
    "value",
    "raw_value",
    "unit",
    "quality",
    "details",
    "source",
    "method",
    "source_url",
    "note",
]
MODE_LABELS = {"absolute": "Absolute", "index": "Index (first = 100)", "share": "Share of total (%)"}


@dataclass(frozen=True)
class ChartOptions:
    """Presentation options shared by all views and by `fwpulse export` (hashable: a cache key)."""

    frameworks: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    log: bool = False  # logarithmic y axis
    mode: str = "absolute"  # absolute | index | share
    align: bool = False  # x axis = years since each series' first data point
    smoothing: int = 1  # centred rolling mean over N points (1 = none)

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.smoothing < 1:
            raise ValueError("smoothing must be >= 1")

    def describe(self) -> str:
        """What was done to the stored values, for captions and export footers ('' when nothing)."""
        parts = []
        if self.mode == "index":
            parts.append(
                "indexed to 100 at each series' first point in range (a change of counting method is spliced, not counted as growth)"
            )
        elif self.mode == "share":
            parts.append(
                "share of the selected frameworks' total per month (each framework's last value "
                "in the month; months count the frameworks that have data)"
            )
        if self.smoothing > 1:
            parts.append(f"{self.smoothing}-point rolling mean")
        if self.align:
            parts.append("aligned by years since each series' first data point")
        if self.log:
            parts.append("log scale")
        return "; ".join(parts)


@dataclass
class ChartInput:
    values: pd.DataFrame  # rows of metric_values (or the chart's own query)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)  # release events, when the chart annotates them
    thinned: str | None = None  # why fewer rows than stored (read_values)
    collapses: list[dict] = field(default_factory=list)  # volume collapses found in the data (data/shifts.py)


@dataclass(frozen=True)
class ChartSpec:
    id: str
    title: str
    metrics: tuple[str, ...]  # what the chart reads from metric_values
    builder: Callable[..., "Chart"]  # builder(spec, inputs, options, names, colors) -> Chart
    fill_hint: str  # command that fills it when empty
    view: str = "overview"  # the dashboard view that shows it
    events: bool = False  # also load release events
    query: Callable[..., pd.DataFrame] | None = None  # query(con, spec, options); default: metric_values
    time_series: bool = True  # ChartOptions' transforms apply
    collapses: tuple[str, ...] = ()  # per-period metrics whose volume collapses are marked (data/shifts.py)


@dataclass
class Chart:
    spec: ChartSpec
    figure: go.Figure | None
    data: pd.DataFrame  # exactly the plotted rows
    caption: str
    empty_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    as_of: dt.date | None = None
    caveat: str = ""  # one line from the plotted rows, shown inside the figure (dashboard/charts/caveats.py)
    drops: list | None = None  # the >15% falls found when the chart was rendered (charts/drops.py), for its caveat
    breaks: list | None = None  # its method changes (charts/breaks.method_breaks of its own rows), found once
