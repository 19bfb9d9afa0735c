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

from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.data import db
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings

CHROMIUM = "/usr/bin/chromium"
READABLE = re.compile(r"^\d+(\.\d+)?[kMB]?$")


def _build(chart_id, options=None):
    options = options if options is not None else ChartOptions()
    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        return registry.build(con, chart_id, options, load_registry(settings.config_path))


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
    assert sum(lo / 1.6 <= v <= hi * 1.6 for v in axis.tickvals) >= 2  # at least two labels over the data
    # minor ticks: drawn, never labelled (plotly has no labels for minor ticks), never on a labelled value
    if math.log10(hi / lo) >= 0.6:
        assert axis.minor.tickvals and not set(axis.minor.tickvals) & set(axis.tickvals)


@pytest.mark.parametrize("chart_id, axis", [("speed-step-time", "x"), ("speed-ratios", "x"), ("article-then-now", "x")])
def test_always_log_charts_have_readable_ticks(snapshot_db, chart_id, axis):
    chart = _build(chart_id)
    layout_axis = chart.figure.layout.xaxis if axis == "x" else chart.figure.layout.yaxis
    values = [v for t in chart.figure.data for v in (t.x if axis == "x" else t.y) if v and v > 0]
    _assert_readable_log_axis(layout_axis, values)


@pytest.mark.parametrize("chart_id", ["github-stars", "github-forks", "pypi-downloads-monthly"])
def test_log_scale_option_gives_readable_ticks(snapshot_db, chart_id):
    chart = _build(chart_id, ChartOptions(log=True))
    values = [v for t in chart.figure.data if t.y is not None for v in t.y if v is not None and v > 0]
    _assert_readable_log_axis(chart.figure.layout.yaxis, values)
    assert any(t.endswith("k") for t in chart.figure.layout.yaxis.ticktext)  # thousands read 1k/10k/100k


@pytest.mark.parametrize("chart_id", ["github-stars", "github-forks", "pypi-downloads-monthly", "git-commits-monthly"])
def test_a_chart_with_one_series_has_a_legend(snapshot_db, chart_id):
    chart = _build(chart_id, ChartOptions(frameworks=("keras",)))
    named = [t for t in chart.figure.data if t.name and t.showlegend is not False]
    shown = chart.figure.layout.showlegend
    assert named and (shown is True or (shown is None and len(named) > 1))  # plotly hides a one-trace legend
    assert any(t.name == "Keras" or t.name.startswith("Keras · ") for t in named)  # ' · method' per method


def test_one_series_keeps_its_legend_in_the_export(snapshot_db):
    from fwpulse.dashboard.export.layout import legend_height
    from fwpulse.dashboard.export.theme import apply_theme

    chart = _build("github-stars", ChartOptions(frameworks=("jax",)))
    fig = apply_theme(chart)
    # JAX's stars join two sources: two named lines, so plotly shows the legend without being asked
    assert fig.layout.showlegend is not False and legend_height(fig, 1000, 18) > 0  # room made for it


# ------------------------------------------------------------------------------- export footers (Chromium geometry)

FOOTER_JS = """() => {
  const svg = document.querySelector('.main-svg').getBoundingClientRect();
  const out = [];
  for (const g of document.querySelectorAll('g.annotation')) {
    if (!g.textContent.startsWith('Source:')) continue;
    const r = g.querySelector('text').getBoundingClientRect();
    out.push({text: g.textContent, left: r.left - svg.left, right: r.right - svg.left,
              top: r.top - svg.top, bottom: r.bottom - svg.top, width: svg.width, height: svg.height});
  }
  const yt = [...document.querySelectorAll('.ytick text')].map(e => e.getBoundingClientRect().left - svg.left);
  const xt = document.querySelector('.xtitle');
  const xr = xt ? xt.getBoundingClientRect() : null;
  return {footer: out, ytick_left: yt.length ? Math.min(...yt) : null,
          xtitle: xr ? {left: xr.left - svg.left, right: xr.right - svg.left, bottom: xr.bottom - svg.top} : null};
}"""

SIZES = [(1200, 675), (1200, 300), (800, 1000), (640, 360), (1600, 900)]


@pytest.fixture(scope="module")
def chromium_page():
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser.new_page(viewport={"width": 1800, "height": 2400})
        browser.close()


def _footer_geometry(page, fig, tmp_path) -> dict:
    html = tmp_path / "chart.html"
    fig.write_html(str(html), include_plotlyjs=True, full_html=True, config={"staticPlot": True})
    page.goto(html.as_uri())
    page.wait_for_selector("g.annotation", timeout=30_000)
    return page.evaluate(FOOTER_JS)


@pytest.mark.browser
@pytest.mark.parametrize("chart_id", ["speed-step-time", "speed-ratios", "github-forks", "article-then-now"])
def test_export_footer_is_never_clipped(snapshot_db, chromium_page, tmp_path, chart_id):
    from fwpulse.dashboard.export.render import natural_size
    from fwpulse.dashboard.export.theme import apply_theme, footer_text

    chart = _build(chart_id)
    sizes = [natural_size(chart), *SIZES]
    for width, height in sizes:
        fig = apply_theme(chart, "article", width, height)
        geo = _footer_geometry(chromium_page, fig, tmp_path)
        (foot,) = geo["footer"]
        where = f"{chart_id} at {width}x{height}: {foot}"
        assert foot["text"].replace("\u00a0", " ").replace(" ", "") == footer_text(chart).replace(" ", ""), where
        assert str(chart.as_of) in foot["text"], where
        assert 0 <= foot["left"] and foot["right"] <= foot["width"], where  # nothing cut left or right
        assert 0 <= foot["top"] and foot["bottom"] <= foot["height"], where  # nor below the image
        assert foot["left"] <= width * 0.06, where  # it starts at the image's left edge, not the plot's
        if geo["ytick_left"] is not None:
            assert geo["ytick_left"] >= 0, where  # the reserved room keeps the y labels in the image
        if geo["xtitle"] is not None:  # the x title: whole, and above the footer
            xt = geo["xtitle"]
            assert xt["left"] >= 0 and xt["right"] <= width and xt["bottom"] <= foot["top"] + 2, (where, xt)


# ------------------------------------------------------------------------------- no label over a marker

OVERLAP_JS = """() => {
  const boxes = sel => [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect())
      .filter(r => r.width > 0 && r.height > 0);
  const labels = [...document.querySelectorAll('.textpoint text')].filter(e => e.textContent)
      .map(e => ({t: e.textContent, r: e.getBoundingClientRect()}));
  const markers = boxes('.scatterlayer .points path.point');
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const bad = [];
  for (const l of labels) for (const m of markers) if (hit(l.r, m)) bad.push([l.t, m.left, m.top]);
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++)
    if (hit(labels[i].r, labels[j].r)) bad.push([labels[i].t, labels[j].t]);
  return {labels: labels.length, markers: markers.length, bad: bad};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1200, 675), (900, 450), (700, 400)])
def test_no_value_label_sits_over_a_marker(snapshot_db, chromium_page, tmp_path, size):
    from fwpulse.dashboard.export.theme import apply_theme

    for chart_id in ("github-forks", "github-open-issues", "article-then-now"):
        chart = _build(chart_id)
        for fig in (apply_theme(chart, "article", *size), chart.figure):  # the export and the dashboard figure
            fig = fig if fig.layout.width else type(fig)(fig).update_layout(width=size[0], height=size[1])
            html = tmp_path / "labels.html"
            fig.write_html(str(html), include_plotlyjs=True, full_html=True, config={"staticPlot": True})
            chromium_page.goto(html.as_uri())
            chromium_page.wait_for_selector(".textpoint text", timeout=30_000)
            found = chromium_page.evaluate(OVERLAP_JS)
            assert found["labels"] >= 2 and found["markers"] >= found["labels"], (chart_id, size, found)
            assert not found["bad"], (chart_id, size, found)


@pytest.mark.parametrize("chart_id", ["stackoverflow-questions-total", "github-watchers", "citations-total"])
def test_values_of_one_date_get_a_day_labelled_axis(filled_db, chart_id):
    """Counts collected once all sit on one date: plotly zoomed the axis to milliseconds ('23:59:59.999')."""
    import pandas as pd

    chart = _build(chart_id)
    day = pd.Timestamp(chart.data["date"].iloc[0]).normalize()
    assert chart.data["date"].map(lambda d: pd.Timestamp(d).normalize()).eq(day).all()
    axis = chart.figure.layout.xaxis
    assert axis.tickformat == "%Y-%m-%d"
    lo, hi = (pd.Timestamp(v) for v in axis.range)
    assert lo < day < hi and (hi - lo).days >= 28


# ------------------------------------------------------------------------------- tall row charts (issue 22)

ROW_LABELS_JS = """() => {
  const ticks = [...document.querySelectorAll('.yaxislayer-above .ytick text')]
      .map(e => ({t: e.textContent, r: e.getBoundingClientRect()})).filter(x => x.t && x.r.height > 0);
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const bad = [];
  for (let i = 0; i < ticks.length; i++) for (let j = i + 1; j < ticks.length; j++)
    if (hit(ticks[i].r, ticks[j].r)) bad.push([ticks[i].t, ticks[j].t]);
  return {shown: ticks.length, bad: bad};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("requested", [None, (1600, 900)])
def test_every_speed_row_label_is_drawn_and_none_overlaps(snapshot_db, chromium_page, tmp_path, requested):
    """54 results: at 1200x675 the two-line W3 labels overlapped; at 1600x900 two thirds were dropped."""
    from fwpulse.dashboard.export.render import natural_size
    from fwpulse.dashboard.export.theme import apply_theme

    chart = _build("speed-step-time")
    rows = list(chart.figure.layout.yaxis.categoryarray)
    width, height = requested or natural_size(chart)
    fig = apply_theme(chart, "article", width, height)
    html = tmp_path / "rows.html"
    fig.write_html(str(html), include_plotlyjs=True, full_html=True, config={"staticPlot": True})
    chromium_page.goto(html.as_uri())
    chromium_page.wait_for_selector(".ytick text", timeout=30_000)
    found = chromium_page.evaluate(ROW_LABELS_JS)
    assert found["shown"] == len(rows) and not found["bad"], (width, height, found["shown"], found["bad"][:3])


def test_speed_rows_sort_by_their_numbers_and_say_shared_settings_once(snapshot_db):
    chart = _build("speed-step-time")
    rows = list(chart.figure.layout.yaxis.categoryarray)
    w0 = [r.split(" · ")[0] for r in rows if r.startswith("W0 n=")]
    sizes = [int(r.split("n=")[1].split()[0]) for r in dict.fromkeys(w0)]
    assert sizes == sorted(sizes)  # n=256 before n=1024
    assert not any("/cpu" in r for r in rows)  # every row is on the CPU: said once, in the caveat
    assert "CPU only" in chart.caveat
    assert all(t.type == "scatter" for t in chart.figure.data if t.name)  # dots: a bar on a log axis means nothing
