"""A snapshot CSV row as stored: its date, its framework id, and an Observation that keeps its URL and note."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fwpulse.data.store import Observation


def parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def framework_id(name: str) -> str:
    return name.strip().lower()


def row_observation(
    r: dict[str, str],
    framework: str,
    metric: str,
    date: dt.date,
    value: float,
    source: str,
    method: str,
    quality: str = "ok",
    details: dict[str, Any] | None = None,
) -> Observation:
    """The value ``value`` read from CSV row ``r``, with the row's ``source_url`` and ``note`` (empty: None)."""
    return Observation(
        framework, metric, date, value, source, method, r["source_url"], r["note"] or None, quality, details
    )
