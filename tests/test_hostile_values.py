"""Hostile values (issue 20 item 4): numbers in other scripts, a dimension listed twice, absurd
materiality and rates, a NUL in a source path, and a ;-file whose 1.000 could be one or one
thousand. Each is a finding naming its cell and the CLI exits 1, never 3 (a bug).
Every fixture is made here from the built-in sample company."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import openpyxl
import pytest

import closekit
from closekit import cli
from closekit.samples import company as sample
from closekit.workbook import template

LEDGER = sample.LEDGER_FILE


def _workbook(tmp_path: Path, mutate=None) -> Path:
    path = tmp_path / "close.xlsx"
    sample.write(path)
    if mutate is not None:
        rows = sample.workbook_rows()
        mutate(rows)
        template.write(path, rows, force=True)
    return path


def _cli(*args: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return cli.main(list(args))


def _hits(path: Path, code: str):
    found = closekit.validate(path).findings
    return found[found["Code"] == code]


def _one(path: Path, code: str, where: str, row: int, column: str):
    hits = _hits(path, code)
    hits = hits[(hits["Where"] == where) & (hits["Row"].astype(int) == row) & (hits["Column"] == column)]
    assert len(hits) == 1, _hits(path, code)[["Where", "Row", "Column", "Message"]].to_string()
    assert list(hits["Severity"]) == ["Error"]
    return hits.iloc[0]


def _set_first_debit(folder: Path, text: str) -> int:
    """Write text into the first non-empty Debit of the sample ledger; return its 1-based row."""
    file = folder / LEDGER
    lines = file.read_text(encoding="utf-8").splitlines()
    debit = lines[0].split(",").index("Debit")
    for k in range(1, len(lines)):
        cells = lines[k].split(",")
        if cells[debit]:
            cells[debit] = text
            lines[k] = ",".join(cells)
            break
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return k + 1


def _setting_row(rows, key: str, value: object) -> int:
    for i, row in enumerate(rows["Settings"]):
        if row[0] == key:
            row[1] = value
            return i + 2
    raise AssertionError(f"no Settings key {key}")


# (1) digits from other scripts: int() and Decimal() accept them, the ledger must not.
@pytest.mark.parametrize("text", ["１２３４.５６", "١٢٣٤"], ids=["fullwidth", "arabic-indic"])
def test_non_ascii_digits_in_a_ledger_debit_are_a_bad_number(tmp_path, text):
    path = _workbook(tmp_path)
    row = _set_first_debit(tmp_path, text)
    assert _cli("close", str(path)) == 1
    hit = _one(path, "bad-number", LEDGER, row, "Debit")
    assert text in hit["Message"]


# (2) a dimension listed twice
def test_a_dimension_listed_twice_is_a_bad_setting_and_the_close_still_runs(tmp_path):
    where = {}
    path = _workbook(tmp_path, lambda rows: where.setdefault("row", _setting_row(
        rows, "Dimensions", "Department, Department")))
    assert _cli("close", str(path)) == 1
    hit = _one(path, "bad-setting", "Settings", where["row"], "Value")
    assert "Department" in hit["Message"]
    # the close ran: the ledger was read and the close wrote its output sheets
    assert len(closekit.validate(path).ledger.lines) > 0
    assert "Close" in openpyxl.load_workbook(path, read_only=True).sheetnames


# (3) materiality below zero, or at the far end of a float
@pytest.mark.parametrize("value", [-5, -1e308], ids=["minus-5", "minus-1e308"])
def test_a_negative_materiality_is_a_bad_setting_on_its_value(tmp_path, value):
    where = {}
    path = _workbook(tmp_path, lambda rows: where.setdefault("row", _setting_row(
        rows, "MaterialityAmount", value)))
    assert _cli("close", str(path)) == 1
    hit = _one(path, "bad-setting", "Settings", where["row"], "Value")
    assert "MaterialityAmount" in hit["Message"]


# (4) the period's closing rate absurdly large, a 40-digit integer, or zero
@pytest.mark.parametrize(
    "value", [1e15, "1234567890123456789012345678901234567890", 0], ids=["1e15", "40-digits", "zero"]
)
def test_an_absurd_closing_rate_is_a_bad_setting_on_its_rate(tmp_path, value):
    where = {}

    def mutate(rows):
        for i, row in enumerate(rows["Rates"]):
            if str(row[0]) == "2026-10-31" and row[4] == "Closing":
                row[3] = value
                where["row"] = i + 2
                return
        raise AssertionError("the sample has no 2026-10-31 Closing rate")

    path = _workbook(tmp_path, mutate)
    assert _cli("close", str(path)) == 1
    _one(path, "bad-setting", "Rates", where["row"], "Rate")


# (5) a NUL in a source path: openpyxl refuses the character, so the cell holds Excel's escape
# _x0000_, which a reader decodes back to a NUL.
def test_a_nul_in_a_source_path_is_a_bad_setting_on_its_path(tmp_path):
    path = _workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["Sources"]
    assert sheet["A1"].value == "Path"
    with pytest.raises(openpyxl.utils.exceptions.IllegalCharacterError):
        sheet["A2"] = "a\x00b.csv"
    sheet["A2"] = "a_x0000_b.csv"
    book.save(path)
    assert _cli("close", str(path)) == 1
    hit = _one(path, "bad-setting", "Sources", 2, "Path")
    assert "U+0000" in hit["Message"]


# (6) a ;-file whose only amounts are d.ddd: one thousand (German) or one (English)?
SEMI = (
    "Journal;Voucher;Line;Date;Account;Department;CostCenter;Currency;Debit;Credit;AmountAccounting;Text;Posted\n"
    "GJ;V1;1;2026-10-05;1100;;;EUR;1.000;;;Cash in;Yes\n"
    "GJ;V1;2;2026-10-05;3000;;;EUR;;1.000;;Cash in;Yes\n"
)


def _semicolon_ledger(tmp_path: Path, separator: str | None) -> Path:
    def mutate(rows):
        if separator is not None:
            source = rows["Sources"][0]
            assert source[0] == LEDGER
            source.extend([None] * (7 - len(source)))
            source[6] = separator  # DecimalSeparator

    path = _workbook(tmp_path, mutate)
    (tmp_path / LEDGER).write_text(SEMI, encoding="utf-8")
    return path


def test_an_undecided_d_ddd_in_a_semicolon_file_is_a_bad_number_not_one(tmp_path):
    path = _semicolon_ledger(tmp_path, None)
    assert _cli("validate", str(path)) == 1
    hit = _one(path, "bad-number", LEDGER, 2, "Debit")
    assert "1.000" in hit["Message"]
    _one(path, "bad-number", LEDGER, 3, "Credit")
    lines = closekit.validate(path).ledger.lines
    mine = lines[lines["where"] == LEDGER]
    assert mine["amount"].isna().all()  # nothing guessed


def test_decimal_separator_comma_reads_the_semicolon_d_ddd_as_one_thousand(tmp_path):
    path = _semicolon_ledger(tmp_path, ",")
    assert _hits(path, "bad-number").empty
    lines = closekit.validate(path).ledger.lines
    mine = lines[lines["where"] == LEDGER].sort_values("row")
    assert list(mine["row"]) == [2, 3]
    assert list(mine["amount"]) == [100000, -100000]  # 1,000.00 in cents


def test_a_nul_in_a_consolidation_workbook_path_is_a_bad_setting_on_its_cell(tmp_path):
    from closekit.samples import group

    sample.write(tmp_path / "close.xlsx")
    path = group.write(tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["Consolidation"]
    assert sheet["B1"].value == "Workbook" and sheet["B2"].value == "close.xlsx"
    sheet["B2"] = "close_x0000_.xlsx"
    book.save(path)
    assert _cli("close", str(path), "--steps", "consolidation") == 1
    hit = _one(path, "bad-setting", "Consolidation", 2, "Workbook")
    assert "U+0000" in hit["Message"]
