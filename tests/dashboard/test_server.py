"""The dashboard's server process imports the app's modules before it listens, quietly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fwpulse.commands import serve


@pytest.mark.slow
def test_preload_imports_every_view_before_the_first_page_and_logs_nothing():
    code = (
        "import sys; from fwpulse.dashboard import server; server.preload(); "
        "from fwpulse.dashboard import views; import pkgutil; "
        "names = [m.name for m in pkgutil.iter_modules(views.__path__)]; "
        "missing = [n for n in names if 'fwpulse.dashboard.views.' + n not in sys.modules]; "
        "print(len(names), missing, 'duckdb' in sys.modules, 'plotly.graph_objects' in sys.modules)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    count, rest = res.stdout.split(" ", 1)
    assert int(count) >= 9 and rest.strip() == "[] True True"
    assert "No runtime found" not in res.stderr and res.stderr.strip() == ""


@pytest.mark.slow
def test_fwpulse_dashboard_runs_streamlit_through_the_preloading_entry_point(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setenv("FWPULSE_DB", str(tmp_path / "x.duckdb"))
    monkeypatch.setattr(serve.os, "execve", lambda exe, cmd, env: seen.update(cmd=cmd))
    serve.dashboard(port=8599, host="127.0.0.1", open_browser=False, reload=False)
    assert seen["cmd"][1:4] == ["-m", "fwpulse.dashboard.server", "run"]


@pytest.mark.parametrize("reload, watcher", [(False, "none"), (True, "auto")])
def test_the_server_watches_source_files_only_when_asked(monkeypatch, tmp_path, reload, watcher):
    """A served dashboard runs no file watcher (its threads cost each page about 0.1 s in the browser);
    `--reload` brings Streamlit's back for development."""
    seen = {}
    monkeypatch.setenv("FWPULSE_DB", str(tmp_path / "x.duckdb"))
    monkeypatch.setattr(serve.os, "execve", lambda exe, cmd, env: seen.update(cmd=cmd))
    serve.dashboard(port=8599, host="127.0.0.1", open_browser=False, reload=reload)
    cmd = seen["cmd"]
    assert cmd[cmd.index("--server.fileWatcherType") + 1] == watcher


def _overview_figures_built(monkeypatch) -> list[str]:
    """Run the app once (Overview, default controls) and return the charts it had to build itself."""
    from streamlit.testing.v1 import AppTest

    from fwpulse.dashboard import APP_PATH
    from fwpulse.dashboard.charts import registry

    built: list[str] = []
    real = registry.render

    def counting(chart_id, *args, **kwargs):
        built.append(chart_id)
        return real(chart_id, *args, **kwargs)

    monkeypatch.setattr(registry, "render", counting)
    at = AppTest.from_file(str(APP_PATH), default_timeout=120).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 3
    return built


def test_the_warm_up_fills_the_caches_the_first_overview_reads(snapshot_db, monkeypatch):
    """What the server warms is what the first page asks for: the same cache keys, so that page builds nothing."""
    from fwpulse.dashboard import data
    from fwpulse.dashboard.views import overview

    data.clear_caches()
    assert _overview_figures_built(monkeypatch) == list(overview.CHARTS)  # cold: the page builds its three
    data.clear_caches()
    overview.warm_up()
    assert _overview_figures_built(monkeypatch) == []  # warmed: every figure comes from the cache
    data.clear_caches()


def test_the_server_warms_up_only_once_its_runtime_exists(monkeypatch):
    from streamlit.runtime import Runtime

    from fwpulse.dashboard import server
    from fwpulse.dashboard.views import overview

    calls = []
    monkeypatch.setattr(overview, "warm_up", lambda: calls.append("warm"))
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: False))
    server.warm_up_when_started(wait_s=0.2)
    assert calls == []  # no runtime, no caches to fill: it gives up
    monkeypatch.setattr(Runtime, "exists", classmethod(lambda cls: True))
    server.warm_up_when_started(wait_s=0.2)
    assert calls == ["warm"]
