"""The `fwpulse` command: the group, its logging and error guard; each verb family lives in fwpulse/commands/.

Exit codes: 0 ok; 1 some sources failed (the rest stored) or a command failed; 2 usage or
configuration error; 75 another refresh holds the lock / the database stayed busy.
"""

from __future__ import annotations

import typer

from fwpulse import cli_frameworks
from fwpulse.commands import bench, collect, db, doctor, export, serve, sql, status
from fwpulse.commands.common import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    setup_logging,
)
from fwpulse.guard import GuardedGroup

__all__ = ["EXIT_BUSY", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "app", "main"]

app = typer.Typer(
    cls=GuardedGroup,  # one line + exit code for usage errors, a damaged database, anything unexpected
    name="fwpulse",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags print as flags (`--all`), not `--all <bool>`
    help="Live, traceable metrics for ML frameworks: collect (refresh), measure (bench), show (dashboard), "
    "export charts (export), query (sql); `fwpulse doctor` says what works here and what is missing. Settings: FWPULSE_DB, FWPULSE_CONFIG and the source variables "
    "in docs/configuration.md.",
)


@app.callback()
def main_callback(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    setup_logging(verbose)


for family in (status, doctor, serve, collect, export, sql, bench, db):  # the order `fwpulse --help` lists them in
    family.register(app)
app.add_typer(cli_frameworks.app, name="frameworks")  # fwpulse frameworks add


def main() -> None:
    app()


if __name__ == "__main__":
    main()
