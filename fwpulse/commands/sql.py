"""`fwpulse sql`: a read-only SQL query of the store that works while a refresh writes, as table/CSV/markdown/JSON."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import typer

from fwpulse import validate
from fwpulse.commands.common import EXIT_BUSY, EXIT_USAGE, choices, context, fail

FORMATS = ("table", "csv", "markdown", "json")
DEFAULT_WAIT_S = 30.0


class QueryError(ValueError):
    """DuckDB refused the query (syntax, unknown table, a write, a file access); the message is one line."""


class SchemaBehind(RuntimeError):
    """The file needs a migration (a write) before fwpulse reads it."""


def query(db_path: Path | str, sql: str, max_wait: float = DEFAULT_WAIT_S) -> tuple[list[str], list[tuple]]:
    """Run ``sql`` on a read-only connection with no file access, retrying the open with backoff while a
    writer holds the database (:class:`fwpulse.data.db.DatabaseBusy` after ``max_wait`` seconds)."""
    import duckdb

    from fwpulse.data import db

    con = _open_read_only(Path(db_path), max_wait)
    try:
        if db.schema_version(con) < db.latest_version():
            raise SchemaBehind(f"{db_path}: schema is behind this fwpulse; it is migrated first")
        con.execute("SET enable_external_access = false")  # no COPY TO, ATTACH or read_csv of other files
        con.execute("SET lock_configuration = true")  # ... and a query cannot turn it back on
        try:
            cur = con.execute(sql)
            if cur.description is None:
                return [], []
            return [d[0] for d in cur.description], cur.fetchall()
        except duckdb.Error as exc:
            text = str(exc).split("\n")[0]
            if "read-only mode" in text:
                text += " (fwpulse sql only reads; the store changes through refresh, import and bench)"
            raise QueryError(text) from None
    finally:
        con.close()


def _open_read_only(path: Path, max_wait: float):
    """A read-only connection, retried every 20-200 ms (jittered) while a writer holds the file: a refresh
    leaves gaps of tens of milliseconds between its transactions, and a reader must land in one."""
    import random
    import time

    from fwpulse.data import db

    deadline, delay = time.monotonic() + max_wait, 0.02
    while True:
        try:
            return db.connect(path, read_only=True, max_wait=0)  # one try; damage and non-lock errors raise
        except db.DatabaseBusy:
            if time.monotonic() >= deadline:
                raise db.DatabaseBusy(
                    f"{path}: another process has held the database for {max_wait:.0f}s; "
                    "try again when it finishes (see `fwpulse status`), or pass a longer "
                    "--wait"
                ) from None
            time.sleep(random.uniform(0.5, 1.0) * delay)
            delay = min(delay * 2, 0.2)


def _plain(value: Any) -> Any:
    """A JSON-safe value: dates as ISO text, decimals as numbers, NaN/inf as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.loads(json.dumps(value, default=str))
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def _text(value: Any) -> str:
    return "" if value is None else str(_plain(value)) if not isinstance(value, str) else value


def render(columns: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, map(_plain, r))) for r in rows], indent=1, allow_nan=False)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_text(v) for v in r] for r in rows])
        return buf.getvalue().rstrip("\n")
    cells = [[_text(v).replace("\n", " ") for v in r] for r in rows]
    if fmt == "markdown":

        def line(values):
            return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

        return "\n".join([line(columns), "|" + "|".join("---" for _ in columns) + "|", *map(line, cells)])
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]

    def pad(values):
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()

    out = [pad(columns), pad(["-" * w for w in widths]), *map(pad, cells)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def sql(
    statement: str = typer.Argument(
        ...,
        metavar="QUERY",
        help="One SQL query, e.g. \"SELECT * FROM metric_values LIMIT 5\" ('-' reads it "
        "from stdin). Read the view metric_values; runs, events and "
        "bench_results are tables.",
    ),
    fmt: str = typer.Option("table", "--format", metavar=choices(FORMATS), help="Output format."),
    wait: float = typer.Option(
        DEFAULT_WAIT_S, "--wait", help="Seconds to keep retrying while a refresh holds the database (then exit 75)."
    ),
) -> None:
    """Query the store read-only (no writes, no file access); retries while a refresh writes."""
    from fwpulse.data.db import DatabaseBusy

    if fmt not in FORMATS:
        raise fail(f"--format {fmt!r}: choose from {', '.join(FORMATS)}", EXIT_USAGE)
    try:
        validate.seconds(wait, "--wait")
    except validate.UsageProblem as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    text = sys.stdin.read() if statement == "-" else statement
    if not text.strip():
        raise fail('sql: no query given; e.g. fwpulse sql "SELECT * FROM metric_values LIMIT 5"', EXIT_USAGE)
    from fwpulse.data.settings import load_settings

    settings = load_settings()
    if not settings.db_path.exists():  # one read-only open per call otherwise: the writer's gaps are short
        settings, _ = context()
    try:
        try:
            columns, rows = query(settings.db_path, text, max_wait=wait)
        except SchemaBehind:
            settings, _ = context()  # migrates (after a backup), then read
            columns, rows = query(settings.db_path, text, max_wait=wait)
    except QueryError as exc:
        raise fail(f"sql: {exc}", EXIT_USAGE) from None
    except DatabaseBusy as exc:
        raise fail(str(exc), EXIT_BUSY) from None
    if columns:
        typer.echo(render(columns, rows, fmt))


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)
