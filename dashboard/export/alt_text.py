"""Alt text for charts: one sentence on the chart's finding, computed from ``chart.data`` (exactly the plotted rows).

Which series is highest at the latest date and by how much. A flagged value (partial period, bound,
approximate, synthetic: :data:`fwpulse.data.quality.NOT_FINAL`) is never stated as a final figure: each
series' statement uses its newest final value, and the sentence names any newer flagged one with its
kind. A series that ends much earlier than the others is named with its end date and the reason.
Used by `fwpulse export` (the .alt.txt files, the manifest, the HTML aria-label) and the dashboard.
"""

from __future__ import annotations

import math

import pandas as pd

from fwpulse.dashboard.charts.spec import DATA_COLUMNS
from fwpulse.dashboard.export.layout import strip_tags
from fwpulse.dashboard.export.theme import chart_title
from fwpulse.data import catalog
from fwpulse.data.quality import OK, STALE_DAYS, details_dict, is_final, quality_of

STALE_DAYS = STALE_DAYS  # a series whose last point is older than this (vs the newest) is "ended"


def _fmt(value: float, mode: str, unit: str = "") -> str:
    if mode == "share":
        return f"{value:.1f}%"
    if mode == "index":
        return f"{value:,.0f}"
    if abs(value) >= 1e9:
        text = f"{value / 1e9:.1f} billion"
    elif abs(value) >= 1e6:
        text = f"{value / 1e6:.1f} million"
    elif abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def _date(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        return str(pd.Timestamp(value).date())
    except (ValueError, TypeError):
        return str(value)


def _infer_mode(df: pd.DataFrame) -> str:
    units = set(df["unit"].dropna()) if "unit" in df.columns else set()
    if units == {"index"}:
        return "index"
    if units == {"%"}:
        return "share"
    return "absolute"


def _alt_from_figure(title: str, chart) -> str:
    """Fallback for charts whose data has no (framework, value) columns: the extremes of the drawn values
    (y, or x for horizontal traces)."""
    points = []
    horizontal = False
    for trace in chart.figure.data if chart.figure is not None else []:
        ys, xs = getattr(trace, "y", None), getattr(trace, "x", None)
        if getattr(trace, "orientation", None) == "h":  # values on x, labels on y (the speed charts)
            ys, xs, horizontal = xs, ys, True
        if ys is None:
            continue
        for i, y in enumerate(ys):
            if isinstance(y, (int, float)) and not isinstance(y, bool) and math.isfinite(y):
                x = ""
                if xs is not None and len(xs):
                    x = " · ".join(str(level[i]) for level in xs) if isinstance(xs[0], (list, tuple)) else str(xs[i])
                points.append((float(y), trace.name or "", strip_tags(x)))
    if not points:
        return f"{title}: no plotted values."
    axis = chart.figure.layout.xaxis if horizontal else chart.figure.layout.yaxis
    unit = strip_tags(axis.title.text or "")
    unit = f" ({unit})" if unit else ""
    hi, lo = max(points), min(points)
    what = lambda p: f"{p[1]}{f' ({p[2]})' if p[2] else ''} at {_fmt(p[0], 'absolute')}"  # noqa: E731
    if len(points) == 1:
        return f"{title}: one value{unit}, {what(hi)}."
    return f"{title}: {len(points)} values{unit}; the largest is {what(hi)}, the smallest {what(lo)}."


# The columns every plotted row has (the CSV adds quality_reason); a chart's own columns are the others.
STANDARD_COLUMNS = {*DATA_COLUMNS, "quality_reason"}


def _alt_categorical(title: str, df: pd.DataFrame, names: dict[str, str], mode: str) -> str:
    """Bar-type charts (claims, workloads ...): the largest and smallest plotted values, with their labels."""
    d = df.dropna(subset=["value"])
    if d.empty:
        return f"{title}: no plotted values."
    dims = [
        c
        for c in d.columns
        if c not in STANDARD_COLUMNS and (d[c].dtype == object or pd.api.types.is_string_dtype(d[c]))
    ][:2]

    def describe(row) -> str:
        extra = ", ".join(strip_tags(str(row[c])).replace("\n", " ") for c in dims if pd.notna(row[c]))
        who = names.get(row["framework"], row["framework"])
        unit = str(row["unit"]) if "unit" in d.columns and pd.notna(row["unit"]) else ""
        return f"{who}{f' ({extra})' if extra else ''} at {_fmt(float(row['value']), mode, unit)}"

    hi, lo = d.loc[d["value"].idxmax()], d.loc[d["value"].idxmin()]
    frameworks = ", ".join(names.get(f, f) for f in dict.fromkeys(d["framework"]))
    if len(d) == 1:
        return f"{title}: one value, {describe(hi)}."
    return f"{title}: {len(d)} values for {frameworks}; the largest is {describe(hi)}, the smallest {describe(lo)}."


def alt_text(chart, options=None, names: dict[str, str] | None = None) -> str:
    """One sentence on the chart's finding from the plotted data (leader at the latest date, by how much),
    then the caveat the image carries (:mod:`fwpulse.dashboard.charts.caveats`), so both say the same."""
    sentence = _finding(chart, options, names)
    caveat = getattr(chart, "caveat", "")
    df = chart.data
    flagged = df is not None and "quality" in df.columns and not all(is_final(q) for q in df["quality"])
    return f"{sentence} Caveat{' (values not final)' if flagged else ''}: {caveat}." if caveat else sentence


def _finding(chart, options=None, names: dict[str, str] | None = None) -> str:
    """One sentence on the chart's finding from the plotted data (leader at the latest date, by how much)."""
    title = chart_title(chart)
    df = chart.data
    names = names or {}
    if df is None or df.empty or "value" not in df.columns or "framework" not in df.columns:
        return _alt_from_figure(title, chart)
    mode = options.mode if options is not None else _infer_mode(df)
    if not getattr(chart.spec, "time_series", True):
        return _alt_categorical(title, df, names, "absolute")  # ChartOptions' modes apply to time series only
    d = df
    if "metric" in d.columns:  # the chart's own series, not extra markers (e.g. an article's figures)
        primary = next((m for m in chart.spec.metrics if m in set(d["metric"])), None)
        if primary is not None:
            d = d[d["metric"] == primary]
    d = d.dropna(subset=["value"])
    if d.empty:
        return f"{title}: no plotted values."
    label = lambda fid: catalog.series_name(fid, names)  # noqa: E731
    has_date = "date" in d.columns and d["date"].notna().any()
    if has_date:
        d = d.assign(at_=pd.to_datetime(d["date"])).sort_values("at_", kind="stable")
    d = d.assign(quality=[quality_of(q) for q in d["quality"]] if "quality" in d.columns else OK)
    newest = d.groupby("framework", sort=False).tail(1)
    final = d[[is_final(q) for q in d["quality"]]]
    last = final.groupby("framework", sort=False).tail(1)
    flagged = _flagged_note(newest, label, mode)
    if last.empty:
        return f"{title}: no final values plotted yet ({flagged})."
    unit = str(last["unit"].iloc[0]) if "unit" in last.columns and last["unit"].nunique() == 1 else ""
    ended = []
    if has_date:
        newest = last["at_"].max()
        current = last[last["at_"] >= newest - pd.Timedelta(days=STALE_DAYS)]
        ended = [
            f"{label(r.framework)}'s series ends {_date(r.at_)}{_why_ended(r)}"
            for r in last.itertuples()
            if r.at_ < newest - pd.Timedelta(days=STALE_DAYS)
        ]
        when = _date(newest)
    else:
        current, when = last, _date(chart.as_of)
    current = current.sort_values("value", ascending=False, kind="stable")
    lead = current.iloc[0]
    # When a newest plotted value is not final, the statement is about each series' newest final one.
    at = (
        f" on the newest final figures{f' (up to {when})' if when else ''}"
        if flagged
        else f" at the latest date{f' ({when})' if when else ''}"
    )
    tail = f" ({'; '.join([*ended, flagged] if flagged else ended)})" if ended or flagged else ""
    if len(current) == 1:
        others = "" if len(last) == 1 else " of the series still current"
        return (
            f"{title}: {label(lead.framework)} stands at {_fmt(lead.value, mode, unit)}{at}"
            f"{' (the only framework shown)' if len(last) == 1 else others}{tail}."
        )
    second = current.iloc[1]
    a, b = float(lead.value), float(second.value)
    if mode == "share":
        gap = f"{a - b:.1f} percentage points ahead of {label(second.framework)} ({_fmt(b, mode)})"
        return (
            f"{title}: {label(lead.framework)} has the largest share of the selected frameworks' total"
            f"{at}, {_fmt(a, mode)}, {gap}{tail}."
        )
    if mode == "index":
        growth = f"{a / 100:,.1f} times its first value" if a >= 100 else f"{100 - a:.0f}% below its first value"
        return (
            f"{title}: indexed to 100 at each series' first point, {label(lead.framework)} is highest"
            f"{at} at {_fmt(a, mode)} ({growth}), against {_fmt(b, mode)} for "
            f"{label(second.framework)}{tail}."
        )
    if b > 0 and a / b >= 1.5:
        by = f"{a / b:.1f} times {label(second.framework)}'s {_fmt(b, mode, unit)}"
    elif b > 0:
        by = f"{(a / b - 1) * 100:.0f}% more than {label(second.framework)}'s {_fmt(b, mode, unit)}"
    else:
        by = f"ahead of {label(second.framework)} at {_fmt(b, mode, unit)}"
    return f"{title}: {label(lead.framework)} leads{at} with {_fmt(a, mode, unit)}, {by}{tail}."


def _why_ended(row) -> str:
    det = details_dict(getattr(row, "details", None))
    said = det.get("stale_reason") or det.get("reason")
    return f": {said}" if said else ""


def _flagged_note(newest: pd.DataFrame, label, mode: str) -> str:
    """'JAX's 2026-08-01 value (115) is a partial period, not final' for each series whose newest plotted
    row is flagged; '' when none is."""
    parts = []
    for r in newest.itertuples():
        if is_final(r.quality):
            continue
        unit = str(r.unit) if hasattr(r, "unit") and isinstance(r.unit, str) else ""
        when = _date(r.at_) if hasattr(r, "at_") else ""
        parts.append(
            f"{label(r.framework)}'s {when + ' ' if when else ''}value ({_fmt(float(r.value), mode, unit)}) "
            f"is {r.quality.replace('_', ' ')}, not final"
        )
    return "; ".join(parts)
