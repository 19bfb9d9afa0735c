"""Article-ready chart rendering: PNG/SVG/PDF via kaleido + Chromium, self-contained HTML, CSV, manifest entries.

Options and file names: :mod:`~fwpulse.dashboard.export_options`; files and ``manifest.json`` on disk:
:mod:`~fwpulse.dashboard.export_manifest` (both re-exported here: ``export.X`` is the export API).
The figures come from the chart registry (:func:`fwpulse.dashboard.chart_registry.build`), themed by
:mod:`fwpulse.dashboard.export_theme`; nothing here draws a chart. The CLI (`fwpulse export`) and
the dashboard's per-chart export button share :func:`render` / :func:`export_bytes`.

* Static images: one Chromium (Debian's, ``BROWSER_PATH``; never a downloaded one) serves every
  image of a call through one :class:`kaleido.Kaleido` session.
* Files are rendered in memory first, then written under a temporary name and renamed, so a
  reader (or a crashed run) never sees half a file. Names are deterministic,
  ``<chart-id>[-<theme>].<ext>`` (no suffix for the default article theme; CSV never has one:
  the data do not depend on the theme), so re-exporting replaces files in place.
* ``manifest.json`` lists every exported file (chart, format, size, theme, frameworks, date
  range, sources, data-as-of, alt text, sha256); a run updates its own entries and keeps the
  others (a cron job exporting one chart does not drop the rest).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import html
import logging
import os
import sys
from dataclasses import dataclass, field

from fwpulse.dashboard.alt_text import alt_text
from fwpulse.dashboard.export_manifest import (
    MANIFEST,
    _date_range,
    _frameworks,
    atomic_write,
    quality_entry,
    read_manifest,
    write_files,
)
from fwpulse.dashboard.export_options import (
    DEFAULT_SCALE,
    DEFAULT_SIZE,
    FORMATS,
    INSTALL_HINT,
    MIME,
    STATIC_FORMATS,
    ChromiumMissing,
    ExportError,
    ExportUsageError,
    alt_name,
    check_browser,
    check_out_dir,
    file_name,
    parse_date,
    parse_formats,
    parse_scale,
    parse_size,
    parse_theme,
)
from fwpulse.dashboard.export_theme import (
    DEFAULT_THEME,
    THEMES,
    apply_theme,
    base_font_size,
    chart_title,
    footer_text,
    shown_as,
)
from fwpulse.data import read

RENDER_TIMEOUT_S = 60

# The export API in one place (the CLI, the dashboard's buttons and tests use ``export.X``).
__all__ = [
    "MANIFEST",
    "atomic_write",
    "quality_entry",
    "read_manifest",
    "write_files",
    "DEFAULT_SCALE",
    "DEFAULT_SIZE",
    "FORMATS",
    "INSTALL_HINT",
    "MIME",
    "STATIC_FORMATS",
    "ChromiumMissing",
    "ExportError",
    "ExportUsageError",
    "alt_name",
    "check_browser",
    "check_out_dir",
    "file_name",
    "parse_date",
    "parse_formats",
    "parse_scale",
    "parse_size",
    "parse_theme",
    "DEFAULT_THEME",
    "THEMES",
    "Rendered",
    "csv_bytes",
    "html_bytes",
    "render_static",
    "natural_size",
    "render",
    "export_bytes",
    "RENDER_TIMEOUT_S",
]


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


def html_bytes(chart, fig, alt: str) -> bytes:
    """A self-contained page: plotly.js inlined, no external script, alt text as aria-label and description."""
    div_id = f"fwpulse-{chart.spec.id}"
    page = fig.to_html(
        full_html=True,
        include_plotlyjs=True,
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


def _run(coro):
    """Run a coroutine from sync code, also when the caller (e.g. a server thread) has a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _import_kaleido():
    """Import kaleido with a bare ``sys.argv``: its logger (logistro) parses the command line at import
    time and exits on an abbreviation it finds ambiguous, such as our own ``--log``."""
    argv = sys.argv
    sys.argv = argv[:1]
    try:
        import kaleido
        from kaleido.errors import ChromeNotFoundError
    except ImportError:
        raise ExportError("static export needs kaleido >= 1: pip install -c constraints.txt -e '.[export]'") from None
    finally:
        sys.argv = argv
    return kaleido, ChromeNotFoundError


def _quiet_browser_logs() -> None:
    """kaleido/choreographer log to the root logger (stderr by default); keep our errors one line unless -v."""
    if logging.getLogger("fwpulse").isEnabledFor(logging.DEBUG):
        return
    for name in ("choreographer", "kaleido", "logistro", "browser_proc"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def render_static(
    jobs: list[tuple[object, str, int, int, float]], browser_path: str | None, tabs: int = 1
) -> list[bytes]:
    """Images for ``jobs`` = [(figure, format, width, height, scale)], all from ONE Chromium process.

    One tab by default: on the 2-core reference machine a second tab did not help (18 images: 7.8-8.8 s with
    one tab vs 7.9-9.9 s with two when idle; 11.3 s vs 13.3 s under load).
    """
    if not jobs:
        return []
    browser = check_browser(browser_path)
    kaleido, ChromeNotFoundError = _import_kaleido()
    os.environ["BROWSER_PATH"] = browser  # choreographer's own lookup agrees with ours
    _quiet_browser_logs()

    async def main() -> list[bytes]:
        async with kaleido.Kaleido(
            path=browser, n=max(1, min(tabs, len(jobs))), mathjax=False, timeout=RENDER_TIMEOUT_S
        ) as k:

            async def one(fig, fmt, w, h, s):
                return await k.calc_fig(fig, opts={"format": fmt, "width": w, "height": h, "scale": s})

            return list(await asyncio.gather(*(one(*job) for job in jobs)))

    try:
        return _run(main())
    except ChromeNotFoundError:
        raise ChromiumMissing(f"Chromium not found at {browser} (BROWSER_PATH): {INSTALL_HINT}") from None
    except ExportError:
        raise
    except Exception as exc:  # the browser died, timed out, or refused to start
        first = next((str(a).strip().splitlines()[0] for a in exc.args if str(a).strip()), type(exc).__name__)
        raise ExportError(
            f"static image export with {browser} failed: {first} (check that BROWSER_PATH is a working Chromium)"
        ) from None


def natural_size(chart) -> tuple[int, int]:
    """:data:`DEFAULT_SIZE`, made taller for charts with one labelled row per result (the horizontal
    speed charts): every row gets a line of the article theme's tick font."""
    width, height = DEFAULT_SIZE
    fig = chart.figure
    rows = fig.layout.yaxis.categoryarray if fig is not None else None
    if rows is None or len(rows) == 0:
        return width, height
    return width, max(height, 260 + round(len(rows) * base_font_size(width) * 1.5))


def render(
    charts_: list,
    formats: tuple[str, ...],
    theme: str = DEFAULT_THEME,
    size: tuple[int, int] | None = None,
    scale: float = DEFAULT_SCALE,
    options=None,
    names: dict[str, str] | None = None,
    browser_path: str | None = None,
) -> list[Rendered]:
    """Every (chart, format) in memory, with manifest entries; static images share one browser.

    ``size`` None: each chart's :func:`natural_size` (1200x675 unless it has a row per result)."""
    out: list[Rendered] = []
    static_jobs, static_slots = [], []
    for chart in charts_:
        width, height = size or natural_size(chart)
        fig = apply_theme(chart, theme, width, height, options)
        alt = alt_text(chart, options, names)
        common = {
            "chart": chart.spec.id,
            "title": chart_title(chart),
            "theme": theme,
            "frameworks": _frameworks(chart),
            "date_range": _date_range(chart),
            "requested_range": {
                "from": str(options.start) if options and options.start else None,
                "to": str(options.end) if options and options.end else None,
            },
            "shown_as": shown_as(chart, options),
            "sources": list(chart.sources),
            "data_as_of": str(chart.as_of) if chart.as_of else None,
            "footer": footer_text(chart),
            "alt_text": alt,
            "alt_file": alt_name(chart.spec.id, theme),
            "notes": list(chart.notes),
            **quality_entry(chart),
        }
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
                item.data = html_bytes(chart, fig, alt)
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
    for item in out:
        item.entry["bytes"] = len(item.data)
        item.entry["sha256"] = hashlib.sha256(item.data).hexdigest()
    return out


def export_bytes(
    chart,
    fmt: str,
    theme: str = DEFAULT_THEME,
    size: tuple[int, int] | None = None,
    scale: float = DEFAULT_SCALE,
    options=None,
    names: dict[str, str] | None = None,
    browser_path: str | None = None,
) -> bytes:
    """One chart as one file's bytes (png/svg/pdf/html/csv): the dashboard's server-side export button.

    Same code path as `fwpulse export`. ``browser_path`` defaults to settings (``BROWSER_PATH``).
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
    if browser_path is None and fmt in STATIC_FORMATS:
        from fwpulse.data.settings import load_settings

        browser_path = load_settings().browser_path
    items = render([chart], (fmt,), theme, size, scale, options, names, browser_path)
    return items[0].data
