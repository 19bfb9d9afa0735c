"""A database that cannot be opened or read: recognise it, say so in one line, find the newest backup, restore.

The diagnosis names the file, the newest Parquet backup (``fwpulse db backup`` and the automatic
pre-migration backups write them under ``<db folder>/backups/``) and the command that restores it.
Restoring builds a fresh file from the backup and moves the current one aside (named damaged or replaced, as it
is); nothing is deleted, and the command says how much the copies kept aside take.
"""

from __future__ import annotations

import datetime as dt
import os
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


def aside_name(db_path: Path, kind: str = "damaged") -> Path:
    """A free name beside ``db_path``: ``<name>.<kind>-<UTC time>`` (``damaged`` or ``replaced``)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = db_path.with_name(f"{db_path.name}.{kind}-{stamp}")
    n = 1
    while candidate.exists():
        candidate = db_path.with_name(f"{db_path.name}.{kind}-{stamp}-{n}")
        n += 1
    return candidate


def readable(db_path: Path) -> bool:
    """The file opens as every command opens it (truncation checked) and its history reads: what `restore`
    calls it when kept aside. A file another process holds counts as readable (it is not known damaged)."""
    from . import db  # late: db imports this module

    try:
        with db.reading(db_path, max_wait=0) as con:
            con.execute("SELECT count(*) FROM observations").fetchone()
        return True
    except db.DatabaseBusy:
        return True
    except (DatabaseDamaged, db.DatabaseError, duckdb.Error):
        return False


def kept_aside(db_path: Path) -> list[Path]:
    """Earlier files `restore` moved aside (``<name>.damaged-*``, ``<name>.replaced-*``), oldest first."""
    names = [*db_path.parent.glob(f"{db_path.name}.damaged-*"), *db_path.parent.glob(f"{db_path.name}.replaced-*")]
    return sorted((p for p in names if not p.name.endswith(".wal")), key=lambda p: p.stat().st_mtime)


def restore(db_path: Path | str, backup: Path | str) -> Path | None:
    """Build a fresh database from ``backup`` and put it at ``db_path``.

    An existing file at ``db_path`` is renamed aside, never deleted: ``.damaged-<time>`` when it does not
    read, ``.replaced-<time>`` when it does; returns its new name (None when there was none). The backup is
    imported into a temporary file first, so a failing import leaves everything as it was.
    """
    from . import db  # late: db imports this module

    db_path, backup = Path(db_path).expanduser(), Path(backup).expanduser()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.restoring-{os.getpid()}")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp), config=db.NEW_FILE_CONFIG)  # storage the DuckDB 1.5 CLI can read
        try:
            quoted = str(backup.resolve()).replace("'", "''")
            con.execute(f"IMPORT DATABASE '{quoted}'")
            db.migrate(con)  # a pre-migration backup is on an older schema
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except Exception:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise
    aside = None
    if db_path.exists():
        aside = aside_name(db_path, "replaced" if readable(db_path) else "damaged")
        os.replace(db_path, aside)
        wal = db_path.with_name(db_path.name + ".wal")
        if wal.exists():
            os.replace(wal, aside.with_name(aside.name + ".wal"))
    os.replace(tmp, db_path)
    return aside
