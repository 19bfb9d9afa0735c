"""GitHub backfill (``--backfill``): weekly star history, monthly issues opened/closed, release events.

- Star history: ``star_history.py`` (complete weeks only, conditional page 1, only the pages needed).
- Issues opened / closed per calendar month from an ADVANCED issue search's ``total_count``
  (``is:issue created:`` / ``closed:`` windows), dated the first of the month. Completed months are
  kept in the state (``months:{owner}/{repo}``) so a later backfill searches no complete month again.
  Search is limited to 30 requests/minute (10 without a token): a token bucket paces the calls. The
  window starts at ``[sources.github] backfill_since = "YYYY-MM"`` if set, else ``backfill_months``
  (default 24) months back, and never before the repository's creation month.
- ``GET /repos/{o}/{r}/releases?per_page=100`` (following ``Link: rel="next"``, at most
  ``max_release_pages`` pages) -> release events; ``is_major`` for tags ``vX.0.0`` with X >= 1.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fwpulse.collectors.base import CollectContext, SourceResult
from fwpulse.collectors.github import star_history
from fwpulse.collectors.github.api import GitHubApi, RepoFailure
from fwpulse.collectors.github.counts import INCOMPLETE, REST, obs
from fwpulse.collectors.months import add_months, month_start
from fwpulse.data.registry import Framework
from fwpulse.data.store import Event, Observation

# The month's window and the whole query go to details.
SEARCH_METHODS = {
    "github.issues_opened": "REST search is:issue created:<calendar month>, total_count",
    "github.issues_closed": "REST search is:issue closed:<calendar month>, total_count",
}

DEFAULT_BACKFILL_MONTHS = 24
DEFAULT_MAX_RELEASE_PAGES = 10
_MAJOR_RE = re.compile(r"^v?(\d+)\.0(?:\.0)?$")


def backfill_months(ctx: CollectContext, created_at: str | None) -> list[dt.date]:
    """Completed calendar months to cover, oldest first."""
    cfg = ctx.source_settings("github")
    this_month = month_start(ctx.today)
    since = cfg.get("backfill_since")
    if since:
        start = dt.date.fromisoformat(f"{str(since)[:7]}-01")
    else:
        start = add_months(this_month, -int(cfg.get("backfill_months", DEFAULT_BACKFILL_MONTHS)))
    if created_at:
        try:
            start = max(start, month_start(dt.date.fromisoformat(created_at[:10])))
        except ValueError:
            pass
    months, m = [], start
    while m < this_month:
        months.append(m)
        m = add_months(m, 1)
    return months


def backfill_stars(api: GitHubApi, f: Framework, result: SourceResult) -> tuple[list[Observation], dict[str, Any]]:
    """Complete weeks of star history as observations, plus the state to keep (empty when unavailable)."""
    repo = f.github or ""
    url = f"{api.base}/repos/{repo}/stargazers/history"
    hist = star_history.fetch(api, repo)
    pages = result.details.setdefault("star_history_pages", {})
    pages[f.id] = hist.pages
    if hist.unavailable:  # e.g. GitHub Enterprise Server: the Sept 2026 endpoint does not exist there
        api.ctx.log.warning(
            "%s: no weekly star history for %s: %s answered 404 (GitHub Enterprise Server has no "
            "star-history endpoint); the other figures are collected",
            repo,
            f.id,
            api.ctx.http.redact(url),
        )
        result.details.setdefault("star_history_unavailable", []).append(f.id)
        return [], {}
    if hist.not_modified:
        result.details.setdefault("star_history_not_modified", []).append(f.id)
    return star_history.observations(f, hist, url), {star_history.state_key(repo): hist.state}


def backfill_issue_months(
    api: GitHubApi, f: Framework, created_at: str | None
) -> tuple[list[Observation], dict[str, Any]]:
    ctx, repo = api.ctx, f.github or ""
    key = f"months:{repo}"
    done = set((ctx.state.get(key) or {}).get("done", []))
    new_done: list[str] = []
    rows: list[Observation] = []
    search_url = f"{api.base}/search/issues"
    for month in backfill_months(ctx, created_at):
        label = f"{month:%Y-%m}"
        if label in done:
            continue
        end = add_months(month, 1) - dt.timedelta(days=1)
        for metric, qualifier in (("github.issues_opened", "created"), ("github.issues_closed", "closed")):
            query = f"repo:{repo} is:issue {qualifier}:{month}..{end}"
            total, incomplete = api.search_total(query, repo)
            details = {"query": query, "window": f"{month}..{end}", **(INCOMPLETE if incomplete else {})}
            rows.append(
                obs(
                    f,
                    metric,
                    month,
                    total,
                    REST,
                    SEARCH_METHODS[metric],
                    search_url,
                    quality="degraded_source" if incomplete else "ok",
                    details=details,
                )
            )
        new_done.append(label)
    return rows, ({key: {"done": sorted(done | set(new_done))}} if new_done else {})


def backfill_repo(api: GitHubApi, f: Framework, created_at: str | None, result: SourceResult) -> None:
    """All of one repository's backfill, or nothing of it (a RepoFailure leaves the result untouched)."""
    star_rows, star_state = backfill_stars(api, f, result)
    month_rows, month_state = backfill_issue_months(api, f, created_at)
    events = backfill_releases(api, f)
    result.observations.extend(star_rows + month_rows)
    result.events.extend(events)
    result.state.update(star_state)
    result.state.update(month_state)


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
            events.append(
                Event(
                    framework=f.id,
                    kind="release",
                    label=tag,
                    date=dt.date.fromisoformat(published[:10]),
                    source=REST,
                    method="REST GET /releases: tag_name, published_at",
                    is_major=is_major,
                    source_url=rel.get("html_url"),
                )
            )
        url, params = resp.links.get("next", {}).get("url"), None
    return events
