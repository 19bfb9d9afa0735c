"""`fwpulse refresh`, `fwpulse import` and `fwpulse schedule`: getting figures into the store."""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer

from fwpulse import validate
from fwpulse.commands.common import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    context,
    fail,
    lazy_choices,
)
from fwpulse.commands.progress import progress


def _sources() -> list[str]:
    from fwpulse.collectors.refresh import available_sources

    return available_sources()


def refresh(
    source: list[str] | None = typer.Option(
        None, "--source", "-s", help="Source to collect (repeatable); default all."
    ),
    framework: list[str] | None = typer.Option(
        None, "--framework", "-f", help="Framework id (repeatable); default all in the registry."
    ),
    backfill: bool = typer.Option(False, "--backfill", help="Also fetch history (weekly stars, monthly issues, ...)."),
    wait: float = typer.Option(0.0, help="Seconds to wait for another refresh's lock instead of exiting 75."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Ask again where a source would reuse today's answer (GitHub GraphQL counts already collected today).",
    ),
) -> None:
    """Collect from the sources into the database. Exit 0 all ok, 1 some failed, 2 usage, 75 locked."""
    from fwpulse.collectors.refresh import RefreshLocked
    from fwpulse.collectors.refresh import refresh as run_refresh
    from fwpulse.data import choices
    from fwpulse.data.db import DatabaseBusy
    from fwpulse.data.registry import ConfigError

    source, framework = choices.split(source or []), choices.split(framework or [])
    if problem := choices.unknown("source", source, _sources()):
        raise fail(f"--source: {problem}", EXIT_USAGE)
    try:
        validate.seconds(wait, "--wait")
    except validate.UsageProblem as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    settings, registry = context()
    if problem := choices.unknown("framework", framework, registry.ids()):  # a typo here, not in the registry file
        raise fail(f"--framework: {problem} (frameworks in {settings.config_path})", EXIT_USAGE)
    t0 = time.monotonic()
    try:
        with progress() as progress_factory:
            outcomes = run_refresh(
                settings,
                registry,
                sources=source or None,
                framework_ids=framework or None,
                backfill=backfill,
                wait=wait,
                force=force,
                progress_factory=progress_factory,
            )
    except ConfigError as exc:
        raise fail(f"config error: {exc}", EXIT_USAGE) from None
    except (RefreshLocked, DatabaseBusy) as exc:
        raise fail(str(exc), EXIT_BUSY) from None
    for o in outcomes:
        typer.echo(o.summary())
    typer.echo(f"refresh finished in {time.monotonic() - t0:.1f}s")
    failed = [o for o in outcomes if o.status in ("failed", "partial")]
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


def import_(
    file: Path = typer.Argument(..., help="CSV with columns framework,metric,value,as_of,source_url,note."),
) -> None:
    """Import dated manual figures (stored as manual.<metric>); a bad file imports nothing."""
    from fwpulse.data import db
    from fwpulse.data.compact import compact
    from fwpulse.data.importer import ImportFileError, import_csv, parse_import
    from fwpulse.data.registry import ConfigError, load_registry
    from fwpulse.data.settings import load_settings

    try:
        validate.input_file(file, "import FILE")
    except validate.UsageProblem as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    try:  # a bad file is reported without opening the database
        parse_import(file, load_registry(load_settings().config_path))
    except ImportFileError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    except ConfigError:
        pass  # context() reports it
    settings, registry = context()
    try:
        with db.writing(settings.db_path) as con:
            result = import_csv(con, file, registry)
            compact(con)  # re-clusters only once enough rows were appended (data/compact.py)
    except ImportFileError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    except db.DatabaseBusy as exc:
        raise fail(str(exc), EXIT_BUSY) from None
    typer.echo(
        f"imported {file}: {result.rows_written} new rows, {result.rows_unchanged} unchanged (run {result.run_id})"
    )


def schedule(
    cron: str = typer.Option("0 6 * * *", help="Cron expression (five fields)."),
    install: bool = typer.Option(False, "--install", help="Add the line to your crontab (idempotent)."),
    remove: bool = typer.Option(False, "--remove", help="Take fwpulse's line out of your crontab."),
    env_file: Path = typer.Option(Path("~/.config/fwpulse/env"), help="Shell file with tokens, sourced by cron."),
    log_file: Path = typer.Option(Path("~/.local/state/fwpulse/refresh.log"), help="Where cron appends output."),
    crontab_file: Path | None = typer.Option(None, hidden=True, help="Edit this file instead of `crontab`."),
) -> None:
    """Print (or --install / --remove) the crontab line that runs `fwpulse refresh`."""
    from fwpulse.collectors import schedule as sched
    from fwpulse.data.settings import load_settings, user_registry_path

    settings = load_settings()
    try:
        if remove:
            changed = sched.remove(crontab_file)
            typer.echo(
                "removed fwpulse's crontab line" if changed else "no fwpulse line in the crontab; nothing to remove"
            )
            return
        explicit = bool(os.environ.get("FWPULSE_CONFIG"))  # else each cron run finds the registry as any command
        line = sched.cron_line(
            cron,
            settings.db_path.resolve(),
            settings.config_path.resolve() if explicit else None,
            env_file.expanduser(),
            log_file.expanduser(),
            config_home=os.environ.get("XDG_CONFIG_HOME"),
        )
        typer.echo(
            f"registry: {settings.config_path} (FWPULSE_CONFIG, fixed in the line)"
            if explicit
            else f"registry: {user_registry_path()} once `fwpulse frameworks add` creates it, else the bundled one "
            "(looked up at every run, as any command does)",
            err=True,
        )
        if install:
            changed = sched.install(line, crontab_file)
            typer.echo(("installed: " if changed else "already installed, unchanged: ") + line)
        else:
            typer.echo(line)
    except sched.ScheduleError as exc:
        raise fail(str(exc), EXIT_USAGE) from None


def register(app: typer.Typer) -> None:
    app.command(cls=lazy_choices(source=_sources))(refresh)
    app.command("import")(import_)
    app.command()(schedule)
