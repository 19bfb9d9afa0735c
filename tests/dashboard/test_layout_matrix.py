"""Layouts that hold under every option: each chart rendered by Plotly in Chromium over the option matrix.

{linear, log} x {absolute, index, share} x {aligned or not} x {all dates, from 2020-01-01} x {760, 1400 px}
for every time-series chart (the others at both widths), and every chart as exported (article theme) at its
natural size and at 1600x900, on a database with every source filled. From the
rendered SVG: no two text boxes overlap (ticks, legend, titles, annotations), no text leaves the image, a
value axis shows at least 3 distinct tick labels, and a time axis ends within 5% of the plotted data's span.
One Chromium page per test worker, forty figures per round trip; one test per chart, so the workers share the matrix.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pandas as pd
import plotly
import plotly.io as pio
import pytest

from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.data import db
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
WIDTHS = (760, 1400)  # a chart's width in an 800 px and a 1440 px window
PROBE = (Path(__file__).parent / "layout_probe.js").read_text()


def _matrix():
    for log, mode, align, start in itertools.product(
        (False, True), ("absolute", "index", "share"), (False, True), (None, dt.date(2020, 1, 1))
    ):
        yield log, mode, align, start


def _figures(con, reg, chart_ids) -> list[dict]:
    """Each chart under every option combination, as Plotly JSON with its plotted dates' span."""
    out = []
    names, colors, main = reg.names(), reg.colors(), tuple(reg.ids("main"))
    for chart_id in chart_ids:
        spec = registry.CHARTS[chart_id]
        combos = list(_matrix()) if spec.time_series else [(False, "absolute", False, None)]
        loaded: dict = {}
        for log, mode, align, start in combos:
            options = ChartOptions(frameworks=main, log=log, mode=mode, align=align, start=start)
            if start not in loaded:  # the store query depends on the frameworks and dates only
                loaded[start] = registry.load(con, chart_id, options)
            chart = registry.render(chart_id, loaded[start], options, names, colors)
            if chart.figure is None:
                continue
            span = None
            if spec.time_series and not align and "date" in chart.data.columns and len(chart.data):
                d = pd.to_datetime(chart.data["date"])
                span = [d.min().value / 1e6, d.max().value / 1e6]
            fig = json.loads(pio.to_json(chart.figure))
            for width in WIDTHS:
                fig["layout"]["width"] = width
                fig["layout"].setdefault("height", 450)
                label = f"{chart_id} log={log} mode={mode} align={align} from={start} width={width}"
                out.append({"id": label, "fig": json.loads(json.dumps(fig)), "span": span})
    return out


def _exported(con, reg, chart_ids) -> list[dict]:
    """Every chart as exported (article theme) at its natural size and docs/export.md's 1600x900."""
    from fwpulse.dashboard.export.render import natural_size
    from fwpulse.dashboard.export.theme import apply_theme

    out = []
    options = ChartOptions(frameworks=tuple(reg.ids("main")))
    for chart_id in chart_ids:
        chart = registry.build(con, chart_id, options, reg)
        if chart.figure is None:
            continue
        for width, height in (natural_size(chart), (1600, 900)):
            fig = json.loads(pio.to_json(apply_theme(chart, "article", width, height)))
            out.append({"id": f"{chart_id} export {width}x{height}", "fig": fig, "span": None})
    return out


@pytest.fixture(scope="module")
def probe_page():
    """One Chromium page with plotly.js loaded, for every chart of this module (one per xdist worker)."""
    from playwright.sync_api import sync_playwright

    p = sync_playwright().start()
    browser = p.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    page = browser.new_page(viewport={"width": 1500, "height": 900})
    page.set_content("<html><body></body></html>")
    page.add_script_tag(path=str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js"))
    yield page
    browser.close()
    p.stop()


# One test per chart: the matrix (about 1,500 figures) spreads over the test workers, each part well under the
# per-test timeout.
@pytest.mark.parametrize("chart_id", list(registry.CHARTS))
def test_every_chart_holds_its_layout_under_every_option(filled_db_template, monkeypatch, probe_page, chart_id):
    monkeypatch.setenv("FWPULSE_DB", str(filled_db_template))  # read only: the session's filled database
    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        reg = load_registry(settings.config_path)
        figures = _figures(con, reg, [chart_id]) + _exported(con, reg, [chart_id])
    assert figures, f"{chart_id} draws nothing on a database with every source filled"
    bad = []
    for i in range(0, len(figures), 40):
        bad += [r for r in probe_page.evaluate(PROBE, figures[i : i + 40]) if r["problems"]]
    assert not bad, f"{len(bad)} of {len(figures)} layouts broke, e.g. " + "; ".join(
        f"{r['id']}: {r['problems'][:2]}" for r in bad[:5]
    )
