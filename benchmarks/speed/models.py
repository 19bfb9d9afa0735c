"""The benchmark models, each declared once: its name, its typed parameters, its data and its FLOPs.

A :class:`~fwpulse.benchmarks.speed.spec.Variant` names its model (``Variant.model``, a key of
:data:`MODELS`) and carries that model's parameter dataclass; each implementation module builds a
model from its own table keyed by the same name (``IMPL.builders``, see implementation.py). Nothing
tells models apart by which keys their parameters have.

FLOPs count only matmul/conv multiply-adds (2 per MAC), as in MLPerf's "Utilization" appendix; a
training step counts 3x the forward pass (forward, and two matmuls per layer backward). A model's
``flops`` is the forward pass of one step, averaged over the cycle of batches for the text models.

Plain data and NumPy only (no framework imports).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from fwpulse.benchmarks.speed.common import Batch, classification_batch, text_batches, text_lengths

# --- the parameters of each model ---------------------------------------------------------------


@dataclass(frozen=True)
class MatmulParams:
    n: int  # C = A·B with A, B n x n


@dataclass(frozen=True)
class MLPParams:
    sizes: tuple[int, ...]  # input features, hidden widths..., output classes
    classes: int


@dataclass(frozen=True)
class CNNParams:
    channels: tuple[int, ...]  # one 3x3 conv + BN + ReLU block per entry (max-pool after the second on)
    image: int  # square RGB images, NHWC
    classes: int


@dataclass(frozen=True)
class TextParams:
    """The LSTM and the transformer text classifiers' sizes and the cycle of batch lengths (common.text_lengths)."""

    vocab: int
    embed: int
    hidden: int
    ff: int
    heads: int
    layers: int
    classes: int
    min_len: int
    max_len: int
    cycle: int
    seq_mode: str = "variable"  # pad-to-max / bucketed-4 / variable


@dataclass(frozen=True)
class SleepParams:
    sleep_ms: float = 20.0  # the fake contenders' known step time (the harness's clock check)


# --- the declaration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """One benchmark model: what a variant names and every implementation's builder table is keyed by."""

    name: str
    params: type  # its parameters' dataclass
    inputs: str  # what a batch holds: "operands" (A, B), "features", "images" (NHWC), "tokens", "none"
    flops: Callable[[Any, int], float]  # forward FLOPs of one step: (params, batch) -> FLOPs
    batches: Callable[[Any, int], list[Batch]] | None = None  # the seeded (x, y) batches: (params, batch)
    description: str = ""

    def parse(self, raw: Mapping[str, Any]) -> Any:
        """The parameters from their JSON form (lists back to tuples); unknown or missing fields raise TypeError."""
        names = {f.name for f in dataclasses.fields(self.params)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise TypeError(f"model {self.name!r}: unknown parameter(s) {', '.join(unknown)}")
        return self.params(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


class UnknownModel(LookupError):
    """A variant names a model that is not in :data:`MODELS`."""


MODELS: dict[str, Model] = {}


def register(model: Model) -> Model:
    """Add ``model`` to :data:`MODELS` (each name once)."""
    if model.name in MODELS:
        raise ValueError(f"benchmark model {model.name!r} is already registered")
    if not dataclasses.is_dataclass(model.params):
        raise TypeError(f"benchmark model {model.name!r}: params must be a dataclass, not {model.params!r}")
    MODELS[model.name] = model
    return model


def lookup(name: str) -> Model:
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModel(f"unknown benchmark model {name!r} (registered: {', '.join(MODELS)})") from None


# --- FLOPs of each model -------------------------------------------------------------------------------


def _matmul_flops(p: MatmulParams, batch: int) -> float:
    return 2.0 * p.n**3


def _mlp_flops(p: MLPParams, batch: int) -> float:
    return 2.0 * batch * sum(a * b for a, b in zip(p.sizes[:-1], p.sizes[1:]))


def _cnn_flops(p: CNNParams, batch: int) -> float:
    size, chans, fwd = p.image, [3, *p.channels], 0.0
    for i, (a, b) in enumerate(zip(chans[:-1], chans[1:])):
        fwd += 2.0 * batch * size * size * 9 * a * b
        if i >= 1:
            size //= 2
    return fwd + 2.0 * batch * chans[-1] * p.classes


def _per_length(fwd: Callable[[TextParams, int, float], float]) -> Callable[[TextParams, int], float]:
    """A text model's forward FLOPs averaged over the cycle's batch lengths."""

    def mean(p: TextParams, batch: int) -> float:
        return float(np.mean([fwd(p, batch, float(length)) for length in text_lengths(p)]))

    return mean


def _lstm_flops(p: TextParams, batch: int, length: float) -> float:
    return 2.0 * batch * length * 4 * p.hidden * (p.embed + p.hidden) + 2.0 * batch * p.hidden * p.classes


def _transformer_flops(p: TextParams, batch: int, length: float) -> float:
    d = p.embed
    per_layer = 2.0 * batch * length * (4 * d * d + 2 * d * p.ff) + 2.0 * 2 * batch * length * length * d
    return p.layers * per_layer + 2.0 * batch * d * p.classes


# --- the registry ----------------------------------------------------------------------------------------

MATMUL = register(
    Model("matmul", MatmulParams, "operands", _matmul_flops, description="matmul probe C = A·B (common.matmul_data)")
)
MLP = register(
    Model(
        "mlp",
        MLPParams,
        "features",
        _mlp_flops,
        lambda p, batch: [classification_batch(batch, (p.sizes[0],), p.classes)],
        "dense layers with ReLU, softmax cross-entropy",
    )
)
CNN = register(
    Model(
        "cnn",
        CNNParams,
        "images",
        _cnn_flops,
        lambda p, batch: [classification_batch(batch, (p.image, p.image, 3), p.classes)],
        "3x3 conv+BN+ReLU blocks, max-pools, global average pool, dense",
    )
)
LSTM = register(
    Model(
        "lstm",
        TextParams,
        "tokens",
        _per_length(_lstm_flops),
        text_batches,
        "embedding, one LSTM layer, dense on its last state",
    )
)
TRANSFORMER = register(
    Model(
        "transformer",
        TextParams,
        "tokens",
        _per_length(_transformer_flops),
        text_batches,
        "embedding, post-norm encoder layers, mean pool, dense (no shared initial weights)",
    )
)
SLEEP = register(
    Model("sleep", SleepParams, "none", lambda p, batch: 0.0, description="a known sleep per step (impl_fake only)")
)


# --- what a variant computes ----------------------------------------------------------------------------


def step_flops(v: Any) -> float:
    """FLOPs of one step of the variant (a spec.Variant): a training step is 3x the forward pass (infer, latency, matmul)."""
    fwd = lookup(v.model).flops(v.params, v.batch_size)
    return fwd * (3.0 if v.kind == "train" else 1.0)


def variant_batches(v: Any) -> list[Batch]:
    """The variant's seeded (x, y) batches: one for the MLP (features) and the CNN (NHWC images), the cycle for text."""
    model = lookup(v.model)
    if model.batches is None:
        raise ValueError(f"model {model.name!r} has no (x, y) batches (inputs: {model.inputs})")
    return model.batches(v.params, v.batch_size)
