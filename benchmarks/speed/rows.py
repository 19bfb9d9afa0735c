"""Result rows of one benchmark cell: statistics per contender, ratios vs the baseline, memory peaks, breakeven."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fwpulse.benchmarks.speed import stats
from fwpulse.benchmarks.speed.spec import Contender, Group, Variant

METHOD = (
    "perf_counter_ns around blocks of S steps, device drained at each block boundary (per step for "
    "latency); one worker process per contender, same CPU affinity and thread settings; R repeats "
    "interleaved round-robin; p50/p90/p99 over block means (per-step samples for latency); CV of "
    "per-repeat medians; ratio of medians vs baseline with a hierarchical bootstrap 95% CI"
)


@dataclass
class CellRun:
    """What one contender produced for one variant."""

    contender: Contender
    info: dict[str, Any] = field(default_factory=dict)  # init reply
    setup: dict[str, Any] = field(default_factory=dict)
    finish: dict[str, Any] = field(default_factory=dict)
    samples: list[list[float]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # place in each round-robin round
    status: str = "ok"
    reason: str | None = None


def peak_key(device: str, precision: str) -> str:
    return f"{device}:{precision}"


def cell_rows(
    group: Group,
    v: Variant,
    cells: list[CellRun],
    *,
    suite: str,
    device: str,
    machine: dict[str, Any],
    bench_run_id: str,
    peaks: dict[str, float],
) -> list[dict[str, Any]]:
    """Statistics for one variant: a row per contender, ratios against the group's baseline."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    ok = [c for c in cells if c.status == "ok" and c.samples]
    ids = [c.contender.id for c in ok]
    base_id = group.baseline if group.baseline in ids else (ids[0] if ids else None)
    base = next((c for c in ok if c.contender.id == base_id), None)
    param_counts = {c.contender.id: c.setup.get("params") for c in ok if v.kind != "matmul"}
    loss_ref = base.setup.get("loss_first") if base and v.kind in ("train",) else None
    out = []
    for c in cells:
        ct = c.contender
        info, setup, fin = c.info, c.setup, c.finish
        row: dict[str, Any] = {
            "bench_run_id": bench_run_id,
            "suite": suite,
            "workload": v.workload or group.workload,
            "workload_label": (v.workload_label or group.workload_label)
            + (" inference" if v.kind in ("infer", "latency") else " training" if v.kind == "train" else ""),
            "variant": v.label,
            "contender": ct.id,
            "framework": ct.framework,
            "backend": ct.backend,
            "api": ct.api,
            "mode": setup.get("mode") or info.get("mode") or ct.mode,
            "tier": group.tier,
            "precision": v.precision,
            "device": device,
            "device_name": machine.get("gpu_name") if device == "cuda" else machine.get("cpu_model"),
            "batch_size": v.batch_size,
            "status": c.status,
            "reason": c.reason,
            "n_repeats": len(c.samples) or None,
            "n_steps": (v.blocks * v.steps) if c.samples else None,
            "measured_at": now,
            "method": METHOD + (" (fit: one model.fit/predict call per block)" if ct.api == "fit" else ""),
            "import_s": info.get("import_s"),
            "build_s": setup.get("build_s"),
            "first_step_s": setup.get("first_step_s"),
            "n_compiles": setup.get("n_compiles"),
            "loss_first": setup.get("loss_first"),
            "loss_last": setup.get("loss_last"),
            "peak_mem_bytes": fin.get("peak_mem_bytes"),
            "mem_kind": fin.get("mem_kind"),
            "fingerprint": {
                **machine,
                "framework": {k: info.get(k) for k in ("versions", "policy", "affinity", "env")},
                "contender_options": ct.options,
            },
            "details": {
                **(setup.get("details") or {}),
                **(fin.get("details") or {}),
                "warmup_s": setup.get("warmup_s"),
                "warmup_steps": v.warmup,
                "blocks": v.blocks,
                "steps_per_block": v.steps,
                "per_step": v.per_step,
                "compiles_during_timing": fin.get("compiles_during_timing"),
                "round_robin_positions": c.positions,
                "n_compiles_first_step": setup.get("n_compiles_first_step"),
                "params": setup.get("params"),
                "flops_per_step": setup.get("flops_per_step"),
            },
        }
        if c.status == "ok" and c.samples:
            s = stats.summarize(c.samples)
            row.update(
                step_ms_p50=s.p50,
                step_ms_p90=s.p90,
                step_ms_p99=s.p99,
                cv=s.cv,
                samples_per_s=v.batch_size / (s.p50 / 1000.0),
            )
            row["details"]["repeat_medians_ms"] = s.repeat_medians
            row["details"]["samples_ms"] = c.samples
            total_warm = 1 + v.warmup
            compile_s = max(
                0.0, (setup.get("first_step_s", 0.0) + setup.get("warmup_s", 0.0)) - total_warm * s.mean / 1000.0
            )
            row["compile_s"] = compile_s
            flops = setup.get("flops_per_step") or 0.0
            if flops:
                row["tflops"] = flops / (s.mean / 1000.0) / 1e12  # mean step time: matches total work / total time
            if v.kind == "matmul" and row.get("tflops"):
                key = peak_key(device, v.precision)
                peaks[key] = max(peaks.get(key, 0.0), row["tflops"])
            if base is not None:
                row["baseline"] = base.contender.id
                if c is base:
                    row.update(ratio=1.0, ratio_ci_low=1.0, ratio_ci_high=1.0, verdict=None)
                else:
                    ratio, lo, hi = stats.ratio_ci(c.samples, base.samples)
                    row.update(ratio=ratio, ratio_ci_low=lo, ratio_ci_high=hi, verdict=stats.verdict(lo, hi))
            # equivalence checks
            counts = {p for p in param_counts.values() if p is not None}
            if len(counts) > 1:
                row["details"]["param_counts"] = param_counts
            row["details"]["params_equal"] = len(counts) <= 1
            if v.kind == "train":
                lf, ll = setup.get("loss_first"), setup.get("loss_last")
                okay = lf is not None and ll is not None and all(map(finite, (lf, ll)))
                shared = (
                    (setup.get("details") or {}).get("shared_init", True)
                    and (base.setup.get("details") or {}).get("shared_init", True)
                    if base
                    else False
                )
                if okay and loss_ref is not None and shared:
                    # same initial weights and data: the first loss must agree, the warm-up mean closely
                    okay = abs(lf - loss_ref) <= 0.02 * abs(loss_ref) + 1e-3
                    ref_last = base.setup.get("loss_last")
                    if ref_last is not None:
                        okay = okay and abs(ll - ref_last) <= 0.05 * abs(ref_last) + 0.02
                row["details"]["loss_check"] = (
                    "shared init: first loss within 2%, warm-up mean within 5% of baseline"
                    if shared
                    else "finite losses only (no shared initial weights)"
                )
                row["loss_ok"] = bool(okay and len(counts) <= 1)
        out.append(row)
    return out


def finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")


def apply_peaks(rows: list[dict[str, Any]], peaks: dict[str, float]) -> None:
    """% of peak = achieved TFLOP/s over W0's best measured TFLOP/s on the same device and precision."""
    for r in rows:
        peak = peaks.get(peak_key(r["device"], r["precision"]))
        if r.get("tflops") and peak:
            r["pct_of_peak"] = 100.0 * r["tflops"] / peak
            r["details"]["peak_tflops"] = peak


def apply_breakeven(rows: list[dict[str, Any]]) -> None:
    """Break-even steps = compile_s / (torch-eager p50 - this p50), against the torch-eager row of the
    same workload, variant, precision and device in this run (any tier); only when this is faster."""
    ref = {
        (r["workload"], r["variant"], r["precision"], r["device"]): r
        for r in rows
        if r["contender"] == "torch-eager" and r["status"] == "ok" and r.get("step_ms_p50")
    }
    for r in rows:
        e = ref.get((r["workload"], r["variant"], r["precision"], r["device"]))
        if e is None or r is e or r["status"] != "ok" or not r.get("compile_s") or r.get("mode") == "eager":
            continue
        saving_s = (e["step_ms_p50"] - r["step_ms_p50"]) / 1000.0
        if saving_s > 0:
            r["breakeven_steps"] = r["compile_s"] / saving_s
            r["details"]["breakeven_vs"] = "torch-eager"
