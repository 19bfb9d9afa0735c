"""A thinned chart says so (caption, notes, export subtitle), on a real DuckDB file with superseded values.

The read paths themselves are tested in tests/data/test_read.py."""

from __future__ import annotations

import datetime as dt

from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.dashboard.export.theme import shown_as
from fwpulse.data import read
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings
from tests.data.test_read import DAYS, con  # noqa: F401, F811  (the fixture: four years of daily values, superseded rows)


def test_thinned_chart_says_so_in_caption_notes_and_export_subtitle(con):  # noqa: F811 (the imported fixture)
    reg = load_registry(load_settings().config_path)
    opts = ChartOptions(frameworks=("pytorch",))
    chart = registry.build(con, "github-stars", opts, reg)
    assert "thinned to one point per series per week" in chart.caption
    assert read.THIN_NOTE in chart.notes
    assert "one point per series per week" in shown_as(chart, opts)
    assert len(chart.data) < DAYS / 6
    short = registry.build(con, "github-stars", ChartOptions(frameworks=("pytorch",), start=dt.date(2023, 1, 1)), reg)
    assert "thinned" not in short.caption and len(short.data) > 365


def test_plain_error_reads_an_unreachable_host_as_such_even_when_its_port_looks_like_a_status():
    from fwpulse.dashboard.health import plain_error

    text = plain_error("cannot reach 127.0.0.1:40312 (connection refused); check the network, or FWPULSE_PYPISTATS_URL")
    assert text.startswith("The service could not be reached")
    assert plain_error("https://api.github.com/graphql: HTTP 403: rate limit").startswith("The service's rate limit")
