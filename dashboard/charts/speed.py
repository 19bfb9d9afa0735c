"""The Speed view: the rows its charts plot (newest bench run per machine) and its two charts, ms/step and ratios.

Rows come from :func:`fwpulse.data.bench_store.results` (the contract shared with ``fwpulse bench``): only the
newest bench run per device (and device model) is plotted; older runs stay in the table. Labels carry only
what varies between rows (the settings every row shares are said once, in the chart's note and caveat), and
rows sort by their numbers (n=256 before n=1024). Results are dots on a log axis (a bar's length means
nothing there).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts.kit import caption_for
from fwpulse.dashboard.charts.spec import Chart, ChartSpec

# ------------------------------------------------------------------------------ the rows

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


# ------------------------------------------------------------------------------ the charts

BENCH = "fwpulse bench --suite smoke"
ROW_PX = 22  # height per result row: the charts are horizontal, one row per (cell, contender)


def _query(con, spec, options) -> pd.DataFrame:
    return bench_results(con, options.frameworks or None)


def _finish(spec, fig, data, labels, x_title):
    """Horizontal layout: one labelled row per result (54 in the smoke suite), log x axis always
    (step times span three orders of magnitude; ratios are symmetric around 1 on a log axis)."""
    fig.update_layout(
        title=spec.title,
        xaxis_title=x_title,
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
    text, sources, as_of = caption_for(data)
    return Chart(spec, fig, data, text, sources=sources, as_of=as_of)


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


def _say_shared(chart, df: pd.DataFrame) -> None:
    shared = shared_settings(df)
    if shared:
        chart.notes.append(f"Every row here is {shared} (tier/precision/device); the row labels leave it out.")


def step_time(spec, inputs, options, names, colors):
    df = plot_rows(inputs.values, "step_ms_p50")
    if df.empty:
        return Chart(spec, None, pd.DataFrame(), "", empty_reason="No benchmark results yet.")
    fig = go.Figure()
    _row_traces(  # dots, not bars: on a log axis a bar's length means nothing
        fig,
        df,
        names,
        colors,
        go.Scatter,
        "step_ms_p50",
        ("step_ms_p90", None),
        marker=_workload_marker(9),
        custom=lambda g: g[["mode", "device_name"]].fillna("").to_numpy(),
        hover="%{y}: %{x:,.3g} ms/step (p50; bar to p90)<br>mode %{customdata[0]} · %{customdata[1]}",
        mode="markers",
    )
    chart = _finish(
        spec,
        fig,
        plot_data(df, ["step_ms_p50", "step_ms_p90", "step_ms_p99", "samples_per_s", "cv"]),
        df["label"].tolist(),
        "ms per step (median, bar to p90, log)",
    )
    _say_shared(chart, df)
    chart.notes.append(
        "Stars: the dynamic-shape workload (W3), where compilers re-trace on new shapes. Further left is "
        "faster; the error bar reaches the 90th percentile. Eager and compiled modes are separate contenders "
        "(e.g. torch-eager vs torch-compile). Log scale, always: step times span three orders of magnitude, "
        "so results are dots, not bars."
    )
    return chart


def _workload_marker(size: int):
    """Each row's marker: a star for the dynamic-shape workload (4 px larger), a circle for the others."""
    return lambda g: {
        "size": [size + 4 if w == DYNAMIC else size for w in g["workload"]],
        "symbol": ["star" if w == DYNAMIC else "circle" for w in g["workload"]],
        "line": {"color": "black", "width": 1},
    }


def ratios(spec, inputs, options, names, colors):
    df = plot_rows(inputs.values, "ratio")
    if df.empty:
        return Chart(spec, None, pd.DataFrame(), "", empty_reason="No benchmark ratios yet.")
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
        marker=_workload_marker(10),
        custom=lambda g: g[["baseline", "verdict"]].fillna("(baseline)").to_numpy(),
        hover="%{y}: %{x:.3f}x %{customdata[0]} (95% CI bar) · %{customdata[1]}",
        mode="markers",
    )
    chart = _finish(
        spec,
        fig,
        plot_data(df, ["baseline", "ratio", "ratio_ci_low", "ratio_ci_high"]),
        df["label"].tolist(),
        "time vs baseline (>1 slower, log)",
    )
    _say_shared(chart, df)
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
