"""The RunLog as a hash chain (SECURITY.md "Tamper-evident run log"): each row's RowHash seals its own
cells and its PreviousHash, the RowHash of the row above; ``closekit verify-log`` names the first
row that does not hold."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

import closekit
from closekit import cli
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import outputs


@pytest.fixture(scope="module")
def logged_once(tmp_path_factory):
    """A sample workbook after three validate runs: a RunLog of three rows (Excel rows 2 to 4)."""
    workbook = sample.write(tmp_path_factory.mktemp("runlog") / "close.xlsx")
    for _ in range(3):
        assert cli.main(["validate", str(workbook)]) == 0
    return workbook


@pytest.fixture
def logged(logged_once, tmp_path):
    return Path(shutil.copy(logged_once, tmp_path / "close.xlsx"))


def verify(workbook, capsys) -> tuple[int, str]:
    code = cli.main(["verify-log", str(workbook)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def edited(workbook, change) -> object:
    copy = workbook.with_name("copy.xlsx")
    shutil.copy(workbook, copy)
    wb = openpyxl.load_workbook(copy)
    change(wb["RunLog"])
    wb.save(copy)
    return copy


def test_an_intact_log_of_three_runs_verifies(logged, capsys):
    code, message = verify(logged, capsys)
    assert code == 0, message
    assert message.startswith("The RunLog of close.xlsx is intact: 3 rows")
    runlog = FileWorkbook(logged).read_sheet("RunLog")
    assert runlog.columns[:13] == [*outputs.RUNLOG_COLUMNS, "PreviousHash", "RowHash"]
    rows = runlog.frame.to_dict("records")
    assert rows[0]["PreviousHash"] == outputs.GENESIS
    assert [r["PreviousHash"] for r in rows[1:]] == [r["RowHash"] for r in rows[:-1]]


def test_the_canonical_text_is_json_of_the_fields_in_column_order(logged):
    row = FileWorkbook(logged).read_sheet("RunLog").frame.to_dict("records")[1]
    fields = [*outputs.RUNLOG_COLUMNS, "PreviousHash", "Controls"]  # Controls last (the control cells)
    assert row["Controls"].startswith('{"Checklist":')
    text = json.dumps([outputs.field_text(row[c]) for c in fields], ensure_ascii=False, separators=(",", ":"))
    assert text == outputs.canonical_text(row)
    assert json.loads(text)[6:9] == ["0", "0", "0"]  # Errors, Warnings, Infos: whole numbers as digits
    assert row["RowHash"] == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_copy_saved_by_excel_or_openpyxl_still_verifies(logged, capsys):
    code, message = verify(edited(logged, lambda ws: None), capsys)
    assert code == 0, message


def test_an_edited_cell_of_row_2_is_reported(logged, capsys):
    copy = edited(logged, lambda ws: ws.cell(row=2, column=11, value="ok (checked)"))  # Result
    code, message = verify(copy, capsys)
    assert code == 1
    assert "is broken at row 2: its cells were changed after closekit wrote it" in message


def test_an_edited_count_is_reported_even_as_a_number(logged, capsys):
    code, message = verify(edited(logged, lambda ws: ws.cell(row=3, column=7, value=0.5)), capsys)  # Errors
    assert code == 1 and "broken at row 3" in message


def test_a_deleted_row_is_reported(logged, capsys):
    code, message = verify(edited(logged, lambda ws: ws.delete_rows(3)), capsys)
    assert code == 1
    assert "is broken at row 3: it does not continue row 2: a row between them was deleted or inserted" in message
    code, message = verify(edited(logged, lambda ws: ws.delete_rows(2)), capsys)
    assert code == 1 and "broken at row 2: it is the first row but does not start the chain" in message


def test_a_resealed_row_breaks_the_next_one(logged, capsys):
    def forge(ws):  # change row 2 and recompute its own RowHash, but not the rows after it
        ws.cell(row=2, column=11, value="forged")
        header = [c.value for c in ws[1]]
        record = dict(zip(header, [c.value for c in ws[2]], strict=False))
        ws.cell(row=2, column=header.index("RowHash") + 1, value=outputs.row_hash(record))

    code, message = verify(edited(logged, forge), capsys)
    assert code == 1 and "broken at row 3: it does not continue row 2" in message


def test_texts_the_sheet_cannot_hold_as_given_still_verify(tmp_path, capsys):
    workbook = sample.write(tmp_path / "close.xlsx")
    result = closekit.validate(workbook)
    for command in ["closekit validate _x0041_ \x01\x02 a\rb\nc \t", "=cmd|' /C calc'!A0", "é" * 40_000]:
        closekit.write_validation(result, command=command)
        result = closekit.validate(workbook)
    code, message = verify(workbook, capsys)
    assert code == 0, message


def test_no_runlog_or_an_old_one_cannot_be_verified(tmp_path, capsys):
    workbook = sample.write(tmp_path / "close.xlsx")
    code, message = verify(workbook, capsys)
    assert code == 1 and "has no RunLog sheet" in message
    assert cli.main(["validate", str(workbook)]) == 0
    capsys.readouterr()
    code, message = verify(edited(workbook, lambda ws: ws.delete_cols(12, 2)), capsys)
    assert code == 1 and "has no column PreviousHash, RowHash in row 1" in message


def test_rows_without_hashes_are_named(logged, capsys):
    def legacy(ws):  # a RunLog as a closekit before the hash chain wrote it: no hashes in row 2
        ws.cell(row=2, column=12).value = None
        ws.cell(row=2, column=13).value = None

    code, message = verify(edited(logged, legacy), capsys)
    assert code == 1 and "broken at row 2: it has no PreviousHash and RowHash" in message
