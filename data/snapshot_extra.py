"""The snapshot's secondary series: best-of-ml-python GitHub counts, Stack Overflow questions per month.

Added 2026-11-30 (see data/snapshot/SOURCES.md):

* ``github_stats_bestof_monthly.csv`` -> ``bestof.stars`` / ``bestof.forks`` / ``bestof.open_issues``
  for every framework and month, and ``github.stars`` for JAX after its EvanLi series ends
  (2024-04): the only JAX stars after that, joined to EvanLi with the join marked in ``details``
  and a source and method of its own.
* ``stackoverflow_questions_monthly.csv`` -> ``stackoverflow.questions_monthly`` per tag
  (2013-12..2019-12), ``stackoverflow.questions_monthly_site`` (framework ``_all``: all new
  questions on the site, 2008-07..2025-01, the last month partial) and
  ``stackoverflow.questions_share`` derived from the two where both exist, flagged
  ``approximate`` because they come from snapshots taken about five years apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fwpulse.data import catalog
from fwpulse.data.snapshot_rows import framework_id, parse_date, row_observation
from fwpulse.data.store import Observation

SITE_FRAMEWORK = catalog.SITE  # site-wide rows: not a framework

BESTOF_SOURCE = "best-of-ml-python"
BESTOF_METHOD = (
    "monthly GitHub snapshot from best-of-ml-python weekly history (earliest file of the month; "
    "the higher of GitHub GraphQL and libraries.io)"
)
JOIN_METHOD = (
    "best-of-ml-python weekly history (earliest file of the month), joined after the EvanLi/Github-Ranking series ends"
)
# best-of keeps the higher of two sources; SOURCES.md: forks and open issues alternate between them and stay
# frozen for weeks, and TensorFlow stars run 1.8k-2.8k above GitHub's own count (EvanLi) from 2021-01.
BESTOF_UNRELIABLE = (
    "best-of keeps the higher of GitHub and libraries.io; forks and open issues stay frozen for weeks "
    "and jump between the two sources (treat as indicative only)"
)
TF_STAR_OFFSET = (
    "TensorFlow stars here run about 1.8k-2.8k above GitHub's own count (EvanLi, same days) from "
    "2021-01: best-of keeps the higher of GitHub and libraries.io"
)
TF_OFFSET_FROM = dt.date(2021, 1, 1)

SO_TAG_SOURCE = "Kaggle stackindex"
SO_TAG_METHOD = "monthly questions per tag from the Kaggle dataset stackindex (collection method undocumented)"
SO_SITE_SOURCE = "Stack Exchange Data Explorer"
SO_SITE_METHOD = "SEDE query: new questions per month on the whole site, counting questions not deleted when it ran"
SO_SHARE_SOURCE = "Kaggle stackindex / Stack Exchange Data Explorer"
SO_SHARE_METHOD = (
    "questions with the tag in the month (Kaggle stackindex) / all new questions in the month (SEDE) "
    "x 100, two snapshots about five years apart"
)
SO_TAG_SNAPSHOT = "Kaggle stackindex (undated; monthly counts to 2019-12)"
SO_SITE_SNAPSHOT = "SEDE query run in early January 2025 (non-deleted questions only)"
SO_SITE_PARTIAL = {dt.date(2025, 1, 1): "the query ran early in January 2025, so the month is incomplete"}
SO_PRIVATE_BETA = {dt.date(2008, 7, 1), dt.date(2008, 8, 1)}


def bestof_observations(rows: list[dict[str, str]], evanli_rows: list[dict[str, str]]) -> list[Observation]:
    """All best-of rows as ``bestof.*``; ``github.stars`` for a framework whose EvanLi series ends
    before the others' (JAX), from the first best-of month after its last EvanLi month (one row a month)."""
    evanli_last: dict[str, dt.date] = {}
    for r in evanli_rows:
        fid = framework_id(r["framework"])
        evanli_last[fid] = max(evanli_last.get(fid, dt.date.min), parse_date(r["as_of"]))
    newest = max(evanli_last.values(), default=dt.date.min)
    out: list[Observation] = []
    joined_first: dict[str, dt.date] = {}
    for r in sorted(rows, key=lambda r: (r["framework"], r["as_of"])):
        fid, day = framework_id(r["framework"]), parse_date(r["as_of"])
        base: dict[str, Any] = {"repo": r["repo"], "list": r["source_list"], "counts_method": r["counts_method"]}
        for metric, col in (
            ("bestof.stars", "stars"),
            ("bestof.forks", "forks"),
            ("bestof.open_issues", "open_issues"),
        ):
            quality, details = "ok", dict(base)
            if metric != "bestof.stars":
                quality, details["reason"] = "degraded_source", BESTOF_UNRELIABLE
            elif fid == "tensorflow" and day >= TF_OFFSET_FROM:
                quality, details["reason"] = "degraded_source", TF_STAR_OFFSET
            out.append(
                row_observation(r, fid, metric, day, float(r[col]), BESTOF_SOURCE, BESTOF_METHOD, quality, details)
            )
        last = evanli_last.get(fid)
        # The join: only where the EvanLi series stops while the others go on (JAX left the ranking).
        if last is not None and last < newest and (day.year, day.month) > (last.year, last.month):
            first = joined_first.setdefault(fid, day)
            details = {
                **base,
                "joined_to": "EvanLi/Github-Ranking",
                "evanli_last": last.isoformat(),
                "join_first": first.isoformat(),
                "join": day == first,
                "reason": (
                    f"EvanLi/Github-Ranking lists {r['framework']} only while it is in its top 100 "
                    f"(last row {last.isoformat()}); from here best-of-ml-python"
                ),
            }
            stars = float(r["stars"])
            out.append(row_observation(r, fid, "github.stars", day, stars, BESTOF_SOURCE, JOIN_METHOD, details=details))
    return out


def stackoverflow_observations(rows: list[dict[str, str]]) -> list[Observation]:
    out: list[Observation] = []
    site: dict[dt.date, float] = {}
    for r in rows:
        if r["metric"] != "questions_total_site":
            continue
        month = parse_date(r["month"])
        site[month] = float(r["questions"])
        quality, details = "ok", {"snapshot": SO_SITE_SNAPSHOT}
        if month in SO_SITE_PARTIAL:
            quality = "partial_period"
            details.update(reason=SO_SITE_PARTIAL[month], period_end="2025-01 (early; day not recorded)")
        elif month in SO_PRIVATE_BETA:
            details["reason"] = "private beta (Stack Overflow opened publicly on 2008-09-15)"
        metric = "stackoverflow.questions_monthly_site"
        out.append(
            row_observation(
                r, SITE_FRAMEWORK, metric, month, site[month], SO_SITE_SOURCE, SO_SITE_METHOD, quality, details
            )
        )
    for r in rows:
        if r["metric"] != "questions_with_tag":
            continue
        fid, month, n = framework_id(r["framework"]), parse_date(r["month"]), float(r["questions"])
        details = {"tags": [r["tag"]], "snapshot": SO_TAG_SNAPSHOT}
        metric = "stackoverflow.questions_monthly"
        out.append(row_observation(r, fid, metric, month, n, SO_TAG_SOURCE, SO_TAG_METHOD, details=details))
        total = site.get(month)
        if total:
            out.append(
                Observation(
                    fid,
                    "stackoverflow.questions_share",
                    month,
                    round(100.0 * n / total, 6),
                    SO_SHARE_SOURCE,
                    SO_SHARE_METHOD,
                    r["source_url"],
                    None,
                    quality="approximate",
                    details={
                        "tags": [r["tag"]],
                        "questions": n,
                        "site_questions": total,
                        "numerator": SO_TAG_SNAPSHOT,
                        "denominator": SO_SITE_SNAPSHOT,
                        "reason": "numerator and denominator come from snapshots about five years apart; "
                        "deleted questions differ between them",
                    },
                )
            )
    return out
