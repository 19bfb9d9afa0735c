"""stackoverflow collector against a fake Stack Exchange API (gzip) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging

import duckdb
import pytest
import requests

from fakes.sources import VirtualClock
from fakes.stackexchange import FakeStackExchange
from fwpulse.collectors import stackoverflow as so
from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.errors import FatalSourceError, RetriableError
from fwpulse.collectors.http import HttpClient
from fwpulse.collectors.refresh import refresh
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

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
    with FakeStackExchange(TAGS, monthly, clock=VirtualClock()) as server:
        yield server


def _ctx(fake, toml=TOML, state=None, backfill=False, key=None):
    """The collector's HTTP client shares the fake's virtual clock: waits advance it, nothing sleeps."""
    registry = parse_registry(toml)
    settings = Settings(stackexchange_api_url=f"{fake.base}/2.3", stackexchange_key=key)
    http = HttpClient(settings.secrets(), sleep=fake.clock.sleep, clock=fake.clock, backoff_base=0.01)
    frameworks = [f for f in registry if so.SOURCE.needs(f)]
    return CollectContext(
        frameworks=frameworks,
        registry=registry,
        settings=settings,
        http=http,
        state=state or {},
        backfill=backfill,
        now=NOW,
    )


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
    tf_total = next(
        o for o in result.observations if o.framework == "tensorflow" and o.metric == "stackoverflow.questions_total"
    )
    assert tf_total.method == so.TOTAL_METHOD and tf_total.details == {"tags": ["tensorflow", "keras"]}
    tf_month = next(
        o for o in result.observations if o.framework == "tensorflow" and o.metric == "stackoverflow.questions_monthly"
    )
    assert tf_month.method == so.MONTHLY_METHOD and tf_month.details["tags"] == ["tensorflow", "keras"]
    assert tf_month.details["fromdate"] == 1769904000 and tf_month.details["todate"] == 1772323199  # 2026-02 UTC
    share = next(
        o for o in result.observations if o.framework == "pytorch" and o.metric == "stackoverflow.questions_share"
    )
    assert (share.details["questions"], share.details["site_questions"]) == (102, 100002)
    # the site total is stored once per month under '_all' (the share's denominator)
    assert _by(result.observations, "_all", "stackoverflow.questions_monthly_site") == {FEB: 100002.0}
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
    assert {o.framework for o in result.observations} == {"pytorch", "tensorflow", "_all"}
    assert result.status == "partial"


BACKFILL_TOML = (
    GOOD_TOML
    + """
[sources.stackoverflow]
backfill_since = "2025-10-01"
max_requests = 10
"""
)


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


def test_backoff_is_obeyed_on_every_method(fake):
    """A ``backoff`` on any method's response is waited out before that method is called again;
    the fake answers the recorded "Violation of backoff parameter" throttle otherwise."""
    fake.backoff = {"tags/info": 3, "questions": 5}
    ctx = _ctx(fake, GOOD_TOML)
    result = so.collect(ctx)
    assert fake.violations == 0 and result.failures == {}
    times = [t for p, t in fake.request_times if p == "/2.3/questions"]
    assert times[1] - times[0] >= 5.0
    assert result.details["backoffs"] == [("tags/info", 3), ("questions", 5)]
    assert _by(result.observations, "pytorch", "stackoverflow.questions_monthly") == {FEB: 102.0}


def test_throttle_is_an_http_400_with_error_id_502_and_is_waited_out(fake):
    """CHANGES item 8: a throttle arrives as HTTP 400 carrying error_id 502 throttle_violation
    (the recorded per-IP body, here naming 7 seconds), not as an HTTP 502."""
    body = dict(next(e["body"] for e in so_errors() if "17524" in e["body"]["error_message"]))
    body["error_message"] = body["error_message"].replace("17524", "7")
    fake.fail_next = [(400, body, {})]
    result = so.collect(_ctx(fake, GOOD_TOML))
    assert fake.clock.sleeps == [7.0]
    assert result.failures == {}
    assert _by(result.observations, "pytorch", "stackoverflow.questions_monthly") == {FEB: 102.0}
    assert _by(result.observations, "tensorflow", "stackoverflow.questions_total") == {NOW.date(): 120000.0}
    assert result.details["throttles"] == 1


def test_backoff_violation_throttle_is_waited_and_retried(fake):
    body = next(e["body"] for e in so_errors() if e["body"]["error_message"] == "Violation of backoff parameter")
    fake.fail_next = [(400, body, {})]
    result = so.collect(_ctx(fake, GOOD_TOML))
    assert result.failures == {} and fake.clock.sleeps == [30.0]
    assert _by(result.observations, "pytorch", "stackoverflow.questions_total") == {NOW.date(): 90000.0}


def so_errors():
    from fakes.sources import load_sample

    return load_sample("stackexchange", "errors.examples.json")["real_bodies"]


def test_long_throttle_stops_the_source_retriable_one_line(fake):
    fake.quota, fake.quota_reset_s = 0, 17524
    with pytest.raises(RetriableError) as info:
        so.collect(_ctx(fake, GOOD_TOML))
    text = str(info.value)
    assert "throttle_violation" in text and "17524" in text and "retry after" in text and "\n" not in text
    assert "STACKEXCHANGE_KEY" in text  # keyless: a key raises the quota
    assert info.value.retry_after is not None
    assert fake.clock.sleeps == []  # no pointless retries inside the ban


def test_key_travels_only_as_bearer_header(fake):
    """CHANGES item 6: every request carries ``Authorization: Bearer <key>`` and no ``key=``; the
    fake rejects a query-string key, so a collector sending one gets no totals."""
    fake.key = KEY
    result = so.collect(_ctx(fake, GOOD_TOML, key=KEY))
    assert result.failures == {}
    assert fake.rejected_query_keys == 0
    assert len(fake.headers_seen) == 5
    assert all(h.get("authorization") == f"Bearer {KEY}" for h in fake.headers_seen)
    assert all("key" not in q and KEY not in str(q) for _, q in fake.requests)
    assert _by(result.observations, "tensorflow", "stackoverflow.questions_total") == {NOW.date(): 120000.0}
    assert result.details["quota_max"] == 10000 and result.details["authenticated"] is True


def test_keyless_requests_carry_no_authorization(fake):
    result = so.collect(_ctx(fake, GOOD_TOML))
    assert result.failures == {}
    assert all("authorization" not in h for h in fake.headers_seen)
    assert result.details["quota_max"] == 300


def test_fake_rejects_a_key_in_the_query_string(fake):
    raw = requests.get(f"{fake.base}/2.3/tags/pytorch/info", params={"site": "stackoverflow", "key": KEY})
    assert raw.status_code == 400
    body = raw.json()
    assert 400 <= body["error_id"] < 500 and body["error_name"] == "bad_parameter"
    assert "Authorization" in body["error_message"]
    ok = requests.get(
        f"{fake.base}/2.3/tags/pytorch/info",
        params={"site": "stackoverflow"},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert ok.status_code == 200 and ok.json()["items"][0]["count"] == 90000


@pytest.mark.parametrize("rejection", ["query-key", "wrong-key"])
def test_rejected_authentication_is_one_line_naming_the_setting(fake, rejection):
    if rejection == "query-key":  # what the live API answers an old-style request
        fake.fail_next = [fake.error(400, fake.QUERY_KEY_REJECTED)]
    else:
        fake.key = "the-right-key"
    with pytest.raises(FatalSourceError) as info:
        so.collect(_ctx(fake, GOOD_TOML, key=KEY))
    text = str(info.value)
    assert "STACKEXCHANGE_KEY" in text and "unset it" in text and "300 requests/day" in text
    assert "bad_parameter" in text and "\n" not in text and KEY not in text


def test_key_required_error_without_a_key_says_set_it(fake):
    fake.fail_next = [fake.error(405, "a key is required for this method")]
    with pytest.raises(FatalSourceError) as info:
        so.collect(_ctx(fake, GOOD_TOML))
    assert "set STACKEXCHANGE_KEY" in str(info.value) and "\n" not in str(info.value)


def test_other_bad_parameter_is_not_blamed_on_the_key(fake):
    fake.fail_next = [
        (400, next(e["body"] for e in so_errors() if e["body"]["error_message"] == "site is required"), {})
    ]
    with pytest.raises(FatalSourceError) as info:
        so.collect(_ctx(fake, GOOD_TOML, key=KEY))
    assert "site is required" in str(info.value) and "STACKEXCHANGE_KEY" not in str(info.value)


def test_quota_reserve_stops_cleanly_and_keeps_state(fake):
    fake.quota = 16  # the tags call reports 15; six more requests reach 9, below the reserve of 10
    result = so.collect(_ctx(fake, BACKFILL_TOML.replace("max_requests = 10", "max_requests = 250"), backfill=True))
    assert result.details["quota_remaining"] == 9
    assert result.state["months_done"] == {"pytorch": ["2025-10", "2025-11"], "tensorflow": ["2025-10"]}
    assert "below the reserve of 10" in result.details["stopped"]
    assert set(result.failures) == {"pytorch", "tensorflow"} and result.status == "partial"
    assert _by(result.observations, "pytorch", "stackoverflow.questions_monthly") == {
        dt.date(2025, 10, 1): 110.0,
        dt.date(2025, 11, 1): 111.0,
    }
    assert _by(result.observations, "tensorflow", "stackoverflow.questions_monthly") == {dt.date(2025, 10, 1): 60.0}
    assert len(fake.requests) == 1 + 4 + 2 and fake.quota == 9


@pytest.mark.slow
def test_end_to_end_refresh_key_never_stored_second_run_adds_nothing(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="fwpulse")
    with FakeStackExchange(TAGS, monthly, key=KEY) as fake:
        settings = Settings(
            db_path=tmp_path / "fw.duckdb", stackexchange_api_url=f"{fake.base}/2.3", stackexchange_key=KEY
        )
        [first] = refresh(settings, parse_registry(TOML), sources=["stackoverflow"])
        [second] = refresh(settings, parse_registry(TOML), sources=["stackoverflow"])
        assert fake.requests and not any("key" in q for _, q in fake.requests)
        assert all(h.get("authorization") == f"Bearer {KEY}" for h in fake.headers_seen)
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
        ("_all", "stackoverflow.questions_monthly_site", last, 100000.0 + m),
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
