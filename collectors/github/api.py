"""GitHub over HTTP: token lookup, rate-limit rules, search pacing and request helpers (no metric parsing).

GitHub's rate-limit rules become a ``wait_hint`` for the shared HTTP client, a token bucket paces
the search API (30 requests/minute with a token), and every request goes through ``ctx.http``.
Issue search always uses advanced search (``advanced_search=true``; the legacy mode was announced
for removal, CHANGES-2026-11 item 3) with an explicit ``is:issue`` or ``is:pr`` term.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.errors import FatalSourceError, RetriableError

# REST calls keep the 2022-11-28 calendar version (supported to at least 2028; the one breaking change
# of 2026-03-10 is the removed `rate` of /rate_limit, which fwpulse does not read). The star-history
# endpoint is called with 2026-03-10, as every client seen does (CHANGES-2026-11 item 4).
REST_API_VERSION = "2022-11-28"
STAR_HISTORY_API_VERSION = "2026-03-10"
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": REST_API_VERSION}

_IS_KIND = re.compile(r"(?:^|\s)is:(?:issue|pr)(?:\s|$)")

# ------------------------------------------------------------------ token and rate limits


def resolve_token(ctx: CollectContext) -> str | None:
    """GITHUB_TOKEN from settings, else ``gh auth token`` when the GitHub CLI is installed."""
    if ctx.settings.github_token:
        return ctx.settings.github_token
    if not shutil.which("gh"):
        return None
    try:
        out = subprocess.run(["gh", "auth", "token"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    token = out.stdout.strip() if out.returncode == 0 else ""
    if not token:
        return None
    ctx.http.add_secret(token)  # redact it like a configured token
    return token


def _utc_from_epoch(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None)


def make_wait_hint(
    max_wait: float, clock: Callable[[], float] = time.time
) -> Callable[[requests.Response], float | None]:
    """GitHub's wait rules for HttpClient (HEADERS.md sections 2-3).

    secondary limit: ``retry-after`` seconds; primary limit (``x-ratelimit-remaining: 0``): until
    ``x-ratelimit-reset``, or RetriableError(retry_after=reset) when that is more than
    ``max_wait`` away; a 403/429 saying "secondary rate limit" without headers: 60 s.
    """

    def hint(resp: requests.Response) -> float | None:
        if resp.status_code not in (403, 429) and not _graphql_rate_limited(resp):
            return None
        retry_after = resp.headers.get("retry-after")
        if retry_after and retry_after.strip().isdigit():
            return float(retry_after)
        if resp.headers.get("x-ratelimit-remaining") == "0":
            try:
                reset = float(resp.headers.get("x-ratelimit-reset", ""))
            except ValueError:
                reset = clock() + 60
            wait = max(0.0, reset - clock()) + 1.0
            if wait > max_wait:
                until = _utc_from_epoch(reset)
                resource = resp.headers.get("x-ratelimit-resource", "core")
                raise RetriableError(
                    f"GitHub rate limit ({resource}) exhausted; it resets at {until:%Y-%m-%d %H:%M} UTC, "
                    f"more than max_rate_limit_wait_seconds={max_wait:.0f}s away; set GITHUB_TOKEN for a higher "
                    f"limit or retry after the reset",
                    retry_after=until,
                )
            return wait
        if "secondary rate limit" in resp.text.lower():
            return 60.0
        return None

    return hint


def _graphql_rate_limited(resp: requests.Response) -> bool:
    if resp.status_code != 200 or resp.headers.get("x-ratelimit-remaining") != "0":
        return False
    try:
        errors = resp.json().get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any(isinstance(e, dict) and e.get("type") in ("RATE_LIMITED", "RATE_LIMIT") for e in errors)


@dataclass
class SearchBucket:
    """Token bucket pacing the search API (``per_minute`` requests per minute)."""

    per_minute: float = 30.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    tokens: float = field(default=-1.0)
    last: float | None = None
    waited: float = 0.0

    def take(self) -> None:
        rate = self.per_minute / 60.0
        now = self.clock()
        if self.last is not None:
            now = max(now, self.last)  # a wait we slept through counts even if the clock lags behind it
        if self.last is None:
            self.tokens = self.per_minute if self.tokens < 0 else self.tokens
        else:
            self.tokens = min(self.per_minute, self.tokens + (now - self.last) * rate)
        self.last = now
        if self.tokens < 1.0:
            wait = (1.0 - self.tokens) / rate
            self.sleep(wait)
            self.waited += wait
            self.tokens = 1.0
            self.last = now + wait
        self.tokens -= 1.0


# ------------------------------------------------------------------ helpers


class RepoFailure(Exception):
    """One repository could not be collected; becomes a ``failures`` entry."""


@dataclass
class GitHubApi:
    ctx: CollectContext
    token: str | None
    wait_hint: Callable[[requests.Response], float | None]
    bucket: SearchBucket

    @property
    def base(self) -> str:
        return self.ctx.settings.github_api_url.rstrip("/")

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = dict(API_HEADERS)
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return {**h, **(extra or {})}

    def get(
        self, url: str, repo: str, *, params: dict[str, Any] | None = None, extra_headers: dict[str, str] | None = None
    ) -> requests.Response:
        resp = self.ctx.http.get(url, params=params, headers=self.headers(extra_headers), wait_hint=self.wait_hint)
        if resp.status_code == 404:
            raise RepoFailure(
                f"GitHub repository {repo} not found (HTTP 404 for {self.ctx.http.redact(url)}); "
                f"fix `github` for this framework in frameworks.toml"
            )
        return resp

    def json(self, resp: requests.Response, repo: str) -> Any:
        if resp.status_code == 403:
            raise RepoFailure(
                f"GitHub refused {repo}: HTTP 403 ({self.ctx.http.redact(resp.text[:120])}); "
                f"check GITHUB_TOKEN's access"
            )
        try:
            return self.ctx.http.json_of(resp)
        except FatalSourceError as exc:
            raise RepoFailure(f"{repo}: {exc}") from None

    def search_total(self, query: str, repo: str) -> tuple[int, bool]:
        """``total_count`` of an advanced issue search; ``query`` must say ``is:issue`` or ``is:pr``."""
        if not _IS_KIND.search(query):
            raise ValueError(f"issue search needs an explicit is:issue or is:pr term: {query!r}")
        self.bucket.take()
        url = f"{self.base}/search/issues"
        params = {"q": query, "advanced_search": "true", "per_page": 1}
        body = self.json(self.get(url, repo, params=params), repo)
        total = body.get("total_count") if isinstance(body, dict) else None
        if not isinstance(total, int):
            raise RepoFailure(f"{repo}: search response for {query!r} has no integer total_count")
        return total, bool(body.get("incomplete_results"))
