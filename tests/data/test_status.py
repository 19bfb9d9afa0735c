"""`fwpulse status`: strict JSON whatever the ledger holds (a failed refresh included), and the text form
with the rows per source (and per quality flag) the commands reference (docs/operations.md) promises."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from fwpulse.data import db, status, store
from fwpulse.data.store import RunRecord


def strict_loads(text: str):
    """json.loads that rejects NaN, Infinity and -Infinity (Python's json accepts them by default)."""
    return json.loads(text, parse_constant=lambda c: 1 / 0)


def test_strict_turns_every_non_json_leaf_into_json():
    raw = {
        "a": float("nan"),
        "b": float("inf"),
        "c": -np.inf,
        "d": pd.NaT,
        "e": np.int64(3),
        "f": np.float64(2.5),
        "g": [pd.Timestamp("2026-01-02"), None, pd.NA],
        "h": dt.date(2026, 1, 1),
        "i": {"j": np.nan, "k": True},
    }
    assert json.dumps(raw, default=str).count("NaN") >= 1  # what a plain dump would print
    clean = status.strict(raw)
    assert clean == {
        "a": None,
        "b": None,
        "c": None,
        "d": None,
        "e": 3,
        "f": 2.5,
        "g": ["2026-01-02T00:00:00", None, None],
        "h": "2026-01-01",
        "i": {"j": None, "k": True},
    }
    assert strict_loads(status.status_json(raw)) == clean


def test_status_after_failed_runs_is_strict_json(snapshot_db):
    t = dt.datetime(2026, 11, 1, 6, 0)
    with db.writing(snapshot_db) as con:
        store.record_run(
            con,
            RunRecord(
                "github",
                started_at=t,
                status="failed",
                requests=1,
                error="cannot reach api.github.com (connection refused)",
            ),
        )
        store.record_run(
            con,
            RunRecord(
                "trends", started_at=t, status="skipped", error="HTTP 429", retry_after=t + dt.timedelta(hours=1)
            ),
        )
        store.record_run(con, RunRecord("pypi", started_at=t, status="ok"))  # no error, no retry-after
    info = status.collect_status(snapshot_db)
    text = json.dumps(info, indent=2)  # as a plain dump prints it
    assert strict_loads(text) == strict_loads(status.status_json(info)) == info
    by = {s["source"]: s for s in info["sources"]}
    assert by["github"]["last_status"] == "failed" and by["github"]["last_ok_at"] is None
    assert by["github"]["last_ok_age"] is None and "connection refused" in by["github"]["last_error"]
    assert by["pypi"]["last_error"] is None and by["pypi"]["retry_after"] is None
    assert by["trends"]["retry_after"] == "2026-11-01T07:00:00"


def test_text_status_shows_rows_per_source_and_quality(snapshot_db):
    info = status.collect_status(snapshot_db)
    text = status.render_status(info)
    assert "rows by source:" in text and "rows by quality" in text
    block = text.split("rows by source:")[1].split("\n\n")[0].splitlines()
    shown = {line.rsplit(None, 1)[0].strip(): int(line.rsplit(None, 1)[1]) for line in block if line.strip()}
    assert shown == info["rows_by_source"]
    assert shown["EvanLi/Github-Ranking"] == 927 and shown["best-of-ml-python"] == 268 * 3 + 25
    assert sum(shown.values()) == info["rows_total"] == sum(info["rows_by_quality"].values())
    assert info["rows_by_quality"]["partial_period"] == 2 * 2 + 3 + 1  # git 2026-08 x2 metrics, AI Index, SO 2025-01


@pytest.mark.slow
def test_cli_status_json_after_a_failed_refresh(snapshot_db):
    env = {**os.environ, "FWPULSE_DB": str(snapshot_db)}  # service URLs point at a closed port (conftest)

    def fwpulse(*args):
        return subprocess.run(
            [sys.executable, "-m", "fwpulse", *args], capture_output=True, text=True, env=env, timeout=300
        )

    refresh = fwpulse("refresh", "--source", "pypi")
    assert refresh.returncode == 1, refresh.stderr  # the source failed, the rest stored
    res = fwpulse("status", "--json")
    assert res.returncode == 0, res.stderr
    info = strict_loads(res.stdout)
    pypi = next(s for s in info["sources"] if s["source"] == "pypi")
    assert pypi["last_status"] == "failed" and pypi["last_ok_at"] is None and pypi["last_error"]
    text = fwpulse("status")
    assert text.returncode == 0 and "rows by source:" in text.stdout and "EvanLi/Github-Ranking" in text.stdout
    # dates as ISO 8601, as `fwpulse sql --format json` writes them (they were '2026-12-04 06:00:01.2')
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?", pypi["last_finished_at"])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["first_date"]) for r in info["rows"])


def test_status_text_keeps_its_columns_whatever_the_longest_name(snapshot_db):
    """A metric id longer than the fixed 40-character column pushed its count out of line."""
    info = status.collect_status(snapshot_db)
    info["rows_by_metric"]["manual.a_metric_id_far_longer_than_forty_characters_x"] = 7
    text = status.render_status(info)
    block = text.split("rows by metric:\n")[1].split("\n\n")[0].splitlines()
    assert len(block) > 3 and len({len(line) for line in block}) == 1  # numbers right-aligned in one column
