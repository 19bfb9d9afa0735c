"""bench_results: store round-trip, JSON export/import, and the contract the dashboard reads."""

from __future__ import annotations

import json

import pytest

from fwpulse.data import bench_rows, bench_store, db


def row(**over):
    base = dict(
        bench_run_id="run-1",
        suite="smoke",
        workload="W1",
        workload_label="MLP train",
        variant="train b128",
        contender="torch-eager",
        framework="pytorch",
        backend="pytorch",
        api="native",
        mode="eager",
        tier="defaults",
        precision="fp32",
        device="cpu",
        device_name="Test CPU",
        batch_size=128,
        status="ok",
        step_ms_p50=12.5,
        step_ms_p90=13.0,
        step_ms_p99=14.0,
        samples_per_s=10240.0,
        cv=0.01,
        n_repeats=3,
        n_steps=20,
        first_step_s=0.5,
        compile_s=0.1,
        n_compiles=0,
        breakeven_steps=None,
        peak_mem_bytes=123456789,
        mem_kind="rss",
        tflops=0.1,
        pct_of_peak=12.0,
        baseline="torch-eager",
        ratio=1.0,
        ratio_ci_low=1.0,
        ratio_ci_high=1.0,
        verdict=None,
        loss_first=2.3,
        loss_last=2.1,
        loss_ok=True,
        fingerprint={"cpu": "Test CPU", "loadavg": [0.1, 0.2, 0.3]},
        method="blocks of S steps",
        measured_at="2026-11-24T17:00:00",
        import_s=1.0,
        build_s=0.2,
        details={"x": 1},
    )
    base.update(over)
    return base


def test_migration_creates_table_with_contract_columns(empty_db):
    with db.reading(empty_db) as con:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'bench_results' ORDER BY ordinal_position"
            ).fetchall()
        ]
    assert cols[: len(bench_rows.CONTRACT)] == bench_rows.CONTRACT
    assert cols == bench_rows.COLUMNS


def test_store_round_trip_and_idempotent(empty_db):
    rows = [
        row(),
        row(
            contender="jax-jit",
            framework="jax",
            backend="jax",
            ratio=0.9,
            ratio_ci_low=0.85,
            ratio_ci_high=0.95,
            verdict="faster",
        ),
        row(
            contender="tf-xla",
            framework="tensorflow",
            status="not_available",
            reason="No module named 'tensorflow'",
            step_ms_p50=None,
            ratio=None,
        ),
    ]
    with db.writing(empty_db) as con:
        assert bench_store.write_results(con, rows) == 3
        assert bench_store.write_results(con, rows) == 3  # upsert by result_id
        df = bench_store.results(con)
    assert list(df.columns) == bench_rows.CONTRACT and len(df) == 3
    assert df.iloc[0]["contender"] == "torch-eager"  # the baseline first within a cell
    got = df.set_index("contender")
    assert got.loc["jax-jit", "verdict"] == "faster" and got.loc["jax-jit", "ratio_ci_high"] == 0.95
    assert got.loc["tf-xla", "status"] == "not_available" and got.loc["tf-xla", "reason"].startswith("No module")
    assert json.loads(got.loc["torch-eager", "fingerprint"])["loadavg"] == [0.1, 0.2, 0.3]
    assert got.loc["torch-eager", "peak_mem_bytes"] == 123456789 and bool(got.loc["torch-eager", "loss_ok"])
    with db.reading(empty_db) as con:
        assert len(bench_store.results(con, device="cuda")) == 0
        assert len(bench_store.results(con, device="cpu", suite="smoke")) == 3
        assert "details" in bench_store.results(con, extra=True).columns


def test_newest_run_first(empty_db):
    with db.writing(empty_db) as con:
        bench_store.write_results(
            con,
            [
                row(bench_run_id="old", measured_at="2026-01-01T00:00:00"),
                row(bench_run_id="new", measured_at="2026-06-01T00:00:00"),
            ],
        )
        assert list(bench_store.results(con)["bench_run_id"]) == ["new", "old"]


def test_json_export_import_round_trip(empty_db, tmp_path):
    path = bench_store.dump_results_file(
        tmp_path / "r.json",
        bench_run_id="run-1",
        suite="smoke",
        fingerprint={"cpu": "Test CPU"},
        rows=[row(), row(contender="jax-jit")],
    )
    meta, rows = bench_store.read_results_file(path)
    assert meta["format"] == bench_store.FORMAT and {r["imported_from"] for r in rows} == {"r.json"}
    with db.writing(empty_db) as con:
        bench_store.import_results_file(con, path)
        df = bench_store.results(con, extra=True)
    assert set(df["contender"]) == {"torch-eager", "jax-jit"} and set(df["imported_from"]) == {"r.json"}
    assert df.iloc[0]["step_ms_p50"] == 12.5 and json.loads(df.iloc[0]["details"]) == {"x": 1}


@pytest.mark.parametrize(
    "content, expect",
    [
        ("{not json", "not valid JSON"),
        ('{"format": "other"}', "field 'format'"),
        ('{"format": "fwpulse-bench/1", "results": []}', "field 'results'"),
    ],
)
def test_bad_files_name_the_file(tmp_path, content, expect):
    f = tmp_path / "bad.json"
    f.write_text(content)
    with pytest.raises(bench_store.BenchFileError, match=expect) as exc:
        bench_store.read_results_file(f)
    assert str(f) in str(exc.value) and "\n" not in str(exc.value)


def test_bad_row_names_row_and_field(tmp_path):
    f = tmp_path / "bad.json"
    bad = row(step_ms_p50="fast")
    f.write_text(json.dumps({"format": bench_store.FORMAT, "results": [row(), bad]}))
    with pytest.raises(bench_store.BenchFileError, match=r"results\[1\]\.step_ms_p50"):
        bench_store.read_results_file(f)


@pytest.mark.slow
def test_snapshot_loads_bundled_bench_files(tmp_path):
    import shutil

    from fwpulse.data.settings import SNAPSHOT_DIR
    from fwpulse.data.snapshot import load_snapshot

    snap = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_DIR, snap)
    (snap / "bench").mkdir(exist_ok=True)
    bench_store.dump_results_file(
        snap / "bench" / "extra-machine.json",
        bench_run_id="bundled-x",
        suite="smoke",
        fingerprint={},
        rows=[row(bench_run_id="bundled-x")],
    )
    db.build_new(tmp_path / "s.duckdb", lambda con: load_snapshot(con, snap))
    with db.reading(tmp_path / "s.duckdb") as con:
        df = bench_store.results(con)
    assert "extra-machine.json" in set(df["imported_from"])


def test_bundled_bench_results_are_valid_and_in_the_snapshot_db(snapshot_db):
    from fwpulse.data.settings import SNAPSHOT_DIR

    files = sorted((SNAPSHOT_DIR / "bench").glob("*.json"))
    if not files:
        pytest.skip("no bundled benchmark results")
    with db.reading(snapshot_db) as con:
        df = bench_store.results(con)
    for f in files:
        meta, rows = bench_store.read_results_file(f)
        got = df[df["imported_from"] == f.name]
        assert len(got) == len(rows) and (got["status"] == "ok").any()
        assert all(json.loads(fp).get("cpu_model") for fp in got["fingerprint"])
