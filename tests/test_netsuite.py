"""NetSuite: the journal entry import and the GL detail saved search read into the close, and the
journal import written for upload (formats.md 3a, 3b), on fixtures written here."""

from __future__ import annotations

import pandas as pd
import pytest

import closekit
from closefixtures import lines as canonical_lines
from closekit.closing import runner as closing
from closekit.closing import trial_balance
from closekit.core import ledger
from closekit.exporters import ExportContext
from closekit.exporters import netsuite as upload
from closekit.samples import company as sample
from closekit.sources import importers
from closekit.sources.importers import netsuite
from closekit.sources.importers.base import ImportContext
from closekit.sources.tables import read_csv_text
from exportfixtures import DIMENSIONS, adjustments, context

SEGMENTS = ("Department", "CostCenter", "Subsidiary", "Class", "Location")

# The journal import as a US user exports it: M/D/YYYY, thousands commas, accounts as `number
# name`, as a bare number and as `Parent : Child`, a header Memo and Line Memos.
JOURNAL_US = """\
External ID,Subsidiary,Currency,Exchange Rate,Date,Posting Period,Memo,Account,Debit,Credit,Line Memo,Name,\
Department,CostCenter,Class,Location
JE-2026-10-ACR1,Contoso NL,EUR,1,10/31/2026,Oct 2026,Oct accruals,6400 Audit and legal fees,"1,500.00",,\
Audit fee accrual,,ADMIN,,Corporate,HQ
JE-2026-10-ACR1,Contoso NL,EUR,1,10/31/2026,Oct 2026,Oct accruals,6100,350.00,,Rent accrual,,SALES,CC100,Corporate,HQ
JE-2026-10-ACR1,Contoso NL,EUR,1,10/31/2026,Oct 2026,Oct accruals,Liabilities : 2900 Accrued expenses,,"1,850.00",\
,,,,Corporate,HQ
JE-2026-10-ACR2,Contoso NL,EUR,1,10/5/2026,Oct 2026,Utilities October,6200 Utilities,99.95,,,,PROD,,Ops,Plant
JE-2026-10-ACR2,Contoso NL,EUR,1,10/5/2026,Oct 2026,Utilities October,2000 Accounts payable,,99.95,,,,,Ops,Plant
"""

# The same kind of file from a German Excel: semicolons, decimal commas, DD.MM.YYYY, Windows-1252.
JOURNAL_DE = """\
External ID;Subsidiary;Currency;Date;Memo;Account;Debit;Credit;Line Memo;Department;CostCenter
AB-10-1;Contoso NL;EUR;31.10.2026;Abgrenzung Prüfung;6400 Prüfungskosten;1.234,50;;Prüfung Oktober;;
AB-10-1;Contoso NL;EUR;31.10.2026;Abgrenzung Prüfung;2900 Abgrenzungen;;1.234,50;Gebühr;;
"""

SEARCH = """\
Internal ID,Date,Period,Type,Document Number,Name,Account,Memo,Amount (Debit),Amount (Credit),Amount,Currency,\
Exchange Rate,Amount (Foreign Currency),Department,Posting
4711,10/14/2026,Oct 2026,Deposit,DEP-17,Acme Inc,1110 Bank USD,USD receipt,918.90,,918.90,USD,0.9189,100.00,,T
4711,10/14/2026,Oct 2026,Deposit,DEP-17,Acme Inc,1200 Accounts receivable,USD receipt,,918.90,-918.90,USD,0.9189,\
-100.00,,T
4712,10/20/2026,Oct 2026,Journal,,,6300 IT services,Licences,250.00,,250.00,EUR,1,250.00,ADMIN,T
4712,10/20/2026,Oct 2026,Journal,,,2000 Accounts payable,Licences,,250.00,-250.00,EUR,1,-250.00,,T
"""

GENERIC = "Journal,Voucher,Line,Date,Account,Currency,Debit,Credit,Text\nJ,V,1,2026-10-31,6400,EUR,1,,x\n"
D365_ENTITY = (
    "JOURNALBATCHNUMBER,VOUCHER,TRANSDATE,ACCOUNTDISPLAYVALUE,DEBITAMOUNT,CREDITAMOUNT\nB,V,2026-10-31,6400,1,\n"
)
D365_EXPORT = (
    "Voucher,AccountingDate,LedgerAccount,AccountingCurrencyAmount,TransactionCurrencyAmount\nV,2026-10-31,6400,1,1\n"
)


def settings(dimensions: tuple[str, ...]) -> list[list[object]]:
    rows = [row[:] for row in sample.settings_rows()]
    for row in rows:
        if row[0] == "Dimensions":
            row[1] = ", ".join(dimensions)
    return rows


def figures(result) -> dict[str, tuple[int, int]]:
    """The trial balance of the close's period: account -> (debit, credit) in cents."""
    tb = trial_balance.trial_balance(result.ledger.lines, None, result.book, closing.context_for(result.book))
    return {r.Account: (r.Debit, r.Credit) for r in tb.itertuples() if r.Account != "Total"}


def codes(result) -> list[str]:
    return list(result.findings["Code"])


ALL_SEGMENTS = ImportContext(dimensions=SEGMENTS)


def read(text: str, ctx: ImportContext = ALL_SEGMENTS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A NetSuite file's canonical lines and findings, as the import step reads them."""
    table = read_csv_text(text, "ns.csv")
    mapped = netsuite.map_table(table, ctx)
    return ledger.canonical_lines(
        mapped, where="ns.csv", kind="ledger", accounting_currency="EUR", dimensions=ctx.dimensions
    )


# ------------------------------------------------------------------------------ reading the close


def test_journal_import_reads_into_the_trial_balance(make):
    make.file("je.csv", JOURNAL_US)
    workbook = make.workbook(Settings=settings(SEGMENTS), Sources=[["je.csv", "journal", "auto"]])
    result = closekit.validate(workbook)
    assert result.ok, result.findings
    assert codes(result) == ["format-detected"]
    assert "read as NetSuite (netsuite)" in result.findings["Message"].iloc[0]
    assert figures(result) == {
        "2000": (0, 9995),
        "2900": (0, 185000),
        "6100": (35000, 0),
        "6200": (9995, 0),
        "6400": (150000, 0),
    }
    lines = result.ledger.lines
    assert lines["voucher"].tolist() == ["JE-2026-10-ACR1"] * 3 + ["JE-2026-10-ACR2"] * 2
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-31"] * 3 + ["2026-10-05"] * 2
    # The Line Memo, else the journal's Memo.
    assert lines["text"].tolist() == [
        "Audit fee accrual",
        "Rent accrual",
        "Oct accruals",
        "Utilities October",
        "Utilities October",
    ]
    assert lines["Subsidiary"].unique().tolist() == ["Contoso NL"]
    assert lines["Class"].tolist() == ["Corporate"] * 3 + ["Ops"] * 2
    assert lines["Location"].tolist() == ["HQ"] * 3 + ["Plant"] * 2
    assert lines["Department"].tolist() == ["ADMIN", "SALES", "", "PROD", ""]
    assert lines["row"].tolist() == [2, 3, 4, 5, 6]


def test_european_journal_import_semicolons_decimal_comma(make):
    make.file("je-de.csv", JOURNAL_DE, encoding="cp1252")
    workbook = make.workbook(Sources=[["je-de.csv", "journal", "auto"]])
    result = closekit.validate(workbook)
    assert result.ok, result.findings
    assert figures(result) == {"2900": (0, 123450), "6400": (123450, 0)}
    lines = result.ledger.lines
    assert lines["text"].tolist() == ["Prüfung Oktober", "Gebühr"]
    assert lines["date"].dt.strftime("%Y-%m-%d").unique().tolist() == ["2026-10-31"]


def test_saved_search_reads_base_amounts_as_accounting_and_foreign_amounts(make):
    make.file("gl.csv", SEARCH)
    result = closekit.validate(make.workbook(Sources=[["gl.csv", "ledger", "auto"]]))
    assert result.ok, result.findings
    lines = result.ledger.lines
    assert lines["journal"].tolist() == ["Deposit", "Deposit", "Journal", "Journal"]
    assert lines["voucher"].tolist() == ["DEP-17", "DEP-17", "4712", "4712"]  # the Internal ID without a number
    assert lines["currency"].tolist() == ["USD", "USD", "EUR", "EUR"]
    assert lines["amount"].tolist() == [10000, -10000, 25000, -25000]
    assert lines["amount_accounting"].tolist() == [91890, -91890, 25000, -25000]
    assert not lines["converted"].any()
    assert lines["posted"].tolist() == [True] * 4
    assert figures(result) == {"1110": (91890, 0), "1200": (0, 91890), "2000": (0, 25000), "6300": (25000, 0)}


def test_saved_search_with_one_signed_amount_in_the_base_currency():
    text = (
        "Internal ID,Date,Type,Document Number,Account,Memo,Amount,Posting\n"
        "9,10/02/2026,Journal,JE9,6400 Audit and legal fees,fee,(1.00),F\n"
        "9,10/02/2026,Journal,JE9,2900 Accrued expenses,fee,1.00,F\n"
    )
    lines, found = read(text)
    assert found.empty
    assert lines["amount"].tolist() == [-100, 100]
    assert lines["currency"].tolist() == ["EUR", "EUR"]
    assert lines["posted"].tolist() == [False, False]
    assert lines["account"].tolist() == ["6400", "2900"]


def test_unposted_saved_search_lines_are_flagged(make):
    make.file("gl.csv", SEARCH.replace(",T\n", ",F\n"))
    result = closekit.validate(make.workbook(Sources=[["gl.csv", "ledger", "auto"]]))
    assert "unposted-journal" in codes(result)


def test_accounts_are_the_leading_number_of_the_last_part():
    values = pd.Series(
        [
            "6150 Audit Fees",
            "6000 Expenses : 6150 Audit Fees",
            "Expenses : Audit Fees",
            "Accrued Liabilities",
            "6150",
            "1000.10 Petty cash",
            "401(k) Payable",
            "5012 · Thing",
            " 4000 - Sales ",
            "",
        ]
    )
    assert netsuite.account_code(values).tolist() == [
        "6150",
        "6150",
        "Expenses : Audit Fees",
        "Accrued Liabilities",
        "6150",
        "1000.10",
        "401(k) Payable",
        "5012",
        "4000",
        "",
    ]


def test_segments_are_the_dimensions_of_the_same_name():
    lines, found = read(JOURNAL_US, ImportContext(dimensions=("Subsidiary", "Department", "Class", "Location")))
    assert found.empty
    first = lines.iloc[0]
    assert (first["Subsidiary"], first["Department"], first["Class"], first["Location"]) == (
        "Contoso NL",
        "ADMIN",
        "Corporate",
        "HQ",
    )
    mapped = netsuite.map_table(read_csv_text(JOURNAL_US, "je.csv"), ImportContext(dimensions=("Class",)))
    assert mapped.columns["voucher"] == "External ID" and mapped.columns["account"] == "Account"
    assert mapped.columns["text"] == "Line Memo" and mapped.columns["Class"] == "Class"


def test_missing_columns_are_findings():
    table = read_csv_text("External ID,Account,Debit\nJ1,6400,5\n", "je.csv")
    mapped = netsuite.map_table(table, ImportContext())
    assert sorted(mapped.findings["Column"]) == ["Credit", "Date"]
    assert set(mapped.findings["Code"]) == {"missing-column"}
    search = read_csv_text("Date,Type,Document Number,Account,Memo\n10/1/2026,Journal,J,6400,x\n", "gl.csv")
    assert netsuite.detect(search) is False  # no amounts: not claimed...
    mapped = netsuite.map_table(search, ImportContext())  # ...but read when named, with a finding
    assert mapped.findings["Column"].tolist() == ["Amount"]


def test_detection_claims_its_own_layouts_only():
    ours = [JOURNAL_US, JOURNAL_DE, SEARCH]
    for text in ours:
        table = read_csv_text(text, "ns.csv")
        assert netsuite.detect(table)
        assert [imp.name for imp in importers.candidates(table)] == ["netsuite"]
    for text in (GENERIC, D365_ENTITY, D365_EXPORT):
        assert not netsuite.detect(read_csv_text(text, "other.csv"))


# ------------------------------------------------------------------------------------- the upload


def rows_of(data: bytes) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_upload_layout():
    export = upload.write(adjustments(), context())
    assert export.findings.empty and export.suffix == ".csv" and len(export.files) == 1
    assert not export.files[0].startswith(b"\xef\xbb\xbf")
    header, *body = rows_of(export.files[0])
    assert header == [
        "External ID",
        "Currency",
        "Date",
        "Memo",
        "Account",
        "Debit",
        "Credit",
        "Line Memo",
        "Department",
        "CostCenter",
    ]
    assert body[0] == [
        "REV-2026-10-0001",
        "EUR",
        "10/31/2026",
        "Revaluation of USD 100000.00 at 0.9189",
        "7910",
        "33.00",
        "",
        "Revaluation of USD 100000.00 at 0.9189",
        "",
        "",
    ]
    assert body[4][:8] == [
        "ALC-2026-10-0001",
        "EUR",
        "10/31/2026",
        "IT cost allocation",
        "6300",
        "",
        "4000.00",
        "IT cost allocation",
    ]
    assert [r[8:] for r in body[2:]] == [["SALES", "CC100"], ["PROD", ""], ["ADMIN", ""]]


def test_upload_reads_back_the_same_vouchers():
    lines = adjustments()
    export = upload.write(lines, context())
    table = read_csv_text(export.files[0].decode("utf-8"), "upload.csv")
    assert [imp.name for imp in importers.candidates(table)] == ["netsuite"]
    mapped = netsuite.map_table(table, ImportContext(dimensions=DIMENSIONS))
    back, found = ledger.canonical_lines(
        mapped, where="upload.csv", kind="journal", accounting_currency="EUR", dimensions=DIMENSIONS
    )
    assert found.empty
    keys = ["voucher", "account", *DIMENSIONS, "amount_accounting", "text", "date"]
    assert back[keys].reset_index(drop=True).equals(lines[keys].reset_index(drop=True))


def test_subsidiary_dimension_is_the_journal_subsidiary():
    dims = ("Subsidiary", "Department")
    rows = [
        {"voucher": "V1", "date": "2026-10-31", "account": "6400", "Subsidiary": "NL", "amount": "5.00"},
        {"voucher": "V1", "date": "2026-10-31", "account": "2900", "Subsidiary": "NL", "amount": "-5.00"},
        {"voucher": "V2", "date": "2026-10-31", "account": "6400", "Subsidiary": "NL", "amount": "7.00"},
        {"voucher": "V2", "date": "2026-10-31", "account": "2900", "Subsidiary": "DE", "amount": "-7.00"},
    ]
    lines = canonical_lines(rows, dimensions=dims)
    export = upload.write(lines, ExportContext("EUR", dims))
    header = rows_of(export.files[0])[0]
    assert header[:2] == ["External ID", "Subsidiary"] and header[-1] == "Department"
    refused = export.findings
    assert refused[["Code", "Row", "Column", "Voucher"]].values.tolist() == [["export-limit", 4, "Subsidiary", "V2"]]
    assert "intercompany" in refused["Message"].iloc[0]


def refusals(rows: list[tuple], **kw) -> pd.DataFrame:
    return upload.write(adjustments(rows), context(**kw)).findings


def test_limits_of_text_amount_and_voucher():
    long_voucher = "V" * 301
    rows = [
        ("j", long_voucher, 1, "6400", "", "", "1.00", "x"),
        ("j", long_voucher, 2, "2900", "", "", "-1.00", "x"),
        ("j", "V2", 1, "6400", "", "", "1.00", "é" * 151),  # 151 characters, 302 bytes
        ("j", "V2", 2, "2900", "", "", "-1.00", "ok"),
        ("j", "V3", 1, "6400", "", "", "10000000000.00", "big"),
        ("j", "V3", 2, "2900", "", "", "-10000000000.00", "big"),
        ("j", "V4", 1, "6400", "", "", "0.00", "alone"),
    ]
    found = refusals(rows)
    assert set(found["Code"]) == {"export-limit"}
    field = found["Message"].str.extract(r"bytes in (.+?);")[0].fillna("")
    assert sorted(zip(found["Row"].tolist(), found["Column"], field, strict=True)) == [
        (2, "Voucher", "External ID"),  # once per voucher
        (4, "Text", "Line Memo"),  # and the voucher's Memo, its first line's text
        (6, "AmountAccounting", ""),
        (7, "AmountAccounting", ""),
        (8, "Voucher", ""),
    ]
    messages = " | ".join(found["Message"])
    assert "at most 300 bytes in External ID; this one has 301" in messages
    assert "in Line Memo; this one has 302" in messages
    assert "at most 10 digits before the decimal point" in messages
    assert "needs at least two lines; voucher V4 has one" in messages
    largest = [
        ("j", "V5", 1, "6400", "", "", "9999999999.99", "x"),
        ("j", "V5", 2, "2900", "", "", "-9999999999.99", "x"),
    ]
    assert refusals(largest).empty


def test_limit_of_lines_per_journal_entry(monkeypatch):
    monkeypatch.setattr(upload, "MAX_JOURNAL_LINES", 2)
    rows = [("j", "V1", n, "6400", "", "", "1.00", "x") for n in (1, 2)] + [
        ("j", "V1", 3, "2900", "", "", "-2.00", "x")
    ]
    found = refusals(rows)
    assert found[["Row", "Column"]].values.tolist() == [[2, "Voucher"]]
    assert "at most 2 lines per journal entry; voucher V1 has 3" in found["Message"].iloc[0]


def test_more_lines_than_a_file_takes_are_split_between_vouchers(monkeypatch):
    monkeypatch.setattr(upload, "MAX_FILE_LINES", 4)
    export = upload.write(adjustments(), context())  # vouchers of 2 and 3 lines
    assert export.findings.empty
    assert len(export.files) == 2
    first, second = (rows_of(f) for f in export.files)
    assert first[0] == second[0]  # each file has the header
    assert {r[0] for r in first[1:]} == {"REV-2026-10-0001"} and len(first) == 3
    assert {r[0] for r in second[1:]} == {"ALC-2026-10-0001"} and len(second) == 4
    assert export.notes == ["The journal is split into 2 files of at most 4 lines."]


def test_formula_looking_text_stays_text():
    rows = [
        ("j", "=V1", 1, "6400", "@SUM", "", "1.00", '=HYPERLINK("http://x")'),
        ("j", "=V1", 2, "2900", "", "", "-1.00", "+1 fee"),
    ]
    body = rows_of(upload.write(adjustments(rows), context()).files[0])[1:]
    assert body[0][0] == "'=V1"
    assert body[0][3] == body[0][7] == '\'=HYPERLINK("http://x")'
    assert body[0][8] == "'@SUM"
    assert body[1][7] == "'+1 fee"
    assert body[1][6] == "1.00"


@pytest.mark.parametrize("dims", [(), ("Department", "CostCenter")])
def test_empty_adjustments_give_a_header_only_file(dims):
    lines = adjustments()
    export = upload.write(lines.iloc[0:0], ExportContext("EUR", dims))
    assert export.findings.empty and len(export.files) == 1
    assert len(rows_of(export.files[0])) == 1
