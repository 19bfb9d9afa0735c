"""One benchmark worker process: ``python -m fwpulse.benchmarks.speed.worker``.

The harness sets the environment (threads, KERAS_BACKEND, preallocation, caches) before this
process starts; the worker pins its CPU affinity, imports exactly one framework (through its
``impl_*`` module, whose ``IMPL`` declares what it builds: implementation.py) and answers JSON-line
commands on stdin/stdout:

    {"cmd": "init", "contender": {...}, "device": "cpu", "cpus": [0, 1], "threads": 2}
    {"cmd": "setup", "variant": {...}}     build (IMPL.builders[variant.model]), first step, warm-up (untimed)
    {"cmd": "repeat", "r": 0}              one repeat: ``blocks`` timed blocks of ``steps`` steps
    {"cmd": "finish"}                      memory peak, compile counts after the timed repeats
    {"cmd": "exit"}

The protocol uses a private copy of the original stdout; file descriptor 1 is pointed at stderr so
that anything a framework prints cannot corrupt it.

Timing (:func:`time_blocks`): ``time.perf_counter_ns`` around blocks of S steps with the device
drained before and after each block (torch.cuda.synchronize / block_until_ready / host fetch), so
asynchronous pipelining inside a block is kept; with ``per_step`` (latency) every step is drained
and timed on its own.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

from fwpulse.benchmarks.speed.common import LOGGED_ENV, NotAvailable
from fwpulse.benchmarks.speed.implementation import Bench, Implementation
from fwpulse.benchmarks.speed.models import UnknownModel
from fwpulse.benchmarks.speed.spec import Variant


def time_blocks(bench: Bench, blocks: int, steps: int, per_step: bool) -> list[float]:
    """The harness's timing path: per-step milliseconds, one sample per block (or per step)."""
    samples: list[float] = []
    bench.drain()
    for _ in range(blocks):
        if per_step:
            for _ in range(steps):
                t0 = time.perf_counter_ns()
                bench.run(1)
                bench.drain()
                samples.append((time.perf_counter_ns() - t0) / 1e6)
        else:
            t0 = time.perf_counter_ns()
            bench.run(steps)
            bench.drain()
            samples.append((time.perf_counter_ns() - t0) / 1e6 / steps)
    return samples


def _rss_peak_bytes() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_rss_peak() -> None:
    try:  # Linux: writing 5 to clear_refs resets VmHWM to the current RSS
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _not_available(exc: Exception) -> dict[str, Any]:
    return {"ok": False, "status": "not_available", "reason": str(exc)[:300]}


class Worker:
    def __init__(self) -> None:
        self.impl: Implementation | None = None
        self.ctx: dict[str, Any] = {}
        self.bench: Bench | None = None
        self.variant: Variant | None = None
        self.compiles_after_setup = 0

    def init(self, msg: dict[str, Any]) -> dict[str, Any]:
        cpus = msg.get("cpus")
        if cpus and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, cpus)
        contender = msg["contender"]
        self.ctx = {
            "device": msg.get("device", "cpu"),
            "threads": msg.get("threads"),
            "options": contender.get("options", {}),
            "contender": contender,
        }
        t0 = time.perf_counter()
        try:
            self.impl = importlib.import_module(f"fwpulse.benchmarks.speed.{contender['impl']}").IMPL
            info = self.impl.init(self.ctx)
        except ImportError as exc:
            return {"ok": False, "status": "not_available", "reason": f"{type(exc).__name__}: {exc}"[:300]}
        except NotAvailable as exc:
            return _not_available(exc)
        import_s = time.perf_counter() - t0
        return {
            "ok": True,
            "import_s": import_s,
            **info,
            "env": {k: os.environ[k] for k in LOGGED_ENV if k in os.environ},
            "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        }

    def setup(self, msg: dict[str, Any]) -> dict[str, Any]:
        assert self.impl is not None, "setup before a successful init"
        self.bench = None
        try:
            self.variant = v = Variant.from_dict(msg["variant"])
            build = self.impl.builder(v.model)
        except (UnknownModel, NotAvailable) as exc:  # a model this implementation does not build
            return _not_available(exc)
        _reset_rss_peak()
        if self.impl.reset_peak_memory is not None:
            self.impl.reset_peak_memory(self.ctx)
        t0 = time.perf_counter()
        bench = build(v, self.ctx)
        bench.drain()
        build_s = time.perf_counter() - t0
        c0 = bench.compiles()
        t0 = time.perf_counter()
        bench.run(1)
        bench.drain()
        first_step_s = time.perf_counter() - t0
        loss_first = bench.loss()
        n_first = bench.compiles() - c0
        t0 = time.perf_counter()
        if v.warmup:
            bench.run(v.warmup)
            bench.drain()
        warmup_s = time.perf_counter() - t0
        loss_last = bench.loss()
        self.bench = bench
        self.compiles_after_setup = bench.compiles()
        return {
            "ok": True,
            "build_s": build_s,
            "first_step_s": first_step_s,
            "warmup_s": warmup_s,
            "n_compiles": self.compiles_after_setup - c0,
            "n_compiles_first_step": n_first,
            "loss_first": loss_first,
            "loss_last": loss_last,
            "params": bench.params,
            "flops_per_step": bench.flops_per_step,
            "mode": bench.mode,
            "details": bench.details,
        }

    def repeat(self, msg: dict[str, Any]) -> dict[str, Any]:
        v, bench = self.variant, self.bench
        assert v is not None and bench is not None, "repeat before a successful setup"
        samples = time_blocks(bench, v.blocks, v.steps, v.per_step)
        return {"ok": True, "samples_ms": samples}

    def finish(self, msg: dict[str, Any]) -> dict[str, Any]:
        peak, kind = None, None
        if self.impl is not None and self.impl.peak_memory is not None:
            peak, kind = self.impl.peak_memory(self.ctx)
        if peak is None:
            peak, kind = _rss_peak_bytes(), "rss-peak (VmHWM of the worker process)"
        extra = self.bench.compiles() - self.compiles_after_setup if self.bench else 0
        details = dict(self.bench.details or {}) if self.bench else {}
        self.bench = None
        return {
            "ok": True,
            "peak_mem_bytes": peak,
            "mem_kind": kind,
            "compiles_during_timing": extra,
            "details": details,
        }


def main() -> int:
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # frameworks' own prints go to stderr, never into the protocol
    worker = Worker()
    handlers = {"init": worker.init, "setup": worker.setup, "repeat": worker.repeat, "finish": worker.finish}
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("cmd") == "exit":
            break
        try:
            reply = handlers[msg["cmd"]](msg)
        except Exception as exc:  # reported as a failed cell; the worker stays usable for other variants
            traceback.print_exc(file=sys.stderr)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            reply = {"ok": False, "status": "failed", "reason": f"{type(exc).__name__}: {first}"[:300]}
        proto.write(json.dumps(reply, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
