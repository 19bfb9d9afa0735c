"""Native TensorFlow 2 contenders: ``tf.function`` without (tf-function) and with XLA (tf-xla).

Raw variables and ops, hand-written Adam with the shared hyper-parameters. MLP and matmul only
(``BUILDERS``); CNN/text go through Keras on the TensorFlow backend (``IMPL.unsupported`` says so).
Imported only inside a worker process.
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

tf: Any = None


def init(ctx: dict[str, Any]) -> dict[str, Any]:
    global tf
    tf = backends.setup_tensorflow(ctx, "tensorflow {version} sees no GPU (tensorflow-cpu, or no CUDA build)")
    build = tf.sysconfig.get_build_info()
    versions = {"tensorflow": tf.__version__, "cuda": build.get("cuda_version"), "cudnn": build.get("cudnn_version")}
    policy = {
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        "tensor_float_32": tf.config.experimental.tensor_float_32_execution_enabled(),
    }
    ctx["tf_device"] = "/GPU:0" if ctx["device"] == "cuda" else "/CPU:0"
    return {"versions": versions, "policy": policy}


class Bench:
    def __init__(self, v: Variant, ctx: dict[str, Any], explicit_tf32: bool = False) -> None:
        self.jit = bool(ctx["options"].get("jit_compile"))
        self.mode = "xla" if self.jit else "graph"
        self.dev = ctx["tf_device"]
        self.out: Any = None
        self.losses: list[Any] = []
        self.details: dict[str, Any] = {"jit_compile": self.jit, "shared_init": True}
        matched = bool(ctx["options"].get("matched")) or explicit_tf32
        self.details["tensor_float_32"] = backends.set_tf32("tensorflow", v.precision, matched)

    def drain(self) -> None:
        if self.out is not None:
            self.out.numpy()  # host fetch: waits for the device

    def compiles(self) -> int:
        return int(self.fn.experimental_get_tracing_count())

    def loss(self) -> float | None:
        if not self.losses:
            return None
        return float(np.mean([x.numpy() for x in self.losses]))


class MatmulBench(Bench, MatmulProbe):
    def __init__(self, v: Variant, ctx: dict[str, Any]) -> None:
        super().__init__(v, ctx, explicit_tf32=True)  # W0 always explicit: fp32 means no TF32
        dtype = tf.bfloat16 if v.precision == "bf16" else tf.float32
        with tf.device(self.dev):
            self.a, self.b = (tf.cast(tf.constant(t), dtype) for t in self.operands(v))
        self.fn = tf.function(tf.linalg.matmul, jit_compile=self.jit)


class MLPBench(Bench):
    def __init__(self, v: Variant, ctx: dict[str, Any]) -> None:
        super().__init__(v, ctx)
        p, kind = v.params, v.kind
        eps = ADAM_EPS_MATCHED if ctx["options"].get("matched") else 1e-7  # TF/Keras' default eps is 1e-7
        cdt = tf.bfloat16 if v.precision == "bf16" else tf.float32
        self.details["adam_eps"] = eps
        with tf.device(self.dev):
            self.vars = [tf.Variable(a) for w, b in mlp_weights(p) for a in (w, b)]
            self.m = [tf.Variable(tf.zeros_like(x)) for x in self.vars]
            self.s = [tf.Variable(tf.zeros_like(x)) for x in self.vars]
            self.t = tf.Variable(0.0)
            self.x, self.y = (tf.constant(t) for t in variant_batches(v)[0])
        self.params = int(sum(int(np.prod(x.shape)) for x in self.vars))
        self.flops_per_step = step_flops(v)
        nl = len(self.vars) // 2

        def forward(x: Any) -> Any:
            h = tf.cast(x, cdt)
            for i in range(nl):
                h = tf.matmul(h, tf.cast(self.vars[2 * i], cdt)) + tf.cast(self.vars[2 * i + 1], cdt)
                if i < nl - 1:
                    h = tf.nn.relu(h)
            logits = tf.cast(h, tf.float32)
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=self.y, logits=logits))

        b1, b2, lr = ADAM["beta1"], ADAM["beta2"], ADAM["lr"]

        def train_step(x: Any) -> Any:
            with tf.GradientTape() as tape:
                loss = forward(x)
            grads = tape.gradient(loss, self.vars)
            self.t.assign_add(1.0)
            c1, c2 = 1 - b1**self.t, 1 - b2**self.t
            for w, m, s, g in zip(self.vars, self.m, self.s, grads):
                m.assign(b1 * m + (1 - b1) * g)
                s.assign(b2 * s + (1 - b2) * g * g)
                w.assign_sub(lr * (m / c1) / (tf.sqrt(s / c2) + eps))
            return loss

        self.kind = kind
        self.fn = tf.function(train_step if kind == "train" else forward, jit_compile=self.jit)

    def run(self, n: int) -> None:
        self.losses = []
        with tf.device(self.dev):
            for _ in range(n):
                self.losses.append(self.fn(self.x))
        self.out = self.losses[-1]


NATIVE_ONLY = "native tf implements W0 and the MLP only (CNN/text: keras-tensorflow-fit)"
BUILDERS: dict[str, Builder] = {"matmul": MatmulBench, "mlp": MLPBench}
IMPL = Implementation(
    "impl_tf",
    init,
    BUILDERS,
    unsupported={**dict.fromkeys(("cnn", "lstm", "transformer"), NATIVE_ONLY), **FAKES_ONLY},
    reset_peak_memory=partial(backends.reset_peak_memory, "tensorflow"),
    peak_memory=partial(backends.peak_memory, "tensorflow"),
)
