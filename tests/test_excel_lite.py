"""The xlwings Lite scripts give the same workbook as the command line, without Excel.

Each test builds a close workbook whose ledger is pasted into LedgerImport (as a Lite user does),
runs a script of ``addin/lite/main.py`` through xlwings' JSON engine (tests/lite_harness.py),
applies the actions it returns to a copy of the file as Excel would, and compares every sheet with
what the file adapter writes for the same inputs (the code ``closekit close`` runs), sheet by
sheet and cell by cell. Only the run's clock, user and input hashes differ.

xlwings' JSON engine is in its ``pro`` folder (PolyForm Noncommercial): the fixture sets
``XLWINGS_LICENSE_KEY=noncommercial`` for these tests only (CONTRIBUTING.md).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from closekit import api, excelapp
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.sources import tables
from closekit.workbook import closesheet, template
from lite_harness import apply_actions, payload, run_script

REPO = Path(__file__).resolve().parents[1]
INJECTION = "=cmd|' /C calc'!A0"
TIMED = {"Checklist": {"Completed"}, "RunLog": {"TimeUTC", "Command", "User", "InputHashes", "PreviousHash", "RowHash"}}


@pytest.fixture
def lite(monkeypatch):
    """addin/lite/main.py, loaded the way xlwings Lite loads it (xlwings' server-side ``script``)."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
    import xlwings
    import xlwings.server

    if xlwings.script is not xlwings.server.script:  # imported before the variable was set
        importlib.reload(xlwings)
    spec = importlib.util.spec_from_file_location("closekit_lite_main", REPO / "addin/lite/main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lite_workbook(folder: Path, ledger: list[list[object]], journal: list[list[object]] | None = None) -> Path:
    """The sample company's workbook with no Sources: the ledger pasted into LedgerImport."""
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["LedgerImport"] = [sample.HEADER, *ledger]
    if journal:
        rows["JournalImport"] = [sample.HEADER, *journal]
    return template.write(folder / "close.xlsx", rows, force=True)


def cells(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's values as closekit reads them (calamine), trailing blanks trimmed."""
    book = tables.open_workbook(path.read_bytes(), path.name)
    out = {}
    for name in book.sheet_names:
        grid = [list(r) for r in book.read(name)]
        while grid and not any(tables.is_filled(c) for c in grid[-1]):
            grid.pop()
        width = max((max((j + 1 for j, c in enumerate(r) if tables.is_filled(c)), default=0) for r in grid), default=0)
        out[name] = [r[:width] + [""] * (width - len(r[:width])) for r in grid]
    return out


def masked(name: str, grid: list[list[object]]) -> list[list[object]]:
    """A sheet without the cells that hold the run's time, user or hashes."""
    if name == "Close":
        return [[("<time>" if (i, j) == (4, 1) else v) for j, v in enumerate(r)] for i, r in enumerate(grid)]
    if name == "Dashboard":  # the row labelled "Last run (UTC)" holds the run's time
        return [[r[0], "<time>", *r[2:]] if str(r[0]).startswith("Last run") else r for r in grid]
    drop = TIMED.get(name)
    if not drop or not grid:
        return grid
    keep = [j for j, h in enumerate(grid[0]) if h not in drop]
    return [[r[j] for j in keep] for r in grid]


def assert_same_workbook(excel: Path, file: Path) -> None:
    got, want = cells(excel), cells(file)
    assert list(got) == list(want), "the same sheets, in the same order"
    for name in want:
        assert masked(name, got[name]) == masked(name, want[name]), f"sheet {name} differs"


def through_lite(lite, script: str, path: Path, tmp_path: Path) -> tuple[Path, list[dict]]:
    actions = run_script(lite, script, path)
    return apply_actions(path, actions, tmp_path / f"excel-{script}.xlsx"), actions


def through_files(path: Path, tmp_path: Path, step: str) -> Path:
    out = tmp_path / f"file-{step}.xlsx"
    out.write_bytes(path.read_bytes())
    if step == "validate":
        api.write_validation(api.validate(FileWorkbook(out)), user="Excel")
    else:
        api.write_close(api.close(FileWorkbook(out)), user="Excel")
    return out


def findings_ledger() -> list[list[object]]:
    """The sample ledger with an unknown account and an unbalanced voucher."""
    rows = [list(r) for r in sample.ledger_rows()]
    account = sample.HEADER.index("Account")
    rows[3][account] = "9999"
    debit, amount = sample.HEADER.index("Debit"), sample.HEADER.index("AmountAccounting")
    if rows[5][debit] not in ("", None):
        rows[5][debit] = Decimal(str(rows[5][debit])) + 1
        rows[5][amount] = Decimal(str(rows[5][amount])) + 1
    return rows


def journal_with_injection() -> list[list[object]]:
    rows = [list(r) for r in sample.journal_rows()]
    text = sample.HEADER.index("Text")
    for row in rows:
        row[text] = INJECTION
    return rows


@pytest.mark.parametrize("script, step", [("validate", "validate"), ("run_close", "close")])
@pytest.mark.parametrize("case", ["sample", "findings"])
def test_lite_writes_what_the_command_line_writes(lite, tmp_path, script, step, case):
    ledger = sample.ledger_rows() if case == "sample" else findings_ledger()
    path = lite_workbook(tmp_path, ledger, sample.journal_rows())
    excel, _ = through_lite(lite, script, path, tmp_path)
    assert_same_workbook(excel, through_files(path, tmp_path, step))
    wb = openpyxl.load_workbook(excel)
    errors = any(r[0] == "Error" for r in cells(excel)["Findings"][1:])
    assert errors == (case == "findings")
    assert wb.active.title == ("Findings" if errors else "Close")


def test_findings_link_to_the_offending_cell(lite, tmp_path):
    path = lite_workbook(tmp_path, findings_ledger())
    excel, _ = through_lite(lite, "validate", path, tmp_path)
    wb = openpyxl.load_workbook(excel)
    findings = wb["Findings"]
    header = [c.value for c in findings[1]]
    rows = [
        dict(zip(header, [c.value for c in r], strict=True)) | {"_link": r[2].hyperlink}
        for r in findings.iter_rows(min_row=2)
    ]
    unknown = next(r for r in rows if r["Code"] == "unknown-account")
    assert unknown["Where"] == "LedgerImport" and unknown["Row"] == 5
    account_column = openpyxl.utils.get_column_letter(sample.HEADER.index("Account") + 1)
    assert unknown["_link"].location == f"LedgerImport!{account_column}5"
    assert all(r["_link"] is None for r in rows if r["Where"] not in wb.sheetnames)


def test_formula_text_in_a_journal_arrives_in_excel_as_text(lite, tmp_path):
    path = lite_workbook(tmp_path, sample.ledger_rows(), journal_with_injection())
    excel, actions = through_lite(lite, "run_close", path, tmp_path)
    sent = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row]
    assert "'" + INJECTION in sent and INJECTION not in sent  # the JSON action keeps the apostrophe
    wb = openpyxl.load_workbook(excel)
    outputs = [ws for ws in wb.worksheets if ws.title not in ("JournalImport",)]  # the input stays as pasted
    texts = [c for ws in outputs for row in ws.iter_rows() for c in row if c.value == INJECTION]
    assert texts, "the journal's text reached an output sheet"
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    formulas = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


@pytest.mark.parametrize("case", ["sample", "findings"])
def test_export_writes_the_upload_the_command_line_writes(lite, tmp_path, case):
    ledger = sample.ledger_rows() if case == "sample" else findings_ledger()
    path = lite_workbook(tmp_path, ledger, sample.journal_rows())
    closed, _ = through_lite(lite, "run_close", path, tmp_path)
    excel, _ = through_lite(lite, "export_upload", closed, tmp_path)
    upload = tmp_path / "upload.csv"
    command = [sys.executable, "-m", "closekit.cli", "export", str(closed), "--format", "generic", "--out", str(upload)]
    if case == "findings":  # issue 16 item 9: a close that ended with errors is not exported, in Excel either
        assert "Upload" not in cells(excel) and "refused" in cells(excel)["Close"][3][1]
        assert subprocess.run(command, capture_output=True).returncode == 1 and not upload.exists()
        assert subprocess.run([*command, "--force"], capture_output=True).returncode == 0
        assert len(excelapp.parse_upload(upload.read_bytes())) == 8  # forced: the adjustments and the manual accrual
        return
    run = subprocess.run(command, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    want = excelapp.parse_upload(upload.read_bytes())
    got = cells(excel)["Upload"]
    assert got == [r + [""] * (len(got[0]) - len(r)) for r in want]
    assert got[0][:2] == ["Journal", "Voucher"]
    assert len(got) == 8  # the revaluation and allocation lines and the sample's manual accrual, in both cases
    assert "ADJ-2026-10-01" in {row[1] for row in got}
    assert cells(excel)["Close"][3][1].startswith("export generic:")


def test_hold_puts_the_period_on_hold_and_never_over_errors(lite, tmp_path):
    clean = lite_workbook(tmp_path, sample.ledger_rows())
    held, _ = through_lite(lite, "hold_period", clean, tmp_path)
    periods = cells(held)["Periods"]
    assert [r[3] for r in periods if r[0] == sample.PERIOD] == ["On hold"]
    broken = tmp_path / "broken"
    broken.mkdir()
    refused, _ = through_lite(lite, "hold_period", lite_workbook(broken, findings_ledger()), broken)
    assert [r[3] for r in cells(refused)["Periods"] if r[0] == sample.PERIOD] == ["Open"]
    assert "never put on hold over errors" in cells(refused)["Close"][3][1]


def test_payload_is_what_the_adapter_reads_like_the_file_adapter(lite, tmp_path):
    import xlwings as xw

    from closekit.sheetio.excel import ExcelBook

    path = lite_workbook(tmp_path, sample.ledger_rows(), sample.journal_rows())
    wb = openpyxl.load_workbook(path)
    wb["LedgerImport"]["I3"].value = "#N/A"  # an error value where an amount belongs
    wb["LedgerImport"]["I3"].data_type = "e"
    wb.save(path)
    live, files = ExcelBook(xw.Book(json=payload(path))), FileWorkbook(path)
    assert live.read_sheet("LedgerImport").frame.loc[1, "Debit"] == "#N/A"
    for name in ("Settings", "Accounts", "Periods", "Rates", "LedgerImport", "JournalImport", "Checklist"):
        a, b = live.read_sheet(name), files.read_sheet(name)
        assert a.columns == b.columns and a.rows.tolist() == b.rows.tolist(), name
        assert a.frame.to_dict("list") == b.frame.to_dict("list"), name


def test_a_run_that_cannot_start_says_why_in_the_close_sheet(lite, tmp_path):
    path = lite_workbook(tmp_path, [["not", "a", "ledger"]])
    wb = openpyxl.load_workbook(path)
    wb.remove(wb["Settings"])
    wb.save(path)
    excel, _ = through_lite(lite, "export_upload", path, tmp_path)
    status = cells(excel)["Close"][3][1]
    assert "Settings" in status and "Traceback" not in status



def test_a_layout_step_this_excel_refuses_is_told_after_the_values(lite, tmp_path, monkeypatch):
    """An Excel that cannot freeze panes (AppleScript on a Mac, an older engine): the run's message,
    printed by Lite and shown in the classic add-in's status bar, says which look was not applied."""
    import xlwings as xw

    from closekit.sheetio import excel_layout

    def no_panes(sheet, api):
        raise NotImplementedError("freeze_panes")

    monkeypatch.setattr(excel_layout, "freeze_header", no_panes)
    path = sample.write(tmp_path / "close.xlsx")
    message = excelapp.run_close(xw.Book(json=payload(path)), folder=tmp_path)
    assert message.startswith("close: 0 errors")
    assert "Every value was written, but this Excel did not apply" in message
    assert "Findings: freeze header (NotImplementedError)" in message and "more" in message


def test_classic_add_in_path_reads_the_sources_files(lite, tmp_path):
    """The classic add-in's run (excelapp with the workbook's folder) on the sample company whose
    ledger and journal are files listed in Sources: the same sheets as the file adapter."""
    import xlwings as xw

    path = sample.write(tmp_path / "close.xlsx")
    book = xw.Book(json=payload(path))
    message = excelapp.run_close(book, folder=tmp_path)
    assert message.startswith("close: 0 errors")
    actions = book.json()["actions"]
    # live progress in the Close sheet's progress cell while the steps run (the last write wins)
    close_b9 = [
        a["values"][0][0]
        for a in actions
        if a["func"] == "setValues" and (a["sheet_position"], a["start_row"], a["start_column"]) == (0, 8, 1)
    ]
    assert "'running revaluation (3 of 9 steps done)" in close_b9  # texts go with the apostrophe
    assert close_b9[-1].startswith("'import ✓")  # the finished steps, written last
    excel = apply_actions(path, actions, tmp_path / "excel-classic.xlsx")
    assert_same_workbook(excel, through_files(path, tmp_path, "close"))
    exported = xw.Book(json=payload(excel))
    assert "upload-generic.csv" in excelapp.export_upload(exported, folder=tmp_path)
    assert (tmp_path / "upload-generic.csv").read_bytes().startswith(b"\xef\xbb\xbfJournal,Voucher")


def test_classic_entry_points_run_on_the_caller_book(lite, tmp_path, monkeypatch):
    """addin/classic/closekit_addin.py as RunPython calls it, on a real xlwings book (the JSON
    engine stands in for the Excel that ``Book.caller()`` would return)."""
    import xlwings as xw

    path = lite_workbook(tmp_path, sample.ledger_rows(), sample.journal_rows())
    book = xw.Book(json=payload(path))
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book))
    monkeypatch.syspath_prepend(str(REPO / "addin" / "classic"))
    addin = importlib.import_module("closekit_addin")
    assert addin.close().startswith("close: 0 errors")
    excel = apply_actions(path, book.json()["actions"], tmp_path / "classic.xlsx")
    assert_same_workbook(excel, through_files(path, tmp_path, "close"))


def test_an_output_longer_than_a_sheet_is_split_in_excel_too(lite, tmp_path, monkeypatch):
    """Excel's row limit through the live adapter: numbered sheets, as the file adapter writes
    them (tests/test_scale.py), never cut."""
    import xlwings as xw

    from closekit.sheetio import split
    from closekit.sheetio.base import OutputSheet
    from closekit.sheetio.excel import ExcelBook

    monkeypatch.setattr(split, "ROWS_PER_SHEET", 3)
    path = lite_workbook(tmp_path, sample.ledger_rows(), sample.journal_rows())
    report = pd.DataFrame({"Voucher": [f"V{i}" for i in range(1, 8)]})
    book = xw.Book(json=payload(path))
    ExcelBook(book).write_sheets([OutputSheet("GeneralJournal", report)])
    written = cells(apply_actions(path, book.json()["actions"], tmp_path / "excel.xlsx"))
    assert [r[0] for r in written["GeneralJournal"]] == ["Voucher", "V1", "V2", "V3"]
    assert [r[0] for r in written["GeneralJournal (2)"]] == ["Voucher", "V4", "V5", "V6"]
    assert [r[0] for r in written["GeneralJournal (3)"]] == ["Voucher", "V7"]


def test_the_sample_lite_close_shows_what_docs_excel_md_says(lite, tmp_path):
    """docs/excel.md "5. Press Run close" quotes the Close sheet after Run close on the bundled
    sample-lite.xlsx: the same run, through xlwings Lite's engine, shows exactly that."""
    doc = (REPO / "docs/excel.md").read_text()
    quoted = re.search(r"the Close sheet then reads\s+`([^`]+)`: (\d+) errors?, (\d+) warnings?\b", doc)
    assert quoted, "docs/excel.md no longer quotes the Close sheet"
    status, errors, warnings = quoted.group(1), int(quoted.group(2)), int(quoted.group(3))
    path = tmp_path / "sample-lite.xlsx"
    shutil.copyfile(REPO / "workbook_templates/sample-lite.xlsx", path)
    closed, _ = through_lite(lite, "run_close", path, tmp_path)
    sheet = openpyxl.load_workbook(closed)["Close"]
    cells = closesheet.CELLS
    assert sheet[cells["status"]].value == status
    assert (sheet[cells["errors"]].value, sheet[cells["warnings"]].value) == (errors, warnings)
    assert "✗" not in str(sheet[cells["progress"]].value)


@pytest.mark.parametrize("approver", ["Anna", "petra"])
def test_a_typed_journal_approval_counts_in_excel_as_on_the_command_line(lite, tmp_path, approver):
    """Issue 17: an approval typed into JournalApprovals is stamped and checked by a close run from
    xlwings Lite as by the command line: another person approves, the preparer does not."""
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["Settings"] = [*rows["Settings"], ["JournalApprovalAmount", 1000]]
    rows["LedgerImport"] = [sample.HEADER, *sample.ledger_rows()]
    rows["JournalImport"] = [sample.HEADER, *sample.journal_rows()]
    rows["JournalApprovals"] = [["ADJ-2026-10-01", "Petra", approver, "2026-11-02"]]
    path = template.write(tmp_path / "close.xlsx", rows, force=True)
    closed, _ = through_lite(lite, "run_close", path, tmp_path)
    got = cells(closed)
    journals = {r[0]: dict(zip(got["Journals"][0], r, strict=True)) for r in got["Journals"][1:]}
    approvals = dict(zip(got["JournalApprovals"][0], got["JournalApprovals"][1], strict=True))
    codes = {r[1] for r in got["Findings"][1:]}
    if approver == "Anna":
        assert journals["ADJ-2026-10-01"]["Status"] == "Approved"
        assert approvals["ApprovedHash"] == journals["ADJ-2026-10-01"]["Hash"]  # stamped by the Excel run
        assert "journal-self-approved" not in codes
    else:
        assert journals["ADJ-2026-10-01"]["Status"] == "Validated"
        assert "journal-self-approved" in codes and "journal-approval-pending" in codes


def _layout(path: Path) -> dict[str, dict]:
    """Per sheet with a table: its tables (name -> ref), frozen cell, print area, widths, wrapped columns."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if not ws.tables:
            continue
        header = [c.value for c in ws[1]]
        out[ws.title] = {
            "tables": dict(ws.tables.items()),
            "freeze": ws.freeze_panes,
            "print_area": ws.print_area,
            "widths": {  # the width of a column of the run's clock, user or hashes follows its values
                h: ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
                for j, h in enumerate(header, 1)
                if h not in TIMED.get(ws.title, ())
            },
            "wrapped": [h for j, h in enumerate(header, 1) if ws.max_row > 1 and ws.cell(2, j).alignment.wrap_text],
        }
    return out


def test_every_output_is_the_file_adapters_table_in_lite_too_and_a_second_run_replaces_it(lite, tmp_path):
    """Issue 18 item 2: a Lite close makes each output sheet an Excel table with the name and range
    the file adapter gives it, the header frozen, the file adapter's widths, Message wrapped and the
    print area set; running again replaces each table (Excel refuses overlapping tables and taken
    names, and so does the harness), leaving one per sheet."""
    path = lite_workbook(tmp_path, findings_ledger(), sample.journal_rows())
    once, _ = through_lite(lite, "run_close", path, tmp_path)
    twice = apply_actions(once, run_script(lite, "run_close", once), tmp_path / "excel-twice.xlsx")
    file_once = shutil.copyfile(through_files(path, tmp_path, "close"), tmp_path / "file-once.xlsx")
    file_twice = through_files(file_once, tmp_path, "close")
    for got, want in ((_layout(once), _layout(file_once)), (_layout(twice), _layout(file_twice))):
        assert set(got) == set(want) and {"Findings", "TrialBalance", "BalanceSheet", "RunLog"} <= set(got)
        for name, sheet in want.items():
            assert got[name]["tables"] == sheet["tables"], name  # one table, the file adapter's name and ref
            assert got[name]["freeze"] == "A2", name
            assert got[name]["print_area"] == sheet["print_area"], name
            assert got[name]["widths"] == sheet["widths"], name
    assert _layout(twice)["Findings"]["wrapped"] == ["Message", "Fix"] == _layout(file_twice)["Findings"]["wrapped"]
    assert len(openpyxl.load_workbook(twice)["RunLog"].tables) == 1


def test_a_lite_write_lays_out_without_refusals_and_bolds_the_totals(lite, tmp_path):
    import xlwings as xw

    from closekit.sheetio.base import OutputSheet
    from closekit.sheetio.excel import ExcelBook

    path = lite_workbook(tmp_path, sample.ledger_rows())
    frame = pd.DataFrame({"Account": ["1000", "Total", "2000"], "Balance": [1.5, 3.0, 1.5], "RowHash": ["ab" * 32] * 3})
    book = xw.Book(json=payload(path))
    io = ExcelBook(book)
    io.heading = ("Muster & Co", "2026-10")
    io.write_sheets([OutputSheet("Report 1", frame), OutputSheet("Report 2", frame)], {"Close": {"B2": "ran"}})
    assert io.layout_skipped == []
    actions = book.json()["actions"]
    funcs = [a["func"] for a in actions]
    # every value and cell update before the first layout action: Excel stops at an action it
    # refuses, and a refused table must cost the layout only, never a value
    assert max(i for i, f in enumerate(funcs) if f == "setValues") < funcs.index("addTable")
    ws = openpyxl.load_workbook(apply_actions(path, actions, tmp_path / "x.xlsx"))["Report 1"]
    assert dict(ws.tables.items()) == {"Report_1": "A1:C4"}
    assert [ws.cell(r, 1).font.b for r in (1, 2, 3, 4)] == [True, False, True, False]  # header and the Total row
    assert ws["B1"].alignment.horizontal == "right" and ws["C2"].alignment.horizontal == "fill"


def test_the_classic_add_in_sets_excels_page_setup_over_com():
    """Excel's COM PageSetup (the classic add-in on Windows) gets the file adapter's print setup."""
    from types import SimpleNamespace

    from closekit.sheetio import excel_layout
    from closekit.sheetio import xlsx_sheet as xs
    from closekit.sheetio.base import OutputSheet

    wide = pd.DataFrame({f"Column{i}": ["x" * 20] for i in range(6)})
    plan = xs.plan_sheet(OutputSheet("Flux", wide, company="A&B", period="2026-10"), date1904=False)
    api = SimpleNamespace(PageSetup=SimpleNamespace())
    excel_layout.com_page_setup(api, plan)
    setup = vars(api.PageSetup)
    assert setup == {
        "Orientation": 2, "Zoom": False, "FitToPagesWide": 1, "FitToPagesTall": False, "PrintTitleRows": "$1:$1",
        "LeftHeader": "A&&B", "CenterHeader": "&BFlux", "RightHeader": "2026-10", "CenterFooter": "Page &P of &N",
    }
    narrow = xs.plan_sheet(OutputSheet("Findings", pd.DataFrame({"Code": ["x"]})), date1904=False)
    excel_layout.com_page_setup(api, narrow)
    assert api.PageSetup.Orientation == 1 and api.PageSetup.LeftHeader == ""
    assert excel_layout._com_sheet(SimpleNamespace(api={"name": "Flux"})) is None  # xlwings Lite: the JSON payload


def test_the_classic_add_in_indents_a_statements_names_and_bolds_its_totals_by_kind():
    """Over COM a statement's Name gets Excel's IndentLevel by its Level (no xlwings API has it);
    the rows bolded are the file adapter's: "Total ..." texts and the Kind Total rows."""
    from types import SimpleNamespace

    from closekit.sheetio import excel_layout
    from closekit.sheetio import xlsx_sheet as xs
    from closekit.sheetio.base import OutputSheet

    frame = pd.DataFrame(
        {"Name": ["Bank", "Summe Umlaufvermögen", "Gewinn"], "Level": [2, 1, 0], "Kind": ["Account", "Total", "Total"]}
    )
    plan = xs.plan_sheet(OutputSheet("BalanceSheet", frame, indents={"Name": frame["Level"]}), date1904=False)
    # Kind, a text column right of the numbers of Level, is kept apart from them by one level
    assert excel_layout.indented_cells(plan) == [("A2", 2), ("A3", 1), ("C1:C4", 1)]
    assert excel_layout.totals_rows(plan) == [3, 4]
    ranges: dict[str, SimpleNamespace] = {}
    api = SimpleNamespace(Range=lambda ref: ranges.setdefault(ref, SimpleNamespace()))
    for ref, level in excel_layout.indented_cells(plan):
        excel_layout._indent(api, ref, level)
    assert {ref: r.IndentLevel for ref, r in ranges.items()} == {"A2": 2, "A3": 1, "C1:C4": 1}


def test_the_classic_add_in_deletes_the_old_table_before_clearing():
    from types import SimpleNamespace

    from closekit.sheetio.excel_layout import Dresser

    deleted = []
    table = SimpleNamespace(name="Findings", api=SimpleNamespace(Delete=lambda: deleted.append("Findings")))
    lite_table = SimpleNamespace(name="Other", api={"name": "Other"})  # Lite: no Delete, the clear removes it
    Dresser().before_clear(SimpleNamespace(name="Findings", tables=[table, lite_table]))
    assert deleted == ["Findings"]


def test_the_classic_add_in_freezes_the_header_through_the_window_over_com():
    """xlwings' COM engine has no freeze_panes: the sheet's window is split below row 1 and frozen."""
    from types import SimpleNamespace

    from closekit.sheetio.excel_layout import freeze_header

    window = SimpleNamespace(FreezePanes=None, SplitColumn=None, SplitRow=None)
    activated = []
    api = SimpleNamespace(Activate=lambda: activated.append(True), Parent=SimpleNamespace(Windows=lambda i: window))

    class NoPanes:  # the classic engine: Sheet.freeze_panes reaches impl.freeze_panes, which is missing
        @property
        def freeze_panes(self):
            raise AttributeError("freeze_panes")

    freeze_header(NoPanes(), api)
    assert activated and (window.SplitColumn, window.SplitRow, window.FreezePanes) == (0, 1, True)
    with pytest.raises(AttributeError):  # no COM either (a Mac): the caller notes it in layout_skipped
        freeze_header(NoPanes(), None)
