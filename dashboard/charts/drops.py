"""Cliffs in level series (stars, forks, open issues): found from the stored rows, marked on the chart, never silent.

A fall of more than :data:`DROP` from one stored value to the next is explained from the rows (a change of
source or method that date) or labelled an unexplained drop, with an arrowed label on the chart (spaced so
no two cover each other) and a line in the note.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from fwpulse.data import catalog

MAX_DROP_MARKS = 3  # labelled arrows on one chart at most; every drop is in the note
PLOT_PX = 300  # a dashboard chart's plot height, for keeping drop labels apart
DROP = 0.15  # a level series (stars, forks, open issues) falling more than this within one step is a cliff


def level_drops(df: pd.DataFrame, metrics: tuple[str, ...] | list[str], breaks: list[dict] | None = None) -> list[dict]:
    """Falls of more than :data:`DROP` from one stored value to the next in the level series (counts at a
    moment: stars, forks, open issues) of ``metrics``, each with its explanation from the rows: a change of
    source or method on that date (``breaks``, as :func:`method_breaks` finds them), else unexplained.
    Never silence: a reader must not take a bulk close or a repository move for a collapse."""
    if df.empty or not {"framework", "metric", "date"} <= set(df.columns):
        return []
    raw = "raw_value" if "raw_value" in df.columns else "value"
    changed = {(pd.Timestamp(b["date"]), f) for b in (breaks or []) for f in b["frameworks"]}
    levels = [m for m in metrics if m in catalog.METRICS and catalog.metric(m).kind == "level"]
    rows = df[df["metric"].isin(levels)]
    if rows.empty:
        return []
    # Every series at once (one sort, one shifted column), in the order the series first appear in ``df``.
    series = rows.groupby(["framework", "metric"], sort=False).ngroup()
    rows = rows.assign(_series=series).sort_values(["_series", "date"], kind="stable")
    prev = rows.groupby("_series", sort=False)[raw].shift()
    fall = (prev - rows[raw]) / prev
    hit = fall.notna() & (prev > 0) & (fall > DROP)  # the few falls, found without a loop over every row
    out = []
    for r, f, before in zip(rows[hit].itertuples(), fall[hit], prev[hit]):
        why = "counting method changed" if (pd.Timestamp(r.date), r.framework) in changed else "unexplained drop"
        out.append({"framework": r.framework, "metric": r.metric, "date": pd.Timestamp(r.date), "x": r.x if hasattr(r, "x") else r.date,
                    "value": r.value, "before": before, "after": getattr(r, raw), "fall": f, "why": why})  # fmt: skip
    return out


def _spaced(drops: list[dict], span: pd.Timedelta) -> list[tuple[dict, int]]:
    """The drops to label (the largest of each framework's within half a year of each other, at most
    :data:`MAX_DROP_MARKS`), in date order, each with its label's offset below the point: labels closer
    than a third of the plotted span (about a label's width) step further down, so none covers another."""
    kept: list[dict] = []
    for d in sorted(drops, key=lambda d: -d["fall"]):
        near = any(
            k["framework"] == d["framework"] and abs(k["date"] - d["date"]) < pd.Timedelta(days=183) for k in kept
        )
        if not near and len(kept) < MAX_DROP_MARKS:
            kept.append(d)
    out, step, last = [], 0, None
    for d in sorted(kept, key=lambda d: d["date"]):
        step = step + 1 if last is not None and d["date"] - last < span / 3 else 0  # a label is ~a third wide
        out.append((d, 36 + 26 * (step % 3)))  # below the point; mark_drops turns low points' labels up
        last = d["date"]
    return out


def mark_drops(
    fig: go.Figure, drops: list[dict], names: dict[str, str], log: bool, dates=None, values=None
) -> str | None:
    """An arrowed label below each drop ('Keras −79%: unexplained drop'), spaced so none covers another (the
    series' 'no data after' labels sit above their points); returns the note naming them all."""
    if not drops:
        return None
    d_all = pd.to_datetime(pd.Series(dates if dates is not None else [d["date"] for d in drops]))
    span = max(d_all.max() - d_all.min(), pd.Timedelta(days=30))
    scale = (lambda v: math.log10(v) if v and v > 0 else 0.0) if log else (lambda v: v)
    ys = [scale(v) for v in (values if values is not None else [d["value"] for d in drops])]
    lo, hi = min(ys), max(ys)
    placed: list[tuple[pd.Timestamp, float]] = []
    for d, below in _spaced(drops, span):
        where = (scale(d["value"]) - lo) / (hi - lo) if hi > lo else 0.5
        # a point low in the plot: its label above it, clear of the x labels; one high up: further below,
        # clear of the labels of method-change lines along the plot's top
        below = -below if where < 0.35 else (below + 40 if where > 0.8 else below)
        # never at the height of a label close by: the label's height in a ~300 px plot (down from the top)
        for _ in range(6):
            at_px = (1 - where) * PLOT_PX + below
            if not any(abs(d["date"] - date) < span / 2 and abs(at_px - px) < 30 for date, px in placed):
                break
            below += 30 if below > 0 else -30
        placed.append((d["date"], (1 - where) * PLOT_PX + below))
        y = d["value"]
        if log:
            y = math.log10(y) if y and y > 0 else None
        if y is None:
            continue
        at = (d["date"] - d_all.min()) / span if span else 0.5
        anchor = "right" if at > 0.7 else ("left" if at < 0.3 else "center")  # the label stays over the plot
        fig.add_annotation(
            x=d["x"], y=y, text=f"{catalog.series_name(d['framework'], names)} −{d['fall']:.0%}: {d['why']}",
            showarrow=True, arrowhead=2, ax=0, ay=below, xanchor=anchor, font={"size": 11, "color": "#B71C1C"},
            name="fwpulse-drop",
        )  # fmt: skip
    listed = "; ".join(
        f"{catalog.series_name(d['framework'], names)} {catalog.metric(d['metric']).label.lower()} "
        f"{d['before']:,.0f} → {d['after']:,.0f} on {d['date']:%Y-%m-%d} ({d['why']})"
        for d in drops
    )
    return (
        f"Falls of more than {DROP:.0%} in one step, marked on the chart: {listed}. 'Unexplained' means the stored "
        "rows show no change of source or method there (a bulk close, a repository move or a data fault are "
        "possible); the values are as the source served them."
    )
