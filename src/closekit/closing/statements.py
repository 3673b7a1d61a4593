"""The balance sheet and the income statement after the close's adjustments (domain.md §8, step 9
of the close in §9). Pure functions on DataFrames; amounts int64 minor units of the accounting
currency, shown the way a reader expects them: assets, liabilities, equity and revenue positive,
expenses negative (liabilities, equity and P&L are shown as −balance).

The lines and their hierarchy are the layout of Settings ``StatementLayout``
(:mod:`closekit.closing.statement_layout`: IFRS by default, HGB, or the StatementLines sheet), the
labels in Settings ``Language``. Each line shows its accounts (Accounts sheet order), then the lines
under it (their ``Order``), then its total row (``Account`` empty, ``Kind`` = ``Total``): ``Total
<line>`` for a line of accounts, the line's own label for a line of lines (``Gross profit``,
``Operating result``, ``Total assets``, ``Total equity and liabilities``). A line counts in its
parent's total as it is; ``Sign`` ``-`` shows a line (and the lines under it) with the sign
turned, e.g. expenses as positive amounts, without changing any total above it. Lines without
accounts (or whose amounts are all zero) are left out, and so are accounts whose amounts are all
zero.

The balance sheet balances before any year-end close (``Total assets`` = ``Total equity and
liabilities``), in every column:

- The income statement's top total (IFRS ``Profit for the period``, HGB
  ``Jahresüberschuss/Jahresfehlbetrag``) is, under the same name, a row of the balance sheet's
  equity: in the line of the RetainedEarningsAccount, else the layout's (IFRS retained earnings,
  HGB Jahresüberschuss), else a new ``Equity`` line.
- P&L lines before ``ctx.fiscal_year_start`` belong in retained earnings. While the year is not
  closed (see :mod:`closekit.closing.trial_balance`) they are summed into a ``Retained earnings (prior
  years, not closed)`` row next to it; it is there whenever such lines exist.
- Accounts missing from the Accounts sheet (an error of validation) are shown under ``Accounts not
  in the Accounts sheet`` at the end of the assets, with their signed balance (debit positive), so
  that the statement still balances.

Comparatives (from the ledger lines the close already has, without the close's adjustments, which
are the current period's): the balance sheet's ``PriorPeriodEnd`` (the end of the period before, as
in Flux) and ``PriorYearEnd`` (the day before the fiscal year starts); the income statement's
``PeriodLY`` and ``YearToDateLY`` (the same dates one year earlier). Each with its variance
(current − comparative) and percent of the comparative's absolute value (one decimal, half up;
blank when the comparative is zero). A comparison the ledger does not reach back to (no line
dated on or before its end) is blank, not zero; when the ledger begins with the fiscal year's
opening journal, the balance sheet at the prior year's end is that journal's balances.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from closekit.closing import statement_layout as sl
from closekit.closing import trial_balance as tbm
from closekit.closing.flux import comparison_periods
from closekit.core.steps import CloseContext
from closekit.workbook.book import CloseBook

LAYOUT_COLUMNS = ["Line", "Level", "Kind"]
BALANCE_SHEET_COMPARATIVES = [
    "PriorPeriodEnd", "Variance", "Variance %", "PriorYearEnd", "VariancePYE", "VariancePYE %",
]
INCOME_STATEMENT_COMPARATIVES = [
    "PeriodLY", "VarianceLY", "VarianceLY %", "YearToDateLY", "VarianceYTDLY", "VarianceYTDLY %",
]
BALANCE_SHEET_COLUMNS = ["StatementLine", "Account", "Name", "Amount", *LAYOUT_COLUMNS, *BALANCE_SHEET_COMPARATIVES]
INCOME_STATEMENT_COLUMNS = [
    "StatementLine", "Account", "Name", "Period", "YearToDate", *LAYOUT_COLUMNS, *INCOME_STATEMENT_COMPARATIVES,
]
UNKNOWN_LINE = "Accounts not in the Accounts sheet"
#: The name of the profit on both statements (IFRS layout, English).
PROFIT = "Profit for the period"
PROFIT_FOR_THE_YEAR = PROFIT  # the balance sheet's row used to say "for the year": one name now
PRIOR_YEARS = tbm.PRIOR_YEARS
#: Kind of a row: an account's, a total, or the profit rows of the balance sheet's equity.
TOTAL, ACCOUNT, PROFIT_ROW = "Total", "Account", "Profit"
_BS = {"Amount": "current", "PriorPeriodEnd": "prior", "PriorYearEnd": "year_end"}
_IS = {"Period": ("current", "movement"), "YearToDate": ("current", "closing"),
       "PeriodLY": ("last_year", "movement"), "YearToDateLY": ("last_year", "closing")}
_VARIANCES = {
    "Variance": ("Amount", "PriorPeriodEnd"), "VariancePYE": ("Amount", "PriorYearEnd"),
    "VarianceLY": ("Period", "PeriodLY"), "VarianceYTDLY": ("YearToDate", "YearToDateLY"),
}
_INT = {"Level"}
#: The figures of one column: per account closing and movement, the P&L before the fiscal year
#: (display sign) and whether there is any (:func:`figures_of`).
Figures = tuple[pd.DataFrame, int, bool]
#: The group balance sheet's subtotal of equity before the non-controlling interests (English, German).
OWNERS_EQUITY = (
    "Equity attributable to owners of the parent",
    "Den Anteilseignern des Mutterunternehmens zurechenbares Eigenkapital",
)
OWNERS_LINE = "~Owners"


def _empty(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {n: pd.Series([], dtype=np.int64 if n in _INT or n in _BS or n in _IS or n in _VARIANCES else object)
         for n in names}
    )


def percent(variance: int, base: int) -> Decimal | None:
    """``variance`` in percent of ``|base|``, one decimal half up; None for a zero base (never inf)."""
    if base == 0:
        return None
    return (Decimal(variance) * 100 / abs(Decimal(base))).quantize(Decimal("0.1"), ROUND_HALF_UP)


def contexts(book: CloseBook, ctx: CloseContext) -> dict[str, CloseContext]:
    """The dates of each column: the period, the period before, the prior year's end, last year."""
    month = ctx.fiscal_year_start.month
    prior_start, prior_end = comparison_periods(book, ctx)["Prior"]
    year_end = ctx.fiscal_year_start - pd.Timedelta(days=1)
    year = pd.DateOffset(years=1)

    def of(start, end) -> CloseContext:
        return CloseContext.for_period(
            ctx.period, start, end, fiscal_year_start_month=month,
            accounting_currency=ctx.accounting_currency, dimensions=ctx.dimensions,
        )

    return {
        "prior": of(prior_start, prior_end),
        "year_end": of(year_end.replace(day=1), year_end),
        "last_year": of(ctx.start - year, ctx.end - year),
    }


def figures_of(lines, adjustments, book, ctx, closed) -> Figures:
    """Per account closing and movement, the P&L before the fiscal year and whether there is any."""
    sums = tbm.balances(lines, adjustments, book, ctx, closed=closed)
    movement = sums["debit"] - sums["credit"] + sums["adj_debit"] - sums["adj_credit"]
    frame = pd.DataFrame(
        {
            "account": sums["account"].astype(str),
            "closing": (sums["opening"] + movement).astype(np.int64),
            "movement": movement.astype(np.int64),
        }
    )
    active = (sums[["opening", "debit", "credit", "adj_debit", "adj_credit"]] != 0).any(axis=1)
    has_prior = int(sums["prior_pl_lines"].sum()) > 0
    return frame[active.to_numpy()], -int(sums["prior_pl"].sum()), has_prior


def statements(
    lines: pd.DataFrame,
    adjustments: pd.DataFrame | None,
    book: CloseBook,
    ctx: CloseContext,
    *,
    year_closed: bool | None = None,
    comparatives: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(BalanceSheet, IncomeStatement) at ``ctx.end``, after adjustments (module doc).

    IncomeStatement: ``Period`` = the period's movement (``ctx.start``..``ctx.end``, as the trial
    balance's Debit − Credit plus adjustments), ``YearToDate`` = ``ctx.fiscal_year_start``..``ctx.end``.
    ``comparatives=False`` leaves the comparative columns zero (and their percent blank). No
    balances at all gives two empty frames.
    """
    figures = {"current": figures_of(lines, adjustments, book, ctx, year_closed)}
    missing: set[str] = set()
    if comparatives:
        for name, other in contexts(book, ctx).items():
            found = _comparative(lines, book, ctx, name, other)
            if found is None:
                missing.add(name)
            else:
                figures[name] = found
    balance, income = from_figures(figures, book)
    return _blank(balance, missing), _blank(income, missing)


def from_figures(figures: dict[str, Figures], book: CloseBook, *, split_equity: bool = False):
    """(BalanceSheet, IncomeStatement) of the figures of each column (:func:`figures_of`): keys
    ``current`` (``Amount``, ``Period`` from its movement, ``YearToDate`` from its closing), ``prior``
    (``PriorPeriodEnd``), ``year_end`` (``PriorYearEnd``), ``last_year`` (``PeriodLY``,
    ``YearToDateLY``); a key left out gives zeros. ``split_equity`` (the group): the equity lines
    other than the non-controlling interests add up in ``Equity attributable to owners of the
    parent`` before them (IAS 1.54(q)/(r), :data:`OWNERS_EQUITY`)."""
    if not any(len(f) or prior for f, _, prior in figures.values()):
        return _empty(BALANCE_SHEET_COLUMNS), _empty(INCOME_STATEMENT_COLUMNS)
    layout, language = sl.layout_of(book), sl.language_of(book)
    chart = _chart(book)
    accounts = pd.Index(pd.unique(pd.concat([f["account"] for f, _, _ in figures.values()])), name="account")
    frame = pd.DataFrame({"account": accounts.astype(str)}).merge(chart, on="account", how="left")
    unknown = frame["type"].isna()
    frame.loc[unknown, ["type", "name", "text"]] = ["", "", UNKNOWN_LINE]
    frame.loc[unknown, "account_order"] = float(np.iinfo(np.int32).max)
    frame = frame.sort_values(["account_order", "account"], kind="stable").reset_index(drop=True)
    for name, (f, _, _) in figures.items():
        by = f.set_index("account")
        frame[f"{name}_closing"] = frame["account"].map(by["closing"]).fillna(0).astype(np.int64)
        frame[f"{name}_movement"] = frame["account"].map(by["movement"]).fillna(0).astype(np.int64)
    for name in ("prior", "year_end", "last_year"):
        if name not in figures:
            frame[f"{name}_closing"] = np.int64(0)
            frame[f"{name}_movement"] = np.int64(0)
    frame["line"] = _lines_of(frame, layout)
    _non_controlling_line(book, frame, layout)
    owners = _split_equity(layout, frame) if split_equity else None
    is_pl = frame["type"].isin(tbm.PROFIT_AND_LOSS).to_numpy()
    assets_side = frame["type"].isin(["Asset", ""]).to_numpy()
    roots = _roots(layout, frame, is_pl, assets_side)

    pl = frame[is_pl]
    income_rows = pd.DataFrame(
        {
            "line": pl["line"], "Account": pl["account"], "Name": pl["name"],
            **{c: -pl[f"{src}_{kind}"] for c, (src, kind) in _IS.items()},
        }
    )
    income_rows = income_rows[(income_rows[list(_IS)] != 0).any(axis=1)]
    income, _ = _statement(layout, roots["income"], income_rows, list(_IS), language)

    bs = frame[~is_pl]
    sign = np.where(assets_side[~is_pl], 1, -1)
    bs_rows = pd.DataFrame(
        {
            "line": bs["line"], "Account": bs["account"], "Name": bs["name"],
            **{c: bs[f"{src}_closing"] * sign for c, src in _BS.items()},
        }
    )
    bs_rows = bs_rows[(bs_rows[list(_BS)] != 0).any(axis=1)]
    host = _equity_host(book, frame, layout, roots)
    if owners is not None and host == owners[0]:
        host = owners[1]
    profit_name = layout.nodes[roots["income"][0]].total_text(language) if roots["income"] else PROFIT
    extra = []
    if any(prior for _, _, prior in figures.values()):
        extra.append({"line": host, "Account": "", "Name": PRIOR_YEARS,
                      **{c: figures[src][1] if src in figures else 0 for c, src in _BS.items()}})
    # every P&L account's year to date: the income statement's top total (with a Custom layout of
    # several top lines on the income statement, their sum), so that the balance sheet balances
    profits = {c: _profit(frame, src) for c, src in _BS.items()}
    extra.append({"line": host, "Account": "", "Name": profit_name, **profits})
    bs_rows = pd.concat([bs_rows, pd.DataFrame(extra)], ignore_index=True)
    balance, _ = _statement(layout, roots["balance"], bs_rows, list(_BS), language)
    return finish(balance, BALANCE_SHEET_COLUMNS), finish(income, INCOME_STATEMENT_COLUMNS)


def _split_equity(layout: sl.Layout, frame: pd.DataFrame) -> tuple[str, str] | None:
    """Put the lines of equity other than the non-controlling interests' under a new line
    :data:`OWNERS_EQUITY` before them; (the equity line, the new line), None without an NCI line."""
    nci = layout.find("Non-controlling interests")
    equity = layout.nodes[nci].parent if nci else None
    if equity is None:
        return None
    node = layout.nodes[equity]
    owners = sl.Node(OWNERS_LINE, equity, layout.nodes[nci].order - 0.5, 1, *OWNERS_EQUITY)
    moved = [child for child in node.children if child.line != nci]
    node.children = [child for child in node.children if child.line == nci]
    layout.add(owners)
    for child in moved:
        child.parent = OWNERS_LINE
        owners.children.append(child)
    owners.children.sort(key=lambda n: n.order)
    frame.loc[frame["line"] == equity, "line"] = OWNERS_LINE  # accounts on the equity line itself
    return equity, OWNERS_LINE


#: The columns of each comparison, blank when the ledger does not reach back to it.
_COMPARISON_COLUMNS = {
    "prior": ["PriorPeriodEnd", "Variance", "Variance %"],
    "year_end": ["PriorYearEnd", "VariancePYE", "VariancePYE %"],
    "last_year": ["PeriodLY", "VarianceLY", "VarianceLY %", "YearToDateLY", "VarianceYTDLY", "VarianceYTDLY %"],
}


def _comparative(lines: pd.DataFrame, book: CloseBook, ctx: CloseContext, name: str, other: CloseContext):
    """The figures of one comparison, or None when the ledger holds nothing on or before its end:
    its columns are then blank, never a 0.00 that reads as "nothing happened". A ledger that
    begins with the year's opening journal (an opening-balance migration) has the balances at the
    prior year's end in that journal: the balance-sheet comparisons at that date are its amounts."""
    first = lines["date"].min() if len(lines) else pd.NaT
    if pd.notna(first) and first <= other.end:
        return figures_of(lines, None, book, other, None)
    if name == "last_year" or other.end != ctx.fiscal_year_start - pd.Timedelta(days=1):
        return None
    if not tbm.year_closed(lines, ctx):
        return None
    start = CloseContext.for_period(
        ctx.period, ctx.fiscal_year_start, ctx.fiscal_year_start, fiscal_year_start_month=ctx.fiscal_year_start.month,
        accounting_currency=ctx.accounting_currency, dimensions=ctx.dimensions,
    )
    frame, _, _ = figures_of(lines, None, book, start, True)
    frame = frame.assign(closing=frame["closing"] - frame["movement"], movement=np.int64(0))  # the opening only
    return frame, 0, False


def _blank(frame: pd.DataFrame, missing: set[str]) -> pd.DataFrame:
    """The columns of the comparisons in ``missing`` blank (amounts <NA>, percents None)."""
    for name in missing:
        for column in _COMPARISON_COLUMNS[name]:
            if column in frame:
                frame[column] = [None] * len(frame) if column.endswith("%") else pd.array([pd.NA] * len(frame), "Int64")
    return frame


def _profit(frame: pd.DataFrame, source: str) -> int:
    """The profit year to date at the end of a comparative column (display sign: −balance)."""
    pl = frame["type"].isin(tbm.PROFIT_AND_LOSS)
    return -int(frame.loc[pl, f"{source}_closing"].sum())


def _chart(book: CloseBook) -> pd.DataFrame:
    """Per account of the Accounts sheet: type, name, the StatementLine text (else the Type), order."""
    accounts = book.accounts.reset_index(drop=True)
    label = accounts["statement_line"].fillna("").astype(str).str.strip()
    return pd.DataFrame(
        {
            "account": accounts["account"].astype(str),
            "type": accounts["type"].astype(str),
            "name": accounts["name"].fillna("").astype(str),
            "text": label.where(label != "", accounts["type"].astype(str)),
            "account_order": np.arange(len(accounts), dtype=float),
        }
    )


def _lines_of(frame: pd.DataFrame, layout: sl.Layout) -> list[str]:
    """The layout line of each account; texts no line has become lines of their own (module doc of
    :mod:`closekit.closing.statement_layout`)."""
    out = []
    for text, kind in zip(frame["text"], frame["type"], strict=True):
        found = layout.find(text) if text != UNKNOWN_LINE else None
        if found is None:
            code = "~" + text
            if code not in layout.nodes:
                parent = layout.by_type.get(kind) or layout.find(kind)
                if text == UNKNOWN_LINE:
                    parent = layout.assets or None
                layout.add(sl.Node(code, parent, 1e9 + len(layout.nodes), 1, text))
            found = code
        out.append(found)
    return out


def _non_controlling_line(book: CloseBook, frame: pd.DataFrame, layout: sl.Layout) -> None:
    """A group's Settings NonControllingInterestAccount goes to the layout's line of
    non-controlling interests (IAS 1.54(q)), unless its StatementLine names a line of accounts."""
    account = book.settings.non_controlling_interest_account if book.settings else None
    target = layout.find("Non-controlling interests")
    if not account or not target:
        return
    for i in np.flatnonzero((frame["account"] == str(account)).to_numpy()):
        line = frame.at[i, "line"]
        if line.startswith("~") or layout.nodes[line].children:
            frame.at[i, "line"] = target


def _roots(layout: sl.Layout, frame: pd.DataFrame, is_pl: np.ndarray, assets_side: np.ndarray) -> dict:
    """The top lines of each statement, in order: built-in layouts name them; a Custom layout's top
    lines go where their first account goes (P&L: the income statement; else by the Type)."""
    top = {line: layout.root_of(line) for line in set(frame["line"])}
    income, assets, others = [], [], []
    for root in layout.roots():
        if root.line in (layout.assets, layout.equity_and_liabilities):
            (assets if root.line == layout.assets else others).append(root.line)
            continue
        if root.line == layout.income:
            income.append(root.line)
            continue
        mine = (frame["line"].map(top) == root.line).to_numpy()
        if not mine.any():
            continue
        first = int(np.flatnonzero(mine)[0])
        (income if is_pl[first] else assets if assets_side[first] else others).append(root.line)
    return {"income": income, "balance": assets + others}


def _equity_host(book: CloseBook, frame: pd.DataFrame, layout: sl.Layout, roots: dict) -> str:
    """The line of the profit rows: the retained earnings account's, else the layout's, else a line
    named Equity, else a new top line ``Equity`` (on the balance sheet)."""
    settings = book.settings
    retained = settings.retained_earnings_account if settings else None
    if retained:
        found = frame.loc[(frame["account"] == str(retained)) & (frame["type"] == "Equity"), "line"]
        if len(found):
            return str(found.iloc[0])
        chart = _chart(book)
        typed = chart.loc[(chart["account"] == str(retained)) & (chart["type"] == "Equity"), "text"]
        if len(typed) and layout.find(str(typed.iloc[0])):
            return str(layout.find(str(typed.iloc[0])))
    if layout.profit_host:
        return layout.profit_host
    found = layout.find("Equity") or layout.find("Eigenkapital")
    if found:
        if layout.root_of(found) not in roots["balance"]:
            roots["balance"].append(layout.root_of(found))
        return found
    layout.add(sl.Node("~Equity", None, 1e12, 1, "Equity", "Eigenkapital"))
    roots["balance"].append("~Equity")
    return "~Equity"


def _statement(
    layout: sl.Layout, roots: list[str], rows: pd.DataFrame, amounts: list[str], language: str
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The rows of one statement in layout order, and the amounts of its first top line."""
    by_line = {line: part for line, part in rows.groupby("line", sort=False)} if len(rows) else {}
    out: list[dict] = []
    first: dict[str, int] = dict.fromkeys(amounts, 0)
    for i, root in enumerate(roots):
        rendered, sums = _render(layout.nodes[root], by_line, amounts, language, 0)
        if sums is None:  # a top line shows even when it has nothing: its total is zero
            sums = dict.fromkeys(amounts, 0)
            rendered = [_row(layout.nodes[root], "", layout.nodes[root].total_text(language), sums, 0, TOTAL, language)]
        out += rendered
        if i == 0:
            first = sums
    return pd.DataFrame(out), first


def _row(node: sl.Node, account: str, name: str, sums: dict, level: int, kind: str, language: str) -> dict:
    return {"StatementLine": node.text(language), "Account": account, "Name": name, **sums,
            "Line": node.line, "Level": level, "Kind": kind}


def _render(node: sl.Node, by_line: dict, amounts: list[str], language: str, level: int, shown: int = 1):
    """The rows of ``node`` and the lines under it, and its total. Amounts add up as they are; a
    line's ``Sign`` - only turns how it (and what is under it) is shown, so totals stay right."""
    shown *= node.sign
    own = by_line.get(node.line)
    rows: list[dict] = []
    sums = dict.fromkeys(amounts, 0)
    seen = False
    if own is not None and len(own):
        seen = True
        for record in own.to_dict("records"):
            kind = ACCOUNT if record["Account"] else PROFIT_ROW
            values = {c: int(record[c]) for c in amounts}
            rows.append(_row(node, record["Account"], record["Name"], {c: v * shown for c, v in values.items()},
                             level + 1, kind, language))
            for c in amounts:
                sums[c] += values[c]
    for child in node.children:
        child_rows, child_sums = _render(child, by_line, amounts, language, level + 1, shown)
        if child_sums is None:
            continue
        seen = True
        rows += child_rows
        for c in amounts:
            sums[c] += child_sums[c]
    if not seen:
        return [], None
    rows.append(_row(node, "", node.total_text(language), {c: v * shown for c, v in sums.items()}, level, TOTAL,
                     language))
    return rows, sums


def finish(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The variance and percent columns, int64 amounts, the columns in order."""
    for variance, (current, base) in _VARIANCES.items():
        if current in frame:
            frame[variance] = (frame[current] - frame[base]).astype(np.int64)
            frame[variance + " %"] = [
                percent(int(v), int(b)) for v, b in zip(frame[variance], frame[base], strict=True)
            ]
    ints = [c for c in columns if c in _BS or c in _IS or c in _VARIANCES or c in _INT]
    return frame[columns].astype(dict.fromkeys(ints, np.int64)).reset_index(drop=True)


def indents(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """How far a statement sheet's Name is indented, row by row: by its Level (a line under its
    total, an account under its line); the cash flow's accounts one level under their section."""
    if "Name" not in frame:
        return {}
    if "Level" in frame:
        return {"Name": frame["Level"].astype("Int64").fillna(0).astype("int64").reset_index(drop=True)}
    if "Kind" in frame:
        return {"Name": (frame["Kind"] == ACCOUNT).astype("int64").reset_index(drop=True)}
    return {}


def title(book: CloseBook, ctx: CloseContext, statement: str) -> str:
    """The title block of a statement (``"balance"``, ``"income"``, ``"cash flow"``, ``"group
    balance"``, ``"group income"``): company, what it is and when, the currency, in the workbook's Language. Output
    sheets keep their header in row 1, so the writer prints it as the page header."""
    company = book.settings.company if book.settings and book.settings.company else ""
    if sl.language_of(book) == "de":
        start, end, year = (f"{d:%d.%m.%Y}" for d in (ctx.start, ctx.end, ctx.fiscal_year_start))
        period = f"{start}–{end} (Geschäftsjahr ab {year})"
        names = {
            "balance": f"Bilanz zum {end}",
            "income": f"Gewinn- und Verlustrechnung {period}",
            "cash flow": f"Kapitalflussrechnung {period}",
            "group balance": f"Konzernbilanz zum {end}",
            "group income": f"Konzern-Gewinn- und Verlustrechnung {period}",
        }
    else:
        start, end, year = (f"{d:%d %b %Y}" for d in (ctx.start, ctx.end, ctx.fiscal_year_start))
        period = f"{start} – {end} (year to date from {year})"
        names = {
            "balance": f"Balance sheet at {end}",
            "income": f"Income statement {period}",
            "cash flow": f"Cash-flow statement {period}",
            "group balance": f"Group balance sheet at {end}",
            "group income": f"Group income statement {period}",
        }
    return " — ".join(part for part in (company, names[statement], ctx.accounting_currency) if part)
