"""Consolidation with currency translation (domain.md §6): worked examples 6.1 (with 80 %
ownership both ways) and 6.2, a JPY subsidiary, and the group statements."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd

from closefixtures import close_book, context
from closekit.closing import consolidation
from closekit.closing import statements as stm
from closekit.core import money

DIMS = ("TradingPartner",)
GROUP_ACCOUNTS = [
    ["1000", "Cash", "Asset", "Yes", "No", "", "", "No", "", "Cash"],
    ["1200", "Receivables", "Asset", "Yes", "No", "", "", "No", "", "Receivables"],
    ["1330", "IC receivable", "Asset", "Yes", "No", "", "", "No", "", "Receivables"],
    ["2000", "Payables", "Liability", "Yes", "No", "", "", "No", "", "Payables"],
    ["2330", "IC payable", "Liability", "Yes", "No", "", "", "No", "", "Payables"],
    ["3000", "Share capital", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3950", "CTA", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3970", "IC differences", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3980", "Non-controlling interest", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3990", "Group equity", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["4000", "Revenue", "Revenue", "Yes", "No", "", "", "No", "", "Revenue"],
    ["6000", "Expenses", "Expense", "Yes", "No", "", "", "No", "", "Expenses"],
]
RATES = [
    ["2025-12-31", "USD", "EUR", "0.90", "Closing"],
    ["2025-12-31", "USD", "EUR", "0.85", "Average"],
    ["2025-01-01", "USD", "EUR", "0.80", "Historical"],
    ["2025-12-31", "JPY", "EUR", "0.0061", "Closing"],
    ["2025-12-31", "JPY", "EUR", "0.0062", "Average"],
    ["2025-01-01", "JPY", "EUR", "0.0065", "Historical"],
]
CTX = context("2025-12", "2025-12-01", "2025-12-31", dimensions=DIMS)


def group_book(**settings):
    base = {
        "Company": "P",
        "AccountingCurrency": "EUR",
        "Period": "2025-12",
        "Dimensions": "TradingPartner",
        "TranslationAdjustmentAccount": "3950",
        "IntercompanyDifferenceAccount": "3970",
        "NonControllingInterestAccount": "3980",
        "NonControllingInterestOffsetAccount": "3990",
        "RetainedEarningsAccount": "3000",
        **settings,
    }
    return close_book(base, GROUP_ACCOUNTS, rates=RATES, periods=[["2025-12", "2025-12-01", "2025-12-31", "Open"]])


def company(name, currency, rows, *, ownership="1", parent=False, accounts=None):
    """A company from (account, trading partner, amount as a decimal string) rows."""
    balances = pd.DataFrame(
        {
            "account": [r[0] for r in rows],
            "TradingPartner": [r[1] for r in rows],
            "amount": [money.round_to_minor(Decimal(r[2]), currency) for r in rows],
        }
    )
    chart = pd.DataFrame(
        accounts or [[a[0], a[2], None, None] for a in GROUP_ACCOUNTS],
        columns=["account", "type", "translation_rate", "consolidation_account"],
    )
    return consolidation.Company(name, currency, balances, chart, Fraction(Decimal(ownership)), parent=parent)


# Example 6.1: subsidiary S (USD), first year.
S_ROWS = [
    ("1000", "", "1000.00"),
    ("1300", "", "500.00"),
    ("2000", "", "-300.00"),
    ("3000", "", "-800.00"),
    ("4000", "", "-1200.00"),
    ("6000", "", "800.00"),
]
S_CHART = [
    ["1000", "Asset", None, None],
    ["1300", "Asset", None, "1200"],  # S's receivables account consolidates into the group's 1200
    ["2000", "Liability", None, None],
    ["2330", "Liability", None, None],
    ["3000", "Equity", None, None],
    ["4000", "Revenue", None, None],
    ["6000", "Expense", None, None],
]
EMPTY_PARENT = company("P", "EUR", [], parent=True)


def rows_of(table, name):
    """(kind, account, rate, amount in group currency) per row of one company."""
    part = table[table["Company"] == name]
    return [
        (k, a, consolidation.rate_text(r), money.format_minor(int(g), "EUR"))
        for k, a, r, g in zip(part["Kind"], part["Account"], part["Rate"], part["AmountGroup"], strict=True)
    ]


def test_example_6_1_translates_by_type_and_plugs_the_cta():
    sub = company("S", "USD", S_ROWS, accounts=S_CHART)
    table, found = consolidation.consolidate([EMPTY_PARENT, sub], group_book().settings, group_book().rates, CTX)
    assert found.empty
    assert rows_of(table, "S") == [
        ("Balance", "1000", "0.9", "900.00"),
        ("Balance", "1200", "0.9", "450.00"),
        ("Balance", "2000", "0.9", "-270.00"),
        ("Balance", "3000", "0.8", "-640.00"),
        ("Balance", "4000", "0.85", "-1020.00"),
        ("Balance", "6000", "0.85", "680.00"),
        ("CTA", "3950", "", "-100.00"),
    ]
    assert table.loc[table["Account"] == "1200", "LocalAccount"].tolist() == ["1300"]
    assert table["AmountGroup"].sum() == 0


def test_example_6_1_eighty_percent_proportionate():
    sub = company("S", "USD", S_ROWS, ownership="0.8", accounts=S_CHART)
    table, _ = consolidation.consolidate([EMPTY_PARENT, sub], group_book().settings, group_book().rates, CTX)
    assert [g for _, _, _, g in rows_of(table, "S")] == [
        "720.00",
        "360.00",
        "-216.00",
        "-512.00",
        "-816.00",
        "544.00",
        "-80.00",
    ]


def test_example_6_1_eighty_percent_full_with_non_controlling_interest():
    sub = company("S", "USD", S_ROWS, ownership="0.8", accounts=S_CHART)
    book = group_book(ConsolidationMethod="Full")
    table, found = consolidation.consolidate([EMPTY_PARENT, sub], book.settings, book.rates, CTX)
    assert found.empty
    # IAS 21.41: the NCI's 20 % of the CTA (20.00) is the NCI's, so it leaves the group's CTA; the
    # rest of the NCI (20 % of capital and profit: 128.00 + 68.00) comes out of group equity.
    assert rows_of(table, "S")[-4:] == [
        ("CTA", "3950", "", "-100.00"),
        ("NCI", "3990", "", "196.00"),
        ("NCI", "3950", "", "20.00"),
        ("NCI", "3980", "", "-216.00"),
    ]
    assert [g for _, _, _, g in rows_of(table, "S")[:6]] == [
        "900.00",
        "450.00",
        "-270.00",
        "-640.00",
        "-1020.00",
        "680.00",
    ]


def example_6_2(parent_receivable: str, **settings):
    parent = company("P", "EUR", [("1330", "S", parent_receivable), ("3000", "", f"-{parent_receivable}")], parent=True)
    sub = company("S", "USD", [("1000", "", "500.00"), ("2330", "P", "-500.00")], accounts=S_CHART)
    book = group_book(**settings)
    return consolidation.consolidate([parent, sub], book.settings, book.rates, CTX)


def test_example_6_2_intercompany_balances_net_out():
    table, found = example_6_2("450.00")
    assert found.empty
    eliminated = table[table["Eliminated"]]
    assert list(zip(eliminated["Company"], eliminated["Account"], eliminated["AmountGroup"], strict=True)) == [
        ("P", "1330", 45000),
        ("S", "2330", -45000),
    ]
    assert "IC difference" not in set(table["Kind"])


def test_example_6_2_mismatch_goes_to_the_ic_difference_account_and_is_reported():
    table, found = example_6_2("455.00")
    assert found["Code"].tolist() == ["elimination-mismatch"]
    message = found["Message"].iloc[0]
    assert "between P and S" in message and "P shows 455.00 with S" in message and "S shows -450.00 with P" in message
    assert "the difference 5.00 goes to 3970" in message
    ic = table[table["Kind"] == "IC difference"]
    assert ic[["Company", "Account", "AmountGroup"]].values.tolist() == [["P/S", "3970", 500]]
    assert table.loc[~table["Eliminated"], "AmountGroup"].sum() == 0


def test_proportionate_eliminates_only_the_partners_share():
    parent = company("P", "EUR", [("1330", "S", "450.00"), ("3000", "", "-450.00")], parent=True)
    sub = company("S", "USD", [("1000", "", "500.00"), ("2330", "P", "-500.00")], ownership="0.8", accounts=S_CHART)
    table, found = consolidation.consolidate([parent, sub], group_book().settings, group_book().rates, CTX)
    assert found.empty
    receivable = table[(table["Company"] == "P") & (table["Account"] == "1330")]
    # 80 % of P's receivable is with the group (eliminated), 20 % stays with S's outside owners
    assert receivable[["AmountGroup", "Eliminated"]].values.tolist() == [[9000, False], [36000, True]]
    assert table.loc[(table["Company"] == "S") & table["Eliminated"], "AmountGroup"].tolist() == [-36000]


def test_a_jpy_subsidiary_translates_exactly_with_zero_decimals():
    sub = company(
        "J",
        "JPY",
        [("1000", "", "123457"), ("3000", "", "-100000"), ("4000", "", "-123457"), ("6000", "", "100000")],
    )
    assert sub.balances["amount"].tolist() == [123457, -100000, -123457, 100000]  # yen have no minor unit
    table, found = consolidation.consolidate([EMPTY_PARENT, sub], group_book().settings, group_book().rates, CTX)
    assert found.empty
    # 123,457 × 0.0061 = 753.0877 -> 753.09; × 0.0062 = 765.4334 -> -765.43; 100,000 × 0.0065 = 650.00
    assert rows_of(table, "J") == [
        ("Balance", "1000", "0.0061", "753.09"),
        ("Balance", "3000", "0.0065", "-650.00"),
        ("Balance", "4000", "0.0062", "-765.43"),
        ("Balance", "6000", "0.0062", "620.00"),
        ("CTA", "3950", "", "42.34"),
    ]
    out = consolidation.sheet(table, "EUR")
    sheet = out.frame
    assert sheet.loc[sheet["Company"] == "J", "AmountLocal"].tolist()[:2] == [Decimal("123457"), Decimal("-100000")]
    # whole yen shown without decimals; yen beside euros: General (an amount format would give the
    # yen decimals or cut the cents)
    assert out.formats["AmountLocal"] == "amount0" and out.formats["AmountGroup"] == "amount"
    mixed = pd.concat([table, table.head(1).assign(Currency="EUR")], ignore_index=True)
    assert consolidation.sheet(mixed, "EUR").formats["AmountLocal"] == "general"


def test_a_missing_rate_is_an_error_and_the_cta_holds_the_lines():
    sub = company("S", "USD", S_ROWS, accounts=[[*S_CHART[0][:2], "Spot", None], *S_CHART[1:]])
    table, found = consolidation.consolidate([EMPTY_PARENT, sub], group_book().settings, group_book().rates, CTX)
    assert found["Code"].tolist() == ["missing-rate"]
    assert "no Spot rate from USD to EUR" in found["Message"].iloc[0]
    assert "1000" not in set(table.loc[table["Company"] == "S", "Account"])
    assert table.loc[~table["Eliminated"], "AmountGroup"].sum() == 0


def test_group_statements_balance():
    table, _ = example_6_2("455.00")
    balance, income = consolidation.group_statements(table, group_book(), CTX)
    totals = balance.set_index("Name")["Amount"]
    assert totals["Total assets"] == totals["Total equity and liabilities"] == 45000  # S's cash: 500 × 0.90
    # the single company's columns; without the comparative consolidations they are blank, and so is
    # Period (December's movement is the year to date less November's, which was not consolidated)
    assert list(income.columns) == stm.INCOME_STATEMENT_COLUMNS
    assert list(balance.columns) == stm.BALANCE_SHEET_COLUMNS
    assert income["Period"].isna().all() and balance["PriorPeriodEnd"].isna().all()
    assert income["YearToDate"].notna().all()


def test_an_average_rate_of_an_earlier_period_is_not_the_periods_average():
    sub = company("S", "USD", S_ROWS, accounts=S_CHART)
    january = context("2026-01", "2026-01-01", "2026-01-31", dimensions=DIMS)
    _, found = consolidation.consolidate([EMPTY_PARENT, sub], group_book().settings, group_book().rates, january)
    assert found["Code"].tolist() == ["missing-rate"]
    assert (
        "no Average rate from USD to EUR (or back) dated in the period 2026-01-01..2026-01-31"
        in (found["Message"].iloc[0])
    )


def test_ownership_reads_shares_and_percentages():
    assert consolidation.ownership_share(None) == 1
    assert consolidation.ownership_share(Decimal("0.8")) == Fraction(4, 5)
    assert consolidation.ownership_share(Decimal("80")) == Fraction(4, 5)
    assert consolidation.ownership_share(Decimal("0")) is None
    assert consolidation.ownership_share(Decimal("120")) is None


def test_an_unbalanced_group_company_is_shown_not_plugged():
    parent = company("P", "EUR", [("1000", "", "100.00"), ("3000", "", "-90.00")], parent=True)
    table, found = consolidation.consolidate([parent], group_book().settings, group_book().rates, CTX)
    assert found["Code"].tolist() == ["unbalanced-voucher"]
    assert table[table["Kind"] == "Unbalanced"]["AmountGroup"].tolist() == [-1000]
