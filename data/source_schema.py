"""The ``[sources.NAME]`` settings every collector reads: name -> type and range, checked when the registry loads.

A wrong setting stops ``parse_registry`` with an error naming the file and the key, before any
source runs. Values are normalised (a date becomes ``"YYYY-MM-DD"``) so collectors read one form.
Each source declares its settings in data/sources.py (``config``, and ``shared`` for a table such as
``[sources.clickhouse]`` that several sources read); a key declared nowhere is an error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Callable, Mapping

from fwpulse.data.sources import SourceSetting, config_schema

# [sources.NAME] -> its settings, from each source's declaration in data/sources.py.
SCHEMA: dict[str, Mapping[str, SourceSetting]] = config_schema()

FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 1, 1)


def _check(setting: SourceSetting, value: Any) -> Any:
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
        return [_check(SourceSetting("str", setting.help, pattern=setting.pattern), v) for v in value]
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


def validate_sources(
    sources: Any, error: Callable[[str, str], Exception], schemas: Mapping[str, Mapping[str, SourceSetting]] = SCHEMA
) -> dict[str, dict[str, Any]]:
    """Check every ``[sources.*]`` table against ``schemas``; ``error(key, reason)`` builds the exception to raise."""
    if not isinstance(sources, dict) or not all(isinstance(v, dict) for v in sources.values()):
        raise error("sources", "must hold one table per source ([sources.NAME])")
    out: dict[str, dict[str, Any]] = {}
    for name, table in sources.items():
        schema = schemas.get(name)
        if schema is None:
            raise error(f"sources.{name}", f"unknown source; known: {', '.join(schemas)}")
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
