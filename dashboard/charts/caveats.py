"""The one line a chart carries inside its image: what changes the reading of the plotted rows.

Generated from ``chart.data`` alone (never written per chart), so the figure on screen, the exported
image's subtitle, the alt text and the manifest all say the same: which values are partial, bounded,
approximate or synthetic (and when), where the counting method changes, which series stop early, and for
speed results the suite and the hardware they were measured on. A reader who copies only the picture
still reads the caveat. Kept short enough for one line of an exported image: past :data:`MAX_CHARS` the
details (method labels, lists of dates) give way to counts, never to a cut sentence.
"""

from __future__ import annotations

import pandas as pd

from fwpulse.dashboard.charts import breaks, drops
from fwpulse.data import catalog
from fwpulse.data.quality import details_dict, quality_of, staleness

MAX_CHARS = 120
FLAG_WORDS = {
    "partial_period": "partial",
    "lower_bound": "lower bounds",
    "upper_bound": "upper bounds",
    "approximate": "approximate",
    "degraded_source": "degraded source",
    "synthetic": "SYNTHETIC",
}


def _when(dates: pd.Series) -> str:
    """Dates at the precision their series has: years, months or days."""
    d = pd.to_datetime(dates)
    if (d.dt.month.eq(1) & d.dt.day.eq(1)).all():
        return "%Y"
    if d.dt.day.eq(1).all():
        return "%Y-%m"
    return "%Y-%m-%d"


def _dates(dates: pd.Series, fmt: str, brief: bool) -> str:
    """'2026-11', '2019-09, 2021-10' or 'from 2025-05' (the flagged dates run to the end), or a count."""
    distinct = sorted(pd.to_datetime(dates).unique())
    if len(distinct) == 1:
        return pd.Timestamp(distinct[0]).strftime(fmt)
    if brief or len(distinct) > 3:
        return f"{len(distinct)} points from {pd.Timestamp(distinct[0]).strftime(fmt)}"
    return ", ".join(pd.Timestamp(d).strftime(fmt) for d in distinct)


def _period(details) -> str | None:
    """'2020 (to 2020-06-12)' from a partial row's ``details.period`` and ``period_end``."""
    d = details_dict(details)
    return f"{d['period']} (to {d['period_end']})" if d.get("period") and d.get("period_end") else None


def _flags(df: pd.DataFrame, brief: bool) -> list[str]:
    if "quality" not in df.columns:
        return []
    quality = df["quality"].map(quality_of)
    fmt = _when(df["date"]) if "date" in df.columns and df["date"].notna().all() else None
    out = []
    for q, word in FLAG_WORDS.items():
        rows = df[quality == q]
        if rows.empty:
            continue
        if fmt is None:
            out.append(f"{word}: {len(rows)} values")
            continue
        periods = [_period(d) for d in rows["details"]] if q == "partial_period" and "details" in rows.columns else []
        if periods and all(periods):  # the row says which period it covers and where its count stops
            out.append(f"{word} {', '.join(dict.fromkeys(periods))}")
            continue
        last = pd.to_datetime(df["date"]).max()
        tail = pd.to_datetime(rows["date"]).min()
        runs_to_end = quality[pd.to_datetime(df["date"]) >= tail].eq(q).all() and rows["date"].nunique() > 3
        when = f"from {tail:{fmt}}" if runs_to_end and tail < last else _dates(rows["date"], fmt, brief)
        out.append(f"{word} {when}")
    return out


def _method_changes(df: pd.DataFrame, names: dict[str, str], brief: bool, changes: list[dict]) -> list[str]:
    if not changes:
        return []
    fmt = _when(df["date"])
    every = set(df["framework"].unique())
    if brief or len(changes) > 2:
        return [f"counting method changes {', '.join(pd.Timestamp(b['date']).strftime(fmt) for b in changes[:4])}"]
    parts = []
    for b in changes:
        who = "" if every <= set(b["frameworks"]) else ", ".join(names.get(f, f) for f in b["frameworks"]) + ": "
        what = b["label"].removesuffix(" from here")
        parts.append(f"{who}{what} from {pd.Timestamp(b['date']).strftime(fmt)}")
    return ["method changes: " + "; ".join(parts)]


def _drops(df: pd.DataFrame, metrics, names: dict[str, str], falls: list | None = None) -> list[str]:
    """'unexplained drops: Keras 2021-07, PyTorch 2021-09' (falls the stored rows do not explain); ``falls``:
    those found already when the chart was drawn."""
    if falls is None:
        falls = drops.level_drops(df, metrics, breaks.method_breaks(df))
    found = [d for d in falls if d["why"] == "unexplained drop"]
    if not found:
        return []
    fmt = _when(df["date"])
    if len(found) > 2:
        return [f"{len(found)} unexplained drops of over 15% (from {min(d['date'] for d in found):{fmt}})"]
    return [
        "unexplained drops: "
        + ", ".join(f"{catalog.series_name(d['framework'], names)} {d['date']:{fmt}}" for d in found)
    ]


def _stale(df: pd.DataFrame, names: dict[str, str]) -> list[str]:
    if "metric" not in df.columns:
        return []
    last = df.sort_values("date").groupby(["framework", "metric"], sort=False).tail(1)
    stale = staleness(last)
    fmt = _when(df["date"])
    return [
        f"{catalog.series_name(r.framework, names)} ends {pd.Timestamp(r.date).strftime(fmt)}"
        for r in stale.itertuples()
        if r.stale
    ]


def _speed(df: pd.DataFrame) -> list[str]:
    """'smoke suite, CPU only: 2-core Intel(R) Xeon(R) Processor' for the results plotted."""
    suites = sorted({s for s in df.get("suite", pd.Series(dtype=object)).dropna()})
    devices = sorted({d for d in df["device"].dropna()})
    names = sorted({n for n in df.get("device_name", pd.Series(dtype=object)).dropna() if n})
    cpus = sorted({int(c) for c in df.get("cpu_count", pd.Series(dtype=object)).dropna()})
    suite = f"{'/'.join(suites)} suite" if suites else "bench results"
    same = [str(df[c].iloc[0]) for c in ("tier", "precision") if c in df.columns and df[c].nunique(dropna=False) == 1]
    every = [f"every row {'/'.join(same)}"] if same else []
    if devices == ["cpu"]:
        core = f"{'/'.join(map(str, cpus))}-core " if cpus else ""
        return [f"{suite}, CPU only: {core}{', '.join(names) or 'CPU'}", *every]
    return [f"{suite} on {', '.join(names or devices)}", *every]


def own_rows(chart) -> pd.DataFrame:
    """The chart's own series' rows: not the markers drawn over them (releases, an article's figures)."""
    df = chart.data
    return df[df["metric"].isin(chart.spec.metrics)] if "metric" in df.columns else df


def caveat_line(chart, names: dict[str, str] | None = None) -> str:
    """The chart's caveat in one line ('' when its plotted rows are final, current and of one method)."""
    df = chart.data
    names = names or {}
    if chart.figure is None or df is None or df.empty:
        return ""
    if "device" in df.columns and ("step_ms_p50" in df.columns or "ratio" in df.columns):
        return "; ".join(_speed(df))
    timed = getattr(chart.spec, "time_series", True) and "date" in df.columns and df["date"].notna().any()
    series = df  # the chart's own series: not the markers drawn over them (releases, an article's figures)
    if "metric" in df.columns and df["metric"].isin(chart.spec.metrics).any():
        series = df[df["metric"].isin(chart.spec.metrics)]
    timed_rows = series[series["date"].notna()] if timed else series
    later, changes = [], []  # what does not shorten with 'brief': computed once
    if timed:
        later = _drops(timed_rows, chart.spec.metrics, names, chart.drops) + _stale(timed_rows, names)
    if timed and {"framework", "source", "method"} <= set(df.columns):
        # the render found them on its own rows (registry.own_rows): these very rows when every one is dated
        same = chart.breaks is not None and len(timed_rows) == len(own_rows(chart))
        changes = chart.breaks if same else breaks.method_breaks(timed_rows)
    for brief in (False, True):
        parts = _flags(df, brief)
        if timed and {"framework", "source", "method"} <= set(df.columns):
            parts += _method_changes(timed_rows, names, brief, changes)
        parts += later
        line = "; ".join(parts)
        if len(line) <= MAX_CHARS:
            return line
    kept: list[str] = []
    for part in parts:  # still long: whole parts, and say how many were left out
        if len("; ".join([*kept, part])) > MAX_CHARS - 24:
            return "; ".join(kept) + f"; {len(parts) - len(kept)} more caveats in the notes"
        kept.append(part)
    return line
