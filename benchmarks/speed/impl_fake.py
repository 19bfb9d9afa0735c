"""Fake contenders for testing the harness without any framework: a step is a known sleep.

It builds the ``sleep`` model (models.SLEEP) only. options: ``sleep_ms`` overrides the variant's,
``slowdown`` multiplies it, ``import`` names a module to import in init() (a missing one makes the
contender "not available"; tests/benchmarks/toy_model.py registers a model and its builder this way),
``fail_build`` raises.

The sleeps are deadline-based (step i of a run ends at start + i x duration), so the OS wake-up
latency on a busy machine is paid once per run instead of once per step and a run of n steps
lasts n x duration almost exactly: a known duration to check the harness's clock against.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from fwpulse.benchmarks.speed.implementation import Builder, Implementation
from fwpulse.benchmarks.speed.spec import Variant


def init(ctx: dict[str, Any]) -> dict[str, Any]:
    name = ctx["options"].get("import")
    if name:
        importlib.import_module(name)
    return {"versions": {"fake": "1.0"}, "policy": {"step": "time.sleep"}}


class SleepBench:
    mode = "eager"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.params = 1234
        self.flops_per_step = 0.0
        self.details: dict[str, Any] = {"sleep_s": seconds}

    def run(self, n: int) -> None:
        start = time.perf_counter()
        for i in range(1, n + 1):
            left = start + i * self.seconds - time.perf_counter()
            if left > 0:
                time.sleep(left)

    def drain(self) -> None:
        pass

    def loss(self) -> float:
        return 1.0

    def compiles(self) -> int:
        return 0


def check_build(ctx: dict[str, Any]) -> None:
    """The ``fail_build`` option: every builder of this module fails on purpose."""
    if ctx["options"].get("fail_build"):
        raise RuntimeError("deliberate failure in build")


def _sleep(v: Variant, ctx: dict[str, Any]) -> SleepBench:
    check_build(ctx)
    opts = ctx["options"]
    ms = opts.get("sleep_ms", v.params.sleep_ms) * opts.get("slowdown", 1.0)
    return SleepBench(ms / 1000.0)


BUILDERS: dict[str, Builder] = {"sleep": _sleep}
IMPL = Implementation("impl_fake", init, BUILDERS)
