"""The Overview: its cards' query (newest final value, change over 30 and 365 days) and its three charts.

The cards' query is pure (DataFrames in and out; no Streamlit), so the scale benchmark
(perf/dashboard_scale.py) times exactly what the Overview runs. The charts: GitHub stars, forks with the
2020 article's figures, PyPI downloads per month.
"""

from __future__ import annotations

import pandas as pd

from fwpulse.dashboard.charts import kit
from fwpulse.dashboard.charts.spec import Chart, ChartInput, ChartOptions, ChartSpec
from fwpulse.data import read
from fwpulse.data.quality import NOT_FINAL, is_final, qualities, reason, staleness

# ------------------------------------------------------------------------------ the cards

CARD_METRICS = (
    "github.stars",
    "github.forks",
    "github.open_issues",
    "github.open_issues_incl_prs",
    "stackoverflow.questions_total",
    "pypi.downloads_monthly",
)


def _near(g: pd.DataFrame, target: pd.Timestamp, tolerance: pd.Timedelta) -> pd.Series | None:
    """The row closest to ``target`` within ``tolerance`` (None when there is none)."""
    if g.empty:
        return None
    gap = (g["date"] - target).abs()
    i = gap.idxmin()
    return g.loc[i] if gap.loc[i] <= tolerance else None


# The card's figure: these columns of the newest final row, in the read API's order.
CARD_VALUE_COLUMNS = [
    c for c in read.VALUE_COLUMNS if c in {"framework", "metric", "date", "value", "source", "method", "quality"}
]
CARD_COLUMNS = [
    *CARD_VALUE_COLUMNS,
    "value_30d",
    "date_30d",
    "change_30d",
    "value_365d",
    "date_365d",
    "change_365d",
    "method_since",  # set when a change is n/a because the source or counting method changed in the period
    "newer_date",
    "newer_value",
    "newer_quality",
    "newer_reason",
    "stale",
    "stale_reason",
    "newest_other",
]


def overview_cards(recent: pd.DataFrame) -> pd.DataFrame:
    """Per framework and card metric: the newest FINAL value, its date, and the change over 30 and 365 days.

    A partial, bounded, approximate or synthetic value is never a card's figure nor either end of a
    change: the card shows the newest ok value and names the newer flagged one (``newer_*``, with
    its reason). A change compares with the final value closest to (as of - N days), within N/5 + 3
    days, so monthly series compare with the month before and a gap gives no change rather than a
    change over a different period; and only with a value of the same source and method, so a switch
    of counting method gives no change (``method_since``: the date the current method began) rather
    than the difference between two definitions. ``stale``: the series' newest value is much older than the same
    metric's newest for the other frameworks (:func:`fwpulse.data.quality.staleness`), with the reason.
    """
    rows = []
    if recent.empty:
        return pd.DataFrame(columns=CARD_COLUMNS)
    quality = recent["quality"] if "quality" in recent.columns else pd.Series(None, index=recent.index, dtype=object)
    quality = qualities(quality)
    recent = recent.assign(quality=quality, final=~quality.isin(NOT_FINAL))  # per row once, not per group
    if "details" not in recent.columns:
        recent = recent.assign(details=None)
    newest = []
    for _, g in recent.sort_values("date").groupby(["framework", "metric"], sort=False):
        final = g[g["final"]]
        newest.append(g.iloc[-1])
        last = final.iloc[-1] if not final.empty else g.iloc[-1]
        row = {c: last[c] for c in CARD_VALUE_COLUMNS}
        after = g[g["date"] > last["date"]]
        if not after.empty:
            n = after.iloc[-1]
            row.update(
                newer_date=n["date"],
                newer_value=n["value"],
                newer_quality=n["quality"],
                newer_reason=reason(n["quality"], n["details"]),
            )
        same = final[(final["source"] == last["source"]) & (final["method"] == last["method"])]
        for days in (30, 365):
            prev = None
            if not final.empty:
                target, tolerance = last["date"] - pd.Timedelta(days=days), pd.Timedelta(days=days // 5 + 3)
                prev = _near(same[same["date"] < last["date"]], target, tolerance)
                if prev is None and _near(final[final["date"] < last["date"]], target, tolerance) is not None:
                    row["method_since"] = same["date"].min()
            row[f"value_{days}d"] = prev["value"] if prev is not None else None
            row[f"date_{days}d"] = prev["date"] if prev is not None else None
            row[f"change_{days}d"] = (
                (last["value"] - prev["value"]) if prev is not None and is_final(last["quality"]) else None
            )
        rows.append(row)
    stale = staleness(pd.DataFrame(newest)).set_index(["framework", "metric"])
    for row in rows:
        s = stale.loc[(row["framework"], row["metric"])]
        row.update(stale=bool(s["stale"]), stale_reason=s["stale_reason"], newest_other=s["newest_other"])
    return pd.DataFrame(rows, columns=CARD_COLUMNS)


# ------------------------------------------------------------------------------ the charts


def github_forks(spec, inputs: ChartInput, options: ChartOptions, names, colors) -> Chart:
    v = inputs.values
    article = read.article_2020_rows(v, "manual.github_forks")
    return kit.line_chart(spec, v, options, names, colors, "github.forks", article, "2020 article figure")


SPECS = [
    kit.line_spec("github-stars", "GitHub stars", "github.stars", "fwpulse refresh --source github", "overview"),
    ChartSpec(
        "github-forks",
        "GitHub forks, with the 2020 article's figures",
        ("github.forks", "manual.github_forks"),
        github_forks,
        "fwpulse refresh --source github",
    ),
    # The counting-method changes (pip-only to all installers, rolling windows to calendar months) are
    # drawn from the stored methods by line_chart, like every chart's.
    kit.line_spec(
        "pypi-downloads-monthly",
        "PyPI downloads per month",
        "pypi.downloads_monthly",
        "fwpulse refresh --source pypi",
        "overview",
    ),
]
