"""`fwpulse doctor` through a real process: one line per check, keys never shown, nothing written, offline fast."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

SECRET = "ghp_doctorSecretValue123"


def doctor(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fwpulse", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


@pytest.mark.slow
def test_doctor_reports_each_part_in_one_line_and_never_a_key(snapshot_db, tmp_path):
    tab = tmp_path / "crontab"
    other = tmp_path / "elsewhere.duckdb"
    tab.write_text(f"0 6 * * * FWPULSE_DB={other} /x/fwpulse refresh; # fwpulse-refresh\n")
    with socket.socket() as listening:  # one service answering: a TCP listener on 127.0.0.1
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        res = doctor(
            {"GITHUB_TOKEN": SECRET, "FWPULSE_PYPISTATS_URL": f"http://127.0.0.1:{port}/api"},
            "--crontab-file",
            str(tab),
        )
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    assert SECRET not in out + res.stderr
    lines = out.splitlines()
    assert all(line[:5] in ("ok   ", "--   ", "FAIL ") for line in lines[:-1]) and "doctor finished in" in lines[-1]
    assert f"ok   database {snapshot_db}: readable" in out and "bundled snapshot only" in out
    assert "ok   registry " in out and "the bundled one" in out
    assert "ok   GITHUB_TOKEN set" in out and "--   HF_TOKEN not set" in out
    assert f"ok   source pypi: 127.0.0.1:{port} reachable" in out
    sources = [line for line in lines if " source " in line]
    assert len(sources) == 9 and sum("cannot reach" in line for line in sources) == 8  # the conftest's closed port
    assert "export:" in out and "bench:" in out
    assert f"cron: fwpulse line installed, but it writes to {other}, this shell reads {snapshot_db}" in out


@pytest.mark.slow
def test_doctor_never_builds_a_missing_database(tmp_path):
    path = tmp_path / "none" / "fwpulse.duckdb"
    res = doctor({"FWPULSE_DB": str(path)})
    assert res.returncode == 0 and "not built yet" in res.stdout and not path.exists()


@pytest.mark.slow
def test_doctor_fails_on_a_damaged_database_with_the_diagnosis(snapshot_db):
    os.truncate(snapshot_db, snapshot_db.stat().st_size // 3)
    res = doctor({})
    assert res.returncode == 1
    (line,) = [ln for ln in res.stdout.splitlines() if "database" in ln]
    assert line.startswith("FAIL ") and "is damaged" in line and "Traceback" not in res.stderr
