"""Speed view charts: measured ms/step and ratios with 95% CIs from ``bench_results``.

Rows from :mod:`fwpulse.dashboard.charts.speed_rows`: only the newest bench run per device (and device model) is
plotted; older runs stay in the table. Results are dots on a log axis (a bar's length means nothing there).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts.spec import Chart, ChartSpec, caption_for
from fwpulse.dashboard.charts.speed_rows import DYNAMIC, bench_results, plot_data, plot_rows, shared_settings

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
        marker=lambda g: {
            "size": [13 if w == DYNAMIC else 9 for w in g["workload"]],
            "symbol": ["star" if w == DYNAMIC else "circle" for w in g["workload"]],
            "line": {"color": "black", "width": 1},
        },
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
