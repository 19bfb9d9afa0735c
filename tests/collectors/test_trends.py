"""Google Trends collector against a real fake server on 127.0.0.1 (no network)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from pytrends import request as pt_request
from pytrends.request import TrendReq

from fakes.trends import FakeTrends
from fwpulse.collectors import refresh as refresh_mod
from fwpulse.collectors import trends, trends_fetch
from fwpulse.collectors.base import CollectContext, SourceResult
from fwpulse.collectors.errors import SkippableError
from fwpulse.collectors.http import HttpClient
from fwpulse.collectors.refresh import refresh
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

NOW = dt.datetime(2026, 11, 24, 12, 0, 0)
SOURCES = '\n[sources.trends]\nanchor_term = "Python"\ntimeframe = "today 5-y"\n'


def toml_for(terms: list[str], extra: str = "") -> str:
    body = "".join(
        f'[frameworks.f{i}]\nname = "F{i}"\ntrends_terms = ["{t}", "{t} alt"]\n\n' for i, t in enumerate(terms, 1)
    )
    return body + extra + '[frameworks.noterm]\nname = "No Trends"\n' + SOURCES


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake():
    server = FakeTrends().start_server()
    yield server
    server.stop()


def make_ctx(fake: FakeTrends, terms: list[str], sleep: Sleeps | None = None) -> CollectContext:
    registry = parse_registry(toml_for(terms))
    frameworks = [f for f in registry if trends.SOURCE.needs(f)]
    return CollectContext(
        frameworks=frameworks,
        registry=registry,
        settings=Settings(trends_url=fake.url),
        http=HttpClient(sleep=sleep if sleep is not None else Sleeps()),
        state={},
        now=NOW,
    )


def series_of(result: SourceResult, fid: str) -> list[float]:
    return [o.value for o in sorted((o for o in result.observations if o.framework == fid), key=lambda o: o.date)]


def test_single_batch_values_are_raw_with_week_dates_and_method(fake):
    fake.series = {
        "PyTorch": [10, 20, 30, 40, 50, 60],
        "TensorFlow": [100, 90, 80, 70, 60, 50],
        "Keras": [1, 2, 3, 4, 5, 6],
        "JAX": [0, 0, 7, 0, 0, 3],
    }
    ctx = make_ctx(fake, ["PyTorch", "TensorFlow", "Keras", "JAX"])
    assert [f.id for f in ctx.frameworks] == ["f1", "f2", "f3", "f4"]  # needs= drops the framework without terms
    result = trends.collect(ctx)

    assert result.status == "ok" and not result.failures
    assert series_of(result, "f1") == [10, 20, 30, 40, 50, 60]
    assert series_of(result, "f2") == [100, 90, 80, 70, 60, 50]
    assert series_of(result, "f4") == [0, 0, 7, 0, 0, 3]
    f1 = sorted((o for o in result.observations if o.framework == "f1"), key=lambda o: o.date)
    assert [o.date for o in f1] == [dt.date(2025, 1, 5) + dt.timedelta(weeks=i) for i in range(6)]
    assert all(o.metric == "trends.interest" and o.source == "Google Trends (pytrends)" for o in f1)
    assert f1[2].method == trends.METHOD_ONE_REQUEST
    assert f1[2].details == {
        "term": "PyTorch",
        "timeframe": "today 5-y",
        "geo": "",
        "batch": 1,
        "batches": 1,
        "anchor": None,
        "scale": 1.0,
        "raw": 30,
    }
    # one request: only the first term of each framework, no anchor; the NID cookie is sent back
    [explore] = fake.seen("/trends/api/explore")
    asked = [c["keyword"] for c in json.loads(explore.query["req"][0])["comparisonItem"]]
    assert asked == ["PyTorch", "TensorFlow", "Keras", "JAX"]
    assert all(c["time"] == "today 5-y" for c in json.loads(explore.query["req"][0])["comparisonItem"])
    assert "NID=fake-nid-511" in explore.headers.get("cookie", "")
    assert len(fake.seen("/trends/api/widgetdata/multiline")) == 1
    assert ctx.http.requests == 3
    assert result.details["batches"][0]["scale"] == 1.0 and result.details["anchor"] is None


def test_partial_week_is_dropped(fake):
    fake.series = {"PyTorch": [10, 20, 30, 40, 50, 60]}
    fake.partial = {"PyTorch": 77}
    result = trends.collect(make_ctx(fake, ["PyTorch"]))
    dates = sorted(o.date for o in result.observations)
    assert len(dates) == 6 and dates[-1] == fake.week(5)
    assert fake.week(6) not in dates and 77 not in [o.value for o in result.observations]
    assert result.details["batches"][0]["partial_weeks_dropped"] == 1


SEVEN = ["PyTorch", "TensorFlow", "Keras", "JAX", "Theano", "MXNet", "Caffe"]


def test_seven_frameworks_two_batches_rescaled_to_the_anchor(fake):
    fake.batch_series[("Python", "PyTorch", "TensorFlow", "Keras", "JAX")] = {
        "Python": [40, 40, 40, 40, 40, 40],
        "PyTorch": [10, 20, 30, 40, 50, 60],
        "TensorFlow": [5, 5, 5, 5, 5, 5],
        "Keras": [1, 1, 1, 1, 1, 1],
        "JAX": [2, 2, 2, 2, 2, 2],
    }
    fake.batch_series[("Python", "Theano", "MXNet", "Caffe")] = {
        "Python": [10, 30, 20, 20, 10, 30],  # mean 20 -> scale 40 / 20 = 2.0
        "Theano": [3, 0, 7, 11, 13, 100],
        "MXNet": [50, 50, 50, 50, 50, 50],
        "Caffe": [1, 2, 3, 4, 5, 6],
    }
    sleeps = Sleeps()
    ctx = make_ctx(fake, SEVEN, sleeps)
    result = trends.collect(ctx)

    asked = [
        [c["keyword"] for c in json.loads(r.query["req"][0])["comparisonItem"]]
        for r in fake.seen("/trends/api/explore")
    ]
    assert asked == [["Python", "PyTorch", "TensorFlow", "Keras", "JAX"], ["Python", "Theano", "MXNet", "Caffe"]]
    assert result.status == "ok"
    assert series_of(result, "f1") == [10, 20, 30, 40, 50, 60]  # reference batch: scale 1
    assert series_of(result, "f5") == [6, 0, 14, 22, 26, 200]  # Theano x2.0
    assert series_of(result, "f6") == [100] * 6
    assert series_of(result, "f7") == [2, 4, 6, 8, 10, 12]
    theano = sorted((o for o in result.observations if o.framework == "f5"), key=lambda o: o.date)
    assert theano[3].method == trends.METHOD_ANCHORED
    assert theano[3].details == {
        "term": "Theano",
        "timeframe": "today 5-y",
        "geo": "",
        "batch": 2,
        "batches": 2,
        "anchor": "Python",
        "scale": 2.0,
        "raw": 11,
    }
    pytorch = sorted((o for o in result.observations if o.framework == "f1"), key=lambda o: o.date)
    assert (pytorch[0].details["batch"], pytorch[0].details["scale"], pytorch[0].details["raw"]) == (1, 1.0, 10)
    assert {o.method for o in result.observations} == {trends.METHOD_ANCHORED}
    assert "python" not in {o.framework for o in result.observations}  # the anchor itself is not stored
    b1, b2 = result.details["batches"]
    assert (b1["anchor_mean"], b1["scale"], b2["anchor_mean"], b2["scale"]) == (40.0, 1.0, 20.0, 2.0)
    assert b2["terms"] == ["Python", "Theano", "MXNet", "Caffe"] and result.details["reference_anchor_mean"] == 40.0
    assert ctx.http.requests == 6 and sleeps == []
    assert len(result.observations) == 7 * 6


def test_non_integer_scale_and_anchor_mean_zero_goes_to_failures(fake):
    fake.batch_series[("Python", "PyTorch", "TensorFlow", "Keras", "JAX")] = {"Python": [50] * 6, "PyTorch": [8] * 6}
    fake.batch_series[("Python", "Theano", "MXNet", "Caffe")] = {"Python": [0] * 6, "Theano": [9] * 6}
    result = trends.collect(make_ctx(fake, SEVEN))
    assert result.status == "partial"
    assert set(result.failures) == {"f5", "f6", "f7"} and "mean 0" in result.failures["f5"]
    assert series_of(result, "f1") == [8] * 6 and not series_of(result, "f5")

    fake.batch_series[("Python", "Theano", "MXNet", "Caffe")] = {"Python": [40] * 6, "Theano": [9] * 6}
    result = trends.collect(make_ctx(fake, SEVEN))
    assert result.status == "ok" and series_of(result, "f5") == [9 * 1.25] * 6
    f5 = next(o for o in result.observations if o.framework == "f5")
    assert (f5.details["scale"], f5.details["raw"]) == (1.25, 9)


def test_429_twice_then_success_retries_with_recorded_sleeps(fake):
    fake.series = {"PyTorch": [10, 20, 30, 40, 50, 60]}
    fake.too_many = 2
    sleeps = Sleeps()
    ctx = make_ctx(fake, ["PyTorch"], sleeps)
    result = trends.collect(ctx)
    assert fake.served_429 == 2 and result.status == "ok"
    assert series_of(result, "f1") == [10, 20, 30, 40, 50, 60]
    assert sleeps == [5.0, 10.0]
    assert ctx.http.requests == 2 * 2 + 3  # two attempts stopped at explore, one full attempt
    assert len(fake.seen("/trends/explore/")) == 3  # a fresh cookie per attempt


def test_429_always_raises_skippable_with_retry_after(fake):
    fake.series = {"PyTorch": [10, 20, 30, 40, 50, 60]}
    fake.too_many = -1
    sleeps = Sleeps()
    with pytest.raises(SkippableError, match="retry later") as info:
        trends.collect(make_ctx(fake, ["PyTorch"], sleeps))
    assert "429" in str(info.value) and info.value.retry_after == NOW + dt.timedelta(hours=1)
    assert fake.served_429 == 3 and sleeps == [5.0, 10.0]  # bounded: 3 attempts


def test_empty_answer_is_skippable(fake):
    fake.empty = True
    with pytest.raises(SkippableError, match="no data") as info:
        trends.collect(make_ctx(fake, ["PyTorch"]))
    assert info.value.retry_after == NOW + dt.timedelta(hours=1)


def test_pytrends_urls_are_restored_after_collect(fake):
    before = (pt_request.BASE_TRENDS_URL, TrendReq.GENERAL_URL, TrendReq.INTEREST_OVER_TIME_URL)
    fake.too_many = -1
    with pytest.raises(SkippableError):
        trends.collect(make_ctx(fake, ["PyTorch"]))
    assert (pt_request.BASE_TRENDS_URL, TrendReq.GENERAL_URL, TrendReq.INTEREST_OVER_TIME_URL) == before
    assert before[0] == "https://trends.google.com/trends"


@pytest.mark.slow
def test_refresh_with_rate_limit_is_skipped_not_failed(fake, tmp_path, monkeypatch):
    fake.too_many = -1
    sleeps = Sleeps()
    monkeypatch.setattr(refresh_mod, "HttpClient", lambda secrets, **kw: HttpClient(secrets, sleep=sleeps, **kw))
    settings = Settings(db_path=tmp_path / "x.duckdb", trends_url=fake.url)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    [outcome] = refresh(settings, parse_registry(toml_for(["PyTorch", "JAX"])), sources=["trends"])
    assert outcome.status == "skipped" and "429" in outcome.error and outcome.requests == 6
    assert sleeps == [5.0, 10.0]
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        status, retry_after, details = con.execute(
            "SELECT status, retry_after, details FROM runs WHERE source = 'trends'"
        ).fetchone()
        n = con.execute("SELECT count(*) FROM observations WHERE metric = 'trends.interest'").fetchone()[0]
    finally:
        con.close()
    assert status == "skipped" and retry_after is not None
    assert before + dt.timedelta(minutes=59) <= retry_after <= before + dt.timedelta(minutes=61)
    assert json.loads(details)["frameworks"] == ["f1", "f2"] and n == 0


@pytest.mark.slow
def test_refresh_success_stores_rows(fake, tmp_path):
    fake.series = {"PyTorch": [10, 20, 30, 40, 50, 60], "JAX": [1, 2, 3, 4, 5, 6]}
    settings = Settings(db_path=tmp_path / "x.duckdb", trends_url=fake.url)
    [outcome] = refresh(settings, parse_registry(toml_for(["PyTorch", "JAX"])), sources=["trends"])
    assert outcome.status == "ok" and outcome.rows_written == 12 and outcome.requests == 3
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        rows = con.execute(
            "SELECT framework, date, value FROM observations WHERE metric = 'trends.interest' ORDER BY framework, date"
        ).fetchall()
    finally:
        con.close()
    assert rows[0] == ("f1", dt.date(2025, 1, 5), 10.0) and rows[-1] == ("f2", dt.date(2025, 2, 9), 6.0)


def test_five_terms_is_one_batch_six_is_anchored(fake):
    five = ["PyTorch", "TensorFlow", "Keras", "JAX", "Theano"]
    trends.collect(make_ctx(fake, five))
    assert [
        [c["keyword"] for c in json.loads(r.query["req"][0])["comparisonItem"]]
        for r in fake.seen("/trends/api/explore")
    ] == [five]

    fake.requests.clear()
    fake.batch_series[("Python", "PyTorch", "TensorFlow", "Keras", "JAX")] = {"Python": [30] * 6, "PyTorch": [3] * 6}
    fake.batch_series[("Python", "Theano")] = {"Python": [60] * 6, "Theano": [8] * 6}
    # a framework whose term is the anchor itself reads the anchor column of the reference batch
    result = trends.collect(make_ctx(fake, [*five, "python"]))
    assert [
        [c["keyword"] for c in json.loads(r.query["req"][0])["comparisonItem"]]
        for r in fake.seen("/trends/api/explore")
    ] == [["Python", *five[:4]], ["Python", "Theano"]]
    assert series_of(result, "f6") == [30] * 6 and series_of(result, "f1") == [3] * 6
    assert series_of(result, "f5") == [4.0] * 6  # 8 * 30/60
    assert result.status == "ok" and len(result.observations) == 6 * 6


def test_term_without_data_is_reported_never_stored_as_zeros(fake):
    """CHANGES item 11: a term Google has no data for comes back as zeros with hasData false:
    that is "no data for <term>", not a series of zero interest."""
    fake.series = {"PyTorch": [10, 20, 30, 40, 50, 60], "TensorFlow": [5, 5, 5, 5, 5, 5]}
    fake.no_data = {"Flux.jl"}
    result = trends.collect(make_ctx(fake, ["PyTorch", "Flux.jl", "TensorFlow"]))
    assert not series_of(result, "f2")  # nothing stored for the term without data
    assert set(result.failures) == {"f2"}
    msg = result.failures["f2"]
    assert msg.startswith("no data for 'Flux.jl'") and "trends_terms" in msg and "\n" not in msg
    assert result.details["no_data"] == {"Flux.jl": ["f2"]}
    assert series_of(result, "f1") == [10, 20, 30, 40, 50, 60]
    assert series_of(result, "f3") == [5] * 6
    assert result.status == "partial"


def test_zero_with_data_is_stored_as_zero(fake):
    """A 0 with hasData true is low interest, a real value (only hasData false means no data)."""
    fake.series = {"PyTorch": [0, 0, 7, 0, 0, 3]}
    result = trends.collect(make_ctx(fake, ["PyTorch"]))
    assert series_of(result, "f1") == [0, 0, 7, 0, 0, 3] and not result.failures


def test_has_data_is_read_from_the_recorded_body():
    """The parser reads hasData per term from a real recorded multiline body (all true there)."""
    from fakes.trends import RECORDED, _split_prefix

    _, body = _split_prefix((RECORDED / "03_multiline_GET_pizza_bagel_day.body.txt").read_text(encoding="utf-8"))
    flags = trends_fetch.has_data_by_week(body["default"]["timelineData"], ["pizza", "bagel"])
    assert flags["pizza"] == {dt.date(2021, 1, d): True for d in range(1, 6)}
    body["default"]["timelineData"][1]["hasData"] = [True, False]
    assert (
        trends_fetch.has_data_by_week(body["default"]["timelineData"], ["pizza", "bagel"])["bagel"][dt.date(2021, 1, 2)]
        is False
    )
