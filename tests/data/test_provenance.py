"""Migration 0004: method text -> short stable method + details + quality, nothing lost, and a
re-run after it stores nothing twice (converted rows compare equal to what collectors write now)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil

import pytest

from fwpulse.collectors import citations, clickpy, gharchive, pypi, stackoverflow, trends
from fwpulse.collectors.github import backfill, counts, star_history
from fwpulse.dashboard.charts.usage import trends_rescaling
from fwpulse.data import db, importer, snapshot, snapshot_extra, store
from fwpulse.data.registry import Framework
from fwpulse.data.settings import MIGRATIONS_DIR, SNAPSHOT_DIR
from fwpulse.data.store import Observation, RunRecord

FEB = dt.date(2026, 2, 1)
T0 = dt.datetime(2026, 9, 5, 6, 0)  # after the snapshot (2026-08-22), as a refresh would be
T1 = dt.datetime(2026, 9, 6, 6, 0)
FW = Framework("mxnet", "MXNet", "#FF6F00")  # not in the snapshot: no date shared with it
GH_URL = "https://api.github.com/repos/tensorflow/tensorflow"


def _v3(tmp_path):
    """A database on schema 3, as fwpulse left it before 0004."""
    old = tmp_path / "migrations_v3"
    old.mkdir()
    for p in sorted(MIGRATIONS_DIR.glob("000[123]_*.sql")):
        shutil.copy(p, old / p.name)
    path = tmp_path / "v3.duckdb"
    con = db.connect(path)
    db.migrate(con, old)
    assert db.schema_version(con) == 3
    return con


def obs_(metric, date, value, source, method, framework="mxnet", **kw):  # noqa: N802
    return Observation(framework, metric, date, float(value), source, method, kw.pop("url", "u"), **kw)


# (old observation as the collectors wrote it before 0004, the same figure as they write it now)
def old_and_new() -> dict[str, tuple[list[Observation], list[Observation]]]:
    cases: dict[str, tuple[list[Observation], list[Observation]]] = {}
    daily = {FEB + dt.timedelta(days=i): 100 + i for i in range(28)}
    cases["pypistats"] = (
        [
            obs_(
                "pypi.downloads_daily",
                d,
                v,
                "pypistats",
                "pypistats /overall daily downloads without mirrors for PyPI "
                "packages tensorflow, tensorflow-cpu (summed)",
            )
            for d, v in daily.items()
        ]
        + [
            obs_(
                "pypi.downloads_monthly",
                FEB,
                sum(daily.values()),
                "pypistats",
                "sum of pypistats daily downloads "
                "without mirrors over the calendar month (PyPI packages tensorflow, tensorflow-cpu)",
            )
        ],
        pypi.build_observations(FW, ["tensorflow", "tensorflow-cpu"], daily, "u"),
    )
    week = dt.date(2026, 1, 4)
    cases["trends"] = (
        [
            obs_(
                "trends.interest",
                week,
                42 * 0.81234567,
                "Google Trends (pytrends)",
                "interest_over_time for 'TensorFlow', today 5-y, batch 2 of 2 with anchor 'Python' x0.8123 (raw 42)",
            ),
            obs_(
                "trends.interest",
                week,
                30,
                "Google Trends (pytrends)",
                "interest_over_time for 'PyTorch', today 5-y, batch 1 of 1, no anchor needed (<= 5 terms, scale 1) (raw 30)",
                framework="pytorch",
            ),
        ],
        [
            obs_(
                "trends.interest",
                week,
                42 * 0.81234567,
                "Google Trends (pytrends)",
                trends.METHOD_ANCHORED,
                details=trends.row_details("TensorFlow", "today 5-y", "", 2, 2, "Python", 0.81234567, 42),
            ),
            obs_(
                "trends.interest",
                week,
                30,
                "Google Trends (pytrends)",
                trends.METHOD_ONE_REQUEST,
                framework="pytorch",
                details=trends.row_details("PyTorch", "today 5-y", "", 1, 1, None, 1.0, 30),
            ),
        ],
    )
    se = "Stack Exchange API"
    cases["stackoverflow"] = (
        [
            obs_(
                "stackoverflow.questions_total",
                dt.date(2026, 3, 5),
                120000,
                se,
                "Stack Exchange /tags/info question count "
                "summed over tags tensorflow, keras (a question with two of these tags counts twice)",
            ),
            obs_(
                "stackoverflow.questions_total",
                dt.date(2026, 3, 5),
                90000,
                se,
                "Stack Exchange /tags/info question count of tag pytorch",
                framework="pytorch",
            ),
            obs_(
                "stackoverflow.questions_monthly",
                FEB,
                60,
                se,
                "Stack Exchange /questions filter=total, tagged tensorflow, "
                "keras, created in the calendar month (UTC) (summed over tags; a question with two of them counts twice)",
            ),
            obs_(
                "stackoverflow.questions_share",
                FEB,
                0.06,
                se,
                "questions tagged tensorflow, keras in the month (summed "
                "over tags; a question with two of them counts twice) divided by all Stack Overflow questions created in "
                "the month (/questions filter=total without tagged), times 100",
            ),
        ],
        [
            obs_("stackoverflow.questions_total", dt.date(2026, 3, 5), 120000, se, stackoverflow.TOTAL_METHOD),
            obs_(
                "stackoverflow.questions_total",
                dt.date(2026, 3, 5),
                90000,
                se,
                stackoverflow.TOTAL_METHOD,
                framework="pytorch",
            ),
            obs_("stackoverflow.questions_monthly", FEB, 60, se, stackoverflow.MONTHLY_METHOD),
            obs_("stackoverflow.questions_share", FEB, 0.06, se, stackoverflow.SHARE_METHOD),
        ],
    )
    works = [
        {
            "cited_by_count": 500,
            "counts_by_year": [{"year": 2025, "cited_by_count": 300}, {"year": 2026, "cited_by_count": 50}],
        }
    ]
    new_cit = citations.build_observations(FW, ["10.1/x"], works, dt.date(2026, 3, 5), "u")
    base = "OpenAlex counts_by_year cited_by_count for DOI 10.1/x (covers the last 10 years)"
    old_cit = [
        obs_(
            "citations.total",
            dt.date(2026, 3, 5),
            500,
            "OpenAlex",
            "OpenAlex cited_by_count for DOI 10.1/x, as of the collection date",
        )
    ]
    for o in new_cit:
        if o.metric == "citations.yearly":
            suffix = (
                "; current year, still counting"
                if o.date.year == 2026
                else ""
                if o.date.year == 2025
                else "; OpenAlex omits years with zero citations, so this missing year is stored as 0"
            )
            old_cit.append(obs_("citations.yearly", o.date, o.value, "OpenAlex", base + suffix))
    cases["citations"] = (old_cit, new_cit)
    rest = "GitHub REST"
    cases["github"] = (
        [
            obs_(
                "github.stars",
                dt.date(2026, 3, 5),
                190000,
                rest,
                "unchanged since last collection (304): values of the previous REST collection",
            ),
            obs_(
                "github.open_prs",
                dt.date(2026, 3, 5),
                300,
                rest,
                "REST search is:pr is:open: total_count (search reported incomplete results)",
            ),
            obs_("github.issues_opened", FEB, 700, rest, "search is:issue created:2026-02-01..2026-02-28 total_count"),
            obs_(
                "github.issues_closed",
                FEB,
                650,
                rest,
                "search is:issue closed:2026-02-01..2026-02-28 total_count (search reported incomplete results)",
            ),
            obs_("github.stars_added", dt.date(2026, 2, 1), 400, rest, star_history.METHOD),
        ],
        [
            obs_(
                "github.stars",
                dt.date(2026, 3, 5),
                190000,
                rest,
                counts.REST_METHODS["github.stars"],
                details=dict(counts.NOT_MODIFIED),
            ),
            obs_(
                "github.open_prs",
                dt.date(2026, 3, 5),
                300,
                rest,
                counts.REST_METHODS["github.open_prs"],
                quality="degraded_source",
            ),
            obs_("github.issues_opened", FEB, 700, rest, backfill.SEARCH_METHODS["github.issues_opened"]),
            obs_(
                "github.issues_closed",
                FEB,
                650,
                rest,
                backfill.SEARCH_METHODS["github.issues_closed"],
                quality="degraded_source",
            ),
            obs_("github.stars_added", dt.date(2026, 2, 1), 400, rest, star_history.METHOD),
        ],
    )
    pk = {"packages": ["tensorflow"]}
    cases["clickhouse"] = (
        [
            obs_(
                "pypi.downloads_daily_all",
                FEB,
                9,
                "clickpy",
                "ClickHouse sum(count) per UTC day over PyPI package "
                "tensorflow: every installer, mirrors and CI included (ClickPy dataset)",
                details=pk,
            ),
            obs_(
                "pypi.downloads_monthly_all",
                FEB,
                99,
                "clickpy",
                "ClickHouse sum of daily downloads over the calendar "
                "month over PyPI package tensorflow: every installer, mirrors and CI included (ClickPy dataset)",
                details=pk,
            ),
            obs_(
                "pypi.dependents_monthly",
                FEB,
                7,
                "clickpy",
                "distinct PyPI projects (other than tensorflow) uploading a "
                "file in the month whose requires_dist names tensorflow (PEP 503 names; extras and markers included)",
            ),
            obs_(
                "gharchive.stars_given",
                FEB,
                3000,
                "gharchive",
                "GH Archive WatchEvent (action started) events per "
                "calendar month for tensorflow/tensorflow (ClickHouse github.github_events)",
                quality="lower_bound",
            ),
            obs_(
                "gharchive.prs_merged",
                FEB,
                800,
                "gharchive",
                "GH Archive PullRequestEvent action closed with merged = 1 "
                "events per calendar month for jax-ml/jax + google/jax (ClickHouse github.github_events)",
                framework="jax",
            ),
        ],
        [
            obs_("pypi.downloads_daily_all", FEB, 9, "clickpy", clickpy.DAILY_METHOD),
            obs_("pypi.downloads_monthly_all", FEB, 99, "clickpy", clickpy.MONTHLY_METHOD),
            obs_("pypi.dependents_monthly", FEB, 7, "clickpy", clickpy.DEPENDENTS_METHOD),
            obs_(
                "gharchive.stars_given", FEB, 3000, "gharchive", gharchive.METHODS["stars_given"], quality="lower_bound"
            ),
            obs_("gharchive.prs_merged", FEB, 800, "gharchive", gharchive.METHODS["prs_merged"], framework="jax"),
        ],
    )
    cases["import"] = (
        [obs_("manual.users", FEB, 5, "example.org", "figure imported with fwpulse import from figures.csv")],
        [obs_("manual.users", FEB, 5, "example.org", importer.IMPORT_METHOD)],
    )
    return cases


def _old_snapshot() -> list[Observation]:
    """The bundled snapshot as the loader wrote it before 0004 (old files only, old methods, no flags)."""

    def rows(name):
        with open(SNAPSHOT_DIR / name, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    def old_pypi_method(r):
        who = "pip installs only" if r["installers"] == "pip_only" else "all installers"
        window = (
            f"calendar month {r['period_start']}..{r['period_end']}"
            if r["period_start"]
            else f"{r['window_days']} days up to {r['as_of']}"
        )
        engine = "BigQuery via pypinfo" if r["source"] == "bigquery_pypinfo" else "ClickHouse pypi_downloads_per_month"
        return f"hugovk/top-pypi-packages monthly snapshot: {window}, {who} ({engine})"

    out = [o for o in snapshot.github_observations(rows("github_stats_monthly.csv"))]
    out += [
        Observation(o.framework, o.metric, o.date, o.value, o.source, old_pypi_method(r), o.source_url, o.note)
        for o, r in zip(
            snapshot.pypi_observations(rows("pypi_downloads_monthly.csv")), rows("pypi_downloads_monthly.csv")
        )
    ]
    out += [
        Observation(o.framework, o.metric, o.date, o.value, o.source, o.method, o.source_url, o.note)
        for o in snapshot.git_observations(rows("git_monthly.csv"))
    ]
    for o in snapshot.point_observations(rows("point_figures.csv")):
        n = (o.note or "").lower()
        approx = "approx" in n or "less than" in n or "nearly" in n
        out.append(
            Observation(
                o.framework,
                o.metric,
                o.date,
                o.value,
                o.source,
                "article figure, approximate" if approx else "figure quoted by a dated page or report",
                o.source_url,
                o.note,
            )
        )
    return out


@pytest.fixture
def migrated(tmp_path):
    con = _v3(tmp_path)
    store.record_run(con, RunRecord("snapshot", started_at=snapshot.SNAPSHOT_COLLECTED_AT), _old_snapshot())
    for name, (old, _) in old_and_new().items():
        store.record_run(con, RunRecord(name, started_at=T0), old)
    before = con.execute("""SELECT framework, metric, date, value, source, collected_at, run_id
                            FROM observations ORDER BY ALL""").fetchall()
    old_methods = {
        (f, m, d, r): meth
        for f, m, d, r, meth in con.execute(
            "SELECT framework, metric, date, run_id, method FROM observations"
        ).fetchall()
    }
    assert db.migrate(con) == [4, 5]  # 0005 only flags the 2020 article's rows (tested in test_article_flag.py)
    yield con, before, old_methods
    con.close()


def test_nothing_lost_and_old_text_kept(migrated):
    con, before, old_methods = migrated
    after = con.execute("""SELECT framework, metric, date, value, source, collected_at, run_id
                           FROM observations ORDER BY ALL""").fetchall()
    assert after == before  # no row added, removed or moved
    rows = con.execute("SELECT framework, metric, date, run_id, method, details FROM observations").fetchall()
    kept = set()
    for f, m, d, r, method, details in rows:
        old = old_methods[(f, m, d, r)]
        if method != old:
            assert json.loads(details)["method_before_0004"] == old, (f, m, d)
        else:
            kept.add(method)
    # only methods that were already short and stable stay as they were
    assert kept == {snapshot.EVANLI, snapshot.GIT_METHOD, snapshot.POINT_METHOD, star_history.METHOD}


def test_converted_rows_are_short_methods_with_details_and_flags(migrated):
    con, *_ = migrated

    def row(fid, metric, date):
        m, q, d = con.execute(
            "SELECT method, quality, details FROM metric_values WHERE framework = ? AND metric = ? AND date = ?",
            [fid, metric, date],
        ).fetchall()[0]
        return m, q, json.loads(d) if d else {}

    m, q, d = row("mxnet", "trends.interest", dt.date(2026, 1, 4))
    assert m == trends.METHOD_ANCHORED and q == "ok"
    assert (d["term"], d["timeframe"], d["batch"], d["batches"], d["anchor"], d["raw"]) == (
        "TensorFlow",
        "today 5-y",
        2,
        2,
        "Python",
        42,
    )
    assert d["scale"] == pytest.approx(0.81234567)  # exact: value / raw, not the 4 digits
    m, q, d = row("pytorch", "trends.interest", dt.date(2026, 1, 4))
    assert m == trends.METHOD_ONE_REQUEST and d["scale"] == 1.0 and "anchor" not in d
    m, q, d = row("mxnet", "pypi.downloads_monthly", FEB)
    assert m == pypi.MONTHLY_METHOD and d["packages"] == ["tensorflow", "tensorflow-cpu"]
    assert d["window"] == "2026-02-01..2026-02-28"
    m, q, d = row("mxnet", "stackoverflow.questions_monthly", FEB)
    assert d["tags"] == ["tensorflow", "keras"] and (d["fromdate"], d["todate"]) == (1769904000, 1772323199)
    assert row("pytorch", "stackoverflow.questions_total", dt.date(2026, 3, 5))[2]["tags"] == ["pytorch"]
    m, q, d = row("mxnet", "citations.yearly", dt.date(2026, 1, 1))
    assert (m, q, d["dois"], d["reason"]) == (
        citations.YEARLY_METHOD,
        "partial_period",
        ["10.1/x"],
        citations.CURRENT_YEAR,
    )
    assert row("mxnet", "citations.yearly", dt.date(2021, 1, 1))[2]["zero_filled"] is True
    assert row("mxnet", "github.stars", dt.date(2026, 3, 5))[2]["not_modified"] is True
    assert row("mxnet", "github.issues_closed", FEB)[1:] == (
        "degraded_source",
        {
            "window": "2026-02-01..2026-02-28",
            "incomplete_results": True,
            "reason": "GitHub search reported incomplete results",
            "method_before_0004": "search is:issue closed:2026-02-01..2026-02-28 total_count "
            "(search reported incomplete results)",
        },
    )
    assert row("jax", "gharchive.prs_merged", FEB)[2]["dataset"] == "github.github_events"
    assert row("mxnet", "manual.users", FEB)[2]["file"] == "figures.csv"
    # the snapshot's known cases, flagged in a database built before they were
    assert row("jax", "git.commits_monthly", dt.date(2026, 8, 1))[1:] == (
        "partial_period",
        {
            "repo": "jax-ml/jax",
            "period_end": "2026-08-08",
            "reason": "the month ends at the newest commit processed (2026-08-08)",
        },
    )
    assert row("pytorch", "manual.stackoverflow_questions", dt.date(2020, 10, 1))[1:] == (
        "upper_bound",
        {**row("pytorch", "manual.stackoverflow_questions", dt.date(2020, 10, 1))[2], "quoted": "less than 9,000"},
    )
    assert row("keras", "manual.stackoverflow_questions_asked_in_year", dt.date(2020, 6, 12))[1] == "partial_period"
    assert row("pytorch", "pypi.downloads_monthly", dt.date(2018, 2, 10))[1] == "degraded_source"


def test_rerun_after_migration_stores_nothing_twice(migrated):
    con, *_ = migrated
    n = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    for name, (_, new) in old_and_new().items():
        res = store.record_run(con, RunRecord(name, started_at=T1), new)
        assert (res.rows_written, res.rows_unchanged) == (0, len(new)), name
    # and the snapshot loader: the old files' rows compare equal; only the new files' rows are added
    res = store.record_run(
        con, RunRecord("snapshot", started_at=snapshot.SNAPSHOT_COLLECTED_AT), snapshot.snapshot_observations()
    )
    added = 268 * 3 + 25 + 182 * 2 + 199 + 35 * 3  # best-of, Stack Overflow, He's conference counts
    assert res.rows_written == added
    assert con.execute("SELECT count(*) FROM observations").fetchall()[0][0] == n + added
    methods = {r[0] for r in con.execute("SELECT DISTINCT method FROM metric_values").fetchall()}
    assert not any(
        (
            "(raw " in m
            or " for DOI " in m
            or "tagged tensorflow" in m
            or re.search(r"\d days up to", m)
            or "from figures.csv" in m
        )
        for m in methods
    )


def test_a_changed_value_is_still_stored(migrated):
    con, *_ = migrated
    _, new = old_and_new()["stackoverflow"]
    changed = [
        Observation(o.framework, o.metric, o.date, o.value + 1, o.source, o.method, o.source_url, details=o.details)
        for o in new
    ]
    assert store.record_run(con, RunRecord("stackoverflow", started_at=T1), changed).rows_written == len(new)


def test_trends_rescaling_table_reads_details_not_method(migrated):
    con, *_ = migrated
    values = con.execute("SELECT * FROM metric_values WHERE metric = 'trends.interest'").df()
    table = trends_rescaling(values).set_index("framework")
    assert table.loc["mxnet", "batch"] == "2 of 2" and table.loc["mxnet", "anchor"] == "Python"
    assert table.loc["mxnet", "scale"] == pytest.approx(0.81234567)
    assert table.loc["mxnet", "raw (newest)"] == 42
    assert table.loc["pytorch", "anchor"] == "(none: <= 5 terms)" and table.loc["pytorch", "batch"] == "1 of 1"
    # method text carries nothing the table needs
    values["method"] = "x"
    assert trends_rescaling(values).equals(
        trends_rescaling(con.execute("SELECT * FROM metric_values WHERE metric = 'trends.interest'").df())
    )
    values["details"] = None
    assert set(trends_rescaling(values)["batch"]) == {"unknown"}


def test_snapshot_site_rows_are_not_a_framework():
    site = [o for o in snapshot.snapshot_observations() if o.metric == "stackoverflow.questions_monthly_site"]
    assert {o.framework for o in site} == {snapshot_extra.SITE_FRAMEWORK} == {stackoverflow.SITE_FRAMEWORK}
