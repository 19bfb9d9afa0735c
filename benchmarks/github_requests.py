"""Requests and wall time of the GitHub collector against the fake GitHub server (no network).

    .venv/bin/python benchmarks/github_requests.py

Measures (1) a daily refresh of 10 repos with a token (GraphQL), (2) the same without a token
(REST + search), (3) the same-day repeat without a token (conditional requests -> 304),
(4) a 10-year backfill of 4 repos; next to the naive approach: one `get_repo` plus one search
call per count per repo (open PRs, open issues, closed issues, merged PRs) and a releases call.
Search-API pacing is reported as the time GitHub's limit would impose (30/min with a token),
since the fake server answers at once.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.collectors.fake_github

from fwpulse.collectors import github  # noqa: E402
from fwpulse.collectors.base import CollectContext  # noqa: E402
from fwpulse.collectors.http import HttpClient  # noqa: E402
from fwpulse.data.registry import parse_registry  # noqa: E402
from fwpulse.data.settings import Settings  # noqa: E402
from tests.collectors.fake_github import FakeGitHub  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 12)


def registry(n: int, since: str = ""):
    body = "".join(f'[frameworks.fw{i}]\nname = "FW{i}"\ngithub = "org{i}/repo{i}"\n' for i in range(n))
    if since:
        body += f'[sources.github]\nbackfill_since = "{since}"\n'
    return parse_registry(body)


def run(fake: FakeGitHub, n: int, token: str | None, state=None, backfill=False, since=""):
    reg = registry(n, since)
    settings = Settings(github_api_url=fake.url, github_graphql_url=f"{fake.url}/graphql", github_token=token)
    slept: list[float] = []
    http = HttpClient(settings.secrets(), sleep=slept.append)
    ctx = CollectContext(frameworks=list(reg), registry=reg, settings=settings, http=http, state=dict(state or {}),
                         backfill=backfill, now=NOW)
    before = len(fake.requests)
    t0 = time.perf_counter()
    result = github.collect(ctx, bucket=github.SearchBucket(per_minute=30.0, sleep=slept.append))
    wall = time.perf_counter() - t0
    return len(fake.requests) - before, wall, sum(slept), result


def main() -> None:
    github.resolve_token = lambda ctx: ctx.settings.github_token  # never pick up this machine's `gh` token
    fake = FakeGitHub().start()
    try:
        for i in range(10):
            fake.add_repo(f"org{i}/repo{i}", stars=1000 + i, forks=100 + i, watchers=10 + i, open_issues=50 + i,
                          open_prs=5 + i, closed_issues=500, merged_prs=700, releases=20, created_at="2015-11-09T00:00:00Z")
        rows = []
        n, wall, _, _ = run(fake, 10, "tkn")
        rows.append(("daily, 10 repos, token (GraphQL)", n, wall, 0.0))
        n, wall, _, res = run(fake, 10, None)
        rows.append(("daily, 10 repos, no token (REST+search)", n, wall, 0.0))
        n, wall, _, _ = run(fake, 10, None, state=res.state)
        rows.append(("same-day repeat, no token (304s)", n, wall, 0.0))
        rows.append(("naive: get_repo + 4 searches + releases per repo, 10 repos", 10 * 6, float("nan"), 10 * 4 / 30 * 60))
        n, wall, slept, _ = run(fake, 4, "tkn", backfill=True, since="2016-12-01")
        rows.append(("backfill 10 years, 4 repos, token", n, wall, slept))
        print(f"{'scenario':<62} {'requests':>8} {'wall s':>8} {'search pacing s':>16}")
        for name, n, wall, pacing in rows:
            print(f"{name:<62} {n:>8} {wall:>8.2f} {pacing:>16.0f}")
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
