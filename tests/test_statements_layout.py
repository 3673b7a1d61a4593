"""Statements in a line hierarchy with comparatives (issue 18 item 1): the IFRS layout, HGB in
German, a StatementLines sheet, prior period / prior year end / last year columns. Figures are
those of docs/close.md "Trial balance and statements" (EUR; the frames hold cents), worked by hand
in the comments."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from closefixtures import context, lines
from closekit.closing import cash_flow, reports
from closekit.workbook import book as bookm

ACCOUNTS_HEADER = ["Account", "Name", "Type", "StatementLine"]
CHART_IFRS = [
    ["1000", "Bank", "Asset", "Cash and cash equivalents"],
    ["1200", "Receivables", "Asset", "Trade and other receivables"],
    ["2000", "Payables", "Liability", "Trade and other payables"],
    ["3000", "Capital", "Equity", "Share capital"],
    ["3900", "Retained earnings", "Equity", "Retained earnings"],
    ["4000", "Sales", "Revenue", "Revenue"],
    ["5000", "Cost of goods sold", "Expense", "Cost of sales"],
    ["6000", "Office", "Expense", "Administrative expenses"],
    ["7000", "Interest", "Expense", "Finance costs"],
    ["8000", "Income tax", "Expense", "Income tax expense"],
]
PERIODS = [["2025-01", "2025-01-01", "2025-01-31", "Open"], ["2025-02", "2025-02-01", "2025-02-28", "Open"]]
FEB = context("2025-02", "2025-02-01", "2025-02-28")


def make_book(chart, *, statement_lines=None, header=ACCOUNTS_HEADER, **settings) -> bookm.CloseBook:
    sheets = {
        "Settings": [
            ["Setting", "Value"],
            ["AccountingCurrency", "EUR"],
            ["Period", "2025-02"],
            ["RetainedEarningsAccount", "3900"],
            *[[k, v] for k, v in settings.items()],
        ],
        "Accounts": [header, *chart],
        "Periods": [["Period", "Start", "End", "Status"], *PERIODS],
    }
    if statement_lines is not None:
        sheets["StatementLines"] = [["Line", "Parent", "Order", "Sign", "Label", "LabelDE"], *statement_lines]
    return bookm.from_rows(sheets)


def voucher(number, date, *legs, journal="GL"):
    return [
        {"journal": journal, "voucher": number, "date": date, "account": a, "amount": amount} for a, amount in legs
    ]


# 2024: capital paid in, a February sale and its cost; the year's end carried forward by an opening
# voucher (Bank 5,000 + Receivables 1,000 = Payables 400 + Capital 5,000 + retained profit 600).
LEDGER = lines(
    voucher("C-1", "2024-01-02", ("1000", "5000.00"), ("3000", "-5000.00"))
    + voucher("S-1", "2024-02-10", ("1200", "1000.00"), ("4000", "-1000.00"))
    + voucher("P-1", "2024-02-20", ("5000", "400.00"), ("2000", "-400.00"))
    + voucher(
        "OB-2025",
        "2025-01-01",
        ("1000", "5000.00"),
        ("1200", "1000.00"),
        ("2000", "-400.00"),
        ("3000", "-5000.00"),
        ("3900", "-600.00"),
        journal="OPEN",
    )
    + voucher("S-2", "2025-01-15", ("1000", "2000.00"), ("4000", "-2000.00"))
    + voucher("S-3", "2025-02-05", ("1200", "3000.00"), ("4000", "-3000.00"))
    + voucher("P-2", "2025-02-10", ("5000", "1200.00"), ("2000", "-1200.00"))
    + voucher("O-1", "2025-02-20", ("6000", "300.00"), ("1000", "-300.00"))
    + voucher("I-1", "2025-02-25", ("7000", "50.00"), ("1000", "-50.00"))
    + voucher("T-1", "2025-02-28", ("8000", "290.00"), ("2000", "-290.00"))
)


def eur(text: str) -> int:
    return int(Decimal(text.replace(",", "")) * 100)


def by_name(frame: pd.DataFrame, *columns: str) -> dict[str, tuple]:
    totals = frame[frame["Account"] == ""]
    return {r[0]: tuple(r[1:]) for r in totals[["Name", *columns]].itertuples(index=False)}


def test_ifrs_income_statement_subtotals_and_last_year():
    _, income = reports.statements(LEDGER, None, make_book(CHART_IFRS), FEB)
    # February 2025: sales 3,000 - cost 1,200 = gross profit 1,800; - office 300 = operating
    # result 1,500; - interest 50 = 1,450 before tax; - tax 290 = 1,160. Year to date: sales
    # 2,000 + 3,000 = 5,000, so 3,160. February 2024: sales 1,000 - cost 400 = 600 (and year to date).
    totals = by_name(income, "Period", "YearToDate", "PeriodLY", "YearToDateLY", "VarianceLY", "VarianceLY %")
    assert totals["Gross profit"] == (eur("1800"), eur("3800"), eur("600"), eur("600"), eur("1200"), Decimal("200.0"))
    assert totals["Operating result"][:2] == (eur("1500"), eur("3500"))
    assert totals["Profit before tax"][:2] == (eur("1450"), eur("3450"))
    # 1,160 - 600 = 560, 560 / 600 = 93.33 %
    assert totals["Profit for the period"] == (
        eur("1160"), eur("3160"), eur("600"), eur("600"), eur("560"), Decimal("93.3"),
    )
    assert income["Name"].iloc[-1] == "Profit for the period" and income["Level"].iloc[-1] == 0
    office = income[income["Account"] == "6000"].iloc[0]
    # nothing last year: the variance is the whole amount, the percent of a zero base is blank
    assert (office["Period"], office["PeriodLY"], office["VarianceLY"]) == (eur("-300"), 0, eur("-300"))
    assert office["VarianceLY %"] is None
    assert list(income["StatementLine"][income["Account"] != ""]) == [
        "Revenue", "Cost of sales", "Administrative expenses", "Finance costs", "Income tax expense",
    ]


def test_ifrs_balance_sheet_with_prior_period_end_and_prior_year_end():
    balance, _ = reports.statements(LEDGER, None, make_book(CHART_IFRS), FEB)
    # 28 Feb 2025: bank 5,000 + 2,000 - 300 - 50 = 6,650; receivables 1,000 + 3,000 = 4,000.
    # 31 Jan 2025: bank 7,000, receivables 1,000. 31 Dec 2024: bank 5,000, receivables 1,000.
    assert by_name(balance, "Amount", "PriorPeriodEnd", "PriorYearEnd")["Total assets"] == (
        eur("10650"), eur("8000"), eur("6000"),
    )
    bank = balance[balance["Account"] == "1000"].iloc[0]
    # 6,650 - 7,000 = -350 (-5.0 %); 6,650 - 5,000 = 1,650 (33.0 %)
    assert (bank["Variance"], bank["Variance %"], bank["VariancePYE"], bank["VariancePYE %"]) == (
        eur("-350"), Decimal("-5.0"), eur("1650"), Decimal("33.0"),
    )
    equity = balance[balance["Line"].isin(["SC", "RE", "E"])]
    # The profit sits in the retained earnings line, with the income statement's year to date of
    # each column: 3,160 (Jan-Feb 2025), 2,000 (January), 600 (all of 2024, not closed then).
    shown = equity[["Name", "Amount", "PriorPeriodEnd", "PriorYearEnd", "Kind"]]
    assert [tuple(r) for r in shown.itertuples(index=False)] == [
        ("Capital", eur("5000"), eur("5000"), eur("5000"), "Account"),
        ("Total Share capital", eur("5000"), eur("5000"), eur("5000"), "Total"),
        ("Retained earnings", eur("600"), eur("600"), 0, "Account"),
        ("Profit for the period", eur("3160"), eur("2000"), eur("600"), "Profit"),
        ("Total Retained earnings", eur("3760"), eur("2600"), eur("600"), "Total"),
        ("Total equity", eur("8760"), eur("7600"), eur("5600"), "Total"),
    ]
    # payables 400 + 1,200 + 290 = 1,890; they and equity make the assets in every column
    totals = by_name(balance, "Amount", "PriorPeriodEnd", "PriorYearEnd")
    assert totals["Total liabilities"] == (eur("1890"), eur("400"), eur("400"))
    assert totals["Total equity and liabilities"] == totals["Total assets"]
    assert balance["Name"].iloc[-1] == "Total equity and liabilities"


CHART_HGB = [
    [a, n, t, line]
    for (a, n, t, _), line in zip(
        CHART_IFRS,
        ["B.IV", "Forderungen und sonstige Vermögensgegenstände", "P.C", "P.A.I", "P.A.IV", "1", "5", "8", "13",
         "14"],
        strict=True,
    )
]


def test_hgb_layout_in_german_names_the_profit_the_same_on_both_statements():
    book = make_book(CHART_HGB, StatementLayout="HGB", Language="de")
    balance, income = reports.statements(LEDGER, None, book, FEB)
    totals = by_name(income, "Period", "YearToDate")
    # §275 (2): Umsatzerlöse 3,000 - Materialaufwand 1,200 - sonstige 300 = Betriebsergebnis 1,500;
    # Finanzergebnis -50; Steuern -290: Ergebnis nach Steuern = Jahresüberschuss 1,160.
    assert totals["Betriebsergebnis"] == (eur("1500"), eur("3500"))
    assert totals["Finanzergebnis"] == (eur("-50"), eur("-50"))
    assert totals["Ergebnis nach Steuern"] == (eur("1160"), eur("3160"))
    assert totals["Summe Umsatzerlöse"] == (eur("3000"), eur("5000"))
    assert income["Name"].iloc[-1] == "Jahresüberschuss/Jahresfehlbetrag"
    profit_row = balance[balance["Kind"] == "Profit"]
    assert profit_row[["StatementLine", "Name", "Amount"]].values.tolist() == [
        ["Gewinnvortrag/Verlustvortrag", "Jahresüberschuss/Jahresfehlbetrag", eur("3160")]
    ]
    bs = by_name(balance, "Amount")
    assert bs["Summe Aktiva"] == bs["Summe Passiva"] == (eur("10650"),)
    assert bs["Summe Umlaufvermögen"] == (eur("10650"),)
    assert "Summe Anlagevermögen" not in bs  # no fixed assets: the line is left out


STATEMENT_LINES = [
    ["ASSETS", "", 1, "", "Total assets", "Summe Aktiva"],
    ["CASH", "ASSETS", 2, "", "Cash", "Kasse"],
    ["REC", "ASSETS", 1, "", "Receivables", "Forderungen"],
    ["EQL", "", 2, "", "Total equity and liabilities", ""],
    ["EQ", "EQL", 1, "", "Equity", ""],
    ["LIAB", "EQL", 2, "", "Liabilities", ""],
    ["NET", "", 3, "", "Net result", "Ergebnis"],
    ["SALES", "NET", 1, "+", "Sales", ""],
    ["COSTS", "NET", 2, "-", "Costs", ""],
]
CHART_CUSTOM = [
    [a, n, t, line]
    for (a, n, t, _), line in zip(
        CHART_IFRS, ["CASH", "rec", "Liabilities", "EQ", "EQ", "SALES", "COSTS", "COSTS", "COSTS", "Costs"], strict=True
    )
]


def test_custom_layout_from_the_statement_lines_sheet_with_a_minus_sign():
    book = make_book(CHART_CUSTOM, statement_lines=STATEMENT_LINES, StatementLayout="Custom")
    assert [r.line for _, r in book.statement_lines][:3] == ["ASSETS", "CASH", "REC"]
    balance, income = reports.statements(LEDGER, None, book, FEB)
    # Costs are shown positive (Sign -): 1,200 + 300 + 50 + 290 = 1,840; the net result still
    # subtracts them: 3,000 - 1,840 = 1,160.
    assert [tuple(r) for r in income[["Name", "Period", "Kind"]].itertuples(index=False)] == [
        ("Sales", eur("3000"), "Account"),
        ("Total Sales", eur("3000"), "Total"),
        ("Cost of goods sold", eur("1200"), "Account"),
        ("Office", eur("300"), "Account"),
        ("Interest", eur("50"), "Account"),
        ("Income tax", eur("290"), "Account"),
        ("Total Costs", eur("1840"), "Total"),
        ("Net result", eur("1160"), "Total"),
    ]
    # Order puts receivables before cash; the profit row takes the income statement's name.
    assert list(balance["Name"]) == [
        "Receivables", "Total Receivables", "Bank", "Total Cash", "Total assets",
        "Capital", "Retained earnings", "Net result", "Total Equity",
        "Payables", "Total Liabilities", "Total equity and liabilities",
    ]
    totals = by_name(balance, "Amount")
    assert totals["Total assets"] == totals["Total equity and liabilities"] == (eur("10650"),)


def test_an_unknown_statement_line_is_a_line_of_its_own_under_its_type():
    chart = [*CHART_IFRS[:9], ["8000", "Income tax", "Expense", "Taxes of all kinds"]]
    _, income = reports.statements(LEDGER, None, make_book(chart), FEB)
    tax = income[income["StatementLine"] == "Taxes of all kinds"]
    assert tax["Name"].tolist() == ["Income tax", "Total Taxes of all kinds"]
    # it is in the operating result now: 1,500 - 290 = 1,210
    assert by_name(income, "Period")["Operating result"] == (eur("1210"),)
    assert by_name(income, "Period")["Profit for the period"] == (eur("1160"),)


def test_comparatives_can_be_left_out_and_an_empty_ledger_gives_the_columns():
    balance, income = reports.statements(LEDGER, None, make_book(CHART_IFRS), FEB, comparatives=False)
    assert (balance["PriorYearEnd"] == 0).all() and (income["PeriodLY"] == 0).all()
    empty_bs, empty_is = reports.statements(lines([]), None, make_book(CHART_IFRS), FEB)
    assert empty_bs.empty and "PriorPeriodEnd" in empty_bs.columns and "YearToDateLY" in empty_is.columns


def test_the_closed_sample_prints_a_title_and_balances(sample_workbook):
    """Through the command line: the sheets keep their header in row 1, the title block is the
    printed page header, and the balance sheet balances in every column."""
    import openpyxl

    from closekit import cli

    assert cli.main(["close", str(sample_workbook)]) == 0
    book = openpyxl.load_workbook(sample_workbook)
    balance, income = book["BalanceSheet"], book["IncomeStatement"]
    assert balance.oddHeader.center.text == "&BContoso Trading NL — Balance sheet at 31 Oct 2026 — EUR"  # bold
    assert income.oddHeader.center.text == (
        "&BContoso Trading NL — Income statement 01 Oct 2026 – 31 Oct 2026 (year to date from 01 Jan 2026) — EUR"
    )  # whole: the currency is part of the title block
    for sheet in (balance, income, book["CashFlow"]):  # by itself: it names the company and the dates
        assert sheet.oddHeader.left.text is None and sheet.oddHeader.right.text is None
    assert book["TrialBalance"].oddHeader.left.text == "Contoso Trading NL"  # other sheets keep them
    level = [c.value for c in balance[1]].index("Level") + 1
    for row in range(2, balance.max_row + 1):  # each name indented by its level, as printed
        assert balance.cell(row, 3).alignment.indent == balance.cell(row, level).value
    (rule,) = income.conditional_formatting
    assert '="Total"' in rule.rules[0].formula[-1]  # Gross profit, Operating result, Profit for the period
    header = [c.value for c in balance[1]]
    assert header[:4] == ["StatementLine", "Account", "Name", "Amount"] and "PriorYearEnd" in header
    rows = {r[2]: r for r in balance.iter_rows(min_row=2, values_only=True)}
    for column in ("Amount", "PriorPeriodEnd", "PriorYearEnd"):
        j = header.index(column)
        assert rows["Total assets"][j] == rows["Total equity and liabilities"][j]
    income_header = [c.value for c in income[1]]
    last = next(income.iter_rows(min_row=income.max_row, values_only=True))
    assert last[2] == "Profit for the period" == rows["Profit for the period"][2]
    assert last[income_header.index("YearToDate")] == rows["Profit for the period"][header.index("Amount")]
    flow = book["CashFlow"]
    assert flow.oddHeader.center.text.startswith("&BContoso Trading NL — Cash-flow statement 01 Oct 2026")
    check = [r for r in flow.iter_rows(min_row=2, values_only=True) if r[2] == "Difference"]
    assert [r[3:5] for r in check] == [(0, 0)]


# --- cash-flow statement -----------------------------------------------------------------------


def test_cash_flow_of_the_worked_example_without_cash_flow_lines():
    """No CashFlowLine: the accounts of "Cash and cash equivalents" are the cash, the rest is
    working capital (equity: financing)."""
    flow, found = cash_flow.cash_flow(LEDGER, None, make_book(CHART_IFRS), FEB)
    assert found.empty
    # February: profit 1,160; receivables rose 3,000 (cash not received), payables rose 1,200 + 290
    # (cash not paid): 1,160 - 3,000 + 1,490 = -350 = the bank's 7,000 -> 6,650. Year to date:
    # profit 3,160, the same working capital: 1,650 = the bank's 5,000 -> 6,650.
    assert [tuple(r) for r in flow[["Section", "Account", "Name", "Period", "YearToDate"]].itertuples(index=False)] == [
        ("Operating", "", "Profit for the period", eur("1160"), eur("3160")),
        ("Operating", "1200", "Receivables", eur("-3000"), eur("-3000")),
        ("Operating", "2000", "Payables", eur("1490"), eur("1490")),
        ("Operating", "", "Total working capital movements", eur("-1510"), eur("-1510")),
        ("Operating", "", "Net cash from operating activities", eur("-350"), eur("1650")),
        ("Investing", "", "Net cash from investing activities", 0, 0),
        ("Financing", "", "Net cash from financing activities", 0, 0),
        ("Cash", "", "Net change in cash", eur("-350"), eur("1650")),
        ("Cash", "", "Cash at the beginning", eur("7000"), eur("5000")),
        ("Cash", "", "Cash at the end", eur("6650"), eur("6650")),
        ("Check", "", "Movement of the cash accounts", eur("-350"), eur("1650")),
        ("Check", "", "Difference", 0, 0),
    ]


def test_cash_flow_lines_put_investing_financing_and_non_cash_items_apart():
    header = [*ACCOUNTS_HEADER, "CashFlowLine"]
    chart = [
        *[[*r, "Cash" if r[0] == "1000" else ""] for r in CHART_IFRS],
        ["1500", "Equipment", "Asset", "Property, plant and equipment", "Investing"],
        ["1590", "Accumulated depreciation", "Asset", "Property, plant and equipment", "NonCash"],
        ["6500", "Depreciation", "Expense", "Administrative expenses", "Investing"],  # not read on P&L
    ]
    ledger_lines = lines(
        voucher("E-1", "2025-02-03", ("1500", "1000.00"), ("1000", "-1000.00"))
        + voucher("D-1", "2025-02-28", ("6500", "100.00"), ("1590", "-100.00"))
        + voucher("K-1", "2025-02-14", ("1000", "500.00"), ("3000", "-500.00"))
    )
    everything = pd.concat([LEDGER, ledger_lines], ignore_index=True)
    flow, found = cash_flow.cash_flow(everything, None, make_book(chart, header=header), FEB)
    assert found.empty
    period = {(r.Section, r.Name): r.Period for r in flow.itertuples(index=False)}
    # profit 1,160 - depreciation 100 = 1,060; + 100 back (non-cash); working capital -1,510:
    # operating -350; equipment bought 1,000; capital paid in 500: -350 - 1,000 + 500 = -850.
    assert period[("Operating", "Profit for the period")] == eur("1060")
    assert period[("Operating", "Accumulated depreciation")] == eur("100")
    assert period[("Operating", "Total adjustments for non-cash items")] == eur("100")
    assert period[("Operating", "Net cash from operating activities")] == eur("-350")
    assert period[("Investing", "Equipment")] == eur("-1000")
    assert period[("Financing", "Capital")] == eur("500")
    assert period[("Cash", "Net change in cash")] == period[("Check", "Movement of the cash accounts")] == eur("-850")
    assert period[("Check", "Difference")] == 0


def test_an_unbalanced_ledger_makes_the_cash_flow_difference_a_finding():
    lopsided = pd.concat(
        [LEDGER, lines(voucher("X-1", "2025-02-27", ("1000", "1.00")))], ignore_index=True
    )
    flow, found = cash_flow.cash_flow(lopsided, None, make_book(CHART_IFRS), FEB)
    assert found["Code"].tolist() == ["cash-flow-difference"]
    assert "a difference of -1.00 EUR" in found["Message"].iloc[0]
    assert flow["Period"].iloc[-1] == -100


def test_cash_flow_in_german():
    book = make_book(CHART_HGB, StatementLayout="HGB", Language="de")
    flow, _ = cash_flow.cash_flow(LEDGER, None, book, FEB)
    names = flow.set_index("Name")["Period"]
    assert names["Jahresüberschuss/Jahresfehlbetrag"] == eur("1160")
    assert names["Cashflow aus laufender Geschäftstätigkeit"] == eur("-350")
    assert names["Differenz"] == 0


def test_the_non_controlling_interest_account_is_its_own_line_of_equity():
    chart = [*CHART_IFRS, ["3980", "Minority share", "Equity", "Equity"], ["1600", "Goodwill", "Asset", ""]]
    chart[-1][3] = "Goodwill"
    book = make_book(chart, NonControllingInterestAccount="3980")
    moved = pd.concat(
        [LEDGER, lines(voucher("N-1", "2025-02-28", ("1600", "400.00"), ("3980", "-400.00")))], ignore_index=True
    )
    balance, _ = reports.statements(moved, None, book, FEB)
    nci = balance[balance["Account"] == "3980"].iloc[0]
    assert (nci["StatementLine"], nci["Line"], nci["Amount"]) == ("Non-controlling interests", "NCI", eur("400"))
    goodwill = balance[balance["Account"] == "1600"].iloc[0]
    assert (goodwill["StatementLine"], goodwill["Line"]) == ("Intangible assets", "INT")
    totals = by_name(balance, "Amount")
    assert totals["Total non-current assets"] == (eur("400"),)
    assert totals["Total equity"] == (eur("9160"),)  # 8,760.00 + 400.00
    assert totals["Total assets"] == totals["Total equity and liabilities"] == (eur("11050"),)


def test_statement_lines_that_cannot_be_followed_are_findings_and_still_show():
    rows = [
        *STATEMENT_LINES,
        ["SALES", "NET", 9, "", "Sales again", ""],
        ["X", "NOPE", "", "", "Other", ""],
        ["P", "Q", "", "", "P", ""],
        ["Q", "P", "", "", "Q", ""],
    ]
    book = make_book(CHART_CUSTOM, statement_lines=rows, StatementLayout="Custom")
    found = book.findings[book.findings["Where"] == "StatementLines"]
    assert [(r.Row, r.Column) for r in found.itertuples()] == [(11, "Line"), (12, "Parent"), (13, "Parent"),
                                                              (14, "Parent")]
    assert "'SALES' is listed twice (rows 9 and 11)" in found["Message"].iloc[0]
    assert "Parent 'NOPE' is no Line of the sheet" in found["Message"].iloc[1]
    assert set(found["Severity"]) == {"Warning"}
    _, income = reports.statements(LEDGER, None, book, FEB)
    assert by_name(income, "Period")["Net result"] == (eur("1160"),)
    empty = make_book(CHART_IFRS, StatementLayout="Custom")
    warned = empty.findings[empty.findings["Column"] == "StatementLayout"]
    assert "the statements use IFRS" in warned["Message"].iloc[0]


def test_a_page_header_with_ampersands_and_markup_is_written_as_text(sample_workbook):
    import openpyxl

    from closekit.sheetio.base import OutputSheet
    from closekit.sheetio.files import FileWorkbook

    frame = pd.DataFrame({"Name": ["x"]})
    header = "Smith & Sons <GmbH> — Bilanz zum 28.02.2025 — EUR"
    FileWorkbook(sample_workbook).write_sheets([OutputSheet("BalanceSheet", frame, header=header)])
    sheet = openpyxl.load_workbook(sample_workbook)["BalanceSheet"]
    assert sheet.oddHeader.center.text == "&B" + header.replace("&", "&&")  # bold; Excel shows && as one &
    assert sheet["A1"].value == "Name" and sheet["A2"].value == "x"


def test_a_ledger_that_begins_with_its_opening_journal_compares_with_it_and_blanks_last_year():
    """A migration: the ledger starts with the opening voucher of 1 January 2025 (no 2024 lines).
    The balance sheet at 31 December 2024 is that voucher's balances (Bank 5,000, Receivables
    1,000: total assets 6,000), never 0.00; last year's income statement is blank, not 0.00 (the
    ledger does not reach back to February 2024), and so are its variances."""
    migrated = LEDGER[LEDGER["date"] >= pd.Timestamp("2025-01-01")].reset_index(drop=True)
    balance, income = reports.statements(migrated, None, make_book(CHART_IFRS), FEB)
    totals = by_name(balance, "Amount", "PriorPeriodEnd", "PriorYearEnd", "VariancePYE")
    assert totals["Total assets"] == (eur("10650"), eur("8000"), eur("6000"), eur("4650"))
    assert totals["Total equity and liabilities"][2] == eur("6000")
    equity = balance.set_index("Name")["PriorYearEnd"]
    assert equity["Retained earnings"] == eur("600") and equity["Profit for the period"] == 0
    for column in ("PeriodLY", "VarianceLY", "YearToDateLY", "VarianceYTDLY"):
        assert income[column].isna().all(), column
    assert income["VarianceLY %"].isna().all()
    assert by_name(income, "Period")["Profit for the period"] == (eur("1160"),)


def test_a_comparison_before_the_ledger_begins_is_blank_not_zero():
    """January 2025 closed from a ledger whose first line is 15 January: neither 31 December 2024
    (no opening journal either) nor January 2024 is in it."""
    jan = context("2025-01", "2025-01-01", "2025-01-31")
    late = LEDGER[LEDGER["voucher"] == "S-2"].reset_index(drop=True)
    balance, income = reports.statements(late, None, make_book(CHART_IFRS), jan)
    assert balance["PriorPeriodEnd"].isna().all() and balance["PriorYearEnd"].isna().all()
    assert by_name(balance, "Amount")["Total assets"] == (eur("2000"),)
    assert income["PeriodLY"].isna().all()
