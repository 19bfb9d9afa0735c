"""A thinned chart says so (caption, notes, export subtitle), on a real DuckDB file with superseded values.

The read paths themselves are tested in tests/data/test_read.py."""

from __future__ import annotations

import datetime as dt

import pytest

from fwpulse.dashboard import chart_registry as charts
from fwpulse.data import read
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


def test_thinned_chart_says_so_in_caption_notes_and_export_subtitle(con):
    registry = load_registry(load_settings().config_path)
    opts = charts.ChartOptions(frameworks=("pytorch",))
    chart = charts.build(con, "github-stars", opts, registry)
    assert "thinned to one point per series per week" in chart.caption
    assert read.THIN_NOTE in chart.notes
    assert "one point per series per week" in shown_as(chart, opts)
    assert len(chart.data) < DAYS / 6
    short = charts.build(con, "github-stars", charts.ChartOptions(frameworks=("pytorch",), start=dt.date(2023, 1, 1)),
                         registry)
    assert "thinned" not in short.caption and len(short.data) > 365
