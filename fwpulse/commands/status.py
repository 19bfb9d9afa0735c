"""`fwpulse version` and `fwpulse status`: what is installed and what the store holds."""

from __future__ import annotations

import typer

from fwpulse import __version__
from fwpulse.commands.common import context


def version() -> None:
    """Print the fwpulse version."""
    typer.echo(__version__)


def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """DB path, schema version, rows per source/framework/metric, last run per source."""
    from fwpulse.data.status import collect_status, render_status, status_json

    settings, _ = context()
    info = collect_status(settings.db_path)
    typer.echo(status_json(info) if as_json else render_status(info))


def register(app: typer.Typer) -> None:
    app.command()(version)
    app.command()(status)
