"""One benchmark result row: the ``bench_results`` columns, their kinds and ranges, and validation.

:func:`normalize_row` is the gate every row passes, whether written by ``fwpulse bench``, read from a
results file or imported: every column present, each value of its column's kind and range, the
required keys filled, and the deterministic ``result_id`` computed from the key fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from typing import Any

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


def result_id(row: dict[str, Any]) -> str:
    key = "\x1f".join(str(row.get(k) or "") for k in KEY_FIELDS)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def short_repr(value: Any) -> str:
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
            raise ValueError(f"expected an integer, got {short_repr(value)}")
        low, high = INT_RANGES.get(column, (-(2**63), 2**63 - 1))
        if not low <= value <= high:
            raise ValueError(f"{short_repr(value)} is outside {low}..{high}")
        return int(value)
    if kind == _FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {short_repr(value)}")
        try:
            value = float(value)
        except OverflowError:
            raise ValueError(f"{short_repr(value)} is too large for a number column") from None
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
            raise ValueError(f"expected an ISO timestamp, got {short_repr(value)}")
        else:
            try:
                ts = dt.datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expected an ISO timestamp, got {short_repr(value)}") from None
        try:
            ts = ts.astimezone(dt.timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts
        except OverflowError:
            ts = None
        if ts is None or not FIRST_TS <= ts <= LAST_TS:
            raise ValueError(f"{short_repr(value)} is outside {FIRST_TS:%Y-%m-%d}..{LAST_TS:%Y-%m-%d} (UTC)")
        return ts
    raise AssertionError(kind)


def db_value(kind: str, value: Any) -> Any:
    """A normalised value as the table stores it (JSON objects as sorted JSON text)."""
    if value is not None and kind == _JSON:
        return json.dumps(value, sort_keys=True, default=str)
    return value


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
