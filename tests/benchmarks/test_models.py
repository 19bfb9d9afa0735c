"""The model registry (models.py) and what each implementation declares (its ``IMPL``): every model is
built or declared unsupported with a reason in every real implementation, a model an implementation
lacks is "not available" with that reason, and a new model needs only its declaration and a builder."""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys

import pytest

from fwpulse.benchmarks.speed import harness, impl_fake, models, spec, worker
from fwpulse.benchmarks.speed.common import NotAvailable
from fwpulse.benchmarks.speed.implementation import Implementation
from fwpulse.benchmarks.speed.models import MLPParams
from fwpulse.benchmarks.speed.spec import Contender, Group, Variant
from tests.conftest import REPO

REAL = ("impl_torch", "impl_tf", "impl_jax", "impl_keras")  # importing them imports no framework (init does)
TOY_MODULE = "tests.benchmarks.toy_model"


def impl(name: str) -> Implementation:
    return importlib.import_module(f"fwpulse.benchmarks.speed.{name}").IMPL


def coverage_problems(implementation: Implementation) -> list[str]:
    """What keeps ``implementation`` from answering for every registered model (empty: nothing)."""
    problems = []
    for name in models.MODELS:
        built, why = name in implementation.builders, implementation.unsupported.get(name)
        if not built and not (why and why.strip()):
            problems.append(f"{implementation.name}: no builder for {name!r} and no reason it is unsupported")
    stale = sorted((set(implementation.builders) | set(implementation.unsupported)) - set(models.MODELS))
    problems += [f"{implementation.name}: {name!r} is not a registered model" for name in stale]
    return problems


def test_the_registry_declares_each_model_once_with_typed_params():
    assert set(models.MODELS) == {"matmul", "mlp", "cnn", "lstm", "transformer", "sleep"}
    for name, model in models.MODELS.items():
        assert model.name == name and dataclasses.is_dataclass(model.params) and model.description
        assert model.inputs in ("operands", "features", "images", "tokens", "none")
        assert (model.batches is None) == (model.inputs in ("operands", "none"))
    with pytest.raises(ValueError, match="already registered"):
        models.register(models.MLP)


@pytest.mark.parametrize("name", REAL)
def test_every_model_is_built_or_declared_unsupported_in_every_real_implementation(name):
    implementation = impl(name)
    assert implementation.name == name
    assert coverage_problems(implementation) == []
    for model in implementation.unsupported:  # the declared reason is what the row says
        with pytest.raises(NotAvailable, match=f"{model!r} is not available in {name}: .+"):
            implementation.builder(model)


def test_the_coverage_check_can_fail(monkeypatch):
    monkeypatch.setitem(models.MODELS, "extra", dataclasses.replace(models.MLP, name="extra"))
    assert coverage_problems(impl("impl_tf")) == ["impl_tf: no builder for 'extra' and no reason it is unsupported"]
    blank = dataclasses.replace(impl("impl_jax"), unsupported={**impl("impl_jax").unsupported, "extra": " "})
    assert "no reason" in coverage_problems(blank)[0]
    stale = dataclasses.replace(impl("impl_torch"), builders={**impl("impl_torch").builders, "gone": None})
    assert coverage_problems(stale)[-1] == "impl_torch: 'gone' is not a registered model"
    with pytest.raises(ValueError, match="both built and declared unsupported"):
        dataclasses.replace(impl("impl_tf"), unsupported={"mlp": "no"})


def test_every_suite_cell_is_built_by_its_contenders_implementation():
    """Declarations, not shapes, decide: no shipped variant meets a model its contender's implementation lacks."""
    for suite in spec.SUITES:
        for g in spec.SUITES[suite]():
            for v in g.variants:
                for c in spec.variant_contenders(g, v):
                    assert v.model in impl(c.impl).builders, (suite, g.tier, v.label, c.id)


def test_optional_hooks_are_declared_not_probed():
    for name in REAL:
        assert impl(name).reset_peak_memory is not None and impl(name).peak_memory is not None
    assert impl_fake.IMPL.reset_peak_memory is None and impl_fake.IMPL.peak_memory is None  # RSS peak instead
    source = (REPO / "benchmarks" / "speed" / "worker.py").read_text()
    assert "hasattr(self.impl" not in source and "getattr(bench" not in source


def test_worker_setup_says_not_available_for_a_model_its_implementation_lacks():
    w = worker.Worker()
    w.impl, w.ctx = impl("impl_tf"), {"device": "cpu", "threads": 1, "options": {}}
    cnn = [v for v in spec.full_groups()[0].variants if v.model == "cnn"][0]
    reply = w.setup({"cmd": "setup", "variant": dataclasses.asdict(cnn)})
    assert reply == {
        "ok": False,
        "status": "not_available",
        "reason": "model 'cnn' is not available in impl_tf: native tf implements W0 and the MLP only "
        "(CNN/text: keras-tensorflow-fit)",
    }
    odd = {**dataclasses.asdict(cnn), "model": "nosuch"}
    reply = w.setup({"cmd": "setup", "variant": odd})
    assert reply["status"] == "not_available" and "unknown benchmark model 'nosuch'" in reply["reason"]


@pytest.fixture
def toy():
    """The toy model registered in this process too (the harness builds its Variant here); removed afterwards."""
    try:
        yield importlib.import_module(TOY_MODULE)
    finally:
        models.MODELS.pop("toy", None)
        impl_fake.BUILDERS.pop("toy", None)
        sys.modules.pop(TOY_MODULE, None)


@pytest.mark.slow
def test_a_new_model_needs_only_its_declaration_and_a_builder(toy, tmp_path):
    """tests/benchmarks/toy_model.py registers a model and adds its builder to impl_fake; nothing else changes,
    and it runs through the harness in real worker processes. A fake worker without it says not available."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    with_toy = Contender("toy-fake", "fake", "fake", "native", "eager", "impl_fake", {"import": TOY_MODULE})
    with_toy = dataclasses.replace(with_toy, env={"PYTHONPATH": path})
    without = Contender("plain-fake", "fake", "fake", "native", "eager", "impl_fake", {})
    v = Variant("toy w64", "toy", "train", 4, toy.ToyParams(width=64), warmup=1, repeats=2, blocks=1, steps=3)
    mlp = Variant("mlp", "mlp", "train", 4, MLPParams((8, 2), 2), warmup=0, repeats=1, blocks=1, steps=1)
    group = Group("W9", "toy", "defaults", (with_toy, without), (v, mlp), "toy-fake")
    rows = {
        (r["variant"], r["contender"]): r for r in harness.run_groups([group], suite="smoke", log_dir=tmp_path).rows
    }
    ok = rows[("toy w64", "toy-fake")]
    assert ok["status"] == "ok" and ok["step_ms_p50"] == pytest.approx(5.0, rel=0.5)
    flops = 3 * 2.0 * 4 * 64**2  # the toy's declared FLOPs, a training step
    assert ok["details"]["flops_per_step"] == flops and ok["details"]["params"] == 64**2
    assert ok["tflops"] > 0 and ok["details"]["toy_width"] == 64 and ok["workload_label"] == "toy training"
    missing = rows[("toy w64", "plain-fake")]
    assert missing["status"] == "not_available" and "unknown benchmark model 'toy'" in missing["reason"]
    for cid in ("toy-fake", "plain-fake"):  # a registered model the fake has no builder for
        r = rows[("mlp", cid)]
        assert r["status"] == "not_available" and r["step_ms_p50"] is None
        assert r["reason"] == "model 'mlp' is not available in impl_fake: it declares no builder for 'mlp'"
