"""Papers per publication year that mention each framework, and all AI papers, from OpenAlex grouped counts.

Per framework with ``research_terms``: two grouped requests (1 credit each, whatever they search),
``GET {openalex_url}/works?filter=<search>,primary_topic.subfield.id:1702,publication_year:<since>-<this
year>&group_by=publication_year``, ``<search>`` = ``fulltext.search.exact:<terms>`` (title + abstract + full
text since 2026-06-06; ``research.papers_mentioning``) or ``title_and_abstract.search.exact:<terms>``
(``research.papers_mentioning_abstract``); ``<terms>``: each term double-quoted, joined by `` OR `` (a raw
comma in a filter value is a 400 at OpenAlex's edge). Once per run, as ``_all``: the filter without a
search (``research.papers_ai``) and with ``has_fulltext:true`` (``research.papers_ai_fulltext``).

Buckets come in count order without the years that have no works: rows are every year from
``[sources.research] since_year`` to this year (1 January), missing years 0 (``zero_filled``), this year
``partial_period``. The method names the query definition (terms included), details the exact filter.
``OPENALEX_API_KEY`` goes only in ``Authorization: Bearer``. A ``meta.timed_out`` (partial) answer is never
stored: asked once more, then that target fails in one line, as on a 400 or a malformed answer. A 429
(budget), 401/403 or an unreachable server stops the run, keeping what was collected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import requests

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.errors import FatalSourceError, RetriableError, SourceError
from fwpulse.collectors.http import parse_retry_after
from fwpulse.data import catalog
from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

SOURCE_NAME = "research"
SOURCE_LABEL = "OpenAlex"
SUBFIELD = "1702"  # OpenAlex subfields/1702 = Artificial Intelligence
DEFAULT_SINCE = 2012
GROUP_BY = "publication_year"
KEY_URL = "https://openalex.org/settings/api"
PER_SECOND_WAIT = 5.0  # a 429 asking to wait longer than this is the daily budget, not the per-second cap
# scope -> (search filter, metric, what the filter searches)
SCOPES = {
    "fulltext": ("fulltext.search.exact", "research.papers_mentioning", "title+abstract+full text since 2026-06-06"),
    "abstract": ("title_and_abstract.search.exact", "research.papers_mentioning_abstract", "title+abstract"),
}
DENOMINATORS = {"all": ("research.papers_ai", ""), "has_fulltext": ("research.papers_ai_fulltext", "has_fulltext:true")}
ZERO_FILLED = "OpenAlex's group_by leaves out years without works, so this missing year is stored as 0"
CURRENT_YEAR = "current year, still counting (and still being indexed)"


@dataclass(frozen=True)
class Query:
    target: str  # framework id, or catalog.SITE for the denominators
    metric: str
    filter: str
    method: str
    details: dict[str, Any]
    url: str  # the request URL as sent (no key: the key is a header)


class QueryFailed(Exception):
    """This target's answer is unusable (400, malformed, still timed out); the others go on."""


class _Refused(Exception):
    def __init__(self, response: requests.Response):
        self.response = response


# -- the query definitions (pure) ---------------------------------------------------------------


def search_value(terms: tuple[str, ...] | list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def request_url(base: str, filter_: str) -> str:
    """The URL requests sends (query encoded by requests), without any key."""
    url = f"{base.rstrip('/')}/works"
    return requests.Request("GET", url, params={"filter": filter_, "group_by": GROUP_BY}).prepare().url or url


def plan(frameworks: list[Framework], since: int, year: int, base: str) -> list[list[Query]]:
    """The run's requests, grouped by target: the two denominators first, then each framework's two scopes."""
    tail = f"primary_topic.subfield.id:{SUBFIELD},publication_year:{since}-{year}"
    specs = [[(catalog.SITE, metric, scope, extra, ()) for scope, (metric, extra) in DENOMINATORS.items()]]
    for fw in frameworks:
        value = search_value(fw.research_terms)
        specs += [[(fw.id, m, scope, f"{f}:{value}", fw.research_terms) for scope, (f, m, _) in SCOPES.items()]]
    groups = []
    for spec in specs:
        group = []
        for target, metric, scope, search, terms in spec:
            filter_ = f"{search},{tail}" if search else tail
            field, _, what = SCOPES.get(scope, ("", "", ""))
            label = f"{field} ({what}) of {search_value(terms)}, " if terms else (f"{search}, " if search else "")
            method = f"OpenAlex works group_by={GROUP_BY}, {label}primary_topic.subfield.id:{SUBFIELD}"
            details = {
                "filter": filter_,
                "scope": scope,
                "subfield": SUBFIELD,
                "terms": list(terms),
                "since_year": since,
            }
            group.append(Query(target, metric, filter_, method, details, request_url(base, filter_)))
        groups.append(group)
    return groups


# -- fetch (HTTP only) --------------------------------------------------------------------------


@dataclass
class Tally:
    requests: int = 0
    credits: int | None = None
    credits_remaining: int | None = None
    timed_out: int = 0

    def seen(self, resp: requests.Response) -> None:
        self.requests += 1
        used, left = resp.headers.get("X-RateLimit-Credits-Used"), resp.headers.get("X-RateLimit-Remaining")
        if used and used.strip().isdigit():
            self.credits = (self.credits or 0) + int(used)
        if left and left.strip().isdigit():
            self.credits_remaining = int(left)


def _stop_at_budget(resp: requests.Response) -> float | None:
    """HttpClient wait rule: a 429 for the daily budget is not retried (it resets at midnight UTC)."""
    if resp.status_code == 429:
        wait = parse_retry_after(resp.headers.get("Retry-After"))
        if wait is None or wait > PER_SECOND_WAIT or "budget" in resp.text.lower():
            raise _Refused(resp)
    return None


def fetch_counts(ctx: CollectContext, q: Query, tally: Tally) -> dict[int, int]:
    """year -> works for one grouped request; a timed-out (partial) answer is asked once more."""
    key = ctx.settings.openalex_api_key
    headers = {"Authorization": f"Bearer {key}"} if key else None
    for attempt in (1, 2):
        try:
            resp = ctx.http.get(
                f"{ctx.settings.openalex_url.rstrip('/')}/works",
                params={"filter": q.filter, "group_by": GROUP_BY},
                headers=headers,
                ok_statuses=(429,),
                wait_hint=_stop_at_budget,
            )
        except _Refused as exc:
            resp = exc.response
        tally.seen(resp)
        check_status(resp, q, key, ctx.now)
        try:
            body = resp.json()
        except ValueError:
            raise QueryFailed(f"{q.url}: the answer is not JSON (HTTP {resp.status_code}); try again later") from None
        meta = body.get("meta") if isinstance(body, dict) else None
        if not (isinstance(meta, dict) and meta.get("timed_out") is True):
            return parse_groups(body, q.url)
        tally.timed_out += 1
        ctx.log.info("research: %s timed out at OpenAlex (partial counts, not stored); attempt %d/2", q.url, attempt)
    raise QueryFailed(
        f"{q.url}: OpenAlex timed out twice (meta.timed_out: partial counts, not stored); retry later, or "
        f"narrow [sources.research] since_year in {ctx.registry.path}"
    )


def _detail(resp: requests.Response) -> str:
    try:
        body = resp.json()
        detail = str(body.get("message") or body.get("error") or "") if isinstance(body, dict) else ""
    except ValueError:
        detail = resp.text
    return " ".join(detail.split())[:200]


def check_status(resp: requests.Response, q: Query, key: str | None, now: dt.datetime) -> None:
    """Raise for anything but a 200: the run stops (429, 401/403) or this target fails (others)."""
    status, detail = resp.status_code, _detail(resp)
    said = f"HTTP {status}{': ' + detail if detail else ''}"
    if status == 429:
        wait = parse_retry_after(resp.headers.get("Retry-After") or resp.headers.get("X-RateLimit-Reset"))
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time())
        until = now + dt.timedelta(seconds=wait) if wait is not None else midnight
        fix = (
            "or raise the budget of the key in OPENALEX_API_KEY (https://openalex.org/pricing)"
            if key
            else f"or set OPENALEX_API_KEY: a free key ({KEY_URL}) raises the keyless $0.10/day to $1/day"
        )
        raise RetriableError(
            f"OpenAlex refused more requests ({said} at {q.url}); stopped asking for this run; retry "
            f"after {until:%Y-%m-%d %H:%M} UTC, {fix}",
            retry_after=until,
        )
    if status in (401, 403):
        what = f"OpenAlex refused {q.url} ({said})"
        raise FatalSourceError(
            f"{what}: OPENALEX_API_KEY is wrong or no longer valid; copy it again from {KEY_URL}, or unset it "
            f"to use the keyless budget"
            if key
            else f"{what}: OPENALEX_API_KEY is not set; get a free key at {KEY_URL} and set OPENALEX_API_KEY"
        )
    if status == 400:
        edge = " at its edge" if resp.headers.get("x-openalex-edge-reject") else ""
        raise QueryFailed(f"OpenAlex rejected {q.url}{edge} ({said})")
    if status != 200:
        raise QueryFailed(f"{q.url}: {said}")


def parse_groups(body: Any, url: str) -> dict[int, int]:
    """{year: count} from a ``group_by=publication_year`` answer; anything else is one line naming the URL."""
    groups = body.get("group_by") if isinstance(body, dict) else None
    if not isinstance(groups, list):
        raise QueryFailed(f"{url}: unexpected answer: no group_by list")
    counts: dict[int, int] = {}
    for group in groups:
        key = group.get("key") if isinstance(group, dict) else None
        count = group.get("count") if isinstance(group, dict) else None
        if not (isinstance(key, str) and len(key) == 4 and key.isdigit()) or int(key) in counts:
            raise QueryFailed(f"{url}: unexpected answer: group key {key!r} is not a (new) publication year")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise QueryFailed(f"{url}: unexpected answer: count {count!r} for {key} is not a whole number")
        counts[int(key)] = count
    return counts


# -- rows (pure) --------------------------------------------------------------------------------


def build_observations(q: Query, counts: dict[int, int], since: int, today: dt.date) -> list[Observation]:
    """One row per year from ``since`` to this year, sorted; years OpenAlex left out are 0."""
    rows = []
    for year in range(since, today.year + 1):
        details: dict[str, Any] = dict(q.details)
        reasons, quality = [], "ok"
        if year not in counts:
            details["zero_filled"] = True
            reasons.append(ZERO_FILLED)
        if year == today.year:
            quality, details["period_end"] = "partial_period", today.isoformat()
            reasons.insert(0, CURRENT_YEAR)
        if reasons:
            details["reason"] = "; ".join(reasons)
        day, value = dt.date(year, 1, 1), float(counts.get(year, 0))
        rows.append(
            Observation(q.target, q.metric, day, value, SOURCE_LABEL, q.method, q.url, quality=quality, details=details)
        )
    return rows


# -- collect ------------------------------------------------------------------------------------


def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    key = ctx.settings.openalex_api_key
    since = int(ctx.source_settings(SOURCE_NAME).get("since_year", DEFAULT_SINCE))
    year = ctx.today.year
    if since > year:
        raise FatalSourceError(
            f"[sources.research] since_year = {since} is after this year; set it to {year} or earlier in "
            f"{ctx.registry.path}"
        )
    tally, stopped = Tally(), None
    groups = plan(ctx.frameworks, since, year, ctx.settings.openalex_url) if ctx.frameworks else []
    ctx.expect_steps(sum(len(g) for g in groups))
    for n, group in enumerate(groups):
        target = group[0].target
        done = 0
        try:
            for q in group:
                counts = fetch_counts(ctx, q, tally)
                result.observations += build_observations(q, counts, since, ctx.today)
                done += 1
                ctx.progress(f"{target} {q.details['scope']}")
        except QueryFailed as exc:
            result.failures[target] = ctx.http.redact(str(exc))
            for q in group[done:]:
                ctx.progress(f"{target} {q.details['scope']}")
        except SourceError as exc:  # budget spent, key refused, server unreachable: stop, keep what was collected
            if not result.observations and not result.failures:
                raise
            stopped = ctx.http.redact(str(exc))
            rest = [g[0].target for g in groups[n + 1 :]]
            result.failures[target] = stopped + (f"; not asked: {', '.join(rest)}" if rest else "")
            result.retry_after = exc.retry_after
            break
    return result.finish(ctx, SOURCE_NAME, stopped, **asdict(tally), since_year=since, api_key=bool(key))


SOURCE = Source(
    name=SOURCE_NAME,
    collect=collect,
    description="Papers per year mentioning each framework, and all AI papers (OpenAlex group_by, subfield 1702)",
    needs=lambda f: bool(f.research_terms),
)
