"""Each finding code, with the row and column it points at (workbook.md "Finding codes")."""

from __future__ import annotations

import datetime as dt

import pytest

import closekit
from closekit.core.findings import CODES
from closekit.samples import company as sample
from conftest import REPO


def found(result, code):
    hits = result.findings[result.findings["Code"] == code]
    return [(r["Where"], r["Row"], r["Column"], r["Voucher"]) for r in hits.to_dict("records")]


GOOD = [
    ["GEN", "V1", 1, "2026-10-15", "6400", "", "", "EUR", "100.00", "", "fee"],
    ["GEN", "V1", 2, "2026-10-15", "2900", "", "", "EUR", "", "100.00", "fee"],
]


def run(make, rows, *, kind="journal", name="journal.csv", **sheets):
    workbook = make.workbook(**sheets)
    path = make.journal(rows, name=name)
    key = "journals" if kind == "journal" else "sources"
    return closekit.validate(workbook, **{key: [path]})


def test_clean_journal_has_no_findings_but_the_format(make):
    result = run(make, GOOD)
    assert result.lines == 2
    assert result.ok
    assert list(result.findings["Code"]) == ["format-detected"]


def test_unbalanced_voucher_points_at_its_first_line_and_says_the_difference(make):
    rows = [GOOD[0], [*GOOD[1][:9], "99.99", "fee"]]
    result = run(make, rows)
    assert found(result, "unbalanced-voucher") == [(str(make.folder / "journal.csv"), 2, "Debit", "V1")]
    message = result.findings.loc[result.findings["Code"] == "unbalanced-voucher", "Message"].iloc[0]
    assert "debits 100.00, credits 99.99, difference 0.01" in message


def test_unbalanced_in_transaction_currency_only(make):
    rows = [
        ["GEN", "F1", 1, "2026-10-15", "1110", "", "", "USD", "100.00", "", "usd"],
        ["GEN", "F1", 2, "2026-10-15", "1110", "", "", "USD", "", "90.00", "usd"],
    ]
    header = [
        "Journal",
        "Voucher",
        "Line",
        "Date",
        "Account",
        "Department",
        "CostCenter",
        "Currency",
        "Debit",
        "Credit",
        "Text",
    ]
    workbook = make.workbook()
    path = make.journal(rows, header=header)
    result = closekit.validate(workbook, journals=[path])
    assert [c[1:] for c in found(result, "unbalanced-voucher")] == [(2, "Debit", "F1")]


def test_cell_findings_name_row_and_column(make):
    rows = [
        ["GEN", "V2", 1, "31.02.2026", "6400", "", "", "XYZ", "12,34x", "", "x"],
        ["GEN", "V3", "one", "2026-10-15", "6400", "", "", "EUR", "1.999", "", "x"],
    ]
    result = run(make, rows)
    assert found(result, "bad-date")[0][1:3] == (2, "Date")
    assert found(result, "bad-currency")[0][1:3] == (2, "Currency")
    assert {f[1:3] for f in found(result, "bad-number")} == {(2, "Debit"), (3, "Line"), (3, "Debit")}


def test_missing_columns(make):
    path = make.file("j.csv", "Voucher,Date,Account,Debit\nV1,2026-10-01,6400,1\n")
    result = closekit.validate(make.workbook(), journals=[path], format="generic")
    assert found(result, "missing-column") == [(str(path), 1, "Credit", "")]


def test_accounts_postable_and_known(make):
    rows = [
        ["GEN", "V1", 1, "2026-10-15", "9999", "", "", "EUR", "5.00", "", "x"],
        ["GEN", "V1", 2, "2026-10-15", "6000", "", "", "EUR", "", "5.00", "x"],
    ]
    result = run(make, rows)
    assert found(result, "unknown-account")[0][1:3] == (2, "Account")
    assert found(result, "non-postable-account")[0][1:3] == (3, "Account")


def test_dimensions_required_unknown_and_inactive(make):
    rows = [
        ["GEN", "V1", 1, "2026-10-15", "6100", "ADMIN", "", "EUR", "5.00", "", "needs CostCenter"],
        ["GEN", "V1", 2, "2026-10-15", "6200", "NOPE", "", "EUR", "5.00", "", "unknown value"],
        ["GEN", "V1", 3, "2026-10-15", "6200", "OLD", "", "EUR", "", "10.00", "inactive value"],
    ]
    result = run(make, rows)
    assert found(result, "missing-dimension")[0][1:3] == (2, "CostCenter")
    assert [f[1:3] for f in found(result, "unknown-dimension-value")] == [(3, "Department"), (4, "Department")]


def test_inactive_values_are_fine_on_posted_history(make):
    rows = [
        ["GEN", "V1", 1, "2026-03-15", "6200", "OLD", "", "EUR", "5.00", "", "x"],
        ["GEN", "V1", 2, "2026-03-15", "2000", "", "", "EUR", "", "5.00", "x"],
    ]
    result = run(make, rows, kind="ledger")
    assert found(result, "unknown-dimension-value") == []


def test_currency_not_allowed(make):
    rows = [
        ["GEN", "V1", 1, "2026-10-15", "1110", "", "", "EUR", "5.00", "", "x"],
        ["GEN", "V1", 2, "2026-10-15", "2000", "", "", "EUR", "", "5.00", "x"],
    ]
    result = run(make, rows)
    assert found(result, "currency-not-allowed")[0][1:3] == (2, "Currency")


def test_period_checks_apply_to_journals_only(make):
    rows = [
        ["GEN", "V1", 1, "2026-09-15", "6400", "", "", "EUR", "5.00", "", "on hold"],
        ["GEN", "V1", 2, "2026-09-15", "2900", "", "", "EUR", "", "5.00", "on hold"],
        ["GEN", "V2", 1, "2027-02-01", "6400", "", "", "EUR", "5.00", "", "no period"],
        ["GEN", "V2", 2, "2027-02-01", "2900", "", "", "EUR", "", "5.00", "no period"],
    ]
    journal = run(make, rows)
    assert [f[1:3] for f in found(journal, "period-not-open")] == [(2, "Date"), (3, "Date")]
    assert [f[1:3] for f in found(journal, "period-unknown")] == [(4, "Date"), (5, "Date")]
    posted = run(make, rows, kind="ledger", name="ledger.csv")
    assert found(posted, "period-not-open") == [] and found(posted, "period-unknown") == []


def test_permanently_closed_is_named(make):
    periods = sample.period_rows()
    periods[9][3] = "Permanently closed"
    result = run(make, GOOD, Periods=periods)
    message = result.findings.loc[result.findings["Code"] == "period-not-open", "Message"].iloc[0]
    assert "Permanently closed" in message


def test_missing_rate(make):
    rows = [
        ["GEN", "V1", 1, "2026-10-15", "6400", "", "", "CHF", "5.00", "", "no CHF rate"],
        ["GEN", "V1", 2, "2026-10-15", "2900", "", "", "CHF", "", "5.00", "no CHF rate"],
    ]
    result = run(make, rows)
    assert [f[1:3] for f in found(result, "missing-rate")] == [(2, "Currency"), (3, "Currency")]


def test_rates_latest_on_or_before_and_inverse_pair(make):
    rates = [
        [dt.date(2026, 10, 1), "EUR", "CHF", "0.95", "Spot"],
        [dt.date(2026, 10, 20), "EUR", "CHF", "0.90", "Spot"],
    ]
    rows = [
        ["GEN", "V1", 1, "2026-10-15", "6400", "", "", "CHF", "95.00", "", "inverse of 0.95"],
        ["GEN", "V1", 2, "2026-10-15", "2900", "", "", "CHF", "", "95.00", "inverse of 0.95"],
    ]
    result = run(make, rows, Rates=rates)
    assert result.ok
    assert result.ledger.lines["amount_accounting"].tolist() == [10000, -10000]
    assert result.ledger.lines["converted"].all()


def test_duplicate_lines_across_exports_and_repeated_line_numbers(make):
    workbook = make.workbook()
    first = make.journal(GOOD, name="a.csv")
    second = make.journal(GOOD, name="b.csv")
    twice = closekit.validate(workbook, journals=[first, second])
    [(where, row, _, voucher)] = found(twice, "duplicate-line")
    assert (where, row, voucher) == (str(second), 2, "V1")
    assert "loaded twice" in twice.findings.loc[twice.findings["Code"] == "duplicate-line", "Message"].iloc[0]
    repeated = make.journal([*GOOD, GOOD[0], [*GOOD[1][:2], 3, *GOOD[1][3:]]], name="c.csv")
    result = closekit.validate(workbook, journals=[repeated])
    assert [f[1:3] for f in found(result, "duplicate-line")] == [(4, "Voucher")]


def test_identical_lines_without_line_numbers_are_not_duplicates(make):
    rows = [["GEN", "V1", "", "2026-10-15", "6400", "", "", "EUR", "5.00", "", "x"]] * 2 + [
        ["GEN", "V1", "", "2026-10-15", "2900", "", "", "EUR", "", "10.00", "x"]
    ]
    assert found(run(make, rows), "duplicate-line") == []


def test_unposted_journal_in_a_ledger_export(make):
    header = ["Journal", "Voucher", "Date", "Account", "Debit", "Credit", "Posted"]
    rows = [
        ["GEN", "V9", "2026-10-05", "6400", "5.00", "", "No"],
        ["GEN", "V9", "2026-10-05", "2900", "", "5.00", "No"],
        ["GEN", "V8", "2026-11-05", "6400", "5.00", "", "No"],
        ["GEN", "V8", "2026-11-05", "2900", "", "5.00", "No"],
    ]
    workbook = make.workbook()
    path = make.journal(rows, header=header)
    result = closekit.validate(workbook, sources=[path])
    hits = result.findings[result.findings["Code"] == "unposted-journal"]
    assert list(zip(hits["Severity"], hits["Row"], hits["Column"], hits["Voucher"], strict=True)) == [
        ("Error", 2, "Posted", "V9"),
        ("Warning", 4, "Posted", "V8"),
    ]


def test_formula_text_is_a_warning(make):
    rows = [[*GOOD[0][:10], '=HYPERLINK("http://x")'], GOOD[1]]
    result = run(make, rows)
    assert result.ok
    assert found(result, "formula-text")[0][1:3] == (2, "Text")


def test_bad_settings_and_reference_data_are_findings(make):
    settings = [row for row in sample.settings_rows() if row[0] != "AccountingCurrency"]
    accounts = [*sample.ACCOUNTS, sample.ACCOUNTS[0]]
    rates = [*sample.rate_rows(), [dt.date(2026, 10, 2), "USD", "EUR", 0, "Spot"]]
    periods = [*sample.period_rows(), ["2026-10b", dt.date(2026, 10, 15), dt.date(2026, 10, 20), "Open"]]
    result = closekit.validate(make.workbook(Settings=settings))
    messages = result.findings[result.findings["Code"] == "bad-setting"]
    assert any("AccountingCurrency is empty; it is required" in m for m in messages["Message"])
    workbook = make.workbook(
        name="b.xlsx",
        Settings=[*settings, ["AccountingCurrency", "EUR"], ["Colour", "red"]],
        Accounts=accounts,
        Rates=rates,
        Periods=periods,
    )
    result = closekit.validate(workbook)
    got = {
        (r["Where"], r["Row"], r["Column"]) for r in result.findings.to_dict("records") if r["Code"] == "bad-setting"
    }
    assert ("Accounts", len(accounts) + 1, "Account") in got
    assert ("Rates", len(rates) + 1, "Rate") in got
    assert ("Periods", len(periods) + 1, "Start") in got
    unknown = result.findings[result.findings["Message"].str.contains("unknown setting 'Colour'")]
    assert list(unknown["Severity"]) == ["Warning"] and list(unknown["Column"]) == ["Setting"]


def test_bad_rule_and_bad_values_in_reference_sheets(make):
    rules = [["R1", "Magic", "6300", "6900", 1, "", "", "", 50, "", ""]]
    accounts = [*sample.ACCOUNTS, ["9000", "Odd", "Assets", "Yes", "", "", "", "", "", ""]]
    result = closekit.validate(make.workbook(AllocationRules=rules, Accounts=accounts))
    assert found(result, "bad-rule") == [("AllocationRules", 2, "Method", "")]
    assert ("Accounts", len(accounts) + 1, "Type", "") in found(result, "bad-setting")


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_is_documented(code):
    assert f"`{code}`" in (REPO / "docs" / "findings.md").read_text(encoding="utf-8")
