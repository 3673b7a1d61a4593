"""Issue 17 item 2: auto-reversing accruals (docs/close.md "Manual journals", the worked example):
a voucher with ReverseOn or Reverse = Yes gets its reversal, exported with it, and the next
period's close reports a reversal the posted ledger lacks."""

from __future__ import annotations

import pytest

import closekit
from closekit import cli
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from conftest import csv_text

HEADER = ["Journal", "Voucher", "Line", "Date", "Account", "Currency", "Debit", "Credit", "Text"]
HEADER += ["ReverseOn", "Reverse"]


def line(voucher, number, date, account, debit="", credit="", text="audit fee accrual", on="", again=""):
    return ["ACCR", voucher, number, date, account, "EUR", debit, credit, text, on, again]


ACCRUAL = [
    line("ACC-10", 1, "2026-10-31", "6400", "4500.00", again="Yes"),
    line("ACC-10", 2, "2026-10-31", "2900", "", "4500.00", again="Yes"),
]


def posted(rows):
    """The rows as the ERP's GL export shows them once posted (the generic layout, no reversal columns)."""
    return [r[:9] for r in rows]


@pytest.fixture
def run(capsys):
    def invoke(*args):
        code = cli.main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out + captured.err
    return invoke


def workbook(make, period="2026-10"):
    settings = [r if r[0] != "Period" else ["Period", period] for r in sample.workbook_rows()["Settings"]]
    return make.workbook(Settings=settings)


def journal(make, rows, name="accruals.csv"):
    return make.file(name, csv_text(rows, header=HEADER))


def ledger_file(make, rows, name):
    return make.file(name, csv_text(posted(rows), header=HEADER[:9]))


def vouchers(result):
    return result.journals.frame.set_index("Voucher")


def test_reverse_yes_reverses_on_the_next_periods_first_day(make):
    result = closekit.close(workbook(make), journals=[journal(make, ACCRUAL)])
    frame = vouchers(result)
    assert list(frame.index) == ["ACC-10", "ACC-10-R"]
    assert frame.loc["ACC-10-R", "ReversalOf"] == "ACC-10"
    assert str(frame.loc["ACC-10-R", "Date"])[:10] == "2026-11-01"
    lines = result.validation.ledger.lines
    reversal = lines[lines["voucher"] == "ACC-10-R"]
    assert reversal["amount_accounting"].tolist() == [-450000, 450000]
    assert reversal["text"].tolist() == ["Reversal of ACC-10: audit fee accrual"] * 2
    assert list(reversal["row"]) == [2, 3]  # findings about it point at the accrual's rows
    # October's trial balance holds the accrual, not its November reversal
    table = result.run.tables["trial_balance"]
    assert int(table.loc[table["Account"] == "2900", "Closing"].sum()) < 0


def test_reverse_on_a_date_and_the_checks_of_that_date(make):
    rows = [
        line("ACC-10", 1, "2026-10-31", "6400", "4500.00", on="2026-11-15"),
        line("ACC-10", 2, "2026-10-31", "2900", "", "4500.00", on="2026-11-15"),
        line("ACC-12", 1, "2026-10-31", "6400", "100.00", on="2026-10-15"),
        line("ACC-12", 2, "2026-10-31", "2900", "", "100.00", on="2026-10-15"),
        line("ACC-13", 1, "2026-10-31", "6400", "100.00", on="2026-11-01"),
        line("ACC-13", 2, "2026-10-31", "2900", "", "100.00", on="2026-11-02"),
    ]
    path = journal(make, rows)
    result = closekit.close(workbook(make), journals=[path])
    frame = vouchers(result)
    assert str(frame.loc["ACC-10-R", "Date"])[:10] == "2026-11-15"
    assert "ACC-12-R" not in frame.index and "ACC-13-R" not in frame.index
    found = result.findings.set_index("Code")
    invalid = found.loc["reversal-date-invalid"]
    assert (invalid["Where"], invalid["Row"], invalid["Column"]) == (str(path), 4, "ReverseOn")
    assert "dated 2026-10-31 and would reverse on 2026-10-15" in invalid["Message"]
    conflict = found.loc["reversal-date-conflict"]
    assert (conflict["Row"], conflict["Severity"]) == (6, "Error")


def test_a_bad_reverse_cell_is_a_finding_naming_it(make):
    rows = [line("ACC-10", 1, "2026-10-31", "6400", "4500.00", again="perhaps"),
            line("ACC-10", 2, "2026-10-31", "2900", "", "4500.00", on="31.13.2026")]
    path = journal(make, rows)
    result = closekit.validate(workbook(make), journals=[path])
    cells = {(f["Code"], f["Row"], f["Column"]) for f in result.findings.to_dict("records")}
    assert ("bad-value", 2, "Reverse") in cells and ("bad-date", 3, "ReverseOn") in cells


def test_the_reversal_is_exported_with_its_voucher_and_november_reports_it_missing(make, tmp_path, run):
    """October: ACC-10 and its reversal go in one upload. November: the ERP posted ACC-10 but not
    the reversal: a warning says so, and the reversal counts as still to be posted; once the GL
    export holds it, both are Posted."""
    book = workbook(make)
    accruals = journal(make, ACCRUAL)
    assert run("close", book, "--journal", accruals)[0] == 0
    upload = tmp_path / "upload.csv"
    code, said = run("export", book, "--out", upload, "--journal", accruals, "--journals", "manual")
    assert code == 0, said
    text = upload.read_text(encoding="utf-8-sig")
    assert "ACC-10-R" in text and "2026-11-01" in text and "Reversal of ACC-10" in text

    november = workbook(make, "2026-11")
    gl = ledger_file(make, ACCRUAL, "gl_oct_nov.csv")
    result = closekit.close(november, sources=[gl], journals=[accruals])
    frame = vouchers(result)
    assert frame.loc["ACC-10", "Status"] == "Posted"
    assert frame.loc["ACC-10-R", "Status"] != "Posted"
    [missing] = result.findings[result.findings["Code"] == "journal-reversal-missing"].to_dict("records")
    assert missing["Voucher"] == "ACC-10-R" and missing["Severity"] == "Warning"
    assert "dated 2026-11-01" in missing["Message"] and "gl_oct_nov.csv rows 2-3" in missing["Message"]
    table = result.run.tables["trial_balance"]  # read as still to be posted: November's accrual is nil
    assert int(table.loc[table["Account"] == "2900", "Closing"].sum()) == 0

    reversal = [
        line("ACC-10-R", 1, "2026-11-01", "6400", "", "4500.00", text="Reversal of ACC-10: audit fee accrual"),
        line("ACC-10-R", 2, "2026-11-01", "2900", "4500.00", text="Reversal of ACC-10: audit fee accrual"),
    ]
    gl = ledger_file(make, ACCRUAL + reversal, "gl_oct_nov.csv")
    result = closekit.close(november, sources=[gl], journals=[accruals])
    assert list(vouchers(result)["Status"]) == ["Posted", "Posted"]
    assert "journal-reversal-missing" not in set(result.findings["Code"])
    table = result.run.tables["trial_balance"]
    assert int(table.loc[table["Account"] == "2900", "Closing"].sum()) == 0  # counted once


def test_the_reversal_is_approved_with_its_voucher(make):
    settings = [*sample.workbook_rows()["Settings"], ["JournalApprovalAmount", 1000]]
    book = make.workbook(Settings=settings)
    result = closekit.close(book, journals=[journal(make, ACCRUAL)])
    frame = vouchers(result)
    assert list(frame["Status"]) == ["Validated", "Validated"]
    assert list(result.findings["Code"]).count("journal-approval-pending") == 1  # one approval covers both
    assert FileWorkbook(book).read_sheet("JournalApprovals") is not None
