"""GitHub: repository counts (stars, forks, watchers, issues, PRs, releases) and, with
``--backfill``, weekly star history, monthly issues opened/closed and release events.

How it talks to GitHub: plain ``requests`` calls through the one shared HTTP client
(``ctx.http``: retries, ``Retry-After``, request counting, secret redaction). PyGithub does not
fit here: it has no GraphQL, no conditional requests and no star-history call, and a second
HTTP stack would mean a second retry policy and request count. It serves as the naive baseline
in ``benchmarks/github_requests.py`` (one ``get_repo`` plus a search per figure per repo).

Two ways to collect the counts:

- **With a token** (``GITHUB_TOKEN``, else ``gh auth token`` when the GitHub CLI is installed):
  ONE GraphQL POST with one alias per repository (``stargazerCount``, ``forkCount``,
  ``watchers``, open/closed ``issues``, open/merged ``pullRequests``, ``releases``) plus
  ``rateLimit {cost remaining resetAt}`` (kept in the run's details). A GraphQL error naming one
  repository (``NOT_FOUND``) puts that framework in ``failures``; the others are stored.
  GraphQL has no conditional requests, so a **same-day repeat makes no request**: the counts of
  today's first collection are kept in the source state (``counts:graphql``) and re-emitted
  unchanged (they are the day's values; the store writes nothing new). ``fwpulse refresh
  --force`` asks GitHub again.
- **Without a token**: ``GET /repos/{o}/{r}`` as a conditional request. The ETag and the values
  it produced are kept in the source state under ``etag:{owner}/{repo}``; the next run sends
  ``If-None-Match`` and a ``304`` (free of rate limit) re-emits the kept values. Open PRs come
  from the search API (``is:pr is:open`` ``total_count``); ``github.open_issues`` is
  ``open_issues_count`` minus open PRs (``open_issues_count`` counts PRs as issues; it is also
  stored unchanged as ``github.open_issues_incl_prs``).

Backfill (``fwpulse refresh --backfill``), REST, authenticated when a token is available:

- ``GET /repos/{o}/{r}/stargazers/history`` (new in Sept 2026; GitHub published no sample).
  ASSUMED response shape: ``{"history": [{"week": "2026-09-07", "stars": 123}, ...]}`` where
  ``week`` is the ISO date of the week's first day and ``stars`` the stars given that week that
  are still held today; a bare list of such objects is accepted too. -> ``github.stars_added``.
- Issues opened / closed per calendar month from search ``total_count`` with ``created:`` and
  ``closed:`` windows (``is:issue``), dated the first of the month. Completed months are kept in
  the state (``months:{owner}/{repo}``) so a second backfill skips them. Search is limited to 30
  requests/minute (10 without a token): a token bucket paces the calls. The window starts at
  ``[sources.github] backfill_since = "YYYY-MM"`` if set, else ``backfill_months`` (default 24)
  months back, and never before the repository's creation month.
- ``GET /repos/{o}/{r}/releases?per_page=100`` (following ``Link: rel="next"``, at most
  ``max_release_pages`` pages) -> release events; ``is_major`` for tags ``vX.0.0`` with X >= 1.

Failure discipline: primary rate limit (403/429 with ``x-ratelimit-remaining: 0``) waits for
``x-ratelimit-reset`` when that is within ``[sources.github] max_rate_limit_wait_seconds``
(default 900), else stops with a RetriableError carrying ``retry_after``; a secondary limit
honours ``retry-after``; 5xx are retried by the HTTP client; a 301 (renamed repository) is
followed and the new name logged, values stay under the framework id; a 404 or malformed JSON
puts only that framework in ``failures`` (nothing half-written for it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from fwpulse.data.registry import Framework
from fwpulse.data.store import Event, Observation

from .base import CollectContext, Source, SourceResult
from .errors import FatalSourceError, RetriableError
from .github_fetch import GitHubApi, RepoFailure, SearchBucket, make_wait_hint, resolve_token

__all__ = ["SOURCE", "collect", "SearchBucket", "make_wait_hint", "resolve_token", "graphql_query", "backfill_months"]

REST = "GitHub REST"
GRAPHQL = "GitHub GraphQL"
DEFAULT_MAX_RATE_LIMIT_WAIT = 900.0
DEFAULT_BACKFILL_MONTHS = 24
DEFAULT_MAX_RELEASE_PAGES = 10
_MAJOR_RE = re.compile(r"^v?(\d+)\.0(?:\.0)?$")
_ALIAS_RE = re.compile(r"^r\d+$")


def _obs(f: Framework, metric: str, date: dt.date, value: float, source: str, method: str,
         url: str | None, note: str | None = None) -> Observation:
    return Observation(framework=f.id, metric=metric, date=date, value=float(value), source=source,
                       method=method, source_url=url, note=note)


def _split(repo: str) -> tuple[str, str]:
    owner, name = repo.split("/", 1)
    return owner, name


# ------------------------------------------------------------------ GraphQL (token)

_GQL_FIELDS = ("stargazerCount forkCount createdAt watchers { totalCount } "
               "openIssues: issues(states: [OPEN]) { totalCount } "
               "closedIssues: issues(states: [CLOSED]) { totalCount } "
               "openPRs: pullRequests(states: [OPEN]) { totalCount } "
               "mergedPRs: pullRequests(states: [MERGED]) { totalCount } "
               "releases { totalCount }")

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


def reuse_todays_counts(ctx: CollectContext, frameworks: list[Framework], result: SourceResult) -> dict[str, str] | None:
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
                rows.append(_obs(f, metric, ctx.today, float(entry["values"][metric]), GRAPHQL,
                                 f"GraphQL repository.{what}", url))
            if entry.get("created_at"):
                created[f.id] = str(entry["created_at"])
    except (KeyError, TypeError, ValueError):
        return None  # unusable state: ask GitHub
    result.observations.extend(rows)
    result.details["counts_reused"] = (f"counts collected today at {saved.get('at', '?')} UTC were reused without a "
                                       f"request (GraphQL has no conditional requests); --force asks again")
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
    resp = ctx.http.request("POST", url, json_body={"query": graphql_query(frameworks)},
                            headers=api.headers({"Accept": "application/json"}), wait_hint=api.wait_hint)
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
            result.failures[f.id] = (f"GitHub repository {f.github} could not be read ({ctx.http.redact(reason)}); "
                                     f"fix `github` for this framework in frameworks.toml")
            continue
        rows = []
        try:
            for metric, path, what in _GQL_METRICS:
                value: Any = repo_data
                for key in path:
                    value = value[key]
                if not isinstance(value, int):
                    raise TypeError(f"{'.'.join(path)} is {value!r}")
                rows.append(_obs(f, metric, ctx.today, value, GRAPHQL, f"GraphQL repository.{what}", url))
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
        method = "unchanged since last collection (304): values of the previous REST collection"
        for metric, value in prev["values"].items():
            result.observations.append(_obs(f, metric, ctx.today, value, REST, method, url))
        return prev.get("created_at")
    body = api.json(resp, repo)
    if not isinstance(body, dict):
        raise RepoFailure(f"{repo}: GET {url} did not return a JSON object")
    moved = [r for r in resp.history if r.status_code in (301, 308)]
    if moved:
        new = body.get("full_name") or resp.url
        ctx.log.warning("GitHub repository %s (framework %s) moved to %s (HTTP 301); values are stored under %s - "
                        "update `github` in frameworks.toml", repo, f.id, new, f.id)
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
    methods = {
        "github.stars": "REST GET /repos: stargazers_count",
        "github.forks": "REST GET /repos: forks_count",
        "github.watchers": "REST GET /repos: subscribers_count",
        "github.open_issues_incl_prs": "REST GET /repos: open_issues_count (includes open PRs)",
        "github.open_prs": "REST search is:pr is:open: total_count" + (" (search reported incomplete results)" if incomplete else ""),
        "github.open_issues": "REST open_issues_count minus open PRs (search is:pr is:open total_count)",
    }
    for metric, value in values.items():
        result.observations.append(_obs(f, metric, ctx.today, value, REST, methods[metric], url))
    created = body.get("created_at")
    etag = resp.headers.get("ETag")
    if etag:
        result.state[key] = {"etag": etag, "values": values, "created_at": created}
    return created


# ------------------------------------------------------------------ backfill


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.year * 12 + d.month - 1 + n
    return dt.date(m // 12, m % 12 + 1, 1)


def backfill_months(ctx: CollectContext, created_at: str | None) -> list[dt.date]:
    """Completed calendar months to cover, oldest first."""
    cfg = ctx.source_settings("github")
    this_month = _month_start(ctx.today)
    since = cfg.get("backfill_since")
    if since:
        start = dt.date.fromisoformat(f"{str(since)[:7]}-01")
    else:
        start = _add_months(this_month, -int(cfg.get("backfill_months", DEFAULT_BACKFILL_MONTHS)))
    if created_at:
        try:
            start = max(start, _month_start(dt.date.fromisoformat(created_at[:10])))
        except ValueError:
            pass
    months, m = [], start
    while m < this_month:
        months.append(m)
        m = _add_months(m, 1)
    return months


def backfill_repo(api: GitHubApi, f: Framework, created_at: str | None, result: SourceResult) -> None:
    ctx, repo = api.ctx, f.github or ""
    rows: list[Observation] = []
    # stars by week (assumed shape, see module docstring)
    url = f"{api.base}/repos/{repo}/stargazers/history"
    resp = ctx.http.get(url, headers=api.headers(), wait_hint=api.wait_hint)
    if resp.status_code == 404:  # e.g. a GitHub Enterprise server without the Sept 2026 endpoint
        ctx.log.warning("%s: %s answered 404; no weekly star history for %s", repo, ctx.http.redact(url), f.id)
        result.details.setdefault("star_history_unavailable", []).append(f.id)
        history: Any = []
    else:
        body = api.json(resp, repo)
        history = body.get("history") if isinstance(body, dict) else body
    if not isinstance(history, list):
        raise RepoFailure(f"{repo}: {url} has no 'history' list")
    for item in history:
        try:
            week = dt.date.fromisoformat(str(item["week"])[:10])
            stars = item["stars"]
        except (KeyError, TypeError, ValueError):
            raise RepoFailure(f"{repo}: {url}: unexpected history item {str(item)[:80]}") from None
        rows.append(_obs(f, "github.stars_added", week, stars, REST,
                         "stars still held today, by the week they were given", url))
    # issues opened / closed per month
    key = f"months:{repo}"
    done = set((ctx.state.get(key) or {}).get("done", []))
    new_done: list[str] = []
    search_url = f"{api.base}/search/issues"
    for month in backfill_months(ctx, created_at):
        label = f"{month:%Y-%m}"
        if label in done:
            continue
        end = _add_months(month, 1) - dt.timedelta(days=1)
        for metric, qualifier in (("github.issues_opened", "created"), ("github.issues_closed", "closed")):
            total, incomplete = api.search_total(f"repo:{repo} is:issue {qualifier}:{month}..{end}", repo)
            rows.append(_obs(f, metric, month, total, REST,
                             f"search is:issue {qualifier}:{month}..{end} total_count"
                             + (" (search reported incomplete results)" if incomplete else ""), search_url))
        new_done.append(label)
    # releases
    events = backfill_releases(api, f)
    result.observations.extend(rows)
    result.events.extend(events)
    if new_done:
        result.state[key] = {"done": sorted(done | set(new_done))}


def backfill_releases(api: GitHubApi, f: Framework) -> list[Event]:
    ctx, repo = api.ctx, f.github or ""
    url: str | None = f"{api.base}/repos/{repo}/releases"
    params: dict[str, Any] | None = {"per_page": 100}
    max_pages = int(ctx.source_settings("github").get("max_release_pages", DEFAULT_MAX_RELEASE_PAGES))
    events: list[Event] = []
    seen: set[str] = set()
    for _ in range(max_pages):
        if not url:
            break
        resp = api.get(url, repo, params=params)
        items = api.json(resp, repo)
        if not isinstance(items, list):
            raise RepoFailure(f"{repo}: {url} did not return a list of releases")
        for rel in items:
            tag, published = rel.get("tag_name"), rel.get("published_at")
            if rel.get("draft") or not tag or not published or tag in seen:
                continue
            seen.add(tag)
            m = _MAJOR_RE.match(tag)
            is_major = bool(m and int(m.group(1)) >= 1 and not rel.get("prerelease"))
            events.append(Event(framework=f.id, kind="release", label=tag, date=dt.date.fromisoformat(published[:10]),
                                source=REST, method="REST GET /releases: tag_name, published_at",
                                is_major=is_major, source_url=rel.get("html_url")))
        url, params = resp.links.get("next", {}).get("url"), None
    return events


# ------------------------------------------------------------------ entry point


def collect(ctx: CollectContext, *, bucket: SearchBucket | None = None) -> SourceResult:
    cfg = ctx.source_settings("github")
    max_wait = float(cfg.get("max_rate_limit_wait_seconds", DEFAULT_MAX_RATE_LIMIT_WAIT))
    token = resolve_token(ctx)
    if bucket is None:
        bucket = SearchBucket(per_minute=30.0 if token else 10.0, sleep=ctx.http.sleep)
    api = GitHubApi(ctx, token, make_wait_hint(max_wait), bucket)
    result = SourceResult()
    result.details["mode"] = "graphql" if token else "rest"
    frameworks = [f for f in ctx.frameworks if f.github]
    old_max_wait = ctx.http.max_wait
    ctx.http.max_wait = max(old_max_wait, max_wait + 1.0)  # let waits up to the configured limit through
    try:
        created: dict[str, str | None] = {}
        stop: RetriableError | None = None
        if token and frameworks:
            created.update(collect_graphql(api, frameworks, result))
        else:
            for f in frameworks:
                try:
                    created[f.id] = collect_rest_repo(api, f, result)
                    ctx.progress(f.id)
                except RepoFailure as exc:
                    result.failures[f.id] = str(exc)
                except RetriableError as exc:
                    stop = exc
                    break
        if ctx.backfill and stop is None:
            todo = [f for f in frameworks if f.id not in result.failures]
            for i, f in enumerate(todo):
                try:
                    backfill_repo(api, f, created.get(f.id), result)
                except RepoFailure as exc:
                    result.failures[f.id] = f"backfill: {exc}"
                except RetriableError as exc:
                    stop = exc
                    for g in todo[i:]:
                        result.failures[g.id] = f"backfill not finished: {ctx.http.redact(str(exc))}"
                    break
        if stop is not None:
            if not result.observations and not result.events:
                raise stop
            result.retry_after = stop.retry_after
            for f in frameworks:
                if not any(o.framework == f.id for o in result.observations):
                    result.failures.setdefault(f.id, f"not collected: {ctx.http.redact(str(stop))}")
        result.details["search_waited_s"] = round(bucket.waited, 3)
        return result
    finally:
        ctx.http.max_wait = old_max_wait


SOURCE = Source(
    name="github",
    collect=collect,
    description="GitHub repository counts (GraphQL with a token, conditional REST without); "
                "--backfill adds weekly star history, monthly issues opened/closed and releases",
    needs=lambda f: bool(f.github),
)
