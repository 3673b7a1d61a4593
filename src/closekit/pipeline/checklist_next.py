"""``closekit checklist next``: keep the closed period's Checklist in ChecklistHistory and start the
next period's schedule (:mod:`closekit.workbook.checklist_rollover`; docs/close.md "The next
period's checklist").

Refused (nothing written) while a task is neither Done nor Skipped, unless ``allow_open``: a
controller rolls the schedule over once the period's close is finished, and a task that is still
open is either done, marked Skipped, or carried over on purpose. Refused too while the Checklist or
Holidays sheet has Errors (a task without a readable due date), while a control cell (Settings,
Periods, a Checklist sign-off) changed since the last RunLog row (a sign-off typed after the last
close has no hash yet: close first), and when ChecklistHistory already holds the period.
Settings ``Period`` moves to the next period only with ``move_period``. The ChecklistHistory
sheet, the Checklist's cells, the Settings Period cell and a RunLog row are one atomic write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from closekit.core import parsing
from closekit.errors import UsageError
from closekit.pipeline import runlog
from closekit.pipeline.reading import locked, open_workbook, read_close_book
from closekit.sheetio.base import OutputSheet, SheetIO, a1, output_target
from closekit.workbook import checklist_rollover, outputs
from closekit.workbook.book import read_settings


@dataclass
class NextResult:
    period: str
    next_period: str
    #: Why nothing was written (empty when the rollover was written).
    refused: list[str] = field(default_factory=list)
    tasks: int = 0
    moved: list[tuple[str, dt.date, dt.date]] = field(default_factory=list)
    period_moved: bool = False
    written: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.refused


def _next_period(book, period: str, where: str) -> str:
    table = book.calendar.table
    codes = table["period"].tolist()
    if period not in codes:
        raise UsageError(f"period {period} is not in the Periods sheet of {where}.")
    at = codes.index(period)
    if at + 1 >= len(codes):
        raise UsageError(
            f"the Periods sheet of {where} has no period after {period}: add the next period (Period, Start, End, "
            "Status) before starting its checklist."
        )
    return str(codes[at + 1])


def checklist_next(
    workbook: str | Path | SheetIO,
    *,
    period: str | None = None,
    move_period: bool = False,
    allow_open: bool = False,
    command: str = "checklist next",
    now: dt.datetime | None = None,
    user: str | None = None,
) -> NextResult:
    """Roll the Checklist of ``period`` (default Settings Period) over to the next period of Periods."""
    now = now or dt.datetime.now(dt.UTC)
    with locked(workbook):
        io = open_workbook(workbook)
        book = read_close_book(io)
        sheet = io.read_sheet("Checklist")
        if sheet is None:
            raise UsageError(f"{io.where} has no Checklist sheet.")
        code = period or (book.settings.period if book.settings else "")
        if not code:
            raise UsageError(f"{io.where}: Settings has no Period; name the period with --period.")
        following = _next_period(book, code, io.where)
        history_name = output_target(io, checklist_rollover.SHEET)
        history = io.read_sheet(history_name)
        plan = checklist_rollover.plan(
            book, sheet, history, period=code, next_period=following, archived=runlog.stamp(now)
        )
        result = NextResult(code, following, tasks=plan.tasks, moved=plan.moved)
        errors = book.findings[
            book.findings["Where"].isin(["Checklist", "Holidays"]) & (book.findings["Severity"] == "Error")
        ]
        for finding in errors.to_dict("records"):
            result.refused.append(
                f"{finding['Where']} row {finding['Row']}, column {finding['Column']}: {finding['Message']}"
            )
        controls, _ = runlog.check_controls(io, user)
        for finding in controls:  # the history keeps only what a RunLog row sealed (a sign-off stamped by a close)
            where = finding["Where"] + (f" row {finding['Row']}" if finding.get("Row") is not None else "")
            result.refused.append(
                f"{where}: {finding['Message']} — run closekit close (or validate) first, so that the RunLog "
                "records it before the checklist is kept"
            )
        if code in checklist_rollover.periods_in(history):
            result.refused.append(
                f"{history_name} already holds the checklist of {code}: its next period's schedule was started "
                "before (delete those history rows first to start it again)"
            )
        if plan.open_tasks and not allow_open:
            for row, task, status in plan.open_tasks:
                result.refused.append(f"Checklist row {row}: {task!r} is {status}, not Done or Skipped")
        if not plan.tasks:
            result.refused.append("the Checklist has no tasks")
        if result.refused:
            return result
        updates: dict[str, dict[str, object]] = {"Checklist": plan.cells}
        result.written = [history_name, "Checklist (Status, Completed, sign-offs, Due)"]
        if move_period:
            settings_sheet = io.read_sheet("Settings")
            _, row_of, _ = read_settings(settings_sheet, book.decimal)
            numbers = settings_sheet.meta.get("column_numbers", {}) if settings_sheet is not None else {}
            value_column = {parsing.header_key(k): v for k, v in numbers.items()}.get("value")
            if "Period" not in row_of or value_column is None:
                raise UsageError(f"{io.where}: the Settings sheet has no Period row to move to {following}.")
            updates["Settings"] = {a1(row_of["Period"], value_column): following}
            result.period_moved = True
            result.written.append(f"Settings Period ({code} -> {following})")
        result.written.append(outputs.RUNLOG)
        entry = runlog.entry(
            now=now,
            command=command,
            period=code,
            user_name=user,
            hashes={io.where: io.fingerprint() or ""},
            counts={},
            written=result.written,
            result=f"checklist of {code} kept in {history_name}; {following}'s schedule started",
        )
        out = OutputSheet(
            history_name,
            plan.history,
            formats={"Due": "date", "DueDate": "date"},
            widths={"Task": 40, "Notes": 30},
        )
        io.write_sheets([out, runlog.sheet(io, entry, updates)], updates)
    return result
