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
    ch.query_since("downloads", "SELECT 1", Table("pypi", "per_day"), "projects", since, until=D(2024, 6, 1))
    assert sent == [
        (
            "downloads",
            "SELECT 1",
            {"db": "pypi", "table": "per_day", "projects": ["numpy", "torch"], "since": since, "until": D(2024, 6, 1)},
        )
    ]
