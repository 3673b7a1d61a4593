"""The Checklist ``closekit new`` writes: the period-end close of the general ledger as Dynamics 365
describes it ("Close the general ledger at period end", ../shared/seed), one task per step, in the
order closekit runs them (domain.md §9: settle before revaluing), with the automated ``Step`` where
closekit has one, an ``Area``, a ``DueDay`` in working days from the period end and the
``DependsOn`` a controller would expect. Edit it freely: it is a starting point, typed like any
Checklist (docs/close.md "The checklist").
"""

from __future__ import annotations

from closekit.workbook import schema

#: (Task, Step, Area, DueDay, DependsOn)
TASKS: tuple[tuple[str, str | None, str, int, str | None], ...] = (
    ("Complete the period-end tasks of Accounts receivable", None, "AR", 1, None),
    ("Complete the period-end tasks of Accounts payable", None, "AP", 1, None),
    ("Complete the period-end tasks of Inventory", None, "Inventory", 1, None),
    (
        "Import the general-ledger export",
        "import",
        "GL",
        2,
        "Complete the period-end tasks of Accounts receivable, Complete the period-end tasks of Accounts payable, "
        "Complete the period-end tasks of Inventory",
    ),
    ("Verify that all journals are posted", "validate", "GL", 2, "Import the general-ledger export"),
    ("Settle the transactions of each ledger account", "settlement", "GL", 2, "Verify that all journals are posted"),
    ("Run foreign-currency revaluation", "revaluation", "GL", 3, "Settle the transactions of each ledger account"),
    ("Process the allocations", "allocation", "GL", 3, "Run foreign-currency revaluation"),
    ("Post manual period-end adjustments", None, "GL", 4, "Process the allocations"),
    (
        "Review the ledger journal report and the trial balance",
        "trial-balance",
        "GL",
        4,
        "Post manual period-end adjustments",
    ),
    (
        "Consolidate the subsidiaries (a group only: else Skipped)",
        "consolidation",
        "Consolidation",
        5,
        "Review the ledger journal report and the trial balance",
    ),
    (
        "Produce the period-end financial statements",
        "statements",
        "Reporting",
        5,
        "Review the ledger journal report and the trial balance",
    ),
    ("Put the period On hold", "period-hold", "GL", 5, "Produce the period-end financial statements"),
)


def rows() -> list[list[object]]:
    """The default Checklist rows, in the sheet's column order (Status Not started)."""
    headers = [header for header, _, _ in schema.SheetSpec("Checklist", schema.ChecklistRow, "").columns()]
    out = []
    for task, step, area, due_day, depends_on in TASKS:
        cells = {
            "Task": task,
            "Step": step,
            "DependsOn": depends_on,
            "Status": "Not started",
            "DueDay": due_day,
            "Area": area,
        }
        out.append([cells.get(header) for header in headers])
    return out
