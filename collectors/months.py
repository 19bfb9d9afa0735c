"""Calendar arithmetic shared by the collectors (first and last day of a month, month offsets, ranges)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Iterator


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def month_end(d: dt.date) -> dt.date:
    """The last day of ``d``'s month."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``d``'s month (``n`` may be negative)."""
    m = d.year * 12 + d.month - 1 + n
    return dt.date(m // 12, m % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from ``first``'s month through ``last`` (inclusive)."""
    out, m = [], month_start(first)
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


def daterange(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Every day from ``first`` through ``last`` (inclusive)."""
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)
