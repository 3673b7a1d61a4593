"""closekit from Python: the same calls the command line and the Excel add-ins make.

>>> import closekit
>>> result = closekit.validate("close.xlsx")            # doctest: +SKIP
>>> result.findings[["Severity", "Code", "Where", "Row", "Column", "Message"]]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from closekit import (
    __version__,
    checklist,
    closesheet,
    closing,
    exporters,
    outputs,
    period_status,
    review,
    schema,
    sourcefiles,
    validation,
)
from closekit import findings as fnd
from closekit.book import CloseBook, read_book, read_settings
from closekit.checklist import StepOutcome
from closekit.closing import CloseRun
from closekit.errors import UsageError, WriteError
from closekit.exporters import Export, ExportContext
from closekit.ledger import Ledger, empty_lines
from closekit.sheetio.base import SheetIO
from closekit.sources import SourceSpec, import_table, load_ledger


class _Counted:
    """Counts of findings by severity, and whether there is no Error."""

    findings: pd.DataFrame

    @property
    def counts(self) -> dict[str, int]:
        return fnd.counts(self.findings)

    @property
    def ok(self) -> bool:
        """True when there is no finding of severity Error."""
        return self.counts["Error"] == 0


@dataclass
class ValidationResult(_Counted):
    """What :func:`validate` found: the book, the ledger it read and every finding."""

    io: SheetIO
    book: CloseBook
    ledger: Ledger
    findings: pd.DataFrame
    extra_hashes: dict[str, str] = field(default_factory=dict)  # other files a run read (subsidiaries)

    @property
    def lines(self) -> int:
        """Data rows read from all sources (rows with findings included)."""
        return self.ledger.rows_read

    def to_json(self) -> dict:
        return {"lines": self.lines, "findings": fnd.to_json_records(self.findings)}

    def input_hashes(self) -> dict[str, str]:
        hashes = {self.io.where: self.io.fingerprint() or ""}
        hashes.update({s.where: s.sha256 for s in self.ledger.sources if s.sha256})
        hashes.update(self.extra_hashes)
        return hashes


def open_workbook(workbook: str | Path | SheetIO) -> SheetIO:
    """A sheet adapter for ``workbook``: a path opens the file adapter; an adapter is used as is."""
    if isinstance(workbook, str | Path):
        from closekit.sheetio.files import FileWorkbook

        return FileWorkbook(workbook)
    return workbook


@contextlib.contextmanager
def locked(workbook: str | Path | SheetIO) -> Iterator[None]:
    """Hold the workbook's lock (``.~closekit-<name>.lock`` beside it) for a read-compute-write:
    another closekit run on the same workbook waits up to ``CLOSEKIT_LOCK_TIMEOUT`` seconds (10),
    then stops with :class:`~closekit.errors.WorkbookInUse`. Other adapters need no lock, and a path
    that is not a file gets none (opening it says what is wrong with it)."""
    if isinstance(workbook, str | Path) and Path(workbook).is_file():
        from closekit.sheetio.files import workbook_lock

        with workbook_lock(Path(workbook)):
            yield
    else:
        yield


def read_close_book(io: SheetIO) -> CloseBook:
    """The input sheets of a close workbook, read and checked."""
    wanted = {schema.header_key(spec.name) for spec in schema.INPUT_SHEETS}
    sheets = {name: io.read_sheet(name) for name in io.sheet_names() if schema.header_key(name) in wanted}
    return read_book(sheets, io.where)


def validate(
    workbook: str | Path | SheetIO,
    *,
    sources: Iterable[str | Path] = (),
    journals: Iterable[str | Path] = (),
    format: str | None = None,
) -> ValidationResult:
    """Read the close workbook and every journal source it names, and check the posting rules.

    ``sources`` adds files of Kind ``ledger``, ``journals`` files of Kind ``journal`` to those in
    the Sources sheet; ``format`` applies to them (default ``auto``). Nothing is written: see
    :func:`write_validation`.
    """
    io = open_workbook(workbook)
    book = read_close_book(io)
    if book.settings is None:  # without the accounting currency no amount can be read
        return ValidationResult(io, book, Ledger(empty_lines(()), [], ()), book.findings)
    extra = [SourceSpec(str(p), "ledger", format or "auto") for p in sources]
    extra += [SourceSpec(str(p), "journal", format or "auto") for p in journals]
    sourcefiles.check_sources([(s.path, row) for row, s in book.sources], [s.path for s in extra], io.folder())
    ledger, import_findings = load_ledger(book, io, extra)
    found = fnd.combine([book.findings, import_findings, validation.validate(ledger, book)])
    return ValidationResult(io, book, ledger, found)


def write_validation(
    result: ValidationResult, *, command: str = "validate", now: dt.datetime | None = None, user: str | None = None
) -> list[str]:
    """Write the Findings sheet and a RunLog row into the workbook, in one atomic write."""
    now = now or dt.datetime.now(dt.UTC)
    written = [outputs.FINDINGS, outputs.RUNLOG]
    entry = outputs.runlog_entry(
        now=now,
        command=command,
        period=result.book.settings.period if result.book.settings else "",
        user=user or _user(),
        version=__version__,
        hashes=result.input_hashes(),
        counts=result.counts,
        outputs=written,
        result="ok" if result.ok else "errors",
    )
    front = closesheet.updates(
        result.io.sheet_names(),
        command="validate",
        period=result.book.settings.period if result.book.settings else "",
        counts=result.counts,
        now=now,
        outcomes={"validate": StepOutcome(True, result.ok)},
    )
    result.io.write_sheets(
        [outputs.findings_sheet(result.findings), outputs.runlog_sheet(result.io, entry)], front or None
    )
    return written


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


@dataclass
class CloseResult(_Counted):
    """What :func:`close` computed: the validation it started from and the close run."""

    validation: ValidationResult
    run: CloseRun | None
    outcomes: dict[str, StepOutcome]
    #: Issue 7: Checklist sign-off cells ((strong, weak) updates) and the period-hold change.
    signoff_cells: tuple[dict[str, object], dict[str, object]] = ({}, {})
    hold: period_status.PeriodChange | None = None

    @property
    def findings(self) -> pd.DataFrame:
        return (
            self.validation.findings
            if self.run is None
            else fnd.combine(
                [self.validation.findings, *[f for s, f in self.run.findings_by_step.items() if s != "validate"]]
            )
        )

    @property
    def period(self) -> str:
        if self.run is not None:
            return self.run.ctx.period
        settings = self.validation.book.settings
        return settings.period if settings else ""

    def to_json(self) -> dict:
        return close_json(self)


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
) -> CloseResult:
    """Run the period's close: import, validate, settle, revalue, allocate, trial balance and
    statements (or the ``steps`` asked for, always in that order); ``by_dimensions`` splits the
    trial balance per dimension values; ``progress(step, done, total)`` is called as each step
    starts and once as ``("done", total, total)`` (:data:`closekit.closing.Progress`). Nothing
    is written: see :func:`write_close`."""
    chosen = closing.selected(list(steps) if steps is not None else None)
    unknown = sorted(set(steps or ()) - set(closing.ORDER))
    if unknown:
        raise UsageError(f"unknown step {', '.join(unknown)}; the steps are: {', '.join(closing.ORDER)}.")
    total = len(chosen)
    if progress is not None:  # reading the sources and the posting rules: one call, reported as "import"
        progress("import", 0, total)
    checked = validate(workbook, sources=sources, journals=journals, format=format)
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
    subsidiaries = None
    if "consolidation" in chosen and book.consolidation:
        from closekit import subsidiaries as subsidiary_books

        subsidiaries = subsidiary_books.read(book, checked.io, ctx)
    result = closing.run(
        checked.ledger,
        book,
        ctx,
        chosen,
        checked.findings,
        by_dimensions=by_dimensions,
        subsidiaries=subsidiaries,
        progress=progress,
    )
    if subsidiaries is not None:
        checked.extra_hashes.update(subsidiaries.hashes)
    review.explain_flux(result, checked.io)
    if progress is not None:
        progress("done", total, total)
    for step in chosen:
        if step in ("import", "validate"):
            continue
        if step not in closing.AVAILABLE:
            continue
        outcomes[step] = StepOutcome(True, result.step_clean(step), _reason(result.findings_by_step.get(step)))
    closed = CloseResult(checked, result, outcomes)
    *cells, result.findings_by_step["signoffs"] = review.check_signoffs(closed)
    closed.signoff_cells = tuple(cells)
    if review.PERIOD_HOLD in chosen:
        outcomes[review.PERIOD_HOLD], closed.hold, result.findings_by_step[review.PERIOD_HOLD] = review.hold_period(
            closed
        )
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
    more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
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
            ("general_journal", "GeneralJournal"),
            ("opening_balances", "OpeningBalances"),
            ("group_balance_sheet", "GroupBalanceSheet"),
            ("group_income_statement", "GroupIncomeStatement"),
            ("flux", "Flux"),
        ):
            if key in run.tables:
                sheets.append(outputs.amounts_sheet(name, run.tables[key], ccy))
        if "consolidated_trial_balance" in run.tables:
            from closekit import consolidation

            sheets.append(consolidation.sheet(run.tables["consolidated_trial_balance"], ccy))
        cells, _, _ = checklist.tick(book, io.read_sheet("Checklist"), result.outcomes, now)
        strong, weak = result.signoff_cells
        cells = {**weak, **cells, **strong}
        if cells:
            updates["Checklist"] = cells
        if result.hold is not None:
            updates["Periods"] = {result.hold.cell: result.hold.new}
        board = review.dashboard_cells(result, review.statuses_after(result, cells), _stamp(now))
        if board:
            updates["Dashboard"] = board
    written = [s.name for s in sheets] + [outputs.RUNLOG] + (["Checklist (Status)"] if updates.get("Checklist") else [])
    if result.hold is not None:
        written.append(f"Periods!{result.hold.cell} (Status {result.period}: {result.hold.old} -> {result.hold.new})")
    if updates.get("Dashboard"):
        written.append("Dashboard (data)")
    entry = outputs.runlog_entry(
        now=now,
        command=command,
        period=result.period,
        user=user or _user(),
        version=__version__,
        hashes=result.validation.input_hashes(),
        counts=result.counts,
        outputs=written,
        result="ok" if result.ok else "errors",
    )
    sheets.append(outputs.runlog_sheet(io, entry))
    updates.update(
        closesheet.updates(
            io.sheet_names(), command="close", period=result.period, counts=result.counts, now=now,
            outcomes=result.outcomes,
        )
    )
    io.write_sheets(sheets, updates or None)
    return written


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def close_json(result: CloseResult) -> dict:
    """The ``--json`` of ``closekit close`` (workbook.md "JSON")."""
    from closekit import money

    payload: dict = {
        "period": result.period,
        "findings": fnd.to_json_records(result.findings),
        "adjustments": [],
        "trial_balance": [],
        "settlements": [],
        "open_items": [],
        "consolidation": [],
    }
    run = result.run
    if run is None:
        return payload
    ccy, dims = run.ctx.accounting_currency, run.ctx.dimensions

    def amount(value: object) -> str:
        return money.format_minor(int(value), ccy)

    def dimensions_of(rec: dict) -> dict:
        return {d: rec[d] for d in dims if d in rec and rec[d] not in ("", None)}

    if run.posted_lines is not None:
        for rec in run.posted_lines.to_dict("records"):
            value = int(rec["amount_accounting"])
            txn = value if pd.isna(rec.get("amount")) else int(rec["amount"])  # debit, credit: in currency
            payload["adjustments"].append(
                {
                    "journal": rec["journal"],
                    "voucher": rec["voucher"],
                    "line": int(rec["line"]),
                    "date": rec["date"].strftime("%Y-%m-%d"),
                    "account": rec["account"],
                    "dimensions": dimensions_of(rec),
                    "currency": rec["currency"],
                    "debit": money.format_minor(max(txn, 0), rec["currency"]),
                    "credit": money.format_minor(max(-txn, 0), rec["currency"]),
                    "amount_accounting": amount(value),
                    "text": rec["text"],
                    "rule": rec["rule"],
                }
            )
    for rec in run.tables.get("trial_balance", pd.DataFrame()).to_dict("records"):
        if rec["Account"] == "Total":
            continue
        payload["trial_balance"].append(
            {
                "account": rec["Account"],
                "dimensions": dimensions_of(rec),
                "opening": amount(rec["Opening"]),
                "debit": amount(rec["Debit"]),
                "credit": amount(rec["Credit"]),
                "closing": amount(rec["Closing"]),
                "closing_after": amount(rec["ClosingAfter"]),
            }
        )
    for rec in run.tables.get("settlements", pd.DataFrame()).to_dict("records"):
        payload["settlements"].append(
            {
                "id": rec["SettlementId"],
                "account": rec["Account"],
                "dimensions": dimensions_of(rec),
                "voucher": rec["Voucher"],
                "date": pd.Timestamp(rec["Date"]).strftime("%Y-%m-%d"),
                "amount_accounting": amount(rec["Amount"]),
            }
        )
    for rec in run.tables.get("open_items", pd.DataFrame()).to_dict("records"):
        payload["open_items"].append(
            {"account": rec["Account"], "voucher": rec["Voucher"], "amount_accounting": amount(rec["Amount"])}
        )
    if "consolidated_trial_balance" in run.tables:
        from closekit import consolidation

        payload["consolidation"] = consolidation.json_records(run.tables["consolidated_trial_balance"], ccy, dims)
    return payload


@dataclass
class ExportResult(_Counted):
    """An upload file (or several) in an ERP's layout, and what that ERP would refuse."""

    format: str
    export: Export
    lines: int

    @property
    def findings(self) -> pd.DataFrame:
        return self.export.findings


def export(workbook: str | Path | SheetIO, *, format: str | None = None) -> ExportResult:
    """The Adjustments the close wrote, in the upload layout of ``format`` (default Settings
    ``ExportFormat``, else ``generic``). Nothing is written: see :func:`write_export`."""
    io = open_workbook(workbook)
    book = read_close_book(io)
    if book.settings is None:
        raise UsageError(
            f"{io.where}: the Settings sheet cannot be read, so nothing can be exported "
            f"(run closekit validate for the details)."
        )
    name = (format or book.settings.export_format or "generic").strip().lower()
    writers = exporters.available()
    if name not in writers:
        raise UsageError(f"export format {name!r} is not known; use one of: {', '.join(writers)}.")
    table = io.read_sheet(closing.ADJUSTMENTS_SHEET)
    if table is None:
        raise UsageError(f"{io.where} has no Adjustments sheet: run closekit close first.")
    lines, _, problems = import_table(table, SourceSpec(closing.ADJUSTMENTS_SHEET, "journal", "generic"), book)
    errors = problems[problems["Severity"] == "Error"]
    if len(errors):
        first = errors.iloc[0]
        raise UsageError(
            f"{io.where}: the Adjustments sheet cannot be exported: row {first['Row']}, column "
            f"{first['Column']}: {first['Message']}. Run closekit close again."
        )
    settings = book.settings
    ctx = ExportContext(
        settings.accounting_currency,
        book.dimensions,
        settings.dimension_delimiter,
        settings.journal_name,
        settings.company,
        settings.period,
        settings.fiscal_year_start,
    )
    return ExportResult(name, writers[name].write(lines, ctx), len(lines))


def write_export(result: ExportResult, out: str | Path) -> list[Path]:
    """Write the upload file(s): ``out``, or ``out-1``, ``out-2``... when the ERP needs the journal
    split. Each file is written beside its target and swapped in when complete. Refuses (writes
    nothing) when the export has findings of severity Error."""
    if not result.ok:
        return []
    out = Path(out)
    files = result.export.files
    if out.suffix == "":
        out = out.with_suffix(result.export.suffix)
    targets = (
        [out] if len(files) == 1 else [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, len(files) + 1)]
    )
    for target, data in zip(targets, files, strict=True):
        temporary = target.with_name(f".~closekit-{target.name}")
        try:
            temporary.write_bytes(data)
            temporary.replace(target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise WriteError(f"{target} could not be written ({exc.strerror or exc}).") from None
    return targets


@dataclass
class HoldResult(_Counted):
    """Whether :func:`hold_period` may put the period on hold, and why not."""

    validation: ValidationResult
    period: str
    cell: str | None
    reason: str

    @property
    def findings(self) -> pd.DataFrame:
        return self.validation.findings

    @property
    def held(self) -> bool:
        return self.cell is not None and not self.reason


def hold_period(workbook: str | Path | SheetIO, *, period: str | None = None) -> HoldResult:
    """Validate, and plan putting ``period`` (default Settings ``Period``) On hold by the rules of
    :mod:`closekit.period_status` (a Permanently closed period is never touched); never over
    errors. Nothing is written: see :func:`write_hold`."""
    checked = validate(workbook)
    code = period or (checked.book.settings.period if checked.book.settings else "")
    change = period_status.plan(
        checked.io.read_sheet("Periods"), code, period_status.ON_HOLD, where=checked.io.where
    )
    cell, why = (change.cell or None), change.reason
    if change.outcome == period_status.UNCHANGED:
        cell, why = None, f"period {code} is already On hold"
    if cell is not None and not checked.ok:
        why = "the validation found errors; the period is never put on hold over errors"
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
            io.sheet_names(), command=command, period=result.period, counts=result.counts, now=now,
            outcomes=outcome, status=status,
        )
    )
    written = [outputs.FINDINGS, outputs.RUNLOG, *(f"{name} (cells)" for name in updates)]
    entry = outputs.runlog_entry(
        now=now,
        command=command,
        period=result.period,
        user=user or _user(),
        version=__version__,
        hashes=result.validation.input_hashes(),
        counts=result.counts,
        outputs=written,
        result="ok" if result.held else "errors",
    )
    io.write_sheets([outputs.findings_sheet(result.findings), outputs.runlog_sheet(io, entry)], updates or None)
    return written


# ------------------------------------------------------------------ period status (issue 7)


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
        settings = read_settings(io.read_sheet("Settings"))[0]
        change = dataclasses.replace(change, company=settings.company if settings else "")
        if change.changed and not dry_run:
            now = now or dt.datetime.now(dt.UTC)
            entry = outputs.runlog_entry(
                now=now,
                command=command,
                period=period,
                user=user or _user(),
                version=__version__,
                hashes={io.where: io.fingerprint() or ""},
                counts={},
                outputs=[f"Periods!{change.cell} (Status)", outputs.RUNLOG],
                result=f"period {period}: {change.old} -> {change.new}",
            )
            io.write_sheets([outputs.runlog_sheet(io, entry)], {"Periods": {change.cell: change.new}})
    return change


def set_period_statuses(
    workbooks: Iterable[str | Path], period: str, status: str, **options
) -> list[period_status.PeriodChange]:
    """:func:`set_period_status` for many companies' workbooks (the mass period close of domain.md
    §4 rule 5): each workbook on its own, so a refusal or an unreadable file in one leaves the
    others' changes in place; unreadable workbooks come back refused with the reason."""
    from closekit.errors import CloseKitError

    new = period_status.parse_status(status)
    changes = []
    for workbook in workbooks:
        try:
            changes.append(set_period_status(workbook, period, new, **options))
        except CloseKitError as problem:
            name = workbook.name if isinstance(workbook, Path) else Path(str(workbook)).name
            changes.append(period_status.PeriodChange(name, period, "", new, period_status.REFUSED, str(problem)))
    return changes


# ---------------------------------------------------------------------- sign-offs (issue 7)


@dataclass(frozen=True)
class SignOff:
    """A sign-off written by :func:`signoff`: who signed which task's figures, as what, when."""

    task: str
    role: str
    name: str
    at: str
    figures: str  # SHA-256 of the figures signed (the task's FiguresHash)


def signoff(
    workbook: str | Path | SheetIO,
    task: str,
    role: str,
    *,
    name: str | None = None,
    now: dt.datetime | None = None,
    command: str = "signoff",
) -> SignOff:
    """Sign a Checklist task as ``preparer`` or ``reviewer``: the name (default: the user logged
    in), the time (UTC) and the hash of the figures the last close computed for the task (its
    ``FiguresHash``), plus a RunLog row, in one atomic write. A later close that computes other
    figures suspends the sign-off (docs/close.md "Sign-offs")."""
    from closekit import signoffs
    from closekit.book import read_rows

    now = now or dt.datetime.now(dt.UTC)
    who = (name or _user()).strip()
    if not who:
        raise UsageError("closekit signoff: say who signs (--name), the user name could not be found.")
    with locked(workbook):
        io = open_workbook(workbook)
        sheet = io.read_sheet("Checklist")
        if sheet is None or len(sheet) == 0:
            raise UsageError(f"{io.where} has no Checklist tasks to sign.")
        rows, _ = read_rows(sheet, schema.ChecklistRow)
        try:
            found, cells = signoffs.signed_cells(rows, sheet, task, role, who, _stamp(now))
        except ValueError as problem:
            raise UsageError(f"{io.where}: {problem}.") from None
        settings = read_settings(io.read_sheet("Settings"))[0]
        entry = outputs.runlog_entry(
            now=now,
            command=command,
            period=settings.period if settings else "",
            user=_user(),
            version=__version__,
            hashes={io.where: io.fingerprint() or ""},
            counts={},
            outputs=[f"Checklist ({role} sign-off)", outputs.RUNLOG],
            result=f"task {found.task!r} signed by {who} as {role} (figures {found.figures_hash})",
        )
        io.write_sheets([outputs.runlog_sheet(io, entry)], {"Checklist": cells})
    return SignOff(found.task, role, who, _stamp(now), found.figures_hash or "")
