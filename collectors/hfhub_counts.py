"""Hub models counted per createdAt month: the resume state of a newest-first scan, settled months, stored rows.

Counting. A model is filed under its ``createdAt`` month (UTC) and under its *tag set*: the sorted
tags it carries among every registry framework's ``hf_tags`` (``"pytorch+tf"``; ``""`` for none).
A framework's monthly count is the sum over the tag sets that share a tag with its ``hf_tags`` (a
model counts once per framework); the site count is every tag set; untagged is the ``""`` set.
Keeping tag sets rather than framework counts lets a framework's tags shrink without a recount.

Scans. The Hub lists models newest first, so every scan reads from the top down to a *stop*: the
end of the list (the first backfill) or the newest model already counted (``head``: its createdAt
and the ids at that exact second), skipping those ids. A scan's own counts stay apart
(``scan.counts``) until it reaches its stop, then join ``months``; a stored cursor (``next``) and
position (``at``) let the next run continue a scan without a gap or a double count. A month is
*settled* (its value final for its as-of time) unless unread models of it may remain: the months
from the stop's month through the position's month. Only settled months are stored.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from fwpulse.collectors.errors import FatalSourceError
from fwpulse.collectors.hfhub_fetch import Model, parse_created
from fwpulse.data import catalog
from fwpulse.data.registry import Framework
from fwpulse.data.store import Observation

SOURCE_LABEL = "Hugging Face Hub"
SITE_SERIES, UNTAGGED_SERIES = "_site", "_untagged"  # emission bookkeeping keys (framework ids are slugs)
_BASE = "Hub /api/models sorted by createdAt"
_TAIL = "counted by createdAt month (UTC); only models still public when collected"
SITE_METHOD = f"{_BASE}, every model, {_TAIL}"
RUNNING_MONTH = "current month, still counting"
SURVIVORSHIP = (
    "counts models public when collected, with the tags the Hub gives them then; deleted or private "
    "repositories are not counted"
)


def framework_method(tags: tuple[str, ...]) -> str:
    which = f"tag {tags[0]}" if len(tags) == 1 else f"any of the tags {', '.join(tags)} (each model once)"
    return f"{_BASE}, models carrying {which}, {_TAIL}"


def untagged_method(universe: list[str]) -> str:
    return f"{_BASE}, models carrying none of the tags {', '.join(universe)}, {_TAIL}"


# -- months and tag sets (pure) ----------------------------------------------------------------------


def month_of(value: str | dt.datetime) -> str:
    when = value if isinstance(value, dt.datetime) else parse_created(value)
    return f"{when:%Y-%m}"


def month_range(lo: str, hi: str) -> list[str]:
    year, month = int(lo[:4]), int(lo[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= hi:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def tag_set(tags: frozenset[str], universe: list[str]) -> str:
    return "+".join(t for t in universe if t in tags)


def carries(key: str, tags: set[str]) -> bool:
    return bool(tags.intersection(key.split("+"))) if key else False


# -- state --------------------------------------------------------------------------------------------


def load_state(stored: dict[str, Any], universe: list[str]) -> tuple[dict[str, Any], list[str]]:
    """A working copy of the stored state, and the tags new to it: a tag no count has looked for
    means every month must be counted again, so the state starts over (stored rows stay until then)."""
    state = copy.deepcopy(stored) if stored.get("tags") is not None else {}
    new = [t for t in universe if t not in (state.get("tags") or [])]
    if not state or new:
        state = {"tags": list(universe), "months": {}, "head": None, "through": None, "scan": None, "emitted": {}}
    return state, (new if stored.get("tags") is not None else [])


def new_scan(state: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A scan from the top down to the newest model counted (the end of the list when none)."""
    return {
        "started": now.isoformat(timespec="seconds"),
        "stop": copy.deepcopy(state.get("head")),
        "next": None,
        "at": None,
        "top": None,
        "counts": {},
    }


def take_page(scan: dict[str, Any], models: list[Model], universe: list[str], url: str) -> tuple[bool, set[str]]:
    """Count a page into ``scan``: (True once the stop is reached, the months counted into)."""
    at = parse_created(scan["at"]["created"]) if scan["at"] else None
    for m in models:  # check the whole page first: a page is counted entirely or not at all
        if at is not None and m.created > at:
            raise FatalSourceError(
                f"{url}: models are not sorted newest first by createdAt (sort=createdAt); this page was not counted"
            )
        at = m.created
    stop = scan["stop"]
    stop_at = parse_created(stop["created"]) if stop else None
    touched: set[str] = set()
    done = False
    for m in models:
        position = scan["at"]
        if position and m.created == parse_created(position["created"]):
            if m.id in position["ids"]:
                continue  # read already (a page boundary inside one second)
            position["ids"].append(m.id)
        else:
            scan["at"] = {"created": m.created_raw, "ids": [m.id]}
        if stop_at is not None and (m.created < stop_at or (m.created == stop_at and m.id in stop["ids"])):
            if m.created < stop_at:
                done = True
                break
            continue  # counted by an earlier scan (same second as its newest model)
        key = month_of(m.created)
        counts = scan["counts"].setdefault(key, {})
        combo = tag_set(m.tags, universe)
        counts[combo] = counts.get(combo, 0) + 1
        touched.add(key)
        top = scan["top"]
        if top is None:
            scan["top"] = {"created": m.created_raw, "ids": [m.id]}
        elif parse_created(top["created"]) == m.created:
            top["ids"].append(m.id)
    return done, touched


def finish_scan(state: dict[str, Any]) -> None:
    """The scan reached its stop: its counts join the months, its newest model becomes the head."""
    scan = state.pop("scan")
    for key, counts in scan["counts"].items():
        month = state["months"].setdefault(key, {})
        for combo, n in counts.items():
            month[combo] = month.get(combo, 0) + n
    top, head = scan["top"], state.get("head")
    if top is not None:
        if head and parse_created(head["created"]) == parse_created(top["created"]):
            top = {"created": top["created"], "ids": sorted(set(head["ids"]) | set(top["ids"]))}
        state["head"] = top
    state["through"] = scan["started"]
    state["scan"] = None


def settled(state: dict[str, Any]) -> list[str]:
    """The months whose counts are final as of :func:`as_of` (see the module docstring)."""
    scan, months = state.get("scan"), state["months"]
    if scan is None:
        through = state.get("through")
        if not through:
            return []
        return month_range(min(months) if months else through[:7], through[:7])
    top = scan["started"][:7]
    known = list(months) + list(scan["counts"])
    gap_lo = month_of(scan["stop"]["created"]) if scan["stop"] else "0000-00"
    gap_hi = month_of(scan["at"]["created"]) if scan["at"] else top
    return [k for k in month_range(min(known) if known else top, top) if not gap_lo <= k <= gap_hi]


def as_of(state: dict[str, Any]) -> str | None:
    """The time up to which the newest settled months are counted: the start of the scan that read them."""
    return state["scan"]["started"] if state.get("scan") else state.get("through")


def month_counts(state: dict[str, Any], key: str) -> dict[str, int]:
    total = dict(state["months"].get(key, {}))
    for combo, n in ((state.get("scan") or {}).get("counts", {}).get(key, {})).items():
        total[combo] = total.get(combo, 0) + n
    return total


# -- rows ---------------------------------------------------------------------------------------------


def series(frameworks: list[Framework], universe: list[str]) -> dict[str, list[str]]:
    """Every series this run stores, with the tags that define it (a change re-stores all its months)."""
    out = {f.id: list(f.hf_tags) for f in frameworks}
    out[SITE_SERIES] = []
    out[UNTAGGED_SERIES] = list(universe)
    return out


def build_rows(
    frameworks: list[Framework],
    universe: list[str],
    state: dict[str, Any],
    months_by_series: dict[str, list[str]],
    url: str,
) -> list[Observation]:
    when = as_of(state) or ""
    running = when[:7]
    rows = []
    for name, keys in months_by_series.items():
        fw = next((f for f in frameworks if f.id == name), None)
        for key in sorted(keys):
            counts = month_counts(state, key)
            details: dict[str, Any] = {"counted_as_of": when, "note": SURVIVORSHIP}
            if fw is not None:
                tags = set(fw.hf_tags)
                value = sum(n for c, n in counts.items() if carries(c, tags))
                metric, fid, method = "hfhub.models_created_monthly", fw.id, framework_method(fw.hf_tags)
                details["tags"] = list(fw.hf_tags)
            elif name == SITE_SERIES:
                value, metric, fid, method = (
                    sum(counts.values()),
                    "hfhub.models_created_monthly_site",
                    None,
                    SITE_METHOD,
                )
            else:
                value = sum(n for c, n in counts.items() if not carries(c, set(universe)))
                metric, fid, method = "hfhub.models_untagged_monthly", None, untagged_method(universe)
                details["tags_absent"] = list(universe)
            quality = "ok"
            if key == running:
                quality = "partial_period"
                details.update(reason=RUNNING_MONTH, period_end=when[:10])
            first = dt.date(int(key[:4]), int(key[5:7]), 1)
            rows.append(
                Observation(
                    fid or catalog.SITE,
                    metric,
                    first,
                    float(value),
                    SOURCE_LABEL,
                    method,
                    url,
                    quality=quality,
                    details=details,
                )
            )
    return rows
