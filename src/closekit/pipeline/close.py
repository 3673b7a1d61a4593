"""``closekit close``: validate, run the close's steps (:mod:`closekit.closing.runner`), review
what they computed (:mod:`closekit.review.runner`), and write every output in one atomic write."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from closekit.closing import consolidation, journal_register, reconciliation, statements, subledgers, subsidiaries
from closekit.closing import runner as closing
from closekit.core import findings as fnd
from closekit.core.plural import plural
from closekit.errors import UsageError
from closekit.pipeline import close_status, runlog
from closekit.pipeline import journals as journal_pipeline
from closekit.pipeline.results import CloseResult
from closekit.pipeline.validate import validate
from closekit.review import runner as review
from closekit.review import signoff_rules
from closekit.sheetio.base import SheetIO, headed
from closekit.workbook import checklist, closesheet, fingerprint, outputs
from closekit.workbook.checklist import StepOutcome

#: The statements' sheets and their title (printed as the page header: see statements.title).
_TITLES = {
    "balance_sheet": "balance",
    "income_statement": "income",
    "cash_flow": "cash flow",
    "group_balance_sheet": "group balance",
    "group_income_statement": "group income",
}


def close(
    workbook: str | Path | SheetIO,
    *,
    steps: Iterable[str] | None = None,
    period: str | None = None,
    by_dimensions: bool = False,
    sources: Iterable[str | Path] = (),
    journals: Iterable[str | Path] = (),
    format: str | None = None,
    progress: closing.Progress | None = None,
    user: str | None = None,
) -> CloseResult:
    """Run the period's close: import, validate, settle, revalue, allocate, trial balance and
    statements (or the ``steps`` asked for, always in that order); ``by_dimensions`` splits the
    trial balance per dimension values; ``progress(step, done, total)`` is called as each step
    starts and once as ``("done", total, total)`` (:data:`closekit.closing.runner.Progress`); ``user``:
    the login a period's AccessGroup is checked against (default: the operating-system login). Nothing
    is written: see :func:`write_close`."""
    chosen = closing.selected(list(steps) if steps is not None else None)
    unknown = sorted(set(steps or ()) - set(closing.ORDER))
    if unknown:
        raise UsageError(f"unknown step {', '.join(unknown)}; the steps are: {', '.join(closing.ORDER)}.")
    total = len(chosen)
    if progress is not None:  # reading the sources and the posting rules: one call, reported as "import"
        progress("import", 0, total)
    checked = validate(workbook, sources=sources, journals=journals, format=format, user=user)
    book = checked.book
    ctx = closing.context_for(book, period)
    if period and book.settings and ctx is None:
        raise UsageError(f"period {period} is not in the Periods sheet of {checked.io.where}.")
    outcomes = {
        "import": StepOutcome(True, not _import_errors(checked.findings), "the sources could not be read"),
        "validate": StepOutcome("validate" in chosen, checked.ok, _reason(checked.findings)),
    }
    if ctx is None:
        if progress is not None:
            progress("done", total, total)
        return CloseResult(checked, None, outcomes)
    found_subsidiaries = None
    if "consolidation" in chosen and book.consolidation:
        found_subsidiaries = subsidiaries.read(book, checked.io, ctx, _close_subsidiary)
    found_subledgers = None
    if "reconciliation" in chosen and book.reconciliations:
        found_subledgers, subledger_hashes = subledgers.read(book, checked.io.folder())
        checked.extra_hashes.update(subledger_hashes)
    result = closing.run(
        checked.ledger,
        book,
        ctx,
        chosen,
        checked.findings,
        by_dimensions=by_dimensions,
        subsidiaries=found_subsidiaries,
        progress=progress,
        subledgers=found_subledgers,
    )
    if found_subsidiaries is not None:
        checked.extra_hashes.update(found_subsidiaries.hashes)
    review.explain_flux(result, checked.io, book)
    if progress is not None:
        progress("done", total, total)
    for step in chosen:
        if step in ("import", "validate"):
            continue
        if step not in closing.AVAILABLE:
            continue
        outcomes[step] = StepOutcome(True, result.step_clean(step), _reason(result.findings_by_step.get(step)))
    closed = CloseResult(checked, result, outcomes)
    closed.journals = journal_pipeline.register(checked, user, ctx.end)  # issue 17: each manual voucher's status
    if len(closed.journals.frame) or len(closed.journals.findings):
        result.findings_by_step["journals"] = closed.journals.findings
    facts = signoff_rules.RunFacts(dt.datetime.now(dt.UTC).date(), runlog.user())  # issue 16: sign-off rules
    blocked = checklist.plan(book, outcomes).blocked_steps  # issue 16 item 7: downstream of a Blocked step
    closed.blocked_steps = frozenset(blocked)
    clean = set(closed.clean_steps)
    *cells, result.findings_by_step["signoffs"] = review.check_signoffs(
        checked.io, book, result, checked.ledger.lines, facts, clean
    )
    closed.signoff_cells = tuple(cells)
    if review.PERIOD_HOLD in chosen:
        outcomes[review.PERIOD_HOLD], closed.hold, result.findings_by_step[review.PERIOD_HOLD] = review.hold_period(
            checked.io, closed.period, closed.findings, result
        )
    result.findings_by_step["checklist"] = fnd.frame(checklist.plan(book, outcomes).findings)
    return closed


def _import_errors(found: pd.DataFrame) -> bool:
    return bool(((found["Code"].isin(["missing-column", "bad-row"])) & (found["Severity"] == "Error")).any())


def _reason(found: pd.DataFrame | None) -> str:
    if found is None:
        return ""
    errors = found[found["Severity"] == "Error"]
    if errors.empty:
        return ""
    first = errors.iloc[0]
    more = f" (and {plural(len(errors) - 1, 'more error')})" if len(errors) > 1 else ""
    return f"{first['Code']}: {first['Message']}{more}"


def write_close(
    result: CloseResult, *, command: str = "close", now: dt.datetime | None = None, user: str | None = None
) -> list[str]:
    """Write every output of the close and tick the Checklist, in one atomic write."""
    now = now or dt.datetime.now(dt.UTC)
    io, book, run = result.validation.io, result.validation.book, result.run
    sheets = [outputs.findings_sheet(result.findings)]
    updates: dict[str, dict[str, object]] = {}
    if run is not None:
        ccy, dims = run.ctx.accounting_currency, run.ctx.dimensions
        posted = run.posted_lines
        if any(s in run.steps for s in closing.GENERATORS):
            sheets.append(outputs.adjustments_sheet(posted, dims, ccy))
        for key, name in (
            ("settlements", "Settlements"),
            ("open_items", "OpenItems"),
            ("trial_balance", "TrialBalance"),
            ("balance_sheet", "BalanceSheet"),
            ("income_statement", "IncomeStatement"),
            ("cash_flow", "CashFlow"),
            ("general_journal", "GeneralJournal"),
            ("opening_balances", "OpeningBalances"),
            ("group_balance_sheet", "GroupBalanceSheet"),
            ("group_income_statement", "GroupIncomeStatement"),
            ("flux", "Flux"),
        ):
            if key in run.tables:
                sheet = outputs.amounts_sheet(name, run.tables[key], ccy)
                if key in _TITLES:
                    sheet = dataclasses.replace(
                        sheet,
                        header=statements.title(book, run.ctx, _TITLES[key]),
                        indents=statements.indents(run.tables[key]),
                    )
                sheets.append(sheet)
        if result.journals is not None and len(result.journals.frame):
            sheets.append(journal_pipeline.sheet(result.journals, ccy))
        if len(run.tables.get("reconciliations", ())):
            sheets.append(outputs.amounts_sheet(reconciliation.OUTPUT, run.tables["reconciliations"], ccy))
        if "consolidated_trial_balance" in run.tables:
            sheets.append(consolidation.sheet(run.tables["consolidated_trial_balance"], ccy))
        if book.consolidation and io.folder() is not None:
            sheets.append(close_status.group_sheet(book, io.folder(), now.date()))
        cells, _, _ = checklist.tick(book, io.read_sheet("Checklist"), result.outcomes, now)
        strong, weak = result.signoff_cells
        cells = {**weak, **cells, **strong}
        cells = signoff_rules.hold_done(book.checklist, io.read_sheet("Checklist"), cells)  # Done: both signed
        if cells:
            updates["Checklist"] = cells
        if result.hold is not None:
            updates["Periods"] = {result.hold.cell: result.hold.new}
        board = review.dashboard_cells(
            io,
            book,
            run,
            period=result.period,
            ok=result.ok,
            counts=result.counts,
            statuses=review.statuses_after(io, book, cells),
            when=runlog.stamp(now),
            today=now.astimezone(dt.UTC).date(),
        )
        if board:
            updates["Dashboard"] = board
        if result.journals is not None and result.journals.cells:
            updates[journal_register.APPROVALS] = result.journals.cells
    written = [s.name for s in sheets] + [outputs.RUNLOG] + (["Checklist (Status)"] if updates.get("Checklist") else [])
    if updates.get(journal_register.APPROVALS):
        written.append(f"{journal_register.APPROVALS} (approval stamps)")
    if result.hold is not None:
        written.append(f"Periods!{result.hold.cell} (Status {result.period}: {result.hold.old} -> {result.hold.new})")
    if updates.get("Dashboard"):
        written.append("Dashboard (data)")
    entry = runlog.entry(
        now=now,
        command=command,
        period=result.period,
        user_name=user,
        hashes={**result.validation.input_hashes(), **fingerprint.sheet_hashes(io)},  # export's gate
        counts=result.counts,
        written=written,
        result="ok" if result.ok else "errors",
    )
    sheets.append(runlog.sheet(io, entry, updates))
    updates.update(
        closesheet.updates(
            io, command="close", period=result.period, counts=result.counts, now=now,
            outcomes=result.outcomes,
        )
    )
    sheets = headed(sheets, "", str(result.period or ""))  # the period closed (--period), on every page header
    io.write_sheets(sheets, updates or None)
    return written


def _close_subsidiary(workbook: Path, period: str) -> subsidiaries.ClosedSubsidiary:
    """A subsidiary's close in memory, for the group's consolidation (:mod:`closekit.closing.subsidiaries`)."""
    result = close(workbook, steps=subsidiaries.STEPS, period=period)
    checked = result.validation
    return subsidiaries.ClosedSubsidiary(
        checked.book, checked.ledger.lines, result.run, result.findings, checked.input_hashes()
    )
