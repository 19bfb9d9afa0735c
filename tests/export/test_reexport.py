"""Re-exporting replaces files in place and merges manifest.json; themes; the dashboard's export_bytes."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from PIL import Image, ImageStat

from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.export.options import DEFAULT_SIZE, ChromiumMissing, ExportUsageError
from fwpulse.dashboard.export.render import csv_bytes, export_bytes, natural_size, render
from fwpulse.dashboard.export.static import render_static
from fwpulse.dashboard.export.theme import THEMES, apply_theme
from tests.export.conftest import CHROMIUM, build_all, needs_chromium, run_export

pytestmark = [needs_chromium, pytest.mark.browser]


@pytest.fixture(scope="module")
def built(module_db):
    return build_all(module_db)


@pytest.fixture(scope="module")
def two_charts(built) -> list[str]:
    ids = [cid for cid, c in built.items() if c.figure is not None][:2]
    assert len(ids) == 2, "need two charts with data on the bundled snapshot"
    return ids


def _manifest(out):
    return {e["file"]: e for e in json.loads((out / "manifest.json").read_text())["files"]}


def test_reexport_replaces_in_place_and_keeps_other_entries(module_db, tmp_path, two_charts):
    a, b = two_charts
    out = tmp_path / "article-images"
    assert (
        run_export(
            "--chart", a, "--format", "png,csv", "--size", "800x450", "--scale", "1", "--out", str(out), db=module_db
        ).returncode
        == 0
    )
    assert (
        run_export(
            "--chart", b, "--format", "png", "--size", "800x450", "--scale", "1", "--out", str(out), db=module_db
        ).returncode
        == 0
    )
    first = _manifest(out)
    assert {f"{a}.png", f"{a}.csv", f"{a}.alt.txt", f"{b}.png", f"{b}.alt.txt"} == set(first)

    # a cron job re-exporting only chart a, at another size: a's entries change, b's stay
    res = run_export(
        "--chart", a, "--format", "png", "--size", "640x360", "--scale", "1", "--out", str(out), db=module_db
    )
    assert res.returncode == 0, res.stderr
    second = _manifest(out)
    assert set(second) == set(first)
    assert second[f"{b}.png"] == first[f"{b}.png"] and second[f"{a}.csv"] == first[f"{a}.csv"]
    assert (second[f"{a}.png"]["width"], second[f"{a}.png"]["height"]) == (640, 360)
    assert Image.open(out / f"{a}.png").size == (640, 360)
    for name, entry in second.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"], name
    assert sorted(p.name for p in out.iterdir()) == sorted([*second, "manifest.json"])  # no temp files


def test_dark_theme_file_names_and_manifest(module_db, tmp_path, two_charts):
    a = two_charts[0]
    out = tmp_path / "themes"
    res = run_export(
        "--chart",
        a,
        "--format",
        "png,csv",
        "--theme",
        "dark",
        "--size",
        "600x340",
        "--scale",
        "1",
        "--out",
        str(out),
        db=module_db,
    )
    assert res.returncode == 0, res.stderr
    manifest = _manifest(out)
    assert set(manifest) == {f"{a}-dark.png", f"{a}-dark.alt.txt", f"{a}.csv"}  # CSV data do not depend on the theme
    assert manifest[f"{a}-dark.png"]["theme"] == "dark"
    assert sum(Image.open(out / f"{a}-dark.png").convert("RGB").getpixel((2, 2))) < 120


def test_each_theme_background(built, two_charts):
    chart = built[two_charts[0]]
    figs = [apply_theme(chart, theme, 600, 340) for theme in THEMES]
    images = render_static([(f, "png", 600, 340, 1) for f in figs], CHROMIUM)  # one browser for all
    by_theme = {theme: Image.open(io.BytesIO(b)).convert("RGBA") for theme, b in zip(THEMES, images)}
    assert by_theme["article"].getpixel((2, 2))[:3] == (255, 255, 255)
    assert sum(by_theme["dark"].getpixel((2, 2))[:3]) < 120
    assert by_theme["transparent"].getpixel((2, 2))[3] == 0
    assert ImageStat.Stat(by_theme["transparent"].getchannel("A")).stddev[0] > 5  # lines and text are opaque


def test_index_mode_and_date_range_reach_the_files(module_db, tmp_path, built):
    ts = next(cid for cid, c in built.items() if c.figure is not None and c.spec.time_series)
    out = tmp_path / "index"
    res = run_export(
        "--chart",
        ts,
        "--format",
        "svg,csv",
        "--index",
        "--log",
        "--from",
        "2021",
        "--to",
        "2024-06",
        "--out",
        str(out),
        db=module_db,
    )
    assert res.returncode == 0, res.stderr
    entry = _manifest(out)[f"{ts}.svg"]
    assert entry["requested_range"] == {"from": "2021-01-01", "to": "2024-06-30"}
    assert "2021-01-01" <= entry["date_range"]["from"] and entry["date_range"]["to"] <= "2024-06-30"
    assert "indexed to 100" in entry["shown_as"] and "log scale" in entry["shown_as"]
    assert "indexed to 100" in entry["alt_text"]
    assert "log scale" in (out / f"{ts}.svg").read_text()  # the subtitle says what was applied
    assert "value (index)" in (out / f"{ts}.csv").read_text().splitlines()[0]


def test_export_bytes_is_the_cli_code_path(built, two_charts):
    chart = built[two_charts[0]]
    png = export_bytes(chart, "png", size=(500, 300), scale=1.5, browser_path=CHROMIUM)
    assert Image.open(io.BytesIO(png)).size == (750, 450)
    assert export_bytes(chart, "csv") == csv_bytes(chart)
    page = export_bytes(chart, "html", theme="dark").decode()
    assert "Plotly.newPlot" in page and '<script src="http' not in page
    with pytest.raises(ChromiumMissing):
        export_bytes(chart, "svg", browser_path="/nonexistent/chromium")
    with pytest.raises(ExportUsageError):
        export_bytes(chart, "gif")


def test_html_js_inline_is_self_contained_and_cdn_loads_plotly_from_its_cdn(built, two_charts):
    chart = built[two_charts[0]]
    inline = render([chart], ("html",), names={}, html_js="inline")
    assert [i.file for i in inline if i.entry.get("format") == "js"] == []  # nothing beside the page
    page = inline[0].data.decode()
    assert len(page) > 1_000_000 and "<script src=" not in page.split("Plotly.newPlot")[0].split("</head>")[-1]
    cdn = render([chart], ("html",), names={}, html_js="cdn")[0].data.decode()
    assert re.search(r'<script[^>]+src="https://cdn\.plot\.ly/plotly-[0-9.]+\.min\.js"', cdn) and len(cdn) < 1_000_000
    shared = render([chart, built[two_charts[1]]], ("html", "png"), names={}, html_js="shared",
                       browser_path=CHROMIUM)  # fmt: skip
    assert [i.file for i in shared].count("plotly.min.js") == 1


@pytest.mark.parametrize("chart_id", list(registry.CHARTS))
def test_theming_never_touches_the_dashboards_figure(built, chart_id):
    chart = built[chart_id]
    if chart.figure is None:
        return
    before = chart.figure.to_json()
    for theme in THEMES:
        fig = apply_theme(chart, theme, 1200, 675)
        assert fig.layout.width == 1200 and fig.layout.font.size >= 18
        assert any("fwpulse" in (a.text or "") for a in fig.layout.annotations)
    assert chart.figure.to_json() == before


def test_speed_charts_grow_taller_unless_a_size_is_given(built):
    """One legible row per benchmark result: without --size the speed charts get the height their rows
    need; the time-series charts keep 1200x675; an explicit size always wins."""
    speed, stars = built["speed-ratios"], built["github-stars"]
    rows = len(speed.figure.layout.yaxis.categoryarray)
    assert rows == len(speed.data) > 20
    width, height = natural_size(speed)
    assert width == 1200 and height >= rows * 18 * 1.5 and natural_size(stars) == DEFAULT_SIZE
    natural = render([speed, stars], ("html",), names={})
    assert [(i.entry["width"], i.entry["height"]) for i in natural if i.entry["format"] == "html"] == [
        (1200, height),
        DEFAULT_SIZE,
    ]
    forced = render([speed], ("html",), size=(800, 450), names={})
    assert (forced[0].entry["width"], forced[0].entry["height"]) == (800, 450)
