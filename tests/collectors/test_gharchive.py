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


# SYNTHETIC repository ids: a renamed repository keeps its id (google/jax became jax-ml/jax)
REPO_IDS = {
    "pytorch/pytorch": "65600975",
    "google/jax": "154739597",
    "jax-ml/jax": "154739597",
    "tensorflow/tensorflow": "45717250",
}


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
    with FakeClickHouse(Synthetic(events=synthetic_events(), repo_ids=REPO_IDS)) as server:
        yield server


def _ctx(fake, tmp_path, state=None, now=NOW, toml=TOML):
    registry = parse_registry(toml)
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
    assert len(fake.received) == 2  # the ids of every name, then the events of every id
    assert "repo_id IN" in fake.received[1].sql and "repo_name IN" not in fake.received[1].sql
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
    assert jax_july.details["names_seen"] == ["google/jax", "jax-ml/jax"] and jax_july.details["repo_ids"] == [
        "154739597"
    ]
    # months without events are 0 from the first month with one; nothing before it
    stars = _obs(result, "pytorch", "gharchive.stars_given")
    assert stars[D(2020, 1, 1)].value == 0 and min(stars) == D(2019, 8, 1) and max(stars) == D(2025, 8, 1)
    ghost = result.failures["ghost"]
    assert "nobody/nothing" in ghost and "no public GitHub events on record" in ghost and "github_aliases" in ghost
    assert "check 'github'" not in ghost and "\n" not in ghost
    assert not [o for o in result.observations if o.framework == "ghost"]


def test_a_rename_merges_by_id_even_without_the_alias(fake, tmp_path):
    toml = '[frameworks.jax]\nname = "JAX"\ngithub = "jax-ml/jax"\n'
    result = gharchive.collect(_ctx(fake, tmp_path, toml=toml))
    june = _obs(result, "jax", "gharchive.forks")[D(2024, 6, 1)]  # events under the old name only
    assert june.value == expected(synthetic_events(), {"google/jax"}, D(2024, 6, 1), "ForkEvent", "none") > 0
    assert june.details["names_seen"] == ["google/jax"]


def test_a_name_filter_reads_past_the_cap_the_id_filter_reads_only_the_tracked_parts(fake, tmp_path):
    from fwpulse.collectors.clickhouse import ClickHouse
    from fwpulse.collectors.clickhouse_wire import ClickHouseError

    by_name = (  # the shape shipped before: a filter on repo_name, which the table's sort key cannot use
        "SELECT repo_name, count() AS n FROM github.github_events WHERE repo_name IN {repos:Array(String)} "
        "AND event_type IN ('WatchEvent', 'ForkEvent', 'IssuesEvent', 'PullRequestEvent') GROUP BY repo_name"
    )
    ctx = _ctx(fake, tmp_path)
    with pytest.raises(ClickHouseError) as err:
        ClickHouse.from_context(ctx).query("events by name", by_name, {"repos": ["pytorch/pytorch", "jax-ml/jax"]})
    assert "158" in str(err.value) and "max_rows_to_read" in str(err.value)
    result = gharchive.collect(ctx)
    tracked = len(synthetic_events())
    cap = fake.profile.max_rows_to_read
    read = result.details["clickhouse_read_rows"]  # from the answers' statistics
    assert tracked <= read < tracked + 3 * 8192 and read < cap / 10
    assert fake.answers[-1]["rows_read"] < cap / 10


def test_merged_prs_end_where_the_data_ends(tmp_path):
    """From 2025-10-07 the payloads carry no `merged` and the playground loads 0: nothing is stored from 2025-10."""
    events = [  # SYNTHETIC: merged PRs every month, before and after the field went away
        ("PullRequestEvent", "closed", "pytorch/pytorch", T(2025, m, 3), 1) for m in range(3, 13)
    ] + [
        ("PullRequestEvent", "closed", "pytorch/pytorch", T(2025, 10, 9), 1),
        ("ForkEvent", "none", "pytorch/pytorch", T(2025, 12, 1), 0),
    ]
    with FakeClickHouse(Synthetic(events=events, repo_ids=REPO_IDS)) as fake:
        result = gharchive.collect(_ctx(fake, tmp_path, now=T(2026, 1, 15)))
    merged = _obs(result, "pytorch", "gharchive.prs_merged")
    assert sorted(merged) == [D(2025, m, 1) for m in range(3, 10)]
    assert merged[D(2025, 4, 1)].value == 1 and merged[D(2025, 4, 1)].quality == "ok"
    assert merged[D(2025, 5, 1)].quality == "lower_bound" and merged[D(2025, 9, 1)].quality == "lower_bound"
    forks = _obs(result, "pytorch", "gharchive.forks")
    assert max(forks) == D(2026, 1, 1) and forks[D(2025, 12, 1)].value == 1  # the other counts go on
    assert result.details["merged_prs_until"] == "2025-09-30"


def test_state_from_name_filters_is_collected_again(fake, tmp_path):
    old = {"complete_through": {"pytorch": "2025-07-01"}, "repos": {"pytorch": ["pytorch/pytorch"]}}  # no version
    result = gharchive.collect(_ctx(fake, tmp_path, state=old))
    assert "'65600975':'2011-02-01 00:00:00'" in fake.received[-1].params["since"]
    assert min(_obs(result, "pytorch", "gharchive.forks")) == D(2019, 8, 1)


def test_quality_flags_lower_bounds_outages_and_partial_month(fake, tmp_path):
    result = gharchive.collect(_ctx(fake, tmp_path))
    forks = _obs(result, "pytorch", "gharchive.forks")
    assert forks[D(2025, 4, 1)].quality == "ok"  # the feed degraded from 2025-05-23: May is already a lower bound
    assert forks[D(2025, 5, 1)].quality == "lower_bound" and forks[D(2025, 7, 1)].quality == "lower_bound"
    assert forks[D(2019, 9, 1)].quality == "lower_bound" and "outage" in forks[D(2019, 9, 1)].details["why"]
    assert forks[D(2021, 10, 1)].quality == "lower_bound" and forks[D(2021, 12, 1)].quality == "ok"
    assert forks[D(2025, 8, 1)].quality == "partial_period" and forks[D(2025, 8, 1)].details["lower_bound"] is True
    assert result.state["complete_through"]["pytorch"] == "2025-07-01"


def test_incremental_run_asks_from_the_open_month_only(fake, tmp_path):
    first = gharchive.collect(_ctx(fake, tmp_path))
    again = gharchive.collect(_ctx(fake, tmp_path, state=first.state, now=T(2025, 9, 2)))
    sent = fake.received[-1].params["since"]
    assert "'65600975':'2025-08-01 00:00:00'" in sent and "'154739597':'2025-08-01 00:00:00'" in sent
    forks = _obs(again, "pytorch", "gharchive.forks")
    assert sorted(forks) == [D(2025, 8, 1), D(2025, 9, 1)]
    assert forks[D(2025, 8, 1)].quality == "lower_bound" and forks[D(2025, 9, 1)].quality == "partial_period"
    # a new alias means the whole history is asked again
    state = {**first.state, "repos": {**first.state["repos"], "jax": ["jax-ml/jax"]}}
    gharchive.collect(_ctx(fake, tmp_path, state=state, now=T(2025, 9, 2)))
    assert "'154739597':'2011-02-01 00:00:00'" in fake.received[-1].params["since"]
