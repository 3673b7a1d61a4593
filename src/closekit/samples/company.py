"""The bundled sample company: Contoso Trading NL closing October 2026.

Everything is generated here, deterministically: the workbook's sheets and two journal sources in
the generic layout, a posted general-ledger export (January to October, EUR and USD lines) and a
file of manual period-end adjustments still to be posted. The sample validates clean, so a new
user sees a close that works before they point closekit at their own exports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from closekit.workbook import schema, template

COMPANY = "Contoso Trading NL"
PERIOD = "2026-10"
LEDGER_FILE = "sample-gl-2026.csv"
JOURNAL_FILE = "sample-adjustments-2026-10.csv"
AR_AGING_FILE = "sample-ar-aging-2026-10.csv"
AP_AGING_FILE = "sample-ap-aging-2026-10.csv"
SUBLEDGER_TASK = "Complete sub-ledger tasks (AR, AP, inventory, bank)"
DIMENSIONS = ("Department", "CostCenter")

ACCOUNTS = [
    # Account, Name, Type, Postable, Revalue, RequiredDimensions, Currency, Settle, TranslationRate, StatementLine
    ["1000", "Petty cash", "Asset", "Yes", "No", "", "", "No", "", "Cash"],
    ["1100", "Bank EUR", "Asset", "Yes", "No", "", "EUR", "No", "", "Cash"],
    ["1110", "Bank USD", "Asset", "Yes", "Yes", "", "USD", "No", "", "Cash"],
    ["1200", "Accounts receivable", "Asset", "Yes", "Yes", "", "", "No", "", "Receivables"],
    ["1590", "Payments in transit", "Asset", "Yes", "No", "", "", "Yes", "", "Receivables"],
    ["2000", "Accounts payable", "Liability", "Yes", "Yes", "", "", "No", "", "Payables"],
    ["2100", "VAT payable", "Liability", "Yes", "No", "", "", "No", "", "Payables"],
    ["2900", "Accrued expenses", "Liability", "Yes", "No", "", "", "No", "", "Payables"],
    ["3000", "Share capital", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3900", "Retained earnings", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3950", "Currency translation reserve", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["4000", "Revenue", "Revenue", "Yes", "No", "Department", "", "No", "", "Revenue"],
    ["6000", "Operating expenses", "Expense", "No", "No", "", "", "No", "", "Operating expenses"],
    ["6100", "Rent", "Expense", "Yes", "No", "Department, CostCenter", "", "No", "", "Operating expenses"],
    ["6200", "Utilities", "Expense", "Yes", "No", "Department", "", "No", "", "Operating expenses"],
    ["6300", "IT services", "Expense", "Yes", "No", "Department", "", "No", "", "Operating expenses"],
    ["6400", "Audit and legal fees", "Expense", "Yes", "No", "", "", "No", "", "Operating expenses"],
    ["6900", "Allocated IT costs", "Expense", "Yes", "No", "Department", "", "No", "", "Operating expenses"],
    ["7900", "Unrealized exchange gain", "Revenue", "Yes", "No", "", "", "No", "", "Financial result"],
    ["7910", "Unrealized exchange loss", "Expense", "Yes", "No", "", "", "No", "", "Financial result"],
    ["8000", "Rounding differences", "Expense", "Yes", "No", "", "", "No", "", "Financial result"],
]

DIMENSION_VALUES = [
    ["Department", "ADMIN", "Administration", "Yes"],
    ["Department", "SALES", "Sales", "Yes"],
    ["Department", "PROD", "Production", "Yes"],
    ["Department", "OLD", "Discontinued unit", "No"],
    ["CostCenter", "CC100", "Head office", "Yes"],
    ["CostCenter", "CC200", "Warehouse", "Yes"],
]

#: USD -> EUR rates: Spot on each month's first day, Closing on each month's last day, Average.
_USD_EUR = ["0.9210", "0.9175", "0.9240", "0.9302", "0.9268", "0.9195", "0.9150", "0.9088", "0.9121", "0.9174"]


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def settings_rows() -> list[list[object]]:
    return [
        ["Company", COMPANY],
        ["AccountingCurrency", "EUR"],
        ["ReportingCurrency", "USD"],
        ["Period", PERIOD],
        ["FiscalYearStart", 1],
        ["Dimensions", ", ".join(DIMENSIONS)],
        ["UnrealizedGainAccount", "7900"],
        ["UnrealizedLossAccount", "7910"],
        ["RetainedEarningsAccount", "3900"],
        ["TranslationAdjustmentAccount", "3950"],
        ["RoundingAccount", "8000"],
        ["RevaluationRateType", "Closing"],
        ["ImportFormat", "auto"],
        ["ExportFormat", "generic"],
        ["JournalName", "GenJrn"],
        ["MaterialityAmount", 5000],
        ["MaterialityPercent", 25],
        ["MaterialityTest", "Both"],
    ]


def rate_rows() -> list[list[object]]:
    rows = []
    for month, rate in enumerate(_USD_EUR, start=1):
        rows.append([dt.date(2026, month, 1), "USD", "EUR", Decimal(rate), "Spot"])
        rows.append([_month_end(2026, month), "USD", "EUR", Decimal(rate) + Decimal("0.0015"), "Closing"])
        rows.append([_month_end(2026, month), "USD", "EUR", Decimal(rate) + Decimal("0.0008"), "Average"])
    rows.append([dt.date(2026, 1, 1), "EUR", "GBP", Decimal("0.8610"), "Closing"])
    return rows


def period_rows() -> list[list[object]]:
    rows = []
    for month in range(1, 13):
        status = "On hold" if month < 10 else "Open"
        rows.append([f"2026-{month:02d}", dt.date(2026, month, 1), _month_end(2026, month), status])
    return rows


def allocation_rows() -> list[list[object]]:
    return [
        [
            "IT to departments",
            "Percent",
            "6300",
            "6900",
            10,
            "",
            "6300",
            "Department=SALES",
            60,
            "",
            "IT cost allocation",
        ],
        [
            "IT to departments",
            "Percent",
            "6300",
            "6900",
            10,
            "",
            "6300",
            "Department=PROD",
            40,
            "",
            "IT cost allocation",
        ],
    ]


def checklist_rows() -> list[list[object]]:
    """The sample's checklist, due in working days from the period end (Saturday 31 October 2026:
    day 1 is Monday 2 November, day 6 Monday 9 November), in the Checklist's column order."""
    tasks = [
        ("Complete sub-ledger tasks (AR, AP, inventory, bank)", None, "AR/AP team", 1, "AR/AP"),
        ("Import the general-ledger export", "import", "GL accountant", 1, "GL"),
        ("Verify that all journals are posted", "validate", "GL accountant", 1, "GL"),
        ("Settle the clearing accounts", "settlement", "GL accountant", 2, "GL"),
        ("Run foreign-currency revaluation", "revaluation", "GL accountant", 2, "GL"),
        ("Process allocations", "allocation", "GL accountant", 3, "GL"),
        ("Post manual period-end adjustments", None, "GL accountant", 3, "GL"),
        ("Review the ledger journal report and trial balance", "trial-balance", "Controller", 4, "GL"),
        ("Consolidate subsidiaries", "consolidation", "Group reporting", 5, "Consolidation"),
        ("Produce the financial statements", "statements", "Controller", 5, "Reporting"),
        ("Review the flux analysis and explain material variances", "flux", "Controller", 5, "Reporting"),
        ("Export the adjustments for upload", "export", "GL accountant", 5, "GL"),
        ("Put the period on hold", "period-hold", "Controller", 6, "GL"),
    ]
    headers = [f.alias for f in schema.ChecklistRow.model_fields.values()]
    rows = []
    for task, step, owner, days, area in tasks:
        cells = {"Task": task, "Step": step, "Owner": owner, "Status": "Not started", "DueDay": days, "Area": area}
        rows.append([cells.get(header, "") for header in headers])
    return rows


def source_rows() -> list[list[object]]:
    return [[LEDGER_FILE, "ledger", "generic"], [JOURNAL_FILE, "journal", "generic"]]


def reconciliation_rows() -> list[list[object]]:
    """The AR and AP tie-outs (docs/close.md "Subledger tie-outs"): Account, Subledger, Balance,
    Format, Currency, Materiality, Owner, Task."""
    return [
        ["1200", AR_AGING_FILE, "", "generic", "", 0, "AR/AP team", SUBLEDGER_TASK],
        ["2000", AP_AGING_FILE, "", "generic", "", 0, "AR/AP team", SUBLEDGER_TASK],
    ]


def reconciling_item_rows() -> list[list[object]]:
    """AP: an invoice posted to the GL on 31 October that reaches the AP subledger in November.
    Account, Amount, Explanation, ExpectedClearing, Raised, Cleared."""
    return [
        [
            "2000",
            Decimal("1200.00"),
            "Invoice INV-7781 Schoonmaak Noord: in the GL 2026-10-31, in the AP subledger on 2026-11-03",
            dt.date(2026, 11, 15),
            dt.date(2026, 10, 31),
            None,
        ]
    ]


#: The subledgers at 2026-10-31: the AR aging equals GL 1200 (407,991.37); the AP aging is 1,200.00
#: below GL 2000's credit balance (199,507.27), the invoice of :func:`reconciling_item_rows`.
AR_AGING = [
    ["C-1001", "Fabrikam Retail BV", "91,898.58", "89,556.54", "0.00", "0.00", "181,455.12"],
    ["C-1002", "Northwind Traders NV", "0.00", "44,215.12", "82,321.13", "0.00", "126,536.25"],
    ["C-1003", "Litware Groothandel", "0.00", "0.00", "0.00", "100,000.00", "100,000.00"],
]
AP_AGING = [
    ["V-2001", "Landlord BV", "8,500.00", "76,500.00", "85,000.00"],
    ["V-2002", "Cloud Services Ltd", "4,000.00", "54,307.27", "58,307.27"],
    ["V-2003", "Energie Noord", "1,250.00", "53,750.00", "55,000.00"],
]


def aging_text(rows: list[list[str]], buckets: list[str], party: str) -> str:
    """A generic-layout aging report: a header, one row per party, a Total row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([party, "Name", *buckets, "Balance"])
    writer.writerows(rows)
    totals = []
    for column in range(2, 2 + len(buckets) + 1):
        total = sum(Decimal(r[column].replace(",", "")) for r in rows)
        totals.append(f"{total:,.2f}")
    writer.writerow(["Total", "", *totals])
    return out.getvalue()


def workbook_rows() -> dict[str, list[list[object]]]:
    return {
        "Settings": settings_rows(),
        "Sources": source_rows(),
        "Accounts": ACCOUNTS,
        "Dimensions": DIMENSION_VALUES,
        "Rates": rate_rows(),
        "Periods": period_rows(),
        "AllocationRules": allocation_rows(),
        "Checklist": checklist_rows(),
    }


def tieout_rows() -> dict[str, list[list[object]]]:
    """The sheets of the sample's AR and AP tie-outs, which :func:`write` adds with their subledger
    files (left out of :func:`workbook_rows`, which tests build their own workbooks from)."""
    return {"Reconciliations": reconciliation_rows(), "ReconcilingItems": reconciling_item_rows()}


# --------------------------------------------------------------------------------------- ledger

HEADER = [
    "Journal",
    "Voucher",
    "Line",
    "Date",
    "Account",
    *DIMENSIONS,
    "Currency",
    "Debit",
    "Credit",
    "AmountAccounting",
    "Text",
    "Posted",
]


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ledger_rows() -> list[list[object]]:
    """The posted ledger, January to October 2026: every voucher balances in EUR."""
    rng = random.Random(2026)
    rows: list[list[object]] = []

    def voucher(journal: str, number: str, day: dt.date, lines: list[tuple]) -> None:
        for i, (account, dept, cc, currency, amount, amount_eur, text) in enumerate(lines, start=1):
            rows.append(
                [
                    journal,
                    number,
                    i,
                    day.isoformat(),
                    account,
                    dept,
                    cc,
                    currency,
                    f"{amount:.2f}" if amount > 0 else "",
                    f"{-amount:.2f}" if amount < 0 else "",
                    f"{amount_eur:.2f}",
                    text,
                    "Yes",
                ]
            )

    opening = [
        ("1100", "", "", "EUR", Decimal("250000.00")),
        ("1200", "", "", "EUR", Decimal("84000.00")),
        ("2000", "", "", "EUR", Decimal("-61000.00")),
        ("3000", "", "", "EUR", Decimal("-100000.00")),
        ("3900", "", "", "EUR", Decimal("-173000.00")),
    ]
    voucher(
        "OPEN",
        "OB-2026",
        dt.date(2026, 1, 1),
        [(a, d, c, cur, amt, amt, "Opening balance 2026") for a, d, c, cur, amt in opening],
    )
    for month in range(1, 11):
        rate = Decimal(_USD_EUR[month - 1])
        for n, dept in enumerate(("SALES", "PROD"), start=1):
            net = _cents(Decimal(rng.randint(1_500_000, 4_000_000)) / 100)
            vat = _cents(net * Decimal("0.21"))
            day = dt.date(2026, month, 5 + 7 * n)
            voucher(
                "SALES",
                f"SI-2026{month:02d}-{n}",
                day,
                [
                    ("1200", "", "", "EUR", net + vat, net + vat, f"Invoice {month:02d}{n} {dept.title()} customer"),
                    ("4000", dept, "", "EUR", -net, -net, "Sales revenue"),
                    ("2100", "", "", "EUR", -vat, -vat, "Output VAT 21%"),
                ],
            )
        usd = Decimal("10000.00")  # round figures where the close computes something, to check by hand
        eur = _cents(usd * rate)
        voucher(
            "SALES",
            f"SI-2026{month:02d}-USD",
            dt.date(2026, month, 1),
            [
                ("1110", "", "", "USD", usd, eur, "Export sale paid in USD"),
                ("4000", "SALES", "", "EUR", -eur, -eur, "Export revenue"),
            ],
        )
        rent = Decimal("8500.00")
        voucher(
            "GEN",
            f"GJ-2026{month:02d}-RENT",
            dt.date(2026, month, 1),
            [
                ("6100", "ADMIN", "CC100", "EUR", rent, rent, "Office rent"),
                ("2000", "", "", "EUR", -rent, -rent, "Landlord BV"),
            ],
        )
        it = Decimal("4000.00")
        power = _cents(Decimal(rng.randint(90_000, 180_000)) / 100)
        voucher(
            "GEN",
            f"GJ-2026{month:02d}-OPEX",
            dt.date(2026, month, 15),
            [
                ("6300", "ADMIN", "", "EUR", it, it, "Cloud and IT services"),
                ("6200", "PROD", "", "EUR", power, power, "Electricity"),
                ("2000", "", "", "EUR", -(it + power), -(it + power), "Suppliers"),
            ],
        )
        received = _cents(Decimal(rng.randint(2_000_000, 5_000_000)) / 100)
        voucher(
            "BANK",
            f"BK-2026{month:02d}-IN",
            dt.date(2026, month, 25),
            [
                ("1590", "", "", "EUR", received, received, "Customer payments received"),
                ("1200", "", "", "EUR", -received, -received, "Customer payments received"),
            ],
        )
        voucher(
            "BANK",
            f"BK-2026{month:02d}-CLR",
            dt.date(2026, month, 27),
            [
                ("1100", "", "", "EUR", received, received, "Bank statement"),
                ("1590", "", "", "EUR", -received, -received, "Customer payments received"),
            ],
        )
    voucher(
        "BANK",
        "BK-202610-IN2",
        dt.date(2026, 10, 30),
        [
            ("1590", "", "", "EUR", Decimal("1250.00"), Decimal("1250.00"), "Card payments in transit"),
            ("1200", "", "", "EUR", Decimal("-1250.00"), Decimal("-1250.00"), "Card payments in transit"),
        ],
    )
    return rows


def journal_rows() -> list[list[object]]:
    """Manual October adjustments, still to be posted."""
    return [
        [
            "ADJ",
            "ADJ-2026-10-01",
            1,
            "2026-10-31",
            "6400",
            "",
            "",
            "EUR",
            "4500.00",
            "",
            "4500.00",
            "Audit fee accrual October",
            "No",
        ],
        [
            "ADJ",
            "ADJ-2026-10-01",
            2,
            "2026-10-31",
            "2900",
            "",
            "",
            "EUR",
            "",
            "4500.00",
            "-4500.00",
            "Audit fee accrual October",
            "No",
        ],
    ]


def csv_text(rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def write(path: str | Path, *, force: bool = False) -> Path:
    """The sample close workbook at ``path`` and its two journal sources beside it."""
    path = Path(path)
    workbook = template.write(path, {**workbook_rows(), **tieout_rows()}, force=force)
    (path.parent / LEDGER_FILE).write_text(csv_text(ledger_rows()), encoding="utf-8")
    (path.parent / JOURNAL_FILE).write_text(csv_text(journal_rows()), encoding="utf-8")
    ar = aging_text(AR_AGING, ["Current", "1-30", "31-60", "Over 60"], "Customer")
    (path.parent / AR_AGING_FILE).write_text(ar, encoding="utf-8")
    (path.parent / AP_AGING_FILE).write_text(aging_text(AP_AGING, ["Current", "Over 30"], "Vendor"), encoding="utf-8")
    return workbook


def lite_workbook_rows() -> dict[str, list[list[object]]]:
    """The sample company as an xlwings Lite user has it: no Sources, the ledger pasted into
    LedgerImport and the adjustments into JournalImport (Lite has no file system)."""
    rows = {**workbook_rows(), **tieout_rows()}
    rows["Sources"] = []
    rows["LedgerImport"] = [HEADER, *ledger_rows()]
    rows["JournalImport"] = [HEADER, *journal_rows()]
    rows["Reconciliations"] = [  # no files to read: the subledgers' totals typed
        [account, "", Decimal(total), "", "", 0, owner, task]
        for (account, _, _, _, _, _, owner, task), total in zip(
            reconciliation_rows(), ("407991.37", "198307.27"), strict=True
        )
    ]
    return rows


def write_lite(path: str | Path, *, force: bool = False) -> Path:
    """``workbook_templates/sample-lite.xlsx``: the sample close workbook for xlwings Lite (``make templates``)."""
    return template.write(path, lite_workbook_rows(), force=force)
