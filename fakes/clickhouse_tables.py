"""The public ClickHouse datasets' tables on a chDB engine, filled with SYNTHETIC rows, as the playground defines them.

Schemas from the dataset owners' own definitions (shared/api-samples/clickhouse/README.md, CORRECTED
2026-12; ClickHouse/clickpy ``scripts/create_tables.sh``):
- ``pypi.pypi_downloads_per_day`` SummingMergeTree ORDER BY (project, date), loaded in two inserts so
  unmerged rows of one key exist (only ``sum(count)`` is right);
- ``pypi.projects`` (one row per uploaded release file; there is no ``pypi.packages``);
- ``github.github_events`` MergeTree ORDER BY ``(repo_id, event_type, created_at)``: a filter on
  ``repo_name`` can use no index. The table is PADDED with other repositories' events
  (:func:`pad_events`) so a whole-table read passes the fake's read cap, as one passes the
  playground's 10-billion-row cap on its 10.5 billion rows;
- ``github.repo_name_to_id`` ReplacingMergeTree ORDER BY repo_name, filled by the same materialized
  view as on the server (``SELECT repo_name, any(repo_id) ... GROUP BY repo_name`` over every insert);
- PullRequestEvent rows created from 2025-10-07 on have ``merged = 0``: GitHub's payloads lost the
  field and the playground's loader maps the missing value to the column default.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable

EVENT_TYPES = (
    "'CommitCommentEvent'=1, 'CreateEvent'=2, 'DeleteEvent'=3, 'ForkEvent'=4, 'GollumEvent'=5, "
    "'IssueCommentEvent'=6, 'IssuesEvent'=7, 'MemberEvent'=8, 'PublicEvent'=9, 'PullRequestEvent'=10, "
    "'PullRequestReviewCommentEvent'=11, 'PushEvent'=12, 'ReleaseEvent'=13, 'SponsorshipEvent'=14, "
    "'WatchEvent'=15, 'GistEvent'=16, 'FollowEvent'=17, 'DownloadEvent'=18, 'PullRequestReviewEvent'=19, "
    "'ForkApplyEvent'=20, 'Event'=21, 'TeamAddEvent'=22"
)
ACTIONS = (
    "'none'=0, 'created'=1, 'added'=2, 'edited'=3, 'deleted'=4, 'opened'=5, 'closed'=6, 'reopened'=7, "
    "'assigned'=8, 'unassigned'=9, 'labeled'=10, 'unlabeled'=11, 'review_requested'=12, "
    "'review_request_removed'=13, 'synchronize'=14, 'started'=15, 'published'=16, 'update'=17, "
    "'create'=18, 'fork'=19, 'merged'=20"
)
# GitHub's PullRequestEvent payloads carry no `merged` from about this day (README: CORRECTED 2026-12).
MERGED_FIELD_GONE = dt.datetime(2025, 10, 7)

SCHEMA = [
    "CREATE DATABASE {pypi}",
    "CREATE DATABASE {github}",
    "CREATE TABLE {pypi}.pypi_downloads_per_day (date Date, project String, count Int64) "
    "ENGINE = SummingMergeTree ORDER BY (project, date)",
    "CREATE TABLE {pypi}.{metadata} (name String, version String, requires_dist Array(String), "
    "upload_time DateTime64(3), summary String, classifiers Array(String)) ENGINE = MergeTree ORDER BY name",
    f"CREATE TABLE {{github}}.github_events (event_type Enum8({EVENT_TYPES}), action Enum8({ACTIONS}), "
    "repo_name LowCardinality(String), repo_id LowCardinality(String), actor_login LowCardinality(String), "
    "created_at DateTime, number UInt32, merged UInt8, file_time DateTime) "
    "ENGINE = MergeTree ORDER BY (repo_id, event_type, created_at)",
    "CREATE TABLE {github}.repo_name_to_id (repo_name String, repo_id String) ENGINE = ReplacingMergeTree ORDER BY repo_name",
    "CREATE MATERIALIZED VIEW {github}.repo_name_to_id_mv TO {github}.repo_name_to_id (repo_name String, repo_id String) "
    "AS SELECT repo_name, any(repo_id) AS repo_id FROM {github}.github_events GROUP BY repo_name",
]


@dataclass
class Synthetic:
    """SYNTHETIC rows for the fake (invented values, real shapes)."""

    downloads: list[tuple[dt.date, str, int]] = field(default_factory=list)  # (date, project, count)
    packages: list[tuple[str, str, list[str], dt.datetime]] = field(
        default_factory=list
    )  # name, version, requires_dist, upload_time
    events: list[tuple[str, str, str, dt.datetime, int]] = field(
        default_factory=list
    )  # type, action, repo name at event time, created_at, merged
    # repo name -> GitHub's repository id (text); a renamed repository's names share one id.
    # Names not listed get an id of their own (a stable number from the name).
    repo_ids: dict[str, str] = field(default_factory=dict)

    def repo_id(self, name: str) -> str:
        return self.repo_ids.get(name) or str(2_000_000_000 + zlib.crc32(name.encode()) % 7_000_000_000)


def _json_lines(rows: Iterable[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(r, default=str) for r in rows)


def create(engine, metadata_table: str | None, pypi_db: str, github_db: str) -> None:
    """Drop and create the databases and tables (chDB keeps one engine per process)."""
    for db in ("pypi", "github", pypi_db, github_db):
        engine.query(f"DROP DATABASE IF EXISTS {db}")
    for stmt in SCHEMA:
        if "{metadata}" in stmt and metadata_table is None:
            continue
        engine.query(stmt.format(pypi=pypi_db, github=github_db, metadata=metadata_table))


def load(engine, data: Synthetic, metadata_table: str | None, pypi_db: str, github_db: str) -> None:
    # Two inserts: a SummingMergeTree holds unmerged parts, so only sum(count) is right.
    half = len(data.downloads) // 2
    for part in (data.downloads[:half], data.downloads[half:]):
        if part:
            engine.query(
                f"INSERT INTO {pypi_db}.pypi_downloads_per_day FORMAT JSONEachRow\n"
                + _json_lines({"date": day.isoformat(), "project": p, "count": c} for day, p, c in part)
            )
    if data.packages and metadata_table:
        engine.query(
            f"INSERT INTO {pypi_db}.{metadata_table} FORMAT JSONEachRow\n"
            + _json_lines(
                {
                    "name": n,
                    "version": v,
                    "requires_dist": req,
                    "upload_time": t.strftime("%Y-%m-%d %H:%M:%S"),
                    "summary": "synthetic",
                    "classifiers": [],
                }
                for n, v, req, t in data.packages
            )
        )
    if data.events:
        engine.query(
            f"INSERT INTO {github_db}.github_events FORMAT JSONEachRow\n"
            + _json_lines(
                {
                    "event_type": et,
                    "action": act,
                    "repo_name": repo,
                    "repo_id": data.repo_id(repo),
                    "actor_login": f"user{i % 7}",
                    "created_at": t.strftime("%Y-%m-%d %H:%M:%S"),
                    "number": i % 5000,
                    "merged": merged if (et != "PullRequestEvent" or t < MERGED_FIELD_GONE) else 0,
                    "file_time": t.strftime("%Y-%m-%d %H:00:00"),
                }
                for i, (et, act, repo, t, merged) in enumerate(data.events)
            )
        )


def pad_events(engine, github_db: str, rows: int) -> None:
    """``rows`` SYNTHETIC events of 20,000 other repositories, spread over 2015-2025, so a query that cannot
    use the ``repo_id`` index reads past the read cap. Their ids (``10000xxxxx``) sort before the tests' ids
    (which start with other digits), so a read cut by the cap stops before the tracked repositories."""
    if rows <= 0:
        return
    engine.query(f"""
        INSERT INTO {github_db}.github_events
        SELECT ['WatchEvent','ForkEvent','IssuesEvent','PullRequestEvent','PushEvent'][number % 5 + 1] AS event_type,
               ['started','none','opened','closed','none'][number % 5 + 1] AS action,
               concat('padding/repo', toString(number % 20000)) AS repo_name,
               toString(1000000000 + number % 20000) AS repo_id,
               concat('user', toString(number % 97)) AS actor_login,
               toDateTime('2015-01-01 00:00:00') + (number * 7919) % 340000000 AS created_at,
               toUInt32(number % 9000) AS number, toUInt8(0) AS merged,
               toDateTime('2015-01-01 00:00:00') AS file_time
        FROM numbers({int(rows)})""")


def count_rows(engine, table: str) -> int:
    return int(engine.query(f"SELECT count() FROM {table}", "CSV").bytes().decode().strip())
