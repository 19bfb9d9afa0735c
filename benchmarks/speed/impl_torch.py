"""Native PyTorch contenders: eager, and ``torch.compile(model)``.

``torch.compile`` in its default mode; the optimizer step stays eager. Builds every model of
models.MODELS but the fakes' sleep (``BUILDERS``): each builder seeds torch and NumPy and, for
torch.compile, starts from a fresh dynamo cache; ``ModelBench`` trains or runs the module a
model's ``_mlp`` / ``_cnn`` / ``_text`` makes. Imported only inside a worker process.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from fwpulse.benchmarks.speed import backends
from fwpulse.benchmarks.speed.common import (
    ADAM,
    ADAM_EPS_MATCHED,
    BN_EPS_MATCHED,
    BN_MOMENTUM_KERAS,
    Batch,
    cnn_weights,
    lstm_weights,
    mlp_weights,
)
from fwpulse.benchmarks.speed.implementation import FAKES_ONLY, Builder, Implementation, MatmulProbe
from fwpulse.benchmarks.speed.models import CNNParams, MLPParams, TextParams, step_flops, variant_batches
from fwpulse.benchmarks.speed.spec import Variant

torch: Any = None


def init(ctx: dict[str, Any]) -> dict[str, Any]:
    global torch
    torch = backends.setup_torch(ctx, "torch {version} sees no CUDA device")
    versions = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
    }
    if ctx["device"] == "cuda":
        versions["gpu"] = torch.cuda.get_device_name(0)
    return {"versions": versions, "policy": _policy()}


def _policy() -> dict[str, Any]:
    return {
        "num_threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "cuda_matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "mkldnn": torch.backends.mkldnn.is_available(),
    }


def _compiles() -> int:
    try:
        from torch._dynamo.utils import counters

        return int(counters["stats"]["unique_graphs"])
    except Exception:
        return 0


class Bench:
    def __init__(self, ctx: dict[str, Any]) -> None:
        self.dev = torch.device("cuda" if ctx["device"] == "cuda" else "cpu")
        self.cuda = self.dev.type == "cuda"
        self.details: dict[str, Any] = {}
        self.losses: list[Any] = []
        self.mode = "compile" if ctx["options"].get("compile") else "eager"

    def drain(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def compiles(self) -> int:
        return _compiles()

    def loss(self) -> float | None:
        if not self.losses:
            return None
        return float(torch.stack([x.float() for x in self.losses]).mean().item())


class MatmulBench(Bench, MatmulProbe):
    def __init__(self, v: Variant, ctx: dict[str, Any]) -> None:
        super().__init__(ctx)
        dtype = torch.bfloat16 if v.precision == "bf16" else torch.float32
        self.a, self.b = (torch.from_numpy(t).to(self.dev, dtype) for t in self.operands(v))
        backends.set_tf32("torch", v.precision, True)  # W0 always explicit: fp32 means no TF32
        self.details["policy"] = _policy()
        self.fn = torch.matmul
        self.mode = "eager"


# A model's torch module, its (x, y) batches in torch's layout, and what its row's details say.
Made = tuple[Any, list[Batch], dict[str, Any]]


def _mlp(v: Variant, matched: bool) -> Made:
    p: MLPParams = v.params
    nn, layers = torch.nn, []
    for i, (w, b) in enumerate(mlp_weights(p)):
        lin = nn.Linear(*w.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin] + ([nn.ReLU()] if i < len(p.sizes) - 2 else [])
    return nn.Sequential(*layers), variant_batches(v), {"shared_init": True}


def _cnn(v: Variant, matched: bool) -> Made:
    p: CNNParams = v.params
    nn, w = torch.nn, cnn_weights(p)
    eps, mom = (BN_EPS_MATCHED, 1 - BN_MOMENTUM_KERAS) if matched else (1e-5, 0.1)
    layers, chans = [], [3, *p.channels]
    for i, k in enumerate(w["convs"]):
        conv = nn.Conv2d(chans[i], chans[i + 1], 3, padding=1, bias=False)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(k.transpose(3, 2, 0, 1).copy()))
        layers += [conv, nn.BatchNorm2d(chans[i + 1], eps=eps, momentum=mom), nn.ReLU()]
        if i >= 1:
            layers.append(nn.MaxPool2d(2))
    dense = nn.Linear(chans[-1], p.classes)
    with torch.no_grad():
        dense.weight.copy_(torch.from_numpy(w["dense"][0].T.copy()))
        dense.bias.zero_()
    model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), dense)
    batches = [(x.transpose(0, 3, 1, 2).copy(), y) for x, y in variant_batches(v)]  # NHWC data -> NCHW (torch's)
    return model, batches, {"shared_init": True, "layout": "NCHW"}


def _text(v: Variant, matched: bool) -> Made:
    return _make_text_model(v.model, v.params), variant_batches(v), {"shared_init": v.model == "lstm"}


class ModelBench(Bench):
    def __init__(self, v: Variant, ctx: dict[str, Any], make: Callable[[Variant, bool], Made]) -> None:
        super().__init__(ctx)
        opts, self.kind = ctx["options"], v.kind
        matched = bool(opts.get("matched"))
        model, self.batches, made = make(v, matched)
        self.details.update(made)
        self.model = model.to(self.dev)
        if self.kind == "train":
            self.model.train()
        else:
            self.model.eval()
        self.params = sum(t.numel() for t in self.model.parameters() if t.requires_grad)
        self.flops_per_step = step_flops(v)
        self.batches = [
            (torch.from_numpy(x).to(self.dev), torch.from_numpy(y).long().to(self.dev)) for x, y in self.batches
        ]
        backends.set_tf32("torch", v.precision, matched)
        self.autocast = v.precision == "bf16"
        self.fwd = torch.compile(self.model) if opts.get("compile") else self.model
        self.compiled, self.c0 = bool(opts.get("compile")), _compiles()
        eps = ADAM_EPS_MATCHED if matched else 1e-8
        self.opt = torch.optim.Adam(
            [t for t in self.model.parameters() if t.requires_grad],
            lr=ADAM["lr"],
            betas=(ADAM["beta1"], ADAM["beta2"]),
            eps=eps,
        )
        self.details.update({"adam_eps": eps, "policy": _policy(), "autocast_bf16": self.autocast})
        self.f = torch.nn.functional

    @property
    def mode(self) -> str:  # type: ignore[override]
        """ "compile" only when dynamo really produced a graph (e.g. nn.LSTM can fall back to eager)."""
        if not self.compiled:
            return "eager"
        graphs = _compiles() - self.c0
        self.details["dynamo_graphs"] = graphs
        if graphs == 0:
            self.details["compile_note"] = "torch.compile produced no graph: the model ran eagerly"
        return "compile" if graphs else "eager"

    @mode.setter
    def mode(self, value: str) -> None:
        pass

    def _forward_loss(self, x: Any, y: Any) -> Any:
        with torch.autocast(self.dev.type, dtype=torch.bfloat16, enabled=self.autocast):
            out = self.fwd(x)
        return self.f.cross_entropy(out.float(), y)

    def run(self, n: int) -> None:
        self.losses = []
        nb = len(self.batches)
        if self.kind == "train":
            for i in range(n):
                x, y = self.batches[i % nb]
                self.opt.zero_grad(set_to_none=True)
                loss = self._forward_loss(x, y)
                loss.backward()
                self.opt.step()
                self.losses.append(loss.detach())
        else:
            with torch.inference_mode():
                for i in range(n):
                    x, y = self.batches[i % nb]
                    self.losses.append(self._forward_loss(x, y))


def _make_text_model(name: str, p: TextParams) -> Any:
    """The LSTM (shared initial weights) or the transformer text classifier (``name``: its model)."""
    nn = torch.nn

    class TextModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.kind = name
            self.emb = nn.Embedding(p.vocab, p.embed)
            if self.kind == "lstm":
                w = lstm_weights(p)
                self.rnn = nn.LSTM(p.embed, p.hidden, batch_first=True)
                self.head = nn.Linear(p.hidden, p.classes)
                with torch.no_grad():
                    self.emb.weight.copy_(torch.from_numpy(w["embedding"]))
                    self.rnn.weight_ih_l0.copy_(torch.from_numpy(w["kernel"].T.copy()))
                    self.rnn.weight_hh_l0.copy_(torch.from_numpy(w["recurrent"].T.copy()))
                    self.rnn.bias_ih_l0.copy_(torch.from_numpy(w["bias"]))
                    self.rnn.bias_hh_l0.zero_()
                    self.head.weight.copy_(torch.from_numpy(w["dense"][0].T.copy()))
                    self.head.bias.zero_()
                self.rnn.bias_hh_l0.requires_grad_(False)  # Keras' LSTM has one bias: keep torch's second at 0
            else:
                layer = nn.TransformerEncoderLayer(p.embed, p.heads, p.ff, dropout=0.0, batch_first=True)
                self.enc = nn.TransformerEncoder(layer, p.layers, enable_nested_tensor=False)
                self.head = nn.Linear(p.embed, p.classes)

        def forward(self, x: Any) -> Any:
            h = self.emb(x)
            if self.kind == "lstm":
                _, (hn, _) = self.rnn(h)
                return self.head(hn[-1])
            return self.head(self.enc(h).mean(dim=1))

    return TextModel()


def _fresh(build: Callable[[Variant, dict[str, Any]], Bench]) -> Builder:
    """``build`` after seeding and, for torch.compile, a fresh dynamo cache (no recompile-limit carry-over)."""

    def builder(v: Variant, ctx: dict[str, Any]) -> Bench:
        torch.manual_seed(0)
        np.random.seed(0)
        if ctx["options"].get("compile"):
            torch._dynamo.reset()
        return build(v, ctx)

    return builder


BUILDERS: dict[str, Builder] = {
    "matmul": _fresh(MatmulBench),
    "mlp": _fresh(partial(ModelBench, make=_mlp)),
    "cnn": _fresh(partial(ModelBench, make=_cnn)),
    "lstm": _fresh(partial(ModelBench, make=_text)),
    "transformer": _fresh(partial(ModelBench, make=_text)),
}
IMPL = Implementation(
    "impl_torch",
    init,
    BUILDERS,
    unsupported=FAKES_ONLY,
    reset_peak_memory=partial(backends.reset_peak_memory, "torch"),
    peak_memory=partial(backends.peak_memory, "torch"),
)
