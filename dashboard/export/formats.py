"""The export formats, declared once: each one's name, MIME type, whether Chromium draws it, and its dashboard button.

Everything else derives from :data:`TABLE`, read through the functions below when it is needed (never copied into
a constant at import): ``--format``'s choices, default and help, the Chromium preflight, file names, the download
buttons under each chart. It imports nothing heavy, so `fwpulse export --help` lists the formats without loading
the dashboard.
How a format's file is written is its writer in :data:`fwpulse.dashboard.export.render.WRITERS`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str  # the --format value and the file suffix
    mime: str
    static: bool  # drawn to a file by Chromium (kaleido): needs the browser
    button: bool  # offered as an "Article <NAME>" button under every dashboard chart
    themed: bool = True  # the file depends on --theme: named <chart-id>-<theme>.<ext> for a theme but the default


TABLE = (
    Format("png", "image/png", static=True, button=True),
    Format("svg", "image/svg+xml", static=True, button=True),
    Format("pdf", "application/pdf", static=True, button=True),
    Format("html", "text/html", static=False, button=True),
    # the chart's own "Download the plotted data" button; the data do not depend on the theme
    Format("csv", "text/csv", static=False, button=False, themed=False),
)


def names() -> tuple[str, ...]:
    """Every format, in the table's order (the canonical order of ``--format`` and of a run's files)."""
    return tuple(f.name for f in TABLE)


def static() -> tuple[str, ...]:
    """The formats Chromium draws: asking for one checks the browser first."""
    return tuple(f.name for f in TABLE if f.static)


def buttons() -> tuple[str, ...]:
    """The formats offered as "Article <NAME>" buttons under every dashboard chart."""
    return tuple(f.name for f in TABLE if f.button)


def get(name: str) -> Format:
    return next(f for f in TABLE if f.name == name)


def mime(name: str) -> str:
    return get(name).mime
