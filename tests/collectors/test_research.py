"""research collector (OpenAlex grouped counts) against FakeOpenAlexGroups on 127.0.0.1, in process and
through `fwpulse refresh --source research` on a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys

import duckdb
import pytest
import requests

from fakes.openalex_groups import ABSTRACT, FULLTEXT, FakeOpenAlexGroups
from fwpulse.collectors import refresh as orchestrator
from fwpulse.collectors import research
from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.errors import FatalSourceError, RetriableError
from fwpulse.collectors.http import HttpClient
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

KEY = "oa-SECRET-key-7171"
NOW = dt.datetime(2026, 3, 10, 12, 0)
TERMS = {  # framework -> research_terms; jax's second term holds a comma (quoted, so the edge accepts it)
    "pytorch": ["pytorch", "torch"],
    "tensorflow": ["tensorflow"],
    "keras": ["keras"],
    "jax": ["jax", "flax, optax"],
}
VALUES = {fw: " OR ".join(f'"{t}"' for t in terms) for fw, terms in TERMS.items()}
SPAN = 6  # since_year = this year - SPAN


def toml(terms: dict[str, list[str]] = TERMS, since: int = NOW.year - SPAN) -> str:
    body = "".join(f"[frameworks.{fw}]\nname = {fw!r}\nresearch_terms = {json.dumps(t)}\n\n" for fw, t in terms.items())
    return body + '[frameworks.theano]\nname = "Theano"\n\n' + f"[sources.research]\nsince_year = {since}\n"


def tables(year: int) -> tuple[dict, dict, dict]:
    """The fake's counts (years relative to ``year``); every series leaves at least one year out."""
    y = year
    mentions = {
        (FULLTEXT, VALUES["pytorch"]): {y - 9: 999, y - 6: 10, y - 5: 40, y - 3: 300, y - 2: 200, y - 1: 500, y: 7},
        (ABSTRACT, VALUES["pytorch"]): {y - 3: 30, y - 2: 20, y - 1: 50, y: 1},
        (FULLTEXT, VALUES["tensorflow"]): {y - 6: 400, y - 5: 350, y - 4: 300, y - 3: 200, y - 2: 100},
        (ABSTRACT, VALUES["tensorflow"]): {y - 6: 40, y - 4: 30},
        (FULLTEXT, VALUES["keras"]): {y - 5: 60, y - 1: 61, y: 2},
        (ABSTRACT, VALUES["keras"]): {},
        (FULLTEXT, VALUES["jax"]): {y - 2: 80, y - 1: 120, y: 9},
        (ABSTRACT, VALUES["jax"]): {y - 1: 12},
    }
    ai = {y - k: 50000 - 1000 * k for k in range(12)}
    ai.pop(y - 4)  # a year without any AI paper: stored as 0
    fulltext = {y - k: 20000 - 500 * k for k in range(1, 12)}  # none yet for this year
    return mentions, ai, fulltext


def expected(year: int) -> dict[tuple[str, str], dict[dt.date, float]]:
    mentions, ai, fulltext = tables(year)
    years = range(year - SPAN, year + 1)
    out = {}
    for fw, value in VALUES.items():
        for field, metric in (
            (FULLTEXT, "research.papers_mentioning"),
            (ABSTRACT, "research.papers_mentioning_abstract"),
        ):
            out[(fw, metric)] = {dt.date(y, 1, 1): float(mentions[(field, value)].get(y, 0)) for y in years}
    out[("_all", "research.papers_ai")] = {dt.date(y, 1, 1): float(ai.get(y, 0)) for y in years}
    out[("_all", "research.papers_ai_fulltext")] = {dt.date(y, 1, 1): float(fulltext.get(y, 0)) for y in years}
    return out


def fake_for(year: int = NOW.year, **kw) -> FakeOpenAlexGroups:
    return FakeOpenAlexGroups(*tables(year), **kw)


def ctx_for(fake, tmp_path, key=None, text=None, now=NOW) -> CollectContext:
    registry = parse_registry(text or toml())
    settings = Settings(db_path=tmp_path / "x.duckdb", openalex_url=fake.base, openalex_api_key=key)
    http = HttpClient(settings.secrets(), sleep=lambda s: pytest.fail(f"must not wait ({s}s)"))
    frameworks = [f for f in registry if research.SOURCE.needs(f)]
    return CollectContext(frameworks=frameworks, registry=registry, settings=settings, http=http, state={}, now=now)


def series(observations) -> dict[tuple[str, str], dict[dt.date, float]]:
    out: dict = {}
    for o in observations:
        out.setdefault((o.framework, o.metric), {})[o.date] = o.value
    return out


def filter_of(fw: str, field: str, since: int = NOW.year - SPAN, year: int = NOW.year) -> str:
    return f"{field}:{VALUES[fw]},primary_topic.subfield.id:1702,publication_year:{since}-{year}"


# -- values ---------------------------------------------------------------------------------------


def test_every_year_stored_exactly_sorted_zero_filled_and_this_year_partial(tmp_path):
    with fake_for() as fake:
        # the fake answers like OpenAlex: buckets in count order, not year order, and only inside the range
        raw = requests.get(
            f"{fake.base}/works", params={"filter": filter_of("pytorch", FULLTEXT), "group_by": "publication_year"}
        )
        keys = [g["key"] for g in raw.json()["group_by"]]
        assert keys != sorted(keys) and str(NOW.year - 9) not in keys
        result = research.collect(ctx_for(fake, tmp_path))
    assert result.failures == {} and result.status == "ok"
    assert series(result.observations) == expected(NOW.year)
    for key in expected(NOW.year):  # each series in year order
        dates = [o.date for o in result.observations if (o.framework, o.metric) == key]
        assert dates == sorted(dates) and len(dates) == SPAN + 1
    rows = {(o.framework, o.metric, o.date.year): o for o in result.observations}
    tf = rows[("tensorflow", "research.papers_mentioning_abstract", NOW.year - 5)]
    assert tf.value == 0 and tf.details["zero_filled"] is True and tf.quality == "ok"
    assert "leaves out years" in tf.details["reason"]
    kept = rows[("tensorflow", "research.papers_mentioning_abstract", NOW.year - 4)]
    assert kept.value == 30 and "zero_filled" not in kept.details and "reason" not in kept.details
    now_pt = rows[("pytorch", "research.papers_mentioning", NOW.year)]
    assert now_pt.value == 7 and now_pt.quality == "partial_period" and now_pt.details["period_end"] == "2026-03-10"
    now_ft = rows[("_all", "research.papers_ai_fulltext", NOW.year)]  # this year: both partial and zero-filled
    assert now_ft.value == 0 and now_ft.quality == "partial_period" and now_ft.details["zero_filled"] is True
    assert {o.quality for o in result.observations if o.date.year < NOW.year} == {"ok"}
    assert {o.source for o in result.observations} == {"OpenAlex"}
    assert now_pt.details == {
        "filter": filter_of("pytorch", FULLTEXT),
        "scope": "fulltext",
        "subfield": "1702",
        "terms": ["pytorch", "torch"],
        "since_year": NOW.year - SPAN,
        "period_end": "2026-03-10",
        "reason": research.CURRENT_YEAR,
    }
    assert now_pt.method == (
        "OpenAlex works group_by=publication_year, fulltext.search.exact (title+abstract+full text since 2026-06-06) "
        'of "pytorch" OR "torch", primary_topic.subfield.id:1702'
    )
    assert rows[("_all", "research.papers_ai", 2021)].method == (
        "OpenAlex works group_by=publication_year, primary_topic.subfield.id:1702"
    )
    assert rows[("_all", "research.papers_ai_fulltext", 2021)].details["filter"] == (
        f"has_fulltext:true,primary_topic.subfield.id:1702,publication_year:{NOW.year - SPAN}-{NOW.year}"
    )
    sent = requests.Request(
        "GET", f"{fake.base}/works", params={"filter": filter_of("pytorch", FULLTEXT), "group_by": "publication_year"}
    )
    assert now_pt.source_url == sent.prepare().url


def test_one_grouped_request_per_framework_and_scope_plus_two_denominators(tmp_path):
    with fake_for() as fake:
        result = research.collect(ctx_for(fake, tmp_path))
    assert len(fake.log) == 10 and result.details["requests"] == 10 and result.details["credits"] == 10
    assert all(e.path == "/works" and e.query["group_by"] == ["publication_year"] for e in fake.log)
    assert all(set(e.query) == {"filter", "group_by"} and len(e.query["filter"]) == 1 for e in fake.log)
    filters = [e.query["filter"][0] for e in fake.log]
    tail = f"primary_topic.subfield.id:1702,publication_year:{NOW.year - SPAN}-{NOW.year}"
    assert filters[:2] == [tail, f"has_fulltext:true,{tail}"]
    assert sorted(filters[2:]) == sorted(filter_of(fw, f) for fw in TERMS for f in (FULLTEXT, ABSTRACT))
    # terms quoted and OR-joined; the comma inside "flax, optax" stays inside its quotes
    assert f'{FULLTEXT}:"pytorch" OR "torch",' in filters[2] and '"jax" OR "flax, optax"' in filters[-1]
    assert not any("theano" in f.lower() for f in filters)
    assert result.details["api_key"] is False and "authorization" not in fake.log[0].headers


@pytest.mark.slow
def test_a_framework_without_research_terms_asks_nothing(tmp_path):
    with fake_for() as fake:
        settings = Settings(db_path=tmp_path / "fw.duckdb", openalex_url=fake.base)
        [out] = orchestrator.refresh(settings, parse_registry(toml()), sources=["research"], framework_ids=["theano"])
    assert out.status == "ok" and out.requests == 0 and fake.log == [] and out.rows_written == 0


def test_the_fake_refuses_what_openalex_refuses():
    with fake_for(required_key="the-right-key") as fake:
        url = f"{fake.base}/works"

        def get(params, headers=None):
            return requests.get(url, params={"group_by": "publication_year", **params}, headers=headers)

        raw_comma = get({"filter": f"{FULLTEXT}:flax, optax,primary_topic.subfield.id:1702"})
        assert raw_comma.status_code == 400 and raw_comma.headers["x-openalex-edge-reject"] == "f1:raw_comma_filter"
        assert raw_comma.json()["error_source"] == "openalex-api-proxy"
        quoted = get({"filter": f'{FULLTEXT}:"flax, optax",primary_topic.subfield.id:1702'})
        assert quoted.status_code == 200
        assert get({"filter": "primary_topic.subfield.id:1702", "limit": "5"}).headers["x-openalex-edge-reject"] == (
            "f1:limit_param"
        )
        unknown = get({"filter": "primary_topic.subfield.id:1702", "per_pag": "5"})
        assert unknown.status_code == 400 and unknown.json()["message"].startswith("per_pag is not a valid parameter.")
        badkey = get({"filter": "badfilter:1,primary_topic.subfield.id:1702"})
        assert badkey.status_code == 400 and badkey.json()["message"].startswith("badfilter is not a valid field.")
        terms = " OR ".join(f'"term{i:04d}"' for i in range(600))  # a registry with hundreds of terms
        too_long = get({"filter": f"{FULLTEXT}:{terms},primary_topic.subfield.id:1702"})
        assert too_long.status_code == 400 and too_long.json()["error"] == "Request URL too long"
        wrong = get({"filter": "primary_topic.subfield.id:1702"}, {"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "Invalid or missing API key"
        assert get({"filter": "primary_topic.subfield.id:1702", "api_key": "nope"}).status_code == 401
        assert get({"filter": "primary_topic.subfield.id:1702"}, {"api-key": "the-right-key"}).status_code == 200
        ok = get({"filter": "primary_topic.subfield.id:1702,publication_year:2024-2025"})
        assert {g["key"] for g in ok.json()["group_by"]} == {"2024", "2025"}
        assert ok.headers["X-RateLimit-Credits-Used"] == "1" and ok.json()["meta"]["groups_count"] == 2


# -- the key ----------------------------------------------------------------------------------------


def test_the_key_travels_only_in_the_authorization_header(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with fake_for(required_key=KEY) as fake:
        result = research.collect(ctx_for(fake, tmp_path, key=KEY))
    assert len(fake.log) == 10 and all(e.headers["authorization"] == f"Bearer {KEY}" for e in fake.log)
    assert not any(KEY in e.target or "api_key" in e.query or "api-key" in e.query for e in fake.log)
    assert series(result.observations) == expected(NOW.year)
    stored = " ".join(f"{o.source_url} {o.method} {json.dumps(o.details)}" for o in result.observations)
    assert KEY not in stored + json.dumps(result.details) + caplog.text
    assert result.details["api_key"] is True


@pytest.mark.slow
def test_end_to_end_cli_refresh_stores_every_year_and_never_the_key(tmp_path):
    year = dt.datetime.now(dt.UTC).year
    cfg = tmp_path / "frameworks.toml"
    cfg.write_text(toml(since=year - SPAN))
    with fake_for(year, required_key=KEY) as fake:
        env = {"FWPULSE_OPENALEX_URL": fake.base, "OPENALEX_API_KEY": KEY, "FWPULSE_CONFIG": str(cfg)}
        first = _cli(tmp_path, env)
        second = _cli(tmp_path, env)
    assert first.returncode == 0 and second.returncode == 0, first.stdout + first.stderr
    assert "research: ok, 70 new rows" in first.stdout and "research: ok, 0 new rows, 70 unchanged" in second.stdout
    assert len(fake.log) == 20 and all(e.headers["authorization"] == f"Bearer {KEY}" for e in fake.log)
    assert KEY not in first.stdout + first.stderr + second.stdout + second.stderr
    got, dump, details = _stored(tmp_path / "fw.duckdb")
    assert got == expected(year)
    assert KEY not in dump
    assert details["requests"] == 10 and details["credits"] == 10 and details["api_key"] is True


def _cli(tmp_path, env, *args):
    return subprocess.run(
        [sys.executable, "-m", "fwpulse", "-v", "refresh", "--source", "research", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "FWPULSE_DB": str(tmp_path / "fw.duckdb"), **env},
        timeout=300,
    )


def _stored(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT framework, metric, date, value FROM metric_values WHERE source = 'OpenAlex'"
        ).fetchall()
        dump = con.execute("SELECT string_agg(CAST(o AS VARCHAR), ' ') FROM observations o").fetchone()[0]
        dump += con.execute("SELECT string_agg(CAST(r AS VARCHAR), ' ') FROM runs r").fetchone()[0]
        details = con.execute("SELECT details FROM runs WHERE source = 'research' ORDER BY run_id DESC").fetchone()[0]
    finally:
        con.close()
    out: dict = {}
    for fw, metric, date, value in rows:
        out.setdefault((fw, metric), {})[date] = value
    return out, dump, json.loads(details)


# -- partial answers ----------------------------------------------------------------------------------


def test_a_timed_out_answer_is_asked_again_and_the_full_one_stored(tmp_path):
    with fake_for(timed_out_for={'"tensorflow"': 1}) as fake:
        result = research.collect(ctx_for(fake, tmp_path))
    assert result.failures == {} and series(result.observations) == expected(NOW.year)
    filters = [e.query["filter"][0] for e in fake.log]
    assert len(filters) == 11 and filters.count(filter_of("tensorflow", FULLTEXT)) == 2
    assert result.details["timed_out"] == 1 and result.details["requests"] == 11


@pytest.mark.parametrize(
    ("timed_out", "failed"), [({"timed_out_for": {'"jax"': 2}}, "jax"), ({"timed_out": 2}, "_all")]
)
def test_timed_out_twice_fails_that_target_in_one_line_and_stores_nothing_partial(tmp_path, timed_out, failed):
    with fake_for(**timed_out) as fake:
        result = research.collect(ctx_for(fake, tmp_path))
    assert list(result.failures) == [failed] and result.status == "partial"
    msg = result.failures[failed]
    assert "timed out twice" in msg and "since_year" in msg and "\n" not in msg
    assert msg.startswith(fake.base + "/works?filter=")
    want = {k: v for k, v in expected(NOW.year).items() if k[0] != failed}
    assert series(result.observations) == want  # nothing of the failed target, halved or not
    assert len(fake.log) == 10  # asked twice, its second scope not asked


# -- refusals ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_budget_spent_mid_run_is_one_line_nothing_lost_exit_1(tmp_path):
    year = dt.datetime.now(dt.UTC).year
    cfg = tmp_path / "frameworks.toml"
    cfg.write_text(toml(since=year - SPAN))
    with fake_for(year, budget=14) as fake:
        env = {"FWPULSE_OPENALEX_URL": fake.base, "FWPULSE_CONFIG": str(cfg)}
        first = _cli(tmp_path, env)
        before, _, _ = _stored(tmp_path / "fw.duckdb")
        fake.mentions[(FULLTEXT, VALUES["pytorch"])][year] = 8  # this year grew since the first run
        second = _cli(tmp_path, env)
    assert first.returncode == 0 and before == expected(year)
    assert second.returncode == 1, second.stdout + second.stderr
    [line] = [s for s in second.stdout.splitlines() if s.startswith("research:")]
    assert line.startswith("research: partial, 1 new rows, 27 unchanged, 5 requests")
    assert "tensorflow: OpenAlex refused more requests (HTTP 429: Insufficient budget" in line
    assert "OPENALEX_API_KEY" in line and "$0.10/day to $1/day" in line and "not asked: keras, jax" in line
    assert "Traceback" not in second.stderr and len(fake.log) == 15
    after, _, details = _stored(tmp_path / "fw.duckdb")
    want = expected(year)
    want[("pytorch", "research.papers_mentioning")][dt.date(year, 1, 1)] = 8.0
    assert after == want  # tensorflow, keras, jax: still the first run's rows
    assert details["stopped"].startswith("OpenAlex refused more requests") and details["requests"] == 5
    con = duckdb.connect(str(tmp_path / "fw.duckdb"), read_only=True)
    try:
        status, retry_after = con.execute(
            "SELECT status, retry_after FROM runs WHERE source = 'research' ORDER BY run_id DESC"
        ).fetchone()
    finally:
        con.close()
    soon = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=43200)
    assert status == "partial" and abs((retry_after - soon).total_seconds()) < 600


def test_budget_spent_at_the_first_request_fails_with_retry_after(tmp_path):
    with fake_for(budget=0, reset_seconds=3600) as fake:
        with pytest.raises(RetriableError) as info:
            research.collect(ctx_for(fake, tmp_path))
    assert len(fake.log) == 1  # not retried: the budget resets at midnight UTC
    msg = str(info.value)
    assert "HTTP 429" in msg and "OPENALEX_API_KEY" in msg and "\n" not in msg
    assert info.value.retry_after == NOW + dt.timedelta(seconds=3600)


@pytest.mark.slow
def test_a_wrong_key_is_one_line_naming_the_setting(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with fake_for(required_key="the-right-key") as fake:
        with pytest.raises(FatalSourceError) as info:
            research.collect(ctx_for(fake, tmp_path, key=KEY))
        settings = Settings(db_path=tmp_path / "fw.duckdb", openalex_url=fake.base, openalex_api_key=KEY)
        [out] = orchestrator.refresh(settings, parse_registry(toml()), sources=["research"])
    msg = str(info.value)
    assert "HTTP 401: Provide a valid API key" in msg and "OPENALEX_API_KEY is wrong" in msg and "\n" not in msg
    assert KEY not in msg + caplog.text + out.summary()
    assert out.status == "failed" and "OPENALEX_API_KEY is wrong" in out.error and out.requests == 1


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_without_a_key_says_set_it(tmp_path, status):
    with fake_for() as fake:
        fake.fail_next = [(status, {"error": "Forbidden", "message": "You don't have access to this resource"}, {})]
        with pytest.raises(FatalSourceError) as info:
            research.collect(ctx_for(fake, tmp_path))
    msg = str(info.value)
    assert f"HTTP {status}" in msg and "OPENALEX_API_KEY is not set" in msg and "\n" not in msg


def test_a_400_is_one_line_with_openalexs_message_and_the_others_go_on(tmp_path):
    with fake_for() as fake:
        fake.fail_next = [
            (400, {"error": "Invalid query parameters error.", "message": "has_fulltex is not a valid field."}, {})
        ]
        result = research.collect(ctx_for(fake, tmp_path))
    assert list(result.failures) == ["_all"]
    assert "HTTP 400: has_fulltex is not a valid field." in result.failures["_all"]
    assert {fw for fw, _ in series(result.observations)} == set(TERMS)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"meta": {"count": 1}}, "no group_by list"),
        ({"meta": {}, "group_by": [{"key": "20x4", "count": 1}]}, "'20x4' is not"),
        ({"meta": {}, "group_by": [{"key": "2024", "count": "12"}]}, "'12' for 2024 is not a whole number"),
        ({"meta": {}, "group_by": [{"key": "2024", "count": 1.5}]}, "1.5 for 2024 is not a whole number"),
    ],
)
def test_a_malformed_answer_is_one_line_naming_the_url(tmp_path, body, says):
    with fake_for() as fake:
        fake.fail_next = [(200, body, {})]
        result = research.collect(ctx_for(fake, tmp_path))
    msg = result.failures["_all"]
    assert msg.startswith(f"{fake.base}/works?filter=") and says in msg and "\n" not in msg
    assert ("_all", "research.papers_ai") not in series(result.observations)


# -- definitions ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_changed_definition_is_a_new_method(tmp_path, monkeypatch):
    mentions, ai, fulltext = tables(dt.datetime.now(dt.UTC).year)
    mentions[(FULLTEXT, '"pytorch"')] = mentions[(FULLTEXT, VALUES["pytorch"])]  # same counts, one term fewer
    mentions[(ABSTRACT, '"pytorch"')] = mentions[(ABSTRACT, VALUES["pytorch"])]
    with FakeOpenAlexGroups(mentions, ai, fulltext) as fake:
        settings = Settings(db_path=tmp_path / "fw.duckdb", openalex_url=fake.base)

        def run(terms=TERMS):
            year = dt.datetime.now(dt.UTC).year
            [out] = orchestrator.refresh(settings, parse_registry(toml(terms, year - SPAN)), sources=["research"])
            return out

        first, same = run(), run()
        fewer = run({**TERMS, "pytorch": ["pytorch"]})
        monkeypatch.setitem(research.SCOPES, "fulltext", (FULLTEXT, "research.papers_mentioning", "body only"))
        redefined = run({**TERMS, "pytorch": ["pytorch"]})
    assert (first.rows_written, same.rows_written) == (70, 0)
    assert fewer.rows_written == 14 and fewer.rows_unchanged == 56  # pytorch's two series, every year
    assert redefined.rows_written == 28  # every framework's full-text series
    con = duckdb.connect(str(tmp_path / "fw.duckdb"), read_only=True)
    try:
        methods = [
            m
            for (m,) in con.execute(
                "SELECT DISTINCT method FROM observations WHERE framework = 'pytorch' "
                "AND metric = 'research.papers_mentioning' ORDER BY method"
            ).fetchall()
        ]
    finally:
        con.close()
    assert len(methods) == 3
    assert any('of "pytorch" OR "torch",' in m for m in methods) and any("(body only)" in m for m in methods)
