"""closekit.sheetio.xlsx_package: output sheets are written at the zip/XML level, so every other
part of the workbook (charts, text boxes, form buttons, comments, VBA, custom parts) survives."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from closekit.sheetio import xlsx_package as xp
from closekit.sheetio import xlsx_sheet
from closekit.sheetio.xlsx_package import (
    OutputSheet,
    WorkbookPackageError,
    replace_sheets,
    write_sheets_atomic,
)
from xlsx_fixtures import (
    BUTTON_RELS,
    BUTTON_VML,
    CONTROLS,
    CT,
    CTRL_PROP,
    CUSTOM_XML,
    IGNORABLE,
    TEXT_BOX,
    VBA,
    WEBEXT,
    M,
    R,
    members,
    rewrite,
    sheet_part,
)
from xlsx_fixtures import text as part_text

EDITABLE = {CT, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
FORMULA_LIKE = ["=cmd|' /C calc'!A0", "+1", "-x", "@SUM(A1)", "\tfoo", "=1+1"]


def make_workbook(path: Path, *, macro: bool = False) -> Path:
    """Two input sheets with formats, a formula, a defined name, data validation, a comment and a
    bar chart (openpyxl), then a text box, a legacy form button, custom XML and a web extension
    (and VBA for .xlsm) added by hand, as Excel would store them."""
    wb = openpyxl.Workbook()
    ledger = wb.active
    ledger.title = "Ledger"
    ledger.append(["Account", "Amount", "Status"])
    for row in [("1000", 10.5, "Open"), ("2000", 20.25, "Closed"), ("3000", 30, "Open")]:
        ledger.append(row)
    ledger["A1"].font = Font(bold=True)
    ledger["B2"].number_format = "#,##0.00"
    ledger["B5"] = "=SUM(B2:B4)"
    dv = DataValidation(type="list", formula1='"Open,Closed"')
    ledger.add_data_validation(dv)
    dv.add("C2:C4")
    ledger["A2"].comment = Comment("Check this account", "Reviewer")
    chart = BarChart()
    chart.add_data(Reference(ledger, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    ledger.add_chart(chart, "E2")
    accounts = wb.create_sheet("Accounts")
    accounts.append(["No", "Name", "Opened"])
    accounts.append([1000, "Cash", dt.date(2020, 1, 1)])
    accounts["C2"].number_format = "yyyy-mm-dd"
    wb.defined_names["LedgerTotal"] = DefinedName("LedgerTotal", attr_text="Ledger!$B$5")
    wb.save(path)

    wb_xml = part_text(path, "xl/workbook.xml").replace("<workbook ", "<workbook " + IGNORABLE, 1)
    ct = part_text(path, CT).replace(
        "</Types>",
        (
            '<Override PartName="/xl/ctrlProps/ctrlProp1.xml" '
            'ContentType="application/vnd.ms-excel.controlproperties+xml"/>'
            '<Override PartName="/xl/webextensions/webextension1.xml" '
            'ContentType="application/vnd.ms-office.webextension+xml"/></Types>'
        ),
    )
    rels = part_text(path, "xl/_rels/workbook.xml.rels").replace(
        "</Relationships>",
        (f'<Relationship Id="rId90" Type="{R}/customXml" Target="../customXml/item1.xml"/></Relationships>'),
    )
    root_rels = part_text(path, "_rels/.rels").replace(
        "</Relationships>",
        (
            '<Relationship Id="rId90" Type="http://schemas.microsoft.com/office/2011/relationships/'
            'webextension" Target="xl/webextensions/webextension1.xml"/></Relationships>'
        ),
    )
    sheet2 = (
        part_text(path, "xl/worksheets/sheet2.xml")
        .replace(f'<worksheet xmlns="{M}"', f'<worksheet xmlns="{M}" xmlns:r="{R}"')
        .replace("</worksheet>", CONTROLS + "</worksheet>")
    )
    if macro:
        ct = ct.replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ).replace(
            '<Default Extension="xml"',
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default Extension="xml"',
        )
        rels = rels.replace(
            "</Relationships>",
            (
                '<Relationship Id="rId91" Type="http://schemas.microsoft.com/office/2006/'
                'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>'
            ),
        )
    change: dict[str, bytes | None] = {
        "xl/workbook.xml": wb_xml.encode(),
        CT: ct.encode(),
        "xl/_rels/workbook.xml.rels": rels.encode(),
        "_rels/.rels": root_rels.encode(),
        "xl/worksheets/sheet2.xml": sheet2.encode(),
        "xl/drawings/drawing1.xml": part_text(path, "xl/drawings/drawing1.xml")
        .replace("</wsDr>", TEXT_BOX + "</wsDr>")
        .encode(),
        "xl/worksheets/_rels/sheet2.xml.rels": BUTTON_RELS,
        "xl/drawings/vmlDrawing9.vml": BUTTON_VML,
        "xl/ctrlProps/ctrlProp1.xml": CTRL_PROP,
        "customXml/item1.xml": CUSTOM_XML,
        "xl/webextensions/webextension1.xml": WEBEXT,
    }
    if macro:
        change["xl/vbaProject.bin"] = VBA
    rewrite(path, change)
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return make_workbook(tmp_path / "close.xlsx")


def findings_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Check": ["Balance", *FORMULA_LIKE[:5]],
            "Account": ["1000", "2000", None, "0042", "3000", "4000"],
            "Amount": [
                Decimal("1234.56"),
                Decimal("-0.01"),
                Decimal("1000000.10"),
                None,
                Decimal("0"),
                Decimal("12.345"),
            ],
            "Posted": [
                dt.date(2024, 1, 31),
                dt.date(2024, 2, 29),
                None,
                dt.date(2024, 12, 31),
                dt.date(2025, 1, 1),
                dt.date(1999, 12, 31),
            ],
            "Lines": [1, 2, 3, 4, 5, 6],
            "Ratio": [0.5, np.nan, 1.25, 2.0, -3.5, 1e-7],
            "Approved": [True, False, None, True, False, True],
            "Run at": pd.to_datetime(
                [
                    "2024-01-31 10:30:15",
                    "2024-01-31 23:59:59",
                    None,
                    "2024-02-01 00:00:01",
                    "2024-02-01 12:00:00",
                    "2024-02-02 08:15:00",
                ]
            ),
        }
    )


def findings_sheet(frame: pd.DataFrame | None = None) -> OutputSheet:
    return OutputSheet("Findings", findings_frame() if frame is None else frame, formats={"Amount": "amount"})


def calamine_rows(path: Path, name: str) -> list[list[object]]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def sheet_entries(path: Path) -> list[dict[str, str]]:
    return [dict(s.attrib) for s in ET.fromstring(part_text(path, "xl/workbook.xml")).iter(f"{{{M}}}sheet")]


def cell_xfs(path: Path) -> list[dict[str, str]]:
    cell_formats = ET.fromstring(part_text(path, "xl/styles.xml")).find(f"{{{M}}}cellXfs")
    return [dict(xf.attrib) for xf in cell_formats]


def assert_unchanged_except(
    before: dict[str, bytes], after: dict[str, bytes], allowed: set[str], lost: set[str] = frozenset()
) -> None:
    """Only the ``allowed`` members changed; the editable parts kept every tag (but those in ``lost``,
    which lose the entries of parts a replaced sheet took with it)."""
    kept = [n for n in before if n in after]
    assert kept == [n for n in after if n in before], "member order changed"
    for name, data in before.items():
        if name not in allowed:
            assert after.get(name) == data, f"{name} changed"
    for name in (EDITABLE - lost) & set(before) & set(after):
        assert keeps_all_tags(before[name].decode(), after[name].decode()), name


def keeps_all_tags(old: str, new: str) -> bool:
    """Every tag of `old` is in `new`, verbatim and in the same order (count= attributes aside):
    insertions only, no re-serialisation."""
    tags = lambda text: re.findall(r"<[^>]+>", re.sub(r' count="\d+"', "", text))  # noqa: E731
    remaining = iter(tags(new))
    return all(any(tag == other for other in remaining) for tag in tags(old))


# ----------------------------------------------------------------------------- tests
@pytest.mark.parametrize("macro", [False, True], ids=["xlsx", "xlsm"])
def test_add_then_replace_keeps_every_other_part(tmp_path: Path, macro: bool) -> None:
    path = make_workbook(tmp_path / ("close.xlsm" if macro else "close.xlsx"), macro=macro)
    original = members(path)

    write_sheets_atomic(path, [findings_sheet()])
    first = members(path)
    assert_unchanged_except(original, first, EDITABLE)
    assert list(first)[: len(original)] == list(original)  # new members at the end only
    wb_xml = first["xl/workbook.xml"].decode()
    assert 'mc:Ignorable="x15"' in wb_xml and IGNORABLE.strip() in wb_xml
    assert '<definedName name="LedgerTotal">Ledger!$B$5</definedName>' in wb_xml
    assert "_xlnm._FilterDatabase" not in wb_xml  # a table has its own filter
    assert "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"2\">'Findings'!$1:$1</definedName>" in wb_xml
    assert '<autoFilter ref="A1:H7"/>' in first["xl/tables/table1.xml"].decode()
    assert [s["name"] for s in sheet_entries(path)] == ["Ledger", "Accounts", "Findings"]
    for part in (
        "xl/drawings/vmlDrawing9.vml",
        "xl/ctrlProps/ctrlProp1.xml",
        "customXml/item1.xml",
        "xl/webextensions/webextension1.xml",
    ):
        assert first[part] == original[part]
    assert b"<sp " in first["xl/drawings/drawing1.xml"]
    assert b"<controls>" in first["xl/worksheets/sheet2.xml"]
    if macro:
        assert first["xl/vbaProject.bin"] == VBA

    findings_id = sheet_entries(path)[2]
    findings_xml = sheet_part(path, "Findings")
    smaller = findings_frame().iloc[:3].assign(Check=["a", "b", "c"])
    run_log = pd.DataFrame({"Step": ["import", "validate"], "Rows": [10, 8]})
    write_sheets_atomic(path, [findings_sheet(smaller), OutputSheet("RunLog", run_log)])
    second = members(path)
    findings_rels = findings_xml.replace("worksheets/", "worksheets/_rels/") + ".rels"
    assert_unchanged_except(first, second, EDITABLE | {findings_xml, findings_rels, "xl/tables/table1.xml"}, {CT})
    assert "xl/tables/table1.xml" not in second  # the old output's table went with it: no orphan
    assert "/xl/tables/table1.xml" not in second[CT].decode()
    tables = {n: second[n].decode() for n in second if n.startswith("xl/tables/")}
    assert sorted(re.search(r'name="(\w+)"', t)[1] for t in tables.values()) == ["Findings", "RunLog"]
    assert len({re.search(r' id="(\d+)"', t)[1] for t in tables.values()}) == 2
    entries = sheet_entries(path)
    assert [s["name"] for s in entries] == ["Ledger", "Accounts", "Findings", "RunLog"]
    assert entries[2] == findings_id  # same sheetId and r:id
    assert sheet_part(path, "Findings") == findings_xml
    wb_xml = second["xl/workbook.xml"].decode()
    assert wb_xml.count("_xlnm.Print_Titles") == 2  # updated in place, one more for RunLog
    assert "'Findings'!$1:$1" in wb_xml and "'RunLog'!$1:$1" in wb_xml

    book = openpyxl.load_workbook(path, keep_vba=macro)
    assert book.sheetnames == ["Ledger", "Accounts", "Findings", "RunLog"]
    assert book["Ledger"]["B5"].value == "=SUM(B2:B4)"
    assert book["Ledger"]["B2"].number_format == "#,##0.00"
    assert "LedgerTotal" in book.defined_names
    assert book["Ledger"].data_validations.dataValidation[0].formula1 == '"Open,Closed"'
    assert book["Ledger"]["A2"].comment.text == "Check this account"
    assert len(book["Ledger"]._charts) == 1
    assert calamine_rows(path, "Findings")[1:] == [
        ["a", "1000", 1234.56, dt.date(2024, 1, 31), 1.0, 0.5, True, dt.datetime(2024, 1, 31, 10, 30, 15)],
        ["b", "2000", -0.01, dt.date(2024, 2, 29), 2.0, "", False, dt.datetime(2024, 1, 31, 23, 59, 59)],
        ["c", "", 1000000.1, "", 3.0, 1.25, "", ""],
    ]
    assert calamine_rows(path, "RunLog") == [["Step", "Rows"], ["import", 10.0], ["validate", 8.0]]
    assert not list(tmp_path.glob(".~closekit-*"))


def test_values_round_trip(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    replace_sheets(workbook, out, [findings_sheet()])
    rows = calamine_rows(out, "Findings")
    assert rows[0] == list(findings_frame().columns)  # header in row 1
    frame = findings_frame()
    assert [r[0] for r in rows[1:]] == list(frame["Check"])
    assert [r[1] for r in rows[1:]] == ["1000", "2000", "", "0042", "3000", "4000"]
    assert [r[2] for r in rows[1:]] == [1234.56, -0.01, 1000000.1, "", 0.0, 12.345]
    assert [r[3] for r in rows[1:]] == [*frame["Posted"][:2], "", *frame["Posted"][3:]]
    assert [r[6] for r in rows[1:]] == [True, False, "", True, False, True]
    assert rows[4][7] == dt.datetime(2024, 2, 1, 0, 0, 1)
    xml = part_text(out, sheet_part(out, "Findings"))
    assert "<v>1000000.10</v>" in xml and "<v>1234.56</v>" in xml  # Decimal text, no float trip
    assert '<c r="C5"' not in xml and '<c r="B4"' not in xml  # missing values: no cell
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in xml
    assert "<autoFilter" not in xml and '<dimension ref="A1:H7"/>' in xml  # the table has the filter
    assert '<tableParts count="1"><tablePart r:id="rId1"/></tableParts>' in xml
    assert '<autoFilter ref="A1:H7"/>' in part_text(out, "xl/tables/table1.xml")
    book = openpyxl.load_workbook(out)
    ws = book["Findings"]
    assert ws["A1"].font.b and ws["C2"].number_format == "#,##0.00"
    assert ws["D2"].number_format == "yyyy-mm-dd" and ws["E2"].number_format == "0"  # one date format throughout
    assert ws.freeze_panes == "A2"


def test_numpy_scalars_timestamps_and_1904_dates(tmp_path: Path) -> None:
    src = tmp_path / "mac.xlsx"
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb.save(src)
    frame = pd.DataFrame(
        {
            "Mixed": [
                np.int64(7),
                np.float32(0.5),
                pd.Timestamp("2024-03-01"),
                dt.datetime(2024, 3, 1, 6, 0),
                Decimal("1E+3"),
                "x",
            ],
            "Days": pd.to_datetime(["1904-01-02"] * 3 + ["2024-03-01"] * 3),
        }
    )
    replace_sheets(src, tmp_path / "out.xlsx", [OutputSheet("Out", frame)])
    xml = part_text(tmp_path / "out.xlsx", "xl/worksheets/sheet2.xml")
    assert '<c r="B2" s="' in xml and "><v>1</v>" in xml  # 1904 system: 1904-01-02 is 1
    assert "<v>1000</v>" in xml
    rows = calamine_rows(tmp_path / "out.xlsx", "Out")
    assert rows[1:] == [
        [7.0, dt.date(1904, 1, 2)],
        [0.5, dt.date(1904, 1, 2)],
        [dt.date(2024, 3, 1), dt.date(1904, 1, 2)],
        [dt.datetime(2024, 3, 1, 6, 0), dt.date(2024, 3, 1)],
        [1000.0, dt.date(2024, 3, 1)],
        ["x", dt.date(2024, 3, 1)],
    ]


def test_formula_like_text_stayspart_text(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    frame = pd.DataFrame({"Text": FORMULA_LIKE, "Also": FORMULA_LIKE[::-1]})
    replace_sheets(workbook, out, [OutputSheet("Findings", frame, formats={"Also": "amount"})])
    xml = part_text(out, sheet_part(out, "Findings"))
    assert not re.search(r"<f[\s>/]", xml)
    cells = re.findall(r'<c r="[AB]\d+" s="(\d+)" t="inlineStr">', xml)
    assert len(cells) == 2 * (len(FORMULA_LIKE) + 1)
    xfs = cell_xfs(out)
    for s in set(cells):
        assert xfs[int(s)]["numFmtId"] == "49" and xfs[int(s)]["quotePrefix"] == "1"
    assert [r[0] for r in calamine_rows(out, "Findings")[1:]] == FORMULA_LIKE
    book = openpyxl.load_workbook(out)
    assert book["Findings"]["A2"].data_type == "s" and book["Findings"]["A2"].quotePrefix


def test_illegal_characters_are_removed_and_long_text_truncated(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    frame = pd.DataFrame(
        {"Text": ["a\x00b\x07c\x1f", "tab\tline\nret\r", "x" * 40_000, "<&>\"'", "_x0041_", "emoji \U0001f600"]}
    )
    replace_sheets(workbook, out, [OutputSheet("Findings", frame)])
    values = [r[0] for r in calamine_rows(out, "Findings")[1:]]
    assert values[0] == "abc" and values[1] == "tab\tline\nret\r"
    assert values[2] == "x" * 32_767
    assert values[3:] == ["<&>\"'", "_x0041_", "emoji \U0001f600"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=hs.lists(hs.text(hs.characters(exclude_categories=["Cs"]), max_size=30), min_size=1, max_size=5))
def test_any_text_reads_back_as_written(tmp_path: Path, texts: list[str]) -> None:
    src, out = tmp_path / "src.xlsx", tmp_path / "out.xlsx"
    if not src.exists():
        openpyxl.Workbook().save(src)
    replace_sheets(src, out, [OutputSheet("T", pd.DataFrame({"t": texts}))])
    legal = [re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", t) for t in texts]
    assert [r[0] for r in calamine_rows(out, "T")[1:]] == legal
    assert not re.search(r"<f[\s>/]", part_text(out, "xl/worksheets/sheet2.xml"))


def test_failure_midway_leaves_the_workbook_untouched(workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = workbook.read_bytes()
    calls = {"n": 0}
    real = xp._copy_member

    def flaky(*args: object) -> None:
        calls["n"] += 1
        if calls["n"] == 6:
            raise OSError("disk full")
        real(*args)

    monkeypatch.setattr(xp, "_copy_member", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_sheets_atomic(workbook, [findings_sheet()])
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob(".~closekit-*"))

    monkeypatch.setattr(xp, "_copy_member", real)
    monkeypatch.setattr(xlsx_sheet, "_payload", lambda *a: 1 / 0)  # fails while building the sheet
    with pytest.raises(ZeroDivisionError):
        write_sheets_atomic(workbook, [findings_sheet()])
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob(".~closekit-*"))


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
    b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><workbook xmlns="'
    + M.encode()
    + b'"><sheets><sheet name="&lol2;" sheetId="1"/></sheets></workbook>'
)


def _corrupt(path: Path, kind: str) -> None:
    if kind == "not a zip":
        path.write_text("Account;Amount\n1000;5\n")
    elif kind == "truncated":
        path.write_bytes(path.read_bytes()[:3000])
    elif kind == "encrypted":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    elif kind == "xml bomb":
        rewrite(path, {"xl/workbook.xml": BOMB})
    elif kind == "malformed":
        rewrite(path, {"xl/workbook.xml": b"<workbook><sheets></workbook>"})
    elif kind == "no workbook":
        rewrite(path, {"xl/workbook.xml": None})


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("not a zip", "is not an Excel workbook"),
        ("truncated", "damaged or incomplete"),
        ("encrypted", "password-protected"),
        ("xml bomb", "contains unsafe XML"),
        ("malformed", "not well-formed XML"),
        ("no workbook", "xl/workbook.xml is missing"),
    ],
)
def test_unreadable_workbooks_raise_a_clear_error(workbook: Path, kind: str, message: str) -> None:
    _corrupt(workbook, kind)
    before = workbook.read_bytes()
    with pytest.raises(WorkbookPackageError, match=message) as info:
        write_sheets_atomic(workbook, [findings_sheet()])
    text = str(info.value)
    assert text.startswith("'close.xlsx' ") and text.endswith(".") and "\n" not in text
    assert workbook.read_bytes() == before
    assert not list(workbook.parent.glob(".~closekit-*"))


def test_suspiciously_large_parts_are_refused(workbook: Path) -> None:
    styles = part_text(workbook, "xl/styles.xml").replace("<fonts", " " * 5_000_000 + "<fonts")
    rewrite(workbook, {"xl/styles.xml": styles.encode()})
    before = workbook.read_bytes()
    with pytest.raises(WorkbookPackageError, match=r"xl/styles.xml is suspiciously large"):
        write_sheets_atomic(workbook, [findings_sheet()])
    assert workbook.read_bytes() == before


def test_pure_python_fallbacks_write_the_same_sheet(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What runs under Pyodide: no pyarrow fast path, Python string storage, no threads."""
    frame = findings_frame().assign(Note=["x\x00y", "<b>", None, "a" * 40_000, "é", "_x0041_"])
    replace_sheets(workbook, tmp_path / "fast.xlsx", [findings_sheet(frame)])
    monkeypatch.setattr(xlsx_sheet, "pa", None)
    monkeypatch.setattr(xlsx_sheet, "THREADS", False)
    with pd.option_context("mode.string_storage", "python"):
        frame = frame.astype({"Check": "string"})
        assert frame["Check"].dtype.storage == "python"
        replace_sheets(workbook, tmp_path / "slow.xlsx", [findings_sheet(frame)])
    fast, slow = (part_text(tmp_path / name, "xl/worksheets/sheet3.xml") for name in ("fast.xlsx", "slow.xlsx"))
    # pyarrow writes 2 and 1e-7 where Python writes 2.0 and 1e-07: the same doubles.
    same_numbers = lambda xml: re.sub(  # noqa: E731
        r"<v>([-+.\de]+)</v>", lambda m: f"<v>{float(m[1])!r}</v>", xml
    )
    assert fast != slow and same_numbers(fast) == same_numbers(slow)


def test_awkward_sheet_names_are_escaped(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    name = 'Bob\'s P&L "Q1" <€>'
    replace_sheets(workbook, out, [OutputSheet(name, pd.DataFrame({"a": [1, 2]}))])
    wb_xml = part_text(out, "xl/workbook.xml")
    assert '<sheet name="Bob\'s P&amp;L &quot;Q1&quot; &lt;€&gt;"' in wb_xml
    assert "'Bob''s P&amp;L \"Q1\" &lt;€&gt;'!$1:$1</definedName>" in wb_xml  # print titles
    assert 'name="Bob_s_P_L__Q1_____"' in part_text(out, "xl/tables/table1.xml")  # a valid table name
    assert openpyxl.load_workbook(out).sheetnames[-1] == name
    assert calamine_rows(out, name) == [["a"], [1.0], [2.0]]


def test_styles_with_a_namespace_prefix(workbook: Path, tmp_path: Path) -> None:
    styles = part_text(workbook, "xl/styles.xml")
    prefixed = re.sub(r"<(/?)(\w+)", r"<\1x:\2", styles).replace("xmlns=", "xmlns:x=")
    rewrite(workbook, {"xl/styles.xml": prefixed.encode()})
    out = tmp_path / "out.xlsx"
    frame = pd.DataFrame({"Name": ["a"], "Qty": [Decimal("1.2345")]})
    replace_sheets(workbook, out, [OutputSheet("Findings", frame, formats={"Qty": "amount3"})])
    new = part_text(out, "xl/styles.xml")
    assert keeps_all_tags(prefixed, new)
    assert '<x:numFmt numFmtId="165" formatCode="#,##0.000"/></x:numFmts>' in new
    assert '<x:numFmts count="2">' in new
    assert "<xf " not in new and 'quotePrefix="1"/>' in new and "<x:b/>" in new
    ws = openpyxl.load_workbook(out)["Findings"]
    assert ws["B2"].number_format == "#,##0.000" and ws["A1"].font.b
    assert calamine_rows(out, "Findings") == [["Name", "Qty"], ["a", 1.2345]]


def test_styles_are_reused_when_writing_again(workbook: Path) -> None:
    write_sheets_atomic(workbook, [findings_sheet()])
    styles = part_text(workbook, "xl/styles.xml")
    write_sheets_atomic(workbook, [findings_sheet(), OutputSheet("RunLog", findings_frame())])
    assert part_text(workbook, "xl/styles.xml") == styles


def test_workbook_without_styles_part_gets_one(tmp_path: Path) -> None:
    workbook = tmp_path / "plain.xlsx"
    plain = openpyxl.Workbook()
    plain.active.append(["no", "styles", 1])
    plain.save(workbook)
    rels = re.sub(r'<Relationship [^>]*styles\.xml"[^>]*/>', "", part_text(workbook, "xl/_rels/workbook.xml.rels"))
    ct = re.sub(r'<Override PartName="/xl/styles.xml"[^>]*/>', "", part_text(workbook, CT))
    rewrite(workbook, {"xl/styles.xml": None, "xl/_rels/workbook.xml.rels": rels.encode(), CT: ct.encode()})
    out = tmp_path / "out.xlsx"
    sheet = OutputSheet("Findings", findings_frame(), formats={"Amount": "amount3"})
    replace_sheets(workbook, out, [sheet])
    target = re.search(r'Type="[^"]*/styles" Target="([^"]+)"', part_text(out, "xl/_rels/workbook.xml.rels"))[1]
    assert f'PartName="/xl/{target}"' in part_text(out, CT)
    assert '<numFmt numFmtId="164" formatCode="#,##0.000"/>' in part_text(out, f"xl/{target}")
    ws = openpyxl.load_workbook(out)["Findings"]
    assert ws["A1"].font.b and ws["C2"].number_format == "#,##0.000"


def test_replaced_sheet_drops_its_own_relationships_and_calc_chain(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)  # an old output sheet with a comment and a formula
    old = book.create_sheet("Findings")
    old["A1"], old["B2"] = "old", "=1+1"
    old["A1"].comment = Comment("stale", "closekit")
    book.save(workbook)
    part = sheet_part(workbook, "Findings")
    rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    findings_id = next(s["sheetId"] for s in sheet_entries(workbook) if s["name"] == "Findings")
    chain = (
        f'<?xml version="1.0"?><calcChain xmlns="{M}"><c r="B5" i="1"/>'
        f'<c r="B2" i="{findings_id}" l="1"/><c r="B3"/><c r="C7" i="1"/></calcChain>'
    )
    rewrite(
        workbook,
        {
            "xl/calcChain.xml": chain.encode(),
            CT: part_text(workbook, CT)
            .replace(
                "</Types>",
                (
                    '<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.calcChain+xml"/></Types>'
                ),
            )
            .encode(),
            "xl/_rels/workbook.xml.rels": part_text(workbook, "xl/_rels/workbook.xml.rels")
            .replace(
                "</Relationships>",
                f'<Relationship Id="rId77" Type="{R}/calcChain" Target="calcChain.xml"/></Relationships>',
            )
            .encode(),
        },
    )
    before = members(workbook)
    assert rels in before

    write_sheets_atomic(workbook, [findings_sheet()])
    after = members(workbook)
    assert "comments" not in after[rels].decode() and "xl/comments/comment2.xml" in after  # orphan left alone
    assert "/table" in after[rels].decode()  # the sheet's .rels now names only the new output's table
    assert after["xl/calcChain.xml"].decode().endswith('<c r="B5" i="1"/><c r="C7" i="1"/></calcChain>')
    assert_unchanged_except(before, after, EDITABLE | {part, rels, "xl/calcChain.xml"})
    assert openpyxl.load_workbook(workbook)["Findings"]["A2"].value == "Balance"

    rewrite(
        workbook, {"xl/calcChain.xml": (f'<calcChain xmlns="{M}"><c r="A2" i="{findings_id}"/></calcChain>').encode()}
    )
    write_sheets_atomic(workbook, [findings_sheet()])
    after = members(workbook)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after[CT] and b"calcChain" not in after["xl/_rels/workbook.xml.rels"]


def test_new_sheet_uses_the_files_relationship_prefix(workbook: Path, tmp_path: Path) -> None:
    wb_xml = part_text(workbook, "xl/workbook.xml").replace("xmlns:r=", "xmlns:rel=").replace(" r:id=", " rel:id=")
    rewrite(workbook, {"xl/workbook.xml": wb_xml.encode()})
    out = tmp_path / "out.xlsx"
    replace_sheets(workbook, out, [findings_sheet()])
    assert re.search(r'<sheet name="Findings" sheetId="3" rel:id="rId\d+"/>', part_text(out, "xl/workbook.xml"))
    assert openpyxl.load_workbook(out).sheetnames[-1] == "Findings"


def test_sheet_names_match_case_insensitively(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    replace_sheets(workbook, out, [OutputSheet("ACCOUNTS", pd.DataFrame({"a": [1]}))])
    assert [s["name"] for s in sheet_entries(out)] == ["Ledger", "Accounts"]
    assert calamine_rows(out, "Accounts") == [["a"], [1.0]]


@pytest.mark.parametrize("name", ["", "x" * 32, "a/b", "a[1]", "what?", "'quoted'", "History"])
def test_invalid_sheet_names_are_refused(workbook: Path, tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a valid Excel sheet name"):
        replace_sheets(workbook, tmp_path / "out.xlsx", [OutputSheet(name, pd.DataFrame())])
    assert not (tmp_path / "out.xlsx").exists()


def test_invalid_requests_are_refused(workbook: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match="same name"):
        write_sheets_atomic(workbook, [OutputSheet("X", frame), OutputSheet("x", frame)])
    with pytest.raises(ValueError, match="unknown formats"):
        write_sheets_atomic(workbook, [OutputSheet("X", frame, formats={"a": "money"})])
    with pytest.raises(ValueError, match="different destination"):
        replace_sheets(workbook, workbook, [OutputSheet("X", frame)])


def test_empty_frames(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    replace_sheets(
        workbook,
        out,
        [OutputSheet("Nothing", pd.DataFrame()), OutputSheet("Header only", pd.DataFrame(columns=["a", "b"]))],
    )
    assert calamine_rows(out, "Header only") == [["a", "b"]]
    assert openpyxl.load_workbook(out).sheetnames[-2:] == ["Nothing", "Header only"]
