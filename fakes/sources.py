"""Fake pypistats, OpenAlex and Stack Exchange servers on 127.0.0.1 (ephemeral port), each a
real ``ThreadingHTTPServer`` in a thread. Response shapes come from the samples in
``fakes/api-samples/{pypistats,openalex,stackexchange}/`` (loaded when a fake is built).

Every fake records each request (path + parsed query) in ``requests`` (and the request headers in
``headers_seen``) and can be told to answer the next N requests with an error through
``fail_next`` (list of (status, body, headers)). ``clock`` (default ``time.monotonic``) stamps
``request_times``; tests that must not really wait share a :class:`VirtualClock` between the fake
and the collector's HTTP client (its ``sleep`` advances it), so a fake enforcing a rate limit
sees the times the collector would have sent at.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SAMPLES = Path(__file__).resolve().parent / "api-samples"


def load_sample(*parts: str) -> Any:
    return json.loads((SAMPLES.joinpath(*parts)).read_text())


class VirtualClock:
    """Monotonic seconds that only move when ``sleep`` is called (no test really waits)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)


class FakeServer:
    """Base: subclasses implement ``route(method, path, query) -> (status, body, headers)``."""

    gzip_responses = False

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.headers_seen: list[dict[str, str]] = []
        self.clock = time.monotonic
        self.request_times: list[tuple[str, float]] = []
        self.fail_next: list[tuple[int, Any, dict[str, str]]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                path = unquote(parts.path)
                with fake.lock:
                    fake.requests.append((path, query))
                    fake.headers_seen.append({k.lower(): v for k, v in self.headers.items()})
                    fake.request_times.append((path, fake.clock()))
                    failure = fake.fail_next.pop(0) if fake.fail_next else None
                    seen_headers = fake.headers_seen[-1]
                status, body, headers = failure if failure else fake.route("GET", path, query, seen_headers)
                data = (
                    body
                    if isinstance(body, bytes)
                    else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
                )
                ctype = "text/plain" if isinstance(body, (str, bytes)) else "application/json; charset=utf-8"
                if fake.gzip_responses:
                    data = gzip.compress(data)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if fake.gzip_responses:
                    self.send_header("Content-Encoding", "gzip")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        """``headers``: the request's headers, names lower-cased."""
        raise NotImplementedError

    def __enter__(self) -> "FakeServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# -- pypistats ----------------------------------------------------------------------------------


class FakePypistats(FakeServer):
    """``/api/packages/<pkg>/overall``: ``packages`` maps name -> {date: downloads}; an unknown
    package answers 404 with the plain-text body ``404`` (server behaviour in API.md).

    Rate limits per IP as in 2026 (CHANGES-2026-11.md item 9): at most ``limits`` requests
    (default 5 in any 1 s and 30 in any 60 s, window ends included: the strictest reading),
    counted over the requests it served (a moving window on ``clock``). Beyond that it answers
    429 with the documented HTML snippet body and ``Retry-After`` = whole seconds until the
    window has room again; ``served_429`` counts them."""

    RATE_LIMITED_BODY = '<a href="/api/#etiquette">429 RATE LIMIT EXCEEDED</a>'

    def __init__(self, packages: dict[str, dict[str, int]], *, limits=((5, 1.0), (30, 60.0)), clock=None) -> None:
        super().__init__()
        self.packages = packages
        sample = load_sample("pypistats", "overall.example.json")["documented_example"]
        self.row_shape = sample["data"][0]
        self.type = sample["type"]
        self.limits = tuple(limits)
        if clock is not None:
            self.clock = clock
        self.served: list[float] = []  # times of the requests answered (not 429)
        self.served_429 = 0

    def _rate_limited(self) -> float | None:
        """Seconds until a request would be allowed, or None when one is allowed now."""
        now = self.clock()
        waits = []
        for count, seconds in self.limits:
            inside = [t for t in self.served if t >= now - seconds]
            if len(inside) >= count:  # the oldest of the last `count` must be strictly outside
                waits.append(inside[-count] + seconds - now)
        return max(waits) if waits else None

    def route(self, method, path, query, headers):
        with self.lock:
            wait = self._rate_limited()
            if wait is not None:
                self.served_429 += 1
                return 429, self.RATE_LIMITED_BODY, {"Retry-After": str(math.floor(wait) + 1)}
            self.served.append(self.clock())
        return self._route(path, query)

    def _route(self, path, query):
        prefix = "/api/packages/"
        if not (path.startswith(prefix) and path.endswith("/overall")):
            return 404, "404", {}
        name = path[len(prefix) : -len("/overall")]
        norm = name.replace(".", "-").replace("_", "-")
        series = self.packages.get(name) or self.packages.get(norm)
        if not series:
            return 404, "404", {}
        categories = ["without_mirrors", "with_mirrors"]
        if query.get("mirrors") == "false":
            categories = ["without_mirrors"]
        elif query.get("mirrors") == "true":
            categories = ["with_mirrors"]
        data = []
        for cat in categories:
            for day, n in sorted(series.items()):
                row = copy.deepcopy(self.row_shape)
                row.update(category=cat, date=day, downloads=n if cat == "without_mirrors" else n * 2)
                data.append(row)
        return 200, {"data": data, "package": norm, "type": self.type}, {}


def daily_series(start: dt.date, end: dt.date, value) -> dict[str, int]:
    """{iso date: value(day)} for every day from start to end inclusive."""
    out, day = {}, start
    while day <= end:
        out[day.isoformat()] = value(day)
        day += dt.timedelta(days=1)
    return out


# -- OpenAlex -----------------------------------------------------------------------------------


class FakeOpenAlex(FakeServer):
    """OpenAlex as in 2026 (openalex/API.md + CHANGES-2026-11.md item 10).

    * ``/works/doi:<doi>`` and ``/works/https://doi.org/<doi>`` (single work, 1 credit): ``works``
      maps lower-case DOI -> (cited_by_count, counts_by_year list newest first, zeros omitted).
      Answers the captured work (work.get.example.json) with those fields replaced, honouring
      ``select``; an unknown DOI answers 404. Single-work lookups answer WITHOUT a key.
    * ``/works?filter=...`` (list, 10 credits): needs a key; without one -> 401.
    * A request carrying an ``api_key`` other than ``required_key`` -> 401 (a wrong key, as
      seen live). Without ``required_key`` any key is accepted.
    Error bodies use the documented ``{"error", "message"}`` shape (errors.examples.json)."""

    def __init__(
        self,
        works: dict[str, tuple[int, list[dict[str, int]]]],
        required_key: str | None = None,
        keyless_refused: bool = False,
    ) -> None:
        super().__init__()
        self.works = works
        self.required_key = required_key
        self.keyless_refused = keyless_refused  # ASSUMED case: the keyless budget spent, a key is needed
        self.template = load_sample("openalex", "work.get.example.json")["captured_full_example"]
        self.list_template = load_sample("openalex", "works.filter_doi.example.json")["assembled_doi_filter_example"]
        self.error_shape = load_sample("openalex", "errors.examples.json")["examples"][0]["body"]
        assert set(self.error_shape) == {"error", "message"}

    def _error(self, status: int, message: str) -> tuple[int, Any, dict[str, str]]:
        return status, {"error": "Unauthorized" if status == 401 else "NotFoundError", "message": message}, {}

    def route(self, method, path, query, headers):
        key = query.get("api_key")
        if key is not None and self.required_key is not None and key != self.required_key:
            return self._error(401, "Invalid API key. Get a free key at https://openalex.org/settings/api")
        if key is None and self.keyless_refused:
            return self._error(401, "An API key is required. Get a free key at https://openalex.org/settings/api")
        if path.rstrip("/") == "/works":
            if key is None:
                return self._error(
                    401,
                    "An API key is required for list and filter requests. "
                    "Get a free key at https://openalex.org/settings/api",
                )
            body = copy.deepcopy(self.list_template)
            return 200, body, {"X-RateLimit-Credits-Used": "10"}
        doi = None
        for prefix in ("/works/doi:", "/works/https://doi.org/"):
            if path.lower().startswith(prefix):
                doi = path[len(prefix) :].lower()
        if doi is None or doi not in self.works:
            return self._error(404, f"{path} not found")
        cited, by_year = self.works[doi]
        body = copy.deepcopy(self.template)
        body.update(doi=f"https://doi.org/{doi}", cited_by_count=cited, counts_by_year=by_year)
        if "select" in query:
            body = {k: body[k] for k in query["select"].split(",") if k in body}
        return 200, body, {"X-RateLimit-Remaining": "99999", "X-RateLimit-Credits-Used": "1"}


# -- Stack Exchange -----------------------------------------------------------------------------


class FakeStackExchange(FakeServer):
    """Stack Exchange API 2.3 on /2.3 with gzip bodies (Content-Encoding: gzip, as the real API),
    built from stackexchange/*.json and CHANGES-2026-11.md items 6 and 8.

    * ``/2.3/tags/{a;b}/info`` -> wrapper with tag items shaped like tags_info.example.json
      (``tags`` maps name -> count; unknown names are simply absent, as on the real API).
    * ``/2.3/questions?filter=total[&tagged=T]&fromdate&todate`` -> ``{"total": N}`` with
      N = ``monthly(tag or None, fromdate, todate)``.
    * Authentication (since June 2026): a ``key=`` (or ``access_token=``) query parameter is
      REJECTED: HTTP 400, wrapper error_id 400 bad_parameter with an explanatory message
      (``QUERY_KEY_REJECTED``; the exact live wording is not recorded). The key travels as
      ``Authorization: Bearer <key>``; with ``key`` set, a Bearer value other than it gets
      400 bad_parameter "key is invalid". A valid key raises ``quota_max`` to 10,000; keyless
      requests get ``quota_max`` 300 (per IP).
    * Every error is HTTP 400 with the error wrapper (error-handling docs). Throttles are
      ``error_id`` 502 throttle_violation in that 400 (never an HTTP 502):
      - ``backoff`` maps method ("tags/info" | "questions") -> seconds: the next response of
        that method carries ``backoff`` once; a request to that method before the wait is over
        gets the recorded "Violation of backoff parameter" body;
      - when ``quota`` is used up: the recorded "too many requests from this IP, more requests
        available in N seconds" body; the quota comes back ``quota_reset_s`` after the first
        such answer (``throttled`` counts them).
    * ``quota_remaining`` starts at ``quota``, drops by one per request, reported on wrapper
      (non-total) responses. A request without site=stackoverflow gets "site is required".
    """

    gzip_responses = True
    QUERY_KEY_REJECTED = (
        "Passing an API key or access token in the query string is no longer supported; "
        "send it in the Authorization header as 'Bearer <key>'"
    )

    def __init__(
        self,
        tags: dict[str, int],
        monthly,
        quota: int = 10000,
        key: str | None = None,
        clock=None,
        quota_reset_s: int = 17524,
    ) -> None:
        super().__init__()
        if clock is not None:
            self.clock = clock
        self.tags, self.monthly, self.quota, self.key = tags, monthly, quota, key
        self.quota_reset_s = quota_reset_s
        self.quota_reset_at: float | None = None
        self.throttled = 0
        self.backoff: dict[str, int] = {}
        self.not_before: dict[str, float] = {}
        self.violations = 0
        self.rejected_query_keys = 0
        sample = load_sample("stackexchange", "tags_info.example.json")["example"]
        self.tag_shape = {k: v for k, v in sample["items"][1].items()}
        self.quota_max_keyed = sample["quota_max"]
        errors = load_sample("stackexchange", "errors.examples.json")
        ids = {e["error_id"]: e["error_name"] for e in errors["error_ids"]}
        assert ids[400] == "bad_parameter" and ids[502] == "throttle_violation"
        bodies = [(e["http_status"], e["body"]) for e in errors["real_bodies"]]
        assert all(status == 400 for status, _ in bodies)  # every error is an HTTP 400
        self.violation_body = next(b for _, b in bodies if "backoff" in b["error_message"])
        self.quota_body_template = next(b for _, b in bodies if "available in 17524 seconds" in b["error_message"])
        self.site_missing_body = next(b for _, b in bodies if b["error_message"] == "site is required")

    def error(self, error_id: int, message: str) -> tuple[int, Any, dict[str, str]]:
        names = {
            400: "bad_parameter",
            401: "access_token_required",
            402: "invalid_access_token",
            403: "access_denied",
            404: "no_method",
            405: "key_required",
            502: "throttle_violation",
        }
        return 400, {"error_id": error_id, "error_message": message, "error_name": names[error_id]}, {}

    def route(self, method, path, query, headers):
        self.quota -= 1
        if "key" in query or "access_token" in query:
            self.rejected_query_keys += 1
            return self.error(400, self.QUERY_KEY_REJECTED)
        auth = headers.get("authorization")
        keyed = False
        if auth is not None:
            scheme, _, value = auth.partition(" ")
            if scheme != "Bearer" or not value or (self.key is not None and value != self.key):
                return self.error(400, "key is invalid")
            keyed = True
        if query.get("site") != "stackoverflow":
            return 400, self.site_missing_body, {}
        if self.quota < 0 and self.quota_reset_at is not None and self.clock() >= self.quota_reset_at:
            self.quota, self.quota_reset_at = self.quota_max_keyed - 1, None  # a new day
        if self.quota < 0:
            if self.quota_reset_at is None:
                self.quota_reset_at = self.clock() + self.quota_reset_s
            self.throttled += 1
            body = dict(self.quota_body_template)
            body["error_message"] = body["error_message"].replace(
                "17524", str(max(1, round(self.quota_reset_at - self.clock())))
            )
            return 400, body, {}
        if path.startswith("/2.3/tags/") and path.endswith("/info"):
            name = "tags/info"
        elif path == "/2.3/questions":
            name = "questions"
        else:
            return self.error(404, "no method found with this name")
        if self.clock() < self.not_before.get(name, 0.0):
            self.violations += 1
            return 400, self.violation_body, {}
        extra = {}
        if name in self.backoff:
            seconds = self.backoff.pop(name)
            extra["backoff"] = seconds
            self.not_before[name] = self.clock() + seconds
        if name == "tags/info":
            items = []
            for tag in path[len("/2.3/tags/") : -len("/info")].split(";"):
                if tag in self.tags:
                    item = copy.deepcopy(self.tag_shape)
                    item.update(name=tag, count=self.tags[tag])
                    items.append(item)
            items.sort(key=lambda i: -i["count"])
            return (
                200,
                {
                    "items": items,
                    "has_more": False,
                    "quota_max": self.quota_max_keyed if keyed else 300,
                    "quota_remaining": self.quota,
                    **extra,
                },
                {},
            )
        if query.get("filter") != "total":
            return self.error(400, "use filter=total")
        total = self.monthly(query.get("tagged"), int(query["fromdate"]), int(query["todate"]))
        return 200, {"total": total, **extra}, {}
