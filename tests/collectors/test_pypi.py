"""pypi collector against a fake pypistats on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging

import duckdb
import pytest

from fwpulse.collectors import pypi
from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.http import HttpClient
from fwpulse.collectors.refresh import refresh
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

from .fake_sources import FakePypistats, daily_series

NOW = dt.datetime(2026, 3, 10, 12, 0)
START, END = dt.date(2026, 1, 15), dt.date(2026, 3, 9)

TOML = """
[frameworks.pytorch]
name = "PyTorch"
pypi = ["torch"]

[frameworks.tensorflow]
name = "TensorFlow"
pypi = ["tensorflow", "tensorflow-cpu"]

[frameworks.ghost]
name = "Ghost"
pypi = ["no-such-package-xyz"]

[frameworks.nopypi]
name = "No PyPI"
"""


def _packages():
    return {
        "torch": daily_series(START, END, lambda d: d.day * 10),
        "tensorflow": daily_series(START, END, lambda d: 100),
        "tensorflow-cpu": daily_series(START, END, lambda d: 1),
    }


@pytest.fixture
def fake():
    with FakePypistats(_packages()) as server:
        yield server


def _ctx(fake, tmp_path, toml=TOML, sleeps=None):
    registry = parse_registry(toml)
    settings = Settings(db_path=tmp_path / "x.duckdb", pypistats_url=f"{fake.base}/api")
    http = HttpClient(settings.secrets(), sleep=(sleeps.append if sleeps is not None else lambda s: None),
                      backoff_base=0.01)
    frameworks = [f for f in registry if pypi.SOURCE.needs(f)]
    return CollectContext(frameworks=frameworks, registry=registry, settings=settings, http=http, state={}, now=NOW)


def _by(obs, fw, metric):
    return {o.date: o.value for o in obs if o.framework == fw and o.metric == metric}


def test_needs_pypi_field():
    reg = parse_registry(TOML)
    assert [f.id for f in reg if pypi.SOURCE.needs(f)] == ["pytorch", "tensorflow", "ghost"]
    assert pypi.SOURCE.name == "pypi"


def test_daily_and_monthly_values_exact(fake, tmp_path):
    result = pypi.collect(_ctx(fake, tmp_path))
    daily = _by(result.observations, "pytorch", "pypi.downloads_daily")
    assert len(daily) == (END - START).days + 1
    assert daily[dt.date(2026, 2, 7)] == 70.0
    assert daily[dt.date(2026, 3, 9)] == 90.0
    tf_daily = _by(result.observations, "tensorflow", "pypi.downloads_daily")
    assert set(tf_daily.values()) == {101.0}  # tensorflow + tensorflow-cpu, without mirrors
    # only February is a complete calendar month inside 2026-01-15 .. 2026-03-09
    assert _by(result.observations, "pytorch", "pypi.downloads_monthly") == {dt.date(2026, 2, 1): 4060.0}
    assert _by(result.observations, "tensorflow", "pypi.downloads_monthly") == {dt.date(2026, 2, 1): 2828.0}
    o = next(o for o in result.observations if o.framework == "tensorflow" and o.metric == "pypi.downloads_daily")
    assert o.source == "pypistats"
    assert "tensorflow, tensorflow-cpu" in o.method and "without mirrors" in o.method
    assert o.source_url.endswith("/api/packages/tensorflow/overall?mirrors=false ; "
                                 f"{fake.base}/api/packages/tensorflow-cpu/overall?mirrors=false")
    m = next(o for o in result.observations if o.metric == "pypi.downloads_monthly")
    assert m.method.startswith("sum of pypistats daily downloads without mirrors over the calendar month")
    # every request asked for the series without mirrors
    assert all(q == {"mirrors": "false"} for _, q in fake.requests)


def test_unknown_package_is_a_clear_failure_others_stored(fake, tmp_path):
    result = pypi.collect(_ctx(fake, tmp_path))
    assert set(result.failures) == {"ghost"}
    msg = result.failures["ghost"]
    assert "no-such-package-xyz" in msg and "404" in msg and "check the name" in msg
    assert "\n" not in msg
    assert {o.framework for o in result.observations} == {"pytorch", "tensorflow"}
    assert result.status == "partial"


def test_429_is_retried(fake, tmp_path):
    fake.fail_next = [(429, '<a href="/api/#etiquette">429 RATE LIMIT EXCEEDED</a>', {})] * 2
    sleeps: list[float] = []
    result = pypi.collect(_ctx(fake, tmp_path, toml=TOML.split("[frameworks.tensorflow]")[0], sleeps=sleeps))
    assert len(sleeps) == 2
    assert result.failures == {}
    assert _by(result.observations, "pytorch", "pypi.downloads_monthly") == {dt.date(2026, 2, 1): 4060.0}


def test_pure_helpers():
    daily = {dt.date(2026, 2, 1) + dt.timedelta(days=i): 1 for i in range(28)}
    assert pypi.complete_months(daily) == {dt.date(2026, 2, 1): 28}
    daily.pop(dt.date(2026, 2, 14))
    assert pypi.complete_months(daily) == {}
    assert pypi.sum_series([{dt.date(2026, 1, 1): 1, dt.date(2026, 1, 2): 5}, {dt.date(2026, 1, 1): 2}]) == {
        dt.date(2026, 1, 1): 3}


def _refresh(fake, tmp_path):
    registry = parse_registry(TOML)
    settings = Settings(db_path=tmp_path / "fw.duckdb", pypistats_url=f"{fake.base}/api")
    return settings, refresh(settings, registry, sources=["pypi"])


def test_end_to_end_refresh_and_second_run_adds_nothing(fake, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    settings, outcomes = _refresh(fake, tmp_path)
    assert [(o.source, o.status) for o in outcomes] == [("pypi", "partial")]
    assert "no-such-package-xyz" in outcomes[0].error
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        rows = con.execute("""SELECT framework, date, value, source FROM metric_values
                              WHERE metric = 'pypi.downloads_monthly' AND date = DATE '2026-02-01'
                              AND framework IN ('pytorch', 'tensorflow')
                              ORDER BY framework""").fetchall()
        n_daily = con.execute("""SELECT count(*) FROM metric_values WHERE metric = 'pypi.downloads_daily'
                                 AND framework = 'pytorch'""").fetchone()[0]
        v = con.execute("""SELECT value FROM metric_values WHERE metric = 'pypi.downloads_daily'
                           AND framework = 'pytorch' AND date = DATE '2026-03-09'""").fetchone()[0]
        before = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    finally:
        con.close()
    assert rows == [("pytorch", dt.date(2026, 2, 1), 4060.0, "pypistats"),
                    ("tensorflow", dt.date(2026, 2, 1), 2828.0, "pypistats")]
    assert n_daily == 54 and v == 90.0
    assert outcomes[0].rows_written > 0
    [again] = refresh(settings, parse_registry(TOML), sources=["pypi"])
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        after = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    finally:
        con.close()
    assert again.rows_written == 0 and again.rows_unchanged == outcomes[0].rows_written
    assert after == before
