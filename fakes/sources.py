"""Fake pypistats and OpenAlex servers on 127.0.0.1, and the base they share with fakes/stackexchange.py.

Each fake is a real ``ThreadingHTTPServer`` in a thread (:mod:`fakes.loopback`, ephemeral port).
Response shapes come from the samples in ``fakes/api-samples/{pypistats,openalex,stackexchange}/``
(loaded when a fake is built).

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
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fakes.loopback import LoopbackServer

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


class FakeServer(LoopbackServer):
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

        self._init_server(Handler)

    def route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        """``headers``: the request's headers, names lower-cased."""
        raise NotImplementedError

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base(self) -> str:
        return self.url


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
