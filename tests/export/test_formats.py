"""`fwpulse export --all` in every format, once per module (one Chromium for all images), checked per chart.

Parametrized over the chart registry, so every chart added to ``registry.CHARTS`` is covered: a chart with
data on the bundled snapshot must come out in every format; an empty one must be skipped with one line.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest
from PIL import Image, ImageStat

from fwpulse.dashboard.charts import registry
from fwpulse.data.quality import details_dict, quality_of
from tests.conftest import once_per_session
from tests.export.conftest import build_all, needs_chromium, run_export

pytestmark = [needs_chromium, pytest.mark.browser]

WIDTH, HEIGHT, SCALE = 1000, 560, 2
FORMATS = ("png", "svg", "pdf", "html", "csv")
CHART_IDS = list(registry.CHARTS)


@pytest.fixture(scope="session")
def exported_once(snapshot_db_template, tmp_path_factory, worker_id):
    """`fwpulse export --all` run once per test session: the first xdist worker to arrive runs it under a file
    lock, the others read its files (it was once per worker, ~40 s of Chromium each)."""
    with once_per_session(tmp_path_factory, worker_id, "export-all-once") as shared:
        result = shared / "result.json"
        if not result.exists():
            shared.mkdir(exist_ok=True)
            db = shared / "fwpulse.duckdb"
            shutil.copy(snapshot_db_template, db)
            res = run_export(
                "--all",
                "--format",
                ",".join(FORMATS),
                "--size",
                f"{WIDTH}x{HEIGHT}",
                "--scale",
                str(SCALE),
                "--out",
                str(shared / "out"),
                db=db,
            )
            result.write_text(json.dumps({"returncode": res.returncode, "stdout": res.stdout, "stderr": res.stderr}))
    return shared, SimpleNamespace(**json.loads(result.read_text()))


@pytest.fixture(scope="module")
def exported(exported_once):
    shared, res = exported_once
    assert res.returncode == 0, res.stderr
    out = shared / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    return {
        "out": out,
        "res": res,
        "manifest": manifest,
        "built": build_all(shared / "fwpulse.duckdb"),
        "entries": {e["file"]: e for e in manifest["files"]},
    }


def _chart_or_skipped(exported, chart_id):
    """The in-process chart when it has data; else assert the export skipped it in one line and wrote nothing."""
    chart = exported["built"][chart_id]
    if chart.figure is None:
        lines = [ln for ln in exported["res"].stderr.splitlines() if ln.startswith(f"skipped {chart_id}:")]
        assert len(lines) == 1 and chart.spec.fill_hint in lines[0], exported["res"].stderr
        assert not list(exported["out"].glob(f"{chart_id}.*")), f"empty chart {chart_id} left files"
        return None
    return chart


def test_at_least_one_chart_has_data(exported):
    assert any(c.figure is not None for c in exported["built"].values())
    assert "exported" in exported["res"].stdout


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_every_format_and_alt_text_written(exported, chart_id):
    chart = _chart_or_skipped(exported, chart_id)
    if chart is None:
        return
    for fmt in FORMATS:
        path = exported["out"] / f"{chart_id}.{fmt}"
        assert path.is_file() and path.stat().st_size > 0, path
    alt = (exported["out"] / f"{chart_id}.alt.txt").read_text().strip()
    assert alt.count("\n") == 0 and alt.endswith(".") and len(alt) > 40
    assert exported["entries"][f"{chart_id}.png"]["alt_text"] == alt


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_png_has_requested_pixels_and_is_not_blank(exported, chart_id):
    if _chart_or_skipped(exported, chart_id) is None:
        return
    img = Image.open(exported["out"] / f"{chart_id}.png")
    assert img.size == (WIDTH * SCALE, HEIGHT * SCALE)
    stat = ImageStat.Stat(img.convert("L"))
    assert stat.stddev[0] > 10, "PNG looks blank"
    # ink somewhere in the plotting area, not only in title/footer
    h = img.size[1]
    inner = img.convert("L").crop((img.size[0] // 5, h // 4, img.size[0] * 4 // 5, h * 3 // 4))
    assert ImageStat.Stat(inner).stddev[0] > 5


def _svg_text(svg: str) -> str:
    return re.sub(r"\s+", " ", " ".join(re.findall(r">([^<>]+)<", svg))).replace("&#39;", "'").replace("&amp;", "&")


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_svg_contains_title_and_footer(exported, chart_id):
    chart = _chart_or_skipped(exported, chart_id)
    if chart is None:
        return
    text = _svg_text((exported["out"] / f"{chart_id}.svg").read_text())
    entry = exported["entries"][f"{chart_id}.svg"]
    assert entry["title"] in text
    assert "Source: " in text and f"data as of {chart.as_of}" in text and "fwpulse" in text
    for source in chart.sources:
        assert source in text


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_pdf_opens_with_one_page(exported, chart_id):
    if _chart_or_skipped(exported, chart_id) is None:
        return
    from pypdf import PdfReader

    reader = PdfReader(exported["out"] / f"{chart_id}.pdf")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > 100 and float(box.height) > 50


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_html_uses_the_one_plotly_js_beside_it(exported, chart_id):
    chart = _chart_or_skipped(exported, chart_id)
    if chart is None:
        return
    page = (exported["out"] / f"{chart_id}.html").read_text()
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page, re.I), "external script in HTML"
    assert re.search(r'<script[^>]+src="plotly\.min\.js"', page), "the page does not load the shared plotly.js"
    assert "Plotly.newPlot" in page and f'id="fwpulse-{chart_id}"' in page
    assert len(page) < 1_000_000  # plotly.js is not inlined in every page
    assert json.dumps(chart.spec.title)[1:-1] in page or chart.spec.title in page
    assert exported["entries"][f"{chart_id}.html"]["plotly_js"] == "plotly.min.js"


def test_the_export_folder_holds_one_plotly_js_listed_in_the_manifest(exported):
    js = exported["out"] / "plotly.min.js"
    assert js.is_file() and js.stat().st_size > 1_000_000
    entry = exported["entries"]["plotly.min.js"]
    assert entry["format"] == "js" and entry["bytes"] == js.stat().st_size and entry["plotly_version"]
    assert sum(1 for p in exported["out"].iterdir() if p.suffix == ".js") == 1
    assert "shared by the HTML pages: plotly.min.js" in exported["res"].stdout


@pytest.mark.parametrize("chart_id", CHART_IDS)
def test_csv_equals_plotted_data(exported, chart_id):
    chart = _chart_or_skipped(exported, chart_id)
    if chart is None:
        return
    raw = (exported["out"] / f"{chart_id}.csv").read_text()
    got = pd.read_csv(io.StringIO(raw), keep_default_na=False, na_values=[""])
    want = chart.data.reset_index(drop=True)
    units = want["unit"].dropna().unique() if "unit" in want.columns else []
    if len(units) == 1:
        assert f"value ({units[0]})" in got.columns, list(got.columns)  # the unit is in the header
        got = got.rename(columns={f"value ({units[0]})": "value"})
    # every row says its quality (ok when it has none) and, right after it, why; details as sorted JSON
    cols = list(got.columns)
    assert cols.index("quality_reason") == cols.index("quality") + 1
    assert all(q == "ok" or (isinstance(r, str) and r) for q, r in zip(got["quality"], got["quality_reason"]))
    got = got.drop(columns="quality_reason")
    want = want.assign(quality=[quality_of(v) for v in (want["quality"] if "quality" in want else [None] * len(want))])
    if "details" in want.columns:
        want["details"] = [
            None if not details_dict(v) else json.dumps(details_dict(v), sort_keys=True) for v in want["details"]
        ]
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for col in want.columns:
        w = want[col]
        if pd.api.types.is_datetime64_any_dtype(w):
            assert list(got[col].astype(str)) == list(w.dt.strftime("%Y-%m-%d")), col
        elif pd.api.types.is_numeric_dtype(w) and not pd.api.types.is_bool_dtype(w):
            pd.testing.assert_series_equal(got[col].astype(float), w.astype(float), check_names=False, rtol=1e-12)
        else:
            expected = ["" if pd.isna(v) else str(v) for v in w]
            actual = ["" if pd.isna(v) else str(v) for v in got[col]]
            assert actual == expected, col


def test_manifest_entries_match_files(exported):
    out, manifest = exported["out"], exported["manifest"]
    on_disk = {p.name for p in out.iterdir() if p.name != "manifest.json"}
    assert {e["file"] for e in manifest["files"]} == on_disk
    assert not [n for n in on_disk if n.startswith(".")], "temporary files left behind"
    for e in manifest["files"]:
        data = (out / e["file"]).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest(), e["file"]
        assert e["bytes"] == len(data)
        if e["format"] == "js":  # the plotly.js every HTML page shares (checked below)
            continue
        chart = exported["built"][e["chart"]]
        assert e["sources"] == chart.sources and e["data_as_of"] == str(chart.as_of)
        assert e["frameworks"] and set(e["frameworks"]) <= set(chart.data["framework"])
        if e["format"] in ("png", "svg", "pdf"):
            assert (e["width"], e["height"], e["scale"], e["theme"]) == (WIDTH, HEIGHT, SCALE, "article")
        if e["format"] == "png":
            assert e["pixels"] == [WIDTH * SCALE, HEIGHT * SCALE]
        if "date" in chart.data.columns:
            dates = pd.to_datetime(chart.data["date"])
            assert e["date_range"] == {"from": str(dates.min().date()), "to": str(dates.max().date())}
