"""A fake ClickHouse HTTP interface on 127.0.0.1 that behaves like the public playground's ``demo`` user.

Every received query runs on a REAL ClickHouse engine (chDB, embedded) over the datasets' documented
tables filled with SYNTHETIC rows (:mod:`fakes.clickhouse_tables`). Like the playground
(ClickHouse/sql.clickhouse.com ``setup.sql``; shared/api-samples/clickhouse/README.md, CORRECTED 2026-12):

- the ``demo`` settings profile is applied to EVERY query (:class:`DemoProfile`): at most 1,000 result
  rows and 10 MB, a read cap, and ``result_overflow_mode = read_overflow_mode = 'break'``, so an answer
  past a limit is CUT SILENTLY (status 200, nothing says so) unless the request sets the overflow modes
  to ``throw``; the read cap is scaled to the fake's table, which is padded past it;
- readonly: only ``result_overflow_mode``, ``read_overflow_mode``, ``max_block_size`` and
  ``allow_experimental_analyzer`` may be set (URL or ``SETTINGS``); any other setting, a ``SET`` or a
  write is refused with error 164 READONLY;
- ``param_<name>`` URL values are passed to the engine as query parameters (parsed exactly as the
  server parses them); credentials from ``X-ClickHouse-User``/``X-ClickHouse-Key``;
- 64-bit integers quoted unless built with ``quote_64bit=False`` (the server's default changed in 2025;
  ``demo`` may not choose);
- ``X-ClickHouse-Summary`` is all zeros (as when the server sends it before the query ends): what was
  read is only in the body's ``statistics``;
- errors as plain ``Code: N. DB::Exception: ...`` bodies with ``X-ClickHouse-Exception-Code``: 400
  syntax, 404 unknown table, 403 authentication, 408 timeout (159), 500 the rest.

Injected failures (``fail_next``): ``quota`` (500, code 201 with the interval's end), ``timeout`` (408,
code 159), ``overloaded`` (503 without a code), ``too_many_requests`` (429), ``after_200`` (a 200 and
the first part of the JSON, then the body ends with an exception), ``hang`` (no answer for ``hang_s``
seconds, then a late answer: the query kept running after the client went away).

chDB keeps one engine per process: every fake drops and recreates its databases on start, and queries
are serialised through a lock.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from fakes import clickhouse_tables as tables
from fakes.clickhouse_tables import Synthetic
from fakes.loopback import LoopbackServer

__all__ = ["DemoProfile", "FakeClickHouse", "Synthetic"]

ENGINE_LOCK = threading.Lock()


@dataclass(frozen=True)
class DemoProfile:
    """The ``demo`` user's settings profile; ``max_rows_to_read`` scaled from the playground's 10 billion
    (on a 10.5-billion-row events table) to the fake's padded table."""

    max_result_rows: int = 1000
    max_result_bytes: int = 10_000_000
    max_rows_to_read: int = 200_000
    max_execution_time: int = 60
    overflow_mode: str = "break"
    changeable: frozenset[str] = frozenset(
        {"result_overflow_mode", "read_overflow_mode", "max_block_size", "allow_experimental_analyzer"}
    )

    def settings(self, chosen: dict[str, str]) -> dict[str, object]:
        return {
            "max_result_rows": self.max_result_rows,
            "max_result_bytes": self.max_result_bytes,
            "max_rows_to_read": self.max_rows_to_read,
            "max_execution_time": self.max_execution_time,
            "result_overflow_mode": chosen.get("result_overflow_mode", self.overflow_mode),
            "read_overflow_mode": chosen.get("read_overflow_mode", self.overflow_mode),
            "max_block_size": int(chosen.get("max_block_size", 65409)),
            "use_query_condition_cache": 0,  # every query reads as the first one did
            "max_threads": 1,  # parts in order: a read cut by the cap stops in the padding, every time
        }


# No limits: a user's own server (and the fake's own loading).
UNLIMITED = {
    "max_result_rows": 0,
    "max_result_bytes": 0,
    "max_rows_to_read": 0,
    "max_execution_time": 0,
    "use_query_condition_cache": 0,
}
# URL keys of the HTTP interface that are not settings.
HTTP_KEYS = {
    "query",
    "user",
    "password",
    "database",
    "default_format",
    "query_id",
    "session_id",
    "session_timeout",
    "session_check",
    "compress",
    "decompress",
    "quota_key",
    "buffer_size",
    "wait_end_of_query",
    "stacktrace",
    "role",
}
WRITE_STATEMENT = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*(INSERT|CREATE|DROP|ALTER|SET|TRUNCATE|RENAME|OPTIMIZE|SYSTEM|KILL|GRANT|REVOKE|DELETE|UPDATE|ATTACH|DETACH)\b",
    re.I,
)
SETTINGS_CLAUSE = re.compile(r"\bSETTINGS\s+(.+?)(?:\bFORMAT\b|$)", re.I | re.S)
STATUS_BY_CODE = {62: 400, 60: 404, 81: 404, 47: 404, 516: 403, 497: 403, 159: 408}
INJECTED = {
    "quota": (
        500,
        201,
        "Code: 201. DB::Exception: Quota for user `demo` for 3600s has been exceeded: "
        "queries = 61/60. Interval will end at 2026-11-20 13:00:00. (QUOTA_EXCEEDED) "
        "(version 25.8.1.1)\n",
    ),
    "timeout": (
        408,
        159,
        "Code: 159. DB::Exception: Timeout exceeded: elapsed 60.0 seconds, maximum: 60. "
        "(TIMEOUT_EXCEEDED) (version 25.8.1.1)\n",
    ),
    "overloaded": (503, None, "Service Unavailable\n"),
    "too_many_requests": (429, None, "Too Many Requests\n"),
}


@dataclass
class Received:
    sql: str
    params: dict[str, str]
    user: str | None
    has_key: bool
    url: str
    settings: dict[str, str]  # settings the request chose in its URL


def _engine():
    from chdb import session

    return session.Session()


class FakeClickHouse(LoopbackServer):
    def __init__(
        self,
        data: Synthetic,
        *,
        user: str = "demo",
        password: str | None = None,
        metadata_table: str | None = "projects",
        quote_64bit: bool = True,
        pypi_db: str = "pypi",
        github_db: str = "github",
        profile: DemoProfile | None = DemoProfile(),
        pad_events: int | None = None,
        hang_s: float = 2.0,
    ):
        """``profile=None``: no limits (a user's own server). ``pad_events``: other repositories' events
        added to ``github_events`` (default: three times the read cap, so a read of the whole table, or of a few
        event types in it, passes the cap)."""
        self.data = data
        self.user, self.password = user, password
        self.quote_64bit = quote_64bit
        self.profile = profile
        self.hang_s = hang_s
        self.received: list[Received] = []
        self.answers: list[dict[str, int]] = []  # per answered query: rows, body bytes, rows read
        self.failures: list[str] = []
        self._engine = _engine()
        if pad_events is None:
            pad_events = 3 * profile.max_rows_to_read if profile else 0
        with ENGINE_LOCK:
            self._set(UNLIMITED)
            tables.create(self._engine, metadata_table, pypi_db, github_db)
            tables.pad_events(self._engine, github_db, pad_events)  # first: a cut read stops in the padding
            tables.load(self._engine, data, metadata_table, pypi_db, github_db)
            self._engine.query(f"OPTIMIZE TABLE {github_db}.github_events FINAL")  # one part, in sort-key order
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                fake._handle(self, body)

            def do_GET(self):
                query = parse_qs(urlsplit(self.path).query).get("query", [""])[0]
                fake._handle(self, query)

        self._init_server(Handler)

    def admin(self, sql: str, fmt: str = "CSV", params: dict[str, str] | None = None):
        """Run ``sql`` as the server's owner (no profile): loading more SYNTHETIC rows, counting them."""
        with ENGINE_LOCK:
            self._set(UNLIMITED)
            return self._engine.query(sql, fmt, params=params or {})

    def result_bytes(self, received: Received) -> tuple[int, int]:
        """Rows and in-memory bytes (what ``max_result_rows`` / ``max_result_bytes`` count) of the answer
        to a received query, measured by running it again as the owner."""
        sql = re.sub(r"\bFORMAT\s+\w+\s*;?\s*$", "", received.sql.strip(), flags=re.I)
        out = self.admin(f"SELECT count(), sum(byteSize(*)) FROM ({sql})", "CSV", received.params)
        rows, size = out.bytes().decode().strip().split(",")
        return int(rows), int(size or 0)

    def fail_next(self, *kinds: str) -> None:
        self.failures.extend(kinds)

    @property
    def base(self) -> str:
        return self.url

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- protocol ------------------------------------------------------------------------------
    def _set(self, settings: dict[str, object]) -> None:
        self._engine.query("SET " + ", ".join(f"{k} = {v!r}" for k, v in settings.items()))

    def _refused_setting(self, url_settings: dict[str, str], sql: str) -> str | None:
        """The first setting this request may not change under readonly, or None."""
        if self.profile is None:
            return None
        clause = SETTINGS_CLAUSE.search(sql)
        in_sql = [part.split("=")[0].strip() for part in clause.group(1).split(",")] if clause else []
        for name in [*url_settings, *in_sql]:
            if name not in self.profile.changeable:
                return name
        return None

    def _handle(self, h: BaseHTTPRequestHandler, sql: str) -> None:
        qs = {k: v[-1] for k, v in parse_qs(urlsplit(h.path).query, keep_blank_values=True).items()}
        params = {k[len("param_") :]: v for k, v in qs.items() if k.startswith("param_")}
        url_settings = {k: v for k, v in qs.items() if not k.startswith("param_") and k not in HTTP_KEYS}
        user = h.headers.get("X-ClickHouse-User") or qs.get("user")
        key = h.headers.get("X-ClickHouse-Key") or qs.get("password") or None
        self.received.append(Received(sql, params, user, key is not None, h.path, url_settings))
        query_id = str(uuid.uuid4())
        if user != self.user or (self.password or None) != key:
            return self._error(
                h,
                403,
                516,
                f"Code: 516. DB::Exception: {user}: Authentication failed: password is "
                "incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)\n",
                query_id,
            )
        refused = self._refused_setting(url_settings, sql)
        if refused:
            return self._error(
                h,
                500,
                164,
                f"Code: 164. DB::Exception: Cannot modify '{refused}' setting in readonly mode. (READONLY)\n",
                query_id,
            )
        if self.profile is not None and WRITE_STATEMENT.match(sql):
            return self._error(
                h,
                500,
                164,
                "Code: 164. DB::Exception: demo: Cannot execute query in readonly mode. (READONLY)\n",
                query_id,
            )
        injected = self.failures.pop(0) if self.failures else None
        if injected in INJECTED:
            status, code, text = INJECTED[injected]
            return self._error(h, status, code, text, query_id)
        if injected == "hang":
            time.sleep(self.hang_s)
        m = re.search(r"\bFORMAT\s+(\w+)\s*;?\s*$", sql, re.I)
        fmt = m.group(1) if m else qs.get("default_format", "TabSeparated")
        with ENGINE_LOCK:
            try:
                limits = self.profile.settings(url_settings) if self.profile else UNLIMITED
                self._set({**limits, "output_format_json_quote_64bit_integers": int(self.quote_64bit)})
                result = self._engine.query(sql, fmt, params=params)
            except Exception as exc:  # chdb raises ChdbError("Code: N. DB::Exception: ...")
                text = str(exc)
                code_m = re.match(r"Code: (\d+)", text)
                code = int(code_m.group(1)) if code_m else 1001
                return self._error(h, STATUS_BY_CODE.get(code, 500), code, text + "\n", query_id)
            payload = result.bytes()
            self.answers.append({"rows": _rows(payload), "bytes": len(payload), "rows_read": result.rows_read()})
        if injected == "after_200":  # streamed: headers and part of the body went out, then the failure
            payload = payload[: max(1, len(payload) // 2)] + (
                b"Code: 241. DB::Exception: Memory limit (for query) exceeded: would use 10.00 GiB, maximum: "
                b"9.31 GiB. (MEMORY_LIMIT_EXCEEDED) (version 25.8.1.1)\n"
            )
        h.send_response(200)
        h.send_header("Content-Type", "application/json; charset=UTF-8")
        h.send_header("X-ClickHouse-Query-Id", query_id)
        h.send_header("X-ClickHouse-Format", fmt)
        h.send_header("X-ClickHouse-Summary", _ZERO_SUMMARY)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

    def _error(self, h: BaseHTTPRequestHandler, status: int, code: int | None, text: str, query_id: str) -> None:
        payload = text.encode("utf-8")
        h.send_response(status)
        h.send_header("Content-Type", "text/plain; charset=UTF-8")
        h.send_header("X-ClickHouse-Query-Id", query_id)
        if code is not None:
            h.send_header("X-ClickHouse-Exception-Code", str(code))
        h.send_header("X-ClickHouse-Summary", _ZERO_SUMMARY)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)


_ZERO_SUMMARY = json.dumps(
    {"read_rows": "0", "read_bytes": "0", "written_rows": "0", "written_bytes": "0", "total_rows_to_read": "0",
     "result_rows": "0", "result_bytes": "0", "elapsed_ns": "0"}
)  # fmt: skip


def _rows(payload: bytes) -> int:
    """The ``rows`` of a JSON answer (-1 for other formats)."""
    try:
        return int(json.loads(payload).get("rows", -1))
    except (ValueError, AttributeError):
        return -1
