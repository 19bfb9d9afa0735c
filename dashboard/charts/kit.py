"""The shared drawing of the domain chart modules: captions, ChartOptions' transforms, the line-chart workhorse.

Pure DataFrame -> figure code on the types of :mod:`fwpulse.dashboard.charts.spec`: :func:`line_chart` (one line
per framework for a metric), :func:`multi_line_chart` (several metrics, dash = metric), :func:`line_spec` (the
whole spec of a one-metric chart), :func:`finish` (style, plotted rows and caption of a chart drawn by hand),
:func:`release_markers`. The list of charts is :mod:`fwpulse.dashboard.charts.registry` (``registry.CHARTS``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from fwpulse.dashboard.charts import axes, breaks, quality
from fwpulse.dashboard.charts.spec import DATA_COLUMNS, Chart, ChartOptions, ChartSpec
from fwpulse.data import catalog, read

# Every dashboard figure is drawn on plotly_white. As the process's default template plotly gives it to each new
# figure without validating it again; named in each figure's layout it cost about 8 ms a figure (a third of
# drawing a simple chart). The article export sets its own template (dashboard/export/theme.py).
pio.templates.default = "plotly_white"


def for_dark_page(fig: go.Figure) -> go.Figure:
    """The figure restyled for Streamlit's dark page (the dashboard draws figures as built, ``theme=None``):
    plotly_dark with a transparent background. The light page gets the default, plotly_white, which also reads
    on a dark page while Streamlit does not know the page's theme yet (a session's first run)."""
    return fig.update_layout(template="plotly_dark", paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)")


def caption_for(df: pd.DataFrame, options: ChartOptions | None = None) -> tuple[str, list[str], dt.date | None]:
    """Caption 'Source: S (method, method); T (method) · data as of ...', the distinct sources, and the as-of date.

    Each source is named once, each of its methods once (a source with more than three: the first and
    how many more, all of them in the CSV)."""
    if df.empty:
        return "", [], None
    methods: dict[str, list[str]] = {}
    for source, method in zip(df["source"], df["method"]):
        if isinstance(source, str):
            seen = methods.setdefault(source, [])
            if isinstance(method, str):
                # 'S (S monthly snapshot: ...)' reads as 'S (monthly snapshot: ...)'
                method = method[len(source) :].lstrip(" :-") if method.startswith(source + " ") else method
                if method not in seen:
                    seen.append(method)
    parts = []
    for source, ms in methods.items():
        shown = "; ".join(ms) if len(ms) <= 3 else f"{ms[0]} and {len(ms) - 1} more methods, see CSV"
        parts.append(f"{source} ({shown})" if shown else source)
    as_of = pd.to_datetime(df["date"]).max().date()
    text = f"Source: {'; '.join(parts)} · data as of {as_of}"
    if options is not None and options.describe():
        text += f" · shown {options.describe()}"
    return text, list(methods), as_of


def transform(df: pd.DataFrame, options: ChartOptions) -> pd.DataFrame:
    """Apply smoothing, index/share and alignment to a long (framework, date, value) frame.

    Keeps the stored figure in ``raw_value``; ``value`` is what is plotted and ``x`` the x axis.
    """
    out = df.sort_values(["framework", "date"]).copy()
    out["raw_value"] = out["value"]
    if out.empty:
        out["x"] = out["date"]
        return out
    if options.smoothing > 1:  # within one counting method: a mean never mixes two
        out["value"] = out.groupby(["framework", "metric", breaks.method_key(out)], sort=False)["value"].transform(
            lambda s: s.rolling(options.smoothing, min_periods=1, center=True).mean()
        )
    if options.mode == "index":
        for _, g in out.groupby(["framework", "metric"], sort=False):
            out.loc[g.index, "value"] = breaks.spliced_index(g)
    elif options.mode == "share":
        # Sources sample frameworks on different days, so shares are taken per calendar month,
        # from each framework's last value in that month.
        out["_month"] = pd.to_datetime(out["date"]).dt.to_period("M")
        out = out.groupby(["framework", "metric", "_month"], sort=False).tail(1).copy()
        total = out.groupby(["metric", "_month"])["value"].transform("sum")
        out["value"] = (out["value"] / total * 100.0).where(total != 0)
        out = out.drop(columns="_month")
    if options.align:
        start = out.groupby("framework")["date"].transform("min")
        out["x"] = (pd.to_datetime(out["date"]) - pd.to_datetime(start)).dt.days / 365.25
    else:
        out["x"] = out["date"]
    return out


def legend_order(names: dict[str, str]) -> dict[str, int]:
    return {fid: i for i, fid in enumerate(names)}  # registry order, so legends read the same everywhere


def legend_rows(fig: go.Figure, width: int = 700) -> int:
    """Rows a horizontal legend takes on a chart ``width`` px wide (about 7 px a character, 40 for the key)."""
    rows, used = 0, width
    for t in fig.data:
        if not t.name or t.showlegend is False:
            continue
        w = 7 * len(t.name) + 40
        if used + w > width:
            rows, used = rows + 1, 0
        used += w
    return rows


def _style(fig: go.Figure, spec: ChartSpec, options: ChartOptions, y_title: str) -> None:
    if options.mode == "index":
        y_title = "index (first = 100)"
    elif options.mode == "share":
        y_title = "% of selected total"
    fig.update_layout(
        title=spec.title,
        yaxis_title=y_title,
        xaxis_title="years since first data point" if options.align else None,
        hovermode="x unified",
        # below the plot, and below the x title when there is one (aligned charts)
        legend={"orientation": "h", "y": -0.28 if options.align else -0.15, "yanchor": "top"},
        margin={"t": 60, "b": 40, "l": 60, "r": 20},
    )
    # labels stand off their axes, so the corner's first x and lowest y labels do not touch
    fig.update_xaxes(ticklabelstandoff=4)
    fig.update_yaxes(ticklabelstandoff=4)
    rows = legend_rows(fig)
    if rows > 1:  # room below the plot for every legend row: none may fall off the figure
        fig.update_layout(height=450 + 24 * rows, margin_b=60 + 24 * rows)
    if options.log:
        fig.update_yaxes(type="log")
        axes.on_log_axis(fig)
    else:
        fig.update_yaxes(nticks=8)  # plotly's own choice left two labels (0, 50M) on a short axis


def line_chart(
    spec: ChartSpec,
    values: pd.DataFrame,
    options: ChartOptions,
    names: dict[str, str],
    colors: dict[str, str],
    metric: str,
    markers: pd.DataFrame | None = None,
    marker_label: str = "",
    vlines: list[tuple[str, str]] = (),
    events: pd.DataFrame | None = None,
) -> Chart:
    """One line per framework for ``metric``, with ChartOptions applied; the workhorse of most charts."""
    order = legend_order(names)
    df = values[values["metric"] == metric]
    if df.empty:
        return Chart(spec, None, df, "", empty_reason=f"No {catalog.metric(metric).label} data yet.")
    df = transform(quality.with_quality(df), options)
    df = df.sort_values(["framework", "date"], key=lambda c: c.map(order) if c.name == "framework" else c)
    m = catalog.metric(metric)
    fig = go.Figure()
    fmt = ":,.1f" if options.mode != "absolute" or options.smoothing > 1 else ":,.0f"
    xfmt = "%{x:.1f} y" if options.align else "%{x|%Y-%m-%d}"
    kinds: set[str] = set()
    connectors: list[dict] = []
    for fid, g in df.groupby("framework", sort=False):
        # One line per counting method; runs of equal quality; a series with one or two points gets markers
        # (a line alone would be invisible).
        hover = xfmt + ": %{y" + fmt + "}"
        kinds |= breaks.method_lines(fig, g, names.get(fid, fid), colors.get(fid), hover, shapes=connectors)
    quality.add_shapes(fig, connectors)
    plotted, notes = [df], []
    if markers is not None and not markers.empty and options.mode == "absolute" and not options.align:
        mk = quality.with_quality(markers)
        for fid, g in mk.groupby("framework", sort=False):
            quality.figure_marks(fig, g, f"{names.get(fid, fid)}: {marker_label}", colors.get(fid), marker_label, 13)
        mk["raw_value"], mk["x"] = mk["value"], mk["date"]
        plotted.append(mk)
    changes = None
    if not options.align:
        changes = breaks.method_breaks(df)
        notes.append(breaks.draw_breaks(fig, changes, names, list(df["framework"].unique()), df["date"]))
        for i, (date, label) in enumerate(vlines):
            breaks.vline_label(fig, date, label, i)
        if events is not None and not events.empty:
            for fid, g in events.groupby("framework", sort=False):
                fig.add_trace(
                    go.Scatter(
                        x=pd.to_datetime(g["date"]),
                        y=[None] * len(g),
                        mode="markers",
                        showlegend=False,
                        name=f"{names.get(fid, fid)} releases",
                        hoverinfo="skip",
                    )
                )
                lines = [
                    {"type": "line", "xref": "x", "yref": "paper", "x0": d, "x1": d, "y0": 0, "y1": 1,
                     "line": {"width": 1, "dash": "dot", "color": colors.get(fid, "grey")}, "opacity": 0.5}
                    for d in pd.to_datetime(g["date"])
                ]  # fmt: skip
                quality.add_shapes(fig, lines)
    quality.legend_key(fig, kinds)
    stale = quality.stale_marks(fig, df, names)
    _style(fig, spec, options, m.unit)
    data = pd.concat(plotted, ignore_index=True)
    data["unit"] = plotted_unit(m.unit, options)
    data = data[[c for c in DATA_COLUMNS if c in data.columns]]
    text, sources, as_of = caption_for(data, options)
    notes = [n for n in [quality.quality_note(kinds), *stale, *notes] if n]
    chart = Chart(spec, fig, data, text, notes=notes, sources=sources, as_of=as_of)
    if len(plotted) == 1:  # its rows are exactly the series' rows: the render and the caveat need not look again
        chart.breaks = changes
    return chart


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
        data["unit"] = plotted_unit(unit, options)
    data = data[[c for c in DATA_COLUMNS if c in data.columns]]
    text, sources, as_of = caption_for(data, options if time_series else None)
    return Chart(spec, fig, data, text, sources=sources, as_of=as_of)


def every_value(con, spec, options) -> pd.DataFrame:
    """A spec's query for series never thinned (monthly or yearly counts): every stored value of its metrics
    in the date range."""
    return read.read_values(con, options.frameworks or None, spec.metrics, options.start, options.end, thin=False)[0]


def plotted_unit(unit: str, options) -> str:
    """The unit of the plotted values: the metric's own, or ``index`` / ``%`` under those modes."""
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
    plotted, connectors = [], []
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
                shapes=connectors,
            )
            g = g.sort_values("date").copy()
            g["unit"] = plotted_unit(unit, options)
            plotted.append(g)
    quality.add_shapes(fig, connectors)
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
