"""Figure rules every chart follows, applied once a chart is built (dashboard and export alike).

* :func:`log_ticks`: a log axis is labelled 1, 10, 100, 1k, 10k ... (or 1-2-5 steps, or finer, when the
  data span less than two decades), with unlabelled minor ticks at 2..9 x 10^k; Plotly's default
  labels a short log axis with bare leading digits ("5 6 7 8 9 1 2"), which reads as nonsense.
* :func:`one_series_legend`: a chart with a single named series still shows its legend (Plotly hides the
  legend of a one-trace figure, leaving the line unnamed).
"""

from __future__ import annotations

import math
import numbers

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
        for v in (() if vals is None else vals):
            if isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and v > 0:
                out.append(float(v))
    return out


def log_ticks_for(lo: float, hi: float) -> tuple[list[float], list[str], list[float]]:
    """(labelled tick values, their labels, unlabelled minor tick values) covering [lo, hi]."""
    decades = math.log10(hi) - math.log10(lo)
    steps = next(s for limit, s in STEPS if decades < limit)
    first, last = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    major, minor = [], []
    for k in range(first - 1, last + 1):
        for m in range(1, 10):
            v = m * 10.0 ** k
            (major if m in steps else minor).append(v)
        for m in steps:
            if not float(m).is_integer():
                major.append(m * 10.0 ** k)
    span_lo, span_hi = lo / 1.6, hi * 1.6   # what autorange's padding can show
    major = sorted({round(v, 12) for v in major if span_lo <= v <= span_hi})
    minor = sorted({round(v, 12) for v in minor if span_lo <= v <= span_hi} - set(major))
    return major, [tick_label(v) for v in major], minor


def log_ticks(fig: go.Figure) -> None:
    """Readable labels on every log axis of ``fig`` (the first x and y axes)."""
    for axis, layout_axis in (("x", fig.layout.xaxis), ("y", fig.layout.yaxis)):
        if layout_axis.type != "log":
            continue
        vals = _axis_values(fig, axis)
        if not vals:
            continue
        major, labels, minor = log_ticks_for(min(vals), max(vals))
        layout_axis.update(tickmode="array", tickvals=major, ticktext=labels,
                           minor={"tickmode": "array", "tickvals": minor, "ticks": "outside", "ticklen": 4,
                                  "showgrid": True, "gridcolor": "rgba(128,128,128,0.08)"})


def one_series_legend(fig: go.Figure) -> None:
    shown = [t for t in fig.data if t.name and t.showlegend is not False]
    if len(shown) == 1 and fig.layout.showlegend is None:
        fig.update_layout(showlegend=True)


def readable(fig: go.Figure | None) -> None:
    if fig is None:
        return
    log_ticks(fig)
    one_series_legend(fig)
