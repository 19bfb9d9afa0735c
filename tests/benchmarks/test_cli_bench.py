"""`fwpulse bench` through real processes: import/export round trip, bad files, usage errors, help."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from fwpulse.data import bench_store, db
from tests.benchmarks.test_store import row


def fwpulse(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fwpulse", *args], capture_output=True, text=True, env=dict(os.environ), timeout=timeout
    )


@pytest.mark.slow
def test_bench_help_is_helpful():
    res = fwpulse("bench", "--help")
    assert res.returncode == 0
    for word in ("--suite", "--framework", "--device", "--out", "import", "fwpulse[bench]", "download.pytorch.org"):
        assert word in res.stdout, word


@pytest.mark.slow
def test_bench_list_prints_sizes():
    res = fwpulse("bench", "--suite", "full", "--list")
    assert res.returncode == 0 and "W3" in res.stdout and "variable" in res.stdout and "b4096" in res.stdout


@pytest.mark.slow
def test_usage_errors_are_one_line_exit_2(snapshot_db):
    for args, expect in (
        (("--suite", "huge"), "unknown suite"),
        (("--framework", "mxnet"), "mxnet"),
        (("--device", "tpu"), "unknown device"),
    ):
        res = fwpulse("bench", *args)
        assert res.returncode == 2 and expect in res.stderr, res.stderr
        assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr


@pytest.mark.slow
def test_unwritable_out_fails_before_measuring(snapshot_db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = fwpulse("bench", "--out", str(blocker / "sub" / "r.json"))
    assert res.returncode == 2 and "--out" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.slow
def test_json_export_then_cli_import_round_trip(snapshot_db, tmp_path):
    rows = [
        row(bench_run_id="gpu-fleet-1", device="cuda", device_name="NVIDIA H100"),
        row(
            bench_run_id="gpu-fleet-1",
            device="cuda",
            device_name="NVIDIA H100",
            contender="jax-jit",
            framework="jax",
            ratio=0.8,
            ratio_ci_low=0.75,
            ratio_ci_high=0.86,
            verdict="faster",
        ),
    ]
    path = bench_store.dump_results_file(
        tmp_path / "h100.json",
        bench_run_id="gpu-fleet-1",
        suite="smoke",
        fingerprint={"gpu_name": "NVIDIA H100"},
        rows=rows,
        device="cuda",
    )
    res = fwpulse("bench", "import", str(path))
    assert res.returncode == 0, res.stderr
    assert "2 result rows" in res.stdout
    again = fwpulse("bench", "import", str(path))  # idempotent: same result ids
    assert again.returncode == 0
    with db.reading(snapshot_db) as con:
        df = bench_store.results(con, device="cuda")
    assert len(df) == 2 and set(df["imported_from"]) == {"h100.json"}
    assert df.set_index("contender").loc["jax-jit", "verdict"] == "faster"


@pytest.mark.slow
def test_bad_json_is_one_line_naming_file_and_stores_nothing(snapshot_db, tmp_path):
    good = bench_store.dump_results_file(
        tmp_path / "good.json", bench_run_id="r", suite="smoke", fingerprint={}, rows=[row(bench_run_id="r")]
    )
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "fwpulse-bench/1", "results": [' + json.dumps(row()) + ', {"status": 1}]}')
    with db.reading(snapshot_db) as con:
        before = len(bench_store.results(con))
    for args in ((str(good), str(bad)), (str(tmp_path / "missing.json"),)):
        res = fwpulse("bench", "import", *args)
        assert res.returncode == 2
        assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr
        assert args[-1] in res.stderr and "nothing was imported" in res.stderr
    with db.reading(snapshot_db) as con:
        assert len(bench_store.results(con)) == before


@pytest.mark.slow
def test_bench_without_frameworks_reports_not_available(snapshot_db, tmp_path):
    """Every framework made unimportable (modules that raise ImportError shadow them in the workers):
    the suite runs to the end, every row says not_available with the reason, JSON and DB get them."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    for mod in ("torch", "tensorflow", "jax", "keras"):
        (shadow / f"{mod}.py").write_text(f"raise ImportError('{mod} hidden by the test')\n")
    out = tmp_path / "res" / "smoke.json"
    res = subprocess.run(
        [sys.executable, "-m", "fwpulse", "bench", "--suite", "smoke", "--device", "cpu", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(shadow) + os.pathsep + os.environ.get("PYTHONPATH", "")},
    )
    assert res.returncode == 1, res.stderr
    assert "0 cells ok" in res.stdout and "0 failed" in res.stdout and "Traceback" not in res.stderr
    steps = re.findall(r"\((\d+)/(\d+)\)", res.stderr)  # the plain progress lines: (done/total)
    assert steps and steps[-1][0] == steps[-1][1], steps[-3:]  # it used to stop at 2/62
    meta, rows = bench_store.read_results_file(out)
    assert rows and {r["status"] for r in rows} == {"not_available"}
    assert all("hidden by the test" in r["reason"] for r in rows)
    assert meta["fingerprint"]["loadavg_start"] and meta["suite"] == "smoke"
    with db.reading(snapshot_db) as con:
        stored = bench_store.results(con, suite="smoke")
    assert set(stored["bench_run_id"]) >= {meta["bench_run_id"]}


def test_bench_without_the_bench_extra_says_which_extra_in_one_line(snapshot_db, tmp_path, monkeypatch):
    """No framework installed (their modules renamed to ones that do not exist): one line naming the extra and the
    command that installs it, exit 2, nothing measured, no results file; it used to run 54 cells of
    ModuleNotFoundError rows, stop its progress at 2/62 and exit 1."""
    from typer.testing import CliRunner

    from fwpulse.benchmarks.speed import session
    from fwpulse.cli import app

    monkeypatch.setattr(session, "MODULES", {k: f"fwpulse_test_absent_{v}" for k, v in session.MODULES.items()})
    out = tmp_path / "smoke.json"
    monkeypatch.setenv("FWPULSE_DB", str(tmp_path / "none" / "fwpulse.duckdb"))
    res = CliRunner().invoke(app, ["bench", "--device", "cpu", "--out", str(out)])
    assert res.exit_code == 2
    assert not (tmp_path / "none").exists()  # said before any database is built (no migration log lines)
    (line,) = res.output.strip().splitlines()
    assert "not installed" in line and "pip install 'fwpulse[bench]'" in line and "whl/cpu" in line
    assert not out.exists()


def test_only_the_installed_frameworks_contenders_are_kept(monkeypatch):
    from fwpulse.benchmarks.speed import session, spec

    monkeypatch.setattr(session, "MODULES", {**session.MODULES, "jax": "fwpulse_test_absent_jax"})
    groups, missing = session.installed_only(spec.suite_groups("smoke"))
    kept = [c for g in groups for c in g.contenders]
    assert "fwpulse_test_absent_jax" in missing
    assert all(c.framework != "jax" and c.backend != "jax" for c in kept)
    assert any(c.framework == "pytorch" for c in kept)  # the dev extra installs torch
    assert all(not session.missing_modules(c) for c in kept)
