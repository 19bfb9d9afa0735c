"""The helpers the collectors share: calendar arithmetic, the end of a collect, ClickHouse plumbing."""

from __future__ import annotations

import datetime as dt
import logging

from fwpulse.collectors.base import CollectContext, SourceResult
from fwpulse.collectors.clickhouse import ClickHouse, Table, earliest_start
from fwpulse.collectors.http import HttpClient
from fwpulse.collectors.months import add_months, daterange, month_end, month_start, months_between

D = dt.date


def test_month_arithmetic():
    assert month_start(D(2024, 2, 17)) == D(2024, 2, 1)
    assert month_end(D(2024, 2, 1)) == D(2024, 2, 29) and month_end(D(2023, 12, 5)) == D(2023, 12, 31)
    assert add_months(D(2023, 12, 31), 1) == D(2024, 1, 1) and add_months(D(2024, 1, 15), -1) == D(2023, 12, 1)
    assert months_between(D(2023, 11, 20), D(2024, 2, 1)) == [
        D(2023, 11, 1),
        D(2023, 12, 1),
        D(2024, 1, 1),
        D(2024, 2, 1),
    ]
    assert months_between(D(2024, 3, 1), D(2024, 2, 1)) == []
    assert list(daterange(D(2024, 2, 28), D(2024, 3, 1))) == [D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1)]


def test_finish_adds_details_in_order_and_says_why_a_run_stopped(caplog):
    ctx = CollectContext([], None, None, None, {}, log=logging.getLogger("fwpulse.collectors.test"))
    result = SourceResult(details={"mode": "rest"})
    with caplog.at_level(logging.INFO, logger="fwpulse.collectors.test"):
        assert result.finish(ctx, "demo", None, a=1, b=None) is result
        assert list(result.details) == ["mode", "a", "b"] and not caplog.records
        result.finish(ctx, "demo", "quota reached")
    assert result.details["stopped"] == "quota reached"
    assert [r.getMessage() for r in caplog.records] == ["demo: quota reached"]


def test_earliest_start_asks_a_shared_name_once_from_the_earliest_day():
    members = {"a": ["torch", "numpy"], "b": ["numpy"], "c": []}
    since = {"a": D(2024, 5, 1), "b": D(2016, 1, 1), "c": D(2010, 1, 1)}
    assert earliest_start(members, since) == {"torch": D(2024, 5, 1), "numpy": D(2016, 1, 1)}
    assert earliest_start({}, {}) == {}


def test_table_names_travel_as_parameters_and_label_the_rows():
    ch = ClickHouse(HttpClient([]), "http://ch.example:8123", source_settings={"events_table": "events_v2"})
    table = ch.table("github_database", "events_table")
    assert table == Table("github", "events_v2") and str(table) == "github.events_v2"
    assert table.params() == {"db": "github", "table": "events_v2"}
    assert ch.source_url(table) == "http://ch.example:8123/ github.events_v2"


def test_query_since_sends_the_sorted_names_and_each_start_as_parameters():
    ch = ClickHouse(HttpClient([]), "http://ch.example:8123")
    sent = []
    ch.query = lambda purpose, sql, params: sent.append((purpose, sql, params))
    since = {"torch": D(2024, 5, 1), "numpy": D(2016, 1, 1)}
    ch.query_since(
        "downloads", "SELECT 1", Table("pypi", "per_day"), "projects", since, lambda n: 100, until=D(2024, 6, 1)
    )
    assert sent == [
        (
            "downloads",
            "SELECT 1",
            {"db": "pypi", "table": "per_day", "projects": ["numpy", "torch"], "since": since, "until": D(2024, 6, 1)},
        )
    ]
    assert ch.stats.answers_split == {}


def test_query_since_splits_only_what_cannot_fit_one_answer():
    ch = ClickHouse(HttpClient([]), "http://ch.example:8123", source_settings={"max_result_rows": 3})
    sent = []
    ch.query = lambda purpose, sql, params: sent.append((purpose, params["projects"], params["since"]))
    since = {f"p{i}": D(2016, 1, 1) for i in range(7)}
    ch.query_since("downloads", "SELECT 1", Table("pypi", "per_day"), "projects", since, lambda n: 1000)
    assert [(p, names) for p, names, _ in sent] == [
        ("downloads (1/3)", ["p0", "p1", "p2"]),
        ("downloads (2/3)", ["p3", "p4", "p5"]),
        ("downloads (3/3)", ["p6"]),
    ]
    assert sent[2][2] == {"p6": D(2016, 1, 1)} and ch.stats.answers_split == {"downloads": 3}


def test_plan_answers_by_bytes_with_a_name_too_large_alone():
    from fwpulse.collectors.clickhouse import plan_answers

    costs = {"a": 400, "b": 400, "c": 300, "huge": 5000, "z": 10}
    assert plan_answers(costs, 1000, 1000) == [["a", "b"], ["c"], ["huge"], ["z"]]
    assert plan_answers(costs, 1000, 10_000) == [["a", "b", "c", "huge", "z"]]
    assert plan_answers({}, 1000, 1000) == []
