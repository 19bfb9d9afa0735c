"""perf/dashboard_scale.py runs as it is (on a small store), so it cannot silently rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_dashboard_scale_runs_on_a_small_store_and_prints_each_figure_beside_its_goal(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "perf.dashboard_scale", "--frameworks", "4", "--metrics", "30",
         "--years", "1", "--reps", "2", "--keep", str(tmp_path), "--markdown"],
        capture_output=True, text=True, timeout=300, cwd=REPO,  # perf/ runs from the checkout
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    report = json.loads(res.stdout[: res.stdout.rindex("}") + 1])
    assert report["build"]["rows"] == 4 * 30 * 365 and report["build"]["metrics"] == 30
    assert "overview" in report["views"] and "research" in report["views"]  # every view's queries are timed
    measures = [g["measure"] for g in report["goals"]]
    assert any("cold cache" in m for m in measures) and any("worst query p95" in m for m in measures)
    assert all({"measured", "goal", "met"} <= set(g) for g in report["goals"])
    assert "| measure | goal | measured | met |" in res.stdout  # docs/dashboard.md's table
    assert (tmp_path / "scale.duckdb").is_file()  # --keep: built where asked, never the user's database
