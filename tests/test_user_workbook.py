"""Writing into a user's workbook leaves their sheets, permissions, links and editors alone (issue 21;
SECURITY.md "Your sheets, permissions, links and editors are respected", docs/workbook-writing.md
"Which sheets are closekit's")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from closekit import api
from closekit.core import findings as fnd
from closekit.errors import InputError, WorkbookInUse
from closekit.samples import company as sample
from closekit.sheetio import xlsx_package
from closekit.sheetio.base import OutputSheet
from closekit.sheetio.files import FileWorkbook, laid_out_as, read_only
from closekit.sheetio.xlsx_package import WorkbookPackageError, write_sheets_atomic
from closekit.workbook import closesheet, outputs
from xlsx_fixtures import rewrite, text

TB = pd.DataFrame({"Account": ["1000", "2000"], "Name": ["Bank", "Payables"], "Closing": [10, -10]})


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "closekit.cli", *args], capture_output=True, text=True, timeout=180)


def own_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def cells(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [tuple(c.value for c in row) for row in wb[sheet].iter_rows()]


def marker_names(path: Path) -> list[tuple[str, str]]:
    """(localSheetId, formula) of each closekit marker in workbook.xml."""
    return re.findall(
        r'<definedName name="_closekit\.sheet" localSheetId="(\d+)" hidden="1">([^<]*)</definedName>',
        text(path, "xl/workbook.xml"),
    )


# ----------------------------------------------------------------------------- 1. whose sheets
def test_a_users_own_sheet_with_an_output_name_is_left_alone_and_the_output_goes_beside_it(tmp_path):
    path = own_workbook(tmp_path / "own.xlsx", {"TrialBalance": [["My figures", "Q3"], [1, 2]]})
    FileWorkbook(path).write_sheets([outputs.findings_sheet(fnd.frame()), OutputSheet("TrialBalance", TB)])
    assert cells(path, "TrialBalance") == [("My figures", "Q3"), (1, 2)]
    book = FileWorkbook(path)
    assert book.sheet_names() == ["TrialBalance", "Findings", "TrialBalance (closekit)"]
    assert book.read_sheet("TrialBalance (closekit)").frame["Account"].tolist() == ["1000", "2000"]
    found = book.read_sheet("Findings").frame
    assert found["Code"].tolist() == ["sheet-not-closekits"]
    assert found["Where"].tolist() == ["TrialBalance (closekit)"]
    assert "'TrialBalance'" in found["Message"].iloc[0] and "left it as it is" in found["Message"].iloc[0]
    # the next run writes into closekit's sheet again, and the user's stays as it is
    FileWorkbook(path).write_sheets([OutputSheet("TrialBalance", TB.head(1))])
    book = FileWorkbook(path)
    assert book.sheet_names() == ["TrialBalance", "Findings", "TrialBalance (closekit)"]
    assert len(book.read_sheet("TrialBalance (closekit)")) == 1
    assert cells(path, "TrialBalance") == [("My figures", "Q3"), (1, 2)]


def test_every_output_sheet_carries_the_marker_and_a_marked_sheet_is_closekits_whatever_its_header(tmp_path):
    path = own_workbook(tmp_path / "own.xlsx", {"Data": [["x"]]})
    FileWorkbook(path).write_sheets([OutputSheet("TrialBalance", TB), OutputSheet("Empty", pd.DataFrame())])
    assert marker_names(path) == [("1", "'TrialBalance'!$A$1"), ("2", "'Empty'!$A$1")]
    assert xlsx_package.workbook_facts(path).marked == {"trialbalance", "empty"}
    # the user retitles a column: still closekit's sheet (the marker decides), replaced in place
    wb = openpyxl.load_workbook(path)
    wb["TrialBalance"]["A1"] = "Konto"
    wb.save(path)
    assert marker_names(path)  # openpyxl keeps sheet-local names too
    FileWorkbook(path).write_sheets([OutputSheet("TrialBalance", TB)])
    book = FileWorkbook(path)
    assert book.sheet_names() == ["Data", "TrialBalance", "Empty"]
    assert book.read_sheet("TrialBalance").columns == ["Account", "Name", "Closing"]
    assert len(marker_names(path)) == 2  # writing again adds no second marker


def test_an_unmarked_sheet_laid_out_as_closekits_output_is_replaced_and_marked(tmp_path):
    """A workbook written before the marker existed: its output sheets are closekit's by their header."""
    path = own_workbook(tmp_path / "old.xlsx", {"Data": [["x"]], "TrialBalance": [["Account", "Name"], ["9", "Old"]]})
    assert not marker_names(path)
    FileWorkbook(path).write_sheets([OutputSheet("TrialBalance", TB)])
    book = FileWorkbook(path)
    assert book.sheet_names() == ["Data", "TrialBalance"]
    assert book.read_sheet("TrialBalance").frame["Account"].tolist() == ["1000", "2000"]
    assert marker_names(path) == [("1", "'TrialBalance'!$A$1")]


def test_laid_out_as_closekits_output():
    columns = ["Account", "Name", "Closing", "Currency"]
    assert laid_out_as(["Account", "Name", "Closing", "Currency"], columns)
    assert laid_out_as(["Account", "Name", "Currency", ""], columns)  # an older closekit wrote fewer
    assert not laid_out_as(["Name", "Account"], columns)  # another order
    assert not laid_out_as(["Account", "Name", "My note"], columns)  # a column closekit never wrote
    assert not laid_out_as(["Account"], columns)
    assert not laid_out_as([], columns)


def test_a_users_own_runlog_is_left_alone_and_the_chain_lives_beside_it(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    wb = openpyxl.load_workbook(workbook)
    wb.create_sheet("RunLog").append(["Date", "What I did"])
    wb["RunLog"].append(["2026-10-01", "called the bank"])
    wb.save(workbook)
    for _ in range(2):
        done = run("validate", str(workbook))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "The sheet 'RunLog' is yours, not closekit's" in done.stdout
        assert "'RunLog (closekit)'" in done.stdout
    assert cells(workbook, "RunLog") == [("Date", "What I did"), ("2026-10-01", "called the bank")]
    book = FileWorkbook(workbook)
    log = book.read_sheet("RunLog (closekit)")
    assert len(log) == 2 and log.frame["PreviousHash"].iloc[0] == outputs.GENESIS
    assert "sheet-not-closekits" in book.read_sheet("Findings").frame["Code"].tolist()
    done = run("verify-log", str(workbook))
    assert done.returncode == 0 and "2 rows" in done.stdout.replace("\n", " "), done.stdout


def test_a_users_own_findings_sheet_gets_the_finding_beside_it(tmp_path):
    path = own_workbook(tmp_path / "own.xlsx", {"Findings": [["Who", "What"], ["me", "call the bank"]]})
    FileWorkbook(path).write_sheets([outputs.findings_sheet(fnd.frame())])
    assert cells(path, "Findings") == [("Who", "What"), ("me", "call the bank")]
    found = FileWorkbook(path).read_sheet("Findings (closekit)").frame
    assert found[["Code", "Where"]].values.tolist() == [["sheet-not-closekits", "Findings (closekit)"]]


def test_the_header_check_reads_row_one_only(tmp_path, monkeypatch):
    path = own_workbook(
        tmp_path / "old.xlsx", {"TrialBalance": [["Account", "Name"], *[[str(i), "x"] for i in range(50)]]}
    )
    book = FileWorkbook(path)
    monkeypatch.setattr(book, "read_sheet", lambda name: pytest.fail("the whole sheet was read"))
    assert book.output_target("TrialBalance", ["Account", "Name", "Closing"]) == "TrialBalance"
    assert book.output_target("Flux", ["Account"]) == "Flux"


def test_the_templates_close_sheet_and_dashboard_are_marked_by_the_first_close(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    assert xlsx_package.workbook_facts(workbook).marked == set()
    api.write_close(api.close(workbook))
    facts = xlsx_package.workbook_facts(workbook)
    assert {"close", "dashboard", "findings", "runlog", "trialbalance"} <= facts.marked
    # now the marker decides: a translated label does not make the Close sheet the user's
    wb = openpyxl.load_workbook(workbook)
    wb["Close"]["A4"] = "Stand"
    wb.save(workbook)
    api.write_validation(api.validate(workbook))
    assert cells(workbook, "Close")[3][1].startswith("validate: ")


def test_a_users_own_close_sheet_is_never_written(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    wb = openpyxl.load_workbook(workbook)
    del wb["Close"]
    mine = wb.create_sheet("Close", 0)
    for row in range(1, 10):
        mine.append([f"my label {row}", f"my value {row}"])
    wb.save(workbook)
    before = cells(workbook, "Close")
    done = run("validate", str(workbook))
    assert done.returncode == 0, done.stdout + done.stderr
    assert cells(workbook, "Close") == before
    assert "Findings" in FileWorkbook(workbook).sheet_names()


def test_the_templates_close_sheet_is_closekits_by_its_layout(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    book = FileWorkbook(workbook)
    assert closesheet.is_closekits(book, "Close")
    front = closesheet.updates(book, command="validate", period="2026-10", counts={}, now=pd.Timestamp.now("UTC"))
    assert set(front["Close"]) == set(closesheet.CELLS.values())
    other = FileWorkbook(own_workbook(tmp_path / "own.xlsx", {"Close": [["Period"], ["x"]]}))
    assert not closesheet.is_closekits(other, "Close")
    assert closesheet.updates(other, command="validate", period="", counts={}, now=pd.Timestamp.now("UTC")) == {}


# ----------------------------------------------------------------------------- 2. permissions, links, editors
def test_a_read_only_workbook_is_refused_and_left_untouched(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    before = workbook.read_bytes()
    workbook.chmod(0o444)
    assert read_only(workbook)  # decided by the file's mode bits: root too (os.access says True for root)
    done = run("validate", str(workbook))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "read-only" in done.stderr and "Traceback" not in done.stderr
    assert workbook.read_bytes() == before
    assert oct(workbook.stat().st_mode & 0o777) == "0o444"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".~closekit")) == []
    workbook.chmod(0o644)
    assert read_only(workbook) is None
    assert run("validate", str(workbook)).returncode == 0


def test_the_package_writer_refuses_a_read_only_file_and_writes_through_a_link(tmp_path):
    path = data_workbook(tmp_path / "book.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(path)
    path.chmod(0o400)
    before = path.read_bytes()
    with pytest.raises(PermissionError):
        write_sheets_atomic(link, [OutputSheet("TrialBalance", TB)])
    assert path.read_bytes() == before
    path.chmod(0o600)
    write_sheets_atomic(link, [OutputSheet("TrialBalance", TB)])
    assert link.is_symlink() and "TrialBalance" in FileWorkbook(path).sheet_names()
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_symbolic_link_is_written_through_to_the_real_workbook(tmp_path):
    (tmp_path / "data").mkdir()
    real = sample.write(tmp_path / "data" / "close.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    done = run("validate", str(link))
    assert done.returncode == 0, done.stdout + done.stderr
    assert link.is_symlink() and os.path.realpath(link) == str(real)
    assert "Findings" in FileWorkbook(real).sheet_names()
    assert not any(p.name.startswith(".~closekit") for p in tmp_path.iterdir())


def test_a_workbook_open_in_libreoffice_is_not_written(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    (tmp_path / ".~lock.close.xlsx#").write_text(
        ",someone,host,03.12.2026 13:00,file:///home/someone/.config/libreoffice/4;"
    )
    before = workbook.read_bytes()
    done = run("validate", str(workbook))
    assert done.returncode == 2 and "open in LibreOffice" in done.stderr, done.stderr
    assert workbook.read_bytes() == before


def test_the_lock_file_beside_the_real_file_of_a_link_counts_too(tmp_path):
    (tmp_path / "data").mkdir()
    real = sample.write(tmp_path / "data" / "close.xlsx")
    link = tmp_path / "mine.xlsx"
    link.symlink_to(real)
    (tmp_path / "data" / "~$close.xlsx").write_bytes(b"owner")
    book = FileWorkbook(link)
    with pytest.raises(WorkbookInUse, match="open in Excel"):
        book.write_sheets([OutputSheet("TrialBalance", TB)])


def protect_structure(path: Path) -> None:
    wbx = re.sub(r"<workbookProtection\s*/>", "", text(path, "xl/workbook.xml"))  # openpyxl writes an empty one
    at = wbx.index("<bookViews")
    rewrite(path, {"xl/workbook.xml": (wbx[:at] + '<workbookProtection lockStructure="1"/>' + wbx[at:]).encode()})


def test_a_workbook_whose_structure_is_protected_gets_no_new_sheet(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    protect_structure(workbook)
    before = workbook.read_bytes()
    done = run("validate", str(workbook))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "structure is protected" in done.stderr and "lockStructure" in done.stderr
    assert "Findings" in done.stderr and "Traceback" not in done.stderr
    assert workbook.read_bytes() == before
    assert xlsx_package.workbook_facts(workbook).structure_locked


def test_under_structure_protection_existing_output_sheets_are_still_replaced(tmp_path):
    path = own_workbook(tmp_path / "own.xlsx", {"Data": [["x"]]})
    FileWorkbook(path).write_sheets([OutputSheet("TrialBalance", TB)])
    protect_structure(path)
    FileWorkbook(path).write_sheets([OutputSheet("TrialBalance", TB.head(1))])  # no sheet added: Excel allows it
    assert len(FileWorkbook(path).read_sheet("TrialBalance")) == 1
    with pytest.raises(InputError, match="lockStructure"):
        FileWorkbook(path).write_sheets([OutputSheet("Flux", TB)])


# ----------------------------------------------------------------------------- 3. packages calamine refuses
def data_workbook(path: Path) -> Path:
    return own_workbook(path, {"Data": [["a", "b"], [1, 2]]})


def with_macro_sheet(path: Path) -> Path:
    """An .xlsm with an Excel 4.0 macro sheet (python-calamine: "Unrecognized sheet type")."""
    data_workbook(path)
    wbx = text(path, "xl/workbook.xml").replace("</sheets>", '<sheet name="Macro1" sheetId="9" r:id="rId99"/></sheets>')
    rels = text(path, "xl/_rels/workbook.xml.rels").replace(
        "</Relationships>",
        '<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" '
        'Target="macrosheets/sheet1.xml"/></Relationships>',
    )
    ct = text(path, "[Content_Types].xml").replace(
        "</Types>",
        '<Override PartName="/xl/macrosheets/sheet1.xml" '
        'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>',
    )
    macro = (
        b'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1">'
        b"<f>RETURN()</f></c></row></sheetData></xm:macrosheet>"
    )
    rewrite(
        path,
        {
            "xl/workbook.xml": wbx.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "[Content_Types].xml": ct.encode(),
            "xl/macrosheets/sheet1.xml": macro,
        },
    )
    return path


def with_empty_rid(path: Path) -> Path:
    """A <sheet> whose r:id is empty (python-calamine: "Relationship not found"; openpyxl skips it)."""
    data_workbook(path)
    wbx = text(path, "xl/workbook.xml").replace("</sheets>", '<sheet name="Ghost" sheetId="9" r:id=""/></sheets>')
    rewrite(path, {"xl/workbook.xml": wbx.encode()})
    return path


@pytest.mark.parametrize("make", [with_macro_sheet, with_empty_rid], ids=["macro-sheet", "empty-rid"])
def test_valid_packages_calamine_refuses_are_read_with_openpyxl_and_written(tmp_path, make):
    path = make(tmp_path / ("book.xlsm" if make is with_macro_sheet else "book.xlsx"))
    book = FileWorkbook(path)
    assert book.read_sheet("Data").frame.to_dict("records") == [{"a": 1, "b": 2}]
    book.write_sheets([OutputSheet("TrialBalance", TB)])
    again = FileWorkbook(path)
    assert "TrialBalance" in again.sheet_names()
    assert again.read_sheet("TrialBalance").frame["Account"].tolist() == ["1000", "2000"]
    if make is with_macro_sheet:
        assert "xl/macrosheets/sheet1.xml" in zipfile.ZipFile(path).namelist()


def test_the_openpyxl_fallback_runs_after_the_same_safety_scan(tmp_path):
    path = with_macro_sheet(tmp_path / "bomb.xlsm")
    styles = text(path, "xl/styles.xml")
    bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    at = styles.index("<styleSheet")
    rewrite(path, {"xl/styles.xml": (styles[:at] + bomb + styles[at:]).encode()})
    with pytest.raises(InputError, match="DTD or entities"):
        FileWorkbook(path)


def test_an_empty_styles_part_is_extended_like_a_missing_one(tmp_path):
    path = data_workbook(tmp_path / "book.xlsx")
    empty = b'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    rewrite(path, {"xl/styles.xml": empty})
    write_sheets_atomic(path, [OutputSheet("TrialBalance", TB, formats={"Closing": "amount"})])
    styles = text(path, "xl/styles.xml")
    assert "<cellXfs" in styles and "<fonts" in styles
    wb = openpyxl.load_workbook(path)
    assert wb["TrialBalance"]["C2"].number_format == "#,##0.00"
    assert wb["TrialBalance"]["A1"].font.b


def test_content_types_name_no_removed_part(tmp_path):
    """LibreOffice lists every part in [Content_Types].xml, the sheets' .rels parts too: replacing
    such a sheet rewrites its .rels part (now naming only the output's table), and every Override
    names a part that is there."""
    path = own_workbook(tmp_path / "lo.xlsx", {"Data": [["x"]], "TrialBalance": [["Account", "Name"], ["9", "x"]]})
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/hyperlink" Target="https://example.com" TargetMode="External"/></Relationships>'
    )
    ct = text(path, "[Content_Types].xml").replace(
        "</Types>",
        '<Override PartName="/xl/worksheets/_rels/sheet2.xml.rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>',
    )
    rewrite(path, {"[Content_Types].xml": ct.encode(), "xl/worksheets/_rels/sheet2.xml.rels": rels})
    write_sheets_atomic(path, [OutputSheet("TrialBalance", TB)])
    with zipfile.ZipFile(path) as z:
        names = {"/" + n.lower() for n in z.namelist()}
        overrides = re.findall(r'PartName="([^"]+)"', z.read("[Content_Types].xml").decode())
        sheet_rels = z.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
    assert "example.com" not in sheet_rels and "/table" in sheet_rels
    assert all(o.lower() in names for o in overrides), overrides
    openpyxl.load_workbook(path)


def fake_xlsb(path: Path) -> Path:
    ct = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.'
        'main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
        "</Types>"
    )
    root = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", root)
        z.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01\x00\x00\x00" * 16)
    return path


def test_a_binary_workbook_renamed_xlsx_is_named_as_such(tmp_path):
    path = fake_xlsb(tmp_path / "close.xlsx")
    with pytest.raises(InputError, match="binary workbook") as read_error:
        FileWorkbook(path)
    assert "well-formed" not in str(read_error.value)
    with pytest.raises(WorkbookPackageError, match="binary workbook"):
        write_sheets_atomic(path, [OutputSheet("TrialBalance", TB)])
    done = run("validate", str(path))
    assert done.returncode == 2 and "binary workbook" in done.stderr and "Traceback" not in done.stderr
