"""Chart core: the types every chart module shares (options, spec, input, chart) and the line-chart workhorse.

A chart is two pure steps, run by :mod:`fwpulse.dashboard.charts.registry` (which lists every chart):
``load`` (the store query) gives a :class:`ChartInput`, the spec's ``builder`` turns it into a
:class:`Chart` (figure, exactly the plotted rows, caption). The presentation options shared by
every view (scale, absolute / index / share, alignment by project age, smoothing, date range,
frameworks) live in :class:`ChartOptions`, and :func:`transform` applies them the same way
everywhere. This module imports no chart module, so any module imports in any order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts import axes, breaks, quality
from fwpulse.data import catalog

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


# ---------------------------------------------------------------------------- shared helpers


def caption_for(df: pd.DataFrame, options: ChartOptions | None = None) -> tuple[str, list[str], dt.date | None]:
    """Caption 'Source: S (method, method); T (method) · data as of ...', the distinct sources, and the as-of date.

    Each source is named once, each of its methods once (a source with more than three: the first and
    how many more, all of them in the CSV)."""
    if df.empty:
        return "", [], None
    methods: dict[str, list[str]] = {}
    for source, method in zip(df["source"], df["method"]):
        if isinstance(source, str):
            seen = methods.setdefault(source, [])
            if isinstance(method, str):
                # 'S (S monthly snapshot: ...)' reads as 'S (monthly snapshot: ...)'
                method = method[len(source) :].lstrip(" :-") if method.startswith(source + " ") else method
                if method not in seen:
                    seen.append(method)
    parts = []
    for source, ms in methods.items():
        shown = "; ".join(ms) if len(ms) <= 3 else f"{ms[0]} and {len(ms) - 1} more methods, see CSV"
        parts.append(f"{source} ({shown})" if shown else source)
    as_of = pd.to_datetime(df["date"]).max().date()
    text = f"Source: {'; '.join(parts)} · data as of {as_of}"
    if options is not None and options.describe():
        text += f" · shown {options.describe()}"
    return text, list(methods), as_of


def transform(df: pd.DataFrame, options: ChartOptions) -> pd.DataFrame:
    """Apply smoothing, index/share and alignment to a long (framework, date, value) frame.

    Keeps the stored figure in ``raw_value``; ``value`` is what is plotted and ``x`` the x axis.
    """
    out = df.sort_values(["framework", "date"]).copy()
    out["raw_value"] = out["value"]
    if out.empty:
        out["x"] = out["date"]
        return out
    if options.smoothing > 1:  # within one counting method: a mean never mixes two
        out["value"] = out.groupby(["framework", "metric", breaks.method_key(out)], sort=False)["value"].transform(
            lambda s: s.rolling(options.smoothing, min_periods=1, center=True).mean()
        )
    if options.mode == "index":
        for _, g in out.groupby(["framework", "metric"], sort=False):
            out.loc[g.index, "value"] = breaks.spliced_index(g)
    elif options.mode == "share":
        # Sources sample frameworks on different days, so shares are taken per calendar month,
        # from each framework's last value in that month.
        out["_month"] = pd.to_datetime(out["date"]).dt.to_period("M")
        out = out.groupby(["framework", "metric", "_month"], sort=False).tail(1).copy()
        total = out.groupby(["metric", "_month"])["value"].transform("sum")
        out["value"] = (out["value"] / total * 100.0).where(total != 0)
        out = out.drop(columns="_month")
    if options.align:
        start = out.groupby("framework")["date"].transform("min")
        out["x"] = (pd.to_datetime(out["date"]) - pd.to_datetime(start)).dt.days / 365.25
    else:
        out["x"] = out["date"]
    return out


def legend_order(names: dict[str, str]) -> dict[str, int]:
    return {fid: i for i, fid in enumerate(names)}  # registry order, so legends read the same everywhere


def legend_rows(fig: go.Figure, width: int = 700) -> int:
    """Rows a horizontal legend takes on a chart ``width`` px wide (about 7 px a character, 40 for the key)."""
    rows, used = 0, width
    for t in fig.data:
        if not t.name or t.showlegend is False:
            continue
        w = 7 * len(t.name) + 40
        if used + w > width:
            rows, used = rows + 1, 0
        used += w
    return rows


def _style(fig: go.Figure, spec: ChartSpec, options: ChartOptions, y_title: str) -> None:
    if options.mode == "index":
        y_title = "index (first = 100)"
    elif options.mode == "share":
        y_title = "% of selected total"
    fig.update_layout(
        title=spec.title,
        yaxis_title=y_title,
        xaxis_title="years since first data point" if options.align else None,
        hovermode="x unified",
        # below the plot, and below the x title when there is one (aligned charts)
        legend={"orientation": "h", "y": -0.28 if options.align else -0.15, "yanchor": "top"},
        margin={"t": 60, "b": 40, "l": 60, "r": 20},
        template="plotly_white",
    )
    # labels stand off their axes, so the corner's first x and lowest y labels do not touch
    fig.update_xaxes(ticklabelstandoff=4)
    fig.update_yaxes(ticklabelstandoff=4)
    rows = legend_rows(fig)
    if rows > 1:  # room below the plot for every legend row: none may fall off the figure
        fig.update_layout(height=450 + 24 * rows, margin_b=60 + 24 * rows)
    if options.log:
        fig.update_yaxes(type="log")
        axes.on_log_axis(fig)
    else:
        fig.update_yaxes(nticks=8)  # plotly's own choice left two labels (0, 50M) on a short axis


def line_chart(
    spec: ChartSpec,
    values: pd.DataFrame,
    options: ChartOptions,
    names: dict[str, str],
    colors: dict[str, str],
    metric: str,
    markers: pd.DataFrame | None = None,
    marker_label: str = "",
    vlines: list[tuple[str, str]] = (),
    events: pd.DataFrame | None = None,
) -> Chart:
    """One line per framework for ``metric``, with ChartOptions applied; the workhorse of most charts."""
    order = legend_order(names)
    df = values[values["metric"] == metric]
    if df.empty:
        return Chart(spec, None, df, "", empty_reason=f"No {catalog.metric(metric).label} data yet.")
    df = transform(quality.with_quality(df), options)
    df = df.sort_values(["framework", "date"], key=lambda c: c.map(order) if c.name == "framework" else c)
    m = catalog.metric(metric)
    fig = go.Figure()
    fmt = ":,.1f" if options.mode != "absolute" or options.smoothing > 1 else ":,.0f"
    xfmt = "%{x:.1f} y" if options.align else "%{x|%Y-%m-%d}"
    kinds: set[str] = set()
    for fid, g in df.groupby("framework", sort=False):
        # One line per counting method; runs of equal quality; a series with one or two points gets markers
        # (a line alone would be invisible).
        kinds |= breaks.method_lines(fig, g, names.get(fid, fid), colors.get(fid), xfmt + ": %{y" + fmt + "}")
    plotted, notes = [df], []
    if markers is not None and not markers.empty and options.mode == "absolute" and not options.align:
        mk = quality.with_quality(markers)
        for fid, g in mk.groupby("framework", sort=False):
            quality.figure_marks(fig, g, f"{names.get(fid, fid)}: {marker_label}", colors.get(fid), marker_label, 13)
        mk["raw_value"], mk["x"] = mk["value"], mk["date"]
        plotted.append(mk)
    if not options.align:
        notes.append(breaks.mark_method_changes(fig, df, names))
        for i, (date, label) in enumerate(vlines):
            breaks.vline_label(fig, date, label, i)
        if events is not None and not events.empty:
            for fid, g in events.groupby("framework", sort=False):
                fig.add_trace(
                    go.Scatter(
                        x=pd.to_datetime(g["date"]),
                        y=[None] * len(g),
                        mode="markers",
                        showlegend=False,
                        name=f"{names.get(fid, fid)} releases",
                        hoverinfo="skip",
                    )
                )
                lines = [
                    {"type": "line", "xref": "x", "yref": "paper", "x0": d, "x1": d, "y0": 0, "y1": 1,
                     "line": {"width": 1, "dash": "dot", "color": colors.get(fid, "grey")}, "opacity": 0.5}
                    for d in pd.to_datetime(g["date"])
                ]  # fmt: skip
                fig.layout.shapes = [*fig.layout.shapes, *lines]  # one assignment: add_vline re-validates all
    quality.legend_key(fig, kinds)
    stale = quality.stale_marks(fig, df, names)
    _style(fig, spec, options, m.unit)
    data = pd.concat(plotted, ignore_index=True)
    data["unit"] = m.unit if options.mode == "absolute" else ("index" if options.mode == "index" else "%")
    data = data[[c for c in DATA_COLUMNS if c in data.columns]]
    text, sources, as_of = caption_for(data, options)
    notes = [n for n in [quality.quality_note(kinds), *stale, *notes] if n]
    return Chart(spec, fig, data, text, notes=notes, sources=sources, as_of=as_of)
