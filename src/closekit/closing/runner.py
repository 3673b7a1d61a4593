"""The close runner: the period's steps in their fixed order (domain.md §9), each seeing the
lines of the steps before it.

``import`` and ``validate`` read and check the ledger (:mod:`closekit.closing.importing`,
:mod:`closekit.closing.validation`); ``settlement``,
``revaluation`` and ``allocation`` propose adjustment lines; the runner numbers their vouchers
(``REV-2026-10-USD``, ``ALC-2026-10-0001``: never a number the ledger holds, see
:func:`voucher_numbers`), asserts that each balances (an unbalanced generated voucher is a bug and
stops the run, it is never plugged), checks them like a journal (the closing period must be
Open, accounts known and postable, dimensions filled) and appends them to the working ledger;
``trial-balance`` and ``statements`` report before and after the adjustments. Nothing here
touches a file: :func:`closekit.pipeline.close.close` reads, :func:`~closekit.pipeline.close.write_close`
writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from closekit.closing import (
    allocation,
    cash_flow,
    flux,
    group_close,
    opening_check,
    reconciliation,
    reports,
    revaluation,
    settlement,
    validation,
    yearend,
)
from closekit.closing.lazy_tables import LazyTables
from closekit.core import findings as fnd
from closekit.core import ledger
from closekit.core.ledger import Ledger, SourceInfo
from closekit.core.periods import OPEN
from closekit.core.steps import CloseContext, StepResult
from closekit.workbook import schema
from closekit.workbook.book import CloseBook

#: Every automated step, in the order of the close (workbook.md "Automated steps").
ORDER = schema.STEPS
#: Steps accepted in --steps and in the Checklist that a close does not run: the upload file is
#: ``closekit export`` (its own command, with its own output file).
NOT_RUN_BY_CLOSE = ("export",)
#: The steps a close runs (all of :data:`ORDER` but :data:`NOT_RUN_BY_CLOSE`).
AVAILABLE = tuple(step for step in ORDER if step not in NOT_RUN_BY_CLOSE)
GENERATORS = {
    "settlement": settlement.run,
    "revaluation": revaluation.run,
    "allocation": allocation.run,
    "year-end": yearend.run,
}
PREFIXES = {"revaluation": revaluation.PREFIX, "allocation": "ALC", "settlement": "SET", "year-end": "YEC"}
#: Steps whose lines post in the periods of their own dates, not the closing period (the year-end
#: opening voucher posts on the next fiscal year's first day, while the closed year is On hold).
OWN_PERIOD_STEPS = ("year-end",)
ADJUSTMENTS_SHEET = "Adjustments"
#: ``progress(step, done, total)``: called as each step starts (``done`` steps of ``total`` are
#: finished) and once more as ``("done", total, total)``; for a progress bar or an Excel status line.
Progress = Callable[[str, int, int], None]


class UnbalancedGeneratedVoucher(RuntimeError):
    """A close step produced a voucher that does not balance: a bug in closekit, never plugged."""


@dataclass
class CloseRun:
    """Everything one close computed; outputs are frames, nothing is written."""

    ctx: CloseContext
    steps: list[str]
    adjustments: pd.DataFrame  # canonical ledger lines of the generated vouchers (where="Adjustments")
    findings_by_step: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: The outputs; the GeneralJournal is built only when read (written), see :mod:`closekit.closing.lazy_tables`.
    tables: LazyTables = field(default_factory=LazyTables)
    posted: bool = True  # False when the closing period is not open: nothing is posted
    posted_lines: pd.DataFrame | None = None  # the adjustments that post (all of them when ``posted``)

    @property
    def findings(self) -> pd.DataFrame:
        return fnd.combine(self.findings_by_step.values())

    def step_clean(self, step: str) -> bool:
        found = self.findings_by_step.get(step)
        return step in self.steps and (found is None or not (found["Severity"] == fnd.Severity.ERROR.value).any())


def context_for(book: CloseBook, period: str | None = None) -> CloseContext | None:
    """The close context of Settings Period (or ``period``), or None when it cannot be known."""
    settings = book.settings
    if settings is None:
        return None
    code = period or settings.period
    found = book.calendar.get(code)
    if found is None:
        return None
    return CloseContext.for_period(
        code,
        found["start"],
        found["end"],
        fiscal_year_start_month=settings.fiscal_year_start,
        accounting_currency=settings.accounting_currency,
        dimensions=book.dimensions,
    )


#: The steps of a close when none are named: the period's own close. ``consolidation`` and
#: ``year-end`` run only when asked for (``--steps``): they are the group's and the year's;
#: ``period-hold`` too, since putting the period on hold is a decision (it would block re-runs).
ON_REQUEST = ("consolidation", "year-end", "period-hold")


def selected(steps: list[str] | None) -> list[str]:
    """The steps to run, in the fixed order, from a user's list (None = all available except
    those :data:`ON_REQUEST`)."""
    if steps is None:
        return [s for s in AVAILABLE if s not in ON_REQUEST]
    return [s for s in ORDER if s in steps]


def run(
    ledger_: Ledger,
    book: CloseBook,
    ctx: CloseContext,
    steps: list[str],
    base_findings: pd.DataFrame,
    *,
    by_dimensions: bool = False,
    subsidiaries: list | None = None,
    progress: Progress | None = None,
    subledgers: dict | None = None,
) -> CloseRun:
    """Run the requested steps (``import`` and ``validate`` have run: their findings come in);
    ``by_dimensions`` splits the trial balance per dimension values; ``subsidiaries`` are the
    subsidiaries' closed balances the ``consolidation`` step needs (read by
    :mod:`closekit.closing.subsidiaries`) and the findings of reading them; ``progress`` is told of each
    step as it starts (see :data:`Progress`); ``subledgers`` the subledger report of each
    Reconciliations row that names one (read by :mod:`closekit.closing.subledgers`)."""

    def report(step: str) -> None:
        if progress is not None and step in steps:
            progress(step, steps.index(step), len(steps))
    result = CloseRun(ctx, steps, pd.DataFrame())
    result.findings_by_step["validate"] = base_findings
    status = book.calendar.locate(pd.Series([ctx.end]))[1].iloc[0]
    result.posted = status == OPEN
    working = ledger_.lines
    generated: list[pd.DataFrame] = []
    posted: list[pd.DataFrame] = []
    used: set[str] | None = None  # the ledger's voucher numbers, then those generated (never one twice)
    for step in steps:
        if step not in GENERATORS:
            continue
        report(step)
        outcome: StepResult = GENERATORS[step](working, book, ctx)
        result.tables.update(outcome.tables)
        found = [outcome.findings]
        if len(outcome.adjustments):
            if used is None:
                used = used_numbers(ledger_.lines)
            lines = _numbered(outcome.adjustments, step, ctx, start_row=2 + sum(len(g) for g in generated), used=used)
            used |= set(lines["voucher"])
            _assert_balanced(lines, step)
            step_status, where = (status, ctx.period)
            if step in OWN_PERIOD_STEPS:
                step_status, where = _own_period_status(lines, book)
            found.append(_journal_checks(lines, book, ctx, step_status, where))
            generated.append(lines)
            if step_status == OPEN:
                posted.append(lines)
                working = ledger.combine([working, lines], ctx.dimensions)
        result.findings_by_step[step] = fnd.combine(found)
    empty = ledger.empty_lines(ctx.dimensions).assign(rule="", revalued_currency="")
    result.adjustments = pd.concat(generated, ignore_index=True) if generated else empty
    result.posted_lines = pd.concat(posted, ignore_index=True) if posted else empty
    posted_adjustments = result.posted_lines
    if "trial-balance" in steps:
        report("trial-balance")
        result.tables["trial_balance"] = reports.trial_balance(
            ledger_.lines, posted_adjustments, book, ctx, by_dimensions=by_dimensions
        )
        lines_read = ledger_.lines
        result.tables.defer(
            "general_journal", lambda: reports.general_journal(lines_read, posted_adjustments, ctx)
        )
        checks = reports.trial_balance_checks(  # in money, naming the vouchers behind an imbalance
            result.tables["trial_balance"], currency=ctx.accounting_currency, lines=ledger_.lines, end=ctx.end
        )
        result.findings_by_step["trial-balance"] = fnd.frame(
            fnd.finding(
                "unbalanced-voucher",
                "TrialBalance",
                message,
                column="",
                fix="Correct the unbalanced vouchers the other findings list; the trial balance follows.",
            )
            for message in checks
        )
    if "reconciliation" in steps:
        report("reconciliation")
        table, found = reconciliation.run(ledger_.lines, posted_adjustments, book, ctx, subledgers or {})
        result.tables["reconciliations"] = table
        result.findings_by_step["reconciliation"] = found
    if "statements" in steps:
        report("statements")
        balance_sheet, income = reports.statements(ledger_.lines, posted_adjustments, book, ctx)
        result.tables["balance_sheet"], result.tables["income_statement"] = balance_sheet, income
        result.tables["cash_flow"], result.findings_by_step["statements"] = cash_flow.cash_flow(
            ledger_.lines, posted_adjustments, book, ctx
        )
    if "trial-balance" in steps:
        mismatches = opening_check.check(ledger_.lines, book, ctx)
        result.findings_by_step["trial-balance"] = fnd.combine([result.findings_by_step["trial-balance"], mismatches])
    if "consolidation" in steps:
        report("consolidation")
        found, tables = group_close.run_step(ledger_.lines, posted_adjustments, book, ctx, subsidiaries)
        result.findings_by_step["consolidation"] = found
        result.tables.update(tables)
    if "flux" in steps:
        report("flux")
        result.tables["flux"] = flux.movements(
            ledger_.lines, posted_adjustments, book, ctx, by_dimensions=by_dimensions
        )
    return result


def _own_period_status(lines: pd.DataFrame, book: CloseBook) -> tuple[str, str]:
    """The status that decides whether lines post in the periods of their own dates: Open when
    every line's period is Open, else the first other status (and that period)."""
    codes, statuses = book.calendar.locate(lines["date"])
    closed = statuses != OPEN
    if not closed.any():
        return OPEN, str(codes.iloc[0])
    first = int(np.flatnonzero(closed.to_numpy())[0])
    return str(statuses.iloc[first]), str(codes.iloc[first]) or f"{lines['date'].iloc[first]:%Y-%m-%d}"


def used_numbers(lines: pd.DataFrame) -> set[str]:
    """Every voucher number the ledger holds that a generated voucher could take (those that start
    like one, ``REV-``, ``ALC-``...), and the first word of each (an importer may read a longer text
    as the voucher: Xero's Narration ``REV-2026-10-USD Revaluation of ...``). Only those: a million
    other numbers cannot collide and are not worth a set."""
    vouchers = pd.Series(pd.unique(lines["voucher"].astype("string").dropna()), dtype="string").str.strip()
    ours = vouchers[vouchers.str.startswith(tuple(f"{prefix}-" for prefix in PREFIXES.values())).fillna(False)]
    return set(ours) | set(ours.str.split(n=1).str[0].dropna())


def voucher_numbers(keys, step: str, period: str, used: set[str]) -> dict:
    """The voucher number of each voucher key of a step (never one in ``used``, the ledger's):
    revaluation ``REV-<period>-<currency>`` (:func:`closekit.closing.revaluation.voucher_number`);
    the other steps ``<prefix>-<period>-0001``, ... continuing after the highest such number the
    ledger already holds."""
    if step == revaluation.STEP:
        numbers: dict = {}
        for key in keys:
            numbers[key] = revaluation.voucher_number(period, str(key), used | set(numbers.values()))
        return numbers
    prefix = PREFIXES.get(step, step[:3].upper())
    pattern = rf"^{re.escape(prefix)}-{re.escape(period)}-(\d+)$"
    taken = pd.Series(sorted(used), dtype="string").str.extract(pattern, expand=False).dropna()
    highest = int(taken.astype("int64").max()) if len(taken) else 0
    return {key: f"{prefix}-{period}-{i:04d}" for i, key in enumerate(keys, start=highest + 1)}


def _numbered(
    proposed: pd.DataFrame, step: str, ctx: CloseContext, start_row: int, used: set[str] = frozenset()
) -> pd.DataFrame:
    """Proposed lines as canonical ledger lines with voucher numbers (:func:`voucher_numbers`), line
    numbers and the row each will have in the Adjustments sheet (so findings point at it)."""
    numbers = voucher_numbers(pd.unique(proposed["voucher_key"]), step, ctx.period, set(used))
    frame = proposed.reset_index(drop=True)
    voucher = frame["voucher_key"].map(numbers)
    out = pd.DataFrame(
        {
            "where": ADJUSTMENTS_SHEET,
            "row": np.arange(start_row, start_row + len(frame), dtype=np.int64),
            "kind": "journal",
            "journal": frame["journal"],
            "voucher": voucher,
            "line": frame.groupby(voucher, sort=False).cumcount() + 1,
            "date": frame["date"],
            "account": frame["account"].astype(str),
            **{d: frame.get(d, "") for d in ctx.dimensions},
            "currency": frame.get("currency", ctx.accounting_currency),
            "amount": frame.get("amount", frame["amount_accounting"]),
            "amount_accounting": frame["amount_accounting"],
            "converted": False,
            "text": frame["text"],
            "posted": False,
            "document_date": pd.NaT,
        }
    )
    out = ledger.combine([out], ctx.dimensions)
    out["rule"] = frame["rule"].to_numpy()
    out["revalued_currency"] = frame["revalued_currency"].to_numpy()
    return out


def _assert_balanced(lines: pd.DataFrame, step: str) -> None:
    sums = lines.groupby("voucher", sort=False)["amount_accounting"].sum()
    off = sums[sums != 0]
    if len(off):
        raise UnbalancedGeneratedVoucher(
            f"the {step} step generated voucher {off.index[0]} that does not balance "
            f"(difference {int(off.iloc[0])} minor units)"
        )


def _journal_checks(
    lines: pd.DataFrame, book: CloseBook, ctx: CloseContext, status: str, period: str | None = None
) -> pd.DataFrame:
    """Generated lines are checked like a journal: accounts, dimensions and the period's status."""
    as_ledger = Ledger(lines, [SourceInfo(ADJUSTMENTS_SHEET, "journal", "closekit", {}, len(lines))], ctx.dimensions)
    found = [validation.check_accounts(as_ledger, book), validation.check_dimensions(as_ledger, book)]
    if status != OPEN:
        first = lines.iloc[0]
        label = f"the closing period {ctx.period}" if period in (None, ctx.period) else f"the period {period}"
        found.append(
            fnd.frame(
                [
                    fnd.finding(
                        "period-not-open",
                        ADJUSTMENTS_SHEET,
                        f"{label} is {status or 'not in the Periods sheet'}: the {len(lines)} "
                        f"{first['journal']} lines were computed but nothing is posted",
                        row=int(first["row"]),
                        column="Date",
                        voucher=str(first["voucher"]),
                        fix="Reopen the period (On hold -> Open) to post the adjustments.",
                    )
                ]
            )
        )
    return fnd.combine(found)
