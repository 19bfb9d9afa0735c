"""Framework-neutral pieces shared by the impl_* modules: constants, seeded data, shared initial weights.

Seeded synthetic data and shared initial weights (numpy, so every framework starts from the same
numbers). Which model uses which data, and each model's FLOPs, are declared in models.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from fwpulse.benchmarks.speed.models import CNNParams, MLPParams, TextParams

Batch = tuple[np.ndarray, np.ndarray]  # (x, y) of one step

SEED = 1234
ADAM = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999}
ADAM_EPS_MATCHED = 1e-7  # Keras' default; native contenders use it in the matched tier
BN_EPS_MATCHED, BN_MOMENTUM_KERAS = 1e-3, 0.99  # torch momentum = 1 - keras momentum


LOGGED_ENV = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "TF_FORCE_GPU_ALLOW_GROWTH",
    "JAX_ENABLE_COMPILATION_CACHE",
    "TORCHINDUCTOR_FX_GRAPH_CACHE",
    "TORCHINDUCTOR_AUTOGRAD_CACHE",
    "CUDA_VISIBLE_DEVICES",
    "JAX_PLATFORMS",
    "KERAS_BACKEND",
    "TF_ENABLE_ONEDNN_OPTS",
    "XLA_FLAGS",
    "OMP_WAIT_POLICY",
)


class NotAvailable(Exception):
    """Raised by an impl's init() when the framework is installed but cannot serve (e.g. no GPU)."""


def rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(SEED + offset)


def glorot(r: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return r.uniform(-limit, limit, size=shape).astype(np.float32)


# --- data ---------------------------------------------------------------------------------------


def matmul_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    r = rng(1)
    return r.standard_normal((n, n), dtype=np.float32), r.standard_normal((n, n), dtype=np.float32)


def classification_batch(batch: int, features: tuple[int, ...], classes: int) -> tuple[np.ndarray, np.ndarray]:
    r = rng(2)
    x = r.standard_normal((batch, *features), dtype=np.float32)
    y = r.integers(0, classes, size=(batch,)).astype(np.int32)
    return x, y


def text_lengths(p: TextParams) -> list[int]:
    """Sequence length of each batch in the cycle for the variant's seq_mode.

    The cycle's natural lengths are ``cycle`` distinct multiples of 8 between min_len and max_len
    (seeded order); pad-to-max pads all to max_len, bucketed-4 rounds up to 4 buckets, variable
    keeps them (more than 8 distinct shapes when cycle > 8, on purpose: torch.compile's limit).
    """
    lo, hi, n = p.min_len, p.max_len, p.cycle
    natural = sorted({int(round(v / 8.0)) * 8 for v in np.linspace(lo, hi, n)})
    natural = [max(8, v) for v in natural][:n]
    order = list(rng(3).permutation(len(natural)))
    natural = [natural[i] for i in order]
    mode = p.seq_mode
    if mode == "pad-to-max":
        return [hi] * len(natural)
    if mode == "bucketed-4":
        buckets = [hi * k // 4 for k in (1, 2, 3, 4)]
        out = [next(b for b in buckets if b >= length) for length in natural]
        # Keras infers a generator's shapes from its first batches: make the first two differ (as a
        # shuffled real dataset would), else it fixes the length and rejects the other buckets.
        j = next((i for i in range(1, len(out)) if out[i] != out[0]), None)
        if j is not None and out[1] == out[0]:
            out[1], out[j] = out[j], out[1]
        return out
    return natural


def text_batches(p: TextParams, batch: int) -> list[Batch]:
    """One seeded batch of token ids per length of the cycle (:func:`text_lengths`)."""
    r = rng(4)
    out = []
    for length in text_lengths(p):
        x = r.integers(1, p.vocab, size=(batch, length)).astype(np.int32)
        y = r.integers(0, p.classes, size=(batch,)).astype(np.int32)
        out.append((x, y))
    return out


# --- shared initial weights ----------------------------------------------------------------------


def mlp_weights(p: MLPParams) -> list[tuple[np.ndarray, np.ndarray]]:
    r, sizes = rng(10), p.sizes
    return [(glorot(r, (a, b), a, b), np.zeros(b, np.float32)) for a, b in zip(sizes[:-1], sizes[1:])]


def cnn_weights(p: CNNParams) -> dict[str, Any]:
    """Conv kernels HWIO without bias (each conv feeds a BatchNorm); BN gamma=1, beta=0; dense (c, classes)."""
    r, chans = rng(11), [3, *p.channels]
    convs = [glorot(r, (3, 3, a, b), 9 * a, 9 * b) for a, b in zip(chans[:-1], chans[1:])]
    dense = glorot(r, (chans[-1], p.classes), chans[-1], p.classes)
    return {"convs": convs, "dense": (dense, np.zeros(p.classes, np.float32))}


def lstm_weights(p: TextParams) -> dict[str, Any]:
    """Embedding, LSTM kernel (e, 4h) and recurrent kernel (h, 4h) in gate order i, f, c(g), o
    (the same in Keras and torch), one bias with the forget gate at 1, dense (h, classes)."""
    r, e, h = rng(12), p.embed, p.hidden
    emb = r.uniform(-0.05, 0.05, size=(p.vocab, e)).astype(np.float32)
    bias = np.zeros(4 * h, np.float32)
    bias[h : 2 * h] = 1.0
    return {
        "embedding": emb,
        "kernel": glorot(r, (e, 4 * h), e, 4 * h),
        "recurrent": glorot(r, (h, 4 * h), h, 4 * h),
        "bias": bias,
        "dense": (glorot(r, (h, p.classes), h, p.classes), np.zeros(p.classes, np.float32)),
    }
