"""The close's review, once its steps have run (issue 7; docs/close.md): flux explanations carried
over, sign-offs checked against the figures just computed, the period put on hold (the
``period-hold`` step) and the Dashboard's data.

The rules live in their own modules (:mod:`closekit.closing.flux`, :mod:`closekit.review.signoffs`,
:mod:`closekit.review.period_status`, :mod:`closekit.workbook.dashboard`); this one feeds them the
close run and the sheets they read back (the Flux sheet's explanations, the Checklist, Periods),
and hands the cell updates to :func:`closekit.pipeline.close.write_close`, which writes everything
in one atomic write. Each function is given what it looks at (the workbook's sheets, its book, the
run), never the pipeline's result types, which sit above this layer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pandas as pd

from closekit.closing import flux, reconciliation
from closekit.closing.runner import PREFIXES, CloseRun
from closekit.core import findings as fnd
from closekit.core import money, parsing
from closekit.core.periods import ON_HOLD
from closekit.core.plural import plural
from closekit.review import period_status, signoff_rules, signoffs
from closekit.sheetio.base import SheetIO, a1, claim, marked
from closekit.sources.tables import cell_text
from closekit.workbook import dashboard, due_dates, outputs
from closekit.workbook.book import CloseBook
from closekit.workbook.checklist import StepOutcome

PERIOD_HOLD = "period-hold"


def explain_flux(run: CloseRun, io: SheetIO, book: CloseBook | None = None) -> None:
    """Carry the explanations of the Flux sheet over to the new table (resetting those that no
    longer hold); add flux-unexplained and flux-explanation-reset."""
    if "flux" not in run.tables:
        return
    settings = book.settings if book is not None else None
    table, found = flux.explain(
        run.tables["flux"], io.read_sheet(flux.SHEET), run.ctx.accounting_currency, settings
    )
    run.tables["flux"] = table
    run.findings_by_step["flux"] = fnd.combine([run.findings_by_step.get("flux"), found])


def step_figures(run: CloseRun, lines: pd.DataFrame) -> Callable[[str], str | None]:
    """``figures(step)``: the fingerprint of the figures a task of ``step`` covers (computed once,
    when asked), or None when this run did not compute them; ``lines`` are the ledger lines read."""
    dims = run.ctx.dimensions
    tables = run.tables
    cache: dict[str, str | None] = {}

    def frames(step: str) -> list[pd.DataFrame] | None:
        if step == "settlement":
            return [tables[k] for k in ("settlements", "open_items") if k in tables] or None
        if step in ("revaluation", "allocation"):
            if step not in run.steps:
                return None
            adj = run.adjustments
            mine = adj[adj["journal"] == step] if len(adj) else adj
            posted = signoffs.own_posted_lines(lines, PREFIXES[step], run.ctx.period)
            return [signoffs.net_per_account([mine, posted], dims)]
        if step == "statements":
            return [tables[k] for k in ("balance_sheet", "income_statement") if k in tables] or None
        if step == "reconciliation":
            return [tables["reconciliations"]] if "reconciliations" in tables else None
        if step == "flux":
            if "flux" not in tables:
                return None
            return [tables["flux"].drop(columns=[c for c in flux.NOT_FIGURES if c in tables["flux"]])]
        if "trial_balance" not in tables:
            return None
        tb = tables["trial_balance"]
        return [tb.drop(columns=[c for c in signoffs.TB_MOVEMENTS if c in tb.columns])]

    def figures(step: str) -> str | None:
        if step in ("import", "validate"):  # the ledger lines read, in the order read
            step = "ledger"
            if step not in cache:
                columns = ["journal", "voucher", "date", "account", *dims, "currency", "amount", "amount_accounting"]
                cache[step] = signoffs.fingerprint_columns(lines[columns])
        if step not in cache:
            parts = frames(step)
            cache[step] = signoffs.fingerprint(*parts) if parts else None
        return cache[step]

    return figures


def check_signoffs(
    io: SheetIO,
    book: CloseBook,
    run: CloseRun | None,
    lines: pd.DataFrame,
    facts: signoff_rules.RunFacts | None = None,
    clean_steps: set[str] = frozenset(),
) -> tuple[dict[str, object], dict[str, object], pd.DataFrame]:
    """(Checklist updates, weak updates, findings of the sign-offs) of this run: suspensions, the
    sign-off rules (:mod:`closekit.review.signoff_rules`, given the run's ``facts``) and the
    review tasks of ``clean_steps`` still waiting for a sign-off."""
    if run is None or not book.checklist:
        return {}, {}, fnd.frame()
    sheet = io.read_sheet("Checklist")
    updates, weak, found = signoffs.review(
        book.checklist, sheet, step_figures(run, lines), lambda step: moved(io, run, step)
    )
    found += refuse_flux_signoffs(book, sheet, run, updates)
    found += refuse_reconciliation_signoffs(book, sheet, run, updates)
    if facts is not None:
        facts = dataclasses.replace(facts, produced=first_produced(io, run.ctx.period))
        found += signoff_rules.check(book.checklist, sheet, updates, facts)
        found += signoff_rules.pending(book.checklist, sheet, updates, clean_steps)
    return updates, weak, fnd.frame(found)


#: Output sheets of a run that produced figures (a RunLog row's Outputs naming one).
_FIGURES_OUTPUTS = r"\b(?:TrialBalance|Adjustments|Flux|Settlements|BalanceSheet)\b"


def first_produced(io: SheetIO, period: str) -> dt.date | None:
    """The day of the first run in the RunLog that produced figures of ``period``, or None."""
    log = outputs.read_runlog(io)
    if log is None or not len(log.frame) or not {"TimeUTC", "Period", "Outputs"} <= set(log.columns):
        return None
    frame = log.frame
    mine = frame[
        (frame["Period"].map(cell_text) == period)
        & frame["Outputs"].map(cell_text).str.contains(_FIGURES_OUTPUTS, regex=True)
    ]
    days = [m.date() for m in map(signoff_rules.moment, mine["TimeUTC"].map(cell_text)) if m is not None]
    return min(days) if days else None


def refuse_flux_signoffs(
    book: CloseBook, sheet, run: CloseRun, updates: dict[str, object]
) -> list[dict]:
    """A sign-off of a ``flux`` task does not count while a material variance is unexplained
    (docs/close.md "Flux review"): its time and hash cells are cleared (the name stays, so the
    person signs again once the variances are explained) and an Error names the cell. A sign-off
    this run suspends anyway is left to the suspension. Changes ``updates`` in place."""
    if "flux" not in run.tables:
        return []
    reason = flux.unexplained_reason(run.tables["flux"])
    if not reason:
        return []
    return _refuse_signoffs(
        book,
        sheet,
        updates,
        lambda task: reason if task.step == "flux" else "",
        "Explain each material variance in the Flux sheet (Explanation), run the close, then sign.",
    )


def refuse_reconciliation_signoffs(
    book: CloseBook, sheet, run: CloseRun, updates: dict[str, object]
) -> list[dict]:
    """A sign-off of a task that a Reconciliations row names (its Task) does not count while that
    tie-out is Unreconciled (docs/close.md "Subledger tie-outs"), as for flux. Changes ``updates``."""
    unreconciled = reconciliation.unreconciled_tasks(run.tables.get("reconciliations"))
    blocked = {task.casefold(): why for task, why in unreconciled.items()}
    if not blocked:
        return []
    return _refuse_signoffs(
        book,
        sheet,
        updates,
        lambda task: blocked.get(task.task.strip().casefold(), ""),
        "Explain the difference (correct it, or record a ReconcilingItems row), run the close, then sign.",
    )


def _refuse_signoffs(book: CloseBook, sheet, updates: dict[str, object], reason_of, fix: str) -> list[dict]:
    """Clear the time and hash cells of every sign-off of a task ``reason_of(task)`` gives a reason
    for (the name stays), with a ``signoff-refused`` Error naming the cell."""
    columns = signoffs.columns_of(sheet)
    status_col = columns.get("status")
    found = []
    for row, task in book.checklist:
        reason = reason_of(task)
        if not reason or (status_col and updates.get(a1(row, status_col)) == signoffs.SUSPENDED):
            continue
        for role, (name_col, at_col, hash_col) in signoffs.ROLES.items():
            name = getattr(task, "preparer" if role == "preparer" else "reviewer")
            at = getattr(task, "prepared_at" if role == "preparer" else "reviewed_at")
            if not name or not at:
                continue
            for header in (at_col, hash_col):
                number = columns.get(parsing.header_key(header))
                if number:
                    updates[a1(row, number)] = None
            found.append(
                fnd.finding(
                    "signoff-refused",
                    "Checklist",
                    f"task {task.task!r}: the {role} sign-off of {name} does not count: {reason}",
                    row=row,
                    column=name_col,
                    fix=fix,
                )
            )
    return found


#: step -> (output sheet, its table in the run, the amount compared per account).
_COMPARED = {"flux": ("Flux", "flux", "Current"), "": ("TrialBalance", "trial_balance", "ClosingAfter")}


def moved(io: SheetIO, run: CloseRun, step: str, most: int = 3) -> str:
    """What changed between the output sheet still in the workbook (the previous run's) and this
    run's table, per account: ``1100 Bank EUR ClosingAfter 619,630.17 -> 619,730.17``. Empty where
    the figures are not an account table, or nothing comparable changed."""
    key = step if step in _COMPARED else ("" if signoffs.figures_of(step) == signoffs.DEFAULT_FIGURES else None)
    if key is None:
        return ""
    name, table_key, column = _COMPARED[key]
    old = io.read_sheet(name)
    new = run.tables.get(table_key)
    if old is None or new is None or "Account" not in old.columns or column not in old.columns:
        return ""
    dims = [d for d in run.ctx.dimensions if d in old.columns and d in new.columns]
    ccy = run.ctx.accounting_currency

    def keyed(frame: pd.DataFrame, amount) -> dict[tuple, Decimal]:
        keys = zip(*(frame[c].map(cell_text) for c in ["Account", *dims]), strict=True)
        return {k: amount(v) for k, v in zip(keys, frame[column], strict=True) if k[0] != "Total"}

    def from_sheet(value: object) -> Decimal:
        text = cell_text(value)
        return Decimal(text or "0").quantize(Decimal(1).scaleb(-money.exponent(ccy)))

    try:
        before = keyed(old.frame, from_sheet)
    except ArithmeticError:  # a cell of the old sheet edited into something that is not a number
        return ""
    after = keyed(new, lambda v: money.to_decimal(0 if pd.isna(v) else int(v), ccy))
    names = dict(zip(new["Account"].astype(str), new["Name"].astype(str), strict=True)) if "Name" in new else {}
    changes = []
    for k in sorted(set(before) | set(after)):
        was, now = before.get(k, Decimal(0)), after.get(k, Decimal(0))
        if was != now:
            label = " ".join([k[0], names.get(k[0], ""), *[v for v in k[1:] if v]]).replace("  ", " ").strip()
            changes.append(f"{label} {column} {was:,.{money.exponent(ccy)}f} -> {now:,.{money.exponent(ccy)}f}")
    if not changes:
        return ""
    more = f" (and {len(changes) - most} more)" if len(changes) > most else ""
    return "; ".join(changes[:most]) + more


def flux_table(io: SheetIO, run: CloseRun | None) -> pd.DataFrame | None:
    """This run's Flux table, else the Flux sheet's (the last flux review), else None."""
    if run is not None and "flux" in run.tables:
        return run.tables["flux"]
    sheet = io.read_sheet(flux.SHEET)
    return sheet.frame if sheet is not None else None


def hold_period(
    io: SheetIO, period: str, findings: pd.DataFrame, run: CloseRun | None = None
) -> tuple[StepOutcome, period_status.PeriodChange | None, pd.DataFrame]:
    """The period-hold step: the closing period goes On hold, only when the close (its
    ``findings`` so far) has no errors and no material flux variance is unexplained."""
    errors = findings[findings["Severity"] == fnd.Severity.ERROR.value]
    if len(errors):
        first = errors.iloc[0]
        reason = (
            f"not run: the close has {plural(len(errors), 'error')} (first: {first['Code']}: "
            f"{first['Message']}), and a period is never put on hold over errors"
        )
        found = fnd.frame(
            [fnd.finding("period-hold-skipped", "Periods", f"period {period} was not put on hold: {reason}")]
        )
        return StepOutcome(True, False, reason), None, found
    change = period_status.plan(io.read_sheet("Periods"), period, ON_HOLD, where=io.where)
    if change.refused:
        reason = f"period {period} cannot be put on hold: {change.reason}"
        found = fnd.frame([fnd.finding("period-hold-skipped", "Periods", reason)])
        return StepOutcome(True, False, reason), None, found
    unexplained = flux.unexplained_reason(flux_table(io, run), period) if change.changed else ""
    if unexplained:
        reason = f"not run: {unexplained}, and a period is never put on hold over unexplained variances"
        found = fnd.frame(
            [
                fnd.finding(
                    "period-hold-skipped",
                    "Periods",
                    f"period {period} was not put on hold: {reason}",
                    severity=fnd.Severity.ERROR,
                )
            ]
        )
        return StepOutcome(True, False, reason), None, found
    return StepOutcome(True, True), change if change.changed else None, fnd.frame()


def statuses_after(io: SheetIO, book: CloseBook, cells: dict[str, object]) -> list[str]:
    """Every Checklist task's Status once ``cells`` are written."""
    columns = signoffs.columns_of(io.read_sheet("Checklist"))
    status_col = columns.get("status")
    out = []
    for row, task in book.checklist:
        ref = a1(row, status_col) if status_col else None
        out.append(str(cells[ref]) if ref in cells and cells[ref] is not None else (task.status or ""))
    return out


def dashboard_cells(
    io: SheetIO,
    book: CloseBook,
    run: CloseRun | None,
    *,
    period: str,
    ok: bool,
    counts: dict[str, int],
    statuses: list[str],
    when: str,
    today: dt.date,
) -> dict[str, object]:
    """The Dashboard's data cells, or {} when the workbook has no Dashboard sheet; the tasks past due
    and due today are counted against ``today`` (the pipeline's clock) with the Status each task
    shows after this run (``statuses``)."""
    sheet = io.read_sheet(dashboard.SHEET)
    if sheet is None:
        return {}
    if not marked(io, dashboard.SHEET):
        if dashboard.TITLE not in sheet.columns:  # a sheet of the user's own
            return {}
        claim(io, dashboard.SHEET)  # the template's, by its title: the write marks it

    settings = book.settings
    dues = due_dates.due_dates(book, period)
    due = due_dates.count(
        ((dues[row], status) for (row, _), status in zip(book.checklist, statuses, strict=True)), today
    )
    return dashboard.cells(
        company=settings.company if settings else "",
        period=period,
        when=when,
        result="ok" if ok else "errors",
        statuses=statuses,
        counts=counts,
        variances=flux.largest_variances(run.tables.get("flux") if run is not None else None, dashboard.TOP),
        currency=(run.ctx.accounting_currency if run is not None else None) or "EUR",
        past_due=due.past_due,
        due_today=due.due_today,
    )
