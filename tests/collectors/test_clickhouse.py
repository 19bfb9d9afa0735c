"""The ClickHouse client against a chDB-backed fake HTTP interface on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import pytest

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
    assert ch.stats.queries == 1 and ch.stats.read_rows > 0 and ch.stats.read_bytes > 0
    assert result.read_rows == ch.stats.read_rows


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


@pytest.mark.parametrize("kind,code", [("quota", 201), ("timeout", 159)])
def test_quota_and_timeout_are_retried_then_succeed(fake, kind, code):
    fake.fail_next(kind)
    ch = _client(fake)
    assert ch.query("t", SUM_SQL, {"projects": ["torch"], "since": D(2024, 1, 2)}).rows == [("torch", 7)]
    assert len(fake.received) == 2 and len(ch.sleeps) == 1


@pytest.mark.parametrize("kind,code", [("quota", "201"), ("timeout", "159"), ("overloaded", "HTTP 503")])
def test_persistent_quota_timeout_overload_become_retriable_errors(fake, kind, code):
    fake.fail_next(*[kind] * 4)
    ch = _client(fake)
    with pytest.raises(ClickHouseRetriable) as err:
        ch.query("daily PyPI downloads", "SELECT 1")
    msg = str(err.value)
    assert code in msg and "'daily PyPI downloads'" in msg and "\n" not in msg
    assert len(fake.received) == 4 and len(ch.sleeps) == 3
    if kind != "overloaded":
        assert "Beyond one machine" in msg


def test_exception_after_a_200_is_an_error_not_a_short_result(fake):
    fake.fail_next("after_200")
    with pytest.raises(SourceError) as err:  # 241 MEMORY_LIMIT_EXCEEDED: transient, so ClickHouseRetriable
        _client(fake).query("daily PyPI downloads", SUM_SQL, {"projects": ["torch"], "since": D(2024, 1, 1)})
    msg = str(err.value)
    assert "HTTP 200" in msg and "241" in msg and "MEMORY_LIMIT_EXCEEDED" in msg
    assert isinstance(err.value, ClickHouseRetriable) and len(fake.received) == 1


def test_metadata_table_resolved_once_packages_or_projects():
    for name in ("packages", "projects"):
        with FakeClickHouse(_data(), metadata_table=name) as fake:
            ch = _client(fake)
            assert ch.metadata_table() == name
            assert ch.metadata_table() == name
            assert len(fake.received) == 1


def test_metadata_table_missing_clear_message():
    with FakeClickHouse(_data(), metadata_table=None) as fake:
        with pytest.raises(ClickHouseError) as err:
            _client(fake).metadata_table()
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
