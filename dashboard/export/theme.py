"""Article themes for exported charts (alt text: :mod:`fwpulse.dashboard.export.alt_text`).

A theme never redraws a chart: it takes the figure the chart registry built
(:func:`fwpulse.dashboard.charts.registry.build`) and updates its layout -- size, fonts, margins, title,
legend, colours -- and adds the footer line "Source: ... · data as of ... · fwpulse". So the
dashboard and every export show the same traces from one definition per chart.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import plotly.graph_objects as go

from fwpulse.dashboard.export.layout import (
    GROUP_GAP,
    MIN_PLOT_PX,
    base_font_size,
    frame_box,
    side_legend,
    strip_tags,
    wrap_row_labels,
)

FONT_FAMILY = "Liberation Sans, Arial, Helvetica, sans-serif"
BRAND = "fwpulse"


@dataclass(frozen=True)
class Theme:
    name: str
    paper: str  # background of the whole image
    plot: str  # background of the plotting area
    text: str
    muted: str  # subtitle, footer, axis titles
    grid: str
    axis: str  # axis lines
    template: str


THEMES: dict[str, Theme] = {
    t.name: t
    for t in [
        Theme("article", "#FFFFFF", "#FFFFFF", "#1A1A1A", "#555555", "#E6E6E6", "#8C8C8C", "plotly_white"),
        Theme("dark", "#111418", "#111418", "#ECECEC", "#A9A9A9", "#2F3439", "#6E757C", "plotly_dark"),
        Theme(
            "transparent",
            "rgba(0,0,0,0)",
            "rgba(0,0,0,0)",
            "#1A1A1A",
            "#555555",
            "rgba(128,128,128,0.28)",
            "#8C8C8C",
            "plotly_white",
        ),
    ]
}
DEFAULT_THEME = "article"


def chart_title(chart) -> str:
    """The chart's title as the figure shows it (falls back to the registry title)."""
    fig_title = chart.figure.layout.title.text if chart.figure is not None else None
    return strip_tags(fig_title) if fig_title else chart.spec.title


THINNED = "thinned to one point per series per week"  # what charts.render adds to a thinned chart's caption


def subtitle_text(chart, options=None) -> str:
    """The exported image's subtitle: the chart's caveat (:mod:`fwpulse.dashboard.charts.caveats`), then how the
    values are shown."""
    return " · ".join(p for p in (getattr(chart, "caveat", ""), shown_as(chart, options)) if p)


def shown_as(chart, options=None) -> str:
    """What was done to the stored values ('' when nothing), e.g. 'indexed to 100 ...; log scale'."""
    thinned = "one point per series per week" if THINNED in (chart.caption or "") else ""
    if options is not None:
        return "; ".join(p for p in (options.describe(), thinned) if p)
    marker = " · shown "
    shown = chart.caption.split(marker, 1)[1].split(" · ", 1)[0] if marker in (chart.caption or "") else ""
    return "; ".join(p for p in (shown, thinned) if p)


def footer_text(chart) -> str:
    sources = "; ".join(chart.sources) if chart.sources else "fwpulse database"
    as_of = f" · data as of {chart.as_of}" if chart.as_of else ""
    return f"Source: {sources}{as_of} · {BRAND}"


def row_label_size(fig: go.Figure, chart, width: int, height: int, subtitle: str, x_title_text) -> int | None:
    """For a chart with one row per result (a category y axis): the type size at which one line per row fits
    the plot's height at this image size (None for other charts, or when the theme's size fits)."""
    rows = fig.layout.yaxis.categoryarray
    if rows is None or len(rows) == 0:
        return None
    base = base_font_size(width)
    trial = frame_box(go.Figure(fig), footer_text(chart), width, base, subtitle, x_title_text)
    fits = int((height - trial.margin_t - round(base * 0.6) - trial.margin_b) / len(rows) / 1.45)
    return max(6, fits) if fits < base - 1 else None


def fit_row_labels(fig: go.Figure, plot_px: float, size: int) -> None:
    """Row labels of a chart with one row per result (a category y axis) in a type size that fits the row
    height at this image size, so none overlaps another or is dropped (at most the theme's ``size``)."""
    rows = fig.layout.yaxis.categoryarray
    if rows is None or len(rows) == 0:
        return
    lines = max(len(re.split(r"<br\s*/?>", str(r))) for r in rows)
    fits = int(plot_px / len(rows) / (lines * 1.45))
    fig.update_yaxes(dtick=1)  # every row labelled: plotly skips category labels it finds crowded
    if fits < size:
        fig.update_yaxes(tickfont_size=max(6, fits))


def apply_theme(chart, theme: str = DEFAULT_THEME, width: int = 1200, height: int = 675, options=None) -> go.Figure:
    """A copy of ``chart.figure`` laid out for publication at ``width`` x ``height`` layout px."""
    if chart.figure is None:
        raise ValueError(f"chart {chart.spec.id} has no figure ({chart.empty_reason})")
    t = THEMES[theme]
    fig = go.Figure(chart.figure)  # deep copy: the dashboard's cached figure is never touched
    subtitle = subtitle_text(chart, options)
    x_title_text = fig.layout.xaxis.title.text
    row_tick = row_label_size(fig, chart, width, height, subtitle, x_title_text)
    side = side_legend(fig, width)
    wrap_row_labels(fig, int(width * 0.45 / ((row_tick or base_font_size(width) - 1) * 0.6)))
    # Shrink the type until title, legend, axes and footer leave the plot some height: plotly squeezes
    # margins that do not fit, which pushed the footer out of short images.
    for base in range(base_font_size(width), 9, -1):
        box = frame_box(fig, footer_text(chart), width, base, subtitle, x_title_text, row_tick, side)
        if box.margin_t + box.margin_b + MIN_PLOT_PX <= height:
            break
    small, pad_l, margin_l, margin_r = box.small, box.pad_l, box.margin_l, box.margin_r
    plot_w = max(1, width - margin_l - margin_r)

    fig.update_layout(
        template=t.template,
        width=width,
        height=height,
        autosize=False,
        paper_bgcolor=t.paper,
        plot_bgcolor=t.plot,
        font={"family": FONT_FAMILY, "size": base, "color": t.text},
        title={
            "text": f"<b>{html.escape(chart_title(chart), quote=False)}</b>",
            "x": pad_l / width,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 14},
            "font": {"size": box.title_size, "color": t.text},
            "subtitle": {
                "text": "<br>".join(html.escape(line, quote=False) for line in box.subtitle_lines),
                "font": {"size": small + 1, "color": t.muted},
            },
        },
        legend=(
            {  # many entries: a column right of the plot, which keeps its height
                "orientation": "v",
                "x": 1.0 + round(base * 0.8) / plot_w,
                "xanchor": "left",
                "y": 1.0,
                "yanchor": "top",
                "font": {"size": base - 2, "color": t.text},
                "bgcolor": "rgba(0,0,0,0)",
                "title": {"text": ""},
                "tracegroupgap": 2,
            }
            if side
            else {
                "orientation": "h",
                "x": max(-2.0, -(margin_l - pad_l) / plot_w),
                "xanchor": "left",
                # above the plot by half a line: the top y label, centred on the plot's edge, stays clear of it
                "y": 1.0 + round(base * 0.6) / max(1, height - box.margin_t - round(base * 0.6) - box.margin_b),
                "yanchor": "bottom",
                "font": {"size": base, "color": t.text},
                "bgcolor": "rgba(0,0,0,0)",
                "title": {"text": ""},
                "itemwidth": 30,
                "tracegroupgap": GROUP_GAP,
            }
        ),
        margin={"l": margin_l, "r": margin_r, "t": box.margin_t + round(base * 0.6), "b": box.margin_b, "pad": 4},
        hoverlabel={"font": {"family": FONT_FAMILY}},
        uniformtext={"minsize": small, "mode": "show"},  # bar labels one legible size
    )
    axis = {
        "gridcolor": t.grid,
        "linecolor": t.axis,
        "zerolinecolor": t.grid,
        "showline": True,
        "tickfont": {"size": base - 1, "color": t.text},
        "title": {"font": {"size": base, "color": t.muted}},
        "automargin": True,
    }
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    plot_px = height - box.margin_t - round(base * 0.6) - box.margin_b  # the legend's gap above the plot too
    fit_row_labels(fig, plot_px, base - 1)
    if fig.layout.yaxis.type != "log" and fig.layout.yaxis.type != "category":
        fig.update_yaxes(nticks=max(3, int(plot_px // (base * 2.6))))  # as many labels as fit the plot's height
    # Labels the chart put in the plot (e.g. method-change lines) grow to stay legible.
    for ann in fig.layout.annotations:
        size = ann.font.size if ann.font and ann.font.size else None
        if size is None or size < small:
            ann.update(font={"size": small})
            grow = small / (size or 11)
            if ann.name in ("fwpulse-break", "fwpulse-drop", "fwpulse-stale"):  # offsets grow with the type
                ann.update(yshift=(ann.yshift or 0) * grow, ay=(ann.ay or 0) * grow if ann.showarrow else ann.ay)
        if theme == "dark" and ann.font.color in (None, "black", "#000", "#000000"):
            ann.update(font={"color": t.muted})
    if theme == "dark":  # black outlines (e.g. marker edges) vanish on a dark background
        for trace in fig.data:
            line = getattr(getattr(trace, "marker", None), "line", None)
            if line is not None and line.color in ("black", "#000", "#000000"):
                trace.marker.line.color = t.text
    fig.add_annotation(
        text="<br>".join(html.escape(line, quote=False) for line in box.footer_lines),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        align="left",
        xshift=-(margin_l - pad_l),
        yshift=-box.footer_shift,
        font={"size": small, "color": t.muted},
        name="fwpulse-footer",
    )
    return fig
