"""DuckDB connections and schema migrations.

DuckDB allows one writer process, and any open connection from another process blocks a
writer (the open fails at once). So: readers open short-lived read-only connections, writers
open late, hold briefly, and both retry the open with bounded backoff.
"""

from __future__ import annotations

import logging
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from fwpulse.data.db_errors import DatabaseDamaged, is_damage_error, is_lock_error, short_reason
from fwpulse.data.settings import MIGRATIONS_DIR, NEW_FILE_CONFIG

log = logging.getLogger("fwpulse.db")

_MIGRATION_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
SCHEMA_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"""


class DatabaseBusy(RuntimeError):
    """Another process held the database for longer than we were willing to wait."""


class DatabaseError(RuntimeError):
    """The database file is unusable (not DuckDB, newer schema, ...); the message says what to do."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = _MIGRATION_RE.match(path.name)
        if not m:
            raise DatabaseError(f"{path}: migration files must be named NNNN_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise DatabaseError(f"{directory}: two migrations share a number")
    return found


def latest_version(directory: Path = MIGRATIONS_DIR) -> int:
    ms = migrations(directory)
    return ms[-1].version if ms else 0


def connect(
    path: Path | str, *, read_only: bool = False, max_wait: float = 30.0, sleep: Callable[[float], None] = time.sleep
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, retrying with bounded exponential backoff while another process holds it."""
    path = Path(path)
    delay, waited = 0.05, 0.0
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            _check_not_truncated(con, path)
            return con
        except duckdb.Error as exc:
            if not is_lock_error(exc):
                if path.exists() and is_damage_error(exc):
                    raise DatabaseDamaged(path, short_reason(exc)) from None
                raise DatabaseError(
                    f"{path}: cannot open the database ({exc}); "
                    "if the file is not a DuckDB database, move it aside and run `fwpulse status` to rebuild"
                ) from None
            if waited >= max_wait:
                raise DatabaseBusy(
                    f"{path}: another process has held the database for {waited:.0f}s; "
                    "try again when it finishes (see `fwpulse status`)"
                ) from None
            log.debug("database busy, retrying in %.2fs", delay)
            sleep(delay)
            waited += delay
            delay = min(delay * 2, 1.0)


HEADER_BYTES = 3 * 4096  # DuckDB's file header: one main header and two database headers


def _check_not_truncated(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A file shorter than the blocks its own header counts was truncated (a copy cut short, a full
    disk): say so now, even when the blocks a query would read happen to be intact."""
    if str(path) == ":memory:" or not path.exists():
        return
    try:
        # blocks in use each hold a slot of their own (free blocks at the end may have been cut off by DuckDB)
        block_size, total = con.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size() WHERE database_name = current_database()"
        ).fetchall()[0]
    except (duckdb.Error, IndexError):
        return
    expected = HEADER_BYTES + int(block_size) * int(total)
    actual = path.stat().st_size
    if actual < expected:
        con.close()
        raise DatabaseDamaged(
            path,
            f"the file is {actual:,} bytes but holds {total:,} blocks in use ({expected:,} bytes): it was truncated",
        )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN, then COMMIT when the block ends, or ROLLBACK and re-raise when it (or the COMMIT) fails: every
    multi-statement write in fwpulse goes through here, so none leaves half its statements behind."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@contextmanager
def _short_lived(path: Path | str, read_only: bool, max_wait: float) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, max_wait=max_wait)
    try:
        yield con
    finally:
        con.close()


def reading(path: Path | str, max_wait: float = 10.0):
    """A short-lived read-only connection (a context manager)."""
    return _short_lived(path, True, max_wait)


def writing(path: Path | str, max_wait: float = 30.0):
    """A short-lived read-write connection (a context manager); open it only once there is something to write."""
    return _short_lived(path, False, max_wait)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply pending migrations, each in its own explicit transaction. Returns the versions applied."""
    con.execute(SCHEMA_TABLE)
    current = schema_version(con)
    known = migrations(directory)
    if known and current > known[-1].version:
        raise DatabaseError(
            f"database schema version {current} is newer than this fwpulse ({known[-1].version}); upgrade fwpulse"
        )
    applied = []
    for m in known:
        if m.version <= current:
            continue
        with transaction(con):
            con.execute(m.sql)
            con.execute("INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)", [m.version, m.name])
        log.info("applied migration %04d_%s", m.version, m.name)
        applied.append(m.version)
    return applied


def build_new(path: Path, populate: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Create a database at ``path`` atomically: build in a temporary file, then rename.

    A crash while building leaves no half-built database behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp), config=NEW_FILE_CONFIG)  # storage the DuckDB 1.5 CLI can read
    try:
        migrate(con)
        populate(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if path.exists():  # someone else built it meanwhile; theirs wins
        tmp.unlink(missing_ok=True)
        return
    os.replace(tmp, path)
