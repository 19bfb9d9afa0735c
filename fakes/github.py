"""A fake GitHub (REST + GraphQL) on 127.0.0.1, built from the documented/recorded samples in
``fakes/api-samples/github/`` (a copy of ``../shared/api-samples/``) and the 2026 facts of
``CHANGES-2026-11.md``: star history is a bare array of ``{week, total, days[7]}`` pages, newest
first, 30 weeks a page (``per_page`` capped), ``Link`` rel=next/last pointing at
``/repositories/{id}/...``, ETag on page 1 and a free 304 without a Link; every GraphQL query is
validated against ``graphql_types.graphql`` with graphql-core (a field GitHub lacks is an error,
as on github.com); an issue search without an explicit ``is:issue``/``is:pr`` term is a 422.

Bodies start from the sample files (full repository, search result, GraphQL success and
NOT_FOUND shapes, releases, the recorded 301 for a renamed repository, basic-error bodies) and
headers from the recorded ``GET /repos`` exchange (ETag, X-RateLimit-*, X-GitHub-Request-Id);
each test then overrides the counts it asserts. ``script`` queues raw responses per path
(status, headers, body) that are served before the default behaviour, for error cases.
Every request is recorded in ``requests``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from fakes.github_graphql import validation_errors
from fakes.loopback import LoopbackServer, Seen

SAMPLES = Path(__file__).resolve().parent / "api-samples" / "github"


def _load(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


# The recorded GET /repos headers every response carries unless it sets them itself.
RECORDED_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Used",
    "X-RateLimit-Resource",
    "X-GitHub-Request-Id",
)
WEEK_S = 7 * 86400


def weeks_of(sunday_first, counts: list[list[int]]) -> list[dict[str, Any]]:
    """Star-history items for consecutive weeks, OLDEST first as given; served newest first."""
    import datetime as dt

    start = int(dt.datetime.combine(sunday_first, dt.time(), dt.UTC).timestamp())
    assert sunday_first.weekday() == 6, "star-history weeks start on a Sunday"
    return [{"week": start + i * WEEK_S, "total": sum(days), "days": list(days)} for i, days in enumerate(counts)]


@dataclass
class RepoSpec:
    full_name: str
    stars: int
    forks: int
    watchers: int  # subscribers
    open_issues: int  # issues only (GraphQL openIssues)
    open_prs: int
    closed_issues: int = 0
    merged_prs: int = 0
    releases: int = 0
    created_at: str = "2016-08-13T05:26:41Z"
    etag: str = ""
    repo_id: int = 0


class FakeGitHub(LoopbackServer):
    def __init__(self) -> None:
        self.full_repo = _load("full-repository.example.json")["example"]
        self.search_example = _load("search-issues.example.json")["example"]
        gql = _load("graphql_example_response.json")
        self.gql_success = gql["success_example"]
        self.gql_not_found = gql["not_found_example"]
        self.releases_example = _load("releases.example.json")["example"]
        moved = _load("moved-permanently.example.json")
        self.moved_body = moved["moved_permanently_301"]["body"]
        rec = _load("recorded/get-repository.recorded.json")["exchanges"][0]
        self.rec_headers = dict(rec["response_headers_raw_order"])
        self.not_found_body = {
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
        }
        self.repos: dict[str, RepoSpec] = {}
        self.renamed: dict[str, tuple[int, str]] = {}  # old full name -> (repository id, new full name)
        self.search_totals: dict[str, int] = {}  # exact q -> total_count
        self.star_history: dict[str, list[dict[str, Any]]] = {}  # full name -> weeks, any order (served newest first)
        self.rate_limit_example = _load("rate-limit.current-docs.example-and-schema.json")
        self.releases: dict[str, list[dict[str, Any]]] = {}
        self.script: dict[str, list[tuple[int, dict[str, str], Any]]] = defaultdict(list)
        self._init_server()  # records every request in self.requests

    # ---------------------------------------------------------------- setup helpers
    def add_repo(self, full_name: str, **counts: Any) -> RepoSpec:
        spec = RepoSpec(full_name=full_name, **counts)
        spec.etag = spec.etag or '"' + hashlib.sha256(f"{full_name}:{spec.stars}".encode()).hexdigest() + '"'
        spec.repo_id = spec.repo_id or 1000 + len(self.repos)
        self.repos[full_name] = spec
        return spec

    def rename(self, old: str, new: str, repo_id: int = 515436299) -> None:
        self.renamed[old] = (repo_id, new)

    def seen(self, path_prefix: str = "", method: str | None = None) -> list[Seen]:
        return [r for r in self.requests if r.path.startswith(path_prefix) and (method is None or r.method == method)]

    # ---------------------------------------------------------------- bodies
    def repo_body(self, spec: RepoSpec) -> dict[str, Any]:
        body = copy.deepcopy(self.full_repo)
        owner, name = spec.full_name.split("/")
        body.update(
            full_name=spec.full_name,
            name=name,
            stargazers_count=spec.stars,
            watchers_count=spec.stars,
            watchers=spec.stars,
            forks_count=spec.forks,
            forks=spec.forks,
            subscribers_count=spec.watchers,
            open_issues_count=spec.open_issues + spec.open_prs,
            open_issues=spec.open_issues + spec.open_prs,
            created_at=spec.created_at,
            url=f"{self.url}/repos/{spec.full_name}",
        )
        body["owner"] = {**body["owner"], "login": owner}
        return body

    def search_body(self, total: int) -> dict[str, Any]:
        body = copy.deepcopy(self.search_example)
        body["total_count"] = total
        body["items"] = body["items"][:1] if total else []
        return body

    def graphql_body(self, query: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rateLimit": {k: self.gql_success["data"]["rateLimit"][k] for k in ("cost", "remaining", "resetAt")}
        }
        errors = []
        for alias, owner, name in re.findall(r'(r\d+): repository\(owner: "([^"]*)", name: "([^"]*)"\)', query):
            spec = self.repos.get(f"{owner}/{name}")
            if spec is None:
                data[alias] = None
                err = copy.deepcopy(self.gql_not_found["errors"][0])
                err["path"] = [alias]
                err["message"] = f"Could not resolve to a Repository with the name '{owner}/{name}'."
                errors.append(err)
                continue
            repo = copy.deepcopy(self.gql_success["data"]["repository"])
            repo.pop("nameWithOwner", None)
            repo.update(stargazerCount=spec.stars, forkCount=spec.forks, createdAt=spec.created_at)
            repo["watchers"]["totalCount"] = spec.watchers
            repo["openIssues"]["totalCount"] = spec.open_issues
            repo["closedIssues"]["totalCount"] = spec.closed_issues
            repo["openPRs"]["totalCount"] = spec.open_prs
            repo["mergedPRs"]["totalCount"] = spec.merged_prs
            repo["releases"] = {"totalCount": spec.releases}
            data[alias] = repo
        return {"data": data, **({"errors": errors} if errors else {})}

    def star_history_page(self, full: str, seen: Seen) -> tuple[int, dict[str, str], Any]:
        """One page of the Sept 2026 endpoint, as the samples describe it."""
        weeks = sorted(self.star_history.get(full, []), key=lambda w: -w["week"])
        per_page = min(30, int(seen.query.get("per_page", ["30"])[0]))  # 30 is also the cap
        page = int(seen.query.get("page", ["1"])[0])
        last = max(1, -(-len(weeks) // per_page))
        body = weeks[(page - 1) * per_page : page * per_page]
        etag = 'W/"' + hashlib.sha256(json.dumps(body).encode()).hexdigest()[:12] + '"'
        if page == 1 and seen.headers.get("if-none-match") == etag:
            return 304, {"ETag": etag}, None  # free, and without a Link header
        base = f"{self.url}/repositories/{self.repos[full].repo_id}/stargazers/history?per_page={per_page}"
        links = []
        if page < last:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
            links.append(f'<{base}&page={last}>; rel="last"')
        headers = {"ETag": etag, "X-RateLimit-Resource": "core"}
        if links:
            headers["Link"] = ", ".join(links)
        return 200, headers, body

    # ---------------------------------------------------------------- dispatch
    def respond(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            queue = self.script.get(seen.path)
            if queue:
                return queue.pop(0)
        path = seen.path
        if seen.method == "POST" and path == "/graphql":
            query = json.loads(seen.body or b"{}").get("query", "")
            invalid = validation_errors(query)
            if invalid:
                return 200, {"x-ratelimit-resource": "graphql"}, {"errors": invalid}
            return 200, {"x-ratelimit-resource": "graphql"}, self.graphql_body(query)
        if path == "/rate_limit":  # REST 2026-03-10 shape: resources.* only, no top-level `rate`
            return 200, {}, {"resources": self.rate_limit_example["example"]["resources"]}
        if path == "/search/issues":
            q = seen.query.get("q", [""])[0]
            if not re.search(r"(^|\s)is:(issue|pr|pull-request)(\s|$)", q):
                return (
                    422,
                    {},
                    {
                        "message": "Validation Failed",
                        "errors": [
                            {
                                "resource": "Search",
                                "field": "q",
                                "code": "invalid",
                                "message": "Query must include 'is:issue' or 'is:pull-request'",
                            }
                        ],
                        "documentation_url": "https://docs.github.com/v3/search/",
                    },
                )
            m = re.match(r"repo:(\S+) is:pr is:open$", q)
            total = self.repos[m.group(1)].open_prs if m and m.group(1) in self.repos else self.search_totals.get(q, 0)
            return (
                200,
                {"X-RateLimit-Limit": "30", "X-RateLimit-Resource": "search", "Cache-Control": "no-cache"},
                self.search_body(total),
            )
        m = re.match(r"^/repositories/(\d+)/stargazers/history$", path)
        if m:
            for full, spec in self.repos.items():
                if str(spec.repo_id) == m.group(1):
                    return self.star_history_page(full, seen)
            return 404, {}, self.not_found_body
        m = re.match(r"^/repositories/(\d+)$", path)
        if m:
            for repo_id, new in self.renamed.values():
                if str(repo_id) == m.group(1) and new in self.repos:
                    return 200, {"ETag": self.repos[new].etag}, self.repo_body(self.repos[new])
            return 404, {}, self.not_found_body
        m = re.match(r"^/repos/([^/]+/[^/]+)(/.*)?$", path)
        if m:
            full, rest = m.group(1), m.group(2) or ""
            if full in self.renamed and not rest:
                body = dict(self.moved_body, url=f"{self.url}/repositories/{self.renamed[full][0]}")
                return 301, {"Location": body["url"]}, body
            spec = self.repos.get(full)
            if spec is None:
                return 404, {}, self.not_found_body
            if rest == "":
                if seen.headers.get("if-none-match") == spec.etag:
                    return 304, {"ETag": spec.etag}, None
                return 200, {"ETag": spec.etag}, self.repo_body(spec)
            if rest == "/stargazers/history":
                return self.star_history_page(full, seen)
            if rest in ("/stargazers", "/subscribers"):  # lists closed to outsiders since July 2026
                return (
                    403,
                    {},
                    {
                        "message": "Must have admin rights to Repository.",
                        "documentation_url": "https://docs.github.com/rest/activity/starring",
                    },
                )
            if rest == "/releases":
                return 200, {}, self.releases.get(full, [])
        return 404, {}, self.not_found_body

    def release(self, tag: str, published_at: str, **extra: Any) -> dict[str, Any]:
        rel = copy.deepcopy(self.releases_example[0])
        rel.update(
            {
                "tag_name": tag,
                "name": tag,
                "published_at": published_at,
                "created_at": published_at,
                "draft": False,
                "prerelease": False,
                **extra,
            }
        )
        return rel

    def write_response(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any) -> None:
        """JSON (or text) with the recorded rate-limit headers a response does not set itself; a 304 has no body."""
        if status == 304:
            payload = b""
        elif isinstance(body, (dict, list)):
            payload = json.dumps(body).encode()
        elif isinstance(body, str):
            payload = body.encode()
        else:
            payload = body or b""
        handler.send_response(status)
        lower = {k.lower() for k in headers}
        for k in RECORDED_HEADERS:
            if k in self.rec_headers and k.lower() not in lower:
                handler.send_header(k, self.rec_headers[k])
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if payload:
            handler.wfile.write(payload)
