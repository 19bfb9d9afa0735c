"""Help in the words a user types (``--wait SECONDS``, ``FILE``), never a Python type (``<float>``, ``{file}``).

Typer 0.29 prints each option's annotation (``--framework <list[str]>``) and braces a required argument in the
usage line (``{file}``). :func:`plain` walks the command tree once, when the `fwpulse` group is built, and gives
every value-taking parameter without a metavar of its own a placeholder named after what it holds.
"""

from __future__ import annotations

# Placeholders where the option's name alone would not say what to type (`frameworks add` takes those of the
# registry fields from their declaration in data/sources.py).
PLACEHOLDERS = {
    "wait": "SECONDS",
    "threads": "N",
    "out": "PATH",
    "env_file": "FILE",
    "log_file": "FILE",
    "scale": "FACTOR",
    "size": "WIDTHxHEIGHT",
    "from_": "YYYY-MM-DD",
    "to": "YYYY-MM-DD",
    "framework": "ID",
    "color": "'#RRGGBB'",
    "cron": "'MIN HOUR DAY MONTH WEEKDAY'",
    "host": "ADDRESS",
    "group": "[main|ecosystem]",
    "backup_dir": "FOLDER",
    "directory": "FOLDER",
}


def _placeholder(name: str) -> str:
    return PLACEHOLDERS.get(name, name.upper().replace("_", "-"))


def _plain_argument(param) -> None:
    if param.metavar is None:
        param.metavar = _placeholder(param.name)
    name = param.metavar
    param.display_type_rich = lambda ctx: None  # the name says it; no "<path>" after it
    param._usage_display_name = lambda: name if param.required else f"[{name}]"


def plain(command) -> None:
    """Give ``command``'s parameters (and its subcommands', recursively) plain placeholders, in place."""
    for param in getattr(command, "params", []):
        if param.param_type_name == "argument":
            _plain_argument(param)
        elif param.param_type_name == "option" and not (param.is_flag or param.count) and param.metavar is None:
            if not getattr(param.type_descriptor, "is_choice", False):
                param.metavar = _placeholder(param.name)
    for sub in getattr(command, "commands", {}).values():
        plain(sub)
