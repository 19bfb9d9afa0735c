"""ClickHouse sources at scale: 50 frameworks x 10 years, first backfill and a daily refresh.

    .venv/bin/python -m perf.clickhouse_scale [--frameworks 50] [--years 10] [--json OUT.json]

Builds, in a temporary directory (never the user's database or config), a chDB-backed fake
ClickHouse HTTP server (fakes/clickhouse.py: the documented schemas on a real ClickHouse engine,
with the public playground's ``demo`` limits: 1,000 rows and 10 MB per answer, answers cut silently
unless asked to throw, a read cap; the events table sorted by repository id and padded past the cap)
holding SYNTHETIC data generated in SQL: two PyPI projects per framework with
a row per day for ``--years`` years, GitHub events for one repository per framework (plus a
former name for every fifth one) with 20-80 events of each counted kind per month, and package
metadata (uploads with requires_dist naming the frameworks' packages). Then it runs
``fwpulse refresh --source clickpy --source gharchive --backfill`` through the real refresh
code into a fresh DuckDB file, one more day arrives, and a plain refresh runs again.

Reported per run: ClickHouse queries and HTTP requests sent, rows and bytes the engine read,
observations stored, wall seconds, and the largest answer's rows and bytes (in memory, as the server's
``max_result_rows`` / ``max_result_bytes`` count them, and as JSON on the wire) against the limits. Next to it, the per-framework API approach for the same
frameworks, MODELLED from the documented limits (not measured): pypistats keeps 180 days and asks
for 2 s between requests (CHANGES-2026-11 item 9); GitHub's search API answers 30 requests a
minute, one request per repository, month and count (issues opened/closed, PRs opened/merged);
star history pages hold 30 weeks; forks have no history endpoint at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

UPLOADS = 200_000  # SYNTHETIC package uploads (the dependents query reads them all, as it reads pypi.projects)


def _registry_toml(n: int) -> str:
    out = []
    for i in range(n):
        out.append(
            f'[frameworks.fw{i:02d}]\nname = "Synthetic {i:02d}"\ngithub = "org{i:02d}/repo{i:02d}"\n'
            f'pypi = ["pkg{i:02d}", "pkg{i:02d}-extra"]\n'
        )
        if i % 5 == 0:
            out.append(f'github_aliases = ["oldorg{i:02d}/repo{i:02d}"]\n')
    return "\n".join(out)


def _fill(engine, n: int, first: dt.date, last: dt.date) -> dict[str, int]:
    """SYNTHETIC rows generated inside the engine (``engine``: runs one SQL statement as the owner); returns row counts."""
    days = (last - first).days + 1
    engine(f"""
        INSERT INTO pypi.pypi_downloads_per_day
        SELECT toDate('{first}') + d AS date,
               concat('pkg', leftPad(toString(f), greatest(2, length(toString(f))), '0'), if(p = 1, '-extra', '')) AS project,
               toInt64(1000 * (f + 1) + d * (p + 1) + (d * 7919 + f) % 997) AS count
        FROM (SELECT number AS d FROM numbers({days})) AS t CROSS JOIN (SELECT number AS f FROM numbers({n})) AS u CROSS JOIN (SELECT number AS p FROM numbers(2)) AS v""")
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    engine(f"""
        INSERT INTO github.github_events (event_type, action, repo_name, repo_id, actor_login, created_at, number, merged, file_time)
        SELECT ['WatchEvent','ForkEvent','IssuesEvent','IssuesEvent','PullRequestEvent','PullRequestEvent'][k + 1] AS event_type,
               ['started','none','opened','closed','opened','closed'][k + 1] AS action,
               if(f % 5 = 0 AND m < {months // 2}, concat('oldorg', leftPad(toString(f), greatest(2, length(toString(f))), '0'), '/repo', leftPad(toString(f), greatest(2, length(toString(f))), '0')),
                  concat('org', leftPad(toString(f), greatest(2, length(toString(f))), '0'), '/repo', leftPad(toString(f), greatest(2, length(toString(f))), '0'))) AS repo_name,
               toString(70000000 + f) AS repo_id,
               concat('user', toString(e % 13)) AS actor_login,
               toDateTime(addMonths(toStartOfMonth(toDate('{first}')), m)) + e * 3600 AS created_at,
               toUInt32(e) AS number, toUInt8(k = 5 AND e % 3 != 0) AS merged,
               toDateTime(addMonths(toStartOfMonth(toDate('{first}')), m)) AS file_time
        FROM (SELECT number AS m FROM numbers({months})) AS a CROSS JOIN (SELECT number AS f FROM numbers({n})) AS b CROSS JOIN (SELECT number AS k FROM numbers(6)) AS c
             CROSS JOIN (SELECT number AS e FROM numbers(80)) AS d
        WHERE e < 20 + (m * 7 + f * 3 + k) % 61
          AND toDateTime(addMonths(toStartOfMonth(toDate('{first}')), m)) + e * 3600 < toDateTime('{last}')""")
    engine(f"""
        INSERT INTO pypi.projects
        SELECT concat('dependent', toString(number % 5000)) AS name, toString(number) AS version,
               [concat('pkg', leftPad(toString(number % {n}), greatest(2, length(toString(number % {n}))), '0'), '>=1.0'), 'numpy'] AS requires_dist,
               toDateTime64(toDateTime('{first}') + (number * 86413) % ({days} * 86400), 3) AS upload_time,
               'synthetic' AS summary, [] AS classifiers
        FROM numbers({UPLOADS})""")
    counts = {}
    for table in ("pypi.pypi_downloads_per_day", "github.github_events", "github.repo_name_to_id", "pypi.projects"):
        counts[table] = int(engine(f"SELECT count() FROM {table}").bytes().decode().strip())
    return counts


def _events(n: int, years: int) -> int:
    """How many SYNTHETIC events :func:`_fill` writes at most (the read cap is set from it)."""
    return n * years * 12 * 6 * 80


def _run(label, settings, registry, fake, backfill, limits):
    from fwpulse.collectors.refresh import refresh
    from fwpulse.data import db

    before = len(fake.received)
    t0 = time.monotonic()
    outcomes = refresh(settings, registry, sources=["clickpy", "gharchive"], backfill=backfill)
    wall = time.monotonic() - t0
    with db.reading(settings.db_path) as con:
        ledger = con.execute("SELECT source, details FROM runs ORDER BY run_id DESC LIMIT 2").fetchall()
    read_rows = sum(json.loads(d).get("clickhouse_read_rows", 0) for _, d in ledger)
    read_bytes = sum(json.loads(d).get("clickhouse_read_bytes", 0) for _, d in ledger)
    answers = [fake.result_bytes(r) for r in fake.received[before:]]
    largest_rows = max((r for r, _ in answers), default=0)
    largest_bytes = max((b for _, b in answers), default=0)
    return {
        "run": label,
        "status": {o.source: o.status for o in outcomes},
        "errors": {o.source: o.error for o in outcomes if o.error},
        "clickhouse_queries": len(fake.received) - before,
        "http_requests": sum(o.requests for o in outcomes),
        "rows_stored": sum(o.rows_written for o in outcomes),
        "rows_unchanged": sum(o.rows_unchanged for o in outcomes),
        "engine_rows_read": read_rows,
        "engine_bytes_read": read_bytes,
        "largest_answer_rows": largest_rows,
        "largest_answer_rows_vs_limit": f"{largest_rows:,} / {limits.max_result_rows:,}",
        "largest_answer_bytes_in_memory": largest_bytes,
        "largest_answer_bytes_vs_limit": f"{largest_bytes / 1e6:.2f} MB / {limits.max_result_bytes / 1e6:.0f} MB",
        "largest_answer_json_bytes": max((a["bytes"] for a in fake.answers[-len(answers) :]), default=0)
        if answers
        else 0,
        "answers_split": {source: json.loads(d).get("clickhouse_answers_split") for source, d in ledger},
        "wall_s": round(wall, 2),
    }


def api_model(n: int, years: int, packages_per_fw: int = 2) -> dict[str, object]:
    months, weeks = years * 12, years * 52
    search = 4 * months * n
    star_pages = n * -(-weeks // 30)
    pypistats = n * packages_per_fw
    return {
        "first_backfill": {
            "github_search_requests": search,
            "github_search_minutes_at_30_per_min": round(search / 30, 1),
            "star_history_requests": star_pages,
            "pypistats_requests": pypistats,
            "pypistats_seconds_at_2s_spacing": pypistats * 2,
            "history_reachable": "downloads: last 180 days only; forks and stars given per month: none "
            "(no endpoint); stars: still-held stars only",
        },
        "daily_refresh": {
            "github_search_requests": 4 * n,
            "github_search_minutes_at_30_per_min": round(4 * n / 30, 1),
            "pypistats_requests": pypistats,
            "pypistats_seconds_at_2s_spacing": pypistats * 2,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frameworks", type=int, default=50)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = ap.parse_args()
    from fakes.clickhouse import DemoProfile, FakeClickHouse, Synthetic
    from fwpulse.data.bootstrap import ensure_database
    from fwpulse.data.registry import parse_registry
    from fwpulse.data.settings import Settings

    today = dt.datetime.now(dt.UTC).date()
    first = today.replace(year=today.year - args.years)
    # The read cap scaled like the playground's (10 billion rows on a 10.5-billion-row table): above what
    # the tracked repositories hold, below the padded table.
    events = _events(args.frameworks, args.years)
    limits = DemoProfile(max_rows_to_read=2 * (events + UPLOADS))
    t0 = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="fwpulse-chscale-") as tmp,
        FakeClickHouse(Synthetic(), profile=limits, pad_events=int(2.5 * events)) as fake,
    ):
        counts = _fill(fake.admin, args.frameworks, first, today - dt.timedelta(days=2))
        fake.admin("OPTIMIZE TABLE github.github_events FINAL")
        load_s = time.monotonic() - t0
        cfg = Path(tmp) / "frameworks.toml"
        cfg.write_text(_registry_toml(args.frameworks))
        registry = parse_registry(cfg.read_text(), cfg)
        settings = Settings(db_path=Path(tmp) / "bench.duckdb", config_path=cfg, clickhouse_url=fake.url)
        t0 = time.monotonic()
        ensure_database(settings.db_path)
        runs = [_run("first backfill", settings, registry, fake, True, limits)]
        # one more day arrives, then the daily refresh
        fake.admin(f"""INSERT INTO pypi.pypi_downloads_per_day
            SELECT toDate('{today - dt.timedelta(days=1)}'), concat('pkg', leftPad(toString(number), greatest(2, length(toString(number))), '0')), 1234
            FROM numbers({args.frameworks})""")
        runs.append(_run("daily refresh (next day's data arrived)", settings, registry, fake, False, limits))
        runs.append(_run("same-day repeat", settings, registry, fake, False, limits))
    report = {
        "frameworks": args.frameworks,
        "years": args.years,
        "synthetic_rows_in_engine": counts,
        "engine_load_s": round(load_s, 1),
        "limits": {
            "max_result_rows": limits.max_result_rows,
            "max_result_bytes": limits.max_result_bytes,
            "max_rows_to_read (scaled)": limits.max_rows_to_read,
        },
        "runs": runs,
        "per_framework_api_model": api_model(args.frameworks, args.years),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
