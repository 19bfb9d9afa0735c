"""Volume collapses are found by one rule over the data, dated where the trailing-year mean stays below half its peak."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from fwpulse.data import shifts


def monthly(values, start="2015-01-01", framework="keras", metric="stackoverflow.questions_monthly", quality=None):
    dates = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame(
        {
            "framework": framework,
            "metric": metric,
            "date": dates,
            "value": [float(v) for v in values],
            "quality": quality or ["ok"] * len(values),
        }
    )


def test_a_rise_then_a_lasting_fall_is_dated_where_the_trailing_year_stays_below_half():
    rows = monthly([100] * 24 + [20] * 24)  # 2015-01..2016-12 at 100, then 20 from 2017-01
    [c] = shifts.volume_collapses(rows)
    # the trailing 365-day mean is <= 50 once 8 of its 12 months are 20s (4*100 + 8*20 = 560 / 12 = 46.7): 2017-08
    assert c["date"] == pd.Timestamp("2017-08-01")
    assert (c["framework"], c["metric"]) == ("keras", "stackoverflow.questions_monthly")
    assert c["peak"] == pytest.approx(100)
    assert c["last"] == pytest.approx(20)
    assert c["drop_pct"] == pytest.approx(80)
    assert "2017-08" in shifts.describe(c) and "80% below" in shifts.describe(c)


def test_growth_a_recovered_dip_and_a_mild_decline_are_not_breaks():
    growing = monthly(range(10, 58))
    dip = monthly([100] * 24 + [10] * 6 + [100] * 18, framework="pytorch")
    mild = monthly([100] * 24 + [60] * 24, framework="tensorflow")
    assert shifts.volume_collapses(pd.concat([growing, dip, mild])) == []


def test_flagged_values_never_make_or_date_a_break():
    # a partial last month counted a few days in: tiny, but not a final value
    values = [100] * 36 + [3] * 12
    partial = monthly(values, quality=["ok"] * 36 + ["partial_period"] * 12)
    assert shifts.volume_collapses(partial) == []
    assert len(shifts.volume_collapses(monthly(values))) == 1


def test_each_series_is_judged_alone_and_bad_input_is_refused():
    rows = pd.concat([monthly([100] * 24 + [20] * 24), monthly([100] * 48, framework="jax")])
    assert [c["framework"] for c in shifts.volume_collapses(rows)] == ["keras"]
    assert shifts.volume_collapses(pd.DataFrame()) == []
    with pytest.raises(ValueError, match="share"):
        shifts.volume_collapses(rows, share=1.5)


def test_the_bundled_snapshot_shows_the_stack_overflow_collapse_after_2022(snapshot_db):
    with duckdb.connect(str(snapshot_db), read_only=True) as con:
        rows = con.sql("SELECT * FROM metric_values WHERE metric = 'stackoverflow.questions_monthly_site'").df()
    [c] = shifts.volume_collapses(rows)
    assert c["framework"] == "_all"
    assert pd.Timestamp("2022-12-01") <= c["date"] <= pd.Timestamp("2023-12-31")
    assert c["peak_date"].year in (2015, 2016, 2017)
    assert c["drop_pct"] > 60
