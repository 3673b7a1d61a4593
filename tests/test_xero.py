"""The Xero importer (manual journal import CSV, General Ledger / Account Transactions report) and
the Xero manual journal writer, on fixtures written here."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest

import closekit
from closekit import api
from closekit.closing.trial_balance import trial_balance
from closekit.core import ledger
from closekit.core.steps import CloseContext
from closekit.exporters import available
from closekit.exporters import xero as xero_export
from closekit.sources import importers
from closekit.sources.importers import xero
from closekit.sources.importers.base import ImportContext
from closekit.sources.tables import decode, read_csv_text
from exportfixtures import DIMENSIONS, adjustments, context

CTX = ImportContext(DIMENSIONS, "-", "EUR")

# Two journals and one Narration used on two dates (two journals in Xero); 31/10 shows DD/MM.
MANUAL_JOURNAL = """\
*Narration,*Date,Description,*AccountCode,*TaxRate,*Amount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2
Oct audit accrual,31/10/2026,Audit fee accrual,6400,Tax Exempt,1500.00,,,,
Oct audit accrual,31/10/2026,Accrued audit fee,2900,Tax Exempt,-1500.00,,,,
Rent reclass,15/10/2026,Rent to sales,6100,Tax Exempt,"1,200.00",Department,SALES,Cost Center,CC100
Rent reclass,15/10/2026,Rent from admin,6100,Tax Exempt,-1200.00,Department,ADMIN,Cost Center,CC200
IT recharge,01/10/2026,IT to production,6300,Tax Exempt,250.50,Department,PROD,Region,North
IT recharge,01/10/2026,IT from admin,6300,Tax Exempt,-250.50,Department,ADMIN,,
Rent reclass,16/10/2026,Rent to production,6100,Tax Exempt,300,Cost Center,CC100,Department,PROD
Rent reclass,16/10/2026,Rent from admin,6100,Tax Exempt,-300,Department,ADMIN,Cost Center,CC100
"""

# Title rows, a blank line, account sections with opening, total and closing rows, a final total.
GL_REPORT = """\
Account Transactions
Contoso Trading NL
1 October 2026 to 31 October 2026

Date,Source,Description,Reference,Debit,Credit,Running Balance,Gross,VAT,Department
1100 - Bank EUR
Opening Balance,,,,,,"25,000.00",,,
02/10/2026,Receive Money,Cash sale,RM-0001,"1,210.00",,"26,210.00","1,210.00",210.00,
20/10/2026,Spend Money,Electricity October,SM-0002,,363.00,"25,847.00",-363.00,-63.00,
Total 1100 - Bank EUR,,,,"1,210.00",363.00,,,,
Closing Balance,,,,,,"25,847.00",,,
1200 - Accounts receivable
15/10/2026,Receivable Invoice,INV-0042 Consulting,INV-0042,"2,420.00",,"2,420.00",,,
Total 1200 - Accounts receivable,,,,"2,420.00",,,,,
2100 - VAT payable
02/10/2026,Receive Money,Cash sale,RM-0001,,210.00,,,,
15/10/2026,Receivable Invoice,INV-0042 Consulting,INV-0042,,420.00,,,,
20/10/2026,Spend Money,Electricity October,SM-0002,63.00,,,,,
Total 2100 - VAT payable,,,,63.00,630.00,,,,
4000 - Revenue
02/10/2026,Receive Money,"Total refund, cash sale",RM-0001,,"1,000.00",,,,SALES
15/10/2026,Receivable Invoice,INV-0042 Consulting,INV-0042,,"2,000.00",,,,SALES
Total 4000 - Revenue,,,,,"3,000.00",,,,
6200 - Utilities
20/10/2026,Spend Money,Electricity October,SM-0002,300.00,,,,,ADMIN
Total 6200 - Utilities,,,,300.00,,,,,
Total,,,,"3,993.00","3,993.00",,,,
"""
GL_REPORT_LINES = [8, 9, 13, 16, 17, 18, 21, 22, 25]

# The same kind of report with Account Code/Account and Journal Number columns and ISO dates.
GL_CODES = """\
Date,Source,Journal Number,Account Code,Account,Description,Reference,Debit,Credit
2026-10-05,Manual Journal,MJ-17,6400,Audit and legal fees,Audit fee,,800.00,
2026-10-05,Manual Journal,MJ-17,2900,Accrued expenses,Audit fee,,,800.00
2026-10-09,Spend Money,SM-18,1000,Petty cash,Cash top-up,,50.00,
2026-10-09,Spend Money,SM-18,1100,Bank EUR,Cash top-up,,,50.00
Total,,,,,,,850.00,850.00
"""


def validate(make, name: str, kind: str = "ledger", fmt: str = "auto", date_format: str = ""):
    workbook = make.workbook(Sources=[[name, kind, fmt, "", "", "", "", date_format]])
    return closekit.validate(workbook)


def codes(result) -> list[tuple]:
    return [(r["Severity"], r["Code"], r["Row"], r["Column"]) for r in result.findings.to_dict("records")]


def october_tb(result) -> dict[tuple, tuple[int, int]]:
    """(account, department, cost center) -> (debit, credit) of October 2026, in cents."""
    ctx = CloseContext.for_period(
        "2026-10", "2026-10-01", "2026-10-31", accounting_currency="EUR", dimensions=DIMENSIONS
    )
    tb = trial_balance(result.ledger.lines, None, result.book, ctx, by_dimensions=True)
    return {
        (r.Account, r.Department, r.CostCenter): (int(r.Debit), int(r.Credit))
        for r in tb.itertuples()
        if r.Account not in ("Total", "")
    }


# -------------------------------------------------------------------------------- manual journal


def test_manual_journal_through_validate(make):
    make.file("journals.csv", MANUAL_JOURNAL)
    result = validate(make, "journals.csv", kind="journal")
    assert codes(result) == [
        ("Warning", "bad-value", 6, "TrackingName2"),
        ("Info", "format-detected", None, ""),
    ]
    region = result.findings.iloc[0]
    assert "tracking category 'Region' (option 'North')" in region["Message"]
    assert region["Voucher"] == "IT recharge"
    lines = result.ledger.lines
    assert lines["row"].tolist() == [2, 3, 4, 5, 6, 7, 8, 9]
    assert lines["voucher"].tolist() == [
        "Oct audit accrual",
        "Oct audit accrual",
        "Rent reclass 15/10/2026",
        "Rent reclass 15/10/2026",
        "IT recharge",
        "IT recharge",
        "Rent reclass 16/10/2026",
        "Rent reclass 16/10/2026",
    ]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist()[::2] == [
        "2026-10-31",
        "2026-10-15",
        "2026-10-01",
        "2026-10-16",
    ]
    assert lines["text"].tolist()[:2] == ["Audit fee accrual", "Accrued audit fee"]
    assert set(lines["currency"]) == {"EUR"}
    assert result.ledger.sources[0].format == "xero"
    assert result.ledger.sources[0].columns["Department"] == "TrackingOption1"
    assert october_tb(result) == {
        ("2900", "", ""): (0, 150000),
        ("6100", "ADMIN", "CC100"): (0, 30000),
        ("6100", "ADMIN", "CC200"): (0, 120000),
        ("6100", "PROD", "CC100"): (30000, 0),
        ("6100", "SALES", "CC100"): (120000, 0),
        ("6300", "ADMIN", ""): (0, 25050),
        ("6300", "PROD", ""): (25050, 0),
        ("6400", "", ""): (150000, 0),
    }


def test_manual_journal_unbalanced_journal_is_found_per_narration_and_date(make):
    text = MANUAL_JOURNAL.replace("-300,Department", "-299,Department")
    make.file("journals.csv", text)
    result = validate(make, "journals.csv", kind="journal")
    unbalanced = result.findings[result.findings["Code"] == "unbalanced-voucher"]
    assert unbalanced[["Row", "Column", "Voucher"]].values.tolist() == [[8, "*Amount", "Rent reclass 16/10/2026"]]


def test_month_name_and_iso_dates_mixed_with_slash_dates(make):
    text = (
        "*Narration,*Date,Description,*AccountCode,*TaxRate,*Amount\n"
        "A,30 Oct 2026,x,6400,Tax Exempt,10\n"
        "A,30 Oct 2026,x,2900,Tax Exempt,-10\n"
        "B,2026-10-29,y,6400,Tax Exempt,5\n"
        "B,2026-10-29,y,2900,Tax Exempt,-5\n"
        "C,5/10/2026,z,6400,Tax Exempt,1\n"
        "C,5/10/2026,z,2900,Tax Exempt,-1\n"
        "D,1-Sept-2026,w,6400,Tax Exempt,2\n"
        "D,1-Sept-2026,w,2900,Tax Exempt,-2\n"
    )
    make.file("mixed.csv", text)
    result = validate(make, "mixed.csv")
    assert [c for c in codes(result) if c[0] != "Info" or c[1] != "format-detected" or c[2] is not None] == [
        ("Info", "format-detected", 6, "*Date")
    ]
    days = result.ledger.lines["date"].dt.strftime("%Y-%m-%d").tolist()[::2]
    assert days == ["2026-10-30", "2026-10-29", "2026-10-05", "2026-09-01"]


def test_ambiguous_slash_dates_are_day_first_with_a_note_and_date_format_wins(make):
    text = (
        "*Narration,*Date,Description,*AccountCode,*TaxRate,*Amount\n"
        "A,05/10/2026,x,6400,Tax Exempt,10\n"
        "A,05/10/2026,x,2900,Tax Exempt,-10\n"
        "B,01/01/2026,y,6400,Tax Exempt,5\n"
        "B,01/01/2026,y,2900,Tax Exempt,-5\n"
    )
    make.file("ambiguous.csv", text)
    result = validate(make, "ambiguous.csv")
    note = result.findings[(result.findings["Code"] == "format-detected") & result.findings["Row"].notna()]
    assert note[["Severity", "Row", "Column"]].values.tolist() == [["Info", 2, "*Date"]]
    assert "05/10/2026" in note["Message"].iloc[0] and "DD/MM/YYYY" in note["Message"].iloc[0]
    assert "MM/DD/YYYY" in note["Fix"].iloc[0]
    assert result.ledger.lines["date"].dt.strftime("%Y-%m-%d").tolist()[::2] == ["2026-10-05", "2026-01-01"]

    us = validate(make, "ambiguous.csv", date_format="MM/DD/YYYY")
    assert us.ledger.lines["date"].dt.strftime("%Y-%m-%d").tolist()[::2] == ["2026-05-10", "2026-01-01"]


def test_us_dates_are_month_first_without_a_note(make):
    text = (
        "*Narration,*Date,Description,*AccountCode,*TaxRate,*Amount\n"
        "A,10/05/2026,x,6400,Tax Exempt,10\nA,10/05/2026,x,2900,Tax Exempt,-10\n"
        "B,10/31/2026,y,6400,Tax Exempt,5\nB,10/31/2026,y,2900,Tax Exempt,-5\n"
    )
    make.file("us.csv", text)
    result = validate(make, "us.csv")
    assert result.ok and codes(result) == [("Info", "format-detected", None, "")]
    assert result.ledger.lines["date"].dt.strftime("%Y-%m-%d").tolist()[::2] == ["2026-10-05", "2026-10-31"]


def test_manual_journal_without_stars_and_missing_columns():
    plain = MANUAL_JOURNAL.replace("*", "")
    table = read_csv_text(plain, "plain.csv")
    assert importers.candidates(table) == [xero.IMPORTER]
    assert xero.map_table(table, CTX).findings["Code"].tolist() == ["bad-value"]
    no_amount = read_csv_text("*Narration,*Date,*AccountCode,*TaxRate,*Amt\nA,31/10/2026,6400,x,1\n", "m.csv")
    assert not xero.detect(no_amount)
    no_account = "*Narration,*Date,Description,AccountCode,*Amount\nA,31/10/2026,x,,1\n"
    mapped = xero.map_table(read_csv_text(no_account, "m.csv"), CTX)
    assert mapped.findings.empty and mapped.columns["account"] == "AccountCode"


# ---------------------------------------------------------------------------------------- report


def test_gl_report_skips_titles_sections_and_totals_and_keeps_physical_rows(make):
    make.file("gl.csv", GL_REPORT)
    result = validate(make, "gl.csv")
    assert result.ok, codes(result)
    assert codes(result) == [("Info", "format-detected", None, "")]
    lines = result.ledger.lines
    assert lines["row"].tolist() == GL_REPORT_LINES
    assert lines["account"].tolist() == ["1100", "1100", "1200", "2100", "2100", "2100", "4000", "4000", "6200"]
    assert lines["journal"].tolist()[:3] == ["Receive Money", "Spend Money", "Receivable Invoice"]
    assert (lines["voucher"] == "").all()
    assert lines["text"].tolist()[6] == "Total refund, cash sale"
    assert lines["Department"].tolist()[6:] == ["SALES", "SALES", "ADMIN"]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist()[:3] == ["2026-10-02", "2026-10-20", "2026-10-15"]
    assert result.ledger.rows_read == 22  # the data rows under the header, summary rows included
    assert result.ledger.sources[0].columns["account"] == "Date"
    assert october_tb(result) == {
        ("1100", "", ""): (121000, 36300),
        ("1200", "", ""): (242000, 0),
        ("2100", "", ""): (6300, 63000),
        ("4000", "SALES", ""): (0, 300000),
        ("6200", "ADMIN", ""): (30000, 0),
    }


def test_gl_report_bad_cells_name_their_physical_line(make):
    make.file(
        "gl.csv",
        GL_REPORT.replace(
            "20/10/2026,Spend Money,Electricity October,SM-0002,300.00",
            "32/10/2026,Spend Money,Electricity October,SM-0002,3x0",
        ),
    )
    result = validate(make, "gl.csv")
    errors = result.findings[result.findings["Severity"] == "Error"]
    cells = errors[errors["Code"] != "unbalanced-voucher"]
    assert cells[["Code", "Row", "Column"]].values.tolist() == [["bad-number", 25, "Debit"], ["bad-date", 25, "Date"]]


def test_gl_report_with_account_code_and_journal_number_columns(make):
    # Format xero: QuickBooks' journal import layout also claims Journal Number + Account + Debit.
    make.file("gl.csv", GL_CODES)
    result = validate(make, "gl.csv", fmt="xero")
    assert result.ok, codes(result)
    lines = result.ledger.lines
    assert lines["row"].tolist() == [2, 3, 4, 5]
    assert lines["voucher"].tolist() == ["MJ-17", "MJ-17", "SM-18", "SM-18"]
    assert lines["account"].tolist() == ["6400", "2900", "1000", "1100"]
    assert october_tb(result) == {
        ("1000", "", ""): (5000, 0),
        ("1100", "", ""): (0, 5000),
        ("2900", "", ""): (0, 80000),
        ("6400", "", ""): (80000, 0),
    }
    unbalanced = GL_CODES.replace(",,,800.00", ",,,700.00")
    make.file("gl2.csv", unbalanced)
    found = validate(make, "gl2.csv", fmt="xero").findings
    assert found[found["Code"] == "unbalanced-voucher"][["Row", "Voucher"]].values.tolist() == [[2, "MJ-17"]]


def test_account_names_with_codes():
    values = pd.Series(["200 - Sales", "Sales (200)", "Rent - Office", "Bank EUR", "090 - Business Bank", "A-1 - X"])
    assert xero.account_code(values).tolist() == ["200", "200", "Rent - Office", "Bank EUR", "090", "A-1"]


def test_report_without_any_account_is_a_missing_column():
    text = "Date,Source,Description,Debit,Credit\n2026-10-02,Receive Money,x,1,\n"
    mapped = xero.map_table(read_csv_text(text, "gl.csv"), CTX)
    assert mapped.findings[["Code", "Column"]].values.tolist() == [["missing-column", "Account Code"]]


def test_pasted_report_in_ledger_import_keeps_excel_rows(make):
    header, *body = csv.reader(GL_REPORT.splitlines()[4:])  # pasted from the header row down
    result = closekit.validate(make.workbook(LedgerImport=[header, *body]))
    assert result.ok, codes(result)
    assert result.ledger.lines["row"].tolist() == [n - 4 for n in GL_REPORT_LINES]


def test_read_rows_finds_the_header_below_title_rows_of_a_sheet():
    cells = [
        ["Account Transactions", None, None, None, None, None],
        ["Contoso Trading NL", None, None, None, None, None],
        [None, None, None, None, None, None],
        ["Date", "Source", "Description", "Reference", "Debit", "Credit"],
        ["6400 - Audit and legal fees", None, None, None, None, None],
        [dt.datetime(2026, 10, 5), "Manual Journal", "Audit fee", "MJ-1", 800.0, None],
        ["Total 6400 - Audit and legal fees", None, None, None, 800.0, None],
        ["2900 - Accrued expenses", None, None, None, None, None],
        [dt.datetime(2026, 10, 5), "Manual Journal", "Audit fee", "MJ-1", None, 800.0],
        ["Total 2900 - Accrued expenses", None, None, None, None, 800.0, None, "spill"],
    ]
    table = xero.read_rows(cells, "gl.xlsx")
    assert table.columns == ["Date", "Source", "Description", "Reference", "Debit", "Credit"]
    assert table.rows.tolist() == [5, 6, 7, 8, 9]
    assert table.findings[["Code", "Row"]].values.tolist() == [["bad-row", 10]]
    assert table.preamble[0][0] == "Account Transactions"
    mapped = xero.map_table(table, CTX)
    lines, found = ledger.canonical_lines(
        mapped, where="gl.xlsx", kind="ledger", accounting_currency="EUR", dimensions=DIMENSIONS
    )
    assert found.empty
    assert lines["row"].tolist() == [6, 9]
    assert lines["account"].tolist() == ["6400", "2900"]
    assert lines["amount"].tolist() == [80000, -80000]
    assert xero.read_rows(cells[3:], "gl.xlsx") is None  # header on the first row: the plain reader's job


def test_read_text_leaves_other_files_to_the_csv_reader():
    assert xero.read_text(MANUAL_JOURNAL, "m.csv", "utf-8") is None
    assert xero.read_text(GL_CODES, "gl.csv", "utf-8") is None
    assert xero.read_text("Voucher,Date,Account,Debit,Credit\nV,2026-10-01,1,1,\n", "g.csv", "utf-8") is None
    table = xero.read_text("\ufeff" + GL_REPORT.replace("\n", "\r\n"), "gl.csv", "utf-8")
    assert table.rows.tolist()[:3] == [6, 7, 8]
    assert table.meta["delimiter"] == "," and table.meta["preamble"][0] == "Account Transactions"


def test_read_text_counts_physical_lines_across_quoted_line_breaks():
    text = GL_REPORT.replace("Electricity October,SM-0002,300.00", '"Electricity\nOctober",SM-0002,300.00')
    table = xero.read_text(text, "gl.csv", "utf-8")
    mapped = xero.map_table(table, CTX)
    assert mapped.rows.tolist() == [*GL_REPORT_LINES[:-1], 25]
    assert table.rows.tolist()[-1] == 28  # the grand total, one line further down


# ------------------------------------------------------------------------------------- detection


GENERIC = "Journal,Voucher,Line,Date,Account,Currency,Debit,Credit,Text\nJ,V,1,2026-10-01,6100,EUR,1,,x\n"
D365_ENTITY = (
    "JOURNALBATCHNUMBER,LINENUMBER,JOURNALNAME,VOUCHER,TRANSDATE,ACCOUNTTYPE,ACCOUNTDISPLAYVALUE,TEXT,"
    "DEBITAMOUNT,CREDITAMOUNT,CURRENCYCODE\nB,1,GenJrn,V,2026-10-31,Ledger,6100--,x,1.00,0,EUR\n"
)
D365_EXPORT = (
    "JournalNumber,Voucher,AccountingDate,LedgerAccount,Description,TransactionCurrencyCode,"
    "TransactionCurrencyAmount,AccountingCurrencyAmount\n1,V,2026-10-31,6100,x,EUR,1,1\n"
)
LOOKALIKE = "Date,Account,Description,Debit,Credit,Currency\n2026-10-01,200,x,1,,EUR\n"  # formats.md §7 #12


@pytest.mark.parametrize("text", [GENERIC, D365_ENTITY, D365_EXPORT, LOOKALIKE])
def test_detect_leaves_other_layouts_alone(text):
    assert not xero.detect(read_csv_text(text, "other.csv"))


@pytest.mark.parametrize("text", [MANUAL_JOURNAL, GL_CODES.replace("Journal Number,", "Journal ID,"), GL_REPORT])
def test_xero_layouts_are_recognised_by_xero_alone(text):
    table = xero.read_text(text, "x.csv", "utf-8") or read_csv_text(text, "x.csv")
    assert importers.candidates(table) == [xero.IMPORTER]


def test_registered():
    assert importers.REGISTRY["xero"] is xero.IMPORTER
    assert available()["xero"] is xero_export.EXPORTER


# ---------------------------------------------------------------------------- the upload file


def read_back(files: list[bytes], dimensions: tuple[str, ...] = DIMENSIONS) -> pd.DataFrame:
    """The lines of upload files read with the Xero importer, as canonical lines."""
    parts = []
    for number, data in enumerate(files, start=1):
        where = f"upload-{number}.csv"
        text, encoding = decode(data, where)
        assert encoding == "utf-8"
        table = read_csv_text(text, where, encoding=encoding)
        assert importers.candidates(table) == [xero.IMPORTER]
        mapped = xero.map_table(table, ImportContext(dimensions, "-", "EUR"))
        lines, found = ledger.canonical_lines(
            mapped,
            where=where,
            kind="journal",
            accounting_currency="EUR",
            dimensions=dimensions,
            date_format=mapped.date_format,
        )
        assert found.empty, found
        parts.append(lines)
    return pd.concat(parts, ignore_index=True)


def same_lines(back: pd.DataFrame, lines: pd.DataFrame, dimensions: tuple[str, ...] = DIMENSIONS) -> None:
    keys = ["date", "account", *dimensions, "amount_accounting", "text"]
    mine = back[keys].reset_index(drop=True).astype(object)
    theirs = lines[keys].reset_index(drop=True).astype(object)
    pd.testing.assert_frame_equal(mine, theirs)


def test_export_layout_and_round_trip():
    lines = adjustments()
    export = xero_export.write(lines, context())
    assert export.findings.empty and export.suffix == ".csv" and len(export.files) == 1
    text = export.files[0].decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = text.splitlines()
    assert rows[0] == ",".join(xero_export.HEADER)
    assert rows[1] == (
        "REV-2026-10-0001 Revaluation of USD 100000.00 at 0.9189,31 Oct 2026,Revaluation of USD 100000.00 at 0.9189,"
        "7910,Tax Exempt,33.00,,,,"
    )
    assert rows[3].endswith("6900,Tax Exempt,2400.00,Department,SALES,CostCenter,CC100")
    assert rows[5].endswith("6300,Tax Exempt,-4000.00,Department,ADMIN,,")
    assert export.notes == [
        "TaxRate 'Tax Exempt' on every line: change it in the file if the organisation's zero rate has another name."
    ]
    back = read_back(export.files)
    same_lines(back, lines)
    assert back["voucher"].tolist()[:2] == ["REV-2026-10-0001 Revaluation of USD 100000.00 at 0.9189"] * 2


@pytest.mark.parametrize(("currency", "rate"), [("AUD", "BAS Excluded"), ("NZD", "No GST"), ("GBP", "No VAT")])
def test_zero_tax_rate_by_region(currency, rate):
    export = xero_export.write(adjustments(currency=currency), context(currency))
    assert f",{rate}," in export.files[0].decode() and rate in export.notes[0]


def test_split_into_files_of_at_most_300_lines_whole_journals():
    rows = []
    for v in range(1, 71):  # 70 vouchers of 5 lines: 350 lines
        voucher = f"ALC-2026-10-{v:04d}"
        for n, (account, amount) in enumerate(
            [("6900", "1.00"), ("6900", "2.00"), ("6900", "3.00"), ("6300", "-4.00"), ("6300", "-2.00")], 1
        ):
            rows.append(("allocation", voucher, n, account, "SALES", "", amount, f"Allocation {v}"))
    lines = adjustments(rows)
    export = xero_export.write(lines, context())
    assert export.findings.empty
    assert len(export.files) == 2
    assert export.notes[0] == "split into 2 files of at most 300 lines (Xero's limit)"
    counts = [len(f.decode().splitlines()) - 1 for f in export.files]
    assert counts == [300, 50]
    first = read_csv_text(export.files[0].decode(), "1.csv").frame["*Narration"]
    second = read_csv_text(export.files[1].decode(), "2.csv").frame["*Narration"]
    assert not set(first) & set(second)  # no journal is cut in two
    same_lines(read_back(export.files), lines)


def test_a_journal_of_more_than_300_lines_is_refused():
    rows = [("allocation", "ALC-BIG", n, "6900", "", "", "1.00" if n % 2 else "-1.00", "x") for n in range(1, 303)]
    rows.append(("allocation", "ALC-SMALL", 1, "6900", "", "", "0.00", "y"))
    export = xero_export.write(adjustments(rows), context())
    found = export.findings
    assert found[["Code", "Row", "Column", "Voucher"]].values.tolist() == [["export-limit", 2, "Voucher", "ALC-BIG"]]
    assert "302 lines" in found["Message"].iloc[0] and "at most 300" in found["Message"].iloc[0]


def test_a_voucher_on_two_dates_and_a_line_without_account_are_refused():
    lines = adjustments()
    lines.loc[lines.index[1], "date"] = pd.Timestamp("2026-10-30")
    lines.loc[lines.index[4], "account"] = ""
    found = xero_export.write(lines, context()).findings
    assert found[["Code", "Row", "Column", "Voucher"]].values.tolist() == [
        ["export-limit", 2, "Date", "REV-2026-10-0001"],
        ["export-limit", 6, "Account", "ALC-2026-10-0001"],
    ]
    assert "2 dates" in found["Message"].iloc[0]


def test_a_third_tracking_category_is_refused():
    dims = ("Department", "CostCenter", "Project")
    lines = adjustments()
    lines["Project"] = pd.Series(["", "", "P1", "", ""], index=lines.index, dtype="string")
    ctx = context()
    ctx = type(ctx)(ctx.accounting_currency, dims, ctx.dimension_delimiter, ctx.journal_name, ctx.company, ctx.period)
    found = xero_export.write(lines, ctx).findings
    assert found[["Code", "Row", "Column"]].values.tolist() == [["export-limit", 4, "Project"]]
    assert "Project = P1" in found["Message"].iloc[0]

    only_two = lines.assign(CostCenter="")  # Department and Project: two categories, written in order
    export = xero_export.write(only_two, ctx)
    assert export.findings.empty
    assert export.files[0].decode().splitlines()[3].endswith("Department,SALES,Project,P1")
    same_lines(read_back(export.files, dims), only_two, dims)


FORMULAS = ['=HYPERLINK("http://x")', "+1+2", "-A1", "@SUM(A1)"]


def test_formula_looking_text_stays_text():
    rows = [
        ("manual", "MAN-1", i + 1, "6400" if i % 2 == 0 else "2900", "", "", "5.00" if i % 2 == 0 else "-5.00", t)
        for i, t in enumerate(FORMULAS)
    ]
    rows[0] = ("manual", "MAN-1", 1, "6400", "=1+2", "", "5.00", FORMULAS[0])
    export = xero_export.write(adjustments(rows), context())
    frame = read_csv_text(export.files[0].decode(), "x.csv").frame
    assert frame["Description"].tolist() == ["'" + t for t in FORMULAS]
    assert frame["TrackingOption1"].tolist()[0] == "'=1+2"
    assert frame["*Amount"].tolist() == ["5.00", "-5.00", "5.00", "-5.00"]  # plain negative numbers stay numbers
    assert frame["*Narration"].iloc[0] == 'MAN-1 =HYPERLINK("http://x")'


def test_close_then_export_xero(sample_workbook, tmp_path):
    api.write_close(closekit.close(sample_workbook))
    exported = api.export(sample_workbook, format="xero")
    assert exported.ok and exported.lines == 7  # the adjustments and the sample's manual accrual
    written = api.write_export(exported, tmp_path / "journals")
    assert written == [tmp_path / "journals.csv"]
    back = read_back([written[0].read_bytes()])
    assert back["amount_accounting"].sum() == 0 and len(back) == 7
    assert set(back["date"].dt.strftime("%Y-%m-%d")) == {"2026-10-31"}
