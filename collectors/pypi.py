"""PyPI downloads from pypistats.org.

``GET {pypistats_url}/packages/{pkg}/overall?mirrors=false`` returns the last 180 days of daily
downloads without mirrors. Every run stores each day's value (summed over the framework's
packages) as ``pypi.downloads_daily``; the store is append-only and de-duplicates identical
values, so repeated runs build a history longer than pypistats keeps. Each calendar month fully
covered by the daily data becomes one ``pypi.downloads_monthly`` row dated the first of the month.

Etiquette and limits (pypistats.org, 2026): 5 requests/second and 30/minute per IP, data updated
once a day ("do not fetch the same endpoint more than once a day").
* Requests are paced by a :class:`~collectors.pacing.Pacer` (5 in any second, 30 in any minute;
  with more than 30 packages to ask, also at least 2 s apart), so a registry of 50 packages
  never trips a 429. Retries made by the HTTP client count against the same windows.
* A 429 is retried after its ``Retry-After`` (60 s when it has none); one that persists stops
  the run, keeping every framework already fetched, the rest listed as failures.
* A framework whose packages were all fetched today is not asked again (``--force`` asks).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, Iterable

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.errors import FatalSourceError, RetriableError
from fwpulse.collectors.http import HttpClient
from fwpulse.collectors.pacing import Limit, Pacer
from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

SOURCE_LABEL = "pypistats"
LIMITS = (Limit(5, 1.0), Limit(30, 60.0))  # per IP (psf/pypistats.org #100, January 2026)
SPACED = Limit(1, 2.0)  # "at least 2 s apart when more than 30 packages are asked"
NO_RETRY_AFTER_WAIT = 60.0  # a 429 without Retry-After: wait out the minute window


class UnknownPackage(Exception):
    """pypistats has no rows for the package (HTTP 404)."""


# -- fetch (HTTP only) --------------------------------------------------------------------------


def overall_url(base: str, package: str) -> str:
    return f"{base.rstrip('/')}/packages/{package}/overall"


def make_pacer(http: HttpClient, packages: int) -> Pacer:
    limits = LIMITS + ((SPACED,) if packages > 30 else ())
    return Pacer(limits, clock=http.clock, sleep=http.sleep)


def _wait_429(resp) -> float | None:
    """A 429 without ``Retry-After`` waits a whole minute window (with one, the client honours it)."""
    if resp.status_code == 429 and not resp.headers.get("Retry-After"):
        return NO_RETRY_AFTER_WAIT
    return None


def fetch_overall(http: HttpClient, base: str, package: str, pacer: Pacer | None = None) -> dict[str, Any]:
    """The raw ``overall`` body without mirrors; raises UnknownPackage on 404."""
    if pacer is not None:
        pacer.take()
    before = http.requests
    try:
        resp = http.get(overall_url(base, package), params={"mirrors": "false"}, wait_hint=_wait_429)
    finally:
        if pacer is not None and http.requests - before > 1:
            pacer.note(http.requests - before - 1)  # the client's retries used the same windows
    if resp.status_code == 404:
        raise UnknownPackage(package)
    return http.json_of(resp)


# -- pure row building --------------------------------------------------------------------------


def daily_downloads(body: Any, url: str = "pypistats") -> dict[dt.date, int]:
    """date -> downloads without mirrors from an ``overall`` body; a body of another shape is a
    FatalSourceError naming the URL and what is wrong (never a crash)."""
    out: dict[dt.date, int] = {}
    rows = body.get("data") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise FatalSourceError(f"{url}: unexpected response: no 'data' list (see pypistats.org/api)")
    for i, row in enumerate(rows):
        try:
            if row.get("category", "without_mirrors") != "without_mirrors":
                continue
            day = dt.date.fromisoformat(row["date"])
            downloads = row["downloads"]
            if not isinstance(downloads, int) or isinstance(downloads, bool) or downloads < 0:
                raise ValueError("downloads is not a non-negative integer")
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise FatalSourceError(
                f"{url}: unexpected row {i} in 'data' ({type(exc).__name__}: {str(exc)[:80]})"
            ) from None
        out[day] = out.get(day, 0) + downloads
    return out


def sum_series(series: Iterable[dict[dt.date, int]]) -> dict[dt.date, int]:
    """Sum per date over packages; only dates present for every package are kept."""
    series = list(series)
    if not series:
        return {}
    common = set(series[0])
    for s in series[1:]:
        common &= set(s)
    return {d: sum(s[d] for s in series) for d in sorted(common)}


def complete_months(daily: dict[dt.date, int]) -> dict[dt.date, int]:
    """First-of-month -> total for each calendar month whose every day is in ``daily``."""
    months: dict[dt.date, list[dt.date]] = {}
    for day in daily:
        months.setdefault(day.replace(day=1), []).append(day)
    out = {}
    for first, days in sorted(months.items()):
        if len(set(days)) == calendar.monthrange(first.year, first.month)[1]:
            out[first] = sum(daily[d] for d in days)
    return out


# Short stable methods (a caption prints each once); the packages and the window go to details.
DAILY_METHOD = "pypistats /overall, mirrors excluded, summed over the framework's packages"
MONTHLY_METHOD = "pypistats /overall, mirrors excluded, daily downloads summed over the calendar month"


def build_observations(
    framework: Framework, packages: list[str], daily: dict[dt.date, int], source_url: str
) -> list[Observation]:
    rows = [
        Observation(
            framework.id,
            "pypi.downloads_daily",
            day,
            float(v),
            SOURCE_LABEL,
            DAILY_METHOD,
            source_url,
            details={"packages": list(packages)},
        )
        for day, v in sorted(daily.items())
    ]
    rows += [
        Observation(
            framework.id,
            "pypi.downloads_monthly",
            first,
            float(v),
            SOURCE_LABEL,
            MONTHLY_METHOD,
            source_url,
            details={
                "packages": list(packages),
                "window": f"{first}..{first.replace(day=calendar.monthrange(first.year, first.month)[1])}",
            },
        )
        for first, v in complete_months(daily).items()
    ]
    return rows


# -- collect ------------------------------------------------------------------------------------


def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    base = ctx.settings.pypistats_url
    today = ctx.today.isoformat()
    fetched: dict[str, Any] = dict(ctx.state.get("fetched") or {})  # fw id -> {date, packages}
    todo, fresh = [], []
    for fw in ctx.frameworks:
        seen = fetched.get(fw.id)
        if (
            not ctx.force
            and isinstance(seen, dict)
            and seen.get("date") == today
            and seen.get("packages") == list(fw.pypi)
        ):
            fresh.append(fw.id)
            ctx.progress(fw.id)
        else:
            todo.append(fw)
    pacer = make_pacer(ctx.http, sum(len(fw.pypi) for fw in todo))
    requested = 0
    stopped: str | None = None
    for n, fw in enumerate(todo):
        packages = list(fw.pypi)
        series, missing = [], []
        try:
            for pkg in packages:
                requested += 1
                try:
                    series.append(daily_downloads(fetch_overall(ctx.http, base, pkg, pacer), overall_url(base, pkg)))
                except UnknownPackage:
                    missing.append(pkg)
        except FatalSourceError as exc:  # this framework's answer is unusable; the others may be fine
            result.failures[fw.id] = ctx.http.redact(str(exc))
            ctx.progress(fw.id)
            continue
        except RetriableError as exc:  # rate limited or down: stop, keep what is fetched
            if not result.observations:
                raise
            stopped = ctx.http.redact(str(exc))
            for rest in todo[n:]:
                result.failures[rest.id] = f"not fetched: {stopped}"
            break
        ctx.progress(fw.id)
        if missing:
            result.failures[fw.id] = (
                f"pypistats has no downloads for PyPI package(s) {', '.join(missing)} (HTTP 404); "
                f"check the name on https://pypi.org/project/{missing[0]}/ and fix 'pypi' for {fw.id} "
                f"in {ctx.registry.path}"
            )
            continue
        urls = [f"{overall_url(base, p)}?mirrors=false" for p in packages]
        result.observations += build_observations(fw, packages, sum_series(series), " ; ".join(urls))
        fetched[fw.id] = {"date": today, "packages": packages}
    result.state = {"fetched": fetched}
    return result.finish(
        ctx,
        "pypi",
        stopped,
        packages_requested=requested,
        paced_wait_s=round(pacer.waited, 3),
        limits=[str(limit) for limit in pacer.limits],
        **({"already_fetched_today": fresh} if fresh else {}),
    )


SOURCE = Source(
    name="pypi",
    collect=collect,
    description="PyPI daily downloads without mirrors (pypistats.org, last 180 days) and monthly sums",
    needs=lambda f: bool(f.pypi),
)
