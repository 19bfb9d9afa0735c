"""The bundled offline dataset (data/snapshot/): the sourced seed CSVs, mapped faithfully onto metric ids.

The CSVs are a verbatim copy of the seed sources (see data/snapshot/SOURCES.md). Every row keeps
its source URL; its ``method`` is a short stable category (one per way of obtaining a figure, so a
caption prints it once), ``details`` holds what varies per row (a window, a package, a tag), and
``quality`` flags what SOURCES.md says about the figure: a partial period, a bounded or rounded
quote, a source that altered its data. Nothing is estimated, interpolated or rescaled; the one
derived series (Stack Overflow share of questions) says how it was derived and is flagged
``approximate``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import duckdb

from fwpulse.data.bench_store import load_bundled as load_bundled_bench
from fwpulse.data.quality import ARTICLE_2020
from fwpulse.data.settings import SNAPSHOT_DIR
from fwpulse.data.snapshot_extra import bestof_observations, stackoverflow_observations
from fwpulse.data.snapshot_research import conference_observations
from fwpulse.data.snapshot_rows import framework_id, parse_date, row_observation
from fwpulse.data.store import Event, Observation, RunRecord, WriteResult, record_run

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
    "github_stats_bestof_monthly.csv": "GitHub stars, forks and open issues per month from best-of-ml-python",
    "stackoverflow_questions_monthly.csv": "Stack Overflow questions per month: per tag, and site-wide",
    "conference_papers_he.csv": "conference papers mentioning PyTorch or TensorFlow (Horace He), 2015-2022",
}

EVANLI = (
    "monthly GitHub snapshot from EvanLi/Github-Ranking (earliest daily file of the month; "
    "values as served by the GitHub API that day)"
)
GIT_METHOD = (
    "git log of the default branch, --no-merges, by author date in UTC; authors = distinct lower-cased author e-mails"
)
# When each processed history ends (SOURCES.md "As of" dates): the month holding it is partial.
GIT_AS_OF = {"keras-team/keras": dt.date(2026, 8, 21), "jax-ml/jax": dt.date(2026, 8, 8)}
# The BigQuery PyPI dataset had a historical bug until July 2018 (SOURCES.md).
PYPI_BIGQUERY_FIXED = dt.date(2018, 8, 1)
POINT_METHOD = "figure quoted by a dated page or report"


def _rows(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def github_observations(rows: list[dict[str, str]]) -> list[Observation]:
    out = []
    for r in rows:
        for metric, col in (
            ("github.stars", "stars"),
            ("github.forks", "forks"),
            ("github.open_issues_incl_prs", "open_issues_incl_prs"),
        ):
            fid, day = framework_id(r["framework"]), parse_date(r["as_of"])
            out.append(row_observation(r, fid, metric, day, float(r[col]), "EvanLi/Github-Ranking", EVANLI))
    return out


def _pypi_method(r: dict[str, str]) -> str:
    """One of four stable categories; the window itself goes to details."""
    who = "pip installs only" if r["installers"] == "pip_only" else "all installers"
    if r["source"] == "bigquery_pypinfo":
        return (
            f"hugovk/top-pypi-packages monthly snapshot: pypinfo on BigQuery, {who}, window of days up to the snapshot"
        )
    return f"hugovk/top-pypi-packages monthly snapshot: ClickHouse pypi_downloads_per_month, {who}, previous calendar month"


def _pypi_details(r: dict[str, str]) -> dict[str, Any]:
    if r["period_start"]:
        window = f"calendar month {r['period_start']}..{r['period_end']}"
    else:
        window = f"{r['window_days']} days up to {r['as_of']}"
    d: dict[str, Any] = {
        "package": r["package"],
        "window": window,
        "window_days": int(r["window_days"]),
        "installers": r["installers"],
        "snapshot": r["as_of"],
    }
    if r["period_start"]:
        d.update(period_start=r["period_start"], period_end=r["period_end"])
    return d


def pypi_observations(rows: list[dict[str, str]]) -> list[Observation]:
    # A rolling window is dated by its last day; a calendar month by its first day.
    out = []
    for r in rows:
        details = _pypi_details(r)
        quality = "ok"
        if r["source"] == "bigquery_pypinfo" and parse_date(r["as_of"]) < PYPI_BIGQUERY_FIXED:
            quality = "degraded_source"
            details["reason"] = "the BigQuery PyPI dataset had a known historical bug until July 2018"
        out.append(
            Observation(
                framework_id(r["framework"]),
                "pypi.downloads_monthly",
                parse_date(r["period_start"] or r["as_of"]),
                float(r["downloads"]),
                "hugovk/top-pypi-packages",
                _pypi_method(r),
                r["source_url"],
                "; ".join(x for x in (f"package {r['package']}", r["note"]) if x),
                quality=quality,
                details=details,
            )
        )
    return out


def git_observations(rows: list[dict[str, str]]) -> list[Observation]:
    out = []
    for r in rows:
        url = f"https://github.com/{r['repo']}"
        month, as_of = parse_date(r["month"]), GIT_AS_OF.get(r["repo"])
        quality, details = "ok", {"repo": r["repo"]}
        if as_of and (month.year, month.month) == (as_of.year, as_of.month):
            quality = "partial_period"
            details.update(
                period_end=as_of.isoformat(),
                reason=f"the month ends at the newest commit processed ({as_of.isoformat()})",
            )
        for metric, col in (("git.commits_monthly", "commits"), ("git.authors_monthly", "authors")):
            out.append(
                Observation(
                    framework_id(r["framework"]),
                    metric,
                    month,
                    float(r[col]),
                    "git history",
                    GIT_METHOD,
                    url,
                    None,
                    quality=quality,
                    details=details,
                )
            )
    return out


# Readable source names for the pages the dated figures come from.
_PAGE_SOURCES = {
    "www.iflexion.com": "Iflexion 'PyTorch vs Keras' (2020)",
    "threader.app": "François Chollet (Twitter thread)",
    "threadreaderapp.com": "François Chollet (Twitter thread)",
    "packtpub.com": "Packt, Deep Learning with TensorFlow 2 and Keras",
    "github.com": "Stanford AI Index 2020",
}


# The page of the 2020 article the dashboard checks: its figures carry details["article"] (data/quality.py).
_ARTICLE_HOSTS = {"www.iflexion.com": ARTICLE_2020}


# The qualifier SOURCES.md puts at the start of a sentence in `note` ("approx", "lower bound (>5000)",
# "upper bound: article says 'less than 9,000'"); point_figures.csv has no structured column for it.
_QUALIFIER = re.compile(r"(?:^|\.\s+)(approx|upper bound|lower bound)\b", re.IGNORECASE)
_QUALITY_OF = {"approx": "approximate", "upper bound": "upper_bound", "lower bound": "lower_bound"}
_QUOTED = re.compile(r"(?:says |\()('[^']+'|[<>~][0-9][0-9,]*)")


def point_quality(r: dict[str, str]) -> tuple[str, dict[str, Any] | None]:
    """A dated figure's quality flag: a year count whose as_of is not 31 Dec covers part of the year;
    a bound or rounding is read from the qualifier that opens a sentence of its note."""
    as_of = parse_date(r["as_of"])
    if r["metric"].endswith("_in_year") and (as_of.month, as_of.day) != (12, 31):
        return "partial_period", {
            "period": str(as_of.year),
            "period_end": as_of.isoformat(),
            "reason": f"the count covers {as_of.year} only up to {as_of.isoformat()}",
        }
    m = _QUALIFIER.search(r["note"] or "")
    if not m:
        return "ok", None
    quality = _QUALITY_OF[m.group(1).lower()]
    details: dict[str, Any] = {"reason": r["note"][m.start(1) :].strip()}
    quoted = _QUOTED.search(r["note"][m.start(1) :])
    if quoted:
        details["quoted"] = quoted.group(1).strip("'")
    return quality, details


def point_observations(rows: list[dict[str, str]]) -> list[Observation]:
    out = []
    for r in rows:
        quality, details = point_quality(r)
        host = r["source_url"].split("/")[2]
        fid, metric, day = framework_id(r["framework"]), f"manual.{r['metric']}", parse_date(r["as_of"])
        source = _PAGE_SOURCES.get(host, host)
        if host in _ARTICLE_HOSTS:
            details = {**(details or {}), "article": _ARTICLE_HOSTS[host]}
        out.append(row_observation(r, fid, metric, day, float(r["value"]), source, POINT_METHOD, quality, details))
    return out


_RELEASE_SOURCES = {
    "pytorch_wiki_release_date": "PyTorch wiki",
    "best_of_latest_stable_release_published_at": "best-of-ml-python",
}


def release_events(rows: list[dict[str, str]]) -> list[Event]:
    return [
        Event(
            framework_id(r["framework"]),
            "release",
            r["tag"],
            parse_date(r["date"]),
            _RELEASE_SOURCES.get(r["date_source"], "git tags"),
            f"stable release, dated by {r['date_source'].replace('_', ' ')}",
            r["is_major"] == "true",
            r["source_url"],
            r["note"] or None,
        )
        for r in rows
    ]


# file -> its rows as observations (releases.csv holds events, loaded by load_snapshot)
LOADERS = {
    "github_stats_monthly.csv": lambda d: github_observations(_rows(d, "github_stats_monthly.csv")),
    "pypi_downloads_monthly.csv": lambda d: pypi_observations(_rows(d, "pypi_downloads_monthly.csv")),
    "git_monthly.csv": lambda d: git_observations(_rows(d, "git_monthly.csv")),
    "point_figures.csv": lambda d: point_observations(_rows(d, "point_figures.csv")),
    "github_stats_bestof_monthly.csv": lambda d: bestof_observations(
        _rows(d, "github_stats_bestof_monthly.csv"), _rows(d, "github_stats_monthly.csv")
    ),
    "stackoverflow_questions_monthly.csv": lambda d: stackoverflow_observations(
        _rows(d, "stackoverflow_questions_monthly.csv")
    ),
    "conference_papers_he.csv": lambda d: conference_observations(_rows(d, "conference_papers_he.csv")),
}


def snapshot_observations(directory: Path = SNAPSHOT_DIR, files=None) -> list[Observation]:
    """Every bundled file's observations (``files``: only those files')."""
    return [o for name, load in LOADERS.items() if files is None or name in files for o in load(directory)]


def loaded_files(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The bundled files a database holds: those its snapshot runs loaded."""
    rows = con.execute("SELECT details FROM runs WHERE source = ?", [SNAPSHOT_SOURCE]).fetchall()
    return {f for (details,) in rows for f in (json.loads(details or "{}").get("files") or [])}


def load_new_files(con: duckdb.DuckDBPyConnection, directory: Path = SNAPSHOT_DIR) -> list[str]:
    """Files added to the bundled snapshot after this database was built: loaded as their own snapshot run
    (a database built by an older fwpulse gets them on the next command). Returns their names."""
    known = loaded_files(con)
    new = sorted(set(LOADERS) - known) if known else []  # a database built without the snapshot stays so
    if new:
        run = RunRecord(
            SNAPSHOT_SOURCE,
            started_at=SNAPSHOT_COLLECTED_AT,
            finished_at=SNAPSHOT_COLLECTED_AT,
            details={"directory": "data/snapshot", "files": new, "added_later": True},
        )
        record_run(con, run, snapshot_observations(directory, set(new)), [])
    return new


def load_snapshot(con: duckdb.DuckDBPyConnection, directory: Path = SNAPSHOT_DIR) -> WriteResult:
    obs = snapshot_observations(directory)
    evs = release_events(_rows(directory, "releases.csv"))
    run = RunRecord(
        SNAPSHOT_SOURCE,
        started_at=SNAPSHOT_COLLECTED_AT,
        finished_at=SNAPSHOT_COLLECTED_AT,
        details={"directory": "data/snapshot", "files": sorted(FILES)},
    )
    result = record_run(con, run, obs, evs)
    bench_dir = directory / "bench"  # measured benchmark results (fwpulse bench JSON files), if bundled
    if bench_dir.is_dir():
        load_bundled_bench(con, bench_dir)
    return result
