"""``closekit validate``: read the workbook and every source it names, leave out the journal
vouchers the posted ledger already holds (:mod:`closekit.closing.posted_journals`), check the
posting rules, and write the Findings sheet and a RunLog row."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from closekit.closing import posted_journals, reversals, validation
from closekit.closing.importing import SourceSpec, load_ledger
from closekit.core import findings as fnd
from closekit.core.ledger import Ledger, empty_lines
from closekit.core.periods import PERMANENTLY_CLOSED
from closekit.pipeline import runlog
from closekit.pipeline.reading import open_workbook, read_close_book
from closekit.pipeline.results import ValidationResult
from closekit.sheetio.base import SheetIO
from closekit.sources import folder_rule
from closekit.workbook import closesheet, outputs
from closekit.workbook.checklist import StepOutcome


def validate(
    workbook: str | Path | SheetIO,
    *,
    sources: Iterable[str | Path] = (),
    journals: Iterable[str | Path] = (),
    format: str | None = None,
    user: str | None = None,
) -> ValidationResult:
    """Read the close workbook and every journal source it names, and check the posting rules.

    ``sources`` adds files of Kind ``ledger``, ``journals`` files of Kind ``journal`` to those in
    the Sources sheet (a relative path is relative to the current folder, as on the command line;
    Sources paths are relative to the workbook); ``format`` applies to them (default ``auto``).
    ``user`` is the login a period's AccessGroup is checked against (default: the operating-system
    login). Nothing is written: see :func:`write_validation`.
    """
    io = open_workbook(workbook)
    book = read_close_book(io)
    # the control cells against the RunLog's history: a period once Permanently closed stays closed
    control_findings, reclosed = runlog.check_controls(io, user)
    if reclosed:
        book = dataclasses.replace(book, calendar=book.calendar.with_status(reclosed, PERMANENTLY_CLOSED))
    book.findings = fnd.combine([book.findings, fnd.frame(control_findings)])
    if book.settings is None:  # without the accounting currency no amount can be read
        return ValidationResult(io, book, Ledger(empty_lines(()), [], ()), book.findings)
    here = str(Path.cwd())  # a file named by the caller: a relative path is relative to the current folder
    extra = [SourceSpec(str(p), "ledger", format or "auto", base=here) for p in sources]
    extra += [SourceSpec(str(p), "journal", format or "auto", base=here) for p in journals]
    given = [str(Path(here) / Path(s.path).expanduser()) for s in extra]
    folder_rule.check_sources([(s.path, row) for row, s in book.sources], given, io.folder())
    ledger, import_findings = load_ledger(book, io, extra)
    # auto-reversing journal vouchers get their reversal voucher, checked and posted-matched like the rest
    ledger, reversal_findings = reversals.add(ledger, book.calendar)
    import_findings = fnd.combine([import_findings, reversal_findings])
    # journal vouchers the posted ledger already holds are read once, not twice
    ledger, posted_findings, posted_lines = posted_journals.split(ledger, book)
    rules = validation.validate(ledger, book, user=runlog.user() if user is None else user)
    found = fnd.combine([book.findings, import_findings, posted_findings, rules])
    return ValidationResult(io, book, ledger, found, posted_journal_lines=posted_lines)


def write_validation(
    result: ValidationResult, *, command: str = "validate", now: dt.datetime | None = None, user: str | None = None
) -> list[str]:
    """Write the Findings sheet and a RunLog row into the workbook, in one atomic write."""
    now = now or dt.datetime.now(dt.UTC)
    period = result.book.settings.period if result.book.settings else ""
    written = [outputs.FINDINGS, outputs.RUNLOG]
    entry = runlog.entry(
        now=now,
        command=command,
        period=period,
        user_name=user,
        hashes=result.input_hashes(),
        counts=result.counts,
        written=written,
        result="ok" if result.ok else "errors",
    )
    front = closesheet.updates(
        result.io,
        command="validate",
        period=period,
        counts=result.counts,
        now=now,
        outcomes={"validate": StepOutcome(True, result.ok)},
    )
    result.io.write_sheets(
        [outputs.findings_sheet(result.findings), runlog.sheet(result.io, entry, front)], front or None
    )
    return written
