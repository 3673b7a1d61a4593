"""The balance sheet and the income statement after the close's adjustments (domain.md §8, step 9
of the close in §9). Pure functions on DataFrames; amounts int64 minor units of the accounting
currency, shown the way a reader expects them: assets, liabilities, equity and revenue positive,
expenses negative (liabilities, equity and P&L are shown as −balance).

Both are grouped by the account's ``StatementLine`` (its ``Type`` when blank), statement lines in
the order they first appear in the Accounts sheet, accounts within a line in sheet order, then a
``Total <line>`` row (``Account`` empty). Accounts whose amounts are all zero are left out.

The balance sheet balances before any year-end close (``Total assets`` = ``Total liabilities and
equity``):

- ``Profit for the year`` (the income statement's year to date) is a row of the equity statement
  line that holds the RetainedEarningsAccount (else the last equity statement line, else a new
  ``Equity`` line).
- P&L lines before ``ctx.fiscal_year_start`` belong in retained earnings. While the year is not
  closed (see :mod:`closekit.closing.trial_balance`) they are summed into a ``Retained earnings (prior
  years, not closed)`` row next to it; it is there whenever such lines exist.
- Accounts missing from the Accounts sheet (an error of validation) are shown under ``Accounts not
  in the Accounts sheet`` at the end of the assets, with their signed balance (debit positive), so
  that the statement still balances.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from closekit.closing import trial_balance as tbm
from closekit.core.steps import CloseContext
from closekit.workbook.book import CloseBook

BALANCE_SHEET_COLUMNS = ["StatementLine", "Account", "Name", "Amount"]
INCOME_STATEMENT_COLUMNS = ["StatementLine", "Account", "Name", "Period", "YearToDate"]
UNKNOWN_LINE = "Accounts not in the Accounts sheet"
PROFIT_FOR_THE_YEAR = "Profit for the year"
PRIOR_YEARS = tbm.PRIOR_YEARS
_LAST = float(np.iinfo(np.int32).max)


def _empty(names: list[str], amounts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({n: pd.Series([], dtype=np.int64 if n in amounts else object) for n in names})


def _chart(book: CloseBook) -> pd.DataFrame:
    """Per account of the Accounts sheet: type, name, statement line and the sort positions."""
    accounts = book.accounts.reset_index(drop=True)
    label = accounts["statement_line"].fillna("").astype(str).str.strip()
    chart = pd.DataFrame(
        {
            "account": accounts["account"].astype(str),
            "type": accounts["type"].astype(str),
            "name": accounts["name"].fillna("").astype(str),
            "StatementLine": label.where(label != "", accounts["type"].astype(str)),
            "account_order": np.arange(len(accounts), dtype=float),
        }
    )
    chart["line_order"] = chart.groupby("StatementLine", sort=False)["account_order"].transform("min")
    return chart


def _with_subtotals(rows: pd.DataFrame, amounts: list[str]) -> pd.DataFrame:
    """Rows sorted by statement line then account, each line followed by its ``Total <line>`` row."""
    if rows.empty:
        return rows
    totals = rows.groupby(["line_order", "StatementLine"], sort=False)[amounts].sum().reset_index()
    totals["Account"] = ""
    totals["Name"] = "Total " + totals["StatementLine"]
    totals["account_order"] = np.inf
    out = pd.concat([rows, totals], ignore_index=True)
    return out.sort_values(["line_order", "account_order", "Account"], kind="stable").reset_index(drop=True)


def _total(name: str, values: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame([{"StatementLine": "", "Account": "", "Name": name, **values}])


def statements(
    lines: pd.DataFrame,
    adjustments: pd.DataFrame | None,
    book: CloseBook,
    ctx: CloseContext,
    *,
    year_closed: bool | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(BalanceSheet, IncomeStatement) at ``ctx.end``, after adjustments (module doc).

    IncomeStatement: ``Period`` = the period's movement (``ctx.start``..``ctx.end``, as the trial
    balance's Debit − Credit plus adjustments), ``YearToDate`` = ``ctx.fiscal_year_start``..``ctx.end``,
    then ``Profit for the period``. BalanceSheet: Assets, ``Total assets``, liabilities and equity,
    ``Total liabilities and equity``. The totals rows carry their label in ``Name``. No balances
    at all gives two empty frames.
    """
    sums = tbm.balances(lines, adjustments, book, ctx, closed=year_closed)
    closing = sums["opening"] + sums["debit"] - sums["credit"] + sums["adj_debit"] - sums["adj_credit"]
    movement = sums["debit"] - sums["credit"] + sums["adj_debit"] - sums["adj_credit"]
    has_prior = int(sums["prior_pl_lines"].sum()) > 0
    active = (sums[["opening", "debit", "credit", "adj_debit", "adj_credit"]] != 0).any(axis=1)
    if not active.any() and not has_prior:
        return _empty(BALANCE_SHEET_COLUMNS, ["Amount"]), _empty(INCOME_STATEMENT_COLUMNS, ["Period", "YearToDate"])
    chart = _chart(book)
    frame = pd.DataFrame({"account": sums["account"].astype(str), "closing": closing, "movement": movement})
    frame = frame.merge(chart, on="account", how="left")
    unknown = frame["type"].isna()
    frame.loc[unknown, ["type", "name", "StatementLine"]] = ["", "", UNKNOWN_LINE]
    frame.loc[unknown, ["account_order", "line_order"]] = _LAST
    frame = frame.rename(columns={"account": "Account", "name": "Name"})
    is_pl = frame["type"].isin(tbm.PROFIT_AND_LOSS)

    pl = frame[is_pl].assign(Period=-frame["movement"], YearToDate=-frame["closing"])
    pl = pl[(pl["Period"] != 0) | (pl["YearToDate"] != 0)]
    income = _with_subtotals(pl, ["Period", "YearToDate"])
    profit_period, profit_ytd = int(pl["Period"].sum()), int(pl["YearToDate"].sum())
    income = pd.concat(
        [
            income[INCOME_STATEMENT_COLUMNS] if len(income) else None,
            _total("Profit for the period", {"Period": profit_period, "YearToDate": profit_ytd}),
        ]
    )

    bs = frame[~is_pl]
    assets_side = bs["type"].isin(["Asset", ""])
    amount = bs["closing"].where(assets_side, -bs["closing"])
    bs = bs.assign(Amount=amount, assets=assets_side)
    bs = bs[bs["Amount"] != 0]
    host_order, host_line = _equity_host(book, chart)
    extra = [{"Name": PROFIT_FOR_THE_YEAR, "Amount": profit_ytd, "account_order": _LAST + 2}]
    if has_prior:
        extra.insert(0, {"Name": PRIOR_YEARS, "Amount": -int(sums["prior_pl"].sum()), "account_order": _LAST + 1})
    extra_rows = pd.DataFrame(extra).assign(Account="", StatementLine=host_line, line_order=host_order, assets=False)
    assets = _with_subtotals(bs[bs["assets"]], ["Amount"])
    others = _with_subtotals(pd.concat([bs[~bs["assets"]], extra_rows], ignore_index=True), ["Amount"])
    total_assets = int(bs.loc[bs["assets"], "Amount"].sum())
    total_others = int(bs.loc[~bs["assets"], "Amount"].sum()) + int(extra_rows["Amount"].sum())
    balance = pd.concat(
        [
            assets[BALANCE_SHEET_COLUMNS] if len(assets) else None,
            _total("Total assets", {"Amount": total_assets}),
            others[BALANCE_SHEET_COLUMNS],
            _total("Total liabilities and equity", {"Amount": total_others}),
        ],
        ignore_index=True,
    )
    return (
        balance.astype({"Amount": np.int64}).reset_index(drop=True),
        income.astype({"Period": np.int64, "YearToDate": np.int64}).reset_index(drop=True),
    )


def _equity_host(book: CloseBook, chart: pd.DataFrame) -> tuple[float, str]:
    """The statement line that takes the profit rows: the retained earnings account's, else the last
    equity line of the Accounts sheet, else a new ``Equity`` line after all others."""
    equity = chart[chart["type"] == "Equity"]
    settings = book.settings
    retained = settings.retained_earnings_account if settings else None
    host = equity[equity["account"] == str(retained)] if retained else equity.iloc[:0]
    if host.empty:
        host = equity.sort_values("line_order").tail(1)
    if host.empty:
        return _LAST - 1, "Equity"
    return float(host["line_order"].iloc[0]), str(host["StatementLine"].iloc[0])
