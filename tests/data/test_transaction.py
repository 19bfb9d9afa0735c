"""db.transaction: the one way fwpulse writes several statements; a failure inside leaves none of them."""

from __future__ import annotations

import pytest

from fwpulse.data import db


def test_a_failure_inside_rolls_back_every_statement_and_re_raises(tmp_path):
    with db.writing(tmp_path / "t.duckdb") as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        with pytest.raises(RuntimeError, match="half way"):
            with db.transaction(con):
                con.execute("INSERT INTO t VALUES (1)")
                raise RuntimeError("half way")
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 0
        with db.transaction(con):
            con.execute("INSERT INTO t VALUES (2)")
            con.execute("INSERT INTO t VALUES (3)")
        assert con.execute("SELECT sum(x) FROM t").fetchone()[0] == 5
