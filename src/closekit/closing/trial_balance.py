"""The trial balance (domain.md §8 rules 3–6): per account, optionally per dimension values, the
opening balance, the period's debits and credits, the closing balance, and the same after the
close's adjustments. Pure functions on DataFrames; every amount is int64 minor units of the
accounting currency, debit positive.

Which lines make the opening balance (§8 rule 4, [CK]):

- Lines dated before ``ctx.start`` within the fiscal year (``ctx.fiscal_year_start`` onwards).
  P&L accounts (Revenue, Expense) therefore start every fiscal year at 0.
- Lines of an opening-balance journal (:data:`OPENING_JOURNALS`, matched case-insensitively after
  trimming) dated ``ctx.fiscal_year_start``. They are before ``ctx.start`` anyway, except in the
  first period of the year: there they still count as opening, never as the period's movement
  (worked example 8.1).
- Balance-sheet accounts (and accounts not in the Accounts sheet) also take every line before the
  fiscal year, *when the year-end close has not run*: the fallback of §8 rule 4. The year counts
  as closed when the ledger holds an opening-journal line dated ``ctx.fiscal_year_start`` (the
  opening voucher of the year-end close, or an opening-balance migration): its lines already carry
  the prior years' balances forward, so adding the prior years' lines would count them twice.
  Pass ``year_closed`` to decide it yourself. While the year is not closed, the prior years' P&L
  is shown in a row of its own (:data:`PRIOR_YEARS`, see :func:`trial_balance`).

Lines dated after ``ctx.end``, without a date, an account or an accounting amount are left out
(validation reports them). Debits and credits are summed per line, never netted per voucher
(§8 rule 6). Adjustments (the close's own lines) count in ``AdjustmentDebit`` and
``AdjustmentCredit`` whatever their date, except those dated after ``ctx.end`` (a year-end opening
voucher dated the next year's first day belongs to the next year's trial balance).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from closekit.core import money
from closekit.core.steps import CloseContext
from closekit.workbook.book import CloseBook

#: Journals whose lines dated on the fiscal year's first day are opening balances, never movement.
OPENING_JOURNALS = ("OPEN", "OPENING", "OB")
#: Name of the trial balance row (and balance-sheet row) of the P&L of years not closed yet.
PRIOR_YEARS = "Retained earnings (prior years, not closed)"
#: Account types whose balances start every fiscal year at 0.
PROFIT_AND_LOSS = ("Revenue", "Expense")
AMOUNT_COLUMNS = ["Opening", "Debit", "Credit", "Closing", "AdjustmentDebit", "AdjustmentCredit", "ClosingAfter"]
_SUMS = ["opening", "debit", "credit", "adj_debit", "adj_credit", "prior_pl", "prior_pl_lines"]


def columns(dimensions: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Columns of :func:`trial_balance` (``dimensions`` when ``by_dimensions``)."""
    return ["Account", "Name", "Type", *dimensions, *AMOUNT_COLUMNS]


def opening_journal_lines(lines: pd.DataFrame, ctx: CloseContext) -> np.ndarray:
    """Per line: True for a line of an :data:`OPENING_JOURNALS` journal dated ``ctx.fiscal_year_start``."""
    first_day = (lines["date"] == ctx.fiscal_year_start).to_numpy(dtype=bool, na_value=False)
    out = np.zeros(len(lines), dtype=bool)
    if first_day.any():
        journal = lines["journal"][first_day].astype("string").fillna("").str.strip().str.upper()
        out[first_day] = journal.isin(OPENING_JOURNALS).to_numpy(dtype=bool, na_value=False)
    return out


def year_closed(lines: pd.DataFrame, ctx: CloseContext) -> bool:
    """True when the ledger has opening-journal lines on the fiscal year's first day (see module doc)."""
    return bool(opening_journal_lines(lines, ctx).any())


def account_types(book: CloseBook, column: str = "type") -> dict[str, str]:
    """Account number to its ``type`` (or another column) in the Accounts sheet."""
    accounts = book.accounts
    return dict(zip(accounts["account"].astype(str), accounts[column].fillna("").astype(str), strict=True))


def _group_numbers(keys: list[pd.Series]) -> np.ndarray:
    """0, 1, ... per distinct combination of ``keys``, numbered in order of first appearance."""
    combined = np.zeros(len(keys[0]) if keys else 0, dtype=np.int64)
    for key in keys:
        codes, distinct = pd.factorize(key, use_na_sentinel=False)
        combined = pd.factorize(combined * max(len(distinct), 1) + codes)[0]
    return combined


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").astype(object).reset_index(drop=True)


def adjustment_lines(adjustments: pd.DataFrame | None, ctx: CloseContext) -> pd.DataFrame:
    """The close's lines in one shape: canonical lines (``voucher``, ``currency``, ``amount``) or the
    steps' proposed-lines frame (``voucher_key``; currency and amount are the accounting ones)."""
    names = ["journal", "voucher", "date", "account", *ctx.dimensions, "currency", "amount", "amount_accounting"]
    if adjustments is None or len(adjustments) == 0:
        frame = pd.DataFrame({n: pd.Series([], dtype=object) for n in [*names, "text"]})
        frame["date"] = pd.Series([], dtype="datetime64[ns]")
        for n in ("amount", "amount_accounting"):
            frame[n] = pd.Series([], dtype="Int64")
        return frame
    adj = adjustments.reset_index(drop=True)

    def column(name: str, default) -> pd.Series:
        return adj[name] if name in adj else pd.Series(default, index=adj.index)

    voucher = adj["voucher"] if "voucher" in adj else column("voucher_key", "")
    return pd.DataFrame(
        {
            "journal": _text(column("journal", "")),
            "voucher": _text(voucher),
            "date": pd.to_datetime(column("date", pd.NaT)).astype("datetime64[ns]"),
            "account": _text(adj["account"]),
            **{d: _text(column(d, "")) for d in ctx.dimensions},
            "currency": _text(column("currency", ctx.accounting_currency)).replace("", ctx.accounting_currency),
            "amount": column("amount", adj["amount_accounting"]).astype("Int64"),
            "amount_accounting": adj["amount_accounting"].astype("Int64"),
            "text": _text(column("text", "")),
        }
    )


def balances(
    lines: pd.DataFrame,
    adjustments: pd.DataFrame | None,
    book: CloseBook,
    ctx: CloseContext,
    dimensions: tuple[str, ...] = (),
    *,
    closed: bool | None = None,
) -> pd.DataFrame:
    """Sums per ``account`` (and ``dimensions``): opening, debit, credit, adj_debit, adj_credit, and
    prior_pl and prior_pl_lines (Σ and count of P&L lines before the fiscal year while it is not
    closed, for the statements). Rows whose sums are all zero are kept; the caller decides."""
    closed = year_closed(lines, ctx) if closed is None else closed
    keys = ["account", *dimensions]
    date, amount = lines["date"], lines["amount_accounting"]
    keep = (amount.notna() & date.notna() & lines["account"].notna() & (date <= ctx.end)).to_numpy(dtype=bool)
    kept = lines.loc[keep, ["journal", "date", *keys]].reset_index(drop=True)
    amt = amount[keep].to_numpy(dtype=np.int64)
    when = kept["date"].to_numpy(dtype="datetime64[ns]")
    codes, accounts = pd.factorize(kept["account"])
    types = account_types(book)
    is_pl = np.asarray([types.get(str(a)) in PROFIT_AND_LOSS for a in accounts], dtype=bool)[codes]
    opening_line = opening_journal_lines(kept, ctx)
    before = when < ctx.start.to_datetime64()
    in_year = when >= ctx.fiscal_year_start.to_datetime64()
    opening = opening_line | (before & (in_year | (~is_pl & (not closed))))
    movement = ~opening_line & ~before
    prior_pl = before & ~in_year & is_pl & (not closed)
    zero = np.zeros(len(amt), dtype=np.int64)
    # The lines are summed per key first, on integer group numbers (in order of first appearance);
    # only the few sums get text keys, so a million lines are never turned into Python strings.
    key_text = [kept[k].astype("string").fillna("") for k in keys]
    group = _group_numbers(key_text)
    sums = pd.DataFrame(
        {
            "opening": np.where(opening, amt, 0),
            "debit": np.where(movement & (amt > 0), amt, 0),
            "credit": np.where(movement & (amt < 0), -amt, 0),
            "adj_debit": zero,
            "adj_credit": zero,
            "prior_pl": np.where(prior_pl, amt, 0),
            "prior_pl_lines": prior_pl.astype(np.int64),
        }
    ).groupby(group, sort=True)[_SUMS].sum()
    first = pd.Series(group).drop_duplicates().index.to_numpy()
    frame = pd.DataFrame(
        {
            **{k: _text(text.iloc[first]) for k, text in zip(keys, key_text, strict=True)},
            **{c: sums[c].to_numpy(dtype=np.int64) for c in _SUMS},
        }
    )
    adj = adjustment_lines(adjustments, ctx)
    adj = adj[(adj["date"].isna() | (adj["date"] <= ctx.end)) & adj["amount_accounting"].notna()]
    adj_amt = adj["amount_accounting"].to_numpy(dtype=np.int64)
    adj_zero = np.zeros(len(adj), dtype=np.int64)
    adj_frame = pd.DataFrame(
        {
            **{k: adj[k].to_numpy(dtype=object) for k in keys},
            "opening": adj_zero,
            "debit": adj_zero,
            "credit": adj_zero,
            "adj_debit": np.where(adj_amt > 0, adj_amt, 0),
            "adj_credit": np.where(adj_amt < 0, -adj_amt, 0),
            "prior_pl": adj_zero,
            "prior_pl_lines": adj_zero,
        }
    )
    both = pd.concat([f for f in (frame, adj_frame) if len(f)] or [frame], ignore_index=True)
    sums = both.groupby(keys, sort=False, dropna=False)[_SUMS].sum().reset_index()
    return sums.astype({c: np.int64 for c in _SUMS})


def trial_balance(
    lines: pd.DataFrame,
    adjustments: pd.DataFrame | None,
    book: CloseBook,
    ctx: CloseContext,
    *,
    by_dimensions: bool = False,
    year_closed: bool | None = None,
) -> pd.DataFrame:
    """The TrialBalance sheet (domain.md §8 rule 3): one row per account (per account and dimension
    values when ``by_dimensions``) with activity or a balance, sorted, then a ``Total`` row.

    While the fiscal year is not closed, the P&L lines of the years before it are in no account's
    opening (P&L starts the year at 0) but not yet in retained earnings either: they are shown in a
    row ``Account=""``, ``Name=PRIOR_YEARS``, ``Type="Equity"`` (per dimension values when
    ``by_dimensions``) before the Total row, so that the trial balance balances and the reader sees
    that the year-end close has not run (the "prior year not closed" flag of domain.md §8 rule 4).

    ``year_closed``: None detects it (module doc). No rows at all gives an empty frame (no Total).
    """
    dims = tuple(ctx.dimensions) if by_dimensions else ()
    sums = balances(lines, adjustments, book, ctx, dims, closed=year_closed)
    out = pd.DataFrame(
        {
            "Account": sums["account"].astype(object),
            "Name": "",
            "Type": "",
            **{d: sums[d].astype(object) for d in dims},
            "Opening": sums["opening"],
            "Debit": sums["debit"],
            "Credit": sums["credit"],
        }
    )
    out["Closing"] = out["Opening"] + out["Debit"] - out["Credit"]
    out["AdjustmentDebit"] = sums["adj_debit"]
    out["AdjustmentCredit"] = sums["adj_credit"]
    out["ClosingAfter"] = out["Closing"] + out["AdjustmentDebit"] - out["AdjustmentCredit"]
    shown = (out[["Opening", "Debit", "Credit", "AdjustmentDebit", "AdjustmentCredit"]] != 0).any(axis=1)
    out = out[shown].sort_values(["Account", *dims], kind="stable").reset_index(drop=True)
    out["Name"] = out["Account"].map(account_types(book, "name")).fillna("").astype(object)
    out["Type"] = out["Account"].map(account_types(book)).fillna("").astype(object)
    prior = sums.groupby(list(dims), sort=True)["prior_pl"].sum().reset_index() if dims else None
    if prior is None:
        prior = pd.DataFrame({"prior_pl": [int(sums["prior_pl"].sum())]})
    prior = prior[prior["prior_pl"] != 0]
    if len(prior):
        rows = pd.DataFrame(
            {
                "Account": "",
                "Name": PRIOR_YEARS,
                "Type": "Equity",
                **{d: prior[d].astype(object) for d in dims},
                **{c: prior["prior_pl"] if c in ("Opening", "Closing", "ClosingAfter") else 0 for c in AMOUNT_COLUMNS},
            }
        )
        out = pd.concat([out, rows], ignore_index=True)
    out = out.astype({c: np.int64 for c in AMOUNT_COLUMNS})[columns(dims)]
    if out.empty:
        return out
    total = {"Account": "Total", "Name": "", "Type": "", **dict.fromkeys(dims, ""), **out[AMOUNT_COLUMNS].sum()}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True).astype({c: np.int64 for c in AMOUNT_COLUMNS})


def trial_balance_checks(
    tb: pd.DataFrame, *, currency: str | None = None, lines: pd.DataFrame | None = None, end=None
) -> list[str]:
    """The failed checks of domain.md §8 rule 5 (each a blocking close error), as messages:
    Σ opening ≠ 0, Σ debit ≠ Σ credit, Σ closing ≠ 0 (and Σ closing after adjustments ≠ 0).
    Amounts are shown in ``currency`` (the accounting currency; the figure alone when not given).
    With the ledger ``lines`` (dated up to ``end``), each message names the vouchers behind it."""
    rows = tb[tb["Account"] != "Total"]
    sums = {c: int(rows[c].sum()) for c in AMOUNT_COLUMNS}

    def show(minor: int) -> str:
        return _money(minor, currency)

    failed = []
    if sums["Opening"]:
        failed.append(f"the opening balances add up to {show(sums['Opening'])}, not 0")
    if sums["Debit"] != sums["Credit"]:
        failed.append(
            f"the period's debits ({show(sums['Debit'])}) differ from its credits ({show(sums['Credit'])}) "
            f"by {show(sums['Debit'] - sums['Credit'])}"
        )
    if sums["Closing"]:
        failed.append(f"the closing balances add up to {show(sums['Closing'])}, not 0")
    if sums["ClosingAfter"] and sums["ClosingAfter"] != sums["Closing"]:
        failed.append(f"the closing balances after adjustments add up to {show(sums['ClosingAfter'])}, not 0")
    if failed and lines is not None:
        behind = unbalanced_vouchers(lines, end, currency)
        if behind:
            failed = [f"{message}; {behind}" for message in failed]
    return failed


def _money(minor: int, currency: str | None) -> str:
    """``1,234.56 EUR``; without a currency, the figure with two decimals."""
    if currency and money.is_currency(currency):
        return f"{money.display(minor, currency)} {currency}"
    return f"{Decimal(minor).scaleb(-2):,.2f}"


def unbalanced_vouchers(lines: pd.DataFrame, end=None, currency: str | None = None, most: int = 5) -> str:
    """The vouchers (per file, journal and voucher; per date where a line has none) whose
    accounting amounts do not net to zero, as ``vouchers that do not balance: A1 in adj.csv (10.00)``."""
    if lines is None or lines.empty:
        return ""
    if end is not None:
        lines = lines[lines["date"].isna() | (lines["date"] <= pd.Timestamp(end)).fillna(True)]
    voucher = lines["voucher"].astype(object).fillna("")
    dated = lines["date"].dt.strftime("%Y-%m-%d").fillna("")
    key = pd.DataFrame(
        {
            "where": lines["where"].astype(object).to_numpy(),
            "journal": lines["journal"].astype(object).fillna("").to_numpy(),
            "voucher": voucher.where(voucher != "", "(no voucher, " + dated + ")").to_numpy(),
            "amount": lines["amount_accounting"].astype("Int64").fillna(0).astype(np.int64).to_numpy(),
        }
    )
    sums = key.groupby(["where", "journal", "voucher"], sort=False)["amount"].sum()
    off = sums[sums != 0]
    if off.empty:
        return ""
    shown = [f"{v} in {where} ({_money(int(diff), currency)})" for (where, _, v), diff in off.head(most).items()]
    more = f" and {len(off) - most} more" if len(off) > most else ""
    label = "voucher that does not" if len(off) == 1 else "vouchers that do not"
    return f"the {label} balance: " + ", ".join(shown) + more
