"""A database with every source filled: the bundled snapshot plus TEST DATA for the live-only metrics.

The extra rows are written through ``store.record_run`` exactly as collectors write them (same
metric ids, method formats, run ledger details), with realistic magnitudes, and labelled
``source = "test fixture (not real data)"`` so nobody mistakes them for measurements.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from fwpulse.data import db, store
from fwpulse.data.store import Observation, RunRecord

FIXTURE = "test fixture (not real data)"
TRENDS_METHOD = "Google Trends interest_over_time, batches rescaled to batch 1 through a shared anchor term"
BUNDLED_BENCH = Path(__file__).resolve().parents[2] / "data" / "snapshot" / "bench"
MAIN = ("pytorch", "tensorflow", "keras", "jax")


def _months(start: dt.date, n: int) -> list[dt.date]:
    out, y, m = [], start.year, start.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def _obs(fid, metric, date, value, method, url=None):
    return Observation(fid, metric, date, float(value), FIXTURE, method, url)


def live_observations() -> dict[str, list[Observation]]:
    months = _months(dt.date(2023, 1, 1), 46)  # 2023-01 .. 2026-10
    today = dt.date(2026, 11, 20)
    base = {"pytorch": 1.0, "tensorflow": 0.8, "keras": 0.3, "jax": 0.25}
    gh, so, tr, py, ci = [], [], [], [], []
    for fid, k in base.items():
        gh.append(_obs(fid, "github.watchers", today, round(3200 * k), "REST subscribers_count"))
        gh.append(
            _obs(
                fid, "github.open_issues", today, round(9000 * k), "REST open_issues_count minus open PRs (search API)"
            )
        )
        gh.append(_obs(fid, "github.open_prs", today, round(4000 * k), "search API is:pr is:open"))
        gh.append(
            _obs(fid, "github.open_issues_incl_prs", today, round(13000 * k), "REST open_issues_count (includes PRs)")
        )
        gh.append(_obs(fid, "github.closed_issues", today, round(40000 * k), "search API is:issue is:closed"))
        for i, m in enumerate(months):
            gh.append(_obs(fid, "github.issues_opened", m, round(900 * k + 10 * i), "search API created: window"))
            gh.append(_obs(fid, "github.issues_closed", m, round(850 * k + 12 * i), "search API closed: window"))
            so.append(
                _obs(
                    fid,
                    "stackoverflow.questions_monthly",
                    m,
                    round(1500 * k * (1 - i / 80)),
                    "/questions filter=total fromdate..todate",
                )
            )
            so.append(
                _obs(
                    fid,
                    "stackoverflow.questions_share",
                    m,
                    round(0.9 * k * (1 + i / 60), 4),
                    "questions_monthly / all questions that month x 100",
                )
            )
        so.append(_obs(fid, "stackoverflow.questions_total", today, round(90000 * k), "/tags/{tags}/info count"))
        for w in range(0, 40):
            gh.append(
                _obs(
                    fid,
                    "github.stars_added",
                    dt.date(2026, 2, 1) + dt.timedelta(weeks=w),
                    round(400 * k + (w % 5) * 10),
                    "stars still held today, by the week they were given",
                )
            )
        # Trends: two batches around the anchor 'Python' (as the collector writes method and details).
        batch, scale = (1, 1.0) if fid in ("pytorch", "tensorflow", "keras") else (2, 0.8123)
        term = {"pytorch": "PyTorch", "tensorflow": "TensorFlow", "keras": "Keras", "jax": "JAX"}[fid]
        for w in range(0, 150, 7):
            d = dt.date(2024, 1, 7) + dt.timedelta(days=w)
            raw = round(60 * k + (w % 21) / 3)
            tr.append(
                Observation(
                    fid,
                    "trends.interest",
                    d,
                    float(raw * scale),
                    FIXTURE,
                    TRENDS_METHOD,
                    None,
                    details={
                        "term": term,
                        "timeframe": "today 5-y",
                        "geo": "",
                        "batch": batch,
                        "batches": 2,
                        "anchor": "Python",
                        "scale": scale,
                        "raw": raw,
                    },
                )
            )
        for d in range(60):
            day = dt.date(2026, 9, 1) + dt.timedelta(days=d)
            py.append(
                _obs(
                    fid,
                    "pypi.downloads_daily",
                    day,
                    round(2_500_000 * k + 1000 * (d % 7)),
                    "pypistats overall mirrors=false",
                )
            )
        # September 2026 is complete in the daily rows: the pypistats monthly sum the collector stores.
        py.append(
            _obs(
                fid,
                "pypi.downloads_monthly",
                dt.date(2026, 9, 1),
                sum(round(2_500_000 * k + 1000 * (d % 7)) for d in range(30)),
                "pypistats /overall, mirrors excluded, daily downloads summed over the calendar month",
            )
        )
        if fid in ("pytorch", "tensorflow"):
            for y in range(2017, 2027):
                ci.append(
                    _obs(
                        fid,
                        "citations.yearly",
                        dt.date(y, 1, 1),
                        round(3000 * k * (y - 2015)),
                        "OpenAlex counts_by_year",
                    )
                )
            ci.append(_obs(fid, "citations.total", today, round(60000 * k), "OpenAlex cited_by_count"))
    return {
        "github": gh,
        "stackoverflow": so,
        "trends": tr,
        "pypi": py,
        "citations": ci,
        "clickpy": clickpy_observations(),
        "gharchive": gharchive_observations(),
        "research": research_observations(),
        "hfhub": hfhub_observations(),
    }


def research_observations() -> list[Observation]:
    """OpenAlex yearly counts 2015..2026 (2026 partial), per framework and scope, and the two denominators."""
    out, share = [], {"pytorch": 0.02, "tensorflow": 0.015, "keras": 0.008, "jax": 0.002}
    method = "OpenAlex works group_by=publication_year, {} (test fixture), primary_topic.subfield.id:1702"
    for y in range(2015, 2027):
        day = dt.date(y, 1, 1)
        quality = "partial_period" if y == 2026 else "ok"
        details = {"reason": "current year", "period_end": "2026-11-20"} if y == 2026 else None
        ai, full = 40_000 + 9_000 * (y - 2015), 12_000 + 2_000 * (y - 2015)
        out.append(
            Observation(
                "_all", "research.papers_ai", day, ai, FIXTURE, method.format("all"), None, None, quality, details
            )
        )
        out.append(
            Observation(
                "_all",
                "research.papers_ai_fulltext",
                day,
                full,
                FIXTURE,
                method.format("has_fulltext"),
                None,
                None,
                quality,
                details,
            )
        )
        for fid, k in share.items():
            grow = 1 + (y - 2015) / 4 if fid != "tensorflow" else 1 + (4 - abs(2019 - y)) / 8
            for metric, scope, base in (
                ("research.papers_mentioning", "fulltext.search.exact", full),
                ("research.papers_mentioning_abstract", "title_and_abstract.search.exact", ai / 10),
            ):
                out.append(
                    Observation(
                        fid,
                        metric,
                        day,
                        round(base * k * grow),
                        FIXTURE,
                        method.format(scope),
                        None,
                        None,
                        quality,
                        details,
                    )
                )
    return out


def hfhub_observations() -> list[Observation]:
    """Hub models created per month 2022-01..2026-11 (the running month partial): per framework tag, all, untagged."""
    out, share = [], {"pytorch": 0.30, "tensorflow": 0.03, "keras": 0.02, "jax": 0.01}
    method = "Hub /api/models sorted by createdAt, {} (test fixture), counted by createdAt month"
    for i, m in enumerate(_months(dt.date(2022, 1, 1), 59)):
        quality = "partial_period" if m == dt.date(2026, 11, 1) else "ok"
        details = {"reason": "the month is not over", "period_end": "2026-11-20"} if quality != "ok" else None

        def row(fid, metric, value, what, m=m, quality=quality, details=details):
            return Observation(fid, metric, m, value, FIXTURE, method.format(what), None, None, quality, details)

        total = 10_000 + 2_500 * i
        tagged = [round(total * k * (1 - i / 120)) for k in share.values()]
        out += [row(fid, "hfhub.models_created_monthly", n, "tagged") for fid, n in zip(share, tagged)]
        out.append(row("_all", "hfhub.models_created_monthly_site", total, "all"))
        out.append(row("_all", "hfhub.models_untagged_monthly", total - sum(tagged), "untagged"))
    return out


# GH Archive months flagged as the collector flags them: outages and everything from 2025-05 are lower bounds,
# the running month (2026-11) is partial; merged PRs end with 2025-09 (the events lost their `merged` flag).
GHARCHIVE_OUTAGES = {dt.date(2019, 9, 1), dt.date(2021, 10, 1), dt.date(2021, 11, 1)}
GHARCHIVE_LOWER_FROM = dt.date(2025, 5, 1)
GHARCHIVE_MERGED_UNTIL = dt.date(2025, 10, 1)
GHARCHIVE_METRICS = {
    "gharchive.stars_given": 3000,
    "gharchive.forks": 900,
    "gharchive.issues_opened": 700,
    "gharchive.issues_closed": 650,
    "gharchive.prs_opened": 1100,
    "gharchive.prs_merged": 800,
}


def gharchive_quality(month: dt.date) -> tuple[str, dict]:
    if month >= dt.date(2026, 11, 1):
        return "partial_period", {"why": "the month is not over", "lower_bound": True}
    if month >= GHARCHIVE_LOWER_FROM:
        return "lower_bound", {"why": "GitHub's public event feed lost most events from 2025-05-23 on"}
    if month in GHARCHIVE_OUTAGES:
        return "lower_bound", {"why": "GH Archive outage (fixture)"}
    return "ok", {}


def gharchive_observations() -> list[Observation]:
    out = []
    base = {"pytorch": 1.0, "tensorflow": 0.8, "keras": 0.3, "jax": 0.25}
    for fid, k in base.items():
        for i, m in enumerate(_months(dt.date(2016, 1, 1), 131)):  # 2016-01 .. 2026-11
            quality, details = gharchive_quality(m)
            drop = 0.15 if quality != "ok" else 1.0  # the feed's collapse
            for metric, size in GHARCHIVE_METRICS.items():
                if metric == "gharchive.prs_merged" and m >= GHARCHIVE_MERGED_UNTIL:
                    continue
                out.append(
                    Observation(
                        fid,
                        metric,
                        m,
                        float(round(size * k * (1 + i / 100) * drop)),
                        FIXTURE,
                        f"GH Archive {metric} events per calendar month (fixture)",
                        None,
                        quality=quality,
                        details={"repos": [f"{fid}/{fid}"], **details},
                    )
                )
    return out


def clickpy_observations() -> list[Observation]:
    out = []
    base = {"pytorch": 1.0, "tensorflow": 0.8, "keras": 0.3, "jax": 0.25}
    for fid, k in base.items():
        for i, m in enumerate(_months(dt.date(2018, 1, 1), 106)):  # 2018-01 .. 2026-10
            out.append(
                Observation(
                    fid,
                    "pypi.downloads_monthly_all",
                    m,
                    float(round(3e7 * k * (1 + i / 20))),
                    FIXTURE,
                    "ClickHouse sum of daily downloads over the calendar month (fixture)",
                    None,
                    details={"packages": [fid]},
                )
            )
            out.append(
                Observation(
                    fid,
                    "pypi.dependents_monthly",
                    m,
                    float(round(400 * k * (1 + i / 30))),
                    FIXTURE,
                    "distinct PyPI projects releasing with a dependency (fixture)",
                    None,
                )
            )
        for d in range(400):
            day = dt.date(2025, 10, 1) + dt.timedelta(days=d)
            if day >= dt.date(2026, 11, 1):
                break
            out.append(
                Observation(
                    fid,
                    "pypi.downloads_daily_all",
                    day,
                    float(round(3e5 * k + 500 * (d % 7))),
                    FIXTURE,
                    "ClickHouse sum(count) per UTC day (fixture)",
                    None,
                )
            )
    return out


def bench_rows() -> list[dict]:
    rows = []
    fp = {
        "cpu": "Test CPU (fixture)",
        "threads": 2,
        "versions": {"torch": "2.13.0", "jax": "0.7.0"},
        "git_rev": "abc123",
    }

    def row(workload, variant, contender, framework, mode, p50, ratio, lo, hi, verdict, **over):
        r = dict(
            bench_run_id="fixture-run-1",
            suite="smoke",
            workload=workload,
            workload_label=f"{workload} fixture",
            variant=variant,
            contender=contender,
            framework=framework,
            backend=framework,
            api="native",
            mode=mode,
            tier="defaults",
            precision="fp32",
            device="cpu",
            device_name="Test CPU (fixture)",
            batch_size=128,
            status="ok",
            step_ms_p50=p50,
            step_ms_p90=p50 * 1.1,
            step_ms_p99=p50 * 1.2,
            samples_per_s=128000 / p50 if p50 else None,
            cv=0.02,
            n_repeats=5,
            n_steps=50,
            first_step_s=0.4,
            compile_s=0.0,
            n_compiles=1 if mode != "eager" else 0,
            baseline="torch-eager",
            ratio=ratio,
            ratio_ci_low=lo,
            ratio_ci_high=hi,
            verdict=verdict,
            loss_first=2.3,
            loss_last=1.9,
            loss_ok=True,
            fingerprint=fp,
            method="median of 5 blocks of 50 steps (fixture)",
            measured_at="2026-11-24T12:00:00",
        )
        r.update(over)
        return r

    rows.append(row("W1", "train b128", "torch-eager", "pytorch", "eager", 10.0, 1.0, 1.0, 1.0, None))
    rows.append(row("W1", "train b128", "torch-compile", "pytorch", "compile", 8.0, 0.8, 0.76, 0.84, "faster"))
    rows.append(row("W1", "train b128", "jax-jit", "jax", "xla", 10.2, 1.02, 0.98, 1.06, "same within ±5%"))
    rows.append(row("W1", "train b128", "tf-function", "tensorflow", "graph", 12.5, 1.25, 1.2, 1.3, "slower"))
    rows.append(row("W3", "variable", "torch-eager", "pytorch", "eager", 20.0, 1.0, 1.0, 1.0, None))
    rows.append(
        row("W3", "variable", "torch-compile", "pytorch", "compile", 35.0, 1.75, 1.6, 1.9, "slower", n_compiles=8)
    )
    rows.append(
        row(
            "W3",
            "variable",
            "tf-xla",
            "tensorflow",
            "xla",
            1.0,
            None,
            None,
            None,
            None,
            status="not_available",
            step_ms_p50=None,
            step_ms_p90=None,
            step_ms_p99=None,
            reason="No module named 'tensorflow' (fixture)",
        )
    )
    return rows


def fill(path: Path) -> None:
    collected = dt.datetime(2026, 11, 20, 6, 0)
    with db.writing(path) as con:
        for source, obs in live_observations().items():
            details = {"frameworks": list(MAIN), "backfill": True}
            if source == "github":
                details.update(
                    mode="graphql", rate_limit={"cost": 1, "remaining": 4987, "resetAt": "2026-11-20T07:00:00Z"}
                )
            if source == "stackoverflow":
                details.update(quota_remaining=251, quota_max=300, api_calls=49)
            store.record_run(
                con,
                RunRecord(source, collected, collected + dt.timedelta(seconds=30), "ok", 12, details=details),
                obs,
                collected_at=collected,
            )
        store.record_run(
            con,
            RunRecord(
                "trends",
                collected + dt.timedelta(days=1),
                collected + dt.timedelta(days=1),
                "skipped",
                3,
                error="HTTP 429 Too Many Requests from trends.google.com",
                retry_after=collected + dt.timedelta(days=1, hours=1),
            ),
        )
        from fwpulse.data import bench_store

        bench_store.write_results(con, bench_rows())


@pytest.fixture(scope="session")
def filled_db_template(snapshot_db_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("filled") / "fwpulse.duckdb"
    shutil.copy(snapshot_db_template, path)
    fill(path)
    return path


@pytest.fixture
def filled_db(filled_db_template, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "filled.duckdb"
    shutil.copy(filled_db_template, path)
    monkeypatch.setenv("FWPULSE_DB", str(path))
    return path


def bundled_bench() -> tuple[dict[str, str], list[dict]]:
    """The bundled snapshot's measured results, read straight from its JSON files (not through fwpulse code).

    Returns ({bench_run_id: file name}, rows of the newest run per (device, device model)): the rows the
    dashboard must plot on a database built from the snapshot.
    """
    files, runs = {}, {}
    for path in sorted(BUNDLED_BENCH.glob("*.json")):
        for r in json.loads(path.read_text())["results"]:
            files[r["bench_run_id"]] = path.name
            runs.setdefault(r["bench_run_id"], []).append(r)
    run_at = {run: max(r["measured_at"] for r in rows) for run, rows in runs.items()}
    newest: dict[tuple, str] = {}
    for run, rows in runs.items():
        for key in {(r["device"], r["device_name"] or "") for r in rows}:
            if key not in newest or run_at[run] > run_at[newest[key]]:
                newest[key] = run
    rows = [r for run, rs in runs.items() for r in rs if newest.get((r["device"], r["device_name"] or "")) == run]
    return {run: files[run] for run in set(newest.values())}, rows


@pytest.fixture
def bench_fixture_db(empty_db) -> Path:
    """No collected data, only the synthetic fixture bench run (the only run, so the one every view shows)."""
    from fwpulse.data import bench_store

    with db.writing(empty_db) as con:
        bench_store.write_results(con, bench_rows())
    return empty_db
