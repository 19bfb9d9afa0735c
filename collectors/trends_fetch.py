"""Google Trends through pytrends 4.9.2: the configured server, each batch's request with bounded retries."""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import pandas as pd
import requests
from pytrends import exceptions as pt_exceptions
from pytrends import request as pt_request
from pytrends.request import TrendReq

from fwpulse.collectors.base import CollectContext
from fwpulse.collectors.errors import FatalSourceError, RetriableError, SkippableError, UnreachableError
from fwpulse.collectors.http import parse_retry_after, unreachable_reason
from fwpulse.collectors.trends_batches import Batch, complete_weeks

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


def fetch_batches(ctx: CollectContext, batches: list[Batch], timeframe: str, geo: str) -> None:
    """Every batch's complete weeks into ``batch.frame``; an empty answer (usually a soft rate
    limit) is a SkippableError, an answer without a term's column a FatalSourceError."""
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
            batch.frame = complete_weeks(df, batch)
