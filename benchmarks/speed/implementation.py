"""What an implementation module (impl_*.py) declares, and the matmul probe the native ones share.

Each implementation module ends with one ``IMPL = Implementation(...)``: its ``init``, its table of
builders keyed by model name (models.MODELS), the models it declares unsupported with the reason,
and its optional hooks, None where it has none. The worker imports the module a contender names and
uses its ``IMPL`` only; a model the table lacks is "not available" with that reason.

Plain Python (no framework imports).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from fwpulse.benchmarks.speed.common import NotAvailable, matmul_data
from fwpulse.benchmarks.speed.models import step_flops

if TYPE_CHECKING:
    import numpy as np

    from fwpulse.benchmarks.speed.spec import Variant

Ctx = dict[str, Any]  # the worker's context: device, threads, options, contender (+ what init adds)


class Bench(Protocol):
    """A built variant, as the worker drives it (worker.Worker.setup / repeat / finish)."""

    params: int  # trainable parameters (0 for the matmul probe)
    flops_per_step: float
    mode: str | None  # as resolved: eager / graph / xla / compile (None: the contender's)
    details: dict[str, Any]  # goes into the row's details

    def run(self, n: int) -> None: ...

    def drain(self) -> None: ...

    def loss(self) -> float | None: ...

    def compiles(self) -> int: ...


Builder = Callable[["Variant", Ctx], Bench]
FAKES_ONLY = {"sleep": "the sleep calibration is the fake contenders' (impl_fake)"}  # the real impls' unsupported


@dataclass(frozen=True)
class Implementation:
    """One implementation module's declaration (its ``IMPL``)."""

    name: str  # the module: impl_torch, impl_tf, impl_jax, impl_keras, impl_fake
    init: Callable[[Ctx], dict[str, Any]]  # imports the framework; returns {"versions": ..., "policy": ...}
    builders: Mapping[str, Builder]  # model name -> builder of a Bench for a variant of that model
    unsupported: Mapping[str, str] = field(default_factory=dict)  # model name -> why this implementation has none
    reset_peak_memory: Callable[[Ctx], None] | None = None  # restart the device-memory peak before a variant
    peak_memory: Callable[[Ctx], tuple[int | None, str | None]] | None = None  # (bytes, how read); None: RSS

    def __post_init__(self) -> None:
        both = sorted(set(self.builders) & set(self.unsupported))
        if both:
            raise ValueError(f"{self.name}: {', '.join(both)} both built and declared unsupported")

    def builder(self, model: str) -> Builder:
        """The builder for ``model``; NotAvailable with the declared reason when this implementation has none."""
        try:
            return self.builders[model]
        except KeyError:
            why = self.unsupported.get(model, f"it declares no builder for {model!r}")
            raise NotAvailable(f"model {model!r} is not available in {self.name}: {why}") from None


class MatmulProbe:
    """W0 for the native impls: seeded operands, the analytic FLOPs, and steps of ``self.fn(self.a, self.b)``
    (the framework's own, possibly compiled, matmul), the last result kept for ``drain``."""

    params = 0
    out: Any = None
    fn: Any
    a: Any
    b: Any

    def operands(self, v: Variant) -> tuple[np.ndarray, np.ndarray]:
        self.flops_per_step = step_flops(v)
        return matmul_data(v.params.n)

    def run(self, n: int) -> None:
        for _ in range(n):
            self.out = self.fn(self.a, self.b)
