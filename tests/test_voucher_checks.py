"""Issue 15, items 3 and 4: vouchers balance per date, a voucher number names one voucher, and a
journal that is already posted is read once (docs/findings.md, docs/close.md)."""

from __future__ import annotations

import pandas as pd

import closekit
from closekit.core.periods import fiscal_years


def hits(result, code):
    rows = result.findings[result.findings["Code"] == code]
    return rows.to_dict("records")


def where_row_column(result, code):
    return [(h["Where"], h["Row"], h["Column"], h["Voucher"], h["Severity"]) for h in hits(result, code)]


def line(voucher, number, date, account, debit="", credit="", journal="GEN", text="x"):
    return [journal, voucher, number, date, account, "", "", "EUR", debit, credit, text]


# -- 3. balance per date ------------------------------------------------------------------------


def test_a_voucher_balanced_overall_but_not_per_date_is_two_errors_naming_the_dates(make):
    """Debit 700.00 on 31 March, credit 700.00 on 1 April, one voucher: hledger, beancount and D365
    reject it; closekit names the voucher, both dates and points at both lines."""
    path = make.journal(
        [line("V7", 1, "2026-03-31", "6400", "700.00"), line("V7", 2, "2026-04-01", "2900", "", "700.00")]
    )
    result = closekit.validate(make.workbook(), sources=[path])
    assert not result.ok
    assert where_row_column(result, "unbalanced-voucher") == [
        (str(path), 2, "Debit", "V7", "Error"),
        (str(path), 3, "Credit", "V7", "Error"),
    ]
    message = hits(result, "unbalanced-voucher")[0]["Message"]
    assert "voucher V7 balances overall but not per date" in message
    assert "on 2026-03-31 a net debit of 700.00 (row 2)" in message
    assert "on 2026-04-01 a net credit of 700.00 (row 3)" in message
    assert "2026-03 a net debit of 700.00, 2026-04 a net credit of 700.00" in message  # per period
    assert hits(result, "voucher-number-reused") == []


def test_dates_in_one_period_are_named_without_periods(make):
    path = make.journal(
        [line("V8", 1, "2026-10-05", "6400", "50.00"), line("V8", 2, "2026-10-06", "2900", "", "50.00")]
    )
    result = closekit.validate(make.workbook(), sources=[path])
    [first, second] = hits(result, "unbalanced-voucher")
    assert (first["Row"], second["Row"]) == (2, 3)
    assert "periods" not in first["Message"]


def test_an_unreadable_date_leaves_the_per_date_check_to_bad_date(make):
    path = make.journal(
        [line("V9", 1, "2026-10-05", "6400", "50.00"), line("V9", 2, "2026-13-45", "2900", "", "50.00")]
    )
    result = closekit.validate(make.workbook(), sources=[path])
    assert [h["Row"] for h in hits(result, "bad-date")] == [3]
    assert hits(result, "unbalanced-voucher") == []


def test_a_voucher_unbalanced_overall_is_one_finding_as_before(make):
    path = make.journal(
        [line("V1", 1, "2026-10-05", "6400", "50.00"), line("V1", 2, "2026-10-06", "2900", "", "40.00")]
    )
    result = closekit.validate(make.workbook(), sources=[path])
    [only] = hits(result, "unbalanced-voucher")
    assert "difference 10.00" in only["Message"]


# -- 3. a voucher number reused -----------------------------------------------------------------


def test_a_voucher_number_reused_35_days_later_names_both_occurrences(make):
    march = make.journal(
        [line("4711", 1, "2026-03-02", "6400", "700.00"), line("4711", 2, "2026-03-02", "2900", "", "700.00")],
        name="gl_march.csv",
    )
    april = make.journal(
        [line("4711", 1, "2026-04-06", "6400", "250.00"), line("4711", 2, "2026-04-06", "2000", "", "250.00")],
        name="gl_april.csv",
    )
    result = closekit.validate(make.workbook(), sources=[march, april])
    assert result.ok  # each voucher balances: the figures are right, the number is ambiguous
    assert where_row_column(result, "voucher-number-reused") == [(str(april), 2, "Voucher", "4711", "Warning")]
    message = hits(result, "voucher-number-reused")[0]["Message"]
    assert f"{march} rows 2-3, dated 2026-03-02, lines 1, 2" in message
    assert f"with other dates, {april} rows 2-3, dated 2026-04-06, lines 1, 2" in message


def test_a_reused_number_whose_halves_do_not_balance_is_an_error(make):
    """Same date, same line numbers, other lines: the voucher's total nets to zero only because the
    two vouchers' differences cancel."""
    rows = [
        line("4712", 1, "2026-10-02", "6400", "700.00"),
        line("4712", 2, "2026-10-02", "2900", "", "600.00"),
        line("4712", 1, "2026-10-02", "6200", "250.00"),
        line("4712", 2, "2026-10-02", "2900", "", "350.00"),
    ]
    result = closekit.validate(make.workbook(), sources=[make.journal(rows)])
    assert hits(result, "unbalanced-voucher") == []
    [reused] = hits(result, "voucher-number-reused")
    assert (reused["Severity"], reused["Row"]) == ("Error", 4)
    assert "with other lines" in reused["Message"]
    assert "the first does not balance (a net debit of 100.00)" in reused["Message"]
    assert "the second does not balance (a net credit of 100.00)" in reused["Message"]


def test_without_line_numbers_the_dates_tell_two_vouchers_apart(make):
    rows = [
        line("88", "", "2026-10-02", "6400", "10.00"),
        line("88", "", "2026-10-02", "2900", "", "10.00"),
        line("88", "", "2026-10-20", "6400", "20.00"),
        line("88", "", "2026-10-20", "2900", "", "20.00"),
    ]
    result = closekit.validate(make.workbook(), sources=[make.journal(rows)])
    assert [(h["Row"], h["Severity"]) for h in hits(result, "voucher-number-reused")] == [(4, "Warning")]


def test_an_exact_copy_is_a_duplicate_not_a_reused_number(make):
    rows = [line("V1", 1, "2026-10-15", "6400", "100.00"), line("V1", 2, "2026-10-15", "2900", "", "100.00")]
    result = closekit.validate(make.workbook(), sources=[make.journal([*rows, rows[0], rows[1]])])
    assert [h["Row"] for h in hits(result, "duplicate-line")] == [4, 5]
    assert hits(result, "voucher-number-reused") == []


def test_numbers_restart_each_fiscal_year(make):
    """SAP and D365 number sequences may restart per fiscal year: document 1 of 2025 and of 2026."""
    rows = [
        line("1", 1, "2025-12-30", "6400", "10.00"),
        line("1", 2, "2025-12-30", "2900", "", "10.00"),
        line("1", 1, "2026-01-02", "6200", "30.00"),
        line("1", 2, "2026-01-02", "2000", "", "30.00"),
    ]
    result = closekit.validate(make.workbook(), sources=[make.journal(rows)])
    assert hits(result, "voucher-number-reused") == []


def test_fiscal_years_are_named_by_the_year_they_end_in():
    dates = pd.Series(pd.to_datetime(["2026-03-31", "2026-04-01", "2026-12-31", None]))
    assert fiscal_years(dates, 4).tolist() == [2026, 2027, 2027, -1]
    assert fiscal_years(dates, 1).tolist() == [2026, 2026, 2026, -1]


# -- 4. journals already posted -----------------------------------------------------------------

ACCRUAL = [
    line("ACC-10", 1, "2026-10-31", "6400", "4500.00", journal="ACCR", text="audit accrual"),
    line("ACC-10", 2, "2026-10-31", "2900", "", "4500.00", journal="ACCR", text="audit accrual"),
]
OTHER = [
    line("GJ-1", 1, "2026-10-05", "6400", "100.00", journal="GL"),
    line("GJ-1", 2, "2026-10-05", "2900", "", "100.00", journal="GL"),
]


def closing(result, account):
    table = result.run.tables["trial_balance"]
    return int(table.loc[table["Account"] == account, "Closing"].sum())


def test_an_accrual_in_the_journal_and_in_the_next_gl_export_is_read_once(make):
    """The accrual was prepared as a journal source, uploaded, and is in the GL export: 4,500.00 of
    expense, not 9,000.00, and an Info saying so."""
    workbook = make.workbook()
    ledger = make.journal(OTHER + ACCRUAL, name="gl_oct.csv")
    journal = make.journal(ACCRUAL, name="accrual.csv")
    result = closekit.close(workbook, steps=["trial-balance"], sources=[ledger], journals=[journal])
    assert closing(result, "6400") == 460000  # 100.00 + 4,500.00, in cents
    assert closing(result, "2900") == -460000
    [info] = hits(result.validation, "journal-already-posted")
    assert (info["Severity"], info["Where"], info["Row"], info["Voucher"]) == ("Info", str(journal), 2, "ACC-10")
    assert f"found by its voucher number: {ledger} rows 4-5 (voucher ACC-10)" in info["Message"]
    assert result.validation.lines == 6  # every row read is counted; the posted copy is named, not read twice
    assert list(result.validation.ledger.lines["where"].astype(str)) == [str(ledger)] * 4


def test_a_voucher_renumbered_by_the_erp_is_found_by_date_account_and_amount(make):
    posted = [
        line("GJ-77", i + 1, *row[3:5], row[8], row[9], journal="GL", text="FX accrual, posted")
        for i, row in enumerate(ACCRUAL)
    ]
    ledger = make.journal(OTHER + posted, name="gl.csv")
    result = closekit.validate(make.workbook(), sources=[ledger], journals=[make.journal(ACCRUAL, name="j.csv")])
    [info] = hits(result, "journal-already-posted")
    assert "found by date, account and amount" in info["Message"] and "(voucher GJ-77)" in info["Message"]
    assert result.ledger.lines["amount_accounting"].abs().sum() == 2 * (10000 + 450000)


def test_identical_journal_vouchers_each_need_their_own_posted_voucher(make):
    second = [[r[0], "ACC-11", *r[2:]] for r in ACCRUAL]
    posted = [line("GJ-77", i + 1, *row[3:5], row[8], row[9], journal="GL") for i, row in enumerate(ACCRUAL)]
    ledger = make.journal(posted, name="gl.csv")
    result = closekit.validate(make.workbook(), sources=[ledger], journals=[make.journal(ACCRUAL + second)])
    assert [h["Voucher"] for h in hits(result, "journal-already-posted")] == ["ACC-10"]
    assert (result.ledger.lines["voucher"] == "ACC-11").sum() == 2  # still to be posted


def test_a_partly_posted_voucher_is_an_error_naming_the_missing_lines(make):
    journal_rows = [
        *ACCRUAL,
        line("ACC-10", 3, "2026-10-31", "6200", "300.00", journal="ACCR"),
        line("ACC-10", 4, "2026-10-31", "2900", "", "300.00", journal="ACCR"),
    ]
    ledger = make.journal(OTHER + ACCRUAL, name="gl.csv")
    journal = make.journal(journal_rows, name="accrual.csv")
    result = closekit.validate(make.workbook(), sources=[ledger], journals=[journal])
    [error] = hits(result, "journal-partly-posted")
    assert (error["Severity"], error["Where"], error["Row"], error["Voucher"]) == ("Error", str(journal), 4, "ACC-10")
    assert "2 of its 4 lines are in the ledger" in error["Message"]
    assert (
        "row 4 line 3: 2026-10-31 account 6200 300.00 EUR; row 5 line 4: 2026-10-31 account 2900 -300.00 EUR"
        in error["Message"]
    )
    kept = result.ledger.lines[result.ledger.lines["where"] == str(journal)]
    assert kept["row"].tolist() == [4, 5]  # the posted lines left out, the missing ones still to be posted
    assert hits(result, "journal-already-posted") == []


def test_a_journal_number_the_ledger_holds_for_other_lines_stays_in_with_a_warning(make):
    taken = [
        line("ACC-10", 1, "2026-09-03", "6400", "1.00", journal="GL"),
        line("ACC-10", 2, "2026-09-03", "2900", "", "1.00", journal="GL"),
    ]
    ledger = make.journal(OTHER + taken, name="gl.csv")
    journal = make.journal(ACCRUAL, name="accrual.csv")
    result = closekit.validate(make.workbook(), sources=[ledger], journals=[journal])
    [warning] = hits(result, "voucher-number-reused")
    assert (warning["Severity"], warning["Where"], warning["Row"]) == ("Warning", str(journal), 2)
    assert f"{ledger} rows 4-5 (voucher ACC-10), dated 2026-09-03" in warning["Message"]
    assert (result.ledger.lines["where"] == str(journal)).sum() == 2
    assert hits(result, "journal-already-posted") == []


def test_the_journal_import_sheet_is_compared_with_the_ledger_import_sheet(make):
    header = ["Voucher", "Line", "Date", "Account", "Debit", "Credit"]
    posted = [
        header,
        ["P1", 1, "2026-10-02", "6400", 10, None],
        ["P1", 2, "2026-10-02", "2900", None, 10],
        ["J1", 1, "2026-10-30", "6400", 5, None],
        ["J1", 2, "2026-10-30", "2900", None, 5],
    ]
    journal = [header, ["J1", 1, "2026-10-30", "6400", 5, None], ["J1", 2, "2026-10-30", "2900", None, 5]]
    result = closekit.validate(make.workbook(LedgerImport=posted, JournalImport=journal))
    [info] = hits(result, "journal-already-posted")
    assert (info["Where"], info["Row"], info["Column"]) == ("JournalImport", 2, "Voucher")
    assert "LedgerImport rows 4-5 (voucher J1)" in info["Message"]
    assert set(result.ledger.lines["where"].astype(str)) == {"LedgerImport"}


def test_a_journal_that_is_not_posted_yet_is_read_as_before(make):
    ledger = make.journal(OTHER, name="gl.csv")
    result = closekit.validate(make.workbook(), sources=[ledger], journals=[make.journal(ACCRUAL, name="j.csv")])
    codes = set(result.findings["Code"])
    assert not codes & {"journal-already-posted", "journal-partly-posted", "voucher-number-reused"}
    assert len(result.ledger.lines) == 4


def test_datev_belegfeld_shared_by_an_invoice_and_its_payment_is_not_a_reused_number(make):
    """In DATEV, Belegfeld 1 is the document reference the invoice and its payment both carry."""
    from test_datev import HEADER, METADATA, PERIODS, SETTINGS

    bookings = [
        '1190,00;"S";"";;;"";1200;4000;"";1510;"RE-1001";"";;"Rechnung";"SALES";""',
        '1190,00;"S";"";;;"";1100;1200;"";2010;"RE-1001";"";;"Zahlung";"";""',
    ]
    path = make.file("EXTF_Buchungsstapel.csv", "\r\n".join([METADATA, HEADER, *bookings]) + "\r\n", encoding="cp1252")
    workbook = make.workbook(Settings=SETTINGS, Periods=PERIODS, Sources=[[path.name, "ledger", "auto"]])
    result = closekit.validate(workbook)
    assert result.ok, result.findings.to_dict("records")
    assert hits(result, "voucher-number-reused") == []
    assert set(result.ledger.lines["voucher"]) == {"RE-1001"}
