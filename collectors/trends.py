"""Google Trends search interest (``trends.interest``) through pytrends 4.9.2.

Google Trends has no public API; pytrends calls the web app's private endpoints (cookie GET,
``POST /api/explore`` for widget tokens, ``GET /api/widgetdata/multiline`` for the series).
Only ``TrendReq.build_payload`` and ``TrendReq.interest_over_time`` are used.

What is stored
    One term per framework (its first ``trends_terms`` entry), weekly values for the
    registry's ``[sources.trends]`` ``timeframe`` (default ``today 5-y``). Each row's ``date``
    is the start date of its week (the point's ``time`` epoch, UTC). The last point of a
    series, the still incomplete current week (``isPartial``), is dropped: its value would
    change until the week ends.

Batching and rescaling
    Trends compares at most 5 terms per request and scales every request to its own peak
    (0-100), so values from different requests are not comparable as they are.
    * With at most 5 framework terms, everything is one request: values are stored as
      returned (scale 1, no anchor needed).
    * With more, every batch is the anchor term (``anchor_term``, default ``Python``) plus up
      to 4 framework terms. The *reference* is the first batch:
      ``scale = reference_anchor_mean / batch_anchor_mean`` and
      ``value = raw * scale``, where the anchor means are taken over the complete weeks that
      every batch returned. The first batch therefore has scale 1.0. If a batch's anchor
      mean (or the reference's) is 0 the scale is undefined and that batch's frameworks go
      to ``failures``.
    Each row's ``method`` is one of two short categories (:data:`METHOD_ANCHORED`,
    :data:`METHOD_ONE_REQUEST`); its ``details`` hold the term, timeframe, geo, batch, number of
    batches, anchor, exact scale factor and the raw value (:func:`row_details`), and the run's
    ``details["batches"]`` every batch's terms and anchor mean, so any stored number can be
    re-derived.

Terms without data
    Google answers a term it has no data for with zeros and ``hasData: false`` (pytrends drops
    ``hasData``, so the raw multiline timeline is kept alongside its DataFrame). Such a term's
    frameworks go to ``failures`` as "no data for <term>" and nothing is stored for them: "no
    data" is not "zero interest". A point with ``hasData: false`` in an otherwise answered
    series is skipped, never stored as 0.

Rate limits
    Google answers 429 freely. Each batch gets at most 3 attempts (fresh cookie each time),
    sleeping with backoff through ``ctx.http.sleep`` in between. A 429 that outlasts the
    retries, or an empty answer (no timeline data), raises :class:`SkippableError` with
    ``retry_after`` one hour later: the run is recorded as *skipped* and never fails the
    refresh. Nothing from earlier batches is kept then, because a partial set of batches
    cannot be rescaled consistently with the next run.
"""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import quote

import pandas as pd
import requests
from pytrends import exceptions as pt_exceptions
from pytrends import request as pt_request
from pytrends.request import TrendReq

from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

from .base import CollectContext, Source, SourceResult
from .errors import FatalSourceError, RetriableError, SkippableError, UnreachableError
from .http import parse_retry_after, unreachable_reason

METRIC = "trends.interest"
SOURCE_LABEL = "Google Trends (pytrends)"
DEFAULT_ANCHOR = "Python"
DEFAULT_TIMEFRAME = "today 5-y"
MAX_TERMS = 5  # Trends compares at most five terms per request
MAX_ATTEMPTS = 3  # per batch
BACKOFF_BASE = 5.0  # seconds: 5, 10 between the three attempts
BACKOFF_CAP = 60.0
RETRY_LATER = dt.timedelta(hours=1)
TIMEOUT = (10, 30)  # connect, read (pytrends' own default (2, 5) is too short)

_URL_LOCK = threading.Lock()


@contextmanager
def pytrends_base_url(base_url: str) -> Iterator[None]:
    """Point pytrends at ``<base_url>/trends/...`` for the duration of the block.

    Why: pytrends 4.9.2 hard-codes ``https://trends.google.com/trends``: the cookie GET reads
    the module-level ``BASE_TRENDS_URL`` at call time, and the endpoint URLs are class
    attributes of ``TrendReq`` built from it at import time (``GENERAL_URL`` for explore,
    ``INTEREST_OVER_TIME_URL`` for multiline), with no constructor argument to change them.
    Setting them is the only way to honour ``FWPULSE_TRENDS_URL`` (a fake server in tests, a
    proxy/mirror otherwise). They are process-global, so they are restored afterwards and a
    lock keeps two collects in one process from interleaving.
    """
    base = base_url.rstrip("/") + "/trends"
    with _URL_LOCK:
        saved = (pt_request.BASE_TRENDS_URL, TrendReq.GENERAL_URL, TrendReq.INTEREST_OVER_TIME_URL)
        try:
            pt_request.BASE_TRENDS_URL = base
            TrendReq.GENERAL_URL = f"{base}/api/explore"
            TrendReq.INTEREST_OVER_TIME_URL = f"{base}/api/widgetdata/multiline"
            yield
        finally:
            pt_request.BASE_TRENDS_URL, TrendReq.GENERAL_URL, TrendReq.INTEREST_OVER_TIME_URL = saved


@dataclass
class Batch:
    number: int  # 1-based
    terms: list[str]  # as sent, anchor first when there is one
    frameworks: dict[str, list[str]]  # term -> framework ids reading that column
    frame: pd.DataFrame | None = None  # complete weeks only: index = week start date
    anchor_mean: float | None = None
    scale: float | None = None
    problem: str | None = None
    partial_dropped: int = 0
    has_data: dict[str, dict[dt.date, bool]] = field(default_factory=dict)  # term -> week -> hasData
    extra: dict[str, Any] = field(default_factory=dict)


class _TrendReq(TrendReq):
    """TrendReq that keeps the raw multiline ``timelineData`` (its DataFrame drops ``hasData``)."""

    timeline: list[dict[str, Any]] | None = None

    def _get_data(self, url, method=TrendReq.GET_METHOD, trim_chars=0, **kwargs):
        data = super()._get_data(url, method=method, trim_chars=trim_chars, **kwargs)
        if url == TrendReq.INTEREST_OVER_TIME_URL and isinstance(data, dict):
            self.timeline = (data.get("default") or {}).get("timelineData")
        return data


def has_data_by_week(timeline: list[dict[str, Any]] | None, terms: list[str]) -> dict[str, dict[dt.date, bool]]:
    """term -> {week start (UTC date): hasData} from the raw points; a point without ``hasData``
    counts as having data."""
    out: dict[str, dict[dt.date, bool]] = {t: {} for t in terms}
    for point in timeline or []:
        week = dt.datetime.fromtimestamp(int(point["time"]), dt.UTC).date()
        flags = point.get("hasData")
        for i, term in enumerate(terms):
            out[term][week] = bool(flags[i]) if isinstance(flags, list) and i < len(flags) else True
    return out


def plan_batches(frameworks: list[Framework], anchor: str) -> tuple[list[Batch], bool]:
    """Split the frameworks' terms into requests; returns (batches, anchored)."""
    by_term: dict[str, list[str]] = {}
    for f in frameworks:
        if f.trends_terms:
            by_term.setdefault(f.trends_terms[0], []).append(f.id)
    terms = list(by_term)
    if len(terms) <= MAX_TERMS:
        return ([Batch(1, terms, {t: by_term[t] for t in terms})] if terms else []), False
    # A framework whose term is the anchor itself reads the anchor column of the first batch.
    anchor_key = next((t for t in terms if t.casefold() == anchor.casefold()), None)
    others = [t for t in terms if t != anchor_key]
    chunk = MAX_TERMS - 1
    batches = []
    for i in range(0, len(others), chunk):
        part = others[i : i + chunk]
        fw = {t: by_term[t] for t in part}
        if anchor_key is not None and i == 0:
            fw[anchor] = by_term[anchor_key]
        batches.append(Batch(len(batches) + 1, [anchor, *part], fw))
    return batches, True


def _backoff(attempt: int, exc: Exception) -> float:
    response = getattr(exc, "response", None)
    hinted = parse_retry_after(response.headers.get("Retry-After")) if response is not None else None
    wait = hinted if hinted is not None else BACKOFF_BASE * 2 ** (attempt - 1)
    return min(BACKOFF_CAP, wait)


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status_code", None) is not None:
        return f"HTTP {response.status_code}"
    return type(exc).__name__


def fetch_batch(ctx: CollectContext, batch: Batch, total: int, timeframe: str, geo: str) -> pd.DataFrame:
    """interest_over_time for one batch, with at most MAX_ATTEMPTS attempts; fills
    ``batch.has_data`` from the raw answer."""
    where = f"{ctx.settings.trends_url} (batch {batch.number} of {total}: {', '.join(batch.terms)})"
    last: Exception | None = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            ctx.http.requests += 1  # cookie GET
            client = _TrendReq(hl="en-US", tz=0, timeout=TIMEOUT)
            ctx.http.requests += 1  # POST /api/explore
            client.build_payload(batch.terms, cat=0, timeframe=timeframe, geo=geo)
            ctx.http.requests += 1  # GET /api/widgetdata/multiline
            frame = client.interest_over_time()
            batch.has_data = has_data_by_week(client.timeline, batch.terms)
            return frame
        except (pt_exceptions.ResponseError, requests.RequestException) as exc:
            last = exc
            why = unreachable_reason(exc) if isinstance(exc, requests.ConnectionError) else None
            if why:  # no network, a wrong host or nothing listening: retrying only loses time
                raise UnreachableError(ctx.http.unreachable_message(ctx.settings.trends_url, why)) from None
        except (ValueError, KeyError, TypeError) as exc:  # malformed JSON / unexpected shape
            raise FatalSourceError(
                f"Google Trends {where}: unexpected response ({type(exc).__name__}: {exc}); "
                "the private API may have changed - check for a newer pytrends"
            ) from None
        if attempt < MAX_ATTEMPTS:
            wait = _backoff(attempt, last)
            ctx.log.info(
                "Google Trends %s: %s, retrying in %.0fs (attempt %d/%d)",
                where,
                _describe(last),
                wait,
                attempt + 1,
                MAX_ATTEMPTS,
            )
            ctx.http.sleep(wait)
            ctx.http.waited += wait
    assert last is not None
    if isinstance(last, pt_exceptions.TooManyRequestsError):
        raise SkippableError(
            f"Google Trends is rate limiting (HTTP 429 after {MAX_ATTEMPTS} attempts) at {where}; retry later",
            retry_after=ctx.now + RETRY_LATER,
        )
    raise RetriableError(f"Google Trends {where}: {_describe(last)} after {MAX_ATTEMPTS} attempts; try again later")


METHOD_ANCHORED = "Google Trends interest_over_time, batches rescaled to batch 1 through a shared anchor term"
METHOD_ONE_REQUEST = "Google Trends interest_over_time, one request (at most 5 terms, values as served)"


def row_details(
    term: str, timeframe: str, geo: str, batch: int, batches: int, anchor: str | None, scale: float, raw: int
) -> dict[str, Any]:
    """What varies per trends.interest row (the dashboard's rescaling table reads these keys)."""
    return {
        "term": term,
        "timeframe": timeframe,
        "geo": geo,
        "batch": batch,
        "batches": batches,
        "anchor": anchor,
        "scale": scale,
        "raw": raw,
    }


def _complete_weeks(df: pd.DataFrame, batch: Batch) -> pd.DataFrame:
    """Drop the incomplete (isPartial) week and index by the week's start date."""
    if "isPartial" in df.columns:
        partial = df["isPartial"].astype(bool)
        batch.partial_dropped = int(partial.sum())
        df = df.loc[~partial].drop(columns=["isPartial"])
    df = df.copy()
    df.index = [pd.Timestamp(ts).date() for ts in df.index]
    return df


def collect(ctx: CollectContext) -> SourceResult:
    settings = ctx.source_settings("trends")
    anchor = str(settings.get("anchor_term") or DEFAULT_ANCHOR)
    timeframe = str(settings.get("timeframe") or DEFAULT_TIMEFRAME)
    geo = str(settings.get("geo") or "")
    batches, anchored = plan_batches(ctx.frameworks, anchor)
    ctx.expect_steps(sum(len(fids) for b in batches for fids in b.frameworks.values()))  # per framework and term
    result = SourceResult()
    if not batches:
        return result

    with pytrends_base_url(ctx.settings.trends_url):
        for batch in batches:
            df = fetch_batch(ctx, batch, len(batches), timeframe, geo)
            if df is None or df.empty:
                raise SkippableError(
                    f"Google Trends returned no data for batch {batch.number} of {len(batches)} "
                    f"({', '.join(batch.terms)}), usually a soft rate limit; retry later",
                    retry_after=ctx.now + RETRY_LATER,
                )
            missing = [t for t in batch.terms if t not in df.columns]
            if missing:
                raise FatalSourceError(
                    f"Google Trends answered without the column(s) {', '.join(missing)} "
                    f"for batch {batch.number}; the private API may have changed"
                )
            batch.frame = _complete_weeks(df, batch)

    # Anchor means over the complete weeks every batch returned, so the batches compare like for like.
    common = set(batches[0].frame.index)
    for batch in batches[1:]:
        common &= set(batch.frame.index)
    weeks = sorted(common)
    if anchored:
        for batch in batches:
            batch.anchor_mean = float(batch.frame.loc[weeks, anchor].mean()) if weeks else 0.0
        reference = batches[0].anchor_mean
        for batch in batches:
            if not reference or not batch.anchor_mean:
                which = "this batch" if not batch.anchor_mean else "the reference batch 1"
                batch.problem = (
                    f"anchor {anchor!r} has mean 0 in {which} (timeframe {timeframe}), so batch "
                    f"{batch.number} cannot be rescaled"
                )
            else:
                batch.scale = reference / batch.anchor_mean
    else:
        batches[0].scale = 1.0

    base = ctx.settings.trends_url.rstrip("/")
    no_data: dict[str, list[str]] = {}  # term -> frameworks: hasData false in every week
    weeks_without: dict[str, int] = {}  # term -> weeks skipped for hasData false
    for batch in batches:
        url = f"{base}/trends/explore?date={quote(timeframe)}&q={quote(','.join(batch.terms))}" + (
            f"&geo={quote(geo)}" if geo else ""
        )
        for term, fids in batch.frameworks.items():
            flags = batch.has_data.get(term, {})
            weeks_with_data = [w for w in batch.frame.index if flags.get(w, True)]
            skipped = len(batch.frame.index) - len(weeks_with_data)
            for fid in fids:
                if batch.problem:
                    result.failures[fid] = batch.problem
                    ctx.progress(fid)
                    continue
                if not weeks_with_data:
                    result.failures[fid] = (
                        f"no data for {term!r}: Google Trends has no data for this term "
                        f"({timeframe}{', ' + geo if geo else ''}; hasData false in every week), "
                        f"nothing stored; check 'trends_terms' for {fid} in {ctx.registry.path}"
                    )
                    no_data.setdefault(term, []).append(fid)
                    ctx.progress(fid)
                    continue
                if skipped:
                    weeks_without.setdefault(term, skipped)
                for week, raw in batch.frame.loc[weeks_with_data, term].items():
                    raw = int(raw)
                    value = raw * batch.scale
                    result.observations.append(
                        Observation(
                            framework=fid,
                            metric=METRIC,
                            date=week,
                            value=float(value),
                            source=SOURCE_LABEL,
                            method=METHOD_ANCHORED if anchored else METHOD_ONE_REQUEST,
                            source_url=url,
                            details=row_details(
                                term,
                                timeframe,
                                geo,
                                batch.number,
                                len(batches),
                                anchor if anchored else None,
                                batch.scale,
                                raw,
                            ),
                        )
                    )
                ctx.progress(fid)

    result.details = {
        "timeframe": timeframe,
        "geo": geo,
        "anchor": anchor if anchored else None,
        "reference_anchor_mean": batches[0].anchor_mean,
        "weeks_for_anchor_mean": [str(weeks[0]), str(weeks[-1]), len(weeks)] if weeks else [],
        "batches": [
            {
                "batch": b.number,
                "terms": b.terms,
                "frameworks": b.frameworks,
                "anchor_mean": b.anchor_mean,
                "scale": b.scale,
                "partial_weeks_dropped": b.partial_dropped,
                "weeks": len(b.frame) if b.frame is not None else 0,
                **({"problem": b.problem} if b.problem else {}),
            }
            for b in batches
        ],
    }
    if no_data:
        result.details["no_data"] = no_data
        ctx.log.warning("trends: no data for %s", ", ".join(repr(t) for t in no_data))
    if weeks_without:
        result.details["weeks_without_data_skipped"] = weeks_without
    return result


SOURCE = Source(
    name="trends",
    collect=collect,
    description=(
        "Google Trends weekly search interest (0-100) per framework via pytrends; more than five terms "
        "are fetched in batches around an anchor term and rescaled to the first batch"
    ),
    needs=lambda f: bool(f.trends_terms),
)
