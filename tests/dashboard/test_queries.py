"""The fast read paths (dashboard/queries.py latest_values, charts.read_values thinning) give the
rows metric_values defines, on a real DuckDB file with superseded values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fwpulse.dashboard import charts, queries
from fwpulse.dashboard.export_theme import shown_as
from fwpulse.data import db, store
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings
from fwpulse.data.store import Observation, RunRecord

START = dt.date(2020, 1, 1)
DAYS = 4 * 365 + 10        # more than THIN_AFTER_DAYS


def _days(n: int, start: dt.date = START) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


@pytest.fixture
def con(tmp_path):
    """Daily stars and daily downloads over four years, monthly forks; then a second collection that
    changes the newest stars value and a week of downloads (superseded rows metric_values hides)."""
    path = tmp_path / "q.duckdb"
    with db.writing(path) as c:
        db.migrate(c)
        first = [Observation("pytorch", "github.stars", d, 1000.0 + i, "old source", "m1") for i, d in enumerate(_days(DAYS))]
        first += [Observation("pytorch", "pypi.downloads_daily", d, float(i % 7), "pypistats", "m") for i, d in
                  enumerate(_days(DAYS))]
        first += [Observation("pytorch", "github.forks", d, 50.0 + i, "snap", "m") for i, d in
                  enumerate(_days(DAYS)) if d.day == 1]
        store.record_run(c, RunRecord("t", started_at=dt.datetime(2025, 1, 1)), first)
        last = START + dt.timedelta(days=DAYS - 1)
        again = [Observation("pytorch", "github.stars", last, 9999.0, "new source", "m2")]
        again += [Observation("pytorch", "pypi.downloads_daily", d, 70.0, "pypistats", "m") for d in _days(7, START)]
        store.record_run(c, RunRecord("t", started_at=dt.datetime(2025, 2, 1)), again)
    with db.reading(path) as c:
        yield c


def test_latest_values_is_the_newest_row_of_metric_values(con):
    got = queries.latest_values(con, ["pytorch"], ["github.stars", "github.forks", "pypi.downloads_daily"])
    view = store.metric_values(con, ["pytorch"], ["github.stars", "github.forks", "pypi.downloads_daily"])
    want = view.sort_values("date").groupby("metric").tail(1).set_index("metric")
    got = got.set_index("metric")
    for m in want.index:
        assert got.loc[m, "value"] == want.loc[m, "value"] and got.loc[m, "source"] == want.loc[m, "source"]
        assert got.loc[m, "date"] == pd.Timestamp(want.loc[m, "date"])
    assert got.loc["github.stars", "value"] == 9999.0 and got.loc["github.stars", "source"] == "new source"


def test_short_range_is_exactly_metric_values(con):
    start, end = dt.date(2021, 1, 1), dt.date(2022, 6, 30)
    df, note = charts.read_values(con, ["pytorch"], ["github.stars", "pypi.downloads_daily"], start, end)
    view = store.metric_values(con, ["pytorch"], ["github.stars", "pypi.downloads_daily"], start, end)
    assert note is None and len(df) == len(view) == 2 * 546
    assert df["value"].tolist() == view["value"].tolist()


def test_long_daily_series_thinned_per_week_levels_last_flows_mean(con):
    df, note = charts.read_values(con, ["pytorch"], ["github.stars", "pypi.downloads_daily", "github.forks"])
    assert note == charts.THIN_NOTE
    view = store.metric_values(con, ["pytorch"], ["github.stars", "pypi.downloads_daily", "github.forks"])
    view["date"] = pd.to_datetime(view["date"])
    view["week"] = view["date"].dt.to_period("W-SUN")          # ISO weeks (Monday to Sunday)
    for metric, agg in (("github.stars", "last"), ("pypi.downloads_daily", "mean")):
        v = view[view["metric"] == metric].sort_values("date").groupby("week").agg(
            date=("date", "max"), value=("value", agg), source=("source", "last"))
        got = df[df["metric"] == metric].sort_values("date").reset_index(drop=True)
        assert len(got) == len(v) < DAYS / 6
        assert got["date"].tolist() == v["date"].tolist()
        assert got["value"].tolist() == pytest.approx(v["value"].tolist())
        assert got["source"].tolist() == v["source"].tolist()
    stars = df[df["metric"] == "github.stars"]
    assert stars["value"].iloc[-1] == 9999.0 and stars["source"].iloc[-1] == "new source"   # newest collection
    assert df[df["metric"] == "pypi.downloads_daily"]["value"].iloc[0] == pytest.approx(70.0)  # superseded week
    forks = view[view["metric"] == "github.forks"]
    assert df[df["metric"] == "github.forks"]["value"].tolist() == forks["value"].tolist()  # monthly: unchanged


def test_monthly_only_long_range_is_not_called_thinned(con):
    df, note = charts.read_values(con, ["pytorch"], ["github.forks"])
    assert note is None and len(df) == 49


def test_thinned_chart_says_so_in_caption_notes_and_export_subtitle(con):
    registry = load_registry(load_settings().config_path)
    opts = charts.ChartOptions(frameworks=("pytorch",))
    chart = charts.build(con, "github-stars", opts, registry)
    assert "thinned to one point per series per week" in chart.caption
    assert charts.THIN_NOTE in chart.notes
    assert "one point per series per week" in shown_as(chart, opts)
    assert len(chart.data) < DAYS / 6
    short = charts.build(con, "github-stars", charts.ChartOptions(frameworks=("pytorch",), start=dt.date(2023, 1, 1)),
                         registry)
    assert "thinned" not in short.caption and len(short.data) > 365
