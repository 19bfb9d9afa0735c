"""A small ClickHouse client over HTTP for the long-history sources (clickpy, gharchive).

The sources read long history from public analytical databases (``clickpy``: PyPI downloads;
``gharchive``: GitHub events). The default server is ClickHouse's public playground, whose ``demo``
user answers at most 1,000 rows and 10 MB, reads at most 10 billion rows and runs 60 s per query, and
CUTS an answer past a limit SILENTLY unless asked not to (shared/api-samples/clickhouse/README.md).

Protocol (see docs/sources.md, "Beyond one machine"):
- ``POST {FWPULSE_CLICKHOUSE_URL}/?result_overflow_mode=throw&read_overflow_mode=throw`` on EVERY query,
  so an answer that would be cut is an error (396 / 158) instead; no other setting goes in the URL
  (the playground is readonly: anything else is error 164);
- the SQL as the body, ending in ``FORMAT JSONCompact``; values only as query parameters:
  ``{name:Type}`` placeholders in the SQL, ``param_name=value`` in the URL; database and table names
  from ``[sources.clickhouse]`` travel as ``{db:Identifier}`` parameters too, so no SQL is ever built
  from configuration or user input;
- user and password in the ``X-ClickHouse-User`` / ``X-ClickHouse-Key`` headers, never in a URL;
- through the shared :class:`~fwpulse.collectors.http.HttpClient` with a read timeout above the
  server's 60 s; a query is never sent again after a read timeout or a server timeout (408, code 159:
  the server may still be running it and would spend the quota twice) or a quota error (201: its
  interval's end becomes the run's retry-after); only overload and network codes are sent again;
- 64-bit integers may come quoted or not: both parse; arrays and tuples are typed element-wise;
- an exception can arrive AFTER a 200 when the result was streamed: the body then ends with the
  exception text instead of valid JSON, and that is an error too, never a short result;
- rows and bytes read come from the body's ``statistics`` and are added up in :attr:`ClickHouse.stats`
  for the run ledger, with the largest answer's rows and bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

import requests

from fwpulse.collectors.clickhouse_wire import (
    ANSWER_LIMIT_STEP,
    RESEND_CODES,
    TRANSIENT_CODES,
    ClickHouseError,
    ClickHouseRetriable,
    QueryResult,
    QueryStats,
    format_param,
    next_step,
    parse_exception,
    typed_result,
)
from fwpulse.collectors.errors import FatalSourceError, RetriableError, UnreachableError
from fwpulse.collectors.http import RETRY_STATUSES, HttpClient

T = TypeVar("T")

# [sources.clickhouse] keys and their defaults (ClickPy's and the playground's names).
DEFAULTS: dict[str, Any] = {
    "pypi_database": "pypi",
    "downloads_table": "pypi_downloads_per_day",
    "metadata_tables": ["projects"],  # first that exists wins (the playground's is pypi.projects)
    "github_database": "github",
    "events_table": "github_events",
    "repo_ids_table": "repo_name_to_id",  # every name a repository had -> its id (ClickPy's table)
    # The server's limits on one answer (the playground's `demo` profile); on your own ClickHouse, raise them.
    "max_result_rows": 1000,
    "max_result_bytes": 10_000_000,
}
# Share of max_result_bytes an answer is planned to fill: the estimate is of ClickHouse's in-memory
# result (what the limit counts), with room for the estimate's error.
BYTES_HEADROOM = 0.8

_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Sent with every query: an answer past a limit fails instead of coming back cut (the only settings
# the playground's readonly `demo` user may change, besides max_block_size).
THROW_ON_OVERFLOW = {"result_overflow_mode": "throw", "read_overflow_mode": "throw"}
# (connect, read): the read timeout is above the server's 60 s limit, so the server's own timeout
# answer (408) arrives first.
TIMEOUT = (10.0, 75.0)


def setting(source_settings: Mapping[str, Any], key: str) -> Any:
    """A ``[sources.clickhouse]`` value or its default; names are checked to be plain identifiers."""
    value = source_settings.get(key, DEFAULTS[key])
    if isinstance(DEFAULTS[key], int):
        return value
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


def plan_answers(costs: Mapping[str, int], max_rows: int, max_bytes: float) -> list[list[str]]:
    """Split names (one answer row each, ``costs``: its estimated bytes) into as few answers as fit
    ``max_rows`` rows and ``max_bytes`` bytes each (greedy, in sorted order); a name that alone is over
    ``max_bytes`` gets an answer of its own (the server then says so)."""
    batches: list[list[str]] = []
    size = 0.0
    for name in sorted(costs):
        if not batches or len(batches[-1]) >= max_rows or size + costs[name] > max_bytes:
            batches.append([])
            size = 0.0
        batches[-1].append(name)
        size += costs[name]
    return batches


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
        self.timeout = TIMEOUT
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
        self,
        purpose: str,
        sql: str,
        table: Table,
        names: str,
        since: Mapping[str, Any],
        row_bytes: Callable[[str], int],
        **params: Any,
    ) -> list[QueryResult]:
        """Every name in ``since`` (PyPI projects, repository ids), each from its own start, in as few
        queries over ``table`` as the server's answer limits allow (ONE for a registry of 100
        frameworks x 10 years): the SQL answers one row per name, reads the sorted names as
        ``{<names>:Array(String)}`` and the starts as ``{since:Map(String, ...)}``; ``row_bytes(name)``
        estimates a name's answer row. A split is counted in :attr:`stats` (``answers_split``)."""
        max_bytes = self.setting("max_result_bytes") * BYTES_HEADROOM
        batches = plan_answers({n: row_bytes(n) for n in since}, self.setting("max_result_rows"), max_bytes)
        if len(batches) > 1:
            self.stats.answers_split[purpose] = len(batches)
        results = []
        for i, batch in enumerate(batches, 1):
            label = purpose if len(batches) == 1 else f"{purpose} ({i}/{len(batches)})"
            part = {n: since[n] for n in batch}
            results.append(self.query(label, sql, {**table.params(), names: batch, "since": part, **params}))
        return results

    def source_url(self, table: Table) -> str:
        """What rows read from ``table`` store as their source URL: the server and the table."""
        return f"{self.url} {table}"

    # one query -------------------------------------------------------------------------------
    def query(self, purpose: str, sql: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        """Run ``sql`` (without a FORMAT clause) with ``params``; rows typed after ``meta``."""
        url_params = {**THROW_ON_OVERFLOW, **{f"param_{k}": format_param(v) for k, v in (params or {}).items()}}
        body = sql.rstrip().rstrip(";") + "\nFORMAT JSONCompact"
        self.stats.queries += 1
        self.stats.purposes.append(purpose)

        def resend_only_when_transient(resp: requests.Response) -> float | None:
            code = resp.headers.get("X-ClickHouse-Exception-Code")
            if resp.status_code in RETRY_STATUSES and code and code.isdigit() and int(code) not in RESEND_CODES:
                self._raise(purpose, resp)
            return None

        try:
            resp = self.http.request(
                "POST",
                self.url,
                params=url_params,
                headers=self._headers,
                data=body.encode("utf-8"),
                wait_hint=resend_only_when_transient,
                ok_statuses=RETRY_STATUSES,
                timeout=self.timeout,
                resend_after_read_timeout=False,
            )
        except (ClickHouseError, ClickHouseRetriable):
            raise
        except RetriableError as exc:  # unreachable (its message names the setting), no answer, overload after retries
            hint = "" if isinstance(exc, UnreachableError) or "try again" in str(exc) else f"; {ANSWER_LIMIT_STEP}"
            raise ClickHouseRetriable(
                self.http.redact(f"ClickHouse query '{purpose}' at {self.url}: {exc}{hint}"),
                retry_after=exc.retry_after,
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
        self.stats.add(result, len(resp.content))
        return result

    def _raise(self, purpose: str, resp: requests.Response, text: str | None = None, after_200: bool = False):
        raw = resp.text if text is None else text
        err = parse_exception(raw, resp.headers.get("X-ClickHouse-Exception-Code"))
        status = "HTTP 200, then the result stream ended with" if after_200 else f"HTTP {resp.status_code}:"
        step, retry_after = next_step(err, resp.status_code, raw, after_200)
        message = self.http.redact(f"ClickHouse query '{purpose}' at {self.url}: {status} {err.describe()}; {step}")
        transient = err.code in TRANSIENT_CODES or (err.code is None and resp.status_code in RETRY_STATUSES)
        if transient:
            raise ClickHouseRetriable(message, err.code, err.name, retry_after=retry_after)
        raise ClickHouseError(message, err.code, err.name)

    # schema discovery ------------------------------------------------------------------------
    def metadata_table(self) -> str:
        """The package-metadata table of the PyPI database (default ``projects``); with several names
        configured, the first that exists, found once."""
        if self._metadata_table is None:
            database = self.setting("pypi_database")
            candidates = list(self.setting("metadata_tables"))
            if len(candidates) == 1:  # one name: no lookup (an unknown table is error 60 naming the setting)
                self._metadata_table = candidates[0]
                return self._metadata_table
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
