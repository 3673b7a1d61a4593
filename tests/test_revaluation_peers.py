"""Revaluation against the published figures of two peers' test suites (issue 15).

- OCA ``account-closing``, branch 16.0, ``account_multicurrency_revaluation/tests/test_currency_revaluation.py``
  (``TestCurrencyRevaluation``): Odoo's wizard ``wizard.currency.revaluation``.
- frappe ``erpnext``, ``erpnext/accounts/doctype/exchange_rate_revaluation/test_exchange_rate_revaluation.py``
  (``TestExchangeRateRevaluation``): ERPNext's Exchange Rate Revaluation.

Each case takes the peer's balances and rates as a small closekit ledger and asserts the gain or loss
the peer's test asserts, to the cent. The peers' tests date everything relative to ``today()``; here
the dates are fixed ones in the same order (the run on a period's last day), the amounts and rates
are the published ones. Odoo stores a rate as units of the foreign currency per one unit of the
company currency; it is transcribed as that pair (``EUR -> USD 4.00`` for a EUR company) and closekit
takes its inverse (domain.md §0.4). Both peers revalue a receivable or payable per partner: the
``Partner`` dimension plays that part (one partner per case, as in the peers' tests).

Where the peers' method differs from closekit's (delta method, no reversal, per transaction
currency, docs/close.md "Revaluation"), the docstring says what differs and the test asserts what is
comparable: the peer's own posted line where closekit computes from the same balance, and the
carrying amount after the run where the two methods get there by different lines.
"""

from __future__ import annotations

from closefixtures import close_book, context, lines
from closekit.closing import revaluation
from closekit.core import money

D = ("Partner",)
ACCOUNTS = [
    ["1200", "Receivable", "Asset", "Yes", "Yes", "", "", "", "", ""],
    ["1100", "Bank EUR", "Asset", "Yes", "Yes", "", "", "", "", ""],
    ["8050", "Unrealized gain", "Revenue", "Yes", "No", "", "", "", "", ""],
    ["8060", "Unrealized loss", "Expense", "Yes", "No", "", "", "", "", ""],
]
PERIODS = [["2025-01", "2025-01-01", "2025-01-31", "Open"], ["2025-02", "2025-02-01", "2025-02-28", "Open"]]


def book(rates, accounting, **overrides):
    base = {
        "AccountingCurrency": accounting,
        "Period": "2025-01",
        "Dimensions": "Partner",
        "UnrealizedGainAccount": "8050",
        "UnrealizedLossAccount": "8060",
    }
    return close_book({**base, **overrides}, ACCOUNTS, rates=list(rates), periods=PERIODS)


def jan(accounting):
    return context("2025-01", "2025-01-01", "2025-01-31", accounting_currency=accounting, dimensions=D)


def feb(accounting):
    return context("2025-02", "2025-02-01", "2025-02-28", accounting_currency=accounting, dimensions=D)


def line(date, account, currency, amount, accounting_amount, partner="P1"):
    return {"date": date, "account": account, "Partner": partner, "currency": currency, "amount": amount,
            "amount_accounting": accounting_amount}  # fmt: skip


def run(rows, rev_book, ctx):
    return revaluation.run(lines(rows, dimensions=D, accounting_currency=ctx.accounting_currency), rev_book, ctx)


def table(result, accounting):
    """Adjustment lines as (account, debit, credit) with the amounts as the peers print them."""
    out = []
    for rec in result.adjustments.to_dict("records"):
        amount = int(rec["amount_accounting"])
        text = money.format_minor(abs(amount), accounting)
        out.append((rec["account"], text if amount > 0 else "", text if amount < 0 else ""))
    return out


def posted(result, accounting):
    """closekit's lines as they come back from the ERP once posted (voucher number ``REV-<period>-<currency>``)."""
    return [
        {
            "date": f"{rec['date']:%Y-%m-%d}",
            "account": rec["account"],
            "Partner": rec["Partner"],
            "currency": accounting,
            "amount": money.format_minor(int(rec["amount_accounting"]), accounting),
            "voucher": revaluation.voucher_number(f"{rec['date']:%Y-%m}", rec["voucher_key"], set()),
        }
        for rec in result.adjustments.to_dict("records")
    ]


def balance(rows, account, accounting):
    """The accounting-currency balance of ``account`` over ``rows`` (decimal strings), in minor units."""
    frame = lines(rows, dimensions=D, accounting_currency=accounting)
    return money.format_minor(int(frame.loc[frame["account"] == account, "amount_accounting"].sum()), accounting)


# --- OCA account-closing, account_multicurrency_revaluation (16.0) -------------------------------------------

# test_revaluation: company EUR; USD rates (USD per EUR) 4.00, 2.50, 1.00, 1.25 at today-30, -15, -7, -1;
# invoices of USD 100.00 at today-30 (EUR 25.00) and today-15 (EUR 40.00); runs at today-7 and today-1.
OCA_GAIN_RATES = [
    ["2025-01-05", "EUR", "USD", "4.00", "Closing"],
    ["2025-01-20", "EUR", "USD", "2.50", "Closing"],
    ["2025-01-31", "EUR", "USD", "1.00", "Closing"],
    ["2025-02-28", "EUR", "USD", "1.25", "Closing"],
]
OCA_GAIN_INVOICES = [
    line("2025-01-05", "1200", "USD", "100.00", "25.00"),
    line("2025-01-20", "1200", "USD", "100.00", "40.00"),
]


def test_oca_test_revaluation_first_run_gain_135():
    """OCA/account-closing, account_multicurrency_revaluation/tests/test_currency_revaluation.py,
    ``TestCurrencyRevaluation.test_revaluation``, first wizard execution: the receivable holds USD 200.00
    at EUR 65.00 (debit 25.00 + 40.00, asserted), revalued at 1.00 it is EUR 200.00 (asserted debit
    total 200.00): a gain of 135.00, the same line in both."""
    assert balance(OCA_GAIN_INVOICES, "1200", "EUR") == "65.00"
    result = run(OCA_GAIN_INVOICES, book(OCA_GAIN_RATES, "EUR"), jan("EUR"))
    assert result.findings.empty
    assert table(result, "EUR") == [("1200", "135.00", ""), ("8050", "", "135.00")]


def test_oca_test_revaluation_second_run_95_from_historical_and_carrying_160():
    """OCA/account-closing, account_multicurrency_revaluation/tests/test_currency_revaluation.py,
    ``TestCurrencyRevaluation.test_revaluation``, second wizard execution at 1.25: the receivable's
    debits total 295.00 (asserted), that is 65.00 + 135.00 + a second gain of 95.00.

    What differs, and why: OCA revalues the open items only (``HAVING aml.amount_residual_currency <> 0``
    in ``account.account._revaluation_query``); its own revaluation line has an amount_currency of 0, so
    the second run starts again from the invoices' EUR 65.00 (the wizard marks its moves
    ``revaluation_to_reverse``: its method is revalue-and-reverse, and the test does not post the
    reversal). closekit's delta method counts its own earlier line (by voucher number) and posts the
    loss of 40.00 the OCA test's own docstring shows ("Currency Reval 1.25 0.00 40.00"). Comparable:
    closekit on the invoices alone (the ledger after OCA's reversal) posts OCA's 95.00, and both
    methods carry USD 200.00 at EUR 160.00 (200 / 1.25)."""
    rev_book = book(OCA_GAIN_RATES, "EUR")
    as_after_reversal = run(OCA_GAIN_INVOICES, rev_book, feb("EUR"))
    assert as_after_reversal.findings.empty
    assert table(as_after_reversal, "EUR") == [("1200", "95.00", ""), ("8050", "", "95.00")]

    january = posted(run(OCA_GAIN_INVOICES, rev_book, jan("EUR")), "EUR")
    delta = run(OCA_GAIN_INVOICES + january, rev_book, feb("EUR"))
    assert delta.findings.empty
    assert table(delta, "EUR") == [("8060", "40.00", ""), ("1200", "", "40.00")]
    assert balance(OCA_GAIN_INVOICES + january + posted(delta, "EUR"), "1200", "EUR") == "160.00"
    assert balance(OCA_GAIN_INVOICES + posted(as_after_reversal, "EUR"), "1200", "EUR") == "160.00"


# test_revaluation_loss: the same with rates 1.25, 1.00, 2.50, 4.00: invoices at EUR 80.00 and 100.00.
OCA_LOSS_RATES = [
    ["2025-01-05", "EUR", "USD", "1.25", "Closing"],
    ["2025-01-20", "EUR", "USD", "1.00", "Closing"],
    ["2025-01-31", "EUR", "USD", "2.50", "Closing"],
    ["2025-02-28", "EUR", "USD", "4.00", "Closing"],
]
OCA_LOSS_INVOICES = [
    line("2025-01-05", "1200", "USD", "100.00", "80.00"),
    line("2025-01-20", "1200", "USD", "100.00", "100.00"),
]


def test_oca_test_revaluation_loss():
    """OCA/account-closing, account_multicurrency_revaluation/tests/test_currency_revaluation.py,
    ``TestCurrencyRevaluation.test_revaluation_loss``: USD 200.00 at EUR 180.00 (asserted debit);
    at 2.50 a loss of 100.00 (asserted credit 100.00); at 4.00 OCA's credits total 230.00, a second
    loss of 130.00 from the invoices' 180.00 (OCA leaves its own line out, see
    ``test_oca_test_revaluation_second_run_95_from_historical_and_carrying_160``). closekit posts the
    first 100.00, OCA's 130.00 on the invoices alone, and with its January line posted the delta of
    30.00; both carry EUR 50.00 (200 / 4)."""
    rev_book = book(OCA_LOSS_RATES, "EUR")
    assert balance(OCA_LOSS_INVOICES, "1200", "EUR") == "180.00"
    first = run(OCA_LOSS_INVOICES, rev_book, jan("EUR"))
    assert first.findings.empty
    assert table(first, "EUR") == [("8060", "100.00", ""), ("1200", "", "100.00")]

    as_after_reversal = run(OCA_LOSS_INVOICES, rev_book, feb("EUR"))
    assert table(as_after_reversal, "EUR") == [("8060", "130.00", ""), ("1200", "", "130.00")]

    delta = run(OCA_LOSS_INVOICES + posted(first, "EUR"), rev_book, feb("EUR"))
    assert delta.findings.empty
    assert table(delta, "EUR") == [("8060", "30.00", ""), ("1200", "", "30.00")]
    assert balance(OCA_LOSS_INVOICES + posted(first, "EUR") + posted(delta, "EUR"), "1200", "EUR") == "50.00"


# test_revaluation_payment: company USD; EUR rates (EUR per USD) 0.75, 1.00, 1.25 at today-90, -80, -70;
# invoice EUR 5,000.00 (5 x 1,000.00) at today-89, partial payment EUR 4,000.00 at today-79; runs at today-70.
OCA_PAYMENT_RATES = [
    ["2025-01-11", "USD", "EUR", "0.75", "Closing"],
    ["2025-01-21", "USD", "EUR", "1.00", "Closing"],
    ["2025-01-31", "USD", "EUR", "1.25", "Closing"],
]
OCA_INVOICE = [line("2025-01-12", "1200", "EUR", "5000.00", "6666.67")]
OCA_PAYMENT = [line("2025-01-22", "1200", "EUR", "-4000.00", "-4000.00")]


def test_oca_test_revaluation_payment():
    """OCA/account-closing, account_multicurrency_revaluation/tests/test_currency_revaluation.py,
    ``TestCurrencyRevaluation.test_revaluation_payment``: EUR 5,000.00 at USD 6,666.67 (5,000 / 0.75),
    revalued at 1.25: a loss of 2,666.67 (asserted credit 2,666.67). After the payment of EUR 4,000.00
    at 1.00 (USD 4,000.00) the second run's credits total 8,533.34 (asserted): 2,666.67 + 4,000.00 + a
    second loss of 1,866.67, OCA valuing EUR 1,000.00 at 800.00 against the invoice and payment alone
    (2,666.67; its own line left out, see ``test_oca_test_revaluation_second_run_...``). closekit posts
    the 2,666.67 and, on the invoice and payment alone, the 1,866.67; with its first line posted the
    delta is a gain of 800.00 (0.00 to 800.00). Both carry EUR 1,000.00 at USD 800.00."""
    rev_book = book(OCA_PAYMENT_RATES, "USD")
    first = run(OCA_INVOICE, rev_book, jan("USD"))
    assert first.findings.empty
    assert table(first, "USD") == [("8060", "2666.67", ""), ("1200", "", "2666.67")]

    as_after_reversal = run(OCA_INVOICE + OCA_PAYMENT, rev_book, jan("USD"))
    assert as_after_reversal.findings.empty
    assert table(as_after_reversal, "USD") == [("8060", "1866.67", ""), ("1200", "", "1866.67")]

    rerun = run(OCA_INVOICE + OCA_PAYMENT + posted(first, "USD"), rev_book, jan("USD"))
    assert rerun.findings.empty
    assert table(rerun, "USD") == [("1200", "800.00", ""), ("8050", "", "800.00")]
    assert balance(OCA_INVOICE + OCA_PAYMENT + posted(as_after_reversal, "USD"), "1200", "USD") == "800.00"


def test_oca_test_revaluation_bank_account():
    """OCA/account-closing, account_multicurrency_revaluation/tests/test_currency_revaluation.py,
    ``TestCurrencyRevaluation.test_revaluation_bank_account`` (``test_revaluation_reverse`` asserts the
    same figures): company USD, a EUR bank with EUR 100.00 in at 0.75 (USD 133.33), 25.00 out at 1.00
    (25.00) and 50.00 in at 1.25 (40.00): debit 173.33, credit 25.00, EUR 125.00 (asserted). Revalued
    ten days after the 1.25 rate: one line on the bank, credit 48.33 (USD 100.00 against 148.33). Same
    method here (one balance, no earlier revaluation): the same line. OCA's rate was set ten days
    before the run; ``RateMaxAgeDays`` 10 lets it hold without closekit's ``stale-rate`` Warning."""
    rates = [
        ["2025-01-01", "USD", "EUR", "0.75", "Closing"],
        ["2025-01-11", "USD", "EUR", "1.00", "Closing"],
        ["2025-01-21", "USD", "EUR", "1.25", "Closing"],
    ]
    bank = [
        line("2025-01-01", "1100", "EUR", "100.00", "133.33", partner=""),
        line("2025-01-12", "1100", "EUR", "-25.00", "-25.00", partner=""),
        line("2025-01-22", "1100", "EUR", "50.00", "40.00", partner=""),
    ]
    assert balance(bank, "1100", "USD") == "148.33"
    result = run(bank, book(rates, "USD", RateMaxAgeDays="10"), jan("USD"))
    assert result.findings.empty
    assert table(result, "USD") == [("8060", "48.33", ""), ("1100", "", "48.33")]


# --- frappe/erpnext, Exchange Rate Revaluation ----------------------------------------------------------------

# _Test Company is in INR; "_Test Receivable USD - _TC", customer "_Test Customer"; a sales invoice of
# USD 100.00 (rate=100, one item) at conversion_rate 80: INR 8,000.00.
ERPNEXT_INVOICE = [line("2025-01-30", "1200", "USD", "100.00", "8000.00", partner="_Test Customer")]


def test_erpnext_test_01_revaluation_of_forex_balance():
    """frappe/erpnext, erpnext/accounts/doctype/exchange_rate_revaluation/test_exchange_rate_revaluation.py,
    ``TestExchangeRateRevaluation.test_01_revaluation_of_forex_balance``: USD 100.00 at INR 8,000.00,
    new exchange rate 85: the receivable's balance after the journal is 8,500.00 (asserted), a gain of
    500.00. What differs: ERPNext's journal restates the whole balance (it credits the account at the
    old rate and debits it at the new one, per party: total debit 8,500.00, asserted); closekit posts
    the delta only (500.00). Comparable and asserted: the gain and the balance after."""
    rates = [["2025-01-31", "USD", "INR", "85", "Closing"]]
    result = run(ERPNEXT_INVOICE, book(rates, "INR"), jan("INR"))
    assert result.findings.empty
    assert table(result, "INR") == [("1200", "500.00", ""), ("8050", "", "500.00")]
    assert set(result.adjustments["Partner"]) == {"_Test Customer"}
    assert balance(ERPNEXT_INVOICE + posted(result, "INR"), "1200", "INR") == "8500.00"


def test_erpnext_test_02_accounts_only_with_base_currency_balance():
    """frappe/erpnext, erpnext/accounts/doctype/exchange_rate_revaluation/test_exchange_rate_revaluation.py,
    ``TestExchangeRateRevaluation.test_02_accounts_only_with_base_currency_balance``: the invoice is paid
    in full at 85 (USD 100.00, INR 8,500.00) and the automatic exchange gain/loss journal is cancelled:
    USD 0.00 and INR -500.00 left. ERPNext's zero-balance journal has two lines totalling 500.00
    (asserted), in base currency only, and leaves the account at 0 in both (asserted). closekit clears a
    key whose transaction balance is zero, without a rate: the same two lines of 500.00, the account at
    0.00. The side (a gain) is closekit's; ERPNext's test asserts the totals only."""
    payment = [line("2025-01-31", "1200", "USD", "-100.00", "-8500.00", partner="_Test Customer")]
    result = run(ERPNEXT_INVOICE + payment, book([], "INR"), jan("INR"))
    assert result.findings.empty
    assert table(result, "INR") == [("1200", "500.00", ""), ("8050", "", "500.00")]
    assert balance(ERPNEXT_INVOICE + payment + posted(result, "INR"), "1200", "INR") == "0.00"


def test_erpnext_test_03_accounts_only_with_account_currency_balance():
    """frappe/erpnext, erpnext/accounts/doctype/exchange_rate_revaluation/test_exchange_rate_revaluation.py,
    ``TestExchangeRateRevaluation.test_03_accounts_only_with_account_currency_balance``: a payment of
    USD 95.00 at 84.2105 received as INR 8,000.00 leaves USD 5.00 at INR 0.00 (asserted). ERPNext takes
    the payment's rate, 84.2105, and its zero-balance journal posts USD 5.00 against 421.05 (asserted:
    5 x 84.2105 = 421.0525, to the cent) in account-currency fields only, so the account ends at 0 in
    both currencies. What differs, and why: ERPNext treats an account whose balance is zero in one
    of its two currencies as settled and writes the other off without touching the base balance;
    closekit (IAS 21.23: a monetary item at the closing rate) keeps the USD 5.00 open and carries it at
    the rate, a gain of the same 421.05. Comparable and asserted: the figure 421.05."""
    payment = [line("2025-01-31", "1200", "USD", "-95.00", "-8000.00", partner="_Test Customer")]
    rates = [["2025-01-31", "USD", "INR", "84.2105", "Closing"]]
    assert balance(ERPNEXT_INVOICE + payment, "1200", "INR") == "0.00"
    result = run(ERPNEXT_INVOICE + payment, book(rates, "INR"), jan("INR"))
    assert result.findings.empty
    assert table(result, "INR") == [("1200", "421.05", ""), ("8050", "", "421.05")]
