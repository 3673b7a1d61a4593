"""The sheet I/O interface every adapter implements."""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from closekit.sources.tables import RawTable

MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's sheet size
#: closekit's front pages (lower case): new output sheets go after them, and after the outputs there.
FRONT_PAGES = frozenset({"close", "dashboard"})


def a1(row: int, column: int) -> str:
    """The A1 reference of a 1-based row and column: ``a1(3, 6) == "F3"``."""
    if isinstance(row, bool) or isinstance(column, bool):
        raise TypeError("a1 takes row and column numbers, not booleans")
    row, column = operator.index(row), operator.index(column)
    if not (1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
        raise ValueError(f"row {row}, column {column} is outside an Excel sheet (1-{MAX_ROWS:,}, 1-{MAX_COLUMNS:,})")
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


@dataclass(frozen=True)
class OutputSheet:
    """A whole output sheet: header = ``frame.columns``; ``formats`` per column (see
    :mod:`closekit.sheetio.xlsx_package`): text, date, datetime, integer, amount, amount0, amount3."""

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    #: Text of the printed page header (e.g. a statement's company, title, date and currency): the
    #: sheet itself keeps its header in row 1, so a title goes where a printout shows it.
    header: str = ""
    #: The page header of the printed sheet: company (left) and period (right); the sheet's name is centred.
    company: str = ""
    period: str = ""
    #: Internal hyperlinks: A1 cell of this sheet -> the location it opens (``'Checklist'!F12``).
    links: dict[str, str] = field(default_factory=dict)
    #: Text indentation per row of a column (column name -> one level per row, 0 for none): a
    #: statement's Name by its Level, so lines stand under their totals as on a printed statement.
    indents: dict[str, object] = field(default_factory=dict)


class SheetIO(Protocol):
    """Where a close reads its input sheets from and writes its output sheets to."""

    #: How the workbook is named to the user in findings and messages (e.g. ``close.xlsx``).
    where: str

    def sheet_names(self) -> list[str]:
        """Names of the worksheets, in tab order."""

    def read_sheet(self, name: str) -> RawTable | None:
        """One sheet (header in row 1; Excel row numbers), or None when there is no such sheet."""

    def write_sheets(self, sheets: list[OutputSheet], updates: dict[str, dict[str, object]] | None = None) -> None:
        """Replace (or add) the given output sheets, all or nothing; everything else is kept.

        ``updates`` are cell values in existing sheets: sheet name (any case) -> {A1 reference: value}
        (str, int, float, Decimal, bool, date/datetime; None clears the value). They are written in
        the same all-or-nothing step; every other cell, format and object of those sheets is kept."""

    def folder(self) -> Path | None:
        """The folder relative Sources paths are resolved against (None where there is none)."""

    def fingerprint(self) -> str | None:
        """SHA-256 of the workbook as read (for the run log), where it can be known."""


def set_heading(io: object, company: str | None, period: str | None) -> None:
    """Tell the adapter the company and period to print in the page header of its output sheets,
    where it prints one (the file adapter: ``FileWorkbook.heading``)."""
    if hasattr(io, "heading"):
        io.heading = (company or "", period or "")


def headed(sheets: list[OutputSheet], company: str, period: str) -> list[OutputSheet]:
    """The sheets with ``company`` and ``period`` as page header where they name none of their own."""
    return [
        dataclasses.replace(s, company=s.company or company, period=s.period or period) if company or period else s
        for s in sheets
    ]


def output_target(io: object, name: str, columns: list[str] | None = None) -> str:
    """The sheet an adapter writes closekit's output ``name`` into (``name``, or ``name (closekit)``
    beside a sheet of the user's own with that name; :meth:`closekit.sheetio.files.FileWorkbook.output_target`).
    Adapters without the notion write ``name``."""
    target = getattr(io, "output_target", None)
    return name if target is None else target(name, columns)


def marked(io: object, name: str) -> bool:
    """Whether the adapter knows the sheet ``name`` carries closekit's marker (False where it cannot tell)."""
    facts = getattr(io, "facts", None)
    found = facts() if facts is not None else None
    return found is not None and name.lower() in found.marked


def claim(io: object, name: str) -> None:
    """Ask the adapter to mark the sheet ``name`` as closekit's on its next write, when it can."""
    claim_ = getattr(io, "claim", None)
    if claim_ is not None:
        claim_(name)
