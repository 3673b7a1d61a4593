"""The rules a sign-off must keep, on every path (issue 16 item 3; docs/close.md "Sign-off rules").

:mod:`closekit.review.signoffs` decides whether a sign-off still covers the figures; this module
decides whether it counts at all. Each close applies the rules to the Checklist as the run found
it (and after the suspensions of the same run); ``closekit signoff`` applies the same ones before
it writes (:func:`refusal`), so a name typed into the sheet is held to what the command refuses:

* **Two people**: the reviewer is not the preparer (``signoff-same-person``, Error).
* **In order**: the reviewer signs after the preparer (``signoff-out-of-order``, Error): a
  reviewer's sign-off without the preparer's, or dated before it.
* **A true date**: a typed date (``PreparedAt``, ``ReviewedAt``) that cannot be read
  (``signoff-bad-date``), that is after today (``signoff-future-date``) or before the period's
  figures were first produced, the first close of the period in the RunLog
  (``signoff-backdated``), all Errors.
* **Who typed it**: a typed sign-off is stamped with the operating-system login of the run that
  first saw it (``PreparerLogin``, ``ReviewerLogin``), beside the name typed; ``closekit signoff``
  writes the login of whoever ran it.

A sign-off that breaks a rule does not count: its time, hash, login and signature cells are
cleared (the name stays, so the person signs again) and the Error names the cell. And a **review
task** (Step ``trial-balance``, ``reconciliation`` or ``flux``, or any task someone is named on as Preparer or
Reviewer) is ``Done`` only with both sign-offs (:func:`hold_done`): until then a clean run leaves it
``In progress`` with a ``signoff-pending`` Info.

Pure: Checklist rows, cell updates and the run's facts in; cell updates and findings out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.review import signoffs
from closekit.sheetio.base import a1
from closekit.sources.tables import RawTable
from closekit.workbook import schema

#: role -> the Checklist column of the login stamped beside the name, and of the SSH signature.
LOGINS = {"preparer": "PreparerLogin", "reviewer": "ReviewerLogin"}
SIGNATURES = signoffs.SIGNATURES
#: Steps whose task is a review: Done only once prepared and reviewed.
REVIEW_STEPS = ("trial-balance", "reconciliation", "flux")
IN_PROGRESS = "In progress"
_AT = {"preparer": "prepared_at", "reviewer": "reviewed_at"}


@dataclass(frozen=True)
class RunFacts:
    """What the rules need to know of the run: today (UTC), the login of the user running it and
    the day the period's figures were first produced (None: this run produces them)."""

    today: dt.date
    login: str
    produced: dt.date | None = None


def moment(text: str | None) -> pd.Timestamp | None:
    """A typed sign-off time: ``2026-11-03 10:00:00Z`` (closekit's stamp), an ISO date or time, an
    Excel date cell, or a date as the sheets accept it (``04.11.2026``); None when unreadable."""
    value = (text or "").strip()
    if not value:
        return None
    full = pd.to_datetime(value.removesuffix("Z"), errors="coerce", format="ISO8601")
    if not pd.isna(full):
        return full.tz_localize(None) if full.tzinfo is not None else full
    dates, bad, _ = parsing.parse_dates(pd.Series([value], dtype=object))
    return None if bool(bad.iloc[0]) else dates.iloc[0]


def _before(first: pd.Timestamp, second: pd.Timestamp) -> bool:
    """``first`` is earlier than ``second``; by the day when either has no time of day."""
    if first.normalize() == first or second.normalize() == second:
        return first.normalize() < second.normalize()
    return first < second


def is_review(task: schema.ChecklistRow) -> bool:
    return (task.step or "") in REVIEW_STEPS or bool(task.preparer or task.reviewer)


def check(
    checklist: list[tuple[int, schema.ChecklistRow]],
    sheet: RawTable | None,
    updates: dict[str, object],
    facts: RunFacts,
) -> list[dict]:
    """Apply the rules to every sign-off as it stands after ``updates`` (the suspensions of this
    run); void those that break one and stamp the login of those typed. Changes ``updates`` in
    place; returns the findings."""
    columns = signoffs.columns_of(sheet)

    def ref(row: int, header: str) -> str | None:
        number = columns.get(parsing.header_key(header))
        return a1(row, number) if number else None

    def now_value(row: int, header: str, value: str | None) -> str:
        cell = ref(row, header)
        if cell in updates:
            return "" if updates[cell] is None else str(updates[cell])
        return value or ""

    found: list[dict] = []
    for row, task in checklist:
        standing: dict[str, tuple[str, str, pd.Timestamp | None]] = {}
        for role, (_, at_col, hash_col) in signoffs.ROLES.items():
            name = (getattr(task, role) or "").strip()
            at = now_value(row, at_col, getattr(task, _AT[role]))
            if not name or not at or ref(row, hash_col) is None:
                continue
            typed = not (task.prepared_hash if role == "preparer" else task.reviewed_hash)
            when = moment(at)
            problem = _date_problem(when, at, facts) if typed else None
            if problem:
                code, what = problem
                found.append(_finding(code, row, task, role, name, at_col, what))
                _void(updates, row, role, ref)
                continue
            if typed and (login := ref(row, LOGINS[role])) and updates.get(ref(row, hash_col) or ""):
                updates[login] = facts.login or "unknown"
            standing[role] = (name, at, when)
        reviewer = standing.get("reviewer")
        if reviewer is None:
            continue
        preparer = standing.get("preparer")
        name_col, at_col = signoffs.ROLES["reviewer"][:2]
        if preparer is not None and preparer[0].lower() == reviewer[0].lower():
            what = f"is by {reviewer[0]}, who prepared it too: preparer and reviewer must be two people"
            found.append(_finding("signoff-same-person", row, task, "reviewer", reviewer[0], name_col, what))
            _void(updates, row, "reviewer", ref)
        elif preparer is None:
            what = f"of {reviewer[0]} comes before any preparer's: the reviewer signs after the preparer"
            found.append(_finding("signoff-out-of-order", row, task, "reviewer", reviewer[0], at_col, what))
            _void(updates, row, "reviewer", ref)
        elif reviewer[2] is not None and preparer[2] is not None and _before(reviewer[2], preparer[2]):
            what = (
                f"of {reviewer[0]} on {reviewer[1]} is dated before the preparer's ({preparer[0]} on "
                f"{preparer[1]}): the reviewer signs after the preparer"
            )
            found.append(_finding("signoff-out-of-order", row, task, "reviewer", reviewer[0], at_col, what))
            _void(updates, row, "reviewer", ref)
    return found


def _date_problem(when: pd.Timestamp | None, at: str, facts: RunFacts) -> tuple[str, str] | None:
    if when is None:
        return "signoff-bad-date", f"is dated {at!r}, which is not a date (expected e.g. 2026-11-04)"
    day = when.date()
    if day > facts.today:
        return "signoff-future-date", f"is dated {at}, after today ({facts.today:%Y-%m-%d})"
    produced = facts.produced or facts.today
    if day < produced:
        return (
            "signoff-backdated",
            f"is dated {at}, before the period's figures were first produced ({produced:%Y-%m-%d}): "
            "nobody can have signed them then",
        )
    return None


def _void(updates: dict[str, object], row: int, role: str, ref) -> None:
    _, at_col, hash_col = signoffs.ROLES[role]
    for header in (at_col, hash_col, LOGINS[role], SIGNATURES[role]):
        cell = ref(row, header)
        if cell:
            updates[cell] = None


def _finding(code: str, row: int, task: schema.ChecklistRow, role: str, name: str, column: str, what: str) -> dict:
    return fnd.finding(
        code,
        "Checklist",
        f"task {task.task!r}: the {role} sign-off {what}; it does not count",
        row=row,
        column=column,
        fix="Sign again with closekit signoff (or type your name and today's date), after the preparer.",
    )


def refusal(task: schema.ChecklistRow, role: str, name: str) -> str | None:
    """Why ``closekit signoff`` refuses ``name`` signing ``task`` as ``role`` (None: it may sign)."""
    other = task.reviewer if role == "preparer" else task.preparer
    other_at = task.reviewed_at if role == "preparer" else task.prepared_at
    if other and other_at and other.strip().lower() == name.strip().lower():
        return f"{name} already signed task {task.task!r} as the other role: preparer and reviewer must differ"
    if role == "reviewer" and not (task.preparer and task.prepared_at):
        return f"task {task.task!r} has no preparer's sign-off yet: the reviewer signs after the preparer"
    if role == "preparer" and task.reviewer and task.reviewed_at:
        return (
            f"{task.reviewer} reviewed task {task.task!r} already: the reviewer signs after the preparer "
            f"(clear ReviewedAt, sign as preparer, then the reviewer signs again)"
        )
    return None


def complete(
    sheet: RawTable | None, row: int, task: schema.ChecklistRow, role: str, cells: dict[str, object], when: str
) -> dict[str, object]:
    """The cells of ``closekit signoff`` with the review task ``Done`` (and its Completed stamped)
    when this sign-off is the second one a task held ``In progress`` by :func:`hold_done` waited
    for: its step ran clean (it has figures and is not Blocked) and the other role has signed."""
    columns = signoffs.columns_of(sheet)
    status_ref = a1(row, columns["status"]) if "status" in columns else None
    status = cells.get(status_ref, task.status) if status_ref else None
    if not status_ref or not is_review(task) or not task.figures_hash or status != IN_PROGRESS:
        return cells
    other = "reviewer" if role == "preparer" else "preparer"
    if not (getattr(task, other) and getattr(task, _AT[other])):
        return cells
    out = dict(cells)
    out[status_ref] = "Done"
    if "completed" in columns:
        out[a1(row, columns["completed"])] = when
    return out


def _signed(values: dict[str, str], role: str) -> bool:
    name_col, at_col, _ = signoffs.ROLES[role]
    return bool(values.get(name_col) and values.get(at_col))


def hold_done(
    checklist: list[tuple[int, schema.ChecklistRow]], sheet: RawTable | None, cells: dict[str, object]
) -> dict[str, object]:
    """The Checklist cells to write, with every review task that would be ``Done`` without both
    sign-offs left ``In progress`` (its Completed cleared). Only for a Checklist with the sign-off
    columns."""
    columns = signoffs.columns_of(sheet)
    if "preparer" not in columns or "reviewer" not in columns or "status" not in columns:
        return cells
    out = dict(cells)
    attrs = {"Status": "status", "Preparer": "preparer", "PreparedAt": "prepared_at"}
    attrs |= {"Reviewer": "reviewer", "ReviewedAt": "reviewed_at"}
    for row, task in checklist:
        if not is_review(task):
            continue
        values = {}
        for header, attr in attrs.items():
            number = columns.get(parsing.header_key(header))
            cell = a1(row, number) if number else None
            value = out[cell] if cell in out else getattr(task, attr)
            values[header] = "" if value is None else str(value).strip()
        if values["Status"] != "Done" or (_signed(values, "preparer") and _signed(values, "reviewer")):
            continue
        out[a1(row, columns["status"])] = IN_PROGRESS
        if "completed" in columns:
            out[a1(row, columns["completed"])] = None
    return out


def pending(
    checklist: list[tuple[int, schema.ChecklistRow]],
    sheet: RawTable | None,
    updates: dict[str, object],
    clean_steps: set[str],
) -> list[dict]:
    """``signoff-pending`` Infos: review tasks whose step ran clean this run but that lack a
    sign-off, after ``updates`` (so they stay In progress, :func:`hold_done`)."""
    columns = signoffs.columns_of(sheet)
    if "preparer" not in columns or "reviewer" not in columns:
        return []
    found = []
    for row, task in checklist:
        if not is_review(task) or (task.step or "") not in clean_steps:
            continue
        missing = []
        for role, (_, at_col, _) in signoffs.ROLES.items():
            number = columns.get(parsing.header_key(at_col))
            at_ref = a1(row, number) if number else None
            at = updates[at_ref] if at_ref in updates else getattr(task, _AT[role])
            if not getattr(task, role) or not at:
                missing.append(role)
        if missing:
            column = signoffs.ROLES[missing[0]][0]
            found.append(
                fnd.finding(
                    "signoff-pending",
                    "Checklist",
                    f"task {task.task!r}: its step ran clean, and it is Done once prepared and reviewed (no "
                    f"{' and no '.join(missing)} sign-off yet)",
                    row=row,
                    column=column,
                    severity=fnd.Severity.INFO,
                    fix="The preparer, then a reviewer (another person) signs: closekit signoff WORKBOOK TASK --as ...",
                )
            )
    return found


def command_cells(
    checklist: list[tuple[int, schema.ChecklistRow]],
    sheet: RawTable | None,
    task: schema.ChecklistRow,
    role: str,
    login: str,
    signature: str | None = None,
) -> dict[str, object]:
    """The login (and signature) cells ``closekit signoff`` writes beside the name, where the
    Checklist has those columns; an older sign-off's signature is cleared."""
    columns = signoffs.columns_of(sheet)
    row = next(r for r, t in checklist if t is task)
    out: dict[str, object] = {}
    for header, value in ((LOGINS[role], login or "unknown"), (SIGNATURES[role], signature)):
        number = columns.get(parsing.header_key(header))
        if number:
            out[a1(row, number)] = value
    return out
