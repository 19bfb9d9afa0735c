"""One `fwpulse export` run: check the options, build the charts from the store, render, write files and manifest."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.dashboard.export import formats as export_formats
from fwpulse.dashboard.export.manifest import write_files
from fwpulse.dashboard.export.options import (
    ExportError,
    ExportUsageError,
    check_browser,
    check_out_dir,
    parse_date,
    parse_formats,
    parse_html_js,
    parse_scale,
    parse_size,
    parse_theme,
)
from fwpulse.dashboard.export.render import render
from fwpulse.data import choices


@dataclass(frozen=True)
class ExportPlan:
    ids: list[str]  # charts to build, in order
    explicit: set[str]  # asked for by name: an empty one is an error, not a skip
    formats: tuple[str, ...]
    theme: str
    size: tuple[int, int] | None
    scale: float
    options: ChartOptions
    out: Path
    html_js: str = "shared"  # how HTML pages get plotly.js (options.HTML_JS)


@dataclass
class ExportResult:
    out_dir: Path
    files: dict[str, list[str]] = field(default_factory=dict)  # chart id -> file names
    n_files: int = 0
    shared: list[str] = field(default_factory=list)  # files every chart uses (plotly.min.js)


def chart_ids() -> list[str]:
    return list(registry.CHARTS)


def plan(
    *,
    charts: list[str],
    all_charts: bool,
    formats: list[str],
    theme: str,
    size: str | None,
    scale: str,
    frameworks: list[str],
    known_frameworks: list[str],
    start: str | None,
    end: str | None,
    log: bool,
    index: bool,
    share: bool,
    out: Path,
    browser_path: str | None,
    html_js: str = "shared",
) -> ExportPlan:
    """Every option checked (and the browser found, for formats it draws) before the store is read or a file written;
    raises :class:`ExportUsageError` (exit 2) or :class:`ExportError` naming the option and the fix."""
    fmts = parse_formats(formats)
    html_js = parse_html_js(html_js)
    theme = parse_theme(theme)
    width_height = parse_size(size) if size else None
    scale_f = parse_scale(scale)
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    if first and last and first > last:
        raise ExportUsageError(f"--from {first} is after --to {last}")
    if index and share:
        raise ExportUsageError("--index and --share exclude each other")
    valid = chart_ids()
    wanted = choices.split(charts)
    if problem := choices.unknown("chart id", wanted, valid):
        raise ExportUsageError(f"--chart: {problem}")
    if not wanted and not all_charts:
        raise ExportUsageError(f"name charts with --chart ID (valid: {', '.join(valid)}) or use --all")
    frameworks = choices.split(frameworks)  # -f a,b as --chart and --format take commas
    if problem := choices.unknown("framework", frameworks, known_frameworks):
        raise ExportUsageError(f"--framework: {problem}")
    if any(f in export_formats.static() for f in fmts):
        check_browser(browser_path)
    options = ChartOptions(
        frameworks=tuple(frameworks),
        start=first,
        end=last,
        log=log,
        mode="index" if index else "share" if share else "absolute",
    )
    return ExportPlan(
        valid if all_charts else list(dict.fromkeys(wanted)),
        set(wanted),
        fmts,
        theme,
        width_height,
        scale_f,
        options,
        out,
        html_js,
    )


def run(
    p: ExportPlan,
    db_path: Path,
    reg,
    browser_path: str | None,
    version: str,
    skipped: Callable[[str], None] = lambda line: None,
) -> ExportResult:
    """Build the planned charts (one read-only connection), render and write them; an output folder this run
    created is removed again when nothing could be written. ``skipped`` gets one line per empty chart left out
    (before any error). Raises ExportError, DatabaseBusy."""
    from fwpulse.data.db import reading

    with reading(db_path) as con:
        built = [registry.build(con, cid, p.options, reg) for cid in p.ids]
    empty = [c for c in built if c.figure is None]
    asked_empty = [c for c in empty if c.spec.id in p.explicit]
    if asked_empty:
        raise ExportError(
            "; ".join(
                f"chart {c.spec.id} has no data ({c.empty_reason.rstrip('.')}): fill it with `{c.spec.fill_hint}`"
                for c in asked_empty
            )
        )
    for c in empty:
        skipped(f"skipped {c.spec.id}: {c.empty_reason.rstrip('.')}; fill it with `{c.spec.fill_hint}`")
    ready = [c for c in built if c.figure is not None]
    if not ready:
        raise ExportError("no chart has data to export with these options")
    created = not p.out.expanduser().exists()
    try:
        out_dir = check_out_dir(p.out)  # only now: a run that fails earlier leaves no trace
        items = render(ready, p.formats, p.theme, p.size, p.scale, p.options, reg.names(), browser_path, p.html_js)
        write_files(out_dir, items, version)
    except (ExportError, OSError) as exc:
        if created:
            with contextlib.suppress(OSError):
                p.out.expanduser().rmdir()  # only if still empty
        if isinstance(exc, ExportError):
            raise
        raise ExportError(f"cannot write to output directory {p.out}: {exc.strerror or exc}") from None
    result = ExportResult(out_dir, n_files=len(items))
    for c in ready:
        result.files[c.spec.id] = [i.file for i in items if i.entry.get("chart") == c.spec.id]
    result.shared = [i.file for i in items if not i.entry.get("chart")]
    return result
