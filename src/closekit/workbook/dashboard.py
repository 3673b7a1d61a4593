"""The Dashboard sheet's data block (issue 7; docs/close.md "Dashboard").

The template (:mod:`closekit.workbook.template`) makes the Dashboard sheet once: titles, labels and three
native Excel charts (checklist progress, findings by severity, largest variances) that point at
the data cells laid out here. Each close writes only those data cells, as cell updates in the
same atomic write as the outputs; Excel and LibreOffice redraw the charts from the cells. The
charts carry no cached values, so no stale picture survives a run. A workbook without a
Dashboard sheet (made before it existed) gets none, and a sheet named Dashboard whose A1 is not
:data:`TITLE` is the user's own and is never written.

Pure: the run's figures in, ``{A1 reference: value}`` out.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from closekit.core import money, parsing

SHEET = "Dashboard"
TITLE = "Close dashboard"
#: (label, A1 of the value) of the header block.
HEADER = [("Company", "B2"), ("Period", "B3"), ("Last run (UTC)", "B4"), ("Result", "B5")]
#: Checklist block: header row, then one row per status (labels in A, counts in B).
CHECKLIST_ROW = 7
CHECKLIST_STATUSES = ("Done", "In progress", "Not started", "Blocked", "Skipped", "Sign-off suspended")
#: Findings block.
FINDINGS_ROW = CHECKLIST_ROW + len(CHECKLIST_STATUSES) + 2
SEVERITIES = ("Error", "Warning", "Info")
#: Largest variances block: account labels in A, variance against the prior period in B.
VARIANCES_ROW = FINDINGS_ROW + len(SEVERITIES) + 2
TOP = 10
#: Due dates block (issue 18 item 3), below the variances: header, then Past due and Due today. Its labels
#: are written with the counts, so a Dashboard made before the block existed shows it too.
DUE_ROW = VARIANCES_ROW + TOP + 2
DUE_LABELS = ("Past due", "Due today")

_STATUS_KEYS = {parsing.header_key(s): s for s in CHECKLIST_STATUSES} | {
    "completed": "Done",
    "complete": "Done",
    "notstarted": "Not started",
    "": "Not started",
}


def status_counts(statuses: Iterable[str]) -> dict[str, int]:
    """Tasks per status; spellings such as ``InProgress`` or ``Completed`` count as theirs, any
    other status as Not started."""
    counts = dict.fromkeys(CHECKLIST_STATUSES, 0)
    for status in statuses:
        counts[_STATUS_KEYS.get(parsing.header_key(status or ""), "Not started")] += 1
    return counts


def cells(
    *,
    company: str,
    period: str,
    when: str,
    result: str,
    statuses: Iterable[str],
    counts: dict[str, int],
    variances: pd.DataFrame,
    currency: str,
    past_due: int = 0,
    due_today: int = 0,
) -> dict[str, object]:
    """The data cells of the Dashboard sheet for one run (rows without data are cleared);
    ``variances`` are the largest flux variances (Account, Name, Variance), the first :data:`TOP`
    shown (:func:`closekit.closing.flux.largest_variances`); ``past_due`` and ``due_today`` the unfinished
    tasks due before today and today (:mod:`closekit.workbook.due_dates`)."""
    out: dict[str, object] = dict(zip([ref for _, ref in HEADER], [company, period, when, result], strict=True))
    for i, count in enumerate(status_counts(statuses).values(), start=CHECKLIST_ROW + 1):
        out[f"B{i}"] = count
    for i, severity in enumerate(SEVERITIES, start=FINDINGS_ROW + 1):
        out[f"B{i}"] = int(counts.get(severity, 0))
    top = variances.head(TOP).to_dict("records")
    for i in range(TOP):
        row = VARIANCES_ROW + 1 + i
        if i < len(top):
            rec = top[i]
            out[f"A{row}"] = f"{rec['Account']} {rec['Name']}".strip()
            out[f"B{row}"] = money.to_decimal(int(rec["Variance"]), currency)
        else:
            out[f"A{row}"] = None
            out[f"B{row}"] = None
    out[f"A{DUE_ROW}"], out[f"B{DUE_ROW}"] = "Due dates", "Tasks"
    for i, (label, value) in enumerate(zip(DUE_LABELS, (past_due, due_today), strict=True), start=DUE_ROW + 1):
        out[f"A{i}"], out[f"B{i}"] = label, int(value)
    return out
