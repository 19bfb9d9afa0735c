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


def validate_cron(expr: str) -> str:
    fields = expr.split()
    if len(fields) != 5 and not (len(fields) == 1 and fields[0].startswith("@")):
        raise ScheduleError(f"--cron {expr!r}: expected five fields like '0 6 * * *' (minute hour day month weekday)")
    return " ".join(fields)


def cron_line(
    expr: str,
    db_path: Path,
    config_path: Path,
    env_file: Path = DEFAULT_ENV_FILE,
    log_file: Path = DEFAULT_LOG,
    executable: str | None = None,
) -> str:
    exe = executable or str(Path(sys.executable).with_name("fwpulse"))
    q = shlex.quote
    return (
        f"{validate_cron(expr)} mkdir -p {q(str(log_file.parent))} && "
        f"{{ [ -f {q(str(env_file))} ] && set -a && . {q(str(env_file))} && set +a; "
        f"FWPULSE_DB={q(str(db_path))} FWPULSE_CONFIG={q(str(config_path))} {q(exe)} refresh; }} "
        f">> {q(str(log_file))} 2>&1 {MARKER}"
    )


def _read(crontab_file: Path | None) -> str:
    if crontab_file is not None:
        return crontab_file.read_text() if crontab_file.exists() else ""
    if not shutil.which("crontab"):
        raise ScheduleError(
            "the `crontab` command is not installed (Debian: apt-get install cron); "
            "print the line with `fwpulse schedule` and add it yourself, or use the systemd timer in the README"
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
