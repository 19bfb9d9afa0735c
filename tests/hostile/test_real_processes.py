"""A few cases through real `python -m fwpulse` processes: what reaches the real stderr is one line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def fwpulse(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fwpulse", *args], capture_output=True, text=True, timeout=120, env={**os.environ, **env}
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", ["host", "port", "import-dir", "deep-json", "wait-nan"])
def test_real_stderr_is_one_line(snapshot_db, tmp_path, case):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    args, code, words = {
        "host": (["dashboard", "--host", "not a host"], 2, "--host"),
        "port": (["dashboard", "--port", "65536"], 2, "--port"),
        "import-dir": (["import", str(tmp_path)], 2, "is a directory"),
        "deep-json": (["bench", "import", str(deep)], 2, "nested too deeply"),
        "wait-nan": (["refresh", "--wait", "nan"], 2, "--wait"),
    }[case]
    res = fwpulse(*args, env={"FWPULSE_DB": str(snapshot_db)})
    assert res.returncode == code, res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert res.stderr.strip().count("\n") == 0 and words in res.stderr
