"""The refresh-shaped writer process of the contention scripts (store_contention, reader_contention).

    .venv/bin/python -m perf.refresh_writer PATH (--runs N | --stop FILE) [--max-wait S] [--method TEXT]

Stores source runs of the bundled registry's 11 frameworks x 8 GitHub counts, one short transaction
each through the store's own write path, 50 ms apart (as sources finish in a refresh): ``--runs`` of
them, or until the file ``--stop`` exists (then "ready" is printed first, so the caller knows the loop is starting). Prints one
JSON object: the transactions, their rows, and the sorted lock hold times and open waits in seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

METRICS = [
    "github.stars",
    "github.forks",
    "github.watchers",
    "github.open_issues",
    "github.open_prs",
    "github.closed_issues",
    "github.merged_prs",
    "github.releases",
]


def write_runs(path: Path, runs: int | None, stop: Path | None, max_wait: float, method: str) -> dict:
    """Write ``runs`` source runs (or until ``stop`` exists); the lock hold times and open waits, sorted."""
    from fwpulse.data import db, store
    from fwpulse.data.registry import load_registry
    from fwpulse.data.settings import BUNDLED_CONFIG

    frameworks = load_registry(BUNDLED_CONFIG).ids()  # the 11 of the bundled registry
    holds: list[float] = []
    open_waits: list[float] = []
    r = 0
    while (r < runs) if runs is not None else not stop.exists():
        day = dt.date(2027, 1, 1) + dt.timedelta(days=r)
        pairs = ((f, m) for f in frameworks for m in METRICS)
        obs = [store.Observation(f, m, day, float(r * 1000 + i), "bench", method) for i, (f, m) in enumerate(pairs)]
        t0 = time.perf_counter()
        with db.writing(path, max_wait=max_wait) as con:
            t1 = time.perf_counter()
            store.record_run(con, store.RunRecord("bench", started_at=store.utcnow()), obs)
        holds.append(time.perf_counter() - t1)
        open_waits.append(t1 - t0)
        r += 1
        time.sleep(0.05)
    return {
        "transactions": r,
        "rows_per_transaction": len(frameworks) * len(METRICS),
        "holds_s": sorted(holds),
        "open_waits_s": sorted(open_waits),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path)
    until = ap.add_mutually_exclusive_group(required=True)
    until.add_argument("--runs", type=int, help="write this many source runs")
    until.add_argument("--stop", type=Path, help="write until this file exists")
    ap.add_argument("--max-wait", type=float, default=60.0, help="seconds the write open may wait for readers")
    ap.add_argument("--method", default="contention benchmark", help="the observations' method text")
    args = ap.parse_args()
    if args.stop is not None:
        print("ready", flush=True)
    print(json.dumps(write_runs(args.path, args.runs, args.stop, args.max_wait, args.method)))


if __name__ == "__main__":
    main()
