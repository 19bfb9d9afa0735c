"""The GitHub collector wired to a FakeGitHub: the collect context shared by the collector's tests and
perf/github_requests.py (the fake itself, fakes/github.py, knows nothing of fwpulse)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fakes.github import FakeGitHub


def github_context(
    fake: FakeGitHub,
    registry: Any,
    frameworks: list[Any],
    *,
    now: dt.datetime,
    sleep: Callable[[float], None],
    token: str | None = None,
    state: dict | None = None,
    backfill: bool = False,
    **http_options: Any,
) -> Any:
    """A CollectContext whose settings point GitHub's REST and GraphQL URLs at ``fake``; the HTTP client
    sleeps through ``sleep`` (a recorder, so backoff and pacing cost no time)."""
    from fwpulse.collectors.base import CollectContext
    from fwpulse.collectors.http import HttpClient
    from fwpulse.data.settings import Settings

    settings = Settings(github_api_url=fake.url, github_graphql_url=f"{fake.url}/graphql", github_token=token)
    return CollectContext(
        frameworks=frameworks,
        registry=registry,
        settings=settings,
        http=HttpClient(settings.secrets(), sleep=sleep, **http_options),
        state=dict(state or {}),
        backfill=backfill,
        now=now,
    )
