from __future__ import annotations

import hashlib

import pytest

from fwpulse.data import db
from fwpulse.data.importer import ImportFileError, import_csv
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import BUNDLED_CONFIG

HEADER = "framework,metric,value,as_of,source_url,note\n"


def counts(path):
    with db.reading(path) as con:
        return (
            con.execute("SELECT count(*) FROM observations").fetchall()[0][0],
            con.execute("SELECT count(*) FROM runs").fetchall()[0][0],
        )


def test_good_csv_imports_as_manual_metrics(snapshot_db, tmp_path):
    f = tmp_path / "figs.csv"
    f.write_text(
        HEADER + "PyTorch,github_forks,11000,2020-10-01,https://example.org/a,quoted\n"
        "keras,manual.talk_mentions,42,2025-05-01,https://example.org/b,\n"
    )
    with db.writing(snapshot_db) as con:
        res = import_csv(con, f, load_registry(BUNDLED_CONFIG))
        again = import_csv(con, f, load_registry(BUNDLED_CONFIG))
        rows = con.execute("""SELECT framework, metric, value, source, source_url FROM metric_values
                              WHERE source LIKE 'manual import%' ORDER BY framework""").fetchall()
    assert res.rows_written == 2 and again.rows_written == 0
    assert rows == [
        ("keras", "manual.talk_mentions", 42.0, "manual import: example.org", "https://example.org/b"),
        ("pytorch", "manual.github_forks", 11000.0, "manual import: example.org", "https://example.org/a"),
    ]


def test_bad_csv_reports_lines_and_changes_nothing(snapshot_db, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        HEADER + "PyTorch,github_forks,11000,2020-10-01,https://example.org/a,\n"
        "Flask,github_forks,1,2020-10-01,https://example.org/a,\n"
        "keras,github_forks,lots,2020-10-01,https://example.org/a,\n"
        "jax,github_forks,5,2020-13-01,https://example.org/a,\n"
        "jax,github forks,5,2020-01-01,ftp://x,\n"
    )
    before = counts(snapshot_db), hashlib.sha256(snapshot_db.read_bytes()).hexdigest()
    with db.writing(snapshot_db) as con, pytest.raises(ImportFileError) as info:
        import_csv(con, f, load_registry(BUNDLED_CONFIG))
    msg = str(info.value)
    assert str(f) in msg and "4 bad row(s), nothing imported" in msg
    for fragment in (
        "line 3: framework 'Flask'",
        "line 4: value 'lots'",
        "line 5: as_of '2020-13-01'",
        "line 6: metric",
    ):
        assert fragment in msg
    assert counts(snapshot_db) == before[0]


def test_missing_columns_named(snapshot_db, tmp_path):
    f = tmp_path / "cols.csv"
    f.write_text("framework,value\nPyTorch,1\n")
    with pytest.raises(ImportFileError, match=r"line 1: missing column\(s\) metric, as_of, source_url"):
        with db.writing(snapshot_db) as con:
            import_csv(con, f, load_registry(BUNDLED_CONFIG))


def test_a_negative_count_is_refused_with_the_file_line_and_field(snapshot_db, tmp_path):
    f = tmp_path / "neg.csv"
    f.write_text(HEADER + "PyTorch,github_forks,-11000,2020-10-01,https://example.org/a,typo\n")
    before = counts(snapshot_db)
    with db.writing(snapshot_db) as con, pytest.raises(ImportFileError) as info:
        import_csv(con, f, load_registry(BUNDLED_CONFIG))
    msg = str(info.value)
    assert str(f) in msg and "line 2: value '-11000' is negative" in msg and "nothing imported" in msg
    assert counts(snapshot_db) == before
