"""The pieces the speed suites, the impl_* modules and the perf scripts share: the suites' variant
tables (spec.py), the models' data and FLOPs (models.py), the framework-neutral helpers (common.py,
backends.py, implementation.MatmulProbe), the refresh-shaped writer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fwpulse.benchmarks.speed import backends, common, models, spec
from fwpulse.benchmarks.speed.implementation import MatmulProbe
from fwpulse.benchmarks.speed.models import CNNParams, MatmulParams, MLPParams, TextParams


def test_suite_variants_keep_their_labels_sizes_and_contenders():
    smoke, full = spec.smoke_groups(), spec.full_groups()
    labels = [v.label for v in smoke[0].variants]
    assert labels[:6] == ["n=256", "n=512", "n=1024", "n=512 bf16", "train b128", "infer b128"]
    assert labels[6:] == [
        "MLP b1",
        "train b64",
        *(f"{m} {s}" for m in ("lstm", "transformer") for s in ("pad-to-max", "bucketed-4", "variable")),
    ]
    assert smoke[1].variants == (smoke[0].variants[4],)  # the matched tier measures the same MLP train variant
    train = smoke[0].variants[4]
    assert (train.workload, train.workload_label, train.model, train.params) == ("W1", None, "mlp", spec.MLP)
    assert (train.warmup, train.repeats, train.blocks, train.steps) == (5, 3, 2, 8)
    lat = smoke[0].variants[6]
    assert lat.per_step and lat.blocks == 1 and lat.workload_label == spec.W4_LABEL and lat.only is None
    lstm = smoke[0].variants[8]
    assert (lstm.model, lstm.warmup, lstm.steps, lstm.params.seq_mode) == ("lstm", 9, 9, "pad-to-max")
    assert [c.id for c in smoke[0].contenders] == [*spec.NATIVE3, *spec.KERAS3]
    assert all(c.options.get("matched") for c in smoke[1].contenders)
    bf16 = [v for v in full[0].variants if v.label == "train b512 bf16"][0]
    assert (bf16.precision, bf16.model, bf16.params, bf16.workload_label) == ("bf16", "cnn", spec.CNN, spec.W2_LABEL)
    assert [v.label for v in full[1].variants][:3] == ["train b4096", "train b4096 bf16", "MLP b1"]
    assert full[1].variants[2].only == spec.MATCHED3
    assert len(spec.size_table("full")) == len(full[0].variants) + len(full[1].variants)


def test_variant_batches_and_step_flops():
    mlp = spec.Variant("train b8", "mlp", "train", 8, MLPParams((16, 32, 4), 4))
    ((x, y),) = models.variant_batches(mlp)
    assert x.shape == (8, 16) and y.shape == (8,) and y.max() < 4
    assert models.step_flops(mlp) == 3 * 2.0 * 8 * (16 * 32 + 32 * 4)
    infer, latency = (replace(mlp, kind=k) for k in ("infer", "latency"))
    assert models.step_flops(latency) == models.step_flops(infer) == 2.0 * 8 * 640
    cnn = spec.Variant("train b8", "cnn", "train", 8, CNNParams((4, 8), 8, 3))
    assert models.variant_batches(cnn)[0][0].shape == (8, 8, 8, 3)  # NHWC
    assert models.step_flops(cnn) == 3 * 2.0 * 8 * (8 * 8 * 9 * 3 * 4 + 8 * 8 * 9 * 4 * 8 + 8 * 3)
    text = TextParams(vocab=50, embed=4, hidden=4, ff=8, heads=2, layers=1, classes=2, min_len=8, max_len=24, cycle=3)
    lstm = spec.Variant("lstm variable", "lstm", "train", 8, text)
    assert [b[0].shape[1] for b in models.variant_batches(lstm)] == common.text_lengths(text)
    lengths = common.text_lengths(text)
    per_length = [2.0 * 8 * n * 4 * 4 * (4 + 4) + 2.0 * 8 * 4 * 2 for n in lengths]
    assert models.step_flops(lstm) == pytest.approx(3 * sum(per_length) / len(lengths))
    assert models.step_flops(replace(lstm, model="transformer")) != models.step_flops(lstm)  # same params, its model


def test_variants_name_their_model_and_travel_as_json():
    import dataclasses
    import json

    for suite in spec.SUITES:
        for g in spec.SUITES[suite]():
            for v in g.variants:
                assert isinstance(v.params, models.lookup(v.model).params)
                assert spec.Variant.from_dict(json.loads(json.dumps(dataclasses.asdict(v)))) == v
    with pytest.raises(TypeError, match="takes MLPParams"):
        spec.Variant("x", "mlp", "train", 8, CNNParams((4,), 8, 3))  # params of another model
    with pytest.raises(models.UnknownModel, match="'nosuch'"):
        spec.Variant("x", "nosuch", "train", 8, MLPParams((4, 2), 2))
    with pytest.raises(TypeError, match="unknown parameter"):
        models.MLP.parse({"sizes": [4, 2], "classes": 2, "channels": [3]})


def test_matmul_probe_runs_fn_on_the_seeded_operands():
    class Probe(MatmulProbe):
        def __init__(self, v):
            self.a, self.b = self.operands(v)
            self.fn = np.matmul

    p = Probe(spec.Variant("n=16", "matmul", "matmul", 1, MatmulParams(16)))
    assert p.params == 0 and p.flops_per_step == 2.0 * 16**3 and p.out is None
    p.run(2)
    a, b = common.matmul_data(16)
    np.testing.assert_array_equal(p.out, a @ b)


@pytest.mark.slow
def test_set_tf32_on_torch_and_no_device_peak_on_cpu():
    torch = pytest.importorskip("torch")
    before = (torch.get_float32_matmul_precision(), torch.backends.cudnn.allow_tf32)
    try:
        assert backends.set_tf32("torch", "tf32", False)["float32_matmul_precision"] == "high"
        assert torch.backends.cudnn.allow_tf32 is True
        got = backends.set_tf32("torch", "fp32", True)  # the matched tier: no TF32 anywhere
        assert got == {"float32_matmul_precision": "highest", "cudnn_allow_tf32": False}
        assert backends.set_tf32("torch", "bf16", False) == got  # defaults tier: left as it is
    finally:
        torch.set_float32_matmul_precision(before[0])
        torch.backends.cudnn.allow_tf32 = before[1]
    cpu = {"device": "cpu"}
    assert all(backends.peak_memory(b, cpu) == (None, None) for b in ("torch", "tensorflow", "jax"))
    backends.reset_peak_memory("torch", cpu)  # nothing to reset on the CPU, and no error


@pytest.mark.slow
def test_refresh_writer_stores_refresh_shaped_runs(tmp_path):
    from fwpulse.data import db
    from fwpulse.data.bootstrap import ensure_database
    from perf import refresh_writer

    path = tmp_path / "w.duckdb"
    ensure_database(path)
    out = refresh_writer.write_runs(path, 2, None, 60, "writer test")
    assert out["transactions"] == 2 and out["rows_per_transaction"] == 88
    assert len(out["holds_s"]) == 2 and out["holds_s"] == sorted(out["holds_s"])
    with db.reading(path) as con:
        n = con.execute("SELECT count(*) FROM observations WHERE method = 'writer test'").fetchone()[0]
    assert n == 176
    (tmp_path / "stop").write_text("")
    assert refresh_writer.write_runs(path, None, tmp_path / "stop", 60, "x")["transactions"] == 0
