"""stackoverflow collector against a fake Stack Exchange API (gzip) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging
import time

import duckdb
import pytest
import requests

from fwpulse.collectors import stackoverflow as so
from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.errors import FatalSourceError, RetriableError
from fwpulse.collectors.http import HttpClient
from fwpulse.collectors.refresh import refresh
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

from .fake_sources import FakeStackExchange

NOW = dt.datetime(2026, 3, 10, 12, 0)
KEY = "se-KEY-secret-777"

TOML = """
[frameworks.pytorch]
name = "PyTorch"
stackoverflow_tags = ["pytorch"]

[frameworks.tensorflow]
name = "TensorFlow"
stackoverflow_tags = ["tensorflow", "keras"]

[frameworks.ghost]
name = "Ghost"
stackoverflow_tags = ["no-such-tag"]

[frameworks.notags]
name = "No tags"
"""
GOOD_TOML = TOML.split("[frameworks.ghost]")[0]
TAGS = {"pytorch": 90000, "tensorflow": 80000, "keras": 40000}


def monthly(tag, fromdate, todate):
    first = dt.datetime.fromtimestamp(fromdate, dt.UTC).date()
    assert first.day == 1
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    if todate != int(dt.datetime(nxt.year, nxt.month, 1, tzinfo=dt.UTC).timestamp()) - 1:
        return -1  # wrong window: makes the exact-value assertions fail
    return {None: 100000 + first.month, "pytorch": 100 + first.month, "tensorflow": 50, "keras": 10}[tag]


@pytest.fixture
def fake():
    with FakeStackExchange(TAGS, monthly) as server:
        yield server


def _ctx(fake, toml=TOML, state=None, backfill=False, key=None, sleep=lambda s: None, sleeps=None):
    registry = parse_registry(toml)
    settings = Settings(stackexchange_api_url=f"{fake.base}/2.3", stackexchange_key=key)
    if sleeps is not None:
        sleep = sleeps.append
    http = HttpClient(settings.secrets(), sleep=sleep, backoff_base=0.01)
    frameworks = [f for f in registry if so.SOURCE.needs(f)]
    return CollectContext(frameworks=frameworks, registry=registry, settings=settings, http=http,
                          state=state or {}, backfill=backfill, now=NOW)


def _by(obs, fw, metric):
    return {o.date: o.value for o in obs if o.framework == fw and o.metric == metric}


FEB = dt.date(2026, 2, 1)


def test_totals_monthly_share_exact_gzip(fake):
    raw = requests.get(f"{fake.base}/2.3/tags/pytorch/info", params={"site": "stackoverflow"})
    assert raw.headers["Content-Encoding"] == "gzip"
    fake.requests.clear()
    result = so.collect(_ctx(fake, GOOD_TOML))
    assert result.failures == {}
    assert _by(result.observations, "pytorch", "stackoverflow.questions_total") == {NOW.date(): 90000.0}
    assert _by(result.observations, "tensorflow", "stackoverflow.questions_total") == {NOW.date(): 120000.0}
    assert _by(result.observations, "pytorch", "stackoverflow.questions_monthly") == {FEB: 102.0}
    assert _by(result.observations, "tensorflow", "stackoverflow.questions_monthly") == {FEB: 60.0}
    assert _by(result.observations, "pytorch", "stackoverflow.questions_share") == {FEB: round(10200 / 100002, 6)}
    assert _by(result.observations, "tensorflow", "stackoverflow.questions_share") == {FEB: round(6000 / 100002, 6)}
    tf_total = next(o for o in result.observations
                    if o.framework == "tensorflow" and o.metric == "stackoverflow.questions_total")
    assert "summed over tags" in tf_total.method and "counts twice" in tf_total.method
    assert tf_total.source == "Stack Exchange API"
    # one tags call for all tags, then site total + one per tag for the last complete month
    paths = [p for p, _ in fake.requests]
    assert paths == ["/2.3/tags/keras;pytorch;tensorflow/info"] + ["/2.3/questions"] * 4
    assert result.state["months_done"] == {"pytorch": ["2026-02"], "tensorflow": ["2026-02"]}
    # 10000 - the raw request above - 5 collector requests; estimated locally, since filter=total
    # bodies carry no quota fields
    assert result.details["quota_remaining"] == fake.quota == 9994


def test_unknown_tag_is_a_clear_failure_others_stored(fake):
    result = so.collect(_ctx(fake))
    assert set(result.failures) == {"ghost"}
    msg = result.failures["ghost"]
    assert "no-such-tag" in msg and "stackoverflow_tags" in msg and "https://stackoverflow.com/tags/no-such-tag" in msg
    assert {o.framework for o in result.observations} == {"pytorch", "tensorflow"}
    assert result.status == "partial"


BACKFILL_TOML = GOOD_TOML + """
[sources.stackoverflow]
backfill_since = "2025-10-01"
max_requests = 10
"""


def test_backfill_is_capped_and_incremental(fake):
    seen: list[tuple[str, int]] = []
    state: dict = {}
    for run in range(3):
        fake.requests.clear()
        result = so.collect(_ctx(fake, BACKFILL_TOML, state=state, backfill=True))
        assert result.failures == {}
        assert len(fake.requests) <= 10
        seen += [(q.get("tagged"), int(q["fromdate"])) for p, q in fake.requests if p == "/2.3/questions"]
        state = result.state
        if run == 0:
            assert result.state["months_done"]["pytorch"] == ["2025-10", "2025-11"]
            assert "request cap" in result.details["stopped"]
    assert state["months_done"]["pytorch"] == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
    assert len(seen) == len(set(seen)) == 5 * 4  # every month's site total and tag counts asked once
    # nothing left: a fourth run only asks the tags call
    fake.requests.clear()
    result = so.collect(_ctx(fake, BACKFILL_TOML, state=state, backfill=True))
    assert [p for p, _ in fake.requests] == ["/2.3/tags/keras;pytorch;tensorflow/info"]


def test_backoff_is_obeyed_with_a_real_sleep(fake):
    fake.backoff = {"questions": 1}
    result = so.collect(_ctx(fake, GOOD_TOML, sleep=time.sleep))
    assert fake.violations == 0 and result.failures == {}
    times = [t for p, t in fake.request_times if p == "/2.3/questions"]
    assert times[1] - times[0] >= 1.0
    assert result.details["backoffs"] == [("questions", 1)]
    assert _by(result.observations, "pytorch", "stackoverflow.questions_monthly") == {FEB: 102.0}


def test_throttle_502_is_retried(fake):
    body = {"error_id": 502, "error_name": "throttle_violation", "error_message": "too many requests from this IP"}
    fake.fail_next = [(502, body, {})]
    sleeps: list[float] = []
    result = so.collect(_ctx(fake, GOOD_TOML, sleeps=sleeps))
    assert len(sleeps) == 1 and result.failures == {}
    assert _by(result.observations, "pytorch", "stackoverflow.questions_total") == {NOW.date(): 90000.0}


def test_throttle_400_waits_the_seconds_it_names(fake):
    body = {"error_id": 502, "error_name": "throttle_violation",
            "error_message": "too many requests from this IP, more requests available in 7 seconds"}
    fake.fail_next = [(400, body, {})]
    sleeps: list[float] = []
    result = so.collect(_ctx(fake, GOOD_TOML, sleeps=sleeps))
    assert sleeps == [7.0] and result.failures == {}


def test_throttle_502_persisting_is_a_failure(fake):
    body = {"error_id": 502, "error_name": "throttle_violation", "error_message": "too many requests from this IP"}
    fake.fail_next = [(502, body, {})] * 4
    with pytest.raises(RetriableError) as info:
        so.collect(_ctx(fake, GOOD_TOML))
    assert "HTTP 502 after 4 attempts" in str(info.value)


def test_quota_reserve_stops_cleanly_and_keeps_state(fake):
    fake.quota = 16  # the tags call reports 15; six more requests reach 9, below the reserve of 10
    result = so.collect(_ctx(fake, BACKFILL_TOML.replace("max_requests = 10", "max_requests = 250"), backfill=True))
    assert result.details["quota_remaining"] == 9
    assert result.state["months_done"] == {"pytorch": ["2025-10", "2025-11"], "tensorflow": ["2025-10"]}
    assert "below the reserve of 10" in result.details["stopped"]
    assert set(result.failures) == {"pytorch", "tensorflow"} and result.status == "partial"
    assert _by(result.observations, "pytorch", "stackoverflow.questions_monthly") == {
        dt.date(2025, 10, 1): 110.0, dt.date(2025, 11, 1): 111.0}
    assert _by(result.observations, "tensorflow", "stackoverflow.questions_monthly") == {dt.date(2025, 10, 1): 60.0}
    assert len(fake.requests) == 1 + 4 + 2 and fake.quota == 9


def test_error_wrapper_gives_clear_message_without_key():
    with FakeStackExchange(TAGS, monthly, key="the-right-key") as fake:
        with pytest.raises(FatalSourceError) as info:
            so.collect(_ctx(fake, GOOD_TOML, key=KEY))
    text = str(info.value)
    assert "bad_parameter" in text and "key is invalid" in text
    assert "400" in text and KEY not in text


def test_end_to_end_refresh_key_never_stored_second_run_adds_nothing(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="fwpulse")
    with FakeStackExchange(TAGS, monthly, key=KEY) as fake:
        settings = Settings(db_path=tmp_path / "fw.duckdb", stackexchange_api_url=f"{fake.base}/2.3",
                            stackexchange_key=KEY)
        [first] = refresh(settings, parse_registry(TOML), sources=["stackoverflow"])
        [second] = refresh(settings, parse_registry(TOML), sources=["stackoverflow"])
        assert all(q.get("key") == KEY for _, q in fake.requests)
    assert first.status == "partial" and "no-such-tag" in first.error
    assert second.rows_written == 0
    today = dt.datetime.now(dt.UTC).date()
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        rows = con.execute("""SELECT framework, metric, date, value FROM metric_values
                              WHERE source = 'Stack Exchange API' ORDER BY framework, metric""").fetchall()
        dump = con.execute("SELECT string_agg(CAST(o AS VARCHAR), ' ') FROM observations o").fetchone()[0]
        dump += con.execute("SELECT string_agg(CAST(r AS VARCHAR), ' ') FROM runs r").fetchone()[0]
        dump += con.execute("SELECT string_agg(CAST(s AS VARCHAR), ' ') FROM source_state s").fetchone()[0]
    finally:
        con.close()
    m = last.month
    assert rows == [
        ("pytorch", "stackoverflow.questions_monthly", last, 100.0 + m),
        ("pytorch", "stackoverflow.questions_share", last, round(100 * (100 + m) / (100000 + m), 6)),
        ("pytorch", "stackoverflow.questions_total", today, 90000.0),
        ("tensorflow", "stackoverflow.questions_monthly", last, 60.0),
        ("tensorflow", "stackoverflow.questions_share", last, round(6000 / (100000 + m), 6)),
        ("tensorflow", "stackoverflow.questions_total", today, 120000.0),
    ]
    assert KEY not in dump and KEY not in caplog.text


def test_key_never_in_urllib3_debug_log(caplog):
    """urllib3 logs full request URLs at DEBUG; the key in the query string must be redacted."""
    import logging

    from fwpulse.collectors.errors import RetriableError
    from fwpulse.collectors.http import HttpClient

    secret = "SEKEY-abc123-never-log"
    http = HttpClient([secret], max_attempts=1)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    with pytest.raises(RetriableError):  # nothing listens on port 9; urllib3 still logs the request
        http.get("http://127.0.0.1:9/2.3/info", params={"key": secret})
    logging.getLogger("urllib3.connectionpool").debug("Starting new HTTP connection: GET /x?key=%s", secret)
    assert secret not in caplog.text and "***" in caplog.text
