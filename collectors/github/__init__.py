"""GitHub source: today's repository counts, and with ``--backfill`` star history, issue months, releases.

The package's rooms: ``api`` (HTTP, tokens, rate limits, search pacing), ``counts`` (GraphQL with a
token, conditional REST without), ``star_history`` (the Sept 2026 weekly endpoint), ``backfill``
(monthly issue searches, releases). Everything goes through the one shared HTTP client
(``ctx.http``: retries, ``Retry-After``, request counting, secret redaction). PyGithub does not
fit here: no GraphQL, no conditional requests, no star-history call; it serves as the naive
baseline in ``perf/github_requests.py``.

Failure discipline: primary rate limit (403/429 with ``x-ratelimit-remaining: 0``) waits for
``x-ratelimit-reset`` when that is within ``[sources.github] max_rate_limit_wait_seconds``
(default 900), else stops with a RetriableError carrying ``retry_after``; a secondary limit
honours ``retry-after``; 5xx are retried by the HTTP client; a 301 (renamed repository) is
followed and the new name logged, values stay under the framework id; a 404, malformed JSON or a
star-history page that breaks the documented shape puts only that framework in ``failures``
(nothing half-written for it).
"""

from __future__ import annotations

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.errors import RetriableError
from fwpulse.collectors.github.api import GitHubApi, RepoFailure, SearchBucket, make_wait_hint, resolve_token
from fwpulse.collectors.github.backfill import backfill_months, backfill_repo
from fwpulse.collectors.github.counts import collect_graphql, collect_rest_repo, graphql_query

__all__ = ["SOURCE", "collect", "SearchBucket", "make_wait_hint", "resolve_token", "graphql_query", "backfill_months"]

DEFAULT_MAX_RATE_LIMIT_WAIT = 900.0


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
        return result.finish(ctx, "github", search_waited_s=round(bucket.waited, 3))
    finally:
        ctx.http.max_wait = old_max_wait


SOURCE = Source(
    name="github",
    collect=collect,
    description="GitHub repository counts (GraphQL with a token, conditional REST without); "
    "--backfill adds weekly star history, monthly issues opened/closed and releases",
    needs=lambda f: bool(f.github),
)
