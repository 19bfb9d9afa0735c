"""Export tests drive the real CLI in a subprocess, on a copy of the bundled snapshot database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.spec import Chart, ChartOptions
from fwpulse.data.db import reading
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings

CHROMIUM = os.environ.get("BROWSER_PATH") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(), reason=f"no Chromium at {CHROMIUM} (./dev.sh test installs it)"
)


def run_export(*args: str, db: Path, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fwpulse", "export", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "FWPULSE_DB": str(db), **(env or {})},
        timeout=timeout,
    )


def build_all(db: Path, options: ChartOptions | None = None) -> dict[str, Chart]:
    """Every registered chart built in-process from ``db``: what the export must match."""
    reg = load_registry(load_settings().config_path)
    with reading(db) as con:
        return {cid: registry.build(con, cid, options or ChartOptions(), reg) for cid in registry.CHARTS}


@pytest.fixture(scope="module")
def module_db(snapshot_db_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("exportdb") / "fwpulse.duckdb"
    shutil.copy(snapshot_db_template, path)
    return path
