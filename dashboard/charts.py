"""Chart registry: each chart is a pure function from store rows to a Plotly figure.

``build(chart_id, values, releases, names, colors)`` returns a :class:`Chart` holding the
figure, exactly the plotted data (for CSV download/export) and a caption naming source,
method and "data as of". The dashboard views and (later) `fwpulse export` share these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from fwpulse.data import catalog


@dataclass(frozen=True)
class ChartSpec:
    id: str
    title: str
    metrics: tuple[str, ...]          # what the chart reads from metric_values
    builder: Callable[..., "Chart"]
    fill_hint: str                    # command that fills it when empty


@dataclass
class Chart:
    spec: ChartSpec
    figure: go.Figure | None
    data: pd.DataFrame                # exactly the plotted rows
    caption: str
    empty_reason: str | None = None
    notes: list[str] = field(default_factory=list)


def _caption(df: pd.DataFrame) -> str:
    if df.empty:
        return ""
    parts = []
    for (source, method), g in df.groupby(["source", "method"], sort=False):
        parts.append(f"{source} ({method})")
    uniq = list(dict.fromkeys(parts))
    shown = uniq[:3] + ([f"and {len(uniq) - 3} more methods (see CSV)"] if len(uniq) > 3 else [])
    as_of = pd.to_datetime(df["date"]).max().date()
    return f"Source: {'; '.join(shown)} · data as of {as_of}"


def _line_chart(spec: ChartSpec, values: pd.DataFrame, names: dict[str, str], colors: dict[str, str],
                metric: str, markers: pd.DataFrame | None = None, marker_label: str = "",
                vlines: list[tuple[str, str]] = ()) -> Chart:
    order = {fid: i for i, fid in enumerate(names)}  # registry order, so legends read the same everywhere
    df = values[values["metric"] == metric].sort_values(["framework", "date"], key=lambda c: c.map(order) if c.name == "framework" else c)
    if df.empty:
        return Chart(spec, None, df, "", empty_reason=f"No {catalog.metric(metric).label} data yet.")
    m = catalog.metric(metric)
    fig = go.Figure()
    for fid, g in df.groupby("framework", sort=False):
        fig.add_trace(go.Scatter(x=g["date"], y=g["value"], mode="lines", name=names.get(fid, fid),
                                 line={"color": colors.get(fid), "width": 2.5},
                                 hovertemplate="%{x|%Y-%m-%d}: %{y:,.0f}<extra>" + names.get(fid, fid) + "</extra>"))
    plotted = [df]
    if markers is not None and not markers.empty:
        for fid, g in markers.groupby("framework", sort=False):
            fig.add_trace(go.Scatter(
                x=g["date"], y=g["value"], mode="markers+text", name=f"{names.get(fid, fid)}: {marker_label}",
                marker={"color": colors.get(fid), "size": 13, "symbol": "diamond", "line": {"color": "black", "width": 1}},
                text=[f"{v:,.0f}" for v in g["value"]], textposition="top center",
                hovertemplate="%{x|%Y-%m-%d}: %{y:,.0f} (" + marker_label + ")<extra></extra>"))
        plotted.append(markers)
    for i, (date, label) in enumerate(vlines):
        fig.add_vline(x=pd.Timestamp(date).timestamp() * 1000, line_dash="dot", line_color="grey")
        fig.add_annotation(x=date, y=1 - 0.07 * i, yref="paper", text=label, showarrow=False, xanchor="left",
                           font={"size": 11, "color": "grey"})
    fig.update_layout(title=spec.title, yaxis_title=m.unit, xaxis_title=None, hovermode="x unified",
                      legend={"orientation": "h", "y": -0.15}, margin={"t": 60, "b": 40, "l": 60, "r": 20},
                      template="plotly_white")
    data = pd.concat(plotted, ignore_index=True)
    return Chart(spec, fig, data, _caption(data))


def github_stars(spec: ChartSpec, values: pd.DataFrame, names: dict[str, str], colors: dict[str, str]) -> Chart:
    return _line_chart(spec, values, names, colors, "github.stars")


def github_forks(spec: ChartSpec, values: pd.DataFrame, names: dict[str, str], colors: dict[str, str]) -> Chart:
    article = values[(values["metric"] == "manual.github_forks")
                     & values["source"].str.contains("Iflexion", na=False)]
    return _line_chart(spec, values, names, colors, "github.forks", article, "2020 article figure")


def pypi_monthly(spec: ChartSpec, values: pd.DataFrame, names: dict[str, str], colors: dict[str, str]) -> Chart:
    chart = _line_chart(spec, values, names, colors, "pypi.downloads_monthly",
                        vlines=[("2024-12-01", "all installers from here"),
                                ("2025-06-01", "calendar months from here")])
    chart.notes.append("The counting method changed twice (pip-only to all installers in Dec 2024; rolling "
                       "windows of 22-31 days to calendar months from mid-2025): compare across those lines with care.")
    return chart


CHARTS: dict[str, ChartSpec] = {s.id: s for s in [
    ChartSpec("github-stars", "GitHub stars", ("github.stars",), github_stars, "fwpulse refresh --source github"),
    ChartSpec("github-forks", "GitHub forks, with the 2020 article's figures", ("github.forks", "manual.github_forks"),
              github_forks, "fwpulse refresh --source github"),
    ChartSpec("pypi-downloads-monthly", "PyPI downloads per month", ("pypi.downloads_monthly",), pypi_monthly,
              "fwpulse refresh --source pypi"),
]}


def build(chart_id: str, values: pd.DataFrame, names: dict[str, str], colors: dict[str, str]) -> Chart:
    spec = CHARTS[chart_id]
    return spec.builder(spec, values, names, colors)
