"""Benchmark results: the ``bench_results`` table (migration 0002) and its JSON file format.

This is the contract between ``fwpulse bench`` (writer), ``fwpulse bench import`` (pooling results
from other machines) and the dashboard's Speed view (reader, through :func:`results`).

One row per measured cell: workload x variant x contender x tier x precision x device of one bench
run. ``result_id`` is a deterministic hash of those keys plus the run id, so writing or importing
the same results twice changes nothing.

The JSON file (``fwpulse bench --out``, ``bench-results/*.json``, ``data/snapshot/bench/*.json``)::

    {"format": "fwpulse-bench/1", "bench_run_id": "...", "suite": "smoke", "fingerprint": {...},
     "created_at": "...", "wall_s": 123.4, "results": [ {column: value, ...}, ... ]}

Each result row carries every column of bench_rows.py (``fingerprint`` as an object); unknown keys in a row
are ignored so that files from newer versions still import.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterable

import duckdb
import pandas as pd

from fwpulse.data.bench_rows import (
    COLUMNS,
    CONTRACT,
    KINDS,
    MAX_FILE_DEPTH,
    db_value,
    json_depth,
    normalize_row,
    short_repr,
)
from fwpulse.data.db import transaction

FORMAT = "fwpulse-bench/1"


class BenchFileError(ValueError):
    """A results file that cannot be imported; the message names the file and the field."""


def write_results(
    con: duckdb.DuckDBPyConnection, rows: Iterable[dict[str, Any]], *, imported_from: str | None = None
) -> int:
    """Validate and upsert rows (by ``result_id``) in one transaction. Returns the number written.

    A row that does not validate raises ValueError before anything is written.
    """
    clean = [normalize_row(r, imported_from=imported_from) for r in rows]
    if not clean:
        return 0
    placeholders = ", ".join("?" for _ in COLUMNS)
    sql = f"INSERT OR REPLACE INTO bench_results ({', '.join(COLUMNS)}) VALUES ({placeholders})"
    with transaction(con):
        con.executemany(sql, [[db_value(KINDS[c], r[c]) for c in COLUMNS] for r in clean])
    return len(clean)


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'bench_results'").fetchall()[0][
            0
        ]
    )


def results(
    con: duckdb.DuckDBPyConnection, *, device: str | None = None, suite: str | None = None, extra: bool = False
) -> pd.DataFrame:
    """Benchmark rows as a DataFrame with exactly the contract columns (``extra=True`` adds
    import_s, build_s, details), fingerprint as a JSON string, newest bench run first."""
    cols = COLUMNS if extra else CONTRACT
    if not _has_table(con):
        return pd.DataFrame(columns=cols)
    where, params = [], []
    if device is not None:
        where.append("device = ?")
        params.append(device)
    if suite is not None:
        where.append("suite = ?")
        params.append(suite)
    sql = (
        f"SELECT {', '.join('b.' + c for c in cols)} FROM bench_results b "
        "JOIN (SELECT bench_run_id, max(measured_at) AS run_at FROM bench_results GROUP BY bench_run_id) r "
        "USING (bench_run_id) "
        + (f"WHERE {' AND '.join('b.' + w for w in where)} " if where else "")
        + "ORDER BY r.run_at DESC, b.bench_run_id, b.workload, b.variant, b.tier, b.precision, "
        "(b.baseline IS NULL OR b.contender <> b.baseline), b.contender"
    )
    cur = con.execute(sql, params)
    df = pd.DataFrame(cur.fetchall(), columns=cols)
    for c in ("fingerprint", "details"):
        if c in df.columns:
            df[c] = df[c].map(lambda v: v if v is None or isinstance(v, str) else json.dumps(v, sort_keys=True))
    return df


def bench_runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One line per stored bench run: id, suite, device, rows, ok rows, newest measured_at, imported_from."""
    if not _has_table(con):
        return []
    cur = con.execute("""SELECT bench_run_id, any_value(suite), any_value(device), count(*),
                                count(*) FILTER (WHERE status = 'ok'), max(measured_at), any_value(imported_from)
                         FROM bench_results GROUP BY bench_run_id ORDER BY max(measured_at) DESC""")
    keys = ("bench_run_id", "suite", "device", "rows", "ok_rows", "measured_at", "imported_from")
    return [dict(zip(keys, r)) for r in cur.fetchall()]


# --- JSON files -------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dump_results_file(
    path: Path, *, bench_run_id: str, suite: str, fingerprint: dict[str, Any], rows: list[dict[str, Any]], **meta: Any
) -> Path:
    """Write a results file (atomically). Rows are validated first."""
    clean = [normalize_row(r) for r in rows]
    doc = {
        "format": FORMAT,
        "bench_run_id": bench_run_id,
        "suite": suite,
        "created_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds"),
        **meta,
        "fingerprint": fingerprint,
        "results": clean,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(
        json.dumps(doc, indent=1, sort_keys=False, default=_json_default, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    tmp.replace(path)
    return path


def read_results_file(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Parse and validate a results file: (metadata, normalised rows with imported_from = file name).

    Raises BenchFileError with one line naming the file (and the row and field) on any problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BenchFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchFileError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BenchFileError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "expected a file written by `fwpulse bench --out`"
        ) from None
    except RecursionError:
        raise BenchFileError(
            f"{path}: JSON nested too deeply to read; expected a file written by `fwpulse bench --out`"
        ) from None
    except ValueError as exc:  # e.g. an integer literal with more digits than Python converts
        raise BenchFileError(f"{path}: a value cannot be read ({' '.join(str(exc).split())[:120]})") from None
    if json_depth(doc, MAX_FILE_DEPTH) > MAX_FILE_DEPTH:
        raise BenchFileError(
            f"{path}: JSON nested more than {MAX_FILE_DEPTH} levels deep; "
            "expected a file written by `fwpulse bench --out`"
        )
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise BenchFileError(
            f"{path}: field 'format' is {got!r}, expected {FORMAT!r}; expected a file written by `fwpulse bench --out`"
        )
    rows = doc.get("results")
    if not isinstance(rows, list) or not rows:
        raise BenchFileError(f"{path}: field 'results' must be a non-empty list of result rows")
    clean = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BenchFileError(f"{path}: results[{i}] is not an object")
        try:
            clean.append(normalize_row(row, imported_from=path.name))
        except ValueError as exc:
            raise BenchFileError(f"{path}: results[{i}].{exc}") from None
    meta = {k: v for k, v in doc.items() if k != "results"}
    for key in ("bench_run_id", "suite", "device"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            raise BenchFileError(f"{path}: field {key!r} must be text, got {short_repr(meta[key])}")
    return meta, clean


def import_results_file(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[dict[str, Any], int]:
    """Validate the whole file, then write all of it (or nothing)."""
    meta, rows = read_results_file(path)
    return meta, write_results(con, rows)


def load_bundled(con: duckdb.DuckDBPyConnection, directory: Path) -> int:
    """Load every ``*.json`` results file under ``directory`` (the bundled snapshot's bench results)."""
    n = 0
    for path in sorted(Path(directory).glob("*.json")):
        n += import_results_file(con, path)[1]
    return n
