"""The bundled dataset lands in the DB row for row, with source and method on every row."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from fwpulse.data import db, read, snapshot, snapshot_extra
from fwpulse.data.settings import SNAPSHOT_DIR


def csv_rows(name: str) -> list[dict[str, str]]:
    with open(SNAPSHOT_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_snapshot_files_are_the_seed_files():
    # counts documented in data/snapshot/SOURCES.md
    assert len(csv_rows("github_stats_monthly.csv")) == 309
    assert len(csv_rows("pypi_downloads_monthly.csv")) == 365
    assert len(csv_rows("git_monthly.csv")) == 232
    assert len(csv_rows("releases.csv")) == 321
    assert len(csv_rows("point_figures.csv")) == 30
    assert len(csv_rows("github_stats_bestof_monthly.csv")) == 268
    assert len(csv_rows("stackoverflow_questions_monthly.csv")) == 381
    assert Counter(r["framework"] for r in csv_rows("releases.csv")) == {
        "JAX": 138,
        "Keras": 100,
        "PyTorch": 52,
        "TensorFlow": 31,
    }
    assert Counter(r["tag"] for r in csv_rows("stackoverflow_questions_monthly.csv")) == {
        "tensorflow": 73,
        "keras": 73,
        "pytorch": 36,
        "(all questions)": 199,
    }
    assert set(snapshot.FILES) == {p.name for p in SNAPSHOT_DIR.glob("*.csv")}


def test_exact_rows_per_metric_and_source(snapshot_db):
    with db.reading(snapshot_db) as con:
        per_metric = dict(con.execute("SELECT metric, count(*) FROM metric_values GROUP BY metric").fetchall())
        per_source = dict(con.execute("SELECT source, count(*) FROM metric_values GROUP BY source").fetchall())
        sites = con.execute("""SELECT DISTINCT framework FROM metric_values
                               WHERE metric = 'stackoverflow.questions_monthly_site'""").fetchall()
    assert per_metric["github.stars"] == 309 + 25  # EvanLi + JAX 2024-05..2026-07 from best-of
    assert per_metric["bestof.stars"] == per_metric["bestof.forks"] == per_metric["bestof.open_issues"] == 268
    assert per_metric["stackoverflow.questions_monthly"] == 182
    assert per_metric["stackoverflow.questions_share"] == 182  # every tag month has a site total
    assert per_metric["stackoverflow.questions_monthly_site"] == 199
    assert sites == [("_all",)]
    assert per_source["EvanLi/Github-Ranking"] == 309 * 3
    assert per_source["best-of-ml-python"] == 268 * 3 + 25
    assert per_source["Kaggle stackindex"] == 182 and per_source["Stack Exchange Data Explorer"] == 199
    he = {m: n for m, n in per_metric.items() if m.startswith("research.conference_")}
    assert len(he) == 18 and sum(he.values()) == 35 * 3  # per edition: PyTorch-only, TensorFlow-only, all papers
    assert per_source["Horace He, pytorch-vs-tensorflow"] == 35 * 3
    assert sum(per_metric.values()) == 309 * 3 + 365 + 232 * 2 + 30 + 268 * 3 + 25 + 182 * 2 + 199 + 35 * 3


def test_row_counts_equal_the_csvs(snapshot_db):
    with db.reading(snapshot_db) as con:
        per_metric = dict(con.execute("SELECT metric, count(*) FROM metric_values GROUP BY metric").fetchall())
        n_events = con.execute("SELECT count(*) FROM events WHERE kind = 'release'").fetchall()[0][0]
        n_history = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    gh = csv_rows("github_stats_monthly.csv")
    for metric in ("github.forks", "github.open_issues_incl_prs"):
        assert per_metric[metric] == len(gh)
    assert per_metric["github.stars"] == len(gh) + 25  # + JAX joined from best-of (below)
    assert per_metric["pypi.downloads_monthly"] == len(csv_rows("pypi_downloads_monthly.csv"))
    assert per_metric["git.commits_monthly"] == per_metric["git.authors_monthly"] == len(csv_rows("git_monthly.csv"))
    manual = sum(v for k, v in per_metric.items() if k.startswith("manual."))
    assert manual == len(csv_rows("point_figures.csv"))
    assert n_events == len(csv_rows("releases.csv"))
    bestof = csv_rows("github_stats_bestof_monthly.csv")
    assert per_metric["bestof.stars"] == per_metric["bestof.forks"] == per_metric["bestof.open_issues"] == len(bestof)
    so = csv_rows("stackoverflow_questions_monthly.csv")
    assert per_metric["stackoverflow.questions_monthly"] + per_metric["stackoverflow.questions_monthly_site"] == len(so)
    assert n_history == sum(per_metric.values())


def test_open_issues_incl_prs_is_never_passed_off_as_open_issues(snapshot_db):
    with db.reading(snapshot_db) as con:
        df = read.values(con, ["tensorflow"], ["github.open_issues", "github.open_issues_incl_prs"])
    assert set(df["metric"]) == {"github.open_issues_incl_prs"}
    first = df.sort_values("date").iloc[0]
    assert (str(first["date"].date() if hasattr(first["date"], "date") else first["date"]), first["value"]) == (
        "2018-12-18",
        1827.0,
    )


def test_every_row_has_source_url_and_method(snapshot_db):
    with db.reading(snapshot_db) as con:
        missing = con.execute("""SELECT count(*) FROM metric_values
                                 WHERE source_url IS NULL OR source_url = '' OR method = '' OR source = ''""").fetchall()[
            0
        ][0]
        methods = {r[0] for r in con.execute("SELECT DISTINCT method FROM metric_values").fetchall()}
        article = con.execute("""SELECT value, method, source_url FROM metric_values
                                 WHERE framework = 'tensorflow' AND metric = 'manual.github_forks'
                                   AND date = DATE '2020-10-01'""").fetchall()
    assert missing == 0
    assert any("EvanLi/Github-Ranking" in m for m in methods)
    assert article == [(82000.0, snapshot.POINT_METHOD, "https://www.iflexion.com/blog/pytorch-vs-keras")]


def test_a_row_observation_keeps_the_rows_url_and_note():
    import datetime as dt

    from fwpulse.data.snapshot_rows import framework_id, parse_date, row_observation

    row = {"source_url": "https://example.org/a", "note": "approx. 5k"}
    o = row_observation(row, framework_id(" PyTorch "), "github.stars", parse_date("2020-01-31"), 5.0, "s", "m")
    assert (o.framework, o.date, o.source_url, o.note, o.quality, o.details) == (
        "pytorch",
        dt.date(2020, 1, 31),
        "https://example.org/a",
        "approx. 5k",
        "ok",
        None,
    )
    flagged = row_observation(
        {**row, "note": ""}, "jax", "github.stars", o.date, 1.0, "s", "m", "approximate", {"a": 1}
    )
    assert (flagged.note, flagged.quality, flagged.details) == (None, "approximate", {"a": 1})


def test_pypi_method_is_a_category_and_the_window_is_in_details(snapshot_db):
    with db.reading(snapshot_db) as con:
        rows = {
            d: (m, json.loads(x))
            for d, m, x in con.execute(
                """SELECT strftime(date, '%Y-%m-%d'), method, details FROM metric_values
               WHERE framework = 'pytorch' AND metric = 'pypi.downloads_monthly'"""
            ).fetchall()
        }
        methods = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT method FROM metric_values WHERE metric = 'pypi.downloads_monthly'"
            ).fetchall()
        ]
    assert "pip installs only" in rows["2018-02-10"][0]
    assert rows["2018-02-10"][1]["window"] == "30 days up to 2018-02-10"
    assert "all installers" in rows["2026-03-01"][0] and "calendar month" in rows["2026-03-01"][0]
    assert rows["2026-03-01"][1]["window"] == "calendar month 2026-03-01..2026-03-31"
    assert rows["2026-03-01"][1]["package"] == "torch"
    assert len(methods) == 3  # pip-only BigQuery, all-installers BigQuery, ClickHouse calendar month
    assert not any(ch.isdigit() for m in methods for ch in m)  # no window or date inside a method


def quality_of(con, where: str) -> list[tuple]:
    return con.execute(f"""SELECT framework, metric, strftime(date, '%Y-%m-%d'), value, quality, details
                           FROM metric_values WHERE {where} ORDER BY framework, metric, date""").fetchall()


def test_quality_counts_per_metric(snapshot_db):
    with db.reading(snapshot_db) as con:
        got = {
            (m, q): n
            for m, q, n in con.execute(
                "SELECT metric, quality, count(*) FROM metric_values WHERE quality <> 'ok' GROUP BY ALL"
            ).fetchall()
        }
    assert got == {
        ("git.commits_monthly", "partial_period"): 2,
        ("git.authors_monthly", "partial_period"): 2,
        ("manual.stackoverflow_questions_asked_in_year", "partial_period"): 3,
        ("manual.github_forks", "approximate"): 4,
        ("manual.stackoverflow_questions", "approximate"): 1,
        ("manual.stackoverflow_questions", "upper_bound"): 1,
        ("manual.github_open_issues", "lower_bound"): 2,
        ("manual.github_closed_issues", "lower_bound"): 1,
        ("manual.github_closed_issues", "approximate"): 1,
        ("manual.github_commits", "lower_bound"): 1,
        ("manual.github_contributors", "approximate"): 1,
        ("manual.pypi_downloads_year", "approximate"): 1,
        ("pypi.downloads_monthly", "degraded_source"): 18,  # BigQuery bug before Aug 2018
        ("bestof.forks", "degraded_source"): 268,
        ("bestof.open_issues", "degraded_source"): 268,
        ("bestof.stars", "degraded_source"): 65,  # TensorFlow from 2021-01: the offset
        ("stackoverflow.questions_share", "approximate"): 182,  # two snapshots five years apart
        ("stackoverflow.questions_monthly_site", "partial_period"): 1,
    }


def test_git_last_month_is_partial(snapshot_db):
    with db.reading(snapshot_db) as con:
        rows = quality_of(con, "metric = 'git.commits_monthly' AND quality <> 'ok'")
        july = quality_of(con, "metric = 'git.commits_monthly' AND framework = 'jax' AND date = DATE '2026-07-01'")
    assert [(f, d, v, q) for f, _, d, v, q, _ in rows] == [
        ("jax", "2026-08-01", 115.0, "partial_period"),
        ("keras", "2026-08-01", rows[1][3], "partial_period"),
    ]
    assert json.loads(rows[0][5])["period_end"] == "2026-08-08"
    assert json.loads(rows[1][5])["period_end"] == "2026-08-21"
    assert july[0][4] == "ok"


def test_ai_index_2020_half_year_is_partial(snapshot_db):
    with db.reading(snapshot_db) as con:
        rows = quality_of(con, "metric = 'manual.stackoverflow_questions_asked_in_year' AND date >= DATE '2019-12-31'")
    partial = [(f, d, v) for f, _, d, v, q, _ in rows if q == "partial_period"]
    assert partial == [
        ("keras", "2020-06-12", 5899.0),
        ("pytorch", "2020-06-12", 2429.0),
        ("tensorflow", "2020-06-12", 9340.0),
    ]
    assert all(q == "ok" for _, _, d, _, q, _ in rows if d == "2019-12-31")
    assert json.loads(rows[-1][5]) == {
        "period": "2020",
        "period_end": "2020-06-12",
        "reason": "the count covers 2020 only up to 2020-06-12",
    }


def test_article_bounds_and_roundings(snapshot_db):
    with db.reading(snapshot_db) as con:
        rows = {
            (f, m.removeprefix("manual."), v): (q, json.loads(x) if x else None)
            for f, m, _, v, q, x in quality_of(con, "source = 'Iflexion ''PyTorch vs Keras'' (2020)'")
        }
    assert {k: q for k, (q, _) in rows.items()} == {
        ("tensorflow", "github_forks", 82000.0): "approximate",
        ("pytorch", "github_forks", 11000.0): "approximate",
        ("keras", "github_forks", 18600.0): "approximate",
        ("keras", "stackoverflow_questions", 31000.0): "approximate",  # 'nearly 31,000'
        ("pytorch", "stackoverflow_questions", 9000.0): "upper_bound",  # 'less than 9,000'
        ("keras", "github_open_issues", 3000.0): "lower_bound",
        ("pytorch", "github_open_issues", 5000.0): "lower_bound",
        ("pytorch", "github_closed_issues", 11000.0): "lower_bound",
        ("keras", "github_closed_issues", 7000.0): "approximate",
        ("keras", "users", 375000.0): "ok",
    }
    assert rows[("pytorch", "stackoverflow_questions", 9000.0)][1]["quoted"] == "less than 9,000"
    assert rows[("keras", "stackoverflow_questions", 31000.0)][1]["quoted"] == "nearly 31,000"
    assert rows[("pytorch", "github_open_issues", 5000.0)][1]["quoted"] == ">5000"
    assert rows[("keras", "github_closed_issues", 7000.0)][1]["quoted"] == "~7000"


def test_jax_stars_join_evanli_then_best_of(snapshot_db):
    with db.reading(snapshot_db) as con:
        rows = con.execute("""SELECT strftime(date, '%Y-%m-%d'), value, source, method, details FROM metric_values
                              WHERE framework = 'jax' AND metric = 'github.stars' ORDER BY date""").fetchall()
        others = con.execute("""SELECT DISTINCT source FROM metric_values
                                WHERE framework <> 'jax' AND metric = 'github.stars'""").fetchall()
    evanli = [r for r in rows if r[2] == "EvanLi/Github-Ranking"]
    joined = [r for r in rows if r[2] == "best-of-ml-python"]
    assert len(evanli) == 40 and evanli[-1][0] == "2024-04-01"
    assert len(joined) == 25 and joined[0][:2] == ("2024-05-02", 28016.0) and joined[-1][:2] == ("2026-07-02", 35948.0)
    assert rows == evanli + joined  # no overlap, one row a month
    assert {r[3] for r in joined} == {snapshot_extra.JOIN_METHOD} != {r[3] for r in evanli}
    first = json.loads(joined[0][4])
    assert (
        first["join"] is True and first["joined_to"] == "EvanLi/Github-Ranking" and first["evanli_last"] == "2024-04-01"
    )
    assert all(json.loads(r[4])["join"] is False for r in joined[1:])
    assert others == [("EvanLi/Github-Ranking",)]  # only JAX is joined


def test_stack_overflow_offline(snapshot_db):
    with db.reading(snapshot_db) as con:
        share = quality_of(
            con, "metric = 'stackoverflow.questions_share' AND framework = 'pytorch' AND date = DATE '2019-12-01'"
        )
        monthly = quality_of(con, "metric = 'stackoverflow.questions_monthly' AND date = DATE '2019-12-01'")
        site = quality_of(con, "metric = 'stackoverflow.questions_monthly_site' AND date >= DATE '2024-12-01'")
        span = con.execute("""SELECT framework, min(date)::VARCHAR, max(date)::VARCHAR FROM metric_values
                              WHERE metric = 'stackoverflow.questions_monthly' GROUP BY ALL ORDER BY 1""").fetchall()
    d = json.loads(share[0][5])
    assert share[0][4] == "approximate"
    assert share[0][3] == round(100 * d["questions"] / d["site_questions"], 6)
    assert "five years" in d["reason"] and d["numerator"] != d["denominator"]
    assert {f for f, *_ in monthly} == {"keras", "pytorch", "tensorflow"} and all(r[4] == "ok" for r in monthly)
    assert [(d_, v, q) for _, _, d_, v, q, _ in site] == [
        ("2024-12-01", 25566.0, "ok"),
        ("2025-01-01", 2967.0, "partial_period"),
    ]
    assert span == [
        ("keras", "2013-12-01", "2019-12-01"),
        ("pytorch", "2017-01-01", "2019-12-01"),
        ("tensorflow", "2013-12-01", "2019-12-01"),
    ]


def test_best_of_caveats(snapshot_db):
    with db.reading(snapshot_db) as con:
        tf = quality_of(
            con, "metric = 'bestof.stars' AND framework = 'tensorflow' AND date IN ('2020-12-15', '2021-01-01')"
        )
        fk = quality_of(con, "metric = 'bestof.forks' AND framework = 'pytorch' AND date = DATE '2020-11-30'")
    assert [r[4] for r in tf] == ["ok", "degraded_source"]
    assert "1.8k-2.8k" in json.loads(tf[1][5])["reason"]
    assert fk[0][4] == "degraded_source" and "indicative only" in json.loads(fk[0][5])["reason"]


def test_releases_carry_tensorflow_and_new_pytorch(snapshot_db):
    with db.reading(snapshot_db) as con:
        per = dict(con.execute("SELECT framework, count(*) FROM events WHERE kind = 'release' GROUP BY 1").fetchall())
        newest = con.execute("""SELECT label, date::VARCHAR, source FROM events WHERE framework = 'pytorch'
                                ORDER BY date DESC LIMIT 1""").fetchall()
    assert per == {"jax": 138, "keras": 100, "pytorch": 52, "tensorflow": 31}
    assert newest == [("2.12.1", "2026-06-18", "best-of-ml-python")]


def test_he_conference_counts_keep_editions_of_one_month_apart(snapshot_db):
    """CVPR, ICML and ACL/NAACL share months: one metric per conference keeps each edition's counts."""
    with db.reading(snapshot_db) as con:
        rows = con.execute("""SELECT framework, metric, value FROM metric_values
                              WHERE metric LIKE 'research.conference_%' AND date = DATE '2019-06-01'""").fetchall()
        iclr = con.execute("""SELECT framework, value FROM metric_values
                              WHERE metric LIKE 'research.conference_%.iclr' AND date = DATE '2022-05-01'""").fetchall()
    got = {(f, m.rsplit(".", 1)[1], m.split(".")[1]): v for f, m, v in rows}
    assert got[("pytorch", "cvpr", "conference_mentions")] == 294  # sanity rows quoted in SOURCES.md
    assert got[("tensorflow", "cvpr", "conference_mentions")] == 148
    assert got[("_all", "cvpr", "conference_papers")] == 1294
    assert {c for _, c, _ in got} >= {"cvpr", "icml"}  # two editions in 2019-06, both kept
    assert dict(iclr) == {"pytorch": 1091, "tensorflow": 208, "_all": 3388}


@pytest.mark.slow
def test_a_database_built_before_a_file_was_bundled_gets_it_on_the_next_command(tmp_path):
    """A database built by an older fwpulse (its snapshot run lists fewer files) gets the new file's rows once."""
    from fwpulse.data import bootstrap, snapshot

    path = tmp_path / "old.duckdb"
    bootstrap.ensure_database(path)
    with db.writing(path) as con:  # as an older fwpulse left it: no He counts, the snapshot run without the file
        con.execute("DELETE FROM observations WHERE metric LIKE 'research.conference_%'")
        con.execute(
            "UPDATE runs SET details = json_object('files', ?) WHERE source = 'snapshot'",
            [sorted(set(snapshot.FILES) - {"conference_papers_he.csv"})],
        )
    bootstrap.ensure_database(path)
    bootstrap.ensure_database(path)  # and only once
    with db.reading(path) as con:
        n = con.execute("SELECT count(*) FROM observations WHERE metric LIKE 'research.conference_%'").fetchall()
        runs = con.execute("SELECT count(*) FROM runs WHERE source = 'snapshot'").fetchall()
    assert n[0][0] == 35 * 3 and runs[0][0] == 2


def test_a_database_built_without_the_snapshot_stays_empty(empty_db):
    from fwpulse.data import bootstrap

    bootstrap.ensure_database(empty_db)
    with db.reading(empty_db) as con:
        assert con.execute("SELECT count(*) FROM observations").fetchall()[0][0] == 0
