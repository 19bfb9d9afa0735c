"""What crosses ClickHouse's HTTP interface: parameter text, typed results, server errors, query costs.

Used by the client in :mod:`~fwpulse.collectors.clickhouse`; nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

import requests

from .errors import FatalSourceError, RetriableError

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


def typed_result(resp: requests.Response, body: Mapping[str, Any]) -> QueryResult:
    """A JSONCompact body (``meta`` + ``data``) as rows typed after ``meta``, with what the server read."""
    columns = [m["name"] for m in body["meta"]]
    types = [m["type"] for m in body["meta"]]
    rows = [tuple(_convert(v, t) for v, t in zip(row, types)) for row in body["data"]]
    read_rows, read_bytes, elapsed = _summary(resp, body)
    return QueryResult(columns, types, rows, read_rows, read_bytes, elapsed)
