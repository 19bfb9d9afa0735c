"""Benchmark results: the ``bench_results`` table (migration 0002) and its JSON file format.

This is the contract between ``fwpulse bench`` (writer), ``fwpulse bench import`` (pooling results
from other machines) and the dashboard's Speed view (reader, through :func:`results`).

One row per measured cell: workload x variant x contender x tier x precision x device of one bench
run. ``result_id`` is a deterministic hash of those keys plus the run id, so writing or importing
the same results twice changes nothing.

The JSON file (``fwpulse bench --out``, ``bench-results/*.json``, ``data/snapshot/bench/*.json``)::

    {"format": "fwpulse-bench/1", "bench_run_id": "...", "suite": "smoke", "fingerprint": {...},
     "created_at": "...", "wall_s": 123.4, "results": [ {column: value, ...}, ... ]}

Each result row carries every column below (``fingerprint`` as an object); unknown keys in a row
are ignored so that files from newer versions still import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Iterable

import duckdb
import pandas as pd

FORMAT = "fwpulse-bench/1"

# (column, kind) in table order. The first block is the contract the dashboard reads.
_TEXT, _INT, _FLOAT, _BOOL, _JSON, _TS = "text", "int", "float", "bool", "json", "ts"
CONTRACT_COLUMNS: list[tuple[str, str]] = [
    ("result_id", _TEXT),
    ("bench_run_id", _TEXT),
    ("suite", _TEXT),
    ("workload", _TEXT),
    ("workload_label", _TEXT),
    ("variant", _TEXT),
    ("contender", _TEXT),
    ("framework", _TEXT),
    ("backend", _TEXT),
    ("api", _TEXT),
    ("mode", _TEXT),
    ("tier", _TEXT),
    ("precision", _TEXT),
    ("device", _TEXT),
    ("device_name", _TEXT),
    ("batch_size", _INT),
    ("status", _TEXT),
    ("reason", _TEXT),
    ("step_ms_p50", _FLOAT),
    ("step_ms_p90", _FLOAT),
    ("step_ms_p99", _FLOAT),
    ("samples_per_s", _FLOAT),
    ("cv", _FLOAT),
    ("n_repeats", _INT),
    ("n_steps", _INT),
    ("first_step_s", _FLOAT),
    ("compile_s", _FLOAT),
    ("n_compiles", _INT),
    ("breakeven_steps", _FLOAT),
    ("peak_mem_bytes", _INT),
    ("mem_kind", _TEXT),
    ("tflops", _FLOAT),
    ("pct_of_peak", _FLOAT),
    ("baseline", _TEXT),
    ("ratio", _FLOAT),
    ("ratio_ci_low", _FLOAT),
    ("ratio_ci_high", _FLOAT),
    ("verdict", _TEXT),
    ("loss_first", _FLOAT),
    ("loss_last", _FLOAT),
    ("loss_ok", _BOOL),
    ("fingerprint", _JSON),
    ("method", _TEXT),
    ("measured_at", _TS),
    ("imported_from", _TEXT),
]
# Added after the contract (never renamed): phase times and per-cell extras.
EXTRA_COLUMNS: list[tuple[str, str]] = [("import_s", _FLOAT), ("build_s", _FLOAT), ("details", _JSON)]
ALL_COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS
CONTRACT = [c for c, _ in CONTRACT_COLUMNS]
COLUMNS = [c for c, _ in ALL_COLUMNS]
KINDS = dict(ALL_COLUMNS)

KEY_FIELDS = ("bench_run_id", "workload", "variant", "contender", "tier", "precision", "device")
REQUIRED = (*KEY_FIELDS, "suite", "framework", "status", "measured_at")
STATUSES = ("ok", "not_available", "failed")
VERDICTS = ("same within ±5%", "slower", "faster", "inconclusive")  # NULL on the baseline row itself


# Value ranges the columns hold (migration 0002): INTEGER columns are 32-bit, peak_mem_bytes BIGINT.
INT_RANGES = {
    "batch_size": (0, 2**31 - 1),
    "n_repeats": (0, 2**31 - 1),
    "n_steps": (0, 2**31 - 1),
    "n_compiles": (0, 2**31 - 1),
    "peak_mem_bytes": (0, 2**63 - 1),
}
FIRST_TS, LAST_TS = dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)  # measured_at, UTC
MAX_JSON_DEPTH = 32  # fingerprint / details objects
MAX_FILE_DEPTH = 64  # the whole results file
MAX_TEXT = 100_000  # characters in one text field


def json_depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, without recursion (stops counting past ``limit``)."""
    depth, level = 0, [value]
    while level and depth <= limit:
        depth += 1
        nxt = []
        for v in level:
            if isinstance(v, dict):
                nxt.extend(v.values())
            elif isinstance(v, list):
                nxt.extend(v)
        level = nxt if nxt else []
    return depth


class BenchFileError(ValueError):
    """A results file that cannot be imported; the message names the file and the field."""


def result_id(row: dict[str, Any]) -> str:
    key = "\x1f".join(str(row.get(k) or "") for k in KEY_FIELDS)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _coerce(column: str, kind: str, value: Any) -> Any:
    """Validate one value; raises ValueError with a short reason."""
    if value is None:
        return None
    if kind == _TEXT:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__}")
        if len(value) > MAX_TEXT or "\x00" in value:
            raise ValueError(f"text longer than {MAX_TEXT} characters or with a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text is not valid Unicode (lone surrogate)") from None
        return value
    if kind == _INT:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer())
        ):
            raise ValueError(f"expected an integer, got {_short(value)}")
        low, high = INT_RANGES.get(column, (-(2**63), 2**63 - 1))
        if not low <= value <= high:
            raise ValueError(f"{_short(value)} is outside {low}..{high}")
        return int(value)
    if kind == _FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {_short(value)}")
        try:
            value = float(value)
        except OverflowError:
            raise ValueError(f"{_short(value)} is too large for a number column") from None
        if math.isinf(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        return None if math.isnan(value) else value
    if kind == _BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"expected true/false, got {value!r}")
        return value
    if kind == _JSON:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                raise ValueError("expected a JSON object") from None
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object")
        if json_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
        try:
            json.dumps(value, allow_nan=False, default=str).encode("utf-8")
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise ValueError(f"not storable as JSON ({exc})") from None
        return value
    if kind == _TS:
        if isinstance(value, dt.datetime):
            ts = value
        elif not isinstance(value, str):
            raise ValueError(f"expected an ISO timestamp, got {_short(value)}")
        else:
            try:
                ts = dt.datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expected an ISO timestamp, got {_short(value)}") from None
        try:
            ts = ts.astimezone(dt.timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts
        except OverflowError:
            ts = None
        if ts is None or not FIRST_TS <= ts <= LAST_TS:
            raise ValueError(f"{_short(value)} is outside {FIRST_TS:%Y-%m-%d}..{LAST_TS:%Y-%m-%d} (UTC)")
        return ts
    raise AssertionError(kind)


def normalize_row(row: dict[str, Any], *, imported_from: str | None = None) -> dict[str, Any]:
    """A complete, validated row (every column; ``result_id`` computed). Raises ValueError('field: why')."""
    out: dict[str, Any] = {}
    for column, kind in ALL_COLUMNS:
        if column == "result_id":
            continue
        try:
            out[column] = _coerce(column, kind, row.get(column))
        except ValueError as exc:
            raise ValueError(f"{column}: {exc}") from None
    for column in REQUIRED:
        if out.get(column) in (None, ""):
            raise ValueError(f"{column}: missing")
    if out["status"] not in STATUSES:
        raise ValueError(f"status: {out['status']!r} is not one of {', '.join(STATUSES)}")
    if out["verdict"] is not None and out["verdict"] not in VERDICTS:
        raise ValueError(f"verdict: {out['verdict']!r} is not one of {', '.join(VERDICTS)}")
    if imported_from is not None:
        out["imported_from"] = imported_from
    out["result_id"] = result_id(out)
    return out


def _db_value(kind: str, value: Any) -> Any:
    if value is not None and kind == _JSON:
        return json.dumps(value, sort_keys=True, default=str)
    return value


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
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany(sql, [[_db_value(KINDS[c], r[c]) for c in COLUMNS] for r in clean])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
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
            raise BenchFileError(f"{path}: field {key!r} must be text, got {_short(meta[key])}")
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
