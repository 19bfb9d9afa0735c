"""Keras 3 contenders on the backend named by KERAS_BACKEND (set by the harness before import).

``model.fit`` / ``predict`` (one call per timed block of S steps, ``verbose=0``,
``steps_per_execution=1``) and, for the torch backend, a custom loop. Builds the models of
keras_models.KERAS_MODELS (``BUILDERS``). Imported only inside a worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from fwpulse.benchmarks.speed import backends
from fwpulse.benchmarks.speed.common import ADAM, NotAvailable
from fwpulse.benchmarks.speed.implementation import FAKES_ONLY, Builder, Implementation
from fwpulse.benchmarks.speed.keras_models import KERAS_MODELS
from fwpulse.benchmarks.speed.models import lookup, step_flops, variant_batches
from fwpulse.benchmarks.speed.spec import Variant

keras: Any = None
BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")


def init(ctx: dict[str, Any]) -> dict[str, Any]:
    global keras
    # the backend framework first: a missing backend is "not available", not a keras error
    versions: dict[str, Any] = {}
    if BACKEND == "torch":
        versions["torch"] = backends.setup_torch(ctx, "keras torch backend: torch sees no CUDA device").__version__
    elif BACKEND == "jax":
        import jax

        versions["jax"] = jax.__version__
        if ctx["device"] == "cuda":
            backends.jax_devices("gpu", "keras jax backend: jax sees no GPU")
    elif BACKEND == "tensorflow":
        tf = backends.setup_tensorflow(ctx, "keras tensorflow backend: tensorflow sees no GPU")
        versions["tensorflow"] = tf.__version__
    import keras as _keras

    keras = _keras
    if keras.backend.backend() != BACKEND:
        raise NotAvailable(f"keras loaded backend {keras.backend.backend()!r}, expected {BACKEND!r}")
    versions["keras"] = keras.__version__
    return {
        "versions": versions,
        "policy": {
            "backend": BACKEND,
            "image_data_format": keras.config.image_data_format(),
            "epsilon": keras.config.epsilon(),
        },
    }


class Bench:
    def __init__(self, v: Variant, ctx: dict[str, Any], make: Callable[[Any, bool], tuple[Any, bool]]) -> None:
        opts = ctx["options"]
        self.kind, self.batch = v.kind, v.batch_size
        self.cuda = ctx["device"] == "cuda"
        self.custom = opts.get("loop") == "custom"
        keras.backend.clear_session()
        keras.config.set_dtype_policy("mixed_bfloat16" if v.precision == "bf16" else "float32")
        keras.utils.set_random_seed(0)
        self.tf32 = backends.set_tf32(BACKEND, v.precision, bool(opts.get("matched")))
        self.model, shared = make(v.params, bool(opts.get("matched")))
        # trainable parameters (torch's parameters() excludes BN running statistics, Keras' count_params() does not)
        self.params = int(sum(int(np.prod(w.shape)) for w in self.model.trainable_weights))
        self.flops_per_step = step_flops(v)
        self.traces = 0
        for name in ("train_step", "predict_step"):
            original = getattr(self.model, name)

            def counted(*a: Any, _f: Any = original, **k: Any) -> Any:
                self.traces += 1
                return _f(*a, **k)

            setattr(self.model, name, counted)
        jit = opts.get("jit_compile", "auto")
        self.model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=ADAM["lr"], beta_1=ADAM["beta1"], beta_2=ADAM["beta2"]),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile=jit,
            steps_per_execution=1,
        )
        resolved = self.model.jit_compile
        self.jitted = bool(resolved) or BACKEND in ("jax", "tensorflow")  # tf: tf.function traces count too
        if BACKEND == "jax":
            self.mode = "xla"
        elif BACKEND == "tensorflow":
            self.mode = "xla" if resolved else "graph"
        else:
            self.mode = "compile" if resolved else "eager"
        if self.custom:
            self.mode = "eager"
        self.details = {
            "jit_compile_requested": jit,
            "jit_compile_resolved": bool(resolved),
            "dtype_policy": keras.config.dtype_policy().name,
            "shared_init": shared,
            "tf32": self.tf32,
            "adam_eps": self.model.optimizer.epsilon,
            "data": "numpy arrays through Keras' data adapter",
        }
        self.batches = variant_batches(v)
        inputs = lookup(v.model).inputs
        if inputs == "tokens":
            self.details["data"] = (
                "in-memory tf.data (concatenated batches, shapes relaxed)"
                if BACKEND == "tensorflow"
                else "Python generator of numpy batches (variable shapes)"
            )
        elif inputs == "images":
            self.details["layout"] = keras.config.image_data_format()
        self._tiled: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._loss: float | None = None
        if self.custom:
            self._setup_custom_loop()

    # --- fit / predict ---------------------------------------------------------------------------
    def _arrays(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n not in self._tiled:
            x, y = self.batches[0]
            self._tiled[n] = (np.concatenate([x] * n), np.concatenate([y] * n))
        return self._tiled[n]

    def _tf_dataset(self, n: int) -> Any:
        """The cycle's batches as an in-memory tf.data pipeline (shapes relaxed to None): a Python
        generator through Keras' adapter costs ~70 ms per step on TensorFlow, which is not the model."""
        if n not in self._tiled:
            import tensorflow as tf

            ds = None
            for i in range(n):
                x, y = self.batches[i % len(self.batches)]
                one = tf.data.Dataset.from_tensors((tf.constant(x), tf.constant(y)))
                ds = one if ds is None else ds.concatenate(one)
            self._tiled[n] = ds
        return self._tiled[n]

    def _gen(self, n: int) -> Any:
        for i in range(n):
            yield self.batches[i % len(self.batches)]

    def run(self, n: int) -> None:
        if self.custom:
            return self._run_custom(n)
        if self.kind == "train":
            if len(self.batches) > 1 and BACKEND == "tensorflow":
                hist = self.model.fit(self._tf_dataset(n), epochs=1, verbose=0)
            elif len(self.batches) > 1:
                hist = self.model.fit(self._gen(n), steps_per_epoch=n, epochs=1, verbose=0)
            else:
                x, y = self._arrays(n)
                hist = self.model.fit(x, y, batch_size=self.batch, epochs=1, verbose=0, shuffle=False)
            self._loss = float(hist.history["loss"][-1])
        elif self.kind == "latency":
            x = self.batches[0][0]
            for _ in range(n):
                self.model.predict_on_batch(x)
        else:
            x, _ = self._arrays(n)
            self.model.predict(x, batch_size=self.batch, verbose=0)

    def drain(self) -> None:
        if self.cuda and BACKEND == "torch":
            import torch

            torch.cuda.synchronize()
        # tensorflow / jax: fit, predict and predict_on_batch return host values (already fetched)

    def loss(self) -> float | None:
        return self._loss

    def compiles(self) -> int:
        return self.traces if self.jitted else 0

    # --- custom loop (torch backend) ---------------------------------------------------------------
    def _setup_custom_loop(self) -> None:
        if BACKEND != "torch":
            raise NotImplementedError("the custom-loop contender is implemented for the torch backend only")
        import torch

        self.torch = torch
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.opt = self.model.optimizer
        self.opt.build(self.model.trainable_variables)
        dev = "cuda" if self.cuda else "cpu"
        self.tbatches = [(torch.as_tensor(x, device=dev), torch.as_tensor(y, device=dev)) for x, y in self.batches]
        self.details["data"] = "torch tensors on the device"
        self.details["loop"] = "model(x, training=True); loss.backward(); optimizer.apply(grads)"

    def _run_custom(self, n: int) -> None:
        losses = []
        for i in range(n):
            x, y = self.tbatches[i % len(self.tbatches)]
            if self.kind == "train":
                self.model.zero_grad()
                loss = self.loss_fn(y, self.model(x, training=True))
                loss.backward()
                grads = [v.value.grad for v in self.model.trainable_variables]
                with self.torch.no_grad():
                    self.opt.apply(grads, self.model.trainable_variables)
                losses.append(loss.detach())
            else:
                with self.torch.no_grad():
                    self.model(x, training=False)
        if losses:
            self._loss = float(self.torch.stack(losses).mean().item())


BUILDERS: dict[str, Builder] = {name: partial(Bench, make=make) for name, make in KERAS_MODELS.items()}
IMPL = Implementation(
    "impl_keras",
    init,
    BUILDERS,
    unsupported={"matmul": "the matmul probe has no Keras variant (W0 is native only)", **FAKES_ONLY},
    reset_peak_memory=partial(backends.reset_peak_memory, BACKEND),
    peak_memory=partial(backends.peak_memory, BACKEND),
)
