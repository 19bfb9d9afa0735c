"""The 2020 article's figures are found by a flag in ``details``, never by the source's name: the snapshot
writes the flag, migration 0005 sets it on rows stored before, and the readers test only the flag."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd

from fwpulse.data import db, read, store
from fwpulse.data.quality import ARTICLE_2020, details_dict, is_article_2020
from fwpulse.data.settings import MIGRATIONS_DIR
from fwpulse.data.store import Observation, RunRecord

ARTICLE = "Iflexion 'PyTorch vs Keras' (2020)"


def test_the_bundled_articles_figures_carry_the_flag_and_no_other_row_does(snapshot_db):
    with db.reading(snapshot_db) as con:
        rows = con.execute("SELECT source, details FROM metric_values WHERE metric LIKE 'manual.%'").fetchall()
    flagged = [s for s, d in rows if is_article_2020(d)]
    assert flagged and set(flagged) == {ARTICLE}
    assert all(is_article_2020(d) for s, d in rows if s == ARTICLE)


def test_migration_0005_flags_rows_stored_before_it_and_nothing_else(tmp_path):
    old = tmp_path / "migrations_v4"
    old.mkdir()
    for p in sorted(MIGRATIONS_DIR.glob("000[1234]_*.sql")):
        shutil.copy(p, old / p.name)
    con = db.connect(tmp_path / "v4.duckdb")
    db.migrate(con, old)
    day = dt.date(2020, 10, 1)
    rows = [
        Observation("pytorch", "manual.github_forks", day, 11000.0, ARTICLE, "m", "https://www.iflexion.com/x"),
        Observation(
            "keras",
            "manual.github_forks",
            day,
            18600.0,
            ARTICLE,
            "m",
            "https://www.iflexion.com/x",
            quality="approximate",
            details={"reason": "approx"},
        ),  # fmt: skip
        Observation("jax", "manual.github_forks", day, 5.0, "manual import: Iflexion mirror", "m", "https://x.org"),
    ]
    store.record_run(con, RunRecord("snapshot", started_at=dt.datetime(2026, 1, 1)), rows)
    before = con.execute(
        "SELECT framework, value, source, method, quality, run_id FROM observations ORDER BY 1"
    ).fetchall()
    assert db.migrate(con) == [5]
    after = con.execute(
        "SELECT framework, value, source, method, quality, run_id FROM observations ORDER BY 1"
    ).fetchall()
    details = dict(con.execute("SELECT framework, details FROM observations").fetchall())
    con.close()
    assert after == before  # only details change
    assert is_article_2020(details["pytorch"]) and is_article_2020(details["keras"])
    assert details_dict(details["keras"])["reason"] == "approx"  # merged, not replaced
    assert not is_article_2020(details["jax"])  # a name that merely mentions the site is not the article


def test_readers_take_the_flag_not_the_name():
    values = pd.DataFrame(
        {
            "metric": ["manual.github_forks"] * 3,
            "source": [ARTICLE, "someone quoting Iflexion", "elsewhere"],
            "details": [None, None, f'{{"article": "{ARTICLE_2020}"}}'],
        }
    )
    assert read.article_2020_rows(values, "manual.github_forks")["source"].tolist() == ["elsewhere"]
    assert read.article_2020_rows(values.iloc[0:0], "manual.github_forks").empty
