"""The Overview: its cards' query (newest final value, change over 30 and 365 days) and its three charts.

The cards' query is pure (DataFrames in and out; no Streamlit), so the scale benchmark
(perf/dashboard_scale.py) times exactly what the Overview runs. The charts: GitHub stars, forks with the
2020 article's figures, PyPI downloads per month.
"""

from __future__ import annotations

import numpy as np
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


def _near(dates: np.ndarray, among: np.ndarray, target: np.datetime64, tolerance: np.timedelta64) -> int | None:
    """The position (in ``dates``) of the date closest to ``target`` within ``tolerance``, among the positions
    ``among`` (the first of equally close ones); None when there is none."""
    if not len(among):
        return None
    gap = np.abs(dates[among] - target)
    k = int(np.argmin(gap))
    return int(among[k]) if gap[k] <= tolerance else None


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
    recent = recent.sort_values("date", kind="stable")
    # Columns as arrays and rows as positions: per-group frames and row Series cost the Overview a few tenths
    # of a second of pandas indexing at 5.5 M rows.
    col = {c: recent[c].to_numpy(dtype=object) for c in {*CARD_VALUE_COLUMNS, "details"}}
    dates, finals = recent["date"].to_numpy(), recent["final"].to_numpy(dtype=bool)

    def at(i: int, c: str):
        return pd.Timestamp(dates[i]) if c == "date" else col[c][i]

    newest = []
    groups = recent.groupby(["framework", "metric"], sort=False).indices.values()
    for g in sorted(groups, key=lambda positions: positions[0]):  # each series' rows, in date order
        final = g[finals[g]]
        newest.append({c: at(int(g[-1]), c) for c in ("framework", "metric", "date", "details")})
        i = int(final[-1]) if len(final) else int(g[-1])  # the card's figure: the newest final row
        row = {c: at(i, c) for c in CARD_VALUE_COLUMNS}
        after = g[dates[g] > dates[i]]
        if len(after):
            n = int(after[-1])
            row.update(
                newer_date=at(n, "date"),
                newer_value=at(n, "value"),
                newer_quality=at(n, "quality"),
                newer_reason=reason(at(n, "quality"), at(n, "details")),
            )
        before = final[dates[final] < dates[i]]
        same = final[(col["source"][final] == col["source"][i]) & (col["method"][final] == col["method"][i])]
        same_before = same[dates[same] < dates[i]]
        for days in (30, 365):
            prev = None
            if len(final):
                target = dates[i] - np.timedelta64(days, "D")
                tolerance = np.timedelta64(days // 5 + 3, "D")
                prev = _near(dates, same_before, target, tolerance)
                if prev is None and _near(dates, before, target, tolerance) is not None:
                    row["method_since"] = pd.Timestamp(dates[same].min())
            row[f"value_{days}d"] = at(prev, "value") if prev is not None else None
            row[f"date_{days}d"] = at(prev, "date") if prev is not None else None
            row[f"change_{days}d"] = (
                (row["value"] - at(prev, "value")) if prev is not None and is_final(row["quality"]) else None
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
