"""The SAP importer (FBL3N/FAGLL03 XLSX, text with tabs, unconverted lists, ACDOCA) and the S/4HANA
General Journal upload writer, on fixtures written here."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

import closekit
from closekit import api
from closekit.closing.trial_balance import trial_balance
from closekit.core.steps import CloseContext
from closekit.exporters import available
from closekit.exporters import sap as sap_export
from closekit.samples import company as sample
from closekit.sources import importers
from closekit.sources.importers import sap
from closekit.sources.importers.base import ImportContext
from closekit.sources.tables import read_csv_text
from exportfixtures import adjustments, context

# The sample company's dimension values, plus a numeric SAP cost center.
DIMENSION_VALUES = [*sample.DIMENSION_VALUES, ["CostCenter", "4100", "Audit", "Yes"]]


def validate(make, name: str, fmt: str = "auto"):
    workbook = make.workbook(Sources=[[name, "ledger", fmt]], Dimensions=DIMENSION_VALUES)
    return closekit.validate(workbook)


def october_tb(result) -> dict[str, tuple[int, int]]:
    """Account -> (debit, credit) of October 2026, in cents, from the trial balance."""
    book = result.book
    ctx = CloseContext.for_period(
        "2026-10", "2026-10-01", "2026-10-31", accounting_currency="EUR", dimensions=book.dimensions
    )
    tb = trial_balance(result.ledger.lines, None, book, ctx)
    return {r.Account: (int(r.Debit), int(r.Credit)) for r in tb.itertuples() if r.Account not in ("Total", "")}


def codes(result) -> list[tuple]:
    f = result.findings
    return [(r["Code"], r["Where"], r["Row"], r["Column"]) for r in f.to_dict("records") if r["Severity"] != "Info"]


# ------------------------------------------------------------------------------- FBL3N as XLSX

FBL3N_HEADER = [
    "Company Code",
    "G/L Account",
    "Document Number",
    "Document Type",
    "Line item",
    "Posting Date",
    "Document Date",
    "Amount in Local Currency",
    "Local Currency",
    "Amount in Doc. Curr.",
    "Document currency",
    "Text",
    "Cost Center",
    "Department",
]
OCT15, OCT20, OCT21 = dt.datetime(2026, 10, 15), dt.datetime(2026, 10, 20), dt.datetime(2026, 10, 21)
FBL3N_ROWS = [
    ["1000", "0000006400", "0100000001", "SA", 1, OCT15, OCT15, 1500.0, "EUR", 1500.0, "EUR", "Audit fee Q3", "", ""],
    ["1000", "0000002900", "0100000001", "SA", 2, OCT15, OCT15, -1500.0, "EUR", -1500.0, "EUR", "Accrual", "", ""],
    ["1000", "0000006100", "0100000002", "SA", 1, OCT20, OCT20, 800.0, "EUR", 800.0, "EUR", "Rent", "CC100", "ADMIN"],
    ["1000", "0000001100", "0100000002", "SA", 2, OCT20, OCT20, -800.0, "EUR", -800.0, "EUR", "Rent", "", ""],
    ["1000", "0000001110", "0100000003", "SZ", 1, OCT21, OCT21, -917.4, "EUR", -1000.0, "USD", "USD to EUR", "", ""],
    ["1000", "0000001100", "0100000003", "SZ", 2, OCT21, OCT21, 917.4, "EUR", 917.4, "EUR", "USD to EUR", "", ""],
    ["*", "", "", "", "", "", "", 0.0, "EUR", "", "", "", "", ""],
]


def xlsx(make, name: str, header: list[str], rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    make.file(name, out.getvalue())


def test_fbl3n_xlsx_with_english_headers_signed_amounts_and_leading_zeros(make):
    xlsx(make, "fbl3n.xlsx", FBL3N_HEADER, FBL3N_ROWS)
    result = validate(make, "fbl3n.xlsx")
    assert result.ok, codes(result)
    assert ("format-detected", "fbl3n.xlsx") in {(r["Code"], r["Where"]) for r in result.findings.to_dict("records")}
    lines = result.ledger.lines
    assert lines["row"].tolist() == [2, 3, 4, 5, 6, 7]  # Excel rows; the totals row 8 is not a line
    assert lines["account"].tolist() == ["6400", "2900", "6100", "1100", "1110", "1100"]
    assert lines["voucher"].tolist() == ["100000001"] * 2 + ["100000002"] * 2 + ["100000003"] * 2
    assert lines["journal"].tolist() == ["1000/SA"] * 4 + ["1000/SZ"] * 2
    assert lines["line"].tolist() == [1, 2, 1, 2, 1, 2]
    usd = lines.iloc[4]
    assert (usd["currency"], usd["amount"], usd["amount_accounting"]) == ("USD", -100000, -91740)
    assert not usd["converted"]
    assert lines.iloc[2][["Department", "CostCenter"]].tolist() == ["ADMIN", "CC100"]
    assert lines["document_date"].iloc[0] == pd.Timestamp("2026-10-15")
    assert october_tb(result) == {
        "1100": (91740, 80000),
        "1110": (0, 91740),
        "2900": (0, 150000),
        "6100": (80000, 0),
        "6400": (150000, 0),
    }
    info = result.ledger.sources[0]
    assert info.format == "sap"
    assert info.skipped == {"total": 1}  # row 8, counted in the run summary
    assert info.columns["account"] == "G/L Account" and info.columns["amount"] == "Amount in Doc. Curr."
    assert info.columns["amount_accounting"] == "Amount in Local Currency"
    assert info.columns["CostCenter"] == "Cost Center" and info.columns["Department"] == "Department"


def test_fbl3n_xlsx_bad_cells_point_at_their_excel_row_and_header(make):
    rows = [r[:] for r in FBL3N_ROWS[:4]]
    rows[1][5] = "31.13.2026"  # Posting Date of Excel row 3
    rows[3][7] = "eight hundred"  # Amount in Local Currency of Excel row 5
    xlsx(make, "fbl3n.xlsx", FBL3N_HEADER, rows)
    found = codes(validate(make, "fbl3n.xlsx"))
    assert ("bad-date", "fbl3n.xlsx", 3, "Posting Date") in found
    assert ("bad-number", "fbl3n.xlsx", 5, "Amount in Local Currency") in found


def test_xlsx_unsigned_number_cells_take_the_sign_of_soll_haben(make):
    header = ["Sachkonto", "Belegnummer", "Buchungsdatum", "Betrag in Hauswährung", "Soll/Haben-Kennz.", "Text"]
    rows = [
        ["0000006400", "0100000041", OCT15, 1234.56, "S", "Prüfung"],
        ["0000002900", "0100000041", OCT15, 1234.56, "H", "Abgrenzung"],
        [6400, 100000042, OCT20, 10, "S", "ganze Zahl"],
        [1100, 100000042, OCT20, 10, "H", "ganze Zahl"],
    ]
    xlsx(make, "de.xlsx", header, rows)
    result = validate(make, "de.xlsx")
    assert result.ok, codes(result)
    lines = result.ledger.lines
    assert lines["amount"].tolist() == [123456, -123456, 1000, -1000]
    assert lines["account"].tolist() == ["6400", "2900", "6400", "1100"]
    assert lines["voucher"].tolist() == ["100000041"] * 2 + ["100000042"] * 2
    assert "journal" not in result.ledger.sources[0].columns  # no company code, no document type


def test_missing_posting_date_is_a_missing_column_finding(make):
    header = [h for h in FBL3N_HEADER if h != "Posting Date"]
    rows = [[v for h, v in zip(FBL3N_HEADER, r, strict=True) if h != "Posting Date"] for r in FBL3N_ROWS[:2]]
    xlsx(make, "fbl3n.xlsx", header, rows)
    assert ("missing-column", "fbl3n.xlsx", 1, "Posting Date") in codes(validate(make, "fbl3n.xlsx"))


# --------------------------------------------------------------------- DE "text with tabs" export

DE_TABS = (
    "Sachkontenposten anzeigen\r\n"
    "Buchungskreis 1000   Geschäftsjahr 2026\r\n"
    "\r\n"
    "\tBuKr\tSachkonto\tBelegnr.\tPos.\tBuch.dat.\tBelegdat.\tArt\tBetrag in HW\tHWähr\tKostenstelle\tText\r\n"
    "\t1000\t0000006400\t0100000011\t1\t15.10.2026\t14.10.2026\tSA\t1.234,56\tEUR\t0000004100\tPrüfung Oktober\r\n"
    "\t1000\t0000002900\t0100000011\t2\t15.10.2026\t14.10.2026\tSA\t1.234,56-\tEUR\t\tAbgrenzung Prüfung\r\n"
    "\t1000\t0000006400\t0100000012\t1\t{date}\t20.10.2026\tSA\t12.000,00\tEUR\t\tRechtsberatung\r\n"
    "\t1000\t0000001100\t0100000012\t2\t20.10.2026\t20.10.2026\tSA\t12.000,00-\tEUR\r\n"
    "\t*\t\t\t\t\t\t\t0,00\tEUR\t\t\r\n"
)


def test_german_text_with_tabs_title_lines_decimal_comma_and_trailing_minus(make):
    make.file("fbl3n_de.txt", DE_TABS.format(date="20.10.2026"), encoding="cp1252")
    result = validate(make, "fbl3n_de.txt")
    assert result.ok, codes(result)
    lines = result.ledger.lines
    assert lines["row"].tolist() == [5, 6, 7, 8]  # the file's line numbers: 3 title lines, header on 4
    assert lines["amount"].tolist() == [123456, -123456, 1200000, -1200000]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-15"] * 2 + ["2026-10-20"] * 2
    assert lines["CostCenter"].tolist() == ["4100", "", "", ""]  # 0000004100, leading zeros removed
    assert lines["text"].tolist()[:2] == ["Prüfung Oktober", "Abgrenzung Prüfung"]
    assert lines["journal"].unique().tolist() == ["1000/SA"]
    assert october_tb(result) == {
        "1100": (0, 1200000),
        "2900": (0, 123456),
        "6400": (1323456, 0),
    }
    assert result.ledger.sources[0].meta["encoding"] == "cp1252"


def test_german_text_with_tabs_bad_date_names_its_line(make):
    make.file("fbl3n_de.txt", DE_TABS.format(date="32.10.2026"), encoding="cp1252")
    assert ("bad-date", "fbl3n_de.txt", 7, "Buch.dat.") in codes(validate(make, "fbl3n_de.txt"))


# ------------------------------------------------------------------------ the unconverted list

UNCONVERTED = """\
18.11.2026                Dynamische Listenausgabe                                       1
------------------------------------------------------------------------------------------
Buchungskreis 1000
------------------------------------------------------------------------------------------
|BuKr|Sachkonto |Belegnr.  |Buch.dat. |Art|S/H|    Betrag in HW|HWähr|Kostenst. |Text           |
|----------------------------------------------------------------------------------------|
|1000|0000006400|0100000031|10.10.2026|SA |S  |        1.500,00|EUR  |0000004100|Audit|Q3       |
|1000|0000002900|0100000031|10.10.2026|SA |H  |        1.500,00|EUR  |          |Accrual        |
|----------------------------------------------------------------------------------------|
|*   |          |          |          |   |   |            0,00|EUR  |          |               |
------------------------------------------------------------------------------------------
18.11.2026                Dynamische Listenausgabe                                       2
------------------------------------------------------------------------------------------
|BuKr|Sachkonto |Belegnr.  |Buch.dat. |Art|S/H|    Betrag in HW|HWähr|Kostenst. |Text           |
|----------------------------------------------------------------------------------------|
|1000|0000001200|0100000032|12.10.2026|SA |S  |          250,00|EUR  |          |Re-invoice     |
|1000|0000002000|0100000032|12.10.2026|SA |H  |          250,00|EUR  |          |Supplier|B|C   |
|1000|0000002000|0100000033|12.10.2026|SA|H|1|EUR|x|
|**  |          |          |          |   |   |            0,00|EUR  |          |               |
------------------------------------------------------------------------------------------
"""


def test_unconverted_list_skips_titles_rulers_page_headers_and_totals():
    table = sap.read_sap_list(UNCONVERTED, "list.txt")
    assert table is not None
    assert table.columns[:3] == ["BuKr", "Sachkonto", "Belegnr."]
    assert table.rows.tolist() == [7, 8, 16, 17]
    assert table.frame["Text"].tolist() == ["Audit|Q3", "Accrual", "Re-invoice", "Supplier|B|C"]
    assert table.frame["Betrag in HW"].tolist() == ["1.500,00", "1.500,00", "250,00", "250,00"]
    bad = table.findings
    assert bad[["Code", "Row"]].values.tolist() == [["bad-row", 18]]
    assert table.meta["delimiter"] == "|" and len(table.preamble) == 4
    assert table.meta["skipped"] == {"ruler": 6, "title": 1, "header": 1, "total": 2}  # counted, never silent


def test_unconverted_list_with_s_h_indicator_through_validate(make):
    make.file("list.txt", UNCONVERTED)
    result = validate(make, "list.txt")
    assert codes(result) == [("bad-row", "list.txt", 18, "")]
    assert result.ledger.sources[0].skipped == {"ruler": 6, "title": 1, "header": 1, "total": 2}
    lines = result.ledger.lines
    assert lines["row"].tolist() == [7, 8, 16, 17]
    assert lines["amount"].tolist() == [150000, -150000, 25000, -25000]
    assert lines["CostCenter"].tolist() == ["4100", "", "", ""]
    assert october_tb(result) == {
        "1200": (25000, 0),
        "2000": (0, 25000),
        "2900": (0, 150000),
        "6400": (150000, 0),
    }


def test_unknown_debit_credit_indicator_is_a_bad_value_and_no_amount(make):
    make.file("list.txt", UNCONVERTED.replace("|SA |H  |        1.500,00", "|SA |X  |        1.500,00"))
    result = validate(make, "list.txt")
    assert ("bad-value", "list.txt", 8, "S/H") in codes(result)
    assert result.ledger.lines["amount"].isna().tolist() == [False, True, False, False]


# ---------------------------------------------------------------------------------- ACDOCA

ACDOCA_HEADER = "RLDNR,RBUKRS,GJAHR,BELNR,DOCLN,BUDAT,BLDAT,BLART,RACCT,RHCUR,HSL,RWCUR,WSL,DRCRK,SGTXT,RCNTR,PRCTR\n"
ACDOCA_ROWS = [
    "0L,1000,2026,0100000021,000001,20261010,20261009,SA,0000006400,EUR,250.00,EUR,250.00,S,Legal fee,0000004100,PC1",
    "0L,1000,2026,0100000021,000002,20261010,20261009,SA,0000002900,EUR,250.00,EUR,250.00,H,Accrued legal,,PC1",
    "0L,1000,2026,0100000022,000001,20261012,20261012,DR,0000001200,EUR,459.50,USD,500.00,S,Invoice 7,,",
    "0L,1000,2026,0100000022,000002,20261012,20261012,DR,0000002000,EUR,459.50,USD,500.00,H,Invoice 7,,",
    "2L,1000,2026,0100000021,000001,20261010,20261009,SA,0000006400,EUR,250.00,EUR,250.00,S,Legal fee,0000004100,",
    "2L,1000,2026,0100000021,000002,20261010,20261009,SA,0000002900,EUR,250.00,EUR,250.00,H,Accrued legal,,",
]
ACDOCA_TB = {"1200": (45950, 0), "2000": (0, 45950), "2900": (0, 25000), "6400": (25000, 0)}


def signed(row: str) -> str:
    """An ACDOCA row with signed HSL/WSL (credit negative), DRCRK kept (redundant with the sign)."""
    cells = row.split(",")
    if cells[13] == "H":
        cells[10], cells[12] = "-" + cells[10], "-" + cells[12]
    return ",".join(cells)


@pytest.mark.parametrize("amounts", ["unsigned", "signed"])
def test_acdoca_extract_with_drcrk(make, amounts):
    rows = ACDOCA_ROWS if amounts == "unsigned" else [signed(r) for r in ACDOCA_ROWS]
    make.file("acdoca.csv", ACDOCA_HEADER + "\n".join(rows) + "\n")
    result = validate(make, "acdoca.csv")
    assert codes(result) == [("bad-value", "acdoca.csv", 6, "RLDNR")]  # the 2L lines: a Warning
    assert result.ok
    assert "ledger 2L were not read" in result.findings["Message"].iloc[0]
    lines = result.ledger.lines
    assert lines["row"].tolist() == [2, 3, 4, 5]
    assert lines["line"].tolist() == [1, 2, 1, 2]
    assert lines["voucher"].tolist() == ["100000021"] * 2 + ["100000022"] * 2
    assert lines["journal"].tolist() == ["1000/SA"] * 2 + ["1000/DR"] * 2
    assert lines["currency"].tolist() == ["EUR", "EUR", "USD", "USD"]
    assert lines["amount"].tolist() == [25000, -25000, 50000, -50000]
    assert lines["amount_accounting"].tolist() == [25000, -25000, 45950, -45950]
    assert lines["CostCenter"].tolist() == ["4100", "", "", ""]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-10"] * 2 + ["2026-10-12"] * 2
    assert october_tb(result) == ACDOCA_TB


def test_local_currency_other_than_the_accounting_currency_is_converted_with_rates(make):
    # A company code whose local currency is USD, closed in EUR: HSL is not an EUR amount.
    rows = [
        "0L,1000,2026,1,1,20261012,20261012,SA,1200,USD,500.00,USD,500.00,S,x,,",
        "0L,1000,2026,1,2,20261012,20261012,SA,2000,USD,500.00,USD,500.00,H,x,,",
    ]
    mapped = sap.map_table(read_csv_text(ACDOCA_HEADER + "\n".join(rows), "a.csv"), ImportContext())
    assert mapped.frame["amount_accounting"].tolist() == ["", ""]
    make.file("acdoca.csv", ACDOCA_HEADER + "\n".join(rows) + "\n")
    result = validate(make, "acdoca.csv")
    assert result.ok, codes(result)
    lines = result.ledger.lines
    # the Spot rate of the sample in force on 12 October 2026 is 0.9174 (1 October)
    assert lines["amount_accounting"].tolist() == [45870, -45870]
    assert lines["converted"].tolist() == [True, True]


# ------------------------------------------------------------------------------- recognising


def test_detect_sap_layouts_and_nothing_else():
    tables = {
        "xlsx": read_csv_text(",".join(FBL3N_HEADER) + "\n", "a.csv"),
        "acdoca": read_csv_text(ACDOCA_HEADER, "b.csv"),
        "tabs": sap.read_sap_list(DE_TABS.format(date="20.10.2026"), "c.txt"),
        "list": sap.read_sap_list(UNCONVERTED, "d.txt"),
        "fagll03": read_csv_text(
            "Account,Assignment,Document Number,Document Date,Amount in local currency,Local Currency\n", "e.csv"
        ),
    }
    for name, table in tables.items():
        assert [imp.name for imp in importers.candidates(table)] == ["sap"], name
    generic = read_csv_text("Journal,Voucher,Line,Date,Account,Currency,Debit,Credit,Text\n", "g.csv")
    d365 = read_csv_text("VOUCHER,TRANSDATE,ACCOUNTDISPLAYVALUE,DEBITAMOUNT,CREDITAMOUNT\n", "h.csv")
    netsuite_like = read_csv_text("Date,Document Number,Account,Amount,Memo\n", "i.csv")
    for table in (generic, d365, netsuite_like):
        assert not sap.detect(table)


def test_read_sap_list_leaves_other_text_to_the_csv_reader():
    assert sap.read_sap_list("Voucher\tDate\tAccount\tAmount\nV1\t2026-10-01\t6400\t5\n", "g.txt") is None
    assert sap.read_sap_list("Journal,Voucher,Date,Account,Debit,Credit\n", "g.csv") is None
    assert sap.read_sap_list("just a title\n\n|a|b|\n", "x.txt") is None
    plain = sap.read_sap_list("G/L Account\tDocument Number\tAmount in LC\n400\t1\t5\n", "p.txt")
    assert plain is not None and plain.rows.tolist() == [2]


def test_dimension_matching_by_sap_field_name_in_any_language():
    assert sap.sap_field("CostCenter") == sap.sap_field("cost_center") == sap.sap_field("RCNTR") == "Cost Center"
    assert sap.sap_field("Kostenstelle") == "Cost Center"
    assert sap.sap_field("ProfitCenter") == sap.sap_field("PRCTR") == "Profit Center"
    assert sap.sap_field("Department") is None
    csv = ACDOCA_HEADER + ACDOCA_ROWS[0] + "\n"
    ctx = ImportContext(dimensions=("ProfitCenter", "Kostenstelle", "Department"))
    mapped = sap.map_table(read_csv_text(csv, "a.csv"), ctx)
    assert mapped.frame[["ProfitCenter", "Kostenstelle"]].values.tolist() == [["PC1", "4100"]]
    assert "Department" not in mapped.frame
    assert mapped.columns["ProfitCenter"] == "PRCTR" and mapped.columns["Kostenstelle"] == "RCNTR"


def test_registered():
    assert importers.REGISTRY["sap"] is sap.IMPORTER
    assert sap.IMPORTER.read_text is sap.read_sap_list
    assert available()["sap"] is sap_export.EXPORTER


# ---------------------------------------------------------------------------- the upload file


def read_upload(data: bytes) -> tuple[list, pd.DataFrame]:
    """The Batch ID row and the lines of an upload workbook (header in row 2)."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    frame = pd.DataFrame(rows[2:], columns=rows[1])
    return list(rows[0][:2]), frame


def upload_lines(rows: list[tuple] | None = None, **kw) -> tuple[pd.DataFrame, sap_export.Export]:
    lines = adjustments(rows)
    return lines, sap_export.write(lines, context(**kw))


SAP_ROWS = [
    ("revaluation", "REV-2026-10-0001", 1, "7910", "", "", "33.00", "Revaluation of USD 100000.00 at 0.9189"),
    ("revaluation", "REV-2026-10-0001", 2, "1110", "", "", "-33.00", "Revaluation of USD 100000.00 at 0.9189"),
    ("allocation", "ALC-2026-10-0001", 1, "6900", "", "CC100", "2400.00", "IT cost allocation"),
    ("allocation", "ALC-2026-10-0001", 2, "6900", "", "4100", "1600.00", "IT cost allocation"),
    ("allocation", "ALC-2026-10-0001", 3, "6300", "", "", "-4000.00", "IT cost allocation"),
    ("revaluation", "REV-2026-10-0002", 1, "7900", "", "", "-0.01", "Rounding"),
    ("revaluation", "REV-2026-10-0002", 2, "1200", "", "", "0.01", "Rounding"),
]


def test_export_round_trip_per_voucher():
    lines, export = upload_lines(SAP_ROWS, company="1010", journal_name="SA")
    assert export.suffix == ".xlsx" and len(export.files) == 1
    assert export.findings.empty, export.findings
    batch, frame = read_upload(export.files[0])
    assert batch == ["Batch ID", None]
    assert list(frame.columns) == sap_export.COLUMNS
    assert frame["Sequence ID"].tolist() == [1, 1, 2, 2, 2, 3, 3]
    assert set(frame["Company Code"]) == {"1010"} and set(frame["Journal Entry Type"]) == {"SA"}
    assert set(frame["Transaction Currency"]) == {"EUR"}
    assert set(frame["Posting Date"]) == {dt.datetime(2026, 10, 31)} == set(frame["Journal Entry Date"])
    signed_amounts = frame["Debit"].fillna(0) - frame["Credit"].fillna(0)
    back = pd.DataFrame(
        {
            "voucher": frame["Reference"],
            "journal": frame["Journal Entry Header Text"],
            "account": frame["G/L Account"],
            "CostCenter": frame["Cost Center"].fillna(""),
            "amount": (signed_amounts * 100).round().astype(int),
            "text": frame["Item Text"],
        }
    )
    expected = pd.DataFrame(
        {
            "voucher": lines["voucher"].astype(str),
            "journal": lines["journal"].astype(str),
            "account": lines["account"].astype(str),
            "CostCenter": lines["CostCenter"].astype(str),
            "amount": lines["amount_accounting"].astype(int),
            "text": lines["text"].astype(str),
        }
    )
    for voucher, mine in back.groupby("voucher"):
        theirs = expected[expected["voucher"] == voucher]
        assert mine.reset_index(drop=True).equals(theirs.reset_index(drop=True)), voucher
        assert mine["amount"].sum() == 0  # every document balances
    assert (frame["Debit"].fillna(0) >= 0).all() and (frame["Credit"].fillna(0) >= 0).all()


def test_export_groups_a_voucher_whose_lines_are_apart():
    rows = [SAP_ROWS[0], SAP_ROWS[2], SAP_ROWS[1], SAP_ROWS[3], SAP_ROWS[4]]
    _, export = upload_lines(rows, company="1010")
    _, frame = read_upload(export.files[0])
    assert frame["Reference"].tolist() == ["REV-2026-10-0001"] * 2 + ["ALC-2026-10-0001"] * 3
    assert frame["Sequence ID"].tolist() == [1, 1, 2, 2, 2]


def test_company_code_and_document_type_fallbacks():
    _, export = upload_lines(SAP_ROWS[:2])  # Settings Company "Contoso Trading NL", JournalName "GenJrn"
    _, frame = read_upload(export.files[0])
    assert frame["Company Code"].isna().all() and set(frame["Journal Entry Type"]) == {"SA"}
    warning = export.findings[export.findings["Where"] == "Settings"]
    assert warning[["Severity", "Code", "Column"]].values.tolist() == [["Warning", "export-limit", "Company"]]
    assert any("Company Code" in n for n in export.notes)
    lines = adjustments(SAP_ROWS[:2])
    ctx = sap_export.ExportContext("EUR", ("CompanyCode",), "-", "AB", "Contoso", "2026-10")
    with_code = lines.assign(CompanyCode=["2000", "2000"])
    export = sap_export.write(with_code, ctx)
    _, frame = read_upload(export.files[0])
    assert frame["Company Code"].tolist() == ["2000", "2000"] and set(frame["Journal Entry Type"]) == {"AB"}
    assert export.findings.empty


def test_dimension_without_an_sap_column_is_a_warning_per_line():
    rows = [(*r[:4], "SALES", *r[5:]) if i == 2 else r for i, r in enumerate(SAP_ROWS[:5])]
    _, export = upload_lines(rows, company="1010")
    f = export.findings
    assert f[["Severity", "Row", "Column"]].values.tolist() == [["Warning", 4, "Department"]]


def limit_codes(export) -> list[tuple]:
    f = export.findings[export.findings["Severity"] == "Error"]
    return list(zip(f["Code"], f["Row"].astype(int), f["Column"], strict=True))


def test_limits_at_the_adjustments_rows():
    rows = [
        ("j" * 25, "V" * 16, 1, "1" * 10, "", "C" * 10, "1.00", "t" * 50),  # every limit exactly: fine
        ("j" * 25, "V" * 16, 2, "1100", "", "", "-1.00", ""),
        ("J" * 26, "W" * 17, 1, "2" * 11, "", "D" * 11, "1.00", "u" * 51),  # every limit plus one
        ("J" * 26, "W" * 17, 2, "1100", "", "", "-1.00", "ok"),
    ]
    _, export = upload_lines(rows, company="1010")
    assert sorted(limit_codes(export)) == [
        ("export-limit", 4, "Account"),
        ("export-limit", 4, "CostCenter"),
        ("export-limit", 4, "Journal"),
        ("export-limit", 4, "Text"),
        ("export-limit", 4, "Voucher"),
    ]
    messages = " ".join(export.findings["Message"])
    assert "11 characters; SAP's G/L Account takes 10" in messages and "SAP's Item Text takes 50" in messages
    assert (
        "17 characters; SAP's Reference takes 16" in messages
        and "26 characters; SAP's Journal Entry Header Text takes 25" in messages
    )


def test_a_voucher_of_more_than_999_lines_is_refused_not_split():
    def voucher(name: str, n: int) -> list[tuple]:
        body = [("manual", name, i, "6400", "", "", "1.00", "") for i in range(1, n)]
        return [*body, ("manual", name, n, "2900", "", "", f"-{n - 1}.00", "")]

    _, export = upload_lines(voucher("OK", 999) + voucher("BIG", 1000), company="1010")
    assert limit_codes(export) == [("export-limit", 2 + 999 + 999, "Voucher")]  # BIG's 1000th line
    assert "voucher has 1000 lines" in export.findings["Message"].iloc[0]
    assert export.findings["Voucher"].iloc[0] == "BIG"
    _, frame = read_upload(export.files[0])
    assert frame["Sequence ID"].value_counts().to_dict() == {2: 1000, 1: 999}  # one document each


def test_two_company_codes_in_one_voucher_are_refused():
    lines = adjustments(SAP_ROWS[:2]).assign(CompanyCode=["1000", "2000"])
    ctx = sap_export.ExportContext("EUR", ("CompanyCode",), "-", "SA", "1000", "2026-10")
    export = sap_export.write(lines, ctx)
    assert limit_codes(export) == [("export-limit", 2, "Voucher")]


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"]


def test_formula_looking_text_stays_text():
    rows = [
        ("=cmd|' /C calc'!A0", "V1", 1, "6400", "", "=1+2", "1.00", FORMULAS[0]),
        ("=cmd|' /C calc'!A0", "V1", 2, "2900", "", "", "-1.00", FORMULAS[1]),
        ("j", "@V2", 1, "6400", "", "", "1.00", FORMULAS[2]),
        ("j", "@V2", 2, "2900", "", "", "-1.00", FORMULAS[3]),
    ]
    _, export = upload_lines(rows, company="1010")
    with zipfile.ZipFile(io.BytesIO(export.files[0])) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    sheet = openpyxl.load_workbook(io.BytesIO(export.files[0])).active
    texts = {}
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.coordinate
                assert cell.number_format == "@", cell.coordinate
                texts[cell.value] = cell
    for value in [*FORMULAS[:4], "=cmd|' /C calc'!A0", "@V2", "=1+2"]:
        assert value in texts
        assert texts[value].quotePrefix
    _, frame = read_upload(export.files[0])
    assert frame["Item Text"].tolist() == FORMULAS[:4]
    assert frame["Cost Center"].tolist()[0] == "=1+2"


def test_close_then_export_sap(sample_workbook, tmp_path):
    result = closekit.close(sample_workbook)
    api.write_close(result)
    exported = api.export(sample_workbook, format="sap")
    assert exported.ok, exported.findings
    written = api.write_export(exported, tmp_path / "upload")
    assert written == [tmp_path / "upload.xlsx"] and written[0].exists()
    _, frame = read_upload(exported.export.files[0])
    assert len(frame) == exported.lines == 7  # the adjustments and the sample's manual accrual (2 lines)
    sums = (frame["Debit"].fillna(0) - frame["Credit"].fillna(0)).groupby(frame["Sequence ID"]).sum().round(2)
    assert (sums == 0).all()
