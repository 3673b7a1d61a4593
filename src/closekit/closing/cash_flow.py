"""The cash-flow statement by the indirect method (IAS 7.18(b), issue 18 item 1): the profit for
the period, then the movements of every balance-sheet account that is not cash, each with the
opposite sign (an increase in receivables is cash not received). Pure; int64 minor units.

Which part an account's movement goes to is its Accounts ``CashFlowLine``: ``Cash`` (a cash
account: its movement is the net change in cash, not a line), ``NonCash`` (adjustments for
non-cash items: accumulated depreciation, provisions), ``WorkingCapital``, ``Investing`` or
``Financing``. Blank: WorkingCapital for Asset and Liability accounts (and accounts not in the
Accounts sheet), Financing for Equity. Revenue and Expense accounts are in the profit; their
CashFlowLine is not read. When no account is ``Cash``, the accounts of the layout's cash line
(IFRS Cash and cash equivalents, HGB Kassenbestand) are the cash accounts.

Since every voucher adds up to zero, profit + the movements of the other balance-sheet accounts
(turned) = the movement of the cash accounts. The statement ends with that check: ``Movement of
the cash accounts`` and ``Difference`` (zero; else a ``cash-flow-difference`` finding).

Columns: ``Section`` (Operating, Investing, Financing, Cash, Check), ``Account``, ``Name``,
``Period`` (the period's movements) and ``YearToDate`` (the fiscal year's to ``ctx.end``), ``Kind``
(Profit, Account, Total).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from closekit.closing import statement_layout as sl
from closekit.closing import trial_balance as tbm
from closekit.core import findings as fnd
from closekit.core import money
from closekit.core.steps import CloseContext
from closekit.workbook.book import CloseBook

COLUMNS = ["Section", "Account", "Name", "Period", "YearToDate", "Kind"]
SHEET = "CashFlow"
_LABELS = {
    "NonCash": ("Total adjustments for non-cash items", "Summe zahlungsunwirksame Posten"),
    "WorkingCapital": ("Total working capital movements", "Summe Veränderung des Working Capital"),
    "Operating": ("Net cash from operating activities", "Cashflow aus laufender Geschäftstätigkeit"),
    "Investing": ("Net cash from investing activities", "Cashflow aus Investitionstätigkeit"),
    "Financing": ("Net cash from financing activities", "Cashflow aus Finanzierungstätigkeit"),
    "change": ("Net change in cash", "Zahlungswirksame Veränderung des Finanzmittelfonds"),
    "start": ("Cash at the beginning", "Finanzmittelfonds am Anfang"),
    "end": ("Cash at the end", "Finanzmittelfonds am Ende"),
    "moved": ("Movement of the cash accounts", "Veränderung der Zahlungsmittelkonten"),
    "difference": ("Difference", "Differenz"),
}


def _sums(lines, adjustments, book, ctx) -> pd.DataFrame:
    sums = tbm.balances(lines, adjustments, book, ctx)
    moved = sums["debit"] - sums["credit"] + sums["adj_debit"] - sums["adj_credit"]
    return pd.DataFrame(
        {"account": sums["account"].astype(str), "opening": sums["opening"].astype(np.int64),
         "moved": moved.astype(np.int64)}
    ).set_index("account")


def cash_flow(
    lines: pd.DataFrame, adjustments: pd.DataFrame | None, book: CloseBook, ctx: CloseContext
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(CashFlow, findings) of the period and year to date, after the close's adjustments."""
    language = sl.language_of(book)
    de = language == "de"
    period = _sums(lines, adjustments, book, ctx)
    year_ctx = CloseContext(
        ctx.period, ctx.fiscal_year_start, ctx.end, ctx.fiscal_year_start, ctx.accounting_currency, ctx.dimensions
    )
    year = _sums(lines, adjustments, book, year_ctx)
    index = period.index.union(year.index)
    if not len(index):
        return pd.DataFrame({c: pd.Series([], dtype=np.int64 if c in ("Period", "YearToDate") else object)
                             for c in COLUMNS}), fnd.frame()
    period, year = period.reindex(index, fill_value=0), year.reindex(index, fill_value=0)
    accounts = book.accounts.reset_index(drop=True)
    chart = pd.DataFrame(
        {
            "type": accounts["type"].astype(str).to_numpy(),
            "name": accounts["name"].fillna("").astype(str).to_numpy(),
            "part": accounts["cash_flow_line"].to_numpy(dtype=object)
            if "cash_flow_line" in accounts else np.full(len(accounts), None, dtype=object),
            "text": accounts["statement_line"].fillna("").astype(str).to_numpy(),
            "order": np.arange(len(accounts), dtype=float),
        },
        index=accounts["account"].astype(str),
    )
    frame = chart.reindex(index)
    frame["type"] = frame["type"].fillna("")
    frame["name"] = frame["name"].fillna("")
    frame["order"] = frame["order"].fillna(float(len(chart)))
    frame["p"], frame["y"] = -period["moved"], -year["moved"]
    frame["p_open"], frame["y_open"] = period["opening"], year["opening"]
    is_pl = frame["type"].isin(tbm.PROFIT_AND_LOSS)
    part = frame["part"].where(~is_pl, None)
    if not (part == "Cash").any():
        layout = sl.layout_of(book)
        found = frame["text"].fillna("").map(lambda t: layout.find(t) if t else None)
        part = part.where(~((found == layout.cash_line) & ~is_pl & part.isna()), "Cash")
    default = np.where(frame["type"] == "Equity", "Financing", "WorkingCapital")
    frame["part"] = part.where(part.notna(), pd.Series(default, index=frame.index)).where(~is_pl, "PL")
    frame = frame.sort_values(["order"], kind="stable")
    frame["account"] = frame.index

    def label(key: str) -> str:
        return _LABELS[key][1 if de else 0]

    rows: list[dict] = []

    def add(section, account, name, p, y, kind):
        rows.append({"Section": section, "Account": account, "Name": name, "Period": int(p), "YearToDate": int(y),
                     "Kind": kind})

    profit_p, profit_y = int(frame.loc[is_pl, "p"].sum()), int(frame.loc[is_pl, "y"].sum())
    profit_name = _profit_name(book, language, frame.loc[is_pl, "text"])
    add("Operating", "", profit_name, profit_p, profit_y, "Profit")
    totals = {}
    for key, section in (("NonCash", "Operating"), ("WorkingCapital", "Operating"),
                         ("Investing", "Investing"), ("Financing", "Financing")):
        mine = frame[(frame["part"] == key) & ((frame["p"] != 0) | (frame["y"] != 0))]
        for record in mine.to_dict("records"):
            add(section, record["account"], record["name"], record["p"], record["y"], "Account")
        totals[key] = (int(mine["p"].sum()), int(mine["y"].sum()))
        if key == "NonCash" and len(mine):
            add(section, "", label(key), *totals[key], "Total")
        if key == "WorkingCapital":
            if len(mine):
                add(section, "", label(key), *totals[key], "Total")
            op = (profit_p + totals["NonCash"][0] + totals[key][0], profit_y + totals["NonCash"][1] + totals[key][1])
            totals["Operating"] = op
            add(section, "", label("Operating"), *op, "Total")
        if key in ("Investing", "Financing"):
            add(section, "", label(key), *totals[key], "Total")
    change = tuple(totals["Operating"][i] + totals["Investing"][i] + totals["Financing"][i] for i in (0, 1))
    cash = frame[frame["part"] == "Cash"]
    moved = (-int(cash["p"].sum()), -int(cash["y"].sum()))
    opening = (int(cash["p_open"].sum()), int(cash["y_open"].sum()))
    add("Cash", "", label("change"), *change, "Total")
    add("Cash", "", label("start"), *opening, "Total")
    add("Cash", "", label("end"), opening[0] + moved[0], opening[1] + moved[1], "Total")
    add("Check", "", label("moved"), *moved, "Total")
    difference = (change[0] - moved[0], change[1] - moved[1])
    add("Check", "", label("difference"), *difference, "Total")
    found = []
    if difference != (0, 0):
        ccy = ctx.accounting_currency
        found.append(
            fnd.finding(
                "cash-flow-difference",
                SHEET,
                f"the net change in cash is {money.display(change[0], ccy)} {ccy} for the period, the cash "
                f"accounts moved {money.display(moved[0], ccy)} {ccy}: a difference of "
                f"{money.display(difference[0], ccy)} {ccy} (year to date "
                f"{money.display(difference[1], ccy)} {ccy})",
                column="Difference",
            )
        )
    out = pd.DataFrame(rows, columns=COLUMNS).astype({"Period": np.int64, "YearToDate": np.int64})
    return out, fnd.frame(found)


def _profit_name(book: CloseBook, language: str, texts: pd.Series) -> str:
    """The income statement's top total, as the statements name it (a Custom layout: the top line
    of the first P&L account's line)."""
    layout = sl.layout_of(book)
    top = layout.income
    if not top:
        found = [layout.find(t) for t in texts.fillna("") if t]
        top = next((layout.root_of(f) for f in found if f), "")
    if top:
        return layout.nodes[top].total_text(language)
    return "Periodenergebnis" if language == "de" else "Profit for the period"
