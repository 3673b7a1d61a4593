"""Sources rows, pasted import sheets, header variants, and closekit without its optional speed-ups."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import closekit
from closekit.errors import InputError
from closekit.samples import company as sample


def codes(result):
    return [(r["Code"], r["Where"], r["Row"], r["Column"]) for r in result.findings.to_dict("records")]


def test_explicit_source_settings_win_over_detection(make):
    # 01/02/2026 would be read as January 2nd; the Sources row says it is the 1st of February.
    text = (
        "Voucher;Date;Account;Debit;Credit;Text\n"
        "V1;01/02/2026;6400;1.234,50;;Prüfung\n"
        "V1;01/02/2026;2900;;1.234,50;Gebühr\n"
    )
    make.file("gl.csv", text, encoding="cp1252")
    workbook = make.workbook(Sources=[["gl.csv", "ledger", "generic", "", "cp1252", ";", ",", "DD/MM/YYYY"]])
    result = closekit.validate(workbook)
    assert result.ok, codes(result)
    lines = result.ledger.lines
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-02-01", "2026-02-01"]
    assert lines["amount"].tolist() == [123450, -123450]
    assert lines["text"].tolist() == ["Prüfung", "Gebühr"]


def test_bad_date_format_setting_is_a_clear_error(make):
    make.file("gl.csv", "Voucher,Date,Account,Debit,Credit\n")
    workbook = make.workbook(Sources=[["gl.csv", "ledger", "generic", "", "", "", "", "YYYY/DD"]])
    with pytest.raises(InputError, match="DateFormat 'YYYY/DD' is not known"):
        closekit.validate(workbook)


def test_pasted_sheets_are_read_with_excel_row_numbers(make):
    ledger = [
        ["Voucher", "Date", "Account", "Debit", "Credit", "Posted"],
        ["P1", "2026-10-02", "6400", 10, None, "Ja"],
        ["P1", "2026-10-02", "2900", None, 10, "Ja"],
    ]
    journal = [
        ["Voucher", "Date", "Account", "Amount"],
        ["J1", "2026-09-30", "6400", "5"],
        ["J1", "2026-09-30", "2900", "-5"],
    ]
    result = closekit.validate(make.workbook(LedgerImport=ledger, JournalImport=journal))
    lines = result.ledger.lines
    assert list(zip(lines["where"], lines["row"], lines["kind"], strict=True)) == [
        ("LedgerImport", 2, "ledger"),
        ("LedgerImport", 3, "ledger"),
        ("JournalImport", 2, "journal"),
        ("JournalImport", 3, "journal"),
    ]
    assert ("period-not-open", "JournalImport", 2, "Date") in codes(result)


def test_headers_match_case_space_and_underscore_insensitively(make):
    accounts = [row[:] for row in sample.ACCOUNTS]
    workbook = make.workbook(Accounts=accounts)
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    for cell, name in zip(
        wb["Accounts"][1],
        [
            "ACCOUNT",
            "name",
            "Type",
            "POSTABLE",
            "revalue",
            "Required dimensions",
            "currency",
            "settle",
            "translation_rate",
            "Statement Line",
            "consolidation_account",
            "settle_match",
            "Cash flow line",
        ],
        strict=True,
    ):
        cell.value = name
    wb["Accounts"]["D14"] = "Nee"  # 6000 Operating expenses: a header account, in Dutch
    wb.save(workbook)
    rows = "Voucher,Date,Account,Debit,Credit\nV1,2026-10-15,6100,5.00,\nV1,2026-10-15,2000,,5.00\n"
    result = closekit.validate(workbook, journals=[make.file("j.csv", rows)])
    assert [c[:4] for c in codes(result) if c[0] == "missing-dimension"] == [
        ("missing-dimension", str(make.folder / "j.csv"), 2, "Department"),
        ("missing-dimension", str(make.folder / "j.csv"), 2, "CostCenter"),
    ]
    assert not result.book.accounts.set_index("account").loc["6000", "postable"]


def test_unreadable_posted_flag_is_a_bad_value(make):
    rows = "Voucher,Date,Account,Debit,Credit,Posted\nV1,2026-10-02,6400,5.00,,maybe\nV1,2026-10-02,2900,,5.00,Yes\n"
    result = closekit.validate(make.workbook(), sources=[make.file("gl.csv", rows)])
    assert ("bad-value", str(make.folder / "gl.csv"), 2, "Posted") in codes(result)


def test_core_runs_without_the_optional_fast_libraries(tmp_path):
    """As under Pyodide (xlwings Lite): no pyarrow, no python-calamine; same results."""
    script = textwrap.dedent(f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("pyarrow", "python_calamine"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        import closekit
        from closekit.samples import company as sample
        workbook = sample.write({str(tmp_path / "close.xlsx")!r})
        result = closekit.validate(workbook)
        closekit.write_validation(result)
        assert "pyarrow" not in sys.modules and "python_calamine" not in sys.modules
        lines = result.ledger.lines
        print(result.lines, result.counts["Error"], int(lines["amount_accounting"].abs().sum()))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with_fast = closekit.validate(tmp_path / "close.xlsx")
    total = int(with_fast.ledger.lines["amount_accounting"].abs().sum())
    assert done.stdout.split() == [str(with_fast.lines), "0", str(total)]


def test_account_map_names_the_chart_accounts(make):
    rows = (
        "Voucher,Date,Account,Debit,Credit\n"
        "V1,2026-10-02,Audit fees,5.00,\nV1,2026-10-02,00002900,,5.00\nV1,2026-10-02,Misc,1.00,\n"
    )
    mapping = [["Audit fees", "6400"], ["00002900", "2900"], ["Audit fees", "6000"], ["Other", "9999"]]
    result = closekit.validate(make.workbook(AccountMap=mapping), sources=[make.file("gl.csv", rows)])
    assert result.ledger.lines["account"].tolist() == ["6400", "2900", "Misc"]
    assert ("unknown-account", str(make.folder / "gl.csv"), 4, "Account") in codes(result)
    assert ("bad-setting", "AccountMap", 4, "Source") in codes(result)  # mapped twice
    unknown_target = [c for c in codes(result) if c[:2] == ("bad-setting", "AccountMap") and c[3] == "Account"]
    assert len(unknown_target) == 1  # 9999 is not in Accounts
