"""A small ClickHouse client over HTTP for the long-history sources (clickpy, gharchive).

The sources read long history from public analytical databases (``clickpy``: PyPI downloads;
``gharchive``: GitHub events).

Protocol (see the README's "Beyond one machine"):
- ``POST {FWPULSE_CLICKHOUSE_URL}/`` with the SQL as the body, ending in ``FORMAT JSONCompact``;
- values only as query parameters: ``{name:Type}`` placeholders in the SQL, ``param_name=value``
  in the URL; database and table names from ``[sources.clickhouse]`` travel as
  ``{db:Identifier}`` parameters too, so no SQL is ever built from configuration or user input;
- user and password in the ``X-ClickHouse-User`` / ``X-ClickHouse-Key`` headers, never in a URL;
- through the shared :class:`~fwpulse.collectors.http.HttpClient` (bounded retries with backoff
  for 429/5xx), except that a 5xx whose ``X-ClickHouse-Exception-Code`` is not transient
  (a syntax error, an unknown table) is not retried;
- 64-bit integers may come quoted or not (``output_format_json_quote_64bit_integers``): both parse;
- an exception can arrive AFTER a 200 when the result was streamed: the body then ends with the
  exception text instead of valid JSON, and that is an error too, never a short result;
- rows and bytes read (``X-ClickHouse-Summary``) are added up in :attr:`ClickHouse.stats` for the
  run ledger.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, TypeVar

import requests

from .clickhouse_wire import (
    AUTH_CODES,
    LIMIT_CODES,
    TRANSIENT_CODES,
    ClickHouseError,
    ClickHouseRetriable,
    QueryResult,
    QueryStats,
    format_param,
    parse_exception,
    typed_result,
)
from .errors import FatalSourceError, RetriableError, UnreachableError
from .http import RETRY_STATUSES, HttpClient

T = TypeVar("T")

# [sources.clickhouse] keys and their defaults (ClickPy's and the playground's names).
DEFAULTS: dict[str, Any] = {
    "pypi_database": "pypi",
    "downloads_table": "pypi_downloads_per_day",
    "metadata_tables": ["packages", "projects"],  # first that exists wins (the name differs by deployment)
    "github_database": "github",
    "events_table": "github_events",
}

_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def setting(source_settings: Mapping[str, Any], key: str) -> Any:
    """A ``[sources.clickhouse]`` value or its default; names are checked to be plain identifiers."""
    value = source_settings.get(key, DEFAULTS[key])
    names = value if isinstance(value, list) else [value]
    for name in names:
        if not isinstance(name, str) or not _IDENT_RE.match(name):
            raise FatalSourceError(
                f"[sources.clickhouse] {key} = {value!r}: database and table names must be plain "
                "identifiers (letters, digits, '_'); fix it in the registry TOML"
            )
    return value


@dataclass(frozen=True)
class Table:
    """A table named by ``[sources.clickhouse]``; queries name it through :meth:`params` as
    ``{db:Identifier}.{table:Identifier}``, never by building SQL."""

    db: str
    name: str

    def params(self) -> dict[str, str]:
        return {"db": self.db, "table": self.name}

    def __str__(self) -> str:
        return f"{self.db}.{self.name}"


def earliest_start(members: Mapping[str, list[str]], since: Mapping[str, T]) -> dict[str, T]:
    """name -> the earliest ``since`` among the frameworks listing it (``members``: framework id ->
    names), so ONE query asks each name (a PyPI project, a repository) from the first day any
    framework still needs; a name shared by two frameworks is asked once."""
    out: dict[str, T] = {}
    for fid, names in members.items():
        for name in names:
            out[name] = min(out.get(name, since[fid]), since[fid])
    return out


# -- client ------------------------------------------------------------------------------------


class ClickHouse:
    def __init__(
        self,
        http: HttpClient,
        url: str,
        user: str = "demo",
        password: str | None = None,
        source_settings: Mapping[str, Any] | None = None,
    ):
        self.http = http
        self.url = url.rstrip("/") + "/"
        self._headers = {"X-ClickHouse-User": user or "default"}
        if password:
            self._headers["X-ClickHouse-Key"] = password
            http.add_secret(password)
        self.source_settings = dict(source_settings or {})
        self.stats = QueryStats()
        self._metadata_table: str | None = None

    @classmethod
    def from_context(cls, ctx) -> "ClickHouse":
        s = ctx.settings
        return cls(
            ctx.http, s.clickhouse_url, s.clickhouse_user, s.clickhouse_password, ctx.source_settings("clickhouse")
        )

    def setting(self, key: str) -> Any:
        return setting(self.source_settings, key)

    def table(self, db_key: str, table_key: str) -> Table:
        """The table two ``[sources.clickhouse]`` keys name (e.g. ``pypi_database``, ``downloads_table``)."""
        return Table(self.setting(db_key), self.setting(table_key))

    def query_since(
        self, purpose: str, sql: str, table: Table, names: str, since: Mapping[str, Any], **params: Any
    ) -> QueryResult:
        """ONE query over ``table`` for every name in ``since`` (PyPI projects, repositories), each from
        its own start: the SQL reads the sorted names as ``{<names>:Array(String)}`` and the starts as
        ``{since:Map(String, ...)}``."""
        return self.query(purpose, sql, {**table.params(), names: sorted(since), "since": since, **params})

    def source_url(self, table: Table) -> str:
        """What rows read from ``table`` store as their source URL: the server and the table."""
        return f"{self.url} {table}"

    # one query -------------------------------------------------------------------------------
    def query(self, purpose: str, sql: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        """Run ``sql`` (without a FORMAT clause) with ``params``; rows typed after ``meta``."""
        url_params = {f"param_{k}": format_param(v) for k, v in (params or {}).items()}
        body = sql.rstrip().rstrip(";") + "\nFORMAT JSONCompact"
        self.stats.queries += 1
        self.stats.purposes.append(purpose)

        def no_retry_for_permanent(resp: requests.Response) -> float | None:
            code = resp.headers.get("X-ClickHouse-Exception-Code")
            if resp.status_code in RETRY_STATUSES and code and code.isdigit() and int(code) not in TRANSIENT_CODES:
                self._raise(purpose, resp)
            return None

        try:
            resp = self.http.request(
                "POST",
                self.url,
                params=url_params,
                headers=self._headers,
                data=body.encode("utf-8"),
                wait_hint=no_retry_for_permanent,
                ok_statuses=RETRY_STATUSES,
            )
        except ClickHouseError:
            raise
        except RetriableError as exc:  # unreachable (its message names the setting) / timeouts after the retries
            hint = "" if isinstance(exc, UnreachableError) else "; check FWPULSE_CLICKHOUSE_URL or try again later"
            raise ClickHouseRetriable(
                self.http.redact(f"ClickHouse query '{purpose}' at {self.url}: {exc}{hint}")
            ) from None
        if resp.status_code != 200:
            self._raise(purpose, resp)
        text = resp.text
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or "exception" in parsed or "meta" not in parsed or "data" not in parsed:
            if "DB::Exception" in text or (isinstance(parsed, dict) and "exception" in parsed):
                exc_text = parsed["exception"] if isinstance(parsed, dict) and "exception" in parsed else text
                self._raise(purpose, resp, exc_text, after_200=True)
            raise ClickHouseError(
                self.http.redact(
                    f"ClickHouse query '{purpose}' at {self.url}: HTTP 200 but the body is not a JSONCompact result "
                    f"(starts {' '.join(text[:80].split())!r}); is FWPULSE_CLICKHOUSE_URL a ClickHouse HTTP interface?"
                )
            )
        result = typed_result(resp, parsed)
        self.stats.read_rows += result.read_rows
        self.stats.read_bytes += result.read_bytes
        self.stats.server_seconds += result.elapsed_s
        return result

    def _raise(self, purpose: str, resp: requests.Response, text: str | None = None, after_200: bool = False):
        err = parse_exception(resp.text if text is None else text, resp.headers.get("X-ClickHouse-Exception-Code"))
        where = f"ClickHouse query '{purpose}' at {self.url}"
        status = "HTTP 200, then the result stream ended with" if after_200 else f"HTTP {resp.status_code}:"
        if err.code in AUTH_CODES:
            step = "check FWPULSE_CLICKHOUSE_USER and FWPULSE_CLICKHOUSE_PASSWORD"
        elif err.code in LIMIT_CODES or resp.status_code == 429:
            step = (
                "the server's quota or limits stopped the query; try again later, or point FWPULSE_CLICKHOUSE_URL "
                "at your own ClickHouse (README: Beyond one machine)"
            )
        elif err.code in (60, 81):
            step = "check the database/table names in [sources.clickhouse] of the registry TOML"
        elif after_200:
            step = "the partial result was discarded; try again later"
        else:
            step = "please report it with this message"
        message = self.http.redact(f"{where}: {status} {err.describe()}; {step}")
        transient = err.code in TRANSIENT_CODES or (err.code is None and resp.status_code in RETRY_STATUSES)
        if transient:
            raise ClickHouseRetriable(message, err.code, err.name)
        raise ClickHouseError(message, err.code, err.name)

    # schema discovery ------------------------------------------------------------------------
    def metadata_table(self) -> str:
        """The package-metadata table of the PyPI database (``packages`` or ``projects``), found once."""
        if self._metadata_table is None:
            database = self.setting("pypi_database")
            candidates = list(self.setting("metadata_tables"))
            found = self.query(
                "find the PyPI package metadata table",
                "SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}",
                {"db": database, "names": candidates},
            )
            names = {r[0] for r in found.rows}
            chosen = next((c for c in candidates if c in names), None)
            if chosen is None:
                raise ClickHouseError(
                    f"ClickHouse at {self.url}: database {database!r} has no package metadata table "
                    f"(looked for {', '.join(candidates)}); set [sources.clickhouse] metadata_tables to the "
                    "table's name on your server"
                )
            self._metadata_table = chosen
        return self._metadata_table
