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
    serve.dashboard(port=8599, host="127.0.0.1", open_browser=False)
    assert seen["cmd"][1:4] == ["-m", "fwpulse.dashboard.server", "run"]
