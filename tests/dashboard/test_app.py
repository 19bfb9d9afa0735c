"""The dashboard through Streamlit's AppTest, on the bundled data and on an empty database."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from fwpulse.dashboard import APP_PATH
from tests.dashboard import card_reader


def run_app(**query) -> AppTest:
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def plotted_names(at: AppTest) -> set[str]:
    import json

    names = set()
    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        names |= {t.get("name") for t in fig["data"]}
    return names


def test_overview_on_bundled_data(snapshot_db):
    at = run_app()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 3
    assert {"PyTorch", "TensorFlow", "Keras", "JAX"} <= plotted_names(at)
    assert any("2020 article figure" in n for n in plotted_names(at))
    assert any("EvanLi/Github-Ranking" in c.value and "data as of" in c.value for c in at.caption)
    stars = [f for f in card_reader.figures(at) if f.label == "GitHub stars"]
    assert len(stars) == 4 and all(f.value and "Source: " in f.help for f in stars)


def test_framework_control_changes_plotted_data_and_url(snapshot_db):
    at = run_app()
    at.button_group(key="frameworks").set_value(["keras"]).run()
    assert not at.exception
    names = plotted_names(at)
    assert "Keras" in names and "PyTorch" not in names
    assert at.query_params["fw"] == ["keras"] or at.query_params["fw"] == "keras"


def test_framework_from_shared_link(snapshot_db):
    at = run_app(fw="jax,pytorch")
    assert set(at.button_group(key="frameworks").value) == {"jax", "pytorch"}
    assert "Keras" not in plotted_names(at)


def test_empty_database_shows_how_to_fill(empty_db):
    at = run_app()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 0
    infos = " ".join(i.value for i in at.info)
    assert "fwpulse refresh --source github" in infos and "fwpulse refresh --source pypi" in infos


def _data_health_script():
    from fwpulse.dashboard.views import common, data_health

    common.begin_run()
    common.controls()
    data_health.render()


def test_data_health_lists_runs(snapshot_db):
    at = AppTest.from_function(_data_health_script, default_timeout=60).run()
    assert not at.exception
    ledger = at.dataframe[-1].value
    assert ledger["source"].tolist() == ["snapshot"] and ledger["status"].tolist() == ["ok"]
    fresh = at.dataframe[0].value
    assert fresh["verdict"].tolist() == ["bundled offline dataset (static)"]


def test_data_health_on_empty_db(empty_db):
    at = AppTest.from_function(_data_health_script, default_timeout=60).run()
    assert not at.exception and "fwpulse refresh" in at.info[0].value


def test_every_chart_offers_server_side_article_files(snapshot_db):
    at = run_app()
    labels = [b.label for b in at.get("download_button")]
    for fmt in ("PNG", "SVG", "PDF", "HTML"):
        assert labels.count(f"Article {fmt}") == len(at.get("plotly_chart")) == 3


def test_export_buttons_disabled_with_a_clear_reason_without_chromium(snapshot_db, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    at = run_app()
    assert not at.exception
    buttons = {b.label: b for b in at.get("download_button")}
    assert buttons["Article PNG"].proto.disabled and "apt-get install chromium" in buttons["Article PNG"].proto.help
    assert not buttons["Article HTML"].proto.disabled  # HTML and CSV need no browser


def test_a_page_run_opens_one_connection_and_closes_it(snapshot_db, monkeypatch):
    """Every query of a page run shares one read-only connection, closed when the run ends, so a
    refresh can write the moment the page is drawn."""

    from fwpulse.dashboard import data
    from fwpulse.data import db

    opened = []

    def connect(*args, **kwargs):
        opened.append(real_connect(*args, **kwargs))  # kept referenced: only an explicit close closes it
        return opened[-1]

    real_connect = db.connect
    monkeypatch.setattr(db, "connect", connect)
    data.clear_caches()
    at = run_app()
    assert not at.exception and len(at.get("plotly_chart")) == 3
    assert len(opened) == 1 and opened[0] is not None  # cards + three charts: one open
    with pytest.raises(Exception, match="(?i)closed"):  # closed when the run ended
        opened[0].execute("SELECT 1")
    assert getattr(data._run, "con", None) is None
    with db.writing(snapshot_db, max_wait=0.5) as con:  # a writer is not blocked
        con.execute("SELECT count(*) FROM observations").fetchall()


def test_a_page_run_reads_the_settings_once_and_keeps_them(tmp_path, monkeypatch):
    """A page run reads the Settings when it begins and keeps them to its end; outside a run they are read when
    asked, so a changed environment (a test's FWPULSE_DB) takes effect at the next run."""
    from fwpulse.dashboard import data

    monkeypatch.setenv("FWPULSE_DB", str(tmp_path / "a.duckdb"))
    data.begin_run()
    try:
        monkeypatch.setenv("FWPULSE_DB", str(tmp_path / "b.duckdb"))
        assert data.settings().db_path == tmp_path / "a.duckdb"
    finally:
        data.end_run()
    assert data.settings().db_path == tmp_path / "b.duckdb"


def test_only_the_data_module_reads_the_settings():
    """The dashboard obtains its Settings in one place (dashboard/data.py); the rest asks it or is passed them."""
    from tests.conftest import REPO

    readers = [
        p.relative_to(REPO).as_posix() for p in (REPO / "dashboard").rglob("*.py") if "load_settings" in p.read_text()
    ]
    assert readers == ["dashboard/data.py"]


def test_charts_are_drawn_as_built_on_a_light_page_and_restyled_for_a_dark_one(snapshot_db):
    """Streamlit's own chart theme is off (it cost 0.1-0.2 s a page): the page shows the figure as built,
    plotly_white, and a dark page gets its own cached copy on plotly_dark with a transparent background."""
    from fwpulse.dashboard import data
    from fwpulse.dashboard.charts.spec import ChartOptions

    at = run_app()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 3 and all(c.proto.theme == "" for c in charts)  # "" = theme=None
    reg = data.framework_registry()
    opts = ChartOptions(frameworks=("pytorch", "jax"))
    light = data.rendered("github-stars", opts, reg.names(), reg.colors())
    dark = data.rendered("github-stars", opts, reg.names(), reg.colors(), dark=True)
    assert dark.figure is not light.figure
    assert dark.figure.layout.paper_bgcolor == "rgba(0,0,0,0)" and dark.figure.layout.template.layout.font.color
    assert light.figure.layout.paper_bgcolor is None  # the shared light figure is not touched
    assert light.figure.layout.template.layout.paper_bgcolor == "white"
    assert [t.name for t in dark.figure.data] == [t.name for t in light.figure.data]  # same data, other look
    from fwpulse.dashboard.export.theme import apply_theme

    # An article file exported from a dark page is the one exported from a light page.
    assert apply_theme(dark).to_dict() == apply_theme(light).to_dict()


def test_the_page_reads_the_controls_before_they_are_drawn_and_swaps_reversed_dates(snapshot_db):
    """The options come from the controls' state before the page runs (the controls are drawn after it): a link
    with 'from' after 'to' plots the range the right way round and the sidebar says so."""
    at = run_app(**{"from": "2024-01-01", "to": "2021-01-01"})
    assert not at.exception
    assert any("dates were swapped" in w.value for w in at.sidebar.warning)
    assert at.date_input(key="date_from").value.isoformat() == "2024-01-01"  # the controls keep what was typed
    import json

    xs = [x for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"] for x in (t.get("x") or []) if x]
    assert xs and min(xs)[:4] >= "2021" and max(xs)[:4] <= "2024"
    at.button_group(key="scale").set_value("log").run()  # a control changed: the next run reads its new state
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["yaxis"]["type"] == "log"
