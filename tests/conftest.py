"""Shared fixtures: real DuckDB files in tmp dirs (never a mocked DB)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fwpulse.data.bootstrap import ensure_database

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def snapshot_db_template(tmp_path_factory) -> Path:
    """The bundled snapshot built once per session; tests get their own copy."""
    path = tmp_path_factory.mktemp("template") / "fwpulse.duckdb"
    ensure_database(path)
    return path


@pytest.fixture
def snapshot_db(snapshot_db_template, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "fwpulse.duckdb"
    shutil.copy(snapshot_db_template, path)
    monkeypatch.setenv("FWPULSE_DB", str(path))
    return path


@pytest.fixture
def empty_db(tmp_path, monkeypatch) -> Path:
    """A migrated database with no rows at all."""
    from fwpulse.data import db

    path = tmp_path / "empty.duckdb"
    with db.writing(path) as con:
        db.migrate(con)
    monkeypatch.setenv("FWPULSE_DB", str(path))
    return path
