"""Check CLI option values at the edge, before any work: each failure is one line naming the option and the fix."""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from pathlib import Path

MAX_WAIT_SECONDS = 86_400.0
_HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


class UsageProblem(ValueError):
    """An option value that cannot work; the message is one line naming the option and the fix."""


def port(value: int, option: str = "--port") -> int:
    if not 1 <= value <= 65535:
        raise UsageProblem(f"{option} {value}: a port must be between 1 and 65535 (e.g. {option} 8501)")
    return value


def host(value: str, option: str = "--host") -> str:
    """A literal IPv4/IPv6 address, or a host name that resolves on this machine."""
    text = value.strip()
    if text != value or not text:
        raise UsageProblem(f"{option} {value!r}: not a host name or address; use e.g. {option} 127.0.0.1")
    try:
        ipaddress.ip_address(text.strip("[]"))
        return text.strip("[]")
    except ValueError:
        pass
    if not _HOSTNAME_RE.match(text):
        raise UsageProblem(
            f"{option} {value!r}: not a host name or address; use e.g. {option} 127.0.0.1 "
            "(this machine only) or 0.0.0.0 (every interface)"
        )
    try:
        socket.getaddrinfo(text, None)
    except (OSError, UnicodeError) as exc:
        raise UsageProblem(
            f"{option} {value!r}: the name does not resolve on this machine "
            f"({getattr(exc, 'strerror', None) or exc}); use an address such as 127.0.0.1"
        ) from None
    return text


def free_port(host_: str, value: int, option: str = "--port") -> int:
    """The port can be bound on ``host_`` now (checked by binding it, as the server will; SO_REUSEADDR as
    Streamlit's server sets it, so a port in TIME_WAIT after a stop is not refused)."""
    family = socket.AF_INET6 if ":" in host_ else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host_, value))
        except OSError as exc:
            raise UsageProblem(
                f"{option} {value}: already in use on {host_} ({exc.strerror or exc}; another fwpulse dashboard?); "
                f"stop it or pick another port, e.g. {option} {value + 1 if value < 65535 else 8501}"
            ) from None
    return value


def seconds(value: float, option: str, maximum: float = MAX_WAIT_SECONDS) -> float:
    if not math.isfinite(value) or value < 0 or value > maximum:
        raise UsageProblem(f"{option} {value}: must be a number of seconds from 0 to {maximum:.0f}")
    return value


def positive_int(value: int | None, option: str, maximum: int) -> int | None:
    if value is not None and not 1 <= value <= maximum:
        raise UsageProblem(f"{option} {value}: must be a whole number from 1 to {maximum}")
    return value


def input_file(path: Path, what: str) -> Path:
    """An existing, readable regular file."""
    text = str(path)
    if text in ("", ".") or not text.strip():
        raise UsageProblem(f"{what}: no file named; give the path of a file")
    if not path.exists():
        raise UsageProblem(f"{what} {path}: no such file")
    if path.is_dir():
        raise UsageProblem(f"{what} {path}: is a directory, not a file; give the path of a file")
    if not path.is_file():
        raise UsageProblem(f"{what} {path}: is not a regular file; give the path of a file")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UsageProblem(f"{what} {path}: cannot be read ({exc.strerror or exc})") from None
    return path


def new_folder(path: Path, what: str) -> Path:
    """A folder to create (or an existing empty one): not a file, not under a file, not a non-empty folder."""
    text = str(path)
    if not text.strip():
        raise UsageProblem(f"{what}: no folder named; give a new folder's path")
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise UsageProblem(f"{what} {path}: is an existing file, not a folder; choose a new folder")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageProblem(
                    f"{what} {path}: {parent} is a file, so no folder can be made under it; choose another path"
                )
            break
    if path.is_dir():
        try:
            if any(path.iterdir()):
                raise UsageProblem(f"{what} {path}: folder is not empty; choose a new folder")
        except OSError as exc:
            raise UsageProblem(f"{what} {path}: cannot be read ({exc.strerror or exc})") from None
    return path


def backup_folder(path: Path, what: str = "BACKUP_DIR") -> Path:
    """An existing folder written by `fwpulse db backup` (schema.sql and load.sql inside)."""
    if not str(path).strip():
        raise UsageProblem(f"{what}: no folder named; give a folder written by `fwpulse db backup`")
    path = path.expanduser()
    if not path.exists():
        raise UsageProblem(f"{what} {path}: no such folder")
    if not path.is_dir():
        raise UsageProblem(f"{what} {path}: is a file, not a folder written by `fwpulse db backup`")
    missing = [n for n in ("schema.sql", "load.sql") if not (path / n).is_file()]
    if missing:
        raise UsageProblem(
            f"{what} {path}: not a backup ({' and '.join(missing)} missing); "
            "give a folder written by `fwpulse db backup`"
        )
    return path
