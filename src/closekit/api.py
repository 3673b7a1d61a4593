"""closekit from Python: the same calls the command line and the Excel add-ins make.

>>> import closekit
>>> result = closekit.validate("close.xlsx")            # doctest: +SKIP
>>> result.findings[["Severity", "Code", "Where", "Row", "Column", "Message"]]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from closekit import __version__, outputs, schema, validation
from closekit import findings as fnd
from closekit.book import CloseBook, read_book
from closekit.ledger import Ledger, empty_lines
from closekit.sheetio.base import SheetIO
from closekit.sources import SourceSpec, load_ledger


@dataclass
class ValidationResult:
    """What :func:`validate` found: the book, the ledger it read and every finding."""

    io: SheetIO
    book: CloseBook
    ledger: Ledger
    findings: pd.DataFrame

    @property
    def lines(self) -> int:
        """Data rows read from all sources (rows with findings included)."""
        return self.ledger.rows_read

    @property
    def counts(self) -> dict[str, int]:
        return fnd.counts(self.findings)

    @property
    def ok(self) -> bool:
        """True when there is no finding of severity Error."""
        return self.counts["Error"] == 0

    def to_json(self) -> dict:
        return {"lines": self.lines, "findings": fnd.to_json_records(self.findings)}

    def input_hashes(self) -> dict[str, str]:
        hashes = {self.io.where: self.io.fingerprint() or ""}
        hashes.update({s.where: s.sha256 for s in self.ledger.sources if s.sha256})
        return hashes


def open_workbook(workbook: str | Path | SheetIO) -> SheetIO:
    """A sheet adapter for ``workbook``: a path opens the file adapter; an adapter is used as is."""
    if isinstance(workbook, str | Path):
        from closekit.sheetio.files import FileWorkbook

        return FileWorkbook(workbook)
    return workbook


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
    result.io.write_sheets([outputs.findings_sheet(result.findings), outputs.runlog_sheet(result.io, entry)])
    return written


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
