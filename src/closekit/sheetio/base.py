"""The sheet I/O interface every adapter implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from closekit.tables import RawTable


@dataclass(frozen=True)
class OutputSheet:
    """A whole output sheet: header = ``frame.columns``; ``formats`` per column (see
    :mod:`closekit.sheetio.xlsx_package`): text, date, datetime, integer, amount, amount0, amount3."""

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)


class SheetIO(Protocol):
    """Where a close reads its input sheets from and writes its output sheets to."""

    #: How the workbook is named to the user in findings and messages (e.g. ``close.xlsx``).
    where: str

    def sheet_names(self) -> list[str]:
        """Names of the worksheets, in tab order."""

    def read_sheet(self, name: str) -> RawTable | None:
        """One sheet (header in row 1; Excel row numbers), or None when there is no such sheet."""

    def write_sheets(self, sheets: list[OutputSheet]) -> None:
        """Replace (or add) the given output sheets, all or nothing; everything else is kept."""

    def folder(self) -> Path | None:
        """The folder relative Sources paths are resolved against (None where there is none)."""

    def fingerprint(self) -> str | None:
        """SHA-256 of the workbook as read (for the run log), where it can be known."""
