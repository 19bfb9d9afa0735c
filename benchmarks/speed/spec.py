"""What is measured: contenders, workloads, variants and the two suites' size tables.

Everything here is plain data (no framework imports). A *group* is one workload and tier with its
contenders and variants; the harness starts one worker process per contender of a group, and the
worker measures that group's variants one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Contender:
    id: str
    framework: str  # registry id: pytorch / tensorflow / keras / jax (fake in tests)
    backend: str  # for keras: tensorflow / jax / torch; else = framework
    api: str  # native / fit / custom-loop
    mode: str  # eager / graph / xla / compile (keras "auto" is resolved by the worker)
    impl: str  # worker module: impl_torch, impl_tf, impl_jax, impl_keras, impl_fake
    options: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    label: str  # e.g. "train b128", "n=512", "variable"
    kind: str  # matmul / train / infer / latency / sleep
    batch_size: int
    precision: str = "fp32"  # fp32 / tf32 / bf16
    params: dict[str, Any] = field(default_factory=dict)  # model sizes, lengths, sleep_ms, ...
    warmup: int = 5  # warm-up steps after the first step (run as one untimed block)
    repeats: int = 3  # R: interleaved round-robin across contenders
    blocks: int = 2  # timed blocks per repeat (device drained once per block)
    steps: int = 10  # S: steps per block
    per_step: bool = False  # latency: drain and time every step (W4)
    workload: str | None = None  # overrides the group's (groups may share workers across workloads)
    workload_label: str | None = None
    only: tuple[str, ...] | None = None  # contender ids measured for this variant (None: all of the group)


@dataclass(frozen=True)
class Group:
    workload: str
    workload_label: str
    tier: str  # defaults / matched
    contenders: tuple[Contender, ...]
    variants: tuple[Variant, ...]
    baseline: str  # contender id the ratios are against (first present contender if absent)


def _c(id, framework, backend, api, mode, impl, **options) -> Contender:
    env = {"KERAS_BACKEND": backend} if framework == "keras" else {}
    return Contender(id, framework, backend, api, mode, impl, options, env)


# matched = same init (shared numpy weights), same Adam epsilon (1e-7) and BN epsilon/momentum,
# graph mode everywhere; defaults = each framework's own defaults for everything but the weights.
C = {
    "torch-eager": _c("torch-eager", "pytorch", "pytorch", "native", "eager", "impl_torch"),
    "torch-compile": _c("torch-compile", "pytorch", "pytorch", "native", "compile", "impl_torch", compile=True),
    "tf-function": _c("tf-function", "tensorflow", "tensorflow", "native", "graph", "impl_tf", jit_compile=False),
    "tf-xla": _c("tf-xla", "tensorflow", "tensorflow", "native", "xla", "impl_tf", jit_compile=True),
    "jax-jit": _c("jax-jit", "jax", "jax", "native", "xla", "impl_jax"),
    "keras-tensorflow-fit": _c(
        "keras-tensorflow-fit", "keras", "tensorflow", "fit", "auto", "impl_keras", jit_compile="auto"
    ),
    "keras-jax-fit": _c("keras-jax-fit", "keras", "jax", "fit", "auto", "impl_keras", jit_compile="auto"),
    "keras-torch-fit": _c("keras-torch-fit", "keras", "torch", "fit", "auto", "impl_keras", jit_compile="auto"),
    "keras-tensorflow-fit-xla": _c(
        "keras-tensorflow-fit-xla", "keras", "tensorflow", "fit", "xla", "impl_keras", jit_compile=True
    ),
    "keras-torch-ctl": _c("keras-torch-ctl", "keras", "torch", "custom-loop", "eager", "impl_keras", loop="custom"),
}
MATCHED = {"matched": True}


def matched(c: Contender) -> Contender:
    return replace(c, options={**c.options, **MATCHED})


def contenders(*ids: str, tier: str = "defaults") -> tuple[Contender, ...]:
    return tuple(matched(C[i]) if tier == "matched" else C[i] for i in ids)


MLP = {"sizes": [784, 1024, 1024, 10], "classes": 10}
CNN = {"channels": [16, 32, 64], "image": 32, "classes": 10}


def _text(model: str, max_len: int, cycle: int, heads: int = 4) -> dict[str, Any]:
    return {
        "model": model,
        "vocab": 20000,
        "embed": 128,
        "hidden": 128,
        "ff": 256,
        "heads": heads,
        "layers": 2,
        "classes": 2,
        "min_len": 16,
        "max_len": max_len,
        "cycle": cycle,
    }


def _w3(
    model: str, max_len: int, cycle: int, batch: int, repeats: int, blocks: int, only: tuple[str, ...]
) -> tuple[Variant, ...]:
    # The same seeded batch lengths in every mode; steps per block = one pass over the cycle of batches.
    base = _text(model, max_len, cycle)
    return tuple(
        Variant(
            f"{model} {mode}",
            "train",
            batch,
            params={**base, "seq_mode": mode},
            warmup=cycle,
            repeats=repeats,
            blocks=blocks,
            steps=cycle,
            workload="W3",
            workload_label=W3_LABEL,
            only=only,
        )
        for mode in ("pad-to-max", "bucketed-4", "variable")
    )


W0_LABEL, W1_LABEL = "matmul probe (C = A·B)", "MLP 784-1024-1024-10, Adam"
W2_LABEL, W3_LABEL, W4_LABEL = "CNN 32x32x3, 3 conv+BN blocks", "text classifier, variable lengths", "batch-1 latency"
NATIVE3 = ("torch-eager", "tf-function", "jax-jit")


def _w0(
    sizes: tuple[tuple[int, str, int], ...], warmup: int, repeats: int, only: tuple[str, ...]
) -> tuple[Variant, ...]:
    # W0 always sets the precision explicitly (fp32 = no TF32 anywhere), so its best TFLOP/s is a fair denominator.
    return tuple(
        Variant(
            f"n={n}" + ("" if p == "fp32" else f" {p}"),
            "matmul",
            1,
            p,
            params={"n": n},
            warmup=warmup,
            repeats=repeats,
            blocks=3,
            steps=s,
            workload="W0",
            workload_label=W0_LABEL,
            only=only,
        )
        for n, p, s in sizes
    )


def smoke_groups() -> list[Group]:
    """Sized for a 2-core CPU: the whole suite in under 5 minutes (torch.compile's cold compile included).

    One defaults group shares its six workers across W0-W4 (fewer framework imports); each variant
    names the contenders it measures.
    """
    keras_tf_jax = ("torch-eager", "keras-tensorflow-fit", "keras-jax-fit")
    defaults = (
        *_w0(((256, "fp32", 50), (512, "fp32", 10), (1024, "fp32", 2), (512, "bf16", 5)), 2, 3, NATIVE3),
        Variant("train b128", "train", 128, params=MLP, warmup=5, repeats=3, blocks=2, steps=8, workload="W1"),
        Variant("infer b128", "infer", 128, params=MLP, warmup=3, repeats=3, blocks=2, steps=8, workload="W1"),
        Variant(
            "MLP b1",
            "latency",
            1,
            params=MLP,
            warmup=10,
            repeats=3,
            blocks=1,
            steps=40,
            per_step=True,
            workload="W4",
            workload_label=W4_LABEL,
        ),
        Variant(
            "train b64",
            "train",
            64,
            params=CNN,
            warmup=2,
            repeats=3,
            blocks=2,
            steps=3,
            workload="W2",
            workload_label=W2_LABEL,
            only=keras_tf_jax,
        ),
        *_w3("lstm", 96, 9, 32, 3, 1, keras_tf_jax),
        *_w3("transformer", 96, 9, 32, 3, 1, keras_tf_jax),
    )
    matched = (Variant("train b128", "train", 128, params=MLP, warmup=5, repeats=3, blocks=2, steps=8, workload="W1"),)
    return [
        Group(
            "W1",
            W1_LABEL,
            "defaults",
            contenders(
                "torch-eager", "tf-function", "jax-jit", "keras-tensorflow-fit", "keras-jax-fit", "keras-torch-fit"
            ),
            defaults,
            "torch-eager",
        ),
        Group(
            "W1",
            W1_LABEL,
            "matched",
            contenders("torch-compile", "tf-xla", "jax-jit", tier="matched"),
            matched,
            "torch-compile",
        ),
    ]


def full_groups() -> list[Group]:
    """Sized for one H100 (about 10 minutes); not run on the CPU development machine."""
    keras3 = ("keras-tensorflow-fit", "keras-jax-fit", "keras-torch-fit")
    defaults = (
        *_w0(
            ((4096, "fp32", 20), (4096, "tf32", 50), (8192, "tf32", 10), (8192, "bf16", 20), (16384, "bf16", 4)),
            5,
            5,
            NATIVE3,
        ),
        Variant("train b4096", "train", 4096, params=MLP, warmup=10, repeats=5, blocks=3, steps=50, workload="W1"),
        Variant("infer b4096", "infer", 4096, params=MLP, warmup=10, repeats=5, blocks=3, steps=100, workload="W1"),
        Variant(
            "train b4096 bf16",
            "train",
            4096,
            "bf16",
            params=MLP,
            warmup=10,
            repeats=5,
            blocks=3,
            steps=50,
            workload="W1",
        ),
        Variant(
            "MLP b1",
            "latency",
            1,
            params=MLP,
            warmup=50,
            repeats=5,
            blocks=1,
            steps=1000,
            per_step=True,
            workload="W4",
            workload_label=W4_LABEL,
        ),
        Variant(
            "train b512",
            "train",
            512,
            params=CNN,
            warmup=10,
            repeats=5,
            blocks=3,
            steps=30,
            workload="W2",
            workload_label=W2_LABEL,
            only=("torch-eager", *keras3, "keras-torch-ctl"),
        ),
        Variant(
            "train b512 bf16",
            "train",
            512,
            "bf16",
            params=CNN,
            warmup=10,
            repeats=5,
            blocks=3,
            steps=30,
            workload="W2",
            workload_label=W2_LABEL,
            only=("torch-eager", *keras3),
        ),
        Variant(
            "CNN b1",
            "latency",
            1,
            params=CNN,
            warmup=50,
            repeats=5,
            blocks=1,
            steps=1000,
            per_step=True,
            workload="W4",
            workload_label=W4_LABEL,
            only=("torch-eager", *keras3),
        ),
        *_w3("lstm", 512, 12, 256, 5, 2, ("torch-eager", *keras3)),
        *_w3("transformer", 512, 12, 256, 5, 2, ("torch-eager", *keras3)),
    )
    m_keras = ("keras-tensorflow-fit-xla", "keras-jax-fit")
    matched = (
        Variant("train b4096", "train", 4096, params=MLP, warmup=10, repeats=5, blocks=3, steps=50, workload="W1"),
        Variant(
            "train b4096 bf16",
            "train",
            4096,
            "bf16",
            params=MLP,
            warmup=10,
            repeats=5,
            blocks=3,
            steps=50,
            workload="W1",
        ),
        Variant(
            "MLP b1",
            "latency",
            1,
            params=MLP,
            warmup=50,
            repeats=5,
            blocks=1,
            steps=1000,
            per_step=True,
            workload="W4",
            workload_label=W4_LABEL,
            only=("torch-compile", "tf-xla", "jax-jit"),
        ),
        Variant(
            "train b512",
            "train",
            512,
            params=CNN,
            warmup=10,
            repeats=5,
            blocks=3,
            steps=30,
            workload="W2",
            workload_label=W2_LABEL,
            only=("torch-compile", *m_keras),
        ),
        *_w3("lstm", 512, 12, 256, 5, 2, ("torch-compile", *m_keras)),
        *_w3("transformer", 512, 12, 256, 5, 2, ("torch-compile", *m_keras)),
    )
    return [
        Group(
            "W1",
            W1_LABEL,
            "defaults",
            contenders("torch-eager", "tf-function", "jax-jit", *keras3, "keras-torch-ctl"),
            defaults,
            "torch-eager",
        ),
        Group(
            "W1",
            W1_LABEL,
            "matched",
            contenders("torch-compile", "tf-xla", "jax-jit", *m_keras, tier="matched"),
            matched,
            "torch-compile",
        ),
    ]


SUITES = {"smoke": smoke_groups, "full": full_groups}


def suite_groups(suite: str, frameworks: list[str] | None = None) -> list[Group]:
    """The suite's groups, keeping only contenders of ``frameworks`` (registry ids) when given."""
    groups = SUITES[suite]()
    if not frameworks:
        return groups
    out = []
    for g in groups:
        keep = tuple(c for c in g.contenders if c.framework in frameworks)
        if keep:
            out.append(replace(g, contenders=keep))
    return out


def variant_contenders(g: Group, v: Variant) -> list[Contender]:
    return [c for c in g.contenders if not v.only or c.id in v.only]


def size_table(suite: str) -> list[dict[str, Any]]:
    """One line per group variant: for the README and `fwpulse bench --help`-style listings."""
    rows = []
    for g in SUITES[suite]():
        for v in g.variants:
            rows.append(
                {
                    "workload": v.workload or g.workload,
                    "tier": g.tier,
                    "variant": v.label,
                    "batch": v.batch_size,
                    "precision": v.precision,
                    "warmup": v.warmup,
                    "repeats": v.repeats,
                    "blocks": v.blocks,
                    "steps": v.steps,
                    "contenders": ", ".join(c.id for c in variant_contenders(g, v)),
                }
            )
    return rows
