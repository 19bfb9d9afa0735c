"""Architecture rules: heavy frameworks stay out of the dashboard/collectors; data/ imports no other room."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("torch", "tensorflow", "jax", "keras")


def test_dashboard_and_collectors_do_not_import_heavy_frameworks():
    code = ("import sys, fwpulse.cli, fwpulse.dashboard.charts, fwpulse.dashboard.views.overview, "
            "fwpulse.collectors.refresh, fwpulse.collectors.github\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_data_imports_no_other_room():
    for path in (REPO / "data").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("fwpulse.collectors", "fwpulse.dashboard", "fwpulse.benchmarks")), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith(("fwpulse.collectors", "fwpulse.dashboard")) for a in node.names), path


def test_collectors_never_import_dashboard():
    for path in (REPO / "collectors").glob("*.py"):
        assert "fwpulse.dashboard" not in path.read_text(), path
