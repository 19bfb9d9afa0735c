"""A chart's article-export buttons, rendered on the server by the same code as `fwpulse export`.

One button per format declared with ``button`` in dashboard/export/formats.py, read when the page is drawn.
"""

from __future__ import annotations

import importlib.util

from fwpulse.dashboard.charts.spec import Chart, ChartOptions
from fwpulse.dashboard.export import formats


def export_buttons(chart: Chart, opts: ChartOptions, names: dict[str, str], cols, browser: str) -> None:
    """Article-ready files rendered on the server by the same code as `fwpulse export`.

    Each file is built only when its button is clicked (Streamlit runs the callable then), so
    the page never waits for Chromium; the modebar's camera icon stays the client-side PNG. ``browser``: the
    Chromium of the page run's Settings (``BROWSER_PATH``), passed in by the caller.
    """
    from fwpulse.dashboard.export.options import ExportError, check_browser, file_name
    from fwpulse.dashboard.export.render import export_bytes, natural_size
    from fwpulse.dashboard.export.theme import DEFAULT_THEME

    try:
        check_browser(browser)
        missing = None
    except ExportError as exc:
        missing = str(exc)
    if missing is None and importlib.util.find_spec("kaleido") is None:
        missing = "kaleido is not installed: pip install -c constraints.txt -e '.[export]' (./dev.sh dashboard does)"
    static = formats.static()
    for col, fmt in zip(cols, formats.buttons(), strict=True):  # one place per button (the page: its popover)
        needs_browser = fmt in static
        disabled = needs_browser and missing is not None
        col.download_button(
            f"Article {fmt.upper()}",
            data=lambda fmt=fmt: export_bytes(chart, fmt, options=opts, names=names, browser_path=browser),
            file_name=file_name(chart.spec.id, DEFAULT_THEME, fmt),
            mime=formats.mime(fmt),
            key=f"export-{fmt}-{chart.spec.id}",
            on_click="ignore",
            disabled=disabled,
            help=missing
            if disabled
            else ("{}×{} article theme with title and source footer, same as `fwpulse export`").format(
                *natural_size(chart)
            ),
        )
