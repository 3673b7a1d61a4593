"""The close checklist ticks itself (domain.md §7; workbook.md "Checklist").

A task whose ``Step`` ran without errors gets Status ``Done`` and ``Completed`` (UTC time); a task
whose ``DependsOn`` tasks are not all Done is left as it is; a step that failed sets the task
``Blocked`` with the reason in ``Notes``. Manual tasks (no Step) and tasks of steps that did not
run are untouched. The result is a set of cell updates, written by the sheet adapter in the same
atomic write as the output sheets; nothing else of the Checklist sheet changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.sheetio.base import a1
from closekit.sources.tables import RawTable
from closekit.workbook.book import CloseBook

DONE, BLOCKED = "Done", "Blocked"


@dataclass(frozen=True)
class StepOutcome:
    ran: bool
    clean: bool
    reason: str = ""


def tick(
    book: CloseBook, sheet: RawTable | None, outcomes: dict[str, StepOutcome], now: dt.datetime
) -> tuple[dict[str, object], list[dict], list[str]]:
    """(cell updates for the Checklist sheet by A1 reference, findings, tasks ticked)."""
    if sheet is None or not book.checklist:
        return {}, [], []
    numbers = sheet.meta.get("column_numbers", {})
    by_key = {parsing.header_key(name): number for name, number in numbers.items()}
    status_col, completed_col, notes_col = (by_key.get(k) for k in ("status", "completed", "notes"))
    if status_col is None:
        return (
            {},
            [
                fnd.finding(
                    "bad-setting",
                    "Checklist",
                    "the Checklist sheet has no Status column, so closekit cannot tick its tasks",
                    row=1,
                    column="Status",
                    severity=fnd.Severity.WARNING,
                )
            ],
            [],
        )
    status = {task.task: (task.status or "") for _, task in book.checklist}
    updates: dict[str, object] = {}
    ticked: list[str] = []
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    for row, task in book.checklist:
        outcome = outcomes.get(task.step or "")
        if outcome is None or not outcome.ran:
            continue
        if not outcome.clean:
            status[task.task] = BLOCKED
            updates[a1(row, status_col)] = BLOCKED
            if notes_col:
                updates[a1(row, notes_col)] = outcome.reason
            continue
        waiting = [d for d in parsing.split_list(task.depends_on) if status.get(d) != DONE]
        if waiting:
            continue
        status[task.task] = DONE
        ticked.append(task.task)
        updates[a1(row, status_col)] = DONE
        if completed_col:
            updates[a1(row, completed_col)] = stamp
    return updates, [], ticked
