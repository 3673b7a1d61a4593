"""QuickBooks Online: the journal entry import and the General Ledger report read into the close, and
the journal import written for upload (formats.md 4a, 4b), on fixtures written here."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

import closekit
from closefixtures import lines as canonical_lines
from closekit.closing import importing as sources
from closekit.closing import runner as closing
from closekit.closing import trial_balance
from closekit.core import ledger
from closekit.exporters import ExportContext
from closekit.exporters import quickbooks as upload
from closekit.samples import company as sample
from closekit.sources import importers
from closekit.sources.importers import netsuite, quickbooks
from closekit.sources.importers.base import ImportContext, Importer
from closekit.sources.tables import from_rows, read_csv_text

TRACKING = ("Class", "Location")
TYPES = {row[0]: row[2] for row in sample.ACCOUNTS}
#: QuickBooks names of accounts, as the AccountMap sheet maps them to the chart.
ACCOUNT_MAP = [["Legal & Professional Fees:Audit", "6400"], ["Accrued Liabilities", "2900"]]

JOURNAL_US = """\
Journal No.,Journal Date,Account Name,Debits,Credits,Description,Name,Class,Location
ADJ-1025,10/31/2026,Legal & Professional Fees:Audit,"1,500.00",,Audit fee accrual,,Admin,HQ
ADJ-1025,10/31/2026,6100 Rent,350.00,,Rent accrual,,Admin,Plant
ADJ-1025,10/31/2026,Accrued Liabilities,,"1,850.00",Accrued professional fees,,Admin,HQ
ADJ-1026,10/05/2026,6200,99.95,,Utilities,Power Co,,
ADJ-1026,10/05/2026,2000 Accounts payable,,99.95,Utilities,Power Co,,
"""

# The same from a Mac or a European Excel (Intuit: a Mac export may use semicolons): decimal
# commas and the UK company date format.
JOURNAL_EU = """\
Journal No.;Journal Date;Account;Debits;Credits;Description;Class
UK-7;31/10/2026;6400;1.234,50;;Prüfung;Admin
UK-7;31/10/2026;2900;;1.234,50;Gebühr;Admin
"""

# Not the official template (Date, Debit, Credit, Memo; a Line No.), as some tools write it.
JOURNAL_LIKE = """\
Date,Ref No.,Journal No.,Line No.,Account,Debit,Credit,Name,Memo
2026-10-15,,POS-20261015,1,4000,0.00,100.00,,Sales
2026-10-15,,POS-20261015,2,2100,0.00,15.00,,VAT
2026-10-15,,POS-20261015,3,1000,115.00,0.00,,Cash
"""

# The General Ledger report as QuickBooks exports it to CSV: title rows, a blank line, the header
# with an empty first cell, one section per account (a sub-account inside its parent), Beginning
# Balance and Total rows, the grand TOTAL and the footer; Amount signed by the account's natural
# balance, in every notation QuickBooks writes.
GL_AMOUNT = """\
Contoso Trading NL
General Ledger
"October 1-31, 2026"

,Date,Transaction Type,Num,Name,Memo/Description,Split,Amount,Balance
1100 Bank EUR,,,,,,,,
,Beginning Balance,,,,,,,"117,656.07"
,10/03/2026,Payment,,Bayshore Medical,Invoice 1037 paid,1200 Accounts receivable,"4,250.00","121,906.07"
,10/12/2026,Expense,,Office Estates,October rent,6100 Rent,"-1,000.00","120,906.07"
Total for 1100 Bank EUR,,,,,,,"$3,250.00",
1200 Accounts receivable,,,,,,,,
,10/01/2026,Invoice,1037,Bayshore Medical,HVAC service,4000 Revenue,"4,250.00","4,250.00"
,10/03/2026,Payment,,Bayshore Medical,Invoice 1037 paid,1100 Bank EUR,"-4,250.00",0.00
,10/05/2026,Credit Memo,CM-7,Bayshore Medical,Credit - rework,4000 Revenue,$(250.00),-250.00
Total for 1200 Accounts receivable,,,,,,,-$250.00,
Accrued Liabilities,,,,,,,,
,10/31/2026,Journal Entry,ADJ-1,,Audit fee accrual,Legal & Professional Fees:Audit,150.00,150.00
,10/31/2026,Journal Entry,ADJ-2,,Accrual released,Legal & Professional Fees:Audit,(1.00),149.00
Total for Accrued Liabilities,,,,,,,$149.00,
4000 Revenue,,,,,,,,
,10/01/2026,Invoice,1037,Bayshore Medical,HVAC service,1200 Accounts receivable,"4,250.00","4,250.00"
,10/05/2026,Credit Memo,CM-7,Bayshore Medical,Credit - rework,1200 Accounts receivable,$(250.00),"4,000.00"
Total for 4000 Revenue,,,,,,,"$4,000.00",
6100 Rent,,,,,,,,
,10/12/2026,Expense,,Office Estates,October rent,1100 Bank EUR,"1,000.00","1,000.00"
Total for 6100 Rent,,,,,,,"$1,000.00",
Legal & Professional Fees,,,,,,,,
Audit,,,,,,,,
,10/31/2026,Journal Entry,ADJ-1,,Audit fee accrual,Accrued Liabilities,150.00,150.00
,10/31/2026,Journal Entry,ADJ-2,,Accrual released,Accrued Liabilities,(1.00),149.00
Total for Audit,,,,,,,$149.00,
Total for Legal & Professional Fees with sub-accounts,,,,,,,$149.00,
TOTAL,,,,,,,"-$53,277.15",

Accrual basis Monday, November 2, 2026 10:00 AM GMT-08:00
"""
#: The physical lines of GL_AMOUNT's transaction lines, in order.
GL_AMOUNT_ROWS = [8, 9, 12, 13, 14, 17, 18, 21, 22, 25, 29, 30]
#: Its trial balance in cents: account -> (debit, credit).
GL_FIGURES = {
    "1100": (425000, 100000),
    "1200": (425000, 450000),
    "2900": (100, 15000),
    "4000": (25000, 425000),
    "6100": (100000, 0),
    "6400": (15000, 100),
}

# The newer layout with Debit and Credit columns: the account on every row as well.
GL_DEBIT_CREDIT = """\
Contoso Trading NL
General Ledger
October 2026

,Distribution account,Transaction date,Transaction type,Num,Name,Memo/Description,Split account,Debit,Credit,Balance
1100 Bank EUR,,,,,,,,,,
,1100 Bank EUR,10/03/2026,Payment,,Bayshore Medical,Invoice 1037 paid,1200 Accounts receivable,"4,250.00",,
,1100 Bank EUR,10/12/2026,Expense,,Office Estates,October rent,6100 Rent,,"1,000.00",
Total for 1100 Bank EUR,,,,,,,,"$4,250.00","$1,000.00",
1200 Accounts receivable,,,,,,,,,,
,1200 Accounts receivable,10/03/2026,Payment,,Bayshore Medical,Invoice 1037 paid,1100 Bank EUR,,"4,250.00",
Total for 1200 Accounts receivable,,,,,,,,,"$4,250.00",
6100 Rent,,,,,,,,,,
,6100 Rent,10/12/2026,Expense,,Office Estates,October rent,1100 Bank EUR,"1,000.00",,
Total for 6100 Rent,,,,,,,,"$1,000.00",,
TOTAL,,,,,,,,"$5,250.00","$5,250.00",
"""

GENERIC = "Journal,Voucher,Line,Date,Account,Currency,Debit,Credit,Text\nJ,V,1,2026-10-31,6400,EUR,1,,x\n"
D365_ENTITY = (
    "JOURNALBATCHNUMBER,VOUCHER,TRANSDATE,ACCOUNTDISPLAYVALUE,DEBITAMOUNT,CREDITAMOUNT\nB,V,2026-10-31,6400,1,\n"
)
D365_EXPORT = (
    "Voucher,AccountingDate,LedgerAccount,AccountingCurrencyAmount,TransactionCurrencyAmount\nV,2026-10-31,6400,1,1\n"
)
NETSUITE = "External ID,Date,Account,Debit,Credit,Memo\nJE1,10/31/2026,6400,1.00,,x\nJE1,10/31/2026,2900,,1.00,x\n"


def typed(ctx: ImportContext | None = None, types: dict | None = None) -> ImportContext:
    ctx = ctx or ImportContext()
    types = {**TYPES, **{name: TYPES[code] for name, code in ACCOUNT_MAP}} if types is None else types
    return dataclasses.replace(ctx, account_types=types)


@pytest.fixture
def xlsx_reports(monkeypatch):
    """Worksheets read by the importers' ``read_rows`` (the hook docs/importing.md asks for in
    sources.read_raw), as a stand-in until sources.py does it."""
    if "read_rows" in Importer.__dataclass_fields__:
        return
    plain = sources.read_raw

    def read_raw(path, spec, where):
        table, digest = plain(path, spec, where)
        if path.suffix == ".xlsx" and spec.format in ("auto", "", "quickbooks"):
            report = quickbooks.read_quickbooks_file(path.read_bytes(), where, sheet=spec.sheet)
            table = table if report is None else report
        return table, digest

    monkeypatch.setattr(sources, "read_raw", read_raw)


def workbook(make, sources_rows: list[list[object]], **sheets):
    """The sample company tracking Class and Location (QuickBooks' two dimensions), no dimension
    required on any account, its QuickBooks account names mapped."""
    settings = [row[:] for row in sample.settings_rows()]
    for row in settings:
        if row[0] == "Dimensions":
            row[1] = ", ".join(TRACKING)
    accounts = [[*row[:5], "", *row[6:]] for row in sample.ACCOUNTS]
    return make.workbook(
        Settings=settings,
        Accounts=accounts,
        Dimensions=[],
        AccountMap=ACCOUNT_MAP,
        Sources=sources_rows,
        **sheets,
    )


def figures(result) -> dict[str, tuple[int, int]]:
    """The trial balance of the close's period: account -> (debit, credit) in cents."""
    tb = trial_balance.trial_balance(result.ledger.lines, None, result.book, closing.context_for(result.book))
    return {r.Account: (r.Debit, r.Credit) for r in tb.itertuples() if r.Account != "Total"}


def codes(result) -> list[str]:
    return list(result.findings["Code"])


def canonical(mapped, dims: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    return ledger.canonical_lines(mapped, where="qbo", kind="ledger", accounting_currency="EUR", dimensions=dims)


# ---------------------------------------------------------------------------------- journal import


def test_journal_import_reads_into_the_trial_balance(make):
    make.file("je.csv", JOURNAL_US)
    result = closekit.validate(workbook(make, [["je.csv", "journal", "auto"]]))
    assert result.ok, result.findings
    assert codes(result) == ["format-detected"]
    assert "read as QuickBooks Online (quickbooks)" in result.findings["Message"].iloc[0]
    assert figures(result) == {
        "2000": (0, 9995),
        "2900": (0, 185000),
        "6100": (35000, 0),
        "6200": (9995, 0),
        "6400": (150000, 0),
    }
    lines = result.ledger.lines
    assert lines["voucher"].tolist() == ["ADJ-1025"] * 3 + ["ADJ-1026"] * 2
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-31"] * 3 + ["2026-10-05"] * 2
    assert lines["text"].tolist()[:3] == ["Audit fee accrual", "Rent accrual", "Accrued professional fees"]
    assert lines["Class"].tolist() == ["Admin"] * 3 + ["", ""]
    assert lines["Location"].tolist() == ["HQ", "Plant", "HQ", "", ""]
    assert lines["row"].tolist() == [2, 3, 4, 5, 6]


def test_european_journal_import(make):
    make.file("je-eu.csv", JOURNAL_EU, encoding="cp1252")
    result = closekit.validate(workbook(make, [["je-eu.csv", "journal", "auto"]]))
    assert result.ok, result.findings
    assert figures(result) == {"2900": (0, 123450), "6400": (123450, 0)}
    assert result.ledger.lines["text"].tolist() == ["Prüfung", "Gebühr"]
    assert result.ledger.lines["date"].dt.strftime("%Y-%m-%d").unique().tolist() == ["2026-10-31"]


def test_ambiguous_slash_dates_follow_the_sources_date_format(make):
    text = JOURNAL_EU.replace("31/10/2026", "01/10/2026")  # 1 October, or 10 January?
    make.file("je-eu.csv", text, encoding="cp1252")
    result = closekit.validate(workbook(make, [["je-eu.csv", "journal", "quickbooks", "", "", ";", ",", "DD/MM/YYYY"]]))
    assert result.ok, result.findings
    assert result.ledger.lines["date"].dt.strftime("%Y-%m-%d").unique().tolist() == ["2026-10-01"]


def test_a_journal_file_not_on_the_template_is_read_too(make):
    make.file("pos.csv", JOURNAL_LIKE)
    result = closekit.validate(workbook(make, [["pos.csv", "ledger", "auto"]]))
    assert result.ok, result.findings
    assert figures(result) == {"1000": (11500, 0), "2100": (0, 1500), "4000": (0, 10000)}
    assert result.ledger.lines["text"].tolist() == ["Sales", "VAT", "Cash"]


# ---------------------------------------------------------------------------- General Ledger report


def test_report_reader_keeps_the_lines_their_sections_and_physical_rows():
    table = quickbooks.read_quickbooks_report(GL_AMOUNT, "gl.csv")
    assert table.rows.tolist() == GL_AMOUNT_ROWS
    assert table.columns == [
        "Account",
        "Date",
        "Transaction Type",
        "Num",
        "Name",
        "Memo/Description",
        "Split",
        "Amount",
        "Balance",
    ]
    assert table.frame["Account"].tolist() == [
        "1100 Bank EUR",
        "1100 Bank EUR",
        "1200 Accounts receivable",
        "1200 Accounts receivable",
        "1200 Accounts receivable",
        "Accrued Liabilities",
        "Accrued Liabilities",
        "4000 Revenue",
        "4000 Revenue",
        "6100 Rent",
        "Legal & Professional Fees:Audit",  # a sub-account, as QuickBooks names it
        "Legal & Professional Fees:Audit",
    ]
    assert table.preamble == [["Contoso Trading NL"], ["General Ledger"], ["October 1-31, 2026"]]
    assert table.meta["delimiter"] == "," and table.meta["column_numbers"]["Amount"] == 8
    assert table.findings.empty
    assert quickbooks.read_quickbooks_report(JOURNAL_US, "je.csv") is None
    assert quickbooks.read_quickbooks_report(GENERIC, "gl.csv") is None


def test_report_readers_for_text_and_cells():
    assert quickbooks.IMPORTER.read_text is quickbooks.read_text
    assert quickbooks.read_text(GL_AMOUNT, "gl.csv", "cp1252").meta["encoding"] == "cp1252"
    for other in (JOURNAL_US, GENERIC, NETSUITE, "Date,Source,Description,Reference,Debit,Credit\n"):
        assert quickbooks.read_text(other, "other.csv", "utf-8") is None
    cells = [row for row in csv.reader(io.StringIO(GL_AMOUNT))]
    assert quickbooks.read_rows(cells, "gl.xlsx").rows.tolist() == GL_AMOUNT_ROWS
    moved = quickbooks.read_rows(cells, "gl.xlsx", first_row=3)  # cells[0] is row 3
    assert moved.rows.tolist() == [r + 2 for r in GL_AMOUNT_ROWS] and moved.meta["header_row"] == 7
    assert quickbooks.read_rows([["Voucher", "Date"], ["V1", "2026-10-31"]], "x.xlsx") is None


def test_report_amounts_signed_by_natural_balance_become_debits_and_credits():
    table = quickbooks.read_quickbooks_report(GL_AMOUNT, "gl.csv")
    mapped = quickbooks.map_table(table, typed())
    lines, found = canonical(mapped)
    assert found.empty
    assert lines["account"].tolist() == [
        "1100",
        "1100",
        "1200",
        "1200",
        "1200",
        "Accrued Liabilities",
        "Accrued Liabilities",
        "4000",
        "4000",
        "6100",
        "Legal & Professional Fees:Audit",
        "Legal & Professional Fees:Audit",
    ]
    # An invoice is +4,250.00 on Accounts receivable and on Revenue: a debit and a credit.
    assert lines["amount"].tolist() == [
        425000,
        -100000,
        425000,
        -425000,
        -25000,
        -15000,
        100,
        -425000,
        25000,
        100000,
        15000,
        -100,
    ]
    assert lines["journal"].tolist()[:3] == ["Payment", "Expense", "Invoice"]
    assert lines["voucher"].tolist()[2:5] == ["1037", "", "CM-7"]
    assert lines["text"].iloc[4] == "Credit - rework"
    assert mapped.columns["debit"] == mapped.columns["credit"] == "Amount"


def test_report_reads_into_the_trial_balance(make):
    make.file("gl.csv", GL_AMOUNT)
    result = closekit.validate(workbook(make, [["gl.csv", "ledger", "auto"]]))
    assert result.ok, result.findings
    assert codes(result) == ["format-detected"]
    assert figures(result) == GL_FIGURES
    assert result.ledger.lines["row"].tolist() == GL_AMOUNT_ROWS


def test_report_with_debit_and_credit_columns_needs_no_account_types(make):
    make.file("gl.csv", GL_DEBIT_CREDIT)
    result = closekit.validate(workbook(make, [["gl.csv", "ledger", "quickbooks"]]))
    assert result.ok, result.findings
    assert figures(result) == {"1100": (425000, 100000), "1200": (0, 425000), "6100": (100000, 0)}
    assert result.ledger.lines["row"].tolist() == [7, 8, 11, 14]
    table = quickbooks.read_quickbooks_report(GL_DEBIT_CREDIT, "gl.csv")
    assert table.columns[0] == "Account" and "Distribution account" not in table.columns
    mapped = quickbooks.map_table(table, ImportContext())  # no account types needed
    assert mapped.findings.empty and mapped.columns["debit"] == "Debit"


def test_report_whose_header_is_the_first_row_needs_no_hook():
    header_first = GL_AMOUNT.split("\n", 4)[4]  # the title rows and the blank line deleted
    table = read_csv_text(header_first, "gl.csv")
    assert quickbooks.detect(table)
    mapped = quickbooks.map_table(table, typed())
    lines, found = canonical(mapped)
    assert found.empty
    assert lines["row"].tolist() == [r - 4 for r in GL_AMOUNT_ROWS]
    assert lines["amount"].sum() == 0


def test_report_whose_title_rows_are_padded_needs_no_hook():
    padded = "\n".join(
        line + "," * 8 if i < 4 else line for i, line in enumerate(GL_AMOUNT.split("\n"))
    )  # "Contoso Trading NL,,,,,,,,"
    table = read_csv_text(padded, "gl.csv")
    assert table.columns[0] == "Contoso Trading NL"
    assert [imp.name for imp in importers.candidates(table)] == ["quickbooks"]
    lines, found = canonical(quickbooks.map_table(table, typed()))
    assert found.empty
    assert lines["row"].tolist() == GL_AMOUNT_ROWS
    assert lines["amount"].sum() == 0


def test_report_amounts_without_account_types_are_refused_with_one_finding():
    table = quickbooks.read_quickbooks_report(GL_AMOUNT, "gl.csv")
    mapped = quickbooks.map_table(table, ImportContext())
    found = mapped.findings
    assert found[["Code", "Row", "Column"]].values.tolist() == [["missing-column", 5, "Debit"]]  # the header row
    assert "natural balance" in found["Message"].iloc[0] and "Debit and Credit" in found["Fix"].iloc[0]
    lines, _ = canonical(mapped)
    assert lines["amount"].isna().all()


def test_report_account_of_unknown_type_is_one_finding_per_line_and_no_amounts():
    # every line left without an amount is named (issue 14: a row is a line or an Error on its cell)
    table = quickbooks.read_quickbooks_report(GL_AMOUNT, "gl.csv")
    types = {k: v for k, v in typed().account_types.items() if k != "4000"}
    lines, found = canonical(quickbooks.map_table(table, typed(types=types)))
    assert found[["Code", "Row", "Column"]].values.tolist() == [
        ["unknown-account", 21, "Account"],
        ["unknown-account", 22, "Account"],
    ]
    assert "account 4000 Revenue: closekit does not know whether it is a debit or a credit" in found["Message"].iloc[0]
    assert "(2 lines)" in found["Message"].iloc[0]
    assert lines.loc[lines["account"] == "4000", "amount"].isna().all()
    assert lines.loc[lines["account"] != "4000", "amount"].notna().all()


def test_report_from_excel_keeps_cell_types_and_excel_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    rows = [
        ["Contoso Trading NL"],
        ["General Ledger"],
        ["October 1-31, 2026"],
        [],
        [None, "Date", "Transaction Type", "Num", "Name", "Memo/Description", "Split", "Amount", "Balance"],
        ["6100 Rent"],
        [None, "Beginning Balance", None, None, None, None, None, None, 500.0],
        [None, dt.datetime(2026, 10, 12), "Expense", None, "Office Estates", "October rent", "1100", 1000.0, 1500.0],
        ["Total for 6100 Rent", None, None, None, None, None, None, 1000.0],
        ["1100 Bank EUR"],
        [None, dt.datetime(2026, 10, 12), "Expense", None, "Office Estates", "October rent", "6100", -1000.0, -1000.0],
        ["Total for 1100 Bank EUR", None, None, None, None, None, None, -1000.0],
        ["TOTAL", None, None, None, None, None, None, 0.0],
        [],
        ["Accrual basis Monday, November 2, 2026 10:00 AM GMT-08:00"],
    ]
    for row in rows:
        sheet.append(row)
    path = tmp_path / "gl.xlsx"
    book.save(path)
    table = quickbooks.read_quickbooks_file(path.read_bytes(), "gl.xlsx")
    assert table.rows.tolist() == [8, 11]
    assert table.frame["Account"].tolist() == ["6100 Rent", "1100 Bank EUR"]
    lines, found = canonical(quickbooks.map_table(table, typed()))
    assert found.empty
    assert lines["amount"].tolist() == [100000, -100000]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-12"] * 2


def test_report_from_excel_reads_into_the_close(make, xlsx_reports):
    book = openpyxl.Workbook()
    for row in csv.reader(io.StringIO(GL_AMOUNT)):
        book.active.append(row)
    book.save(make.folder / "gl.xlsx")
    result = closekit.validate(workbook(make, [["gl.xlsx", "ledger", "auto"]]))
    assert result.ok, result.findings
    assert figures(result) == GL_FIGURES
    assert result.ledger.lines["row"].tolist() == GL_AMOUNT_ROWS


def test_european_report_semicolons_and_decimal_commas(make):
    text = """\
Contoso Trading NL
General Ledger
Oktober 2026

;Date;Transaction Type;Num;Name;Memo/Description;Split;Debit;Credit;Balance
6400 Prüfungskosten;;;;;;;;;
;31/10/2026;Journal Entry;AB-1;;Prüfung;2900;1.234,50;;1.234,50
Total for 6400 Prüfungskosten;;;;;;;1.234,50;;
2900 Abgrenzungen;;;;;;;;;
;31/10/2026;Journal Entry;AB-1;;Gebühr;6400;;1.234,50;-1.234,50
Total for 2900 Abgrenzungen;;;;;;;;1.234,50;
TOTAL;;;;;;;1.234,50;1.234,50;
"""
    make.file("gl.csv", text, encoding="cp1252")
    result = closekit.validate(workbook(make, [["gl.csv", "ledger", "auto"]]))
    assert result.ok, result.findings
    assert figures(result) == {"2900": (0, 123450), "6400": (123450, 0)}
    assert result.ledger.lines["text"].tolist() == ["Prüfung", "Gebühr"]
    assert result.ledger.lines["row"].tolist() == [7, 10]


def test_pasted_report_needs_a_header_on_its_account_column():
    cells = [
        [None, "Date", "Transaction Type", "Num", "Name", "Memo/Description", "Split", "Debit", "Credit"],
        ["6400 Audit and legal fees"],
        [None, "10/31/2026", "Journal Entry", "ADJ-1", None, "Audit", "2900", 150.0, None],
        ["2900 Accrued expenses"],
        [None, "10/31/2026", "Journal Entry", "ADJ-1", None, "Audit", "6400", None, 150.0],
    ]
    pasted = from_rows("LedgerImport", cells)  # a pasted sheet: the column without a header is dropped
    assert quickbooks.detect(pasted)
    found = quickbooks.map_table(pasted, ImportContext()).findings
    assert found[["Code", "Row", "Column"]].values.tolist() == [["missing-column", 1, "Account"]]
    assert "type Account into the empty first cell" in found["Fix"].iloc[0]
    cells[0][0] = "Account"
    lines, found = canonical(quickbooks.map_table(from_rows("LedgerImport", cells), ImportContext()))
    assert found.empty
    assert lines["account"].tolist() == ["6400", "2900"]
    assert lines["row"].tolist() == [3, 5]
    assert lines["amount"].tolist() == [15000, -15000]


def test_journal_report_further_lines_take_the_transaction_above():
    text = """\
Contoso Trading NL
Journal
October 2026

,Date,Transaction Type,Num,Name,Memo/Description,Account,Debit,Credit
,10/15/2026,Invoice,1001,A Client,Consulting,1200 Accounts receivable,"1,200.00",
,,,,,Consulting,4000 Revenue,,"1,200.00"
,,,,,,,"$1,200.00","$1,200.00"
,10/20/2026,Expense,,,Coffee,6400,12.50,
,,,,,Coffee,1100 Bank EUR,,12.50
,,,,,,,$12.50,$12.50
TOTAL,,,,,,,"$1,212.50","$1,212.50"

Tuesday, Nov 03, 2026 07:31:11 AM GMT-7
"""
    table = quickbooks.read_quickbooks_report(text, "journal.csv")
    assert table.rows.tolist() == [6, 7, 9, 10]
    lines, found = canonical(quickbooks.map_table(table, ImportContext()))
    assert found.empty
    assert lines["account"].tolist() == ["1200", "4000", "6400", "1100"]
    assert lines["voucher"].tolist() == ["1001", "1001", "", ""]
    assert lines["journal"].tolist() == ["Invoice", "Invoice", "Expense", "Expense"]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-15"] * 2 + ["2026-10-20"] * 2
    assert lines["amount"].tolist() == [120000, -120000, 1250, -1250]


def test_desktop_style_sections_and_totals():
    text = """\
,Type,Date,Num,Adj,Name,Memo,Split,Debit,Credit,Balance
5012 · Thing,,,,,,,,,,0
Total 5012 · Thing,,,,,,,,,,0
5013 · Another Thing,,,,,,,,,,0
,Bill,10/1/2026,123,,name,,2000 · Accounts Payable,100,,100
,Bill,10/2/2026,124,,name,,2000 · Accounts Payable,200,,300
Total 5013 · Another Thing,,,,,,,,300,0,300
Total Rewards,,,,,,,,,,0
,Bill,10/3/2026,125,,name,,2000 · Accounts Payable,5,,5
"""
    table = read_csv_text(text, "gl.csv")
    assert quickbooks.detect(table)
    lines, found = canonical(quickbooks.map_table(table, ImportContext()))
    assert found.empty
    assert lines["account"].tolist() == ["5013", "5013", "Total Rewards"]  # a section, not a total
    assert lines["row"].tolist() == [5, 6, 9]
    assert lines["amount"].tolist() == [10000, 20000, 500]


def test_a_line_above_every_section_is_a_bad_row():
    text = ",Date,Transaction Type,Num,Name,Memo/Description,Split,Amount,Balance\n,10/1/2026,Deposit,,,x,,5.00,5.00\n"
    table = quickbooks.read_quickbooks_report(text, "gl.csv")
    assert len(table) == 0
    assert table.findings[["Code", "Row"]].values.tolist() == [["bad-row", 2]]


def test_detection_claims_its_own_layouts_only():
    padded = "\n".join(line + "," * 8 if i < 4 else line for i, line in enumerate(GL_AMOUNT.split("\n")))
    for text in (JOURNAL_US, JOURNAL_EU, JOURNAL_LIKE, GL_AMOUNT.split("\n", 4)[4], padded):
        table = read_csv_text(text, "qbo.csv")
        assert [imp.name for imp in importers.candidates(table)] == ["quickbooks"], text[:40]
    for text in (GL_AMOUNT, GL_DEBIT_CREDIT):
        assert [imp.name for imp in importers.candidates(quickbooks.read_quickbooks_report(text, "gl"))] == [
            "quickbooks"
        ]
    for text in (GENERIC, D365_ENTITY, D365_EXPORT, NETSUITE):
        assert not quickbooks.detect(read_csv_text(text, "other.csv"))
    for text in (JOURNAL_US, JOURNAL_LIKE, GL_AMOUNT.split("\n", 4)[4]):
        assert not netsuite.detect(read_csv_text(text, "qbo.csv"))


# ------------------------------------------------------------------------------------- the upload


def adjustments(rows: list[tuple] | None = None) -> pd.DataFrame:
    """Adjustment lines tracking Class and Location: ``(voucher, account, class, location, amount, text)``."""
    rows = rows or [
        ("REV-2026-10-0001", "7910", "", "", "33.00", "Revaluation of USD 100000.00 at 0.9189"),
        ("REV-2026-10-0001", "1110", "", "", "-33.00", "Revaluation of USD 100000.00 at 0.9189"),
        ("ALC-2026-10-0001", "6900", "Sales", "HQ", "2400.00", "IT cost allocation"),
        ("ALC-2026-10-0001", "6900", "Production", "Plant", "1600.00", "IT cost allocation"),
        ("ALC-2026-10-0001", "6300", "Admin", "", "-4000.00", "IT cost allocation"),
    ]
    records = [
        {
            "where": "Adjustments",
            "row": i,
            "kind": "journal",
            "voucher": v,
            "line": i - 1,
            "date": "2026-10-31",
            "account": a,
            "Class": c,
            "Location": loc,
            "amount": m,
            "text": t,
        }
        for i, (v, a, c, loc, m, t) in enumerate(rows, start=2)
    ]
    return canonical_lines(records, dimensions=TRACKING)


def context(dims: tuple[str, ...] = TRACKING) -> ExportContext:
    return ExportContext("EUR", dims, "-", "GenJrn", "Contoso Trading NL", "2026-10")


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_upload_layout():
    export = upload.write(adjustments(), context())
    assert export.findings.empty and export.suffix == ".csv" and len(export.files) == 1
    header, *body = rows_of(export.files[0])
    assert header == ["Journal No.", "Journal Date", "Account", "Debits", "Credits", "Description", "Class", "Location"]
    assert body[0] == [
        "REV-2026-10-0001",
        "10/31/2026",
        "7910",
        "33.00",
        "",
        "Revaluation of USD 100000.00 at 0.9189",
        "",
        "",
    ]
    assert body[4] == ["ALC-2026-10-0001", "10/31/2026", "6300", "", "4000.00", "IT cost allocation", "Admin", ""]
    assert [r[6:] for r in body[2:4]] == [["Sales", "HQ"], ["Production", "Plant"]]
    assert any("QuickBooks matches accounts by name" in n for n in export.notes)


def test_upload_names_accounts_when_the_context_has_their_names():
    @dataclasses.dataclass(frozen=True)
    class NamedContext(ExportContext):
        account_names: dict = dataclasses.field(default_factory=dict)

    ctx = NamedContext("EUR", TRACKING, account_names={"7910": "Unrealized FX loss", "1110": "Bank USD"})
    body = rows_of(upload.write(adjustments(), ctx).files[0])[1:]
    assert [r[2] for r in body] == ["Unrealized FX loss", "Bank USD", "6900", "6900", "6300"]


def test_dimensions_without_a_quickbooks_column_are_noted():
    export = upload.write(adjustments(), context(("Class", "Department")))
    assert rows_of(export.files[0])[0][-1] == "Class"
    assert "QuickBooks has no column for the dimensions Department: they are not in the file." in export.notes


def test_upload_reads_back_the_same_vouchers():
    lines = adjustments()
    export = upload.write(lines, context())
    table = read_csv_text(export.files[0].decode("utf-8-sig"), "upload.csv")
    assert [imp.name for imp in importers.candidates(table)] == ["quickbooks"]
    back, found = ledger.canonical_lines(
        quickbooks.map_table(table, ImportContext(dimensions=TRACKING)),
        where="upload.csv",
        kind="journal",
        accounting_currency="EUR",
        dimensions=TRACKING,
    )
    assert found.empty
    keys = ["voucher", "account", *TRACKING, "amount_accounting", "text", "date"]
    assert back[keys].reset_index(drop=True).equals(lines[keys].reset_index(drop=True))


def test_limits_of_journal_number_and_description():
    rows = [
        ("J" * 22, "6400", "", "", "1.00", "x"),
        ("J" * 22, "2900", "", "", "-1.00", "x"),
        ("J" * 21, "6400", "", "", "1.00", "d" * 4001),
        ("J" * 21, "2900", "", "", "-1.00", "d" * 4000),
        ("=" + "J" * 20, "6400", "", "", "1.00", "=" + "d" * 3999),  # the ' written before = counts
        ("=" + "J" * 20, "2900", "", "", "-1.00", "x"),
    ]
    found = upload.write(adjustments(rows), context()).findings
    assert set(found["Code"]) == {"export-limit"}
    assert found[["Row", "Column"]].values.tolist() == [[2, "Voucher"], [4, "Text"], [6, "Voucher"], [6, "Text"]]
    assert "at most 21 characters in Journal No.; voucher JJJJJJJJJJJJJJJJJJJJJJ has 22" in found["Message"].iloc[0]
    assert "at most 4000 characters in Description; this text has 4001" in found["Message"].iloc[1]


def test_more_than_a_thousand_lines_are_split_into_files_of_whole_vouchers():
    rows = []
    for n in range(700):  # 1400 lines: 999 lines per file would split voucher 499
        rows += [(f"V{n:04d}", "6400", "", "", "1.00", "x"), (f"V{n:04d}", "2900", "", "", "-1.00", "x")]
    export = upload.write(adjustments(rows), context())
    assert export.findings.empty
    files = [rows_of(f) for f in export.files]
    assert [len(f) for f in files] == [999, 403]  # the header and 998 lines, the header and 402
    vouchers = [{r[0] for r in f[1:]} for f in files]
    assert not vouchers[0] & vouchers[1]
    assert export.notes[0] == "The journal is split into 2 files of at most 1000 lines each."


def test_a_voucher_longer_than_a_file_is_refused():
    rows = [("BIG", "6400", "", "", "1.00", "x")] * 999 + [("BIG", "2900", "", "", "-999.00", "x")]
    found = upload.write(adjustments(rows), context()).findings
    assert found[["Row", "Column"]].values.tolist() == [[2, "Voucher"]]
    assert "at most 999 journal lines; voucher BIG has 1000" in found["Message"].iloc[0]


def test_formula_looking_text_stays_text():
    rows = [("V1", "6400", "=1+1", "", "1.00", "=cmd|' /C calc'!A0"), ("V1", "2900", "", "@x", "-1.00", "-fee")]
    body = rows_of(upload.write(adjustments(rows), context()).files[0])[1:]
    assert body[0][5] == "'=cmd|' /C calc'!A0" and body[0][6] == "'=1+1"
    assert body[1][5] == "'-fee" and body[1][7] == "'@x"
    assert body[1][4] == "1.00"


def _without_type(text: str) -> str:
    """GL_AMOUNT customised without its Transaction Type column (Rows/Columns → Change columns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for record in csv.reader(io.StringIO(text)):
        writer.writerow(record[:2] + record[3:] if len(record) > 2 else record)
    return out.getvalue()


def test_report_without_a_type_column_is_recognised_by_its_structure(make):
    # issue 14: a customised report has no Type; its title rows, sections and Total rows tell it
    text = _without_type(GL_AMOUNT)
    assert "Transaction Type" not in text
    table = quickbooks.read_quickbooks_report(text, "gl.csv")
    assert table is not None and table.rows.tolist() == GL_AMOUNT_ROWS
    assert table.meta["skipped"] == {
        "title": 3,
        "blank": 2,  # above the header, and above the footer
        "section": 7,
        "opening balance": 1,
        "total": 8,
        "footer": 1,
    }
    make.file("gl.csv", text)
    result = closekit.validate(workbook(make, [["gl.csv", "ledger", "auto"]]))
    assert result.ok, result.findings
    assert "read as QuickBooks Online (quickbooks)" in result.findings["Message"].iloc[0]
    assert figures(result) == GL_FIGURES
    [source] = result.ledger.sources
    # every physical line but the header is a line or skipped by layout
    assert source.rows_read == len(GL_AMOUNT_ROWS) and source.rows_skipped == 22


def test_report_without_a_type_column_pasted_from_its_header_row_is_recognised():
    header_first = _without_type(GL_AMOUNT).split("\n", 4)[4]
    table = read_csv_text(header_first, "gl.csv")
    assert [imp.name for imp in importers.candidates(table)] == ["quickbooks"]
    lines, found = canonical(quickbooks.map_table(table, typed()))
    assert found.empty and lines["amount"].sum() == 0
    assert lines["row"].tolist() == [r - 4 for r in GL_AMOUNT_ROWS]


def test_a_plain_table_with_date_and_amount_is_not_taken_for_a_report():
    table = read_csv_text(",Date,Amount\nrent,10/01/2026,5.00\nTotal,,5.00\n", "x.csv")
    assert not quickbooks.detect(table)
