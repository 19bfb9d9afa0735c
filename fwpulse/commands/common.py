"""What every verb shares: exit codes, the one-line failure, settings + registry + a ready database, help choices."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable

import typer
from typer.core import TyperCommand

from fwpulse.data import exit_codes

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = exit_codes.OK, exit_codes.FAILED, exit_codes.USAGE, exit_codes.BUSY

log = logging.getLogger("fwpulse")


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``fwpulse: message`` (redacted) on stderr; return the Exit to raise."""
    from fwpulse.data.redact import redact

    typer.echo(redact(f"fwpulse: {message}"), err=True)
    return typer.Exit(code)


def context():
    """Settings + registry + a database that exists and is migrated, or a one-line error."""
    from fwpulse.data.bootstrap import ensure_database
    from fwpulse.data.db import DatabaseBusy, DatabaseError
    from fwpulse.data.registry import ConfigError, load_registry
    from fwpulse.data.settings import load_settings

    settings = load_settings()
    try:
        registry = load_registry(settings.config_path)
    except ConfigError as exc:
        raise fail(f"config error: {exc}", EXIT_USAGE) from None
    try:
        ensure_database(settings.db_path)
    except DatabaseBusy as exc:
        raise fail(str(exc), EXIT_BUSY) from None
    except (DatabaseError, OSError) as exc:
        raise fail(f"database error: {exc}", EXIT_FAILED) from None
    return settings, registry


def choices(values: Iterable[str], sep: str = "|") -> str:
    """A metavar listing the valid values, e.g. ``[smoke|full]``."""
    return "[" + sep.join(values) + "]"


def lazy_choices(**options: Callable[[], Iterable[str]]) -> type[TyperCommand]:
    """A command class whose --help lists each named option's valid values, computed only when help is shown
    (the chart registry and the sources are too heavy to import for every `fwpulse` call)."""

    class LazyChoicesCommand(TyperCommand):
        def get_help(self, ctx):
            for param in self.params:
                if param.name not in options or getattr(param, "_choices_shown", False):
                    continue
                values = list(options[param.name]())
                metavar = choices(values, "," if param.name == "formats" else "|")
                if len(metavar) <= 80:
                    param.metavar = metavar
                else:  # a long list reads better in the help text than as one unbroken metavar
                    param.metavar = param.name.upper().rstrip("S")
                    param.help = f"{param.help or ''} One of: {', '.join(values)}.".strip()
                param._choices_shown = True
            return super().get_help(ctx)

    return LazyChoicesCommand


def setup_logging(verbose: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    root = logging.getLogger("fwpulse")
    if root.handlers:
        return
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        # ISO timestamps, as the plain lines and `status --json` write them (Rich's default is the locale's %x)
        handler: logging.Handler = RichHandler(
            show_path=False, rich_tracebacks=False, log_time_format="[%Y-%m-%d %H:%M:%S]"
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:  # cron, pipes: plain timestamped lines
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root.addHandler(handler)
    root.setLevel(level)
