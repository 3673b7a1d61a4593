"""Issue 14: nothing read wrong without a word. Every data row of a source is a ledger line with a
date, an account and an amount, or the subject of an Error finding naming its row and column; rows
that are not lines by layout are counted; SAF-T control totals are checked."""

from __future__ import annotations

import pytest

import closekit
from closekit import cli
from closekit.errors import InputError

GENERIC = "Journal,Voucher,Line,Date,Account,Currency,Debit,Credit,Text\n"

SAFT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<n1:AuditFile xmlns:n1="urn:StandardAuditFile-Taxation-Financial:NO">
  <n1:Header><n1:DefaultCurrencyCode>EUR</n1:DefaultCurrencyCode></n1:Header>
"""


def saft(lines: str, totals: str = "<n1:NumberOfEntries>1</n1:NumberOfEntries>", record_ids=("1", "2")) -> str:
    return (
        SAFT_HEAD
        + f"""  <n1:GeneralLedgerEntries>
    {totals}
    <n1:Journal><n1:JournalID>GL</n1:JournalID>
      <n1:Transaction>
        <n1:TransactionID>T1</n1:TransactionID>
        <n1:TransactionDate>2026-10-31</n1:TransactionDate>
        <n1:Line><n1:RecordID>{record_ids[0]}</n1:RecordID><n1:AccountID>6400</n1:AccountID>
          {lines}</n1:Line>
        <n1:Line><n1:RecordID>{record_ids[1]}</n1:RecordID><n1:AccountID>2900</n1:AccountID>
          <n1:CreditAmount><n1:Amount>150.00</n1:Amount></n1:CreditAmount></n1:Line>
      </n1:Transaction>
    </n1:Journal>
  </n1:GeneralLedgerEntries>
</n1:AuditFile>
"""
    )


DEBIT = "<n1:DebitAmount><n1:Amount>150.00</n1:Amount></n1:DebitAmount>"


def errors(result) -> list[tuple]:
    found = result.findings[result.findings["Severity"] == "Error"]
    return [(r.Code, r.Row, r.Column) for r in found.itertuples()]


# ------------------------------------------------------------------------------ blank amounts


def test_generic_line_with_debit_and_credit_blank_is_an_error_not_a_skipped_voucher(make):
    # the voucher does not balance: 10.00 against nothing; before, its blank line hid it (exit 0)
    rows = "GJ,A1,1,2026-10-31,6400,EUR,10.00,,Audit\nGJ,A1,2,2026-10-31,2900,EUR,,,Audit\n"
    path = make.file("adj.csv", GENERIC + rows)
    result = closekit.validate(make.workbook(), journals=[path])
    assert not result.ok
    assert ("bad-number", 3, "Credit") in errors(result)
    [message] = result.findings.loc[result.findings["Row"] == 3, "Message"].tolist()
    assert message == "the line has no amount: Debit and Credit are both empty"


def test_signed_amount_blank_is_an_error(make):
    path = make.file("adj.csv", "Voucher,Date,Account,Amount\nA1,2026-10-31,6400,10.00\nA1,2026-10-31,2900,\n")
    result = closekit.validate(make.workbook(), journals=[path])
    assert ("bad-number", 3, "Amount") in errors(result)


def test_saft_line_without_debit_amount_is_an_error(make):
    path = make.file("audit.xml", saft("<n1:Description>no amount</n1:Description>"))
    result = closekit.validate(make.workbook(), journals=[path])
    assert not result.ok
    assert ("bad-number", 10, "Amount") in errors(result)


DATEV_META = (
    '"EXTF";700;21;"Buchungsstapel";13;20260131120000000;;"RE";"test";"";29098;55003;20260101;4;'
    '20261001;20261031;"Abschluss";"CK";1;0;0;"EUR";;"";;;"03";;;"";""'
)
DATEV_HEADER = (
    "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Konto;Gegenkonto (ohne BU-Schlüssel);"
    "BU-Schlüssel;Belegdatum;Belegfeld 1;Buchungstext"
)


def test_datev_booking_with_empty_umsatz_is_one_error(make):
    text = DATEV_META + "\n" + DATEV_HEADER + '\n;"S";"";6400;2900;"";3110;"B-1";"Prüfung"\n'
    path = make.file("EXTF_Buchungsstapel.csv", text, encoding="cp1252")
    result = closekit.validate(make.workbook(), journals=[path])
    assert not result.ok
    assert [e for e in errors(result) if e[0] == "bad-number"] == [("bad-number", 3, "Umsatz (ohne Soll/Haben-Kz)")]


def test_blank_date_is_an_error_not_left_out_of_the_trial_balance(make):
    path = make.file("adj.csv", GENERIC + "GJ,A1,1,,6400,EUR,10.00,,Audit\nGJ,A1,2,,2900,EUR,,10.00,Audit\n")
    result = closekit.validate(make.workbook(), journals=[path])
    assert ("bad-date", 2, "Date") in errors(result) and ("bad-date", 3, "Date") in errors(result)
    assert set(result.findings.loc[result.findings["Code"] == "bad-date", "Message"]) == {"the line has no date"}


# ------------------------------------------------------------------------ rows that are no lines


@pytest.mark.parametrize("end", ["\n\n", "\r\n\r\n", "\n,,,,,,,,\n", "\n  \n"])
def test_a_trailing_blank_line_is_no_ledger_line_and_is_counted(make, end):
    body = GENERIC + "GJ,A1,1,2026-10-31,6400,EUR,10.00,,Audit\nGJ,A1,2,2026-10-31,2900,EUR,,10.00,Audit"
    path = make.file("adj.csv", body + end)
    result = closekit.validate(make.workbook(), journals=[path])
    assert result.ok, errors(result)
    [source] = [s for s in result.ledger.sources if s.where.endswith("adj.csv")]
    assert source.rows_read == 2 and source.skipped == {"blank": 1}


def test_run_summary_shows_the_rows_skipped_by_layout(make, capsys):
    rows = "GJ,A1,1,2026-10-31,6400,EUR,10.00,,Audit\n\nGJ,A1,2,2026-10-31,2900,EUR,,10.00,x\n"
    path = make.file("adj.csv", GENERIC + rows)
    result = closekit.validate(make.workbook(), journals=[path])
    cli._print_summary(result, [])
    shown = " ".join(capsys.readouterr().out.split())
    assert "adj.csv (generic, 2 rows; 1 row skipped by layout: 1 blank)" in shown


# ------------------------------------------------------------------------------- SAF-T totals


def test_saft_control_totals_that_match_are_clean(make):
    totals = (
        "<n1:NumberOfEntries>1</n1:NumberOfEntries><n1:TotalDebit>150</n1:TotalDebit>"
        "<n1:TotalCredit>150.00</n1:TotalCredit>"
    )
    result = closekit.validate(make.workbook(), journals=[make.file("audit.xml", saft(DEBIT, totals))])
    assert result.ok, errors(result)


def test_saft_control_totals_that_differ_are_errors_naming_both_figures(make):
    totals = (
        "<n1:NumberOfEntries>2</n1:NumberOfEntries>\n    <n1:TotalDebit>1500.00</n1:TotalDebit>\n"
        "    <n1:TotalCredit>150.00</n1:TotalCredit>"
    )
    result = closekit.validate(make.workbook(), journals=[make.file("audit.xml", saft(DEBIT, totals))])
    found = result.findings[result.findings["Code"] == "control-total-mismatch"]
    assert [(r.Severity, r.Row, r.Column) for r in found.itertuples()] == [
        ("Error", 5, "NumberOfEntries"),
        ("Error", 6, "TotalDebit"),
    ]
    assert "NumberOfEntries says 2" in found["Message"].iloc[0] and "come to 1" in found["Message"].iloc[0]
    assert found["Message"].iloc[1] == "TotalDebit says 1500.00, but the file's debit Amounts come to 150.00"


def test_saft_billing_file_is_refused_saying_what_it_is(make):
    text = SAFT_HEAD + "<n1:MasterFiles/><n1:SourceDocuments><n1:SalesInvoices/></n1:SourceDocuments></n1:AuditFile>"
    with pytest.raises(
        InputError, match=r"billing .*no GeneralLedgerEntries, only Header, MasterFiles, SourceDocuments"
    ):
        closekit.validate(make.workbook(), journals=[make.file("billing.xml", text)])


def test_saft_with_control_totals_but_no_transactions_is_refused(make):
    text = SAFT_HEAD + (
        "<n1:GeneralLedgerEntries><n1:NumberOfEntries>3</n1:NumberOfEntries>"
        "<n1:TotalDebit>10.00</n1:TotalDebit></n1:GeneralLedgerEntries></n1:AuditFile>"
    )
    with pytest.raises(InputError, match=r"no transaction lines .*NumberOfEntries 3, TotalDebit 10\.00"):
        closekit.validate(make.workbook(), journals=[make.file("empty.xml", text)])


def test_saft_record_id_is_text(make):
    path = make.file("audit.xml", saft(DEBIT, record_ids=("L-1", "L-2")))
    result = closekit.validate(make.workbook(), journals=[path])
    assert result.ok, errors(result)
    assert result.ledger.lines["amount"].tolist()[-2:] == [15000, -15000]


# ------------------------------------------------------------------------------ messages in money


def test_trial_balance_imbalance_is_in_money_and_names_its_vouchers(tmp_path):
    from closekit.samples import company as sample

    workbook = sample.write(tmp_path / "close.xlsx")
    path = tmp_path / "adj.csv"
    path.write_text(GENERIC + "GJ,X9,1,2026-10-31,6400,EUR,10.00,,Audit\nGJ,X9,2,2026-10-31,2900,EUR,,9.00,Audit\n")
    result = closekit.close(workbook, journals=[path])
    found = result.findings[result.findings["Where"] == "TrialBalance"]
    assert len(found), result.findings
    for message in found["Message"]:
        assert "minor units" not in message
        assert f"the voucher that does not balance: X9 in {path} (1.00 EUR)" in message
    assert any("differ from its credits" in m and "by 1.00 EUR" in m for m in found["Message"])


def test_no_message_says_minor_units():
    import ast
    import pathlib

    import closekit as package

    said = []
    for file in pathlib.Path(package.__file__).parent.rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        bare = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # docstrings
        for node in ast.walk(tree):
            message = isinstance(node, ast.JoinedStr | ast.Constant) and id(node) not in bare
            if message and "minor units" in ast.unparse(node) and file.name != "runner.py":  # runner: the report
                said.append(f"{file.name}: {ast.unparse(node)[:80]}")
    assert said == []


# ------------------------------------------------------------------------------- relative paths


def test_a_relative_journal_on_the_command_line_is_relative_to_the_current_folder(tmp_path):
    import subprocess
    import sys

    from closekit.samples import company as sample

    workbook = sample.write(tmp_path / "books" / "close.xlsx")
    here = tmp_path / "work"
    here.mkdir()
    rows = "GJ,R1,1,2026-10-31,6400,EUR,10.00,,x\nGJ,R1,2,2026-10-31,2900,EUR,,10.00,x\n"
    (here / "adj.csv").write_text(GENERIC + rows)
    done = subprocess.run(
        [sys.executable, "-m", "closekit.cli", "validate", str(workbook), "--journal", "adj.csv", "--dry-run"],
        capture_output=True,
        text=True,
        cwd=here,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "adj.csv (generic, 2 rows)" in " ".join(done.stdout.split())
    # the Sources sheet's own paths stay relative to the workbook (sample-gl-2026.csv beside it)
    assert "sample-gl-2026.csv (generic, 177 rows)" in " ".join(done.stdout.split())


# ------------------------------------------------------------------------------ decimal separator


@pytest.mark.parametrize("separator", [".", ","])
def test_a_wrong_decimal_separator_is_detected_from_the_column_as_a_whole(make, separator):
    # 25.000,00 read with '.' is 25.00 (digits end in zeros: no cell alone shows it); with ',' as the
    # source's separator, 25,000.00 is 25.00 likewise; every cell with a mark is named
    rows = [["25.000,00", ""], ["", "25.000,00"], ["1.000", ""], ["", "1.000"]]
    if separator == ",":
        rows = [[c.replace(".", "_").replace(",", ".").replace("_", ",") for c in r] for r in rows]
    text = "Voucher;Date;Account;Debit;Credit\n" + "".join(
        f"A{i // 2};2026-10-31;{'6400' if i % 2 == 0 else '2900'};{d};{c}\n" for i, (d, c) in enumerate(rows)
    )
    path = make.file("adj.csv", text)
    book = make.workbook(Sources=[["adj.csv", "journal", "generic", "", "", "", separator]])
    result = closekit.validate(book)
    found = result.findings[(result.findings["Code"] == "bad-number") & (result.findings["Where"] == "adj.csv")]
    assert sorted(zip(found["Row"], found["Column"], strict=True)) == [
        (2, "Debit"),
        (3, "Credit"),
        (4, "Debit"),
        (5, "Credit"),
    ]
    assert f"with '{separator}' as the decimal mark" in found["Message"].iloc[0]
    assert path.exists() and not result.ok


def test_a_right_decimal_separator_with_one_typo_names_the_typo_only(make):
    text = "Voucher;Date;Account;Debit;Credit\nA;2026-10-31;6400;12.50;\nA;2026-10-31;2900;;12,50\n"
    make.file("adj.csv", text)
    book = make.workbook(Sources=[["adj.csv", "journal", "generic", "", "", "", "."]])
    result = closekit.validate(book)
    found = result.findings[result.findings["Code"] == "bad-number"]
    assert list(zip(found["Row"], found["Column"], strict=True)) == [(3, "Credit")]


def test_xero_report_line_without_a_date_is_an_error_not_dropped(make):
    # found by tests/test_read_properties.py: the undated line was dropped as if it were a title row
    text = (
        "Date,Source,Journal Number,Account Code,Account,Description,Reference,Debit,Credit\n"
        "2026-10-05,Manual Journal,MJ-1,6400,Audit,x,,10.00,\n"
        ",Manual Journal,MJ-1,2900,Accrued,x,,,10.00\n"
        "Total,,,,,,,10.00,10.00\n"
    )
    result = closekit.validate(make.workbook(), journals=[make.file("gl.csv", text)])
    assert ("bad-date", 3, "Date") in errors(result)
    [source] = [s for s in result.ledger.sources if s.where.endswith("gl.csv")]
    assert source.skipped == {"total": 1}
