"""The bundled offline dataset (data/snapshot/): a verbatim copy of the sourced seed CSVs
(see data/snapshot/SOURCES.md) and its faithful mapping onto metric ids.

Every row keeps its source URL, and its method says how the figure was obtained. Nothing is
estimated, interpolated or rescaled here.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb

from .settings import SNAPSHOT_DIR
from .bench_store import load_bundled as load_bundled_bench
from .store import Event, Observation, RunRecord, WriteResult, record_run

# When the seed sources were read (the newest as-of date in SOURCES.md). Used as collected_at,
# so any live collection is newer and wins in metric_values.
SNAPSHOT_COLLECTED_AT = dt.datetime(2026, 8, 22)
SNAPSHOT_SOURCE = "snapshot"

FILES = {
    "github_stats_monthly.csv": "GitHub stars, forks and open issues incl. PRs per month",
    "pypi_downloads_monthly.csv": "PyPI downloads per month-long window",
    "git_monthly.csv": "commits and authors per month",
    "releases.csv": "release dates",
    "point_figures.csv": "dated figures from articles and reports",
}

EVANLI = ("monthly GitHub snapshot from EvanLi/Github-Ranking (earliest daily file of the month; "
          "values as served by the GitHub API that day)")
GIT_METHOD = ("git log of the default branch, --no-merges, by author date in UTC; authors = distinct "
              "lower-cased author e-mails")


def _rows(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _fw(name: str) -> str:
    return name.strip().lower()


def github_observations(rows: list[dict[str, str]]) -> list[Observation]:
    out = []
    for r in rows:
        for metric, col in (("github.stars", "stars"), ("github.forks", "forks"),
                            ("github.open_issues_incl_prs", "open_issues_incl_prs")):
            out.append(Observation(_fw(r["framework"]), metric, _date(r["as_of"]), float(r[col]),
                                   "EvanLi/Github-Ranking", EVANLI, r["source_url"], r["note"] or None))
    return out


def _pypi_method(r: dict[str, str]) -> str:
    who = "pip installs only" if r["installers"] == "pip_only" else "all installers"
    if r["period_start"]:
        window = f"calendar month {r['period_start']}..{r['period_end']}"
    else:
        window = f"{r['window_days']} days up to {r['as_of']}"
    engine = "BigQuery via pypinfo" if r["source"] == "bigquery_pypinfo" else "ClickHouse pypi_downloads_per_month"
    return f"hugovk/top-pypi-packages monthly snapshot: {window}, {who} ({engine})"


def pypi_observations(rows: list[dict[str, str]]) -> list[Observation]:
    # A rolling window is dated by its last day; a calendar month by its first day.
    return [Observation(_fw(r["framework"]), "pypi.downloads_monthly",
                        _date(r["period_start"] or r["as_of"]), float(r["downloads"]),
                        "hugovk/top-pypi-packages", _pypi_method(r), r["source_url"],
                        "; ".join(x for x in (f"package {r['package']}", r["note"]) if x))
            for r in rows]


def git_observations(rows: list[dict[str, str]]) -> list[Observation]:
    out = []
    for r in rows:
        url = f"https://github.com/{r['repo']}"
        for metric, col in (("git.commits_monthly", "commits"), ("git.authors_monthly", "authors")):
            out.append(Observation(_fw(r["framework"]), metric, _date(r["month"]), float(r[col]),
                                   "git history", GIT_METHOD, url, None))
    return out


# Readable source names for the pages the dated figures come from.
_PAGE_SOURCES = {
    "www.iflexion.com": "Iflexion 'PyTorch vs Keras' (2020)",
    "threader.app": "François Chollet (Twitter thread)",
    "threadreaderapp.com": "François Chollet (Twitter thread)",
    "packtpub.com": "Packt, Deep Learning with TensorFlow 2 and Keras",
    "github.com": "Stanford AI Index 2020",
}


def point_observations(rows: list[dict[str, str]]) -> list[Observation]:
    out = []
    for r in rows:
        note = r["note"] or ""
        approx = "approx" in note.lower() or "less than" in note.lower() or "nearly" in note.lower()
        method = "article figure, approximate" if approx else "figure quoted by a dated page or report"
        out.append(Observation(_fw(r["framework"]), f"manual.{r['metric']}", _date(r["as_of"]), float(r["value"]),
                               _PAGE_SOURCES.get(r["source_url"].split("/")[2], r["source_url"].split("/")[2]), method, r["source_url"], note or None))
    return out


def release_events(rows: list[dict[str, str]]) -> list[Event]:
    return [Event(_fw(r["framework"]), "release", r["tag"], _date(r["date"]),
                  "git tags" if r["date_source"] != "pytorch_wiki_release_date" else "PyTorch wiki",
                  f"stable release, dated by {r['date_source'].replace('_', ' ')}",
                  r["is_major"] == "true", r["source_url"], r["note"] or None)
            for r in rows]


def snapshot_observations(directory: Path = SNAPSHOT_DIR) -> list[Observation]:
    return [*github_observations(_rows(directory, "github_stats_monthly.csv")),
            *pypi_observations(_rows(directory, "pypi_downloads_monthly.csv")),
            *git_observations(_rows(directory, "git_monthly.csv")),
            *point_observations(_rows(directory, "point_figures.csv"))]


def load_snapshot(con: duckdb.DuckDBPyConnection, directory: Path = SNAPSHOT_DIR) -> WriteResult:
    obs = snapshot_observations(directory)
    evs = release_events(_rows(directory, "releases.csv"))
    run = RunRecord(SNAPSHOT_SOURCE, started_at=SNAPSHOT_COLLECTED_AT, finished_at=SNAPSHOT_COLLECTED_AT,
                    details={"directory": "data/snapshot", "files": sorted(FILES)})
    result = record_run(con, run, obs, evs)
    bench_dir = directory / "bench"  # measured benchmark results (fwpulse bench JSON files), if bundled
    if bench_dir.is_dir():
        load_bundled_bench(con, bench_dir)
    return result
