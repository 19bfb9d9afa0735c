"""Speed view charts: measured ms/step and ratios with 95% CIs from ``bench_results``.

Rows come from :func:`fwpulse.data.bench_store.results` (the contract shared with ``fwpulse bench``).
Only the newest bench run per device (and device model) is plotted; older runs stay in the table.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard import chartkit as K
from fwpulse.dashboard.charts import ChartSpec

BENCH = "fwpulse bench --suite smoke"
DYNAMIC = "W3"   # the dynamic-shape workload (variable sequence lengths): highlighted everywhere
SPEED_COLUMNS = ["bench_run_id", "suite", "workload", "workload_label", "variant", "contender", "framework", "backend",
                 "api", "mode", "tier", "precision", "device", "device_name", "batch_size", "status", "reason",
                 "step_ms_p50", "step_ms_p90", "step_ms_p99", "samples_per_s", "cv", "n_compiles", "compile_s",
                 "baseline", "ratio", "ratio_ci_low", "ratio_ci_high", "verdict", "fingerprint", "method",
                 "measured_at", "imported_from"]


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


def _query(con, spec, options) -> pd.DataFrame:
    return bench_results(con, options.frameworks or None)


def _cell(r) -> str:
    star = " (dynamic shapes)" if r["workload"] == DYNAMIC else ""
    return f"{r['workload']}{star} {r['variant']} · {r['tier']}/{r['precision']}/{r['device']}"


def _plot_rows(values: pd.DataFrame, need: str) -> pd.DataFrame:
    df = newest_runs(values)
    if df.empty:
        return df
    df = df[(df["status"] == "ok") & df[need].notna()].copy()
    df["cell"] = df.apply(_cell, axis=1)
    df["source"] = df["imported_from"].fillna("fwpulse bench (this machine)").map(
        lambda s: s if s.startswith("fwpulse bench") else f"fwpulse bench import {s}")
    df["method"] = df["method"].fillna("see fwpulse bench")
    df["date"] = pd.to_datetime(df["measured_at"])
    return df.sort_values(["workload", "variant", "tier", "precision", "device", "contender"])


def _data(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    keep = ["framework", "workload", "workload_label", "variant", "contender", "mode", "tier", "precision", "device",
            "device_name", *cols, "verdict", "source", "method", "date", "bench_run_id"]
    return df[[c for c in dict.fromkeys(keep) if c in df.columns]].reset_index(drop=True)


def _finish(spec, fig, data, options, y_title):
    fig.update_layout(title=spec.title, yaxis_title=y_title, template="plotly_white", barmode="overlay",
                      legend={"orientation": "h", "y": -0.3}, margin={"t": 60, "b": 60, "l": 60, "r": 20})
    if options.log:
        fig.update_yaxes(type="log")
    text, sources, as_of = K.C.caption_for(data)
    return K.C.Chart(spec, fig, data, text, sources=sources, as_of=as_of)


def step_time(spec, inputs, options, names, colors):
    df = _plot_rows(inputs.values, "step_ms_p50")
    if df.empty:
        return K.C.Chart(spec, None, pd.DataFrame(), "", empty_reason="No benchmark results yet.")
    fig = go.Figure()
    for fid in [f for f in names if f in set(df["framework"])] + sorted(set(df["framework"]) - set(names)):
        g = df[df["framework"] == fid]
        p90 = (g["step_ms_p90"] - g["step_ms_p50"]).clip(lower=0).fillna(0)
        fig.add_trace(go.Bar(
            x=[g["cell"].tolist(), g["contender"].tolist()], y=g["step_ms_p50"], name=names.get(fid, fid),
            marker={"color": colors.get(fid), "pattern": {"shape": ["/" if w == DYNAMIC else "" for w in g["workload"]]}},
            error_y={"type": "data", "symmetric": False, "array": p90.tolist(), "arrayminus": [0] * len(g)},
            customdata=g[["mode", "device_name"]].fillna("").to_numpy(),
            hovertemplate="%{x}: %{y:,.2f} ms/step (p50; bar to p90)<br>mode %{customdata[0]} · %{customdata[1]}"
                          "<extra>" + names.get(fid, fid) + "</extra>"))
    chart = _finish(spec, fig, _data(df, ["step_ms_p50", "step_ms_p90", "step_ms_p99", "samples_per_s", "cv"]),
                    options, "ms per step (median; error bar to p90)")
    chart.notes.append("Hatched bars: the dynamic-shape workload (W3), where compilers re-trace on new shapes. "
                       "Lower is faster. Eager and compiled modes are separate contenders (e.g. torch-eager vs torch-compile).")
    return chart


def ratios(spec, inputs, options, names, colors):
    df = _plot_rows(inputs.values, "ratio")
    if df.empty:
        return K.C.Chart(spec, None, pd.DataFrame(), "", empty_reason="No benchmark ratios yet.")
    fig = go.Figure()
    fig.add_hrect(y0=0.95, y1=1.05, fillcolor="grey", opacity=0.12, line_width=0)
    fig.add_hline(y=1.0, line_dash="dot", line_color="grey")
    for fid in [f for f in names if f in set(df["framework"])] + sorted(set(df["framework"]) - set(names)):
        g = df[df["framework"] == fid]
        hi = (g["ratio_ci_high"] - g["ratio"]).clip(lower=0).fillna(0)
        lo = (g["ratio"] - g["ratio_ci_low"]).clip(lower=0).fillna(0)
        fig.add_trace(go.Scatter(
            x=[g["cell"].tolist(), g["contender"].tolist()], y=g["ratio"], mode="markers", name=names.get(fid, fid),
            marker={"color": colors.get(fid), "size": [14 if w == DYNAMIC else 10 for w in g["workload"]],
                    "symbol": ["star" if w == DYNAMIC else "circle" for w in g["workload"]],
                    "line": {"color": "black", "width": 1}},
            error_y={"type": "data", "symmetric": False, "array": hi.tolist(), "arrayminus": lo.tolist()},
            customdata=g[["baseline", "verdict"]].fillna("(baseline)").to_numpy(),
            hovertemplate="%{x}: %{y:.3f}x %{customdata[0]} (95% CI bar) · %{customdata[1]}<extra>"
                          + names.get(fid, fid) + "</extra>"))
    chart = _finish(spec, fig, _data(df, ["baseline", "ratio", "ratio_ci_low", "ratio_ci_high"]), options,
                    "time ratio vs baseline (>1 = slower)")
    chart.notes.append("Ratio of median step times against the cell's baseline contender, with a bootstrap 95% CI; "
                       "the grey band is ±5% ('same within ±5%'). Stars: the dynamic-shape workload (W3).")
    return chart


SPECS = [
    ChartSpec("speed-step-time", "Measured time per step", (), step_time, BENCH, view="speed", query=_query,
              time_series=False),
    ChartSpec("speed-ratios", "Speed ratios with 95% confidence intervals", (), ratios, BENCH, view="speed",
              query=_query, time_series=False),
]
