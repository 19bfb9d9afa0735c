"""What is measured: contenders, workloads, variants and the two suites' size tables.

Everything here is plain data (no framework imports). A *group* is one workload and tier with its
contenders and variants; the harness starts one worker process per contender of a group, and the
worker measures that group's variants one after the other. A variant names its model (models.py) and
carries that model's typed parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from fwpulse.benchmarks.speed.models import CNNParams, MatmulParams, MLPParams, TextParams, lookup


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
    model: str  # its model: a name in models.MODELS (matmul / mlp / cnn / lstm / transformer / sleep)
    kind: str  # matmul / train / infer / latency / sleep
    batch_size: int
    params: Any  # the model's parameter dataclass (models.MLPParams, ...): sizes, lengths, sleep_ms, ...
    precision: str = "fp32"  # fp32 / tf32 / bf16
    warmup: int = 5  # warm-up steps after the first step (run as one untimed block)
    repeats: int = 3  # R: interleaved round-robin across contenders
    blocks: int = 2  # timed blocks per repeat (device drained once per block)
    steps: int = 10  # S: steps per block
    per_step: bool = False  # latency: drain and time every step (W4)
    workload: str | None = None  # overrides the group's (groups may share workers across workloads)
    workload_label: str | None = None
    only: tuple[str, ...] | None = None  # contender ids measured for this variant (None: all of the group)

    def __post_init__(self) -> None:
        want = lookup(self.model).params
        if not isinstance(self.params, want):
            raise TypeError(f"variant {self.label!r}: model {self.model!r} takes {want.__name__}, not {self.params!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Variant:
        """The variant from its JSON form (``dataclasses.asdict``, as the worker receives it)."""
        only = d.get("only")
        return cls(**{**d, "params": lookup(d["model"]).parse(d["params"]), "only": tuple(only) if only else None})


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


MLP = MLPParams(sizes=(784, 1024, 1024, 10), classes=10)
CNN = CNNParams(channels=(16, 32, 64), image=32, classes=10)
STEP_MODELS = {"W1": ("mlp", MLP), "W2": ("cnn", CNN)}  # workload -> (model, params) of its train/infer steps
LATENCY_MODELS = {"MLP": ("mlp", MLP), "CNN": ("cnn", CNN)}  # W4's models, by label


def _text(max_len: int, cycle: int, seq_mode: str, heads: int = 4) -> TextParams:
    return TextParams(
        vocab=20000,
        embed=128,
        hidden=128,
        ff=256,
        heads=heads,
        layers=2,
        classes=2,
        min_len=16,
        max_len=max_len,
        cycle=cycle,
        seq_mode=seq_mode,
    )


class Size(NamedTuple):
    """How long a variant runs: untimed warm-up steps, round-robin repeats, timed blocks per repeat, steps per block."""

    warmup: int
    repeats: int
    blocks: int
    steps: int


W0_LABEL, W1_LABEL = "matmul probe (C = A·B)", "MLP 784-1024-1024-10, Adam"
W2_LABEL, W3_LABEL, W4_LABEL = "CNN 32x32x3, 3 conv+BN blocks", "text classifier, variable lengths", "batch-1 latency"
NATIVE3 = ("torch-eager", "tf-function", "jax-jit")
MATCHED3 = ("torch-compile", "tf-xla", "jax-jit")
KERAS3 = ("keras-tensorflow-fit", "keras-jax-fit", "keras-torch-fit")
Only = tuple[str, ...] | None


_WORKLOAD_LABELS = {"W0": W0_LABEL, "W1": None, "W2": W2_LABEL, "W3": W3_LABEL, "W4": W4_LABEL}  # W1: the group's


def _variant(
    workload: str,
    label: str,
    model: str,
    kind: str,
    batch: int,
    params: Any,
    size: Size,
    precision: str = "fp32",
    only: Only = None,
    **extra: Any,
) -> Variant:
    """One variant of ``workload``; a precision other than fp32 is appended to the label."""
    return Variant(
        label + ("" if precision == "fp32" else f" {precision}"),
        model,
        kind,
        batch,
        params,
        precision,
        **size._asdict(),
        **extra,
        workload=workload,
        workload_label=_WORKLOAD_LABELS[workload],
        only=only,
    )


def _w0(sizes: tuple[tuple[int, str, int], ...], warmup: int, repeats: int, only: Only) -> tuple[Variant, ...]:
    # W0 always sets the precision explicitly (fp32 = no TF32 anywhere), so its best TFLOP/s is a fair denominator.
    return tuple(
        _variant("W0", f"n={n}", "matmul", "matmul", 1, MatmulParams(n), Size(warmup, repeats, 3, s), p, only)
        for n, p, s in sizes
    )


def _step(workload: str, kind: str, batch: int, size: Size, precision: str = "fp32", only: Only = None) -> Variant:
    """A W1 (MLP) or W2 (CNN) train/infer variant, labelled "<kind> b<batch>[ <precision>]"."""
    model, params = STEP_MODELS[workload]
    return _variant(workload, f"{kind} b{batch}", model, kind, batch, params, size, precision, only)


def _latency(model: str, size: Size, only: Only = None) -> Variant:
    """W4: batch-1 inference of the MLP or CNN, every step drained and timed."""
    name, params = LATENCY_MODELS[model]
    return _variant("W4", f"{model} b1", name, "latency", 1, params, size, only=only, per_step=True)


def _w3(max_len: int, cycle: int, batch: int, repeats: int, blocks: int, only: Only) -> tuple[Variant, ...]:
    # The same seeded batch lengths in every mode; steps per block = one pass over the cycle of batches.
    size = Size(cycle, repeats, blocks, cycle)
    return tuple(
        _variant("W3", f"{m} {mode}", m, "train", batch, _text(max_len, cycle, mode), size, only=only)
        for m in ("lstm", "transformer")
        for mode in ("pad-to-max", "bucketed-4", "variable")
    )


def smoke_groups() -> list[Group]:
    """Sized for a 2-core CPU: the whole suite in under 5 minutes (torch.compile's cold compile included).

    One defaults group shares its six workers across W0-W4 (fewer framework imports); each variant
    names the contenders it measures.
    """
    keras_tf_jax = ("torch-eager", "keras-tensorflow-fit", "keras-jax-fit")
    train = _step("W1", "train", 128, Size(5, 3, 2, 8))
    defaults = (
        *_w0(((256, "fp32", 50), (512, "fp32", 10), (1024, "fp32", 2), (512, "bf16", 5)), 2, 3, NATIVE3),
        train,
        _step("W1", "infer", 128, Size(3, 3, 2, 8)),
        _latency("MLP", Size(10, 3, 1, 40)),
        _step("W2", "train", 64, Size(2, 3, 2, 3), only=keras_tf_jax),
        *_w3(96, 9, 32, 3, 1, keras_tf_jax),
    )
    return [
        Group("W1", W1_LABEL, "defaults", contenders(*NATIVE3, *KERAS3), defaults, "torch-eager"),
        Group("W1", W1_LABEL, "matched", contenders(*MATCHED3, tier="matched"), (train,), "torch-compile"),
    ]


def full_groups() -> list[Group]:
    """Sized for one H100 (about 10 minutes); not run on the CPU development machine."""
    train, cnn, b1 = Size(10, 5, 3, 50), Size(10, 5, 3, 30), Size(50, 5, 1, 1000)
    torch_keras, m_keras = ("torch-eager", *KERAS3), ("keras-tensorflow-fit-xla", "keras-jax-fit")
    w1_train = (_step("W1", "train", 4096, train), _step("W1", "train", 4096, train, "bf16"))
    w0 = ((4096, "fp32", 20), (4096, "tf32", 50), (8192, "tf32", 10), (8192, "bf16", 20), (16384, "bf16", 4))
    defaults = (
        *_w0(w0, 5, 5, NATIVE3),
        w1_train[0],
        _step("W1", "infer", 4096, Size(10, 5, 3, 100)),
        w1_train[1],
        _latency("MLP", b1),
        _step("W2", "train", 512, cnn, only=(*torch_keras, "keras-torch-ctl")),
        _step("W2", "train", 512, cnn, "bf16", only=torch_keras),
        _latency("CNN", b1, only=torch_keras),
        *_w3(512, 12, 256, 5, 2, torch_keras),
    )
    matched = (
        *w1_train,
        _latency("MLP", b1, only=MATCHED3),
        _step("W2", "train", 512, cnn, only=("torch-compile", *m_keras)),
        *_w3(512, 12, 256, 5, 2, ("torch-compile", *m_keras)),
    )
    return [
        Group("W1", W1_LABEL, "defaults", contenders(*NATIVE3, *KERAS3, "keras-torch-ctl"), defaults, "torch-eager"),
        Group("W1", W1_LABEL, "matched", contenders(*MATCHED3, *m_keras, tier="matched"), matched, "torch-compile"),
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
    """One line per group variant: for docs/benchmarks.md and `fwpulse bench --help`-style listings."""
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
