"""The next period's schedule from this period's Checklist (``closekit checklist next``; docs/close.md
"The checklist", "The next period's checklist").

The Checklist as it stands is appended to the ``ChecklistHistory`` sheet (Period, ArchivedUTC, the
task's DueDate as this period scheduled it, then every Checklist column), under the rows earlier
periods left there; then the Checklist is made the next period's: ``Status`` back to Not started,
``Completed``, the sign-off names, dates, hashes, logins and signatures cleared, the ``Notes``
closekit wrote on a Blocked task cleared (a note on any other task is the user's and stays). Task,
Step, Owner, DependsOn, DueDay, Area and Company stay. A typed ``Due`` date moves with the period:
as many working days from the next period's end as it was from this one's.

Pure: the sheets as read and the book in, the history frame and the Checklist's cell updates out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from closekit.core import calendar_days, parsing
from closekit.sheetio.base import a1
from closekit.sources.tables import RawTable, cell_text
from closekit.workbook import due_dates
from closekit.workbook.book import CloseBook

SHEET = "ChecklistHistory"
#: The columns of ChecklistHistory before the Checklist's own.
LEAD = ["Period", "ArchivedUTC", "DueDate"]
#: Checklist columns (header keys) a new period starts without.
RESET = (
    "completed",
    "preparer",
    "preparedat",
    "reviewer",
    "reviewedat",
    "figureshash",
    "preparedhash",
    "reviewedhash",
    "preparerlogin",
    "reviewerlogin",
    "preparersignature",
    "reviewersignature",
)
NOT_STARTED = "Not started"


@dataclass
class Rollover:
    period: str
    next_period: str
    #: The whole ChecklistHistory sheet after the rollover (earlier rows first).
    history: pd.DataFrame
    #: Checklist cell updates by A1 reference.
    cells: dict[str, object] = field(default_factory=dict)
    #: (row, task, status) of the tasks that are neither Done nor Skipped.
    open_tasks: list[tuple[int, str, str]] = field(default_factory=list)
    #: (task, old Due, new Due) of the typed Due dates moved to the next period.
    moved: list[tuple[str, dt.date, dt.date]] = field(default_factory=list)
    tasks: int = 0


def _value(cell: object) -> object:
    """A cell as it goes into the history: blanks as empty, whole floats as integers, dates as dates."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    if isinstance(cell, str) and not cell.strip():
        return None
    return cell


def _history_rows(history: RawTable | None) -> tuple[list[str], list[dict]]:
    if history is None or len(history.columns) == 0:
        return [], []
    columns = [str(c) for c in history.columns]
    records = [
        {c: _value(v) for c, v in zip(columns, values, strict=True)}
        for values in history.frame.itertuples(index=False, name=None)
    ]
    return columns, [r for r in records if any(v is not None for v in r.values())]


def periods_in(history: RawTable | None) -> set[str]:
    """The periods ChecklistHistory already holds."""
    _, records = _history_rows(history)
    return {cell_text(r.get("Period")) for r in records} - {""}


def plan(
    book: CloseBook,
    sheet: RawTable,
    history: RawTable | None,
    *,
    period: str,
    next_period: str,
    archived: str,
) -> Rollover:
    """The rollover of ``sheet`` (the Checklist as read) from ``period`` to ``next_period``."""
    columns = [str(c) for c in sheet.columns]
    numbers = sheet.meta.get("column_numbers", {})
    by_key = {parsing.header_key(name): name for name in columns}
    dues = due_dates.due_dates(book, period)
    tasks = dict(book.checklist)
    old_end, new_end = due_dates.period_end(book, period), due_dates.period_end(book, next_period)
    out = Rollover(period, next_period, pd.DataFrame())
    records = []
    for row, values in zip(sheet.rows.tolist(), sheet.frame.itertuples(index=False, name=None), strict=True):
        cells = dict(zip(columns, values, strict=True))
        name = cell_text(cells.get(by_key.get("task", ""), ""))
        if not name:
            continue  # a blank row
        out.tasks += 1
        status = cell_text(cells.get(by_key.get("status", ""), ""))
        if not due_dates.finished(status):
            out.open_tasks.append((row, name, status or "empty"))
        records.append({"Period": period, "ArchivedUTC": archived, "DueDate": dues.get(row)} | {
            c: _value(v) for c, v in cells.items()
        })
        for key in RESET:
            column = by_key.get(key)
            if column is not None and _value(cells[column]) is not None:
                out.cells[a1(row, numbers[column])] = None
        if "status" in by_key:
            out.cells[a1(row, numbers[by_key["status"]])] = NOT_STARTED
        if "notes" in by_key and parsing.header_key(status) == "blocked" and _value(cells[by_key["notes"]]):
            out.cells[a1(row, numbers[by_key["notes"]])] = None
        task = tasks.get(row)
        if task is not None and task.due is not None and old_end is not None and new_end is not None:
            holidays = due_dates.holidays_of(book, due_dates.task_company(book, task))
            moved = calendar_days.due_date(new_end, calendar_days.offset_of(old_end, task.due, holidays), holidays)
            out.cells[a1(row, numbers[by_key["due"]])] = moved
            out.moved.append((name, task.due, moved))
    earlier_columns, earlier = _history_rows(history)
    order = list(dict.fromkeys([*LEAD, *earlier_columns, *columns]))
    out.history = pd.DataFrame([*earlier, *records], columns=order).astype(object)
    out.history = out.history.where(out.history.notna(), None)
    return out
