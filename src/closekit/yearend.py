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
(so :mod:`closekit.trial_balance` reads it as the next year's opening balance, never as movement):

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

Amounts are in the accounting currency only: the transaction-currency carry-forward of §5 rule 10
is not done (the runner's Adjustments carry accounting amounts).

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

from closekit import findings as fnd
from closekit import money
from closekit import trial_balance as tbm
from closekit.periods import ON_HOLD, OPEN
from closekit.steps import CloseContext, StepResult, adjustment_frame

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
    """Sum ``amount`` per account and dimensions, drop zeros, sort."""
    keys = ["account", *dims]
    if frame.empty:
        return pd.DataFrame({**{k: pd.Series([], dtype=object) for k in keys}, "amount": pd.Series([], dtype="int64")})
    out = frame.groupby(keys, sort=True, dropna=False)["amount"].sum().reset_index()
    return out[out["amount"] != 0].astype({"amount": "int64"}).reset_index(drop=True)


def opening_target(
    balances: pd.DataFrame,
    types: dict[str, str],
    retained_earnings: str,
    dims: tuple[str, ...],
    *,
    keep_balance_dimensions: bool = True,
    keep_result_dimensions: bool = True,
) -> pd.DataFrame:
    """The opening balances of the next year (§5 rules 1–3) from the closing balances
    (``account``, dimensions, ``amount`` in minor units): balance-sheet accounts carried forward,
    P&L summed into ``retained_earnings``. Returns ``account``, dimensions, ``amount``."""
    frame = balances[["account", *dims, "amount"]].copy()
    frame["account"] = frame["account"].astype(str)
    is_pl = frame["account"].map(types).isin(tbm.PROFIT_AND_LOSS).to_numpy(dtype=bool)
    for dim in dims:
        frame[dim] = frame[dim].fillna("").astype(str)
        if not keep_balance_dimensions:
            frame.loc[~is_pl, dim] = ""
        if not keep_result_dimensions:
            frame.loc[is_pl, dim] = ""
    frame.loc[is_pl, "account"] = retained_earnings
    return _key_frame(frame, dims)


def difference(target: pd.DataFrame, existing: pd.DataFrame, dims: tuple[str, ...]) -> pd.DataFrame:
    """``target − existing`` per account and dimensions, zeros dropped (the Adjust rerun, §5 rule 5)."""
    both = pd.concat([target, existing.assign(amount=-existing["amount"])], ignore_index=True)
    return _key_frame(both, dims)


def run(lines: pd.DataFrame, book, ctx: CloseContext) -> StepResult:
    """The year-end close of the fiscal year that ends with ``ctx`` (module doc)."""
    settings = book.settings
    dims = tuple(ctx.dimensions)
    blocked = _blocked(book, ctx)
    if blocked:
        return StepResult(STEP, findings=fnd.frame([blocked]))
    first_day, last_day = next_year_start(ctx), year_end(ctx)
    journal = lines["journal"].astype("string").fillna("").str.strip().str.upper()
    earlier_closing = ((journal == CLOSING_JOURNAL) & (lines["date"] == last_day)).to_numpy(dtype=bool, na_value=False)
    next_ctx = CloseContext(ctx.period, first_day, first_day, first_day, ctx.accounting_currency, dims)
    earlier_opening = tbm.opening_journal_lines(lines, next_ctx)

    sums = tbm.balances(lines[~earlier_closing], None, book, ctx, dims)
    sums["amount"] = sums["opening"] + sums["debit"] - sums["credit"] + sums["prior_pl"]
    types = tbm.account_types(book)
    target = opening_target(
        sums,
        types,
        settings.retained_earnings_account,
        dims,
        keep_balance_dimensions=settings.year_end_balance_dimensions == "Keep",
        keep_result_dimensions=settings.year_end_dimensions == "Keep",
    )
    posted = _key_frame(_amounts(lines[earlier_opening], dims), dims)
    replace = settings.year_end_rerun == "Replace"
    year = f"{last_day:%Y}"
    rows: list[dict] = []
    if replace:
        rows += _rows(
            posted.assign(amount=-posted["amount"]),
            "reversal",
            OPENING_JOURNAL,
            first_day,
            dims,
            f"Year-end close {year}: reversal of the earlier opening voucher",
        )
        opening = target
    else:
        opening = difference(target, posted, dims)
    rows += _rows(opening, "opening", OPENING_JOURNAL, first_day, dims, f"Year-end close {year}: opening balance")
    if settings.year_end_closing_voucher:
        closing_target = _key_frame(sums.assign(amount=-sums["amount"]), dims)
        closing_posted = _key_frame(_amounts(lines[earlier_closing], dims), dims)
        if replace:
            rows += _rows(
                closing_posted.assign(amount=-closing_posted["amount"]),
                "closing-reversal",
                CLOSING_JOURNAL,
                last_day,
                dims,
                f"Year-end close {year}: reversal of the earlier closing",
            )
            closing = closing_target
        else:
            closing = difference(closing_target, closing_posted, dims)
        rows += _rows(closing, "closing", CLOSING_JOURNAL, last_day, dims, f"Year-end close {year}: closing")
    table = _table(target, posted, opening, book, dims)
    proposed = adjustment_frame(rows, dims)
    off = proposed.groupby("voucher_key", sort=False)["amount_accounting"].sum()
    if (off != 0).any():  # bad input (an unbalanced ledger), not a bug: refuse, never plug
        key = off[off != 0].index[0]
        found = fnd.finding(
            "year-end-blocked",
            "Adjustments",
            f"the year's balances (or the earlier {'closing' if 'closing' in key else 'opening'} voucher in the "
            f"ledger) do not add up to zero: the {key} voucher would be off by "
            f"{money.display(int(off[key]), ctx.accounting_currency)} {ctx.accounting_currency}; nothing was closed",
            column="AmountAccounting",
            fix="Correct the unbalanced vouchers the unbalanced-voucher findings list, then close the year again.",
        )
        return StepResult(STEP, findings=fnd.frame([found]), tables={"opening_balances": table})
    return StepResult(STEP, proposed, tables={"opening_balances": table})


def _amounts(lines: pd.DataFrame, dims: tuple[str, ...]) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "account": lines["account"].astype("string").fillna("").astype(object).to_numpy(),
            **{d: lines[d].astype("string").fillna("").astype(object).to_numpy() for d in dims},
            "amount": lines["amount_accounting"].fillna(0).to_numpy(dtype=np.int64),
        }
    )
    return out


def _rows(frame: pd.DataFrame, key: str, journal: str, date, dims, text: str) -> list[dict]:
    """Proposed lines of one voucher, debits first (then by account), as the worked examples list them."""
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
            "text": text,
            "rule": STEP,
            "revalued_currency": "",
        }
        for rec in ordered.to_dict("records")
    ]


def _table(target, posted, opening, book, dims) -> pd.DataFrame:
    """The OpeningBalances sheet: per account and dimensions the next year's opening balance, what
    the ledger already holds of it, and what this run posts."""
    keys = ["account", *dims]
    merged = target.rename(columns={"amount": "Opening"})
    for name, frame in (("AlreadyPosted", posted), ("ThisRun", opening)):
        merged = merged.merge(frame.rename(columns={"amount": name}), on=keys, how="outer")
    merged = merged.fillna({"Opening": 0, "AlreadyPosted": 0, "ThisRun": 0}).sort_values(keys, kind="stable")
    names = tbm.account_types(book, "name")
    types = tbm.account_types(book)
    return pd.DataFrame(
        {
            "Account": merged["account"].astype(object),
            "Name": merged["account"].map(names).fillna("").astype(object),
            "Type": merged["account"].map(types).fillna("").astype(object),
            **{d: merged[d].astype(object) for d in dims},
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
