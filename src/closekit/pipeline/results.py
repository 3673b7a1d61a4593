"""What the pipeline's calls return: a validation, a close, an export, a hold, a sign-off.

Each result keeps what it was computed from (the workbook's adapter, its book, the ledger, the
close run) so that the matching ``write_*`` call can write it, and counts its findings by
severity. Nothing here reads or writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from closekit.closing.journal_register import Register
from closekit.closing.runner import CloseRun
from closekit.core import findings as fnd
from closekit.core.ledger import Ledger
from closekit.exporters import Export
from closekit.pipeline.close_json import close_json
from closekit.review.period_status import PeriodChange
from closekit.sheetio.base import SheetIO
from closekit.workbook.book import CloseBook
from closekit.workbook.checklist import StepOutcome


class Counted:
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
class ValidationResult(Counted):
    """What :func:`~closekit.pipeline.validate.validate` found: the book, the ledger it read and
    every finding."""

    io: SheetIO
    book: CloseBook
    ledger: Ledger
    findings: pd.DataFrame
    extra_hashes: dict[str, str] = field(default_factory=dict)  # other files a run read (subsidiaries)
    #: Journal lines the posted ledger already holds, left out of ``ledger`` (issue 17: the
    #: Journals sheet shows their vouchers Posted); see :func:`closekit.closing.posted_journals.split`.
    posted_journal_lines: pd.DataFrame | None = None

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


@dataclass
class CloseResult(Counted):
    """What :func:`~closekit.pipeline.close.close` computed: the validation it started from and
    the close run."""

    validation: ValidationResult
    run: CloseRun | None
    outcomes: dict[str, StepOutcome]
    #: Issue 7: Checklist sign-off cells ((strong, weak) updates) and the period-hold change.
    signoff_cells: tuple[dict[str, object], dict[str, object]] = ({}, {})
    hold: PeriodChange | None = None
    #: Issue 17: the Journals register (each manual journal voucher's status) and its approval cells.
    journals: Register | None = None
    #: The steps whose Checklist task this run sets Blocked though the step itself ran (it waits for
    #: a Blocked step before it, or a DependsOn task): not "run clean" to the user.
    blocked_steps: frozenset[str] = frozenset()

    @property
    def clean_steps(self) -> list[str]:
        """The steps that ran clean and are not Blocked, in the order run."""
        return [s for s, o in self.outcomes.items() if o.ran and o.clean and s not in self.blocked_steps]

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
        """The ``--json`` of ``closekit close`` (workbook.md "Command line")."""
        return close_json(self.period, self.findings, self.run)


@dataclass
class ExportResult(Counted):
    """An upload file (or several) in an ERP's layout, and what that ERP would refuse."""

    format: str
    export: Export
    lines: int
    #: Issue 16 item 9: why the close does not allow the export (export-unclosed, export-stale;
    #: Warnings when forced), the workbook it was read from, its period, and whether it was forced.
    gate: pd.DataFrame = field(default_factory=fnd.frame)
    io: SheetIO | None = None
    period: str = ""
    forced: bool = False
    #: Issue 17: voucher number -> hash of its lines, of every voucher in the upload (the RunLog's
    #: Uploads), and how many of them are manual journal vouchers.
    vouchers: dict[str, str] = field(default_factory=dict)
    manual_vouchers: int = 0

    @property
    def findings(self) -> pd.DataFrame:
        return fnd.combine([self.gate, self.export.findings]) if len(self.gate) else self.export.findings


@dataclass
class HoldResult(Counted):
    """Whether :func:`~closekit.pipeline.period.hold_period` may put the period on hold, and why
    not."""

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


@dataclass(frozen=True)
class SignOff:
    """A sign-off written by :func:`~closekit.pipeline.signoff.signoff`: who signed which task's
    figures, as what, when."""

    task: str
    role: str
    name: str
    at: str
    figures: str  # SHA-256 of the figures signed (the task's FiguresHash)
