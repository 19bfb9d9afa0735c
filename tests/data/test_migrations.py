from __future__ import annotations

import duckdb
import pytest

from fwpulse.data import db


def tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_migrate_from_empty_then_rerun_is_noop(tmp_path):
    path = tmp_path / "x.duckdb"
    with db.writing(path) as con:
        applied = db.migrate(con)
        assert applied == [m.version for m in db.migrations()]
        assert db.schema_version(con) == db.latest_version() >= 1
        assert {
            "observations",
            "runs",
            "events",
            "source_state",
            "schema_version",
            "metric_values",
            "bench_results",
        } <= tables(con)
        assert db.latest_version() >= 2  # 0002_bench
        assert db.migrate(con) == []
        rows = con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
    assert rows == [(m.version, m.name) for m in db.migrations()]


def test_failing_migration_rolls_back_whole_file(tmp_path):
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    (mdir / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (mdir / "0002_broken.sql").write_text("CREATE TABLE b (y INTEGER); INSERT INTO nope VALUES (1);")
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    with pytest.raises(duckdb.Error):
        db.migrate(con, mdir)
    assert "a" in tables(con) and "b" not in tables(con)
    assert db.schema_version(con) == 1
    con.close()


def test_newer_schema_is_refused(tmp_path):
    con = duckdb.connect(str(tmp_path / "n.duckdb"))
    db.migrate(con)
    con.execute("INSERT INTO schema_version VALUES (999, 'future', now()::TIMESTAMP)")
    with pytest.raises(db.DatabaseError, match="newer than this fwpulse"):
        db.migrate(con)
    con.close()


def test_build_new_leaves_nothing_on_crash(tmp_path):
    path = tmp_path / "b.duckdb"

    def boom(con):
        raise RuntimeError("crash while populating")

    with pytest.raises(RuntimeError):
        db.build_new(path, boom)
    assert not path.exists()


def test_reader_waits_then_reports_busy_writer(tmp_path):
    """An open writer in another process makes our open fail; we retry, then say so clearly."""
    import subprocess
    import sys
    import time

    path = tmp_path / "busy.duckdb"
    with db.writing(path) as con:
        db.migrate(con)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('open', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        t0 = time.monotonic()
        with pytest.raises(db.DatabaseBusy, match="another process"):
            db.connect(path, read_only=True, max_wait=0.5)
        assert time.monotonic() - t0 >= 0.4
    finally:
        holder.kill()
        holder.wait()
    with db.reading(path) as con:  # released: opens at once
        assert db.schema_version(con) >= 1


def _old_schema_db(path, tmp_path, upto: int):
    """A database migrated only up to version ``upto`` (as an older fwpulse left it), with one row."""
    import shutil

    old_dir = tmp_path / f"migrations-upto-{upto}"
    old_dir.mkdir()
    for m in db.migrations():
        if m.version <= upto:
            shutil.copy(db.MIGRATIONS_DIR / f"{m.version:04d}_{m.name}.sql", old_dir)
    with db.writing(path) as con:
        db.migrate(con, old_dir)
        con.execute(
            "INSERT INTO runs VALUES (1, 'snapshot', TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01', 'ok',"
            " 1, 0, 0, NULL, NULL, '{}')"
        )
        con.execute(
            "INSERT INTO observations (framework, metric, date, value, source, method, collected_at, run_id,"
            " source_url, note) VALUES ('pytorch', 'github.stars', DATE '2026-01-01', 90000, 'GitHub',"
            " 'REST', TIMESTAMP '2026-01-01', 1, NULL, 'kept')"
        )
        con.execute("CREATE TABLE keepme AS SELECT 42 AS answer")


def test_backup_before_migration_and_restore(tmp_path, monkeypatch):
    """An existing database behind the current schema is exported to Parquet before migrating."""
    from fwpulse.data import backup as backup_mod
    from fwpulse.data.bootstrap import ensure_database

    path = tmp_path / "old.duckdb"
    _old_schema_db(path, tmp_path, upto=db.latest_version() - 1)
    ensure_database(path)
    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1 and (backups[0] / "schema.sql").exists()
    restored = duckdb.connect()
    restored.execute(f"IMPORT DATABASE '{backups[0]}'")
    assert restored.execute("SELECT answer FROM keepme").fetchall() == [(42,)]
    with db.reading(path) as con:
        assert db.schema_version(con) == db.latest_version()
    with pytest.raises(FileExistsError):
        backup_mod.backup(path, backups[0])


def test_0003_quality_keeps_every_row_and_reads_old_rows_as_ok(tmp_path):
    """Migration 0003 adds quality/details: the old row survives unchanged, flagged ok, in metric_values."""
    path = tmp_path / "v2.duckdb"
    _old_schema_db(path, tmp_path, upto=2)
    with db.writing(path) as con:
        assert db.migrate(con)[0] == 3
        rows = con.execute(
            "SELECT framework, metric, date::VARCHAR, value, note, quality, details FROM metric_values"
        ).fetchall()
    assert rows == [("pytorch", "github.stars", "2026-01-01", 90000.0, "kept", "ok", None)]
