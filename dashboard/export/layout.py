"""Measuring an exported figure: the room its legend, tick labels, titles and footer take at a given type size.

Estimates in layout px from the figure alone (no browser), so :mod:`fwpulse.dashboard.export.theme` can
choose margins that keep every label inside the image and the plot some height.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from dataclasses import dataclass

import plotly.graph_objects as go


def strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


def wrap(text: str, max_chars: int) -> list[str]:
    """Greedy wrap at '; ' and ' · ' boundaries so lines stay under ``max_chars`` where possible."""
    tokens = re.findall(r".+?(?:; | · |$)", text)
    lines, line = [], ""
    for tok in tokens:
        if line and len((line + tok).rstrip()) > max_chars:
            lines.append(line.rstrip())
            line = tok
        else:
            line += tok
    if line.strip():
        lines.append(line.rstrip())
    return lines


def base_font_size(width: int) -> int:
    """Body font in px: 18 at 1200 px wide (readable when an article column scales the image down)."""
    return int(min(40, max(12, round(width * 0.015))))


GROUP_GAP = 6  # px between wrapped rows of legend groups


def legend_height(fig: go.Figure, usable_px: float, size: int) -> float:
    """Estimated pixel height of the horizontal legend.

    Plotly lays a horizontal legend out by legend group: the items of a group stack vertically, the
    groups sit side by side and wrap; a trace without a group is a group of its own.
    """
    groups: dict[str, list[str]] = {}
    for i, t in enumerate(fig.data):
        if not t.name or t.showlegend is False:
            continue
        groups.setdefault(t.legendgroup or f"__trace{i}", []).append(t.name)
    shown = sum(len(names) for names in groups.values())
    if fig.layout.showlegend is False or not groups or (shown == 1 and fig.layout.showlegend is not True):
        return 0.0  # plotly shows no legend for a single trace unless asked to
    line_h = size * 1.6
    blocks = list(groups.values())
    widths = [max(len(strip_tags(n)) for n in names) * size * 0.5 + 50 for names in blocks]  # ~0.45 em/char
    if sum(widths) <= usable_px:
        rows = [max(len(names) for names in blocks)]
    else:  # once it wraps, plotly aligns the items in columns as wide as the widest
        per_row = max(1, int(usable_px // max(widths)))
        rows = [max(len(names) for names in blocks[i : i + per_row]) for i in range(0, len(blocks), per_row)]
    return sum(rows) * line_h + (len(rows) - 1) * GROUP_GAP


def _is_label(x) -> bool:
    return isinstance(x, str) and not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?([ T].*)?", x)


def _category_labels(fig: go.Figure) -> tuple[list[str], int]:
    """Distinct categorical x labels (bar charts of claims, workloads ...) and the number of label rows
    (2 for a two-level multicategory axis); ([], 0) for dates and numbers."""
    labels: dict[str, None] = {}
    levels = 0
    for trace in fig.data:
        xs = getattr(trace, "x", None)
        if xs is None or len(xs) == 0 or getattr(trace, "orientation", None) == "h":
            continue
        if isinstance(xs[0], (list, tuple)):  # multicategory: x = [outer labels, inner labels]
            levels = max(levels, len(xs))
            labels.update((str(x), None) for level in xs for x in level)
            continue
        found = [x for x in xs if _is_label(x)]
        if found:
            levels = max(levels, 1)
            labels.update((x, None) for x in found)
    return list(labels), levels


def _x_tick_block(fig: go.Figure, tick_size: int, plot_width: float) -> float:
    """Pixels the x tick labels take below the axis; long category labels are turned to a fixed angle."""
    labels, levels = _category_labels(fig)
    line_h = tick_size * 1.3
    if not labels:
        return tick_size * 3.3  # a date axis: plotly puts the year on a second line under the first label
    if levels > 1:  # plotly draws each level as its own row of labels, unrotated
        lines = max(len(re.split(r"<br\s*/?>", label)) for label in labels)
        return levels * (lines * line_h + tick_size * 0.6) + tick_size * 0.8
    parts = [strip_tags(p) for label in labels for p in re.split(r"<br\s*/?>", label)]
    lines = max(len(re.split(r"<br\s*/?>", label)) for label in labels)
    longest = max(len(p) for p in parts) * tick_size * 0.56
    if longest <= plot_width / len(labels) * 0.92:
        fig.update_xaxes(tickangle=0)
        return lines * line_h + tick_size * 0.8
    fig.update_xaxes(tickangle=30)
    return longest * 0.5 + lines * line_h * 0.87 + tick_size


def _y_label_block(fig: go.Figure, tick_size: int, base: int) -> int:
    """Pixels left of the plot for the y tick labels (and the y title): category labels of horizontal
    traces, the log axis' tick texts, or numbers as plotly writes them (at most ~6 characters)."""
    labels: list[str] = []
    for trace in fig.data:
        if getattr(trace, "orientation", None) == "h" and getattr(trace, "y", None) is not None:
            labels += [str(y) for y in trace.y]
    axis = fig.layout.yaxis
    if axis.ticktext:
        labels += [str(t) for t in axis.ticktext]
    if not labels:
        values = [
            abs(v)
            for trace in fig.data
            if getattr(trace, "orientation", None) != "h" and getattr(trace, "y", None) is not None
            for v in trace.y
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        ]
        top = max(values, default=0)
        labels = ["0.00" if top < 10 else ("100k" if top < 1e6 else "1.5M")]
    chars = max(len(line) for lab in labels for line in re.split(r"<br\s*/?>", lab))
    title = base * 1.6 if axis.title.text else 0
    return round(chars * tick_size * 0.6 + tick_size * 0.8 + title)


def wrap_row_labels(fig: go.Figure, max_chars: int) -> None:
    """Row labels of horizontal charts (one per result) longer than ``max_chars`` wrap at ' · ', so on a
    narrow image they leave the plot (and the centred x title) more than a sliver of the width."""
    mapping: dict[str, str] = {}
    for trace in fig.data:
        if getattr(trace, "orientation", None) != "h" or getattr(trace, "y", None) is None:
            continue
        for y in trace.y:
            if isinstance(y, str) and len(y) > max_chars and y not in mapping:
                mapping[y] = "<br>".join(wrap(y, max_chars))
    if not mapping:
        return
    for trace in fig.data:
        if getattr(trace, "orientation", None) == "h" and getattr(trace, "y", None) is not None:
            trace.y = [mapping.get(y, y) for y in trace.y]
    if fig.layout.yaxis.categoryarray is not None:
        fig.update_yaxes(categoryarray=[mapping.get(y, y) for y in fig.layout.yaxis.categoryarray])


MIN_PLOT_PX = 80  # the least plot height an exported image keeps (plotly squeezes margins below ~64 px)


@dataclass(frozen=True)
class Frame:
    """An exported image's furniture at one type size (layout px)."""

    base: int  # body type
    small: int  # footer, subtitle, labels in the plot
    title_size: int
    pad_l: int  # the image's left edge to the title, legend and footer
    margin_l: int
    margin_r: int
    margin_t: int
    margin_b: int
    footer_lines: list[str]
    footer_shift: int  # the footer's top below the plot
    subtitle_lines: list[str]  # the subtitle, wrapped to the image's width (never cut)


SIDE_LEGEND_ROWS = 3  # a legend over this many rows on top would squeeze the plot: it goes to the right


def legend_width(fig: go.Figure, size: int) -> int:
    """Pixels a vertical legend takes right of the plot."""
    names = [strip_tags(t.name) for t in fig.data if t.name and t.showlegend is not False]
    return round(max((len(n) for n in names), default=0) * size * 0.55 + 60)


def side_legend(fig: go.Figure, width: int) -> bool:
    """Whether the legend goes right of the plot: on top it would take more than :data:`SIDE_LEGEND_ROWS` rows."""
    base = base_font_size(width)
    tall = legend_height(fig, width * 0.85, base) > base * 1.6 * SIDE_LEGEND_ROWS + GROUP_GAP * SIDE_LEGEND_ROWS
    return tall and legend_width(fig, base - 2) <= width * 0.36  # long names stay on top: the plot keeps its width


def frame_box(
    fig: go.Figure,
    footer: str,
    width: int,
    base: int,
    subtitle: str,
    x_title_text,
    row_tick: int | None = None,
    side: bool = False,
) -> Frame:
    """Margins, footer lines and offsets for type of size ``base``; wraps the x title on ``fig`` to fit.
    ``row_tick``: the type size of the row labels of a chart with one row per result, when smaller;
    ``side``: the legend stands right of the plot (:func:`side_legend`), not on top."""
    small = max(10, base - 3)
    title_size = round(base * 1.45)
    pad_l, margin_r = round(base * 1.2), round(base * 1.6) + (legend_width(fig, base) if side else 0)
    # The plot's left edge sits after the y tick labels and title. Reserve that room in the margin
    # (automargin would move the edge by an amount unknown here), so the title, legend and footer,
    # placed from the plot's left edge, can be moved back to the image's left edge by exactly that much.
    margin_l = pad_l + _y_label_block(fig, min(row_tick or base - 1, base - 1), base)
    usable = width - pad_l - margin_r - 2 * base
    # 0.55 em per character of the subtitle's type (small + 1): a caveat wraps rather than runs off the image
    subtitle_lines = wrap(subtitle, max(30, int(usable / ((small + 1) * 0.55)))) if subtitle else []
    title_block = 16 + title_size * 1.25 + base * 1.4 * len(subtitle_lines)
    margin_t = round(title_block + (0 if side else legend_height(fig, usable, base)) + base * 0.8)
    # 0.6 em per character: wide enough for digits and capitals, so a wrapped line never runs off the right.
    footer_lines = wrap(footer, max(30, int((width - pad_l - margin_r) / (small * 0.6))))
    x_title_lines = 1
    if x_title_text:  # a title wider than the plot is centred on it and cut at both sides: wrap it
        lines = textwrap.wrap(strip_tags(x_title_text), max(12, int((width - margin_l - margin_r) / (base * 0.6))))
        fig.update_xaxes(
            title_text="<br>".join(html.escape(line, quote=False) for line in lines) if len(lines) > 1 else x_title_text
        )
        x_title_lines = max(1, len(lines))
    ticks = _x_tick_block(fig, base - 1, width - margin_l - margin_r - 4 * base)
    # below the tick labels (and the x title's lines)
    footer_shift = round(ticks + (base * 1.7 + (x_title_lines - 1) * base * 1.45 if x_title_text else 0))
    margin_b = round(footer_shift + len(footer_lines) * small * 1.35 + base * 0.7)
    return Frame(
        base,
        small,
        title_size,
        pad_l,
        margin_l,
        margin_r,
        margin_t,
        margin_b,
        footer_lines,
        footer_shift,
        subtitle_lines,
    )
