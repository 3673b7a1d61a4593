"""Reports (domain.md §8): the trial balance, the statements and the ledger journal report,
read like the worked examples (amounts in the tables are EUR; the frames hold cents)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closefixtures import close_book, context, lines
from closekit.closing import cash_flow, reports
from closekit.closing.statements import BALANCE_SHEET_COLUMNS, INCOME_STATEMENT_COLUMNS, PRIOR_YEARS
from closekit.core.steps import adjustment_frame

AMOUNTS = ["Opening", "Debit", "Credit", "Closing", "AdjustmentDebit", "AdjustmentCredit", "ClosingAfter"]
SETTINGS = {
    "AccountingCurrency": "EUR",
    "Period": "2025-01",
    "Dimensions": "Department",
    "RetainedEarningsAccount": "3900",
}
CHART = [
    ["1000", "Cash", "Asset", "", "", "", "", "", "", "Current assets"],
    ["1300", "Receivables", "Asset", "", "", "", "", "", "", "Current assets"],
    ["2000", "Payables", "Liability", "", "", "", "", "", "", "Current liabilities"],
    ["3000", "Capital", "Equity", "", "", "", "", "", "", "Equity"],
    ["3900", "Retained earnings", "Equity", "", "", "", "", "", "", "Equity"],
    ["4000", "Revenue", "Revenue", "", "", "", "", "", "", "Revenue"],
    ["6000", "Expenses", "Expense", "", "", "", "", "", "", "Operating expenses"],
    ["7000", "Interest", "Expense"],
]
BOOK = close_book(SETTINGS, CHART, periods=[["2025-01", "2025-01-01", "2025-01-31", "Open"]])
JAN = context("2025-01", "2025-01-01", "2025-01-31", dimensions=("Department",))


def eur(text: str) -> int:
    return int(Decimal(text.replace(",", "").replace("−", "-")) * 100)


def ledger(rows: list[dict]) -> pd.DataFrame:
    return lines(rows, dimensions=("Department",))


def voucher(number: str, date: str, *legs: tuple, journal: str = "GL") -> list[dict]:
    """Lines of one voucher from (account, amount[, department]) legs."""
    return [
        {
            "journal": journal,
            "voucher": number,
            "date": date,
            "account": a,
            "amount": amt,
            "Department": rest[0] if rest else "",
        }
        for a, amt, *rest in legs
    ]


EXAMPLE_8_1 = ledger(
    voucher("OB-2025", "2025-01-01", ("1000", "10000.00"), ("3000", "-10000.00"), journal="OPEN")
    + voucher("GJ-001", "2025-01-05", ("6000", "1210.00"), ("2000", "-1210.00"))
    + voucher("GJ-002", "2025-01-15", ("1000", "3000.00"), ("4000", "-3000.00"))
    + voucher("GJ-003", "2025-01-20", ("2000", "1210.00"), ("1000", "-1210.00"))
)


def table(tb: pd.DataFrame, *columns: str) -> list[tuple]:
    return [tuple(r) for r in tb[list(columns)].itertuples(index=False)]


def row(frame: pd.DataFrame, column: str, value: str) -> pd.Series:
    found = frame[frame[column] == value]
    assert len(found) == 1, f"{column}={value!r}: {len(found)} rows"
    return found.iloc[0]


# --- trial balance -------------------------------------------------------------------------------


def test_worked_example_8_1_trial_balance():
    tb = reports.trial_balance(EXAMPLE_8_1, None, BOOK, JAN)
    assert list(tb.columns) == ["Account", "Name", "Type", *AMOUNTS]
    assert all(tb[c].dtype == np.int64 for c in AMOUNTS)
    expected = [
        ("1000", "Cash", "Asset", "10,000.00", "3,000.00", "1,210.00", "11,790.00"),
        ("2000", "Payables", "Liability", "0.00", "1,210.00", "1,210.00", "0.00"),
        ("3000", "Capital", "Equity", "−10,000.00", "0.00", "0.00", "−10,000.00"),
        ("4000", "Revenue", "Revenue", "0.00", "0.00", "3,000.00", "−3,000.00"),
        ("6000", "Expenses", "Expense", "0.00", "1,210.00", "0.00", "1,210.00"),
        ("Total", "", "", "0.00", "5,420.00", "5,420.00", "0.00"),
    ]
    assert table(tb, "Account", "Name", "Type", "Opening", "Debit", "Credit", "Closing") == [
        (*r[:3], *(eur(a) for a in r[3:])) for r in expected
    ]
    assert (tb["ClosingAfter"] == tb["Closing"]).all()
    assert (tb[["AdjustmentDebit", "AdjustmentCredit"]] == 0).all().all()
    assert reports.trial_balance_checks(tb) == []


def test_opening_journal_on_the_first_day_is_opening_whatever_its_case():
    renamed = EXAMPLE_8_1.assign(journal=EXAMPLE_8_1["journal"].replace({"OPEN": " ob "}))
    tb = reports.trial_balance(renamed, None, BOOK, JAN)
    assert row(tb, "Account", "1000")["Opening"] == eur("10000")
    # Another journal on the same day is January movement.
    other = EXAMPLE_8_1.assign(journal=EXAMPLE_8_1["journal"].replace({"OPEN": "GL"}))
    tb = reports.trial_balance(other, None, BOOK, JAN)
    assert row(tb, "Account", "1000")["Opening"] == 0
    assert row(tb, "Account", "Total")["Debit"] == eur("15420")


def test_trial_balance_by_dimensions_splits_rows_and_keeps_the_totals():
    rows = ledger(
        voucher("S1", "2025-01-10", ("1300", "100.00", "20"), ("4000", "-60.00", "20"), ("4000", "-40.00", "10"))
        + voucher("S2", "2025-01-11", ("1300", "50.00", "10"), ("4000", "-50.00", "10"))
    )
    tb = reports.trial_balance(rows, None, BOOK, JAN, by_dimensions=True)
    assert list(tb.columns) == ["Account", "Name", "Type", "Department", *AMOUNTS]
    assert table(tb, "Account", "Department", "Debit", "Credit") == [
        ("1300", "10", 5000, 0),
        ("1300", "20", 10000, 0),
        ("4000", "10", 0, 9000),
        ("4000", "20", 0, 6000),
        ("Total", "", 15000, 15000),
    ]
    plain = reports.trial_balance(rows, None, BOOK, JAN)
    assert table(plain, "Account", "Debit", "Credit") == [
        ("1300", 15000, 0),
        ("4000", 0, 15000),
        ("Total", 15000, 15000),
    ]


def test_adjustment_columns_in_canonical_and_step_shape():
    proposed = ledger(voucher("REV-2025-01-0001", "2025-01-31", ("1300", "12.34", "10"), ("4000", "-12.34", "10")))
    next_year = ledger(voucher("YEC", "2025-02-01", ("1300", "5.00"), ("4000", "-5.00")))
    step = {"journal": "REV", "voucher_key": 1, "date": "2025-01-31", "Department": "", "text": "", "rule": ""}
    step["revalued_currency"] = "USD"
    for adjustments in (
        pd.concat([proposed, next_year], ignore_index=True),
        adjustment_frame(
            [
                {**step, "account": "1300", "amount_accounting": 1234},
                {**step, "account": "4000", "amount_accounting": -1234},
            ],
            ("Department",),
        ),
    ):
        tb = reports.trial_balance(EXAMPLE_8_1, adjustments, BOOK, JAN)
        assert table(tb, "Account", "Closing", "AdjustmentDebit", "AdjustmentCredit", "ClosingAfter") == [
            ("1000", eur("11790"), 0, 0, eur("11790")),
            ("1300", 0, 1234, 0, 1234),
            ("2000", 0, 0, 0, 0),
            ("3000", eur("-10000"), 0, 0, eur("-10000")),
            ("4000", eur("-3000"), 0, 1234, eur("-3012.34")),
            ("6000", eur("1210"), 0, 0, eur("1210")),
            ("Total", 0, 1234, 1234, 0),
        ]


def test_profit_and_loss_opening_resets_at_the_fiscal_year():
    rows = ledger(
        voucher("A", "2024-11-10", ("1000", "500.00"), ("4000", "-500.00"))
        + voucher("B", "2025-01-10", ("1000", "100.00"), ("4000", "-100.00"))
    )
    feb = context("2025-02", "2025-02-01", "2025-02-28")
    tb = reports.trial_balance(rows, None, BOOK, feb)
    # Cash carries the prior year (year-end close not run), revenue starts the year at 0, and the
    # prior year's profit shows in a row of its own, so the trial balance still balances.
    assert table(tb, "Account", "Name", "Type", "Opening", "Closing") == [
        ("1000", "Cash", "Asset", 60000, 60000),
        ("4000", "Revenue", "Revenue", -10000, -10000),
        ("", PRIOR_YEARS, "Equity", -50000, -50000),
        ("Total", "", "", 0, 0),
    ]
    assert reports.trial_balance_checks(tb) == []


def test_trial_balance_checks_name_what_fails():
    rows = ledger(
        [
            {"date": "2024-12-31", "account": "1000", "amount": "500.00"},
            *voucher("B", "2025-01-10", ("1000", "100.00"), ("4000", "-100.00")),
            {"date": "2025-01-11", "account": "6000", "amount": "1234.56"},
        ]
    )
    tb = reports.trial_balance(rows, None, BOOK, JAN)
    assert reports.trial_balance_checks(tb, currency="EUR") == [
        "the opening balances add up to 500.00 EUR, not 0",
        "the period's debits (1,334.56 EUR) differ from its credits (100.00 EUR) by 1,234.56 EUR",
        "the closing balances add up to 1,734.56 EUR, not 0",
    ]
    named = reports.trial_balance_checks(tb, currency="EUR", lines=rows, end=JAN.end)
    assert all(
        m.endswith("; the vouchers that do not balance: V2 in gl.csv (500.00 EUR), V5 in gl.csv (1,234.56 EUR)")
        for m in named
    ), named
    adjustments = ledger([{"date": "2025-01-31", "account": "1000", "amount": "-1.00"}])
    tb = reports.trial_balance(rows, adjustments, BOOK, JAN)
    assert reports.trial_balance_checks(tb)[-1] == "the closing balances after adjustments add up to 1,733.56, not 0"


def test_fiscal_year_starting_in_july():
    rows = ledger(
        voucher("A", "2025-06-30", ("1000", "500.00"), ("4000", "-500.00"))
        + voucher("B", "2025-07-15", ("1000", "100.00"), ("6000", "40.00"), ("4000", "-140.00"))
        + voucher("C", "2025-08-05", ("1000", "10.00"), ("4000", "-10.00"))
    )
    aug = context("2025-08", "2025-08-01", "2025-08-31", fiscal_year_start_month=7)
    assert aug.fiscal_year_start == pd.Timestamp("2025-07-01")
    tb = reports.trial_balance(rows, None, BOOK, aug)
    assert table(tb, "Account", "Opening", "Debit", "Credit") == [
        ("1000", 60000, 1000, 0),
        ("4000", -14000, 0, 1000),
        ("6000", 4000, 0, 0),
        ("", -50000, 0, 0),
        ("Total", 0, 1000, 1000),
    ]
    balance_sheet, income = reports.statements(rows, None, BOOK, aug)
    assert row(income, "Name", "Profit for the period")[["Period", "YearToDate"]].tolist() == [1000, 11000]
    assert row(balance_sheet, "Name", PRIOR_YEARS)["Amount"] == 50000
    assert row(balance_sheet, "Name", "Total assets")["Amount"] == 61000
    assert row(balance_sheet, "Name", "Total equity and liabilities")["Amount"] == 61000


def test_a_closed_year_is_not_counted_twice():
    """Prior-year lines and the year-end close's opening voucher: the opening voucher carries the
    balances, so the prior year's lines are left out (domain.md §8 rule 4)."""
    rows = ledger(
        voucher("A", "2024-06-10", ("1000", "700.00"), ("4000", "-700.00"))
        + voucher("YEC-2024", "2025-01-01", ("1000", "700.00"), ("3900", "-700.00"), journal="OPEN")
        + voucher("B", "2025-01-10", ("1000", "100.00"), ("4000", "-100.00"))
    )
    tb = reports.trial_balance(rows, None, BOOK, JAN)
    assert table(tb, "Account", "Opening", "Closing") == [
        ("1000", 70000, 80000),
        ("3900", -70000, -70000),
        ("4000", 0, -10000),
        ("Total", 0, 0),
    ]
    balance_sheet, _ = reports.statements(rows, None, BOOK, JAN)
    assert PRIOR_YEARS not in set(balance_sheet["Name"])
    assert row(balance_sheet, "Name", "Total assets")["Amount"] == 80000
    assert row(balance_sheet, "Name", "Total equity and liabilities")["Amount"] == 80000
    # The caller may say otherwise: then the prior year counts again (and the TB shows it).
    forced = reports.trial_balance(rows, None, BOOK, JAN, year_closed=False)
    assert row(forced, "Account", "1000")["Opening"] == 140000


def test_lines_after_the_period_without_amount_or_unknown_account():
    rows = ledger(
        voucher("A", "2025-01-10", ("1000", "100.00"), ("4000", "-100.00"))
        + voucher("LATE", "2025-02-01", ("1000", "999.00"), ("4000", "-999.00"))
        + voucher("X", "2025-01-12", ("1000", "1.00"), ("9999", "-1.00"))
        + voucher("NA", "2025-01-13", ("1000", "3.00"), ("4000", "-3.00"))
    )
    rows.loc[rows["voucher"] == "NA", "amount_accounting"] = pd.NA
    tb = reports.trial_balance(rows, None, BOOK, JAN)
    assert table(tb, "Account", "Type", "Debit", "Credit") == [
        ("1000", "Asset", 10100, 0),
        ("4000", "Revenue", 0, 10000),
        ("9999", "", 0, 100),
        ("Total", "", 10100, 10100),
    ]
    balance_sheet, _ = reports.statements(rows, None, BOOK, JAN)
    assert row(balance_sheet, "Account", "9999")[["StatementLine", "Amount"]].tolist() == [
        "Accounts not in the Accounts sheet",
        -100,
    ]
    assert row(balance_sheet, "Name", "Total assets")["Amount"] == 10000
    assert row(balance_sheet, "Name", "Total equity and liabilities")["Amount"] == 10000


def test_empty_period_gives_empty_frames_with_the_columns():
    nothing = ledger([])
    tb = reports.trial_balance(nothing, None, BOOK, JAN, by_dimensions=True)
    assert tb.empty and list(tb.columns) == ["Account", "Name", "Type", "Department", *AMOUNTS]
    assert reports.trial_balance_checks(tb) == []
    balance_sheet, income = reports.statements(nothing, None, BOOK, JAN)
    assert balance_sheet.empty and list(balance_sheet.columns) == BALANCE_SHEET_COLUMNS
    assert income.empty and list(income.columns) == INCOME_STATEMENT_COLUMNS
    journal = reports.general_journal(nothing, None, JAN)
    assert journal.empty and list(journal.columns) == reports.general_journal_columns(("Department",))
    # Lines outside the period only: still an empty journal report.
    assert reports.general_journal(EXAMPLE_8_1, None, context("2025-03", "2025-03-01", "2025-03-31")).empty


# --- statements ----------------------------------------------------------------------------------


def test_statements_of_worked_example_8_1():
    """The IFRS layout (the default): the Accounts' StatementLine names a line of it (Current assets,
    Current liabilities, Equity, Revenue) or is a line of its own (Operating expenses, and Expense
    for the account without one) in the operating result."""
    adjustments = ledger(voucher("ACC-1", "2025-01-31", ("7000", "90.00"), ("2000", "-90.00")))
    balance_sheet, income = reports.statements(EXAMPLE_8_1, adjustments, BOOK, JAN)
    assert table(income, "StatementLine", "Account", "Name", "Period", "YearToDate", "Line", "Level", "Kind") == [
        ("Revenue", "4000", "Revenue", eur("3000"), eur("3000"), "REV", 5, "Account"),
        ("Revenue", "", "Total Revenue", eur("3000"), eur("3000"), "REV", 4, "Total"),
        ("Gross profit", "", "Gross profit", eur("3000"), eur("3000"), "GP", 3, "Total"),
        ("Operating expenses", "6000", "Expenses", eur("-1210"), eur("-1210"), "~Operating expenses", 4, "Account"),
        ("Operating expenses", "", "Total Operating expenses", eur("-1210"), eur("-1210"), "~Operating expenses", 3,
         "Total"),
        ("Expense", "7000", "Interest", eur("-90"), eur("-90"), "~Expense", 4, "Account"),
        ("Expense", "", "Total Expense", eur("-90"), eur("-90"), "~Expense", 3, "Total"),
        ("Operating result", "", "Operating result", eur("1700"), eur("1700"), "OP", 2, "Total"),
        ("Profit before tax", "", "Profit before tax", eur("1700"), eur("1700"), "PBT", 1, "Total"),
        ("Profit for the period", "", "Profit for the period", eur("1700"), eur("1700"), "PL", 0, "Total"),
    ]
    assert table(balance_sheet, "StatementLine", "Account", "Name", "Amount", "Kind") == [
        ("Current assets", "1000", "Cash", eur("11790"), "Account"),
        ("Current assets", "", "Total current assets", eur("11790"), "Total"),
        ("Assets", "", "Total assets", eur("11790"), "Total"),
        ("Equity", "3000", "Capital", eur("10000"), "Account"),
        ("Equity", "", "Profit for the period", eur("1700"), "Profit"),
        ("Equity", "", "Total equity", eur("11700"), "Total"),
        ("Current liabilities", "2000", "Payables", eur("90"), "Account"),
        ("Current liabilities", "", "Total current liabilities", eur("90"), "Total"),
        ("Liabilities", "", "Total liabilities", eur("90"), "Total"),
        ("Equity and liabilities", "", "Total equity and liabilities", eur("11790"), "Total"),
    ]
    assert list(balance_sheet.columns) == BALANCE_SHEET_COLUMNS and list(income.columns) == INCOME_STATEMENT_COLUMNS
    assert balance_sheet["Amount"].dtype == np.int64 and income["Period"].dtype == np.int64


def test_income_statement_period_and_year_to_date_and_prior_year_profit():
    rows = ledger(
        voucher("P", "2024-12-20", ("1300", "1000.00"), ("4000", "-1000.00"))
        + voucher("Q", "2025-01-20", ("1300", "200.00"), ("4000", "-200.00"))
        + voucher("R", "2025-02-10", ("6000", "30.00"), ("1000", "-30.00"))
        + voucher("S", "2025-02-11", ("1300", "5.00"), ("4000", "-5.00"))
    )
    feb = context("2025-02", "2025-02-01", "2025-02-28")
    balance_sheet, income = reports.statements(rows, None, BOOK, feb)
    assert table(income, "Account", "Name", "Period", "YearToDate") == [
        ("4000", "Revenue", 500, 20500),
        ("", "Total Revenue", 500, 20500),
        ("", "Gross profit", 500, 20500),
        ("6000", "Expenses", -3000, -3000),
        ("", "Total Operating expenses", -3000, -3000),
        ("", "Operating result", -2500, 17500),
        ("", "Profit before tax", -2500, 17500),
        ("", "Profit for the period", -2500, 17500),
    ]
    equity = balance_sheet[balance_sheet["Line"] == "E"]
    assert table(equity, "Name", "Amount") == [
        (PRIOR_YEARS, 100000),
        ("Profit for the period", 17500),
        ("Total equity", 117500),
    ]
    assert row(balance_sheet, "Name", "Total assets")["Amount"] == 117500
    assert row(balance_sheet, "Name", "Total equity and liabilities")["Amount"] == 117500


def test_profit_goes_to_the_equity_line_without_equity_accounts():
    book = close_book(
        {"AccountingCurrency": "EUR", "Period": "2025-01"}, [["1000", "Cash", "Asset"], ["4000", "Sales", "Revenue"]]
    )
    rows = ledger(voucher("A", "2025-01-10", ("1000", "100.00"), ("4000", "-100.00")))
    balance_sheet, _ = reports.statements(rows, None, book, JAN)
    assert table(balance_sheet, "StatementLine", "Account", "Name", "Amount") == [
        ("Asset", "1000", "Cash", 10000),
        ("Asset", "", "Total Asset", 10000),
        ("Current assets", "", "Total current assets", 10000),
        ("Assets", "", "Total assets", 10000),
        ("Retained earnings", "", "Profit for the period", 10000),
        ("Retained earnings", "", "Total Retained earnings", 10000),
        ("Equity", "", "Total equity", 10000),
        ("Equity and liabilities", "", "Total equity and liabilities", 10000),
    ]


# --- ledger journal report -----------------------------------------------------------------------


def test_worked_example_8_1_general_journal():
    adjustments = ledger(voucher("ACC-1", "2025-01-31", ("7000", "90.00"), ("2000", "-90.00")))
    adjustments["journal"] = "ACC"
    journal = reports.general_journal(EXAMPLE_8_1, adjustments, JAN)
    assert list(journal.columns) == reports.general_journal_columns(("Department",))
    totals = journal[journal["Text"].str.startswith("Total voucher")]
    assert table(totals, "Journal", "Voucher", "Debit", "Credit") == [
        ("ACC", "ACC-1", 9000, 9000),
        ("GL", "GJ-001", eur("1210"), eur("1210")),
        ("GL", "GJ-002", eur("3000"), eur("3000")),
        ("GL", "GJ-003", eur("1210"), eur("1210")),
    ]
    assert table(journal.tail(1), "Text", "Debit", "Credit") == [("Total", eur("5510"), eur("5510"))]
    assert "OB-2025" not in set(journal["Voucher"])  # the opening balance is no January movement
    gj1 = journal[journal["Voucher"] == "GJ-001"]
    assert table(gj1, "Date", "Account", "AmountCurrency", "Debit", "Credit", "Source") == [
        (pd.Timestamp("2025-01-05"), "6000", 121000, 121000, 0, "gl.csv row 4"),
        (pd.Timestamp("2025-01-05"), "2000", -121000, 0, 121000, "gl.csv row 5"),
        (pd.Timestamp("2025-01-05"), "", pd.NA, 121000, 121000, ""),
    ]
    assert set(journal.loc[journal["Voucher"] == "ACC-1", "Source"]) == {"closekit", ""}
    lines_only = journal[~journal["Text"].str.startswith("Total")]
    assert (lines_only["Debit"] >= 0).all() and (lines_only["Credit"] >= 0).all()
    assert ((lines_only["Debit"] == 0) | (lines_only["Credit"] == 0)).all()


def test_general_journal_keeps_vouchers_together_and_sorted():
    rows = ledger(
        voucher("V2", "2025-01-03", ("1000", "1.00"), ("4000", "-1.00"))
        + voucher("V1", "2025-01-09", ("1000", "2.00"), ("4000", "-2.00"))
        + voucher("V3", "2025-01-03", ("1000", "3.00"), ("4000", "-3.00"), journal="AP")
        + voucher("", "2025-01-04", ("1000", "4.00"), ("4000", "-4.00"))
    )
    journal = reports.general_journal(rows, None, JAN)
    totals = journal[journal["Text"].str.startswith("Total")]
    assert table(totals, "Journal", "Voucher", "Debit") == [
        ("AP", "V3", 300),
        ("GL", "V2", 100),
        ("GL", "", 400),
        ("GL", "V1", 200),
        ("", "", 1000),
    ]
    assert len(journal) == 8 + 5


# --- properties ----------------------------------------------------------------------------------

ACCOUNTS = [c[0] for c in CHART] + ["8888"]


@st.composite
def balanced_vouchers(draw) -> list[dict]:
    rows = []
    for number in range(draw(st.integers(0, 12))):
        date = draw(st.dates(pd.Timestamp("2023-11-01").date(), pd.Timestamp("2025-03-31").date()))
        journal = draw(st.sampled_from(["GL", "GL", "AP", "OPEN"]))
        legs = draw(
            st.lists(
                st.tuples(st.sampled_from(ACCOUNTS), st.integers(-(10**9), 10**9), st.sampled_from(["", "10"])),
                min_size=1,
                max_size=4,
            )
        )
        legs.append((draw(st.sampled_from(ACCOUNTS)), -sum(a for _, a, _ in legs), ""))
        rows += voucher(f"V{number}", str(date), *[(a, str(Decimal(m) / 100), d) for a, m, d in legs], journal=journal)
    return rows


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    balanced_vouchers(),
    balanced_vouchers(),
    st.sampled_from([1, 4, 7]),
    st.sampled_from(["2024-01", "2024-12", "2025-01", "2025-02"]),
)
def test_balanced_vouchers_give_a_balanced_trial_balance_and_statements(rows, adjusted, month, period):
    start = pd.Timestamp(period + "-01")
    ctx = context(
        period,
        str(start.date()),
        str((start + pd.offsets.MonthEnd(0)).date()),
        fiscal_year_start_month=month,
        dimensions=("Department",),
    )
    ledger_lines, adjustments = ledger(rows), ledger(adjusted)
    for by in (False, True):
        tb = reports.trial_balance(ledger_lines, adjustments, BOOK, ctx, by_dimensions=by)
        assert reports.trial_balance_checks(tb) == []
        if len(tb):
            total = row(tb, "Account", "Total")
            assert total["Opening"] == total["Closing"] == total["ClosingAfter"] == 0
            assert total["Debit"] == tb["Debit"].iloc[:-1].sum()
    balance_sheet, income = reports.statements(ledger_lines, adjustments, BOOK, ctx)
    if len(balance_sheet):
        for column in ("Amount", "PriorPeriodEnd", "PriorYearEnd"):  # every column balances (or is blank)
            assets = row(balance_sheet, "Name", "Total assets")[column]
            other = row(balance_sheet, "Name", "Total equity and liabilities")[column]
            assert (pd.isna(assets) and pd.isna(other)) if pd.isna(assets) or pd.isna(other) else assets == other
        assert (
            row(balance_sheet, "Name", "Profit for the period")["Amount"]
            == row(income, "Name", "Profit for the period")["YearToDate"]
        )
    flow, found = cash_flow.cash_flow(ledger_lines, adjustments, BOOK, ctx)
    assert found.empty and (flow.empty or flow["Period"].iloc[-1] == flow["YearToDate"].iloc[-1] == 0)
    journal = reports.general_journal(ledger_lines, adjustments, ctx)
    if len(journal):
        totals = journal[journal["Text"].str.startswith("Total voucher")]
        assert (totals["Debit"] == totals["Credit"]).all()
        assert journal["Debit"].iloc[-1] == journal["Credit"].iloc[-1]


@pytest.mark.slow
@pytest.mark.parametrize("by_dimensions", [False, True])
def test_a_million_lines_add_up(by_dimensions):
    """Scale, not speed (bench/ measures speed): the totals of a million lines are exact."""
    n = len(EXAMPLE_8_1) * 125_000  # a million lines: whole copies of the example
    rng = np.random.default_rng(7)
    frame = EXAMPLE_8_1.iloc[np.arange(n) % len(EXAMPLE_8_1)].reset_index(drop=True)
    frame["Department"] = pd.array(rng.choice(["10", "20", ""], n), dtype="string")
    tb = reports.trial_balance(frame, None, BOOK, JAN, by_dimensions=by_dimensions)
    assert reports.trial_balance_checks(tb) == []
    copies = n // len(EXAMPLE_8_1)
    single = reports.trial_balance(EXAMPLE_8_1, None, BOOK, JAN)
    total, one = tb[tb["Account"] == "Total"].iloc[0], single[single["Account"] == "Total"].iloc[0]
    assert total["Debit"] == copies * one["Debit"] and total["Credit"] == copies * one["Credit"]
