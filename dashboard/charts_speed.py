"""Speed view charts: measured ms/step and ratios with 95% CIs from ``bench_results``.

Rows come from :func:`fwpulse.data.bench_store.results` (the contract shared with ``fwpulse bench``).
Only the newest bench run per device (and device model) is plotted; older runs stay in the table.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard import chartkit as K
from fwpulse.dashboard.charts import ChartSpec

BENCH = "fwpulse bench --suite smoke"
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
    df["source"] = (
        df["imported_from"]
        .fillna("fwpulse bench (this machine)")
        .map(lambda s: s if s.startswith("fwpulse bench") else f"fwpulse bench import {s}")
    )
    df["method"] = df["method"].fillna("see fwpulse bench")
    df["date"] = pd.to_datetime(df["measured_at"])
    df = df.sort_values(["workload", "variant", "tier", "precision", "device", "contender"])
    # One row label per result: cell and contender, plus the machine when runs from several are shown.
    df["label"] = df["cell"] + " · " + df["contender"]
    machines = df["device"].fillna("") + " " + df["device_name"].fillna("")
    if machines.nunique() > 1:
        df["label"] += " · " + machines.str.strip()
    return df


ROW_PX = 22  # height per result row: the charts are horizontal, one row per (cell, contender)


def _cpus(fingerprint) -> int | None:
    """The machine's CPU count from a result's environment fingerprint (a dict or its JSON)."""
    try:
        fp = fingerprint if isinstance(fingerprint, dict) else json.loads(fingerprint)
        return int(fp["cpu_count"])
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def _data(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    if "fingerprint" in df.columns:
        df = df.assign(cpu_count=[_cpus(f) for f in df["fingerprint"]])
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


def _finish(spec, fig, data, labels, x_title):
    """Horizontal layout: one labelled row per result (54 in the smoke suite), log x axis always
    (step times span three orders of magnitude; ratios are symmetric around 1 on a log axis)."""
    fig.update_layout(
        title=spec.title,
        xaxis_title=x_title,
        template="plotly_white",
        barmode="group",
        height=160 + ROW_PX * len(labels),
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"},
        margin={"t": 90, "b": 50, "l": 20, "r": 20},
    )
    fig.update_xaxes(type="log")
    # Rows in sorted (workload, variant, ..., contender) order from the top, whichever trace holds them.
    fig.update_yaxes(
        autorange="reversed", automargin=True, type="category", categoryorder="array", categoryarray=labels
    )
    text, sources, as_of = K.C.caption_for(data)
    return K.C.Chart(spec, fig, data, text, sources=sources, as_of=as_of)


def _frameworks(df: pd.DataFrame, names: dict[str, str]) -> list[str]:
    return [f for f in names if f in set(df["framework"])] + sorted(set(df["framework"]) - set(names))


def _row_traces(fig, df, names, colors, trace, x: str, to: tuple[str, str | None], marker, custom, hover, **extra):
    """One horizontal ``trace`` (``go.Bar`` or ``go.Scatter``) per framework, in registry order, one row per
    result: ``x`` the plotted column, ``to`` the columns the error bar reaches (above, below: None for none).
    ``marker`` (marker properties besides the framework's colour) and ``custom`` (the hover's customdata)
    are functions of the framework's rows; ``hover`` the template before ``<extra>``."""
    for fid in _frameworks(df, names):
        g = df[df["framework"] == fid]
        name = names.get(fid, fid)
        high, low = to
        above = (g[high] - g[x]).clip(lower=0).fillna(0).tolist()
        below = (g[x] - g[low]).clip(lower=0).fillna(0).tolist() if low else [0] * len(g)
        fig.add_trace(
            trace(
                y=g["label"].tolist(),
                x=g[x],
                orientation="h",
                name=name,
                marker={"color": colors.get(fid), **marker(g)},
                error_x={"type": "data", "symmetric": False, "array": above, "arrayminus": below},
                customdata=custom(g),
                hovertemplate=hover + "<extra>" + name + "</extra>",
                **extra,
            )
        )


def step_time(spec, inputs, options, names, colors):
    df = _plot_rows(inputs.values, "step_ms_p50")
    if df.empty:
        return K.C.Chart(spec, None, pd.DataFrame(), "", empty_reason="No benchmark results yet.")
    fig = go.Figure()
    _row_traces(
        fig,
        df,
        names,
        colors,
        go.Bar,
        "step_ms_p50",
        ("step_ms_p90", None),
        marker=lambda g: {"pattern": {"shape": ["/" if w == DYNAMIC else "" for w in g["workload"]]}},
        custom=lambda g: g[["mode", "device_name"]].fillna("").to_numpy(),
        hover="%{y}: %{x:,.2f} ms/step (p50; bar to p90)<br>mode %{customdata[0]} · %{customdata[1]}",
    )
    chart = _finish(
        spec,
        fig,
        _data(df, ["step_ms_p50", "step_ms_p90", "step_ms_p99", "samples_per_s", "cv"]),
        df["label"].tolist(),
        "ms per step (median; error bar to p90; log scale)",
    )
    chart.notes.append(
        "Hatched bars: the dynamic-shape workload (W3), where compilers re-trace on new shapes. "
        "Shorter is faster. Eager and compiled modes are separate contenders (e.g. torch-eager vs "
        "torch-compile). Log scale, always: step times span three orders of magnitude."
    )
    return chart


def ratios(spec, inputs, options, names, colors):
    df = _plot_rows(inputs.values, "ratio")
    if df.empty:
        return K.C.Chart(spec, None, pd.DataFrame(), "", empty_reason="No benchmark ratios yet.")
    fig = go.Figure()
    fig.add_vrect(x0=0.95, x1=1.05, fillcolor="grey", opacity=0.12, line_width=0)
    fig.add_vline(x=1.0, line_dash="dot", line_color="grey")
    _row_traces(
        fig,
        df,
        names,
        colors,
        go.Scatter,
        "ratio",
        ("ratio_ci_high", "ratio_ci_low"),
        marker=lambda g: {
            "size": [14 if w == DYNAMIC else 10 for w in g["workload"]],
            "symbol": ["star" if w == DYNAMIC else "circle" for w in g["workload"]],
            "line": {"color": "black", "width": 1},
        },
        custom=lambda g: g[["baseline", "verdict"]].fillna("(baseline)").to_numpy(),
        hover="%{y}: %{x:.3f}x %{customdata[0]} (95% CI bar) · %{customdata[1]}",
        mode="markers",
    )
    chart = _finish(
        spec,
        fig,
        _data(df, ["baseline", "ratio", "ratio_ci_low", "ratio_ci_high"]),
        df["label"].tolist(),
        "time ratio vs baseline (>1 = slower; log scale)",
    )
    chart.notes.append(
        "Ratio of median step times against the cell's baseline contender, with a bootstrap 95% CI; "
        "the grey band is ±5% ('same within ±5%'). Stars: the dynamic-shape workload (W3). Log scale, "
        "always, so 2x slower and 2x faster sit equally far from 1."
    )
    return chart


SPECS = [
    ChartSpec(
        "speed-step-time", "Measured time per step", (), step_time, BENCH, view="speed", query=_query, time_series=False
    ),
    ChartSpec(
        "speed-ratios",
        "Speed ratios with 95% confidence intervals",
        (),
        ratios,
        BENCH,
        view="speed",
        query=_query,
        time_series=False,
    ),
]
