"""Period status (domain.md §4): putting the closing period On hold after a clean validation
(``closekit close --steps period-hold``'s standalone form, the Excel button), and ``closekit period``:
Open <-> On hold, Permanently closed only when confirmed and never reopened."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from closekit.closing import flux
from closekit.core import findings as fnd
from closekit.errors import CloseKitError
from closekit.pipeline import runlog
from closekit.pipeline.reading import locked, open_workbook
from closekit.pipeline.results import HoldResult
from closekit.pipeline.validate import validate
from closekit.review import period_status
from closekit.sheetio.base import SheetIO
from closekit.workbook import checklist, closesheet, outputs
from closekit.workbook.book import read_settings
from closekit.workbook.checklist import StepOutcome


def hold_period(workbook: str | Path | SheetIO, *, period: str | None = None, user: str | None = None) -> HoldResult:
    """Validate, and plan putting ``period`` (default Settings ``Period``) On hold by the rules of
    :mod:`closekit.review.period_status` (a Permanently closed period is never touched); never over
    errors. Nothing is written: see :func:`write_hold`."""
    checked = validate(workbook, user=user)
    code = period or (checked.book.settings.period if checked.book.settings else "")
    change = period_status.plan(
        checked.io.read_sheet("Periods"), code, period_status.ON_HOLD, where=checked.io.where
    )
    cell, why = (change.cell or None), change.reason
    if change.outcome == period_status.UNCHANGED:
        cell, why = None, f"period {code} is already On hold"
    if cell is not None and not checked.ok:
        why = "the validation found errors; the period is never put on hold over errors"
    if cell is not None and not why:
        sheet = checked.io.read_sheet(flux.SHEET)
        unexplained = flux.unexplained_reason(sheet.frame if sheet is not None else None, code)
        if unexplained:
            why = f"{unexplained}; a period is never put on hold over unexplained variances"
            refused = fnd.finding(
                "period-hold-skipped",
                "Periods",
                f"period {code} was not put on hold: {why}",
                severity=fnd.Severity.ERROR,
            )
            checked = dataclasses.replace(checked, findings=fnd.combine([checked.findings, fnd.frame([refused])]))
    return HoldResult(checked, code, cell, why)


def write_hold(
    result: HoldResult, *, command: str = "period-hold", now: dt.datetime | None = None, user: str | None = None
) -> list[str]:
    """Write Findings and a RunLog row, and (when allowed) the period's Status ``On hold``, ticking
    the Checklist's ``period-hold`` task, in one atomic write."""
    now = now or dt.datetime.now(dt.UTC)
    io, book = result.validation.io, result.validation.book
    outcome = {"period-hold": StepOutcome(True, result.held, result.reason)}
    updates: dict[str, dict[str, object]] = {}
    if result.held:
        updates["Periods"] = {result.cell: period_status.ON_HOLD}
    cells, _, _ = checklist.tick(book, io.read_sheet("Checklist"), outcome, now)
    if cells:
        updates["Checklist"] = cells
    status = f"period {result.period} put on hold" if result.held else f"not put on hold: {result.reason}"
    updates.update(
        closesheet.updates(
            io, command=command, period=result.period, counts=result.counts, now=now,
            outcomes=outcome, status=status,
        )
    )
    written = [outputs.FINDINGS, outputs.RUNLOG, *(f"{name} (cells)" for name in updates)]
    entry = runlog.entry(
        now=now,
        command=command,
        period=result.period,
        user_name=user,
        hashes=result.validation.input_hashes(),
        counts=result.counts,
        written=written,
        result="ok" if result.held else "errors",
    )
    io.write_sheets([outputs.findings_sheet(result.findings), runlog.sheet(io, entry, updates)], updates or None)
    return written


def set_period_status(
    workbook: str | Path | SheetIO,
    period: str,
    status: str,
    *,
    confirm: bool = False,
    dry_run: bool = False,
    command: str = "period",
    now: dt.datetime | None = None,
    user: str | None = None,
) -> period_status.PeriodChange:
    """Set the Status of ``period`` in the workbook's Periods sheet (domain.md §4): Open <-> On hold
    freely, to Permanently closed only with ``confirm``, never back from Permanently closed.

    A change writes that one Status cell and a RunLog row (who, when, old -> new) in one atomic
    write; a refused or unchanged request writes nothing (the file stays byte for byte as it was).
    Unreadable workbooks raise :class:`~closekit.errors.CloseKitError` as everywhere else."""
    new = period_status.parse_status(status)
    with locked(workbook):
        io = open_workbook(workbook)
        change = period_status.plan(io.read_sheet("Periods"), period, new, where=io.where, confirmed=confirm)
        recorded = runlog.history(io).closed.get(period)
        if recorded and change.old != period_status.PERMANENTLY_CLOSED and change.outcome != period_status.REFUSED:
            change = dataclasses.replace(
                change,
                outcome=period_status.REFUSED,
                cell="",
                reason=f"it is Permanently closed (recorded in {recorded}), although its Status cell now says "
                f"{change.old!r}: a permanently closed period is never reopened",
            )
        settings = read_settings(io.read_sheet("Settings"))[0]
        change = dataclasses.replace(change, company=settings.company if settings else "")
        if change.changed and not dry_run:
            now = now or dt.datetime.now(dt.UTC)
            entry = runlog.entry(
                now=now,
                command=command,
                period=period,
                user_name=user,
                hashes={io.where: io.fingerprint() or ""},
                counts={},
                written=[f"Periods!{change.cell} (Status)", outputs.RUNLOG],
                result=f"period {period}: {change.old} -> {change.new}",
            )
            cells = {"Periods": {change.cell: change.new}}
            io.write_sheets([runlog.sheet(io, entry, cells)], cells)
    return change


def set_period_statuses(
    workbooks: Iterable[str | Path], period: str, status: str, **options
) -> list[period_status.PeriodChange]:
    """:func:`set_period_status` for many companies' workbooks (the mass period close of domain.md
    §4 rule 5): each workbook on its own, so a refusal or an unreadable file in one leaves the
    others' changes in place; unreadable workbooks come back refused with the reason."""
    new = period_status.parse_status(status)
    changes = []
    for workbook in workbooks:
        try:
            changes.append(set_period_status(workbook, period, new, **options))
        except CloseKitError as problem:
            name = workbook.name if isinstance(workbook, Path) else Path(str(workbook)).name
            changes.append(period_status.PeriodChange(name, period, "", new, period_status.REFUSED, str(problem)))
    return changes
