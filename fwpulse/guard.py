"""Turn whatever escapes a CLI verb into one line on stderr and a contract exit code, never a traceback."""

from __future__ import annotations

import logging

import typer
from typer.core import TyperGroup

from fwpulse.commands.common import EXIT_FAILED, EXIT_USAGE, fail

log = logging.getLogger("fwpulse")


def _say(message: str) -> None:
    fail(" ".join(str(message).split()), EXIT_FAILED)  # prints the redacted line; the caller raises its code


def _db_path() -> str:
    try:
        from fwpulse.data.settings import load_settings

        return str(load_settings().db_path)
    except Exception:  # noqa: BLE001 - only used to name the file
        return "the database"


class GuardedGroup(TyperGroup):
    """The `fwpulse` group: usage errors become one line (exit 2), a damaged database the one-line
    diagnosis (exit 1), anything unexpected one line naming the error (exit 1; `-v` logs the traceback).
    Its help names values as a user types them (fwpulse/help_text.py)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from fwpulse import help_text

        help_text.plain(self)

    def invoke(self, ctx):
        from fwpulse.data.db_errors import DatabaseDamaged, is_damage_error, short_reason

        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as exc:  # typer's public base of click's exceptions (no private import)
            if getattr(exc, "exit_code", None) != EXIT_USAGE or type(exc).__name__ == "NoArgsIsHelpError":
                raise  # `fwpulse db` shows its help; other click exceptions print themselves
            where = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else ctx.command_path
            message = " ".join(exc.format_message().split())
            typer.echo(f"{where}: {message} (see `{where} --help`)", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        except DatabaseDamaged as exc:
            _say(str(exc))
            raise typer.Exit(EXIT_FAILED) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
            if is_damage_error(exc):
                _say(str(DatabaseDamaged(_db_path(), short_reason(exc))))
                raise typer.Exit(EXIT_FAILED) from None
            if isinstance(exc, RecursionError):
                _say("input nested too deeply to process; nothing was changed")
                raise typer.Exit(EXIT_USAGE) from None
            log.debug("unexpected error", exc_info=True)
            _say(
                f"unexpected error: {type(exc).__name__}: {str(exc)[:300]} (run `fwpulse -v ...` for details; "
                "please report it)"
            )
            raise typer.Exit(EXIT_FAILED) from None
