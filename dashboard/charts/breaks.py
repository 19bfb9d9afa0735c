"""Where a series' source or counting method changes for good: found from the stored rows, marked on the chart.

A series that switches to a source or method it never used before gets a dotted vertical line at that date,
labelled with what changed (derived from the stored rows, never placed by hand), and the chart a note.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts import quality
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


def method_key(df: pd.DataFrame) -> pd.Series:
    """Each row's counting method as one key (source and method), for grouping by method; one key for all
    rows of a frame that does not say its method."""
    if not {"source", "method"} <= set(df.columns):
        return pd.Series("", index=df.index)
    return df["source"].astype(str) + "\x00" + df["method"].astype(str)


def spliced_index(g: pd.DataFrame) -> pd.Series:
    """One series' values (one framework and metric, sorted by date) as an index, 100 at its first non-zero
    value. A later counting method continues from the index the earlier one had reached when it began
    (spliced), so a change of method is never read as growth."""
    key = method_key(g)
    out = pd.Series(float("nan"), index=g.index)
    for n, k in enumerate(dict.fromkeys(key)):
        rows = g[key == k]
        nonzero = rows["value"][(rows["value"] != 0) & rows["value"].notna()]
        if nonzero.empty:
            continue
        level = 100.0
        if n:  # the index the methods before it had reached on this method's first date
            before = out[(key != k) & out.notna() & (g["date"] <= rows["date"].iloc[0])]
            level = float(before.iloc[-1]) if not before.empty and before.iloc[-1] else 100.0
        out[rows.index] = rows["value"] / nonzero.iloc[0] * level
    return out


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
    labels of several lines downwards, a line of type apart whatever the plot's height); ``annotation``: more of
    the label's properties (hover text, name)."""
    fig.add_vline(x=pd.Timestamp(date).timestamp() * 1000, line_dash="dot", line_color="grey")
    fig.add_annotation(
        x=date,
        y=1,
        yref="paper",
        yanchor="top",
        yshift=-row * ROW_PX,
        text=text,
        showarrow=False,
        xanchor=xanchor,
        font={"size": 11, "color": "grey"},
        **annotation,
    )


ROW_PX = 22  # between stacked labels of vertical lines (room for the export's larger type too)


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
    fig: go.Figure,
    g: pd.DataFrame,
    label: str,
    color: str | None,
    hover: str,
    dash: str | None = None,
    each_in_legend: bool = True,
    shapes: list[dict] | None = None,
    **style,
) -> set[str]:
    """Draw one series as one line per source and method (:func:`method_segments`): no line runs
    across a change of counting method; each part's legend entry names its method, and parts differ by dash
    (or all take ``dash`` when the chart uses dashes for something else). With ``each_in_legend=False`` (charts
    of several metrics, whose legends are long already) only the first part has an entry; the others name
    their method in the hover, and the labelled line where the method changes marks them. ``shapes``: as
    :func:`quality.add_series`. Returns the flagged kinds drawn."""
    segments = method_segments(g)
    group = style.pop("legendgroup", None) or (label if len(segments) > 1 else None)
    kinds: set[str] = set()
    for n, (method, part) in enumerate(segments):
        kinds |= quality.add_series(
            fig,
            part,
            f"{label} · {method}" if method and (each_in_legend or n > 0) else label,
            color,
            hover,
            dash=dash or METHOD_DASHES[n % len(METHOD_DASHES)],
            legendgroup=group,
            legend=each_in_legend or n == 0,
            shapes=shapes,
            **style,
        )
    return kinds
