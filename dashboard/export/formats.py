"""The export formats, declared once: each one's name, MIME type, whether Chromium draws it, and its dashboard button.

Everything else derives from :data:`TABLE` (``--format`` choices and help, the Chromium preflight, the download
buttons under each chart). It imports nothing heavy, so `fwpulse export --help` lists the formats without loading
the dashboard. How a format's file is written lives in dashboard/export/render.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str  # the --format value and the file suffix
    mime: str
    static: bool  # drawn to a file by Chromium (kaleido): needs the browser
    button: bool  # offered as an "Article <NAME>" button under every dashboard chart


TABLE = (
    Format("png", "image/png", static=True, button=True),
    Format("svg", "image/svg+xml", static=True, button=True),
    Format("pdf", "application/pdf", static=True, button=True),
    Format("html", "text/html", static=False, button=True),
    Format("csv", "text/csv", static=False, button=False),  # the chart's own "Download the plotted data" button
)
FORMATS = tuple(f.name for f in TABLE)
STATIC_FORMATS = tuple(f.name for f in TABLE if f.static)
BUTTON_FORMATS = tuple(f.name for f in TABLE if f.button)
MIME = {f.name: f.mime for f in TABLE}
