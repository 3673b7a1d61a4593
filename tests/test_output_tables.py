"""Output sheets as Excel tables, printable and formatted (docs/workbook-writing.md "Layout"): the
table parts, their names and ids, print setup, formats, Findings links and where new outputs go."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

from closekit.core import accel
from closekit.sheetio.files import FileWorkbook
from closekit.sheetio.xlsx_package import OutputSheet, replace_sheets, write_sheets_atomic
from closekit.sheetio.xlsx_table import table_name


def parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist()}


def user_workbook(path: Path) -> Path:
    """Close, Dashboard, a Settings sheet with a user table named ``Findings``, Help with a print area."""
    wb = openpyxl.Workbook()
    wb.active.title = "Close"
    wb.create_sheet("Dashboard")["A1"] = "Close dashboard"
    settings = wb.create_sheet("Settings")
    settings.append(["Setting", "Value"])
    settings.append(["Company", "Acme"])
    settings.add_table(Table(displayName="Findings", ref="A1:B2"))
    help_ = wb.create_sheet("Help")
    help_["A1"] = "How to"
    help_.print_area = "A1:B9"
    wb.defined_names["Rate"] = DefinedName("Rate", attr_text="Settings!$B$2")
    wb.save(path)
    return path


def findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Severity": ["error", "warning"],
            "Code": ["bad-value", "x"],
            "Where": ["Settings", "ledger.csv"],
            "Row": [2, 7],
            "Column": ["Value", "Amount"],
            "Message": ["A long explanation " * 8, "short"],
            "Fix": ["Type a number.", ""],
        }
    )


def test_each_output_is_a_table_with_a_unique_name_and_id(tmp_path):
    path = user_workbook(tmp_path / "close.xlsx")
    before = parts(path)
    tb = pd.DataFrame({"Account": ["1000", "Total assets"], "Amount": [Decimal("10.50"), Decimal("10.50")]})
    write_sheets_atomic(path, [OutputSheet("Findings", findings()), OutputSheet("TrialBalance", tb)])
    write_sheets_atomic(path, [OutputSheet("Findings", findings()), OutputSheet("TrialBalance", tb)])  # again
    after = parts(path)
    tables = {n: t for n, t in after.items() if n.startswith("xl/tables/")}
    assert len(tables) == 3  # the user's and one per output: the replaced outputs' old tables are gone
    user = next(n for n in before if n.startswith("xl/tables/"))
    assert after[user] == before[user]  # the user's table is kept as it was
    names = [re.search(r' name="([^"]+)"', t)[1] for t in tables.values()]
    ids = [re.search(r' id="(\d+)"', t)[1] for t in tables.values()]
    assert sorted(names) == ["Findings", "Findings_2", "TrialBalance"] and len(set(ids)) == 3
    for part in tables:
        assert f'PartName="/{part}"' in after["[Content_Types].xml"]
    overrides = re.findall(r'PartName="/([^"]+)"', after["[Content_Types].xml"])
    assert all(o in after for o in overrides)  # no content type names a part that is gone
    book = openpyxl.load_workbook(path)
    assert list(book["Settings"].tables) == ["Findings"]
    table = book["TrialBalance"].tables["TrialBalance"]
    assert table.ref == "A1:B3" and table.tableStyleInfo.name == "TableStyleMedium2"
    assert [c.name for c in table.tableColumns] == ["Account", "Amount"]
    assert book["TrialBalance"].auto_filter.ref is None  # the table carries the filter
    assert "Rate" in book.defined_names


def test_table_names_are_valid_excel_names():
    assert table_name("TrialBalance", []) == "TrialBalance"
    assert table_name("TrialBalance (closekit)", []) == "TrialBalance__closekit_"
    assert table_name("TB1", []) == "tbl_TB1"  # a cell reference is no name
    assert table_name("R1C1", []) == "tbl_R1C1" and table_name("2026 P&L", []) == "tbl_2026_P_L"
    assert table_name("Findings", ["findings", "FINDINGS_2"]) == "Findings_3"


def test_empty_output_and_repeated_headers(tmp_path):
    path = user_workbook(tmp_path / "close.xlsx")
    empty = pd.DataFrame({"Account": pd.Series([], dtype=object)})
    twice = pd.DataFrame([[1, 2]], columns=["A", "a"])  # Excel's table columns ignore case
    write_sheets_atomic(path, [OutputSheet("Empty", empty), OutputSheet("Twice", twice)])
    book = openpyxl.load_workbook(path)
    assert book["Empty"].tables["Empty"].ref == "A1:A2"  # a table has a data row, even an empty one
    assert not book["Twice"].tables and book["Twice"].auto_filter.ref == "A1:B2"


def test_print_setup_of_every_output(tmp_path):
    path = user_workbook(tmp_path / "close.xlsx")
    wide = pd.DataFrame({f"Column{i}": ["x" * 20] for i in range(8)})
    write_sheets_atomic(
        path,
        [
            OutputSheet("Findings", findings(), company="Acme & Sons", period="2026-10"),
            OutputSheet("Wide", wide, company="Acme & Sons", period="2026-10"),
            OutputSheet("Narrow", pd.DataFrame({"A": [1]})),
        ],
    )
    book = openpyxl.load_workbook(path)
    for name in ("Findings", "Wide", "Narrow"):
        ws = book[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$1"
        assert ws.oddFooter.center.text == "Page &P of &N"
    assert book["Wide"].page_setup.orientation == "landscape"
    assert book["Narrow"].page_setup.orientation == "portrait"
    header = book["Findings"].oddHeader
    assert header.left.text == "Acme && Sons" and header.right.text == "2026-10"  # & doubled: not a code
    assert "Findings" in header.center.text
    assert book["Findings"].print_area == "'Findings'!$A$1:$G$3"
    assert book["Help"].print_area == "'Help'!$A$1:$B$9"  # the user's own print area, kept on its sheet


def test_formats_follow_the_columns(tmp_path):
    path = user_workbook(tmp_path / "close.xlsx")
    flux = pd.DataFrame(
        {
            "Account": ["4000"],
            "Posted": [dt.date(2026, 10, 31)],
            "When": [dt.datetime(2026, 10, 31, 8, 30)],
            "Variance %": [Decimal("12.5")],
            "RowHash": ["ab" * 32],
        }
    )
    write_sheets_atomic(path, [OutputSheet("Flux", flux), OutputSheet("Findings", findings())])
    book = openpyxl.load_workbook(path)
    ws = book["Flux"]
    assert ws["B2"].number_format == "yyyy-mm-dd" and ws["C2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["D2"].number_format == '0.0"%"' and ws["D2"].value == 12.5  # the percentage, kept as it was
    assert ws["D1"].alignment.horizontal == "right" and ws["A1"].alignment.horizontal is None
    assert ws["E2"].value == "ab" * 32 and ws.column_dimensions["E"].width == 14  # narrow, value whole
    assert ws["E2"].alignment.horizontal == "fill"  # cut at the cell's edge: no spill over the next cells
    f = book["Findings"]
    assert f["F2"].alignment.wrap_text and f["G2"].alignment.wrap_text and not f["A2"].alignment.wrap_text
    assert f.column_dimensions["F"].width == 60


def test_rows_of_wrapped_text_are_tall_enough_to_show_it(tmp_path):
    """A Findings message of 152 characters wraps to 3 lines of the 60-wide Message column: its row
    is 3 lines tall (Excel and LibreOffice keep the default height otherwise and cut it off)."""
    path = user_workbook(tmp_path / "close.xlsx")
    frame = findings()
    frame.loc[1, "Fix"] = "First step.\nSecond step.\nThird step.\nFourth step."  # 4 paragraphs, 4 lines
    write_sheets_atomic(path, [OutputSheet("Findings", frame)])
    ws = openpyxl.load_workbook(path)["Findings"]
    assert len(frame.loc[0, "Message"]) == 152
    assert ws.row_dimensions[2].height == 45 and ws.row_dimensions[2].customHeight
    assert ws.row_dimensions[3].height == 60
    assert ws.row_dimensions[1].height is None  # the header keeps the default
    with accel.disabled():  # the same heights without pyarrow's row builder
        write_sheets_atomic(path, [OutputSheet("Findings", frame)])
    again = openpyxl.load_workbook(path)["Findings"]
    assert [again.row_dimensions[r].height for r in (2, 3)] == [45, 60]
    flux = pd.DataFrame({"Account": ["4000"], "Text": ["x" * 200]})  # no wrapped column: no heights
    write_sheets_atomic(path, [OutputSheet("Flux", flux)])
    assert openpyxl.load_workbook(path)["Flux"].row_dimensions[2].height is None


def test_findings_link_to_the_cells_they_name(tmp_path):
    path = user_workbook(tmp_path / "close.xlsx")
    FileWorkbook(path).write_sheets([OutputSheet("Findings", findings())])
    ws = openpyxl.load_workbook(path)["Findings"]
    assert ws["C2"].hyperlink.location == "'Settings'!B2"  # Where + Row + Column
    assert ws["C3"].hyperlink is None  # ledger.csv is no sheet of the workbook
    assert ws["C2"].value == "Settings"


def test_new_outputs_go_after_the_front_pages(tmp_path):
    path = user_workbook(tmp_path / "close.xlsx")
    FileWorkbook(path).write_sheets(
        [OutputSheet("Findings", findings()), OutputSheet("RunLog", pd.DataFrame({"A": [1]}))]
    )
    FileWorkbook(path).write_sheets([OutputSheet("TrialBalance", pd.DataFrame({"A": [1]}))])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Close", "Dashboard", "Findings", "RunLog", "TrialBalance", "Settings", "Help"]
    assert book["Help"].print_area == "'Help'!$A$1:$B$9"  # sheet-local names moved with their sheet
    assert book["TrialBalance"].print_title_rows == "$1:$1"


def test_the_default_still_appends_at_the_end(tmp_path):
    src = user_workbook(tmp_path / "close.xlsx")
    out = tmp_path / "out.xlsx"
    replace_sheets(src, out, [OutputSheet("Findings", findings())])
    assert openpyxl.load_workbook(out).sheetnames[-1] == "Findings"


def test_totals_rows_are_bold(tmp_path):
    path = user_workbook(tmp_path / "close.xlsx")
    statement = pd.DataFrame(
        {
            "StatementLine": ["Cash", "Cash", ""],
            "Account": ["1100", "", ""],
            "Name": ["Bank", "Total Cash", "Total assets"],
            "Amount": [Decimal("10.00"), Decimal("10.00"), Decimal("10.00")],
        }
    )
    write_sheets_atomic(path, [OutputSheet("BalanceSheet", statement), OutputSheet("Plain", pd.DataFrame({"A": [1]}))])
    styles = parts(path)["xl/styles.xml"]
    write_sheets_atomic(path, [OutputSheet("BalanceSheet", statement)])
    assert parts(path)["xl/styles.xml"] == styles  # the bold format is reused, not added again
    book = openpyxl.load_workbook(path)
    (rule_range,) = book["BalanceSheet"].conditional_formatting
    assert str(rule_range.sqref) == "A2:D4"
    (rule,) = rule_range.rules
    assert rule.formula == ['LEFT($C2,5)="Total"'] and rule.dxf.font.b
    assert not list(book["Plain"].conditional_formatting)


def test_a_statements_totals_are_bold_by_their_kind_and_its_names_indented_by_level(tmp_path):
    """Issue 18 item 1: a German statement's "Summe ..." and an income statement's "Gross profit" are
    totals too (Kind), and each Name stands indented under its total by its Level, as printed."""
    path = user_workbook(tmp_path / "close.xlsx")
    statement = pd.DataFrame(
        {
            "StatementLine": ["Umlaufvermögen", "Umlaufvermögen", "Aktiva"],
            "Account": ["1100", "", ""],
            "Name": ["Bank", "Summe Umlaufvermögen", "Summe Aktiva"],
            "Amount": [Decimal("10.00"), Decimal("10.00"), Decimal("10.00")],
            "Level": [2, 1, 0],
            "Kind": ["Account", "Total", "Total"],
        }
    )
    sheet = OutputSheet("BalanceSheet", statement, indents={"Name": statement["Level"]})
    write_sheets_atomic(path, [sheet])
    book = openpyxl.load_workbook(path)
    ws = book["BalanceSheet"]
    (rule_range,) = ws.conditional_formatting
    (rule,) = rule_range.rules
    assert rule.formula == ['$F2="Total"'] and rule.dxf.font.b  # no "Total" text: the Kind says it
    assert [ws.cell(r, 3).alignment.indent for r in (2, 3, 4)] == [2, 1, 0]
    assert ws["C2"].alignment.horizontal == "left" and ws["C2"].value == "Bank"  # the text itself unchanged
    assert ws["A2"].alignment.indent == 0  # only the column asked for
    # Kind, text right of Level's numbers, stands apart from them (header too, still bold)
    assert ws["F2"].alignment.indent == 1 == ws["F1"].alignment.indent and ws["F1"].font.b
    assert ws["B2"].alignment.indent == 0  # Account: text right of text
    assert ws["E1"].alignment.horizontal == "right"  # Level: numbers right of numbers keep their header's side
    plain = openpyxl.load_workbook(write_sheets_atomic_copy(tmp_path, statement))["BalanceSheet"]
    assert ws.column_dimensions["C"].width > plain.column_dimensions["C"].width  # room for the indentation


def write_sheets_atomic_copy(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = user_workbook(tmp_path / "plain.xlsx")
    write_sheets_atomic(path, [OutputSheet("BalanceSheet", frame)])
    return path


def test_a_long_statement_title_prints_whole_and_a_too_long_one_is_cut_at_a_word():
    from closekit.sheetio.xlsx_table import header_footer

    title = "Contoso Trading NL — Income statement 01 Oct 2026 – 31 Oct 2026 (year to date from 01 Jan 2026) — EUR"
    left, centre, right, _ = header_footer(title, "Contoso Trading NL", "2026-10")
    assert centre == "&B" + title  # 103 characters: whole, where 80 were cut before
    left, centre, right, _ = header_footer("Word " * 80, "A & B " * 20, "2026-10")
    assert len(f"&L{left}&C{centre}&R{right}") <= 255  # Excel's limit for a header
    assert centre.endswith("Word…") and left.endswith("…") and "&&" in left


def test_a_hash_written_into_a_users_sheet_does_not_spill(tmp_path):
    """The Checklist's sign-off hashes: an unformatted cell gets the Fill alignment (cut at its
    edge), a formatted one keeps its style, and a text that is no hash the Text style."""
    path = user_workbook(tmp_path / "close.xlsx")
    digest = "0123456789abcdef" * 4
    write_sheets_atomic(path, [], updates={"Settings": {"C2": digest, "D2": "plain text"}})
    ws = openpyxl.load_workbook(path)["Settings"]
    assert ws["C2"].value == digest and ws["C2"].alignment.horizontal == "fill"
    assert ws["D2"].value == "plain text" and ws["D2"].alignment.horizontal is None
