"""Reads of the run ledger and collector state: past runs, the newest run per source, its status block.

The values themselves are read through :mod:`fwpulse.data.read`; these reads are imported from here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import duckdb
import pandas as pd


def runs(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    return con.execute("SELECT * FROM runs ORDER BY run_id DESC LIMIT ?", [limit]).df()


def source_state(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, Any]:
    rows = con.execute("SELECT key, value FROM source_state WHERE source = ?", [source]).fetchall()
    return {k: json.loads(v) if v is not None else None for k, v in rows}


def last_runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source: the newest run, and the newest successful one."""
    return con.execute(
        """
        SELECT source,
               arg_max(status, run_id) AS last_status,
               max(finished_at) AS last_finished_at,
               max(finished_at) FILTER (WHERE status = 'ok') AS last_ok_at,
               arg_max(error, run_id) AS last_error,
               arg_max(retry_after, run_id) AS retry_after,
               count(*) AS runs
        FROM runs GROUP BY source ORDER BY source
        """
    ).df()


def offline_only(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The newest date the bundled snapshot's rows describe, while no collector has stored anything yet
    (no run of another source ended ok or partial); None once a refresh has stored data."""
    refreshed = con.execute(
        "SELECT count(*) FROM runs WHERE source != 'snapshot' AND status IN ('ok', 'partial')"
    ).fetchone()[0]
    if refreshed:
        return None
    newest = con.execute(
        "SELECT max(o.date) FROM observations o JOIN runs r USING (run_id) WHERE r.source = 'snapshot'"
    ).fetchone()[0]
    return newest


def age_text(ts: Any, now: dt.datetime) -> str | None:
    """'3d' / '5h' since ``ts`` (None for a missing time)."""
    if ts is None or str(ts) in ("NaT", "None", "nan"):
        return None
    delta = now - ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else now - ts
    return f"{delta.days}d" if delta.days >= 1 else f"{int(delta.total_seconds() // 3600)}h"


def _text(v: Any) -> str | None:
    """A JSON-safe text for a timestamp or message (None for NaT/NaN/None: never NaN in strict JSON)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) in ("NaT", "None", "nan"):
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)  # ISO 8601, as `sql --format json` writes times


def source_blocks(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> list[dict[str, Any]]:
    """Per source: newest run's status and time, newest success and its age, runs, error, retry-after.

    From the run ledger alone (no row counts: those take seconds on a large store). Every value is
    a str, int or None, so the block is strict JSON."""
    out = []
    for r in last_runs(con).to_dict("records"):
        last_ok = _text(r["last_ok_at"])
        out.append(
            {
                "source": r["source"],
                "last_status": r["last_status"],
                "last_finished_at": _text(r["last_finished_at"]),
                "last_ok_at": last_ok,
                "last_ok_age": age_text(r["last_ok_at"], now) if last_ok else None,
                "runs": int(r["runs"]),
                "last_error": _text(r["last_error"]),
                "retry_after": _text(r["retry_after"]),
            }
        )
    return out
