"""GitHub activity per repository and month from GH Archive events in ClickHouse (source ``gharchive``).

Two queries for all frameworks. First the repository ids of every name a framework's repository had
(``github`` and the registry's ``github_aliases``) from ``github.repo_name_to_id``, as ClickPy does on
the same server; then, over ``github.github_events`` (one row per public GitHub event since 2011,
sorted by ``(repo_id, event_type, created_at)``), the counts per repository id and month: stars given
(``WatchEvent``), forks (``ForkEvent``), issues opened and closed (``IssuesEvent``), pull requests
opened and merged (``PullRequestEvent``; merged = ``closed`` with ``merged = 1``). Filtering by id
reads only the tracked repositories' part of the table (a filter on names reads all of it and passes
the public server's read cap), and a renamed repository's events all carry its one id. The answer is
one row per repository id with its months in an array (well under the 1,000-row / 10 MB limit).

Quality (shared/api-samples/clickhouse/README.md, CORRECTED 2026-12):
- months from 2025-05 on are LOWER BOUNDS: GitHub's public event feed lost most events from
  2025-05-23 on and collapsed in 2026;
- merged pull requests end with 2025-09: from about 2025-10-07 GitHub's payloads carry no ``merged``
  field and the playground loads it as 0, so no ``gharchive.prs_merged`` is stored from 2025-10 on;
- months of known GH Archive outages (2019-09, 2021-10, 2021-11) are lower bounds too;
- the current month is stored as ``partial_period`` (replaced once the month is over).
Months without any event for the repository are 0 (from the first month with an event).

Incremental: the state keeps, per framework, the last complete month stored and the repository
names it was asked with; later runs ask from the month after it (a new alias asks for all history;
state from an older fwpulse, which filtered by name, counts as none).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.clickhouse import ClickHouse, earliest_start
from fwpulse.collectors.months import add_months, months_between
from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

SOURCE_NAME = "gharchive"
DATASET_START = dt.date(2011, 2, 1)
STATE_VERSION = 2  # 2: events by repository id; state from name filters is collected again
LOWER_BOUND_FROM = dt.date(2025, 5, 1)
LOWER_BOUND_WHY = (
    "GitHub's public event feed lost most events from 2025-05-23 on (GH Archive capture under 20% of stars in 2026)"
)
MERGED_UNTIL = dt.date(2025, 10, 1)  # first month without a meaningful `merged` flag
MERGED_GONE_WHY = (
    "GitHub's event payloads carry no 'merged' field from about 2025-10-07, so GH Archive cannot count merged "
    "pull requests from 2025-10 on"
)
OUTAGE_MONTHS = {
    dt.date(2019, 9, 1): "GH Archive outage 2019-09-12/13 (gharchive.org #222)",
    dt.date(2021, 10, 1): "GH Archive outage 2021-10-22..11-06 (gharchive.org #260)",
    dt.date(2021, 11, 1): "GH Archive outage 2021-10-22..11-06 (gharchive.org #260)",
}

METRICS = {  # answer column -> metric id
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
# Short stable methods; the repository names and ids and the table go to details.
METHODS = {col: f"GH Archive {what} events per calendar month (ClickHouse github_events)" for col, what in WHAT.items()}

IDS_SQL = """
SELECT repo_name, groupUniqArray(repo_id) AS ids
FROM {db:Identifier}.{table:Identifier}
WHERE repo_name IN {names:Array(String)} AND repo_id != ''
GROUP BY repo_name
"""
EVENTS_SQL = """
SELECT repo_id,
       groupArray((month, names, stars_given, forks, issues_opened, issues_closed, prs_opened, prs_merged)) AS months
FROM (
    SELECT repo_id, toStartOfMonth(created_at) AS month, groupUniqArray(repo_name) AS names,
           countIf(event_type = 'WatchEvent' AND action = 'started') AS stars_given,
           countIf(event_type = 'ForkEvent') AS forks,
           countIf(event_type = 'IssuesEvent' AND action = 'opened') AS issues_opened,
           countIf(event_type = 'IssuesEvent' AND action = 'closed') AS issues_closed,
           countIf(event_type = 'PullRequestEvent' AND action = 'opened') AS prs_opened,
           countIf(event_type = 'PullRequestEvent' AND action = 'closed' AND merged = 1) AS prs_merged
    FROM {db:Identifier}.{table:Identifier}
    WHERE repo_id IN {ids:Array(String)}
      AND event_type IN ('WatchEvent', 'ForkEvent', 'IssuesEvent', 'PullRequestEvent')
      AND created_at >= {first:DateTime}
      AND created_at >= {since:Map(String, DateTime)}[repo_id]
    GROUP BY repo_id, month
)
GROUP BY repo_id
"""
MONTH_BYTES = 2 + 6 * 8 + 48  # (Date, names, six UInt64) in an answer row, names estimated


def repos_of(fw: Framework) -> list[str]:
    return list(dict.fromkeys([fw.github, *fw.github_aliases])) if fw.github else []


def quality_of(month: dt.date, current_month: dt.date) -> tuple[str, dict[str, Any]]:
    if month >= current_month:
        return "partial_period", {"lower_bound": month >= LOWER_BOUND_FROM, "why": "the month is not over"}
    if month >= LOWER_BOUND_FROM:
        return "lower_bound", {"why": LOWER_BOUND_WHY}
    if month in OUTAGE_MONTHS:
        return "lower_bound", {"why": OUTAGE_MONTHS[month]}
    return "ok", {}


def no_events_message(names: list[str], table: str) -> str:
    former = f" (nor its former names {', '.join(names[1:])})" if len(names) > 1 else ""
    return (
        f"{names[0]}{former}: no public GitHub events on record ({table} knows no repository id for it), so there "
        "is nothing to count; if the repository had another name before, add it to 'github_aliases'"
    )


def resolve_ids(ch: ClickHouse, repos: dict[str, list[str]]) -> dict[str, list[str]]:
    """Repository name -> its ids (usually one) through the ids table, for every name of ``repos``."""
    names = sorted({n for ns in repos.values() for n in ns})
    table = ch.table("github_database", "repo_ids_table")
    answer = ch.query("GitHub repository ids by name", IDS_SQL, {**table.params(), "names": names})
    return {name: sorted(ids) for name, ids in answer.rows}


def collect(ctx: CollectContext) -> SourceResult:
    result = SourceResult()
    ch = ClickHouse.from_context(ctx)
    settings = ctx.source_settings(SOURCE_NAME)
    dataset_start = dt.date.fromisoformat(str(settings.get("since", DATASET_START.isoformat())))
    stale = ctx.state.get("version") != STATE_VERSION
    stored: dict[str, str] = {} if stale else dict(ctx.state.get("complete_through") or {})
    asked_with: dict[str, list[str]] = dict(ctx.state.get("repos") or {})
    first_month: dict[str, str] = {} if stale else dict(ctx.state.get("first_month") or {})
    current_month = ctx.today.replace(day=1)

    repos = {f.id: repos_of(f) for f in ctx.frameworks if f.github}
    if not repos:  # no repository to ask for
        return result
    ids_of_name = resolve_ids(ch, repos)
    ids: dict[str, list[str]] = {}
    for fid, names in repos.items():
        found = sorted({i for n in names for i in ids_of_name.get(n, [])})
        if found:
            ids[fid] = found
        else:
            result.failures[fid] = no_events_message(
                names, f"{ch.setting('github_database')}.{ch.setting('repo_ids_table')}"
            )
    since_fw: dict[str, dt.date] = {}
    for fid in ids:
        full = ctx.backfill or fid not in stored or sorted(asked_with.get(fid, [])) != sorted(repos[fid])
        since_fw[fid] = dataset_start if full else add_months(dt.date.fromisoformat(stored[fid]), 1)
    since_id = {i: dt.datetime.combine(d, dt.time()) for i, d in earliest_start(ids, since_fw).items()}
    table = ch.table("github_database", "events_table")
    answers = (
        ch.query_since(
            "GitHub events per repository id and month",
            EVENTS_SQL,
            table,
            "ids",
            since_id,
            lambda i: 64 + MONTH_BYTES * len(months_between(since_id[i].date(), current_month)),
            first=min(since_id.values()),  # lets the sort key skip older months on an incremental run
        )
        if since_id
        else []
    )
    counts: dict[str, dict[dt.date, tuple[list[str], dict[str, int]]]] = {}
    for answer in answers:
        for repo_id, months in answer.rows:
            counts[repo_id] = {m[0]: (list(m[1]), dict(zip(METRICS, (int(v) for v in m[2:])))) for m in months}
    source_url = ch.source_url(table)
    new_stored, new_first = dict(stored), dict(first_month)

    for fw in ctx.frameworks:
        if fw.id not in ids:
            continue
        ctx.progress(fw.id)
        names, fw_ids = repos[fw.id], ids[fw.id]
        per_month: dict[dt.date, dict[str, int]] = {}
        seen: dict[dt.date, set[str]] = {}
        for repo_id in fw_ids:
            for month, (month_names, c) in counts.get(repo_id, {}).items():
                if month < since_fw[fw.id]:
                    continue  # another framework shares the repository and asked from earlier
                agg = per_month.setdefault(month, dict.fromkeys(METRICS, 0))
                for k, v in c.items():
                    agg[k] += v
                seen.setdefault(month, set()).update(month_names)
        if since_fw[fw.id] == dataset_start:
            if not per_month:
                result.failures[fw.id] = no_events_message(names, str(table))
                continue
            new_first[fw.id] = min(per_month).isoformat()
        first = dt.date.fromisoformat(new_first[fw.id]) if fw.id in new_first else since_fw[fw.id]
        without_id = [n for n in names if n not in ids_of_name]
        for month in months_between(max(first, since_fw[fw.id]), current_month):
            values = per_month.get(month, dict.fromkeys(METRICS, 0))
            quality, why = quality_of(month, current_month)
            details = {"repos": names, "repo_ids": fw_ids, "dataset": str(table), **why}
            if month in seen:
                details["names_seen"] = sorted(seen[month])
            if without_id:
                details["names_without_id"] = without_id
            for col, metric in METRICS.items():
                if col == "prs_merged" and month >= MERGED_UNTIL:
                    continue  # a structural zero, not a count (MERGED_GONE_WHY)
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

    result.state = {
        "complete_through": new_stored,
        "repos": asked_with,
        "first_month": new_first,
        "version": STATE_VERSION,
    }
    return result.finish(
        ctx,
        SOURCE_NAME,
        **ch.stats.as_details(),
        rows_returned=sum(len(a.rows) for a in answers),
        repo_ids={n: i for n, i in sorted(ids_of_name.items())},
        full_history=sorted(f for f, s in since_fw.items() if s == dataset_start),
        merged_prs_until=(MERGED_UNTIL - dt.timedelta(days=1)).isoformat(),
    )


SOURCE = Source(
    name=SOURCE_NAME,
    collect=collect,
    description="GitHub stars given, forks, issues and pull requests per month since 2011 from GH Archive "
    "events by repository id (ClickHouse); lower bounds from 2025-05, merged PRs until 2025-09",
    needs=lambda f: bool(f.github),
)
