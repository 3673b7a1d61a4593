"""What every subledger report layout shares: the report's cells as a grid, its header found below
the title rows, and one walk over the rows below it (docs/importing.md "Subledger reports").

A subledger report (an aging, an open-items list, an inventory valuation) is read for one figure,
its total, and read twice: the sum of its **detail rows** and its own **grand total** row, which
must agree (``subledger-total-mismatch``). Every row below the header is one of:

* blank: left out;
* a **detail row**: an amount in the report's amount column (the customer's or invoice's balance);
* a **section or title row**: text, but no amount (``Current``, ``1 - 30 days past due``, a footer);
* a **subtotal** (``Total for Current``, ``Total Contoso``): left out, the detail rows count;
* the **grand total** (``Total``, ``TOTAL``, ``Grand total``): the last one counts; rows below it
  are the report's footer (Xero's ``Percentage of total``), and one with an amount is a finding.

An amount cell that is no number is a ``bad-number`` finding naming the file, row and column; its
row counts in neither figure. Pure: cells in, :class:`SubledgerReport` out.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.core.parsing import header_key
from closekit.sources.tables import DELIMITERS, cell_text

#: Rows searched for the header, below the report's title rows.
HEADER_ROWS = 40
#: (row number, cells) of a report, in order; row numbers are those a person sees.
Grid = list[tuple[int, list[object]]]
_GRAND_TOTAL = re.compile(
    r"^(grand\s*)?total(\s*\(.*\))?:?$|^total\s+(amount|balance|due|all)$"
    r"|^total\s+aged\s+(receivables|payables)$",
    re.IGNORECASE,
)
_SUBTOTAL = re.compile(r"^total\b", re.IGNORECASE)
#: Footer rows below the grand total that carry numbers but are no amount (Xero).
_FOOTERS = ("percentageoftotal", "%oftotal")


@dataclass(frozen=True)
class Layout:
    """One report layout: how its header is recognised and which column holds the amount."""

    name: str
    label: str
    #: header keys (:func:`closekit.core.parsing.header_key` of each header cell) -> whether it is this layout
    fits: Callable[[list[str]], bool]
    #: header keys of the amount column, the first present wins
    amount: tuple[str, ...]
    #: header keys of the column that names the customer, vendor or item (default: the first column)
    party: tuple[str, ...] = ()
    currency: tuple[str, ...] = ("currency", "currencycode")


@dataclass
class SubledgerReport:
    """What a report says: the sum of its detail rows, its grand total (None: it has none)."""

    where: str
    layout: str
    detail_total: Decimal = Decimal(0)
    grand_total: Decimal | None = None
    rows: int = 0
    findings: list[dict] = field(default_factory=list)
    #: the grand total's row (for findings)
    total_row: int | None = None
    amount_column: str = ""

    @property
    def total(self) -> Decimal:
        """The figure the tie-out uses: the sum of the detail rows."""
        return self.detail_total


def csv_grid(text: str) -> Grid:
    """CSV text as rows of cells, the delimiter the one that splits the most lines (title rows
    have none), row numbers the physical lines (a quoted line break keeps the next row's)."""
    sample = text.splitlines()[:HEADER_ROWS * 2]
    counts = {d: sum(re.sub(r'"[^"]*"', "", line).count(d) for line in sample) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: Grid = []
    start = 1
    for record in reader:
        out.append((start, list(record)))
        start = reader.line_num + 1
    return out


def find_header(grid: Grid, layouts: list[Layout]) -> tuple[int, Layout] | None:
    """The index in ``grid`` of the first row (of the first :data:`HEADER_ROWS`) that is the header
    of one of ``layouts`` (tried in order), and that layout."""
    for index, (_, cells) in enumerate(grid[:HEADER_ROWS]):
        keys = [header_key(cell_text(c)) for c in cells]
        for layout in layouts:
            if layout.fits(keys):
                return index, layout
    return None


def _decimal_mark(texts: list[str]) -> str | None:
    marks = {m for t in texts if (m := parsing.number_mark(t)) in (",", ".")}
    return marks.pop() if len(marks) == 1 else None


def walk(grid: Grid, index: int, layout: Layout, where: str, *, places: int, currency: str) -> SubledgerReport:
    """The report below its header row ``grid[index]``: detail rows summed, the grand total read."""
    header_row, header = grid[index]
    keys = [header_key(cell_text(c)) for c in header]
    report = SubledgerReport(where, layout.label)
    amount_at = next((keys.index(k) for k in layout.amount if k in keys), None)
    if amount_at is None:
        report.findings.append(
            fnd.finding(
                "subledger-unreadable",
                where,
                f"the header in row {header_row} has no amount column (expected one of: "
                + ", ".join(layout.amount) + ")",
                row=header_row,
                column="",
            )
        )
        return report
    report.amount_column = cell_text(header[amount_at])
    party_at = next((keys.index(k) for k in layout.party if k in keys), 0)
    currency_at = next((keys.index(k) for k in layout.currency if k in keys), None)
    body = grid[index + 1 :]
    decimal = _decimal_mark(
        [cells[amount_at].strip() for _, cells in body if amount_at < len(cells) and isinstance(cells[amount_at], str)]
    )
    after_total = False
    for row, cells in body:
        shown = [cell_text(c) for c in cells]
        if not any(shown):
            continue
        cell = cells[amount_at] if amount_at < len(cells) else ""
        text = shown[amount_at] if amount_at < len(shown) else ""
        labels = [t for i, t in enumerate(shown) if t and i != amount_at][:2]
        label = labels[0] if labels else ""
        if after_total:
            if text and header_key(label) not in _FOOTERS:
                report.findings.append(
                    fnd.finding(
                        "bad-row",
                        where,
                        f"row {row} has an amount ({text}) below the report's grand total (row "
                        f"{report.total_row}): it is in neither the rows nor the total",
                        row=row,
                        column=report.amount_column,
                        fix="Export the report again, without rows added below its total.",
                    )
                )
            continue
        if any(_GRAND_TOTAL.match(t) for t in labels) and text:
            amount = _amount(cell, decimal, places, where, row, report)
            if amount is not None:
                report.grand_total, report.total_row, after_total = amount, row, True
            continue
        if not text or any(_SUBTOTAL.match(t) for t in labels):
            continue  # a section, title or footer row; or a subtotal
        other = currency_at is not None and currency_at < len(shown) and shown[currency_at]
        if other and shown[currency_at].upper() != currency:
            report.findings.append(
                fnd.finding(
                    "bad-currency",
                    where,
                    f"row {row} ({shown[party_at] if party_at < len(shown) else label}) is in "
                    f"{shown[currency_at]}, the tie-out in {currency}: it is left out",
                    row=row,
                    column=cell_text(header[currency_at]),
                    fix="Export the report in the tie-out's currency (amounts in the accounting currency), "
                    "or set the Reconciliations row's Currency.",
                )
            )
            continue
        amount = _amount(cell, decimal, places, where, row, report)
        if amount is not None:
            report.detail_total += amount
            report.rows += 1
    return report


def _amount(cell: object, decimal: str | None, places: int, where: str, row: int, report: SubledgerReport):
    """One amount cell as a Decimal, or None with a ``bad-number`` finding on its cell."""
    text = parsing._number_cell_text(cell) if not isinstance(cell, str) else cell.strip()
    problem = ""
    try:
        value = parsing.parse_number_text(str(text), decimal)
    except parsing.AmbiguousNumber:
        problem = f"{text!r} could be read with either decimal mark, and the report's other amounts do not show which"
    except ValueError:
        problem = f"{cell_text(cell)!r} is not an amount"
    else:
        if value != value.quantize(Decimal(1).scaleb(-places)):
            problem = f"{text} has more than the currency's {places} decimals"
        else:
            return value
    report.findings.append(
        fnd.finding(
            "bad-number",
            where,
            f"row {row}, {report.amount_column}: {problem}; the row is left out of the subledger's total",
            row=row,
            column=report.amount_column,
            fix="Export the report again (amounts as numbers), or correct the cell.",
        )
    )
    return None
