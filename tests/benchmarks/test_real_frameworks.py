"""A tiny real cell per installed framework: torch is in the `dev` extra, so CI always runs at least
torch-eager for real; TensorFlow and JAX join where the `bench` extra is installed."""

from __future__ import annotations

import importlib.util

import pytest

from fwpulse.benchmarks.speed import harness
from fwpulse.benchmarks.speed.models import MLPParams
from fwpulse.benchmarks.speed.spec import Group, Variant, contenders

TINY = MLPParams(sizes=(16, 32, 4), classes=4)


@pytest.mark.slow
def test_tiny_mlp_cell_in_installed_frameworks(tmp_path):
    ids = [
        cid
        for cid, mod in (("torch-eager", "torch"), ("jax-jit", "jax"), ("tf-function", "tensorflow"))
        if importlib.util.find_spec(mod)
    ]
    if not ids:
        pytest.skip("no framework of the `bench` extra is installed")
    v = Variant("train b8", "mlp", "train", 8, TINY, warmup=2, repeats=2, blocks=1, steps=3, workload="W1")
    run = harness.run_groups(
        [Group("W1", "tiny MLP", "defaults", contenders(*ids), (v,), ids[0])], suite="smoke", log_dir=tmp_path
    )
    rows = {r["contender"]: r for r in run.rows}
    for cid in ids:
        r = rows[cid]
        assert r["status"] == "ok", r["reason"]
        assert r["step_ms_p50"] > 0 and r["n_compiles"] is not None and r["loss_ok"] is True
        assert r["fingerprint"]["framework"]["versions"]
    first = {round(r["loss_first"], 4) for r in rows.values()}
    assert len(first) == 1  # same shared initial weights and data: the same first loss everywhere
