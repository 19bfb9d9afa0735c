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

from fwpulse.collectors.errors import FatalSourceError, RetriableError

# Server error codes that mean "the same query can succeed later" (the run is retriable, not broken).
# UNEXPECTED_END_OF_FILE, TIMEOUT_EXCEEDED, TOO_SLOW, QUOTA_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES,
# NO_FREE_CONNECTION, SOCKET_TIMEOUT, NETWORK_ERROR, MEMORY_LIMIT_EXCEEDED, QUERY_WAS_CANCELLED
TRANSIENT_CODES = frozenset({3, 159, 160, 201, 202, 203, 209, 210, 241, 394})
# ... and of those, the ones worth sending again within the run. Not a timeout (the server spent its
# 60 s and would spend them again), not a quota (it ends with its interval, up to an hour away), not
# a memory limit (the same query needs the same memory).
RESEND_CODES = frozenset({3, 202, 203, 209, 210, 394})
# Limits of the server's settings profile: code -> which limit, in the words a user can act on.
LIMITS = {
    158: "the query would read more rows than the server allows (max_rows_to_read)",
    307: "the query would read more bytes than the server allows (max_bytes_to_read)",
    396: "the answer would be larger than the server allows (max_result_rows / max_result_bytes)",
    159: "the query ran past the server's time limit (max_execution_time); it was not sent again",
    160: "the query ran slower than the server allows (min_execution_speed)",
    241: "the query needed more memory than the server allows (max_memory_usage)",
}
QUOTA_CODE = 201
READONLY_CODE = 164
AUTH_CODES = frozenset({192, 193, 194, 497, 516})  # UNKNOWN_USER, WRONG_PASSWORD, ..., AUTHENTICATION_FAILED
_INTERVAL_END_RE = re.compile(r"Interval will end at (\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)")
OWN_SERVER = "point FWPULSE_CLICKHOUSE_URL at your own ClickHouse (docs/sources.md: Beyond one machine)"
ANSWER_LIMIT_STEP = f"run fewer frameworks at once (--framework), or {OWN_SERVER}"


def next_step(err: "ServerError", status: int, text: str, after_200: bool) -> tuple[str, dt.datetime | None]:
    """What a user does about a server error, in words, and when to try again (a quota's interval end)."""
    if err.code in AUTH_CODES:
        return "check FWPULSE_CLICKHOUSE_USER and FWPULSE_CLICKHOUSE_PASSWORD", None
    if err.code in LIMITS:
        return f"{LIMITS[err.code]}, so nothing of it is stored; {ANSWER_LIMIT_STEP}", None
    if err.code == QUOTA_CODE:
        until = quota_interval_end(text)
        when = f" until {until:%Y-%m-%d %H:%M} UTC" if until else ""
        return f"the server's quota for this address is used up{when}; run again after that, or {OWN_SERVER}", until
    if err.code == READONLY_CODE:
        return (
            "the server refused a setting fwpulse sent (this user is read-only); please report it with this message",
            None,
        )
    if status == 429 or (err.code is None and status >= 500):
        return "the server is busy or asks for fewer requests; try again later", None
    if err.code in (60, 81):
        return "check the database/table names in [sources.clickhouse] of the registry TOML", None
    if after_200:
        return "the partial result was discarded; try again later", None
    return "please report it with this message", None


def quota_interval_end(text: str) -> dt.datetime | None:
    """When a QUOTA_EXCEEDED interval ends (``Interval will end at 2026-11-20 13:00:00``, server time: UTC)."""
    found = _INTERVAL_END_RE.search(text or "")
    return dt.datetime.fromisoformat(found.group(1).replace("T", " ")) if found else None


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
    """A transient server error (timeout, quota, overload): the run can succeed later (``retry_after``
    says when, where the server said)."""

    def __init__(
        self, message: str, code: int | None = None, name: str | None = None, retry_after: dt.datetime | None = None
    ):
        super().__init__(message, retry_after=retry_after)
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


def _split_args(inner: str) -> list[str]:
    """``Date, Int64`` / ``String, Array(Tuple(Date, UInt64))`` -> the top-level type arguments."""
    out, depth, current = [], 0, []
    for ch in inner:
        if ch == "," and depth == 0:
            out.append("".join(current).strip())
            current = []
            continue
        depth += ch == "("
        depth -= ch == ")"
        current.append(ch)
    out.append("".join(current).strip())
    return [a for a in out if a]


_WRAPPER_RE = re.compile(r"^(Nullable|LowCardinality|Array|Tuple|Map)\((.*)\)$", re.S)
_NAMED_ELEMENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s+(?=[A-Z])")


def _convert(value: Any, ch_type: str) -> Any:
    """A JSONCompact value typed after its ClickHouse type: 64-bit integers may arrive as strings,
    dates as ``YYYY-MM-DD``; arrays, tuples (named or not) and maps are converted element by element."""
    if value is None:
        return None
    t = ch_type.strip()
    wrapper = _WRAPPER_RE.match(t)
    if wrapper:
        kind, inner = wrapper.groups()
        if kind in ("Nullable", "LowCardinality"):
            return _convert(value, inner)
        if kind == "Array":
            return [_convert(v, inner) for v in value]
        args = _split_args(inner)
        if kind == "Map":
            return {_convert(k, args[0]): _convert(v, args[1]) for k, v in value.items()}
        elements = [_NAMED_ELEMENT_RE.sub("", a) for a in args]  # Tuple(date Date, n Int64)
        items = value.values() if isinstance(value, Mapping) else value
        return tuple(_convert(v, e) for v, e in zip(items, elements))
    if re.match(r"^U?Int\d+$", t):
        return int(value)
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
    """What the queries of one run cost the server, and the largest answer against the server's result
    limits (goes into the run ledger's details)."""

    queries: int = 0
    read_rows: int = 0
    read_bytes: int = 0
    server_seconds: float = 0.0
    purposes: list[str] = field(default_factory=list)
    largest_answer_rows: int = 0
    largest_answer_bytes: int = 0  # the JSON body as received
    answers_split: dict[str, int] = field(default_factory=dict)  # purpose -> answers, where one could not fit

    def add(self, result: "QueryResult", body_bytes: int) -> None:
        self.read_rows += result.read_rows
        self.read_bytes += result.read_bytes
        self.server_seconds += result.elapsed_s
        self.largest_answer_rows = max(self.largest_answer_rows, len(result.rows))
        self.largest_answer_bytes = max(self.largest_answer_bytes, body_bytes)

    def as_details(self) -> dict[str, Any]:
        return {
            "clickhouse_queries": self.queries,
            "clickhouse_read_rows": self.read_rows,
            "clickhouse_read_bytes": self.read_bytes,
            "clickhouse_server_seconds": round(self.server_seconds, 3),
            "clickhouse_purposes": list(self.purposes),
            "clickhouse_largest_answer_rows": self.largest_answer_rows,
            "clickhouse_largest_answer_bytes": self.largest_answer_bytes,
            **({"clickhouse_answers_split": dict(self.answers_split)} if self.answers_split else {}),
        }


def _summary(resp: requests.Response, body: Mapping[str, Any] | None) -> tuple[int, int, float]:
    """Rows and bytes read and seconds spent: the body's ``statistics`` (written when the query ended);
    the ``X-ClickHouse-Summary`` header only without them (it can be all zeros when the server sends it
    before the query ends, ClickHouse issue #12122)."""
    stats = (body or {}).get("statistics")
    if isinstance(stats, Mapping):
        return (
            int(stats.get("rows_read", 0) or 0),
            int(stats.get("bytes_read", 0) or 0),
            float(stats.get("elapsed", 0) or 0),
        )
    raw = resp.headers.get("X-ClickHouse-Summary")
    if raw:
        try:
            s = json.loads(raw)
            elapsed = float(s.get("elapsed_ns", 0)) / 1e9
            return int(s.get("read_rows", 0)), int(s.get("read_bytes", 0)), elapsed
        except (ValueError, TypeError):
            pass
    return 0, 0, 0.0


def typed_result(resp: requests.Response, body: Mapping[str, Any]) -> QueryResult:
    """A JSONCompact body (``meta`` + ``data``) as rows typed after ``meta``, with what the server read."""
    columns = [m["name"] for m in body["meta"]]
    types = [m["type"] for m in body["meta"]]
    rows = [tuple(_convert(v, t) for v, t in zip(row, types)) for row in body["data"]]
    read_rows, read_bytes, elapsed = _summary(resp, body)
    return QueryResult(columns, types, rows, read_rows, read_bytes, elapsed)
