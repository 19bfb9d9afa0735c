"""The caveat a chart carries inside its image, and layouts that hold on log axes and near the data's ends."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from fwpulse.dashboard.charts import breaks, caveats, drops, registry
from fwpulse.dashboard.charts.spec import Chart, ChartOptions
from fwpulse.dashboard.export.alt_text import alt_text
from fwpulse.dashboard.export.manifest import chart_entry
from fwpulse.dashboard.export.theme import apply_theme
from fwpulse.data import db
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings


def _build(chart_id, options=None):
    options = options if options is not None else ChartOptions()
    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        return registry.build(con, chart_id, options, load_registry(settings.config_path))


def _breaks(chart) -> list[pd.Timestamp]:
    return [b["date"] for b in breaks.method_breaks(chart.data)]


def test_monthly_downloads_say_where_counting_changed_in_the_figure_export_alt_text_and_manifest(snapshot_db):
    chart = _build("pypi-downloads-monthly")
    changes = _breaks(chart)
    assert changes, "the bundled monthly downloads change counting method"
    assert "method change" in chart.caveat
    for when in changes:
        assert f"{when:%Y-%m}" in chart.caveat
    assert chart.figure.layout.title.subtitle.text == chart.caveat  # on screen, inside the figure
    exported = apply_theme(chart)
    assert chart.caveat.split("; ")[0] in exported.layout.title.subtitle.text.replace("<br>", " ")
    assert f"{chart.caveat}." in alt_text(chart) and "Caveat" in alt_text(chart)
    assert chart_entry(chart, "article", None, alt_text(chart))["caveat"] == chart.caveat


def test_partial_and_bounded_values_are_named_with_their_dates(snapshot_db):
    site = _build("stackoverflow-questions-site")
    partial = site.data[site.data["quality"] == "partial_period"]
    assert not partial.empty and f"partial {pd.Timestamp(partial['date'].max()):%Y-%m}" in site.caveat
    issues = _build("github-open-issues")
    assert "lower bound" in issues.caveat


def test_a_series_that_stops_early_is_named_in_the_caveat(snapshot_db):
    forks = _build("github-forks")
    assert "JAX ends" in forks.caveat


def test_speed_charts_say_suite_and_hardware(snapshot_db):
    chart = _build("speed-step-time")
    assert chart.caveat.startswith("smoke suite, CPU only: 2-core")


def test_final_current_single_method_rows_have_no_caveat():
    chart = Chart(
        registry.CHARTS["github-stars"],
        figure=__import__("plotly.graph_objects").graph_objects.Figure(),
        data=pd.DataFrame(
            {
                "framework": ["a", "a", "b", "b"],
                "metric": ["github.stars"] * 4,
                "date": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2),
                "value": [1.0, 2.0, 3.0, 4.0],
                "quality": ["ok"] * 4,
                "source": ["s"] * 4,
                "method": ["m"] * 4,
            }
        ),
        caption="",
    )
    assert caveats.caveat_line(chart) == ""


def test_the_caveat_stays_one_line_long_by_giving_details_way_to_counts():
    dates = pd.date_range("2015-01-01", periods=120, freq="MS")
    rows = []
    for i, fid in enumerate("abcdefgh"):
        for k, d in enumerate(dates[: 60 + i]):  # every series ends at another month: most are stale
            rows.append((fid, "m", d, 1.0, "lower_bound" if k % 7 == 0 else "ok", "s", f"method {k // 20}"))
    df = pd.DataFrame(rows, columns=["framework", "metric", "date", "value", "quality", "source", "method"])
    chart = Chart(registry.CHARTS["github-stars"], figure=object(), data=df, caption="")
    line = caveats.caveat_line(chart)
    assert 0 < len(line) <= caveats.MAX_CHARS and "lower bounds" in line and "\n" not in line


def test_labels_on_a_log_axis_sit_at_their_values_not_at_ten_to_the_value(snapshot_db):
    """docs/dashboard.md's share link: index mode on a log axis put "JAX: no data after ..." at 10^257."""
    chart = _build("github-open-issues", ChartOptions(mode="index", log=True, start=dt.date(2020, 1, 1)))
    assert chart.figure.layout.yaxis.type == "log"
    top = math.log10(chart.data["value"].max())
    placed = [a for a in chart.figure.layout.annotations if a.yref in (None, "y")]
    assert placed, "the stale label is drawn"
    assert all(a.y <= top + 0.5 for a in placed)
    for shape in chart.figure.layout.shapes:
        if shape.yref in (None, "y"):
            assert shape.y0 <= top + 0.5 and shape.y1 <= top + 0.5


def test_the_time_axis_ends_where_the_data_end(snapshot_db):
    for chart_id in ("pypi-downloads-monthly", "github-stars", "stackoverflow-questions-site"):
        chart = _build(chart_id)
        lo, hi = (pd.Timestamp(v) for v in chart.figure.layout.xaxis.range)
        d = pd.to_datetime(chart.data["date"])
        span = d.max() - d.min()
        assert d.min() - 0.05 * span <= lo <= d.min() and d.max() <= hi <= d.max() + 0.05 * span, chart_id


def test_break_labels_are_cut_at_a_word_and_face_the_middle():
    assert (
        breaks.short_label("all installers, calendar months (ClickHouse) from here", 30) == "all installers, calendar…"
    )
    assert breaks.short_label("short", 30) == "short"
    dates = pd.Series(pd.to_datetime(["2016-01-01", "2026-01-01"]))
    assert breaks.side(pd.Timestamp("2025-06-01"), dates) == "right"
    assert breaks.side(pd.Timestamp("2017-06-01"), dates) == "left"


def test_then_vs_now_is_dots_with_the_articles_qualifiers_and_labels_on_their_outer_sides(snapshot_db):
    chart = _build("article-then-now")
    assert chart.figure.layout.xaxis.type == "log"
    assert not [t for t in chart.figure.data if t.type == "bar"]  # a bar's length means nothing on a log axis
    then = next(t for t in chart.figure.data if t.name == "2020 article")
    now = next(t for t in chart.figure.data if t.name == "now (stored)")
    said = dict(zip(then.y, then.text))
    assert said["Open issues · Keras"] == "≥ 3,000" and said["GitHub forks · TensorFlow"] == "~ 82,000"
    assert said["Stack Overflow questions · PyTorch"] == "≤ 9,000"
    for row, value, side in zip(now.y, now.x, now.textposition):
        before = dict(zip(then.y, then.x))[row]
        assert side == ("middle right" if value >= before else "middle left")  # away from the other dot


def test_cliffs_in_level_series_are_marked_and_explained_never_silent(snapshot_db):
    """TensorFlow forks -17.5% (2024-03), Keras open issues 3,304 -> 682 (2021-07): marked on the chart,
    named in the note and the caveat, as unexplained where the rows show no change of method."""
    forks = _build("github-forks")
    marks = [a.text for a in forks.figure.layout.annotations if a.name == "fwpulse-drop"]
    assert any(t.startswith("TensorFlow −1") and "unexplained drop" in t for t in marks), marks
    assert "unexplained drops: TensorFlow 2024-03" in forks.caveat
    assert any("2024-03-01 (unexplained drop)" in n for n in forks.notes)
    issues = _build("github-open-issues")
    note = next(n for n in issues.notes if n.startswith("Falls of more than 15%"))
    assert "Keras open issues" in note and "2021-07-01" in note and "unexplained drops" in issues.caveat
    assert len([a for a in issues.figure.layout.annotations if a.name == "fwpulse-drop"]) <= 4


def test_a_drop_at_a_change_of_method_is_explained_by_it():
    rows = pd.DataFrame(
        {
            "framework": ["a"] * 4,
            "metric": ["github.stars"] * 4,
            "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]),
            "value": [100.0, 104.0, 50.0, 52.0],
            "source": ["s", "s", "t", "t"],
            "method": ["m", "m", "n", "n"],
        }
    )
    [drop] = drops.level_drops(rows, ("github.stars",), breaks.method_breaks(rows))
    assert drop["why"] == "counting method changed" and drop["date"] == pd.Timestamp("2024-03-01")
    flows = rows.assign(metric="gharchive.forks")  # a count per month may fall: not a level series
    assert drops.level_drops(flows, ("gharchive.forks",)) == []
