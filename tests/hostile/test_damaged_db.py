"""A truncated or partly zeroed database: one line naming the file, the newest backup and the restore
command, exit 1; `fwpulse db restore` brings every row back and keeps the damaged file."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys

import pytest

from tests.hostile.conftest import db_state, invoke

RNG = random.Random(1605)


@pytest.fixture(scope="module")
def backed_up(snapshot_db_template, tmp_path_factory):
    """A snapshot database with a `fwpulse db backup` next to it (the default place)."""
    root = tmp_path_factory.mktemp("damaged")
    path = root / "fwpulse.duckdb"
    shutil.copy(snapshot_db_template, path)
    os.environ["FWPULSE_DB"] = str(path)
    try:
        out = invoke("db", "backup")
    finally:
        del os.environ["FWPULSE_DB"]
    assert out.code == 0, out
    backup = next((root / "backups").iterdir())
    return path, backup, db_state(path)


def _damage(path, how: str, size: int) -> None:
    if how == "truncate":
        os.truncate(path, RNG.randrange(0, size // 2))
    else:
        with open(path, "r+b") as fh:
            fh.seek(RNG.choice([0, 4096, 8192, 12288]))
            fh.write(b"\0" * 4096)


DAMAGE = [("truncate", i) for i in range(8)] + [("zero", i) for i in range(4)]


@pytest.mark.parametrize("how,i", DAMAGE)
def test_damaged_file_is_one_line_with_the_backup(backed_up, tmp_path, monkeypatch, how, i):
    src, backup, _ = backed_up
    path = tmp_path / "fwpulse.duckdb"
    shutil.copy(src, path)
    (tmp_path / "backups").mkdir()
    shutil.copytree(backup, tmp_path / "backups" / backup.name)
    _damage(path, how, path.stat().st_size)
    monkeypatch.setenv("FWPULSE_DB", str(path))
    damaged = path.read_bytes()
    for verb in (
        ["status"],
        ["status", "--json"],
        ["export", "--chart", "github-stars", "--format", "csv", "--out", str(tmp_path / "ex")],
        ["db", "backup"],
    ):
        out = invoke(*verb)
        assert out.code == 1, (verb, out)
        line = out.one_line()
        assert "is damaged" in line and str(path) in line, line
        assert str(tmp_path / "backups" / backup.name) in line and "fwpulse db restore" in line
    assert path.read_bytes() == damaged  # diagnosing never writes


def test_truncate_restore_finds_every_row(backed_up, tmp_path, monkeypatch):
    src, backup, state = backed_up
    path = tmp_path / "fwpulse.duckdb"
    shutil.copy(src, path)
    (tmp_path / "backups").mkdir()
    kept = tmp_path / "backups" / backup.name
    shutil.copytree(backup, kept)
    os.truncate(path, path.stat().st_size // 3)
    monkeypatch.setenv("FWPULSE_DB", str(path))
    line = invoke("status").one_line()
    command = line.split("restore it with `")[1].split("`")[0]
    assert command == f"fwpulse db restore {kept}"
    out = invoke(*command.split()[1:])
    assert out.code == 0, out
    assert db_state(path) == state  # every row of every table, same content
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("fwpulse.duckdb.damaged-")]
    assert len(aside) == 1 and aside[0].stat().st_size == src.stat().st_size // 3
    assert invoke("status").code == 0


def test_restore_over_a_healthy_database_calls_it_replaced_and_counts_the_copies(backed_up, tmp_path, monkeypatch):
    """A readable file was renamed '.damaged-' and every restore kept another full copy without a word."""
    src, backup, state = backed_up
    path = tmp_path / "fwpulse.duckdb"
    shutil.copy(src, path)
    monkeypatch.setenv("FWPULSE_DB", str(path))
    first = invoke("db", "restore", str(backup))
    assert first.code == 0, first
    assert db_state(path) == state
    (aside,) = [p for p in tmp_path.iterdir() if ".replaced-" in p.name or ".damaged-" in p.name]
    assert ".replaced-" in aside.name
    assert "(readable)" in first.stdout and "1 copy kept aside" in first.stdout and "MB" in first.stdout
    second = invoke("db", "restore", str(backup))
    assert second.code == 0 and "2 copies kept aside" in second.stdout and ".replaced-*" in second.stdout


def test_no_backup_says_how_to_rebuild(snapshot_db, monkeypatch):
    os.truncate(snapshot_db, 100)
    line = invoke("status").one_line()
    assert "no backup found" in line and "move the file aside" in line


@pytest.mark.slow
def test_real_process_prints_no_traceback(backed_up, tmp_path):
    src, backup, _ = backed_up
    path = tmp_path / "fwpulse.duckdb"
    shutil.copy(src, path)
    os.truncate(path, path.stat().st_size // 2)
    res = subprocess.run(
        [sys.executable, "-m", "fwpulse", "status"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FWPULSE_DB": str(path)},
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip().count("\n") == 0 and "is damaged" in res.stderr
