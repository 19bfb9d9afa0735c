"""GitHub star history: weekly stars still held, paged newest first, stored per complete week.

``GET /repos/{o}/{r}/stargazers/history`` (Sept 2026; CHANGES-2026-11 item 1 and
``api-samples/github/stargazers-history.example.json``) answers a bare JSON array
``[{"week": <unix s, Sunday 00:00 UTC>, "total": n, "days": [7 ints, Sun..Sat]}, ...]``, newest week
first, 30 weeks a page, ``Link`` rel=next/last, an empty array past the last page. Counts are the
stars STILL HELD at fetch time, filed by the (America/Los_Angeles) day they were given, so past
weeks can shrink when people unstar, and the current week is partial (zero-filled ahead).

What fwpulse does with it:

- every COMPLETE week is stored as ``github.stars_added`` under its Sunday (UTC date); the week
  still running (its Saturday not yet over in Los Angeles) is never stored;
- the first backfill follows ``rel="next"`` back to the repository's creation (at most
  ``MAX_PAGES``, the cap clients observe); later runs ask page 1 with ``If-None-Match`` (a 304 is
  free and re-uses the cached page) and only the further pages needed to reach the newest complete
  week already stored. Re-fetched weeks are emitted again: an unchanged value writes nothing, a
  shrunken one is a new row that wins in ``metric_values`` while the history keeps the old one;
- a server without the endpoint (GitHub Enterprise Server answers 404) is a one-line skip;
- a page that is not an array, a truncated body, or a week that breaks the shape (not 7 days,
  total != sum, not a Sunday, not newest first) fails that repository only, naming it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from fwpulse.collectors.github.api import STAR_HISTORY_API_VERSION, GitHubApi, RepoFailure
from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

METRIC = "github.stars_added"
METHOD = "stars still held today, by the week they were given"
SOURCE = "GitHub REST"
PER_PAGE = 30
MAX_PAGES = 100
WEEK_S = 7 * 86400
_SUNDAY_OFFSET_S = 3 * 86400  # 1970-01-01 was a Thursday; Sunday 1970-01-04 00:00 UTC is 3 days later
_LA = ZoneInfo("America/Los_Angeles")


def state_key(repo: str) -> str:
    return f"stars:{repo}"


@dataclass
class Week:
    sunday: dt.date
    total: int
    days: list[int]


@dataclass
class History:
    """What one repository's star history run produced."""

    weeks: list[Week] = field(default_factory=list)  # complete weeks fetched, newest first
    pages: int = 0  # pages requested (a 304 counts)
    not_modified: bool = False
    unavailable: bool = False
    state: dict[str, Any] | None = None


def week_is_complete(sunday: dt.date, now_utc: dt.datetime) -> bool:
    """A week is over once its Saturday has ended in Los Angeles (where GitHub files the days)."""
    la_today = now_utc.replace(tzinfo=dt.UTC).astimezone(_LA).date()
    return la_today >= sunday + dt.timedelta(days=7)


def parse_page(body: Any, repo: str, page: int) -> list[Week]:
    """Validate one page against the documented shape; RepoFailure names the repo, page and problem."""
    where = f"{repo}: star history page {page}"
    if not isinstance(body, list):
        raise RepoFailure(
            f"{where} is not a JSON array (got {type(body).__name__}); the endpoint answers a bare array of weeks"
        )
    weeks: list[Week] = []
    for i, item in enumerate(body):
        if not isinstance(item, dict):
            raise RepoFailure(f"{where}, item {i}: not an object ({str(item)[:40]})")
        week, total, days = item.get("week"), item.get("total"), item.get("days")
        if not _is_int(week) or (week - _SUNDAY_OFFSET_S) % WEEK_S:
            raise RepoFailure(f"{where}, item {i}: 'week' must be Unix seconds of a Sunday 00:00 UTC, got {week!r}")
        if not isinstance(days, list) or len(days) != 7 or not all(_is_int(d) and d >= 0 for d in days):
            raise RepoFailure(f"{where}, item {i}: 'days' must be 7 non-negative integers, got {str(days)[:60]}")
        if not _is_int(total) or total != sum(days):
            raise RepoFailure(f"{where}, item {i}: 'total' {total!r} is not the sum of 'days' ({sum(days)})")
        sunday = dt.datetime.fromtimestamp(week, dt.UTC).date()
        if weeks and sunday >= weeks[-1].sunday:
            raise RepoFailure(f"{where}, item {i}: weeks are not newest first ({sunday} after {weeks[-1].sunday})")
        weeks.append(Week(sunday, total, list(days)))
    return weeks


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def fetch(api: GitHubApi, repo: str) -> History:
    """Fetch the pages this run needs (see the module docstring); all-or-nothing per repository."""
    ctx = api.ctx
    url = f"{api.base}/repos/{repo}/stargazers/history"
    saved = ctx.state.get(state_key(repo))
    saved = saved if isinstance(saved, dict) and isinstance(saved.get("page1"), list) and not ctx.force else None
    stored_through = _date_or_none(saved.get("complete_through")) if saved else None
    version = {"X-GitHub-Api-Version": STAR_HISTORY_API_VERSION}
    out = History()
    conditional = {"If-None-Match": str(saved["etag"])} if saved and saved.get("etag") else {}
    resp = ctx.http.get(
        url,
        params={"per_page": PER_PAGE, "page": 1},
        headers=api.headers({**version, **conditional}),
        wait_hint=api.wait_hint,
    )
    out.pages = 1
    if resp.status_code == 404:
        out.unavailable = True
        return out
    if resp.status_code == 304 and saved:
        out.not_modified = True  # free; carries no Link: the cached page 1 and its Link stand
        body: Any = saved["page1"]
        etag, page1_next = saved.get("etag"), saved.get("next")
    else:
        body = api.json(resp, repo)
        etag, page1_next = resp.headers.get("ETag"), resp.links.get("next", {}).get("url")
    fetched = parse_page(body, repo, 1)
    next_url, page = page1_next, 1
    while next_url and page < MAX_PAGES and not _covers(fetched, stored_through):
        page += 1
        resp = ctx.http.get(next_url, headers=api.headers(version), wait_hint=api.wait_hint)
        out.pages += 1
        older = parse_page(api.json(resp, repo), repo, page)
        if not older:  # past the last page
            next_url = None
            break
        if fetched and older[0].sunday >= fetched[-1].sunday:
            raise RepoFailure(
                f"{repo}: star history page {page} does not continue page {page - 1} "
                f"({older[0].sunday} is not older than {fetched[-1].sunday})"
            )
        fetched.extend(older)
        next_url = resp.links.get("next", {}).get("url")
    out.weeks = [w for w in fetched if week_is_complete(w.sunday, ctx.now)]
    newest_complete = max((w.sunday for w in out.weeks), default=None)
    through = max([d for d in (stored_through, newest_complete) if d], default=None)
    first_week = fetched[-1].sunday.isoformat() if fetched and not next_url else (saved or {}).get("first_week")
    out.state = {
        "etag": etag,
        "next": page1_next,
        "page1": body,
        "complete_through": through.isoformat() if through else None,
        "first_week": first_week,
    }
    return out


def _covers(fetched: list[Week], stored_through: dt.date | None) -> bool:
    return stored_through is not None and bool(fetched) and fetched[-1].sunday <= stored_through


def _date_or_none(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def observations(f: Framework, history: History, url: str) -> list[Observation]:
    return [
        Observation(
            framework=f.id,
            metric=METRIC,
            date=w.sunday,
            value=float(w.total),
            source=SOURCE,
            method=METHOD,
            source_url=url,
            details={"days": w.days},
        )
        for w in history.weeks
    ]
