"""Google Trends batches: at most five terms a request, rescaled to the first batch through an anchor term."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fwpulse.data.registry import Framework

MAX_TERMS = 5  # Trends compares at most five terms per request


@dataclass
class Batch:
    number: int  # 1-based
    terms: list[str]  # as sent, anchor first when there is one
    frameworks: dict[str, list[str]]  # term -> framework ids reading that column
    frame: pd.DataFrame | None = None  # complete weeks only: index = week start date
    anchor_mean: float | None = None
    scale: float | None = None
    problem: str | None = None
    partial_dropped: int = 0
    has_data: dict[str, dict[dt.date, bool]] = field(default_factory=dict)  # term -> week -> hasData
    extra: dict[str, Any] = field(default_factory=dict)


def plan_batches(frameworks: list[Framework], anchor: str) -> tuple[list[Batch], bool]:
    """Split the frameworks' terms into requests; returns (batches, anchored)."""
    by_term: dict[str, list[str]] = {}
    for f in frameworks:
        if f.trends_terms:
            by_term.setdefault(f.trends_terms[0], []).append(f.id)
    terms = list(by_term)
    if len(terms) <= MAX_TERMS:
        return ([Batch(1, terms, {t: by_term[t] for t in terms})] if terms else []), False
    # A framework whose term is the anchor itself reads the anchor column of the first batch.
    anchor_key = next((t for t in terms if t.casefold() == anchor.casefold()), None)
    others = [t for t in terms if t != anchor_key]
    chunk = MAX_TERMS - 1
    batches = []
    for i in range(0, len(others), chunk):
        part = others[i : i + chunk]
        fw = {t: by_term[t] for t in part}
        if anchor_key is not None and i == 0:
            fw[anchor] = by_term[anchor_key]
        batches.append(Batch(len(batches) + 1, [anchor, *part], fw))
    return batches, True


def complete_weeks(df: pd.DataFrame, batch: Batch) -> pd.DataFrame:
    """Drop the incomplete (isPartial) week and index by the week's start date."""
    if "isPartial" in df.columns:
        partial = df["isPartial"].astype(bool)
        batch.partial_dropped = int(partial.sum())
        df = df.loc[~partial].drop(columns=["isPartial"])
    df = df.copy()
    df.index = [pd.Timestamp(ts).date() for ts in df.index]
    return df


def rescale(batches: list[Batch], anchor: str, anchored: bool, timeframe: str) -> list[dt.date]:
    """Set each batch's ``scale`` (or its ``problem``) and return the complete weeks every batch
    returned: the anchor means are taken over those, so the batches compare like for like."""
    common = set(batches[0].frame.index)
    for batch in batches[1:]:
        common &= set(batch.frame.index)
    weeks = sorted(common)
    if anchored:
        for batch in batches:
            batch.anchor_mean = float(batch.frame.loc[weeks, anchor].mean()) if weeks else 0.0
        reference = batches[0].anchor_mean
        for batch in batches:
            if not reference or not batch.anchor_mean:
                which = "this batch" if not batch.anchor_mean else "the reference batch 1"
                batch.problem = (
                    f"anchor {anchor!r} has mean 0 in {which} (timeframe {timeframe}), so batch "
                    f"{batch.number} cannot be rescaled"
                )
            else:
                batch.scale = reference / batch.anchor_mean
    else:
        batches[0].scale = 1.0
    return weeks
