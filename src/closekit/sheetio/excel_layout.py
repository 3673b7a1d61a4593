"""The look of an output sheet written into a live Excel (:class:`closekit.sheetio.excel.ExcelBook`),
as close to the file adapter's as the client's xlwings allows (docs/workbook-writing.md "Layout",
docs/excel.md "What each front end gets").

Every front end (xlwings Lite, the classic add-in over COM or AppleScript, xlwings Server) gets,
through xlwings' own object model:

* the **Excel table** over the header and the rows (``sheet.tables.add``, ``TableStyleMedium2``, the
  name :func:`closekit.sheetio.xlsx_table.table_name` gives the file adapter: ``TrialBalance``), or
  no table where the header cannot be a table's (:func:`~closekit.sheetio.xlsx_table.usable_headers`);
* the **frozen header row** (``freeze_panes.freeze_at("1:1")``; over COM the window's panes on
  Windows; not on a Mac's AppleScript engine);
* the file adapter's **column widths**, the Findings' ``Message`` and ``Fix`` **wrapped** and
  top-aligned, a ``...Hash`` column cut at its edge (*Fill* alignment), a header over numbers
  right-aligned, **totals rows bold** (``Total ...`` in ``StatementLine``, ``Account`` or ``Name``:
  the rows' font, not the file's conditional format, so a sort moves the bold with its row only
  until the next run; also the rows whose ``Kind`` is ``Total``);
* the **print area** (the table's cells, ``page_setup.print_area``).

The rest of the **print setup** (fit to one page wide, landscape when wide, row 1 on every page,
company / sheet / period in the page header, "Page n of m" in the footer) has no xlwings API: the
classic add-in on Windows sets it through Excel's COM ``PageSetup`` (:func:`com_page_setup`), and
indents a statement's names by their level (``Range.IndentLevel``; no xlwings API either).
xlwings Lite's JSON actions have no page setup beyond the print area (xlwings 0.37: ``PageSetup``
has only ``print_area``), so a sheet written from Lite prints with Excel's page defaults; this is a
documented limit, not faked. AppleScript (the classic add-in on a Mac) is not driven either.

A re-written sheet is cleared first (``sheet.clear()``), which removes its old table with its cells
(Excel deletes a table whose every cell is cleared); the classic add-in also deletes the old
tables through COM (``ListObject.Delete``) before clearing, so the new table never overlaps one.
Nothing here is needed for a correct number: a client that refuses a layout call keeps the values
it was given, and the refusal is noted in :attr:`Dresser.skipped` (the adapter's ``layout_skipped``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from closekit.sheetio import xlsx_sheet as xs
from closekit.sheetio import xlsx_table as xt

#: Excel's ``XlPageOrientation`` (COM): portrait 1, landscape 2.
_PORTRAIT, _LANDSCAPE = 1, 2


@dataclass
class Dresser:
    """Lays out the output sheets of one write: table names unique in the workbook across the write."""

    #: defined names of the workbook and the tables of every sheet (sheet name, lower case -> names)
    names: set[str] = field(default_factory=set)
    tables: dict[str, set[str]] = field(default_factory=dict)
    #: what a client refused ("Findings: freeze panes (NotImplementedError)"), for the caller to show
    skipped: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, book: object) -> Dresser:
        """The names already taken in ``book`` (one read of its names and of each sheet's tables)."""
        dresser = cls()
        try:
            dresser.names = {str(n.name).split("!")[-1] for n in book.names}  # type: ignore[attr-defined]
        except Exception as problem:  # a client without names: only the tables count
            dresser.skipped.append(f"workbook: names not read ({type(problem).__name__})")
        for sheet in book.sheets:  # type: ignore[attr-defined]
            dresser.tables[sheet.name.lower()] = _table_names(sheet)
        return dresser

    def taken(self, sheet_name: str) -> set[str]:
        """Names a new table on ``sheet_name`` must differ from: every other sheet's tables and the
        defined names (the sheet's own old tables go when it is cleared)."""
        others = (t for name, ts in self.tables.items() if name != sheet_name.lower() for t in ts)
        return self.names | set(others)

    def before_clear(self, sheet) -> None:
        """Delete the sheet's old tables where the client can (COM ``ListObject.Delete``); xlwings
        Lite has no such action and relies on the clear, which takes the table with its cells."""
        for table in _tables(sheet):
            delete = _attr(_attr(table, "api"), "Delete")
            if callable(delete) and not isinstance(table.api, dict):
                self._guard(sheet.name, "delete old table", delete)

    def dress(self, sheet, plan: xs.SheetPlan) -> str | None:
        """The table, frozen header, widths, alignments, bold totals and print setup of a sheet whose
        header and rows (``plan``) were just written from A1; the table's name (None: no table)."""
        width = len(plan.columns)
        if not width:
            return None
        last_row = plan.n_rows + 1
        name = None
        if xt.usable_headers([c.header for c in plan.columns]):
            name = xt.table_name(plan.title, self.taken(sheet.name))
            source = sheet.range((1, 1), (max(plan.n_rows, 1) + 1, width))  # a table has at least one row

            def add_table() -> None:
                sheet.tables.add(source=source, name=name, table_style_name=xt.STYLE, has_headers=True)

            if self._guard(sheet.name, "table", add_table):
                self.tables[sheet.name.lower()] = {name}
            else:
                name = None
        api = _com_sheet(sheet)
        self._guard(sheet.name, "freeze header", lambda: freeze_header(sheet, api))
        for j, col in enumerate(plan.columns, start=1):
            look = lambda j=j, col=col: _column_look(sheet, j, col, last_row)  # noqa: E731
            self._guard(sheet.name, f"column {col.letter} look", look)
        for row in totals_rows(plan):
            self._guard(sheet.name, "bold totals", lambda row=row: _bold(sheet.range((row, 1), (row, width))))
        area = plan.ref(absolute=True)

        def print_area() -> None:
            sheet.page_setup.print_area = area

        self._guard(sheet.name, "print area", print_area)
        if api is not None:
            self._guard(sheet.name, "page setup", lambda: com_page_setup(api, plan))
            for ref, level in indented_cells(plan):
                self._guard(sheet.name, "indent", lambda ref=ref, level=level: _indent(api, ref, level))
        return name

    def _guard(self, sheet_name: str, what: str, call) -> bool:
        """Run one layout call; a client that cannot (no such API, Excel refuses) keeps the values."""
        try:
            call()
        except Exception as problem:  # COM errors have no common base class worth naming
            self.skipped.append(f"{sheet_name}: {what} ({type(problem).__name__})")
            return False
        return True


def indented_cells(plan: xs.SheetPlan) -> list[tuple[str, int]]:
    """(A1 cell or range, level) of every text cell the file adapter indents: a statement's Name by
    its Level, a text column right of numbers (its header and cells) by one."""
    out = []
    for col in plan.columns:
        if col.text_fmt == "indent1":
            out.append((f"{col.letter}1:{col.letter}{plan.n_rows + 1}", 1))
        if col.indents is None:
            continue
        for i in np.flatnonzero((col.indents > 0) & (col.codes == xs.TEXT)).tolist():
            out.append((f"{col.letter}{i + 2}", int(col.indents[i])))
    return out


def _indent(api, ref: str, level: int) -> None:
    api.Range(ref).IndentLevel = level


def _bold(cells) -> None:
    cells.font.bold = True


def _column_look(sheet, j: int, col, last_row: int) -> None:
    sheet.range((1, j)).column_width = col.width
    if col.header_kind == "headernum":
        sheet.range((1, j)).horizontal_alignment = "right"
    if last_row < 2:
        return
    body = sheet.range((2, j), (last_row, j))
    if col.text_fmt == "wrap":
        body.wrap_text = True
        body.vertical_alignment = "top"
    elif col.text_fmt == "clip":
        body.horizontal_alignment = "fill"


def totals_rows(plan: xs.SheetPlan) -> list[int]:
    """Excel rows (header row 1) whose ``StatementLine``, ``Account`` or ``Name`` text starts with
    ``Total``, or whose ``Kind`` is ``Total``: the rows the file adapter's conditional format makes bold."""
    hit = np.zeros(plan.n_rows, dtype=bool)
    for col in plan.columns:
        if col.letter in plan.totals:
            texts = col.values.astype(str).str.startswith("Total").to_numpy(dtype=bool)
            hit |= texts & (col.codes == xs.TEXT)
        if col.letter in plan.kind_totals:
            hit |= xs.total_kinds(col)
    return [int(i) + 2 for i in np.flatnonzero(hit)]


def freeze_header(sheet, api) -> None:
    """Row 1 frozen: xlwings' ``freeze_panes`` (Lite, Server) where the engine has it, else the
    window's panes over COM (the classic add-in on Windows: xlwings 0.37's COM engine has no
    ``freeze_panes``; the sheet is activated for it, the run activates its result sheet last)."""
    try:
        panes = sheet.freeze_panes
        panes.freeze_at("1:1")
        return
    except (AttributeError, NotImplementedError):
        if api is None:
            raise
    api.Activate()
    window = api.Parent.Windows(1)
    window.FreezePanes = False
    window.SplitColumn, window.SplitRow = 0, 1
    window.FreezePanes = True


def com_page_setup(api, plan: xs.SheetPlan) -> None:
    """Excel's ``PageSetup`` of a sheet over COM (the classic add-in on Windows), as the file adapter's
    ``<pageSetup>`` and ``<headerFooter>``: one page wide, as tall as needed, landscape when the columns
    are wider than :data:`~closekit.sheetio.xlsx_table.LANDSCAPE_WIDTH`, row 1 on every page."""
    left, centre, right, footer = plan.header_footer()
    setup = api.PageSetup
    setup.Orientation = _LANDSCAPE if plan.landscape else _PORTRAIT
    setup.Zoom = False  # FitToPages* apply only without a zoom
    setup.FitToPagesWide = 1
    setup.FitToPagesTall = False  # as many pages tall as needed
    setup.PrintTitleRows = "$1:$1"
    setup.LeftHeader, setup.CenterHeader, setup.RightHeader = left, centre, right
    setup.CenterFooter = footer


def _com_sheet(sheet):
    """The sheet's COM object (pywin32) when it has Excel's ``PageSetup``; None on xlwings Lite and
    Server (``api`` is the JSON payload) and on a Mac (AppleScript has no ``PageSetup`` attribute)."""
    try:
        api = sheet.api
    except Exception:
        return None
    if isinstance(api, dict) or not _has(api, "PageSetup"):
        return None
    return api


def _has(obj: object, name: str) -> bool:
    return _attr(obj, name) is not None


def _attr(obj: object, name: str):
    """``obj.name``, or None: a COM or AppleScript reference may raise anything for an unknown name."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def _tables(sheet) -> list:
    try:
        return list(sheet.tables)
    except Exception:  # a client without tables
        return []


def _table_names(sheet) -> set[str]:
    names = set()
    for table in _tables(sheet):
        try:
            names.add(str(table.name))
        except Exception:
            continue
    return names
