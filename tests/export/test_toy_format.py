"""A toy export format, declared once (one `Format` in formats.TABLE, one writer in render.WRITERS), turns up
everywhere the formats are derived: `fwpulse export --help`, the --format default, the files and manifest.json,
a bad --format's error and the dashboard's "Article <FMT>" buttons (docs/ARCHITECTURE.md, "an export format")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from fwpulse.cli import app
from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.dashboard.export import formats, render
from fwpulse.dashboard.export.formats import Format
from fwpulse.dashboard.export.options import file_name
from fwpulse.data.db import reading
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings

TOY = Format("json", "application/json", static=False, button=True)
CHART = "github-stars"  # has data on the bundled snapshot


def _json(canvas: render.Canvas, entry: dict) -> bytes:
    """The toy writer: the themed figure as Plotly JSON, its size in the manifest entry."""
    entry.update(canvas.size_entry())
    return canvas.fig.to_json().encode("utf-8")


@pytest.fixture
def toy(monkeypatch):
    """The toy format added exactly as a new one is: its `Format` in the table and its writer, nothing else."""
    monkeypatch.setattr(formats, "TABLE", (*formats.TABLE, TOY))
    monkeypatch.setitem(render.WRITERS, TOY.name, _json)
    return TOY


def _export(*args: str):
    return CliRunner().invoke(app, ["export", *args])


def _manifest(out) -> dict:
    return {e["file"]: e for e in json.loads((out / "manifest.json").read_text())["files"]}


def test_every_declared_format_has_a_writer():
    assert set(render.WRITERS) == set(formats.names())
    assert formats.mime("csv") == "text/csv"


def test_the_toy_file_is_named_by_its_declaration(toy, monkeypatch):
    assert file_name(CHART, "dark", "json") == f"{CHART}-dark.json"
    monkeypatch.setattr(formats, "TABLE", (*formats.TABLE[:-1], replace(TOY, themed=False)))
    assert file_name(CHART, "dark", "json") == f"{CHART}.json"  # as CSV: the file does not depend on the theme


def test_help_lists_the_toy_format(toy):
    res = _export("--help")
    assert res.exit_code == 0, res.output
    assert "--format [png,svg,pdf,html,csv,json]" in res.output
    assert "formats (default: all of them)" in " ".join(res.output.split())


def test_export_writes_the_toy_file_with_its_manifest_entry(toy, snapshot_db, tmp_path):
    out = tmp_path / "out"
    res = _export("--format", "json", "--chart", CHART, "--out", str(out))
    assert res.exit_code == 0, res.output
    data = (out / f"{CHART}.json").read_bytes()
    assert json.loads(data)["layout"]["width"] == 1200  # the themed figure at the natural size
    entry = _manifest(out)[f"{CHART}.json"]
    assert entry["format"] == "json" and entry["chart"] == CHART and (entry["width"], entry["height"]) == (1200, 675)
    assert entry["bytes"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert (out / entry["alt_file"]).read_text().strip() == entry["alt_text"]  # it keeps alt_file: alt text beside it


def test_the_default_is_every_format_in_the_table(toy, snapshot_db, tmp_path, monkeypatch):
    """No --format: every format declared, read when the command runs (the static ones left out of the table,
    so no browser is needed)."""
    monkeypatch.setattr(formats, "TABLE", tuple(f for f in formats.TABLE if not f.static))
    out = tmp_path / "out"
    res = _export("--chart", CHART, "--out", str(out), "--html-js", "inline")
    assert res.exit_code == 0, res.output
    assert {f"{CHART}.html", f"{CHART}.csv", f"{CHART}.json", f"{CHART}.alt.txt"} == set(_manifest(out))


def test_a_bad_format_lists_the_toy_among_the_choices(toy, snapshot_db, tmp_path):
    out = tmp_path / "out"
    res = _export("--format", "gif", "--chart", CHART, "--out", str(out))
    assert res.exit_code == 2 and "bad --format gif: choose from png,svg,pdf,html,csv,json" in res.output
    assert not out.exists()


def test_a_static_toy_format_needs_the_browser_before_anything_is_written(snapshot_db, tmp_path, monkeypatch):
    """A format Chromium draws: declared static, its writer only says its manifest fields (kaleido draws it)."""
    monkeypatch.setattr(formats, "TABLE", (*formats.TABLE, Format("jpeg", "image/jpeg", static=True, button=True)))
    monkeypatch.setitem(render.WRITERS, "jpeg", render.WRITERS["svg"])
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    monkeypatch.setattr(render, "render_static", lambda *a: pytest.fail("the preflight let a static format through"))
    out = tmp_path / "out"
    res = _export("--format", "jpeg", "--chart", CHART, "--out", str(out))
    assert res.exit_code == 1 and "Chromium not found at /nonexistent/chromium" in res.output
    assert not out.exists()


class _Column:
    """Stands in for a Streamlit column: records its download buttons."""

    def __init__(self):
        self.buttons = []

    def download_button(self, label, **kwargs):
        self.buttons.append({"label": label, **kwargs})


def test_the_dashboard_offers_an_article_button_for_the_toy(toy, snapshot_db):
    from fwpulse.dashboard.views.export_buttons import export_buttons

    reg = load_registry(load_settings().config_path)
    with reading(snapshot_db) as con:
        chart = registry.build(con, CHART, ChartOptions(), reg)
    cols = [_Column() for _ in formats.buttons()]
    export_buttons(chart, ChartOptions(), reg.names(), cols, "/nonexistent/chromium")
    buttons = {b["label"]: b for col in cols for b in col.buttons}
    assert list(buttons) == ["Article PNG", "Article SVG", "Article PDF", "Article HTML", "Article JSON"]
    toy_button = buttons["Article JSON"]
    assert toy_button["mime"] == "application/json" and toy_button["file_name"] == f"{CHART}.json"
    assert not toy_button["disabled"] and buttons["Article PNG"]["disabled"]  # only Chromium's formats need it
    assert json.loads(toy_button["data"]())["layout"]["width"] == 1200  # built by its writer when clicked


@pytest.mark.slow
def test_every_chart_of_the_page_gets_the_toy_button(toy, snapshot_db):
    """Every chart of the page offers the toy's button in its Article files popover."""
    from streamlit.testing.v1 import AppTest

    from fwpulse.dashboard import APP_PATH

    at = AppTest.from_file(str(APP_PATH), default_timeout=60).run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Article JSON") == len(at.get("plotly_chart")) > 0
