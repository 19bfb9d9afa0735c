"""Fake pypistats, OpenAlex and Stack Exchange servers on 127.0.0.1 (ephemeral port), each a
real ``ThreadingHTTPServer`` in a thread. Response shapes come from the samples in
``tests/fixtures/api-samples/{pypistats,openalex,stackexchange}/`` (loaded when a fake is built).

Every fake records each request (path + parsed query) in ``requests`` and can be told to answer
the next N requests with an error through ``fail_next`` (list of (status, body, headers)).
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "api-samples"


def load_sample(*parts: str) -> Any:
    return json.loads((SAMPLES.joinpath(*parts)).read_text())


class FakeServer:
    """Base: subclasses implement ``route(method, path, query) -> (status, body, headers)``."""

    gzip_responses = False

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
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
                    fake.request_times.append((path, time.monotonic()))
                    failure = fake.fail_next.pop(0) if fake.fail_next else None
                status, body, headers = failure if failure else fake.route("GET", path, query)
                data = body if isinstance(body, bytes) else (
                    body.encode() if isinstance(body, str) else json.dumps(body).encode())
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

    def route(self, method: str, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
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
    package answers 404 with the plain-text body ``404`` (server behaviour in API.md)."""

    def __init__(self, packages: dict[str, dict[str, int]]) -> None:
        super().__init__()
        self.packages = packages
        sample = load_sample("pypistats", "overall.example.json")["documented_example"]
        self.row_shape = sample["data"][0]
        self.type = sample["type"]

    def route(self, method, path, query):
        prefix = "/api/packages/"
        if not (path.startswith(prefix) and path.endswith("/overall")):
            return 404, "404", {}
        name = path[len(prefix):-len("/overall")]
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
    """``/works/doi:<doi>`` and ``/works/https://doi.org/<doi>``: ``works`` maps lower-case DOI ->
    (cited_by_count, counts_by_year list newest first, zeros omitted). Answers the captured work
    (work.get.example.json) with those fields replaced; an unknown DOI answers 404 with the
    OpenAlex error-body shape. With ``required_key`` set, a request without that ``api_key``
    gets the 400/403 error body."""

    def __init__(self, works: dict[str, tuple[int, list[dict[str, int]]]], required_key: str | None = None) -> None:
        super().__init__()
        self.works = works
        self.required_key = required_key
        self.template = load_sample("openalex", "work.get.example.json")["captured_full_example"]
        self.error_shape = load_sample("openalex", "errors.examples.json")["examples"][0]["body"]

    def route(self, method, path, query):
        if self.required_key and query.get("api_key") != self.required_key:
            return 403, {"error": self.error_shape["error"], "message": "invalid api_key"}, {}
        doi = None
        for prefix in ("/works/doi:", "/works/https://doi.org/"):
            if path.lower().startswith(prefix):
                doi = path[len(prefix):].lower()
        if doi is None or doi not in self.works:
            return 404, {"error": "NotFoundError", "message": f"{path} not found"}, {}
        cited, by_year = self.works[doi]
        body = copy.deepcopy(self.template)
        body.update(doi=f"https://doi.org/{doi}", cited_by_count=cited, counts_by_year=by_year)
        if "select" in query:
            body = {k: body[k] for k in query["select"].split(",") if k in body}
        return 200, body, {"X-RateLimit-Remaining": "99999", "X-RateLimit-Credits-Used": "1"}


# -- Stack Exchange -----------------------------------------------------------------------------

class FakeStackExchange(FakeServer):
    """Stack Exchange API 2.3 on /2.3 with gzip bodies (Content-Encoding: gzip, as the real API).

    * ``/2.3/tags/{a;b}/info`` -> wrapper with tag items shaped like tags_info.example.json
      (``tags`` maps name -> count; unknown names are simply absent, as on the real API).
    * ``/2.3/questions?filter=total[&tagged=T]&fromdate&todate`` -> ``{"total": N}`` with
      N = ``monthly(tag or None, fromdate, todate)``.
    * ``quota_remaining`` starts at ``quota`` and drops by one per request; reported on wrapper
      (non-total) responses. ``backoff`` maps method ("tags/info" | "questions") -> seconds: the
      next response of that method carries ``backoff`` once; a request to that method before
      the wait is over gets the real "Violation of backoff parameter" throttle_violation.
    * ``require_site``: a request without site=... gets the bad_parameter error body.
    """

    gzip_responses = True

    def __init__(self, tags: dict[str, int], monthly, quota: int = 10000, key: str | None = None) -> None:
        super().__init__()
        self.clock = time.monotonic
        self.tags, self.monthly, self.quota, self.key = tags, monthly, quota, key
        self.backoff: dict[str, int] = {}
        self.not_before: dict[str, float] = {}
        self.violations = 0
        sample = load_sample("stackexchange", "tags_info.example.json")["example"]
        self.tag_shape = {k: v for k, v in sample["items"][1].items()}
        self.quota_max = sample["quota_max"]
        errors = load_sample("stackexchange", "errors.examples.json")["real_bodies"]
        self.violation_body = next(e["body"] for e in errors if "backoff" in e["body"]["error_message"])
        self.site_missing_body = next(e["body"] for e in errors if e["body"]["error_message"] == "site is required")

    def route(self, method, path, query):
        self.quota -= 1
        if query.get("site") != "stackoverflow":
            return 400, self.site_missing_body, {}
        if self.key and query.get("key") != self.key:
            return 400, {"error_id": 400, "error_name": "bad_parameter", "error_message": "key is invalid"}, {}
        if path.startswith("/2.3/tags/") and path.endswith("/info"):
            name = "tags/info"
        elif path == "/2.3/questions":
            name = "questions"
        else:
            return 400, {"error_id": 404, "error_name": "no_method", "error_message": "no method found"}, {}
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
            for tag in path[len("/2.3/tags/"):-len("/info")].split(";"):
                if tag in self.tags:
                    item = copy.deepcopy(self.tag_shape)
                    item.update(name=tag, count=self.tags[tag])
                    items.append(item)
            items.sort(key=lambda i: -i["count"])
            return 200, {"items": items, "has_more": False, "quota_max": self.quota_max,
                         "quota_remaining": self.quota, **extra}, {}
        if query.get("filter") != "total":
            return 400, {"error_id": 400, "error_name": "bad_parameter", "error_message": "use filter=total"}, {}
        total = self.monthly(query.get("tagged"), int(query["fromdate"]), int(query["todate"]))
        return 200, {"total": total, **extra}, {}
