"""The live-Excel adapter: a close workbook open in Excel, through an xlwings ``Book``.

The same :class:`~closekit.sheetio.base.SheetIO` as the file adapter, so every step runs the same
inside Excel: with xlwings Lite (Pyodide in the Excel add-in; the book is xlwings' JSON/Office.js
book), with the classic add-in (``xw.Book.caller()`` over COM/AppleScript), or with xlwings
Server. xlwings is never imported here: the adapter only calls methods of the book it is given.

**Reading.** One call per sheet: the values of ``A1`` to the last cell of the used range. Values
are made the same types the file adapter returns for the same workbook: numbers as floats, dates
as ``datetime.date`` (a datetime with a time of day stays a datetime), empty cells as ``""``,
Excel's error values as their text (``#N/A``), so that a table reads to the same
:class:`~closekit.sources.tables.RawTable` with the same Excel row numbers. (The file adapter's
``hidden-cells`` and ``merged-cells`` findings need the sheet's XML and are not made here.)

**Writing.** Each output sheet is cleared (or added after the last sheet) and its header and rows
are written in one call; the number formats follow the columns' formats (amounts ``#,##0.00``,
dates ``yyyy-mm-dd``). Then :mod:`closekit.sheetio.excel_layout` makes it the file adapter's Excel
table (same name and range), freezes the header, sets the file adapter's widths and alignments,
bolds the totals rows and sets the print area; the classic add-in on Windows also gets the page
setup over COM. xlwings Lite has no page setup action beyond the print area: a sheet written from
Lite prints with Excel's defaults (docs/excel.md "What each front end gets"). Cell ``updates``
(the Checklist's Status, the Close sheet's status cells) are set one cell each. Nothing is
written before everything was computed: with xlwings Lite and Server the writes are *actions*
that Excel applies only after the script returned, so a run that fails writes nothing.

**No text becomes a formula.** Writing a value into Excel is like typing it: ``=cmd|' /C
calc'!A0`` would become a formula, ``0100`` the number 100, ``2026-10`` a date. Every text is
therefore written with a leading apostrophe, Excel's "this is text" prefix, which Excel keeps as
the cell's quote-prefix style and does not show or return as part of the value. The JSON actions
of xlwings carry the value unchanged in ``setValues``; a text number format would be a separate
``setNumberFormat`` action, whose effect on a value written afterwards depends on the client, so
texts get the apostrophe and no number format (tests/test_excel_lite.py checks the actions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from closekit.sheetio import split
from closekit.sheetio import xlsx_sheet as xs
from closekit.sheetio.base import FRONT_PAGES, OutputSheet, a1, headed
from closekit.sheetio.excel_layout import Dresser
from closekit.sources import tables
from closekit.sources.tables import RawTable

#: Excel number formats of the output columns' formats (:data:`closekit.sheetio.xlsx_package.FORMATS`).
NUMBER_FORMATS = {
    "text": "@",
    "general": "General",
    "integer": "0",
    "amount": "#,##0.00",
    "amount0": "#,##0",
    "amount3": "#,##0.000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "percent": '0.0"%"',  # the percentage itself (12.5), as the file adapter shows it
}
_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!", "#SPILL!", "#CALC!"})
_HYPERLINK_SAFE = re.compile(r"^[A-Za-z0-9_.]+$")


def as_text(value: str) -> str:
    """A text as it must be written into Excel to arrive as exactly that text (leading apostrophe)."""
    return "'" + value


class ExcelBook:
    """A workbook open in Excel, read and written through an xlwings ``Book`` (Lite, classic, Server)."""

    def __init__(self, book: object, *, folder: str | Path | None = None):
        self.book = book
        self.where = str(book.name)  # type: ignore[attr-defined]
        self._folder = Path(folder) if folder is not None else None
        self._cache: dict[str, RawTable | None] = {}
        self._digest = hashlib.sha256()
        self._added: set[str] = set()  # output sheets this adapter added (lower case)
        self._after = None  # the sheet the next new output goes after (None: the last sheet)
        #: (company, period) printed in the page header of every output sheet (base.set_heading)
        self.heading = ("", "")
        #: layout calls the client refused in the last write (excel_layout: the values are written)
        self.layout_skipped: list[str] = []

    @classmethod
    def caller(cls, book: object) -> ExcelBook:
        """The adapter for the classic add-in: relative Sources paths resolve against the workbook's
        folder (the book's full name, when Excel has saved it to a local folder)."""
        fullname = str(getattr(book, "fullname", "") or "")
        folder = Path(fullname).parent if fullname and Path(fullname).is_absolute() else None
        return cls(book, folder=folder)

    # ----------------------------------------------------------------------------- reading
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]  # type: ignore[attr-defined]

    def sheet(self, name: str):
        """The xlwings sheet of that name (any case), or None."""
        for sheet in self.book.sheets:  # type: ignore[attr-defined]
            if sheet.name.lower() == name.lower():
                return sheet
        return None

    def read_sheet(self, name: str) -> RawTable | None:
        sheet = self.sheet(name)
        if sheet is None:
            return None
        if sheet.name not in self._cache:
            cells = self.cells(sheet)
            self._digest.update(json.dumps([sheet.name, cells], default=str).encode())
            if not any(any(tables.is_filled(c) for c in row) for row in cells):
                self._cache[sheet.name] = tables.empty_table(sheet.name)
            else:
                meta = {"date1904": True} if self.date1904() else {}
                self._cache[sheet.name] = tables.from_rows(sheet.name, cells, **meta)
        return self._cache[sheet.name]

    def date1904(self) -> bool:
        """Whether the workbook uses the 1904 date system (Excel's ``Workbook.Date1904``, through
        the classic add-in's COM object); False where the client does not say (xlwings Lite)."""
        if not hasattr(self, "_date1904"):
            try:
                self._date1904 = getattr(self.book.api, "Date1904", False) is True  # type: ignore[attr-defined]
            except Exception:  # no .api (xlwings Lite, Server), or Excel refuses the call
                self._date1904 = False
        return self._date1904

    @staticmethod
    def cells(sheet) -> list[list[object]]:
        """The values of A1 to the used range's last cell, in one call, as the file adapter reads them."""
        last = sheet.used_range.last_cell
        values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=True, empty="").value
        return [[_cell_value(v) for v in row] for row in values or []]

    def folder(self) -> Path | None:
        return self._folder

    def fingerprint(self) -> str | None:
        """SHA-256 of the cell values of the sheets read so far (Excel gives no file bytes)."""
        return self._digest.hexdigest() if self._cache else None

    # ----------------------------------------------------------------------------- writing
    def write_sheets(self, sheets: list[OutputSheet], updates: dict[str, dict[str, object]] | None = None) -> None:
        sheets = split.split_for_excel(headed(sheets, *self.heading), self.sheet_names())  # Excel's row limit
        plans = [(out, xs.plan_sheet(out, date1904=False)) for out in sheets]
        planned = [(out, plan, sheet_values(out, plan)) for out, plan in plans]  # every value before any write
        cells = [(self._existing(n), ref, value) for n, refs in (updates or {}).items() for ref, value in refs.items()]
        self._after = self._outputs_after([out.name for out in sheets])
        dresser = Dresser.of(self.book)
        written = [(self._write_sheet(out, values, formats, dresser), plan) for out, plan, (values, formats) in planned]
        for sheet, ref, value in cells:
            sheet.range(ref).value = cell_value(value)
        # The layout last: with xlwings Lite the writes are actions Excel applies in order after the
        # script returned, and one it refuses (a table Excel will not add) stops the ones after it;
        # every value and update is in by then, so a refused layout costs only the layout.
        for sheet, plan in written:
            dresser.dress(sheet, plan)  # table, widths, alignments, print setup (excel_layout)
        self.layout_skipped = dresser.skipped
        for name in [out.name for out in sheets] + list(updates or {}):
            for cached in [k for k in self._cache if k.lower() == name.lower()]:
                del self._cache[cached]

    def _outputs_after(self, names: list[str]):
        """The sheet new outputs go after, as the file adapter places them: the last of the Close
        sheet, the Dashboard and the outputs (of this write, or added by this adapter) in the tab
        order; None (at the end) when there is none."""
        ours = FRONT_PAGES | {n.lower() for n in names} | self._added
        found = [s for s in self.book.sheets if s.name.lower() in ours]  # type: ignore[attr-defined]
        return found[-1] if found else None

    def _existing(self, name: str):
        sheet = self.sheet(name)
        if sheet is None:
            raise KeyError(f"{self.where} has no sheet {name!r} to update")
        return sheet

    def _write_sheet(
        self, out: OutputSheet, values: list[list[object]], formats: list[str | None], dresser: Dresser
    ):
        """Clear (or add) the sheet and write its values and number formats; the sheet."""
        sheet = self.sheet(out.name)
        if sheet is None:
            sheets = self.book.sheets  # type: ignore[attr-defined]
            after = self._after if self._after is not None else sheets[len(sheets) - 1]
            sheet = sheets.add(out.name, after=after)
            self._after = sheet  # the next new output goes after this one
            self._added.add(out.name.lower())
        else:
            dresser.before_clear(sheet)
            sheet.clear()
        rows, width = len(values), len(values[0]) if values and values[0] else 0
        if not width:
            return sheet
        for j, fmt in enumerate(formats, start=1):  # formats first: a client applies actions in order
            if rows > 1 and fmt is not None:  # texts need none: the apostrophe makes them text
                sheet.range((2, j), (rows, j)).number_format = fmt
        sheet.range((1, 1), (rows, width)).value = values
        header = sheet.range((1, 1), (1, width))
        header.font.bold = True
        return sheet


def sheet_values(
    out: OutputSheet, plan: xs.SheetPlan | None = None
) -> tuple[list[list[object]], list[str | None]]:
    """The rows of an output sheet as Excel values (header first), and each column's number format
    (None for a column of texts only); the cell kinds the file adapter writes (:mod:`.xlsx_sheet`).
    ``plan``: the sheet's :func:`~closekit.sheetio.xlsx_sheet.plan_sheet`, when already made."""
    plan = plan if plan is not None else xs.plan_sheet(out, date1904=False)
    header = [as_text(c.header) for c in plan.columns]
    columns, formats = [], []
    for col in plan.columns:
        values = col.values.tolist()
        cells = []
        for v, code in zip(values, col.codes.tolist(), strict=True):
            if code == xs.MISSING:
                cells.append(None)
            elif code == xs.TEXT:
                if isinstance(v, pd.Timestamp | dt.datetime):
                    v = v.strftime("%Y-%m-%d" if col.whole_days else "%Y-%m-%d %H:%M:%S")
                cells.append(as_text(xs._to_text(v)))
            elif code == xs.NUMBER:
                cells.append(int(v) if isinstance(v, int | np.integer) else float(v))
            elif code == xs.BOOL:
                cells.append(bool(v))
            elif code == xs.TEMPORAL:
                ts = pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tzinfo else pd.Timestamp(v)
                cells.append(ts.date() if ts == ts.normalize() else ts.to_pydatetime())
            else:
                cells.append("#NUM!")
        columns.append(cells)
        kind = col.date_fmt if (col.codes == xs.TEMPORAL).any() else col.fmt
        text_only = not ((col.codes != xs.TEXT) & (col.codes != xs.MISSING)).any()
        formats.append(None if text_only else NUMBER_FORMATS.get(kind, "General"))
    rows = [header] + [list(r) for r in zip(*columns, strict=True)] if columns else [header]
    return rows, formats


def cell_value(v: object) -> object:
    """A single value as written into an Excel cell (texts with the apostrophe; None clears)."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, str):
        return as_text(v) if v else None
    if isinstance(v, bool | int | float | dt.date):
        return v
    if isinstance(v, Decimal | np.integer | np.floating):
        # a number cell, as the file adapter writes it (Excel keeps every number as a double)
        return int(v) if isinstance(v, np.integer) else float(v)
    return as_text(xs._to_text(v))


def _cell_value(v: object) -> object:
    """A value read from Excel, as the file adapter returns it."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time() else v
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return float(v)
    return v


def link_target(sheet: str, row: int, column: int = 1) -> str:
    """The in-workbook hyperlink address of a cell: ``#'Trial Balance'!C7`` (or ``#Accounts!C7``)."""
    quoted = sheet if _HYPERLINK_SAFE.match(sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"#{quoted}!{a1(row, column)}"


def finding_links(io: ExcelBook, findings: pd.DataFrame) -> list[tuple[int, str]]:
    """(Findings row, link address) for each finding that points at a cell of a sheet of the
    workbook: its Row, and its Column where the sheet has a column of that name (else column A)."""
    names = {n.lower(): n for n in io.sheet_names()}
    links = []
    for i, rec in enumerate(findings.reset_index(drop=True).to_dict("records"), start=2):
        sheet = names.get(str(rec.get("Where", "")).lower())
        row = rec.get("Row")
        if sheet is None or row is None or row == "" or pd.isna(row):
            continue
        table = io.read_sheet(sheet)
        numbers = table.meta.get("column_numbers", {}) if table is not None else {}
        column = numbers.get(str(rec.get("Column", "")), 1)
        links.append((i, link_target(sheet, int(row), column)))
    return links


def link_findings(io: ExcelBook, findings: pd.DataFrame) -> int:
    """Make each Findings row's Where cell (column C) a link to the cell the finding points at."""
    sheet = io.sheet("Findings")
    links = finding_links(io, findings) if sheet is not None else []
    where_column = 3
    for row, address in links:
        sheet.range((row, where_column)).add_hyperlink(address, str(findings.iloc[row - 2]["Where"]), address[1:])
    return len(links)
