"""The rows the speed charts plot: the newest bench run per machine, one labelled row per result.

Rows come from :func:`fwpulse.data.bench_store.results` (the contract shared with ``fwpulse bench``).
Labels carry only what varies between rows (the settings every row shares are said once, in the chart's
note and caveat), and rows sort by their numbers (n=256 before n=1024).
"""

from __future__ import annotations

import json
import re

import pandas as pd

DYNAMIC = "W3"  # the dynamic-shape workload (variable sequence lengths): highlighted everywhere
SPEED_COLUMNS = [
    "bench_run_id",
    "suite",
    "workload",
    "workload_label",
    "variant",
    "contender",
    "framework",
    "backend",
    "api",
    "mode",
    "tier",
    "precision",
    "device",
    "device_name",
    "batch_size",
    "status",
    "reason",
    "step_ms_p50",
    "step_ms_p90",
    "step_ms_p99",
    "samples_per_s",
    "cv",
    "n_compiles",
    "compile_s",
    "baseline",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "verdict",
    "fingerprint",
    "method",
    "measured_at",
    "imported_from",
]


def bench_results(con, frameworks=None) -> pd.DataFrame:
    """All stored bench rows (newest run first), or an empty frame when the table/module is missing."""
    try:
        from fwpulse.data import bench_store

        df = bench_store.results(con)
    except Exception:  # noqa: BLE001 - an older database without bench_results: say "no results yet"
        return pd.DataFrame(columns=SPEED_COLUMNS)
    if frameworks:
        df = df[df["framework"].isin(list(frameworks))]
    return df.reset_index(drop=True)


def newest_runs(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the newest bench run for each (device, device model)."""
    if df.empty:
        return df
    df = df.copy()
    df["measured_at"] = pd.to_datetime(df["measured_at"])
    run_at = df.groupby("bench_run_id")["measured_at"].transform("max")
    df["_run_at"] = run_at
    key = df["device"].fillna("") + "|" + df["device_name"].fillna("")
    newest = df.groupby(key)["_run_at"].transform("max")
    return df[df["_run_at"] == newest].drop(columns="_run_at")


SETTING_COLUMNS = ("tier", "precision", "device")  # shown in a row's label only where they vary


def natural(text) -> tuple:
    """Sort key that reads numbers as numbers: 'n=256' before 'n=1024'."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text)))


def shared_settings(df: pd.DataFrame) -> str:
    """The settings every plotted row shares ('defaults/fp32/cpu'), said once instead of on every row."""
    same = [str(df[c].iloc[0]) for c in SETTING_COLUMNS if c in df.columns and df[c].nunique(dropna=False) == 1]
    return "/".join(same)


def cell(r, varying: list[str]) -> str:
    """'W0 n=512 · defaults/fp32': the workload (W3, dynamic shapes, is starred on the chart and named in its
    note), the variant and the settings that vary between rows; short enough for one line of an export."""
    settings = "/".join(str(r[c]) for c in varying)
    return f"{r['workload']} {r['variant']}" + (f" · {settings}" if settings else "")


def plot_rows(values: pd.DataFrame, need: str) -> pd.DataFrame:
    df = newest_runs(values)
    if df.empty:
        return df
    df = df[(df["status"] == "ok") & df[need].notna()].copy()
    varying = [c for c in SETTING_COLUMNS if df[c].nunique(dropna=False) > 1]
    df["cell"] = df.apply(cell, axis=1, varying=varying)
    df["source"] = (
        df["imported_from"]
        .fillna("fwpulse bench (this machine)")
        .map(lambda s: s if s.startswith("fwpulse bench") else f"fwpulse bench import {s}")
    )
    df["method"] = df["method"].fillna("see fwpulse bench")
    df["date"] = pd.to_datetime(df["measured_at"])
    df = df.sort_values(
        ["workload", "variant", "tier", "precision", "device", "contender"],
        key=lambda c: c.map(natural) if c.name == "variant" else c,
    )
    # One row label per result: cell and contender, plus the machine when runs from several are shown.
    df["label"] = df["cell"] + " · " + df["contender"]
    machines = df["device"].fillna("") + " " + df["device_name"].fillna("")
    if machines.nunique() > 1:
        df["label"] += " · " + machines.str.strip()
    return df


def cpus(fingerprint) -> int | None:
    """The machine's CPU count from a result's environment fingerprint (a dict or its JSON)."""
    try:
        fp = fingerprint if isinstance(fingerprint, dict) else json.loads(fingerprint)
        return int(fp["cpu_count"])
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def plot_data(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    if "fingerprint" in df.columns:
        df = df.assign(cpu_count=[cpus(f) for f in df["fingerprint"]])
    keep = [
        "suite",
        "framework",
        "workload",
        "workload_label",
        "variant",
        "contender",
        "mode",
        "tier",
        "precision",
        "device",
        "device_name",
        "cpu_count",
        *cols,
        "verdict",
        "source",
        "method",
        "date",
        "bench_run_id",
    ]
    return df[[c for c in dict.fromkeys(keep) if c in df.columns]].reset_index(drop=True)
