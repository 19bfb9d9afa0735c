"""The benchmark harness: workers per contender, interleaved repeats, statistics, result rows.

For each group (workload x tier) it starts one worker process per contender, one after the other
(import and init never overlap another contender's timing). For each variant it sets every worker
up in turn (build, first step, warm-up), then runs repeat r of every contender in round-robin order
(the order rotates with r), so slow drifts of the machine hit every contender alike. Then it asks each
worker for its memory peak and compile counts, and computes the cell's rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from fwpulse.data import bench_store

from . import stats
from .common import LOGGED_ENV  # noqa: F401  (re-exported for the fingerprint)
from .fingerprint import machine_fingerprint
from .spec import Contender, Group, Variant, variant_contenders

METHOD = (
    "perf_counter_ns around blocks of S steps, device drained at each block boundary (per step for "
    "latency); one worker process per contender, same CPU affinity and thread settings; R repeats "
    "interleaved round-robin; p50/p90/p99 over block means (per-step samples for latency); CV of "
    "per-repeat medians; ratio of medians vs baseline with a hierarchical bootstrap 95% CI"
)

TIMEOUTS = {"init": 300.0, "setup": 900.0, "repeat": 300.0, "finish": 60.0}

Progress = Callable[[str], None]


class WorkerFailed(RuntimeError):
    pass


def worker_env(contender: Contender, device: str, threads: int, cache_dir: str) -> dict[str, str]:
    """The environment a worker starts with (set before any framework is imported)."""
    env = dict(os.environ)
    t = str(threads)
    env.update(
        {
            "OMP_NUM_THREADS": t,
            "MKL_NUM_THREADS": t,
            "OPENBLAS_NUM_THREADS": t,
            "TF_NUM_INTRAOP_THREADS": t,
            "TF_NUM_INTEROP_THREADS": "1",
            "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
            "TF_FORCE_GPU_ALLOW_GROWTH": "true",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "JAX_ENABLE_COMPILATION_CACHE": "false",
            "TORCHINDUCTOR_CACHE_DIR": cache_dir,
            "TORCHINDUCTOR_FX_GRAPH_CACHE": "0",
            "TORCHINDUCTOR_AUTOGRAD_CACHE": "0",
            "PYTHONHASHSEED": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
        env["JAX_PLATFORMS"] = "cpu"
    env.update(contender.env)
    return env


class WorkerProc:
    """A worker subprocess spoken to in JSON lines, with a timeout per command."""

    def __init__(self, contender: Contender, device: str, cpus: list[int], threads: int, log_dir: Path) -> None:
        self.contender = contender
        self.cache_dir = tempfile.mkdtemp(prefix="fwpulse-bench-cache-")
        self.env = worker_env(contender, device, threads, self.cache_dir)
        self.log_path = log_dir / f"{contender.id}-{uuid.uuid4().hex[:8]}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fwpulse.benchmarks.speed.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=self.env,
        )
        self._buf = b""
        self.init_msg = {
            "cmd": "init",
            "contender": dataclasses.asdict(contender),
            "device": device,
            "cpus": cpus,
            "threads": threads,
        }

    def stderr_tail(self) -> str:
        try:
            lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return ""
        return lines[-1][:240] if lines else ""

    def call(self, msg: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        timeout = timeout or TIMEOUTS.get(msg["cmd"], 300.0)
        try:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerFailed(f"worker exited ({self.proc.poll()}): {self.stderr_tail()}") from None
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise WorkerFailed(f"no answer to {msg['cmd']!r} within {timeout:.0f}s (killed)")
                if not sel.select(left):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    code = self.proc.wait()
                    raise WorkerFailed(f"worker exited with code {code}: {self.stderr_tail()}")
                self._buf += chunk
        finally:
            sel.close()
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'{"cmd": "exit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self._log.close()
        import shutil

        shutil.rmtree(self.cache_dir, ignore_errors=True)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@dataclass
class CellRun:
    """What one contender produced for one variant."""

    contender: Contender
    info: dict[str, Any] = field(default_factory=dict)  # init reply
    setup: dict[str, Any] = field(default_factory=dict)
    finish: dict[str, Any] = field(default_factory=dict)
    samples: list[list[float]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # place in each round-robin round
    status: str = "ok"
    reason: str | None = None


@dataclass
class BenchRun:
    bench_run_id: str
    suite: str
    device: str
    rows: list[dict[str, Any]]
    fingerprint: dict[str, Any]
    wall_s: float
    started_at: dt.datetime


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
    rows: list[dict[str, Any]] = []
    peaks: dict[str, float] = {}
    for group in groups:
        rows += _run_group(
            group,
            suite=suite,
            device=device,
            cpus=cpus,
            threads=threads,
            log_dir=log_dir,
            machine=machine,
            bench_run_id=bench_run_id,
            progress=progress,
            peaks=peaks,
        )
    _apply_peaks(rows, peaks)
    _apply_breakeven(rows)
    machine["loadavg_end"] = list(os.getloadavg())
    machine["loadavg_1m_max"] = max(load_max[0], machine["loadavg_end"][0])
    for r in rows:
        r["fingerprint"]["loadavg_end"] = machine["loadavg_end"]
        r["fingerprint"]["loadavg_1m_max"] = machine["loadavg_1m_max"]
    rows = [bench_store.normalize_row(r) for r in rows]  # every column, result_id, validated
    return BenchRun(bench_run_id, suite, device, rows, machine, time.monotonic() - t_start, started)


def _run_group(
    group: Group,
    *,
    suite: str,
    device: str,
    cpus: list[int],
    threads: int,
    log_dir: Path,
    machine: dict[str, Any],
    bench_run_id: str,
    progress: Progress,
    peaks: dict[str, float],
) -> list[dict[str, Any]]:
    workers: dict[str, WorkerProc] = {}
    infos: dict[str, dict[str, Any]] = {}
    dead: dict[str, tuple[str, str]] = {}  # contender id -> (status, reason) for all variants
    rows: list[dict[str, Any]] = []
    try:
        for c in group.contenders:
            w = WorkerProc(c, device, cpus, threads, log_dir)
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
            for r in range(v.repeats):
                order = live[r % len(live) :] + live[: r % len(live)] if live else []
                for pos, cid in enumerate(order):
                    if cells[cid].status != "ok":
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
                suite=suite,
                device=device,
                machine=machine,
                bench_run_id=bench_run_id,
                peaks=peaks,
            )
    finally:
        for w in workers.values():
            w.close()
    return rows


def _peak_key(device: str, precision: str) -> str:
    return f"{device}:{precision}"


def cell_rows(
    group: Group,
    v: Variant,
    cells: list[CellRun],
    *,
    suite: str,
    device: str,
    machine: dict[str, Any],
    bench_run_id: str,
    peaks: dict[str, float],
) -> list[dict[str, Any]]:
    """Statistics for one variant: a row per contender, ratios against the group's baseline."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    ok = [c for c in cells if c.status == "ok" and c.samples]
    ids = [c.contender.id for c in ok]
    base_id = group.baseline if group.baseline in ids else (ids[0] if ids else None)
    base = next((c for c in ok if c.contender.id == base_id), None)
    param_counts = {c.contender.id: c.setup.get("params") for c in ok if v.kind != "matmul"}
    loss_ref = base.setup.get("loss_first") if base and v.kind in ("train",) else None
    out = []
    for c in cells:
        ct = c.contender
        info, setup, fin = c.info, c.setup, c.finish
        row: dict[str, Any] = {
            "bench_run_id": bench_run_id,
            "suite": suite,
            "workload": v.workload or group.workload,
            "workload_label": (v.workload_label or group.workload_label)
            + (" inference" if v.kind in ("infer", "latency") else " training" if v.kind == "train" else ""),
            "variant": v.label,
            "contender": ct.id,
            "framework": ct.framework,
            "backend": ct.backend,
            "api": ct.api,
            "mode": setup.get("mode") or info.get("mode") or ct.mode,
            "tier": group.tier,
            "precision": v.precision,
            "device": device,
            "device_name": machine.get("gpu_name") if device == "cuda" else machine.get("cpu_model"),
            "batch_size": v.batch_size,
            "status": c.status,
            "reason": c.reason,
            "n_repeats": len(c.samples) or None,
            "n_steps": (v.blocks * v.steps) if c.samples else None,
            "measured_at": now,
            "method": METHOD + (" (fit: one model.fit/predict call per block)" if ct.api == "fit" else ""),
            "import_s": info.get("import_s"),
            "build_s": setup.get("build_s"),
            "first_step_s": setup.get("first_step_s"),
            "n_compiles": setup.get("n_compiles"),
            "loss_first": setup.get("loss_first"),
            "loss_last": setup.get("loss_last"),
            "peak_mem_bytes": fin.get("peak_mem_bytes"),
            "mem_kind": fin.get("mem_kind"),
            "fingerprint": {
                **machine,
                "framework": {k: info.get(k) for k in ("versions", "policy", "affinity", "env")},
                "contender_options": ct.options,
            },
            "details": {
                **(setup.get("details") or {}),
                **(fin.get("details") or {}),
                "warmup_s": setup.get("warmup_s"),
                "warmup_steps": v.warmup,
                "blocks": v.blocks,
                "steps_per_block": v.steps,
                "per_step": v.per_step,
                "compiles_during_timing": fin.get("compiles_during_timing"),
                "round_robin_positions": c.positions,
                "n_compiles_first_step": setup.get("n_compiles_first_step"),
                "params": setup.get("params"),
                "flops_per_step": setup.get("flops_per_step"),
            },
        }
        if c.status == "ok" and c.samples:
            s = stats.summarize(c.samples)
            row.update(
                step_ms_p50=s.p50,
                step_ms_p90=s.p90,
                step_ms_p99=s.p99,
                cv=s.cv,
                samples_per_s=v.batch_size / (s.p50 / 1000.0),
            )
            row["details"]["repeat_medians_ms"] = s.repeat_medians
            row["details"]["samples_ms"] = c.samples
            total_warm = 1 + v.warmup
            compile_s = max(
                0.0, (setup.get("first_step_s", 0.0) + setup.get("warmup_s", 0.0)) - total_warm * s.mean / 1000.0
            )
            row["compile_s"] = compile_s
            flops = setup.get("flops_per_step") or 0.0
            if flops:
                row["tflops"] = flops / (s.mean / 1000.0) / 1e12  # mean step time: matches total work / total time
            if v.kind == "matmul" and row.get("tflops"):
                key = _peak_key(device, v.precision)
                peaks[key] = max(peaks.get(key, 0.0), row["tflops"])
            if base is not None:
                row["baseline"] = base.contender.id
                if c is base:
                    row.update(ratio=1.0, ratio_ci_low=1.0, ratio_ci_high=1.0, verdict=None)
                else:
                    ratio, lo, hi = stats.ratio_ci(c.samples, base.samples)
                    row.update(ratio=ratio, ratio_ci_low=lo, ratio_ci_high=hi, verdict=stats.verdict(lo, hi))
            # equivalence checks
            counts = {p for p in param_counts.values() if p is not None}
            if len(counts) > 1:
                row["details"]["param_counts"] = param_counts
            row["details"]["params_equal"] = len(counts) <= 1
            if v.kind == "train":
                lf, ll = setup.get("loss_first"), setup.get("loss_last")
                okay = lf is not None and ll is not None and all(map(_finite, (lf, ll)))
                shared = (
                    (setup.get("details") or {}).get("shared_init", True)
                    and (base.setup.get("details") or {}).get("shared_init", True)
                    if base
                    else False
                )
                if okay and loss_ref is not None and shared:
                    # same initial weights and data: the first loss must agree, the warm-up mean closely
                    okay = abs(lf - loss_ref) <= 0.02 * abs(loss_ref) + 1e-3
                    ref_last = base.setup.get("loss_last")
                    if ref_last is not None:
                        okay = okay and abs(ll - ref_last) <= 0.05 * abs(ref_last) + 0.02
                row["details"]["loss_check"] = (
                    "shared init: first loss within 2%, warm-up mean within 5% of baseline"
                    if shared
                    else "finite losses only (no shared initial weights)"
                )
                row["loss_ok"] = bool(okay and len(counts) <= 1)
        out.append(row)
    return out


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")


def _apply_peaks(rows: list[dict[str, Any]], peaks: dict[str, float]) -> None:
    """% of peak = achieved TFLOP/s over W0's best measured TFLOP/s on the same device and precision."""
    for r in rows:
        peak = peaks.get(_peak_key(r["device"], r["precision"]))
        if r.get("tflops") and peak:
            r["pct_of_peak"] = 100.0 * r["tflops"] / peak
            r["details"]["peak_tflops"] = peak


def _apply_breakeven(rows: list[dict[str, Any]]) -> None:
    """Break-even steps = compile_s / (torch-eager p50 - this p50), against the torch-eager row of the
    same workload, variant, precision and device in this run (any tier); only when this is faster."""
    ref = {
        (r["workload"], r["variant"], r["precision"], r["device"]): r
        for r in rows
        if r["contender"] == "torch-eager" and r["status"] == "ok" and r.get("step_ms_p50")
    }
    for r in rows:
        e = ref.get((r["workload"], r["variant"], r["precision"], r["device"]))
        if e is None or r is e or r["status"] != "ok" or not r.get("compile_s") or r.get("mode") == "eager":
            continue
        saving_s = (e["step_ms_p50"] - r["step_ms_p50"]) / 1000.0
        if saving_s > 0:
            r["breakeven_steps"] = r["compile_s"] / saving_s
            r["details"]["breakeven_vs"] = "torch-eager"
