"""Figure rules every chart follows, applied once a chart is built (dashboard and export alike).

* :func:`log_ticks`: a log axis is labelled 1, 10, 100, 1k, 10k ... (or 1-2-5 steps, or finer, when the
  data span less than two decades), with unlabelled minor ticks at 2..9 x 10^k; Plotly's default
  labels a short log axis with bare leading digits ("5 6 7 8 9 1 2"), which reads as nonsense.
* :func:`one_series_legend`: a chart with a single named series still shows its legend (Plotly hides the
  legend of a one-trace figure, leaving the line unnamed).
* :func:`one_date_axis`: values all dated one day get a month-wide axis labelled by day.
* :func:`place_labels`: a value label printed beside a marker (the 2020 article's figures) goes above,
  below, right or left of its marker, whichever clears every marker and label already placed, on a
  small plot with large type (so it also clears them on any bigger one).
"""

from __future__ import annotations

import math
import numbers

import pandas as pd
import plotly.graph_objects as go

# Labelled mantissas per span of the data, in decades: fewer decades -> finer labelled steps.
STEPS = ((0.6, (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9)), (1.2, (1, 1.5, 2, 3, 5, 7)), (2.5, (1, 2, 5)), (math.inf, (1,)))


def tick_label(v: float) -> str:
    """1, 10, 100, 1k, 10k, 100k, 1M, 2.5M, 1B; 0.5, 0.02 below one."""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def _axis_values(fig: go.Figure, axis: str) -> list[float]:
    """Positive finite values the traces put on the x or y axis (horizontal traces put theirs on x,
    vertical ones on y; the other axis holds dates or categories)."""
    out: list[float] = []
    for t in fig.data:
        horizontal = getattr(t, "orientation", None) == "h"
        if horizontal != (axis == "x"):
            continue
        vals = getattr(t, axis, None)
        for v in () if vals is None else vals:
            if isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and v > 0:
                out.append(float(v))
    return out


LABEL_GAP = 1 / 11  # labelled log ticks at least this share of the shown decades apart (~25 px on a chart)


def log_ticks_for(lo: float, hi: float) -> tuple[list[float], list[str], list[float]]:
    """(labelled tick values, their labels, unlabelled minor tick values) covering [lo, hi]; labels that
    would sit closer than :data:`LABEL_GAP` of the shown decades to the one before become minor ticks."""
    decades = math.log10(hi) - math.log10(lo)
    finest = next(i for i, (limit, _) in enumerate(STEPS) if decades < limit)
    for level in range(finest, -1, -1):  # finer steps until at least three labels fall inside the data
        major, labels, minor = _log_ticks_at(lo, hi, STEPS[level][1])
        if sum(lo <= v <= hi for v in major) >= 3:
            break
    return major, labels, minor


def _log_ticks_at(lo: float, hi: float, steps) -> tuple[list[float], list[str], list[float]]:
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    major, minor = [], []
    for k in range(first - 1, last + 1):
        for m in range(1, 10):
            v = m * 10.0**k
            (major if m in steps else minor).append(v)
        for m in steps:
            if not float(m).is_integer():
                major.append(m * 10.0**k)
    span_lo, span_hi = lo / 1.6, hi * 1.6  # what autorange's padding can show
    major = sorted({round(v, 12) for v in major if span_lo <= v <= span_hi})
    gap = (math.log10(span_hi) - math.log10(span_lo)) * LABEL_GAP
    kept: list[float] = []
    for v in major:
        if not kept or math.log10(v) - math.log10(kept[-1]) >= gap:
            kept.append(v)
    minor = sorted(({round(v, 12) for v in minor if span_lo <= v <= span_hi} | set(major)) - set(kept))
    return kept, [tick_label(v) for v in kept], minor


def log_ticks(fig: go.Figure) -> None:
    """Readable labels on every log axis of ``fig`` (the first x and y axes)."""
    for axis, layout_axis in (("x", fig.layout.xaxis), ("y", fig.layout.yaxis)):
        if layout_axis.type != "log":
            continue
        vals = _axis_values(fig, axis)
        if not vals:
            continue
        major, labels, minor = log_ticks_for(min(vals), max(vals))
        if sum(min(vals) <= v <= max(vals) for v in major) < 3:
            continue  # too narrow a range for three labelled steps: plotly's own ticks label it more often
        layout_axis.update(
            tickmode="array",
            tickvals=major,
            ticktext=labels,
            minor={
                "tickmode": "array",
                "tickvals": minor,
                "ticks": "outside",
                "ticklen": 4,
                "showgrid": True,
                "gridcolor": "rgba(128,128,128,0.08)",
            },
        )


def one_series_legend(fig: go.Figure) -> None:
    shown = [t for t in fig.data if t.name and t.showlegend is not False]
    if len(shown) == 1 and fig.layout.showlegend is None:
        fig.update_layout(showlegend=True)


# The plot a label must fit on: a short dashboard/export plot area with export-size type (px).
PLOT_W, PLOT_H, FONT = 600.0, 220.0, 18.0
POSITIONS = ("top center", "middle right", "middle left", "bottom center")


def _numbers(values) -> list[float | None]:
    import pandas as pd

    out: list[float | None] = []
    for v in values:
        if v is None:
            out.append(None)
        elif isinstance(v, numbers.Real) and not isinstance(v, bool):
            out.append(float(v) if math.isfinite(v) else None)
        else:
            try:
                out.append(float(pd.Timestamp(v).value))
            except (TypeError, ValueError):
                out.append(None)
    return out


def place_labels(fig: go.Figure) -> None:
    """Choose each value label's side so no label covers a marker or another label."""
    labelled = [
        t
        for t in fig.data
        if isinstance(t, go.Scatter)
        and t.mode
        and "text" in t.mode
        and t.text is not None
        and getattr(t, "orientation", None) != "h"
    ]
    if not labelled:
        return
    log_y = fig.layout.yaxis.type == "log"
    points = []  # (trace, index, x, y, marker radius)
    for t in fig.data:
        if not isinstance(t, go.Scatter) or t.x is None or t.y is None:
            continue
        mode = t.mode or ("lines+markers" if len(t.x) <= 20 else "lines")
        if "markers" not in mode:
            continue
        size = t.marker.size if isinstance(t.marker.size, numbers.Real) else 6
        for i, (x, y) in enumerate(zip(_numbers(t.x), _numbers(t.y))):
            if x is not None and y is not None and (y > 0 or not log_y):
                points.append((t, i, x, math.log10(y) if log_y else y, size / 2 + 2))
    if not points:
        return
    xs, ys = [p[2] for p in points], [p[3] for p in points]
    for t in fig.data:  # the lines set the axis ranges too
        if isinstance(t, go.Scatter) and t.x is not None and t.y is not None:
            for x, y in zip(_numbers(t.x), _numbers(t.y)):
                if x is not None and y is not None and (y > 0 or not log_y):
                    xs.append(x)
                    ys.append(math.log10(y) if log_y else y)
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if not log_y and y0 > 0 and (fig.layout.yaxis.rangemode in (None, "normal")):
        y0 = min(y0, 0.0) if y0 < 0.2 * y1 else y0
    xspan, yspan = (x1 - x0) or 1.0, (y1 - y0) or 1.0

    def px(x, y):
        return (x - x0) / xspan * PLOT_W, (1 - (y - y0) / yspan) * PLOT_H

    markers = [(*px(x, y), r) for _, _, x, y, r in points]
    boxes = [(cx - r, cy - r, cx + r, cy + r) for cx, cy, r in markers]

    def box(cx, cy, r, text, pos):
        w, h = len(text) * FONT * 0.6, FONT * 1.25
        if pos == "top center":
            return cx - w / 2, cy - r - h, cx + w / 2, cy - r
        if pos == "bottom center":
            return cx - w / 2, cy + r, cx + w / 2, cy + r + h
        if pos == "middle right":
            return cx + r, cy - h / 2, cx + r + w, cy + h / 2
        return cx - r - w, cy - h / 2, cx - r, cy + h / 2

    def clash(b, others):
        return sum(1 for o in others if b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3])

    for t in labelled:
        texts = list(t.text) if not isinstance(t.text, str) else [t.text] * len(t.x)
        chosen = []
        for i, (x, y) in enumerate(zip(_numbers(t.x), _numbers(t.y))):
            if x is None or y is None or i >= len(texts) or not texts[i] or (log_y and y <= 0):
                chosen.append("top center")
                continue
            cx, cy = px(x, math.log10(y) if log_y else y)
            r = next((p[4] for p in points if p[0] is t and p[1] == i), 4.0)
            own = (cx - r, cy - r, cx + r, cy + r)
            others = [b for b in boxes if b != own]
            best = min(
                POSITIONS, key=lambda pos: (clash(box(cx, cy, r, str(texts[i]), pos), others), POSITIONS.index(pos))
            )
            chosen.append(best)
            boxes.append(box(cx, cy, r, str(texts[i]), best))
        t.textposition = chosen


def one_date_axis(fig: go.Figure) -> None:
    """A time axis whose points all share one date (counts collected once: watchers, totals) spans a month
    around it, labelled by day; plotly zooms to milliseconds and labels '23:59:59.999'."""
    import pandas as pd

    days = set()
    for t in fig.data:
        if getattr(t, "orientation", None) == "h" or t.x is None:
            continue
        for x in t.x:
            if x is None or isinstance(x, (numbers.Real, bool)):
                if isinstance(x, numbers.Real) and not isinstance(x, bool):
                    return  # a numeric axis (project age in years)
                continue
            try:
                days.add(pd.Timestamp(x).normalize())
            except (TypeError, ValueError):
                return  # categories, not dates
            if len(days) > 1:
                return  # two dates: an ordinary time axis (no need to look at the other points)
    if len(days) != 1:
        return
    day = days.pop()
    fig.update_xaxes(
        type="date",
        range=[day - pd.Timedelta(days=30), day + pd.Timedelta(days=30)],
        tickformat="%Y-%m-%d",
        dtick=7 * 86_400_000,
        tick0=day,
    )


def readable(fig: go.Figure | None) -> None:
    if fig is None:
        return
    log_ticks(fig)
    one_series_legend(fig)
    place_labels(fig)
    one_date_axis(fig)


def _log10(v):
    return math.log10(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def on_log_axis(fig: go.Figure) -> None:
    """Plotly places annotations on a log axis in powers of ten (an annotation at y=257 sits at 10^257): move
    the ones placed in data units (stale labels) to log10 of their value; one at a value that is not positive has
    no place there and goes. Shapes (quality connectors) stay in data units: Plotly reads their y as a value
    (measured with Plotly 7.1: a connector moved to log10 0.52 = -0.28 stretched the axis down to 1e-48)."""
    keep = []
    for ann in fig.layout.annotations:
        if ann.yref in (None, "y") and isinstance(ann.y, (int, float)):
            y = _log10(ann.y)
            if y is None:
                continue
            ann.y = y
        keep.append(ann)
    fig.layout.annotations = keep
    fig.layout.shapes = [
        s for s in fig.layout.shapes
        if not (s.yref in (None, "y") and any(isinstance(v, (int, float)) and v <= 0 for v in (s.y0, s.y1)))
    ]  # fmt: skip


def fit_time_axis(fig: go.Figure, dates: pd.Series, pad: float = 0.02) -> None:
    """The x axis ends where the plotted dates end (plus ``pad`` of their span each side): a label placed near
    an end (a method change, a collapse) never stretches the axis past the data."""
    d = pd.to_datetime(pd.Series(dates)).dropna()
    if d.empty or d.max() <= d.min():
        return
    margin = max((d.max() - d.min()) * pad, pd.Timedelta(days=1))
    fig.update_xaxes(range=[d.min() - margin, d.max() + margin])
