"""Due dates counted in working days from a period end (domain.md §7 rule 4; docs/close.md "The checklist").

A working day is a Monday to Friday that is not a holiday. Relative day 0 is the period end, or
the working day before it when the period end is not a working day (a Saturday, a holiday); -2 is
two working days before that day, +3 three after it. So with a Saturday period end, 0 and -0 are
the Friday before and +1 the Monday after.

Pure: dates in, a date out (no clock, no sheet).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

#: Monday to Friday (numpy's weekmask, Monday first).
WORK_WEEK = "1111100"


def due_date(period_end: dt.date, due_day: int, holidays: Iterable[dt.date] = ()) -> dt.date:
    """The date ``due_day`` working days from ``period_end`` (negative: before it)."""
    days = np.array(sorted(set(holidays)), dtype="datetime64[D]")
    when = np.busday_offset(
        np.datetime64(period_end, "D"), int(due_day), roll="backward", weekmask=WORK_WEEK, holidays=days
    )
    return when.astype(dt.date)


def is_working_day(day: dt.date, holidays: Iterable[dt.date] = ()) -> bool:
    """Whether ``day`` is a Monday to Friday that is not one of ``holidays``."""
    days = np.array(sorted(set(holidays)), dtype="datetime64[D]")
    return bool(np.is_busday(np.datetime64(day, "D"), weekmask=WORK_WEEK, holidays=days))


def offset_of(period_end: dt.date, day: dt.date, holidays: Iterable[dt.date] = ()) -> int:
    """The DueDay of ``day`` from ``period_end``: the inverse of :func:`due_date` for a working day;
    a day that is not one counts as the working day after it (a Sunday as the Monday)."""
    days = np.array(sorted(set(holidays)), dtype="datetime64[D]")
    base = np.busday_offset(np.datetime64(period_end, "D"), 0, roll="backward", weekmask=WORK_WEEK, holidays=days)
    when = np.datetime64(day, "D")
    if when >= base:
        return int(np.busday_count(base, when, weekmask=WORK_WEEK, holidays=days))
    return -int(np.busday_count(when, base, weekmask=WORK_WEEK, holidays=days))
