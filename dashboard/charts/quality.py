"""How flagged values look on a chart: a line drawn in runs of equal quality, staleness at a line's end.

A series' rows are drawn in runs of consecutive equal ``quality``: ok runs as the plain line, flagged runs
dotted with a marker per kind (:data:`SYMBOLS`: hollow circle for a partial period, triangle up for a
lower bound, triangle down for an upper bound, hollow diamond for approximate, hollow square for a
degraded source, x for synthetic) and the reason in the hover (``details.reason`` or the vocabulary's
text). Runs are joined by a dotted connector shape (not a trace: every trace point is a plotted row).
A gap much longer than the series' cadence around it (:func:`gap_after`) breaks the line there: the trace
gets a None point (a drawing device, never a row of ``chart.data``) and no connector spans the gap.
A series that ends much earlier than the same chart's others says so at its last point, with the reason.
Where a series' source or counting method changes: :mod:`fwpulse.dashboard.charts.breaks`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fwpulse.data.quality import OK, STALE_DAYS, quality_of, reason, staleness
from fwpulse.data.store import QUALITY

SYMBOLS = {
    "partial_period": "circle-open",
    "lower_bound": "triangle-up",
    "upper_bound": "triangle-down",
    "approximate": "diamond-open",
    "degraded_source": "square-open",
    "synthetic": "x",
}
MAX_MARKERS = 60  # a flagged run longer than this shows its symbol on this many evenly spread points
KIND_LABELS = {
    "partial_period": "partial period (hollow circle, dotted)",
    "lower_bound": "lower bound: at least this (triangle up, dotted)",
    "upper_bound": "upper bound: at most this (triangle down, dotted)",
    "approximate": "approximate (hollow diamond, dotted)",
    "degraded_source": "degraded source (hollow square, dotted)",
    "synthetic": "synthetic, not a measurement (x, dotted)",
}
MARK_PREFIX = {"lower_bound": "≥ ", "upper_bound": "≤ ", "approximate": "~ "}


def with_quality(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a ``quality`` column (ok where missing) and a ``details`` column."""
    df = df.copy()
    df["quality"] = [quality_of(q) for q in df["quality"]] if "quality" in df.columns else OK
    if "details" not in df.columns:
        df["details"] = None
    return df


def runs(g: pd.DataFrame) -> list[slice]:
    """Positions of the consecutive rows of ``g`` (sorted by date) with equal quality, as slices."""
    q = g["quality"].to_numpy()
    starts = [0, *(i for i in range(1, len(q)) if q[i] != q[i - 1])]
    return [slice(a, b) for a, b in zip(starts, [*starts[1:], len(q)])]


GAP_FACTOR = 2  # a step longer than this many times the cadence around it is a gap: the line breaks there
GAP_NEIGHBOURS = 3  # the cadence around a step: the larger (lower) median of up to this many steps on either side


def gap_after(dates: pd.Series) -> pd.Series:
    """True for each row (``dates`` sorted) that follows a gap: a step from the row before longer than
    :data:`GAP_FACTOR` times the series' cadence there: the larger of the (lower) median steps just before and
    just after it. Local, so a series that moves from monthly to daily points does not break its monthly part."""
    step = pd.to_datetime(pd.Series(dates.to_numpy())).diff().dt.total_seconds()
    step = step.where(step > 0)  # repeated dates say nothing about the cadence
    # the lower median: of two neighbours, the shorter step (a gap beside it must not pass for the cadence)
    before = step.shift(1).rolling(GAP_NEIGHBOURS, min_periods=1).quantile(0.5, interpolation="lower")
    after = step[::-1].shift(1).rolling(GAP_NEIGHBOURS, min_periods=1).quantile(0.5, interpolation="lower")[::-1]
    cadence = pd.concat([before, after], axis=1).max(axis=1)
    return pd.Series((step > GAP_FACTOR * cadence).to_numpy(), index=dates.index)


def _broken(values, gap: list[bool], fill=None) -> list:
    """``values`` with ``fill`` (None: no point) before each position that follows a gap (none before the first)."""
    out = []
    for k, (v, brk) in enumerate(zip(values, gap)):
        if brk and k:
            out.append(fill)
        out.append(v)
    return out


def _hover_reasons(reasons: list, hover: str, label: str) -> dict:
    """The hover of a run: one reason for every point goes in the template itself, not once per point in
    ``customdata`` (that repeated text was 60% of a long series' figure JSON sent to the browser)."""
    distinct = {r for r in reasons if r is not None}
    if len(distinct) <= 1:
        text = next(iter(distinct), "")
        return {"hovertemplate": hover + text + "<extra>" + label + "</extra>"}
    return {"customdata": reasons, "hovertemplate": hover + "%{customdata}<extra>" + label + "</extra>"}


def add_series(
    fig: go.Figure,
    g: pd.DataFrame,
    label: str,
    color: str | None,
    hover: str,
    dash: str = "solid",
    width: float = 2.5,
    legendgroup: str | None = None,
    legend: bool = True,
    shapes: list[dict] | None = None,
) -> set[str]:
    """Draw one series (rows sorted by date, with ``x``, ``value``, ``quality``, ``details``); returns the
    flagged kinds it drew. ``hover`` is the template before ``<extra>`` (e.g. ``%{x|%Y-%m-%d}: %{y:,.0f}``);
    ``legend=False``: no legend entry (the hover still names the series). ``shapes``: a list the caller assigns
    to the figure once after its last series (plotly re-validates every shape on each assignment, which cost a
    chart of 60 series seconds); None: the connectors are added to the figure now."""
    kinds: set[str] = set()
    g = g.reset_index(drop=True)
    parts = runs(g)
    gap = gap_after(g["date"])
    piece = gap.cumsum()
    gap = gap.tolist()
    alone = piece.map(piece.value_counts()).eq(1).tolist()  # a point between two gaps: no line reaches it
    xs, values, qualities, details = g["x"], g["value"], g["quality"].tolist(), g["details"].tolist()
    few = len(g) <= 2  # a line alone would be invisible: markers
    shown = False
    traces: list[dict] = []  # added in one call: plotly validates a batch once, not the figure's data per trace
    connectors: list[dict] = []
    for k, at in enumerate(parts):
        q = qualities[at.start]
        flagged = q != OK
        reasons = [f"<br>{q.replace('_', ' ')}: {reason(q, d)}" if flagged else "" for d in details[at]]
        x, y, run_gap, lone = xs.iloc[at], values.iloc[at], gap[at], alone[at]
        marker = {
            "color": color,
            "size": 9 if flagged else 7,
            "symbol": SYMBOLS.get(q, "circle"),
            "line": {"color": color, "width": 2},
        }
        if not (flagged or few) and any(lone):  # a marker on the lone points only
            marker["opacity"] = _broken([1.0 if v else 0.0 for v in lone], run_gap, 0.0)
        elif flagged and len(lone) > MAX_MARKERS and not any(lone):
            # A long flagged run: its kind's symbol every few points says it as well as one per point, which
            # cost the browser a second on a three-chart page (5,000 SVG markers) and was a blur in a PNG.
            marker["maxdisplayed"] = MAX_MARKERS
        if any(run_gap[1:]):
            x, y, reasons = (_broken(v, run_gap) for v in (x, y, reasons))
        showlegend = legend and not shown and (not flagged or k == len(parts) - 1)
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": y,
                "connectgaps": False,
                "name": label,
                "legendgroup": legendgroup or label,
                "showlegend": showlegend,
                "mode": "lines+markers" if flagged or few or any(lone) else "lines",
                "line": {"color": color, "width": width, "dash": "dot" if flagged else dash},
                "marker": marker,
                **_hover_reasons(reasons, hover, label),
                "meta": {"quality": q},
            }
        )
        shown |= showlegend
        if flagged:
            kinds.add(q)
        if k > 0 and not run_gap[0]:
            before, first = at.start - 1, at.start  # the previous run's last row and this run's first
            connectors.append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "y",
                    "x0": xs.iat[before],
                    "y0": values.iat[before],
                    "x1": xs.iat[first],
                    "y1": values.iat[first],
                    "line": {"color": color, "width": width * 0.8, "dash": "dot"},
                    "layer": "below",
                }
            )
    fig.add_traces(traces)
    if shapes is not None:
        shapes.extend(connectors)
    elif connectors:
        add_shapes(fig, connectors)
    return kinds


def add_shapes(fig: go.Figure, shapes: list[dict]) -> None:
    """``shapes`` added to ``fig`` in one assignment: plotly re-validates every shape on each add_shape."""
    if shapes:
        fig.layout.shapes = [*fig.layout.shapes, *shapes]


def figure_marks(
    fig: go.Figure,
    g: pd.DataFrame,
    name: str,
    color: str | None,
    label: str,
    size: int = 13,
    legendgroup: str | None = None,
) -> None:
    """Quoted figures (e.g. a 2020 article's) as labelled diamonds; a bounded or rounded figure's label says
    so ('≥ 82,000', '~ 11,000') and the hover gives the reason."""
    said = [MARK_PREFIX.get(q, "") for q in g["quality"]]
    why = ["" if q == OK else f"<br>{q.replace('_', ' ')}: {reason(q, d)}" for q, d in zip(g["quality"], g["details"])]
    fig.add_trace(
        go.Scatter(
            x=g["date"],
            y=g["value"],
            mode="markers+text",
            name=name,
            legendgroup=legendgroup or name,
            marker={"color": color, "size": size, "symbol": "diamond", "line": {"color": "black", "width": 1}},
            text=[f"{p}{v:,.0f}" for p, v in zip(said, g["value"])],
            textposition="top center",
            customdata=why,
            hovertemplate="%{x|%Y-%m-%d}: %{text} (" + label + ")%{customdata}<extra></extra>",
        )
    )


def legend_key(fig: go.Figure, kinds: set[str]) -> None:
    """One legend entry per flagged kind drawn (no points: they plot nothing)."""
    for q in [q for q in SYMBOLS if q in kinds]:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines+markers",
                name=KIND_LABELS[q],
                hoverinfo="skip",
                line={"color": "grey", "dash": "dot", "width": 2},
                marker={"color": "grey", "symbol": SYMBOLS[q], "size": 9},
            )
        )


def quality_note(kinds: set[str]) -> str | None:
    """The chart note naming each flagged kind drawn and what it means."""
    if not kinds:
        return None
    parts = [f"{KIND_LABELS[q]}: {QUALITY[q]}" for q in SYMBOLS if q in kinds]
    return "Flagged values are drawn dotted with their own markers (hover for the reason): " + "; ".join(parts) + "."


def stale_marks(fig: go.Figure, df: pd.DataFrame, names: dict[str, str], days: int = STALE_DAYS) -> list[str]:
    """Label each series that ends more than ``days`` before the chart's other series, at its last point;
    returns one note per stale series (framework, end date, reason)."""
    if df.empty or "date" not in df.columns:
        return []
    last = df.sort_values("date").groupby(["framework", "metric"], sort=False).tail(1)
    if "details" not in last.columns:
        last = last.assign(details=None)
    notes = []
    for r in staleness(last, days).itertuples():
        if not r.stale:
            continue
        row = last[(last["framework"] == r.framework) & (last["metric"] == r.metric)].iloc[-1]
        who = names.get(r.framework, r.framework)
        end = pd.Timestamp(r.date).strftime("%Y-%m-%d")
        fig.add_annotation(
            x=row["x"],
            y=row["value"],
            text=f"{who}: no data after {end}",
            showarrow=True,
            arrowhead=0,
            ax=0,
            ay=-28,
            font={"size": 11, "color": "grey"},
            name="fwpulse-stale",
        )
        notes.append(
            f"{who}'s series ends {end} while the others run to "
            f"{pd.Timestamp(r.newest_other):%Y-%m-%d}: {r.stale_reason}."
        )
    return notes
