"""gharchive source: the production SQL on chDB behind a fake ClickHouse HTTP server, over
SYNTHETIC GitHub events; expected counts are computed here from the event list."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("chdb")

from fakes.clickhouse import FakeClickHouse, Synthetic
from fwpulse.collectors import gharchive
from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.http import HttpClient
from fwpulse.data.registry import parse_registry
from fwpulse.data.settings import Settings

D, T = dt.date, dt.datetime
NOW = T(2025, 8, 15, 12)

TOML = """
[frameworks.pytorch]
name = "PyTorch"
github = "pytorch/pytorch"

[frameworks.jax]
name = "JAX"
github = "jax-ml/jax"
github_aliases = ["google/jax"]

[frameworks.ghost]
name = "Ghost"
github = "nobody/nothing"

[frameworks.nogithub]
name = "No GitHub"
"""

# SYNTHETIC events: (event_type, action, repo, created_at, merged)
KINDS = [
    ("WatchEvent", "started", 0),
    ("ForkEvent", "none", 0),
    ("IssuesEvent", "opened", 0),
    ("IssuesEvent", "closed", 0),
    ("IssuesEvent", "reopened", 0),
    ("PullRequestEvent", "opened", 0),
    ("PullRequestEvent", "closed", 1),
    ("PullRequestEvent", "closed", 0),
    ("PushEvent", "none", 0),
    ("IssueCommentEvent", "created", 0),
]


def synthetic_events():
    events = []
    plan = {
        "pytorch/pytorch": [
            T(2019, 8, 3),
            T(2019, 9, 20),
            T(2019, 10, 31, 23, 59),
            T(2025, 5, 2),
            T(2025, 7, 9),
            T(2025, 8, 1, 0, 30),
        ],
        "google/jax": [T(2024, 6, 10), T(2024, 7, 1)],
        "jax-ml/jax": [T(2024, 7, 30), T(2024, 9, 2)],
        "tensorflow/tensorflow": [T(2024, 7, 3)],
    }
    for repo, times in plan.items():
        for i, t in enumerate(times):
            for k, (etype, action, merged) in enumerate(KINDS):
                for n in range((i + k) % 4 + 1):  # a different number of each kind per month
                    events.append((etype, action, repo, t + dt.timedelta(minutes=n), merged))
    return events


def expected(events, repos, month, etype, action, merged=None):
    return sum(
        1
        for e in events
        if e[2] in repos
        and e[3].date().replace(day=1) == month
        and e[0] == etype
        and e[1] == action
        and (merged is None or e[4] == merged)
    )


@pytest.fixture
def fake():
    with FakeClickHouse(Synthetic(events=synthetic_events())) as server:
        yield server


def _ctx(fake, tmp_path, state=None, now=NOW):
    registry = parse_registry(TOML)
    settings = Settings(db_path=tmp_path / "x.duckdb", clickhouse_url=fake.url)
    http = HttpClient(settings.secrets(), sleep=lambda s: None, backoff_base=0.01)
    return CollectContext(
        frameworks=[f for f in registry if gharchive.SOURCE.needs(f)],
        registry=registry,
        settings=settings,
        http=http,
        state=state or {},
        now=now,
    )


def _obs(result, fw, metric):
    return {o.date: o for o in result.observations if o.framework == fw and o.metric == metric}


def test_monthly_counts_exact_one_query_with_aliases(fake, tmp_path):
    ev = synthetic_events()
    result = gharchive.collect(_ctx(fake, tmp_path))
    assert len(fake.received) == 1
    checks = [
        ("gharchive.stars_given", "WatchEvent", "started", None),
        ("gharchive.forks", "ForkEvent", "none", None),
        ("gharchive.issues_opened", "IssuesEvent", "opened", None),
        ("gharchive.issues_closed", "IssuesEvent", "closed", None),
        ("gharchive.prs_opened", "PullRequestEvent", "opened", None),
        ("gharchive.prs_merged", "PullRequestEvent", "closed", 1),
    ]
    for fw, repos, months in (
        ("pytorch", {"pytorch/pytorch"}, [D(2019, 8, 1), D(2019, 10, 1), D(2025, 5, 1), D(2025, 7, 1)]),
        ("jax", {"google/jax", "jax-ml/jax"}, [D(2024, 6, 1), D(2024, 7, 1), D(2024, 9, 1)]),
    ):
        for metric, etype, action, merged in checks:
            got = _obs(result, fw, metric)
            for m in months:
                assert got[m].value == expected(ev, repos, m, etype, action, merged), (fw, metric, m)
    jax_july = _obs(result, "jax", "gharchive.stars_given")[D(2024, 7, 1)]
    assert (
        jax_july.value
        == expected(ev, {"google/jax"}, D(2024, 7, 1), "WatchEvent", "started")
        + expected(ev, {"jax-ml/jax"}, D(2024, 7, 1), "WatchEvent", "started")
        and jax_july.value > 0
    )
    assert set(jax_july.details["events_by_name"]) == {"google/jax", "jax-ml/jax"}
    # months without events are 0 from the first month with one; nothing before it
    stars = _obs(result, "pytorch", "gharchive.stars_given")
    assert stars[D(2020, 1, 1)].value == 0 and min(stars) == D(2019, 8, 1) and max(stars) == D(2025, 8, 1)
    assert "ghost" in result.failures and "github_aliases" in result.failures["ghost"]
    assert not [o for o in result.observations if o.framework == "ghost"]


def test_quality_flags_lower_bounds_outages_and_partial_month(fake, tmp_path):
    result = gharchive.collect(_ctx(fake, tmp_path))
    forks = _obs(result, "pytorch", "gharchive.forks")
    assert forks[D(2025, 5, 1)].quality == "ok"
    assert forks[D(2025, 6, 1)].quality == "lower_bound" and forks[D(2025, 7, 1)].quality == "lower_bound"
    assert forks[D(2019, 9, 1)].quality == "lower_bound" and "outage" in forks[D(2019, 9, 1)].details["why"]
    assert forks[D(2021, 10, 1)].quality == "lower_bound" and forks[D(2021, 12, 1)].quality == "ok"
    assert forks[D(2025, 8, 1)].quality == "partial_period" and forks[D(2025, 8, 1)].details["lower_bound"] is True
    assert result.state["complete_through"]["pytorch"] == "2025-07-01"


def test_incremental_run_asks_from_the_open_month_only(fake, tmp_path):
    first = gharchive.collect(_ctx(fake, tmp_path))
    again = gharchive.collect(_ctx(fake, tmp_path, state=first.state, now=T(2025, 9, 2)))
    sent = fake.received[-1].params["since"]
    assert "'pytorch/pytorch':'2025-08-01 00:00:00'" in sent and "'google/jax':'2025-08-01 00:00:00'" in sent
    forks = _obs(again, "pytorch", "gharchive.forks")
    assert sorted(forks) == [D(2025, 8, 1), D(2025, 9, 1)]
    assert forks[D(2025, 8, 1)].quality == "lower_bound" and forks[D(2025, 9, 1)].quality == "partial_period"
    # a new alias means the whole history is asked again
    state = {**first.state, "repos": {**first.state["repos"], "jax": ["jax-ml/jax"]}}
    gharchive.collect(_ctx(fake, tmp_path, state=state, now=T(2025, 9, 2)))
    assert "'google/jax':'2011-02-01 00:00:00'" in fake.received[-1].params["since"]
