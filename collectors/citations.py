"""Paper citations from OpenAlex.

``GET {openalex_url}/works/doi:{doi}`` (single work, 1 credit), WITHOUT a key. ``cited_by_count`` summed over the framework's DOIs becomes
``citations.total`` dated today; ``counts_by_year`` (last ten years, newest first, years with
zero citations removed by OpenAlex) becomes ``citations.yearly`` dated 1 January, with the
omitted years inside the ten-year window filled with 0. The key never appears in a stored URL,
an error message or a log line.

Keys (2026): a free key is required for list/filter calls; single-work lookups by DOI (the only
call made here) still answer without one, so fwpulse asks without it: OpenAlex documents the key
only as the ``api_key`` QUERY parameter (no header), and keys never go into URLs by default. Only
when OpenAlex refuses a keyless lookup (401/403) and ``OPENALEX_API_KEY`` is set is that one
lookup repeated with the key (redacted from every message and log line). A 401/403 that remains
stops the source with one line naming ``OPENALEX_API_KEY`` (not set, or wrong) and what to do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.errors import FatalSourceError
from fwpulse.collectors.http import HttpClient
from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

SOURCE_LABEL = "OpenAlex"
WINDOW_YEARS = 10
SELECT = "id,doi,cited_by_count,counts_by_year"


class UnknownDoi(Exception):
    pass


# -- fetch (HTTP only) --------------------------------------------------------------------------


def work_url(base: str, doi: str) -> str:
    """Public URL of the work (no key)."""
    return f"{base.rstrip('/')}/works/doi:{normalise_doi(doi)}"


def normalise_doi(doi: str) -> str:
    doi = doi.strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    return doi.lower()


def fetch_work(http: HttpClient, base: str, doi: str, api_key: str | None) -> dict[str, Any]:
    resp = http.get(work_url(base, doi), params={"select": SELECT})
    if resp.status_code in (401, 403) and api_key and not any(c in doi for c in ",&"):
        resp = http.get(work_url(base, doi), params={"select": SELECT, "api_key": api_key})  # refused keyless only
    else:
        api_key = None  # not sent: a refusal says "not set"/keyless, never blames a key that was not used
    if resp.status_code == 404:
        raise UnknownDoi(doi)
    if resp.status_code == 403 and any(c in doi for c in ",&"):
        raise UnknownDoi(doi)  # "an illegal ID - such as one containing a , or & - ... 403"
    if resp.status_code in (401, 403):
        raise FatalSourceError(http.redact(auth_message(resp, work_url(base, doi), api_key)))
    return check_work(http.json_of(resp), work_url(base, doi))


def _count(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)


def check_work(work: Any, url: str) -> dict[str, Any]:
    """The fields fwpulse reads, with the documented types; anything else is one line naming the URL."""
    ok = isinstance(work, dict) and _count(work.get("cited_by_count"))
    by_year = work.get("counts_by_year") if ok else None
    ok = ok and (
        by_year is None
        or (
            isinstance(by_year, list)
            and all(
                isinstance(e, dict) and isinstance(e.get("year"), int) and _count(e.get("cited_by_count"))
                for e in by_year
            )
        )
    )
    if not ok:
        raise FatalSourceError(
            f"{url}: unexpected response: cited_by_count / counts_by_year are not the "
            f"documented integers (see openalex/API.md)"
        )
    return work


def auth_message(resp, url: str, api_key: str | None) -> str:
    """One line for a 401/403: name OPENALEX_API_KEY, say whether it is missing or wrong, and the next step."""
    try:
        body = resp.json()
        detail = str(body.get("message") or body.get("error") or "") if isinstance(body, dict) else ""
    except ValueError:
        detail = ""
    detail = " ".join(detail.split())[:160]
    what = f"OpenAlex refused {url} (HTTP {resp.status_code}{': ' + detail if detail else ''})"
    if api_key:
        return (
            f"{what}: OPENALEX_API_KEY is wrong or no longer valid; copy it again from "
            f"https://openalex.org/settings/api, or unset it (single-work DOI lookups answer without a key)"
        )
    return (
        f"{what}: OPENALEX_API_KEY is not set; get a free key at https://openalex.org/settings/api "
        f"and set OPENALEX_API_KEY"
    )


# -- pure row building --------------------------------------------------------------------------


def window(today: dt.date) -> range:
    """The ten calendar years ``counts_by_year`` covers: this year and the nine before."""
    return range(today.year - WINDOW_YEARS + 1, today.year + 1)


def yearly_counts(works: list[dict[str, Any]], today: dt.date) -> tuple[dict[int, int], list[int]]:
    """year -> citations summed over works for every year in the window, and the years that
    no work reported (filled with 0)."""
    years = window(today)
    totals = {y: 0 for y in years}
    reported: set[int] = set()
    for work in works:
        for entry in work.get("counts_by_year") or []:
            year = int(entry["year"])
            if year in totals:
                totals[year] += int(entry.get("cited_by_count") or 0)
                reported.add(year)
    return totals, [y for y in years if y not in reported]


# Short stable methods; the DOIs, the window and a filled-in zero year go to details, the
# current (unfinished) year is quality partial_period.
TOTAL_METHOD = "OpenAlex cited_by_count as of the collection date, summed over the framework's DOIs"
YEARLY_METHOD = "OpenAlex counts_by_year cited_by_count, summed over the framework's DOIs"
ZERO_FILLED = "OpenAlex omits years with zero citations, so this missing year is stored as 0"
CURRENT_YEAR = "current year, still counting"


def build_observations(
    framework: Framework, dois: list[str], works: list[dict[str, Any]], today: dt.date, source_url: str
) -> list[Observation]:
    total = sum(int(w.get("cited_by_count") or 0) for w in works)
    rows = [
        Observation(
            framework.id,
            "citations.total",
            today,
            float(total),
            SOURCE_LABEL,
            TOTAL_METHOD,
            source_url,
            details={"dois": list(dois)},
        )
    ]
    yearly, filled = yearly_counts(works, today)
    for year, value in yearly.items():
        details: dict[str, Any] = {"dois": list(dois), "window_years": WINDOW_YEARS}
        quality = "ok"
        if year in filled:
            details.update(zero_filled=True, reason=ZERO_FILLED)
        elif year == today.year:
            quality, details["reason"], details["period_end"] = "partial_period", CURRENT_YEAR, today.isoformat()
        rows.append(
            Observation(
                framework.id,
                "citations.yearly",
                dt.date(year, 1, 1),
                float(value),
                SOURCE_LABEL,
                YEARLY_METHOD,
                source_url,
                quality=quality,
                details=details,
            )
        )
    return rows


# -- collect ------------------------------------------------------------------------------------


def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    base = ctx.settings.openalex_url
    key = ctx.settings.openalex_api_key
    for fw in ctx.frameworks:
        dois = list(fw.papers)
        works, missing = [], []
        for doi in dois:
            try:
                works.append(fetch_work(ctx.http, base, doi, key))
            except UnknownDoi:
                missing.append(doi)
        ctx.progress(fw.id)
        if missing:
            result.failures[fw.id] = ctx.http.redact(
                f"OpenAlex does not know DOI {', '.join(missing)} (HTTP 404); check it on "
                f"https://doi.org/{missing[0]} and fix 'papers' for {fw.id} in {ctx.registry.path}"
            )
            continue
        url = " ; ".join(work_url(base, d) for d in dois)
        result.observations += build_observations(fw, dois, works, ctx.today, url)
    return result.finish(ctx, "citations", api_key=bool(key))


SOURCE = Source(
    name="citations",
    collect=collect,
    description="Citations of each framework's papers (OpenAlex cited_by_count and counts_by_year)",
    needs=lambda f: bool(f.papers),
)
