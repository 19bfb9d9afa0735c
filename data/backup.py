"""`fwpulse db backup`: export the whole database as Parquet (DuckDB EXPORT DATABASE).

Runs automatically before any migration of an existing database, so a schema change can
always be undone with `IMPORT DATABASE`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fwpulse.data import db


def default_backup_dir(db_path: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path(db_path).resolve().parent / "backups" / f"{Path(db_path).stem}-{stamp}"
    target, n = base, 1
    while target.exists():  # two backups in the same second (e.g. a pre-migration one, then yours)
        target, n = base.with_name(f"{base.name}-{n}"), n + 1
    return target


def backup(db_path: Path, target: Path | None = None) -> Path:
    """Write every table as Parquet plus schema.sql/load.sql into ``target``; returns it."""
    target = Path(target) if target else default_backup_dir(db_path)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target}: backup folder is not empty; choose a new folder")
    with db.reading(db_path) as con:  # open first: a damaged database leaves no empty folder behind
        target.mkdir(parents=True, exist_ok=True)
        con.execute(f"EXPORT DATABASE '{str(target).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
    return target
