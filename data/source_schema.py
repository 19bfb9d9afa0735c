"""The ``[sources.NAME]`` settings every collector reads: name -> type and range, checked when the registry loads.

A wrong setting stops ``parse_registry`` with an error naming the file and the key, before any
source runs. Values are normalised (a date becomes ``"YYYY-MM-DD"``) so collectors read one form.
To add a setting to a collector, add it here first; a key not listed here is an error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

_IDENT = r"[A-Za-z_][A-Za-z0-9_]{0,99}"  # a plain SQL identifier


@dataclass(frozen=True)
class Setting:
    kind: str  # "int", "float", "bool", "str", "str_list", "date"
    help: str
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None  # for "str": a regular expression the whole value must match


# Every setting in use, by source (grep `source_settings(` in collectors/). Sources without
# settings are listed so that `[sources.pypi]` is not mistaken for a typo.
SCHEMA: dict[str, dict[str, Setting]] = {
    "github": {
        "max_rate_limit_wait_seconds": Setting("float", "seconds to wait for a primary rate-limit reset", 0, 86_400),
        "backfill_since": Setting("date", "first month of history for --backfill (YYYY-MM or YYYY-MM-DD)"),
        "backfill_months": Setting("int", "months of history for --backfill when backfill_since is unset", 1, 600),
        "max_release_pages": Setting("int", "pages of releases to read (100 per page)", 1, 1000),
    },
    "stackoverflow": {
        "quota_reserve": Setting("int", "daily requests to leave unused", 0, 100_000),
        "max_requests": Setting("int", "requests per refresh at most", 1, 100_000),
        "backfill_since": Setting("date", "first month of history for --backfill (YYYY-MM or YYYY-MM-DD)"),
    },
    "trends": {
        "anchor_term": Setting(
            "str", "shared term that links batches of more than five terms", pattern=r"[^\x00-\x1f]{1,100}"
        ),
        "timeframe": Setting("str", "pytrends timeframe, e.g. 'today 5-y' or 'all'", pattern=r"[A-Za-z0-9 :+-]{1,50}"),
        "geo": Setting(
            "str",
            "ISO country (and region) code, e.g. 'US' or 'GB-ENG'; empty = worldwide",
            pattern=r"(?:[A-Z]{2}(?:-[A-Z0-9]{1,3})?)?",
        ),
    },
    "pypi": {},
    "citations": {},
    "research": {
        "since_year": Setting("int", "first publication year to count (OpenAlex)", 1990, 2100),
    },
    "hfhub": {
        "max_requests": Setting("int", "Hub list pages per refresh at most (a backfill resumes next run)", 1, 100_000),
        "page_size": Setting("int", "models per Hub list page", 1, 1000),
    },
    "clickhouse": {  # the ClickHouse server behind clickpy and gharchive (collectors/clickhouse.py)
        "pypi_database": Setting("str", "database with the PyPI tables", pattern=_IDENT),
        "downloads_table": Setting("str", "table of downloads per day", pattern=_IDENT),
        "metadata_tables": Setting("str_list", "package metadata tables, first that exists wins", pattern=_IDENT),
        "github_database": Setting("str", "database with the GitHub events table", pattern=_IDENT),
        "events_table": Setting("str", "table of GitHub events", pattern=_IDENT),
        "repo_ids_table": Setting("str", "table of repository name -> repository id", pattern=_IDENT),
        "max_result_rows": Setting("int", "rows one answer may hold on the server (its max_result_rows)", 1, 10**8),
        "max_result_bytes": Setting(
            "int", "bytes one answer may hold on the server (its max_result_bytes)", 1000, 10**9
        ),
    },
    "clickpy": {
        "since": Setting("date", "first day of download history to read (YYYY-MM or YYYY-MM-DD)"),
        "dependents": Setting("bool", "also count dependent packages per month (true/false)"),
    },
    "gharchive": {
        "since": Setting("date", "first month of GitHub events to read (YYYY-MM or YYYY-MM-DD)"),
    },
}

FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 1, 1)


def _check(setting: Setting, value: Any) -> Any:
    """The normalised value, or ValueError with a reason that fits after 'KEY: '."""
    if setting.kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, got {value!r} ({type(value).__name__})")
        if setting.kind == "int" and not isinstance(value, int):
            raise ValueError(f"must be a whole number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value!r}")
        if (setting.minimum is not None and value < setting.minimum) or (
            setting.maximum is not None and value > setting.maximum
        ):
            raise ValueError(f"must be from {setting.minimum:g} to {setting.maximum:g}, got {value!r}")
        return float(value) if setting.kind == "float" else int(value)
    if setting.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false (no quotes), got {value!r}")
        return value
    if setting.kind == "str_list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise ValueError(f"must be a non-empty list of strings, got {value!r}")
        return [_check(Setting("str", setting.help, pattern=setting.pattern), v) for v in value]
    if setting.kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"must be a string, got {value!r} ({type(value).__name__})")
        if setting.pattern is not None and not re.fullmatch(setting.pattern, value):
            raise ValueError(f"{value!r} is not valid ({setting.help})")
        return value
    if setting.kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            day = value
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value.strip()):
            text = value.strip()
            try:
                day = dt.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
            except ValueError:
                raise ValueError(f"{value!r} is not a calendar date") from None
        else:
            raise ValueError(f'must be a date like "2020-01" or "2020-01-01" (in quotes), got {value!r}')
        if not FIRST_DATE <= day <= LAST_DATE:
            raise ValueError(f"{day} is outside {FIRST_DATE} .. {LAST_DATE}")
        return day.isoformat()
    raise AssertionError(setting.kind)


def validate_sources(sources: Any, error: Callable[[str, str], Exception]) -> dict[str, dict[str, Any]]:
    """Check every ``[sources.*]`` table; ``error(key, reason)`` builds the exception to raise."""
    if not isinstance(sources, dict) or not all(isinstance(v, dict) for v in sources.values()):
        raise error("sources", "must hold one table per source ([sources.NAME])")
    out: dict[str, dict[str, Any]] = {}
    for name, table in sources.items():
        schema = SCHEMA.get(name)
        if schema is None:
            raise error(f"sources.{name}", f"unknown source; known: {', '.join(SCHEMA)}")
        clean: dict[str, Any] = {}
        for key, value in table.items():
            setting = schema.get(key)
            if setting is None:
                allowed = ", ".join(schema) or "none (this source has no settings)"
                raise error(f"sources.{name}.{key}", f"unknown setting; allowed: {allowed}")
            try:
                clean[key] = _check(setting, value)
            except ValueError as exc:
                raise error(f"sources.{name}.{key}", str(exc)) from None
        out[name] = clean
    return out
