"""Where a series' source or counting method changes for good: found from the stored rows, marked on the chart.

A series that switches to a source or method it never used before gets a dotted vertical line at that date,
labelled with what changed (derived from the stored rows, never placed by hand), and the chart a note.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard import chart_quality
from fwpulse.data import catalog, shifts


def _parts(method: str) -> list[str]:
    return [p.strip() for p in str(method).replace(":", ",").split(",") if p.strip()]


def method_breaks(df: pd.DataFrame) -> list[dict]:
    """Dates where a series switches to a source/method it never used before (a counting-method change,
    a join of two sources), merged per date: {date, frameworks, metric, label, method}."""
    if df.empty or not {"source", "method", "date"} <= set(df.columns):
        return []
    found: dict[pd.Timestamp, dict] = {}
    firsts = (  # each series' first row of every (source, method), in date order
        df.sort_values("date", kind="stable")
        .drop_duplicates(["framework", "metric", "source", "method"])
        .groupby(["framework", "metric"], sort=False)
    )
    for (fid, metric), g in firsts:
        rows = list(g[["date", "source", "method"]].itertuples(index=False))
        for (_, prev_source, prev_method), (date, source, method) in zip(rows, rows[1:]):
            if source != prev_source:
                what = f"{source} from here"
            else:
                new = [p for p in _parts(method) if p not in _parts(prev_method)][:2]
                what = (", ".join(new) or "new method") + " from here"
            b = found.setdefault(
                pd.Timestamp(date),
                {
                    "date": pd.Timestamp(date),
                    "frameworks": [],
                    "metric": metric,
                    "label": what,
                    "method": method,
                    "source": source,
                },
            )
            b["frameworks"].append(fid)
    return [found[d] for d in sorted(found)]


SEGMENT_LABEL_CHARS = 34


def _segment_label(parts: list[str], before: list[str] | None, after: list[str] | None) -> str:
    """What sets a method apart in a legend: the parts new against the method before it (the first
    segment: the parts the next one drops)."""
    own = [p for p in parts if p not in (before or [])] if before is not None else []
    if not own and after is not None:
        own = [p for p in parts if p not in after]
    label = ""
    for part in own:  # the parts that fit whole, in order; a part too long alone is cut at a word
        joined = f"{label}, {part}" if label else part
        if len(joined) <= SEGMENT_LABEL_CHARS:
            label = joined
    return label or short_label(own[0] if own else "earlier method", SEGMENT_LABEL_CHARS)


def method_segments(g: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """One series' rows (one framework and metric) split by source and method, in the order each first
    appears (a method's rows stay together even where two methods overlap in time), each part with a short
    label of what sets its method apart ('' for a series of one method). Charts draw each part as its own
    line: no line runs across a change of counting method."""
    if g.empty or not {"source", "method"} <= set(g.columns):
        return [("", g)]
    g = g.sort_values("date")
    key = g["source"].astype(str) + "\x00" + g["method"].astype(str)
    order = list(dict.fromkeys(key))
    if len(order) == 1:
        return [("", g)]
    firsts = [tuple(k.split("\x00", 1)) for k in order]
    out = []
    for n, (source, method) in enumerate(firsts):
        prev = firsts[n - 1] if n else None
        nxt = firsts[n + 1] if n + 1 < len(firsts) else None
        if (prev and prev[0] != source) or (not prev and nxt and nxt[0] != source):
            label = short_label(source, SEGMENT_LABEL_CHARS)  # a join of two sources: name the source
        else:
            label = _segment_label(_parts(method), _parts(prev[1]) if prev else None, _parts(nxt[1]) if nxt else None)
        out.append((label, g[key == order[n]]))
    return out


def vline_label(fig: go.Figure, date, text: str, row: int, xanchor: str = "left", **annotation) -> None:
    """A dotted grey vertical line at ``date``, labelled at the top of the plot (``row`` 0, 1, ... stacks the
    labels of several lines downwards); ``annotation``: more of the label's properties (hover text, name)."""
    fig.add_vline(x=pd.Timestamp(date).timestamp() * 1000, line_dash="dot", line_color="grey")
    fig.add_annotation(
        x=date,
        y=1 - 0.07 * row,
        yref="paper",
        text=text,
        showarrow=False,
        xanchor=xanchor,
        font={"size": 11, "color": "grey"},
        **annotation,
    )


MAX_BREAK_LINES = 4  # more changes than this in one chart: listed in the note only
LABEL_CHARS = 48


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (with '…'), never mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def side(date, dates: pd.Series) -> str:
    """Which side of a line at ``date`` its label goes: towards the middle of ``dates``, so it stays inside."""
    d = pd.to_datetime(pd.Series(dates)).dropna()
    if d.empty:
        return "left"
    return "right" if pd.Timestamp(date) > d.min() + (d.max() - d.min()) / 2 else "left"


def draw_breaks(
    fig: go.Figure, breaks: list[dict], names: dict[str, str], all_frameworks: list[str], dates: pd.Series | None = None
) -> str | None:
    """Dotted vertical lines (at most :data:`MAX_BREAK_LINES`) labelled with what changed, each label on
    the side of its line that faces the middle of ``dates``; returns the note."""
    if not breaks:
        return None
    lines = []
    for i, b in enumerate(breaks):
        who = (
            ""
            if set(all_frameworks) <= set(b["frameworks"])
            else ", ".join(names.get(f, f) for f in b["frameworks"]) + ": "
        )
        text = short_label(who + b["label"])
        if len(breaks) <= MAX_BREAK_LINES:
            where = side(b["date"], dates) if dates is not None else "left"
            vline_label(fig, b["date"], text, i, where, hovertext=f"{b['source']}: {b['method']}", name="fwpulse-break")
        lines.append(f"from {b['date']:%Y-%m-%d}, {who}{b['source']}: {b['method']}")
    return (
        "The source or counting method changes within these series (dotted vertical lines); compare across "
        "them with care: " + "; ".join(lines) + "."
    )


def mark_method_changes(fig: go.Figure, df: pd.DataFrame, names: dict[str, str]) -> str | None:
    """Mark where the plotted series ``df`` change source or method (:func:`method_breaks`); returns the note."""
    return draw_breaks(fig, method_breaks(df), names, list(df["framework"].unique()), df["date"])


def mark_collapses(fig: go.Figure, collapses: list[dict], names: dict[str, str], plotted: pd.DataFrame) -> str:
    """Mark the volume collapses found in the data (:func:`fwpulse.data.shifts.find`); returns the note.

    A collapse dated inside the plotted dates gets a dotted labelled line; one outside them is in the
    note only (a line there would stretch the axis over months the chart has no data for).
    """
    dates = pd.to_datetime(plotted["date"]) if "date" in plotted.columns and not plotted.empty else pd.Series()
    row = sum(1 for a in fig.layout.annotations if a.name == "fwpulse-break")
    lines = []
    for c in collapses:
        who = catalog.series_name(c["framework"], names)
        if not dates.empty and dates.min() <= c["date"] <= dates.max() and row < MAX_BREAK_LINES:
            text = short_label(f"{who}: below half its peak from here")
            # a label right of a late line would widen the axis past the data: put it on the line's left
            where = side(c["date"], dates)
            vline_label(fig, c["date"], text, row, where, hovertext=shifts.describe(c), name="fwpulse-break")
            row += 1
        lines.append(f"{who}, {catalog.metric(c['metric']).label}: {shifts.describe(c)}")
    return (
        "Volume collapses found in the data (the trailing-year mean falls to half its peak or less and stays "
        "there; final values only): " + "; ".join(lines) + "."
    )


METHOD_DASHES = ("solid", "dash", "dashdot", "longdash")  # a series' methods, in the order they appear


def method_lines(
    fig: go.Figure, g: pd.DataFrame, label: str, color: str | None, hover: str, dash: str | None = None, **style
) -> set[str]:
    """Draw one series as one line per source and method (:func:`chart_breaks.method_segments`): no line runs
    across a change of counting method; each part's legend entry names its method, and parts differ by dash
    (or all take ``dash`` when the chart uses dashes for something else). Returns the flagged kinds drawn."""
    segments = method_segments(g)
    group = style.pop("legendgroup", None) or (label if len(segments) > 1 else None)
    kinds: set[str] = set()
    for n, (method, part) in enumerate(segments):
        kinds |= chart_quality.add_series(
            fig,
            part,
            f"{label} · {method}" if method else label,
            color,
            hover,
            dash=dash or METHOD_DASHES[n % len(METHOD_DASHES)],
            legendgroup=group,
            **style,
        )
    return kinds


MAX_DROP_MARKS = 3  # labelled arrows on one chart at most; every drop is in the note
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
    out = []
    for (fid, metric), g in df[df["metric"].isin(list(metrics))].groupby(["framework", "metric"], sort=False):
        if metric not in catalog.METRICS or catalog.metric(metric).kind != "level":
            continue
        g = g.sort_values("date")
        prev = g[raw].shift()
        fall = (prev - g[raw]) / prev
        for r, f, before in zip(g.itertuples(), fall, prev):
            if pd.notna(f) and before > 0 and f > DROP:
                why = "counting method changed" if (pd.Timestamp(r.date), fid) in changed else "unexplained drop"
                out.append({"framework": fid, "metric": metric, "date": pd.Timestamp(r.date), "x": r.x if hasattr(r, "x") else r.date,
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
    for d, below in _spaced(drops, span):
        low = hi > lo and (scale(d["value"]) - lo) / (hi - lo) < 0.35
        below = -below if low else below  # a point low in the plot: its label above it, clear of the x labels
        y = d["value"]
        if log:
            y = math.log10(y) if y and y > 0 else None
        if y is None:
            continue
        fig.add_annotation(
            x=d["x"], y=y, text=f"{catalog.series_name(d['framework'], names)} −{d['fall']:.0%}: {d['why']}",
            showarrow=True, arrowhead=2, ax=0, ay=below, font={"size": 11, "color": "#B71C1C"}, name="fwpulse-drop",
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
