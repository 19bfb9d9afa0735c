"""Structural breaks found in the data: a per-period volume that falls and stays below a share of its peak.

A method or source switch is one kind of break (the dashboard finds it from ``source``/``method``).
This is the other: the numbers themselves change regime, as Stack Overflow's question volume did
after 2022. The rule is plain and reproducible, so a caption can state it: over a series' final
values (never a partial or bounded one), take the mean of each trailing 365 days; the break is the
first date from which that mean is at or below ``share`` of its peak and stays there to the end of
the series. One rule for every framework and metric, nothing placed by hand per chart.
"""

from __future__ import annotations

from typing import Iterable

import duckdb
import pandas as pd

from fwpulse.data import catalog
from fwpulse.data.quality import NOT_FINAL, qualities
from fwpulse.data.read import series_values

SHARE = 0.5  # "fell to half its peak": the threshold a break must cross and stay below
MIN_PERIODS = 10  # a trailing-year mean needs at least this many values (monthly series: 10 of 12)
WINDOW = "365D"
SITE = catalog.SITE  # site-wide series (e.g. all Stack Overflow questions per month) count for every chart


def volume_collapses(rows: pd.DataFrame, share: float = SHARE) -> list[dict]:
    """Sustained falls in per-period series: one dict per (framework, metric) that has one.

    ``rows``: framework, metric, date, value (and quality, when known) of per-period figures (flows:
    questions per month, downloads per day); levels such as star totals are the caller's to leave out.
    Each dict: ``date`` (the first date of the lasting fall), ``framework``, ``metric``,
    ``peak_date``/``peak`` (where the trailing-year mean peaked, and its value), ``last`` (the newest
    trailing-year mean) and ``drop_pct`` (how far ``last`` is below ``peak``, in percent).
    """
    if rows.empty or not {"framework", "metric", "date", "value"} <= set(rows.columns):
        return []
    if not 0 < share < 1:
        raise ValueError(f"share must be between 0 and 1, got {share}")
    found = []
    if "quality" in rows.columns:  # final values only, every row at once
        rows = rows[~qualities(rows["quality"]).isin(NOT_FINAL)]
    rows = rows.assign(date=pd.to_datetime(rows["date"]), value=rows["value"].astype(float))
    for (fid, metric), g in rows.groupby(["framework", "metric"], sort=True):
        s = g.set_index("date")["value"].sort_index()
        s = s[~s.index.duplicated(keep="last")].dropna()
        mean = s.rolling(WINDOW, min_periods=MIN_PERIODS).mean().dropna()
        if mean.empty or mean.max() <= 0:
            continue
        peak_date = mean.idxmax()
        peak = float(mean[peak_date])
        above = mean[(mean.index > peak_date) & (mean > share * peak)]
        after = mean[mean.index > (above.index.max() if not above.empty else peak_date)]
        if after.empty:
            continue
        last = float(mean.iloc[-1])
        found.append(
            {
                "date": after.index[0],
                "framework": fid,
                "metric": metric,
                "peak_date": peak_date,
                "peak": peak,
                "last": last,
                "drop_pct": (1 - last / peak) * 100,
            }
        )
    return found


def describe(c: dict) -> str:
    """One line for a caption: what fell, from when, against which peak (in the metric's unit)."""
    unit = catalog.metric(c["metric"]).unit if catalog.is_known(c["metric"]) else "per period"
    return (
        f"from {c['date']:%Y-%m} the trailing-year mean stays below {SHARE:.0%} of its peak "
        f"({c['peak']:,.0f} {unit}, year to {c['peak_date']:%Y-%m}); newest {c['last']:,.0f} "
        f"({c['drop_pct']:.0f}% below)"
    )


def find(con: duckdb.DuckDBPyConnection, metrics: Iterable[str], frameworks: Iterable[str] | None = None) -> list[dict]:
    """:func:`volume_collapses` of the per-period ``metrics`` (flows) over their whole stored history.

    ``frameworks``: the frameworks whose series count (None: all); the site-wide series (:data:`SITE`)
    always count, since a collapse of the whole site is context for every framework's line.
    """
    flows = [m for m in metrics if catalog.is_known(m) and catalog.metric(m).kind == "flow"]
    if not flows:
        return []
    chosen = None if frameworks is None else [*frameworks, SITE]
    return volume_collapses(series_values(con, chosen, flows))
