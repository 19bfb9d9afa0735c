"""Dashboard URL parameters (generated, plus the issue's cases) are clamped or ignored, never an exception;
a damaged database shows the one-line diagnosis in the page."""

from __future__ import annotations

import datetime as dt
import os
import random

import pytest
from streamlit.testing.v1 import AppTest

from fwpulse.dashboard import APP_PATH
from fwpulse.dashboard.views import common

RNG = random.Random(1606)
NUMBERS = [
    "inf",
    "-inf",
    "nan",
    "1e400",
    "-1e400",
    "1e308",
    "0",
    "-3",
    "2.5",
    "13",
    "",
    "abc",
    "0x10",
    "1_0",
    "9" * 400,
    " 3 ",
    "∞",
] + [repr(RNG.uniform(-1e6, 1e6)) for _ in range(12)]
DATES = [
    "0001-01-01",
    "2200-01-01",
    "9999-12-31",
    "2004-12-31",
    "2100-01-02",
    "2020-02-30",
    "garbage",
    "",
    "2020-01-01T00:00:00+99:00",
    "-2020-01-01",
    "2020",
] + [f"{RNG.randint(1, 9999):04d}-{RNG.randint(1, 12):02d}-{RNG.randint(1, 28):02d}" for _ in range(12)]


@pytest.mark.parametrize("text", NUMBERS)
def test_smoothing_is_one_of_the_choices(text):
    assert common.parse_smoothing(text) in common.SMOOTHING


@pytest.mark.parametrize("text", DATES)
def test_dates_outside_the_pickers_are_ignored(text):
    day = common.parse_date(text)
    assert day is None or common.DATE_MIN <= day <= common.DATE_MAX
    if text == "2020-01-01":
        assert day == dt.date(2020, 1, 1)


def run_app(**query) -> AppTest:
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


@pytest.mark.slow
def test_issue_urls_render_the_overview(snapshot_db):
    at = run_app(smooth="inf", to="2200-01-01")
    assert not at.exception and len(at.get("plotly_chart")) > 0
    at = run_app(smooth="1e400", **{"from": "0001-01-01", "fw": "nope,,jax", "scale": "log" * 50, "mode": "\x00"})
    assert not at.exception and len(at.get("plotly_chart")) > 0


def test_damaged_database_shows_the_diagnosis(snapshot_db, tmp_path):
    os.truncate(snapshot_db, snapshot_db.stat().st_size // 3)
    at = run_app()
    assert not at.exception
    text = " ".join(e.value for e in at.error)
    assert "is damaged" in text and str(snapshot_db) in text
    # The controls are drawn after the page, and still drawn when the page failed: the choice is not lost.
    assert at.button_group(key="frameworks").value == ["pytorch", "tensorflow", "keras", "jax"]
