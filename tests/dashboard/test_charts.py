"""The chart registry's shared transforms and build path, on a real DuckDB file."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.kit import line_chart, transform
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.data import db
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings
from tests.dashboard.conftest import bundled_bench


def _frame():
    return pd.DataFrame(
        {
            "framework": ["a", "a", "a", "b", "b"],
            "metric": ["m"] * 5,
            "date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-01-15", "2020-02-20"]),
            "value": [10.0, 20.0, 40.0, 30.0, 60.0],
        }
    )


def test_index_mode_starts_every_series_at_100():
    out = transform(_frame(), ChartOptions(mode="index"))
    assert out.groupby("framework")["value"].first().tolist() == [100.0, 100.0]
    assert out[out.framework == "a"]["value"].tolist() == [100.0, 200.0, 400.0]
    assert out["raw_value"].tolist() == [10.0, 20.0, 40.0, 30.0, 60.0]


def _two_methods():
    """pip-only counts, then all-installer counts three times higher: the jump is the change of counting."""
    return pd.DataFrame(
        {
            "framework": ["a"] * 6,
            "metric": ["m"] * 6,
            "date": pd.date_range("2024-01-01", periods=6, freq="MS"),
            "value": [10.0, 11.0, 12.0, 36.0, 39.0, 42.0],
            "source": ["s"] * 6,
            "method": ["pip only"] * 3 + ["all installers"] * 3,
        }
    )


def test_index_mode_splices_a_change_of_counting_method_instead_of_showing_it_as_growth():
    out = transform(_two_methods(), ChartOptions(mode="index"))
    assert out["value"].round(6).tolist() == [100.0, 110.0, 120.0, 120.0, 130.0, 140.0]
    assert "spliced" in ChartOptions(mode="index").describe()


def test_smoothing_never_averages_two_counting_methods():
    out = transform(_two_methods(), ChartOptions(smoothing=3))
    assert out["value"].round(6).tolist() == [10.5, 11.0, 11.5, 37.5, 39.0, 40.5]


def test_share_mode_sums_to_100_per_month_even_when_sampling_days_differ():
    out = transform(_frame(), ChartOptions(mode="share"))
    per_month = out.groupby(pd.to_datetime(out["date"]).dt.to_period("M"))["value"].sum()
    assert per_month.round(9).tolist() == [100.0, 100.0, 100.0]
    jan = out[pd.to_datetime(out["date"]).dt.month == 1].set_index("framework")["value"]
    assert jan["a"] == pytest.approx(25.0) and jan["b"] == pytest.approx(75.0)


def test_smoothing_and_alignment():
    out = transform(_frame(), ChartOptions(smoothing=3, align=True))
    a = out[out.framework == "a"]
    assert a["value"].tolist() == [15.0, pytest.approx(70 / 3), 30.0]
    assert a["x"].iloc[0] == 0 and out[out.framework == "b"]["x"].iloc[0] == 0


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="mode must be one of"):
        ChartOptions(mode="percent")


# Charts the bundled snapshot cannot fill (live-only sources). The speed charts are not here: the
# snapshot bundles measured bench results (data/snapshot/bench/*.json).
EMPTY_ON_SNAPSHOT = {
    "github-watchers",
    "github-stars-retained",
    "github-issues-flow",
    "stackoverflow-questions-monthly",
    "stackoverflow-questions-share",
    "stackoverflow-questions-total",
    "trends-interest",
    "pypi-downloads-daily",
    "citations-yearly",
    "citations-total",
    "pypi-downloads-monthly-all",
    "pypi-downloads-daily-all",
    "pypi-dependents-monthly",
    "gharchive-stars-given",
    "gharchive-forks",
    "gharchive-issues",
    "gharchive-prs",
    "research-papers-mentioning",
    "research-papers-share",
    "hfhub-models-monthly",
    "hfhub-models-share",
}


def _plotted_points(chart) -> int:
    """Points drawn: a None is where a line breaks at a gap (a drawing device), never a plotted value."""
    return sum(sum(v is not None for v in t.y) for t in chart.figure.data if t.y is not None)


def _build(chart_id, options=None):
    options = options if options is not None else ChartOptions()
    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        return registry.build(con, chart_id, options, load_registry(settings.config_path))


@pytest.mark.parametrize("chart_id", list(registry.CHARTS))
def test_build_on_bundled_data_plots_exactly_the_csv_rows(snapshot_db, chart_id):
    chart = _build(chart_id)
    if chart.figure is None:  # EMPTY_ON_SNAPSHOT: charts the bundled data may leave empty (it keeps growing)
        assert chart_id in EMPTY_ON_SNAPSHOT and chart.empty_reason and chart.data.empty, chart.empty_reason
        return
    assert chart.figure is not None and chart.caption.startswith("Source: ")
    assert chart.sources and chart.as_of is not None
    if registry.CHARTS[chart_id].time_series:
        assert _plotted_points(chart) == len(chart.data)


@pytest.mark.parametrize("chart_id, column", [("speed-step-time", "step_ms_p50"), ("speed-ratios", "ratio")])
def test_speed_charts_plot_the_bundled_measured_results(snapshot_db, chart_id, column):
    files, rows = bundled_bench()
    expected = [r for r in rows if r["status"] == "ok" and r[column] is not None]
    assert expected, "the snapshot bundles measured CPU results"
    chart = _build(chart_id)
    assert chart.figure is not None and chart.figure.data and chart.empty_reason is None
    # The CSV rows are exactly the plotted points, trace by trace and in order, and they are the bundled figures.
    names = load_registry(load_settings().config_path).names()
    assert len(chart.data) == _plotted_points(chart) == len(expected)
    for trace in chart.figure.data:
        fid = [f for f in chart.data["framework"].unique() if names.get(f, f) == trace.name]
        assert len(fid) == 1, trace.name
        rows_of = chart.data[chart.data["framework"] == fid[0]]
        assert trace.orientation == "h" and list(trace.x) == pytest.approx(rows_of[column].tolist())
        assert all(y.endswith(f" · {c}") for y, c in zip(trace.y, rows_of["contender"]))
    # one row label per result, none shared (a shared label would put two results on one row)
    labels = [y for trace in chart.figure.data for y in trace.y]
    assert len(labels) == len(set(labels)) == len(expected)
    assert sorted(chart.figure.layout.yaxis.categoryarray) == sorted(labels)
    assert sorted(chart.data[column]) == pytest.approx(sorted(r[column] for r in expected))
    assert set(chart.data["bench_run_id"]) == set(files)
    assert set(chart.data["device_name"]) == {r["device_name"] for r in expected}
    # Caption and sources name the bench import file; as-of is the measurement day.
    sources = [f"fwpulse bench import {name}" for name in files.values()]
    assert chart.sources == sources
    assert chart.caption.startswith("Source: ") and all(src in chart.caption for src in sources)
    assert chart.as_of == max(dt.datetime.fromisoformat(r["measured_at"]) for r in expected).date()


@pytest.mark.parametrize("chart_id", list(registry.CHARTS))
def test_every_chart_draws_with_every_source_filled(filled_db, chart_id):
    chart = _build(chart_id)
    assert chart.figure is not None and chart.figure.data, chart.empty_reason
    assert chart.caption.startswith("Source: ") and chart.sources and chart.as_of is not None
    if registry.CHARTS[chart_id].time_series:
        assert _plotted_points(chart) == len(chart.data)
        indexed = _build(chart_id, ChartOptions(mode="index", log=True, smoothing=3, align=True))
        assert indexed.figure.layout.yaxis.type == "log"


@pytest.mark.parametrize("chart_id", list(registry.CHARTS))
def test_every_chart_is_empty_not_broken_on_an_empty_database(empty_db, chart_id):
    chart = _build(chart_id)
    assert chart.figure is None and chart.empty_reason


def test_registry_entries_are_complete():
    views = {"overview", "github", "community", "search-interest", "adoption", "research", "speed", "article-check"}
    for cid, spec in registry.CHARTS.items():
        assert spec.id == cid and spec.title and spec.fill_hint
        assert spec.view in views, cid
        if not spec.time_series:
            assert spec.query is not None, cid
    assert {s.view for s in registry.CHARTS.values()} == views


def test_retained_stars_curve_is_the_running_total_labelled_as_what_it_is(empty_db):
    """Weekly star history -> cumulative stars still held, never titled or labelled a star count on past dates."""
    import datetime as dt

    from fwpulse.data import store
    from fwpulse.data.store import Observation, RunRecord

    weeks = [(dt.date(2026, 10, 4), 5.0), (dt.date(2026, 10, 11), 7.0), (dt.date(2026, 10, 18), 3.0)]
    rows = [
        Observation(
            "jax", "github.stars_added", d, v, "GitHub REST", "stars still held today, by the week they were given"
        )
        for d, v in weeks
    ]
    with db.writing(empty_db) as con:
        store.record_run(con, RunRecord("github", started_at=dt.datetime(2026, 11, 30)), rows)
    chart = _build("github-stars-retained", ChartOptions(frameworks=("jax",)))
    assert chart.data["value"].tolist() == [5.0, 12.0, 15.0]
    assert chart.data["raw_value"].tolist() == [5.0, 12.0, 15.0]
    assert "still held today, by the week they were given" in chart.spec.title
    assert chart.figure.layout.yaxis.title.text == "stars still held today, by the week they were given"
    assert any("not the star count on past dates" in n for n in chart.notes)
    # a later start keeps the running total from the weeks before it
    later = _build("github-stars-retained", ChartOptions(frameworks=("jax",), start=dt.date(2026, 10, 10)))
    assert later.data["value"].tolist() == [12.0, 15.0]


def _so_monthly(options=None):
    """Stack Overflow questions per month on the filled database: the bundled snapshot ends 2019-12, the
    (fixture) API series starts 2023-01."""
    return _build("stackoverflow-questions-monthly", options or ChartOptions(frameworks=("pytorch",)))


def _line(chart, name):
    """(x, y) of one framework's line, its traces (quality runs) concatenated in drawing order."""
    xs, ys = [], []
    for t in chart.figure.data:
        if t.name == name and t.y is not None and "lines" in (t.mode or "lines"):
            xs += list(t.x)
            ys += list(t.y)
    return xs, ys


def _gapped(empty_db):
    """Questions per month of ONE source and method with a three-year gap (2020-01 .. 2022-12); SYNTHETIC."""
    from fwpulse.data import store
    from fwpulse.data.store import Observation, RunRecord

    months = [d.date() for d in pd.date_range("2017-01-01", "2019-12-01", freq="MS")]
    months += [d.date() for d in pd.date_range("2023-01-01", "2024-06-01", freq="MS")]
    rows = [
        Observation(
            "pytorch", "stackoverflow.questions_monthly", m, 100.0 + i, "Stack Exchange API", "questions per month"
        )
        for i, m in enumerate(months)
    ]
    with db.writing(empty_db) as con:
        store.record_run(con, RunRecord("stackoverflow", started_at=dt.datetime(2024, 7, 2)), rows)


@pytest.mark.parametrize("align", [False, True])
def test_a_multi_year_gap_breaks_the_line_instead_of_bridging_it(empty_db, align):
    _gapped(empty_db)
    chart = _so_monthly(ChartOptions(frameworks=("pytorch",), align=align))
    xs, ys = _line(chart, "PyTorch")
    dates = pd.to_datetime(chart.data["date"]).tolist()
    last_old = dates.index(pd.Timestamp("2019-12-01"))
    assert dates[last_old + 1] == pd.Timestamp("2023-01-01")  # the gap is in the data
    # in the trace, a None sits between the 2019-12 point and the 2023-01 point: plotly draws no segment
    values = chart.data["value"].tolist()
    i = ys.index(values[last_old])
    assert ys[i + 1] is None and xs[i + 1] is None and ys[i + 2] == values[last_old + 1]
    assert all(t.connectgaps is False for t in chart.figure.data if t.name == "PyTorch")
    assert ys.count(None) == 1  # the monthly steps on either side are not gaps
    # no connector shape spans the gap either (shapes join quality runs only)
    spans = [(s.x0, s.x1) for s in chart.figure.layout.shapes if s.type == "line"]
    assert not any(
        pd.Timestamp(a) <= pd.Timestamp("2019-12-01") < pd.Timestamp("2023-01-01") <= pd.Timestamp(b)
        for a, b in spans
        if not align
    )


def test_a_change_of_source_is_two_lines_each_named_by_its_source(filled_db):
    """The bundled Stack Overflow series (to 2019-12) and the API's (from 2023-01) are never one line."""
    chart = _so_monthly()
    lines = [t for t in chart.figure.data if t.name and t.name.startswith("PyTorch") and t.y is not None]
    assert len({t.name for t in lines}) == 2 and all(" · " in t.name for t in lines)
    for t in lines:
        sources = set(chart.data[pd.to_datetime(chart.data["date"]).isin(pd.to_datetime(t.x))]["source"])
        assert len(sources) == 1  # each line holds one source's rows
    assert len({t.line.dash for t in lines}) == 2


def test_a_broken_line_adds_no_row_to_the_csv_or_the_alt_text(empty_db):
    from fwpulse.dashboard.export.alt_text import alt_text
    from fwpulse.dashboard.export.render import csv_bytes
    from fwpulse.data import read

    _gapped(empty_db)
    chart = _so_monthly()
    assert None in _line(chart, "PyTorch")[1]  # the line is broken at the gap
    with db.reading(str(load_settings().db_path)) as con:
        stored, _ = read.read_values(con, ["pytorch"], ["stackoverflow.questions_monthly"], thin=False)
    rows = csv_bytes(chart).decode().strip().splitlines()[1:]
    assert len(rows) == len(chart.data) == len(stored) == _plotted_points(chart)
    assert sorted(pd.to_datetime(chart.data["date"])) == sorted(pd.to_datetime(stored["date"]))
    assert chart.data["value"].notna().all()
    alt = alt_text(chart, None, {"pytorch": "PyTorch"})
    assert "None" not in alt and "nan" not in alt


def test_gap_after_follows_the_local_cadence():
    from fwpulse.dashboard.charts.quality import gap_after

    def gaps(*days):
        return gap_after(pd.Series(pd.to_datetime(list(days)))).tolist()

    monthly = ["2019-10-01", "2019-11-01", "2019-12-01"]
    assert gaps(*monthly, "2023-01-01", "2023-02-01") == [False, False, False, True, False]
    # monthly history followed by daily points: the switch of cadence is no gap
    assert not any(gaps(*monthly, "2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"))
    assert gaps("2019-10-01", "2025-11-01") == [False, False]  # two points: no cadence to compare with


def test_a_point_alone_between_two_gaps_keeps_a_marker_and_the_others_none():
    import plotly.graph_objects as go

    from fwpulse.dashboard.charts import quality

    dates = pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2021-01-01", "2022-01-01", "2022-02-01"])
    g = pd.DataFrame({"date": dates, "x": dates, "value": range(6), "quality": "ok", "details": None})
    fig = go.Figure()
    quality.add_series(fig, g, "A", "red", "%{y}")
    (t,) = fig.data
    assert list(t.y) == [0, 1, 2, None, 3, None, 4, 5]  # no line reaches 2021-01: it stands alone
    assert "markers" in t.mode
    assert [o for o, y in zip(t.marker.opacity, t.y) if y is not None] == [0, 0, 0, 1, 0, 0]


def _collapse_marks(chart):
    return [a for a in chart.figure.layout.annotations if a.name == "fwpulse-break" and "below half" in a.text]


def test_the_stack_overflow_collapse_is_a_dated_break_taken_from_the_data(snapshot_db):
    from fwpulse.data import shifts

    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        [found] = shifts.find(con, ["stackoverflow.questions_monthly_site"])
    assert found["date"].year == 2023  # where the bundled site totals fall to half their peak, not a typed date

    site = _build("stackoverflow-questions-site")
    [mark] = _collapse_marks(site)
    assert pd.Timestamp(mark.x) == found["date"] and mark.text.startswith("Site-wide: below half its peak")
    assert any(f"from {found['date']:%Y-%m} the trailing-year mean" in n for n in site.notes)
    assert set(site.data["framework"]) == {"_all"} and not site.data.empty

    # the per-framework lines end in 2019: the collapse is in the note, not a line stretching the axis
    share = _build("stackoverflow-questions-share")
    assert _collapse_marks(share) == []
    assert any("Volume collapses found in the data" in n and "Site-wide" in n for n in share.notes)

    assert not any("Volume collapses" in n for n in _build("github-stars").notes)  # not every chart
    aligned = _build("stackoverflow-questions-site", ChartOptions(align=True))
    assert _collapse_marks(aligned) == [] and not any("Volume collapses" in n for n in aligned.notes)


def test_collapse_marks_name_the_framework_and_stay_inside_the_plotted_dates():
    import plotly.graph_objects as go

    from fwpulse.dashboard.charts import breaks

    c = {
        "date": pd.Timestamp("2024-03-01"),
        "framework": "keras",
        "metric": "stackoverflow.questions_monthly",
        "peak_date": pd.Timestamp("2019-06-01"),
        "peak": 900.0,
        "last": 300.0,
        "drop_pct": 66.7,
    }
    inside = pd.DataFrame({"date": pd.to_datetime(["2018-01-01", "2025-01-01"])})
    fig = go.Figure()
    note = breaks.mark_collapses(fig, [c], {"keras": "Keras"}, inside)
    [mark] = [a for a in fig.layout.annotations if a.name == "fwpulse-break"]
    assert mark.text == "Keras: below half its peak from here" and mark.xanchor == "right"
    assert "Keras, Stack Overflow questions per month: from 2024-03" in note and "67% below" in note

    outside = pd.DataFrame({"date": pd.to_datetime(["2018-01-01", "2019-12-01"])})
    fig = go.Figure()
    assert "from 2024-03" in breaks.mark_collapses(fig, [c], {"keras": "Keras"}, outside)
    assert not fig.layout.annotations and not fig.layout.shapes


def test_merged_prs_stop_at_2025_09_and_the_figure_says_why(empty_db):
    """Values an older fwpulse stored for 2025-10 on (a structural zero) are not drawn; a labelled line in the
    figure itself, and the note, say why the merged line stops."""
    from fwpulse.data import store
    from fwpulse.data.store import Observation, RunRecord

    months = [dt.date(2025, m, 1) for m in range(6, 13)]
    rows = [
        Observation(
            "pytorch",
            metric,
            m,
            0.0 if (metric.endswith("merged") and m.month >= 10) else 50.0 + i,
            "gharchive",
            "GH Archive (test)",
        )
        for i, m in enumerate(months)
        for metric in ("gharchive.prs_opened", "gharchive.prs_merged")
    ]  # SYNTHETIC
    with db.writing(empty_db) as con:
        store.record_run(con, RunRecord("gharchive", started_at=dt.datetime(2026, 1, 2)), rows)
    chart = _build("gharchive-prs", ChartOptions(frameworks=("pytorch",)))
    merged = chart.data[chart.data["metric"] == "gharchive.prs_merged"]
    assert pd.to_datetime(merged["date"]).max() == pd.Timestamp("2025-09-01") and len(merged) == 4
    assert len(chart.data[chart.data["metric"] == "gharchive.prs_opened"]) == 7
    labels = [a.text for a in chart.figure.layout.annotations if a.name == "fwpulse-break"]
    assert labels == ["merged PRs: not in GH Archive from 2025-10"]
    assert any("'merged' field" in n for n in chart.notes)
    # before 2025-10 there is nothing to explain
    early = _build("gharchive-prs", ChartOptions(frameworks=("pytorch",), end=dt.date(2025, 8, 31)))
    assert not [a for a in early.figure.layout.annotations if a.name == "fwpulse-break"]


def test_monthly_downloads_draw_one_line_per_counting_method(snapshot_db):
    """pip-only, all-installer and calendar-month counts were one line with a spike and a dip at 2025-06."""
    chart = _build("pypi-downloads-monthly", ChartOptions(frameworks=("pytorch",)))
    rows = chart.data[chart.data["metric"] == "pypi.downloads_monthly"]
    lines = [t for t in chart.figure.data if t.name and t.name.startswith("PyTorch") and t.y is not None and len(t.y)]
    names = {t.name for t in lines}
    assert len(names) == rows["method"].nunique() == 3
    assert "PyTorch · pip installs only" in names and "PyTorch · all installers" in names
    by_x = {pd.Timestamp(d): m for d, m in zip(pd.to_datetime(rows["date"]), rows["method"])}
    for t in lines:
        methods = {by_x[pd.Timestamp(x)] for x in t.x if x is not None}
        assert len(methods) == 1, t.name  # no line runs across a change of counting method


def test_yearly_counts_are_bars_per_calendar_year_with_the_partial_year_hatched(snapshot_db):
    """AI Index counts are dated 31 December: as a line they sat on the next January's tick, and the half
    year 2020 read as a fall. As bars: one per calendar year, 2020 hatched and labelled where it stops."""
    chart = _build("stackoverflow-questions-yearly-ai-index", ChartOptions(frameworks=("pytorch", "keras")))
    bars = [t for t in chart.figure.data if t.type == "bar"]
    assert {t.name for t in bars} == {"PyTorch", "Keras"}
    pytorch = next(t for t in bars if t.name == "PyTorch")
    assert list(pytorch.x) == [2017, 2018, 2019, 2020]  # the calendar years, not the next January
    shapes = list(pytorch.marker.pattern.shape)
    assert shapes[-1] == "/" and set(shapes[:-1]) == {""}  # only the partial year is hatched
    labels = [a.text for a in chart.figure.layout.annotations if a.name == "fwpulse-partial"]
    assert labels == ["2020: partial year (to Jun 12)"]  # one label over the year's bars, not one per bar
    assert chart.caveat == "partial 2020 (to 2020-06-12)"
    assert not [t for t in chart.figure.data if t.type == "scatter" and t.mode and "lines" in t.mode]


def test_a_quality_connector_below_one_on_a_log_axis_stays_in_data_units():
    """Plotly reads shapes' y as values on a log axis (annotations as log10): a connector moved to log10 0.5 < 0
    stretched the axis to 1e-48 and squashed every line into the top of the plot."""
    df = pd.DataFrame(
        {
            "framework": ["a"] * 4,
            "metric": ["github.stars"] * 4,
            "date": pd.date_range("2026-01-01", periods=4, freq="MS"),
            "value": [0.7, 0.6, 0.55, 0.5],
            "source": ["s"] * 4,
            "method": ["m"] * 4,
            "quality": ["ok", "ok", "ok", "partial_period"],
        }
    )
    spec = registry.CHARTS["github-stars"]
    chart = line_chart(spec, df, ChartOptions(log=True), {"a": "A"}, {"a": "#123456"}, "github.stars")
    connectors = [s for s in chart.figure.layout.shapes if s.yref == "y"]
    assert connectors and (connectors[0].y0, connectors[0].y1) == (0.55, 0.5)
