"""The bundled sample group: Contoso Group consolidates Contoso Trading NL (the sample company of
:mod:`closekit.samples.company`, EUR, 100 %) and Contoso Trading US (USD, 80 %) for October 2026.

Three workbooks side by side (``closekit new close.xlsx --sample`` and ``closekit demo`` write
them all):

- ``close.xlsx``: Contoso Trading NL, exactly the sample company (its figures are untouched);
- ``close-us.xlsx``: Contoso Trading US, USD, with its ledger ``sample-us-gl-2026.csv``: monthly
  sales, rent and IT costs, and on 31 October a USD 50,000.00 loan from Contoso Group
  (account 2350, TradingPartner ``Contoso Group``);
- ``group.xlsx``: Contoso Group, the parent (domain.md §6 rule 1: a legal entity of its own that
  receives the balances), EUR, whose only ledger ``sample-group-gl-2026.csv`` holds its capital
  (300,000.00), its investments in the two companies (1500: 100,000.00 and 75,000.00) and the
  loan to the US company (1350, TradingPartner ``Contoso Trading US``, USD 50,000.00 booked at
  the closing rate 0.9189 = EUR 45,945.00). Its Consolidation sheet names the two companies with
  their acquisition (date, rate, equity then, the investment's cost) and the US company's
  HistoricalEquity; ``ConsolidationMethod`` is ``Full`` (100 % of the US lines and a 20 %
  non-controlling interest). The investments eliminate against the equity at acquisition
  (goodwill 4,600.00 on the US company, translated at the closing rate); the loan eliminates
  exactly: 45,945.00 against 50,000.00 × 0.9189.

Close the group with ``closekit close group.xlsx --steps consolidation`` (or the whole close plus
consolidation, as ``closekit demo`` does).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from closekit.samples import company as sample
from closekit.workbook import template

GROUP = "Contoso Group"
US = "Contoso Trading US"
GROUP_WORKBOOK = "group.xlsx"
US_WORKBOOK = "close-us.xlsx"
GROUP_LEDGER = "sample-group-gl-2026.csv"
US_LEDGER = "sample-us-gl-2026.csv"
#: USD -> EUR Historical rate of the US company's capital and earlier retained earnings.
HISTORICAL_USD_EUR = Decimal("0.8800")
LOAN_USD, LOAN_EUR = Decimal("50000.00"), Decimal("45945.00")  # 50,000.00 × 0.9189 (closing 31 Oct)
#: Contoso Trading NL was founded by the group: its capital is the investment, no goodwill.
NL_ACQUIRED, NL_INVESTMENT = dt.date(2018, 1, 1), Decimal("100000.00")
#: Contoso Trading US: 80 % bought on 1 January 2024 for EUR 75,000.00 when its equity was its capital,
#: USD 100,000.00, at 0.8800: owners' share 70,400.00, goodwill 4,600.00 (USD 5,227.27).
US_ACQUIRED, US_INVESTMENT, US_EQUITY_AT_ACQUISITION = dt.date(2024, 1, 1), Decimal("75000.00"), Decimal("100000.00")
#: Its retained earnings on 1 January 2026, USD 20,000.00, at historical rates: the 2024 result USD
#: 12,000.00 at the 2024 average 0.9200 (11,040.00) plus the 2025 result USD 8,000.00 at 0.8800 (7,040.00).
US_HISTORICAL_EQUITY = Decimal("18080.00")

_NO = ["Yes", "No", "", "", "No", ""]


def _account(number: str, name: str, kind: str, line: str, consolidation: str = "") -> list[object]:
    return [number, name, kind, *_NO, line, consolidation]


US_ACCOUNTS = [
    _account("1105", "Bank (US)", "Asset", "Cash", "1100"),  # consolidates into the group's 1100
    _account("1200", "Accounts receivable", "Asset", "Receivables"),
    _account("2000", "Accounts payable", "Liability", "Payables"),
    _account("2350", "Intercompany loan payable", "Liability", "Payables"),
    _account("3000", "Share capital", "Equity", "Equity"),
    _account("3900", "Retained earnings", "Equity", "Equity"),
    _account("4000", "Revenue", "Revenue", "Revenue"),
    _account("6100", "Rent", "Expense", "Operating expenses"),
    _account("6300", "IT services", "Expense", "Operating expenses"),
]
GROUP_EXTRA_ACCOUNTS = [
    _account("1350", "Intercompany loan receivable", "Asset", "Receivables"),
    _account("1500", "Investments in subsidiaries", "Asset", "Investments"),
    _account("1600", "Goodwill", "Asset", "Goodwill"),
    _account("4950", "Gain on bargain purchase", "Revenue", "Financial result"),
    _account("2350", "Intercompany loan payable", "Liability", "Payables"),
    _account("3970", "Intercompany differences", "Equity", "Equity"),
    _account("3980", "Non-controlling interest", "Equity", "Equity"),
    _account("3990", "Group equity (NCI offset)", "Equity", "Equity"),
]


def _common_settings(company: str, currency: str, dimensions: str) -> list[list[object]]:
    return [
        ["Company", company],
        ["AccountingCurrency", currency],
        ["Period", sample.PERIOD],
        ["FiscalYearStart", 1],
        ["Dimensions", dimensions],
        ["RetainedEarningsAccount", "3900"],
    ]


def us_rows() -> dict[str, list[list[object]]]:
    return {
        "Settings": _common_settings(US, "USD", "TradingPartner"),
        "Sources": [[US_LEDGER, "ledger", "generic"]],
        "Accounts": US_ACCOUNTS,
        "Periods": sample.period_rows(),
    }


def group_rows() -> dict[str, list[list[object]]]:
    settings = [
        *_common_settings(GROUP, "EUR", "Department, CostCenter, TradingPartner"),
        ["TranslationAdjustmentAccount", "3950"],
        ["ConsolidationMethod", "Full"],
        ["NonControllingInterestAccount", "3980"],
        ["NonControllingInterestOffsetAccount", "3990"],
        ["IntercompanyDifferenceAccount", "3970"],
        ["InvestmentAccount", "1500"],
        ["GoodwillAccount", "1600"],
        ["BargainPurchaseGainAccount", "4950"],
    ]
    rates = [*sample.rate_rows(), [dt.date(2020, 1, 1), "USD", "EUR", HISTORICAL_USD_EUR, "Historical"]]
    checklist = [row for row in sample.checklist_rows() if row[1] in (None, "import", "validate", "consolidation")]
    return {
        "Settings": settings,
        "Sources": [[GROUP_LEDGER, "ledger", "generic"]],
        "Accounts": [[*row, ""] for row in sample.ACCOUNTS] + GROUP_EXTRA_ACCOUNTS,
        "Dimensions": sample.DIMENSION_VALUES,
        "Rates": rates,
        "Periods": sample.period_rows(),
        "Checklist": checklist,
        "Consolidation": [
            # Company, Workbook, Ownership, Currency, AcquisitionDate, AcquisitionRate, EquityAtAcquisition,
            # Investment, HistoricalEquity
            ["Contoso Trading NL", "close.xlsx", 1, "EUR", NL_ACQUIRED, None, NL_INVESTMENT, NL_INVESTMENT, None],
            [
                US,
                US_WORKBOOK,
                Decimal("0.8"),
                "USD",
                US_ACQUIRED,
                HISTORICAL_USD_EUR,
                US_EQUITY_AT_ACQUISITION,
                US_INVESTMENT,
                US_HISTORICAL_EQUITY,
            ],
        ],
    }


HEADER = [
    "Journal",
    "Voucher",
    "Line",
    "Date",
    "Account",
    "TradingPartner",
    "Currency",
    "Debit",
    "Credit",
    "AmountAccounting",
    "Text",
]


def _csv(vouchers: list[tuple[str, str, str, dt.date, list[tuple]]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for journal, number, text, day, lines in vouchers:
        for i, (account, partner, currency, amount, accounting) in enumerate(lines, start=1):
            writer.writerow(
                [
                    journal,
                    number,
                    i,
                    day.isoformat(),
                    account,
                    partner,
                    currency,
                    f"{amount:.2f}" if amount > 0 else "",
                    f"{-amount:.2f}" if amount < 0 else "",
                    f"{accounting:.2f}",
                    text,
                ]
            )
    return out.getvalue()


def us_ledger() -> str:
    """Contoso Trading US, January to October 2026, in USD."""
    usd = "USD"
    vouchers = [
        (
            "OPEN",
            "OB-2026",
            "Opening balance 2026",
            dt.date(2026, 1, 1),
            [
                ("1105", "", usd, Decimal("120000.00"), Decimal("120000.00")),
                ("3000", "", usd, Decimal("-100000.00"), Decimal("-100000.00")),
                ("3900", "", usd, Decimal("-20000.00"), Decimal("-20000.00")),
            ],
        ),
    ]
    for month in range(1, 11):
        tag = f"2026{month:02d}"
        sales, rent, it = Decimal("30000.00"), Decimal("8000.00"), Decimal("3000.00")
        vouchers += [
            (
                "SALES",
                f"US-SI-{tag}",
                "Sales",
                dt.date(2026, month, 10),
                [("1200", "", usd, sales, sales), ("4000", "", usd, -sales, -sales)],
            ),
            (
                "GEN",
                f"US-GJ-{tag}",
                "Rent and IT",
                dt.date(2026, month, 1),
                [
                    ("6100", "", usd, rent, rent),
                    ("6300", "", usd, it, it),
                    ("2000", "", usd, -(rent + it), -(rent + it)),
                ],
            ),
            (
                "BANK",
                f"US-BK-{tag}",
                "Receipts and payments",
                dt.date(2026, month, 20),
                [
                    ("1105", "", usd, sales - rent - it, sales - rent - it),
                    ("2000", "", usd, rent + it, rent + it),
                    ("1200", "", usd, -sales, -sales),
                ],
            ),
        ]
    vouchers.append(
        (
            "GEN",
            "US-LOAN-1",
            "Loan from Contoso Group",
            dt.date(2026, 10, 31),
            [
                ("1105", "", usd, LOAN_USD, LOAN_USD),
                ("2350", GROUP, usd, -LOAN_USD, -LOAN_USD),
            ],
        )
    )
    return _csv(vouchers)


def group_ledger() -> str:
    """Contoso Group's own ledger: its capital and the loan to the US company."""
    return _csv(
        [
            (
                "OPEN",
                "OB-2026",
                "Opening balance 2026",
                dt.date(2026, 1, 1),
                [
                    ("1100", "", "EUR", Decimal("125000.00"), Decimal("125000.00")),
                    ("1500", "", "EUR", NL_INVESTMENT + US_INVESTMENT, NL_INVESTMENT + US_INVESTMENT),
                    ("3000", "", "EUR", Decimal("-300000.00"), Decimal("-300000.00")),
                ],
            ),
            (
                "GEN",
                "GR-LOAN-1",
                "Loan to Contoso Trading US",
                dt.date(2026, 10, 31),
                [
                    ("1350", US, "USD", LOAN_USD, LOAN_EUR),
                    ("1100", "", "EUR", -LOAN_EUR, -LOAN_EUR),
                ],
            ),
        ]
    )


def write(folder: str | Path, *, force: bool = False) -> Path:
    """The subsidiary and group workbooks and their ledgers in ``folder`` (beside the sample
    company's ``close.xlsx``, which :func:`closekit.samples.company.write` writes); the group workbook's path."""
    folder = Path(folder)
    template.write(folder / US_WORKBOOK, us_rows(), force=force)
    (folder / US_LEDGER).write_text(us_ledger(), encoding="utf-8")
    group = template.write(folder / GROUP_WORKBOOK, group_rows(), force=force)
    (folder / GROUP_LEDGER).write_text(group_ledger(), encoding="utf-8")
    return group
