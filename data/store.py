"""The write API: what a value, an event and a run are, and :func:`record_run`, which stores them.

:func:`record_run` stores one source's run (ledger row + observations + events + collector state)
in ONE transaction, so a crash leaves either all of it or none. Observations are append-only; a
value identical to the newest stored one for the same (framework, metric, date) is not written
again, so repeating a run adds no rows. Every read lives in :mod:`fwpulse.data.read`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import duckdb
import pandas as pd

from fwpulse.data import catalog
from fwpulse.data.db import transaction
from fwpulse.data.redact import redact, redact_obj

RUN_STATUSES = ("ok", "failed", "skipped", "partial")

# What a stored value is, beyond its number. docs/data.md "Data quality" documents each flag.
QUALITY: dict[str, str] = {
    "ok": "a final value for its date or period",
    "partial_period": "the period was not over when measured (e.g. the current week or month)",
    "lower_bound": "the true value is at least this (e.g. a degraded event feed, a quoted '> N')",
    "upper_bound": "the true value is at most this (e.g. a quoted '< N')",
    "approximate": "a rounded or estimated figure (e.g. a quoted '~N')",
    "degraded_source": "the source said its data was incomplete or altered",
    "synthetic": "made up for a demo or a test; never a measurement",
}


@dataclass(frozen=True)
class Observation:
    framework: str
    metric: str
    date: dt.date
    value: float
    source: str
    method: str
    source_url: str | None = None
    note: str | None = None
    quality: str = "ok"
    details: dict[str, Any] | None = field(default=None, hash=False, compare=False)


@dataclass(frozen=True)
class Event:
    framework: str
    kind: str
    label: str
    date: dt.date
    source: str
    method: str
    is_major: bool | None = None
    source_url: str | None = None
    note: str | None = None


@dataclass
class RunRecord:
    """What one source did in one run; written with its rows in one transaction."""

    source: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str = "ok"
    requests: int = 0
    error: str | None = None
    retry_after: dt.datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteResult:
    run_id: int
    rows_written: int
    rows_unchanged: int
    events_written: int


def utcnow() -> dt.datetime:
    """Naive UTC timestamp (how TIMESTAMP columns store time)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def validate_observations(observations: Sequence[Observation]) -> None:
    """Reject a batch a collector should never produce, before anything is written."""
    seen: set[tuple[str, str, dt.date]] = set()
    for o in observations:
        key = (o.framework, o.metric, o.date)
        if not o.framework:
            raise ValueError(f"observation without framework: {o}")
        if not catalog.is_known(o.metric):
            raise ValueError(f"unknown metric id {o.metric!r} (add it to data/catalog.py)")
        if not isinstance(o.date, dt.date) or isinstance(o.date, dt.datetime):
            raise ValueError(f"{key}: date must be a datetime.date")
        if not isinstance(o.value, (int, float)) or not math.isfinite(o.value):
            raise ValueError(f"{key}: value must be a finite number, got {o.value!r}")
        if not o.source or not o.method:
            raise ValueError(f"{key}: every value needs a source and a method")
        if o.quality not in QUALITY:
            raise ValueError(f"{key}: quality must be one of {', '.join(QUALITY)}, got {o.quality!r}")
        if o.details is not None and not isinstance(o.details, dict):
            raise ValueError(f"{key}: details must be a dict (stored as JSON), got {type(o.details).__name__}")
        if key in seen:
            raise ValueError(f"duplicate observation in one batch: {key}")
        seen.add(key)


def _obs_frame(observations: Sequence[Observation]) -> pd.DataFrame:
    cols = ["framework", "metric", "date", "value", "source", "method", "source_url", "note", "quality"]
    rows = [
        [getattr(o, c) for c in cols]
        + [None if o.details is None else json.dumps(o.details, default=str, sort_keys=True)]
        for o in observations
    ]
    return pd.DataFrame(rows, columns=[*cols, "details"]).astype({"value": "float64", "details": "object"})


def record_run(
    con: duckdb.DuckDBPyConnection,
    run: RunRecord,
    observations: Sequence[Observation] = (),
    events: Sequence[Event] = (),
    state: dict[str, Any] | None = None,
    collected_at: dt.datetime | None = None,
) -> WriteResult:
    """Store a run: ledger row, new observations, events, collector state - all or nothing."""
    if run.status not in RUN_STATUSES:
        raise ValueError(f"run status must be one of {RUN_STATUSES}")
    validate_observations(observations)
    # Redaction at the sink: nothing a server echoed (a token, a key) reaches the file.
    run = replace(run, error=redact(run.error), details=redact_obj(run.details))
    observations = [
        replace(
            o,
            method=redact(o.method),
            source=redact(o.source),
            source_url=redact(o.source_url),
            note=redact(o.note),
            details=redact_obj(o.details),
        )
        for o in observations
    ]
    events = [
        replace(e, label=redact(e.label), method=redact(e.method), source_url=redact(e.source_url), note=redact(e.note))
        for e in events
    ]
    state = redact_obj(state) if state else state
    collected_at = collected_at or run.started_at
    finished = run.finished_at or utcnow()
    with transaction(con):
        run_id = con.execute("SELECT nextval('run_id_seq')").fetchall()[0][0]
        written = unchanged = 0
        if observations:
            con.register("new_obs", _obs_frame(observations))
            before = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
            con.execute(
                """
                INSERT INTO observations (framework, metric, date, value, source, method, collected_at, run_id,
                                          source_url, note, quality, details)
                SELECT n.framework, n.metric, n.date::DATE, n.value, n.source, n.method, ?, ?, n.source_url, n.note,
                       n.quality, n.details::JSON
                FROM new_obs n
                LEFT JOIN metric_values m
                  ON m.framework = n.framework AND m.metric = n.metric AND m.date = n.date::DATE
                WHERE m.value IS NULL OR m.value <> n.value OR m.source <> n.source OR m.method <> n.method
                   OR m.quality <> n.quality
                """,
                [collected_at, run_id],
            )
            con.unregister("new_obs")
            written = con.execute("SELECT count(*) FROM observations").fetchall()[0][0] - before
            unchanged = len(observations) - written
        ev_written = _write_events(con, events, collected_at, run_id)
        for key, value in (state or {}).items():
            con.execute(
                "INSERT OR REPLACE INTO source_state VALUES (?, ?, ?, ?)",
                [run.source, key, json.dumps(value, default=str), finished],
            )
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                run.source,
                run.started_at,
                finished,
                run.status,
                written,
                unchanged,
                run.requests,
                run.error,
                run.retry_after,
                json.dumps(run.details, default=str),
            ],
        )
    return WriteResult(run_id, written, unchanged, ev_written)


def _write_events(
    con: duckdb.DuckDBPyConnection, events: Sequence[Event], collected_at: dt.datetime, run_id: int
) -> int:
    n = 0
    for e in events:
        cur = con.execute(
            """INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (framework, kind, label, source) DO UPDATE SET
                 date = excluded.date, is_major = excluded.is_major, method = excluded.method,
                 source_url = excluded.source_url, note = excluded.note,
                 collected_at = excluded.collected_at, run_id = excluded.run_id
               WHERE events.date <> excluded.date OR events.is_major IS DISTINCT FROM excluded.is_major""",
            [
                e.framework,
                e.kind,
                e.label,
                e.date,
                e.is_major,
                e.source,
                e.method,
                e.source_url,
                e.note,
                collected_at,
                run_id,
            ],
        )
        n += cur.fetchall()[0][0]
    return n
