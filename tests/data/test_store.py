from __future__ import annotations

import datetime as dt

import pytest

from fwpulse.data import db, ledger, read, store
from fwpulse.data.store import Event, Observation, RunRecord

D = dt.date(2026, 11, 1)


def obs(value: float, metric: str = "github.stars", date: dt.date = D) -> Observation:
    return Observation(
        "pytorch",
        metric,
        date,
        value,
        "GitHub REST",
        "stargazers_count of GET /repos/o/r",
        "http://127.0.0.1/repos/o/r",
    )


@pytest.fixture
def con(tmp_path):
    with db.writing(tmp_path / "s.duckdb") as c:
        db.migrate(c)
        yield c


def run(at: dt.datetime) -> RunRecord:
    return RunRecord("github", started_at=at, finished_at=at)


def test_same_run_twice_adds_no_rows(con):
    batch = [obs(100.0), obs(7.0, "github.forks")]
    first = store.record_run(con, run(dt.datetime(2026, 11, 1, 6)), batch)
    second = store.record_run(con, run(dt.datetime(2026, 11, 1, 7)), batch)
    assert (first.rows_written, first.rows_unchanged) == (2, 0)
    assert (second.rows_written, second.rows_unchanged) == (0, 2)
    assert con.execute("SELECT count(*) FROM observations").fetchall()[0][0] == 2
    assert con.execute("SELECT count(*) FROM runs").fetchall()[0][0] == 2


def test_newest_collection_wins_and_history_keeps_both(con):
    store.record_run(con, run(dt.datetime(2026, 11, 1, 6)), [obs(100.0)])
    store.record_run(con, run(dt.datetime(2026, 11, 1, 18)), [obs(105.0)])
    current = read.values(con, ["pytorch"], ["github.stars"])
    assert current["value"].tolist() == [105.0]
    assert current["collected_at"].iloc[0] == dt.datetime(2026, 11, 1, 18)
    assert read.history(con, ["pytorch"], ["github.stars"])["value"].tolist() == [100.0, 105.0]


def test_bad_batch_writes_nothing(con):
    with pytest.raises(ValueError, match="unknown metric"):
        store.record_run(con, run(dt.datetime(2026, 11, 1)), [obs(1.0), obs(2.0, "github.nonsense")])
    with pytest.raises(ValueError, match="duplicate"):
        store.record_run(con, run(dt.datetime(2026, 11, 1)), [obs(1.0), obs(2.0)])
    with pytest.raises(ValueError, match="finite"):
        store.record_run(con, run(dt.datetime(2026, 11, 1)), [obs(float("nan"))])
    assert con.execute("SELECT count(*) FROM observations").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM runs").fetchall()[0][0] == 0


def test_run_ledger_and_state_are_written_with_the_rows(con):
    r = RunRecord(
        "github",
        started_at=dt.datetime(2026, 11, 1, 6),
        finished_at=dt.datetime(2026, 11, 1, 6, 1),
        status="partial",
        requests=3,
        error="jax: repo not found",
        details={"rate_limit_remaining": 57},
    )
    res = store.record_run(con, r, [obs(1.0)], state={"etag:pytorch/pytorch": {"etag": 'W/"abc"'}})
    row = con.execute(
        "SELECT source, status, rows_written, requests, error FROM runs WHERE run_id = ?", [res.run_id]
    ).fetchall()
    assert row == [("github", "partial", 1, 3, "jax: repo not found")]
    assert ledger.source_state(con, "github") == {"etag:pytorch/pytorch": {"etag": 'W/"abc"'}}


def test_events_upsert_without_duplicates(con):
    e = Event("pytorch", "release", "v2.0.0", dt.date(2023, 3, 15), "GitHub REST", "published_at", True)
    store.record_run(con, run(dt.datetime(2026, 11, 1)), events=[e])
    store.record_run(con, run(dt.datetime(2026, 11, 2)), events=[e])
    assert len(read.events(con, ["pytorch"])) == 1


def test_quality_and_details_round_trip_and_a_final_value_replaces_a_partial_one(con):
    """A week stored partial, then complete with the SAME value: the complete one is a new row and wins."""
    partial = Observation(
        "pytorch",
        "github.stars_added",
        D,
        21.0,
        "GitHub REST",
        "star history",
        quality="partial_period",
        details={"days_elapsed": 2},
    )
    store.record_run(con, run(dt.datetime(2026, 11, 1, 6)), [partial])
    store.record_run(con, run(dt.datetime(2026, 11, 8, 6)), [partial])  # same again: nothing new
    assert con.execute("SELECT count(*) FROM observations").fetchall()[0][0] == 1
    final = Observation("pytorch", "github.stars_added", D, 21.0, "GitHub REST", "star history")
    store.record_run(con, run(dt.datetime(2026, 11, 9, 6)), [final])
    current = read.values(con, ["pytorch"], ["github.stars_added"])
    assert current["quality"].tolist() == ["ok"]
    hist = read.history(con, ["pytorch"], ["github.stars_added"])
    assert hist["quality"].tolist() == ["partial_period", "ok"]
    import json

    assert json.loads(hist["details"].iloc[0]) == {"days_elapsed": 2}


def test_unknown_quality_flag_is_rejected(con):
    bad = Observation("pytorch", "github.stars", D, 1.0, "GitHub REST", "m", quality="roughly")
    with pytest.raises(ValueError, match="quality must be one of"):
        store.record_run(con, run(dt.datetime(2026, 11, 1)), [bad])
    assert con.execute("SELECT count(*) FROM observations").fetchall()[0][0] == 0
