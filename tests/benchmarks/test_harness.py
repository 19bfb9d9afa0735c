"""The harness itself, with fake contenders in real worker processes (no framework needed)."""

from __future__ import annotations

import time

import pytest

from fwpulse.benchmarks.speed import harness, stats
from fwpulse.benchmarks.speed.models import SleepParams
from fwpulse.benchmarks.speed.spec import Contender, Group, Variant
from fwpulse.benchmarks.speed.worker import time_blocks


def fake(id: str, **options) -> Contender:
    return Contender(id, "fake", "fake", "native", "eager", "impl_fake", options)


def sleep_variant(ms: float, **kw) -> Variant:
    return Variant(
        f"sleep {ms:g}ms",
        "sleep",
        "sleep",
        1,
        SleepParams(ms),
        **{"warmup": 1, "repeats": 3, "blocks": 3, "steps": 10, **kw},
    )


def by_contender(run):
    return {r["contender"]: r for r in run.rows}


@pytest.fixture(scope="module")
def slowed_run(tmp_path_factory):
    group = Group(
        "W9",
        "fake sleep",
        "defaults",
        (fake("base"), fake("slow", slowdown=1.3), fake("twin")),
        (sleep_variant(20),),
        "base",
    )
    return harness.run_groups([group], suite="smoke", log_dir=tmp_path_factory.mktemp("logs"))


@pytest.mark.slow
def test_slowed_contender_is_detected_slower_with_ci_excluding_1(slowed_run):
    rows = by_contender(slowed_run)
    slow = rows["slow"]
    assert slow["status"] == "ok" and slow["baseline"] == "base"
    assert slow["ratio_ci_low"] > 1.0 and slow["verdict"] == "slower"
    assert slow["ratio_ci_low"] <= slow["ratio"] <= slow["ratio_ci_high"]
    assert 1.2 < slow["ratio"] < 1.4
    assert rows["base"]["ratio"] == 1.0 and rows["base"]["verdict"] is None
    for r in rows.values():  # interleaved: each contender took every place in the round-robin once
        assert sorted(r["details"]["round_robin_positions"]) == [0, 1, 2]
    assert rows["twin"]["verdict"] in ("same within ±5%", "inconclusive")  # never "slower"/"faster" by noise alone


@pytest.mark.slow
def test_sleep_step_timed_within_2_percent(slowed_run):
    base = by_contender(slowed_run)["base"]
    assert base["step_ms_p50"] == pytest.approx(20.0, rel=0.02)
    assert base["n_repeats"] == 3 and base["n_steps"] == 30 and base["samples_per_s"] == pytest.approx(50, rel=0.02)
    # The spread is reported and modest. Its bound is wider than the median's: in the full suite four workers share
    # two cores with Chromium, and a 20 ms sleep then wakes up to a few ms late now and then (a CV of 0.057 was
    # seen in CI); the timing claim rests on the median above, which such outliers do not move.
    assert base["cv"] is not None and 0 < base["cv"] < 0.15
    assert base["fingerprint"]["framework"]["versions"] == {"fake": "1.0"}
    assert base["fingerprint"]["worker_env"]["OMP_NUM_THREADS"] == str(base["fingerprint"]["threads"])
    assert base["fingerprint"]["framework"]["env"]["OMP_NUM_THREADS"] == str(
        base["fingerprint"]["threads"]
    )  # as the worker saw it
    assert base["fingerprint"]["framework"]["affinity"] == base["fingerprint"]["affinity"]
    assert base["fingerprint"]["loadavg_start"] and base["peak_mem_bytes"] > 0 and base["mem_kind"].startswith("rss")


def test_timing_path_in_process_per_step_and_blocks():
    from fwpulse.benchmarks.speed.impl_fake import SleepBench

    # A sleep never ends early, and a loaded machine only ever wakes it late (in the full suite four workers and
    # Chromium share two cores: a CI run saw over half of ten per-step wake-ups 5-50 ms late). So no sample may be
    # short, and the fastest one measures the timing path's own error, whatever the load.
    samples = time_blocks(SleepBench(0.02), blocks=5, steps=5, per_step=False)
    assert len(samples) == 5 and min(samples) >= 19.5 and min(samples) / 20.0 - 1 < 0.02
    per_step = time_blocks(SleepBench(0.02), blocks=1, steps=10, per_step=True)  # pays a wake-up per step
    assert len(per_step) == 10 and min(per_step) >= 19.5 and min(per_step) / 20.0 - 1 < 0.05


def test_unavailable_and_failing_contenders_are_reported_not_crashed(tmp_path):
    group = Group(
        "W9",
        "fake sleep",
        "defaults",
        (fake("missing", **{"import": "fwpulse_no_such_framework"}), fake("ok"), fake("broken", fail_build=True)),
        (sleep_variant(5, repeats=2, blocks=1, steps=2), sleep_variant(6, repeats=2, blocks=1, steps=2)),
        "missing",
    )
    t0 = time.monotonic()
    run = harness.run_groups([group], suite="smoke", log_dir=tmp_path)
    assert time.monotonic() - t0 < 60
    assert len(run.rows) == 6
    for r in run.rows:
        if r["contender"] == "missing":
            assert r["status"] == "not_available" and "fwpulse_no_such_framework" in r["reason"]
            assert r["step_ms_p50"] is None
        elif r["contender"] == "broken":
            assert r["status"] == "failed" and "deliberate failure" in r["reason"]
        else:
            assert r["status"] == "ok" and r["baseline"] == "ok"  # baseline falls back to the first measured one


def test_stats_verdicts_and_ci():
    assert stats.verdict(0.97, 1.04) == "same within ±5%"
    assert stats.verdict(0.94, 1.01) == "inconclusive"
    assert stats.verdict(1.01, 1.2) == "slower" and stats.verdict(0.5, 0.9) == "faster"
    same = [[10.0, 10.1, 9.9], [10.0, 10.05, 9.95]]
    ratio, lo, hi = stats.ratio_ci(same, same)
    assert ratio == 1.0 and lo <= 1.0 <= hi
    s = stats.summarize([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])
    assert s.p50 == 2.0 and s.n_repeats == 2 and s.repeat_medians == [2.0, 2.0] and s.cv == 0.0
