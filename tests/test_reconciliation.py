"""Subledger tie-outs and reconciling items that roll forward (issue 17 items 3 and 4), following
the worked example of docs/close.md "Subledger tie-outs": Fabrikam's AR over October and November.

October: GL 1200 holds INV-1 12,000.00 and INV-2 8,000.00 less a receipt of 5,000.00 and one of
500.00 that the bank posted on 31 October but AR applies on 2 November: 14,500.00. The QuickBooks
A/R aging at 31 October shows INV-1 7,000.00 + INV-2 8,000.00 = 15,000.00. Difference -500.00,
explained by the reconciling item of -500.00: Explained. November: INV-3 3,000.00; GL 17,500.00,
aging 6,500.00 + 8,000.00 + 3,000.00 = 17,500.00; the item has cleared (Cleared 2026-11-02):
Reconciled. Forgetting to type Cleared leaves -500.00 open: 500.00 unexplained, an Error.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import closekit
from closekit import cli
from closekit.sheetio.files import FileWorkbook
from closekit.sources import subledgers
from closekit.sources.subledgers.base import csv_grid

SETTINGS = [
    ["Company", "Fabrikam Trading"],
    ["AccountingCurrency", "EUR"],
    ["Period", "2026-10"],
]
ACCOUNTS = [
    ["1100", "Bank", "Asset"],
    ["1200", "Accounts receivable", "Asset"],
    ["2000", "Accounts payable", "Liability"],
    ["4000", "Revenue", "Revenue"],
]
PERIODS = [
    ["2026-10", "2026-10-01", "2026-10-31", "Open"],
    ["2026-11", "2026-11-01", "2026-11-30", "Open"],
]
TASK = "Reconcile AR to the aging"
CHECKLIST = [[TASK, "", "AR team"], ["Put the period on hold", "period-hold", "Controller"]]
GL_HEADER = "Journal,Voucher,Line,Date,Account,Currency,Debit,Credit,Text\n"
GL = [
    ("INV-1", "2026-10-05", "1200", "4000", "12000.00", "Invoice INV-1"),
    ("INV-2", "2026-10-20", "1200", "4000", "8000.00", "Invoice INV-2"),
    ("RCP-1", "2026-10-25", "1100", "1200", "5000.00", "Receipt on INV-1"),
    ("RCP-2", "2026-10-31", "1100", "1200", "500.00", "Receipt on INV-1 applied in AR on 2 November"),
    ("INV-3", "2026-11-10", "1200", "4000", "3000.00", "Invoice INV-3"),
]
ITEM = ["1200", "-500.00", "Receipt 2026-10-31 in the bank, applied in AR on 2026-11-02", "2026-11-05", "2026-10-31"]


def gl_text() -> str:
    out = GL_HEADER
    for voucher, date, debit, credit, amount, text in GL:
        out += f"GEN,{voucher},1,{date},{debit},EUR,{amount},,{text}\n"
        out += f"GEN,{voucher},2,{date},{credit},EUR,,{amount},{text}\n"
    return out


def quickbooks_aging(as_of: str, rows: list[tuple[str, str, str]], total: str) -> str:
    """A QuickBooks Online A/R Aging Summary exported to CSV: title rows, the header with an empty
    first cell, one row per customer, TOTAL, the footer."""
    lines = [
        "Fabrikam Trading",
        "A/R Aging Summary",
        f"As of {as_of}",
        "",
        ",Current,1 - 30,31 - 60,61 - 90,91 and over,Total",
    ]
    lines += [
        f'{name},"{current}","{late}",,,,"{tot}"'
        for name, current, late, tot in [(n, c, la, _sum(c, la)) for n, c, la in rows]
    ]
    lines += [f'TOTAL,,,,,,"{total}"', "", "", "Accrual Basis Monday, November 2, 2026 09:12 AM GMT+01:00"]
    return "\n".join(lines) + "\n"


def _sum(*amounts: str) -> str:
    return f"{sum(Decimal(a.replace(',', '') or '0') for a in amounts):,.2f}"


OCTOBER_AGING = quickbooks_aging(
    "October 31, 2026", [("INV-1 Northwind", "0.00", "7,000.00"), ("INV-2 Litware", "8,000.00", "")], "$15,000.00"
)
NOVEMBER_AGING = quickbooks_aging(
    "November 30, 2026",
    [("INV-1 Northwind", "0.00", "6,500.00"), ("INV-2 Litware", "0.00", "8,000.00"), ("INV-3 Contoso", "3,000.00", "")],
    "$17,500.00",
)


def workbook(
    make, *, period: str = "2026-10", items=None, aging: str = "ar-aging.csv", checklist=CHECKLIST, reconciliations=None
) -> Path:
    make.file("gl.csv", gl_text())
    settings = [row if row[0] != "Period" else ["Period", period] for row in SETTINGS]
    return make.workbook(
        Settings=settings,
        Sources=[["gl.csv", "ledger", "generic"]],
        Accounts=ACCOUNTS,
        Dimensions=[],
        Rates=[],
        Periods=PERIODS,
        AllocationRules=[],
        Checklist=checklist,
        Reconciliations=reconciliations
        if reconciliations is not None
        else [["1200", aging, "", "quickbooks", "", "0", "AR team", TASK]],
        ReconcilingItems=[ITEM] if items is None else items,
    )


def tieouts(path: Path) -> list[dict]:
    frame = FileWorkbook(path).read_sheet("TieOuts").frame
    return frame.fillna("").to_dict("records")


def findings(path: Path, code: str) -> list[dict]:
    frame = FileWorkbook(path).read_sheet("Findings").frame
    return frame[frame["Code"] == code].to_dict("records")


def test_october_the_difference_is_explained_by_the_reconciling_item(make):
    path = workbook(make)
    make.file("ar-aging.csv", OCTOBER_AGING)
    assert cli.main(["close", str(path)]) == 0
    tie, item = tieouts(path)
    assert (tie["Line"], tie["Account"], tie["Status"]) == ("Tie-out", "1200", "Explained")
    assert [tie[c] for c in ("GL", "SubledgerTotal", "Difference", "ReconcilingItems", "Unexplained")] == [
        14500,
        15000,
        -500,
        -500,
        0,
    ]
    assert tie["Subledger"] == "ar-aging.csv (QuickBooks aging summary)"
    assert (item["Line"], item["Status"], item["ReconcilingItems"], item["DaysOpen"]) == ("Item", "Open", -500, 0)
    assert findings(path, "reconciliation-unexplained") == []


def test_november_the_item_cleared_and_the_tie_out_is_reconciled(make):
    cleared = [[*ITEM, "2026-11-02"]]
    path = workbook(make, period="2026-11", items=cleared)
    make.file("ar-aging.csv", NOVEMBER_AGING)
    result = closekit.close(path)
    table = result.run.tables["reconciliations"]
    tie, item = table.to_dict("records")
    assert [tie[c] for c in ("GL", "SubledgerTotal", "Difference", "ReconcilingItems", "Unexplained")] == [
        1750000,
        1750000,
        0,
        0,
        0,
    ]
    assert tie["Status"] == "Reconciled"
    assert (item["Status"], item["DaysOpen"]) == ("Cleared", None)  # shown once more, the month it cleared
    assert result.ok


def test_an_item_cleared_in_an_earlier_period_is_history(make):
    path = workbook(make, period="2026-11", items=[[*ITEM[:4], "2026-09-30", "2026-10-15"]])
    make.file("ar-aging.csv", NOVEMBER_AGING)
    table = closekit.close(path).run.tables["reconciliations"]
    assert table["Line"].tolist() == ["Tie-out"]


def test_november_with_the_item_still_open_is_unexplained_and_overdue(make):
    """Cleared not typed: the -500.00 still counts; 0 - (-500.00) = 500.00 unexplained."""
    path = workbook(make, period="2026-11")
    make.file("ar-aging.csv", NOVEMBER_AGING)
    assert cli.main(["close", str(path)]) == 1
    tie, item = tieouts(path)
    assert (tie["Status"], tie["Unexplained"], item["DaysOpen"]) == ("Unreconciled", 500, 30)
    (error,) = findings(path, "reconciliation-unexplained")
    assert (error["Severity"], error["Where"], error["Row"], error["Column"]) == (
        "Error",
        "Reconciliations",
        2,
        "Account",
    )
    assert (
        "GL 17,500.00, subledger 17,500.00, difference 0.00, reconciling items -500.00: 500.00 unexplained"
        in (error["Message"])
    )
    (late,) = findings(path, "reconciling-item-overdue")
    assert (late["Severity"], late["Where"], late["Row"], late["Column"]) == (
        "Warning",
        "ReconcilingItems",
        2,
        "ExpectedClearing",
    )
    assert "was to clear by 2026-11-05 and is still open at 2026-11-30 (30 days open)" in late["Message"]


def test_an_unexplained_difference_blocks_period_hold(make):
    path = workbook(make, items=[])  # October without the item: -500.00 unexplained
    make.file("ar-aging.csv", OCTOBER_AGING)
    assert cli.main(["close", str(path), "--steps", "import,validate,trial-balance,reconciliation,period-hold"]) == 1
    periods = FileWorkbook(path).read_sheet("Periods").frame.set_index("Period")
    assert periods.loc["2026-10", "Status"] == "Open"
    assert findings(path, "period-hold-skipped")


def test_materiality_tolerates_a_small_difference(make):
    path = workbook(make, items=[], reconciliations=[["1200", "ar-aging.csv", "", "quickbooks", "", "500", "", ""]])
    make.file("ar-aging.csv", OCTOBER_AGING)
    assert cli.main(["close", str(path)]) == 0
    assert tieouts(path)[0]["Status"] == "Reconciled"  # |-500.00| is not above 500.00


def test_an_unreconciled_tie_out_refuses_its_tasks_sign_off(make):
    signed = [[TASK, "", "AR team", "", "", "", "", "", "anna", "2026-11-01 10:00:00"], CHECKLIST[1]]
    path = workbook(make, items=[], checklist=signed)
    make.file("ar-aging.csv", OCTOBER_AGING)
    assert cli.main(["close", str(path)]) == 1
    (refused,) = findings(path, "signoff-refused")
    assert "the tie-out of 1200 is Unreconciled" in refused["Message"]
    checklist = FileWorkbook(path).read_sheet("Checklist").frame.set_index("Task")
    assert checklist.loc[TASK, "Preparer"] == "anna" and not checklist.loc[TASK, "PreparedAt"]
    assert cli.main(["signoff", str(path), TASK, "--as", "preparer", "--name", "anna"]) == 2


def test_a_typed_balance_needs_no_file(make):
    path = workbook(make, reconciliations=[["1200", "", "15000", "", "", "", "", TASK]])
    assert cli.main(["close", str(path)]) == 0
    assert tieouts(path)[0]["Status"] == "Explained"
    assert tieouts(path)[0]["Subledger"] == "typed"


def test_a_liability_ties_out_on_its_credit_side_with_a_typed_balance(make):
    path = workbook(make, items=[], reconciliations=[["2000", "", "0", "", "", "", "", ""]])
    assert cli.main(["close", str(path)]) == 0
    assert tieouts(path)[0]["GL"] == 0


def test_bad_rows_of_the_reconciliations_sheet_are_findings(make):
    rows = [
        ["12..11", "", "1", "", "", "", "", ""],  # a range that starts above its end
        ["9999", "", "1", "", "", "", "", ""],  # no such account
        ["1200", "", "", "", "", "", "", ""],  # neither Subledger nor Balance
        ["1200", "", "1", "", "", "", "", "No such task"],
    ]
    path = workbook(make, items=[["4000", "1.00", "stray", "", ""]], reconciliations=rows)
    assert cli.main(["close", str(path)]) == 1
    bad = findings(path, "bad-reconciliation")
    assert [(f["Row"], f["Column"]) for f in bad] == [(2, "Account"), (3, "Account"), (4, "Subledger"), (5, "Task")]
    (stray,) = findings(path, "reconciling-item-unmatched")
    assert (stray["Where"], stray["Row"], stray["Severity"]) == ("ReconcilingItems", 2, "Warning")


def test_a_missing_subledger_file_is_an_error_not_a_traceback(make):
    path = workbook(make)
    assert cli.main(["close", str(path)]) == 1
    (missing,) = findings(path, "subledger-unreadable")
    assert "does not exist" in missing["Message"]
    assert tieouts(path)[0]["Status"] == "Unreconciled"


def test_a_subledger_outside_the_workbooks_folder_is_refused(make, tmp_path):
    path = workbook(make, aging="../elsewhere.csv")
    (tmp_path.parent / "elsewhere.csv").write_text(OCTOBER_AGING, encoding="utf-8")
    assert cli.main(["close", str(path)]) == 2


# ------------------------------------------------------------------------------------- the readers


def read(text: str, format: str = "auto") -> subledgers.SubledgerReport:
    return subledgers.read_grid(csv_grid(text), "aging.csv", format=format)


def test_quickbooks_summary_rows_and_total():
    report = read(OCTOBER_AGING)
    assert (report.layout, report.detail_total, report.grand_total, report.rows) == (
        "QuickBooks aging summary",
        Decimal("15000.00"),
        Decimal("15000.00"),
        2,
    )
    assert report.total_row == 8 and report.findings == []


def test_quickbooks_detail_reads_open_balance_not_amount():
    text = (
        "Fabrikam Trading\nA/R Aging Detail\nAs of October 31, 2026\n\n"
        ",Date,Transaction Type,Num,Customer,Due Date,Amount,Open Balance\n"
        "Current,,,,,,,\n"
        ',10/20/2026,Invoice,INV-2,Litware,11/19/2026,"8,000.00","8,000.00"\n'
        'Total for Current,,,,,,"8,000.00","8,000.00"\n'
        "1 - 30 days past due,,,,,,,\n"
        ',10/05/2026,Invoice,INV-1,Northwind,10/05/2026,"12,000.00","7,000.00"\n'
        'Total for 1 - 30 days past due,,,,,,"12,000.00","7,000.00"\n'
        'TOTAL,,,,,,"20,000.00","15,000.00"\n'
    )
    report = read(text)
    assert (report.layout, report.detail_total, report.grand_total) == (
        "QuickBooks aging detail",
        Decimal("15000.00"),
        Decimal("15000.00"),
    )


def test_xero_summary_with_percentage_row():
    text = (
        "Aged Receivables Summary\nFabrikam Trading\nAs at 31 October 2026\nAgeing by due date\n\n"
        "Contact,Current,< 1 Month,1 Month,2 Months,3 Months,Older,Total\n"
        "Northwind,0.00,7000.00,0.00,0.00,0.00,0.00,7000.00\n"
        "Litware,8000.00,0.00,0.00,0.00,0.00,0.00,8000.00\n"
        "Total,8000.00,7000.00,0.00,0.00,0.00,0.00,15000.00\n"
        "Percentage of total,53.33%,46.67%,0.00%,0.00%,0.00%,0.00%,100.00%\n"
    )
    report = read(text)
    assert (report.layout, report.detail_total, report.grand_total, report.findings) == (
        "Xero aged summary",
        Decimal("15000.00"),
        Decimal("15000.00"),
        [],
    )


def test_d365_aging_with_european_numbers_and_a_foreign_row():
    text = (
        "Customer account;Name;Currency;Balance;Current;30 days\n"
        "C-1;Northwind;EUR;7.000,00;0,00;7.000,00\n"
        "C-2;Litware;EUR;8.000,00;8.000,00;0,00\n"
        "C-3;Adatum;USD;100,00;100,00;0,00\n"
        "Total;;;15.100,00;;\n"
    )
    report = read(text)
    assert (report.layout, report.detail_total, report.rows) == ("Dynamics 365 aging", Decimal("15000.00"), 2)
    codes = [f["Code"] for f in report.findings]
    assert codes == ["bad-currency"] and report.findings[0]["Row"] == 4
    assert report.grand_total == Decimal("15100.00")  # the tie-out reports the mismatch


def test_generic_inventory_valuation():
    report = read("Item,Quantity,Value\nBolt,100,250.00\nNut,200,120.50\n")
    assert (report.layout, report.detail_total, report.grand_total) == (
        "generic subledger list",
        Decimal("370.50"),
        None,
    )


def test_a_bad_amount_cell_names_its_row_and_column():
    report = read("Customer,Balance\nNorthwind,7000.00\nLitware,eight thousand\nTotal,15000.00\n")
    (bad,) = report.findings
    assert (bad["Code"], bad["Row"], bad["Column"], bad["Where"]) == ("bad-number", 3, "Balance", "aging.csv")
    assert report.detail_total == Decimal("7000.00")


def test_more_decimals_than_the_currency_is_a_finding():
    (bad,) = read("Customer,Balance\nNorthwind,7000.005\n").findings
    assert bad["Code"] == "bad-number" and bad["Row"] == 2


def test_an_amount_below_the_grand_total_is_a_finding():
    report = read("Customer,Balance\nNorthwind,7000.00\nTotal,7000.00\nLitware,8000.00\n")
    (bad,) = report.findings
    assert (bad["Code"], bad["Row"]) == ("bad-row", 4)


def test_an_unknown_layout_is_unreadable():
    (bad,) = read("Foo,Bar\n1,2\n").findings
    assert bad["Code"] == "subledger-unreadable" and "Foo, Bar" in bad["Message"]


def test_a_format_that_does_not_fit_is_unreadable():
    (bad,) = read(OCTOBER_AGING, format="xero").findings
    assert bad["Code"] == "subledger-unreadable"


@pytest.mark.parametrize("data", [b"PK\x03\x04garbage", b"\x00\x01\x02binary"])
def test_a_broken_file_is_unreadable(tmp_path, data):
    path = tmp_path / "aging.xlsx"
    path.write_bytes(data)
    (bad,) = subledgers.read(path, "aging.xlsx").findings
    assert bad["Code"] == "subledger-unreadable"


def test_total_mismatch_through_the_close(make):
    path = workbook(make)
    make.file("ar-aging.csv", OCTOBER_AGING.replace("$15,000.00", "$15,100.00"))
    assert cli.main(["close", str(path)]) == 1
    (mismatch,) = findings(path, "subledger-total-mismatch")
    assert (mismatch["Row"], mismatch["Column"]) == (8, "Total")
    assert "the report's total 15,100.00 (row 8) is not the sum of its 2 rows, 15,000.00" in mismatch["Message"]


def test_the_json_lists_the_tie_out_and_its_item(make, capsys):
    import json

    path = workbook(make)
    make.file("ar-aging.csv", OCTOBER_AGING)
    capsys.readouterr()
    assert cli.main(["close", str(path), "--json", "--dry-run"]) == 0
    (tie,) = json.loads(capsys.readouterr().out)["reconciliations"]
    assert (tie["gl"], tie["subledger_total"], tie["difference"], tie["unexplained"], tie["status"]) == (
        "14500.00", "15000.00", "-500.00", "0.00", "Explained"
    )
    assert tie["items"] == [
        {
            "amount": "-500.00",
            "explanation": ITEM[2],
            "status": "Open",
            "raised": "2026-10-31",
            "expected_clearing": "2026-11-05",
            "cleared": None,
            "days_open": 0,
        }
    ]


def test_a_d365_vendor_aging_exported_to_excel(make, tmp_path):
    """Number cells as Excel holds them, title rows above the header, the sheet named in Sheet."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Vendor aging")
    sheet.append(["Vendor aging report"])
    sheet.append(["As of 31/10/2026"])
    sheet.append([])
    sheet.append(["Vendor account", "Name", "Balance", "Current", "30 days"])
    sheet.append(["V-1", "Landlord BV", 850.0, 850.0, 0])
    sheet.append(["V-2", "Cloud Ltd", "bad", 0, 0])
    sheet.append(["Total", None, 850.0, None, None])
    book.save(tmp_path / "ap.xlsx")
    report = subledgers.read(tmp_path / "ap.xlsx", "ap.xlsx", sheet="vendor aging")
    assert (report.layout, report.detail_total, report.grand_total, report.rows) == (
        "Dynamics 365 aging", Decimal("850.00"), Decimal("850.00"), 1
    )
    (bad,) = report.findings
    assert (bad["Code"], bad["Row"], bad["Column"]) == ("bad-number", 6, "Balance")


STEP_TASK = [[TASK, "reconciliation", "AR team"], CHECKLIST[1]]


def test_a_reconciliation_task_is_a_review_task(make):
    path = workbook(make, checklist=STEP_TASK)
    make.file("ar-aging.csv", OCTOBER_AGING)
    assert cli.main(["close", str(path)]) == 0
    task = FileWorkbook(path).read_sheet("Checklist").frame.set_index("Task").loc[TASK]
    assert task["Status"] == "In progress" and task["FiguresHash"]
    (pending,) = findings(path, "signoff-pending")
    assert TASK in pending["Message"]


def test_a_reconciliation_task_is_blocked_while_unreconciled(make):
    path = workbook(make, items=[], checklist=STEP_TASK)
    make.file("ar-aging.csv", OCTOBER_AGING)
    assert cli.main(["close", str(path)]) == 1
    task = FileWorkbook(path).read_sheet("Checklist").frame.set_index("Task").loc[TASK]
    assert task["Status"] == "Blocked" and "reconciliation-unexplained" in task["Notes"]


def test_a_sign_off_of_the_tie_outs_is_suspended_when_they_move(make):
    path = workbook(make, checklist=STEP_TASK)
    make.file("ar-aging.csv", OCTOBER_AGING)
    assert cli.main(["close", str(path)]) == 0
    assert cli.main(["signoff", str(path), TASK, "--as", "preparer", "--name", "anna"]) == 0
    assert cli.main(["close", str(path)]) == 0
    assert findings(path, "signoff-suspended") == []
    # the aging moves by a cent (0.01 unexplained): the figures signed moved
    make.file("ar-aging.csv", OCTOBER_AGING.replace('"7,000.00"', '"7,000.01"').replace("$15,000.00", "$15,000.01"))
    assert cli.main(["close", str(path)]) == 1
    assert findings(path, "signoff-suspended")


def test_reconciling_items_without_any_tie_out_are_flagged(make):
    path = workbook(make, reconciliations=[])
    assert cli.main(["close", str(path)]) == 0
    (stray,) = findings(path, "reconciling-item-unmatched")
    assert (stray["Row"], stray["Column"]) == (2, "Account")
    assert FileWorkbook(path).read_sheet("TieOuts") is None  # no tie-out: no sheet


def test_a_tie_out_in_a_foreign_currency_compares_the_transaction_amounts(make):
    """1210 USD receivables: an invoice of USD 1,000.00 (EUR 920.00) and the USD aging typed as 1,000.00."""
    gl = (
        "Journal,Voucher,Line,Date,Account,Currency,Debit,Credit,AmountAccounting,Text\n"
        "GEN,U1,1,2026-10-10,1210,USD,1000.00,,920.00,Invoice U1\n"
        "GEN,U1,2,2026-10-10,4000,EUR,,920.00,-920.00,Invoice U1\n"
    )
    make.file("gl.csv", gl)
    path = make.workbook(
        Settings=SETTINGS,
        Sources=[["gl.csv", "ledger", "generic"]],
        Accounts=[*ACCOUNTS, ["1210", "Receivables USD", "Asset", "Yes", "No", "", "USD"]],
        Dimensions=[],
        Rates=[],
        Periods=PERIODS,
        AllocationRules=[],
        Checklist=CHECKLIST,
        Reconciliations=[["1210", "", "1000.00", "", "USD", "", "", ""]],
        ReconcilingItems=[],
    )
    result = closekit.close(path, steps=["import", "validate", "trial-balance", "reconciliation"])
    (tie,) = result.run.tables["reconciliations"].to_dict("records")
    assert (tie["Currency"], tie["GL"], tie["SubledgerTotal"], tie["Status"]) == ("USD", 100000, 100000, "Reconciled")


def test_the_runlog_records_the_subledger_reports_hash(make):
    import hashlib

    path = workbook(make)
    make.file("ar-aging.csv", OCTOBER_AGING)
    assert cli.main(["close", str(path)]) == 0
    hashes = FileWorkbook(path).read_sheet("RunLog").frame["InputHashes"].iloc[-1]
    assert f"ar-aging.csv={hashlib.sha256(OCTOBER_AGING.encode()).hexdigest()}" in hashes


def test_raised_may_be_a_period_code(make):
    """Raised 2026-10 is the period's last day: in November the item is 30 days open."""
    path = workbook(make, period="2026-11", items=[[*ITEM[:4], "2026-10"], [*ITEM[:4], "soon"]])
    make.file("ar-aging.csv", NOVEMBER_AGING)
    assert cli.main(["close", str(path)]) == 1
    rows = tieouts(path)
    assert [(r["Line"], r["DaysOpen"]) for r in rows] == [("Tie-out", ""), ("Item", 30)]
    (bad,) = findings(path, "bad-date")
    assert (bad["Where"], bad["Row"], bad["Column"]) == ("ReconcilingItems", 3, "Raised")
