"""The bundled dataset lands in the DB row for row, with source and method on every row."""

from __future__ import annotations

import csv

from fwpulse.data import db, store
from fwpulse.data.settings import SNAPSHOT_DIR


def csv_rows(name: str) -> list[dict[str, str]]:
    with open(SNAPSHOT_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_snapshot_files_are_the_seed_files():
    # counts documented in data/snapshot/SOURCES.md
    assert len(csv_rows("github_stats_monthly.csv")) == 309
    assert len(csv_rows("pypi_downloads_monthly.csv")) == 365
    assert len(csv_rows("git_monthly.csv")) == 232
    assert len(csv_rows("releases.csv")) == 270
    assert len(csv_rows("point_figures.csv")) == 30


def test_row_counts_equal_the_csvs(snapshot_db):
    with db.reading(snapshot_db) as con:
        per_metric = dict(con.execute("SELECT metric, count(*) FROM metric_values GROUP BY metric").fetchall())
        n_events = con.execute("SELECT count(*) FROM events WHERE kind = 'release'").fetchall()[0][0]
        n_history = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    gh = csv_rows("github_stats_monthly.csv")
    for metric in ("github.stars", "github.forks", "github.open_issues_incl_prs"):
        assert per_metric[metric] == len(gh)
    assert per_metric["pypi.downloads_monthly"] == len(csv_rows("pypi_downloads_monthly.csv"))
    assert per_metric["git.commits_monthly"] == per_metric["git.authors_monthly"] == len(csv_rows("git_monthly.csv"))
    manual = sum(v for k, v in per_metric.items() if k.startswith("manual."))
    assert manual == len(csv_rows("point_figures.csv"))
    assert n_events == len(csv_rows("releases.csv"))
    assert n_history == sum(per_metric.values())


def test_open_issues_incl_prs_is_never_passed_off_as_open_issues(snapshot_db):
    with db.reading(snapshot_db) as con:
        df = store.metric_values(con, ["tensorflow"], ["github.open_issues", "github.open_issues_incl_prs"])
    assert set(df["metric"]) == {"github.open_issues_incl_prs"}
    first = df.sort_values("date").iloc[0]
    assert (str(first["date"].date() if hasattr(first["date"], "date") else first["date"]), first["value"]) == ("2018-12-18", 1827.0)


def test_every_row_has_source_url_and_method(snapshot_db):
    with db.reading(snapshot_db) as con:
        missing = con.execute("""SELECT count(*) FROM metric_values
                                 WHERE source_url IS NULL OR source_url = '' OR method = '' OR source = ''""").fetchall()[0][0]
        methods = {r[0] for r in con.execute("SELECT DISTINCT method FROM metric_values").fetchall()}
        article = con.execute("""SELECT value, method, source_url FROM metric_values
                                 WHERE framework = 'tensorflow' AND metric = 'manual.github_forks'
                                   AND date = DATE '2020-10-01'""").fetchall()
    assert missing == 0
    assert any("EvanLi/Github-Ranking" in m for m in methods)
    assert article == [(82000.0, "article figure, approximate", "https://www.iflexion.com/blog/pytorch-vs-keras")]


def test_pypi_method_names_window_and_installers(snapshot_db):
    with db.reading(snapshot_db) as con:
        rows = dict(con.execute("""SELECT strftime(date, '%Y-%m-%d'), method FROM metric_values
                                   WHERE framework = 'pytorch' AND metric = 'pypi.downloads_monthly'""").fetchall())
    assert "pip installs only" in rows["2018-02-10"]
    assert "calendar month 2026-03-01..2026-03-31, all installers" in rows["2026-03-01"]
