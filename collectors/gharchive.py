"""GitHub activity per repository and month from GH Archive events in ClickHouse (source ``gharchive``).

ONE query for all frameworks over ``github.github_events`` (one row per public GitHub event since
2011), counting per repository name and month: stars given (``WatchEvent``), forks
(``ForkEvent``), issues opened and closed (``IssuesEvent``), pull requests opened and merged
(``PullRequestEvent``; merged = ``closed`` with ``merged = 1``). Events carry the repository's
name AT EVENT TIME, so a framework's former names (registry ``github_aliases``) are counted too
and added to the current name's counts.

Quality (shared/api-samples/clickhouse/README.md):
- months from ``[sources.gharchive] lower_bound_from`` (default 2025-06-01) on are LOWER BOUNDS:
  GitHub's public event firehose degraded from 2025-05/06 and collapsed in 2026;
- months of known GH Archive outages (2019-09, 2021-10, 2021-11) are lower bounds too;
- the current month is stored as ``partial_period`` (replaced once the month is over).
Months without any event for the repository are 0 (from the first month with an event).

Incremental: the state keeps, per framework, the last complete month stored and the repository
names it was asked with; later runs ask from the month after it (a new alias asks for all history).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

from .base import CollectContext, Source, SourceResult
from .clickhouse import ClickHouse, earliest_start
from .months import add_months, months_between

SOURCE_NAME = "gharchive"
DATASET_START = dt.date(2011, 2, 1)
LOWER_BOUND_FROM = dt.date(2025, 6, 1)
OUTAGE_MONTHS = {
    dt.date(2019, 9, 1): "GH Archive outage 2019-09-12/13 (gharchive.org #222)",
    dt.date(2021, 10, 1): "GH Archive outage 2021-10-22..11-06 (gharchive.org #260)",
    dt.date(2021, 11, 1): "GH Archive outage 2021-10-22..11-06 (gharchive.org #260)",
}

METRICS = {  # result column -> metric id
    "stars_given": "gharchive.stars_given",
    "forks": "gharchive.forks",
    "issues_opened": "gharchive.issues_opened",
    "issues_closed": "gharchive.issues_closed",
    "prs_opened": "gharchive.prs_opened",
    "prs_merged": "gharchive.prs_merged",
}
WHAT = {
    "stars_given": "WatchEvent (action started)",
    "forks": "ForkEvent",
    "issues_opened": "IssuesEvent action opened",
    "issues_closed": "IssuesEvent action closed",
    "prs_opened": "PullRequestEvent action opened",
    "prs_merged": "PullRequestEvent action closed with merged = 1",
}
# Short stable methods; the repository names (incl. former ones) and the table go to details.
METHODS = {col: f"GH Archive {what} events per calendar month (ClickHouse github_events)" for col, what in WHAT.items()}

EVENTS_SQL = """
SELECT repo_name, toStartOfMonth(created_at) AS month,
       countIf(event_type = 'WatchEvent' AND action = 'started') AS stars_given,
       countIf(event_type = 'ForkEvent') AS forks,
       countIf(event_type = 'IssuesEvent' AND action = 'opened') AS issues_opened,
       countIf(event_type = 'IssuesEvent' AND action = 'closed') AS issues_closed,
       countIf(event_type = 'PullRequestEvent' AND action = 'opened') AS prs_opened,
       countIf(event_type = 'PullRequestEvent' AND action = 'closed' AND merged = 1) AS prs_merged
FROM {db:Identifier}.{table:Identifier}
WHERE event_type IN ('WatchEvent', 'ForkEvent', 'IssuesEvent', 'PullRequestEvent')
  AND repo_name IN {repos:Array(String)}
  AND created_at >= {since:Map(String, DateTime)}[repo_name]
GROUP BY repo_name, month
ORDER BY repo_name, month
"""


def repos_of(fw: Framework) -> list[str]:
    return list(dict.fromkeys([fw.github, *fw.github_aliases])) if fw.github else []


def quality_of(month: dt.date, current_month: dt.date, lower_bound_from: dt.date) -> tuple[str, dict[str, Any]]:
    if month >= current_month:
        return "partial_period", {"lower_bound": month >= lower_bound_from, "why": "the month is not over"}
    if month >= lower_bound_from:
        return "lower_bound", {
            "why": "GitHub's public event feed lost most events from 2025-05/06 on "
            "(GH Archive capture under 20% of stars in 2026)"
        }
    if month in OUTAGE_MONTHS:
        return "lower_bound", {"why": OUTAGE_MONTHS[month]}
    return "ok", {}


def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    ch = ClickHouse.from_context(ctx)
    settings = ctx.source_settings(SOURCE_NAME)
    dataset_start = dt.date.fromisoformat(str(settings.get("since", DATASET_START.isoformat())))
    lower_bound_from = dt.date.fromisoformat(str(settings.get("lower_bound_from", LOWER_BOUND_FROM.isoformat())))
    stored: dict[str, str] = dict(ctx.state.get("complete_through") or {})
    asked_with: dict[str, list[str]] = dict(ctx.state.get("repos") or {})
    first_month: dict[str, str] = dict(ctx.state.get("first_month") or {})
    current_month = ctx.today.replace(day=1)

    repos = {f.id: repos_of(f) for f in ctx.frameworks if f.github}
    since_fw: dict[str, dt.date] = {}
    for fid, names in repos.items():
        full = ctx.backfill or fid not in stored or sorted(asked_with.get(fid, [])) != sorted(names)
        since_fw[fid] = dataset_start if full else add_months(dt.date.fromisoformat(stored[fid]), 1)
    since_repo = {r: dt.datetime.combine(d, dt.time()) for r, d in earliest_start(repos, since_fw).items()}
    if not since_repo:  # no repository to ask for
        return result
    table = ch.table("github_database", "events_table")
    answer = ch.query_since("GitHub events per repository and month", EVENTS_SQL, table, "repos", since_repo)
    counts: dict[str, dict[dt.date, dict[str, int]]] = {}
    for row in answer.dicts():
        counts.setdefault(row["repo_name"], {})[row["month"]] = {c: int(row[c]) for c in METRICS}
    source_url = ch.source_url(table)
    new_stored, new_first = dict(stored), dict(first_month)

    for fw in ctx.frameworks:
        if fw.id not in repos:
            continue
        ctx.progress(fw.id)
        names = repos[fw.id]
        per_month: dict[dt.date, dict[str, int]] = {}
        by_name: dict[dt.date, dict[str, int]] = {}
        for r in names:
            for month, c in counts.get(r, {}).items():
                if month < since_fw[fw.id]:
                    continue  # another framework shares the repo and asked from earlier
                agg = per_month.setdefault(month, dict.fromkeys(METRICS, 0))
                for k, v in c.items():
                    agg[k] += v
                by_name.setdefault(month, {})[r] = sum(c.values())
        if since_fw[fw.id] == dataset_start:
            if not per_month:
                result.failures[fw.id] = (
                    f"{table} has no events for {', '.join(names)}; check 'github' (and 'github_aliases' for former "
                    f"names) of {fw.id} in {ctx.registry.path}"
                )
                continue
            new_first[fw.id] = min(per_month).isoformat()
        first = dt.date.fromisoformat(new_first[fw.id]) if fw.id in new_first else since_fw[fw.id]
        for month in months_between(max(first, since_fw[fw.id]), current_month):
            values = per_month.get(month, dict.fromkeys(METRICS, 0))
            quality, why = quality_of(month, current_month, lower_bound_from)
            details = {"repos": names, "dataset": str(table), **why}
            if len(names) > 1:
                details["events_by_name"] = by_name.get(month, {})
            for col, metric in METRICS.items():
                result.observations.append(
                    Observation(
                        fw.id,
                        metric,
                        month,
                        float(values[col]),
                        SOURCE_NAME,
                        METHODS[col],
                        source_url,
                        quality=quality,
                        details=details,
                    )
                )
        last_complete = [m for m in months_between(first, current_month) if m < current_month]
        if last_complete:
            new_stored[fw.id] = last_complete[-1].isoformat()
        asked_with[fw.id] = names

    result.state = {"complete_through": new_stored, "repos": asked_with, "first_month": new_first}
    return result.finish(
        ctx,
        SOURCE_NAME,
        **ch.stats.as_details(),
        rows_returned=len(answer.rows),
        full_history=sorted(f for f, s in since_fw.items() if s == dataset_start),
    )


SOURCE = Source(
    name=SOURCE_NAME,
    collect=collect,
    description="GitHub stars given, forks, issues and pull requests per month since 2011 from GH Archive "
    "events (ClickHouse); lower bounds from 2025-06",
    needs=lambda f: bool(f.github),
)
