"""Hostile inputs, generated from seeded RNGs (reproducible), against real DuckDB files.

Every case asserts the same contract: the right exit code (2 usage/config, 1 damaged database),
one line on stderr that names the offending thing, no traceback, and a database left exactly as
it was (row counts and a content hash of every table, before and after).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fwpulse.cli import app

TABLES = ("observations", "runs", "events", "bench_results", "source_state", "schema_version")


def db_state(path: Path) -> dict[str, tuple[int, int]]:
    """(rows, content hash) per table: equal before and after means nothing was written."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: tuple(con.execute(f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {t} t").fetchall()[0])
            for t in TABLES
        }
    finally:
        con.close()


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    def one_line(self) -> str:
        lines = [ln for ln in self.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {self.stderr!r}"
        assert "Traceback" not in self.stderr + self.stdout
        return lines[0]


_runner = CliRunner()


def invoke(*args: str) -> Outcome:
    result = _runner.invoke(app, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"fwpulse {' '.join(args)} raised {type(result.exception).__name__}: {result.exception}")
    return Outcome(result.exit_code, result.stdout, result.stderr)


def file_digest(path: Path) -> tuple[str, bool]:
    """The file's bytes (sha256) and whether a WAL exists: a cheap per-case "nothing was written"."""
    wal = path.with_name(path.name + ".wal")
    return hashlib.sha256(path.read_bytes()).hexdigest(), wal.exists()


@pytest.fixture(scope="module")
def module_db(snapshot_db_template, tmp_path_factory) -> Path:
    """One snapshot database per module; every case checks its bytes are unchanged, and the module
    checks row counts and content hashes of every table at the end."""
    path = tmp_path_factory.mktemp("hostile") / "fwpulse.duckdb"
    shutil.copy(snapshot_db_template, path)
    before = db_state(path)
    yield path
    assert db_state(path) == before, "a rejected input changed the database"


@pytest.fixture
def hostile_db(module_db, monkeypatch) -> Path:
    monkeypatch.setenv("FWPULSE_DB", str(module_db))
    monkeypatch.delenv("FWPULSE_CONFIG", raising=False)
    before = file_digest(module_db)
    yield module_db
    assert file_digest(module_db) == before, "a rejected input changed the database file"


@pytest.fixture(autouse=True)
def no_exec(monkeypatch):
    """`fwpulse dashboard` must never become Streamlit inside the test process."""

    def refuse(*_args, **_kwargs):
        raise SystemExit(99)  # reached only when the options were accepted

    monkeypatch.setattr(os, "execve", refuse)
