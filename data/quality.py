"""What a stored value is beyond its number: its quality flag, the reason in words, final or not, stale or not.

The vocabulary itself is :data:`fwpulse.data.store.QUALITY` (checked on every write); these helpers read it
back from rows, so every reader (charts, captions, CSV, alt text) words a flag the same way.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from fwpulse.data.store import QUALITY

OK = "ok"
# Qualities whose number is not a final, exact value for its date: never shown as one.
NOT_FINAL = ("partial_period", "lower_bound", "upper_bound", "approximate", "degraded_source", "synthetic")
# A series whose newest date is this much older than the newest of the same metric's other series is stale.
STALE_DAYS = 62


def details_dict(details: Any) -> dict[str, Any]:
    """A row's ``details`` as a dict (stored as JSON text; None, NaN or bad JSON give {})."""
    if isinstance(details, dict):
        return details
    if details is None or (isinstance(details, float) and math.isnan(details)):
        return {}
    try:
        value = json.loads(details)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# details["article"] of the 2020 article's figures (the Iflexion page the project started from): readers test this
# flag, never the source's name (data/snapshot.py sets it; migration 0005 set it on rows stored before).
ARTICLE_2020 = "iflexion-2020"


def is_article_2020(details: Any) -> bool:
    return details_dict(details).get("article") == ARTICLE_2020


def quality_of(value: Any) -> str:
    """A row's quality flag; missing (older stores, charts' own rows) means ok."""
    return value if isinstance(value, str) and value else OK


def qualities(values: pd.Series) -> pd.Series:
    """:func:`quality_of` of every value at once (missing or empty: ok), for frames too long to loop over."""
    values = values.astype(object)
    return values.where(values.notna() & values.astype(str).ne(""), OK)


def reason(quality: Any, details: Any = None) -> str:
    """Why a value is flagged, in words: ``details.reason`` when the row says, else the vocabulary's text."""
    q = quality_of(quality)
    if q == OK:
        return ""
    said = details_dict(details).get("reason")
    return str(said) if said else QUALITY.get(q, q)


def is_final(quality: Any) -> bool:
    return quality_of(quality) not in NOT_FINAL


def staleness(latest: pd.DataFrame, days: int = STALE_DAYS) -> pd.DataFrame:
    """Per (framework, metric) of ``latest`` (one row per series): ``stale`` when its newest date is more than
    ``days`` older than the newest date of the same metric's other series, and why (``details.stale_reason``
    or ``details.reason`` of its last row, else a plain sentence)."""
    cols = ["framework", "metric", "date", "newest_other", "stale", "stale_reason"]
    if latest.empty:
        return pd.DataFrame(columns=cols)
    # One row per series (a few dozen): plain lists, not a groupby and itertuples (7 calls a page run).
    dates = pd.to_datetime(latest["date"]).reset_index(drop=True)
    metrics = latest["metric"].tolist()
    details = latest["details"].tolist() if "details" in latest.columns else [None] * len(metrics)
    newest: dict = {}
    for m, d in zip(metrics, dates):
        newest[m] = max(newest.get(m, d), d)
    newest_other = pd.Series([newest[m] for m in metrics], dtype=dates.dtype)
    stale = dates < newest_other - pd.Timedelta(days=days)

    def why(is_stale: bool, det) -> str:
        if not is_stale:
            return ""
        det = details_dict(det)
        said = det.get("stale_reason") or det.get("reason")
        return str(said) if said else "no newer value has been stored for this series"

    return pd.DataFrame(
        {
            "framework": latest["framework"].tolist(),
            "metric": metrics,
            "date": dates,
            "newest_other": newest_other,
            "stale": stale,
            "stale_reason": [why(s, d) for s, d in zip(stale, details)],
        },
        columns=cols,
    )
