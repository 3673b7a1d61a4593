"""Consolidation by IAS 21 over two years: equity at historical rates, the parent's investment
eliminated against the equity at acquisition (goodwill, a bargain purchase), the NCI's share of the
translation difference in NCI (IAS 21.41) and the profit split between owners and NCI.

**The textbook example** (the layout of the IAS 21 textbook examples: a foreign subsidiary
acquired at the start of year 1, two years of results, the CTA as the balancing figure). P (EUR)
acquires S (USD) on 1 January 2025, when S's equity is its share capital, USD 1,750.00.
Rates USD → EUR: at acquisition 1.00; 2025 average 1.10, 31 Dec 2025 closing 1.15; 2026 average
1.20, 31 Dec 2026 closing 1.30.

Year 1 (2025), S in USD and translated:

| | USD | rate | EUR |
|---|---|---|---|
| assets | 2,300.00 | 1.15 | 2,645.00 |
| liabilities | −250.00 | 1.15 | −287.50 |
| share capital | −1,750.00 | 1.00 | −1,750.00 |
| revenue | −800.00 | 1.10 | −880.00 |
| expenses | 500.00 | 1.10 | 550.00 |
| CTA (plug) | | | −277.50 |

Check: net assets 2,050.00 × 1.15 = 2,357.50 = capital 1,750.00 + profit 300.00 × 1.10 = 330.00
+ CTA 277.50. The retained earnings S carries into 2026 are its 2025 result at the 2025 average:
330.00 (closekit's ``historical-equity-next`` at the year's last period).

Year 2 (2026):

| | USD | rate | EUR |
|---|---|---|---|
| assets | 2,800.00 | 1.30 | 3,640.00 |
| liabilities | −500.00 | 1.30 | −650.00 |
| share capital | −1,750.00 | 1.00 | −1,750.00 |
| retained earnings (2025 result) | −300.00 | historical | −330.00 |
| revenue | −1,000.00 | 1.20 | −1,200.00 |
| expenses | 750.00 | 1.20 | 900.00 |
| CTA (plug) | | | **−610.00** |

Reserves: 330.00 + 2026 profit 250.00 × 1.20 = 300.00 = **630.00**; CTA **610.00** credit. Check:
net assets 2,300.00 × 1.30 = 2,990.00 = 1,750.00 + 630.00 + 610.00; the CTA's movement in 2026,
332.50, is the opening net assets' 2,050.00 × (1.30 − 1.15) = 307.50 plus the profit's 250.00 ×
(1.30 − 1.20) = 25.00. Translating the opening retained earnings at the one Historical rate (1.00,
closekit before issue 15) gives reserves 300.00 + 300.00 = 600.00 and CTA 640.00.

**Acquisition**, 100 % for EUR 1,750.00: the investment eliminates against the capital exactly,
group share capital is P's own. 80 % for EUR 1,500.00 (IFRS 3.19(b): NCI at its share of the net
assets): owners' share 80 % × 1,750.00 = 1,400.00, NCI at acquisition 350.00, goodwill 100.00 =
USD 100.00, an asset of S (IAS 21.47) at the closing rate: 130.00 at the end of 2026 (its
translation difference 30.00 to the CTA). At the end of 2026 the NCI is 20 % × 2,990.00 = 598.00:
350.00 at acquisition, 20 % × 610.00 = 122.00 of the CTA (IAS 21.41) and 20 % × 630.00 = 126.00 of
the reserves; the group's CTA is 610.00 − 122.00 + 30.00 = 518.00; of the 2026 profit 300.00 the
NCI's is 60.00, the owners' 240.00. 80 % for EUR 1,300.00: a bargain purchase of 100.00, a gain
in 2025, in retained earnings from 2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from closefixtures import close_book, context
from closekit.closing import consolidation
from closekit.core import money

ACCOUNTS = [
    ["1000", "Assets", "Asset", "Yes", "No", "", "", "No", "", "Assets"],
    ["1500", "Investments in subsidiaries", "Asset", "Yes", "No", "", "", "No", "", "Investments"],
    ["1600", "Goodwill", "Asset", "Yes", "No", "", "", "No", "", "Goodwill"],
    ["2000", "Liabilities", "Liability", "Yes", "No", "", "", "No", "", "Liabilities"],
    ["3000", "Share capital", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3900", "Retained earnings", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3950", "CTA", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3980", "Non-controlling interest", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["3990", "NCI offset", "Equity", "Yes", "No", "", "", "No", "", "Equity"],
    ["4000", "Revenue", "Revenue", "Yes", "No", "", "", "No", "", "Revenue"],
    ["4950", "Gain on bargain purchase", "Revenue", "Yes", "No", "", "", "No", "", "Other income"],
    ["6000", "Expenses", "Expense", "Yes", "No", "", "", "No", "", "Expenses"],
]
CHART = pd.DataFrame(
    [[a[0], a[2], None, None] for a in ACCOUNTS],
    columns=["account", "type", "translation_rate", "consolidation_account"],
)
RATES = [
    ["2025-01-01", "USD", "EUR", "1.00", "Historical"],
    ["2025-12-31", "USD", "EUR", "1.10", "Average"],
    ["2025-12-31", "USD", "EUR", "1.15", "Closing"],
    ["2026-12-31", "USD", "EUR", "1.20", "Average"],
    ["2026-12-31", "USD", "EUR", "1.30", "Closing"],
]
YEAR_1 = context("2025", "2025-01-01", "2025-12-31")
YEAR_2 = context("2026", "2026-01-01", "2026-12-31")
S_YEAR_1 = [("1000", "2300.00"), ("2000", "-250.00"), ("3000", "-1750.00"), ("4000", "-800.00"), ("6000", "500.00")]
S_YEAR_2 = [
    ("1000", "2800.00"),
    ("2000", "-500.00"),
    ("3000", "-1750.00"),
    ("3900", "-300.00"),
    ("4000", "-1000.00"),
    ("6000", "750.00"),
]


def book(period: str, **settings):
    base = {
        "Company": "P",
        "AccountingCurrency": "EUR",
        "Period": period,
        "RetainedEarningsAccount": "3900",
        "TranslationAdjustmentAccount": "3950",
        "NonControllingInterestAccount": "3980",
        "NonControllingInterestOffsetAccount": "3990",
        "InvestmentAccount": "1500",
        "GoodwillAccount": "1600",
        "BargainPurchaseGainAccount": "4950",
        "ConsolidationMethod": "Full",
        **settings,
    }
    periods = [["2025", "2025-01-01", "2025-12-31", "Open"], ["2026", "2026-01-01", "2026-12-31", "Open"]]
    return close_book(base, ACCOUNTS, rates=RATES, periods=periods)


def balances(rows, currency):
    return pd.DataFrame(
        {"account": [a for a, _ in rows], "amount": [money.round_to_minor(Decimal(v), currency) for _, v in rows]}
    )


def parent(investment: str = "0"):
    rows = [("1500", investment), ("3000", f"-{investment}")] if investment != "0" else []
    return consolidation.Company("P", "EUR", balances(rows, "EUR"), CHART, parent=True)


def subsidiary(rows, *, ownership="1", investment=None, historical_equity=None, retained_opening="0"):
    acquisition = consolidation.Acquisition(
        date=dt.date(2025, 1, 1),
        rate=Fraction(1),
        equity=175000 if investment is not None else None,
        investment=None if investment is None else money.round_to_minor(Decimal(investment), "EUR"),
        historical_equity=None
        if historical_equity is None
        else money.round_to_minor(Decimal(historical_equity), "EUR"),
    )
    return consolidation.Company(
        "S",
        "USD",
        balances(rows, "USD"),
        CHART,
        Fraction(Decimal(ownership)),
        acquisition=acquisition,
        retained_account="3900",
        retained_opening=money.round_to_minor(Decimal(retained_opening), "USD"),
        row=3,
    )


def run(companies, ctx, **settings):
    group = book(ctx.period, **settings)
    table, found = consolidation.consolidate(companies, group.settings, group.rates, ctx)
    return table, found, group


def group_total(table, account, kinds=None):
    rows = table[(table["Account"] == account) & ~table["Eliminated"]]
    if kinds:
        rows = rows[rows["Kind"].isin(kinds)]
    return money.format_minor(int(rows["AmountGroup"].sum()), "EUR")


def s_rows(table):
    part = table[(table["Company"] == "S") & table["Kind"].isin(["Balance", "CTA"])]
    return [
        (k, a, money.format_minor(int(g), "EUR"))
        for k, a, g in zip(part["Kind"], part["Account"], part["AmountGroup"], strict=True)
    ]


def message(found, code):
    return found.loc[found["Code"] == code, "Message"].tolist()


def test_year_1_translates_and_gives_next_years_historical_equity():
    table, found, _ = run([parent("1750.00"), subsidiary(S_YEAR_1, investment="1750.00")], YEAR_1)
    assert s_rows(table) == [
        ("Balance", "1000", "2645.00"),
        ("Balance", "2000", "-287.50"),
        ("Balance", "3000", "-1750.00"),
        ("Balance", "4000", "-880.00"),
        ("Balance", "6000", "550.00"),
        ("CTA", "3950", "-277.50"),
    ]
    # no retained earnings yet: year 1 needs no HistoricalEquity, and says what year 2's is
    assert set(found["Code"]) == {"historical-equity-next"}
    assert "the HistoricalEquity of the next fiscal year is 330.00" in message(found, "historical-equity-next")[0]
    assert found["Row"].tolist() == [3]


def test_year_2_reserves_630_and_cta_610_with_historical_equity_carried_from_year_1():
    _, year_1, _ = run([parent("1750.00"), subsidiary(S_YEAR_1, investment="1750.00")], YEAR_1)
    carried = message(year_1, "historical-equity-next")[0].split("is ")[1].split(" ")[0]
    sub = subsidiary(S_YEAR_2, investment="1750.00", historical_equity=carried, retained_opening="-300.00")
    table, found, group = run([parent("1750.00"), sub], YEAR_2)
    assert s_rows(table) == [
        ("Balance", "1000", "3640.00"),
        ("Balance", "2000", "-650.00"),
        ("Balance", "3000", "-1750.00"),
        ("Balance", "3900", "-330.00"),
        ("Balance", "4000", "-1200.00"),
        ("Balance", "6000", "900.00"),
        ("CTA", "3950", "-610.00"),
    ]
    assert table.loc[table["Account"] == "3900", "RateType"].tolist() == ["HistoricalEquity"]
    assert group_total(table, "3950") == "-610.00"  # the CTA
    assert group_total(table, "3900") == "-330.00"  # + the 2026 profit 300.00 = reserves 630.00
    assert group_total(table, "1500") == "0.00" and group_total(table, "3000") == "-1750.00"  # P's capital only
    assert group_total(table, "1600") == "0.00"  # paid exactly the equity: no goodwill
    assert "historical-equity-missing" not in set(found["Code"])
    balance, income = consolidation.group_statements(table, group, YEAR_2)
    amounts = balance.set_index("Name")["Amount"]
    assert amounts["Profit for the period"] == 30000 and amounts["Retained earnings"] == 33000
    assert amounts["Total assets"] == amounts["Total equity and liabilities"] == 364000  # S's assets 2,800.00 × 1.30
    split = income.set_index("Name")["YearToDate"]
    assert (split["Attributable to owners of the parent"], split["Attributable to non-controlling interests"]) == (
        30000,
        0,
    )


def test_year_2_without_historical_equity_is_the_old_figure_and_says_so():
    """The single Historical rate: reserves 600.00, CTA 640.00 (what closekit gave before issue 15)."""
    sub = subsidiary(S_YEAR_2, investment="1750.00", retained_opening="-300.00")
    sub = consolidation.Company(**{**sub.__dict__, "acquisition": consolidation.Acquisition()})
    table, found, _ = run([parent(), sub], YEAR_2)
    assert group_total(table, "3950") == "-640.00"
    assert group_total(table, "3900") == "-300.00"
    warning = message(found, "historical-equity-missing")
    assert len(warning) == 1 and "-300.00 USD on 3900" in warning[0]
    assert found.loc[found["Code"] == "historical-equity-missing", ["Where", "Row", "Column"]].values.tolist() == [
        ["Consolidation", 3, "HistoricalEquity"]
    ]


def test_year_2_eighty_percent_goodwill_nci_and_the_profit_split():
    sub = subsidiary(
        S_YEAR_2, ownership="0.8", investment="1500.00", historical_equity="330.00", retained_opening="-300.00"
    )
    table, found, group = run([parent("1500.00"), sub], YEAR_2)
    assert set(found["Code"]) == {"historical-equity-next"}
    acquisition = table[table["Kind"] == "Acquisition"]
    assert [
        (a, money.format_minor(int(g), "EUR"))
        for a, g in zip(acquisition["Account"], acquisition["AmountGroup"], strict=True)
    ] == [
        ("3000", "1750.00"),  # S's capital at acquisition, 100 % (Full)
        ("1500", "-1500.00"),  # P's investment
        ("3980", "-350.00"),  # the NCI at acquisition: 20 % × 1,750.00
        ("1600", "130.00"),  # goodwill 100.00 = USD 100.00, at the closing rate 1.30
    ]
    goodwill = acquisition[acquisition["Account"] == "1600"].iloc[0]
    assert (goodwill["AmountLocal"], goodwill["Currency"], goodwill["Rate"]) == (10000, "USD", Fraction(13, 10))
    assert group_total(table, "3980") == "-598.00"  # 20 % × 2,990.00
    assert group_total(table, "3950", ["NCI"]) == "122.00"  # IAS 21.41: 20 % × 610.00 is the NCI's
    assert group_total(table, "3950") == "-518.00"  # 610.00 − 122.00 + 30.00 on the goodwill
    assert group_total(table, "3990") == "126.00"  # 20 % × 630.00 of the reserves
    assert group_total(table, "1500") == "0.00" and group_total(table, "3000") == "-1500.00"
    assert table.loc[~table["Eliminated"], "AmountGroup"].sum() == 0
    _, income = consolidation.group_statements(table, group, YEAR_2)
    split = income.set_index("Name")["YearToDate"]
    assert split["Profit for the period"] == 30000
    assert split["Attributable to owners of the parent"] == 24000
    assert split["Attributable to non-controlling interests"] == 6000


def test_proportionate_eliminates_the_owners_share_and_keeps_no_nci():
    sub = subsidiary(
        S_YEAR_2, ownership="0.8", investment="1500.00", historical_equity="330.00", retained_opening="-300.00"
    )
    table, _, group = run([parent("1500.00"), sub], YEAR_2, ConsolidationMethod="Proportionate")
    assert group_total(table, "3950") == "-518.00"  # 80 % × 610.00 + 30.00 on the goodwill
    assert group_total(table, "3900") == "-264.00"  # 80 % × 330.00
    assert group_total(table, "3000") == "-1500.00" and group_total(table, "1600") == "130.00"
    assert group_total(table, "3980") == "0.00"
    _, income = consolidation.group_statements(table, group, YEAR_2)
    assert income.set_index("Name")["YearToDate"]["Attributable to non-controlling interests"] == 0


def test_a_bargain_purchase_is_a_gain_in_its_year_and_retained_earnings_after():
    year_1 = subsidiary(S_YEAR_1, ownership="0.8", investment="1300.00")
    table, _, _ = run([parent("1300.00"), year_1], YEAR_1)
    assert group_total(table, "4950", ["Acquisition"]) == "-100.00"  # owners' 1,400.00 for 1,300.00
    year_2 = subsidiary(
        S_YEAR_2, ownership="0.8", investment="1300.00", historical_equity="330.00", retained_opening="-300.00"
    )
    table, _, _ = run([parent("1300.00"), year_2], YEAR_2)
    assert group_total(table, "4950") == "0.00"
    assert group_total(table, "3900", ["Acquisition"]) == "-100.00"


def test_an_investment_the_parent_does_not_hold_is_a_warning():
    sub = subsidiary(S_YEAR_2, investment="1750.00", historical_equity="330.00", retained_opening="-300.00")
    _, found, _ = run([parent("1800.00"), sub], YEAR_2)
    assert message(found, "investment-mismatch") == [
        "the group workbook's InvestmentAccount 1500 holds 1,800.00 EUR, the Consolidation sheet's Investment "
        "column adds up to 1,750.00: the difference 50.00 stays on 1500 in the group"
    ]


def test_a_dividend_out_of_retained_earnings_moves_them_at_the_average_rate():
    """S pays a dividend of USD 100.00 in 2026 (cash and retained earnings down 100.00): its
    retained earnings, USD −200.00, are 330.00 − 100.00 × 1.20 = 210.00 (a simplification: IAS 21
    would take the rate of the dividend's date), the CTA the plug: 3,510.00 − 650.00 − 1,750.00 −
    210.00 − 300.00 = 600.00."""
    rows = [("1000", "2700.00"), *[r for r in S_YEAR_2 if r[0] not in ("1000", "3900")], ("3900", "-200.00")]
    sub = subsidiary(rows, investment="1750.00", historical_equity="330.00", retained_opening="-300.00")
    table, _, _ = run([parent("1750.00"), sub], YEAR_2)
    assert group_total(table, "3900") == "-210.00"
    assert group_total(table, "3950") == "-600.00"


def test_no_retained_earnings_at_the_years_start_needs_no_historical_equity():
    sub = subsidiary(S_YEAR_1, investment="1750.00")
    sub = consolidation.Company(**{**sub.__dict__, "acquisition": consolidation.Acquisition(rate=Fraction(1))})
    _, found, _ = run([parent(), sub], YEAR_1)
    assert "historical-equity-missing" not in set(found["Code"])
    assert "is 330.00" in message(found, "historical-equity-next")[0]


def test_an_investment_without_the_equity_at_acquisition_is_not_eliminated_and_says_so():
    sub = subsidiary(S_YEAR_2, investment="1750.00", historical_equity="330.00", retained_opening="-300.00")
    acquisition = consolidation.Acquisition(rate=Fraction(1), investment=175000, historical_equity=33000)
    sub = consolidation.Company(**{**sub.__dict__, "acquisition": acquisition})
    table, found, _ = run([parent("1750.00"), sub], YEAR_2)
    bad = found[found["Code"] == "bad-setting"]
    assert bad[["Where", "Row", "Column"]].values.tolist() == [["Consolidation", 3, "EquityAtAcquisition"]]
    assert group_total(table, "1500") == "1750.00"  # shown, not eliminated
    assert table.loc[~table["Eliminated"], "AmountGroup"].sum() == 0
