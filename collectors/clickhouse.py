"""A small ClickHouse client over the HTTP interface, for the sources that read long history
from public analytical databases (``clickpy``: PyPI downloads; ``gharchive``: GitHub events).

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

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import requests

from .errors import FatalSourceError, RetriableError
from .http import RETRY_STATUSES, HttpClient

# [sources.clickhouse] keys and their defaults (ClickPy's and the playground's names).
DEFAULTS: dict[str, Any] = {
    "pypi_database": "pypi",
    "downloads_table": "pypi_downloads_per_day",
    "metadata_tables": ["packages", "projects"],  # first that exists wins (the name differs by deployment)
    "github_database": "github",
    "events_table": "github_events",
}

# Server error codes worth retrying: the same query can succeed later.
TRANSIENT_CODES = frozenset(
    {
        3,  # UNEXPECTED_END_OF_FILE
        159,  # TIMEOUT_EXCEEDED
        160,  # TOO_SLOW
        201,  # QUOTA_EXCEEDED
        202,  # TOO_MANY_SIMULTANEOUS_QUERIES
        203,  # NO_FREE_CONNECTION
        209,  # SOCKET_TIMEOUT
        210,  # NETWORK_ERROR
        241,  # MEMORY_LIMIT_EXCEEDED
        394,  # QUERY_WAS_CANCELLED
    }
)
# Codes that mean "this server's limits are too small for the query": say what to do about it.
LIMIT_CODES = frozenset({158, 159, 160, 201, 241, 307, 396})  # TOO_MANY_ROWS, ..., TOO_MANY_ROWS_OR_BYTES
AUTH_CODES = frozenset({192, 193, 194, 497, 516})  # UNKNOWN_USER, WRONG_PASSWORD, ..., AUTHENTICATION_FAILED

_CODE_RE = re.compile(r"Code:\s*(\d+)[.,]\s*(?:e\.displayText\(\) = )?DB::Exception:\s*(.*)", re.S)
_NAME_RE = re.compile(r"\(([A-Z][A-Z0-9_]+)\)\s*(?:\(version [^)]*\))?\s*$")
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


# -- errors ------------------------------------------------------------------------------------


@dataclass
class ServerError:
    code: int | None
    name: str | None
    message: str

    def describe(self) -> str:
        label = f"ClickHouse error {self.code}" if self.code is not None else "ClickHouse error"
        if self.name:
            label += f" ({self.name})"
        return f"{label}: {self.message}"


def parse_exception(text: str, header_code: str | None = None) -> ServerError:
    """``Code: 60. DB::Exception: ... (UNKNOWN_TABLE) (version 25.8.1.1)`` -> code, name, one line."""
    code = int(header_code) if header_code and header_code.strip().isdigit() else None
    found = _CODE_RE.search(text or "")
    body = found.group(2) if found else (text or "")
    if found and code is None:
        code = int(found.group(1))
    body = " ".join(body.split())
    name_match = _NAME_RE.search(body)
    name = name_match.group(1) if name_match else None
    if name_match:
        body = body[: name_match.start()].rstrip()
    if len(body) > 200:
        body = body[:200] + "..."
    return ServerError(code, name, body or "(empty body)")


class ClickHouseError(FatalSourceError):
    """A query failed for good; the message names its purpose, the server's code and a next step."""

    def __init__(self, message: str, code: int | None = None, name: str | None = None):
        super().__init__(message)
        self.code, self.name = code, name


class ClickHouseRetriable(RetriableError):
    """A transient server error (timeout, quota, overload) that survived the client's retries."""

    def __init__(self, message: str, code: int | None = None, name: str | None = None):
        super().__init__(message)
        self.code, self.name = code, name


# -- parameters --------------------------------------------------------------------------------


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def format_param(value: Any, _inner: bool = False) -> str:
    """A Python value in the text form ClickHouse parses ``param_<name>`` with: top-level strings
    escaped (TSV form), strings and dates inside arrays, tuples and maps quoted."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, str)):
        text = (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if isinstance(value, dt.datetime)
            else (value.isoformat() if isinstance(value, dt.date) else value)
        )
        if _inner:
            return _quote(text)
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    if isinstance(value, list):
        return "[" + ",".join(format_param(v, True) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ",".join(format_param(v, True) for v in value) + ")"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{format_param(k, True)}:{format_param(v, True)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot send {type(value).__name__} as a ClickHouse query parameter")


# -- results -----------------------------------------------------------------------------------


def _convert(value: Any, ch_type: str) -> Any:
    if value is None:
        return None
    t = ch_type
    while True:  # Nullable(LowCardinality(String)) -> String
        m = re.match(r"^(?:Nullable|LowCardinality)\((.*)\)$", t)
        if not m:
            break
        t = m.group(1)
    if re.match(r"^U?Int\d+$", t):
        return int(value)  # 64-bit integers may arrive as strings
    if t.startswith(("Float", "Decimal")):
        return float(value)
    if t in ("Date", "Date32"):
        return dt.date.fromisoformat(value)
    if t.startswith("DateTime"):
        return dt.datetime.fromisoformat(str(value).split(".")[0])
    return value


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple]
    read_rows: int = 0
    read_bytes: int = 0
    elapsed_s: float = 0.0

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r)) for r in self.rows]


@dataclass
class QueryStats:
    """What the queries of one run cost the server (goes into the run ledger's details)."""

    queries: int = 0
    read_rows: int = 0
    read_bytes: int = 0
    server_seconds: float = 0.0
    purposes: list[str] = field(default_factory=list)

    def as_details(self) -> dict[str, Any]:
        return {
            "clickhouse_queries": self.queries,
            "clickhouse_read_rows": self.read_rows,
            "clickhouse_read_bytes": self.read_bytes,
            "clickhouse_server_seconds": round(self.server_seconds, 3),
            "clickhouse_purposes": list(self.purposes),
        }


def _summary(resp: requests.Response, body: Mapping[str, Any] | None) -> tuple[int, int, float]:
    raw = resp.headers.get("X-ClickHouse-Summary")
    if raw:
        try:
            s = json.loads(raw)
            elapsed = float(s.get("elapsed_ns", 0)) / 1e9
            return int(s.get("read_rows", 0)), int(s.get("read_bytes", 0)), elapsed
        except (ValueError, TypeError):
            pass
    stats = (body or {}).get("statistics") or {}
    return (
        int(stats.get("rows_read", 0) or 0),
        int(stats.get("bytes_read", 0) or 0),
        float(stats.get("elapsed", 0) or 0),
    )


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
        except RetriableError as exc:  # connection refused / timeouts after the retries
            raise ClickHouseRetriable(
                self.http.redact(
                    f"ClickHouse query '{purpose}' at {self.url}: {exc}; check FWPULSE_CLICKHOUSE_URL "
                    "or try again later"
                )
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
        columns = [m["name"] for m in parsed["meta"]]
        types = [m["type"] for m in parsed["meta"]]
        rows = [tuple(_convert(v, t) for v, t in zip(row, types)) for row in parsed["data"]]
        read_rows, read_bytes, elapsed = _summary(resp, parsed)
        self.stats.read_rows += read_rows
        self.stats.read_bytes += read_bytes
        self.stats.server_seconds += elapsed
        return QueryResult(columns, types, rows, read_rows, read_bytes, elapsed)

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


def daterange(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)
