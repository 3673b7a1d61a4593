"""Foreign-currency revaluation (domain.md §1), written like its worked examples."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closefixtures import close_book, context, lines
from closekit.closing import revaluation
from closekit.core import money
from closekit.core.steps import ADJUSTMENT_COLUMNS

D = ("Department",)
ACCOUNTS = [
    ["1120", "Bank USD", "Asset", "Yes", "Yes", "", "", "", "", ""],
    ["1121", "Bank EUR", "Asset", "Yes", "Yes", "", "", "", "", ""],
    ["1122", "Bank multi-currency", "Asset", "Yes", "Yes", "", "", "", "", ""],
    ["2100", "Loan", "Liability", "Yes", "Yes", "", "", "", "", ""],
    ["4010", "Revenue GBP", "Revenue", "Yes", "Yes", "", "", "", "", ""],
    ["4020", "Revenue not revalued", "Revenue", "Yes", "No", "", "", "", "", ""],
    ["8050", "Unrealized gain", "Revenue", "Yes", "No", "", "", "", "", ""],
    ["8060", "Unrealized loss", "Expense", "Yes", "No", "", "", "", "", ""],
]
JANUARY = [["2025-01", "2025-01-01", "2025-01-31", "Open"], ["2025-02", "2025-02-01", "2025-02-28", "Open"]]


def book(rates=(), accounting="EUR", accounts=ACCOUNTS, **overrides):
    base = {
        "AccountingCurrency": accounting,
        "Period": "2025-01",
        "Dimensions": "Department",
        "UnrealizedGainAccount": "8050",
        "UnrealizedLossAccount": "8060",
    }
    return close_book({**base, **overrides}, accounts, rates=list(rates), periods=JANUARY)


def jan(accounting="EUR", **kw):
    return context("2025-01", "2025-01-01", "2025-01-31", accounting_currency=accounting, dimensions=D, **kw)


def feb(accounting="EUR"):
    return context("2025-02", "2025-02-01", "2025-02-28", accounting_currency=accounting, dimensions=D)


def ledger(rows, accounting="EUR"):
    return lines(rows, dimensions=D, accounting_currency=accounting)


def table(adjustments, accounting="EUR"):
    """Adjustment lines as (account, department, debit, credit), like the worked examples' output."""
    out = []
    for rec in adjustments.to_dict("records"):
        amount = int(rec["amount_accounting"])
        text = money.format_minor(abs(amount), accounting)
        out.append((rec["account"], rec["Department"], text if amount > 0 else "", text if amount < 0 else ""))
    return out


def posted(adjustments, accounting="EUR"):
    """The lines as they come back from the ERP once posted: accounting-currency lines with the voucher
    number the runner gives them (``REV-2025-01-USD``), in the ERP's general journal, with a text the ERP
    rewrote (the key is the voucher number, never the text)."""
    return [
        {
            "where": "posted.csv",
            "journal": "GL",
            "voucher": revaluation.voucher_number(f"{rec['date']:%Y-%m}", rec["voucher_key"], set()),
            "date": rec["date"],
            "account": rec["account"],
            "Department": rec["Department"],
            "amount": money.format_minor(int(rec["amount_accounting"]), accounting),
            "text": "FX revaluation",
        }
        for rec in adjustments.to_dict("records")
    ]


# Worked example 1.1: Bank USD per department, two month-ends, Spot rates.
EXAMPLE_1_1 = [
    {"date": "2025-01-10", "account": "1120", "Department": "10", "currency": "USD", "amount": "1000.00",
     "amount_accounting": "900.00"},
    {"date": "2025-01-20", "account": "1120", "Department": "20", "currency": "USD", "amount": "500.00",
     "amount_accounting": "455.00"},
    {"date": "2025-01-25", "account": "1120", "Department": "10", "currency": "USD", "amount": "-200.00",
     "amount_accounting": "-182.00"},
]  # fmt: skip
SPOT = [["2025-01-31", "USD", "EUR", "0.9150", "Spot"], ["2025-02-28", "USD", "EUR", "0.9000", "Spot"]]


def test_worked_example_1_1_run_1():
    result = revaluation.run(ledger(EXAMPLE_1_1), book(SPOT, RevaluationRateType="Spot"), jan())
    assert result.step == "revaluation"
    assert result.findings.empty
    assert table(result.adjustments) == [
        ("1120", "10", "14.00", ""),
        ("8050", "10", "", "14.00"),
        ("1120", "20", "2.50", ""),
        ("8050", "20", "", "2.50"),
    ]
    adj = result.adjustments
    assert list(adj.columns) == [*ADJUSTMENT_COLUMNS[:4], "Department", *ADJUSTMENT_COLUMNS[4:]]
    assert set(adj["journal"]) == {"revaluation"} and set(adj["rule"]) == {"revaluation"}
    assert set(adj["voucher_key"]) == {"USD"} and set(adj["revalued_currency"]) == {"USD"}
    assert set(adj["date"]) == {pd.Timestamp("2025-01-31")}
    assert adj["text"].iloc[0] == "Revaluation of USD 800.00 at 0.915 (Spot)"
    assert adj["text"].iloc[2] == "Revaluation of USD 500.00 at 0.915 (Spot)"


def test_worked_example_1_1_run_2_and_idempotence():
    rev_book = book(SPOT, RevaluationRateType="Spot")
    run_1 = revaluation.run(ledger(EXAMPLE_1_1), rev_book, jan()).adjustments
    assert revaluation.run(ledger(EXAMPLE_1_1 + posted(run_1)), rev_book, jan()).adjustments.empty

    run_2 = revaluation.run(ledger(EXAMPLE_1_1 + posted(run_1)), rev_book, feb())
    assert run_2.findings.empty
    assert table(run_2.adjustments) == [
        ("8060", "10", "12.00", ""),
        ("1120", "10", "", "12.00"),
        ("8060", "20", "7.50", ""),
        ("1120", "20", "", "7.50"),
    ]
    again = revaluation.run(ledger(EXAMPLE_1_1 + posted(run_1) + posted(run_2.adjustments)), rev_book, feb())
    assert again.adjustments.empty and again.findings.empty


def test_worked_example_1_2_accounting_usd():
    accounts = [
        ["110110", "Cash EUR", "Asset", "Yes", "Yes", "", "", "", "", ""],
        ["801400", "Unrealized loss", "Expense", "Yes", "No", "", "", "", "", ""],
        ["801600", "Unrealized gain", "Revenue", "Yes", "No", "", "", "", "", ""],
    ]
    rates = [["2025-01-31", "EUR", "USD", "1.666667", "Closing"], ["2025-02-28", "EUR", "USD", "2.5", "Closing"]]
    rev_book = book(rates, "USD", accounts, UnrealizedGainAccount="801600", UnrealizedLossAccount="801400")
    cash = [{"date": "2025-01-20", "account": "110110", "currency": "EUR", "amount": "500.00",
             "amount_accounting": "1000.00"}]  # fmt: skip

    january = revaluation.run(ledger(cash, "USD"), rev_book, jan("USD")).adjustments
    assert table(january, "USD") == [("801400", "", "166.67", ""), ("110110", "", "", "166.67")]
    assert january["text"].iloc[0] == "Revaluation of EUR 500.00 at 1.666667 (Closing)"

    february = revaluation.run(ledger(cash + posted(january, "USD"), "USD"), rev_book, feb("USD")).adjustments
    assert table(february, "USD") == [("110110", "", "416.67", ""), ("801600", "", "", "416.67")]

    # D365 revalues per transaction currency: USD (accounting-currency) lines on the same cash account
    # change neither run
    domestic = [{"date": "2025-01-25", "account": "110110", "currency": "USD", "amount": "300.00"}]
    assert revaluation.run(ledger(cash + domestic, "USD"), rev_book, jan("USD")).adjustments.equals(january)
    rerun = ledger(cash + domestic + posted(january, "USD"), "USD")
    assert table(revaluation.run(rerun, rev_book, feb("USD")).adjustments, "USD") == table(february, "USD")


def test_worked_example_1_3_profit_and_loss_window_at_average_rate():
    rates = [["2025-01-01", "GBP", "EUR", "1.1700", "Average"], ["2025-01-31", "GBP", "EUR", "1.2500", "Closing"]]
    revenue = [
        {"date": "2024-12-15", "account": "4010", "currency": "GBP", "amount": "-300.00",
         "amount_accounting": "-350.00"},  # same fiscal year, before the period: not in a P&L balance
        {"date": "2025-01-08", "account": "4010", "currency": "GBP", "amount": "-1000.00",
         "amount_accounting": "-1180.00"},
        {"date": "2025-01-22", "account": "4010", "currency": "GBP", "amount": "-500.00",
         "amount_accounting": "-580.00"},
        {"date": "2025-01-22", "account": "4020", "currency": "GBP", "amount": "-500.00",
         "amount_accounting": "-500.00"},  # Revalue = No
    ]  # fmt: skip
    result = revaluation.run(
        ledger(revenue), book(rates, RevaluationRateType="Average"), jan(fiscal_year_start_month=10)
    )
    assert result.findings.empty
    assert table(result.adjustments) == [("4010", "", "5.00", ""), ("8050", "", "", "5.00")]
    assert result.adjustments["text"].iloc[0] == "Revaluation of GBP -1500.00 at 1.17 (Average)"


def test_balance_sheet_window_is_the_fiscal_year_to_the_period_end():
    loan = [
        {"date": "2024-09-30", "account": "2100", "currency": "USD", "amount": "-100.00",
         "amount_accounting": "-50.00"},  # previous fiscal year
        {"date": "2024-11-05", "account": "2100", "currency": "USD", "amount": "-1000.00",
         "amount_accounting": "-900.00"},
        {"date": "2025-02-03", "account": "2100", "currency": "USD", "amount": "-100.00",
         "amount_accounting": "-10.00"},  # after the period
    ]  # fmt: skip
    rates = [["2025-01-31", "USD", "EUR", "0.92", "Closing"]]
    result = revaluation.run(ledger(loan), book(rates), jan(fiscal_year_start_month=10))
    assert table(result.adjustments) == [("8060", "", "20.00", ""), ("2100", "", "", "20.00")]


@pytest.mark.parametrize(
    ("accounting", "rate", "amount", "accounting_amount", "delta", "text"),
    [
        # JPY has no decimals: 1,000.01 × 152.345 = 152,346.52345 -> 152,347. The rate is a number
        # cell: as text, 152.345 could be 152345 (docs/workbook.md "Numbers in input sheets").
        ("JPY", ["2025-01-31", "USD", "JPY", Decimal("152.345"), "Closing"], "1000.01", "150001", "2346", "at 152.345"),
        # KWD has three; only KWD -> USD is quoted: 1,000.00 / 3.25 = 307.6923... -> 307.692.
        ("KWD", ["2025-01-31", "KWD", "USD", "3.25", "Closing"], "1000.00", "305.000", "2.692", "at 0.307692307692"),
    ],
)
def test_zero_and_three_decimal_accounting_currencies(accounting, rate, amount, accounting_amount, delta, text):
    bank = [{"date": "2025-01-10", "account": "1120", "currency": "USD", "amount": amount,
             "amount_accounting": accounting_amount}]  # fmt: skip
    result = revaluation.run(ledger(bank, accounting), book([rate], accounting), jan(accounting))
    assert result.findings.empty
    assert table(result.adjustments, accounting) == [("1120", "", delta, ""), ("8050", "", "", delta)]
    assert result.adjustments["text"].iloc[0] == f"Revaluation of USD {amount} {text} (Closing)"


def test_zero_transaction_balance_is_cleared_without_needing_a_rate():
    bank = [
        {"date": "2025-01-05", "account": "1120", "currency": "USD", "amount": "100.00", "amount_accounting": "91.00"},
        {
            "date": "2025-01-15",
            "account": "1120",
            "currency": "USD",
            "amount": "-100.00",
            "amount_accounting": "-90.00",
        },
    ]
    result = revaluation.run(ledger(bank), book(), jan())
    assert result.findings.empty
    assert table(result.adjustments) == [("8060", "", "1.00", ""), ("1120", "", "", "1.00")]
    assert result.adjustments["text"].iloc[0] == "Revaluation of USD 0.00 cleared (Closing)"


RATES = [["2025-01-31", "USD", "EUR", "0.9150", "Closing"], ["2025-01-31", "GBP", "EUR", "1.2", "Closing"]]


def test_accounting_currency_lines_are_no_part_of_a_foreign_balance():
    rows = [
        {"date": "2025-01-10", "account": "1121", "amount": "500.00"},  # only EUR: nothing
        {"date": "2025-01-10", "account": "1120", "currency": "USD", "amount": "800.00", "amount_accounting": "718.00"},
        {"date": "2025-01-12", "account": "1120", "amount": "-5.00", "text": "Bank fee"},  # a EUR line: not USD
        {"date": "2025-01-13", "account": "1120", "amount": "-7.00", "journal": "GL", "voucher": "REV-2024-12-JPY",
         "text": "Revaluation of USD 800.00"},  # closekit's JPY key (no JPY here); the text counts for nothing
    ]  # fmt: skip
    result = revaluation.run(ledger(rows), book([*RATES, ["2025-01-31", "JPY", "EUR", "0.0062", "Closing"]]), jan())
    assert result.findings.empty
    assert table(result.adjustments) == [
        # the lone JPY revaluation line is closekit's (its voucher): its key's JPY balance is zero, so it is cleared
        ("1120", "", "7.00", ""),
        ("8050", "", "", "7.00"),
        # USD 800.00 x 0.915 = 732.00 against 718.00: the EUR bank fee changes nothing
        ("1120", "", "14.00", ""),
        ("8050", "", "", "14.00"),
    ]
    assert result.adjustments["voucher_key"].tolist() == ["JPY", "JPY", "USD", "USD"]


# Issue 15, the minimal case: a payables account with a domestic supplier and a GBP supplier.
PAYABLES = [
    {"date": "2025-01-05", "account": "2100", "amount": "-1000.00", "text": "Domestic supplier"},
    {"date": "2025-01-06", "account": "2100", "currency": "GBP", "amount": "-100.00", "amount_accounting": "-117.00",
     "text": "UK supplier"},
]  # fmt: skip


def test_domestic_lines_are_not_folded_into_the_gbp_balance():
    result = revaluation.run(ledger(PAYABLES), book(RATES), jan())
    assert result.findings.empty
    # GBP -100.00 x 1.2 = -120.00 against -117.00: a loss of 3.00 (not a gain of 997.00, which folding
    # the domestic -1,000.00 into the GBP balance gives)
    assert table(result.adjustments) == [("8060", "", "3.00", ""), ("2100", "", "", "3.00")]
    again = revaluation.run(ledger(PAYABLES + posted(result.adjustments)), book(RATES), jan())
    assert again.adjustments.empty and again.findings.empty
    assert revaluation.voucher_number("2025-01", "GBP", set()) == "REV-2025-01-GBP"


def test_own_revaluation_lines_are_recognised_by_voucher_and_journal_never_by_text():
    frame = ledger(
        [
            {"date": "2025-01-31", "account": "1122", "amount": "1", "voucher": "REV-2025-01-GBP"},
            {"date": "2025-01-31", "account": "1122", "amount": "1", "voucher": "REV-2025-01-GBP2 FX revaluation"},
            {"date": "2025-01-31", "account": "1122", "amount": "1", "voucher": "REV-FY25-P01-USD"},
            {"date": "2025-01-31", "account": "1122", "amount": "1", "voucher": "REV-2025-01-0001"},  # older closekit
            {"date": "2025-01-31", "account": "1122", "amount": "1", "voucher": "GJ-7", "journal": "Revaluation"},
            {"date": "2025-01-31", "account": "1122", "amount": "1", "voucher": "REV-2025-01-EUR"},  # accounting
            {"date": "2025-01-31", "account": "1122", "amount": "1", "voucher": "REV-2025-01-XYZ"},  # no currency
            {"date": "2025-01-31", "account": "1122", "amount": "1", "voucher": "GJ-8",
             "text": "Revaluation of GBP 100.00 at 1.2 (Closing)"},  # text alone: an ordinary line
            {"date": "2025-01-31", "account": "1122", "currency": "GBP", "amount": "1", "amount_accounting": "1",
             "voucher": "REV-2025-01-GBP"},  # a foreign line is its own currency's anyway
        ]
    )  # fmt: skip
    got = revaluation.own_currency(frame, "EUR").tolist()
    assert got[:5] == ["GBP", "GBP", "USD", "?", "?"]
    assert pd.isna(got[5]) and pd.isna(got[6]) and pd.isna(got[7]) and pd.isna(got[8])


def test_own_revaluation_line_without_currency_on_an_account_with_several():
    rows = [
        {"date": "2025-01-10", "account": "1122", "currency": "USD", "amount": "800.00", "amount_accounting": "732.00"},
        {"date": "2025-01-10", "account": "1122", "currency": "GBP", "amount": "100.00", "amount_accounting": "118.00"},
        {"date": "2025-01-31", "account": "1122", "amount": "2.00", "voucher": "REV-2025-01-GBP",
         "text": "FX revaluation January"},  # counts in GBP (its voucher): nothing left to do
        {"date": "2025-01-20", "account": "1122", "amount": "-5.00", "text": "Bank fee"},  # EUR: in no balance
        {"where": "manual.xlsx", "row": 7, "date": "2024-12-31", "account": "1122", "amount": "-5.00",
         "voucher": "REV-2024-12-0001"},  # an older closekit revaluation: which currency? left out, warned
        {"where": "manual.xlsx", "row": 8, "date": "2024-12-31", "account": "1122", "amount": "5.00",
         "journal": "revaluation"},  # the same account: counted in the one warning, not a second one
    ]  # fmt: skip
    result = revaluation.run(ledger(rows), book(RATES), jan(fiscal_year_start_month=12))
    assert result.adjustments.empty
    found = result.findings
    assert found[["Severity", "Code", "Where", "Row", "Column"]].values.tolist() == [
        ["Warning", "bad-setting", "manual.xlsx", 7, "Voucher"]
    ]
    assert found["Message"].iloc[0].startswith("2 EUR revaluation lines")
    assert "cannot tell which balance" in found["Message"].iloc[0]


def test_a_rate_older_than_rate_max_age_days_is_a_warning():
    bank = [{"date": "2025-01-10", "account": "1120", "currency": "USD", "amount": "800.00",
             "amount_accounting": "718.00"}]  # fmt: skip
    rates = [["2025-01-23", "USD", "EUR", "0.9150", "Closing"]]
    fresh = revaluation.run(ledger(bank), book(rates), jan())  # 8 days: more than the default 7
    assert fresh.findings[["Severity", "Code", "Where", "Column"]].values.tolist() == [
        ["Warning", "stale-rate", "Rates", "Date"]
    ]
    assert "dated 2025-01-23, 8 days earlier (RateMaxAgeDays is 7)" in fresh.findings["Message"].iloc[0]
    assert table(fresh.adjustments) == [("1120", "", "14.00", ""), ("8050", "", "", "14.00")]  # still revalued
    assert revaluation.run(ledger(bank), book(rates, RateMaxAgeDays=8), jan()).findings.empty
    on_time = [["2025-01-24", "USD", "EUR", "0.9150", "Closing"]]
    assert revaluation.run(ledger(bank), book(on_time), jan()).findings.empty


def test_missing_rate_is_an_error_and_that_currency_posts_nothing():
    rows = [
        {"date": "2025-01-10", "account": "1122", "currency": "USD", "amount": "800.00", "amount_accounting": "718.00"},
        {"date": "2025-01-10", "account": "1122", "currency": "CHF", "amount": "100.00", "amount_accounting": "95.00"},
    ]
    result = revaluation.run(ledger(rows), book(RATES), jan())
    assert table(result.adjustments) == [("1122", "", "14.00", ""), ("8050", "", "", "14.00")]
    found = result.findings
    assert found[["Severity", "Code", "Where"]].values.tolist() == [["Error", "missing-rate", "Rates"]]
    assert all(part in found["Message"].iloc[0] for part in ("CHF", "EUR", "Closing", "2025-01-31"))


def test_missing_gain_account_is_an_error_and_the_gains_post_nothing():
    rows = [
        {"date": "2025-01-10", "account": "1120", "currency": "USD", "amount": "800.00", "amount_accounting": "718.00"},
        {"date": "2025-01-10", "account": "2100", "currency": "USD", "amount": "100.00", "amount_accounting": "95.00"},
    ]
    result = revaluation.run(ledger(rows), book(RATES, UnrealizedGainAccount=""), jan())
    assert table(result.adjustments) == [("8060", "", "3.50", ""), ("2100", "", "", "3.50")]
    found = result.findings
    assert found[["Severity", "Code", "Where", "Column"]].values.tolist() == [
        ["Error", "bad-setting", "Settings", "Value"]
    ]
    assert "UnrealizedGainAccount" in found["Message"].iloc[0]


def test_lines_with_unreadable_amounts_are_ignored():
    rows = [
        {"date": "2025-01-10", "account": "1120", "currency": "USD", "amount": "800.00", "amount_accounting": "718.00"},
        {"date": "2025-01-11", "account": "1120", "currency": "USD", "amount": "50.00", "amount_accounting": "45.00"},
        {"date": "2025-01-12", "account": "1120", "amount": "1.00"},
    ]
    frame = ledger(rows)
    frame.loc[1, "amount"] = pd.NA
    frame.loc[2, "amount_accounting"] = pd.NA
    result = revaluation.run(frame, book(RATES), jan())
    assert table(result.adjustments) == [("1120", "", "14.00", ""), ("8050", "", "", "14.00")]


CURRENCIES = ["USD", "GBP", "JPY", "KWD"]
line_strategy = st.fixed_dictionaries(
    {
        "account": st.sampled_from(["1120", "2100", "4010"]),
        "Department": st.sampled_from(["", "10", "20"]),
        "currency": st.sampled_from([*CURRENCIES, "EUR"]),
        "day": st.integers(-40, 30),
        "amount": st.integers(-(10**9), 10**9),
        "accounting": st.integers(-(10**9), 10**9),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(line_strategy, min_size=1, max_size=25),
    st.lists(st.integers(1, 10**9), min_size=len(CURRENCIES), max_size=len(CURRENCIES)),
)
def test_property_rerun_after_posting_gives_nothing_and_vouchers_balance(drawn, rate_units):
    rates = [
        ["2025-01-31", c, "EUR", str(Decimal(units).scaleb(-6)), "Closing"]
        for c, units in zip(CURRENCIES, rate_units, strict=True)
    ]
    rev_book = book(rates)
    rows = []
    for line in drawn:
        currency = line["currency"]
        row = {
            "date": pd.Timestamp("2025-01-01") + pd.Timedelta(days=line["day"]),
            "account": line["account"],
            "Department": line["Department"],
            "currency": currency,
            "amount": money.format_minor(line["amount"], currency),
        }
        if currency != "EUR":
            row["amount_accounting"] = money.format_minor(line["accounting"], "EUR")
        rows.append(row)
    first = revaluation.run(ledger(rows), rev_book, jan())
    assert (first.findings["Severity"] != "Error").all()
    sums = first.adjustments.groupby("voucher_key")["amount_accounting"].sum()
    assert (sums == 0).all()
    second = revaluation.run(ledger(rows + posted(first.adjustments)), rev_book, jan())
    assert second.adjustments.empty


def test_voucher_numbers_are_stable_and_never_reuse_one_the_ledger_holds():
    from closekit.closing import runner

    # derived from the currency: adding GBP does not renumber USD
    assert runner.voucher_numbers(["USD"], "revaluation", "2026-10", set()) == {"USD": "REV-2026-10-USD"}
    assert runner.voucher_numbers(["GBP", "USD"], "revaluation", "2026-10", set()) == {
        "GBP": "REV-2026-10-GBP",
        "USD": "REV-2026-10-USD",
    }
    # a corrected rate after REV-2026-10-USD was posted: the next free number, at most 16 characters (SAP)
    posted = ledger([{"date": "2025-01-31", "account": "1120", "amount": "1", "voucher": "REV-2026-10-USD"}])
    used = runner.used_numbers(posted)
    assert runner.voucher_numbers(["USD", "GBP"], "revaluation", "2026-10", used) == {
        "USD": "REV-2026-10-USD2",
        "GBP": "REV-2026-10-GBP",
    }
    assert len("REV-2026-10-USD2") == 16
    # Xero reads the Narration (voucher and text) as the voucher: its first word is the number
    narrated = ledger(
        [
            {"date": "2025-01-31", "account": "1120", "amount": "1", "voucher": "REV-2026-10-USD Revaluation of USD"},
            {"date": "2025-01-31", "account": "1120", "amount": "1", "voucher": "REV-2026-10-USD2 Revaluation"},
            {"date": "2025-01-31", "account": "6300", "amount": "1", "voucher": "ALC-2026-10-0002"},
            {"date": "2025-01-31", "account": "6300", "amount": "1", "voucher": "ALC-2026-09-0007"},
        ]
    )
    used = runner.used_numbers(narrated)
    assert runner.voucher_numbers(["USD"], "revaluation", "2026-10", used) == {"USD": "REV-2026-10-USD3"}
    # the other steps continue after the highest number of their prefix and period in the ledger
    assert runner.voucher_numbers(["rule A", "rule B"], "allocation", "2026-10", used) == {
        "rule A": "ALC-2026-10-0003",
        "rule B": "ALC-2026-10-0004",
    }
    assert runner.voucher_numbers(["opening"], "year-end", "2026-10", used) == {"opening": "YEC-2026-10-0001"}
