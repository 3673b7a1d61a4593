"""The group statements' comparatives and the equity split into owners' and non-controlling
interests (issue 18 item 1), on the bundled sample group (Contoso Group, October 2026; the US
company 80 % under Full consolidation)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from closefixtures import close_book, context, lines
from closekit.closing import consolidation, group_close, subsidiaries
from closekit.pipeline import close as pipeline
from closekit.samples import company as sample
from closekit.samples import group as sample_group
from closekit.workbook import template
from test_consolidation import GROUP_ACCOUNTS

KEY = ["Line", "Account", "Name"]


def _write(folder, **changes):
    """The sample group in ``folder``; ``changes``: sheets of the group workbook to replace."""
    sample.write(folder / "close.xlsx")
    path = sample_group.write(folder)
    if changes:
        template.write(path, {**sample_group.group_rows(), **changes}, force=True)
    return path


def _consolidate(path, period=None):
    run = pipeline.close(path, steps=["consolidation"], period=period).run
    return (
        run.tables["group_balance_sheet"],
        run.tables["group_income_statement"],
        run.findings_by_step["consolidation"],
    )


@pytest.fixture(scope="module")
def october(tmp_path_factory):
    return _consolidate(_write(tmp_path_factory.mktemp("group")))


@pytest.fixture(scope="module")
def september_unadjusted(tmp_path_factory):
    """September consolidated as a close of September would, the subsidiaries' closes without their
    adjustments (the comparatives are the ledger lines without the close's adjustments)."""
    path = _write(tmp_path_factory.mktemp("september"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subsidiaries, "STEPS", ["import", "validate"])
        return _consolidate(path, "2026-09")


def _by_row(frame: pd.DataFrame, column: str) -> dict[tuple, int]:
    return {tuple(key): int(value) for *key, value in frame[[*KEY, column]].itertuples(index=False)}


def _value(frame: pd.DataFrame, name: str, column: str):
    rows = frame[frame["Name"] == name]
    assert len(rows) == 1, name
    return rows[column].iloc[0]


def test_prior_period_end_is_the_september_consolidation(october, september_unadjusted):
    balance, _, _ = october
    september, _, _ = september_unadjusted
    prior = _by_row(balance, "PriorPeriodEnd")
    then = _by_row(september, "Amount")
    assert set(then) <= set(prior)
    assert prior == {key: then.get(key, 0) for key in prior}  # rows only October has show 0 in September
    assert then[("E", "", "Total equity")] != 0
    assert (balance["Variance"] == balance["Amount"] - balance["PriorPeriodEnd"]).all()


def test_period_is_october_less_september_year_to_date(october, september_unadjusted):
    _, income, _ = october
    _, september, _ = september_unadjusted
    before = _by_row(september, "YearToDate")
    for key, ytd in _by_row(income, "YearToDate").items():
        period = int(income.loc[(income[KEY] == pd.Series(key, index=KEY)).all(axis=1), "Period"].iloc[0])
        assert period == ytd - before.get(key, 0), key
    # the profit's split too: the NCI's 20 % of the US company's October profit
    nci_now = _value(income, "Attributable to non-controlling interests", "YearToDate")
    nci_then = _value(september, "Attributable to non-controlling interests", "YearToDate")
    assert _value(income, "Attributable to non-controlling interests", "Period") == nci_now - nci_then != 0


def test_the_balance_sheet_balances_in_every_column(october):
    balance, _, _ = october
    for column in ("Amount", "PriorPeriodEnd"):
        assert _value(balance, "Total assets", column) == _value(balance, "Total equity and liabilities", column)
        assert _value(balance, "Total assets", column) > 0


def test_equity_is_split_into_owners_and_non_controlling_interests(october):
    balance, income, _ = october
    names = balance["Name"].tolist()
    owners = names.index("Equity attributable to owners of the parent")
    nci = names.index("Total Non-controlling interests")
    assert names.index("Share capital") < owners < names.index("Non-controlling interest") < nci
    assert names.index("Total equity") == nci + 1
    for column in ("Amount", "PriorPeriodEnd"):
        assert _value(balance, "Equity attributable to owners of the parent", column) + _value(
            balance, "Total Non-controlling interests", column
        ) == _value(balance, "Total equity", column)
        # the NCI line is Settings NonControllingInterestAccount 3980, credit shown positive
        nci_account = balance.loc[balance["Account"] == "3980", column]
        assert _value(balance, "Total Non-controlling interests", column) == int(nci_account.iloc[0]) > 0
    assert _value(balance, "Total Non-controlling interests", "Amount") == 5697180  # test_group_close: 56,971.80
    for column in ("Period", "YearToDate"):
        profit = _value(income, "Profit for the period", column)
        assert (
            _value(income, "Attributable to owners of the parent", column)
            + _value(income, "Attributable to non-controlling interests", column)
            == profit
        )


def test_comparatives_without_ledger_lines_are_blank_with_one_finding_each(october):
    balance, income, found = october
    # the sample's ledgers start with the opening balances of 1 January 2026: nothing at 31 December 2025
    for column in ("PriorYearEnd", "VariancePYE", "VariancePYE %"):
        assert balance[column].isna().all()
    for column in ("PeriodLY", "VarianceLY", "YearToDateLY", "VarianceYTDLY", "VarianceYTDLY %"):
        assert income[column].isna().all()
    missing = found[found["Code"] == "group-comparative-missing"]
    assert len(missing) == 2
    assert "GroupBalanceSheet PriorYearEnd (the group at 2025-12-31) is left blank" in missing["Message"].iloc[0]
    assert "no ledger line on or before 2025-12-31" in missing["Message"].iloc[0]
    assert "GroupIncomeStatement PeriodLY and YearToDateLY" in missing["Message"].iloc[1]
    assert (missing["Severity"] == "Info").all()  # the ledgers begin after those dates: nothing to fix
    # the comparatives' own findings are not repeated: the current ones only once
    assert found["Code"].value_counts().get("historical-equity-missing", 0) == 0
    assert not found["Message"].str.contains("2026-09-30").any()


def test_a_missing_rate_at_the_prior_period_end_blanks_its_columns(tmp_path, october):
    rates = [
        row
        for row in sample_group.group_rows()["Rates"]
        if not (row[0] == dt.date(2026, 9, 30) and row[4] == "Average")
    ]
    balance, income, found = _consolidate(_write(tmp_path, Rates=rates))
    for column in ("PriorPeriodEnd", "Variance", "Variance %"):
        assert balance[column].isna().all()
    assert income["Period"].isna().all()
    # the current figures are untouched
    assert _by_row(balance, "Amount") == _by_row(october[0], "Amount")
    assert _by_row(income, "YearToDate") == _by_row(october[1], "YearToDate")
    missing = found[found["Code"] == "group-comparative-missing"]
    prior = missing[missing["Message"].str.contains("PriorPeriodEnd")]
    assert len(prior) == 1 and len(missing) == 3
    message = prior["Message"].iloc[0]
    assert "GroupBalanceSheet PriorPeriodEnd and GroupIncomeStatement Period (the group at 2026-09-30)" in message
    assert "missing-rate: no Average rate from USD to EUR (or back) dated in the period 2026-09-01..2026-09-30" in (
        message
    )
    assert "missing-rate" not in found["Code"].tolist()  # the current consolidation had its rates
    assert prior["Severity"].tolist() == ["Warning"]  # a rate to add, unlike a ledger that begins later


def test_german_labels(tmp_path):
    settings = [*sample_group.group_rows()["Settings"], ["Language", "de"]]
    balance, income, _ = _consolidate(_write(tmp_path, Settings=settings))
    owners = "Den Anteilseignern des Mutterunternehmens zurechenbares Eigenkapital"
    assert _value(balance, owners, "Amount") + _value(balance, "Summe Nicht beherrschende Anteile", "Amount") == (
        _value(balance, "Summe Eigenkapital", "Amount")
    )
    assert _value(income, "davon den nicht beherrschenden Anteilen zuzurechnen", "YearToDate") == 3489160


def _small_group():
    """P (EUR) with lines from November 2025 and S (USD), acquired on 10 January 2026, closing January 2026."""
    periods = [
        ["2025-11", "2025-11-01", "2025-11-30", "Open"],
        ["2025-12", "2025-12-01", "2025-12-31", "Open"],
        ["2026-01", "2026-01-01", "2026-01-31", "Open"],
    ]
    settings = {
        "Company": "P",
        "AccountingCurrency": "EUR",
        "Period": "2026-01",
        "RetainedEarningsAccount": "3000",
        "TranslationAdjustmentAccount": "3950",
    }
    book = close_book(settings, GROUP_ACCOUNTS, periods=periods)
    ctx = context("2026-01", "2026-01-01", "2026-01-31")
    own = lines(
        [
            {"date": "2025-11-05", "account": "1000", "amount": "700.00"},
            {"date": "2025-11-05", "account": "3000", "amount": "-700.00"},
        ]
    )
    parent = consolidation.Company(
        "P",
        "EUR",
        consolidation.closing_balances(own, None, book, ctx),
        book.accounts,
        parent=True,
        lines=own,
        book=book,
        ctx=ctx,
    )
    sub = consolidation.Company(
        "S",
        "USD",
        pd.DataFrame({"account": ["1000"], "amount": [100]}),
        book.accounts,
        acquisition=consolidation.Acquisition(date=dt.date(2026, 1, 10)),
        lines=lines([{"date": "2026-01-10", "account": "1000", "amount": "1.00"}]),
        book=book,
        ctx=ctx,
    )
    return parent, sub, book, ctx


def test_a_subsidiary_acquired_after_a_comparative_date_is_not_in_the_group_then():
    parent, sub, book, ctx = _small_group()
    tables, found = group_close.comparatives([parent, sub], book, ctx)
    assert set(tables) == {"prior", "year_end"}  # Dec 2025 twice (the period before is the year's last)
    prior, at = tables["prior"]
    assert at.end == pd.Timestamp("2025-12-31") and set(prior["Company"]) == {"P"}
    assert int(prior.loc[prior["Account"] == "1000", "AmountGroup"].sum()) == 70000
    # January 2025: P has no ledger line yet, so the last year's columns are blank with one finding
    assert len(found) == 1 and "P has no ledger line on or before 2025-01-31" in found[0]["Message"]


def test_a_company_without_its_ledger_lines_cannot_be_consolidated_at_another_date():
    parent, _, _, ctx = _small_group()
    bare = dataclasses.replace(parent, lines=None)
    assert group_close.company_at(bare, ctx, ctx) == "the ledger lines of P are not at hand"
