"""The CLI through real processes: exit codes, one-line errors, status on a fresh machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def fwpulse(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fwpulse", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def test_status_json_on_fresh_machine_builds_db(tmp_path):
    db_path = tmp_path / "fresh" / "fwpulse.duckdb"
    res = fwpulse("status", "--json", env={"FWPULSE_DB": str(db_path)})
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert db_path.exists()
    assert info["schema_version"] == info["schema_version_latest"] >= 1
    assert info["rows_by_source"]["EvanLi/Github-Ranking"] == 309 * 3
    assert info["rows_by_framework"]["keras"] > 0 and info["rows_by_metric"]["github.stars"] >= 309
    assert any(r["source"] == "hugovk/top-pypi-packages" and r["framework"] == "jax" for r in info["rows"])
    assert [s["source"] for s in info["sources"]] == ["snapshot"]


def test_bad_config_is_one_line_exit_2(tmp_path):
    cfg = tmp_path / "fw.toml"
    cfg.write_text('[frameworks.x]\nname = "X"\nstarz = 1\n')
    res = fwpulse("status", env={"FWPULSE_CONFIG": str(cfg), "FWPULSE_DB": str(tmp_path / "d.duckdb")})
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and str(cfg) in res.stderr and "frameworks.x.starz" in res.stderr
    assert "Traceback" not in res.stderr


def test_refresh_unknown_source_exit_2(tmp_path):
    res = fwpulse("refresh", "--source", "myspace", env={"FWPULSE_DB": str(tmp_path / "d.duckdb")})
    assert res.returncode == 2 and "unknown source(s) myspace" in res.stderr


def test_refresh_unknown_framework_exit_2(snapshot_db):
    res = fwpulse("refresh", "--framework", "flask", "--source", "github")
    assert res.returncode == 2 and "flask" in res.stderr and "Traceback" not in res.stderr


def test_import_bad_file_exit_2_db_unchanged(snapshot_db, tmp_path):
    before = snapshot_db.read_bytes()
    f = tmp_path / "bad.csv"
    f.write_text("framework,metric,value,as_of,source_url,note\nPyTorch,forks,many,2020-01-01,https://x.org,\n")
    res = fwpulse("import", str(f))
    assert res.returncode == 2 and "line 2: value 'many'" in res.stderr
    assert snapshot_db.read_bytes() == before


def test_import_good_file(snapshot_db, tmp_path):
    f = tmp_path / "good.csv"
    f.write_text("framework,metric,value,as_of,source_url,note\nJAX,github_forks,3000,2021-01-01,https://x.org/y,\n")
    res = fwpulse("import", str(f))
    assert res.returncode == 0 and "1 new rows" in res.stdout
    assert "manual.github_forks" in fwpulse("status", "--json").stdout


def test_db_compact_forced_and_if_due(snapshot_db):
    res = fwpulse("db", "compact")
    assert res.returncode == 0 and "rows rewritten clustered by series" in res.stdout, res.stderr
    due = fwpulse("db", "compact", "--if-due")
    assert due.returncode == 0 and "0 appended since the last compaction" in due.stdout and "nothing to do" in due.stdout
    info = json.loads(fwpulse("status", "--json").stdout)
    assert info["rows_by_source"]["EvanLi/Github-Ranking"] == 309 * 3     # nothing lost


def test_help_lists_every_verb():
    out = fwpulse("--help").stdout
    for verb in ("dashboard", "refresh", "bench", "export", "import", "status", "schedule"):
        assert verb in out


def test_schedule_prints_absolute_line_and_installs_idempotently(snapshot_db, tmp_path):
    tab = tmp_path / "crontab"
    tab.write_text("MAILTO=me@example.org\n15 3 * * * /usr/bin/other-job\n")
    line = fwpulse("schedule", "--cron", "30 5 * * *").stdout.strip()
    assert line.startswith("30 5 * * * ") and str(snapshot_db) in line and "refresh" in line
    assert ".config/fwpulse/env" in line and "refresh.log" in line and line.endswith("# fwpulse-refresh")
    assert "installed: " in fwpulse("schedule", "--install", "--crontab-file", str(tab)).stdout
    once = tab.read_text()
    assert "already installed" in fwpulse("schedule", "--install", "--crontab-file", str(tab)).stdout
    assert tab.read_text() == once and once.count("# fwpulse-refresh") == 1 and "other-job" in once
    assert "removed" in fwpulse("schedule", "--remove", "--crontab-file", str(tab)).stdout
    assert tab.read_text() == "MAILTO=me@example.org\n15 3 * * * /usr/bin/other-job\n"


def test_schedule_bad_cron_exit_2(snapshot_db):
    res = fwpulse("schedule", "--cron", "every day")
    assert res.returncode == 2 and "five fields" in res.stderr


def test_export_without_charts_is_usage_error(snapshot_db, tmp_path):
    res = fwpulse("export", "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "--chart" in res.stderr and "--all" in res.stderr
    assert res.stderr.strip().count("\n") == 0 and not (tmp_path / "out").exists()


def test_export_csv_only_needs_no_browser(snapshot_db, tmp_path):
    res = fwpulse("export", "--chart", "github-stars", "--format", "csv", "--out", str(tmp_path / "out"),
                  env={"BROWSER_PATH": "/nonexistent/chromium"})
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [e["file"] for e in manifest["files"]] == ["github-stars.csv"]

