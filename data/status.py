"""What `fwpulse status` reports: database facts, row counts, freshness per source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import db, read, store


def collect_status(path: Path) -> dict[str, Any]:
    now = store.utcnow()
    with db.reading(path) as con:
        version = db.schema_version(con)
        counts = store.row_counts(con)
        sources = read.source_blocks(con, now)   # the same block the dashboard's Data health shows
        history_rows = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
        events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]

    def by(col: str) -> dict[str, int]:
        return {k: int(v) for k, v in counts.groupby(col)["rows"].sum().sort_index().items()}

    return {
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
        "rows": [{**{k: (str(v) if k.endswith("_date") else v) for k, v in r.items()}, "rows": int(r["rows"])}
                 for r in counts.to_dict("records")],
        "sources": sources,
    }


def render_status(info: dict[str, Any]) -> str:
    lines = [f"database  {info['db_path']}  ({info['db_size_bytes'] / 1e6:.1f} MB, schema v{info['schema_version']})",
             f"values    {info['rows_total']} in metric_values, {info['history_rows']} in history, {info['events']} events",
             "", "rows by framework:"]
    lines += [f"  {k:<16} {v:>7}" for k, v in info["rows_by_framework"].items()]
    lines += ["", "rows by metric:"]
    lines += [f"  {k:<40} {v:>7}" for k, v in info["rows_by_metric"].items()]
    lines += ["", "sources (last run):"]
    for s in info["sources"]:
        ok = f"last ok {s['last_ok_at']} ({s['last_ok_age']} ago)" if s["last_ok_at"] else "never ok"
        err = f"  - {s['last_error']}" if s["last_error"] and s["last_status"] != "ok" else ""
        lines.append(f"  {s['source']:<14} {s['last_status']:<8} {ok}{err}")
    return "\n".join(lines)
