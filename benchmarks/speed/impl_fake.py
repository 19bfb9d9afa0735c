"""Fake contenders for testing the harness without any framework: a step is a known sleep.

options: ``sleep_ms`` overrides the variant's, ``slowdown`` multiplies it, ``import`` names a module
to import in init() (a missing one makes the contender "not available"), ``fail_build`` raises.

The sleeps are deadline-based (step i of a run ends at start + i x duration), so the OS wake-up
latency on a busy machine is paid once per run instead of once per step and a run of n steps
lasts n x duration almost exactly: a known duration to check the harness's clock against.
"""

from __future__ import annotations

import importlib
import time
from typing import Any


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
        self.details = {"sleep_s": seconds}

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


def build(variant: dict[str, Any], ctx: dict[str, Any]) -> SleepBench:
    opts = ctx["options"]
    if opts.get("fail_build"):
        raise RuntimeError("deliberate failure in build")
    ms = opts.get("sleep_ms", variant["params"].get("sleep_ms", 20.0)) * opts.get("slowdown", 1.0)
    return SleepBench(ms / 1000.0)
