"""What `fwpulse status` reports: database facts, row counts, freshness per source.

:func:`collect_status` returns only str, int, bool, None, lists and dicts (NaN, NaT and infinities
become None), so ``json.dumps`` of it is strict JSON whatever the ledger holds, e.g. after a failed
refresh; :func:`status_json` is that text. :func:`render_status` is the text form: database, rows
per source, per quality flag, per framework and per metric, and the last run per source.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from fwpulse.data import db, ledger, read, store


def collect_status(path: Path) -> dict[str, Any]:
    now = store.utcnow()
    with db.reading(path) as con:
        version = db.schema_version(con)
        counts = read.row_counts(con)
        sources = ledger.source_blocks(con, now)  # the same block the dashboard's Data health shows
        history_rows = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
        events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        quality = con.execute(
            "SELECT quality, count(*) FROM metric_values GROUP BY quality ORDER BY quality"
        ).fetchall()

    def by(col: str) -> dict[str, int]:
        return {k: int(v) for k, v in counts.groupby(col)["rows"].sum().sort_index().items()}

    return strict(
        {
            "db_path": str(path),
            "db_size_bytes": Path(path).stat().st_size,
            "schema_version": version,
            "schema_version_latest": db.latest_version(),
            "rows_total": int(counts["rows"].sum()) if len(counts) else 0,
            "history_rows": int(history_rows),
            "events": int(events),
            "rows_by_source": by("source"),
            "rows_by_framework": by("framework"),
            "rows_by_metric": by("metric"),
            "rows_by_quality": {str(q): int(n) for q, n in quality},
            "rows": [
                {**{k: (_day(v) if k.endswith("_date") else v) for k, v in r.items()}, "rows": int(r["rows"])}
                for r in counts.to_dict("records")
            ],
            "sources": sources,
        }
    )


def _day(value: Any) -> str | None:
    """A metric's date as ISO ``YYYY-MM-DD`` (metric dates are days; the frame holds them as Timestamps)."""
    if value is None or str(value) in ("NaT", "None"):
        return None
    return value.date().isoformat() if hasattr(value, "date") else str(value)


def _block(counts: dict[str, int]) -> list[str]:
    """``counts`` as aligned lines: names padded to the longest one, numbers right-aligned."""
    width = max((len(k) for k in counts), default=0)
    digits = max((len(f"{v:,}") for v in counts.values()), default=0)
    return [f"  {k:<{width}}  {v:>{digits},}" for k, v in counts.items()]


def strict(value: Any) -> Any:
    """``value`` with only JSON-safe leaves: non-finite floats, NaN/NaT and missing values become None,
    timestamps and dates ISO text, numpy scalars plain Python numbers."""
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    if value is None or isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item") and not isinstance(value, (int, float)):  # numpy scalar
        value = value.item()
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if str(value) in ("NaT", "nan", "NaN", "None", "<NA>"):
        return None
    if hasattr(value, "isoformat"):  # datetimes and Timestamps 2026-12-04T06:00:01, dates 2026-12-04 (as `sql` writes)
        return value.isoformat()
    return str(value)


def status_json(info: dict[str, Any]) -> str:
    """Strict JSON (``allow_nan=False``: a non-finite number is an error here, never 'NaN' in the output)."""
    return json.dumps(strict(info), indent=2, allow_nan=False)


def render_status(info: dict[str, Any]) -> str:
    lines = [
        f"database  {info['db_path']}  ({info['db_size_bytes'] / 1e6:.1f} MB, schema v{info['schema_version']})",
        f"values    {info['rows_total']} in metric_values, {info['history_rows']} in history, {info['events']} events",
        "",
        "rows by source:",
    ]
    lines += _block(info["rows_by_source"])
    lines += ["", "rows by quality (docs/data.md, 'Data quality'):"]
    lines += _block(info.get("rows_by_quality", {}))
    lines += ["", "rows by framework:"]
    lines += _block(info["rows_by_framework"])
    lines += ["", "rows by metric:"]
    lines += _block(info["rows_by_metric"])
    lines += ["", "sources (last run):"]
    width = max((len(s["source"]) for s in info["sources"]), default=0)
    for s in info["sources"]:
        ok = f"last ok {s['last_ok_at']} ({s['last_ok_age']} ago)" if s["last_ok_at"] else "never ok"
        err = f"  - {s['last_error']}" if s["last_error"] and s["last_status"] != "ok" else ""
        lines.append(f"  {s['source']:<{width}}  {s['last_status']:<8} {ok}{err}")
    return "\n".join(lines)
