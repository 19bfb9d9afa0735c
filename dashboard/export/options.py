"""`fwpulse export` options: formats, sizes, themes, dates and file names parsed with one-line errors, preflight checks."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from fwpulse.dashboard.export import formats
from fwpulse.dashboard.export.theme import DEFAULT_THEME, THEMES
from fwpulse.data import exit_codes

DEFAULT_SIZE = (1200, 675)
DEFAULT_SCALE = 2.0
INSTALL_HINT = (
    "install Debian's Chromium with `apt-get install chromium`, or set BROWSER_PATH to a Chromium/Chrome binary"
)


class ExportError(Exception):
    """A one-line, user-facing failure; ``code`` is the CLI exit status (1 failure, 2 usage)."""

    code = exit_codes.FAILED


class ExportUsageError(ExportError):
    code = exit_codes.USAGE


class ChromiumMissing(ExportError):
    code = exit_codes.FAILED


# ---------------------------------------------------------------------------- argument parsing


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*", text or "")
    if not m:
        raise ExportUsageError(f"bad --size {text!r}: use WIDTHxHEIGHT in layout pixels, e.g. 1200x675")
    w, h = int(m.group(1)), int(m.group(2))
    if not (100 <= w <= 8000 and 100 <= h <= 8000):
        raise ExportUsageError(f"bad --size {text!r}: width and height must be between 100 and 8000 pixels")
    return w, h


def parse_scale(text: str | float) -> float:
    try:
        scale = float(text)
    except (TypeError, ValueError):
        raise ExportUsageError(f"bad --scale {text!r}: a number such as 1, 2 or 3") from None
    if not (0.1 <= scale <= 10):
        raise ExportUsageError(f"bad --scale {text!r}: must be between 0.1 and 10")
    return scale


def parse_formats(values: list[str] | tuple[str, ...] | str) -> tuple[str, ...]:
    items = [values] if isinstance(values, str) else list(values)
    wanted = [f.strip().lower() for v in items for f in v.split(",") if f.strip()]
    known = formats.names()
    bad = [f for f in wanted if f not in known]
    if bad or not wanted:
        raise ExportUsageError(f"bad --format {','.join(bad) or '(none)'}: choose from {','.join(known)}")
    return tuple(f for f in known if f in wanted)  # canonical order, no duplicates


# How an exported HTML page gets plotly.js: "shared" = one plotly.min.js beside the pages (a folder a blog can host),
# "inline" = in every page (one self-contained file), "cdn" = a <script> from cdn.plot.ly (needs the network).
HTML_JS = ("shared", "inline", "cdn")
PLOTLY_JS = "plotly.min.js"


def parse_html_js(name: str) -> str:
    if name not in HTML_JS:
        raise ExportUsageError(f"bad --html-js {name!r}: choose from {', '.join(HTML_JS)}")
    return name


def parse_theme(name: str) -> str:
    if name not in THEMES:
        raise ExportUsageError(f"bad --theme {name!r}: choose from {', '.join(THEMES)}")
    return name


def parse_date(text: str | None, flag: str) -> dt.date | None:
    if not text:
        return None
    for fmt, fix in (("%Y-%m-%d", None), ("%Y-%m", "month"), ("%Y", "year")):
        try:
            value = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fix and flag == "--to":  # --to 2024 means through the end of 2024
            end = pd.Timestamp(value) + (pd.offsets.MonthEnd(0) if fix == "month" else pd.offsets.YearEnd(0))
            value = end.date()
        return value
    raise ExportUsageError(f"bad {flag} {text!r}: use YYYY-MM-DD, YYYY-MM or YYYY")


def file_name(chart_id: str, theme: str, fmt: str) -> str:
    """``<chart-id>[-<theme>].<ext>``; the article theme and a format not ``themed`` (CSV) carry no suffix."""
    suffix = "" if theme == DEFAULT_THEME or not formats.get(fmt).themed else f"-{theme}"
    return f"{chart_id}{suffix}.{fmt}"


def alt_name(chart_id: str, theme: str) -> str:
    return f"{chart_id}{'' if theme == DEFAULT_THEME else f'-{theme}'}.alt.txt"


# ---------------------------------------------------------------------------- preflight checks


def check_browser(path: str | os.PathLike | None) -> str:
    """The Chromium binary to use, or :class:`ChromiumMissing` saying how to get one (never downloads)."""
    if not path:
        raise ChromiumMissing(f"no Chromium configured (BROWSER_PATH is empty): {INSTALL_HINT}")
    p = Path(path)
    if not p.is_file() or not os.access(p, os.X_OK):
        raise ChromiumMissing(f"Chromium not found at {p} (BROWSER_PATH): {INSTALL_HINT}")
    return str(p)


def check_out_dir(out_dir: Path) -> Path:
    """Create ``out_dir`` if needed and prove it is writable, or raise a one-line :class:`ExportError`."""
    out_dir = Path(out_dir).expanduser()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".fwpulse-probe-"):
            pass
    except OSError as exc:
        raise ExportError(f"cannot write to output directory {out_dir}: {exc.strerror or exc}") from None
    return out_dir
