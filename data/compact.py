"""Keep ``observations`` clustered by series, so a chart query reads only its own rows.

Daily collection appends rows in date order, so every DuckDB row group (122,880 rows) soon
holds a little of every series, and any query for a few series has to decode the whole
table: 50-200 ms per chart on 5.5M rows (``perf/dashboard_scale.py``). :func:`compact`
rewrites the table sorted by (metric, framework, date, collected_at, run_id). DuckDB keeps
min/max statistics per row group and column segment, so after that a query for one metric
skips everything but that metric's rows.

Rows appended since the last compaction are the "tail". ``compact`` (without ``force``) runs
after every refresh and import and rewrites only once the tail reaches :data:`TAIL_LIMIT` rows,
so the unclustered part stays under about one row group. ``fwpulse db compact`` forces it.

Nothing is lost or altered: the new table is created from the stored DDL (same columns, same
primary key), filled with the same rows in a new order, counted against the old one, and
swapped in with the dependent views recreated from their stored SQL, all in one transaction.
A crash or an error leaves the old table as it was. The rows are append-only history, so a
compaction changes their physical order and nothing else.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass

import duckdb

from fwpulse.data.db import transaction
from fwpulse.data.store import utcnow

log = logging.getLogger("fwpulse.compact")

TABLE = "observations"
ORDER = "metric, framework, date, collected_at, run_id"
TAIL_LIMIT = 122_880  # one DuckDB row group
STATE_SOURCE, STATE_KEY = "store", "clustered_rows"


class CompactError(RuntimeError):
    """The rewrite did not reproduce the table (nothing was changed)."""


@dataclass(frozen=True)
class CompactResult:
    rows: int  # rows in the table
    tail: int  # rows appended since the last compaction (before this call)
    compacted: bool
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.compacted:
            return (
                f"observations: {self.rows:,} rows, {self.tail:,} appended since the last compaction "
                f"(compacts at {TAIL_LIMIT:,}); nothing to do"
            )
        return f"observations: {self.rows:,} rows rewritten clustered by series in {self.seconds:.1f}s"


def clustered_rows(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT value FROM source_state WHERE source = ? AND key = ?", [STATE_SOURCE, STATE_KEY]
    ).fetchall()
    return int(json.loads(row[0][0])) if row and row[0][0] is not None else 0


def tail_rows(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(rows in the table, rows appended since the last compaction)."""
    total = con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]
    return total, max(0, total - clustered_rows(con))


def _dependent_views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY view_name"
    ).fetchall()
    return [(name, sql) for name, sql in rows if re.search(rf"\b{TABLE}\b", sql or "")]


def compact(con: duckdb.DuckDBPyConnection, *, force: bool = False, tail_limit: int | None = None) -> CompactResult:
    """Rewrite ``observations`` clustered by series when ``force`` or the tail reached ``tail_limit``.

    Needs a read-write connection; the caller holds the database (a refresh holds its lock).
    """
    total, tail = tail_rows(con)
    if not force and tail < (TAIL_LIMIT if tail_limit is None else tail_limit):
        return CompactResult(total, tail, False)
    t0 = time.perf_counter()
    ddl = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [TABLE]
    ).fetchall()[0][0]
    new = f"{TABLE}__clustered"
    new_ddl, n = re.subn(rf"^CREATE TABLE {TABLE}\s*\(", f"CREATE TABLE {new}(", ddl)
    if n != 1:
        raise CompactError(f"unexpected DDL for {TABLE}: {ddl[:80]}... (nothing was changed)")
    views = _dependent_views(con)
    with transaction(con):
        con.execute(new_ddl)
        con.execute(f"INSERT INTO {new} SELECT * FROM {TABLE} ORDER BY {ORDER}")
        copied = con.execute(f"SELECT count(*) FROM {new}").fetchall()[0][0]
        if copied != total:
            raise CompactError(f"the rewrite holds {copied} rows, the table {total} (nothing was changed)")
        for name, _ in views:
            con.execute(f'DROP VIEW "{name}"')
        con.execute(f"DROP TABLE {TABLE}")
        con.execute(f"ALTER TABLE {new} RENAME TO {TABLE}")
        for _, sql in views:
            con.execute(sql)
        con.execute(
            "INSERT OR REPLACE INTO source_state VALUES (?, ?, ?, ?)",
            [STATE_SOURCE, STATE_KEY, json.dumps(total), utcnow()],
        )
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - t0
    log.info("compacted %s: %d rows clustered by series in %.1fs", TABLE, total, seconds)
    return CompactResult(total, tail, True, seconds)
