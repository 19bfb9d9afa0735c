"""`fwpulse db backup|restore|compact`: keeping the store safe and fast."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from fwpulse import validate
from fwpulse.commands.common import EXIT_BUSY, EXIT_FAILED, EXIT_USAGE, context, fail

app = typer.Typer(help="Database maintenance: backup, restore, compact.", no_args_is_help=True, rich_markup_mode=None)


@app.command("backup")
def backup(
    directory: Path | None = typer.Argument(
        None, help="Target folder (default: backups/<db>-<UTC time> beside the database)."
    ),
) -> None:
    """Export the database as Parquet files (restore with `fwpulse db restore`)."""
    from fwpulse.data.backup import backup as run_backup
    from fwpulse.data.db import DatabaseBusy

    if directory is not None:
        try:
            directory = validate.new_folder(directory, "backup folder")
        except validate.UsageProblem as exc:
            raise fail(str(exc), EXIT_USAGE) from None
    settings, _ = context()
    try:
        target = run_backup(settings.db_path, directory)
    except FileExistsError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    except DatabaseBusy as exc:
        raise fail(str(exc), EXIT_BUSY) from None
    except OSError as exc:
        raise fail(
            f"backup folder {directory or 'default'}: cannot write there ({exc.strerror or exc}); "
            "choose another folder",
            EXIT_USAGE,
        ) from None
    typer.echo(f"backed up {settings.db_path} to {target}")


@app.command("restore")
def restore(
    backup_dir: Path = typer.Argument(
        ..., help="A folder written by `fwpulse db backup` (default ones are in backups/ beside the database)."
    ),
) -> None:
    """Rebuild the database from a Parquet backup; the current file is kept, renamed aside (.damaged-TIME when it
    does not read, .replaced-TIME when it does), and the command says how much the kept copies take."""
    from fwpulse.collectors.refresh import RefreshLocked, refresh_lock
    from fwpulse.data.restore import restore as run_restore
    from fwpulse.data.settings import load_settings

    try:
        backup_dir = validate.backup_folder(backup_dir)
    except validate.UsageProblem as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    settings = load_settings()
    try:
        with refresh_lock(settings.db_path):
            aside = run_restore(settings.db_path, backup_dir)
    except RefreshLocked as exc:
        raise fail(str(exc), EXIT_BUSY) from None
    except Exception as exc:  # noqa: BLE001 - a backup DuckDB cannot import; nothing was changed
        raise fail(
            f"cannot restore from {backup_dir} ({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); "
            f"{settings.db_path} was left as it was",
            EXIT_FAILED,
        ) from None
    typer.echo(f"restored {settings.db_path} from {backup_dir}")
    if aside:
        from fwpulse.data.restore import kept_aside

        state = "damaged" if ".damaged-" in aside.name else "readable"
        copies = kept_aside(settings.db_path)
        total = sum(p.stat().st_size for p in copies) / 1e6
        typer.echo(
            f"the previous file ({state}) is kept as {aside} ({aside.stat().st_size / 1e6:.1f} MB); "
            f"{len(copies)} cop{'y' if len(copies) == 1 else 'ies'} kept aside take {total:.1f} MB: delete what you "
            f"no longer need (rm {shlex.quote(str(settings.db_path))}.replaced-* or .damaged-*)"
        )


@app.command("compact")
def compact(
    if_due: bool = typer.Option(
        False,
        "--if-due",
        help="Only when enough rows were appended since the last compaction (what refresh does after each run).",
    ),
) -> None:
    """Rewrite the history clustered by series, so chart queries read only their own rows.

    refresh and import do this by themselves once 122,880 rows were appended since the last time;
    it takes about 11 s per 5 million rows and holds the database meanwhile (dashboard pages wait).
    """
    from fwpulse.collectors.refresh import RefreshLocked, refresh_lock
    from fwpulse.data import db
    from fwpulse.data.compact import compact as run_compact

    settings, _ = context()
    try:
        with refresh_lock(settings.db_path), db.writing(settings.db_path) as con:
            result = run_compact(con, force=not if_due)
    except (RefreshLocked, db.DatabaseBusy) as exc:
        raise fail(str(exc), EXIT_BUSY) from None
    typer.echo(result.summary())


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="db")
