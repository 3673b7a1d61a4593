"""The year-end close (domain.md §5): worked example 5.1 (a)–(d), reruns, refusals, and the
"opening equals prior closing" check (issue 7 rule 4)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from closefixtures import close_book, context, lines
from closekit.closing import opening_check, yearend
from closekit.closing import runner as closing
from closekit.closing import trial_balance as tbm
from closekit.core import findings as fnd

DIMS = ("Department",)
ACCOUNTS = [
    ["1000", "Cash", "Asset"],
    ["1300", "AR", "Asset"],
    ["2000", "AP", "Liability"],
    ["3000", "Share capital", "Equity"],
    ["3900", "Retained earnings", "Equity"],
    ["4000", "Revenue", "Revenue"],
    ["6000", "Expenses", "Expense"],
]
# The closing trial balance 2025-12-31 of example 5.1 (Σ = 0), one line per balance.
CLOSING_2025 = [
    ("1000", "", "50000.00"),
    ("1300", "10", "12000.00"),
    ("2000", "", "-20000.00"),
    ("3000", "", "-30000.00"),
    ("3900", "", "-5000.00"),
    ("4000", "10", "-40000.00"),
    ("4000", "20", "-25000.00"),
    ("6000", "10", "30000.00"),
    ("6000", "20", "28000.00"),
]
# Example 5.1 (a): the opening voucher YEC-2025, dated 2026-01-01, debits first.
OPENING_A = [
    ("1000", "", "50000.00"),
    ("1300", "10", "12000.00"),
    ("3900", "20", "3000.00"),
    ("2000", "", "-20000.00"),
    ("3000", "", "-30000.00"),
    ("3900", "", "-5000.00"),
    ("3900", "10", "-10000.00"),
]


def book(periods=None, **settings):
    base = {"AccountingCurrency": "EUR", "Period": "2025-12", "Dimensions": "Department"}
    base.update({"RetainedEarningsAccount": "3900", **settings})
    if periods is None:
        periods = [
            ["2025-11", "2025-11-01", "2025-11-30", "On hold"],
            ["2025-12", "2025-12-01", "2025-12-31", "On hold"],
            ["2026-01", "2026-01-01", "2026-01-31", "Open"],
        ]
    return close_book(base, [[*a, "Yes", "No", "", "", "No", "", ""] for a in ACCOUNTS], periods=periods)


def ledger(*extra: tuple, journal: str = "GL", date: str = "2025-01-15"):
    rows = [
        {"date": date, "account": a, "Department": d, "amount": amt, "journal": journal, "voucher": f"{journal}-1"}
        for a, d, amt in CLOSING_2025
    ]
    rows += [dict(r) for r in extra]
    return lines(rows, dimensions=DIMS)


def voucher_lines(adjustments: pd.DataFrame, key: str) -> list[tuple]:
    part = adjustments[adjustments["voucher_key"] == key]
    return [
        (rec["account"], rec["Department"], f"{rec['amount_accounting'] / 100:.2f}") for rec in part.to_dict("records")
    ]


CTX = context("2025-12", "2025-12-01", "2025-12-31", dimensions=DIMS)


def test_example_5_1_a_close_all_keeps_dimensions():
    result = yearend.run(ledger(), book(), CTX)
    assert result.findings.empty
    assert voucher_lines(result.adjustments, "opening") == OPENING_A
    assert set(result.adjustments["date"].dt.strftime("%Y-%m-%d")) == {"2026-01-01"}
    assert set(result.adjustments["journal"]) == {"OPENING"}
    debit = result.adjustments["amount_accounting"].clip(lower=0).sum()
    assert debit == 6_500_000 and result.adjustments["amount_accounting"].sum() == 0


def test_example_5_1_b_collapse_aggregates_retained_earnings():
    result = yearend.run(ledger(), book(YearEndDimensions="Collapse"), CTX)
    assert voucher_lines(result.adjustments, "opening") == [
        ("1000", "", "50000.00"),
        ("1300", "10", "12000.00"),
        ("2000", "", "-20000.00"),
        ("3000", "", "-30000.00"),
        ("3900", "", "-12000.00"),
    ]
    assert result.adjustments["amount_accounting"].clip(lower=0).sum() == 6_200_000


def test_example_5_1_c_closing_voucher_mirrors_every_balance():
    result = yearend.run(ledger(), book(YearEndClosingVoucher="Yes"), CTX)
    closing_lines = result.adjustments[result.adjustments["voucher_key"] == "closing"]
    assert set(closing_lines["date"].dt.strftime("%Y-%m-%d")) == {"2025-12-31"}
    assert sorted(voucher_lines(result.adjustments, "closing")) == sorted(
        (a, d, f"{-float(amt):.2f}") for a, d, amt in CLOSING_2025
    )
    assert closing_lines["amount_accounting"].clip(lower=0).sum() == 12_000_000


ADJUSTMENT = (
    {"date": "2025-12-31", "account": "6000", "Department": "10", "amount": "1000.00", "voucher": "ADJ"},
    {"date": "2025-12-31", "account": "2000", "amount": "-1000.00", "voucher": "ADJ"},
)
EARLIER_OPENING = tuple(
    {"date": "2026-01-01", "account": a, "Department": d, "amount": amt, "journal": "OPENING", "voucher": "YEC-1"}
    for a, d, amt in OPENING_A
)


def test_example_5_1_d_rerun_adjust_posts_only_the_change():
    result = yearend.run(ledger(*ADJUSTMENT, *EARLIER_OPENING), book(), CTX)
    assert voucher_lines(result.adjustments, "opening") == [("3900", "10", "1000.00"), ("2000", "", "-1000.00")]
    table = result.tables["opening_balances"].set_index(["Account", "Department"])
    assert table.loc[("2000", ""), ["Opening", "AlreadyPosted", "ThisRun"]].tolist() == [
        -2_100_000,
        -2_000_000,
        -100_000,
    ]


def test_example_5_1_d_rerun_adjust_with_closing_voucher():
    earlier_closing = tuple(
        {"date": "2025-12-31", "account": a, "Department": d, "amount": f"{-float(amt):.2f}", "journal": "CLOSING"}
        for a, d, amt in CLOSING_2025
    )
    result = yearend.run(
        ledger(*ADJUSTMENT, *EARLIER_OPENING, *earlier_closing), book(YearEndClosingVoucher="Yes"), CTX
    )
    assert voucher_lines(result.adjustments, "closing") == [("2000", "", "1000.00"), ("6000", "10", "-1000.00")]


def test_example_5_1_d_rerun_replace_reverses_and_posts_anew():
    result = yearend.run(ledger(*ADJUSTMENT, *EARLIER_OPENING), book(YearEndRerun="Replace"), CTX)
    reversal = voucher_lines(result.adjustments, "reversal")
    assert sorted(reversal) == sorted((a, d, f"{-float(amt):.2f}") for a, d, amt in OPENING_A)
    new = dict(((a, d), amt) for a, d, amt in voucher_lines(result.adjustments, "opening"))
    assert new[("2000", "")] == "-21000.00" and new[("3900", "10")] == "-9000.00"
    assert new[("1000", "")] == "50000.00" and new[("3900", "20")] == "3000.00"
    opening = result.adjustments[result.adjustments["voucher_key"] == "opening"]["amount_accounting"]
    assert opening.clip(lower=0).sum() == 6_500_000


def test_rerun_with_nothing_changed_posts_nothing():
    result = yearend.run(ledger(*EARLIER_OPENING), book(), CTX)
    assert result.adjustments.empty and result.findings.empty


def test_runner_posts_the_opening_in_the_open_next_year_while_the_year_is_on_hold():
    run = closing.run(type("L", (), {"lines": ledger()})(), book(), CTX, ["year-end", "trial-balance"], fnd.frame())
    assert run.findings[run.findings["Severity"] == "Error"].empty, run.findings
    assert set(run.posted_lines["voucher"]) == {"YEC-2025-12-0001"}
    # the closed year's trial balance still shows its balances (the voucher is dated 2026-01-01)
    tb = run.tables["trial_balance"].set_index("Account")
    assert tb.loc["1000", "ClosingAfter"] == 5_000_000
    # and the next year opens with them: P&L at 0, retained earnings with the profit
    next_ctx = context("2026-01", "2026-01-01", "2026-01-31", dimensions=DIMS)
    both = pd.concat([ledger(), run.posted_lines[ledger().columns]], ignore_index=True)
    next_tb = tbm.trial_balance(both, None, book(Period="2026-01"), next_ctx).set_index("Account")
    assert next_tb.loc["3900", "Opening"] == -1_200_000
    assert "4000" not in next_tb.index and next_tb.loc["Total", "Opening"] == 0
    assert opening_check.check(both, book(Period="2026-01"), next_ctx).empty


@pytest.mark.parametrize(
    ("periods", "ctx", "says"),
    [
        (
            [["2025-12", "2025-12-01", "2025-12-31", "On hold"]],
            CTX,
            "the next fiscal year has no period holding its first day 2026-01-01",
        ),
        (
            [
                ["2025-12", "2025-12-01", "2025-12-31", "Permanently closed"],
                ["2026-01", "2026-01-01", "2026-01-31", "Open"],
            ],
            CTX,
            "is Permanently closed",
        ),
        (
            [["2025-11", "2025-11-01", "2025-11-30", "Open"], ["2026-01", "2026-01-01", "2026-01-31", "Open"]],
            context("2025-11", "2025-11-01", "2025-11-30", dimensions=DIMS),
            "runs in the last period of the fiscal year",
        ),
    ],
)
def test_year_end_refuses_clearly(periods, ctx, says):
    result = yearend.run(ledger(), book(periods), ctx)
    assert result.adjustments.empty
    assert result.findings["Code"].tolist() == ["year-end-blocked"]
    assert says in result.findings["Message"].iloc[0]


def test_opening_voucher_in_a_period_on_hold_is_computed_not_posted():
    periods = [["2025-12", "2025-12-01", "2025-12-31", "Open"], ["2026-01", "2026-01-01", "2026-01-31", "On hold"]]
    run = closing.run(type("L", (), {"lines": ledger()})(), book(periods), CTX, ["year-end"], fnd.frame())
    assert run.posted_lines.empty and len(run.adjustments) == 7
    found = run.findings_by_step["year-end"]
    assert found["Code"].tolist() == ["period-not-open"]
    assert "the period 2026-01 is On hold" in found["Message"].iloc[0]


def test_opening_mismatch_names_the_account_both_figures_and_the_difference():
    wrong = [(a, d, amt) for a, d, amt in OPENING_A if a != "1300"] + [
        ("1300", "10", "11500.00"),
        ("2000", "", "-500.00"),
    ]
    opening = tuple(
        {"date": "2026-01-01", "account": a, "Department": d, "amount": amt, "journal": "OB", "voucher": "OB-2026"}
        for a, d, amt in wrong
    )
    ctx = context("2026-01", "2026-01-01", "2026-01-31", dimensions=DIMS)
    found = opening_check.check(ledger(*opening), book(Period="2026-01"), ctx)
    assert found["Code"].tolist() == ["opening-mismatch", "opening-mismatch"]
    assert found["Voucher"].tolist() == ["OB-2026", "OB-2026"]
    assert (
        "account 1300 opens 2026-01-01 at 11,500.00 but closed the prior year (2025-12-31) at 12,000.00: "
        "difference -500.00 EUR" in found["Message"].iloc[0]
    )
    assert (
        "account 2000 opens 2026-01-01 at -20,500.00 but closed the prior year (2025-12-31) at -20,000.00"
        in (found["Message"].iloc[1])
    )


def test_opening_check_is_silent_when_the_prior_year_is_incomplete():
    # only the prior December is in the ledger: its closing balances cannot be known
    opening = tuple(
        {"date": "2026-01-01", "account": "1000", "amount": amt, "journal": "OB", "voucher": "OB"}
        for amt in ("100.00", "-100.00")
    )
    december = ledger(*opening, date="2025-12-15")
    ctx = context("2026-01", "2026-01-01", "2026-01-31", dimensions=DIMS)
    assert opening_check.check(december, book(Period="2026-01"), ctx).empty
    found = opening_check.check(ledger(*opening), book(Period="2026-01"), ctx)
    # every balance-sheet account opens at 0, retained earnings without the 2025 profit
    assert [m.split()[1] for m in found["Message"]] == ["1000", "1300", "2000", "3000", "3900"]
    assert (
        "closed the prior year (2025-12-31) at -12,000.00 (with the prior year's profit or loss)"
        in (found["Message"].iloc[4])
    )


def test_opening_check_is_silent_without_the_prior_year():
    opening = tuple(
        {"date": "2026-01-01", "account": a, "Department": d, "amount": amt, "journal": "OB"} for a, d, amt in OPENING_A
    )
    only_2026 = lines([dict(r) for r in opening], dimensions=DIMS)
    ctx = context("2026-01", "2026-01-01", "2026-01-31", dimensions=DIMS)
    assert opening_check.check(only_2026, book(Period="2026-01"), ctx).empty


def test_cli_year_end_on_the_sample_writes_the_opening_voucher_and_refuses_without_next_year(make):
    from closekit import cli
    from closekit.samples import company as sample
    from closekit.sheetio.files import FileWorkbook

    def workbook(periods):
        path = make.workbook(Periods=periods, Sources=sample.source_rows())
        for name, rows in ((sample.LEDGER_FILE, sample.ledger_rows()), (sample.JOURNAL_FILE, sample.journal_rows())):
            (make.folder / name).write_text(sample.csv_text(rows), encoding="utf-8")
        return path

    path = workbook(sample.period_rows())  # 2026 only
    assert cli.main(["close", str(path), "--steps", "year-end", "--period", "2026-12"]) == 1
    findings = FileWorkbook(path).read_sheet("Findings").frame
    assert findings["Code"].tolist() == ["year-end-blocked"]
    assert "no period holding its first day 2027-01-01" in findings["Message"].iloc[0]

    path = workbook([*sample.period_rows(), ["2027-01", "2027-01-01", "2027-01-31", "Open"]])
    assert cli.main(["close", str(path), "--steps", "year-end,trial-balance", "--period", "2026-12"]) == 0
    book = FileWorkbook(path)
    adjustments = book.read_sheet("Adjustments").frame
    assert set(adjustments["Voucher"]) == {"YEC-2026-12-0001"} and set(adjustments["Journal"]) == {"OPENING"}
    assert sum(Decimal(str(v)) for v in adjustments["AmountAccounting"]) == 0
    bank_usd = adjustments[adjustments["Account"] == "1110"].iloc[0]  # carried in USD (§5 rule 10)
    assert bank_usd["Currency"] == "USD" and Decimal(str(bank_usd["Debit"])) == Decimal("100000.00")
    assert Decimal(str(bank_usd["AmountAccounting"])) == Decimal("91923.00")
    opening = book.read_sheet("OpeningBalances").frame
    assert {"Account", "Opening", "AlreadyPosted", "ThisRun"} <= set(opening.columns)
    assert "4000" not in set(opening["Account"])  # revenue went to retained earnings 3900


def test_an_unbalanced_ledger_blocks_the_year_end_instead_of_plugging():
    result = yearend.run(ledger({"date": "2025-03-01", "account": "1000", "amount": "10.00"}), book(), CTX)
    assert result.adjustments.empty
    assert result.findings["Code"].tolist() == ["year-end-blocked"]
    assert "would be off by 10.00 EUR; nothing was closed" in result.findings["Message"].iloc[0]


def test_foreign_currency_balances_are_carried_in_their_currency_and_revalue_next_year():
    from closekit.closing import revaluation

    usd = [
        ["1000", "Cash", "Asset", "Yes", "No", "", "", "No", "", ""],
        ["1110", "Bank USD", "Asset", "Yes", "Yes", "", "USD", "No", "", ""],
        ["3000", "Share capital", "Equity", "Yes", "No", "", "", "No", "", ""],
        ["3900", "Retained earnings", "Equity", "Yes", "No", "", "", "No", "", ""],
        ["7900", "Unrealized gain", "Revenue", "Yes", "No", "", "", "No", "", ""],
        ["7910", "Unrealized loss", "Expense", "Yes", "No", "", "", "No", "", ""],
    ]
    settings = {
        "AccountingCurrency": "EUR",
        "Period": "2025-12",
        "RetainedEarningsAccount": "3900",
        "UnrealizedGainAccount": "7900",
        "UnrealizedLossAccount": "7910",
    }
    periods = [["2025-12", "2025-12-01", "2025-12-31", "On hold"], ["2026-01", "2026-01-01", "2026-01-31", "Open"]]
    rates = [["2025-12-31", "USD", "EUR", "0.9140", "Closing"], ["2026-01-31", "USD", "EUR", "0.9140", "Closing"]]
    usd_book = close_book(settings, usd, periods=periods, rates=rates)
    ledger_2025 = lines(
        [
            {
                "date": "2025-01-10",
                "account": "1110",
                "currency": "USD",
                "amount": "1000.00",
                "amount_accounting": "900.00",
            },
            {"date": "2025-01-10", "account": "3000", "amount": "-900.00"},
            {
                "date": "2025-12-31",
                "account": "1110",
                "amount": "14.00",
                "voucher": "REV-2025-12-USD",
                "text": "FX revaluation December",
            },  # closekit's, by its voucher number (the ERP rewrote the text)
            {"date": "2025-12-31", "account": "7900", "amount": "-14.00", "voucher": "REV-2025-12-USD"},
        ]
    )
    ctx = context("2025-12", "2025-12-01", "2025-12-31")
    result = yearend.run(ledger_2025, usd_book, ctx)
    opening = result.adjustments[["account", "currency", "amount", "amount_accounting"]].values.tolist()
    # one USD line on 1110: USD 1,000.00 carried at EUR 914.00 (the revaluation is in it); the gain to 3900
    assert opening == [["1110", "USD", 100000, 91400], ["3000", "EUR", -90000, -90000], ["3900", "EUR", -1400, -1400]]
    run = closing.run(type("L", (), {"lines": ledger_2025})(), usd_book, ctx, ["year-end"], fnd.frame())
    january = context("2026-01", "2026-01-01", "2026-01-31")
    next_year = pd.concat([ledger_2025, run.posted_lines[ledger_2025.columns]], ignore_index=True)
    assert revaluation.run(next_year, usd_book, january).adjustments.empty  # still worth 914.00 at 0.9140


def test_domestic_and_foreign_balances_of_one_account_open_on_separate_lines():
    """Issue 15 item 6: payables with a domestic and a GBP supplier open as GBP -100.00 at EUR -120.00
    (the revaluation in it) and EUR -1,000.00 on its own line, not as one GBP line at an implied 11.2."""
    from closekit.closing import revaluation

    accounts = [
        ["2000", "Accounts payable", "Liability", "Yes", "Yes", "", "", "No", "", ""],
        ["3900", "Retained earnings", "Equity", "Yes", "No", "", "", "No", "", ""],
        ["6400", "Fees", "Expense", "Yes", "No", "", "", "No", "", ""],
        ["7900", "Unrealized gain", "Revenue", "Yes", "No", "", "", "No", "", ""],
        ["7910", "Unrealized loss", "Expense", "Yes", "No", "", "", "No", "", ""],
    ]
    settings = {
        "AccountingCurrency": "EUR",
        "Period": "2025-12",
        "RetainedEarningsAccount": "3900",
        "UnrealizedGainAccount": "7900",
        "UnrealizedLossAccount": "7910",
    }
    periods = [["2025-12", "2025-12-01", "2025-12-31", "On hold"], ["2026-01", "2026-01-01", "2026-01-31", "Open"]]
    rates = [["2025-12-31", "GBP", "EUR", "1.2000", "Closing"], ["2026-01-31", "GBP", "EUR", "1.2000", "Closing"]]
    ap_book = close_book(settings, accounts, periods=periods, rates=rates)
    ledger_2025 = lines(
        [
            {"date": "2025-06-10", "account": "6400", "amount": "1000.00"},
            {"date": "2025-06-10", "account": "2000", "amount": "-1000.00", "text": "Domestic supplier"},
            {"date": "2025-06-11", "account": "6400", "amount": "117.00"},
            {
                "date": "2025-06-11",
                "account": "2000",
                "currency": "GBP",
                "amount": "-100.00",
                "amount_accounting": "-117.00",
                "text": "UK supplier",
            },
            {"date": "2025-12-31", "account": "7910", "amount": "3.00", "voucher": "REV-2025-12-GBP"},
            {"date": "2025-12-31", "account": "2000", "amount": "-3.00", "voucher": "REV-2025-12-GBP"},
        ]
    )
    ctx = context("2025-12", "2025-12-01", "2025-12-31")
    assert revaluation.run(ledger_2025, ap_book, ctx).adjustments.empty  # the December revaluation is posted
    result = yearend.run(ledger_2025, ap_book, ctx)
    assert result.findings.empty
    opening = result.adjustments[["account", "currency", "amount", "amount_accounting"]].values.tolist()
    assert opening == [
        ["3900", "EUR", 112000, 112000],  # the year's loss: 1,000.00 + 117.00 + 3.00
        ["2000", "EUR", -100000, -100000],
        ["2000", "GBP", -10000, -12000],
    ]
    table = result.tables["opening_balances"]
    assert table[table["Account"] == "2000"][["Currency", "Opening"]].values.tolist() == [
        ["EUR", -100000],
        ["GBP", -12000],
    ]
    run = closing.run(type("L", (), {"lines": ledger_2025})(), ap_book, ctx, ["year-end"], fnd.frame())
    january = context("2026-01", "2026-01-01", "2026-01-31")
    next_year = pd.concat([ledger_2025, run.posted_lines[ledger_2025.columns]], ignore_index=True)
    assert revaluation.run(next_year, ap_book, january).adjustments.empty  # GBP -100.00 still at -120.00
