"""Article-ready chart rendering: PNG/SVG/PDF via kaleido + Chromium, self-contained HTML, CSV, manifest entries.

Options and file names: :mod:`~fwpulse.dashboard.export.options`; files and ``manifest.json`` on disk:
:mod:`~fwpulse.dashboard.export.manifest`.
The figures come from the chart registry (:func:`fwpulse.dashboard.charts.registry.build`), themed by
:mod:`fwpulse.dashboard.export.theme`; nothing here draws a chart. The CLI (`fwpulse export`) and
the dashboard's per-chart export button share :func:`render` / :func:`export_bytes`.

* Each format's file is made by its writer in :data:`WRITERS` (keyed by the names declared in
  :mod:`~fwpulse.dashboard.export.formats`), which also says the format's own manifest fields.

* Static images: one Chromium (Debian's, ``BROWSER_PATH``; never a downloaded one) serves every
  image of a call through one :class:`kaleido.Kaleido` session (:mod:`~fwpulse.dashboard.export.static`).
* Files are rendered in memory first, then written under a temporary name and renamed, so a
  reader (or a crashed run) never sees half a file. Names are deterministic,
  ``<chart-id>[-<theme>].<ext>`` (no suffix for the default article theme; CSV never has one:
  the data do not depend on the theme), so re-exporting replaces files in place.
* ``manifest.json`` lists every exported file (chart, format, size, theme, frameworks, date
  range, sources, data-as-of, alt text, sha256); a run updates its own entries and keeps the
  others (a cron job exporting one chart does not drop the rest).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import plotly

from fwpulse.dashboard.export.alt_text import alt_text
from fwpulse.dashboard.export.layout import base_font_size, wrap
from fwpulse.dashboard.export.manifest import chart_entry
from fwpulse.dashboard.export.options import (
    DEFAULT_SCALE,
    DEFAULT_SIZE,
    PLOTLY_JS,
    ExportError,
    alt_name,
    file_name,
    parse_formats,
    parse_theme,
)
from fwpulse.dashboard.export.static import render_static
from fwpulse.dashboard.export.theme import DEFAULT_THEME, apply_theme, chart_title
from fwpulse.data import read

# ---------------------------------------------------------------------------- rendering


@dataclass
class Rendered:
    """One export file's bytes and its manifest entry (before it is written)."""

    file: str
    data: bytes
    entry: dict = field(default_factory=dict)


def csv_bytes(chart) -> bytes:
    """Exactly ``chart.data``, by the one CSV writer the dashboard's download uses too
    (:func:`fwpulse.data.read.plotted_csv`: a ``quality`` column, the unit in the ``value`` header)."""
    return read.plotted_csv(chart.data)


def html_bytes(chart, fig, alt: str, html_js: str = "inline") -> bytes:
    """One page, alt text as aria-label and description; plotly.js inlined (``html_js`` "inline": a
    self-contained file), from :data:`PLOTLY_JS` beside the page ("shared") or from Plotly's CDN ("cdn")."""
    div_id = f"fwpulse-{chart.spec.id}"
    page = fig.to_html(
        full_html=True,
        include_plotlyjs={"inline": True, "shared": PLOTLY_JS, "cdn": "cdn"}[html_js],
        include_mathjax=False,
        div_id=div_id,
        default_width=f"{fig.layout.width}px",
        default_height=f"{fig.layout.height}px",
        config={
            "displaylogo": False,
            "responsive": False,
            "toImageButtonOptions": {"format": "png", "filename": chart.spec.id, "scale": 2},
        },
    )
    title, alt_e = html.escape(chart_title(chart)), html.escape(alt, quote=True)
    page = page.replace(
        "<head>", f'<head>\n    <title>{title}</title>\n    <meta name="description" content="{alt_e}" />', 1
    )
    page = page.replace(f'<div id="{div_id}"', f'<div id="{div_id}" role="img" aria-label="{alt_e}"', 1)
    return page.encode("utf-8")


def natural_size(chart) -> tuple[int, int]:
    """:data:`DEFAULT_SIZE`, made taller for charts with one labelled row per result (the horizontal speed
    charts): every row gets the lines of its label (wrapped as the export wraps them) in the article theme's
    tick font, so no label overlaps or is dropped."""
    width, height = DEFAULT_SIZE
    fig = chart.figure
    rows = fig.layout.yaxis.categoryarray if fig is not None else None
    if rows is None or len(rows) == 0:
        return width, height
    font = base_font_size(width)
    max_chars = int(width * 0.45 / ((font - 1) * 0.6))  # as theme.apply_theme wraps row labels
    lines = max(len(wrap(str(r), max_chars)) for r in rows)  # a category axis gives every row the same height
    rows_px = len(rows) * (lines * (font - 1) * 1.3 + font * 0.6)
    frame = apply_theme(chart, DEFAULT_THEME, width, height).layout.margin  # title, legend, axis, footer
    return width, max(height, round(frame.t + frame.b + rows_px))


@dataclass
class Canvas:
    """One chart ready to be written, at its size and in its theme: what every writer gets.

    ``fig`` is the themed figure, made when a writer first asks for it; a chart without a figure raises the
    one-line :class:`ExportError` then, so a writer of the plotted data alone (CSV) works for an empty chart too.
    ``shared``: files every chart of the call uses, written once beside them (``plotly.min.js``).
    """

    chart: Any
    theme: str
    width: int
    height: int
    scale: float
    options: Any
    alt: str
    html_js: str
    shared: dict[str, Rendered]

    @cached_property
    def fig(self):
        chart = self.chart
        if chart.figure is None:
            raise ExportError(
                f"chart {chart.spec.id} is empty: {chart.empty_reason} Fill it with `{chart.spec.fill_hint}`."
            )
        return apply_theme(chart, self.theme, self.width, self.height, self.options)

    def size_entry(self) -> dict:
        return {"size": f"{self.width}x{self.height}", "width": self.width, "height": self.height}


# A writer makes one format's file of a chart: it adds the format's own fields to the file's manifest entry (which
# holds file, format and what every entry of the chart says) and returns the bytes, or None for a format Chromium
# draws: those files are drawn together, in one browser session, after every writer ran. A key it drops from the
# entry is not said of its file ("alt_file": no alt text written for it).
Writer = Callable[[Canvas, dict], bytes | None]


def _image(canvas: Canvas, entry: dict) -> None:
    entry.update(canvas.size_entry())
    entry["scale"] = canvas.scale


def _png(canvas: Canvas, entry: dict) -> None:
    _image(canvas, entry)
    entry["pixels"] = [round(canvas.width * canvas.scale), round(canvas.height * canvas.scale)]


def _html(canvas: Canvas, entry: dict) -> bytes:
    entry.update(canvas.size_entry())
    data = html_bytes(canvas.chart, canvas.fig, canvas.alt, canvas.html_js)
    entry["plotly_js"] = {"inline": "inline", "shared": PLOTLY_JS, "cdn": "cdn.plot.ly"}[canvas.html_js]
    if canvas.html_js == "shared" and PLOTLY_JS not in canvas.shared:
        from plotly.offline import get_plotlyjs

        js = get_plotlyjs().encode("utf-8")
        canvas.shared[PLOTLY_JS] = Rendered(
            PLOTLY_JS, js, {"file": PLOTLY_JS, "format": "js", "plotly_version": plotly.__version__}
        )
    return data


def _csv(canvas: Canvas, entry: dict) -> bytes:
    entry["rows"] = int(len(canvas.chart.data))
    for k in ("theme", "alt_file", "footer"):  # the data do not depend on the theme; no image to describe
        entry.pop(k)
    return csv_bytes(canvas.chart)


WRITERS: dict[str, Writer] = {"png": _png, "svg": _image, "pdf": _image, "html": _html, "csv": _csv}


def render(
    charts_: list,
    formats: tuple[str, ...],
    theme: str = DEFAULT_THEME,
    size: tuple[int, int] | None = None,
    scale: float = DEFAULT_SCALE,
    options=None,
    names: dict[str, str] | None = None,
    browser_path: str | None = None,
    html_js: str = "inline",
) -> list[Rendered]:
    """Every (chart, format) in memory, with manifest entries, each file by its format's writer in
    :data:`WRITERS`; static images share one browser. HTML pages get plotly.js as ``html_js`` says; "shared" adds
    one :data:`PLOTLY_JS` for them all.

    ``size`` None: each chart's :func:`natural_size` (1200x675 unless it has a row per result); a given size is
    kept, and the row labels of a chart with a row per result get a type size that fits their rows."""
    out: list[Rendered] = []
    static_jobs, static_slots = [], []
    shared: dict[str, Rendered] = {}
    for chart in charts_:
        width, height = size or natural_size(chart)
        alt = alt_text(chart, options, names)
        canvas = Canvas(chart, theme, width, height, scale, options, alt, html_js, shared)
        common = chart_entry(chart, theme, options, alt)
        items = []
        for fmt in formats:
            entry = {"file": file_name(chart.spec.id, theme, fmt), "format": fmt, **common}
            item = Rendered(entry["file"], b"", entry)
            data = WRITERS[fmt](canvas, entry)
            if data is None:  # drawn by Chromium with the call's other images
                static_jobs.append((canvas.fig, fmt, width, height, scale))
                static_slots.append(item)
            else:
                item.data = data
            items.append(item)
        if any("alt_file" in item.entry for item in items):  # alt text beside every image (and the HTML page)
            items.append(
                Rendered(
                    alt_name(chart.spec.id, theme),
                    (alt + "\n").encode("utf-8"),
                    {"file": alt_name(chart.spec.id, theme), "format": "alt", **common},
                )
            )
        out += items
    for item, data in zip(static_slots, render_static(static_jobs, browser_path)):
        item.data = data
    out += shared.values()
    for item in out:
        item.entry["bytes"] = len(item.data)
        item.entry["sha256"] = hashlib.sha256(item.data).hexdigest()
    return out


def export_bytes(chart, fmt: str, theme: str = DEFAULT_THEME, browser_path: str | None = None, **look) -> bytes:
    """One chart as one file's bytes, in any format of :data:`WRITERS`: the dashboard's server-side export button.

    Same code path as `fwpulse export`: ``look`` is :func:`render`'s ``size``, ``scale``, ``options`` and
    ``names``. ``browser_path``: the Chromium for PNG/SVG/PDF, from the caller's Settings (``BROWSER_PATH``);
    the renderer never reads settings itself.
    Raises :class:`ExportError` (one-line message) e.g. when Chromium is missing or a chart without data is asked
    for in a format that draws it.
    """
    fmt = parse_formats(fmt)[0] if fmt else "png"
    theme = parse_theme(theme)
    return render([chart], (fmt,), theme, browser_path=browser_path, **look)[0].data
