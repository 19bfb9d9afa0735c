"""PyPI downloads from pypistats.org.

``GET {pypistats_url}/packages/{pkg}/overall?mirrors=false`` returns the last 180 days of daily
downloads without mirrors. Every run stores each day's value (summed over the framework's
packages) as ``pypi.downloads_daily``; the store is append-only and de-duplicates identical
values, so repeated runs build a history longer than pypistats keeps. Each calendar month fully
covered by the daily data becomes one ``pypi.downloads_monthly`` row dated the first of the month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, Iterable

from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

from .base import CollectContext, Source, SourceResult
from .http import HttpClient

SOURCE_LABEL = "pypistats"


class UnknownPackage(Exception):
    """pypistats has no rows for the package (HTTP 404)."""


# -- fetch (HTTP only) --------------------------------------------------------------------------

def overall_url(base: str, package: str) -> str:
    return f"{base.rstrip('/')}/packages/{package}/overall"


def fetch_overall(http: HttpClient, base: str, package: str) -> dict[str, Any]:
    """The raw ``overall`` body without mirrors; raises UnknownPackage on 404."""
    resp = http.get(overall_url(base, package), params={"mirrors": "false"})
    if resp.status_code == 404:
        raise UnknownPackage(package)
    return http.json_of(resp)


# -- pure row building --------------------------------------------------------------------------

def daily_downloads(body: dict[str, Any]) -> dict[dt.date, int]:
    """date -> downloads without mirrors from an ``overall`` body."""
    out: dict[dt.date, int] = {}
    for row in body.get("data", []):
        if row.get("category", "without_mirrors") != "without_mirrors":
            continue
        day = dt.date.fromisoformat(row["date"])
        out[day] = out.get(day, 0) + int(row["downloads"])
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


def build_observations(framework: Framework, packages: list[str], daily: dict[dt.date, int],
                       source_url: str) -> list[Observation]:
    names = ", ".join(packages)
    plural = "packages" if len(packages) > 1 else "package"
    daily_method = (f"pypistats /overall daily downloads without mirrors for PyPI {plural} {names}"
                    + (" (summed)" if len(packages) > 1 else ""))
    monthly_method = (f"sum of pypistats daily downloads without mirrors over the calendar month "
                      f"(PyPI {plural} {names})")
    rows = [Observation(framework.id, "pypi.downloads_daily", day, float(v), SOURCE_LABEL, daily_method, source_url)
            for day, v in sorted(daily.items())]
    rows += [Observation(framework.id, "pypi.downloads_monthly", first, float(v), SOURCE_LABEL, monthly_method,
                         source_url) for first, v in complete_months(daily).items()]
    return rows


# -- collect ------------------------------------------------------------------------------------

def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    base = ctx.settings.pypistats_url
    requested = 0
    for fw in ctx.frameworks:
        packages = list(fw.pypi)
        series, missing = [], []
        for pkg in packages:
            try:
                series.append(daily_downloads(fetch_overall(ctx.http, base, pkg)))
            except UnknownPackage:
                missing.append(pkg)
            requested += 1
        ctx.progress(fw.id)
        if missing:
            result.failures[fw.id] = (
                f"pypistats has no downloads for PyPI package(s) {', '.join(missing)} (HTTP 404); "
                f"check the name on https://pypi.org/project/{missing[0]}/ and fix 'pypi' for {fw.id} "
                f"in {ctx.registry.path}")
            continue
        urls = [f"{overall_url(base, p)}?mirrors=false" for p in packages]
        result.observations += build_observations(fw, packages, sum_series(series), " ; ".join(urls))
    result.details["packages_requested"] = requested
    return result


SOURCE = Source(name="pypi", collect=collect,
                description="PyPI daily downloads without mirrors (pypistats.org, last 180 days) and monthly sums",
                needs=lambda f: bool(f.pypi))
