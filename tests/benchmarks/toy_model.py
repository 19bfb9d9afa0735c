"""A toy benchmark model, added the way a new model is: a declaration in the registry (models.register)
and a builder in an implementation's table (here impl_fake.BUILDERS), nothing else.

Importing this module adds both. A fake contender imports it in its worker process (impl_fake's
``import`` option), and the test process imports it too (tests/benchmarks/test_models.py takes both
entries out again afterwards). Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fwpulse.benchmarks.speed import impl_fake, models
from fwpulse.benchmarks.speed.spec import Variant


@dataclass(frozen=True)
class ToyParams:
    width: int  # a pretend square layer: width x width weights
    sleep_ms: float = 5.0  # its known step time


TOY = models.register(
    models.Model(
        "toy",
        ToyParams,
        "none",
        lambda p, batch: 2.0 * batch * p.width**2,
        description="a pretend dense layer that sleeps (tests only)",
    )
)


def _toy(v: Variant, ctx: dict[str, Any]) -> impl_fake.SleepBench:
    impl_fake.check_build(ctx)
    bench = impl_fake.SleepBench(v.params.sleep_ms / 1000.0)
    bench.params = v.params.width**2
    bench.flops_per_step = models.step_flops(v)
    bench.details["toy_width"] = v.params.width
    return bench


impl_fake.BUILDERS["toy"] = _toy
