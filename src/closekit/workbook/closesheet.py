"""The Close sheet: the workbook's front page, with the buttons and what the last run did.

The template (:mod:`closekit.workbook.template`) lays it out; every run (command line, Python, xlwings
Lite, the classic add-in) writes its status cells through the sheet adapter's ``updates``, in the
same atomic write as the output sheets, so the page never shows a run that did not happen. A
workbook without a Close sheet (made before it existed) is left as it is.

Layout (the cells are fixed; the labels are in column A):

====  ===========  ====================================================
B3    Period       the period of the run
B4    Status       ``Closed: no errors`` / ``Errors: see Findings`` ...
B5    Last run     UTC time and what ran (``close``, ``validate``...)
B6    Errors       count of findings of severity Error
B7    Warnings     count of Warning
B8    Infos        count of Info
B9    Progress     the steps that ran, each with ✓ (clean) or ✗
====  ===========  ====================================================

Buttons (shapes with a link to the cell they cover, the xlwings Lite sheet-button mechanism,
docs/excel.md): the shape names and cells are :data:`BUTTONS`.
"""

from __future__ import annotations

import datetime as dt

from closekit.sheetio.base import SheetIO, claim, marked
from closekit.workbook.checklist import StepOutcome

SHEET = "Close"
CELLS = {
    "period": "B3",
    "status": "B4",
    "last_run": "B5",
    "errors": "B6",
    "warnings": "B7",
    "infos": "B8",
    "progress": "B9",
}
LABELS = {
    "period": "Period",
    "status": "Status",
    "last_run": "Last run",
    "errors": "Errors",
    "warnings": "Warnings",
    "infos": "Infos",
    "progress": "Progress",
}
#: (script, shape name, caption, linked cell the shape covers) of each sheet button.
BUTTONS = (
    ("validate", "closekit_validate", "Validate", "E3"),
    ("run_close", "closekit_close", "Run close", "E5"),
    ("export_upload", "closekit_export", "Export upload journal", "E7"),
    ("hold_period", "closekit_hold", "Put period on hold", "E9"),
)


def status_text(command: str, counts: dict[str, int]) -> str:
    if counts.get("Error", 0):
        return f"{command}: errors, see Findings"
    if counts.get("Warning", 0):
        return f"{command}: done, with warnings (see Findings)"
    return f"{command}: done, no errors"


def progress_text(outcomes: dict[str, StepOutcome] | None) -> str:
    if not outcomes:
        return ""
    return "  ".join(f"{step} {'✓' if o.clean else '✗'}" for step, o in outcomes.items() if o.ran)


def is_closekits(io: SheetIO, name: str) -> bool:
    """Whether the workbook's sheet ``name`` is closekit's Close sheet: it carries closekit's marker, or
    it is laid out as the template lays it out (the labels of :data:`LABELS` in A3:A9, as every
    workbook made before the marker has it). A sheet of the user's own called Close is never written."""
    if marked(io, name):
        return True
    table = io.read_sheet(name)
    if table is None or not len(table):
        return False
    labels = {int(r): str(v).strip() for r, v in zip(table.rows, table.frame.iloc[:, 0], strict=False)}
    if not all(labels.get(int(CELLS[key][1:])) == LABELS[key] for key in CELLS):
        return False
    claim(io, name)  # the write marks it: from then on it is closekit's whatever its labels say
    return True


def updates(
    sheet_names: list[str] | SheetIO,
    *,
    command: str,
    period: str,
    counts: dict[str, int],
    now: dt.datetime,
    outcomes: dict[str, StepOutcome] | None = None,
    status: str | None = None,
) -> dict[str, dict[str, object]]:
    """The Close sheet's cells for a run (``{}`` when the workbook has no Close sheet, or when given
    the workbook (``SheetIO``) and its sheet named Close is not closekit's: :func:`is_closekits`)."""
    io = None if isinstance(sheet_names, list | tuple) else sheet_names
    names = io.sheet_names() if io is not None else sheet_names
    name = next((n for n in names if n.lower() == SHEET.lower()), None)
    if name is None or (io is not None and not is_closekits(io, name)):
        return {}
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    values = {
        "period": period,
        "status": status or status_text(command, counts),
        "last_run": f"{stamp} {command}",
        "errors": counts.get("Error", 0),
        "warnings": counts.get("Warning", 0),
        "infos": counts.get("Info", 0),
        "progress": progress_text(outcomes),
    }
    return {name: {CELLS[key]: value for key, value in values.items()}}
