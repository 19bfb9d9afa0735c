"""`fwpulse db restore`: build a fresh database from a Parquet backup and keep the current file aside.

The current file is renamed, never deleted: ``.damaged-<time>`` when it does not read, ``.replaced-<time>`` when
it does; the command says how much the copies kept aside take.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb

from fwpulse.data import db
from fwpulse.data.db_errors import DatabaseDamaged


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
