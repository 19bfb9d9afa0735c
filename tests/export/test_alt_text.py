"""Alt text and theming on hand-made charts with known numbers (no browser, no database)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from fwpulse.dashboard.charts.spec import Chart, ChartOptions, ChartSpec
from fwpulse.dashboard.export.alt_text import alt_text
from fwpulse.dashboard.export.manifest import write_files
from fwpulse.dashboard.export.options import ExportUsageError, alt_name, file_name, parse_size
from fwpulse.dashboard.export.render import render
from fwpulse.dashboard.export.theme import apply_theme, footer_text

NAMES = {"a": "Alpha", "b": "Beta", "c": "Gamma"}


def _spec(time_series=True, metrics=("m.x",)):
    return ChartSpec(
        "test-chart", "Test chart", metrics, lambda *a: None, "fwpulse refresh --source test", time_series=time_series
    )


def _series_chart(rows, unit="stars", time_series=True):
    df = pd.DataFrame(rows, columns=["framework", "date", "value"])
    df["date"] = pd.to_datetime(df["date"])
    df["metric"], df["unit"], df["source"], df["method"] = "m.x", unit, "src", "how"
    fig = go.Figure([go.Scatter(x=g["date"], y=g["value"], name=NAMES[f]) for f, g in df.groupby("framework")])
    fig.update_layout(title="Test chart")
    return Chart(
        _spec(time_series),
        fig,
        df,
        "Source: src (how) · data as of 2026-01-01",
        sources=["src"],
        as_of=pd.Timestamp(df["date"].max()).date(),
    )


def test_leader_and_ratio_at_latest_date():
    chart = _series_chart(
        [("a", "2025-01-01", 10), ("a", "2026-01-01", 300), ("b", "2025-01-01", 20), ("b", "2026-01-01", 100)]
    )
    text = alt_text(chart, ChartOptions(), NAMES)
    assert text == "Test chart: Alpha leads at the latest date (2026-01-01) with 300 stars, 3.0 times Beta's 100 stars."


def test_close_race_in_percent_and_ended_series_named():
    chart = _series_chart([("a", "2026-01-01", 110), ("b", "2026-01-01", 100), ("c", "2023-05-01", 5000)])
    text = alt_text(chart, None, NAMES)
    assert "Alpha leads" in text and "10% more than Beta's 100 stars" in text
    assert "Gamma's series ends 2023-05-01" in text  # a stale series never "leads"


def test_index_and_share_wording():
    idx = _series_chart([("a", "2026-01-01", 250), ("b", "2026-01-01", 120)], unit="index")
    assert "indexed to 100" in alt_text(idx, ChartOptions(mode="index"), NAMES)
    assert "2.5 times its first value" in alt_text(idx, None, NAMES)  # mode inferred from the unit column
    share = _series_chart([("a", "2026-01-01", 60.0), ("b", "2026-01-01", 40.0)], unit="%")
    text = alt_text(share, ChartOptions(mode="share"), NAMES)
    assert "largest share" in text and "60.0%" in text and "20.0 percentage points ahead of Beta (40.0%)" in text


def test_single_framework():
    chart = _series_chart([("a", "2026-01-01", 1_500_000)], unit="downloads/month")
    assert alt_text(chart, None, NAMES) == (
        "Test chart: Alpha stands at 1.5 million downloads/month at the latest "
        "date (2026-01-01) (the only framework shown)."
    )


def _bench_like_chart():
    """Like the speed charts: multicategory bars and no `value` column in the plotted data."""
    fig = go.Figure([go.Bar(x=[["W1 cpu", "W1 cpu"], ["torch-eager", "jax-jit"]], y=[12.5, 7.25], name="Step time")])
    fig.update_layout(title="Measured time per step", yaxis_title="ms per step")
    data = pd.DataFrame(
        {
            "framework": ["a", "b"],
            "workload": ["W1", "W1"],
            "step_ms_p50": [12.5, 7.25],
            "source": ["fwpulse bench"] * 2,
            "method": ["m"] * 2,
            "date": pd.to_datetime(["2026-01-02", "2026-01-02"]),
        }
    )
    return Chart(
        _spec(time_series=False, metrics=()),
        fig,
        data,
        "",
        sources=["fwpulse bench"],
        as_of=pd.Timestamp("2026-01-02").date(),
    )


def test_chart_without_value_column_falls_back_to_the_figure():
    text = alt_text(_bench_like_chart(), None, NAMES)
    assert "largest is Step time (W1 cpu · torch-eager) at 12.5" in text and "smallest" in text
    assert "(ms per step)" in text


def test_bench_like_chart_exports_csv_and_html_without_a_browser(tmp_path):
    chart = _bench_like_chart()
    items = render([chart], ("html", "csv"), "article", (800, 450), 1, None, NAMES, browser_path=None)
    assert [i.file for i in items] == ["test-chart.html", "test-chart.csv", "test-chart.alt.txt"]
    csv = items[1].data.decode()
    # no unit column: as is, plus every row's quality (the one CSV writer)
    assert csv.splitlines()[0] == "framework,workload,step_ms_p50,source,method,date,quality,quality_reason"
    assert "2026-01-02" in csv
    write_files(tmp_path, items)
    assert (tmp_path / "test-chart.html").read_bytes() == items[0].data


@pytest.mark.parametrize("theme", ["article", "dark", "transparent"])
def test_footer_and_fonts_in_every_theme(theme):
    chart = _series_chart([("a", "2026-01-01", 1), ("b", "2026-01-01", 2)])
    fig = apply_theme(chart, theme, 1200, 675)
    assert fig.layout.font.size >= 18 and fig.layout.legend.font.size >= 18
    footer = [a for a in fig.layout.annotations if a.name == "fwpulse-footer"]
    assert len(footer) == 1 and footer[0].text == footer_text(chart) == "Source: src · data as of 2026-01-01 · fwpulse"
    assert (fig.layout.width, fig.layout.height) == (1200, 675)


@pytest.mark.parametrize(
    "text, ok", [("1200x675", (1200, 675)), ("800X450", (800, 450)), ("12x6", None), ("wide", None), ("9000x100", None)]
)
def test_parse_size(text, ok):
    if ok:
        assert parse_size(text) == ok
    else:
        with pytest.raises(ExportUsageError):
            parse_size(text)


def test_file_names():
    assert file_name("github-stars", "article", "png") == "github-stars.png"
    assert file_name("github-stars", "dark", "svg") == "github-stars-dark.svg"
    assert file_name("github-stars", "dark", "csv") == "github-stars.csv"
    assert alt_name("github-stars", "transparent") == "github-stars-transparent.alt.txt"


def test_horizontal_bars_read_values_from_x_and_labels_from_y():
    fig = go.Figure([go.Bar(y=["W1 · torch-eager", "W1 · jax-jit"], x=[12.5, 7.25], orientation="h", name="Step time")])
    fig.update_layout(title="Measured time per step", xaxis_title="ms per step")
    chart = _bench_like_chart()
    chart.figure = fig
    text = alt_text(chart, None, NAMES)
    assert (
        "largest is Step time (W1 · torch-eager) at 12.5" in text
        and "the smallest Step time (W1 · jax-jit) at 7.25" in text
    )
    assert "(ms per step)" in text
