"""The orchestrator with real processes: lock contention, isolation, idempotency, readers during
writes, and SIGKILL at many points."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from fwpulse.collectors import refresh as orchestrator
from fwpulse.data import db, read
from fwpulse.data.ledger import runs
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import BUNDLED_CONFIG, load_settings


@pytest.fixture
def fake_sources(monkeypatch):
    monkeypatch.setitem(orchestrator.SOURCES, "fake", "tests.collectors.fake_source")
    monkeypatch.setitem(orchestrator.SOURCES, "fake2", "tests.collectors.fake_source")


def run_fake(names, **env):
    for k, v in env.items():
        os.environ[k] = v
    try:
        return orchestrator.refresh(
            load_settings(), load_registry(BUNDLED_CONFIG), sources=names, framework_ids=["pytorch", "keras"]
        )
    finally:
        for k in env:
            os.environ.pop(k)


def test_twice_in_a_day_adds_no_rows_and_newest_wins(snapshot_db, fake_sources):
    first = run_fake(["fake"])
    second = run_fake(["fake"])
    assert (first[0].rows_written, second[0].rows_written, second[0].rows_unchanged) == (2, 0, 2)
    third = run_fake(["fake"], FAKE_SOURCE_VALUE="200")
    assert third[0].rows_written == 2
    with db.reading(snapshot_db) as con:
        now = read.values(con, ["pytorch"], ["github.stars"]).query("source == 'fake'")
        hist = read.history(con, ["pytorch"], ["github.stars"]).query("source == 'fake'")
        ledger = runs(con).query("source == 'fake'")
    assert now["value"].tolist() == [200.0] and hist["value"].tolist() == [100.0, 200.0]
    assert len(ledger) == 3 and set(ledger["status"]) == {"ok"}


def test_one_crashing_source_does_not_stop_the_others(snapshot_db, fake_sources, monkeypatch):
    monkeypatch.setitem(orchestrator.SOURCES, "broken", "tests.collectors.crashing_source")
    out = {o.source: o for o in run_fake(["broken", "fake"])}
    assert out["broken"].status == "failed" and "boom in the crashing source" in out["broken"].error
    assert out["fake"].status == "ok" and out["fake"].rows_written == 2
    with db.reading(snapshot_db) as con:
        ledger = dict(con.execute("SELECT source, status FROM runs WHERE source IN ('broken', 'fake')").fetchall())
    assert ledger == {"broken": "failed", "fake": "ok"}


@pytest.mark.slow
def test_second_refresh_exits_75_while_lock_held(snapshot_db):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from fwpulse.collectors.refresh import refresh_lock\n"
                f"with refresh_lock(Path({str(snapshot_db)!r})):\n    print('locked', flush=True); sys.stdin.readline()"
            ),
        ],
        stdin=subprocess.PIPE,  # holds the lock until the test writes a line: no race with a slow CLI start
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        res = subprocess.run(
            [sys.executable, "-m", "fwpulse", "refresh", "--source", "github"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert res.returncode == 75
        assert "another refresh" in res.stderr and res.stderr.strip().count("\n") == 0
        waiter = subprocess.Popen(
            [
                sys.executable,
                "-c",
                (
                    "from pathlib import Path; from fwpulse.collectors.refresh import refresh_lock\n"
                    f"with refresh_lock(Path({str(snapshot_db)!r}), wait=20): print('got it')"
                ),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)  # the waiter is (most likely) waiting on the lock by now
        assert waiter.poll() is None, "took the lock while it was held"
        holder.stdin.write("release\n")
        holder.stdin.flush()
        out, _ = waiter.communicate(timeout=60)
        assert out.strip() == "got it" and waiter.returncode == 0
    finally:
        holder.kill()
        holder.wait()


WRITER = """
import datetime as dt, sys
from pathlib import Path
from fwpulse.data import db, store
path, n = Path(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    obs = [store.Observation("pytorch", "github.stars", dt.date(2000, 1, 1) + dt.timedelta(days=i * 100 + k),
                             float(k), "writer", "test") for k in range(100)]
    with db.writing(path, max_wait=60) as con:
        store.record_run(con, store.RunRecord("writer", started_at=store.utcnow()), obs)
    print(i, flush=True)
"""

READER = """
import sys, time
from pathlib import Path
from fwpulse.data import db
path, seconds = Path(sys.argv[1]), float(sys.argv[2])
end, reads = time.monotonic() + seconds, 0
while time.monotonic() < end:
    with db.reading(path, max_wait=60) as con:
        n = con.execute("SELECT count(*) FROM observations WHERE source = 'writer'").fetchall()[0][0]
    assert n % 100 == 0, f"half-written run visible: {n}"
    reads += 1
print("reads", reads)
"""


@pytest.mark.slow
def test_reader_process_and_writer_coexist(snapshot_db):
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot_db), "6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    writer = subprocess.run(
        [sys.executable, "-c", WRITER, str(snapshot_db), "15"], capture_output=True, text=True, timeout=120
    )
    out, err = reader.communicate(timeout=120)
    assert writer.returncode == 0, writer.stderr
    assert reader.returncode == 0, err
    assert int(out.split()[1]) > 5
    with db.reading(snapshot_db) as con:
        assert con.execute("SELECT count(*) FROM observations WHERE source = 'writer'").fetchall()[0][0] == 1500


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0.3, 0.8, 1.5, 2.5])
def test_sigkill_at_any_point_keeps_every_committed_row(snapshot_db, kill_after):
    with db.reading(snapshot_db) as con:
        before = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(snapshot_db), "1000"], stdout=subprocess.PIPE, text=True)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    res = subprocess.run(
        [sys.executable, "-m", "fwpulse", "status", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "FWPULSE_DB": str(snapshot_db)},
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    with db.reading(snapshot_db) as con:
        total = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
        written = con.execute("SELECT count(*) FROM observations WHERE source = 'writer'").fetchall()[0][0]
        runs = con.execute("SELECT count(*) FROM runs WHERE source = 'writer'").fetchall()[0][0]
    assert total == before + written  # nothing that was there before is lost
    assert written == runs * 100  # no half-written run
