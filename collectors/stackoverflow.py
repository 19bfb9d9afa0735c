"""Stack Overflow question counts from the Stack Exchange API 2.3.

* ``GET /tags/{t1;t2;...}/info?site=stackoverflow`` (one call, up to 100 tags) ->
  ``stackoverflow.questions_total`` = sum of the framework's tag counts, dated today.
* ``GET /questions?tagged=T&fromdate&todate&filter=total&site=stackoverflow`` -> one month's
  count per tag; summed per framework -> ``stackoverflow.questions_monthly`` (dated the 1st).
* ``GET /questions?fromdate&todate&filter=total&site=stackoverflow`` (no tag) -> the site's
  month total; framework month / site month * 100 -> ``stackoverflow.questions_share``.

Without ``--backfill`` only the last complete month is fetched; with it, every month since
``[sources.stackoverflow] backfill_since`` (default 2015-01-01), at most ``max_requests``
(default 250) requests per run. Completed months are kept in the source state so the next run
only asks for what is missing. Any ``backoff`` in a response is obeyed (sleep before calling
that method again); once ``quota_remaining`` falls below ``quota_reserve`` (default 10) the run
stops cleanly, keeping what it has.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import time
from typing import Any

import requests

from fwpulse.data.store import Observation

from .base import CollectContext, Source, SourceResult
from .errors import FatalSourceError, SourceError
from .http import HttpClient

SOURCE_LABEL = "Stack Exchange API"
SITE = "stackoverflow"
DEFAULT_SINCE = "2015-01-01"
DEFAULT_MAX_REQUESTS = 250
DEFAULT_RESERVE = 10
_AVAILABLE_IN = re.compile(r"available in (\d+) seconds")


class QuotaReserveReached(Exception):
    pass


class StackExchangeClient:
    """Thin wrapper: key param, gzip (requests decodes it), wrapper errors, ``backoff`` per method,
    quota tracking and a request cap."""

    def __init__(self, http: HttpClient, base: str, key: str | None, *, reserve: int = DEFAULT_RESERVE,
                 max_requests: int = DEFAULT_MAX_REQUESTS, clock=time.monotonic):
        self.http, self.base, self.key = http, base.rstrip("/"), key
        self.reserve, self.max_requests, self.clock = reserve, max_requests, clock
        self.not_before: dict[str, float] = {}   # method -> monotonic time it may be called again
        self.quota_remaining: int | None = None
        self.quota_max: int | None = None
        self.calls = 0
        self.backoffs: list[tuple[str, int]] = []

    def public_url(self, path: str, params: dict[str, Any]) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.base}{path}?{query}"

    def budget_left(self) -> int:
        return self.max_requests - self.calls

    def check_quota(self) -> None:
        if self.quota_remaining is not None and self.quota_remaining < self.reserve:
            raise QuotaReserveReached(f"Stack Exchange quota_remaining {self.quota_remaining} is below the reserve of "
                                      f"{self.reserve}; stopped, the next refresh continues")

    def get(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        self.check_quota()
        wait = self.not_before.get(method, 0.0) - self.clock()
        if wait > 0:
            self.http.sleep(wait)
        full = {**params, "site": SITE}
        if self.key:
            full["key"] = self.key
        self.calls += 1
        if self.quota_remaining is not None:   # filter=total bodies carry no quota: estimate
            self.quota_remaining -= 1
        resp = self.http.get(f"{self.base}{path}", params=full, wait_hint=_throttle_wait)
        body = _body(resp)
        if "backoff" in body:
            seconds = int(body["backoff"])
            self.backoffs.append((method, seconds))
            self.not_before[method] = self.clock() + seconds
        if "quota_remaining" in body:
            self.quota_remaining = int(body["quota_remaining"])
            self.quota_max = body.get("quota_max", self.quota_max)
        if "error_id" in body or not 200 <= resp.status_code < 300:
            raise FatalSourceError(self.http.redact(
                f"{self.public_url(path, {**params, 'site': SITE})}: Stack Exchange API error "
                f"{body.get('error_id', resp.status_code)} {body.get('error_name', '')}: "
                f"{body.get('error_message', 'no error message')}; {_next_step(body)}"))
        return body


def _body(resp: requests.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        body = {"error_id": resp.status_code, "error_name": "not_json",
                "error_message": f"HTTP {resp.status_code}, body is not JSON"}
    return body if isinstance(body, dict) else {}


def _throttle_wait(resp: requests.Response) -> float | None:
    """A 400 throttle_violation is a wait signal: the seconds it names, else 30 s."""
    if resp.status_code != 400:
        return None
    try:
        body = resp.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("error_id") != 502:
        return None
    match = _AVAILABLE_IN.search(body.get("error_message", ""))
    return float(match.group(1)) if match else 30.0


def _next_step(body: dict[str, Any]) -> str:
    return {
        400: "check the parameters (tags, site) in the frameworks TOML",
        403: "check STACKEXCHANGE_KEY",
        405: "set STACKEXCHANGE_KEY",
        502: "throttled: wait (see the message) before the next refresh",
        503: "the API is temporarily unavailable; try again later",
    }.get(body.get("error_id"), "try again later")


# -- month arithmetic (pure) --------------------------------------------------------------------

def month_key(first: dt.date) -> str:
    return f"{first:%Y-%m}"


def last_complete_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    out, m = [], start.replace(day=1)
    while m <= end:
        out.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return out


def month_window(first: dt.date) -> tuple[int, int]:
    """Unix seconds of the month's first second and last second (the API's bounds are inclusive)."""
    start = calendar.timegm(first.timetuple())
    days = calendar.monthrange(first.year, first.month)[1]
    return start, start + days * 86400 - 1


# -- collect ------------------------------------------------------------------------------------

def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    conf = ctx.source_settings("stackoverflow")
    base = ctx.settings.stackexchange_api_url
    se = StackExchangeClient(ctx.http, base, ctx.settings.stackexchange_key,
                             reserve=int(conf.get("quota_reserve", DEFAULT_RESERVE)),
                             max_requests=int(conf.get("max_requests", DEFAULT_MAX_REQUESTS)))
    frameworks = [f for f in ctx.frameworks if f.stackoverflow_tags]
    if not frameworks:
        return result
    done: dict[str, list[str]] = {k: list(v) for k, v in (ctx.state.get("months_done") or {}).items()}
    site_totals: dict[str, int] = dict(ctx.state.get("site_totals") or {})

    # 1) totals: one call for all tags
    tags = sorted({t for f in frameworks for t in f.stackoverflow_tags})
    tag_path = f"/tags/{';'.join(tags)}/info"
    body = se.get("tags/info", tag_path, {"pagesize": 100})
    counts = {item["name"]: int(item.get("count", 0)) for item in body.get("items", [])}
    tag_url = se.public_url(tag_path, {"pagesize": 100, "site": SITE})
    good = []
    for fw in frameworks:
        bad = [t for t in fw.stackoverflow_tags if counts.get(t, 0) == 0]
        if bad:
            result.failures[fw.id] = (f"Stack Overflow has no questions under tag(s) {', '.join(bad)} (unknown or "
                                      f"empty tag); check https://stackoverflow.com/tags/{bad[0]} and fix "
                                      f"'stackoverflow_tags' for {fw.id} in {ctx.registry.path}")
            continue
        good.append(fw)
        summed = "summed over tags " if len(fw.stackoverflow_tags) > 1 else "of tag "
        result.observations.append(Observation(
            fw.id, "stackoverflow.questions_total", ctx.today, float(sum(counts[t] for t in fw.stackoverflow_tags)),
            SOURCE_LABEL, f"Stack Exchange /tags/info question count {summed}{', '.join(fw.stackoverflow_tags)}"
            + (" (a question with two of these tags counts twice)" if len(fw.stackoverflow_tags) > 1 else ""),
            tag_url))

    # 2) monthly counts and share
    last = last_complete_month(ctx.today)
    if ctx.backfill:
        since = dt.date.fromisoformat(str(conf.get("backfill_since", DEFAULT_SINCE)))
        months = months_between(since, last)
    else:
        months = [last]
    stopped = None
    pending = {fw.id: [m for m in months if month_key(m) not in done.get(fw.id, [])] for fw in good}
    try:
        for first in months:
            key = month_key(first)
            wanted = [fw for fw in good if first in pending[fw.id]]
            if not wanted:
                continue
            need = sum(len(fw.stackoverflow_tags) for fw in wanted) + (key not in site_totals)
            if se.budget_left() < need:
                stopped = f"request cap of {se.max_requests} per run reached; the next refresh continues"
                break
            fromdate, todate = month_window(first)
            window = {"fromdate": fromdate, "todate": todate, "filter": "total"}
            if key not in site_totals:
                site_totals[key] = int(se.get("questions", "/questions", window).get("total", 0))
            site_url = se.public_url("/questions", {**window, "site": SITE})
            for fw in wanted:
                value = 0
                for tag in fw.stackoverflow_tags:
                    value += int(se.get("questions", "/questions", {"tagged": tag, **window}).get("total", 0))
                url = se.public_url("/questions", {"tagged": ";".join(fw.stackoverflow_tags), **window, "site": SITE})
                tagtext = ", ".join(fw.stackoverflow_tags)
                twice = " (summed over tags; a question with two of them counts twice)" if len(fw.stackoverflow_tags) > 1 else ""
                result.observations.append(Observation(
                    fw.id, "stackoverflow.questions_monthly", first, float(value), SOURCE_LABEL,
                    f"Stack Exchange /questions filter=total, tagged {tagtext}, created in the calendar month (UTC){twice}",
                    url))
                if site_totals[key]:
                    result.observations.append(Observation(
                        fw.id, "stackoverflow.questions_share", first, round(100.0 * value / site_totals[key], 6),
                        SOURCE_LABEL, f"questions tagged {tagtext} in the month{twice} divided by all Stack Overflow "
                        f"questions created in the month (/questions filter=total without tagged), times 100",
                        f"{url} ; {site_url}"))
                done.setdefault(fw.id, []).append(key)
                pending[fw.id].remove(first)
            ctx.progress(key)
    except QuotaReserveReached as exc:
        stopped = str(exc)
        for fw in good:
            if pending[fw.id]:
                result.failures[fw.id] = f"{len(pending[fw.id])} month(s) not fetched: {exc}"
    except SourceError as exc:
        if not result.observations:
            raise
        stopped = ctx.http.redact(str(exc))
        for fw in good:
            if pending[fw.id]:
                result.failures[fw.id] = f"{len(pending[fw.id])} month(s) not fetched: {stopped}"
    result.state = {"months_done": {k: sorted(set(v)) for k, v in done.items()}, "site_totals": site_totals}
    result.details.update(quota_remaining=se.quota_remaining, quota_max=se.quota_max, api_calls=se.calls,
                          backoffs=se.backoffs, months_pending=sum(len(v) for v in pending.values()))
    if stopped:
        result.details["stopped"] = stopped
        ctx.log.info("stackoverflow: %s", stopped)
    return result


SOURCE = Source(name="stackoverflow", collect=collect,
                description="Stack Overflow question counts per tag: total, per month, and share of all questions",
                needs=lambda f: bool(f.stackoverflow_tags))
