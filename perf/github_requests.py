"""Requests and wall time of the GitHub collector against the fake GitHub server (no network).

    .venv/bin/python -m perf.github_requests

Measures fwpulse's GitHub collector: a daily refresh of 10 and of 50 repos with a token
(GraphQL), the same-day repeat with a token (no request) and without one (conditional requests ->
304), and a 10-year backfill of 4 repos. Next to it, the naive approach, really run with PyGithub
against the same fake server: one ``get_repo`` plus one search call per count per repo (open
issues, closed issues, open PRs, merged PRs) for the daily figures, and two searches per repo per
month for the backfill. Search-API pacing is reported as the time GitHub's limit (30/min with a
token) would impose, since the fake server answers at once. PyGithub's own client-side throttle
(0.25 s between requests by default) is switched off here; with it the naive backfill below takes
about 4 minutes longer.
"""

from __future__ import annotations

import datetime as dt
import time

from fakes.github import FakeGitHub, weeks_of
from fakes.github_context import github_context
from fwpulse.collectors import github
from fwpulse.data.registry import parse_registry

NOW = dt.datetime(2026, 11, 24, 12)


def registry(n: int, since: str = ""):
    body = "".join(f'[frameworks.fw{i}]\nname = "FW{i}"\ngithub = "org{i}/repo{i}"\n' for i in range(n))
    if since:
        body += f'[sources.github]\nbackfill_since = "{since}"\n'
    return parse_registry(body)


def split(fake: FakeGitHub, since: int) -> tuple[int, int]:
    """Star-history pages and searches among the requests the fake saw since index ``since``."""
    new = fake.requests[since:]
    return (sum(r.path.endswith("/stargazers/history") for r in new), sum(r.path == "/search/issues" for r in new))


def run(fake: FakeGitHub, n: int, token: str | None, state=None, backfill=False, since=""):
    reg = registry(n, since)
    slept: list[float] = []
    ctx = github_context(fake, reg, list(reg), now=NOW, sleep=slept.append, token=token, state=state, backfill=backfill)
    before = len(fake.requests)
    t0 = time.perf_counter()
    result = github.collect(ctx, bucket=github.SearchBucket(per_minute=30.0, sleep=slept.append))
    wall = time.perf_counter() - t0
    run.last_split = split(fake, before)
    return len(fake.requests) - before, wall, sum(slept), result


def naive_daily(fake: FakeGitHub, n: int) -> tuple[int, float, int]:
    """PyGithub, one call per figure: get_repo + 4 search totals per repo."""
    from github import Auth, Github

    g = Github(base_url=fake.url, auth=Auth.Token("tkn"), retry=None, seconds_between_requests=None)
    before, searches = len(fake.requests), 0
    t0 = time.perf_counter()
    for i in range(n):
        repo = g.get_repo(f"org{i}/repo{i}")
        _ = (repo.stargazers_count, repo.forks_count, repo.subscribers_count)
        for q in ("is:issue is:open", "is:issue is:closed", "is:pr is:open", "is:pr is:merged"):
            _ = g.search_issues(f"repo:org{i}/repo{i} {q}").totalCount
            searches += 1
    return len(fake.requests) - before, time.perf_counter() - t0, searches


def naive_backfill(fake: FakeGitHub, n: int, months: int) -> tuple[int, float, int]:
    """PyGithub: issues opened and closed per month as two searches per repo per month."""
    from github import Auth, Github

    g = Github(base_url=fake.url, auth=Auth.Token("tkn"), retry=None, seconds_between_requests=None)
    before, searches = len(fake.requests), 0
    t0 = time.perf_counter()
    for i in range(n):
        for m in range(months):
            y, mo = 2016 + (11 + m) // 12, (11 + m) % 12 + 1
            for qual in ("created", "closed"):
                _ = g.search_issues(f"repo:org{i}/repo{i} is:issue {qual}:{y}-{mo:02d}-01..{y}-{mo:02d}-28").totalCount
                searches += 1
    return len(fake.requests) - before, time.perf_counter() - t0, searches


def naive_star_history(fake: FakeGitHub, n: int) -> int:
    """Without kept state: every page of every repository again, each run (no ETag, no stop)."""
    import requests

    before = len(fake.requests)
    for i in range(n):
        url: str | None = f"{fake.url}/repos/org{i}/repo{i}/stargazers/history?per_page=30&page=1"
        while url:
            resp = requests.get(url, timeout=10)
            url = resp.links.get("next", {}).get("url")
    return len(fake.requests) - before


def main() -> None:
    github.resolve_token = lambda ctx: ctx.settings.github_token  # never pick up this machine's `gh` token
    fake = FakeGitHub().start()
    try:
        first_sunday = dt.date(2015, 11, 8)
        weeks = (NOW.date() - first_sunday).days // 7 + 1
        for i in range(50):
            fake.add_repo(
                f"org{i}/repo{i}",
                stars=1000 + i,
                forks=100 + i,
                watchers=10 + i,
                open_issues=50 + i,
                open_prs=5 + i,
                closed_issues=500,
                merged_prs=700,
                releases=20,
                created_at="2015-11-09T00:00:00Z",
            )
            if i < 4:
                fake.star_history[f"org{i}/repo{i}"] = weeks_of(
                    first_sunday, [[(w + d + i) % 5 for d in range(7)] for w in range(weeks)]
                )
        rows = []
        n, wall, _, res = run(fake, 10, "tkn")
        rows.append(("daily, 10 repos, token (GraphQL)", n, wall, 0.0))
        n, wall, _, _ = run(fake, 10, "tkn", state=res.state)
        rows.append(("same-day repeat, 10 repos, token (reused, no request)", n, wall, 0.0))
        n, wall, _, _ = run(fake, 50, "tkn")
        rows.append(("daily, 50 repos, token (GraphQL)", n, wall, 0.0))
        n, wall, _, res = run(fake, 10, None)
        rows.append(("daily, 10 repos, no token (REST+search)", n, wall, 0.0))
        n, wall, _, _ = run(fake, 10, None, state=res.state)
        rows.append(("same-day repeat, 10 repos, no token (304s)", n, wall, 0.0))
        n, wall, searches = naive_daily(fake, 10)
        rows.append(("naive PyGithub: get_repo + 4 searches per repo, 10 repos", n, wall, searches / 30 * 60))
        n, wall, slept, res = run(fake, 4, "tkn", backfill=True, since="2016-12-01")
        backfill_rows = [("backfill 10 years, 4 repos, token", n, *run.last_split, wall, slept)]
        n, wall, slept, _ = run(fake, 4, "tkn", state=res.state, backfill=True, since="2016-12-01")
        backfill_rows.append(
            ("second backfill, same day (304 page 1, months skipped)", n, *run.last_split, wall, slept)
        )
        pages = naive_star_history(fake, 4)
        n, wall, searches = naive_backfill(fake, 4, 120)
        backfill_rows.append(
            (
                "naive: every history page + 2 searches/repo/month, each run",
                n + pages,
                pages,
                searches,
                wall,
                searches / 30 * 60,
            )
        )
        print(f"{'scenario':<62} {'requests':>8} {'wall s':>8} {'search pacing s':>16}")
        for name, n, wall, pacing in rows:
            print(f"{name:<62} {n:>8} {wall:>8.2f} {pacing:>16.0f}")
        print()
        print(
            f"{'backfill scenario':<62} {'requests':>8} {'history pages':>13} {'searches':>8} {'wall s':>7} "
            f"{'search pacing s':>15}"
        )
        for name, n, hist, searches, wall, pacing in backfill_rows:
            print(f"{name:<62} {n:>8} {hist:>13} {searches:>8} {wall:>7.2f} {pacing:>15.0f}")
        print(
            f"({weeks} weeks of star history per repository = {-(-weeks // 30)} pages of 30; stargazer LISTS are "
            "admin-only since July 2026, so the pre-2026 way of counting stars by date is not available at all.)"
        )
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
