"""Speed: measured benchmark results (``fwpulse bench``) with ratios, CIs, verdicts and fingerprints."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from fwpulse.dashboard import data
from fwpulse.dashboard.charts.speed import DYNAMIC, newest_runs
from fwpulse.dashboard.views.common import options, show_chart

BENCH_HINT = "fwpulse bench --suite smoke"
# The verdict and what it rests on come first, so they are on screen at 1440 px without scrolling sideways;
# the measurement details follow.
TABLE = [
    "workload",
    "variant",
    "contender",
    "verdict",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "baseline",
    "step_ms_p50",
    "status",
    "mode",
    "tier",
    "precision",
    "device",
    "batch_size",
    "step_ms_p90",
    "samples_per_s",
    "cv",
    "n_compiles",
    "compile_s",
    "reason",
]
BASELINE = "(baseline of its cell)"


def _text(v) -> str:
    """A stored text field, or "" when missing (pandas 3 reads a missing string as NaN, which is truthy)."""
    return "" if v is None or pd.isna(v) else str(v)


def render() -> None:
    st.title("Speed: measured on real hardware")
    opts = options()
    bench = data.bench_results(opts.frameworks)
    if bench.empty:
        st.info(
            f"No benchmark results yet: run `{BENCH_HINT}` (or `fwpulse bench --suite full`; results from "
            "other machines can be imported)."
        )
        return
    newest = newest_runs(bench)
    st.caption(
        "The newest bench run per device is plotted; ratios are this contender's median step time over the "
        "cell's baseline (>1 = slower) with a bootstrap 95% CI. Eager and compiled modes are separate "
        "contenders. Stars: the dynamic-shape workload (W3)."
    )
    show_chart("speed-step-time")
    show_chart("speed-ratios")

    st.subheader("Verdicts per cell")
    table = newest[[c for c in TABLE if c in newest.columns]].copy()
    table.insert(0, "dynamic shapes", table["workload"].eq(DYNAMIC).map({True: "yes (W3)", False: ""}))
    # A baseline row has no verdict of its own: say so instead of an empty "None".
    is_base = table["contender"].eq(table["baseline"]) & table["verdict"].isna() & table["status"].eq("ok")
    table["verdict"] = table["verdict"].astype(object).where(~is_base, BASELINE)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "dynamic shapes": st.column_config.TextColumn("W3", width="small", pinned=True),
            "workload": st.column_config.TextColumn(width="small", pinned=True),
            "variant": st.column_config.TextColumn(width="medium", pinned=True),
            "contender": st.column_config.TextColumn(width="medium", pinned=True),
            "verdict": st.column_config.TextColumn(width="medium", pinned=True),
            "ratio": st.column_config.NumberColumn(format="%.3f", width="small"),
            "ratio_ci_low": st.column_config.NumberColumn("CI low", format="%.3f", width="small"),
            "ratio_ci_high": st.column_config.NumberColumn("CI high", format="%.3f", width="small"),
            "step_ms_p50": st.column_config.NumberColumn("ms/step p50", format="%.2f", width="small"),
            "step_ms_p90": st.column_config.NumberColumn("ms/step p90", format="%.2f"),
        },
    )
    w3 = newest[newest["workload"] == DYNAMIC]
    if not w3.empty:
        ok = w3[w3["status"] == "ok"]
        st.markdown(
            f"**Dynamic shapes (W3)**: {len(ok)} measured cells; compiles counted: "
            + ", ".join(
                f"{r.contender} {int(r.n_compiles)}"
                for r in ok.itertuples()
                if r.n_compiles is not None and not pd.isna(r.n_compiles)
            )
            + "."
            if not ok.empty
            else "**Dynamic shapes (W3)**: no successful cells in the newest run."
        )
    missing = newest[newest["status"] != "ok"]
    if not missing.empty:
        st.caption(
            "Not measured: "
            + "; ".join(
                f"{r.contender} ({r.status}: {_text(r.reason) or 'no reason given'})"
                for r in missing.drop_duplicates("contender").itertuples()
            )
        )

    st.subheader("Where each result was measured")
    for run_id, g in bench.groupby("bench_run_id", sort=False):
        first = g.iloc[0]
        label = (
            f"run {run_id[:8]} · {first['suite']} · {first['device']} {_text(first['device_name'])} · "
            f"{pd.to_datetime(g['measured_at']).max():%Y-%m-%d %H:%M}"
            + (f" · imported from {_text(first['imported_from'])}" if _text(first["imported_from"]) else "")
        )
        with st.expander(label):
            try:
                fp = json.loads(first["fingerprint"]) if _text(first["fingerprint"]) else {}
            except (TypeError, ValueError):
                fp = {"fingerprint": first["fingerprint"]}
            st.json(fp, expanded=False)
            st.caption(f"Method: {_text(first['method']) or 'not recorded'} · {len(g)} rows")
