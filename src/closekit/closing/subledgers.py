"""Reading the subledger reports the Reconciliations sheet names (docs/close.md "Subledger
tie-outs"), for the pure ``reconciliation`` step (:mod:`closekit.closing.reconciliation`).

A Subledger path is resolved like a Sources path: relative to the workbook's folder, and held to
the folder rule (:mod:`closekit.sources.folder_rule`: a workbook cannot make closekit read a file
outside its folder tree; that stops the run, as for Sources). A report that is missing or
unreadable is a ``subledger-unreadable`` finding, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from closekit.core import findings as fnd
from closekit.core import money
from closekit.sources import folder_rule, subledgers
from closekit.sources.subledgers import SubledgerReport
from closekit.workbook.book import CloseBook

SHEET = "Reconciliations"


def check_paths(book: CloseBook, folder: Path | None) -> None:
    """The folder rule for every Subledger path, before any is read (InputError: exit 2)."""
    for row, spec in book.reconciliations:
        if spec.subledger:
            folder_rule.check_sheet_path(spec.subledger, folder, row, sheet=SHEET)


def read(book: CloseBook, folder: Path | None) -> tuple[dict[int, SubledgerReport], dict[str, str]]:
    """(the report of each Reconciliations row that names a Subledger file, by sheet row; the
    SHA-256 of each file read, for the RunLog's input hashes)."""
    check_paths(book, folder)
    accounting = book.accounting_currency or "EUR"
    reports: dict[int, SubledgerReport] = {}
    hashes: dict[str, str] = {}
    for row, spec in book.reconciliations:
        if not spec.subledger:
            continue
        where = spec.subledger
        if folder is None and not Path(spec.subledger).is_absolute():
            report = SubledgerReport(where, "?")
            report.findings.append(
                fnd.finding(
                    "subledger-unreadable",
                    where,
                    "this workbook has no folder to read files from (xlwings Lite): type the subledger's total "
                    "in Balance instead",
                    column="",
                )
            )
            reports[row] = report
            continue
        path = folder_rule.resolve(spec.subledger, folder)
        currency = spec.currency or accounting
        if spec.format not in subledgers.FORMATS:
            report = SubledgerReport(where, "?")
            report.findings.append(
                fnd.finding(
                    "subledger-unreadable",
                    SHEET,
                    f"Format {spec.format!r} is not a subledger layout; use one of: {', '.join(subledgers.FORMATS)}",
                    row=row,
                    column="Format",
                )
            )
            reports[row] = report
            continue
        places = money.exponent(currency) if money.is_currency(currency) else 2
        reports[row] = subledgers.read(
            path, where, format=spec.format, sheet=spec.sheet, places=places, currency=currency
        )
        digest = subledgers.digest(path)
        if digest:
            hashes[where] = digest  # named as typed, like a Sources path
    return reports, hashes
