"""The ClickHouse client against a chDB-backed fake HTTP interface on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

pytest.importorskip("chdb")

from fakes.clickhouse import FakeClickHouse, Synthetic
from fwpulse.collectors.clickhouse import ClickHouse
from fwpulse.collectors.clickhouse_wire import ClickHouseError, ClickHouseRetriable, format_param, parse_exception
from fwpulse.collectors.errors import FatalSourceError, SourceError
from fwpulse.collectors.http import HttpClient
from fwpulse.data.settings import load_settings

D = dt.date


def _data() -> Synthetic:  # SYNTHETIC values
    return Synthetic(
        downloads=[
            (D(2024, 1, 1), "torch", 10),
            (D(2024, 1, 1), "torch", 5),
            (D(2024, 1, 2), "torch", 7),
            (D(2024, 1, 1), "o'brien", 3),
        ],
        packages=[("lib-a", "1.0", ["torch>=2"], dt.datetime(2024, 1, 5, 10))],
    )


@pytest.fixture
def fake():
    with FakeClickHouse(_data()) as server:
        yield server


def _client(fake, password=None, user="demo", settings=None):
    sleeps: list[float] = []
    http = HttpClient([], sleep=sleeps.append, backoff_base=0.01)
    client = ClickHouse(http, fake.url, user, password, settings or {})
    client.sleeps = sleeps
    return client


SUM_SQL = (
    "SELECT project, sum(count) AS downloads FROM pypi.pypi_downloads_per_day "
    "WHERE project IN {projects:Array(String)} AND date >= {since:Date} GROUP BY project ORDER BY project"
)


def test_parameterised_query_typed_rows_and_summary(fake):
    ch = _client(fake)
    result = ch.query("test sum", SUM_SQL, {"projects": ["torch", "o'brien"], "since": D(2024, 1, 1)})
    assert result.columns == ["project", "downloads"]
    assert result.rows == [("o'brien", 3), ("torch", 22)]  # Int64 quoted by the fake, parsed to int
    sent = fake.received[-1]
    assert sent.params == {"projects": "['torch','o\\'brien']", "since": "2024-01-01"}
    assert "o'brien" not in sent.sql and sent.sql.rstrip().endswith("FORMAT JSONCompact")
    assert sent.user == "demo" and "user=" not in sent.url and not sent.has_key
    # read from the body's statistics: the fake's X-ClickHouse-Summary is all zeros, as the server's can be
    assert ch.stats.queries == 1 and ch.stats.read_rows > 0 and ch.stats.read_bytes > 0
    assert result.read_rows == ch.stats.read_rows
    assert ch.stats.largest_answer_rows == 2 and ch.stats.largest_answer_bytes > 100


def test_unquoted_64bit_integers_parse_the_same():
    with FakeClickHouse(_data(), quote_64bit=False) as fake:
        assert _client(fake).query("t", SUM_SQL, {"projects": ["torch"], "since": D(2024, 1, 2)}).rows == [("torch", 7)]


def test_password_goes_in_a_header_and_is_redacted(fake):
    fake.password = "s3cret-pw"
    ch = _client(fake, password="s3cret-pw")
    ch.query("t", "SELECT 1 AS x")
    assert fake.received[-1].has_key and "s3cret" not in fake.received[-1].url
    bad = _client(fake, password="wrong-pw")
    with pytest.raises(ClickHouseError) as err:
        bad.query("check credentials", "SELECT 1")
    msg = str(err.value)
    assert "516" in msg and "AUTHENTICATION_FAILED" in msg and "FWPULSE_CLICKHOUSE_PASSWORD" in msg
    assert "wrong-pw" not in msg and "\n" not in msg


def test_unknown_table_one_line_with_purpose_and_code_not_retried(fake):
    ch = _client(fake)
    with pytest.raises(ClickHouseError) as err:
        ch.query("daily PyPI downloads", "SELECT * FROM pypi.pypi_downloads_per_dya")
    msg = str(err.value)
    assert "'daily PyPI downloads'" in msg and "error 60" in msg and "UNKNOWN_TABLE" in msg
    assert "[sources.clickhouse]" in msg and "\n" not in msg
    assert len(fake.received) == 1 and ch.sleeps == []


def test_syntax_error(fake):
    with pytest.raises(ClickHouseError) as err:
        _client(fake).query("monthly events", "SELEC 1")
    assert "error 62" in str(err.value) and "SYNTAX_ERROR" in str(err.value) and "HTTP 400" in str(err.value)


def test_overload_is_sent_again_then_succeeds(fake):
    fake.fail_next("overloaded")
    ch = _client(fake)
    assert ch.query("t", SUM_SQL, {"projects": ["torch"], "since": D(2024, 1, 2)}).rows == [("torch", 7)]
    assert len(fake.received) == 2 and len(ch.sleeps) == 1


def test_persistent_overload_becomes_a_retriable_error(fake):
    fake.fail_next(*["overloaded"] * 4)
    ch = _client(fake)
    with pytest.raises(ClickHouseRetriable) as err:
        ch.query("daily PyPI downloads", "SELECT 1")
    msg = str(err.value)
    assert "HTTP 503" in msg and "'daily PyPI downloads'" in msg and "try again later" in msg and "\n" not in msg
    assert msg.count("ClickHouse query") == 1
    assert len(fake.received) == 4 and len(ch.sleeps) == 3


def test_quota_is_not_sent_again_and_keeps_its_retry_after(fake):
    fake.fail_next("quota", "quota")
    ch = _client(fake)
    with pytest.raises(ClickHouseRetriable) as err:
        ch.query("daily PyPI downloads", "SELECT 1")
    msg = str(err.value)
    assert "201" in msg and "QUOTA_EXCEEDED" in msg and "until 2026-11-20 13:00 UTC" in msg and "\n" not in msg
    assert msg.count("ClickHouse query") == 1 and "Beyond one machine" in msg
    assert err.value.retry_after == dt.datetime(2026, 11, 20, 13, 0)
    assert len(fake.received) == 1 and ch.sleeps == []


def test_server_timeout_is_408_and_never_sent_again(fake):
    fake.fail_next("timeout", "timeout")
    ch = _client(fake)
    with pytest.raises(ClickHouseRetriable) as err:
        ch.query("GitHub events per repository and month", "SELECT 1")
    msg = str(err.value)
    assert "HTTP 408" in msg and "159" in msg and "max_execution_time" in msg and "not sent again" in msg
    assert "--framework" in msg and "\n" not in msg
    assert len(fake.received) == 1 and ch.sleeps == []


def test_read_timeout_is_never_sent_again():
    """The server keeps running a query whose client went away: a second send would run it twice."""
    with FakeClickHouse(_data(), hang_s=1.5) as fake:
        fake.fail_next("hang")
        ch = _client(fake)
        ch.timeout = (5.0, 0.3)
        with pytest.raises(ClickHouseRetriable) as err:
            ch.query("daily PyPI downloads", "SELECT 1")
        assert len(fake.received) == 1 and ch.sleeps == []
    msg = str(err.value)
    assert "no answer within 0s" in msg or "no answer within" in msg
    assert "not sent again" in msg and "'daily PyPI downloads'" in msg and "\n" not in msg


def test_default_read_timeout_is_above_the_servers_60_s():
    from fwpulse.collectors.clickhouse import TIMEOUT

    assert TIMEOUT[1] > 60


def test_every_query_asks_the_server_to_throw_instead_of_cutting_and_sets_nothing_else(fake):
    ch = _client(fake)
    ch.query("t", SUM_SQL, {"projects": ["torch"], "since": D(2024, 1, 1)})
    assert fake.received[-1].settings == {"result_overflow_mode": "throw", "read_overflow_mode": "throw"}


FLAT_DAILY_SQL = (  # the shape shipped before: one row per (project, day)
    "SELECT project, date, sum(count) AS downloads FROM pypi.pypi_downloads_per_day "
    "WHERE project IN {projects:Array(String)} GROUP BY project, date ORDER BY project, date"
)


def _many_days(projects: int, days: int) -> Synthetic:  # SYNTHETIC
    first = D(2016, 1, 1)
    return Synthetic(
        downloads=[(first + dt.timedelta(days=d), f"p{p}", 10 + d) for p in range(projects) for d in range(days)]
    )


def test_an_answer_past_the_result_limit_fails_in_one_line_instead_of_coming_back_cut():
    with FakeClickHouse(_many_days(25, 3650)) as fake:  # 25 projects x 10 years: 91,250 (project, day) rows
        projects = [f"p{p}" for p in range(25)]
        cut = requests.post(  # what a client that does not ask to throw gets: 200, cut, nothing says so
            fake.url,
            headers={"X-ClickHouse-User": "demo"},
            params={"param_projects": format_param(projects)},
            data=FLAT_DAILY_SQL + " FORMAT JSONCompact",
        )
        assert cut.status_code == 200 and 1000 < cut.json()["rows"] < 91_250 and "exception" not in cut.text
        with pytest.raises(ClickHouseError) as err:
            _client(fake).query("daily PyPI downloads per project", FLAT_DAILY_SQL, {"projects": projects})
    msg = str(err.value)
    assert "396" in msg and "TOO_MANY_ROWS_OR_BYTES" in msg and "max_result_rows" in msg
    assert "nothing of it is stored" in msg and "--framework" in msg and "own ClickHouse" in msg and "\n" not in msg


def test_a_setting_other_than_the_overflow_modes_is_refused_as_readonly(fake):
    refused = requests.post(
        fake.url + "/?output_format_json_quote_64bit_integers=0",
        headers={"X-ClickHouse-User": "demo"},
        data="SELECT 1 FORMAT JSONCompact",
    )
    assert refused.status_code == 500 and refused.headers["X-ClickHouse-Exception-Code"] == "164"
    assert "READONLY" in refused.text
    in_sql = requests.post(
        fake.url, headers={"X-ClickHouse-User": "demo"}, data="SELECT 1 SETTINGS max_result_rows = 5"
    )
    assert in_sql.headers["X-ClickHouse-Exception-Code"] == "164"


def test_arrays_of_tuples_are_typed_element_wise_quoted_or_not():
    for quoted in (True, False):
        with FakeClickHouse(_data(), quote_64bit=quoted) as fake:
            rows = (
                _client(fake)
                .query(
                    "t",
                    "SELECT project, groupArray((date, n)) AS days FROM (SELECT project, date, sum(count) AS n "
                    "FROM pypi.pypi_downloads_per_day WHERE project = 'torch' GROUP BY project, date ORDER BY date) "
                    "GROUP BY project",
                )
                .rows
            )
        assert rows == [("torch", [(D(2024, 1, 1), 15), (D(2024, 1, 2), 7)])]


def test_exception_after_a_200_is_an_error_not_a_short_result(fake):
    fake.fail_next("after_200")
    with pytest.raises(SourceError) as err:  # 241 MEMORY_LIMIT_EXCEEDED: transient, so ClickHouseRetriable
        _client(fake).query("daily PyPI downloads", SUM_SQL, {"projects": ["torch"], "since": D(2024, 1, 1)})
    msg = str(err.value)
    assert "HTTP 200" in msg and "241" in msg and "MEMORY_LIMIT_EXCEEDED" in msg
    assert isinstance(err.value, ClickHouseRetriable) and len(fake.received) == 1


def test_metadata_table_default_is_projects_without_a_lookup(fake):
    ch = _client(fake)
    assert ch.metadata_table() == "projects" and fake.received == []


def test_metadata_table_resolved_once_from_several_names():
    settings = {"metadata_tables": ["packages", "projects"]}
    for name in ("packages", "projects"):
        with FakeClickHouse(_data(), metadata_table=name) as fake:
            ch = _client(fake, settings=settings)
            assert ch.metadata_table() == name
            assert ch.metadata_table() == name
            assert len(fake.received) == 1


def test_metadata_table_missing_clear_message():
    with FakeClickHouse(_data(), metadata_table=None) as fake:
        with pytest.raises(ClickHouseError) as err:
            _client(fake, settings={"metadata_tables": ["packages", "projects"]}).metadata_table()
    msg = str(err.value)
    assert "packages, projects" in msg and "metadata_tables" in msg


def test_table_names_must_be_identifiers(fake):
    ch = _client(fake, settings={"pypi_database": "pypi; DROP TABLE x"})
    with pytest.raises(FatalSourceError) as err:
        ch.setting("pypi_database")
    assert "[sources.clickhouse] pypi_database" in str(err.value)


def test_format_param_quoting():
    assert format_param(["a", "b'c", "d\\e"]) == "['a','b\\'c','d\\\\e']"
    assert format_param(D(2016, 1, 1)) == "2016-01-01"
    assert format_param(5) == "5"
    assert format_param("x\ty") == "x\\ty"


def test_parse_exception_shapes():
    e = parse_exception(
        "Code: 60. DB::Exception: Unknown table expression identifier 'pypi.nope' in scope SELECT 1. "
        "(UNKNOWN_TABLE) (version 25.8.1.1)\n"
    )
    assert (e.code, e.name) == (60, "UNKNOWN_TABLE") and e.message.startswith("Unknown table")
    assert parse_exception("Code: 60, e.displayText() = DB::Exception: Table default.wtf doesn't exist").code == 60
    assert parse_exception("Service Unavailable", "503x").code is None


def test_settings_defaults_and_secrecy():
    s = load_settings({"FWPULSE_CLICKHOUSE_PASSWORD": "pw-123", "FWPULSE_CLICKHOUSE_USER": "reader"})
    assert s.clickhouse_url == "https://sql-clickhouse.clickhouse.com"
    assert s.clickhouse_user == "reader" and "pw-123" in s.secrets()
    assert "pw-123" not in repr(s) and "reader" not in repr(s)
    d = load_settings({})
    assert d.clickhouse_user == "demo" and d.clickhouse_password is None
