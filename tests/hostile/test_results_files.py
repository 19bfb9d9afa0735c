"""`fwpulse bench import` of generated bad results files: exit 2, one line naming file and field, nothing written."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from fwpulse.data import bench_rows, bench_store
from tests.hostile.conftest import invoke

RNG = random.Random(1603)
BUNDLED = sorted((Path(__file__).resolve().parents[2] / "data" / "snapshot" / "bench").glob("*.json"))[0]
DOC = json.loads(BUNDLED.read_text(encoding="utf-8"))
ROW = next(r for r in DOC["results"] if r.get("status") == "ok" and r.get("peak_mem_bytes") is not None)

INT_BAD = [2**31, 2**63, -1, 10**30, 1.5, "12", True, [1], {"a": 1}, float("inf")]
FLOAT_BAD = ["fast", True, [1.0], {"a": 1}, float("inf"), float("-inf"), 10**400]
TS_BAD = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "1999-12-31T23:59:59",
    "2100-01-02T00:00:00",
    "2026-02-30T00:00:00",
    "yesterday",
    20261124,
    None,
]
JSON_BAD = ["[1]", "1", '"x"', "{not json", [1, 2], 7, "[" * 5000 + "]" * 5000]
TEXT_BAD = [5, 1.5, True, ["a"], {"a": 1}, "a\x00b", "\ud800", "x" * 200_001]


def _cases() -> list[tuple[str, object]]:
    out = []
    for column, kind in bench_rows.ALL_COLUMNS:
        if column in ("result_id", "imported_from"):
            continue
        pool = {
            "int": INT_BAD,
            "float": FLOAT_BAD,
            "ts": TS_BAD,
            "json": JSON_BAD,
            "text": TEXT_BAD,
            "bool": [1, "true", None if column != "loss_ok" else "yes"],
        }[kind]
        if kind == "int":
            low, high = bench_rows.INT_RANGES.get(column, (-(2**63), 2**63 - 1))
            pool = [v for v in pool if not (type(v) is int and low <= v <= high)]
        for value in RNG.sample(pool, min(3, len(pool))):
            if value is None and column not in bench_rows.REQUIRED:
                continue
            out.append((column, value))
    return out + [
        ("batch_size", 2**31),
        ("peak_mem_bytes", 2**63),
        ("measured_at", "9999-12-31T23:59:59-14:00"),
        ("fingerprint", "[1]"),
        ("fingerprint", _deep(40)),
    ]


def _deep(n: int):
    node: dict = {}
    root = node
    for _ in range(n):
        node["x"] = {}
        node = node["x"]
    return root


CASES = _cases()


def _write(tmp_path: Path, doc, raw: str | None = None) -> Path:
    f = tmp_path / "results.json"
    f.write_text(raw if raw is not None else json.dumps(doc, allow_nan=True), encoding="utf-8", errors="surrogatepass")
    return f


@pytest.mark.parametrize("column,value", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_bad_field_value(hostile_db, tmp_path, column, value):
    doc = copy.deepcopy(DOC)
    doc["results"] = [copy.deepcopy(ROW) for _ in range(3)]
    doc["results"][1][column] = value
    out = invoke("bench", "import", str(_write(tmp_path, doc)))
    assert out.code == 2, (column, value, out)
    line = out.one_line()
    assert "results.json" in line and f"results[1].{column}" in line and "nothing was imported" in line


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 100_000 + "]" * 100_000,  # RecursionError in json
        '{"format": "fwpulse-bench/1", "results": ' + "[" * 200 + "]" * 200 + "}",
        '{"format": "fwpulse-bench/1", "results": [' + "9" * 5000 + "]}",  # more digits than int() takes
        '{"format": "fwpulse-bench/1", "results": [{"batch_size": 1e400}]}',
        "",
        "null",
        "[]",
        '{"format": 1}',
        '{"format": "fwpulse-bench/1"}',
        '{"format": "fwpulse-bench/1", "results": {}}',
        '{"format": "fwpulse-bench/1", "results": [1, 2]}',
        "\ufeff{",
        "NaN",
    ],
    ids=lambda r: f"len{len(r)}-{r[:12]!r}",
)
def test_bad_file(hostile_db, tmp_path, raw):
    out = invoke("bench", "import", str(_write(tmp_path, None, raw)))
    assert out.code == 2, out
    assert "results.json" in out.one_line()


def test_bad_meta_field(hostile_db, tmp_path):
    doc = copy.deepcopy(DOC)
    doc["bench_run_id"] = {"nested": [1]}
    out = invoke("bench", "import", str(_write(tmp_path, doc)))
    assert out.code == 2 and "bench_run_id" in out.one_line()


def test_validated_once_means_the_writer_accepts_what_the_reader_passed(tmp_path):
    """A value the file check accepts is stored unchanged by the writer (no second, stricter check)."""
    doc = copy.deepcopy(DOC)
    row = copy.deepcopy(ROW)
    row["fingerprint"] = json.dumps(row.get("fingerprint") or {"cpu": "x"})  # JSON text, not an object
    row["batch_size"], row["peak_mem_bytes"] = 2**31 - 1, 2**63 - 1
    row["measured_at"] = "2099-12-31T23:59:59-14:00"[:19]
    doc["results"] = [row]
    _meta, rows = bench_store.read_results_file(_write(tmp_path, doc))
    assert [bench_rows.normalize_row(r) for r in rows] == rows
