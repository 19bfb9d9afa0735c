"""`fwpulse export`: parse the options and print; the run itself lives in dashboard/export/job.py."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from fwpulse import __version__
from fwpulse.commands.common import EXIT_BUSY, EXIT_USAGE, context, fail, lazy_choices
from fwpulse.dashboard.export import formats as export_formats  # light: --help lists them without the dashboard

HTML_JS = ("shared", "inline", "cdn")  # dashboard/export/options.py HTML_JS, for the help


def _charts() -> list[str]:
    from fwpulse.dashboard.export.job import chart_ids

    return chart_ids()


def _themes() -> list[str]:
    from fwpulse.dashboard.export.theme import THEMES

    return list(THEMES)


def export(
    chart: list[str] | None = typer.Option(None, "--chart", "-c", help="Chart id(s), repeatable or comma-separated."),
    all_charts: bool = typer.Option(False, "--all", help="Every chart in the registry (empty ones are skipped)."),
    formats: list[str] | None = typer.Option(
        None, "--format", show_default=False, help="Comma-separated formats (default: all of them)."
    ),
    theme: str = typer.Option("article", help="Colours and fonts."),
    size: str | None = typer.Option(
        None,
        metavar="WIDTHxHEIGHT",
        help="Layout pixels (default 1200x675; charts with a row per result, like the speed charts, grow taller).",
    ),
    scale: str = typer.Option("2", help="Pixel density of PNGs (PNG pixels = size x scale)."),
    framework: list[str] | None = typer.Option(
        None, "--framework", "-f", help="Framework id(s); default the main four."
    ),
    from_: str | None = typer.Option(None, "--from", metavar="DATE", help="First date (YYYY-MM-DD, YYYY-MM or YYYY)."),
    to: str | None = typer.Option(None, "--to", metavar="DATE", help="Last date (YYYY-MM-DD, YYYY-MM or YYYY)."),
    log_scale: bool = typer.Option(False, "--log", help="Logarithmic y axis."),
    index: bool = typer.Option(False, "--index", help="Index each series to 100 at its first point."),
    share: bool = typer.Option(False, "--share", help="Share of the selected frameworks' total (%)."),
    out: Path = typer.Option(Path("exports"), "--out", "-o", help="Output folder (created if missing)."),
    html_js: str = typer.Option(
        "shared",
        "--html-js",
        help="How HTML pages get plotly.js: shared (one plotly.min.js beside the pages), inline (in every page: "
        "self-contained files), cdn (a script from cdn.plot.ly).",
    ),
) -> None:
    """Export charts as article-ready files, one per chart and format, plus alt text and manifest.json."""
    from fwpulse.dashboard.export import job as export_job
    from fwpulse.dashboard.export.options import ExportError
    from fwpulse.data.db import DatabaseBusy
    from fwpulse.data.registry import ConfigError, load_registry
    from fwpulse.data.settings import load_settings

    t0 = time.monotonic()
    settings = load_settings()
    try:
        known = list(load_registry(settings.config_path).names())
    except ConfigError as exc:
        raise fail(f"config error: {exc}", EXIT_USAGE) from None
    try:  # every option before the database is opened or a file written
        plan = export_job.plan(
            charts=list(chart or []),
            all_charts=all_charts,
            formats=formats or export_formats.names(),  # the default, every format: read from the table now
            theme=theme,
            size=size,
            scale=scale,
            frameworks=list(framework or []),
            known_frameworks=list(known),
            start=from_,
            end=to,
            log=log_scale,
            index=index,
            share=share,
            out=out,
            browser_path=settings.browser_path,
            html_js=html_js,
        )
    except ExportError as exc:
        raise fail(str(exc), exc.code) from None
    settings, registry = context()
    try:
        result = export_job.run(
            plan,
            settings.db_path,
            registry,
            settings.browser_path,
            __version__,
            skipped=lambda line: typer.echo(line, err=True),
        )
    except ExportError as exc:
        raise fail(str(exc), exc.code) from None
    except DatabaseBusy as exc:
        raise fail(str(exc), EXIT_BUSY) from None
    for cid, files in result.files.items():
        typer.echo(f"{cid}: {' '.join(files)}")
    if result.shared:
        typer.echo(f"shared by the HTML pages: {' '.join(result.shared)}")
    typer.echo(
        f"exported {len(result.files)} chart(s), {result.n_files} files to {result.out_dir} "
        f"(manifest.json updated) in {time.monotonic() - t0:.1f}s"
    )


def register(app: typer.Typer) -> None:
    app.command(cls=lazy_choices(chart=_charts, formats=export_formats.names, theme=_themes, html_js=lambda: HTML_JS))(
        export
    )
