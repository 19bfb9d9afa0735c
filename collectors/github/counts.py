"""GitHub repository counts today: one GraphQL POST with a token, conditional REST without.

- **With a token** (``GITHUB_TOKEN``, else ``gh auth token`` when the GitHub CLI is installed):
  ONE GraphQL POST with one alias per repository (``stargazerCount``, ``forkCount``,
  ``watchers``, open/closed ``issues``, open/merged ``pullRequests``, ``releases``) plus
  ``rateLimit {cost remaining resetAt}`` (kept in the run's details). A GraphQL error naming one
  repository (``NOT_FOUND``) puts that framework in ``failures``; the others are stored.
  GraphQL has no conditional requests, so a **same-day repeat makes no request**: the counts of
  today's first collection are kept in the source state (``counts:graphql``) and re-emitted
  unchanged. ``fwpulse refresh --force`` asks GitHub again.
- **Without a token**: ``GET /repos/{o}/{r}`` as a conditional request. The ETag and the values
  it produced are kept in the source state under ``etag:{owner}/{repo}``; the next run sends
  ``If-None-Match`` and a ``304`` (free of rate limit) re-emits the kept values. Open PRs come
  from an advanced search (``is:pr is:open`` ``total_count``); ``github.open_issues`` is
  ``open_issues_count`` minus open PRs (``open_issues_count`` counts PRs as issues; it is also
  stored unchanged as ``github.open_issues_incl_prs``). Stargazer LISTS are never requested
  (closed to outsiders since July 2026): counts only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from fwpulse.collectors.base import CollectContext, SourceResult
from fwpulse.collectors.errors import FatalSourceError, RetriableError
from fwpulse.collectors.github.api import GitHubApi, RepoFailure
from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

REST = "GitHub REST"
GRAPHQL = "GitHub GraphQL"
_ALIAS_RE = re.compile(r"^r\d+$")


def obs(
    f: Framework, metric: str, date: dt.date, value: float, source: str, method: str, url: str | None, **extra: Any
) -> Observation:
    """A row of framework ``f`` with its value as a float; ``extra``: Observation's note, quality, details."""
    return Observation(f.id, metric, date, float(value), source, method, url, **extra)


# Short stable methods per REST metric. A 304 (values unchanged since the last collection) keeps the
# metric's method and says so in details; a search GitHub reported as incomplete is degraded_source.
REST_METHODS = {
    "github.stars": "REST GET /repos: stargazers_count",
    "github.forks": "REST GET /repos: forks_count",
    "github.watchers": "REST GET /repos: subscribers_count",
    "github.open_issues_incl_prs": "REST GET /repos: open_issues_count (includes open PRs)",
    "github.open_prs": "REST search is:pr is:open: total_count",
    "github.open_issues": "REST open_issues_count minus open PRs (search is:pr is:open total_count)",
}
NOT_MODIFIED = {"not_modified": True, "reason": "HTTP 304: unchanged since the last REST collection, its values kept"}
INCOMPLETE = {"incomplete_results": True, "reason": "GitHub search reported incomplete results"}


def _split(repo: str) -> tuple[str, str]:
    owner, name = repo.split("/", 1)
    return owner, name


# ------------------------------------------------------------------ GraphQL (token)

_GQL_FIELDS = (
    "stargazerCount forkCount createdAt watchers { totalCount } "
    "openIssues: issues(states: [OPEN]) { totalCount } "
    "closedIssues: issues(states: [CLOSED]) { totalCount } "
    "openPRs: pullRequests(states: [OPEN]) { totalCount } "
    "mergedPRs: pullRequests(states: [MERGED]) { totalCount } "
    "releases { totalCount }"
)

_GQL_METRICS = [  # metric, path in the repository object, what it counts
    ("github.stars", ("stargazerCount",), "stargazerCount"),
    ("github.forks", ("forkCount",), "forkCount"),
    ("github.watchers", ("watchers", "totalCount"), "watchers.totalCount"),
    ("github.open_issues", ("openIssues", "totalCount"), "issues(states: OPEN).totalCount (excludes PRs)"),
    ("github.closed_issues", ("closedIssues", "totalCount"), "issues(states: CLOSED).totalCount"),
    ("github.open_prs", ("openPRs", "totalCount"), "pullRequests(states: OPEN).totalCount"),
    ("github.merged_prs", ("mergedPRs", "totalCount"), "pullRequests(states: MERGED).totalCount"),
    ("github.releases", ("releases", "totalCount"), "releases.totalCount"),
]


def graphql_query(frameworks: list[Framework]) -> str:
    parts = ["query FwpulseCounts {", "  rateLimit { cost remaining resetAt }"]
    for i, f in enumerate(frameworks):
        owner, name = _split(f.github or "")
        parts.append(f"  r{i}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) {{ {_GQL_FIELDS} }}")
    parts.append("}")
    return "\n".join(parts)


GQL_STATE = "counts:graphql"


def reuse_todays_counts(
    ctx: CollectContext, frameworks: list[Framework], result: SourceResult
) -> dict[str, str] | None:
    """Today's GraphQL counts from the state, for every requested repo; None when a request is needed."""
    saved = ctx.state.get(GQL_STATE)
    if ctx.force or not isinstance(saved, dict) or saved.get("date") != ctx.today.isoformat():
        return None
    repos = saved.get("repos")
    if not isinstance(repos, dict) or not all(isinstance(repos.get(f.github), dict) for f in frameworks):
        return None
    url = ctx.settings.github_graphql_url
    rows, created = [], {}
    try:
        for f in frameworks:
            entry = repos[f.github]
            for metric, _, what in _GQL_METRICS:
                rows.append(
                    obs(
                        f, metric, ctx.today, float(entry["values"][metric]), GRAPHQL, f"GraphQL repository.{what}", url
                    )
                )
            if entry.get("created_at"):
                created[f.id] = str(entry["created_at"])
    except (KeyError, TypeError, ValueError):
        return None  # unusable state: ask GitHub
    result.observations.extend(rows)
    result.details["counts_reused"] = (
        f"counts collected today at {saved.get('at', '?')} UTC were reused without a "
        f"request (GraphQL has no conditional requests); --force asks again"
    )
    for f in frameworks:
        ctx.progress(f.id)
    return created


def collect_graphql(api: GitHubApi, frameworks: list[Framework], result: SourceResult) -> dict[str, str]:
    """Counts for all repos in one POST; returns framework id -> createdAt for the backfill."""
    ctx = api.ctx
    reused = reuse_todays_counts(ctx, frameworks, result)
    if reused is not None:
        return reused
    url = ctx.settings.github_graphql_url
    resp = ctx.http.request(
        "POST",
        url,
        json_body={"query": graphql_query(frameworks)},
        headers=api.headers({"Accept": "application/json"}),
        wait_hint=api.wait_hint,
    )
    body = ctx.http.json_of(resp)  # non-2xx or malformed JSON: the whole source fails, naming the URL
    if not isinstance(body, dict):
        raise FatalSourceError(f"{url}: GraphQL response is not a JSON object")
    data = body.get("data") or {}
    alias_errors: dict[str, str] = {}
    for err in body.get("errors") or []:
        path = err.get("path") or []
        alias = path[0] if path and isinstance(path[0], str) and _ALIAS_RE.match(path[0]) else None
        msg = f"{err.get('type') or 'ERROR'}: {err.get('message', 'no message')}"
        if alias is None:
            if err.get("type") in ("RATE_LIMITED", "RATE_LIMIT"):
                raise RetriableError(f"{url}: GraphQL rate limit exceeded ({err.get('message', '')})")
            raise FatalSourceError(f"{url}: GraphQL error {ctx.http.redact(msg)}")
        alias_errors[alias] = msg
    rate = data.get("rateLimit") or {}
    saved = ctx.state.get(GQL_STATE)
    saved_repos: dict[str, Any] = {}
    if isinstance(saved, dict) and saved.get("date") == ctx.today.isoformat() and isinstance(saved.get("repos"), dict):
        saved_repos = dict(saved["repos"])  # keep today's other repos (a --framework subset run)
    result.details["rate_limit"] = {k: rate.get(k) for k in ("cost", "remaining", "resetAt")}
    created: dict[str, str] = {}
    for i, f in enumerate(frameworks):
        alias, repo_data = f"r{i}", data.get(f"r{i}")
        if alias in alias_errors or not isinstance(repo_data, dict):
            reason = alias_errors.get(alias, "no data returned")
            result.failures[f.id] = (
                f"GitHub repository {f.github} could not be read ({ctx.http.redact(reason)}); "
                f"fix `github` for this framework in frameworks.toml"
            )
            continue
        rows = []
        try:
            for metric, path, what in _GQL_METRICS:
                value: Any = repo_data
                for key in path:
                    value = value[key]
                if not isinstance(value, int):
                    raise TypeError(f"{'.'.join(path)} is {value!r}")
                rows.append(obs(f, metric, ctx.today, value, GRAPHQL, f"GraphQL repository.{what}", url))
        except (KeyError, TypeError) as exc:
            result.failures[f.id] = f"{f.github}: unexpected GraphQL response ({exc})"
            continue
        result.observations.extend(rows)
        if repo_data.get("createdAt"):
            created[f.id] = str(repo_data["createdAt"])
        saved_repos[f.github] = {"values": {o.metric: o.value for o in rows}, "created_at": repo_data.get("createdAt")}
        ctx.progress(f.id)
    if saved_repos:
        result.state[GQL_STATE] = {"date": ctx.today.isoformat(), "at": f"{ctx.now:%H:%M}", "repos": saved_repos}
    return created


# ------------------------------------------------------------------ REST (no token)

_REST_FIELDS = [
    ("github.stars", "stargazers_count"),
    ("github.forks", "forks_count"),
    ("github.watchers", "subscribers_count"),
    ("github.open_issues_incl_prs", "open_issues_count"),
]


def collect_rest_repo(api: GitHubApi, f: Framework, result: SourceResult) -> str | None:
    """One repo's counts by REST; all-or-nothing. Returns its created_at (if known)."""
    ctx, repo = api.ctx, f.github or ""
    url = f"{api.base}/repos/{repo}"
    key = f"etag:{repo}"
    prev = ctx.state.get(key) if isinstance(ctx.state.get(key), dict) else None
    if prev and not (isinstance(prev.get("etag"), str) and isinstance(prev.get("values"), dict)):
        prev = None  # unusable stored state: make a plain request
    extra = {"If-None-Match": prev["etag"]} if prev else None
    resp = api.get(url, repo, extra_headers=extra)
    if resp.status_code == 304 and prev:
        for metric, value in prev["values"].items():
            result.observations.append(
                obs(f, metric, ctx.today, value, REST, REST_METHODS[metric], url, details=dict(NOT_MODIFIED))
            )
        return prev.get("created_at")
    body = api.json(resp, repo)
    if not isinstance(body, dict):
        raise RepoFailure(f"{repo}: GET {url} did not return a JSON object")
    moved = [r for r in resp.history if r.status_code in (301, 308)]
    if moved:
        new = body.get("full_name") or resp.url
        ctx.log.warning(
            "GitHub repository %s (framework %s) moved to %s (HTTP 301); values are stored under %s - "
            "update `github` in frameworks.toml",
            repo,
            f.id,
            new,
            f.id,
        )
        result.details.setdefault("renamed", {})[f.id] = new
    values: dict[str, float] = {}
    for metric, fld in _REST_FIELDS:
        v = body.get(fld)
        if not isinstance(v, int):
            raise RepoFailure(f"{repo}: GET {url} has no integer {fld!r}")
        values[metric] = v
    current = body.get("full_name") if moved and isinstance(body.get("full_name"), str) else repo
    open_prs, incomplete = api.search_total(f"repo:{current} is:pr is:open", repo)
    values["github.open_prs"] = open_prs
    values["github.open_issues"] = max(0, values["github.open_issues_incl_prs"] - open_prs)
    for metric, value in values.items():
        flagged = incomplete and metric == "github.open_prs"
        result.observations.append(
            obs(
                f,
                metric,
                ctx.today,
                value,
                REST,
                REST_METHODS[metric],
                url,
                quality="degraded_source" if flagged else "ok",
                details=dict(INCOMPLETE) if flagged else None,
            )
        )
    created = body.get("created_at")
    etag = resp.headers.get("ETag")
    if etag:
        result.state[key] = {"etag": etag, "values": values, "created_at": created}
    return created
