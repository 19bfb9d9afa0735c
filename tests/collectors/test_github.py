"""GitHub collector against a real fake server on 127.0.0.1 (no network)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import stat
import time

import duckdb
import pytest

from fakes.github import FakeGitHub, weeks_of
from fakes.github_context import github_context
from fwpulse.collectors import github
from fwpulse.collectors.base import CollectContext, SourceResult
from fwpulse.collectors.errors import RetriableError
from fwpulse.collectors.github import api as github_api
from fwpulse.collectors.github import counts as github_counts
from fwpulse.collectors.refresh import refresh
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

TOKEN = "ghp_TESTTOKEN0123456789abcdefSECRET"
NOW = dt.datetime(2026, 11, 24, 12, 0, 0)
TOML = """
[frameworks.pytorch]
name = "PyTorch"
github = "pytorch/pytorch"

[frameworks.jax]
name = "JAX"
github = "jax-ml/jax"

[frameworks.nogh]
name = "No GitHub"
{sources}
"""


@pytest.fixture(autouse=True)
def no_gh_cli(monkeypatch):
    """Never pick up a real `gh` token from the machine running the tests."""
    monkeypatch.setattr(github_api.shutil, "which", lambda name: None)


@pytest.fixture
def gh():
    fake = FakeGitHub().start()
    fake.add_repo(
        "pytorch/pytorch",
        stars=98765,
        forks=26543,
        watchers=1789,
        open_issues=15000,
        open_prs=3456,
        closed_issues=40000,
        merged_prs=60000,
        releases=70,
        created_at="2016-08-13T05:26:41Z",
    )
    fake.add_repo(
        "jax-ml/jax",
        stars=34567,
        forks=3210,
        watchers=345,
        open_issues=1400,
        open_prs=456,
        closed_issues=7000,
        merged_prs=15000,
        releases=120,
        created_at="2018-10-25T21:25:02Z",
    )
    yield fake
    fake.stop()


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_ctx(
    fake: FakeGitHub,
    *,
    token: str | None = None,
    state: dict | None = None,
    backfill: bool = False,
    sources: str = "",
    sleep=None,
    only: list[str] | None = None,
) -> CollectContext:
    registry = parse_registry(TOML.format(sources=sources))
    frameworks = [f for f in registry.select(only) if github.SOURCE.needs(f)]
    sleep = sleep if sleep is not None else Sleeps()
    return github_context(
        fake, registry, frameworks, now=NOW, sleep=sleep, token=token, state=state, backfill=backfill, backoff_base=0.01
    )


def values(result: SourceResult) -> dict[tuple[str, str], float]:
    return {(o.framework, o.metric): o.value for o in result.observations if o.date == NOW.date()}


# ------------------------------------------------------------------ GraphQL


def test_graphql_one_post_all_counts(gh):
    ctx = make_ctx(gh, token=TOKEN)
    result = github.collect(ctx)
    assert result.status == "ok" and not result.failures
    v = values(result)
    assert v[("pytorch", "github.stars")] == 98765
    assert v[("pytorch", "github.forks")] == 26543
    assert v[("pytorch", "github.watchers")] == 1789
    assert v[("pytorch", "github.open_issues")] == 15000
    assert v[("pytorch", "github.closed_issues")] == 40000
    assert v[("pytorch", "github.open_prs")] == 3456
    assert v[("pytorch", "github.merged_prs")] == 60000
    assert v[("pytorch", "github.releases")] == 70
    assert v[("jax", "github.stars")] == 34567 and v[("jax", "github.merged_prs")] == 15000
    assert len(result.observations) == 16
    assert {o.source for o in result.observations} == {"GitHub GraphQL"}
    assert all(o.source_url == f"{gh.url}/graphql" for o in result.observations)
    posts = gh.seen("/graphql", "POST")
    assert len(posts) == 1 and len(gh.requests) == 1 and ctx.http.requests == 1
    assert posts[0].headers["authorization"] == f"Bearer {TOKEN}"
    query = json.loads(posts[0].body)["query"]
    assert 'r0: repository(owner: "pytorch", name: "pytorch")' in query and "rateLimit" in query
    assert result.details["rate_limit"] == {"cost": 1, "remaining": 4990, "resetAt": "2024-05-01T12:34:56Z"}


def test_graphql_not_found_for_one_repo(gh):
    del gh.repos["jax-ml/jax"]
    result = github.collect(make_ctx(gh, token=TOKEN))
    assert result.status == "partial"
    assert set(result.failures) == {"jax"}
    assert "jax-ml/jax" in result.failures["jax"] and "NOT_FOUND" in result.failures["jax"]
    assert "frameworks.toml" in result.failures["jax"] and "\n" not in result.failures["jax"]
    assert {o.framework for o in result.observations} == {"pytorch"}
    assert values(result)[("pytorch", "github.stars")] == 98765


# ------------------------------------------------------------------ REST + conditional requests


def test_rest_etag_then_304_keeps_values(gh):
    ctx = make_ctx(gh)
    first = github.collect(ctx)
    assert first.status == "ok"
    v = values(first)
    assert v[("pytorch", "github.stars")] == 98765
    assert v[("pytorch", "github.forks")] == 26543
    assert v[("pytorch", "github.watchers")] == 1789
    assert v[("pytorch", "github.open_issues_incl_prs")] == 15000 + 3456
    assert v[("pytorch", "github.open_prs")] == 3456
    assert v[("pytorch", "github.open_issues")] == 15000
    assert v[("jax", "github.open_issues")] == 1400
    assert {o.source for o in first.observations} == {"GitHub REST"}
    assert "minus open PRs" in next(o.method for o in first.observations if o.metric == "github.open_issues")
    assert "authorization" not in gh.requests[0].headers
    etag = gh.repos["pytorch/pytorch"].etag
    assert first.state["etag:pytorch/pytorch"]["etag"] == etag
    assert ctx.http.requests == 4  # 2 repos + 2 searches
    search = gh.seen("/search/issues")[0]
    assert search.query["q"] == ["repo:pytorch/pytorch is:pr is:open"] and search.query["per_page"] == ["1"]

    state = json.loads(json.dumps(first.state))  # as stored in source_state
    before = len(gh.requests)
    ctx2 = make_ctx(gh, state=state)
    second = github.collect(ctx2)
    new = gh.requests[before:]
    assert ctx2.http.requests == 2 and len(new) == 2  # no search on 304
    assert all(r.path.startswith("/repos/") for r in new)
    assert new[0].headers["if-none-match"] == etag
    assert values(second) == v
    assert all(o.details["not_modified"] is True for o in second.observations)
    # the same short method as the 200 answer, so a 304 stores no new row for an unchanged value
    assert {(o.metric, o.method) for o in second.observations} == {(o.metric, o.method) for o in first.observations}


def test_404_for_one_repo(gh):
    del gh.repos["jax-ml/jax"]
    result = github.collect(make_ctx(gh))
    assert result.status == "partial"
    assert set(result.failures) == {"jax"}
    msg = result.failures["jax"]
    assert "jax-ml/jax" in msg and "404" in msg and "frameworks.toml" in msg
    assert values(result)[("pytorch", "github.stars")] == 98765
    assert not any(o.framework == "jax" for o in result.observations)


def test_malformed_json_names_repo_and_writes_nothing_for_it(gh):
    gh.script["/repos/jax-ml/jax"].append((200, {"ETag": '"abc"'}, '{"stargazers_count": 12, '))
    result = github.collect(make_ctx(gh))
    assert set(result.failures) == {"jax"}
    assert "jax-ml/jax" in result.failures["jax"] and "malformed JSON" in result.failures["jax"]
    assert not any(o.framework == "jax" for o in result.observations)
    assert "etag:jax-ml/jax" not in result.state
    assert values(result)[("pytorch", "github.forks")] == 26543


def test_301_renamed_repo_followed(gh, caplog):
    gh.rename("pytorch/pytorch", "pytorch/pytorch-renamed")
    gh.repos["pytorch/pytorch-renamed"] = gh.repos.pop("pytorch/pytorch")
    gh.repos["pytorch/pytorch-renamed"].full_name = "pytorch/pytorch-renamed"
    with caplog.at_level(logging.WARNING):
        result = github.collect(make_ctx(gh, only=["pytorch"]))
    assert result.status == "ok"
    assert values(result)[("pytorch", "github.stars")] == 98765
    assert result.details["renamed"] == {"pytorch": "pytorch/pytorch-renamed"}
    assert "pytorch/pytorch-renamed" in caplog.text and "frameworks.toml" in caplog.text
    assert values(result)[("pytorch", "github.open_prs")] == 3456  # searched under the new name
    assert [r.path for r in gh.requests] == ["/repos/pytorch/pytorch", "/repositories/515436299", "/search/issues"]
    assert gh.requests[2].query["q"] == ["repo:pytorch/pytorch-renamed is:pr is:open"]


# ------------------------------------------------------------------ rate limits and retries


def test_primary_limit_with_far_reset_raises_retriable(gh):
    reset = int(time.time()) + 3600
    gh.script["/repos/pytorch/pytorch"].append(
        (
            403,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
            {"message": "API rate limit exceeded for 127.0.0.1."},
        )
    )
    ctx = make_ctx(gh)
    with pytest.raises(RetriableError) as err:
        github.collect(ctx)
    assert err.value.retry_after == dt.datetime.fromtimestamp(reset, dt.UTC).replace(tzinfo=None)
    assert "max_rate_limit_wait_seconds" in str(err.value)
    assert ctx.http.requests == 1 and ctx.http.sleep == []
    assert ctx.http.max_wait == 120.0  # restored


def test_rate_limit_after_some_repos_keeps_them_and_sets_retry_after(gh):
    reset = int(time.time()) + 3600
    gh.script["/repos/jax-ml/jax"].append(
        (429, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}, {"message": "API rate limit exceeded"})
    )
    result = github.collect(make_ctx(gh))
    assert result.status == "partial" and set(result.failures) == {"jax"}
    assert "rate limit" in result.failures["jax"]
    assert result.retry_after == dt.datetime.fromtimestamp(reset, dt.UTC).replace(tzinfo=None)
    assert values(result)[("pytorch", "github.stars")] == 98765


def test_primary_limit_with_near_reset_waits_then_collects(gh):
    reset = int(time.time()) + 30
    gh.script["/repos/pytorch/pytorch"].append(
        (429, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}, {"message": "API rate limit exceeded"})
    )
    ctx = make_ctx(gh, sources="[sources.github]\nmax_rate_limit_wait_seconds = 60")
    result = github.collect(ctx)
    assert result.status == "ok"
    assert len(ctx.http.sleep) == 1 and 25 <= ctx.http.sleep[0] <= 32
    assert values(result)[("pytorch", "github.stars")] == 98765


def test_secondary_limit_retry_after_honoured(gh):
    gh.script["/repos/pytorch/pytorch"].append(
        (
            403,
            {"Retry-After": "1", "X-RateLimit-Remaining": "4000"},
            {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."},
        )
    )
    ctx = make_ctx(gh, sleep=time.sleep, only=["pytorch"])
    t0 = time.monotonic()
    result = github.collect(ctx)
    elapsed = time.monotonic() - t0
    assert 1.0 <= elapsed < 4.0
    assert ctx.http.waited == 1.0
    assert values(result)[("pytorch", "github.stars")] == 98765


def test_500_then_200_is_retried(gh):
    gh.script["/repos/pytorch/pytorch"].append((500, {}, {"message": "Server Error"}))
    ctx = make_ctx(gh, only=["pytorch"])
    result = github.collect(ctx)
    assert result.status == "ok"
    assert len(gh.seen("/repos/pytorch/pytorch")) == 2 and ctx.http.requests == 3
    assert values(result)[("pytorch", "github.open_prs")] == 3456


def test_graphql_rate_limited_with_far_reset(gh):
    reset = int(time.time()) + 7200
    gh.script["/graphql"].append(
        (
            200,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
            {
                "errors": [
                    {
                        "type": "RATE_LIMIT",
                        "code": "graphql_rate_limit",
                        "message": "API rate limit already exceeded for user ID 12345.",
                    }
                ]
            },
        )
    )
    with pytest.raises(RetriableError) as err:
        github.collect(make_ctx(gh, token=TOKEN))
    assert err.value.retry_after == dt.datetime.fromtimestamp(reset, dt.UTC).replace(tzinfo=None)


def test_graphql_rate_limited_body_without_headers_is_retriable(gh):
    gh.script["/graphql"].append(
        (200, {}, {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1431904."}]})
    )
    with pytest.raises(RetriableError, match="GraphQL rate limit"):
        github.collect(make_ctx(gh, token=TOKEN))


def test_search_bucket_paces_30_per_minute():
    clock = [0.0]
    sleeps = Sleeps()
    bucket = github.SearchBucket(per_minute=30, clock=lambda: clock[0], sleep=sleeps)
    for _ in range(30):
        bucket.take()
    assert sleeps == []
    bucket.take()
    assert sleeps == [pytest.approx(2.0)]
    clock[0] = 2.0 + 10.0  # 10 s later: 5 more tokens
    for _ in range(5):
        bucket.take()
    assert len(sleeps) == 1
    bucket.take()
    assert len(sleeps) == 2 and sleeps[-1] == pytest.approx(2.0)


# ------------------------------------------------------------------ backfill


def test_backfill_stars_months_releases_and_skip_done_months(gh):
    # weeks of 2026-11-08 and -15 are over on Tue 2026-11-24; the week of 11-22 is running (partial)
    gh.star_history["pytorch/pytorch"] = weeks_of(
        dt.date(2026, 11, 8), [[20, 20, 20, 20, 20, 10, 10], [15, 15, 15, 15, 15, 10, 10], [9, 12, 0, 0, 0, 0, 0]]
    )
    gh.search_totals["repo:pytorch/pytorch is:issue created:2026-09-01..2026-09-30"] = 410
    gh.search_totals["repo:pytorch/pytorch is:issue closed:2026-09-01..2026-09-30"] = 388
    gh.search_totals["repo:pytorch/pytorch is:issue created:2026-10-01..2026-10-31"] = 455
    gh.search_totals["repo:pytorch/pytorch is:issue closed:2026-10-01..2026-10-31"] = 401
    gh.releases["pytorch/pytorch"] = [
        gh.release("v2.0.0", "2023-03-15T17:00:00Z"),
        gh.release("v2.1.0", "2023-10-04T17:00:00Z"),
        gh.release("v3.0.0-rc1", "2026-10-01T00:00:00Z", prerelease=True),
        gh.release("v4.0.0", "2026-10-03T00:00:00Z", prerelease=True),
        gh.release("v9.9.9", "2026-10-02T00:00:00Z", draft=True),
    ]
    sleeps = Sleeps()
    clock = [0.0]
    bucket = github.SearchBucket(per_minute=3, clock=lambda: clock[0], sleep=sleeps)
    ctx = make_ctx(gh, backfill=True, only=["pytorch"], sources='[sources.github]\nbackfill_since = "2026-09"')
    result = github.collect(ctx, bucket=bucket)
    assert result.status == "ok", result.failures
    obs = {(o.metric, o.date): o for o in result.observations}
    assert obs[("github.stars_added", dt.date(2026, 11, 8))].value == 120
    assert obs[("github.stars_added", dt.date(2026, 11, 15))].value == 95
    assert ("github.stars_added", dt.date(2026, 11, 22)) not in obs  # the running week is never stored
    assert (
        obs[("github.stars_added", dt.date(2026, 11, 8))].method
        == "stars still held today, by the week they were given"
    )
    assert obs[("github.issues_opened", dt.date(2026, 9, 1))].value == 410
    assert obs[("github.issues_closed", dt.date(2026, 9, 1))].value == 388
    assert obs[("github.issues_opened", dt.date(2026, 10, 1))].value == 455
    assert obs[("github.issues_closed", dt.date(2026, 10, 1))].value == 401
    assert ("github.issues_opened", dt.date(2026, 11, 1)) not in obs  # current month is not complete
    assert result.state["months:pytorch/pytorch"] == {"done": ["2026-09", "2026-10"]}
    # 1 open-PR search + 4 monthly searches at 3/minute: two waits of 20 s on a frozen clock
    assert sleeps == [pytest.approx(20.0), pytest.approx(20.0)]
    rel = {e.label: e for e in result.events}
    assert set(rel) == {"v2.0.0", "v2.1.0", "v3.0.0-rc1", "v4.0.0"}
    assert rel["v4.0.0"].is_major is False  # a pre-release is not a major release
    assert rel["v2.0.0"].is_major is True and rel["v2.0.0"].date == dt.date(2023, 3, 15)
    assert rel["v2.1.0"].is_major is False and rel["v3.0.0-rc1"].is_major is False
    assert gh.seen("/repos/pytorch/pytorch/releases")[0].query["per_page"] == ["100"]

    before = len(gh.seen("/search/issues"))
    again = github.collect(
        make_ctx(
            gh,
            backfill=True,
            only=["pytorch"],
            state=json.loads(json.dumps(result.state)),
            sources='[sources.github]\nbackfill_since = "2026-09"',
        ),
        bucket=github.SearchBucket(per_minute=30),
    )
    new_searches = gh.seen("/search/issues")[before:]
    assert [s.query["q"][0] for s in new_searches] == []  # 304 on the repo, months done: no search at all
    assert not any(o.metric.startswith("github.issues_") for o in again.observations)


def test_backfill_without_star_history_endpoint_still_collects_months(gh):
    gh.script["/repos/jax-ml/jax/stargazers/history"].append((404, {}, {"message": "Not Found"}))
    gh.search_totals["repo:jax-ml/jax is:issue created:2026-10-01..2026-10-31"] = 77
    ctx = make_ctx(gh, backfill=True, only=["jax"], sources='[sources.github]\nbackfill_since = "2026-10"')
    result = github.collect(ctx, bucket=github.SearchBucket(per_minute=30, sleep=Sleeps()))
    assert result.status == "ok" and result.details["star_history_unavailable"] == ["jax"]
    obs = {(o.metric, o.date): o.value for o in result.observations}
    assert obs[("github.issues_opened", dt.date(2026, 10, 1))] == 77
    assert obs[("github.issues_closed", dt.date(2026, 10, 1))] == 0
    assert not any(o.metric == "github.stars_added" for o in result.observations)


def test_backfill_window_defaults_to_24_months_and_creation_date(gh):
    ctx = make_ctx(gh)
    months = github.backfill_months(ctx, None)
    assert months[0] == dt.date(2024, 11, 1) and months[-1] == dt.date(2026, 10, 1) and len(months) == 24
    assert github.backfill_months(ctx, "2026-03-05T00:00:00Z")[0] == dt.date(2026, 3, 1)


# ------------------------------------------------------------------ token handling


def _all_text(db_path) -> str:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        chunks = []
        for table in ("runs", "observations", "source_state", "events"):
            cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            for row in con.execute(
                f"SELECT {', '.join(f'CAST({c} AS VARCHAR)' for c in cols)} FROM {table}"
            ).fetchall():
                chunks.extend(str(x) for x in row)
        return "\n".join(chunks)
    finally:
        con.close()


@pytest.mark.slow
def test_end_to_end_refresh_stores_exact_values(gh, tmp_path):
    settings = Settings(
        db_path=tmp_path / "fw.duckdb",
        github_api_url=gh.url,
        github_graphql_url=f"{gh.url}/graphql",
        github_token=TOKEN,
    )
    registry = parse_registry(TOML.format(sources=""))
    [outcome] = refresh(settings, registry, sources=["github"])
    assert outcome.status == "ok" and outcome.requests == 1 and outcome.rows_written == 16
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        rows = con.execute(
            "SELECT framework, metric, date, value, source FROM metric_values "
            "WHERE source LIKE 'GitHub%' AND date = ? ORDER BY framework, metric",
            [dt.datetime.now(dt.UTC).date()],
        ).fetchall()
        run = con.execute("SELECT status, requests, details FROM runs WHERE source = 'github'").fetchall()
    finally:
        con.close()
    got = {(f, m): v for f, m, _, v, s in rows}
    assert got[("pytorch", "github.stars")] == 98765.0 and got[("jax", "github.forks")] == 3210.0
    assert got[("jax", "github.open_issues")] == 1400.0 and got[("pytorch", "github.merged_prs")] == 60000.0
    assert len(got) == 16 and {r[4] for r in rows} == {"GitHub GraphQL"}
    assert run[0][0] == "ok" and run[0][1] == 1
    assert json.loads(run[0][2])["rate_limit"]["remaining"] == 4990
    assert TOKEN not in _all_text(settings.db_path)


@pytest.mark.slow
def test_end_to_end_rate_limited_run_is_failed_with_retry_after(gh, tmp_path):
    reset = int(time.time()) + 3600
    gh.script["/repos/pytorch/pytorch"].append(
        (
            403,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
            {"message": "API rate limit exceeded for 127.0.0.1."},
        )
    )
    settings = Settings(db_path=tmp_path / "fw.duckdb", github_api_url=gh.url, github_graphql_url=f"{gh.url}/graphql")
    [outcome] = refresh(settings, parse_registry(TOML.format(sources="")), sources=["github"])
    assert outcome.status == "failed" and "rate limit" in outcome.error and outcome.requests == 1
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        run_id, status, retry_after = con.execute(
            "SELECT run_id, status, retry_after FROM runs WHERE source = 'github'"
        ).fetchone()
        n = con.execute("SELECT count(*) FROM observations WHERE run_id = ?", [run_id]).fetchone()[0]
    finally:
        con.close()
    assert status == "failed" and retry_after == dt.datetime.fromtimestamp(reset, dt.UTC).replace(tzinfo=None)
    assert n == 0


@pytest.mark.slow
def test_token_never_stored_or_logged_even_when_echoed(gh, tmp_path, caplog):
    gh.script["/graphql"].append(
        (401, {}, {"message": f"Bad credentials: Bearer {TOKEN}", "documentation_url": "https://docs.github.com/rest"})
    )
    settings = Settings(
        db_path=tmp_path / "fw.duckdb",
        github_api_url=gh.url,
        github_graphql_url=f"{gh.url}/graphql",
        github_token=TOKEN,
    )
    with caplog.at_level(logging.DEBUG):
        [outcome] = refresh(settings, parse_registry(TOML.format(sources="")), sources=["github"])
    assert outcome.status == "failed" and "401" in outcome.error and "***" in outcome.error
    assert gh.seen("/graphql")[0].headers["authorization"] == f"Bearer {TOKEN}"  # it was really sent
    assert TOKEN not in _all_text(settings.db_path)
    assert TOKEN not in caplog.text


def test_token_from_gh_cli_is_used_and_redacted(gh, tmp_path, monkeypatch):
    cli = tmp_path / "gh"
    cli.write_text(f"#!/bin/sh\necho {TOKEN}\n")
    cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(github_api.shutil, "which", lambda name: str(cli) if name == "gh" else None)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    ctx = make_ctx(gh)
    result = github.collect(ctx)
    assert result.details["mode"] == "graphql" and result.status == "ok"
    assert gh.seen("/graphql")[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert ctx.http.redact(f"x {TOKEN} y") == "x *** y"


@pytest.mark.slow
def test_same_day_repeat_with_token_makes_no_request(gh, tmp_path):
    """GraphQL has no conditional requests: today's counts are reused, proven by the request log."""
    settings = Settings(
        db_path=tmp_path / "fw.duckdb",
        github_api_url=gh.url,
        github_graphql_url=f"{gh.url}/graphql",
        github_token=TOKEN,
    )
    registry = parse_registry(TOML.format(sources=""))
    [first] = refresh(settings, registry, sources=["github"])
    assert first.status == "ok" and first.requests == 1 and len(gh.requests) == 1
    [again] = refresh(settings, registry, sources=["github"])
    assert again.status == "ok" and again.requests == 0 and len(gh.requests) == 1
    assert again.rows_written == 0 and again.rows_unchanged == 16
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        details = json.loads(
            con.execute("SELECT details FROM runs WHERE source = 'github' ORDER BY run_id DESC LIMIT 1").fetchall()[0][
                0
            ]
        )
    finally:
        con.close()
    assert "reused without a request" in details["counts_reused"]
    gh.repos["jax-ml/jax"].stars += 5
    [forced] = refresh(settings, registry, sources=["github"], force=True)
    assert forced.requests == 1 and len(gh.requests) == 2 and forced.rows_written == 1


def test_reused_counts_expire_the_next_day_and_cover_only_collected_repos(gh):
    first = make_ctx(gh, token=TOKEN)
    result = github.collect(first)
    state = result.state
    assert state[github_counts.GQL_STATE]["date"] == NOW.date().isoformat()
    same_day = make_ctx(gh, token=TOKEN, state=state)
    assert values(github.collect(same_day)) == values(result) and len(gh.seen("/graphql")) == 1
    next_day = make_ctx(gh, token=TOKEN, state=state)
    next_day.now = NOW + dt.timedelta(days=1)
    github.collect(next_day)
    assert len(gh.seen("/graphql")) == 2
    partial = {
        github_counts.GQL_STATE: {
            **state[github_counts.GQL_STATE],
            "repos": {"jax-ml/jax": state[github_counts.GQL_STATE]["repos"]["jax-ml/jax"]},
        }
    }
    github.collect(make_ctx(gh, token=TOKEN, state=partial))
    assert len(gh.seen("/graphql")) == 3  # pytorch was not collected today: ask
