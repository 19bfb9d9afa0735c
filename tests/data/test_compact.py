"""data/compact.py on real DuckDB files: the rewrite keeps every row and the schema, clusters the
rows by series, happens only when due, and an error half-way leaves the table as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from fwpulse.collectors import refresh as orchestrator
from fwpulse.data import compact, db, read, store
from fwpulse.data.settings import load_settings
from fwpulse.data.store import Observation, RunRecord

FRAMEWORKS = ("tensorflow", "pytorch", "keras")
METRICS = ("github.stars", "github.forks", "pypi.downloads_monthly")


def _append_days(con, first: dt.date, days: int, at: dt.datetime, bump: float = 0.0) -> None:
    """One run per day, each with every (framework, metric): date order, as daily refreshes append."""
    for i in range(days):
        d = first + dt.timedelta(days=i)
        batch = [
            Observation(fw, m, d, 1000.0 * j + 10 * k + i + bump, "test", "test method", None, "n")
            for j, fw in enumerate(FRAMEWORKS)
            for k, m in enumerate(METRICS)
        ]
        store.record_run(con, RunRecord("test", started_at=at + dt.timedelta(days=i)), batch)


@pytest.fixture
def con(tmp_path):
    with db.writing(tmp_path / "c.duckdb") as c:
        db.migrate(c)
        _append_days(c, dt.date(2026, 1, 1), 20, dt.datetime(2026, 1, 1, 6))
        # a re-collection that changes some values: superseded rows that metric_values must hide
        _append_days(c, dt.date(2026, 1, 5), 3, dt.datetime(2026, 3, 1, 6), bump=0.5)
        yield c


def _all(con, relation: str, order: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {relation} ORDER BY {order}").fetchall()


def test_rewrite_keeps_every_row_schema_and_view_and_clusters_by_series(con):
    order = "framework, metric, date, run_id"
    before_rows, before_view = _all(con, "observations", order), _all(con, "metric_values", order)
    ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'observations'").fetchall()
    view = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'metric_values'").fetchall()
    physical = [r[:3] for r in con.execute("SELECT framework, metric, date FROM observations").fetchall()]
    assert physical != sorted(physical, key=lambda r: (r[1], r[0], r[2]))  # date order before

    result = compact.compact(con, force=True)

    assert result.compacted and result.rows == len(before_rows) == 20 * 9 + 3 * 9
    assert _all(con, "observations", order) == before_rows
    assert _all(con, "metric_values", order) == before_view
    assert con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'observations'").fetchall() == ddl
    assert con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'metric_values'").fetchall() == view
    physical = [r for r in con.execute("SELECT metric, framework, date FROM observations").fetchall()]
    assert physical == sorted(physical)  # stored series by series
    with pytest.raises(Exception, match="(?i)constraint|duplicate"):  # the primary key came along
        con.execute("INSERT INTO observations SELECT * FROM observations LIMIT 1")
    assert compact.tail_rows(con) == (result.rows, 0)


def test_only_when_the_tail_is_long_enough(con):
    total = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    assert compact.tail_rows(con) == (total, total)  # never compacted: everything is tail
    assert not compact.compact(con).compacted  # far below one row group
    assert compact.compact(con, tail_limit=total).compacted
    _append_days(con, dt.date(2026, 2, 1), 2, dt.datetime(2026, 4, 1, 6))
    assert compact.tail_rows(con) == (total + 18, 18)
    skipped = compact.compact(con, tail_limit=19)
    assert not skipped.compacted and "18 appended" in skipped.summary()
    assert compact.compact(con, tail_limit=18).compacted and compact.tail_rows(con)[1] == 0


def test_an_error_half_way_changes_nothing(con):
    before = _all(con, "observations", "framework, metric, date, run_id")

    class FailingDrop:
        """The real connection, except that dropping the old table fails (as a full disk might)."""

        def execute(self, sql, *args):
            if sql.startswith("DROP TABLE"):
                raise RuntimeError("disk full")
            return con.execute(sql, *args)

    with pytest.raises(RuntimeError, match="disk full"):
        compact.compact(FailingDrop(), force=True)
    assert _all(con, "observations", "framework, metric, date, run_id") == before
    assert (
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'observations__%'").fetchall()[0][0]
        == 0
    )
    assert con.execute("SELECT count(*) FROM metric_values").fetchall()[0][0] == 20 * 9
    assert compact.clustered_rows(con) == 0


def test_refresh_compacts_once_due(snapshot_db, monkeypatch):
    with db.reading(snapshot_db) as c:
        total, tail = compact.tail_rows(c)
    assert tail == 0  # a new database starts clustered (bootstrap)
    monkeypatch.setitem(orchestrator.SOURCES, "fake", "tests.collectors.fake_source")
    monkeypatch.setattr(compact, "TAIL_LIMIT", 2)
    from fwpulse.data.registry import load_registry
    from fwpulse.data.settings import BUNDLED_CONFIG

    orchestrator.refresh(
        load_settings(), load_registry(BUNDLED_CONFIG), sources=["fake"], framework_ids=["pytorch", "keras"]
    )
    with db.reading(snapshot_db) as c:
        assert compact.tail_rows(c) == (total + 2, 0)
        assert read.values(c, ["pytorch"], ["github.stars"]).query("source == 'fake'")["value"].tolist() == [100.0]


KILLER = """
import sys
from fwpulse.data import compact, db
with db.writing(sys.argv[1]) as con:
    print("start", flush=True)
    compact.compact(con, force=True)
    print("done", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.3, 0.8])
def test_sigkill_during_a_compaction_loses_nothing(tmp_path, delay):
    """A real process compacting 600,000 rows is killed part-way: the database opens, and every row
    and the view are as before (the compacted state or the old one, never a mix)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "k.duckdb"
    with db.writing(path) as c:
        db.migrate(c)
        c.execute("""INSERT INTO runs VALUES (1, 'test', TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01', 'ok',
                     0, 0, 0, NULL, NULL, '{}')""")
        c.execute("""INSERT INTO observations (framework, metric, date, value, source, method, collected_at, run_id, source_url, note)
                     SELECT 'fw' || (i % 20), 'github.stars', DATE '2000-01-01' + (i // 20)::INT, i, 'test', 'm',
                            TIMESTAMP '2026-01-01', 1, NULL, NULL
                     FROM range(600000) t(i)""")
        c.execute("CHECKPOINT")
        before = c.execute("SELECT count(*), sum(value), count(DISTINCT framework) FROM metric_values").fetchall()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLER, str(path)], stdout=subprocess.PIPE, text=True, env={**os.environ}
    )
    assert proc.stdout.readline().strip() == "start"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    with db.reading(path) as c:
        assert (
            c.execute("SELECT count(*), sum(value), count(DISTINCT framework) FROM metric_values").fetchall() == before
        )
        assert c.execute("SELECT count(*) FROM observations").fetchall()[0][0] == 600000
        tables = {r[0] for r in c.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "observations" in tables and "observations__clustered" not in tables
    with db.writing(path) as c:  # and it can still be compacted afterwards
        assert compact.compact(c, force=True).rows == 600000
