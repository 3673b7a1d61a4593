"""The year-end close (domain.md §5): profit and loss into retained earnings, and the next fiscal
year's opening balances. Pure: ledger lines and the book in, proposed lines and findings out.

**When it runs.** ``--steps year-end`` in the last period of the fiscal year (``ctx.end`` is the
year's last day). That period must be **Open or On hold** (§5 rule 7: best practice puts the closed
year on hold before the close; a Permanently closed year could never take the adjustments of a
rerun, so it is refused). The first period of the next fiscal year must exist in Periods (§4 rule
2) and be Open, since the opening voucher posts there. Anything else is a ``year-end-blocked``
Error and nothing is proposed; so is a ledger whose balances do not add up to zero (an unbalanced
voucher: the opening voucher would not balance, and closekit never plugs).

**The opening voucher** (§5 rules 1–3), journal ``OPENING``, dated the next fiscal year's first day
(so :mod:`closekit.closing.trial_balance` reads it as the next year's opening balance, never as movement):

- every balance-sheet account (Asset, Liability, Equity, and accounts missing from the Accounts
  sheet) carries its closing balance forward, with its dimensions (Settings
  ``YearEndBalanceDimensions`` = ``Keep``, the default; ``Collapse`` = one line per account with
  blank dimensions). *All* balance-sheet accounts are carried: once the ledger holds an opening
  voucher the trial balance stops adding the prior years' lines (its year-closed rule), so an
  account left out would start the next year at zero;
- the Revenue and Expense balances go to ``RetainedEarningsAccount``, one line per combination of
  their dimension values (``YearEndDimensions`` = ``Keep``, domain "Close all") or one line with
  blank dimensions (``Collapse``, domain "Close single, blank"); a combination whose profit is 0
  gets no line; a retained earnings line with the same dimensions as the carried balance of the
  retained earnings account is one line (§5 edge cases);
- the balances are those of the ledger up to ``ctx.end`` *after* the close's earlier steps
  (revaluation, allocation...), including any prior years' P&L not closed yet (it belongs in
  retained earnings too).

**Open items keep their identity** (§2 rule 10, "Keep detail during year-end close"): on a
balance-sheet account with Settle = Yes, each line the settlement leaves open at the year end
(:func:`closekit.closing.settlement.open_lines`, every SettleMatch pass) opens on a line of its
own, its text naming the item's voucher, date and text; whatever else the key's balance holds
(lines before the year, the net of settled lines, revaluation lines) opens on one more line
(:func:`_with_items`). The OpeningBalances sheet stays one row per key.

Balance-sheet lines are carried **per transaction currency** (§5 rule 10), so that revaluation
keeps working next year: the 1110 Bank USD balance opens as USD 100,000.00 with its accounting
value, not as a euro amount. An account that holds accounting-currency lines and foreign lines
(payables with domestic and GBP suppliers) opens with one line per currency: the GBP balance at
its (revalued) accounting value, and the domestic EUR balance on its own EUR line, never folded
into the GBP line (which would give it an implied rate far from any GBP rate). closekit's own
revaluation lines belong to the currency their voucher names (:func:`_amounts`), as revaluation
reads them. P&L goes to retained earnings in the accounting currency.

**The closing voucher** (optional, ``YearEndClosingVoucher`` = Yes; §5 rule 1, example 5.1 (c)),
journal ``CLOSING``, dated the year's last day: the mirror image of every balance, bringing all
accounts to zero. It posts in the last period, which must then be Open.

**Reruns** (§5 rule 5). The Adjustments sheet is replaced on every run, so closekit's own earlier
proposal never counts twice. Once an earlier opening voucher was posted in the ERP, the ledger
export holds it (``OPENING``/``OPEN``/``OB`` lines on the next year's first day); then:

- ``YearEndRerun`` = ``Adjust`` (default, domain "Delete existing = No"): one voucher with only
  the change since that voucher (target − already posted, per account and dimensions);
- ``Replace`` (domain "Yes"): a voucher reversing every posted opening line, then the full new
  opening voucher. closekit cannot delete what the ERP posted; the reversal is its equivalent.

The same holds for an earlier closing voucher (``CLOSING`` lines on the year's last day).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from closekit.closing import revaluation, settlement
from closekit.closing import trial_balance as tbm
from closekit.core import findings as fnd
from closekit.core import money
from closekit.core.periods import ON_HOLD, OPEN
from closekit.core.steps import CloseContext, StepResult, adjustment_frame

STEP = "year-end"
#: Journal of the opening voucher: one of the trial balance's opening journals.
OPENING_JOURNAL = "OPENING"
#: Journal of the optional closing voucher.
CLOSING_JOURNAL = "CLOSING"
BALANCE_SHEET_TYPES = ("Asset", "Liability", "Equity")
assert OPENING_JOURNAL in tbm.OPENING_JOURNALS


def year_end(ctx: CloseContext) -> pd.Timestamp:
    """Last day of the fiscal year that contains ``ctx.end``."""
    return next_year_start(ctx) - pd.Timedelta(days=1)


def next_year_start(ctx: CloseContext) -> pd.Timestamp:
    return ctx.fiscal_year_start + pd.DateOffset(years=1)


def _key_frame(frame: pd.DataFrame, dims: tuple[str, ...]) -> pd.DataFrame:
    """Sum ``amount`` (accounting) and ``amount_txn`` (transaction) per account, dimensions and
    currency, drop the keys where both are zero, sort."""
    keys = ["account", *dims, "currency"]
    if frame.empty:
        return pd.DataFrame(
            {
                **{k: pd.Series([], dtype=object) for k in keys},
                "amount": pd.Series([], dtype="int64"),
                "amount_txn": pd.Series([], dtype="int64"),
            }
        )
    out = frame.groupby(keys, sort=True, dropna=False)[["amount", "amount_txn"]].sum().reset_index()
    out = out[(out["amount"] != 0) | (out["amount_txn"] != 0)]
    return out.astype({"amount": "int64", "amount_txn": "int64"}).reset_index(drop=True)


def opening_target(
    balances: pd.DataFrame,
    types: dict[str, str],
    retained_earnings: str,
    dims: tuple[str, ...],
    accounting: str,
    *,
    keep_balance_dimensions: bool = True,
    keep_result_dimensions: bool = True,
) -> pd.DataFrame:
    """The opening balances of the next year (§5 rules 1–3, 10) from the closing balances
    (``account``, dimensions, ``currency``, ``amount`` in accounting and ``amount_txn`` in
    transaction minor units): balance-sheet accounts carried forward per transaction currency, P&L
    summed into ``retained_earnings`` in the accounting currency. Same columns out."""
    frame = balances[["account", *dims, "currency", "amount", "amount_txn"]].copy()
    frame["account"] = frame["account"].astype(str)
    is_pl = frame["account"].map(types).isin(tbm.PROFIT_AND_LOSS).to_numpy(dtype=bool)
    for dim in dims:
        frame[dim] = frame[dim].fillna("").astype(str)
        if not keep_balance_dimensions:
            frame.loc[~is_pl, dim] = ""
        if not keep_result_dimensions:
            frame.loc[is_pl, dim] = ""
    frame.loc[is_pl, "account"] = retained_earnings
    frame.loc[is_pl, "currency"] = accounting
    frame.loc[is_pl, "amount_txn"] = frame.loc[is_pl, "amount"]
    return _key_frame(frame, dims)


def difference(target: pd.DataFrame, existing: pd.DataFrame, dims: tuple[str, ...]) -> pd.DataFrame:
    """``target − existing`` per account, dimensions and currency, zeros dropped (the Adjust rerun,
    §5 rule 5)."""
    negated = existing.assign(amount=-existing["amount"], amount_txn=-existing["amount_txn"])
    return _key_frame(pd.concat([target, negated], ignore_index=True), dims)


def _negated(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(amount=-frame["amount"], amount_txn=-frame["amount_txn"])


def closing_balances(lines: pd.DataFrame, ctx: CloseContext) -> pd.DataFrame:
    """Per line of the year's closing balance (``account``, dimensions, ``currency``, ``amount``,
    ``amount_txn``): the lines up to ``ctx.end``; only those from the fiscal year's start when the
    year was opened by an opening voucher, else every earlier line too (the prior years' balances
    and P&L not closed yet), as :func:`closekit.closing.trial_balance.balances` reads them."""
    dims = tuple(ctx.dimensions)
    closed = tbm.year_closed(lines, ctx)
    date = lines["date"]
    keep = lines["amount_accounting"].notna() & date.notna() & lines["account"].notna() & (date <= ctx.end)
    if closed:
        keep &= date >= ctx.fiscal_year_start
    return _amounts(lines[keep.to_numpy(dtype=bool, na_value=False)], dims, ctx.accounting_currency)


def run(lines: pd.DataFrame, book, ctx: CloseContext) -> StepResult:
    """The year-end close of the fiscal year that ends with ``ctx`` (module doc)."""
    settings = book.settings
    dims = tuple(ctx.dimensions)
    accounting = ctx.accounting_currency
    blocked = _blocked(book, ctx)
    if blocked:
        return StepResult(STEP, findings=fnd.frame([blocked]))
    first_day, last_day = next_year_start(ctx), year_end(ctx)
    journal = lines["journal"].astype("string").fillna("").str.strip().str.upper()
    earlier_closing = ((journal == CLOSING_JOURNAL) & (lines["date"] == last_day)).to_numpy(dtype=bool, na_value=False)
    next_ctx = CloseContext(ctx.period, first_day, first_day, first_day, accounting, dims)
    earlier_opening = tbm.opening_journal_lines(lines, next_ctx)

    balances = closing_balances(lines[~earlier_closing], ctx)
    types = tbm.account_types(book)
    target = opening_target(
        balances,
        types,
        settings.retained_earnings_account,
        dims,
        accounting,
        keep_balance_dimensions=settings.year_end_balance_dimensions == "Keep",
        keep_result_dimensions=settings.year_end_dimensions == "Keep",
    )
    posted = _key_frame(_amounts(lines[earlier_opening], dims, accounting), dims)
    replace = settings.year_end_rerun == "Replace"
    year = f"{last_day:%Y}"
    rows: list[dict] = []
    if replace:
        text = f"Year-end close {year}: reversal of the earlier opening voucher"
        rows += _rows(_negated(posted), "reversal", OPENING_JOURNAL, first_day, dims, text)
        opening = target
    else:
        opening = difference(target, posted, dims)
    items = _open_items(lines[~earlier_closing], book, ctx, settings.year_end_balance_dimensions == "Keep")
    detailed = _with_items(opening, items, posted, dims, year)
    rows += _rows(detailed, "opening", OPENING_JOURNAL, first_day, dims, f"Year-end close {year}: opening balance")
    if settings.year_end_closing_voucher:
        closing_target = _negated(_key_frame(balances, dims))
        closing_posted = _key_frame(_amounts(lines[earlier_closing], dims, accounting), dims)
        if replace:
            text = f"Year-end close {year}: reversal of the earlier closing"
            rows += _rows(_negated(closing_posted), "closing-reversal", CLOSING_JOURNAL, last_day, dims, text)
            closing = closing_target
        else:
            closing = difference(closing_target, closing_posted, dims)
        rows += _rows(closing, "closing", CLOSING_JOURNAL, last_day, dims, f"Year-end close {year}: closing")
    table = _table(target, posted, opening, book, dims)
    proposed = adjustment_frame(rows, dims)
    if len(proposed) == 0:
        return StepResult(STEP, proposed, tables={"opening_balances": table})
    off = proposed.groupby("voucher_key", sort=False)["amount_accounting"].sum()
    if (off != 0).any():  # bad input (an unbalanced ledger), not a bug: refuse, never plug
        key = off[off != 0].index[0]
        found = fnd.finding(
            "year-end-blocked",
            "Adjustments",
            f"the year's balances (or the earlier {'closing' if 'closing' in key else 'opening'} voucher in the "
            f"ledger) do not add up to zero: the {key} voucher would be off by "
            f"{money.display(int(off[key]), accounting)} {accounting}; nothing was closed",
            column="AmountAccounting",
            fix="Correct the unbalanced vouchers the unbalanced-voucher findings list, then close the year again.",
        )
        return StepResult(STEP, findings=fnd.frame([found]), tables={"opening_balances": table})
    return StepResult(STEP, proposed, tables={"opening_balances": table})


def _amounts(lines: pd.DataFrame, dims: tuple[str, ...], accounting: str) -> pd.DataFrame:
    """Lines as ``account``, dimensions, ``currency``, ``amount`` (accounting) and ``amount_txn``
    (transaction; an accounting-currency line's is its accounting amount, an unreadable one 0).

    closekit's own revaluation lines (:func:`closekit.closing.revaluation.own_currency`) are in the
    accounting currency but belong to the balance of the currency their voucher names: they move
    there with a transaction amount of 0, so the carried line holds that currency's balance at its
    revalued accounting value. One whose key names no currency goes to the only foreign currency of
    its account and dimensions (revaluation warns when there are several; it then stays in the
    accounting currency). Every other accounting-currency line stays in the accounting currency."""
    currency = lines["currency"].astype("string").fillna(accounting).astype(object).to_numpy()
    accounting_amount = lines["amount_accounting"].fillna(0).to_numpy(dtype=np.int64)
    txn = lines["amount"].astype("Int64").fillna(0).to_numpy(dtype=np.int64)
    out = pd.DataFrame(
        {
            "account": lines["account"].astype("string").fillna("").astype(object).to_numpy(),
            **{d: lines[d].astype("string").fillna("").astype(object).to_numpy() for d in dims},
            "currency": currency,
            "amount": accounting_amount,
            "amount_txn": np.where(currency == accounting, accounting_amount, txn),
        }
    )
    own = revaluation.own_currency(lines, accounting).to_numpy(dtype=object)
    own = np.where(pd.isna(own), "", own).astype(object)
    if not (own != "").any():
        return out
    if (own == revaluation.UNKNOWN).any():
        group = ["account", *dims]
        foreign = out[out["currency"] != accounting].groupby(group, sort=False)["currency"].agg(["nunique", "first"])
        joined = out.join(foreign, on=group)
        single = (joined["nunique"] == 1).to_numpy(dtype=bool)
        own = np.where((own == revaluation.UNKNOWN) & single, joined["first"].to_numpy(dtype=object), own)
        own = np.where(own == revaluation.UNKNOWN, "", own)
    move = own != ""
    out.loc[move, "currency"] = own[move]
    out.loc[move, "amount_txn"] = 0
    return out


def _open_items(lines: pd.DataFrame, book, ctx: CloseContext, keep_dimensions: bool) -> pd.DataFrame:
    """The open items of the balance-sheet Settle accounts at the year end (§2 rule 10, "Keep
    detail during year-end close"), one row per line as :func:`_amounts` gives it, with the
    ``text`` of its opening line (voucher, date and text of the item); in (date, source order).
    closekit's own revaluation lines are left out: they stay in the summed remainder."""
    accounts = book.accounts
    kept = accounts[accounts["settle"].fillna(False).astype(bool) & accounts["type"].isin(BALANCE_SHEET_TYPES)]
    if kept.empty or lines.empty:
        return pd.DataFrame()
    open_ = settlement.open_lines(lines, kept, ctx).to_numpy(dtype=bool) & pd.isna(
        revaluation.own_currency(lines, ctx.accounting_currency)
    ).to_numpy(dtype=bool)
    picked = lines[open_]
    if picked.empty:
        return pd.DataFrame()
    picked = picked.assign(_source=pd.factorize(picked["where"].astype(str))[0])
    picked = picked.sort_values(["date", "_source", "row"], kind="stable")
    items = _amounts(picked, tuple(ctx.dimensions), ctx.accounting_currency)
    if not keep_dimensions:
        for dim in ctx.dimensions:
            items[dim] = ""
    voucher = picked["voucher"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    text = picked["text"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    dates = picked["date"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    items["text"] = [
        f"open item {v or '(no voucher)'} of {d}" + (f": {t}" if t else "")
        for v, d, t in zip(voucher, dates, text, strict=True)
    ]
    return items


def _with_items(opening: pd.DataFrame, items: pd.DataFrame, posted: pd.DataFrame, dims, year: str) -> pd.DataFrame:
    """The opening lines with each open item of a Settle account on a line of its own (§2 rule
    10): for a key (account, dimensions, currency) that this voucher opens in full (no earlier
    opening voucher holds it), its summed line becomes one line per open item, plus one line with
    the rest of the balance (settled lines of other currencies, lines before the year) when that
    is not zero. A key an earlier opening voucher holds gets the summed change (the Adjust rerun)."""
    if items.empty or opening.empty:
        return opening
    keys = ["account", *dims, "currency"]
    items = items.assign(text=f"Year-end close {year}: " + items["text"])
    full = opening.merge(posted[keys].drop_duplicates(), on=keys, how="left", indicator=True)
    full = full[full["_merge"] == "left_only"].drop(columns="_merge")
    items = items.merge(full[keys], on=keys, how="inner")  # only the keys opened in full
    if items.empty:
        return opening
    summed = items.groupby(keys, sort=False, dropna=False)[["amount", "amount_txn"]].sum().reset_index()
    rest = opening.merge(summed, on=keys, how="left", suffixes=("", "_items"))
    rest["amount"] -= rest["amount_items"].fillna(0).astype("int64")
    rest["amount_txn"] -= rest["amount_txn_items"].fillna(0).astype("int64")
    rest = rest.drop(columns=["amount_items", "amount_txn_items"])
    rest = rest[(rest["amount"] != 0) | (rest["amount_txn"] != 0)]
    out = pd.concat([rest, items[[*keys, "amount", "amount_txn", "text"]]], ignore_index=True)
    out = out.astype({"amount": "int64", "amount_txn": "int64"})
    return out.sort_values(keys, kind="stable", ignore_index=True)


def _rows(frame: pd.DataFrame, key: str, journal: str, date, dims, text: str) -> list[dict]:
    """Proposed lines of one voucher, debits first (then by account), as the worked examples list
    them; each line in its transaction currency (``currency``, ``amount``) and accounting amount;
    a ``text`` column, where it holds one, gives the line its own text (an open item's)."""
    if frame.empty:
        return []
    ordered = frame.assign(_credit=frame["amount"] < 0).sort_values(["_credit", "account", *dims], kind="stable")
    return [
        {
            "journal": journal,
            "voucher_key": key,
            "date": date,
            "account": rec["account"],
            **{d: rec[d] for d in dims},
            "amount_accounting": int(rec["amount"]),
            "text": rec["text"] if isinstance(rec.get("text"), str) and rec["text"] else text,
            "rule": STEP,
            "revalued_currency": "",
            "currency": rec["currency"],
            "amount": int(rec["amount_txn"]),
        }
        for rec in ordered.to_dict("records")
    ]


def _table(target, posted, opening, book, dims) -> pd.DataFrame:
    """The OpeningBalances sheet: per account, dimensions and transaction currency the next year's
    opening balance (accounting currency), what the ledger already holds of it, and what this run
    posts."""
    keys = ["account", *dims, "currency"]
    merged = target[[*keys, "amount"]].rename(columns={"amount": "Opening"})
    for name, frame in (("AlreadyPosted", posted), ("ThisRun", opening)):
        merged = merged.merge(frame[[*keys, "amount"]].rename(columns={"amount": name}), on=keys, how="outer")
    merged = merged.fillna({"Opening": 0, "AlreadyPosted": 0, "ThisRun": 0}).sort_values(keys, kind="stable")
    names = tbm.account_types(book, "name")
    types = tbm.account_types(book)
    return pd.DataFrame(
        {
            "Account": merged["account"].astype(object),
            "Name": merged["account"].map(names).fillna("").astype(object),
            "Type": merged["account"].map(types).fillna("").astype(object),
            **{d: merged[d].astype(object) for d in dims},
            "Currency": merged["currency"].astype(object),
            "Opening": merged["Opening"].astype("int64"),
            "AlreadyPosted": merged["AlreadyPosted"].astype("int64"),
            "ThisRun": merged["ThisRun"].astype("int64"),
        }
    ).reset_index(drop=True)


def _blocked(book, ctx: CloseContext) -> dict | None:
    """Why the year-end close cannot run, as one Error finding (module doc), or None."""
    settings = book.settings

    def blocked(message: str, fix: str, where: str = "Periods", column: str = "Period") -> dict:
        return fnd.finding("year-end-blocked", where, message, column=column, fix=fix)

    if not settings.retained_earnings_account:
        return blocked(
            "the year-end close needs Settings RetainedEarningsAccount; nothing was closed",
            "Add RetainedEarningsAccount (an Equity account of the Accounts sheet) to Settings.",
            "Settings",
            "Value",
        )
    last_day, first_day = year_end(ctx), next_year_start(ctx)
    if ctx.end != last_day:
        return blocked(
            f"the year-end close runs in the last period of the fiscal year: period {ctx.period} ends "
            f"{ctx.end:%Y-%m-%d}, the fiscal year ends {last_day:%Y-%m-%d}; nothing was closed",
            "Run it with --period set to the year's last period (or set Settings Period to it).",
        )
    _, status = book.calendar.locate(pd.Series([ctx.end, first_day]))
    if status.iloc[0] not in (OPEN, ON_HOLD):
        return blocked(
            f"the year's last period {ctx.period} is {status.iloc[0] or 'not in Periods'}; the year-end close "
            f"needs it Open or On hold (a Permanently closed year can take no rerun); nothing was closed",
            "Put the period On hold (or Open) before the year-end close.",
        )
    if status.iloc[1] == "":
        return blocked(
            f"the next fiscal year has no period holding its first day {first_day:%Y-%m-%d}, where the opening "
            f"balances post; nothing was closed",
            f"Add the next year's periods to the Periods sheet (the first starting {first_day:%Y-%m-%d}).",
        )
    return None
