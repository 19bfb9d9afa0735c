"""clickpy source: the production SQL runs on chDB behind a fake ClickHouse HTTP server.
Expected values are computed here from the SYNTHETIC rows, never by the collector's code."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

pytest.importorskip("chdb")

from fakes.clickhouse import FakeClickHouse, Synthetic
from fwpulse.collectors import clickpy
from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.http import HttpClient
from fwpulse.collectors.refresh import refresh
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

D = dt.date
NOW = dt.datetime(2024, 3, 7, 9, 0)
FRONTIER = D(2024, 3, 5)  # newest day in the synthetic data: still being ingested
LAST_COMPLETE = D(2024, 3, 4)

TOML = """
[frameworks.pytorch]
name = "PyTorch"
pypi = ["torch"]

[frameworks.tensorflow]
name = "TensorFlow"
pypi = ["tensorflow", "tensorflow_cpu"]

[frameworks.ghost]
name = "Ghost"
pypi = ["no-such-package-xyz"]

[frameworks.nopypi]
name = "No PyPI"
"""


def _days(first, last):
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def synthetic_downloads():
    """SYNTHETIC (project, day) -> downloads, and the rows as stored (some split in two unmerged rows)."""
    truth: dict[tuple[str, dt.date], int] = {}
    for d in _days(D(2024, 1, 10), FRONTIER):
        truth[("torch", d)] = 1000 + d.toordinal() % 97
    for d in _days(D(2024, 1, 1), FRONTIER):
        truth[("tensorflow", d)] = 500 + d.day
        if d.day % 3:  # tensorflow-cpu has days without downloads (no row)
            truth[("tensorflow-cpu", d)] = 7 * d.day
        truth[("numpy", d)] = 99999  # not tracked
    rows = []
    for (p, d), v in truth.items():
        if d.day % 5 == 0:  # two rows for one key: only sum(count) is right
            rows += [(d, p, v - 11), (d, p, 11)]
        else:
            rows.append((d, p, v))
    return truth, rows


PACKAGES = [  # SYNTHETIC metadata: (name, version, requires_dist, upload_time)
    ("lib-a", "1.0", ["torch>=2.0", "numpy"], dt.datetime(2024, 1, 5, 10)),
    ("lib-a", "1.1", ["torch (>=2.1)"], dt.datetime(2024, 1, 20, 10)),  # same project, same month: once
    ("Lib_B", "0.1", ["tensorflow[and-cuda]>=2.15; extra == 'gpu'", "tensorflow-cpu"], dt.datetime(2024, 1, 8)),
    ("lib-c", "2.0", ["Tensorflow_CPU ; python_version < '3.12'"], dt.datetime(2024, 2, 2)),
    ("lib-d", "0.3", ["torchvision"], dt.datetime(2024, 2, 3)),  # torchvision is not torch
    ("tensorflow-cpu", "2.15", ["tensorflow==2.15"], dt.datetime(2024, 2, 4)),  # the framework's own package
    ("lib-e", "1.0", ["torch"], dt.datetime(2024, 3, 1)),  # current month: not complete
]


@pytest.fixture
def fake():
    _, rows = synthetic_downloads()
    with FakeClickHouse(Synthetic(downloads=rows, packages=PACKAGES)) as server:
        yield server


def _ctx(fake, tmp_path, state=None, now=NOW, backfill=False, toml=TOML):
    registry = parse_registry(toml)
    settings = Settings(db_path=tmp_path / "x.duckdb", clickhouse_url=fake.url)
    http = HttpClient(settings.secrets(), sleep=lambda s: None, backoff_base=0.01)
    return CollectContext(
        frameworks=[f for f in registry if clickpy.SOURCE.needs(f)],
        registry=registry,
        settings=settings,
        http=http,
        state=state or {},
        now=now,
        backfill=backfill,
    )


def _by(obs, fw, metric):
    return {o.date: o.value for o in obs if o.framework == fw and o.metric == metric}


def test_first_run_exact_daily_and_monthly_in_one_download_query(fake, tmp_path):
    truth, _ = synthetic_downloads()
    result = clickpy.collect(_ctx(fake, tmp_path))
    downloads_queries = [r for r in fake.received if "pypi_downloads_per_day" in r.params.get("table", "")]
    assert len(downloads_queries) == 1

    torch = _by(result.observations, "pytorch", "pypi.downloads_daily_all")
    expected = {d: float(v) for (p, d), v in truth.items() if p == "torch" and d <= LAST_COMPLETE}
    assert torch == expected and min(torch) == D(2024, 1, 10) and max(torch) == LAST_COMPLETE

    tf = _by(result.observations, "tensorflow", "pypi.downloads_daily_all")
    assert tf[D(2024, 1, 3)] == 500 + 3  # tensorflow-cpu had no row that day: 0
    assert tf[D(2024, 1, 4)] == 504 + 28
    assert tf[D(2024, 2, 10)] == truth[("tensorflow", D(2024, 2, 10))] + truth[("tensorflow-cpu", D(2024, 2, 10))]
    assert FRONTIER not in tf  # the newest day is not complete yet

    monthly = _by(result.observations, "pytorch", "pypi.downloads_monthly_all")
    jan = sum(v for (p, d), v in truth.items() if p == "torch" and d.month == 1)
    feb = sum(v for (p, d), v in truth.items() if p == "torch" and d.month == 2)
    assert monthly == {D(2024, 1, 1): float(jan), D(2024, 2, 1): float(feb)}  # March is not complete

    assert "ghost" in result.failures and "no-such-package-xyz" in result.failures["ghost"]
    assert not [o for o in result.observations if o.framework == "ghost" and o.metric.startswith("pypi.downloads")]
    o = next(o for o in result.observations if o.metric == "pypi.downloads_daily_all")
    assert o.source == "clickpy" and "mirrors and CI" in o.method and o.quality == "ok"
    assert result.state["complete_through"]["pytorch"] == "2024-03-04"
    assert result.details["clickhouse_read_rows"] > 0 and result.details["ingestion_frontier"] == "2024-03-05"


def test_tensorflow_cpu_name_is_normalised_in_the_query(fake, tmp_path):
    clickpy.collect(_ctx(fake, tmp_path))
    sent = next(r for r in fake.received if "projects" in r.params)
    assert "'tensorflow-cpu'" in sent.params["projects"] and "tensorflow_cpu" not in sent.params["projects"]


def test_dependents_monthly_exact(fake, tmp_path):
    result = clickpy.collect(_ctx(fake, tmp_path))
    torch = _by(result.observations, "pytorch", "pypi.dependents_monthly")
    tf = _by(result.observations, "tensorflow", "pypi.dependents_monthly")
    # By hand from PACKAGES: torch Jan lib-a (twice -> 1); Feb none (lib-d needs torchvision); March incomplete.
    assert torch == {D(2024, 1, 1): 1.0, D(2024, 2, 1): 0.0}
    # tensorflow Jan: Lib_B (both packages -> once); Feb: lib-c (the tensorflow-cpu upload is its own package).
    assert tf == {D(2024, 1, 1): 1.0, D(2024, 2, 1): 1.0}


def test_incremental_second_run_asks_only_from_the_open_month(fake, tmp_path):
    first = clickpy.collect(_ctx(fake, tmp_path))
    n = len(fake.received)
    state = {**first.state}
    # two more days arrive; the next run is two days later
    fake.admin(
        "INSERT INTO pypi.pypi_downloads_per_day VALUES ('2024-03-06','torch',5),('2024-03-07','torch',6),"
        "('2024-03-06','tensorflow',1),('2024-03-07','tensorflow',2)"
    )
    second = clickpy.collect(_ctx(fake, tmp_path, state=state, now=dt.datetime(2024, 3, 9, 9)))
    sent = fake.received[n:]
    assert len(sent) == 1  # dependents: no new complete month, no query
    assert "'torch':'2024-03-01'" in sent[0].params["since"]
    torch = _by(second.observations, "pytorch", "pypi.downloads_daily_all")
    assert min(torch) == D(2024, 3, 1) and max(torch) == D(2024, 3, 6)
    assert torch[D(2024, 3, 5)] == float(synthetic_downloads()[0][("torch", FRONTIER)]) and torch[D(2024, 3, 6)] == 5.0
    assert second.state["complete_through"]["pytorch"] == "2024-03-06"


def test_refresh_stores_exact_values_and_run_ledger(tmp_path, empty_db, monkeypatch):
    """Through `refresh`, into a real DuckDB file; dates relative to today (refresh uses the clock)."""
    today = dt.datetime.now(dt.UTC).date()
    first, frontier = today - dt.timedelta(days=70), today - dt.timedelta(days=1)
    rows = [(d, "torch", 100 + i) for i, d in enumerate(_days(first, frontier))]  # SYNTHETIC
    with FakeClickHouse(Synthetic(downloads=rows, packages=PACKAGES)) as fake:
        monkeypatch.setenv("FWPULSE_CLICKHOUSE_URL", fake.url)
        from fwpulse.data.settings import load_settings

        cfg = tmp_path / "fw.toml"
        cfg.write_text('[frameworks.pytorch]\nname = "PyTorch"\npypi = ["torch"]\n')
        settings = load_settings()
        registry = parse_registry(cfg.read_text(), cfg)
        [outcome] = refresh(settings, registry, sources=["clickpy"], backfill=True)
        assert outcome.status == "ok", outcome.error
        [again] = refresh(settings, registry, sources=["clickpy"])
        assert again.status == "ok" and again.rows_written == 0
    with duckdb.connect(str(empty_db), read_only=True) as con:
        stored = dict(
            con.execute("SELECT date, value FROM metric_values WHERE metric = 'pypi.downloads_daily_all'").fetchall()
        )
        details = json.loads(
            con.execute("SELECT details FROM runs WHERE source = 'clickpy' ORDER BY run_id LIMIT 1").fetchone()[0]
        )
    assert stored == {d: float(v) for d, _, v in rows if d < frontier}
    assert details["clickhouse_queries"] == 2 and details["clickhouse_read_bytes"] > 0  # downloads, dependents
