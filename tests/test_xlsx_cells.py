"""Cell updates of an existing input sheet (the Checklist's Status, Completed and Notes) are written
in the same atomic write as the output sheets, and everything else of the sheet and the workbook
stays: other cells, styles, column widths, data validation, comments, conditional formats, rels."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from copy import copy
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine
from hypothesis import given, settings
from hypothesis import strategies as hs
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from closekit.sheetio import xlsx_cells as xc
from closekit.sheetio import xlsx_package as xp
from closekit.sheetio import xlsx_styles as st
from closekit.sheetio.base import a1
from closekit.sheetio.files import FileWorkbook
from closekit.sheetio.xlsx_cells import CellStyles, CellUpdateError, is_date_format, parse_ref, update_cells
from closekit.sheetio.xlsx_package import OutputSheet, WorkbookPackageError, replace_sheets, write_sheets_atomic
from xlsx_fixtures import BUTTON_RELS, BUTTON_VML, CONTROLS, CT, CTRL_PROP, M, R, members, rewrite
from xlsx_fixtures import text as part_text

CHECKLIST = "xl/worksheets/sheet1.xml"
PERIODS = "xl/worksheets/sheet2.xml"
CALC_CHAIN = "xl/calcChain.xml"
EDITABLE = {CT, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
HEADER = ["Task", "Step", "Owner", "Due", "DependsOn", "Status", "Completed", "Notes"]
STATUSES = '"Not started,In progress,Done,Blocked"'
NS = {"m": M}


def make_checklist_workbook(path: Path) -> Path:
    """A Checklist sheet as a user keeps it (header, formats, a Status drop-down, a comment, a
    conditional format, a styled cell, a formula in a Completed cell) and a Periods sheet with a
    form button and a formula; a calculation chain as Excel writes it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Checklist"
    ws.append(HEADER)
    for row in [
        ["Import the ledger", "import", "GL", dt.date(2026, 11, 2), None, "Not started", None, "old note"],
        ["Validate", "validate", "GL", dt.date(2026, 11, 3), "Import the ledger", "Not started", None, None],
        ["Settle", "settlement", "GL", dt.date(2026, 11, 4), None, "In progress", "=TODAY()", None],
        ["Revalue", "revaluation", "GL", dt.date(2026, 11, 5), None, "Not started", "=D5+1", None],
        ["Allocate", "allocation", "Controller", dt.date(2026, 11, 6), None, "Not started", None, None],
    ]:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E78")
    for r in range(2, 7):
        ws.cell(r, 4).number_format = "yyyy-mm-dd"
    ws["G2"].number_format = "yyyy-mm-dd"  # an empty, date-formatted Completed cell
    ws["F3"].font = Font(bold=True, color="9C0006")  # a styled Status cell
    ws["F3"].fill = PatternFill("solid", fgColor="FFC7CE")
    ws["H2"].alignment = Alignment(wrap_text=True)
    ws["H5"].number_format = "@"
    dv = DataValidation(type="list", formula1=STATUSES, allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("F2:F50")
    ws["A2"].comment = Comment("Owner: GL team", "Reviewer")
    ws.conditional_formatting.add(
        "F2:F50", CellIsRule(operator="equal", formula=['"Done"'], fill=PatternFill("solid", fgColor="C6EFCE"))
    )
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["F"].width = 14
    periods = wb.create_sheet("Periods")
    periods.append(["Period", "Status", "Days"])
    periods.append(["2026-10", "Open", "=1+1"])
    wb.save(path)

    sheet2 = part_text(path, PERIODS).replace(f'<worksheet xmlns="{M}"', f'<worksheet xmlns="{M}" xmlns:r="{R}"')
    chain = f'<?xml version="1.0"?><calcChain xmlns="{M}"><c r="G4" i="1"/><c r="G5"/><c r="C2" i="2"/></calcChain>'
    rewrite(
        path,
        {
            PERIODS: sheet2.replace("</worksheet>", CONTROLS + "</worksheet>").encode(),
            "xl/worksheets/_rels/sheet2.xml.rels": BUTTON_RELS,
            "xl/drawings/vmlDrawing9.vml": BUTTON_VML,
            "xl/ctrlProps/ctrlProp1.xml": CTRL_PROP,
            CALC_CHAIN: chain.encode(),
            CT: part_text(path, CT)
            .replace(
                "</Types>",
                '<Override PartName="/xl/ctrlProps/ctrlProp1.xml" '
                'ContentType="application/vnd.ms-excel.controlproperties+xml"/>'
                '<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.calcChain+xml"/></Types>',
            )
            .encode(),
            "xl/_rels/workbook.xml.rels": part_text(path, "xl/_rels/workbook.xml.rels")
            .replace(
                "</Relationships>",
                f'<Relationship Id="rId77" Type="{R}/calcChain" Target="calcChain.xml"/></Relationships>',
            )
            .encode(),
        },
    )
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return make_checklist_workbook(tmp_path / "close.xlsx")


TICKS: dict[str, object] = {
    "F3": "Done",  # existing value, styled cell
    "G3": dt.datetime(2026, 11, 3, 14, 5),  # missing cell in an existing row
    "F9": "Done",  # missing row
    "H2": None,  # clear a value, keep its style
    "G2": dt.date(2026, 11, 2),  # empty date-formatted cell
    "G4": dt.date(2026, 11, 4),  # overwrites a formula
    "H4": Decimal("1234.50"),
    "H5": 42,  # into a text-formatted cell
    "H6": "=1+1",  # formula-looking text stays text
}


def findings() -> OutputSheet:
    return OutputSheet("Findings", pd.DataFrame({"Check": ["Balance"], "Amount": [Decimal("1.10")]}))


def calamine_rows(path: Path, name: str) -> list[list[object]]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def sheet_cells(xml: str) -> dict[str, ET.Element]:
    return {c.get("r"): c for c in ET.fromstring(xml).iter(f"{{{M}}}c")}


def row_texts(xml: str) -> dict[str, str]:
    return {m[1]: m[0] for m in re.finditer(r'<row r="(\d+)".*?(?:/>|</row>)', xml)}


def cell_texts(xml: str) -> dict[str, str]:
    return {m[1]: m[0] for m in re.finditer(r'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', xml)}


# ----------------------------------------------------------------------------- the workbook
def test_checklist_cells_and_findings_in_one_write(workbook: Path) -> None:
    before = members(workbook)
    old_book = openpyxl.load_workbook(workbook)
    old = {c.coordinate: c for row in old_book["Checklist"].iter_rows() for c in row}

    write_sheets_atomic(workbook, [findings()], updates={"checklist": TICKS})

    after = members(workbook)
    assert list(after)[: len(before)] == list(before)  # same order; the new sheet at the end
    changed = {n for n in before if after.get(n) != before[n]}
    assert changed <= EDITABLE | {CHECKLIST, CALC_CHAIN}
    assert CHECKLIST in changed and CALC_CHAIN in changed
    for kept in (
        "xl/worksheets/_rels/sheet1.xml.rels",
        "xl/comments/comment1.xml",
        PERIODS,
        CTRL_PROP and "xl/ctrlProps/ctrlProp1.xml",
        "xl/drawings/vmlDrawing9.vml",
        "xl/drawings/commentsDrawing1.vml",
    ):
        assert after[kept] == before[kept], kept

    # The sheet part: only <sheetData> and the used range changed; untouched rows and cells verbatim.
    old_xml, new_xml = before[CHECKLIST].decode(), after[CHECKLIST].decode()
    head = lambda x: x[: x.index("<sheetData>")]  # noqa: E731
    tail = lambda x: x[x.index("</sheetData>") :]  # noqa: E731
    assert head(new_xml) == head(old_xml).replace('<dimension ref="A1:H6" />', '<dimension ref="A1:H9"/>')
    assert tail(new_xml) == tail(old_xml)
    old_rows, new_rows = row_texts(old_xml), row_texts(new_xml)
    assert new_rows["1"] == old_rows["1"]
    assert list(new_rows) == ["1", "2", "3", "4", "5", "6", "9"]
    old_cells, new_cells = cell_texts(old_xml), cell_texts(new_xml)
    for ref, text in old_cells.items():
        if ref not in TICKS:
            assert new_cells[ref] == text, ref
    assert not re.search(r"<f[\s>/]", new_cells["G4"] + new_cells["H6"])
    assert "<f>D5+1</f>" in new_cells["G5"]

    # openpyxl: values, styles, validation, comment, conditional format, widths.
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == ["Checklist", "Periods", "Findings"]
    ws = book["Checklist"]
    assert ws["F3"].value == "Done" and ws["F3"].font.b and ws["F3"].fill.fgColor.rgb == "00FFC7CE"
    assert ws["G3"].value == dt.datetime(2026, 11, 3, 14, 5) and ws["G3"].is_date
    assert ws["G2"].value == dt.datetime(2026, 11, 2) and ws["G2"].number_format == "yyyy-mm-dd"
    assert ws["G4"].value == dt.datetime(2026, 11, 4) and ws["G4"].is_date
    assert ws["H2"].value is None and ws["H2"].alignment.wrap_text
    assert ws["H4"].value == 1234.5
    assert ws["H5"].value == 42 and ws["H5"].number_format == "@"
    assert ws["H6"].value == "=1+1" and ws["H6"].data_type == "s"
    assert ws["F9"].value == "Done"
    assert ws["G5"].value == "=D5+1"
    look = lambda c: (c.value, c.number_format, copy(c.font), copy(c.fill), copy(c.alignment))  # noqa: E731
    for ref, cell in old.items():
        if ref not in TICKS:
            assert look(ws[ref]) == look(cell), ref
    dv = ws.data_validations.dataValidation
    assert len(dv) == 1 and dv[0].formula1 == STATUSES and str(dv[0].sqref) == "F2:F50"
    assert ws["A2"].comment.text == "Owner: GL team"
    assert len(ws.conditional_formatting) == 1
    assert ws.column_dimensions["A"].width == 40 and ws.column_dimensions["F"].width == 14
    assert book["Periods"]["C2"].value == "=1+1"

    # python-calamine (cached values, as Excel shows them before recalculating).
    rows = calamine_rows(workbook, "Checklist")
    assert rows[2][5:] == ["Done", dt.datetime(2026, 11, 3, 14, 5), ""]
    assert rows[1][6:] == [dt.date(2026, 11, 2), ""]
    assert rows[3][6:] == [dt.date(2026, 11, 4), 1234.5]
    assert rows[4][7] == 42.0 and rows[5][7] == "=1+1" and rows[8][5] == "Done"
    assert calamine_rows(workbook, "Findings") == [["Check", "Amount"], ["Balance", 1.1]]

    # The calculation chain: G4 is no formula any more; G5 took its sheet id from G4's entry.
    chain = after[CALC_CHAIN].decode()
    assert '<c r="G4"' not in chain and chain.endswith('<c r="G5" i="1"/><c r="C2" i="2"/></calcChain>')
    assert not list(workbook.parent.glob(".~closekit-*"))


def test_cell_styles_follow_excel(workbook: Path) -> None:
    write_sheets_atomic(workbook, [], updates={"Checklist": TICKS})
    xml = part_text(workbook, CHECKLIST)
    cells = sheet_cells(xml)
    xfs = list(ET.fromstring(part_text(workbook, "xl/styles.xml")).find("m:cellXfs", NS))
    old_cells = sheet_cells(part_text(make_checklist_workbook(workbook.parent / "again.xlsx"), CHECKLIST))
    for ref in ("F3", "G2", "H2", "H5"):  # kept: the cell's own style
        assert cells[ref].get("s") == old_cells[ref].get("s"), ref
    codes = {
        f.get("numFmtId"): f.get("formatCode")
        for f in ET.fromstring(part_text(workbook, "xl/styles.xml")).iter()
        if f.tag.endswith("}numFmt")
    }
    assert codes[xfs[int(cells["G3"].get("s"))].get("numFmtId")] == "yyyy-mm-dd hh:mm:ss"  # new cell, date and time
    assert codes[xfs[int(cells["G4"].get("s"))].get("numFmtId")] == "yyyy-mm-dd"  # was unstyled: the date style
    text_xf = xfs[int(cells["F9"].get("s"))]  # new, unstyled text: @ and quote prefix
    assert text_xf.get("numFmtId") == "49" and text_xf.get("quotePrefix") == "1"
    assert cells["H4"].get("s") is None and cells["H4"].find("m:v", NS).text == "1234.50"
    assert cells["H6"].get("t") == "inlineStr" and cells["H6"].find("m:f", NS) is None

    styles = part_text(workbook, "xl/styles.xml")
    sheet = part_text(workbook, CHECKLIST)
    write_sheets_atomic(workbook, [], updates={"Checklist": TICKS})  # again: nothing new
    assert part_text(workbook, "xl/styles.xml") == styles and part_text(workbook, CHECKLIST) == sheet


def test_date_in_a_styled_non_date_cell_gets_the_styles_date_variant(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    replace_sheets(workbook, out, [], updates={"Checklist": {"F3": dt.date(2026, 11, 30)}})
    ws = openpyxl.load_workbook(out)["Checklist"]
    assert ws["F3"].value == dt.datetime(2026, 11, 30) and ws["F3"].is_date
    assert ws["F3"].font.b and ws["F3"].fill.fgColor.rgb == "00FFC7CE"  # same look, date format
    xfs = ET.fromstring(part_text(out, "xl/styles.xml")).find("m:cellXfs", NS)
    assert xfs.get("count") == str(len(xfs))


def test_failure_midway_leaves_the_workbook_untouched(workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = workbook.read_bytes()
    calls = {"n": 0}
    real = xp._copy_member

    def flaky(*args: object) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        real(*args)

    monkeypatch.setattr(xp, "_copy_member", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_sheets_atomic(workbook, [findings()], updates={"Checklist": TICKS})
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob(".~closekit-*"))

    monkeypatch.setattr(xp, "_copy_member", real)
    monkeypatch.setattr(xc, "_rebuild_row", lambda *a: 1 / 0)  # fails while editing the sheet
    with pytest.raises(ZeroDivisionError):
        write_sheets_atomic(workbook, [findings()], updates={"Checklist": TICKS})
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob(".~closekit-*"))


def test_array_formula_cells_are_refused_and_nothing_is_written(workbook: Path) -> None:
    xml = part_text(workbook, PERIODS).replace(
        '<c r="C2"><f>1+1</f><v /></c>', '<c r="C2"><f t="array" ref="C2:C3">1+1</f><v>2</v></c>'
    )
    assert 't="array"' in xml
    rewrite(workbook, {PERIODS: xml.encode()})
    before = workbook.read_bytes()
    with pytest.raises(WorkbookPackageError, match=r"in the sheet 'Periods', cell C3 is part of the array formula"):
        write_sheets_atomic(workbook, [findings()], updates={"Periods": {"B2": "Closed", "C3": 1}})
    assert workbook.read_bytes() == before
    write_sheets_atomic(workbook, [], updates={"Periods": {"B2": "Closed", "D2": 1}})  # beside it: fine
    assert calamine_rows(workbook, "Periods")[1] == ["2026-10", "Closed", 2.0, 1.0]


def test_overwriting_a_shared_formula_master_hands_the_formula_on(workbook: Path) -> None:
    xml = part_text(workbook, CHECKLIST)
    shared = {
        "G4": '<c r="G4"><f t="shared" ref="G4:G6" si="0">D4+1</f><v>46331</v></c>',
        "G5": '<c r="G5"><f t="shared" si="0"/><v>46332</v></c>',
        "G6": '<c r="G6"><f t="shared" si="0"/><v>46333</v></c>',
    }
    xml = xml.replace('<c r="G4"><f>TODAY()</f><v /></c>', shared["G4"])
    xml = xml.replace('<c r="G5"><f>D5+1</f><v /></c>', shared["G5"])
    xml = re.sub(r'(<c r="F6"[^>]*>.*?</c>)', lambda m: m[1] + shared["G6"], xml)
    assert all(s in xml for s in shared.values())
    rewrite(workbook, {CHECKLIST: xml.encode()})

    write_sheets_atomic(workbook, [], updates={"Checklist": {"G4": "n/a"}})
    new = part_text(workbook, CHECKLIST)
    assert '<c r="G5"><f t="shared" si="0" ref="G5:G6">D5+1</f><v>46332</v></c>' in new
    assert shared["G6"] in new
    ws = openpyxl.load_workbook(workbook)["Checklist"]
    assert (ws["G4"].value, ws["G5"].value, ws["G6"].value) == ("n/a", "=D5+1", "=D6+1")


def test_file_adapter_passes_updates(workbook: Path) -> None:
    book = FileWorkbook(workbook)
    book.write_sheets([findings()], {"Checklist": {a1(3, 6): "Done", a1(3, 8): "ticked by closekit"}})
    rows = calamine_rows(workbook, "Checklist")
    assert rows[2][5] == "Done" and rows[2][7] == "ticked by closekit"
    assert "Findings" in python_calamine.CalamineWorkbook.from_path(str(workbook)).sheet_names


def test_requests_are_checked_before_anything_is_written(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with pytest.raises(ValueError, match="no sheet named 'Tasks'"):
        replace_sheets(workbook, out, [], updates={"Tasks": {"A1": 1}})
    with pytest.raises(ValueError, match="both an output sheet and a sheet with cell updates"):
        replace_sheets(workbook, out, [OutputSheet("CHECKLIST", pd.DataFrame())], updates={"Checklist": {}})
    with pytest.raises(ValueError, match="not a cell reference"):
        replace_sheets(workbook, out, [], updates={"Checklist": {"F": 1}})
    with pytest.raises(ValueError, match="outside an Excel sheet"):
        replace_sheets(workbook, out, [], updates={"Checklist": {"XFE1": 1}})
    with pytest.raises(ValueError, match="F3 of sheet 'Checklist' is given more than once"):
        replace_sheets(workbook, out, [], updates={"Checklist": {"F3": 1, "$f$3": 2}})
    with pytest.raises(ValueError, match="twice"):
        replace_sheets(workbook, out, [], updates={"Checklist": {}, "checklist": {}})
    assert not out.exists()
    book = openpyxl.load_workbook(workbook)
    book.create_chartsheet("Chart")
    book.save(workbook)
    with pytest.raises(ValueError, match="not a worksheet"):
        replace_sheets(workbook, out, [], updates={"Chart": {"A1": 1}})


def test_without_updates_nothing_changes(workbook: Path, tmp_path: Path) -> None:
    replace_sheets(workbook, tmp_path / "a.xlsx", [], updates={"Checklist": {}})
    replace_sheets(workbook, tmp_path / "b.xlsx", [], updates={"Checklist": {"Z99": None}})  # clear a missing cell
    assert members(tmp_path / "a.xlsx") == members(workbook) == members(tmp_path / "b.xlsx")


# ----------------------------------------------------------------------------- the pure text functions
def wrap(sheet_data: str, prefix: str = "", dimension: str = "A1:C3") -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}worksheet {ns}="{M}"><{p}dimension ref="{dimension}"/>'
        f'<{p}cols><{p}col min="5" max="6" width="20" style="7" customWidth="1"/></{p}cols>'
        f"{sheet_data}<{p}pageMargins/></{p}worksheet>"
    )


def cells_in_order(xml: str) -> list[str]:
    return [c.get("r") for c in ET.fromstring(xml).iter(f"{{{M}}}c")]


def test_prefixed_sheet_xml() -> None:
    xml = wrap(
        '<x:sheetData><x:row r="1" spans="1:2"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" s="3">'
        '<x:v>5</x:v></x:c></x:row><x:row r="3"><x:c r="C3"/></x:row></x:sheetData>',
        prefix="x",
    )
    new = update_cells(xml, {"B1": "=SUM(A1)", "D1": 1.5, "A2": True, "C3": "a<b>&c", "E3": "{p}"}).xml
    assert ET.fromstring(new) is not None
    assert '<x:row r="1" spans="1:4">' in new
    assert '<x:c r="B1" s="3" t="inlineStr"><x:is><x:t xml:space="preserve">=SUM(A1)</x:t></x:is></x:c>' in new
    assert '<x:c r="D1"><x:v>1.5</x:v></x:c></x:row><x:row r="2"><x:c r="A2" t="b"><x:v>1</x:v></x:c></x:row>' in new
    assert '<x:c r="C3" t="inlineStr"><x:is><x:t xml:space="preserve">a&lt;b&gt;&amp;c</x:t></x:is></x:c>' in new
    assert not re.search(r"<(?!x:|\?xml)\w", new)  # every element keeps the prefix
    assert '<x:c r="E3" s="7" t="inlineStr"><x:is><x:t xml:space="preserve">{p}</x:t></x:is></x:c>' in new
    assert cells_in_order(new) == ["A1", "B1", "D1", "A2", "C3", "E3"]  # E3: the column style
    assert '<x:dimension ref="A1:E3"/>' in new


def test_self_closing_rows_cells_and_sheet_data() -> None:
    xml = wrap('<sheetData><row r="2" spans="2:3" ht="20" customHeight="1"/><row r="5"/></sheetData>')
    new = update_cells(xml, {"B2": "x", "A4": 7, "A5": None}).xml
    assert '<row r="2" spans="2:3" ht="20" customHeight="1"><c r="B2" t="inlineStr">' in new
    assert '</row><row r="4"><c r="A4"><v>7</v></c></row><row r="5"/>' in new
    empty = wrap("<sheetData/>", dimension="A1")
    new = update_cells(empty, {"C3": 3, "A1": "a", "B2": None}).xml
    assert '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">a</t></is></c></row>' in new
    assert '<row r="3"><c r="C3"><v>3</v></c></row></sheetData><pageMargins/>' in new
    assert '<dimension ref="A1:C3"/>' in new
    assert update_cells(empty, {"B2": None}).xml == empty  # clearing nothing changes nothing


def test_insertion_order_and_clearing() -> None:
    xml = wrap(
        '<sheetData><row r="2"><c r="B2" s="4" t="s" cm="1" vm="2"><f>X</f><v>1</v></c><c r="D2"><v>1</v></c>'
        '</row><row r="7"><c r="AA7"><v>1</v></c></row></sheetData>'
    )
    result = update_cells(xml, {"Z7": 1, "AB7": 2, "A7": 3, "C2": 4, "E2": 5, "A1": 6, "B9": 7, "A5": 8, "B2": None})
    assert cells_in_order(result.xml) == ["A1", "B2", "C2", "D2", "E2", "A5", "A7", "Z7", "AA7", "AB7", "B9"]
    assert '<c r="B2" s="4"/>' in result.xml  # value, formula, type and metadata gone; style kept
    assert result.formulas_removed == ["B2"]
    assert '<dimension ref="A1:AB9"/>' in result.xml


def test_new_cells_take_the_row_or_column_style() -> None:
    xml = wrap('<sheetData><row r="1" s="9" customFormat="1"><c r="A1"/></row><row r="2"><c r="A2"/></row></sheetData>')
    seen: list[tuple[str, str | None]] = []

    def style_of(kind: str, existing: str | None) -> str | None:
        seen.append((kind, existing))
        return existing

    new = update_cells(xml, {"B1": 1, "E2": 2, "G2": 3, "F1": 4}, style_of).xml
    assert seen == [("number", "9"), ("number", "9"), ("number", "7"), ("number", None)]
    assert '<c r="B1" s="9">' in new and '<c r="E2" s="7">' in new and '<c r="G2">' in new


def test_rows_and_cells_without_references() -> None:
    xml = wrap("<sheetData><row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row><row/></sheetData>")
    new = update_cells(xml, {"C1": 9, "A5": 5}).xml
    assert cells_in_order(new) == ["A1", "B1", "C1", None, "A5"]  # an untouched row stays as it was
    assert '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c><c r="C1"><v>9</v></c></row>' in new
    assert '<row r="2"><c><v>3</v></c></row><row r="3"/><row r="5">' in new


@pytest.mark.parametrize(
    ("value", "body"),
    [
        (True, ' t="b"><v>1</v>'),
        (np.bool_(False), ' t="b"><v>0</v>'),
        (np.int64(7), "><v>7</v>"),
        (0.1, "><v>0.1</v>"),
        (Decimal("1000000.10"), "><v>1000000.10</v>"),
        (math.inf, ' t="e"><v>#NUM!</v>'),
        (dt.date(2024, 1, 31), "><v>45322</v>"),
        (dt.datetime(2024, 1, 31, 12), "><v>45322.5</v>"),
        (pd.Timestamp("2024-01-31 06:00", tz="Europe/Oslo"), "><v>45322.25</v>"),  # wall-clock time
        (dt.date(1850, 1, 1), ' t="inlineStr"><is><t xml:space="preserve">1850-01-01</t></is>'),
        ("_x0041_\x00\r", ' t="inlineStr"><is><t xml:space="preserve">_x005F_x0041_&#13;</t></is>'),
        (dt.time(9, 30), ' t="inlineStr"><is><t xml:space="preserve">09:30:00</t></is>'),
    ],
)
def test_values(value: object, body: str) -> None:
    new = update_cells(wrap("<sheetData/>"), {"A1": value}).xml
    assert f'<c r="A1"{body}</c>' in new


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA, pd.NaT, Decimal("NaN"), np.datetime64("NaT")])
def test_missing_values_clear(missing: object) -> None:
    xml = wrap('<sheetData><row r="1"><c r="A1" s="2" t="s"><v>3</v></c></row></sheetData>')
    assert '<c r="A1" s="2"/>' in update_cells(xml, {"A1": missing}).xml


def test_1904_dates() -> None:
    assert "<v>1</v>" in update_cells(wrap("<sheetData/>"), {"A1": dt.date(1904, 1, 2)}, date1904=True).xml


def test_array_formulas_and_data_tables_are_refused() -> None:
    xml = wrap('<sheetData><row r="1"><c r="A1"><f t="array" ref="A1:B2">X</f><v>1</v></c></row></sheetData>')
    for ref in ("A1", "B2"):
        with pytest.raises(CellUpdateError, match=f"cell {ref} is part of the array formula in A1:B2"):
            update_cells(xml, {ref: 1})
    assert update_cells(xml, {"C1": 1}).formulas_removed == []
    single = xml.replace('ref="A1:B2"', 'ref="A1"')
    assert update_cells(single, {"A1": 1}).formulas_removed == ["A1"]
    table = xml.replace('t="array"', 't="dataTable"')
    with pytest.raises(CellUpdateError, match="data table"):
        update_cells(table, {"B1": 1})


def test_shared_formula_group_without_others_just_ends() -> None:
    xml = wrap(
        '<sheetData><row r="1"><c r="A1"><f t="shared" ref="A1:A2" si="0">B1</f></c></row>'
        '<row r="2"><c r="A2"><f t="shared" si="0"/></c></row></sheetData>'
    )
    new = update_cells(xml, {"A1": 1, "A2": 2})
    assert "<f" not in new.xml and new.formulas_removed == ["A1", "A2"]


def test_comments_and_cdata_in_cells_are_refused() -> None:
    xml = wrap('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<x>]]></t></is></c></row></sheetData>')
    with pytest.raises(CellUpdateError, match="CDATA"):
        update_cells(xml, {"A1": 1})


@settings(max_examples=60, deadline=None)
@given(
    existing=hs.sets(hs.tuples(hs.integers(1, 6), hs.integers(1, 6)), max_size=12),
    updates=hs.dictionaries(
        hs.tuples(hs.integers(1, 7), hs.integers(1, 7)),
        hs.one_of(hs.none(), hs.integers(-5, 5), hs.text(hs.characters(exclude_categories=["Cs"]), max_size=5)),
        max_size=10,
    ),
)
def test_any_updates_give_ordered_well_formed_rows(existing: set[tuple[int, int]], updates: dict) -> None:
    rows: dict[int, list[int]] = {}
    for r, c in sorted(existing):
        rows.setdefault(r, []).append(c)
    data = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{a1(r, c)}"><v>{r * 10 + c}</v></c>' for c in cols) + "</row>"
        for r, cols in rows.items()
    )
    xml = wrap(f"<sheetData>{data}</sheetData>")
    new = update_cells(xml, {a1(*k): v for k, v in updates.items()}).xml
    root = ET.fromstring(new)
    got: dict[tuple[int, int], str | None] = {}
    seen_rows = []
    for row in root.iter(f"{{{M}}}row"):
        seen_rows.append(int(row.get("r")))
        keys = [parse_ref(c.get("r")) for c in row]
        assert keys == sorted(keys) and all(k[0] == seen_rows[-1] for k in keys)
        for c, key in zip(row, keys, strict=True):
            v, t = c.find(f"{{{M}}}v"), c.find(f".//{{{M}}}t")
            got[key] = v.text if v is not None else (t.text or "" if t is not None else None)
    assert seen_rows == sorted(set(seen_rows))
    for key in existing | set(updates):
        want = updates[key] if key in updates else key[0] * 10 + key[1]
        if isinstance(want, str):  # characters XML cannot hold are dropped
            want = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", want)
        if want is None:
            assert got.get(key) is None
        else:
            assert got[key] == str(want)


def test_parse_ref_and_a1() -> None:
    assert parse_ref("F3") == parse_ref("$f$3") == (3, 6)
    assert parse_ref("XFD1048576") == (1_048_576, 16_384)
    assert [a1(3, 6), a1(1, 26), a1(1, 27), a1(10, 703)] == ["F3", "Z1", "AA1", "AAA10"]
    for bad in ("A0", "XFE1", "A1048577", "F", "3", "F3:G4", 3):
        with pytest.raises(ValueError):
            parse_ref(bad)
    with pytest.raises(ValueError):
        a1(0, 1)
    with pytest.raises(TypeError):
        a1(True, 1)


# ----------------------------------------------------------------------------- styles and the calc chain
def test_is_date_format() -> None:
    assert is_date_format(14, None) and is_date_format(22, None) and not is_date_format(49, None)
    for code in ("yyyy-mm-dd", "d/m/yy h:mm", "[$-409]mmmm d, yyyy", "[h]:mm:ss", "dd.mm.yyyy;@"):
        assert is_date_format(170, code), code
    for code in ("#,##0.00", '0.0 "days"', "[Red]#,##0;[Blue]-#,##0", "@", "General", "0.00E+00", "#,##0_);(#,##0)"):
        assert not is_date_format(170, code), code


def test_cell_styles_with_a_prefixed_styles_part() -> None:
    plain = (
        f'<styleSheet xmlns="{M}"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/></font><font><b/><sz val="11"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" xfId="0"/><xf numFmtId="164" fontId="0" xfId="0"/>'
        '<xf numFmtId="49" fontId="1" xfId="0" quotePrefix="1" applyFont="1"><alignment wrapText="1"/></xf>'
        "</cellXfs></styleSheet>"
    )
    prefixed = re.sub(r"<(/?)(\w+)", r"<\1x:\2", plain).replace("xmlns=", "xmlns:x=")
    styles = CellStyles(prefixed.encode())
    assert styles.style_of("number", "2") == "2" and styles.style_of("text", "2") == "2"
    assert styles.style_of("date", "1") == "1" and not styles.changed  # already a date format
    assert styles.style_of("date", "2") == "3"  # bold, wrapped, as a date: a new variant
    assert styles.style_of("date", "2") == "3"  # reused
    text = styles.data.decode()
    assert '<x:cellXfs count="4">' in text
    assert '<x:xf numFmtId="14" fontId="1" xfId="0" applyFont="1" applyNumberFormat="1"><x:alignment' in text
    text_style = styles.style_of("text", None)
    assert text_style == "4" and 'quotePrefix="1"/></x:cellXfs>' in styles.data.decode()
    assert styles.style_of("datetime", "0") == "5"
    assert len(st.parse_xml(styles.data).find(f"{{{M}}}cellXfs")) == 6
    assert CellStyles(None).style_of("number", None) is None


def test_calc_chain_keeps_sticky_sheet_ids() -> None:
    chain = (
        f'<calcChain xmlns="{M}"><c r="A1" i="1"/><c r="B1"/><c r="C1" i="2" l="1"/><c r="D1"/>'
        '<c r="E1" i="1"/></calcChain>'
    )
    text, kept = xp._prune_calc_chain(chain, set(), {("1", "A1"), ("2", "C1")})
    assert kept == 3
    assert text.endswith('<c r="B1" i="1"/><c r="D1" i="2"/><c r="E1" i="1"/></calcChain>')
    text, kept = xp._prune_calc_chain(chain, {"2"})
    assert kept == 3 and text.endswith('<c r="A1" i="1"/><c r="B1"/><c r="E1" i="1"/></calcChain>')


def test_workbook_without_styles_part(tmp_path: Path) -> None:
    src = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Checklist"
    book.active.append(["Task", "Status"])
    book.save(src)
    rels = re.sub(r'<Relationship [^>]*styles\.xml"[^>]*/>', "", part_text(src, "xl/_rels/workbook.xml.rels"))
    ct = re.sub(r'<Override PartName="/xl/styles.xml"[^>]*/>', "", part_text(src, CT))
    rewrite(src, {"xl/styles.xml": None, "xl/_rels/workbook.xml.rels": rels.encode(), CT: ct.encode()})
    replace_sheets(src, tmp_path / "numbers.xlsx", [], updates={"Checklist": {"B2": 1}})
    assert members(tmp_path / "numbers.xlsx").keys() == members(src).keys()  # no styles part needed
    replace_sheets(src, tmp_path / "out.xlsx", [], updates={"Checklist": {"B2": "Done", "C2": dt.date(2026, 1, 1)}})
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["Checklist"]
    assert ws["B2"].value == "Done" and ws["C2"].is_date
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        assert "xl/styles.xml" in z.namelist()
