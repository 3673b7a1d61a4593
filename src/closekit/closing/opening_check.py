"""Opening equals prior closing (issue 7 rule 4; domain.md §5 rule 1 and §8 rule 4).

Within a fiscal year a period's opening balance *is* the previous period's closing balance (the
trial balance sums every earlier line of the year), so the check that matters is at the year
boundary: the opening-balance lines of the fiscal year (journals ``OPEN``/``OPENING``/``OB`` dated
its first day, see :mod:`closekit.closing.trial_balance`) against the prior year's closing balances.

It runs when the ledger holds both: opening-balance lines on ``ctx.fiscal_year_start``, and the
prior fiscal year (taken to be there when the ledger has lines in that year's first month: an
export of the prior December alone would give false differences). Per account (dimensions may
legitimately be collapsed by the year-end close, so they are not compared):

- a balance-sheet account (Asset, Liability, Equity or not in the Accounts sheet) must open at its
  prior-year closing balance, computed as the trial balance computes it (that year's own opening
  lines, or every earlier line when that year was not closed either);
- a Revenue or Expense account must open at 0;
- Settings ``RetainedEarningsAccount`` must open at its own prior closing plus the prior year's
  profit or loss (and any earlier P&L not closed). Without that setting the Equity accounts are not
  compared (the profit could be anywhere in equity).

Each difference is an ``opening-mismatch`` Error naming the account, both figures and the
difference. Pure: ledger lines and the book in, findings out.
"""

from __future__ import annotations

import pandas as pd

from closekit.closing import trial_balance as tbm
from closekit.core import findings as fnd
from closekit.core import money
from closekit.core.steps import CloseContext


def check(lines: pd.DataFrame, book, ctx: CloseContext) -> pd.DataFrame:
    """``opening-mismatch`` findings for the fiscal year of ``ctx`` (module doc)."""
    opening_lines = tbm.opening_journal_lines(lines, ctx)
    start = ctx.fiscal_year_start
    prior_start = start - pd.DateOffset(years=1)
    first_month = (lines["date"] >= prior_start) & (lines["date"] < prior_start + pd.DateOffset(months=1))
    if not opening_lines.any() or not first_month.to_numpy(dtype=bool, na_value=False).any():
        return fnd.frame()
    prior = CloseContext(
        ctx.period, prior_start, start - pd.Timedelta(days=1), prior_start, ctx.accounting_currency, ctx.dimensions
    )
    sums = tbm.balances(lines, None, book, prior)
    types = tbm.account_types(book)
    closing = sums.assign(amount=sums["opening"] + sums["debit"] - sums["credit"] + sums["prior_pl"])
    is_pl = closing["account"].map(types).isin(tbm.PROFIT_AND_LOSS)
    expected = closing.loc[~is_pl].groupby("account")["amount"].sum()
    retained = book.settings.retained_earnings_account if book.settings else None
    if retained:
        expected.loc[retained] = expected.get(retained, 0) + int(closing.loc[is_pl, "amount"].sum())
    opened = lines[opening_lines]
    actual = (
        pd.DataFrame({"account": opened["account"].astype(str), "amount": opened["amount_accounting"].fillna(0)})
        .groupby("account")["amount"]
        .sum()
    )
    accounts = sorted(set(expected.index) | set(actual.index))
    ccy = ctx.accounting_currency
    found = []
    for account in accounts:
        want, have = int(expected.get(account, 0)), int(actual.get(account, 0))
        if want == have:
            continue
        if not retained and types.get(account) == "Equity":
            continue
        first = opened[opened["account"].astype(str) == account]
        where = str(first["where"].iloc[0]) if len(first) else str(opened["where"].iloc[0])
        row = int(first["row"].iloc[0]) if len(first) else None
        found.append(
            fnd.finding(
                "opening-mismatch",
                where,
                f"account {account} opens {start:%Y-%m-%d} at {money.display(have, ccy)} but closed the prior "
                f"year ({prior.end:%Y-%m-%d}) at {money.display(want, ccy)}"
                + (" (with the prior year's profit or loss)" if account == retained else "")
                + f": difference {money.display(have - want, ccy)} {ccy}",
                row=row,
                column="Amount",
                voucher=str(first["voucher"].iloc[0]) if len(first) else "",
            )
        )
    return fnd.frame(found)
