"""When each Checklist task is due, and which are past due or due today (docs/close.md "The checklist").

A task's due date is its ``Due`` cell when one is typed (an explicit date wins); else its
``DueDay``: working days from the end of the Settings period (:mod:`closekit.core.calendar_days`),
skipping Saturdays, Sundays and the Holidays rows of the task's company (a Holidays row without a
Company counts for every company; a task's company is its ``Company`` cell, else Settings
``Company``). A task with neither, or a DueDay while the period is not in Periods, has no due date.

Pure: the book and the caller's "today" in, dates and counts out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from closekit.core import calendar_days, parsing
from closekit.workbook import schema
from closekit.workbook.book import CloseBook

#: Statuses that count as finished: such a task is never past due (spellings as the Dashboard counts them).
FINISHED = {"done", "completed", "complete", "skipped"}


def finished(status: str | None) -> bool:
    return parsing.header_key(status or "") in FINISHED


def period_end(book: CloseBook, period: str | None = None) -> dt.date | None:
    """The last day of ``period`` (default: Settings Period), None when Periods does not hold it."""
    code = period or (book.settings.period if book.settings else "")
    entry = book.calendar.get(code) if code else None
    if entry is None or entry.get("end") is None:
        return None
    end = entry["end"]
    return end.date() if hasattr(end, "date") else end


def holidays_of(book: CloseBook, company: str) -> list[dt.date]:
    """The Holidays rows that count for ``company``: its own and those without a Company."""
    key = company.strip().casefold()
    return [
        item.date
        for _, item in book.holidays
        if item.date is not None and (not item.company or item.company.strip().casefold() == key)
    ]


def task_company(book: CloseBook, task: schema.ChecklistRow) -> str:
    return task.company or (book.settings.company if book.settings else "") or ""


def due_of(book: CloseBook, task: schema.ChecklistRow, end: dt.date | None) -> dt.date | None:
    """One task's due date (``end``: the period end DueDay counts from)."""
    if task.due is not None:
        return task.due
    if task.due_day is None or end is None:
        return None
    return calendar_days.due_date(end, task.due_day, holidays_of(book, task_company(book, task)))


def due_dates(book: CloseBook, period: str | None = None) -> dict[int, dt.date | None]:
    """Each Checklist row's due date for ``period`` (default: Settings Period)."""
    end = period_end(book, period)
    return {row: due_of(book, task, end) for row, task in book.checklist}


@dataclass(frozen=True)
class DueCounts:
    past_due: int = 0
    due_today: int = 0


def count(dues: Iterable[tuple[dt.date | None, str | None]], today: dt.date) -> DueCounts:
    """Past due (not finished, due before ``today``) and due today (not finished, due ``today``) among
    ``(due date, status)`` pairs."""
    open_dues = [due for due, status in dues if due is not None and not finished(status)]
    return DueCounts(sum(due < today for due in open_dues), sum(due == today for due in open_dues))
