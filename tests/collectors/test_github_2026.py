"""GitHub as it is in late 2026 (CHANGES-2026-11.md items 1-4), against the fake built from the samples.

Each test names the API fact it holds the collector to; each fails if the collector ignores it.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from fakes.github import FakeGitHub, weeks_of
from fwpulse.collectors import github
from fwpulse.collectors.errors import FatalSourceError
from fwpulse.collectors.github import counts as github_counts
from fwpulse.collectors.github import star_history
from fwpulse.collectors.refresh import refresh
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings
from tests.collectors.test_github import TOKEN, TOML, Sleeps, make_ctx

FIRST_SUNDAY = dt.date(2025, 5, 4)  # 82 weeks up to the running week of 2026-11-22: three pages of 30
N_WEEKS = 82


def counts_for(i: int) -> list[int]:
    return [(i * 7 + d) % 11 for d in range(7)]


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
        created_at="2025-05-05T05:26:41Z",
    )
    fake.add_repo(
        "jax-ml/jax",
        stars=34567,
        forks=3210,
        watchers=345,
        open_issues=1400,
        open_prs=456,
        created_at="2026-10-05T21:25:02Z",
    )
    fake.star_history["pytorch/pytorch"] = weeks_of(FIRST_SUNDAY, [counts_for(i) for i in range(N_WEEKS)])
    # jax: 8 weeks that are over whatever today's date (refresh() runs on the real clock)
    fake.star_history["jax-ml/jax"] = weeks_of(
        dt.date(2026, 9, 6), [[1, 2, 3, 4, 5, 6, 7]] * 7 + [[3, 0, 0, 0, 0, 0, 1]]
    )
    yield fake
    fake.stop()


def expected_weeks() -> dict[dt.date, float]:
    """Every complete week, computed from the fake's data independently of the collector."""
    now = dt.date(2026, 11, 24)
    out = {}
    for i in range(N_WEEKS):
        sunday = FIRST_SUNDAY + dt.timedelta(weeks=i)
        if sunday + dt.timedelta(days=7) <= now:
            out[sunday] = float(sum(counts_for(i)))
    return out


def stars_added(result, framework: str = "pytorch") -> dict[dt.date, float]:
    return {
        o.date: o.value for o in result.observations if o.framework == framework and o.metric == "github.stars_added"
    }


def backfill(gh: FakeGitHub, state=None, only=("pytorch",), now=None, token=None):
    ctx = make_ctx(
        gh,
        backfill=True,
        only=list(only),
        state=state,
        token=token,
        sources='[sources.github]\nbackfill_since = "2026-09"',
    )
    if now is not None:
        ctx.now = now
    return github.collect(ctx, bucket=github.SearchBucket(per_minute=30, sleep=Sleeps())), ctx


# ------------------------------------------------------------------ item 1: star history


def test_first_backfill_follows_link_across_three_pages_and_stores_every_complete_week_exactly(gh):
    result, _ = backfill(gh)
    assert result.status == "ok", result.failures
    assert stars_added(result) == expected_weeks()
    assert len(expected_weeks()) == N_WEEKS - 1  # the running week of 2026-11-22 is not stored
    pages = gh.seen("/repos/pytorch/pytorch/stargazers/history") + gh.seen("/repositories/")
    pages = [p for p in pages if p.path.endswith("/stargazers/history")]
    assert [p.query.get("page") for p in pages] == [["1"], ["2"], ["3"]]
    assert pages[1].path.startswith("/repositories/")  # the Link was followed as given, not rebuilt
    assert all(p.headers["x-github-api-version"] == "2026-03-10" for p in pages)
    assert result.details["star_history_pages"] == {"pytorch": 3}
    assert all(o.date.weekday() == 6 for o in result.observations if o.metric == "github.stars_added")


def test_second_backfill_same_day_is_one_free_304_and_no_search_for_a_complete_month(gh):
    first, _ = backfill(gh)
    state = json.loads(json.dumps(first.state))  # as stored in source_state
    before = len(gh.requests)
    again, _ = backfill(gh, state=state)
    new = gh.requests[before:]
    history = [r for r in new if r.path.endswith("/stargazers/history")]
    assert len(history) == 1 and history[0].query["page"] == ["1"]
    assert history[0].headers["if-none-match"] == state[star_history.state_key("pytorch/pytorch")]["etag"]
    assert not [r for r in new if r.path == "/search/issues" and "created:" in r.query["q"][0]]
    assert not [r for r in new if r.path == "/search/issues" and "closed:" in r.query["q"][0]]
    assert again.details["star_history_not_modified"] == ["pytorch"]
    assert stars_added(again) == {
        d: v for d, v in expected_weeks().items() if d >= dt.date(2026, 5, 3)
    }  # page 1: 30 weeks back from 11-22


def test_a_week_later_only_page_one_is_read_and_the_finished_week_is_stored(gh):
    first, _ = backfill(gh)
    # the running week ends and a new one starts; GitHub's page 1 changes
    gh.star_history["pytorch/pytorch"][-1]["days"] = [5, 5, 5, 5, 5, 5, 5]
    gh.star_history["pytorch/pytorch"][-1]["total"] = 35
    gh.star_history["pytorch/pytorch"].append(
        {"week": gh.star_history["pytorch/pytorch"][-1]["week"] + 7 * 86400, "total": 2, "days": [2, 0, 0, 0, 0, 0, 0]}
    )
    before = len(gh.requests)
    later, _ = backfill(gh, state=json.loads(json.dumps(first.state)), now=dt.datetime(2026, 11, 30, 12))
    history = [r for r in gh.requests[before:] if r.path.endswith("/stargazers/history")]
    assert len(history) == 1  # page 1 reaches back past the newest week already stored complete
    assert stars_added(later)[dt.date(2026, 11, 22)] == 35.0
    assert dt.date(2026, 11, 29) not in stars_added(later)


@pytest.mark.slow
def test_a_shrunken_past_week_is_written_again_newest_wins_history_keeps_the_old(gh, tmp_path):
    settings = Settings(db_path=tmp_path / "fw.duckdb", github_api_url=gh.url, github_graphql_url=f"{gh.url}/graphql")
    registry = parse_registry(TOML.format(sources='[sources.github]\nbackfill_since = "2026-10"'))
    [first] = refresh(settings, registry, sources=["github"], framework_ids=["jax"], backfill=True)
    assert first.status == "ok", first.error
    week = gh.star_history["jax-ml/jax"][2]
    week["days"][0] -= 1  # someone unstarred: the star leaves the day it was given
    week["total"] -= 1
    [second] = refresh(settings, registry, sources=["github"], framework_ids=["jax"], backfill=True)
    assert second.status == "ok"
    sunday = dt.datetime.fromtimestamp(week["week"], dt.UTC).date()
    con = duckdb.connect(str(settings.db_path), read_only=True)
    try:
        current = con.execute(
            "SELECT value FROM metric_values WHERE framework = 'jax' AND metric = 'github.stars_added' AND date = ?",
            [sunday],
        ).fetchall()
        hist = con.execute(
            "SELECT value FROM observations WHERE framework = 'jax' AND metric = 'github.stars_added'"
            " AND date = ? ORDER BY collected_at, run_id",
            [sunday],
        ).fetchall()
        weeks = con.execute(
            "SELECT count(*) FROM metric_values WHERE framework = 'jax' AND metric = 'github.stars_added'"
        ).fetchone()[0]
    finally:
        con.close()
    assert current == [(27.0,)] and hist == [(28.0,), (27.0,)]
    assert weeks == 8


def test_github_enterprise_404_is_a_one_line_skip_not_a_failure(gh, caplog):
    gh.script["/repos/jax-ml/jax/stargazers/history"].append((404, {}, {"message": "Not Found"}))
    result, _ = backfill(gh, only=("jax",))
    assert result.status == "ok" and not result.failures
    assert result.details["star_history_unavailable"] == ["jax"]
    lines = [r.getMessage() for r in caplog.records if "star history" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0] and "Enterprise" in lines[0]


@pytest.mark.parametrize(
    "body, problem",
    [
        ('[{"week": 1795305600, "total": 77, "days": [8, 13, 12, 14', "malformed JSON"),  # truncated page
        ([{"week": 1795305600, "total": 70, "days": [8, 13, 12, 14, 11, 12]}], "'days' must be 7"),  # a week of 6 days
        ({"history": [{"week": "2026-11-15", "stars": 3}]}, "not a JSON array"),  # the assumed 2025 wrapper
        ([{"week": 1795305600 + 86400, "total": 0, "days": [0] * 7}], "Sunday"),
        ([{"week": 1795305600, "total": 5, "days": [1] * 7}], "not the sum"),
    ],
    ids=["truncated", "six-days", "non-array", "not-a-sunday", "bad-total"],
)
def test_a_bad_page_fails_that_repository_only_with_its_name(gh, body, problem):
    payload = body if isinstance(body, str) else json.dumps(body)
    gh.script["/repos/jax-ml/jax/stargazers/history"].append((200, {}, payload))
    result, _ = backfill(gh, only=("pytorch", "jax"))
    assert result.status == "partial"
    assert set(result.failures) == {"jax"}
    msg = result.failures["jax"]
    assert "jax-ml/jax" in msg and problem in msg and "\n" not in msg
    assert not any(
        o.framework == "jax" and o.metric != "github.stars" and o.date != dt.date(2026, 11, 24)
        for o in result.observations
    )  # nothing of jax's backfill is kept
    assert stars_added(result) == expected_weeks()  # the other repository is whole
    assert star_history.state_key("jax-ml/jax") not in result.state


def test_a_bad_later_page_keeps_nothing_of_that_repository_backfill(gh):
    gh.star_history["pytorch/pytorch"][5]["days"] = [1, 2, 3]  # on page 3
    result, _ = backfill(gh)
    assert "page 3" in result.failures["pytorch"]
    assert not stars_added(result) and star_history.state_key("pytorch/pytorch") not in result.state


def test_week_completeness_follows_los_angeles_days():
    sunday = dt.date(2026, 11, 22)
    assert not star_history.week_is_complete(sunday, dt.datetime(2026, 11, 29, 7, 59))  # Sat 23:59 in LA
    assert star_history.week_is_complete(sunday, dt.datetime(2026, 11, 29, 8, 0))  # Sun 00:00 in LA


# ------------------------------------------------------------------ item 3: advanced issue search


def test_every_issue_search_is_advanced_and_says_issue_or_pr(gh):
    gh.search_totals["repo:pytorch/pytorch is:issue created:2026-09-01..2026-09-30"] = 410
    result, _ = backfill(gh)
    searches = gh.seen("/search/issues")
    assert len(searches) == 1 + 2 * 2  # open PRs today + opened/closed for Sept and Oct
    for s in searches:
        assert s.query["advanced_search"] == ["true"]
        q = s.query["q"][0]
        assert " is:issue " in f" {q} " or " is:pr " in f" {q} "
    assert {(o.metric, o.date): o.value for o in result.observations}[
        ("github.issues_opened", dt.date(2026, 9, 1))
    ] == 410


def test_a_search_without_is_issue_or_is_pr_is_refused_by_the_collector_before_github_sees_it(gh):
    ctx = make_ctx(gh)
    api = github.GitHubApi(ctx, None, github.make_wait_hint(60), github.SearchBucket(sleep=Sleeps()))
    with pytest.raises(ValueError, match="is:issue or is:pr"):
        api.search_total("repo:pytorch/pytorch created:2026-09-01..2026-09-30", "pytorch/pytorch")
    assert not gh.seen("/search/issues")


# ------------------------------------------------------------------ GraphQL checked against GitHub's schema


def test_the_fake_validates_graphql_against_the_sampled_schema(gh, monkeypatch):
    """A field GitHub lacks fails, as on github.com (proves the counts query is checked, not trusted)."""
    result = github.collect(make_ctx(gh, token=TOKEN))
    assert result.status == "ok"
    monkeypatch.setattr(github_counts, "_GQL_FIELDS", github_counts._GQL_FIELDS + " starHistory { totalCount }")
    with pytest.raises(FatalSourceError, match="starHistory"):
        github.collect(make_ctx(gh, token=TOKEN, state={}))


def test_rate_limit_endpoint_serves_the_2026_shape_without_rate(gh):
    """Item 4: REST 2026-03-10 removed `rate`; anything reading /rate_limit must read resources.*."""
    import requests

    body = requests.get(f"{gh.url}/rate_limit", timeout=5).json()
    assert "rate" not in body and set(body["resources"]) >= {"core", "search", "graphql"}


# ------------------------------------------------------------------ item 2: stargazer lists are closed


def test_no_stargazer_or_subscriber_list_is_ever_requested(gh):
    """Counts come from stargazerCount / stargazers_count; the lists answer 403 to outsiders since July 2026."""
    backfill(gh, only=("pytorch", "jax"))
    backfill(gh, only=("pytorch", "jax"), token=TOKEN)
    paths = {r.path for r in gh.requests}
    assert not {p for p in paths if p.endswith("/stargazers") or p.endswith("/subscribers")}
    query = " ".join(json.loads(r.body)["query"] for r in gh.seen("/graphql", "POST"))
    assert "stargazers" not in query.replace("stargazerCount", "")
