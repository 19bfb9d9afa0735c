"""perf/clickhouse_scale.py runs as it is (on a tiny registry), so it cannot silently rot."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("chdb")


@pytest.mark.slow
def test_clickhouse_scale_runs_against_the_limited_fake(tmp_path):
    out = tmp_path / "scale.json"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "perf.clickhouse_scale",
            "--frameworks",
            "3",
            "--years",
            "1",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    report = json.loads(out.read_text())
    first, daily, repeat = report["runs"]
    assert first["status"] == {"clickpy": "ok", "gharchive": "ok"} and first["clickhouse_queries"] == 4
    assert 0 < first["largest_answer_rows"] <= report["limits"]["max_result_rows"]
    assert 0 < first["largest_answer_bytes_in_memory"] <= report["limits"]["max_result_bytes"]
    assert first["rows_stored"] > 3 * 365 and daily["rows_stored"] > 0 and repeat["rows_stored"] == 0
