"""Native JAX contender: ``jax.jit`` of the whole train step.

Hand-written Adam with the same hyper-parameters as the others, so no optax dependency. MLP and
matmul only (``BUILDERS``); the CNN and text models are measured through Keras on the JAX backend
(``IMPL.unsupported`` says so). Imported only inside a worker process.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from fwpulse.benchmarks.speed import backends
from fwpulse.benchmarks.speed.common import ADAM, ADAM_EPS_MATCHED, mlp_weights
from fwpulse.benchmarks.speed.implementation import FAKES_ONLY, Builder, Implementation, MatmulProbe
from fwpulse.benchmarks.speed.models import step_flops, variant_batches
from fwpulse.benchmarks.speed.spec import Variant

jax: Any = None
jnp: Any = None


def init(ctx: dict[str, Any]) -> dict[str, Any]:
    global jax, jnp
    import jax as _jax
    import jax.numpy as _jnp

    jax, jnp = _jax, _jnp
    platform = "gpu" if ctx["device"] == "cuda" else "cpu"
    devices = backends.jax_devices(platform, "jax {version} sees no {platform} device")
    import jaxlib

    versions = {"jax": jax.__version__, "jaxlib": jaxlib.__version__, "device": str(devices[0])}
    policy = {
        "default_matmul_precision": jax.config.jax_default_matmul_precision,
        "enable_x64": jax.config.jax_enable_x64,
        "compilation_cache_dir": jax.config.jax_compilation_cache_dir,
    }
    ctx["jax_device"] = devices[0]
    return {"versions": versions, "policy": policy}


class Bench:
    mode = "xla"

    def __init__(self, ctx: dict[str, Any]) -> None:
        self.device = ctx["jax_device"]
        self.details: dict[str, Any] = {"shared_init": True}
        self.out: Any = None
        self.losses: list[Any] = []

    def drain(self) -> None:
        if self.out is not None:
            jax.block_until_ready(self.out)

    traces = 0  # incremented by the jitted Python functions, which run only while tracing

    def compiles(self) -> int:
        return self.traces

    def loss(self) -> float | None:
        if not self.losses:
            return None
        return float(np.mean([float(x) for x in self.losses]))


class MatmulBench(Bench, MatmulProbe):
    def __init__(self, v: Variant, ctx: dict[str, Any]) -> None:
        super().__init__(ctx)
        dtype = jnp.bfloat16 if v.precision == "bf16" else jnp.float32
        self.a, self.b = (jax.device_put(jnp.asarray(t, dtype), self.device) for t in self.operands(v))
        bench = self

        prec = {"fp32": "highest", "tf32": "tensorfloat32"}.get(v.precision)  # W0 always explicit
        self.details["matmul_precision"] = prec or "default"

        def dot(a: Any, b: Any) -> Any:
            bench.traces += 1
            return jnp.dot(a, b, precision=prec)

        self.fn = jax.jit(dot)


class MLPBench(Bench):
    def __init__(self, v: Variant, ctx: dict[str, Any]) -> None:
        super().__init__(ctx)
        p, kind = v.params, v.kind
        matched = bool(ctx["options"].get("matched"))
        eps = ADAM_EPS_MATCHED if matched else 1e-8  # optax' default eps is 1e-8
        prec = "tensorfloat32" if v.precision == "tf32" else ("highest" if matched and v.precision == "fp32" else None)
        self.details.update({"adam_eps": eps, "matmul_precision": prec or "default"})
        cdt = jnp.bfloat16 if v.precision == "bf16" else jnp.float32
        params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in mlp_weights(p)]
        self.params = int(sum(w.size + b.size for w, b in params))
        self.flops_per_step = step_flops(v)
        self.x, self.y = (jax.device_put(jnp.asarray(t), self.device) for t in variant_batches(v)[0])
        bench = self

        def forward(params: Any, x: Any) -> Any:
            h = x.astype(cdt)
            for i, (w, b) in enumerate(params):
                h = jnp.dot(h, w.astype(cdt), precision=prec) + b.astype(cdt)
                if i < len(params) - 1:
                    h = jax.nn.relu(h)
            return h.astype(jnp.float32)

        def loss_fn(params: Any, x: Any, y: Any) -> Any:
            logits = forward(params, x)
            return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

        def train_step(state: Any, x: Any, y: Any) -> Any:
            bench.traces += 1  # runs only while tracing
            params, m, vv, t = state
            loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
            t = t + 1
            b1, b2, lr = ADAM["beta1"], ADAM["beta2"], ADAM["lr"]
            m = jax.tree_util.tree_map(lambda a, g: b1 * a + (1 - b1) * g, m, grads)
            vv = jax.tree_util.tree_map(lambda a, g: b2 * a + (1 - b2) * g * g, vv, grads)
            mhat_c, vhat_c = 1 - b1**t, 1 - b2**t
            params = jax.tree_util.tree_map(
                lambda w, a, s: w - lr * (a / mhat_c) / (jnp.sqrt(s / vhat_c) + eps), params, m, vv
            )
            return (params, m, vv, t), loss

        def infer_step(params: Any, x: Any, y: Any) -> Any:
            bench.traces += 1
            return loss_fn(params, x, y)

        m0 = jax.tree_util.tree_map(jnp.zeros_like, params)
        v0 = jax.tree_util.tree_map(jnp.zeros_like, params)
        self.state = (params, m0, v0, jnp.asarray(0.0, jnp.float32))
        self.kind = kind
        self.step = jax.jit(train_step, donate_argnums=(0,)) if kind == "train" else jax.jit(infer_step)

    def run(self, n: int) -> None:
        self.losses = []
        if self.kind == "train":
            for _ in range(n):
                self.state, loss = self.step(self.state, self.x, self.y)
                self.losses.append(loss)
        else:
            for _ in range(n):
                loss = self.step(self.state[0], self.x, self.y)
                self.losses.append(loss)
        self.out = self.losses[-1]


NATIVE_ONLY = "native jax-jit implements W0 and the MLP only (CNN/text: keras-jax-fit)"
BUILDERS: dict[str, Builder] = {"matmul": MatmulBench, "mlp": MLPBench}
IMPL = Implementation(
    "impl_jax",
    init,
    BUILDERS,
    unsupported={**dict.fromkeys(("cnn", "lstm", "transformer"), NATIVE_ONLY), **FAKES_ONLY},
    reset_peak_memory=partial(backends.reset_peak_memory, "jax"),  # a no-op: JAX's peak cannot be reset
    peak_memory=partial(backends.peak_memory, "jax"),
)
