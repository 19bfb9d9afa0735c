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

from typing import Any
from urllib.parse import quote

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.trends_batches import plan_batches, rescale
from fwpulse.collectors.trends_fetch import fetch_batches
from fwpulse.data.store import Observation

METRIC = "trends.interest"
SOURCE_LABEL = "Google Trends (pytrends)"
DEFAULT_ANCHOR = "Python"
DEFAULT_TIMEFRAME = "today 5-y"


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

    fetch_batches(ctx, batches, timeframe, geo)
    weeks = rescale(batches, anchor, anchored, timeframe)

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

    if no_data:
        ctx.log.warning("trends: no data for %s", ", ".join(repr(t) for t in no_data))
    return result.finish(
        ctx,
        "trends",
        timeframe=timeframe,
        geo=geo,
        anchor=anchor if anchored else None,
        reference_anchor_mean=batches[0].anchor_mean,
        weeks_for_anchor_mean=[str(weeks[0]), str(weeks[-1]), len(weeks)] if weeks else [],
        batches=[
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
        **({"no_data": no_data} if no_data else {}),
        **({"weeks_without_data_skipped": weeks_without} if weeks_without else {}),
    )


SOURCE = Source(
    name="trends",
    collect=collect,
    description=(
        "Google Trends weekly search interest (0-100) per framework via pytrends; more than five terms "
        "are fetched in batches around an anchor term and rescaled to the first batch"
    ),
    needs=lambda f: bool(f.trends_terms),
)
