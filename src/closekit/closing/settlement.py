"""Ledger settlement: automatic one-debit-one-credit matching on clearing accounts (domain.md §2).

On accounts with Settle = Yes, the lines dated from the start of the fiscal year to ``ctx.end``
with a non-zero, readable accounting amount (§2 rules 5, 8) are matched: one debit with one credit
of the same absolute accounting amount on the same account; dimensions need not match (automatic
settlement with no optional criteria); no partial and no one-to-many matches (§2 rule 8).
Settlement typical balance is Debit: debits are scanned in date order and each takes the earliest
unmatched credit of its amount; ties go to the earliest date, then source order (the order in
which the files or sheets first appear, then their row) (§2 rule 9 [CK]).

Greedy matching within one (account, amount) group pairs the k-th debit with the k-th credit of
that group, both in (date, source order): that is how it is computed (``cumcount`` and a merge),
with no Python loop per line.

Settlement posts nothing and leaves balances unchanged (§2 rule 11): the result is the register
``tables["settlements"]`` (one row per settled line, the debit before its credit, numbered S1, S2,
... in the order of the debit) and ``tables["open_items"]`` (the unsettled lines of those accounts in
the window, in date and source order). Amounts are signed int64 accounting minor units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core.steps import CloseContext, StepResult, adjustment_frame

STEP = "settlement"
RULE = "auto: equal amount"


def columns(dimensions: tuple[str, ...]) -> list[str]:
    """Columns of the Settlements table (workbook.md "Output sheets"), plus where each line came from."""
    return ["SettlementId", "Account", *dimensions, "Voucher", "Date", "Amount", "Rule", "Where", "Row"]


def run(lines: pd.DataFrame, book, ctx: CloseContext) -> StepResult:
    """The settlement register and the open items of the Settle accounts for the period of ``ctx``."""
    window = _window(lines, book.accounts, ctx)
    pairs = _pairs(window)
    settled = _register(window, pairs, ctx.dimensions)
    rest = window[~window["seq"].isin(settled["seq"])]
    open_items = _table(rest, ctx.dimensions, "", "")
    tables = {"settlements": settled.drop(columns="seq"), "open_items": open_items.drop(columns="SettlementId")}
    return StepResult(STEP, adjustment_frame([], ctx.dimensions), fnd.frame(), tables)


def _window(lines: pd.DataFrame, accounts: pd.DataFrame, ctx: CloseContext) -> pd.DataFrame:
    """Lines to settle, in (date, source order), numbered ``seq`` in that order."""
    dims = list(ctx.dimensions)
    settle = accounts.loc[accounts["settle"].fillna(False).astype(bool), "account"]
    on = lines["account"].isin(settle).to_numpy(dtype=bool, na_value=False)
    sub = lines.loc[on, ["where", "row", "voucher", "date", "account", *dims, "amount_accounting"]]
    keep = (
        (sub["date"] >= ctx.fiscal_year_start).to_numpy(dtype=bool, na_value=False)
        & (sub["date"] <= ctx.end).to_numpy(dtype=bool, na_value=False)
        & (sub["amount_accounting"].fillna(0) != 0).to_numpy(dtype=bool)
    )
    sub = sub[keep]
    sub = sub.assign(
        source=pd.factorize(sub["where"].astype(str))[0],  # order of first appearance
        position=np.arange(len(sub)),
        amount=sub["amount_accounting"].astype("int64"),
    )
    sub = sub.sort_values(["date", "source", "row", "position"], kind="stable", ignore_index=True)
    return sub.assign(seq=np.arange(len(sub)), size=sub["amount"].abs())


def _pairs(window: pd.DataFrame) -> pd.DataFrame:
    """(debit seq, credit seq) of each settlement, in the order of the debit (§2 rules 8–9)."""
    group = ["account", "size"]
    debits = window.loc[window["amount"] > 0, [*group, "seq"]]
    credits = window.loc[window["amount"] < 0, [*group, "seq"]]
    debits = debits.assign(k=debits.groupby(group, sort=False).cumcount())
    credits = credits.assign(k=credits.groupby(group, sort=False).cumcount())
    pairs = debits.merge(credits, on=[*group, "k"], suffixes=("_debit", "_credit"))
    return pairs.sort_values("seq_debit", ignore_index=True)[["seq_debit", "seq_credit"]]


def _register(window: pd.DataFrame, pairs: pd.DataFrame, dimensions: tuple[str, ...]) -> pd.DataFrame:
    """One row per settled line: each debit followed by its credit."""
    number = np.arange(1, len(pairs) + 1)
    order = pd.DataFrame(
        {
            "seq": np.concatenate([pairs["seq_debit"].to_numpy(), pairs["seq_credit"].to_numpy()]),
            "number": np.concatenate([number, number]),
            "side": np.repeat([0, 1], len(pairs)),
        }
    ).sort_values(["number", "side"], ignore_index=True)
    lines = window.set_index("seq").loc[order["seq"]].reset_index()
    ids = pd.Series("S" + order["number"].astype(str), dtype=object)
    return _table(lines, dimensions, ids, RULE).assign(seq=order["seq"].to_numpy())


def _table(lines: pd.DataFrame, dimensions: tuple[str, ...], ids, rule: str) -> pd.DataFrame:
    """Settled or open lines in the columns of the Settlements sheet."""
    index = pd.RangeIndex(len(lines))

    def text(name: str) -> pd.Series:
        return pd.Series(
            lines[name].astype(object).fillna("").astype(str).to_numpy(dtype=object), index=index, dtype=object
        )

    return pd.DataFrame(
        {
            "SettlementId": ids.to_numpy() if isinstance(ids, pd.Series) else ids,
            "Account": text("account"),
            **{d: text(d) for d in dimensions},
            "Voucher": text("voucher"),
            "Date": pd.Series(lines["date"].to_numpy(dtype="datetime64[ns]"), index=index),
            "Amount": pd.Series(lines["amount"].to_numpy(dtype="int64"), index=index),
            "Rule": rule,
            "Where": text("where"),
            "Row": pd.Series(lines["row"].to_numpy(dtype="int64"), index=index),
        },
        index=index,
        columns=columns(dimensions),
    )
