"""The benchmark harness: schedules workers per contender and interleaved repeats (IPC in worker_proc, rows in rows).

For each group (workload x tier) it starts one worker process per contender, one after the other
(import and init never overlap another contender's timing). For each variant it sets every worker
up in turn (build, first step, warm-up), then runs repeat r of every contender in round-robin order
(the order rotates with r), so slow drifts of the machine hit every contender alike. Then it asks each
worker for its memory peak and compile counts, and computes the cell's rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from fwpulse.benchmarks.speed.fingerprint import machine_fingerprint
from fwpulse.benchmarks.speed.rows import CellRun, apply_breakeven, apply_peaks, cell_rows
from fwpulse.benchmarks.speed.spec import Group, variant_contenders
from fwpulse.benchmarks.speed.worker_proc import WorkerFailed, WorkerProc
from fwpulse.data import bench_rows

Progress = Callable[[str], None]


@dataclass
class BenchRun:
    bench_run_id: str
    suite: str
    device: str
    rows: list[dict[str, Any]]
    fingerprint: dict[str, Any]
    wall_s: float
    started_at: dt.datetime


@dataclass
class _Run:
    """What every group of one bench run shares: where and how its workers run, and the rows' provenance."""

    suite: str
    device: str
    cpus: list[int]
    threads: int
    log_dir: Path
    machine: dict[str, Any]
    bench_run_id: str
    progress: Progress
    peaks: dict[str, float] = field(default_factory=dict)  # best TFLOP/s per device and precision (W0)


def _failed(cell: CellRun, status: str, reason: str) -> None:
    cell.status, cell.reason = status, reason.strip().splitlines()[0][:300] if reason.strip() else status


def run_groups(
    groups: list[Group],
    *,
    suite: str,
    device: str = "cpu",
    progress: Progress | None = None,
    log_dir: Path | None = None,
    bench_run_id: str | None = None,
    threads: int | None = None,
) -> BenchRun:
    """Run every group; returns all result rows (one per variant x contender), never raising for a
    contender's failure (its rows say failed / not_available with the reason)."""
    outer = progress or (lambda message: None)
    load_max = [os.getloadavg()[0]]

    def progress(message: str) -> None:  # also samples the 1-minute load average during the run
        load_max[0] = max(load_max[0], os.getloadavg()[0])
        outer(message)

    bench_run_id = bench_run_id or str(uuid.uuid4())
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    t_start = time.monotonic()
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    threads = threads or len(cpus)
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="fwpulse-bench-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    machine = machine_fingerprint(device=device, cpus=cpus, threads=threads)
    run = _Run(suite, device, cpus, threads, log_dir, machine, bench_run_id, progress)
    rows: list[dict[str, Any]] = []
    for group in groups:
        rows += _run_group(group, run)
    apply_peaks(rows, run.peaks)
    apply_breakeven(rows)
    machine["loadavg_end"] = list(os.getloadavg())
    machine["loadavg_1m_max"] = max(load_max[0], machine["loadavg_end"][0])
    for r in rows:
        r["fingerprint"]["loadavg_end"] = machine["loadavg_end"]
        r["fingerprint"]["loadavg_1m_max"] = machine["loadavg_1m_max"]
    rows = [bench_rows.normalize_row(r) for r in rows]  # every column, result_id, validated
    return BenchRun(bench_run_id, suite, device, rows, machine, time.monotonic() - t_start, started)


def _run_group(group: Group, run: _Run) -> list[dict[str, Any]]:
    progress = run.progress
    workers: dict[str, WorkerProc] = {}
    infos: dict[str, dict[str, Any]] = {}
    dead: dict[str, tuple[str, str]] = {}  # contender id -> (status, reason) for all variants
    rows: list[dict[str, Any]] = []
    try:
        for c in group.contenders:
            w = WorkerProc(c, run.device, run.cpus, run.threads, run.log_dir)
            workers[c.id] = w
            try:
                reply = w.call(w.init_msg)
            except WorkerFailed as exc:
                reply = {"ok": False, "status": "failed", "reason": str(exc)}
            progress(
                f"{group.tier}: {c.id} started" + ("" if reply.get("ok") else f" ({reply.get('status', 'failed')})")
            )
            if reply.get("ok"):
                infos[c.id] = reply
            else:
                dead[c.id] = (reply.get("status", "failed"), reply.get("reason") or "init failed")
                w.close()
        for v in group.variants:
            members = variant_contenders(group, v)
            cells = {c.id: CellRun(c, info=infos.get(c.id, {})) for c in members}
            for cid, (status, reason) in dead.items():
                if cid in cells:
                    _failed(cells[cid], status, reason)
                    for _ in range(1 + v.repeats):  # its steps still count: the bar reaches its total
                        progress(f"{v.workload or group.workload} {v.label}: {cid} skipped ({status})")
            live = [c.id for c in members if c.id not in dead]
            for cid in list(live):
                try:
                    reply = workers[cid].call({"cmd": "setup", "variant": dataclasses.asdict(v)})
                except WorkerFailed as exc:
                    reply = {"ok": False, "status": "failed", "reason": str(exc)}
                    dead[cid] = ("failed", str(exc))
                progress(f"{v.workload or group.workload} {v.label}: {cid} set up")
                if reply.get("ok"):
                    cells[cid].setup = reply
                else:
                    _failed(cells[cid], reply.get("status", "failed"), reply.get("reason", "setup failed"))
                    live.remove(cid)
                    for _ in range(v.repeats):
                        progress(f"{v.workload or group.workload} {v.label}: {cid} skipped ({cells[cid].status})")
            for r in range(v.repeats):
                order = live[r % len(live) :] + live[: r % len(live)] if live else []
                for pos, cid in enumerate(order):
                    if cells[cid].status != "ok":
                        progress(f"{v.workload or group.workload} {v.label}: {cid} skipped ({cells[cid].status})")
                        continue
                    cells[cid].positions.append(pos)
                    try:
                        reply = workers[cid].call({"cmd": "repeat", "r": r})
                    except WorkerFailed as exc:
                        reply = {"ok": False, "status": "failed", "reason": str(exc)}
                        dead[cid] = ("failed", str(exc))
                    progress(f"{v.workload or group.workload} {v.label}: {cid} repeat {r + 1}/{v.repeats}")
                    if reply.get("ok"):
                        cells[cid].samples.append(reply["samples_ms"])
                    else:
                        _failed(cells[cid], reply.get("status", "failed"), reply.get("reason", "repeat failed"))
            for cid in live:
                if cells[cid].status != "ok" or cid in dead:
                    continue
                try:
                    reply = workers[cid].call({"cmd": "finish"})
                except WorkerFailed as exc:
                    reply = {"ok": False, "reason": str(exc)}
                    dead[cid] = ("failed", str(exc))
                if reply.get("ok"):
                    cells[cid].finish = reply
            rows += cell_rows(
                group,
                v,
                list(cells.values()),
                suite=run.suite,
                device=run.device,
                machine=run.machine,
                bench_run_id=run.bench_run_id,
                peaks=run.peaks,
            )
    finally:
        for w in workers.values():
            w.close()
    return rows
