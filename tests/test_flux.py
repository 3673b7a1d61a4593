"""Flux review: movements against the prior period and last year, materiality by amount and by
percent, and explanations that survive a re-run."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

import closekit
from closefixtures import close_book, context, lines
from closekit.closing import flux
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.sources.tables import from_rows

ACCOUNTS = [["1100", "Bank", "Asset"], ["4000", "Revenue", "Revenue"], ["6100", "Rent", "Expense"]]
PERIODS = [
    ["2025-10", "2025-10-01", "2025-10-31", "On hold"],
    ["2026-09", "2026-09-01", "2026-09-30", "On hold"],
    ["2026-10", "2026-10-01", "2026-10-31", "Open"],
]
CTX = context("2026-10", "2026-10-01", "2026-10-31")


def ledger(first_year: bool = True) -> pd.DataFrame:
    rows = [
        ("2025-10-15", "6100", "500.00"),  # last year
        ("2026-09-10", "6100", "1000.00"),  # prior period
        ("2026-10-10", "6100", "2500.00"),  # current period
    ]
    if not first_year:
        rows = rows[1:]
    records = []
    for date, account, amount in rows:
        records += [
            {"date": date, "account": account, "amount": amount, "voucher": date},
            {"date": date, "account": "1100", "amount": f"-{amount}", "voucher": date},
        ]
    records += [
        {"date": "2026-10-12", "account": "4000", "amount": "-300.00", "voucher": "S1"},
        {"date": "2026-10-12", "account": "1100", "amount": "300.00", "voucher": "S1"},
    ]
    return lines(records)


def table(settings: dict, first_year: bool = True) -> pd.DataFrame:
    book = close_book({"AccountingCurrency": "EUR", "Period": "2026-10", **settings}, ACCOUNTS, periods=PERIODS)
    return flux.movements(ledger(first_year), None, book, CTX)


def test_income_statement_accounts_on_movements_balance_sheet_accounts_on_balances():
    """6100 Rent and 4000 Revenue: the period's movement; 1100 Bank: its balance at each period's
    end (-500 - 1,000 - 2,500 + 300 = -3,700 at October's end, -1,500 at September's, -500 a year
    ago). The old flux compared the bank's October movement (-2,200) with September's (-1,000)."""
    out = table({"MaterialityAmount": "1000"})
    assert out[["Account", "Basis", "Current", "Prior", "Variance", "LastYear", "VarianceLY"]].values.tolist() == [
        ["1100", "Balance", -370000, -150000, -220000, -50000, -320000],
        ["4000", "Movement", -30000, 0, -30000, 0, -30000],
        ["6100", "Movement", 250000, 100000, 150000, 50000, 200000],
    ]
    assert out["Variance %"].tolist() == [Decimal("-146.7"), None, Decimal("150.0")]
    assert out["VarianceLY %"].tolist() == [Decimal("-640.0"), None, Decimal("400.0")]
    assert set(out["Period"]) == {"2026-10"}


def test_a_balance_starts_at_the_latest_opening_voucher_not_twice():
    """A year-end close's opening voucher (journal OPEN on the fiscal year's first day) carries the
    prior years' lines forward: the balance counts it, not the lines it carries as well."""
    book = close_book({"AccountingCurrency": "EUR", "Period": "2026-10"}, ACCOUNTS, periods=PERIODS)
    ledger = lines(
        [
            {"date": "2025-06-10", "account": "1100", "amount": "800.00", "voucher": "A"},
            {"date": "2025-06-10", "account": "4000", "amount": "-800.00", "voucher": "A"},
            {"date": "2026-01-01", "account": "1100", "amount": "800.00", "voucher": "OB", "journal": "OPEN"},
            {"date": "2026-01-01", "account": "2900", "amount": "-800.00", "voucher": "OB", "journal": "OPEN"},
            {"date": "2026-10-05", "account": "1100", "amount": "100.00", "voucher": "B"},
            {"date": "2026-10-05", "account": "4000", "amount": "-100.00", "voucher": "B"},
        ]
    )
    out = flux.movements(ledger, None, book, CTX).set_index("Account")
    assert out.loc["1100", ["Current", "Prior", "LastYear"]].tolist() == [90000, 80000, 80000]
    assert out.loc["4000", ["Current", "Prior", "LastYear"]].tolist() == [-10000, 0, 0]


def test_flux_current_balance_is_the_trial_balance_closing_after(sample_workbook):
    result = closekit.close(sample_workbook)
    tb = result.run.tables["trial_balance"].set_index("Account")
    fx = result.run.tables["flux"].set_index("Account")
    balance = fx[fx["Basis"] == "Balance"]
    assert len(balance) and all(int(fx.loc[a, "Current"]) == int(tb.loc[a, "ClosingAfter"]) for a in balance.index)


@pytest.mark.parametrize(
    ("settings", "needs"),
    [
        ({"MaterialityAmount": "1000"}, ["Yes", "No", "Yes"]),  # 2,200 and 1,500 are above 1,000; 300 is not
        ({"MaterialityAmount": "2000"}, ["Yes", "No", "No"]),  # 2,000 against last year is not above 2,000
        ({"MaterialityPercent": "350"}, ["Yes", "Yes", "Yes"]),  # 4000 grows from 0; 6100 400 %, 1100 640 %
        ({"MaterialityPercent": "700%"}, ["No", "Yes", "No"]),
        ({"MaterialityAmount": "1000", "MaterialityPercent": "350", "MaterialityTest": "Both"}, ["Yes", "No", "Yes"]),
        ({}, ["No", "No", "No"]),  # no threshold: nothing to explain
    ],
)
def test_materiality_by_amount_and_by_percent(settings, needs):
    assert table(settings)["NeedsExplanation"].tolist() == needs


def test_a_comparison_the_ledger_cannot_make_is_left_empty_and_not_judged():
    out = table({"MaterialityAmount": "1000"}, first_year=False)  # the ledger starts in 2026-09
    assert out["LastYear"].isna().all() and out["VarianceLY"].isna().all()
    assert out["NeedsExplanation"].tolist() == ["Yes", "No", "Yes"]  # judged on the prior period only


def test_explanations_are_carried_over_by_account_and_the_rest_is_flagged():
    out = table({"MaterialityAmount": "1000"})
    previous = from_rows(
        "Flux",
        [["Account", "Explanation", "ExplainedBy"], ["6100", "Rent indexed in October", "anna"], ["9999", "gone", "x"]],
    )
    explained, found = flux.explain(out, previous, "EUR")
    assert explained[["Account", "Explanation", "ExplainedBy"]].values.tolist() == [
        ["1100", "", ""],
        ["4000", "", ""],
        ["6100", "Rent indexed in October", "anna"],
    ]
    assert found[["Severity", "Code", "Where", "Row", "Column"]].values.tolist() == [
        ["Warning", "flux-unexplained", "Flux", 2, "Explanation"]
    ]
    message = found["Message"].iloc[0]
    assert "account 1100 Bank (balance) moved -2,200.00 EUR against the prior period, -146.7%" in message


def test_explanations_typed_in_the_sheet_survive_a_re_run(sample_workbook):
    closekit.write_close(closekit.close(sample_workbook))
    io = FileWorkbook(sample_workbook)
    sheet = io.read_sheet("Flux")
    needing = sheet.frame[sheet.frame["NeedsExplanation"] == "Yes"]
    assert needing["Account"].tolist() == ["4000"]
    row = int(sheet.rows[needing.index[needing["Account"] == "4000"][0]])
    column = sheet.columns.index("Explanation") + 1
    io.write_sheets([], {"Flux": {f"{chr(64 + column)}{row}": "October export order delayed to November"}})

    result = closekit.close(sample_workbook)
    closekit.write_close(result)
    again = FileWorkbook(sample_workbook).read_sheet("Flux").frame.set_index("Account")
    assert again.loc["4000", "Explanation"] == "October export order delayed to November"
    assert not (result.findings["Code"] == "flux-unexplained").any()
    assert again.loc["4000", "ExplainedPeriod"] == "2026-10"
    assert Decimal(str(again.loc["4000", "ExplainedVariance"])) == Decimal(str(again.loc["4000", "Variance"]))


def test_the_sample_settings_read_materiality():
    book = close_book(dict(sample.settings_rows()), ACCOUNTS, periods=PERIODS)
    assert book.settings.materiality_percent == Decimal("25")
    assert book.settings.materiality_test == "Both"


def test_bad_materiality_settings_are_findings_not_tracebacks():
    book = close_book(
        {
            "AccountingCurrency": "EUR",
            "Period": "2026-10",
            "MaterialityAmount": "ten",
            "MaterialityPercent": "x%",
            "MaterialityTest": "Maybe",
        },
        ACCOUNTS,
        periods=PERIODS,
    )
    assert book.findings[["Code", "Row", "Message"]].values.tolist() == [
        ["bad-number", 4, "MaterialityAmount: 'ten' is not a number"],
        ["bad-number", 5, "MaterialityPercent: 'x%' is not a number"],  # the cell as typed
        ["bad-setting", 6, "MaterialityTest: 'Maybe' is not one of: Either, Both"],
    ]


def test_a_flux_sheet_without_an_account_column_gives_no_explanations():
    previous = from_rows("Flux", [["Something"], ["typed by hand"]])
    explained, found = flux.explain(table({"MaterialityAmount": "1000"}), previous, "EUR")
    assert (explained["Explanation"] == "").all() and len(found) == 2


def test_by_dimensions_one_row_per_account_and_values_and_explanations_keyed_alike():
    book = close_book(
        {"AccountingCurrency": "EUR", "Period": "2026-10", "Dimensions": "Department", "MaterialityAmount": "100"},
        ACCOUNTS,
        periods=PERIODS,
    )
    ctx = context("2026-10", "2026-10-01", "2026-10-31", dimensions=("Department",))
    ledger = lines(
        [
            {"date": "2026-09-10", "account": "6100", "Department": "SALES", "amount": "100.00", "voucher": "A"},
            {"date": "2026-09-10", "account": "1100", "amount": "-100.00", "voucher": "A"},
            {"date": "2026-10-10", "account": "6100", "Department": "SALES", "amount": "150.00", "voucher": "B"},
            {"date": "2026-10-10", "account": "6100", "Department": "PROD", "amount": "500.00", "voucher": "B"},
            {"date": "2026-10-10", "account": "1100", "amount": "-650.00", "voucher": "B"},
        ],
        dimensions=("Department",),
    )
    out = flux.movements(ledger, None, book, ctx, by_dimensions=True)
    assert list(out.columns[:5]) == ["Account", "Name", "Type", "Department", "Current"]
    assert out[["Account", "Department", "Current", "Prior", "NeedsExplanation"]].values.tolist() == [
        ["1100", "", -75000, -10000, "Yes"],
        ["6100", "PROD", 50000, 0, "Yes"],
        ["6100", "SALES", 15000, 10000, "No"],
    ]
    previous = from_rows(
        "Flux", [["Account", "Department", "Explanation"], ["6100", "PROD", "New production line"], ["6100", "", "x"]]
    )
    explained, found = flux.explain(out, previous, "EUR")
    assert explained["Explanation"].tolist() == ["", "New production line", ""]
    assert found["Row"].tolist() == [2]


def test_close_by_dimensions_writes_the_dimension_columns(sample_workbook):
    closekit.write_close(closekit.close(sample_workbook, by_dimensions=True))
    frame = FileWorkbook(sample_workbook).read_sheet("Flux").frame
    assert list(frame.columns[3:5]) == ["Department", "CostCenter"]
    revenue = frame[frame["Account"] == "4000"]
    assert sorted(revenue["Department"]) == ["PROD", "SALES"]


def test_materiality_percent_is_decided_exactly_not_by_a_float_ratio():
    """A variance of 14,285,714,285,714,286 minor units against 142,857,142,857,142,857 is above
    10 % by a hair: exact arithmetic says so, a float ratio rounds it to 10.0 and would not."""
    settings = closekit.workbook.schema.Settings.model_validate(
        {"AccountingCurrency": "EUR", "Period": "2026-10", "MaterialityPercent": "10"}
    )
    ctx = context("2026-10", "2026-10-01", "2026-10-31")
    base = pd.Series([142_857_142_857_142_857, 10**17, 0, 500], dtype="Int64")
    variance = pd.Series([14_285_714_285_714_286, 10**16, 1, 0], dtype="Int64")
    assert flux._material(variance, base, settings, ctx).tolist() == [True, False, True, False]


# ------------------------------------------------------------------ strict flux (issue 16, item 6)


def _explained(period="2026-10", variance="1500.00", text="Rent indexed", variance_ly="2000.00"):
    return from_rows(
        "Flux",
        [
            ["Account", "Period", "Variance", "VarianceLY", "Explanation", "ExplainedBy", "ExplainedPeriod",
             "ExplainedVariance", "ExplainedVarianceLY"],
            ["6100", period, variance, variance_ly, text, "anna", period, variance, variance_ly],
        ],
    )


def _settings(**extra):
    return closekit.workbook.schema.Settings.model_validate(
        {"AccountingCurrency": "EUR", "Period": "2026-10", "MaterialityAmount": "1000", **extra}
    )


def test_an_explanation_of_the_same_variance_is_kept_with_its_period_and_amounts():
    explained, found = flux.explain(table({"MaterialityAmount": "1000"}), _explained(), "EUR", _settings())
    row = explained.set_index("Account").loc["6100"]
    assert (row["Explanation"], row["ExplainedPeriod"], row["ExplainedVariance"]) == ("Rent indexed", "2026-10", 150000)
    assert not (found["Code"] == "flux-explanation-reset").any()


def test_an_explanation_typed_by_hand_is_stamped_with_the_variance_of_the_sheet_it_was_typed_into():
    typed = from_rows("Flux", [["Account", "Period", "Variance", "Explanation"], ["6100", "2026-10", "1400", "Rent"]])
    explained, found = flux.explain(table({"MaterialityAmount": "1000"}), typed, "EUR", _settings())
    row = explained.set_index("Account").loc["6100"]
    assert (row["ExplainedPeriod"], row["ExplainedVariance"]) == ("2026-10", 140000)  # what the person saw
    assert not (found["Code"] == "flux-explanation-reset").any()  # 1,400 -> 1,500 is within 1,000


def _reexplained(**explained):
    """The flux review of a sheet whose 6100 explanation was typed against ``explained``; returns
    (6100's row, every finding, the flux-explanation-reset findings)."""
    rows, found = flux.explain(table({"MaterialityAmount": "1000"}), _explained(**explained), "EUR", _settings())
    return rows.set_index("Account").loc["6100"], found, found[found["Code"] == "flux-explanation-reset"]


def test_an_explanation_does_not_survive_a_variance_that_changes_sign():
    row, found, reset = _reexplained(variance="-200.00")
    assert row["Explanation"] == "" and row["PreviousExplanation"] == "2026-10: Rent indexed"
    assert reset[["Severity", "Where", "Row", "Column"]].values.tolist() == [["Warning", "Flux", 4, "Explanation"]]
    assert "changed sign (-200.00 EUR explained, now 1,500.00 EUR)" in reset["Message"].iloc[0]
    assert (found["Code"] == "flux-unexplained").sum() == 2  # 6100 needs a new one, like 1100


def test_an_explanation_does_not_survive_a_variance_that_moves_by_more_than_materiality():
    row, _, reset = _reexplained(variance="400.00")
    assert row["Explanation"] == ""
    assert "moved by more than materiality (400.00 EUR explained, now 1,500.00 EUR)" in reset["Message"].iloc[0]


def test_an_october_explanation_does_not_carry_into_november():
    row, _, reset = _reexplained(period="2026-09")
    assert row["Explanation"] == ""
    assert "explains period 2026-09, and period 2026-10 needs an explanation of its own" in reset["Message"].iloc[0]


def _explain_all(workbook):
    """Type an explanation beside every variance that needs one, as a controller would."""
    io = FileWorkbook(workbook)
    sheet = io.read_sheet("Flux")
    column = sheet.columns.index("Explanation") + 1
    cells = {
        f"{chr(64 + column)}{int(row)}": "Explained"
        for row, needs in zip(sheet.rows, sheet.frame["NeedsExplanation"], strict=True)
        if needs == "Yes"
    }
    io.write_sheets([], {"Flux": cells})


def test_the_flux_task_cannot_be_signed_while_a_material_variance_is_unexplained(sample_workbook):
    from closekit import cli

    task = "Review the flux analysis and explain material variances"
    closekit.write_close(closekit.close(sample_workbook))
    assert cli.main(["signoff", str(sample_workbook), task, "--as", "preparer", "--name", "anna"]) == 2
    assert FileWorkbook(sample_workbook).read_sheet("Checklist").frame.set_index("Task").loc[task, "Preparer"] in (
        "",
        None,
    )
    _explain_all(sample_workbook)
    assert cli.main(["signoff", str(sample_workbook), task, "--as", "preparer", "--name", "anna"]) == 0


def test_a_typed_flux_sign_off_over_unexplained_variances_is_not_counted(sample_workbook):
    task = "Review the flux analysis and explain material variances"
    closekit.write_close(closekit.close(sample_workbook))
    io = FileWorkbook(sample_workbook)
    sheet = io.read_sheet("Checklist")
    row = int(sheet.rows[sheet.frame.index[sheet.frame["Task"] == task][0]])
    col = {name: chr(64 + number) for name, number in sheet.meta["column_numbers"].items()}
    io.write_sheets([], {"Checklist": {f"{col['Preparer']}{row}": "anna", f"{col['PreparedAt']}{row}": "2026-11-03"}})
    result = closekit.close(sample_workbook)
    closekit.write_close(result)
    refused = result.findings[result.findings["Code"] == "signoff-refused"]
    assert refused[["Severity", "Where", "Row", "Column"]].values.tolist() == [["Error", "Checklist", row, "Preparer"]]
    after = FileWorkbook(sample_workbook).read_sheet("Checklist").frame.set_index("Task").loc[task]
    assert after["Preparer"] == "anna" and after["PreparedAt"] in ("", None) and after["PreparedHash"] in ("", None)


def test_period_hold_does_not_run_over_unexplained_variances(sample_workbook):
    from closekit import cli
    from closekit.closing import runner as closing

    steps = ",".join([*(s for s in closing.AVAILABLE if s not in closing.ON_REQUEST), "period-hold"])
    assert cli.main(["close", str(sample_workbook), "--steps", steps]) == 1
    periods = FileWorkbook(sample_workbook).read_sheet("Periods").frame.set_index("Period")
    assert periods.loc["2026-10", "Status"] == "Open"
    findings = FileWorkbook(sample_workbook).read_sheet("Findings").frame
    skipped = findings[findings["Code"] == "period-hold-skipped"]
    assert skipped["Severity"].tolist() == ["Error"] and "not explained" in skipped["Message"].iloc[0]
    # the standalone form (the Excel button) reads the Flux sheet the close left
    held = closekit.hold_period(sample_workbook)
    assert not held.held and "not explained" in held.reason
    _explain_all(sample_workbook)
    assert cli.main(["close", str(sample_workbook), "--steps", steps]) == 0
    assert FileWorkbook(sample_workbook).read_sheet("Periods").frame.set_index("Period").loc["2026-10", "Status"] == (
        "On hold"
    )
