"""Article-ready chart rendering: PNG/SVG/PDF via kaleido + Chromium, self-contained HTML, CSV, manifest entries.

Options and file names: :mod:`~fwpulse.dashboard.export.options`; files and ``manifest.json`` on disk:
:mod:`~fwpulse.dashboard.export.manifest`.
The figures come from the chart registry (:func:`fwpulse.dashboard.charts.registry.build`), themed by
:mod:`fwpulse.dashboard.export.theme`; nothing here draws a chart. The CLI (`fwpulse export`) and
the dashboard's per-chart export button share :func:`render` / :func:`export_bytes`.

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
from dataclasses import dataclass, field

import plotly

from fwpulse.dashboard.export.alt_text import alt_text
from fwpulse.dashboard.export.formats import STATIC_FORMATS
from fwpulse.dashboard.export.layout import base_font_size, wrap
from fwpulse.dashboard.export.manifest import (
    chart_entry,
)
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
    """Every (chart, format) in memory, with manifest entries; static images share one browser. HTML pages get
    plotly.js as ``html_js`` says; "shared" adds one :data:`PLOTLY_JS` for them all.

    ``size`` None: each chart's :func:`natural_size` (1200x675 unless it has a row per result); a given size is
    kept, and the row labels of a chart with a row per result get a type size that fits their rows."""
    out: list[Rendered] = []
    static_jobs, static_slots = [], []
    for chart in charts_:
        width, height = size or natural_size(chart)
        fig = apply_theme(chart, theme, width, height, options)
        alt = alt_text(chart, options, names)
        common = chart_entry(chart, theme, options, alt)
        for fmt in formats:
            entry = {"file": file_name(chart.spec.id, theme, fmt), "format": fmt, **common}
            if fmt in STATIC_FORMATS or fmt == "html":
                entry.update({"size": f"{width}x{height}", "width": width, "height": height})
            if fmt in STATIC_FORMATS:
                entry["scale"] = scale
                if fmt == "png":
                    entry["pixels"] = [round(width * scale), round(height * scale)]
            if fmt == "csv":
                entry["rows"] = int(len(chart.data))
                for k in ("theme", "alt_file", "footer"):
                    entry.pop(k)
            item = Rendered(entry["file"], b"", entry)
            if fmt == "csv":
                item.data = csv_bytes(chart)
            elif fmt == "html":
                item.data = html_bytes(chart, fig, alt, html_js)
                entry["plotly_js"] = {"inline": "inline", "shared": PLOTLY_JS, "cdn": "cdn.plot.ly"}[html_js]
            else:
                static_jobs.append((fig, fmt, width, height, scale))
                static_slots.append(item)
            out.append(item)
        if any(f != "csv" for f in formats):  # alt text beside every image (and the HTML page)
            out.append(
                Rendered(
                    alt_name(chart.spec.id, theme),
                    (alt + "\n").encode("utf-8"),
                    {"file": alt_name(chart.spec.id, theme), "format": "alt", **common},
                )
            )
    for item, data in zip(static_slots, render_static(static_jobs, browser_path)):
        item.data = data
    if html_js == "shared" and "html" in formats and out:
        from plotly.offline import get_plotlyjs

        js = get_plotlyjs().encode("utf-8")
        out.append(Rendered(PLOTLY_JS, js, {"file": PLOTLY_JS, "format": "js", "plotly_version": plotly.__version__}))
    for item in out:
        item.entry["bytes"] = len(item.data)
        item.entry["sha256"] = hashlib.sha256(item.data).hexdigest()
    return out


def export_bytes(chart, fmt: str, theme: str = DEFAULT_THEME, browser_path: str | None = None, **look) -> bytes:
    """One chart as one file's bytes (png/svg/pdf/html/csv): the dashboard's server-side export button.

    Same code path as `fwpulse export`: ``look`` is :func:`render`'s ``size``, ``scale``, ``options`` and
    ``names``. ``browser_path``: the Chromium for PNG/SVG/PDF, from the caller's Settings (``BROWSER_PATH``);
    the renderer never reads settings itself.
    Raises :class:`ExportError` (one-line message) e.g. when Chromium is missing.
    """
    fmt = parse_formats(fmt)[0] if fmt else "png"
    theme = parse_theme(theme)
    if chart.figure is None and fmt != "csv":
        raise ExportError(
            f"chart {chart.spec.id} is empty: {chart.empty_reason} Fill it with `{chart.spec.fill_hint}`."
        )
    if fmt == "csv":
        return csv_bytes(chart)
    return render([chart], (fmt,), theme, browser_path=browser_path, **look)[0].data
