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

Authentication and throttles (2026) are the client's job (:mod:`~fwpulse.collectors.stackexchange`):
``STACKEXCHANGE_KEY`` travels only as ``Authorization: Bearer``; a request rejected for its
authentication is one line naming ``STACKEXCHANGE_KEY``; a throttle longer than the client's
``max_wait`` stops the source with a retriable error saying when to retry.
"""

from __future__ import annotations

import calendar
import datetime as dt

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.errors import SourceError
from fwpulse.collectors.months import months_between
from fwpulse.collectors.stackexchange import (
    DEFAULT_MAX_REQUESTS,
    DEFAULT_RESERVE,
    SITE,
    QuotaReserveReached,
    StackExchangeClient,
)
from fwpulse.data import catalog
from fwpulse.data.store import Observation

SOURCE_LABEL = "Stack Exchange API"
DEFAULT_SINCE = "2015-01-01"
SITE_FRAMEWORK = catalog.SITE  # site-wide monthly totals: not a framework

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


# -- month arithmetic (pure) --------------------------------------------------------------------


def month_key(first: dt.date) -> str:
    return f"{first:%Y-%m}"


def last_complete_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


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
    return result.finish(
        ctx,
        "stackoverflow",
        stopped,
        quota_remaining=se.quota_remaining,
        quota_max=se.quota_max,
        api_calls=se.calls,
        backoffs=se.backoffs,
        throttles=se.throttles,
        authenticated=bool(se.key),
        months_pending=sum(len(v) for v in pending.values()),
    )


SOURCE = Source(
    name="stackoverflow",
    collect=collect,
    description="Stack Overflow question counts per tag: total, per month, and share of all questions",
    needs=lambda f: bool(f.stackoverflow_tags),
)
