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

Authentication and throttles (2026): ``STACKEXCHANGE_KEY`` travels only as
``Authorization: Bearer <key>`` (a ``key=`` query parameter is rejected since June 2026); keyless
requests work at 300/day per IP. A request rejected for its authentication is one line naming
``STACKEXCHANGE_KEY``. Throttles arrive as HTTP 400 with ``error_id`` 502 (throttle_violation):
waited out and retried a bounded number of times, or, when the wait is longer than the client's
``max_wait``, the source stops with a retriable error saying when to retry.
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
from .errors import FatalSourceError, RetriableError, SourceError
from .http import HttpClient

SOURCE_LABEL = "Stack Exchange API"
SITE = "stackoverflow"
DEFAULT_SINCE = "2015-01-01"
DEFAULT_MAX_REQUESTS = 250
DEFAULT_RESERVE = 10
_AVAILABLE_IN = re.compile(r"available in (\d+) seconds")
SITE_FRAMEWORK = "_all"  # site-wide monthly totals: not a framework (registry ids are slugs)

# Short stable methods (a caption prints each once); the tags and the query window go to details.
# A question carrying two of a framework's tags counts twice in the sums (catalog definition).
TOTAL_METHOD = "Stack Exchange /tags/info question count, summed over the framework's tags"
MONTHLY_METHOD = (
    "Stack Exchange /questions filter=total, created in the calendar month (UTC), summed over the framework's tags"
)
SITE_METHOD = "Stack Exchange /questions filter=total without tagged, created in the calendar month (UTC)"
SHARE_METHOD = (
    "questions with the framework's tags in the month divided by all questions created in the month "
    "(/questions filter=total without tagged), times 100"
)


class QuotaReserveReached(Exception):
    pass


class StackExchangeClient:
    """Thin wrapper: the key as ``Authorization: Bearer`` (never in a URL), gzip (requests decodes
    it), wrapper errors, throttles (HTTP 400 carrying error_id 502), ``backoff`` per method, quota
    tracking and a request cap."""

    def __init__(
        self,
        http: HttpClient,
        base: str,
        key: str | None,
        *,
        reserve: int = DEFAULT_RESERVE,
        max_requests: int = DEFAULT_MAX_REQUESTS,
        clock=None,
    ):
        self.http, self.base, self.key = http, base.rstrip("/"), key
        self.reserve, self.max_requests = reserve, max_requests
        self.clock = clock or getattr(http, "clock", time.monotonic)
        self.not_before: dict[str, float] = {}  # method -> monotonic time it may be called again
        self.quota_remaining: int | None = None
        self.quota_max: int | None = None
        self.calls = 0
        self.backoffs: list[tuple[str, int]] = []
        self.throttles = 0

    def public_url(self, path: str, params: dict[str, Any]) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.base}{path}?{query}"

    def budget_left(self) -> int:
        return self.max_requests - self.calls

    def headers(self) -> dict[str, str]:
        """Since June 2026 a key is accepted only here; ``key=`` in the query string is rejected."""
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def check_quota(self) -> None:
        if self.quota_remaining is not None and self.quota_remaining < self.reserve:
            raise QuotaReserveReached(
                f"Stack Exchange quota_remaining {self.quota_remaining} is below the reserve of "
                f"{self.reserve}; stopped, the next refresh continues"
            )

    def get(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        self.check_quota()
        wait = self.not_before.get(method, 0.0) - self.clock()
        if wait > 0:
            self.http.sleep(wait)
            self.http.waited += wait
        full = {**params, "site": SITE}
        self.calls += 1
        if self.quota_remaining is not None:  # filter=total bodies carry no quota: estimate
            self.quota_remaining -= 1
        # ok_statuses=(400,): a throttle still there after the client's bounded retries comes back
        # here, so its body can name what happened.
        resp = self.http.get(
            f"{self.base}{path}", params=full, headers=self.headers(), wait_hint=self._throttle_wait, ok_statuses=(400,)
        )
        body = _body(resp)
        where = self.public_url(path, full)
        if "backoff" in body:
            seconds = _int_field(body, "backoff", where)
            self.backoffs.append((method, seconds))
            self.not_before[method] = self.clock() + seconds
        if "quota_remaining" in body:
            self.quota_remaining = _int_field(body, "quota_remaining", where)
            self.quota_max = body.get("quota_max", self.quota_max)
        if "error_id" in body or not 200 <= resp.status_code < 300:
            raise self._error(self.public_url(path, full), resp, body)
        return body

    def _throttle_wait(self, resp: requests.Response) -> float | None:
        """A throttle (HTTP 400 with error_id 502, or an HTTP 503/502 from the hard per-IP limit)
        is a wait signal: the seconds it names, else 30 s; a wait longer than the client allows
        stops the source with a RetriableError saying when to retry."""
        body = _body(resp) if resp.status_code == 400 else {}
        if resp.status_code == 400 and body.get("error_id") != 502:
            return None
        if resp.status_code not in (400, 502, 503):
            return None
        self.throttles += 1
        if "backoff" in body:
            return float(_int_field(body, "backoff", resp.url))
        match = _AVAILABLE_IN.search(str(body.get("error_message", "")))
        wait = float(match.group(1)) if match else 30.0
        if wait > self.http.max_wait:
            until = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=wait)
            raise RetriableError(
                f"Stack Exchange throttle_violation (error_id 502): {body.get('error_message', '')!s}; "
                f"retry after {until:%Y-%m-%d %H:%M} UTC"
                + ("" if self.key else " (STACKEXCHANGE_KEY raises the daily quota from 300 to 10,000 requests)"),
                retry_after=until,
            )
        return wait

    def _error(self, url: str, resp: requests.Response, body: dict[str, Any]) -> SourceError:
        error_id = body.get("error_id", resp.status_code)
        what = (
            f"{url}: Stack Exchange API error {error_id} {body.get('error_name', '')}: "
            f"{body.get('error_message', 'no error message')}"
        )
        if _is_auth_error(body):
            if self.key:
                step = (
                    "check STACKEXCHANGE_KEY (an app key from stackapps.com, sent as 'Authorization: Bearer') "
                    "or unset it: without a key the API still answers, 300 requests/day per IP"
                )
            else:
                step = "set STACKEXCHANGE_KEY to an app key from stackapps.com (sent as 'Authorization: Bearer')"
            return FatalSourceError(self.http.redact(f"{what}; authentication rejected: {step}"))
        if error_id in (500, 502, 503):
            return RetriableError(self.http.redact(f"{what}; {_next_step(body)}"))
        return FatalSourceError(self.http.redact(f"{what}; {_next_step(body)}"))


_AUTH_WORDS = re.compile(r"\b(key|access[ _]token|auth\w*|bearer)\b", re.IGNORECASE)


def _is_auth_error(body: dict[str, Any]) -> bool:
    """Rejected for its authentication: the access-token/key error ids, or a bad_parameter (400)
    about the key ("An invalid parameter was passed, this includes even ... key")."""
    error_id = body.get("error_id")
    if error_id in (401, 402, 403, 405, 406):
        return True
    return error_id == 400 and bool(_AUTH_WORDS.search(str(body.get("error_message", ""))))


def _int_field(body: dict[str, Any], key: str, where: str) -> int:
    """A wrapper field that must be an integer (backoff, quota_remaining); anything else is one line."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or not 0 <= value < 10**9:
        raise FatalSourceError(
            f"{where}: unexpected response: '{key}' is not a number of the API's wrapper "
            f"(see api.stackexchange.com/docs/wrapper)"
        )
    return int(value)


def _body(resp: requests.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        if 200 <= resp.status_code < 300:
            body = {
                "error_id": resp.status_code,
                "error_name": "not_json",
                "error_message": f"HTTP {resp.status_code}, body is not JSON",
            }
        else:
            body = {}
    return body if isinstance(body, dict) else {}


def _next_step(body: dict[str, Any]) -> str:
    return {
        400: "check the parameters (tags, site) in the frameworks TOML",
        404: "check FWPULSE_STACKEXCHANGE_API_URL (it should end in /2.3)",
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
    se = StackExchangeClient(
        ctx.http,
        base,
        ctx.settings.stackexchange_key,
        reserve=int(conf.get("quota_reserve", DEFAULT_RESERVE)),
        max_requests=int(conf.get("max_requests", DEFAULT_MAX_REQUESTS)),
    )
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
            result.failures[fw.id] = (
                f"Stack Overflow has no questions under tag(s) {', '.join(bad)} (unknown or "
                f"empty tag); check https://stackoverflow.com/tags/{bad[0]} and fix "
                f"'stackoverflow_tags' for {fw.id} in {ctx.registry.path}"
            )
            continue
        good.append(fw)
        result.observations.append(
            Observation(
                fw.id,
                "stackoverflow.questions_total",
                ctx.today,
                float(sum(counts[t] for t in fw.stackoverflow_tags)),
                SOURCE_LABEL,
                TOTAL_METHOD,
                tag_url,
                details={"tags": list(fw.stackoverflow_tags)},
            )
        )

    # 2) monthly counts and share
    last = last_complete_month(ctx.today)
    if ctx.backfill:
        since = dt.date.fromisoformat(str(conf.get("backfill_since", DEFAULT_SINCE)))
        months = months_between(since, last)
    else:
        months = [last]
    stopped = None
    sites_stored: set[str] = set()  # site totals stored in this run (one row per month)
    pending = {fw.id: [m for m in months if month_key(m) not in done.get(fw.id, [])] for fw in good}
    ctx.expect_steps(sum(any(m in pending[fw.id] for fw in good) for m in months))  # one step per month fetched
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
            span = {"fromdate": fromdate, "todate": todate}
            if key not in sites_stored:
                result.observations.append(
                    Observation(
                        SITE_FRAMEWORK,
                        "stackoverflow.questions_monthly_site",
                        first,
                        float(site_totals[key]),
                        SOURCE_LABEL,
                        SITE_METHOD,
                        site_url,
                        details=span,
                    )
                )
                sites_stored.add(key)
            for fw in wanted:
                value = 0
                for tag in fw.stackoverflow_tags:
                    value += int(se.get("questions", "/questions", {"tagged": tag, **window}).get("total", 0))
                url = se.public_url("/questions", {"tagged": ";".join(fw.stackoverflow_tags), **window, "site": SITE})
                tags = list(fw.stackoverflow_tags)
                result.observations.append(
                    Observation(
                        fw.id,
                        "stackoverflow.questions_monthly",
                        first,
                        float(value),
                        SOURCE_LABEL,
                        MONTHLY_METHOD,
                        url,
                        details={"tags": tags, **span},
                    )
                )
                if site_totals[key]:
                    result.observations.append(
                        Observation(
                            fw.id,
                            "stackoverflow.questions_share",
                            first,
                            round(100.0 * value / site_totals[key], 6),
                            SOURCE_LABEL,
                            SHARE_METHOD,
                            f"{url} ; {site_url}",
                            details={"tags": tags, **span, "questions": value, "site_questions": site_totals[key]},
                        )
                    )
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
    result.details.update(
        quota_remaining=se.quota_remaining,
        quota_max=se.quota_max,
        api_calls=se.calls,
        backoffs=se.backoffs,
        throttles=se.throttles,
        authenticated=bool(se.key),
        months_pending=sum(len(v) for v in pending.values()),
    )
    if stopped:
        result.details["stopped"] = stopped
        ctx.log.info("stackoverflow: %s", stopped)
    return result


SOURCE = Source(
    name="stackoverflow",
    collect=collect,
    description="Stack Overflow question counts per tag: total, per month, and share of all questions",
    needs=lambda f: bool(f.stackoverflow_tags),
)
