"""The ClickHouse sources against the playground as it defines itself: one ``fwpulse refresh --backfill``
for 22 PyPI packages with ten years each and a renamed repository, on the fake with the ``demo``
profile (1,000 rows / 10 MB per answer, a read cap, answers cut silently unless asked to throw).
Expected values are computed here from the SYNTHETIC rows, never by the collectors' code."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import duckdb
import pytest

pytest.importorskip("chdb")

from fakes.clickhouse import FakeClickHouse, Synthetic

D, T = dt.date, dt.datetime
TODAY = dt.datetime.now(dt.UTC).date()  # refresh reads the clock
FRONTIER = TODAY - dt.timedelta(days=1)  # the newest day the dataset holds: still being ingested
FIRST = TODAY.replace(year=TODAY.year - 10)

PACKAGES = {  # framework -> (PyPI packages, repository, former names)
    "pytorch": (["torch", "torchvision", "torchaudio", "torchtext", "torchdata"], "pytorch/pytorch", []),
    "tensorflow": (
        ["tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-keras", "tensorboard"],
        "tensorflow/tensorflow",
        [],
    ),
    "jax": (["jax", "jaxlib", "flax", "optax"], "jax-ml/jax", ["google/jax"]),
    "keras": (["keras", "keras-nightly", "keras-cv", "keras-nlp"], None, []),
    "mxnet": (["mxnet", "gluonnlp"], None, []),
    "paddle": (["paddlepaddle", "paddlepaddle-gpu"], None, []),
}
REPO_IDS = {
    "pytorch/pytorch": "65600975",
    "tensorflow/tensorflow": "45717250",
    "google/jax": "154739597",
    "jax-ml/jax": "154739597",
}
RENAMED = D(2024, 8, 1)  # google/jax -> jax-ml/jax
KINDS = [  # (event_type, action, merged) and the metric each counts in
    ("WatchEvent", "started", 0, "gharchive.stars_given"),
    ("ForkEvent", "none", 0, "gharchive.forks"),
    ("IssuesEvent", "opened", 0, "gharchive.issues_opened"),
    ("IssuesEvent", "closed", 0, "gharchive.issues_closed"),
    ("PullRequestEvent", "opened", 0, "gharchive.prs_opened"),
    ("PullRequestEvent", "closed", 1, "gharchive.prs_merged"),
    ("PullRequestEvent", "closed", 0, None),
    ("PushEvent", "none", 0, None),
]


def _days(first, last):
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def _months(first, last):
    m = first.replace(day=1)
    while m <= last:
        yield m
        m = (m + dt.timedelta(days=32)).replace(day=1)


def downloads():
    """SYNTHETIC (project, day) -> downloads: every package from its own first day to the frontier."""
    truth = {}
    projects = [p for pkgs, _, _ in PACKAGES.values() for p in pkgs]
    for i, p in enumerate(projects):
        start = FIRST + dt.timedelta(days=(i * 97) % 900)
        for d in _days(start, FRONTIER):
            truth[(p, d)] = 1000 * (i + 1) + d.toordinal() % 971
    return truth


def events():
    """SYNTHETIC events, ten years per repository; JAX's under its old name before the rename."""
    out = []
    for r, repo in enumerate(["pytorch/pytorch", "tensorflow/tensorflow", "jax-ml/jax"]):
        for m, month in enumerate(_months(FIRST, TODAY)):
            name = "google/jax" if repo == "jax-ml/jax" and month < RENAMED else repo
            for k, (etype, action, merged, _) in enumerate(KINDS):
                for n in range((m * 7 + k * 3 + r) % 5 + 1):
                    when = T.combine(month, dt.time(1)) + dt.timedelta(days=n * 5, minutes=k)
                    if when.date() < TODAY:
                        out.append((etype, action, name, when, merged))
    return out


def registry_toml() -> str:
    blocks = []
    for fid, (pkgs, repo, former) in PACKAGES.items():
        block = f'[frameworks.{fid}]\nname = "{fid}"\npypi = {json.dumps(pkgs)}\n'
        if repo:
            block += f'github = "{repo}"\n'
        if former:
            block += f"github_aliases = {json.dumps(former)}\n"
        blocks.append(block)
    return "\n".join(blocks)


def expected_downloads(truth):
    """framework -> (daily, complete monthly) as the dataset defines them: days up to the one before the frontier."""
    last = FRONTIER - dt.timedelta(days=1)
    out = {}
    for fid, (pkgs, _, _) in PACKAGES.items():
        first = min(d for (p, d) in truth if p in pkgs)
        daily = {d: float(sum(truth.get((p, d), 0) for p in pkgs)) for d in _days(first, last)}
        monthly = {}
        for m in _months(first, last):
            end = (m + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            if end <= last:
                monthly[m] = float(sum(v for d, v in daily.items() if d.replace(day=1) == m))
        out[fid] = (daily, monthly)
    return out


def expected_events(evs):
    out: dict[tuple[str, str, D], float] = {}
    for fid, (_, repo, former) in PACKAGES.items():
        if not repo:
            continue
        names = {repo, *former}
        for etype, action, name, when, merged in evs:
            if name not in names:
                continue
            for k_type, k_action, k_merged, metric in KINDS:
                if metric and (etype, action) == (k_type, k_action) and (k_merged == 0 or merged == 1):
                    key = (fid, metric, when.date().replace(day=1))
                    out[key] = out.get(key, 0.0) + 1
    return out


def _rows(db, source):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT framework, metric, date, value, quality FROM metric_values WHERE source = ?", [source]
        ).fetchall()


def _run(tmp_path, fake, *args):
    cfg = tmp_path / "frameworks.toml"
    cfg.write_text(registry_toml())
    env = {
        **os.environ,
        "FWPULSE_DB": str(tmp_path / "fw.duckdb"),
        "FWPULSE_CONFIG": str(cfg),
        "FWPULSE_CLICKHOUSE_URL": fake.url,
    }
    return subprocess.run(
        [sys.executable, "-m", "fwpulse", "refresh", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def playground():
    truth, evs = downloads(), events()
    data = Synthetic(downloads=[(d, p, v) for (p, d), v in truth.items()], events=evs, repo_ids=REPO_IDS)
    with FakeClickHouse(data) as fake:
        yield fake, truth, evs


@pytest.mark.slow
def test_one_backfill_stores_every_day_and_month_exactly_within_the_playgrounds_limits(playground, tmp_path):
    fake, truth, evs = playground
    assert len(truth) > 20 * 3000  # 22 packages, most with ten years of days
    before = len(fake.received)
    res = _run(tmp_path, fake, "--source", "clickpy", "--source", "gharchive", "--backfill")
    assert res.returncode == 0, res.stdout + res.stderr
    sent = fake.received[before:]
    assert all(r.settings == {"result_overflow_mode": "throw", "read_overflow_mode": "throw"} for r in sent)
    assert max(a["rows"] for a in fake.answers[-len(sent) :]) <= 1000

    rows = _rows(tmp_path / "fw.duckdb", "clickpy")
    want = expected_downloads(truth)
    for fid, (daily, monthly) in want.items():
        got_daily = {d: v for f, m, d, v, _ in rows if f == fid and m == "pypi.downloads_daily_all"}
        got_monthly = {d: v for f, m, d, v, _ in rows if f == fid and m == "pypi.downloads_monthly_all"}
        assert got_daily == daily, fid  # every day, exactly: nothing cut, nothing missing
        assert got_monthly == monthly, fid
    assert len([r for r in rows if r[1] == "pypi.downloads_daily_all"]) > 6 * 3000

    stored = {(f, m, d): v for f, m, d, v, _ in _rows(tmp_path / "fw.duckdb", "gharchive")}
    counted = expected_events(evs)
    current = TODAY.replace(day=1)
    for fid in ("pytorch", "tensorflow", "jax"):
        for metric in {k[3] for k in KINDS if k[3]}:
            months = {d: v for (f, m, d), v in stored.items() if f == fid and m == metric}
            first = min(d for (f, m, d) in counted if f == fid)
            last = D(2025, 9, 1) if metric == "gharchive.prs_merged" else current
            assert sorted(months) == list(_months(first, min(last, current))), (fid, metric)
            assert months == {d: counted.get((fid, metric, d), 0.0) for d in months}, (fid, metric)
    jax_before_rename = stored[("jax", "gharchive.forks", RENAMED.replace(year=RENAMED.year - 1))]
    assert jax_before_rename > 0  # counted under the old name, through the one repository id

    with duckdb.connect(str(tmp_path / "fw.duckdb"), read_only=True) as con:
        ledger = dict(con.execute("SELECT source, details FROM runs").fetchall())
    clickpy = json.loads(ledger["clickpy"])
    assert clickpy["clickhouse_queries"] == 2 and "clickhouse_answers_split" not in clickpy  # downloads, dependents
    assert clickpy["clickhouse_largest_answer_rows"] <= 1000
    gh = json.loads(ledger["gharchive"])
    assert gh["clickhouse_queries"] == 2 and gh["clickhouse_read_rows"] < fake.profile.max_rows_to_read / 2


@pytest.mark.slow
def test_an_answer_too_large_for_the_limits_fails_loudly_and_stores_nothing_short(playground, tmp_path, monkeypatch):
    """The old flat daily shape (one row per project and day) against the same playground: one line
    naming the limit, nothing stored from that source, the other source still collected."""
    from fwpulse.collectors import clickpy
    from fwpulse.collectors.refresh import refresh
    from fwpulse.data.registry import parse_registry
    from fwpulse.data.settings import load_settings

    fake, _, _ = playground
    flat = (
        "SELECT project, date, sum(count) AS downloads FROM {db:Identifier}.{table:Identifier} "
        "WHERE project IN {projects:Array(String)} AND date >= {since:Map(String, Date)}[project] "
        "AND date < {until:Date} GROUP BY project, date ORDER BY project, date"
    )
    monkeypatch.setattr(clickpy, "DOWNLOADS_SQL", flat)
    cfg = tmp_path / "frameworks.toml"
    cfg.write_text(registry_toml())
    monkeypatch.setenv("FWPULSE_DB", str(tmp_path / "fw.duckdb"))
    monkeypatch.setenv("FWPULSE_CLICKHOUSE_URL", fake.url)
    outcomes = {
        o.source: o
        for o in refresh(load_settings(), parse_registry(cfg.read_text(), cfg), ["clickpy", "gharchive"], backfill=True)
    }
    failed = outcomes["clickpy"]
    assert failed.status == "failed" and failed.rows_written == 0
    assert "396" in failed.error and "max_result_rows" in failed.error and "--framework" in failed.error
    assert "\n" not in failed.error
    assert outcomes["gharchive"].status == "ok"
    assert _rows(tmp_path / "fw.duckdb", "clickpy") == []
