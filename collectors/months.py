"""Calendar-month arithmetic shared by the collectors (first of month, month offsets)."""

from __future__ import annotations

import datetime as dt


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``d``'s month (``n`` may be negative)."""
    m = d.year * 12 + d.month - 1 + n
    return dt.date(m // 12, m % 12 + 1, 1)
