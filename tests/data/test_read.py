"""data/read.py, the public read API, against metric_values on real DuckDB files: newest values (with and
without flagged ones), week thinning, staleness, the status block, the one CSV writer."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fwpulse.data import db, ledger, read, store
from fwpulse.data.quality import is_final, reason, staleness
from fwpulse.data.store import Observation, RunRecord

START = dt.date(2020, 1, 1)
DAYS = 4 * 365 + 10  # more than THIN_AFTER_DAYS


def _days(n: int, start: dt.date = START) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


@pytest.fixture
def con(tmp_path):
    """Daily stars and daily downloads over four years, monthly forks; then a second collection that
    changes the newest stars value and a week of downloads (superseded rows metric_values hides)."""
    path = tmp_path / "q.duckdb"
    with db.writing(path) as c:
        db.migrate(c)
        first = [
            Observation("pytorch", "github.stars", d, 1000.0 + i, "old source", "m1") for i, d in enumerate(_days(DAYS))
        ]
        first += [
            Observation("pytorch", "pypi.downloads_daily", d, float(i % 7), "pypistats", "m")
            for i, d in enumerate(_days(DAYS))
        ]
        first += [
            Observation("pytorch", "github.forks", d, 50.0 + i, "snap", "m")
            for i, d in enumerate(_days(DAYS))
            if d.day == 1
        ]
        store.record_run(c, RunRecord("t", started_at=dt.datetime(2025, 1, 1)), first)
        last = START + dt.timedelta(days=DAYS - 1)
        again = [Observation("pytorch", "github.stars", last, 9999.0, "new source", "m2")]
        again += [Observation("pytorch", "pypi.downloads_daily", d, 70.0, "pypistats", "m") for d in _days(7, START)]
        store.record_run(c, RunRecord("t", started_at=dt.datetime(2025, 2, 1)), again)
    with db.reading(path) as c:
        yield c


def metric_values_sql(con, metrics, start=dt.date.min, end=dt.date.max) -> pd.DataFrame:
    """pytorch's rows of the ``metric_values`` view in plain SQL: the reference the read API is checked against."""
    return con.execute(
        "SELECT * FROM metric_values WHERE framework = 'pytorch' AND list_contains(?, metric) "
        "AND date BETWEEN ? AND ? ORDER BY metric, framework, date",
        [list(metrics), start, end],
    ).df()


def test_latest_values_is_the_newest_row_of_metric_values(con):
    got = read.latest_values(con, ["pytorch"], ["github.stars", "github.forks", "pypi.downloads_daily"])
    view = metric_values_sql(con, ["github.stars", "github.forks", "pypi.downloads_daily"])
    want = view.sort_values("date").groupby("metric").tail(1).set_index("metric")
    got = got.set_index("metric")
    for m in want.index:
        assert got.loc[m, "value"] == want.loc[m, "value"] and got.loc[m, "source"] == want.loc[m, "source"]
        assert got.loc[m, "date"] == pd.Timestamp(want.loc[m, "date"])
    assert got.loc["github.stars", "value"] == 9999.0 and got.loc["github.stars", "source"] == "new source"


def test_short_range_is_exactly_metric_values(con):
    start, end = dt.date(2021, 1, 1), dt.date(2022, 6, 30)
    df, note = read.read_values(con, ["pytorch"], ["github.stars", "pypi.downloads_daily"], start, end)
    view = metric_values_sql(con, ["github.stars", "pypi.downloads_daily"], start, end)
    assert note is None and len(df) == len(view) == 2 * 546
    assert df["value"].tolist() == view["value"].tolist()


def test_long_daily_series_thinned_per_week_levels_last_flows_mean(con):
    df, note = read.read_values(con, ["pytorch"], ["github.stars", "pypi.downloads_daily", "github.forks"])
    assert note == read.THIN_NOTE
    view = metric_values_sql(con, ["github.stars", "pypi.downloads_daily", "github.forks"])
    view["date"] = pd.to_datetime(view["date"])
    view["week"] = view["date"].dt.to_period("W-SUN")  # ISO weeks (Monday to Sunday)
    for metric, agg in (("github.stars", "last"), ("pypi.downloads_daily", "mean")):
        v = (
            view[view["metric"] == metric]
            .sort_values("date")
            .groupby("week")
            .agg(date=("date", "max"), value=("value", agg), source=("source", "last"))
        )
        got = df[df["metric"] == metric].sort_values("date").reset_index(drop=True)
        assert len(got) == len(v) < DAYS / 6
        assert got["date"].tolist() == v["date"].tolist()
        assert got["value"].tolist() == pytest.approx(v["value"].tolist())
        assert got["source"].tolist() == v["source"].tolist()
    stars = df[df["metric"] == "github.stars"]
    assert stars["value"].iloc[-1] == 9999.0 and stars["source"].iloc[-1] == "new source"  # newest collection
    assert df[df["metric"] == "pypi.downloads_daily"]["value"].iloc[0] == pytest.approx(70.0)  # superseded week
    forks = view[view["metric"] == "github.forks"]
    assert df[df["metric"] == "github.forks"]["value"].tolist() == forks["value"].tolist()  # monthly: unchanged


def test_monthly_only_long_range_is_not_called_thinned(con):
    df, note = read.read_values(con, ["pytorch"], ["github.forks"])
    assert note is None and len(df) == 49


def test_a_monthly_series_with_two_snapshots_in_one_week_is_not_thinned(tmp_path):
    """The bundled monthly downloads hold 2024-08-30 and 2024-09-01: one week, but a monthly series. It was
    averaged into one point and the chart said 'one point per series per week'."""
    path = tmp_path / "m.duckdb"
    months = [d.date() for d in pd.date_range("2018-01-01", "2024-08-01", freq="MS")]
    months += [dt.date(2024, 8, 30), dt.date(2024, 9, 1)]  # one ISO week
    rows = [
        Observation("pytorch", "pypi.downloads_monthly", m, 100.0 + i, "s", "monthly") for i, m in enumerate(months)
    ]
    with db.writing(path) as c:
        db.migrate(c)
        store.record_run(c, RunRecord("test", started_at=dt.datetime(2024, 9, 2)), rows)
    with db.reading(path) as c:
        df, note = read.read_values(c, ["pytorch"], ["pypi.downloads_monthly"])
    assert note is None and len(df) == len(months)  # every stored point


# ------------------------------------------------------------------------------------------ flagged values


@pytest.fixture
def flagged(tmp_path):
    """Monthly commits with a partial last month (re-collected later as final for one framework), and a
    stars series that stops two years before the others, with the reason in its details."""
    path = tmp_path / "f.duckdb"
    months = [dt.date(2026, m, 1) for m in range(1, 9)]
    with db.writing(path) as c:
        db.migrate(c)
        rows = [
            Observation(f, "git.commits_monthly", d, 500.0, "git log", "commits", quality="ok")
            for f in ("jax", "keras")
            for d in months[:-1]
        ]
        rows += [
            Observation(
                f,
                "git.commits_monthly",
                months[-1],
                115.0,
                "git log",
                "commits",
                quality="partial_period",
                details={"reason": "month not over: counted to 2026-08-09"},
            )
            for f in ("jax", "keras")
        ]
        rows += [
            Observation(
                "jax",
                "github.stars",
                dt.date(2024, 4, 1),
                60000.0,
                "EvanLi",
                "ranking",
                details={"stale_reason": "left the ranking that supplied it"},
            )
        ]
        rows += [
            Observation("pytorch", "github.stars", d, 90000.0 + i, "EvanLi", "ranking") for i, d in enumerate(months)
        ]
        store.record_run(c, RunRecord("snapshot", started_at=dt.datetime(2026, 8, 10)), rows)
        store.record_run(
            c,
            RunRecord("git", started_at=dt.datetime(2026, 9, 2), finished_at=dt.datetime(2026, 9, 2, 1)),
            [Observation("keras", "git.commits_monthly", months[-1], 480.0, "git log", "commits")],
        )
    with db.reading(path) as c:
        yield c


def test_values_carry_quality_and_details_and_newest_collection_wins(flagged):
    df = read.values(flagged, ["jax", "keras"], ["git.commits_monthly"])
    last = df.sort_values("date").groupby("framework").tail(1).set_index("framework")
    assert last.loc["jax", "quality"] == "partial_period" and last.loc["jax", "value"] == 115.0
    assert reason(last.loc["jax", "quality"], last.loc["jax", "details"]) == "month not over: counted to 2026-08-09"
    assert last.loc["keras", "quality"] == "ok" and last.loc["keras", "value"] == 480.0  # the re-collection won


def test_latest_final_skips_flagged_values(flagged):
    newest = read.latest_values(flagged, ["jax"], ["git.commits_monthly"]).iloc[0]
    final = read.latest_values(flagged, ["jax"], ["git.commits_monthly"], final=True).iloc[0]
    assert newest["quality"] == "partial_period" and newest["value"] == 115.0
    assert final["quality"] == "ok" and final["value"] == 500.0 and final["date"] == pd.Timestamp("2026-07-01")


def test_staleness_names_the_reason(flagged):
    latest = read.latest_values(flagged, None, ["github.stars"])
    st = staleness(latest).set_index("framework")
    assert bool(st.loc["jax", "stale"]) and st.loc["jax", "stale_reason"] == "left the ranking that supplied it"
    assert not bool(st.loc["pytorch", "stale"]) and st.loc["pytorch", "stale_reason"] == ""


def test_reason_falls_back_to_the_vocabulary():
    assert reason("lower_bound", None) == store.QUALITY["lower_bound"]
    assert reason("ok", '{"reason": "x"}') == ""
    assert reason(None) == "" and is_final(None) and not is_final("approximate")


def test_thinned_week_keeps_its_flag(tmp_path):
    path = tmp_path / "t.duckdb"
    days = _days(4 * 365)
    with db.writing(path) as c:
        db.migrate(c)
        rows = [
            Observation(
                "pytorch",
                "pypi.downloads_daily",
                d,
                10.0,
                "pypistats",
                "overall",
                quality="partial_period" if d == days[-1] else "ok",
            )
            for d in days
        ]
        store.record_run(c, RunRecord("t", started_at=dt.datetime(2025, 1, 1)), rows)
    with db.reading(path) as c:
        df, note = read.read_values(c, ["pytorch"], ["pypi.downloads_daily"])
    assert note == read.THIN_NOTE
    assert df["quality"].iloc[-1] == "partial_period" and set(df["quality"].iloc[:-1]) == {"ok"}


def test_source_blocks_are_strict_json(flagged):
    import json

    blocks = ledger.source_blocks(flagged, dt.datetime(2026, 9, 5))
    assert [b["source"] for b in blocks] == ["git", "snapshot"]
    assert blocks[0]["last_ok_age"] == "2d" and blocks[0]["last_error"] is None
    json.loads(json.dumps(blocks), parse_constant=lambda c: 1 / 0)


def test_plotted_csv_has_a_quality_column_and_the_unit():
    df = pd.DataFrame(
        {
            "framework": ["jax", "jax"],
            "metric": ["m", "m"],
            "date": pd.to_datetime(["2026-07-01", "2026-08-01"]),
            "value": [500.0, 115.0],
            "unit": ["commits", "commits"],
            "quality": ["ok", "partial_period"],
            "source": ["git", "git"],
            "method": ["c", "c"],
            "details": [None, '{"reason": "month not over"}'],
        }
    )
    lines = read.plotted_csv(df).decode().splitlines()
    header = lines[0].split(",")
    assert header[:7] == ["framework", "metric", "date", "value (commits)", "unit", "quality", "quality_reason"]
    assert lines[2].startswith("jax,m,2026-08-01,115.0,commits,partial_period,month not over,")
    no_flag = read.plotted_csv(df.drop(columns=["quality", "details"])).decode().splitlines()
    assert no_flag[0].endswith(",quality,quality_reason") and no_flag[1].endswith(",ok,")


def test_flagged_summary_counts_each_flag_with_a_reason(flagged):
    s = read.flagged_summary(flagged)
    assert s[["metric", "quality", "values", "frameworks"]].values.tolist() == [
        ["git.commits_monthly", "partial_period", 1, 1]
    ]  # keras' partial month was re-collected as final
    assert s["example_reason"].iloc[0] == "month not over: counted to 2026-08-09"


def test_latest_final_mixes_series_with_and_without_a_flagged_newest_value(flagged):
    got = read.latest_values(flagged, None, ["git.commits_monthly", "github.stars"], final=True)
    got = got.set_index(["framework", "metric"])
    assert got.loc[("jax", "git.commits_monthly"), "value"] == 500.0  # July: August is partial
    assert got.loc[("keras", "git.commits_monthly"), "value"] == 480.0  # August re-collected as final
    assert got.loc[("pytorch", "github.stars"), "date"] == pd.Timestamp("2026-08-01")
    assert set(got["quality"]) == {"ok"} and len(got) == 4
