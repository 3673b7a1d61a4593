"""Run the xlwings Lite scripts on a real .xlsx without Excel, through xlwings' own JSON engine.

What xlwings Lite does inside Excel, done here on a file:

1. :func:`payload` builds the Office.js-shaped book xlwings Lite sends to Python ("client",
   "version", "book", "names", "sheets" with each sheet's "values" from A1 to the used range's
   last cell; dates as ISO strings, numbers as floats, empty cells as "").
2. :func:`run_script` gives ``xw.Book(json=payload)`` to the script through
   ``xlwings.server.custom_scripts_call`` (the engine in xlwings' ``pro`` folder: it needs
   ``XLWINGS_LICENSE_KEY``; the tests set ``noncommercial``, see CONTRIBUTING.md) and returns the
   actions the book recorded, the JSON xlwings Lite hands to Office.js.
3. :func:`apply_actions` applies those actions to a copy of the .xlsx with openpyxl, the way
   Excel applies them: a value written into a cell is *typed* into it, so ``'text`` is the text
   ``text``, ``=...`` becomes a formula, ``0100`` the number 100 and ``2026-10-31`` a date. A
   table (``addTable``) becomes an openpyxl table, refused as Excel refuses it (over another
   table, or with a name already taken); the payload lists each sheet's tables as Office.js does. An
   action this harness does not know fails the test, so a script can use only actions whose
   effect is checked.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableStyleInfo

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def payload(path: Path) -> dict:
    """The book xlwings Lite would send for the workbook at ``path``."""
    import xlwings as xw

    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        grid = [[_json_value(c.value) for c in row] for row in ws.iter_rows()]
        while grid and not any(v != "" for v in grid[-1]):  # the used range of values
            grid.pop()
        width = max((max((j + 1 for j, v in enumerate(r) if v != ""), default=0) for r in grid), default=0)
        values = [r[:width] for r in grid] if width else [[""]]
        sheets.append(
            {
                "name": ws.title,
                "values": values,
                "pictures": [],
                "shapes": [],
                "charts": [],
                "notes": [],
                "tables": [_json_table(t) for t in ws.tables.values()],
                "visibility": "Visible",
                "print_area": None,
            }
        )
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": path.name, "active_sheet_index": wb.index(wb.active), "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }


def _json_table(table) -> dict:
    """A table as the Office.js client describes it (``Excel.Table``: name, addresses, options)."""
    (c0, r0, c1, r1) = openpyxl.utils.range_boundaries(table.ref)
    first, last = openpyxl.utils.get_column_letter(c0), openpyxl.utils.get_column_letter(c1)
    header = table.headerRowCount != 0
    style = table.tableStyleInfo
    return {
        "name": table.displayName,
        "range_address": table.ref,
        "header_row_range_address": f"{first}{r0}:{last}{r0}" if header else None,
        "data_body_range_address": f"{first}{r0 + int(header)}:{last}{r1}",
        "total_row_range_address": None,
        "show_headers": header,
        "show_totals": False,
        "table_style": style.name if style is not None else "",
        "show_autofilter": table.autoFilter is not None,
        "show_table_style_first_column": bool(style and style.showFirstColumn),
        "show_table_style_last_column": bool(style and style.showLastColumn),
        "show_table_style_row_stripes": bool(style and style.showRowStripes),
        "show_table_style_column_stripes": bool(style and style.showColumnStripes),
        "row_count": r1 - r0 + 1,
        "column_count": c1 - c0 + 1,
    }


def _json_value(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, dt.datetime | dt.date):
        if not isinstance(v, dt.datetime):
            v = dt.datetime(v.year, v.month, v.day)
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    return str(v)


def run_script(module: object, name: str, path: Path) -> list[dict]:
    """Run the ``@script`` ``name`` of ``module`` on the workbook at ``path``; its actions."""
    import xlwings as xw
    from xlwings.server import custom_scripts_call

    book = xw.Book(json=payload(path))
    result = asyncio.run(custom_scripts_call(module, name, typehint_to_value={xw.Book: book}))
    return result.json()["actions"]


def apply_actions(path: Path, actions: list[dict], out: Path) -> Path:
    """Apply xlwings actions to a copy of ``path`` saved as ``out``, as Excel would."""
    shutil.copyfile(path, out)
    wb = openpyxl.load_workbook(out)
    for action in actions:
        func = action["func"]
        handler = _HANDLERS.get(func)
        if handler is None:
            raise AssertionError(f"the harness does not know the xlwings action {func!r}: {action}")
        handler(wb, action)
    wb.save(out)
    return out


def _cells(wb, action):
    ws = wb.worksheets[action["sheet_position"]]
    r0, c0 = action["start_row"] + 1, action["start_column"] + 1
    for i in range(action["row_count"]):
        for j in range(action["column_count"]):
            yield ws.cell(row=r0 + i, column=c0 + j), i, j


def typed(cell, value: object) -> None:
    """``value`` typed into ``cell`` as Excel takes what xlwings sends (range.values)."""
    cell.quotePrefix = False
    if value is None or value == "":
        cell.value = None
    elif isinstance(value, str) and value.startswith("'"):
        cell.value = value[1:]
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, str) and value.startswith("="):
        cell.value = value  # openpyxl stores it as a formula, as Excel would
    elif isinstance(value, str) and _ISO_DATE.match(value):
        cell.value = dt.datetime.fromisoformat(value)
        if cell.number_format == "General":
            cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str) and _ISO_DATETIME.match(value):
        cell.value = dt.datetime.fromisoformat(value)
        if cell.number_format == "General":
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, str) and value in ("TRUE", "FALSE"):
        cell.value = value == "TRUE"
    elif isinstance(value, str) and _NUMBER.match(value) and cell.number_format != "@":
        cell.value = float(value)
    else:
        cell.value = value


def _set_values(wb, action):
    for cell, i, j in _cells(wb, action):
        typed(cell, action["values"][i][j])


def _number_format(wb, action):
    for cell, _, _ in _cells(wb, action):
        cell.number_format = action["args"][0]


def _add_sheet(wb, action):
    index, name = action["args"]
    wb.create_sheet(name, index)


def _sheet_clear(wb, action):
    ws = wb.worksheets[action["sheet_position"]]
    index, title = action["sheet_position"], ws.title
    wb.remove(ws)
    wb.create_sheet(title, index)


def _activate(wb, action):
    wb.active = int(action["args"][0])


def _hyperlink(wb, action):
    address, text, tip = action["args"]
    for cell, _, _ in _cells(wb, action):
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=address.lstrip("#"), tooltip=tip, display=text)
        if text is not None:
            cell.value = text


def _font(wb, action):
    prop, value = action["args"]
    for cell, _, _ in _cells(wb, action):
        font = copy.copy(cell.font)
        setattr(font, prop, value)
        cell.font = font


def _column_width(wb, action):
    ws = wb.worksheets[action["sheet_position"]]
    for j in range(action["column_count"]):
        letter = openpyxl.utils.get_column_letter(action["start_column"] + 1 + j)
        ws.column_dimensions[letter].width = action["args"][0]


def _add_table(wb, action):
    """Excel's ``addTable``: refused (like Excel) over another table or with a name already taken."""
    address, has_headers, style, name = action["args"]
    ws = wb.worksheets[action["sheet_position"]]
    ref = address.replace("$", "")
    new = set(_cells_of(ref))
    for other in ws.tables.values():
        if new & set(_cells_of(other.ref)):
            raise AssertionError(f"Excel refuses a table over another table: {ref} overlaps {other.ref}")
    taken = {t.lower() for sheet in wb.worksheets for t in sheet.tables} | {n.lower() for n in wb.defined_names}
    name = name or f"Table{len(taken) + 1}"
    if name.lower() in taken:
        raise AssertionError(f"Excel refuses the table name {name!r}: it is taken")
    assert has_headers, "closekit's tables have their header in the range"
    table = Table(displayName=name, ref=ref)
    if style is not None:
        table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)
    ws.add_table(table)


def _cells_of(ref: str):
    c0, r0, c1, r1 = openpyxl.utils.range_boundaries(ref)
    return ((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))


def _freeze(wb, action):
    """Office.js ``freezePanes.freezeAt(range)``: the range's cells are the frozen top-left pane."""
    ws = wb.worksheets[action["sheet_position"]]
    (frozen,) = action["args"]
    text = frozen.replace("$", "")
    if re.fullmatch(r"\d+:\d+", text):  # rows only
        ws.freeze_panes = f"A{int(text.split(':')[1]) + 1}"
    elif re.fullmatch(r"[A-Z]+:[A-Z]+", text):  # columns only
        last = openpyxl.utils.column_index_from_string(text.split(":")[1])
        ws.freeze_panes = f"{openpyxl.utils.get_column_letter(last + 1)}1"
    else:
        _, _, c1, r1 = openpyxl.utils.range_boundaries(text)
        ws.freeze_panes = f"{openpyxl.utils.get_column_letter(c1 + 1)}{r1 + 1}"


def _print_area(wb, action):
    wb.worksheets[action["sheet_position"]].print_area = action["args"][0]


def _alignment(**change):
    def apply(wb, action):
        value = action["args"][0] if isinstance(action["args"], list) else action["args"]
        for cell, _, _ in _cells(wb, action):
            align = copy.copy(cell.alignment)
            for key, fn in change.items():
                setattr(align, key, fn(value))
            cell.alignment = align

    return apply


_HANDLERS = {
    "setValues": _set_values,
    "setNumberFormat": _number_format,
    "addSheet": _add_sheet,
    "sheetClear": _sheet_clear,
    "activateSheet": _activate,
    "addHyperlink": _hyperlink,
    "setFontProperty": _font,
    "setColumnWidth": _column_width,
    "addTable": _add_table,
    "freezePaneAtRange": _freeze,
    "setPrintArea": _print_area,
    "setWrapText": _alignment(wrap_text=bool),
    "setVerticalAlignment": _alignment(vertical=str.lower),
    "setHorizontalAlignment": _alignment(horizontal=str.lower),
}
