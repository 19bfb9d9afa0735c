"""What a DuckDB error means for fwpulse: another process holds the file, or the file is damaged.

One classifier for each (every caller asks here, none matches message text itself). A damaged file gets a
one-line diagnosis naming the file, the newest Parquet backup (``fwpulse db backup`` and the automatic
pre-migration backups write them under ``<db folder>/backups/``) and the command that restores it
(data/restore.py). This module imports nothing of fwpulse's, so db.py can import it at the top.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import duckdb

_DAMAGE_MARKERS = (
    "not a valid duckdb database",
    "could not read enough bytes",
    "corrupt",
    "checksum",
    "deserializ",
    "invalidated",
)
_NOT_DAMAGE = ("permission denied", "no such file", "read-only file system", "no space left", "out of memory")


class DatabaseDamaged(RuntimeError):
    """The database file exists but cannot be opened or read; the message is the one-line diagnosis."""

    def __init__(self, path: Path | str, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(diagnosis(path, reason))


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()  # "lock", not "block" (a corrupt block's checksum error is no lock)
    return bool(re.search(r"\block\b", text)) or "conflicting" in text or "being used by another" in text


def is_damage_error(exc: BaseException) -> bool:
    """True for the errors DuckDB raises on a truncated, zeroed or otherwise corrupt file."""
    if isinstance(exc, DatabaseDamaged):
        return True
    if not isinstance(exc, duckdb.Error) or is_lock_error(exc):
        return False
    text = str(exc).lower()
    if any(m in text for m in _NOT_DAMAGE):
        return False
    if isinstance(exc, (duckdb.IOException, duckdb.InternalException, duckdb.SerializationException)):
        return True
    return any(m in text for m in _DAMAGE_MARKERS)


def short_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    for prefix in ("IO Error: ", "INTERNAL Error: ", "Serialization Error: "):
        text = text.replace(prefix, "")
    return text[:160]


def backups_dir(db_path: Path | str) -> Path:
    return Path(db_path).expanduser().resolve().parent / "backups"


def newest_backup(db_path: Path | str) -> Path | None:
    """The newest complete backup of this database (``<folder>/backups/<stem>-*``), or None."""
    root = backups_dir(db_path)
    stem = Path(db_path).stem
    try:
        found = [
            p
            for p in root.iterdir()
            if p.is_dir()
            and p.name.startswith(f"{stem}-")
            and (p / "schema.sql").is_file()
            and (p / "load.sql").is_file()
        ]
    except OSError:
        return None
    if not found:
        return None
    return max(found, key=lambda p: ((p / "load.sql").stat().st_mtime, p.name))


def diagnosis(db_path: Path | str, reason: str) -> str:
    path = Path(db_path)
    backup = newest_backup(path)
    head = f"database {path} is damaged and cannot be read ({reason})"
    if backup is not None:
        return (
            f"{head}; newest backup: {backup}; restore it with `fwpulse db restore {shlex.quote(str(backup))}` "
            "(the damaged file is kept, renamed)"
        )
    return (
        f"{head}; no backup found in {backups_dir(path)}; move the file aside and run `fwpulse status` "
        "to rebuild it from the bundled snapshot (data collected since is lost)"
    )
