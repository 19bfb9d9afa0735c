"""PyPI downloads per day since 2016 from ClickHouse's ClickPy dataset (source ``clickpy``).

ONE query for all frameworks over ``pypi.pypi_downloads_per_day`` (a SummingMergeTree: always
``sum(count)``), each project from its own start day, summed per framework here. The answer is one row
per project with its days in an array: it fits the public server's 1,000-row / 10 MB limit (ten years
of ~200 projects); past that, as few queries as fit (``clickhouse_answers_split`` in the run ledger).
Every query asks the server to fail rather than cut an answer, so no cut answer is ever stored.

- First run for a framework (or ``--backfill``): from ``[sources.clickpy] since`` (default
  2016-01-01, the dataset's start), so the series starts at the package's first day.
- Later runs: from the first day of the month after which nothing is stored yet, so the month's
  total can be recomputed; the state keeps, per framework, the last complete day stored.
- Completeness: ingestion lags and the newest day is filled while it happens (ClickPy issue #225).
  The newest day present for any project asked (``max(date)``) is the ingestion frontier; only
  days before it (and before today, UTC) are stored. Days without a row had no downloads (0).
- Metrics: ``pypi.downloads_daily_all`` and ``pypi.downloads_monthly_all`` (complete months);
  they count every installer, mirrors and CI included, so they are kept apart from pypistats'
  mirror-free ``pypi.downloads_daily``.
- ``pypi.dependents_monthly`` (with ``[sources.clickpy] dependents = true``, the default): a
  second query over the package metadata table (``pypi.projects``), one row per framework.
- State of an older fwpulse (no :data:`STATE_VERSION`: its answers may have been cut) counts as none.
"""

from __future__ import annotations

import datetime as dt
import re

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.clickhouse import ClickHouse, Table, earliest_start
from fwpulse.collectors.months import daterange, month_end, month_start
from fwpulse.data.store import Observation

SOURCE_NAME = "clickpy"
DATASET_START = dt.date(2016, 1, 1)
STATE_VERSION = 2  # 2: answers asked to fail instead of being cut; older state is collected again

DOWNLOADS_SQL = """
SELECT project, groupArray((date, downloads)) AS days
FROM (
    SELECT project, date, sum(count) AS downloads
    FROM {db:Identifier}.{table:Identifier}
    WHERE project IN {projects:Array(String)}
      AND date >= {since:Map(String, Date)}[project]
      AND date < {until:Date}
    GROUP BY project, date
)
GROUP BY project
"""
DAY_BYTES = 10  # one (Date, Int64) element of an answer row, as the server counts it

# Which frameworks a release depends on: each requires_dist entry's name (what precedes extras,
# specifiers, markers or a URL), PEP 503-normalised, looked up in a package -> framework ids map.
DEPENDENTS_SQL = r"""
SELECT framework, groupArray((month, dependents)) AS months
FROM (
    SELECT framework, month, uniqExact(pkg) AS dependents
    FROM (
        SELECT lower(replaceRegexpAll(name, '[-_.]+', '-')) AS pkg,
               toStartOfMonth(upload_time) AS month,
               arrayJoin(arrayDistinct(arrayFlatten(arrayMap(
                   r -> {framework_of:Map(String, Array(String))}[
                            lower(replaceRegexpAll(extract(r, '^\\s*([A-Za-z0-9][A-Za-z0-9._-]*)'), '[-_.]+', '-'))],
                   requires_dist)))) AS framework
        FROM {db:Identifier}.{table:Identifier}
        WHERE upload_time >= {since:DateTime} AND upload_time < {until:DateTime}
    )
    WHERE NOT has({own:Map(String, Array(String))}[framework], pkg)
      AND month >= {since_of:Map(String, Date)}[framework]
    GROUP BY framework, month
)
GROUP BY framework
"""


def normalise(name: str) -> str:
    """PEP 503 name normalisation (ClickPy stores project names this way)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# -- pure row building --------------------------------------------------------------------------


def framework_daily(
    per_project: dict[str, dict[dt.date, int]], packages: list[str], start: dt.date, last: dt.date
) -> dict[dt.date, int]:
    """Sum over ``packages`` per day from ``start`` (or the first day any package has) to ``last``;
    days without a row are 0."""
    days = [d for p in packages for d in per_project.get(p, {})]
    if not days:
        return {}
    first = max(start, min(days))
    return {d: sum(per_project.get(p, {}).get(d, 0) for p in packages) for d in daterange(first, last)}


def complete_months(daily: dict[dt.date, int], series_first: dt.date | None, last: dt.date) -> dict[dt.date, int]:
    """First-of-month -> total for months that end on or before ``last`` and whose days are all in
    ``daily`` (the month holding the series' first day counts from that day: earlier days had none)."""
    out: dict[dt.date, int] = {}
    if not daily:
        return out
    for first in sorted({month_start(d) for d in daily}):
        end = month_end(first)
        if end > last:
            continue
        begin = max(first, series_first) if series_first and month_start(series_first) == first else first
        days = list(daterange(begin, end))
        if all(d in daily for d in days):
            out[first] = sum(daily[d] for d in days)
    return out


# Short stable methods; the packages, the table and how far the data is complete go to details.
DAILY_METHOD = (
    "ClickPy pypi_downloads_per_day: sum(count) per UTC day over the framework's packages, every "
    "installer, mirrors and CI included"
)
MONTHLY_METHOD = (
    "ClickPy pypi_downloads_per_day summed over the calendar month and the framework's packages, every "
    "installer, mirrors and CI included"
)
DEPENDENTS_METHOD = (
    "distinct PyPI projects (other than the framework's own) uploading a file in the month whose "
    "requires_dist names one of the framework's packages (PEP 503 names; extras and markers included)"
)


# -- collect ------------------------------------------------------------------------------------


def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    ch = ClickHouse.from_context(ctx)
    settings = ctx.source_settings(SOURCE_NAME)
    dataset_start = dt.date.fromisoformat(str(settings.get("since", DATASET_START.isoformat())))
    stored: dict[str, str] = dict(ctx.state.get("complete_through") or {})
    first_days: dict[str, str] = dict(ctx.state.get("first_day") or {})
    today = ctx.today

    packages = {f.id: list(dict.fromkeys(normalise(p) for p in f.pypi)) for f in ctx.frameworks}
    stale = ctx.state.get("version") != STATE_VERSION
    full = {fid for fid in packages if ctx.backfill or stale or fid not in stored}
    since_fw = {
        fid: dataset_start if fid in full else month_start(dt.date.fromisoformat(stored[fid]) + dt.timedelta(days=1))
        for fid in packages
    }
    since_project = earliest_start(packages, since_fw)
    if not since_project:  # no package to ask for
        return result
    table = ch.table("pypi_database", "downloads_table")
    answers = ch.query_since(
        "daily PyPI downloads per project",
        DOWNLOADS_SQL,
        table,
        "projects",
        since_project,
        lambda p: 64 + len(p) + DAY_BYTES * max(0, (today - since_project[p]).days),
        until=today,
    )
    per_project: dict[str, dict[dt.date, int]] = {}
    for answer in answers:
        for project, days in answer.rows:
            per_project[project] = {day: int(n) for day, n in days}
    frontier = max((max(days) for days in per_project.values()), default=None)
    last_complete = min(frontier - dt.timedelta(days=1), today - dt.timedelta(days=1)) if frontier else None
    source_url = ch.source_url(table)
    new_stored, new_first = dict(stored), dict(first_days)

    for fw in ctx.frameworks:
        pkgs = packages[fw.id]
        ctx.progress(fw.id)
        missing = [p for p in pkgs if p not in per_project]
        if fw.id in full and missing:
            result.failures[fw.id] = (
                f"{table} has no downloads for PyPI package(s) {', '.join(missing)}; check the name on "
                f"https://pypi.org/project/{missing[0]}/ and fix 'pypi' for {fw.id} in {ctx.registry.path}"
            )
            continue
        if last_complete is None:
            continue
        daily = framework_daily(per_project, pkgs, since_fw[fw.id], last_complete)
        if not daily:
            continue
        if fw.id in full:
            new_first[fw.id] = min(daily).isoformat()
        series_first = dt.date.fromisoformat(new_first[fw.id]) if fw.id in new_first else None
        details = {"packages": pkgs, "dataset": str(table), "complete_through": last_complete.isoformat()}
        result.observations += [
            Observation(
                fw.id, "pypi.downloads_daily_all", d, float(v), SOURCE_NAME, DAILY_METHOD, source_url, details=details
            )
            for d, v in sorted(daily.items())
        ]
        result.observations += [
            Observation(
                fw.id,
                "pypi.downloads_monthly_all",
                first,
                float(v),
                SOURCE_NAME,
                MONTHLY_METHOD,
                source_url,
                details=details,
            )
            for first, v in complete_months(daily, series_first, last_complete).items()
        ]
        new_stored[fw.id] = last_complete.isoformat()

    result.state = {"complete_through": new_stored, "first_day": new_first, "version": STATE_VERSION}
    if settings.get("dependents", True):  # only frameworks whose packages exist
        _dependents(ctx, ch, {fid: p for fid, p in packages.items() if fid in new_stored}, result, today, stale)

    return result.finish(
        ctx,
        SOURCE_NAME,
        **ch.stats.as_details(),
        ingestion_frontier=frontier.isoformat() if frontier else None,
        rows_returned=sum(len(a.rows) for a in answers),
        full_history=sorted(full),
    )


def _dependents(
    ctx: CollectContext,
    ch: ClickHouse,
    packages: dict[str, list[str]],
    result: SourceResult,
    today: dt.date,
    stale: bool,
) -> None:
    """``pypi.dependents_monthly``: complete months only, one query for all frameworks (each from
    its own month: the state keeps the last month stored per framework; ``stale`` state counts as
    none), answering one row per framework; a project depending on two packages of one framework
    counts once (uniqExact per framework)."""
    done: dict[str, str] = {} if stale else dict(ctx.state.get("dependents_through") or {})
    current_month = month_start(today)
    since_of = {
        fid: DATASET_START
        if (ctx.backfill or fid not in done)
        else dt.date.fromisoformat(done[fid]) + dt.timedelta(days=1)
        for fid in packages
    }
    since_of = {fid: d for fid, d in since_of.items() if d < current_month}
    if not since_of:
        return
    packages = {fid: packages[fid] for fid in since_of}
    since = min(since_of.values())
    framework_of: dict[str, list[str]] = {}
    for fid, pkgs in packages.items():
        for p in pkgs:
            framework_of.setdefault(p, []).append(fid)
    table = Table(ch.setting("pypi_database"), ch.metadata_table())
    answer = ch.query(
        "PyPI dependents per month",
        DEPENDENTS_SQL,
        {
            **table.params(),
            "framework_of": framework_of,
            "own": packages,
            "since_of": since_of,
            "since": dt.datetime.combine(since, dt.time()),
            "until": dt.datetime.combine(current_month, dt.time()),
        },
    )
    found = {fid: {month: int(n) for month, n in months} for fid, months in answer.rows}
    for fid, pkgs in packages.items():
        # Months inside the window without a row had no dependent release: 0 (from the framework's first download month).
        first = ctx.state.get("first_day", {}).get(fid) or result.state.get("first_day", {}).get(fid)
        start = max(since_of[fid], month_start(dt.date.fromisoformat(first))) if first else None
        months = dict(found.get(fid, {}))
        if start:
            m = month_start(start)
            while m < current_month:
                months.setdefault(m, 0)
                m = month_end(m) + dt.timedelta(days=1)
        result.observations += [
            Observation(
                fid,
                "pypi.dependents_monthly",
                m,
                float(n),
                SOURCE_NAME,
                DEPENDENTS_METHOD,
                ch.source_url(table),
                details={"packages": pkgs, "table": str(table)},
            )
            for m, n in sorted(months.items())
        ]
        done[fid] = (current_month - dt.timedelta(days=1)).isoformat()
    result.state["dependents_through"] = done


SOURCE = Source(
    name=SOURCE_NAME,
    collect=collect,
    description="PyPI downloads per day since 2016, all installers incl. mirrors and CI (ClickHouse ClickPy), "
    "monthly sums and monthly dependents",
    needs=lambda f: bool(f.pypi),
)
