"""External readers during a refresh: how many raw read-only opens fail, and how many `fwpulse sql` reads do.

    .venv/bin/python -m perf.reader_contention [--reads 200] [--cli 40] [--readers 2] [--gap 0.3]

A writer process (refresh_writer.py) stores refresh-shaped source runs (11 frameworks x 8 GitHub counts per run, one short
transaction each, through the store's own write path, 50 ms apart as sources finish) for as long as the
readers run. Meanwhile ``--readers`` processes make ``--reads`` reads in all, at random moments:

* ``raw``: ``duckdb.connect(path, read_only=True)`` once, as a user's script or the DuckDB shell does;
* ``retrying``: :func:`fwpulse.commands.sql.query`, what `fwpulse sql` runs (read-only open retried
  with backoff while the writer holds the file);
* ``cli``: ``--cli`` real `fwpulse sql --format csv` processes (each pays the CLI's start-up);
* ``cli-idle``: the same without the writer, so the start-up cost on this machine can be told apart.

Prints one JSON object: per mode the successes, the failures with their first error line, and the read
latencies; and the writer's transactions and how long its open waited for readers.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

QUERY = "SELECT metric, count(*) AS n FROM metric_values GROUP BY metric"

READER = r"""
import json, random, sys, time
from pathlib import Path
mode, path, reads, seed, query, gap = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
rng = random.Random(seed)
out = []
import duckdb
from fwpulse.commands.sql import query as fwpulse_query
for _ in range(reads):
    time.sleep(rng.uniform(0.0, gap))   # reads arrive at random moments of the refresh
    t0 = time.perf_counter()
    try:
        if mode == "raw":
            con = duckdb.connect(path, read_only=True)
            try:
                con.execute(query).fetchall()
            finally:
                con.close()
        else:
            fwpulse_query(path, query, max_wait=30)
        out.append({"ok": True, "s": time.perf_counter() - t0})
    except Exception as exc:
        out.append({"ok": False, "s": time.perf_counter() - t0, "error": str(exc).splitlines()[0][:120]})
print(json.dumps(out))
"""


def _summary(results: list[dict]) -> dict:
    ok = [r for r in results if r["ok"]]
    lat = sorted(r["s"] for r in ok)
    errors: dict[str, int] = {}
    for r in results:
        if not r["ok"]:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    return {
        "reads": len(results),
        "ok": len(ok),
        "failed": len(results) - len(ok),
        "success_rate": round(len(ok) / len(results), 3) if results else None,
        "latency_p50_s": round(lat[len(lat) // 2], 4) if lat else None,
        "latency_p95_s": round(lat[int(len(lat) * 0.95)], 4) if lat else None,
        "latency_max_s": round(lat[-1], 4) if lat else None,
        "errors": errors,
    }


def _readers(mode: str, path: Path, reads: int, procs: int, gap: float) -> list[dict]:
    share = [reads // procs + (i < reads % procs) for i in range(procs)]
    running = [
        subprocess.Popen(
            [sys.executable, "-c", READER, mode, str(path), str(n), str(i), QUERY, str(gap)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i, n in enumerate(share)
        if n
    ]
    results: list[dict] = []
    for p in running:
        out, _ = p.communicate(timeout=600)
        results.extend(json.loads(out))
    return results


def _cli_reads(path: Path, n: int, parallel: int, gap: float) -> list[dict]:
    import os

    env = {**os.environ, "FWPULSE_DB": str(path)}
    rng = random.Random(7)

    def one(_: int) -> dict:
        time.sleep(rng.uniform(0.0, gap))
        t0 = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-m", "fwpulse", "sql", "--format", "csv", QUERY],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        ok = res.returncode == 0 and res.stdout.startswith("metric,n")
        return {"ok": ok, "s": time.perf_counter() - t0, **({} if ok else {"error": res.stderr.strip()[:120]})}

    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(one, range(n)))


def measure(mode: str, path: Path, tmp: Path, reads: int, procs: int, gap: float) -> dict:
    if mode == "cli-idle":  # the same CLI reads with no writer: what start-up alone costs on this machine
        return {"mode": mode, **_summary(_cli_reads(path, reads, procs, gap)), "writer": None}
    stop = tmp / f"stop-{mode}"
    writer = subprocess.Popen(
        [sys.executable, "-m", "perf.refresh_writer", str(path), "--stop", str(stop)]
        + ["--max-wait", "120", "--method", "reader contention benchmark"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(0.3)  # the writer is in its loop
    try:
        results = _cli_reads(path, reads, procs, gap) if mode == "cli" else _readers(mode, path, reads, procs, gap)
    finally:
        stop.write_text("")
        out, _ = writer.communicate(timeout=300)
    w = json.loads(out)
    holds, waits = w["holds_s"], w["open_waits_s"]
    writer_stats = {
        "transactions": w["transactions"],
        "rows_per_transaction": w["rows_per_transaction"],
        "hold_median_s": round(holds[len(holds) // 2], 4),
        "hold_max_s": round(holds[-1], 4),
        "open_wait_median_s": round(waits[len(waits) // 2], 4),
        "open_wait_max_s": round(waits[-1], 4),
    }
    return {"mode": mode, **_summary(results), "writer": writer_stats}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reads", type=int, default=200, help="reads per mode (raw, retrying)")
    ap.add_argument("--cli", type=int, default=40, help="real `fwpulse sql` processes (0: skip)")
    ap.add_argument("--readers", type=int, default=2, help="reader processes")
    ap.add_argument("--gap", type=float, default=0.3, help="each reader waits 0..GAP seconds before a read")
    ap.add_argument(
        "--modes", default="raw,retrying,cli,cli-idle", help="comma-separated subset of raw,retrying,cli,cli-idle"
    )
    args = ap.parse_args()
    from fwpulse.data.bootstrap import ensure_database

    tmp = Path(tempfile.mkdtemp())
    try:
        path = tmp / "fwpulse.duckdb"
        ensure_database(path)
        modes = args.modes.split(",")
        report = [measure(m, path, tmp, args.reads, args.readers, args.gap) for m in ("raw", "retrying") if m in modes]
        report += [
            measure(m, path, tmp, args.cli, args.readers, args.gap)
            for m in ("cli", "cli-idle")
            if args.cli and m in modes
        ]
        report.insert(0, {"reads": args.reads, "cli": args.cli, "readers": args.readers, "gap_s": args.gap})
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
