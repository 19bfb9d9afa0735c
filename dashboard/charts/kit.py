"""Helpers shared by the domain chart modules of :mod:`fwpulse.dashboard.charts`: pure DataFrame -> figure code.

Built on the chart core (:mod:`fwpulse.dashboard.charts.spec`); the list of charts is
:mod:`fwpulse.dashboard.charts.registry` (``registry.CHARTS``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts import breaks, quality
from fwpulse.dashboard.charts.spec import (
    DATA_COLUMNS,
    Chart,
    ChartSpec,
    _style,
    caption_for,
    legend_order,
    line_chart,
    transform,
)
from fwpulse.data import catalog, read


def finish(
    spec,
    fig: go.Figure,
    plotted: list[pd.DataFrame],
    options,
    unit: str,
    y_title: str | None = None,
    time_series: bool = True,
) -> Chart:
    """Style the figure, assemble exactly the plotted rows and the caption."""
    if time_series:
        _style(fig, spec, options, y_title or unit)
    data = (
        pd.concat([p for p in plotted if not p.empty], ignore_index=True)
        if any(not p.empty for p in plotted)
        else pd.DataFrame(columns=DATA_COLUMNS)
    )
    if "unit" not in data.columns:
        data["unit"] = _unit(unit, options)
    data = data[[c for c in DATA_COLUMNS if c in data.columns]]
    text, sources, as_of = caption_for(data, options if time_series else None)
    return Chart(spec, fig, data, text, sources=sources, as_of=as_of)


def every_value(con, spec, options) -> pd.DataFrame:
    """A spec's query for series never thinned (monthly or yearly counts): every stored value of its metrics
    in the date range."""
    return read.read_values(con, options.frameworks or None, spec.metrics, options.start, options.end, thin=False)[0]


def _unit(unit: str, options) -> str:
    return unit if options.mode == "absolute" else ("index" if options.mode == "index" else "%")


def empty(spec, metrics, what: str | None = None) -> Chart:
    labels = what or " / ".join(catalog.metric(m).label for m in metrics)
    return Chart(spec, None, pd.DataFrame(columns=DATA_COLUMNS), "", empty_reason=f"No {labels} data yet.")


def one_line(metric: str, note: str | None = None):
    """The builder of a chart that is ``metric``'s line per framework, with ``note`` added when it draws."""

    def builder(spec, inputs, options, names, colors):
        chart = line_chart(spec, inputs.values, options, names, colors, metric)
        if note and chart.figure is not None:
            chart.notes.append(note)
        return chart

    builder.__name__ = metric.replace(".", "_")
    return builder


def line_spec(
    chart_id: str,
    title: str,
    metric: str,
    fill_hint: str,
    view: str,
    note: str | None = None,
    collapses: tuple[str, ...] = (),
):
    """The spec of a chart that is one metric's line per framework (:func:`one_line`); ``collapses``: the
    per-period metrics whose volume collapses the chart marks (:attr:`ChartSpec.collapses`)."""
    return ChartSpec(chart_id, title, (metric,), one_line(metric, note), fill_hint, view=view, collapses=collapses)


def multi_line_chart(
    spec,
    values: pd.DataFrame,
    options,
    names: dict[str, str],
    colors: dict[str, str],
    series: list[tuple[str, str, str]],
    y_title: str,
    markers: pd.DataFrame | None = None,
    marker_label: str = "",
) -> Chart:
    """Several metrics per framework on one chart: ``series`` is (metric, line dash, legend suffix).

    Colour = framework (registry colour), dash = metric, so the same framework reads the same everywhere.
    """
    metrics = [m for m, _, _ in series]
    df = values[values["metric"].isin(metrics)]
    if df.empty:
        return empty(spec, metrics)
    order = legend_order(names)
    df = transform(quality.with_quality(df), options)
    fig = go.Figure()
    kinds: set[str] = set()
    xfmt = "%{x:.1f} y" if options.align else "%{x|%Y-%m-%d}"
    fmt = ":,.1f" if options.mode != "absolute" or options.smoothing > 1 else ":,.0f"
    plotted = []
    for metric, dash, suffix in series:
        part = df[df["metric"] == metric]
        unit = catalog.metric(metric).unit
        for fid in sorted(part["framework"].unique(), key=lambda f: order.get(f, 999)):
            g = part[part["framework"] == fid]
            label = f"{names.get(fid, fid)} · {suffix}"
            kinds |= breaks.method_lines(
                fig,
                g.sort_values("date"),
                label,
                colors.get(fid),
                xfmt + ": %{y" + fmt + "}",
                dash,
                each_in_legend=False,
                width=2.2,
                legendgroup=fid,
            )
            g = g.sort_values("date").copy()
            g["unit"] = _unit(unit, options)
            plotted.append(g)
    if markers is not None and not markers.empty and options.mode == "absolute" and not options.align:
        for fid in sorted(markers["framework"].unique(), key=lambda f: order.get(f, 999)):
            g = quality.with_quality(markers[markers["framework"] == fid])
            quality.figure_marks(
                fig, g, f"{names.get(fid, fid)}: {marker_label}", colors.get(fid), marker_label, 12, fid
            )
            g["raw_value"], g["x"] = g["value"], g["date"]
            g["unit"] = catalog.metric(g["metric"].iloc[0]).unit
            plotted.append(g)
    quality.legend_key(fig, kinds)
    stale = quality.stale_marks(fig, df, names)
    chart = finish(spec, fig, plotted, options, "", y_title)
    changes = None if options.align else breaks.mark_method_changes(fig, df, names)
    chart.notes += [n for n in [quality.quality_note(kinds), *stale, changes] if n]
    return chart


def release_markers(
    fig: go.Figure,
    plotted: pd.DataFrame,
    events: pd.DataFrame,
    names: dict[str, str],
    colors: dict[str, str],
    major_only: bool = True,
) -> pd.DataFrame:
    """Mark releases on each framework's line (hover names the release); returns the marker rows.

    A release's y is the line's value interpolated at the release date; releases outside the
    plotted line's dates are skipped. With ``major_only``, a framework's major releases are drawn
    when it has any flagged, else its x.y.0 releases (a patch every few weeks would hide the line).
    """
    if events is None or events.empty or plotted.empty:
        return pd.DataFrame(columns=DATA_COLUMNS)
    rows = []
    for fid, g in events.groupby("framework", sort=False):
        if major_only:
            major = g["is_major"].fillna(False).astype(bool) if "is_major" in g.columns else g["label"].isna()
            minor = g["label"].astype(str).str.contains(r"(?<![\d.])\d+\.\d+(?:\.0)?$", regex=True)
            g = g[major] if major.any() else (g[minor] if minor.any() else g)
        line = plotted[plotted["framework"] == fid].sort_values("date")
        if line.empty:
            continue
        xs = pd.to_datetime(line["date"]).astype("datetime64[ns]").astype("int64").to_numpy()
        evd = pd.to_datetime(g["date"]).astype("datetime64[ns]")
        inside = (evd.astype("int64") >= xs.min()) & (evd.astype("int64") <= xs.max())
        g = g[inside.to_numpy()]
        if g.empty:
            continue
        y = np.interp(
            pd.to_datetime(g["date"]).astype("datetime64[ns]").astype("int64").to_numpy(),
            xs,
            line["value"].to_numpy(dtype=float),
        )
        name = names.get(fid, fid)
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(g["date"]),
                y=y,
                mode="markers",
                name=f"{name} releases",
                legendgroup=fid,
                marker={
                    "color": colors.get(fid),
                    "size": 9,
                    "symbol": "triangle-up",
                    "line": {"color": "black", "width": 1},
                },
                text=[f"{name} {lab}" for lab in g["label"]],
                hovertemplate="%{text} (%{x|%Y-%m-%d})<extra></extra>",
            )
        )
        rows.append(
            pd.DataFrame(
                {
                    "framework": fid,
                    "metric": "release",
                    "date": pd.to_datetime(g["date"]).to_numpy(),
                    "x": pd.to_datetime(g["date"]).to_numpy(),
                    "value": y,
                    "raw_value": np.nan,
                    "unit": "release",
                    "source": g["source"].to_numpy(),
                    "method": g["method"].to_numpy(),
                    "source_url": g.get("source_url", pd.Series([None] * len(g))).to_numpy(),
                    "note": g["label"].to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=DATA_COLUMNS)
