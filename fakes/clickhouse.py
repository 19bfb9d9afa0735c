"""A fake ClickHouse HTTP interface on 127.0.0.1 that runs every received query on a REAL
ClickHouse engine: chDB (embedded ClickHouse), over the public datasets' documented schemas
(shared/api-samples/clickhouse/README.md) filled with small SYNTHETIC data.

What it does like the real server: POST body = SQL (its own ``FORMAT`` clause decides the
answer's format, else ``default_format``), ``param_<name>`` URL values passed to the engine as
query parameters (chDB parses them exactly as the server does), credentials from the
``X-ClickHouse-User``/``X-ClickHouse-Key`` headers, ``X-ClickHouse-Summary`` and
``X-ClickHouse-Query-Id`` on every answer, 64-bit integers quoted unless
``output_format_json_quote_64bit_integers=0`` (quoted by default, like the public server long
was), errors as plain ``Code: N. DB::Exception: ...`` bodies with ``X-ClickHouse-Exception-Code``
and 400 (syntax), 404 (unknown table/database), 403 (authentication) or 500.

Injected failures (``fail_next``): ``quota`` (500, code 201 QUOTA_EXCEEDED), ``timeout``
(500, code 159 TIMEOUT_EXCEEDED), ``overloaded`` (503 without a code), ``too_many_requests``
(429), ``after_200`` (the query runs, a 200 and the first part of the JSON go out, then the
body ends with an exception, as a streamed result does when the server fails mid-way).

chDB keeps one engine per process: every fake drops and recreates its databases on start, and
queries are serialised through a lock.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from fakes.loopback import LoopbackServer

ENGINE_LOCK = threading.Lock()

EVENT_TYPES = (
    "'CommitCommentEvent'=1, 'CreateEvent'=2, 'DeleteEvent'=3, 'ForkEvent'=4, 'GollumEvent'=5, "
    "'IssueCommentEvent'=6, 'IssuesEvent'=7, 'MemberEvent'=8, 'PublicEvent'=9, 'PullRequestEvent'=10, "
    "'PullRequestReviewCommentEvent'=11, 'PushEvent'=12, 'ReleaseEvent'=13, 'SponsorshipEvent'=14, "
    "'WatchEvent'=15, 'GistEvent'=16, 'FollowEvent'=17, 'DownloadEvent'=18, 'PullRequestReviewEvent'=19, "
    "'ForkApplyEvent'=20, 'Event'=21, 'TeamAddEvent'=22"
)
ACTIONS = (
    "'none'=0, 'created'=1, 'added'=2, 'edited'=3, 'deleted'=4, 'opened'=5, 'closed'=6, 'reopened'=7, "
    "'assigned'=8, 'unassigned'=9, 'labeled'=10, 'unlabeled'=11, 'review_requested'=12, "
    "'review_request_removed'=13, 'synchronize'=14, 'started'=15, 'published'=16, 'update'=17, "
    "'create'=18, 'fork'=19, 'merged'=20"
)

# The documented schemas (README in the samples), as the public server declares them.
SCHEMA = [
    "CREATE DATABASE {pypi}",
    "CREATE DATABASE {github}",
    "CREATE TABLE {pypi}.pypi_downloads_per_day (date Date, project String, count Int64) "
    "ENGINE = SummingMergeTree ORDER BY (project, date)",
    "CREATE TABLE {pypi}.{metadata} (name String, version String, requires_dist Array(String), "
    "upload_time DateTime64(3), summary String, classifiers Array(String)) ENGINE = MergeTree ORDER BY (name, upload_time)",
    f"CREATE TABLE {{github}}.github_events (event_type Enum8({EVENT_TYPES}), action Enum8({ACTIONS}), "
    "repo_name LowCardinality(String), actor_login LowCardinality(String), created_at DateTime, number UInt32, "
    "merged UInt8, file_time DateTime) ENGINE = MergeTree ORDER BY (event_type, repo_name, created_at)",
]

STATUS_BY_CODE = {62: 400, 60: 404, 81: 404, 516: 403, 497: 403}
INJECTED = {
    "quota": (
        500,
        201,
        "Code: 201. DB::Exception: Quota for user `demo` for 3600s has been exceeded: "
        "result_rows = 1000001/1000000. Interval will end at 2026-11-20 13:00:00. (QUOTA_EXCEEDED) "
        "(version 25.8.1.1)\n",
    ),
    "timeout": (
        500,
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


@dataclass
class Synthetic:
    """SYNTHETIC rows for the fake (invented values, real shapes)."""

    downloads: list[tuple[dt.date, str, int]] = field(default_factory=list)  # (date, project, count)
    packages: list[tuple[str, str, list[str], dt.datetime]] = field(
        default_factory=list
    )  # name, version, requires_dist, upload_time
    events: list[tuple[str, str, str, dt.datetime, int]] = field(
        default_factory=list
    )  # type, action, repo, created_at, merged


def _engine():
    from chdb import session

    return session.Session()


def _json_lines(rows: Iterable[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(r, default=str) for r in rows)


class FakeClickHouse(LoopbackServer):
    def __init__(
        self,
        data: Synthetic,
        *,
        user: str = "demo",
        password: str | None = None,
        metadata_table: str | None = "packages",
        quote_64bit: bool = True,
        pypi_db: str = "pypi",
        github_db: str = "github",
    ):
        self.data = data
        self.user, self.password = user, password
        self.quote_64bit = quote_64bit
        self.received: list[Received] = []
        self.failures: list[str] = []
        self._engine = _engine()
        self._load(metadata_table, pypi_db, github_db)
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

    # -- data ----------------------------------------------------------------------------------
    def _load(self, metadata_table: str | None, pypi_db: str, github_db: str) -> None:
        with ENGINE_LOCK:
            for db in ("pypi", "github", pypi_db, github_db):
                self._engine.query(f"DROP DATABASE IF EXISTS {db}")
            for stmt in SCHEMA:
                if "{metadata}" in stmt and metadata_table is None:
                    continue
                self._engine.query(stmt.format(pypi=pypi_db, github=github_db, metadata=metadata_table))
            d = self.data
            # Two inserts: a SummingMergeTree holds unmerged parts, so only sum(count) is right.
            half = len(d.downloads) // 2
            for part in (d.downloads[:half], d.downloads[half:]):
                if part:
                    self._engine.query(
                        f"INSERT INTO {pypi_db}.pypi_downloads_per_day FORMAT JSONEachRow\n"
                        + _json_lines({"date": day.isoformat(), "project": p, "count": c} for day, p, c in part)
                    )
            if d.packages and metadata_table:
                self._engine.query(
                    f"INSERT INTO {pypi_db}.{metadata_table} FORMAT JSONEachRow\n"
                    + _json_lines(
                        {
                            "name": n,
                            "version": v,
                            "requires_dist": req,
                            "upload_time": t.strftime("%Y-%m-%d %H:%M:%S"),
                            "summary": "synthetic",
                            "classifiers": [],
                        }
                        for n, v, req, t in d.packages
                    )
                )
            if d.events:
                self._engine.query(
                    f"INSERT INTO {github_db}.github_events FORMAT JSONEachRow\n"
                    + _json_lines(
                        {
                            "event_type": et,
                            "action": act,
                            "repo_name": repo,
                            "actor_login": f"user{i % 7}",
                            "created_at": t.strftime("%Y-%m-%d %H:%M:%S"),
                            "number": i % 5000,
                            "merged": merged,
                            "file_time": t.strftime("%Y-%m-%d %H:00:00"),
                        }
                        for i, (et, act, repo, t, merged) in enumerate(d.events)
                    )
                )

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
    def _handle(self, h: BaseHTTPRequestHandler, sql: str) -> None:
        qs = {k: v[-1] for k, v in parse_qs(urlsplit(h.path).query, keep_blank_values=True).items()}
        params = {k[len("param_") :]: v for k, v in qs.items() if k.startswith("param_")}
        user = h.headers.get("X-ClickHouse-User") or qs.get("user")
        key = h.headers.get("X-ClickHouse-Key") or qs.get("password") or None
        self.received.append(Received(sql, params, user, key is not None, h.path))
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
        injected = self.failures.pop(0) if self.failures else None
        if injected in INJECTED:
            status, code, text = INJECTED[injected]
            return self._error(h, status, code, text, query_id)
        m = re.search(r"\bFORMAT\s+(\w+)\s*;?\s*$", sql, re.I)
        fmt = m.group(1) if m else qs.get("default_format", "TabSeparated")
        quote = qs.get("output_format_json_quote_64bit_integers", "1" if self.quote_64bit else "0")
        t0 = time.monotonic()
        with ENGINE_LOCK:
            try:
                self._engine.query(f"SET output_format_json_quote_64bit_integers = {int(quote == '1')}")
                result = self._engine.query(sql, fmt, params=params)
            except Exception as exc:  # chdb raises ChdbError("Code: N. DB::Exception: ...")
                text = str(exc)
                code_m = re.match(r"Code: (\d+)", text)
                code = int(code_m.group(1)) if code_m else 1001
                return self._error(h, STATUS_BY_CODE.get(code, 500), code, text + "\n", query_id)
            payload = result.bytes()
            read_rows, read_bytes = result.rows_read(), result.bytes_read()
        summary = {
            "read_rows": str(read_rows),
            "read_bytes": str(read_bytes),
            "written_rows": "0",
            "written_bytes": "0",
            "total_rows_to_read": str(read_rows),
            "result_rows": "0",
            "result_bytes": "0",
            "elapsed_ns": str(int((time.monotonic() - t0) * 1e9)),
        }
        if injected == "after_200":  # streamed: headers and part of the body went out, then the failure
            payload = payload[: max(1, len(payload) // 2)] + (
                b"Code: 241. DB::Exception: Memory limit (for query) exceeded: would use 10.00 GiB, maximum: "
                b"9.31 GiB. (MEMORY_LIMIT_EXCEEDED) (version 25.8.1.1)\n"
            )
        h.send_response(200)
        h.send_header("Content-Type", "application/json; charset=UTF-8")
        h.send_header("X-ClickHouse-Query-Id", query_id)
        h.send_header("X-ClickHouse-Format", fmt)
        h.send_header("X-ClickHouse-Summary", json.dumps(summary))
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
        h.send_header("X-ClickHouse-Summary", json.dumps({"read_rows": "0", "read_bytes": "0", "elapsed_ns": "0"}))
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)
