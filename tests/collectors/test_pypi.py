"""pypi collector against a fake pypistats on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging

import duckdb
import pytest

from fakes.sources import FakePypistats, VirtualClock, daily_series
from fwpulse.collectors import pypi
from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.http import HttpClient
from fwpulse.collectors.refresh import refresh
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

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
    with FakePypistats(_packages(), clock=VirtualClock()) as server:
        yield server


def _ctx(fake, tmp_path, toml=TOML, state=None, force=False):
    """The collector's HTTP client shares the fake's virtual clock: waits advance it, nothing sleeps."""
    registry = parse_registry(toml)
    settings = Settings(db_path=tmp_path / "x.duckdb", pypistats_url=f"{fake.base}/api")
    http = HttpClient(settings.secrets(), sleep=fake.clock.sleep, clock=fake.clock, backoff_base=0.01)
    frameworks = [f for f in registry if pypi.SOURCE.needs(f)]
    return CollectContext(
        frameworks=frameworks, registry=registry, settings=settings, http=http, state=state or {}, now=NOW, force=force
    )


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
    assert o.method == pypi.DAILY_METHOD and "mirrors excluded" in o.method
    assert o.details == {"packages": ["tensorflow", "tensorflow-cpu"]}
    assert o.source_url.endswith(
        "/api/packages/tensorflow/overall?mirrors=false ; "
        f"{fake.base}/api/packages/tensorflow-cpu/overall?mirrors=false"
    )
    m = next(o for o in result.observations if o.metric == "pypi.downloads_monthly")
    assert m.method == pypi.MONTHLY_METHOD
    assert m.details["window"] == "2026-02-01..2026-02-28"
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


def _many(n: int) -> tuple[str, dict[str, dict[str, int]]]:
    toml = "".join(f'[frameworks.f{i:02d}]\nname = "F{i}"\npypi = ["pkg-{i:02d}"]\n\n' for i in range(n))
    return toml, {f"pkg-{i:02d}": daily_series(START, END, lambda d, i=i: i) for i in range(n)}


@pytest.mark.parametrize("n", [12, 50])
def test_registry_is_paced_under_5_per_second_and_30_per_minute(tmp_path, n):
    """CHANGES item 9: the fake enforces 5 requests/s and 30/min on the collector's own (virtual)
    clock and answers 429 beyond; a paced collector never sees one. Without pacing the 6th
    request of the same second is refused."""
    toml, packages = _many(n)
    with FakePypistats(packages, clock=VirtualClock()) as fake:
        result = pypi.collect(_ctx(fake, tmp_path, toml=toml))
    assert fake.served_429 == 0
    assert result.failures == {} and len(fake.requests) == n
    assert {o.framework for o in result.observations} == {f"f{i:02d}" for i in range(n)}
    times = [t for _, t in fake.request_times]
    for count, seconds in ((5, 1.0), (30, 60.0)):
        assert all(times[k + count] - times[k] > seconds for k in range(len(times) - count))
    if n > 30:  # "pace requests at least 2 s apart when more than 30 packages are asked"
        assert all(b - a >= 2.0 for a, b in zip(times, times[1:]))
    else:  # a small registry is not slowed down to one request per 2 s
        assert times[-1] - times[0] < 2.0 * (n - 1)
    assert result.details["paced_wait_s"] > 0


def test_429_retry_after_is_honoured(fake, tmp_path):
    """A 429 (someone else on this IP used the window) carries Retry-After: the collector waits
    exactly that long (on its clock) before asking again."""
    fake.fail_next = [(429, FakePypistats.RATE_LIMITED_BODY, {"Retry-After": "17"})]
    result = pypi.collect(_ctx(fake, tmp_path, toml=TOML.split("[frameworks.tensorflow]")[0]))
    assert fake.clock.sleeps == [17.0]
    times = [t for _, t in fake.request_times]
    assert times[1] - times[0] >= 17.0
    assert result.failures == {}
    assert _by(result.observations, "pytorch", "pypi.downloads_monthly") == {dt.date(2026, 2, 1): 4060.0}


def test_window_filled_by_another_client_is_waited_out(tmp_path):
    """The fake's own 429: another client on this IP used 30 requests in the last minute (the
    collector cannot know). It honours each Retry-After and still gets every package."""
    toml, packages = _many(8)
    clock = VirtualClock()
    with FakePypistats(packages, clock=clock) as fake:
        fake.served = [clock() - 10.0 + 0.3 * k for k in range(30)]  # someone else's minute
        result = pypi.collect(_ctx(fake, tmp_path, toml=toml))
    assert fake.served_429 >= 1 and result.failures == {}
    assert clock.sleeps[0] == 51.0  # Retry-After: until the oldest leaves the window
    assert {o.framework for o in result.observations} == {f"f{i:02d}" for i in range(8)}


def test_persistent_429_keeps_what_was_fetched(tmp_path):
    toml, packages = _many(3)
    with FakePypistats(packages, clock=VirtualClock()) as fake:
        ctx = _ctx(fake, tmp_path, toml=toml)
        real_get = ctx.http.get
        calls = []

        def get(url, **kw):  # from the second package on, every answer is a 429
            calls.append(url)
            if len(calls) > 1:
                fake.fail_next = [(429, FakePypistats.RATE_LIMITED_BODY, {"Retry-After": "1"})] * 4
            return real_get(url, **kw)

        ctx.http.get = get
        result = pypi.collect(ctx)
    assert {o.framework for o in result.observations} == {"f00"}
    assert set(result.failures) == {"f01", "f02"}
    assert all("429" in m and "not fetched" in m and "\n" not in m for m in result.failures.values())
    assert result.state["fetched"] == {"f00": {"date": "2026-03-10", "packages": ["pkg-00"]}}


def test_same_endpoint_not_fetched_twice_a_day(fake, tmp_path):
    """pypistats updates once a day and asks clients not to fetch an endpoint more than once a
    day: a second run the same day asks only what failed (the unknown package)."""
    first = pypi.collect(_ctx(fake, tmp_path))
    fake.requests.clear()
    fake.clock.sleep(60)  # each run paces itself; runs are a minute apart here
    second = pypi.collect(_ctx(fake, tmp_path, state=first.state))
    assert [p for p, _ in fake.requests] == ["/api/packages/no-such-package-xyz/overall"]
    assert second.observations == [] and set(second.failures) == {"ghost"}
    assert second.details["already_fetched_today"] == ["pytorch", "tensorflow"]
    fake.requests.clear()
    fake.clock.sleep(60)
    pypi.collect(_ctx(fake, tmp_path, state=first.state, force=True))
    assert len(fake.requests) == 4
    fake.requests.clear()
    fake.clock.sleep(60)
    next_day = _ctx(fake, tmp_path, state=first.state)
    next_day.now = NOW + dt.timedelta(days=1)
    pypi.collect(next_day)
    assert len(fake.requests) == 4 and fake.served_429 == 0


def test_pure_helpers():
    daily = {dt.date(2026, 2, 1) + dt.timedelta(days=i): 1 for i in range(28)}
    assert pypi.complete_months(daily) == {dt.date(2026, 2, 1): 28}
    daily.pop(dt.date(2026, 2, 14))
    assert pypi.complete_months(daily) == {}
    assert pypi.sum_series([{dt.date(2026, 1, 1): 1, dt.date(2026, 1, 2): 5}, {dt.date(2026, 1, 1): 2}]) == {
        dt.date(2026, 1, 1): 3
    }


def _refresh(fake, tmp_path):
    registry = parse_registry(TOML)
    settings = Settings(db_path=tmp_path / "fw.duckdb", pypistats_url=f"{fake.base}/api")
    return settings, refresh(settings, registry, sources=["pypi"])


@pytest.mark.slow
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
    assert rows == [
        ("pytorch", dt.date(2026, 2, 1), 4060.0, "pypistats"),
        ("tensorflow", dt.date(2026, 2, 1), 2828.0, "pypistats"),
    ]
    assert n_daily == 54 and v == 90.0
    assert outcomes[0].rows_written > 0
    [again] = refresh(settings, parse_registry(TOML), sources=["pypi"])
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        after = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    finally:
        con.close()
    assert again.rows_written == 0 and again.requests == 1  # only the unknown package is asked again
    assert after == before
