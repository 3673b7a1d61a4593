"""A group's close at a glance (docs/close.md "A group's close at a glance"): for each company's
close workbook, its period's status, checklist progress, past-due tasks, the last run's Errors and
when that run was, read from the workbook without closing it.

A group workbook brings its subsidiaries with it: the workbooks its Consolidation sheet names are
read too (each path under the same folder rule as a consolidation, SECURITY.md), so ``closekit
status group.xlsx`` is the mass close view of the whole group. A workbook that cannot be read is a
row that says why, never a stop: the other companies are still shown.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd

from closekit.errors import CloseKitError
from closekit.pipeline.reading import open_workbook, read_close_book
from closekit.sheetio.base import OutputSheet
from closekit.sources import folder_rule
from closekit.workbook import dashboard, due_dates, outputs
from closekit.workbook.book import CloseBook


@dataclass(frozen=True)
class CompanyStatus:
    """One company's row of the status view."""

    workbook: str
    company: str = ""
    period: str = ""
    period_status: str = ""
    tasks: int = 0
    done: int = 0
    past_due: int = 0
    due_today: int = 0
    blocked: int = 0
    #: Errors, warnings of the last run in the RunLog (None: no run yet).
    errors: int | None = None
    warnings: int | None = None
    last_run: str = ""
    last_command: str = ""
    #: Whether the RunLog's hash chain holds ("" when there is no RunLog).
    log: str = ""
    #: Why the workbook could not be read ("" when it was).
    problem: str = ""
    #: The group workbook this company was found through ("" for a workbook named directly).
    group: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def company_status(workbook: str | Path, today: dt.date, group: str = "") -> CompanyStatus:
    """The status of one close workbook as of ``today`` (the caller's date: this reads no clock)."""
    return _read(workbook, today, group)[0]


def _read(workbook: str | Path, today: dt.date, group: str = "") -> tuple[CompanyStatus, CloseBook | None]:
    try:
        io = open_workbook(workbook)
        book = read_close_book(io)
    except (CloseKitError, OSError) as exc:
        return CompanyStatus(str(workbook), problem=str(exc), group=group), None
    settings = book.settings
    period = settings.period if settings else ""
    entry = book.calendar.get(period) if period else None
    statuses = [item.status or "" for _, item in book.checklist]
    counts = dashboard.status_counts(statuses)
    dues = due_dates.due_dates(book)
    due = due_dates.count(((dues[row], item.status) for row, item in book.checklist), today)
    runlog = outputs.read_runlog(io)
    last = runlog.frame.iloc[-1] if runlog is not None and len(runlog) else None
    check = outputs.verify_runlog(runlog, io.where) if runlog is not None else None
    found = CompanyStatus(
        workbook=str(workbook),
        company=(settings.company if settings else "") or Path(str(workbook)).stem,
        period=period,
        period_status=str(entry["status"]) if entry else "not in Periods",
        tasks=len(statuses),
        done=counts["Done"],
        past_due=due.past_due,
        due_today=due.due_today,
        blocked=counts["Blocked"],
        errors=_count(last, "Errors"),
        warnings=_count(last, "Warnings"),
        last_run=str(last["TimeUTC"]) if last is not None else "",
        last_command=str(last["Command"]) if last is not None else "",
        log=("intact" if check.ok else "broken") if check is not None else "",
        group=group,
    )
    return found, book


def status(workbooks: list[str | Path], today: dt.date) -> list[CompanyStatus]:
    """The status of each workbook and, after a group workbook, of each subsidiary it names; a
    workbook met twice (named and also a subsidiary) is shown once, where it was first met."""
    rows: dict[str, CompanyStatus] = {}
    for workbook in workbooks:
        found, book = _read(workbook, today)
        subsidiaries = _subsidiaries(book, Path(workbook).resolve().parent, str(workbook), today) if book else []
        for row in [found, *subsidiaries]:
            key = os.path.realpath(row.workbook)
            if key not in rows:
                rows[key] = row
            elif row.group and not rows[key].group:
                rows[key] = replace(rows[key], group=row.group)
    return list(rows.values())


def _subsidiaries(book: CloseBook, folder: Path, group: str, today: dt.date) -> list[CompanyStatus]:
    rows = []
    for row, item in book.consolidation:
        try:
            folder_rule.check_sheet_path(item.workbook, folder, row, "Consolidation")
        except (CloseKitError, OSError) as exc:
            rows.append(CompanyStatus(item.workbook, company=item.company, problem=str(exc), group=group))
            continue
        found = company_status(folder_rule.resolve(item.workbook, folder), today, group=group)
        rows.append(found if found.company else replace(found, company=item.company))
    return rows


#: The group workbook's GroupStatus sheet: one row per subsidiary (docs/workbook.md "Output sheets").
SHEET = "GroupStatus"
_SHEET_COLUMNS = {
    "Company": "company",
    "Workbook": "workbook",
    "Period": "period",
    "PeriodStatus": "period_status",
    "Tasks": "tasks",
    "Done": "done",
    "PastDue": "past_due",
    "DueToday": "due_today",
    "Blocked": "blocked",
    "Errors": "errors",
    "Warnings": "warnings",
    "LastRunUTC": "last_run",
    "LastCommand": "last_command",
    "RunLog": "log",
    "Problem": "problem",
}


def group_sheet(book: CloseBook, folder: Path, today: dt.date) -> OutputSheet:
    """The group workbook's view of its subsidiaries' own closes, as of ``today``: each as its own
    workbook on disk says (its Checklist, Periods and RunLog), not as the group's close saw it."""
    rows = [r.as_dict() for r in _subsidiaries(book, folder, book.where, today)]
    frame = pd.DataFrame([{c: r[k] for c, k in _SHEET_COLUMNS.items()} for r in rows], columns=list(_SHEET_COLUMNS))
    integers = ("Tasks", "Done", "PastDue", "DueToday", "Blocked", "Errors", "Warnings")
    return OutputSheet(SHEET, frame.astype(object), formats=dict.fromkeys(integers, "integer"), widths={"Workbook": 30})


def _count(last, column: str) -> int | None:
    if last is None or column not in last.index:
        return None
    try:
        return int(float(str(last[column])))
    except ValueError:
        return None
