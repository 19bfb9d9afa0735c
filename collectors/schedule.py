"""`fwpulse schedule`: the crontab line that runs `fwpulse refresh`, and its idempotent install/remove.

The line uses absolute paths, sources an environment file for tokens (so tokens never sit in the
crontab), appends to a log file, and carries a marker comment so install/remove find it again.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

MARKER = "# fwpulse-refresh"
DEFAULT_CRON = "0 6 * * *"
DEFAULT_ENV_FILE = Path("~/.config/fwpulse/env").expanduser()
DEFAULT_LOG = Path("~/.local/state/fwpulse/refresh.log").expanduser()


class ScheduleError(RuntimeError):
    pass


# (name, lowest, highest, names allowed instead of numbers) for the five fields, as crontab(5) defines them
FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    ("day of week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
NICKNAMES = ("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def _field_problem(text: str, lowest: int, highest: int, names: tuple[str, ...]) -> str | None:
    """Why one field is not valid cron (None when it is): ``*``, ``N``, ``N-M``, any of them ``/STEP``, comma lists."""
    for item in text.lower().split(","):
        base, _, step = item.partition("/")
        if step and not (step.isdigit() and int(step) >= 1):
            return f"step {step!r} is not a whole number of at least 1"
        if base == "*":
            continue
        if names and base in names and not step:
            continue
        ends = base.split("-")
        if len(ends) > 2 or not all(e.isdigit() or (names and e in names) for e in ends):
            return f"{item!r} is not a number, a range N-M or *"
        values = [int(e) if e.isdigit() else names.index(e) + (1 if lowest == 1 else 0) for e in ends]
        if any(not lowest <= v <= highest for v in values):
            return f"{item!r} is outside {lowest}-{highest}"
        if len(values) == 2 and values[0] > values[1]:
            return f"{item!r} runs backwards"
    return None


def validate_cron(expr: str) -> str:
    """The expression with single spaces, or ScheduleError naming the field that cron would reject."""
    fields = expr.split()
    if len(fields) == 1 and fields[0].startswith("@"):
        if fields[0].lower() not in NICKNAMES:
            raise ScheduleError(f"--cron {expr!r}: unknown nickname; use one of {', '.join(NICKNAMES)}")
        return fields[0].lower()
    if len(fields) != 5:
        raise ScheduleError(f"--cron {expr!r}: expected five fields like '0 6 * * *' (minute hour day month weekday)")
    for text, (name, lowest, highest, names) in zip(fields, FIELDS):
        problem = _field_problem(text, lowest, highest, names)
        if problem:
            raise ScheduleError(f"--cron {expr!r}: {name} field: {problem}; e.g. '0 6 * * *' runs daily at 06:00")
    return " ".join(fields)


def cron_line(
    expr: str,
    db_path: Path,
    config_path: Path | None,
    env_file: Path = DEFAULT_ENV_FILE,
    log_file: Path = DEFAULT_LOG,
    executable: str | None = None,
    config_home: str | None = None,
) -> str:
    """The crontab line. ``config_path`` None: the line sets no ``FWPULSE_CONFIG``, so each run finds the
    registry as any command does (the user's ``frameworks.toml`` once ``frameworks add`` has created it, else
    the bundled one); ``config_home``: the ``XDG_CONFIG_HOME`` to resolve that user file under (cron's
    environment does not have the shell's)."""
    exe = executable or str(Path(sys.executable).with_name("fwpulse"))
    q = shlex.quote
    env = f"FWPULSE_DB={q(str(db_path))}"
    if config_path is not None:
        env += f" FWPULSE_CONFIG={q(str(config_path))}"
    elif config_home:
        env += f" XDG_CONFIG_HOME={q(config_home)}"
    return (
        f"{validate_cron(expr)} mkdir -p {q(str(log_file.parent))} && "
        f"{{ [ -f {q(str(env_file))} ] && set -a && . {q(str(env_file))} && set +a; "
        f"{env} {q(exe)} refresh; }} "
        f">> {q(str(log_file))} 2>&1 {MARKER}"
    )


def _read(crontab_file: Path | None) -> str:
    if crontab_file is not None:
        return crontab_file.read_text() if crontab_file.exists() else ""
    if not shutil.which("crontab"):
        raise ScheduleError(
            "the `crontab` command is not installed (Debian: apt-get install cron); "
            "print the line with `fwpulse schedule` and add it yourself, or use the systemd timer in docs/operations.md (Scheduling)"
        )
    res = subprocess.run(["crontab", "-l"], capture_output=True, text=True)
    return res.stdout if res.returncode == 0 else ""  # "no crontab for user" is exit 1


def _write(text: str, crontab_file: Path | None) -> None:
    if crontab_file is not None:
        crontab_file.write_text(text)
        return
    res = subprocess.run(["crontab", "-"], input=text, capture_output=True, text=True)
    if res.returncode != 0:
        raise ScheduleError(f"crontab refused the new table: {res.stderr.strip()}")


def install(line: str, crontab_file: Path | None = None) -> bool:
    """Add (or replace) fwpulse's line. Returns False when the table already held exactly this line."""
    current = _read(crontab_file)
    kept = [ln for ln in current.splitlines() if not ln.rstrip().endswith(MARKER)]
    if line in current.splitlines():
        return False
    _write("\n".join([*kept, line]) + "\n", crontab_file)
    return True


def remove(crontab_file: Path | None = None) -> bool:
    current = _read(crontab_file)
    kept = [ln for ln in current.splitlines() if not ln.rstrip().endswith(MARKER)]
    if len(kept) == len(current.splitlines()):
        return False
    _write("\n".join(kept) + ("\n" if kept else ""), crontab_file)
    return True


def installed_line(crontab_file: Path | None = None) -> str | None:
    """fwpulse's line in the crontab (None when there is none); ScheduleError when there is no `crontab`."""
    return next((ln for ln in _read(crontab_file).splitlines() if ln.rstrip().endswith(MARKER)), None)


def line_settings(line: str) -> dict[str, str]:
    """The ``FWPULSE_DB`` / ``FWPULSE_CONFIG`` / ``XDG_CONFIG_HOME`` a cron line sets, unquoted."""
    found = {}
    for word in shlex.split(line.replace(MARKER, ""), comments=False, posix=True):
        name, sep, value = word.partition("=")
        if sep and name in ("FWPULSE_DB", "FWPULSE_CONFIG", "XDG_CONFIG_HOME"):
            found[name] = value
    return found
