"""Ledger settlement: automatic matching on clearing accounts (domain.md §2).

On accounts with Settle = Yes, the lines dated from the start of the fiscal year to ``ctx.end``
with a non-zero, readable accounting amount (§2 rules 5, 8) are matched in up to three passes,
as the account's ``SettleMatch`` asks (Accounts sheet; each value adds a pass to the one before):

1. **One-to-one** (every Settle account; the default and all that D365's automatic settlement
   does, §2 rule 8): one debit with one credit of the same absolute accounting amount on the same
   account; dimensions need not match (automatic settlement with no optional criteria); no
   partial matches. Settlement typical balance is Debit: debits are scanned in date order and each
   takes the earliest unmatched credit of its amount; ties go to the earliest date, then source
   order (the order in which the files or sheets first appear, then their row) (§2 rule 9 [CK]).
   Greedy matching within one (account, amount) group pairs the k-th debit with the k-th credit
   of that group, both in (date, source order): that is how it is computed (``cumcount`` and a
   merge), with no Python loop per line. Rule ``auto: equal amount``.
2. **Reference** (``SettleMatch`` = Reference or Combinations), on what the first pass left open:
   the open lines of one account, transaction currency and **voucher** settle together when they
   add up to zero, both in accounting and in transaction currency (§2 rule 4). The voucher is the
   reference: it is the one identifier every importer fills (closekit's ledger has no separate
   reference column). Lines of an opening journal (``OPENING``, ``OPEN``, ``OB``) are left out:
   their voucher is the year-end close's, shared by every carried item, and names no document.
   Rule ``reference D:C`` (D debit lines, C credit lines). Vectorised (a ``groupby``).
3. **Combinations** (``SettleMatch`` = Combinations), on what is still open, per account and
   transaction currency: each open debit, in (date, source order), looks for 2 to
   :data:`MAX_LINES` open credits adding up exactly to it (accounting and transaction amounts);
   then each credit still open looks for debits the same way (the mirror). The fewest lines win,
   then the earliest (the subset whose lines come first in date and source order). The search is
   bounded: :data:`LINE_BUDGET` steps for one line (then that line stays open) and
   :data:`NODE_BUDGET` per account and currency (then the rest of it stays open); either way a
   ``settlement-search-limit`` Info finding names the account and currency. A line smaller than
   the two smallest of the other side together is not searched at all. Rule ``combination 1:3``
   (one debit, three credits) or ``combination 3:1``.

Exact integer minor units throughout; no float.

Settlement posts nothing and leaves balances unchanged (§2 rule 11): the result is the register
``tables["settlements"]`` (one row per settled line; settlements numbered S1, S2, ... first those
of the one-to-one pass in the order of the debit, then the reference and combination
settlements in the order of their first line; within one, debits before credits, each in date and
source order) and ``tables["open_items"]`` (the unsettled lines of those accounts in the window,
in date and source order). Amounts are signed int64 accounting minor units.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core.steps import CloseContext, StepResult, adjustment_frame

STEP = "settlement"
RULE = "auto: equal amount"
ONE_TO_ONE, REFERENCE, COMBINATIONS = "One-to-one", "Reference", "Combinations"
#: The most lines a combination settles against one line (one debit with up to 4 credits).
MAX_LINES = 4
#: Search steps per account and currency before the combination pass gives up on them.
NODE_BUDGET = 500_000
#: Search steps for one line before the search gives up on it (so one line cannot spend them all).
LINE_BUDGET = 10_000
#: Journals of opening-balance vouchers (trial_balance.OPENING_JOURNALS; not imported: a sibling).
OPENING_JOURNALS = ("OPEN", "OPENING", "OB")


def columns(dimensions: tuple[str, ...]) -> list[str]:
    """Columns of the Settlements table (workbook.md "Output sheets"), plus where each line came from."""
    return ["SettlementId", "Account", *dimensions, "Voucher", "Date", "Amount", "Rule", "Where", "Row"]


def run(lines: pd.DataFrame, book, ctx: CloseContext) -> StepResult:
    """The settlement register and the open items of the Settle accounts for the period of ``ctx``."""
    window = _window(lines, book.accounts, ctx)
    settled, found = match(window)
    register = _register(window, settled, ctx.dimensions)
    shown = ["account", *ctx.dimensions, "voucher", "date", "amount", "where", "row"]
    rest = window.loc[~window["seq"].isin(settled["seq"]), shown]
    open_items = _table(rest, ctx.dimensions, "", "")
    tables = {"settlements": register, "open_items": open_items.drop(columns="SettlementId")}
    return StepResult(STEP, adjustment_frame([], ctx.dimensions), fnd.frame(found), tables)


def open_lines(lines: pd.DataFrame, accounts: pd.DataFrame, ctx: CloseContext) -> pd.Series:
    """For each of ``lines``: True where it is an open item of a Settle account at ``ctx.end``
    (in the window and settled by none of the passes); for the year-end close (§2 rule 10)."""
    window = _window(lines, accounts, ctx)
    settled, _ = match(window)
    rest = window.loc[~window["seq"].isin(settled["seq"]), "position"].to_numpy()
    out = np.zeros(len(lines), dtype=bool)
    out[np.flatnonzero(_on(lines, accounts, ctx))[rest]] = True
    return pd.Series(out, index=lines.index)


def match(window: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Every pass on ``window`` (:func:`_window`): ``seq``, ``number``, ``rule`` of each settled
    line, and the findings of the bounded search."""
    pairs = _pairs(window)
    number = np.arange(1, len(pairs) + 1)
    settled = [
        pd.DataFrame(
            {
                "seq": np.concatenate([pairs["seq_debit"].to_numpy(), pairs["seq_credit"].to_numpy()]),
                "number": np.concatenate([number, number]),
                "rule": RULE,
            }
        )
    ]
    more = np.asarray(window["match"] != ONE_TO_ONE, dtype=bool)  # accounts with further passes
    if not more.any():
        return settled[0].astype({"seq": "int64", "number": "int64"}), []
    left = window[more]
    left = left[~left["seq"].isin(settled[0]["seq"])]
    by_reference = _by_reference(left[left["match"].isin((REFERENCE, COMBINATIONS))])
    settled.append(by_reference)
    left = left[~left["seq"].isin(by_reference["seq"])]
    combined, found = _combinations(left[left["match"] == COMBINATIONS])
    settled.append(combined.assign(number=combined["number"] + len(by_reference) + 1))
    # number the later passes after the one-to-one settlements, in the order of their first line
    later = pd.concat(settled[1:], ignore_index=True)
    if len(later):
        first = later.groupby("number", sort=False)["seq"].transform("min")
        order = pd.factorize(first, sort=True)[0]
        later["number"] = order + len(pairs) + 1
    out = pd.concat([settled[0], later], ignore_index=True)
    return out.astype({"seq": "int64", "number": "int64"}), found


def _on(lines: pd.DataFrame, accounts: pd.DataFrame, ctx: CloseContext) -> np.ndarray:
    """Lines of Settle accounts in the window with a non-zero accounting amount."""
    settle = accounts.loc[accounts["settle"].fillna(False).astype(bool), "account"]
    on = lines["account"].isin(settle).to_numpy(dtype=bool, na_value=False)
    return (
        on
        & (lines["date"] >= ctx.fiscal_year_start).to_numpy(dtype=bool, na_value=False)
        & (lines["date"] <= ctx.end).to_numpy(dtype=bool, na_value=False)
        & (lines["amount_accounting"].fillna(0) != 0).to_numpy(dtype=bool)
    )


def _window(lines: pd.DataFrame, accounts: pd.DataFrame, ctx: CloseContext) -> pd.DataFrame:
    """Lines to settle, in (date, source order), numbered ``seq`` in that order (``seq`` is the
    row's position in the window); ``position`` is the line's place among the lines of :func:`_on`;
    ``match`` the account's SettleMatch, ``txn`` the transaction amount (``txn_ok`` False where
    it is unreadable)."""
    dims = list(ctx.dimensions)
    on = _on(lines, accounts, ctx)
    extra = [c for c in ("currency", "amount", "journal") if c in lines]
    sub = lines.loc[on, ["where", "row", "voucher", "date", "account", *dims, "amount_accounting", *extra]]
    sub = sub.rename(columns={"amount": "txn_amount"})
    modes = accounts.set_index("account")["settle_match"] if "settle_match" in accounts else pd.Series(dtype=object)
    modes = modes[~modes.index.duplicated() & modes.notna() & (modes != ONE_TO_ONE)]
    txn = sub["txn_amount"].astype("Int64") if "txn_amount" in sub else sub["amount_accounting"]
    match = sub["account"].astype(object).map(modes).fillna(ONE_TO_ONE).to_numpy() if len(modes) else ONE_TO_ONE
    sub = sub.assign(
        source=pd.factorize(sub["where"].astype(str))[0],  # order of first appearance
        position=np.arange(len(sub)),
        amount=sub["amount_accounting"].astype("int64"),
        currency=sub.get("currency", ctx.accounting_currency),
        txn=txn.fillna(0).astype("int64").to_numpy(),
        txn_ok=txn.notna().to_numpy(dtype=bool),
        journal=sub.get("journal", ""),
        match=match,
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


def _by_reference(left: pd.DataFrame) -> pd.DataFrame:
    """Open lines of one account, currency and voucher that add up to zero (module doc, pass 2)."""
    voucher = left["voucher"].astype(object).fillna("").astype(str).str.strip()
    journal = left["journal"].astype(object).fillna("").astype(str).str.strip().str.upper()
    keep = left["txn_ok"].to_numpy(dtype=bool) & (voucher != "").to_numpy(dtype=bool)
    cand = left[keep & ~journal.isin(OPENING_JOURNALS).to_numpy(dtype=bool)]
    cand = cand.assign(reference=voucher[cand.index], debit=(cand["amount"] > 0).astype("int64"))
    key = ["account", "currency", "reference"]
    grouped = cand.groupby(key, sort=False, dropna=False)
    zero = (
        (grouped["amount"].transform("sum") == 0)
        & (grouped["txn"].transform("sum") == 0)
        & (grouped["amount"].transform("size") >= 2)
    )
    hit = cand[zero.to_numpy(dtype=bool)]
    if hit.empty:
        return pd.DataFrame({"seq": pd.Series([], dtype="int64"), "number": pd.Series([], dtype="int64"), "rule": []})
    grouped = hit.groupby(key, sort=False, dropna=False)
    debits = grouped["debit"].transform("sum")
    credits = grouped["debit"].transform("size") - debits
    return pd.DataFrame(
        {
            "seq": hit["seq"].to_numpy(dtype="int64"),
            "number": grouped.ngroup().to_numpy(dtype="int64"),
            "rule": ("reference " + debits.astype(str) + ":" + credits.astype(str)).to_numpy(dtype=object),
        }
    )


def _combinations(left: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Subsets of up to :data:`MAX_LINES` lines adding up to one line (module doc, pass 3)."""
    seqs, numbers, rules, found = [], [], [], []
    count = 0
    cand = left[left["txn_ok"].to_numpy(dtype=bool)]
    for (account, currency), group in cand.groupby(["account", "currency"], sort=True):
        search = _Search(group)
        for seeker_side in (1, -1):  # debits seek credits first (typical balance Debit), then the mirror
            for i in search.side(seeker_side):
                if search.out_of_budget:
                    break
                subset = search.find(i)
                if subset is None:
                    continue
                count += 1
                members = [i, *subset]
                seqs += [search.seq[j] for j in members]
                numbers += [count] * len(members)
                many = len(subset)
                rules += [f"combination {'1:' + str(many) if seeker_side > 0 else str(many) + ':1'}"] * len(members)
        if search.out_of_budget or search.cut:
            still = int((~search.used).sum())
            why = (
                f"gave up after {NODE_BUDGET:,} steps"
                if search.out_of_budget
                else f"gave up on {search.cut} of its lines after {LINE_BUDGET:,} steps each"
            )
            found.append(
                fnd.finding(
                    "settlement-search-limit",
                    "Settlements",
                    f"account {account} ({currency}): the search for combinations {why}; {still} of its "
                    f"{len(group)} open lines stay open, not every combination of them tried",
                    column="Account",
                    fix="Settle them by hand (mark the lines) or give the lines a shared voucher and SettleMatch "
                    "Reference; fewer open lines per account also help.",
                )
            )
    out = pd.DataFrame(
        {"seq": pd.Series(seqs, dtype="int64"), "number": pd.Series(numbers, dtype="int64"), "rule": rules}
    )
    return out, found


class _Search:
    """The bounded subset search of one account and currency, lines in (date, source order).
    Every line looked at costs a step (:data:`LINE_BUDGET` for one line's search,
    :data:`NODE_BUDGET` in all), so the work is bounded whatever the number of open lines."""

    def __init__(self, group: pd.DataFrame):
        group = group.sort_values("seq")
        self.seq = group["seq"].to_numpy(dtype=np.int64).tolist()
        self.amount = group["amount"].to_numpy(dtype=np.int64).tolist()
        self.txn = group["txn"].to_numpy(dtype=np.int64).tolist()
        self.used = np.zeros(len(self.seq), dtype=bool)
        self.budget = NODE_BUDGET
        self.out_of_budget = False
        self.left = LINE_BUDGET  # of the line being searched for
        self.cut = 0  # lines whose search ran out of LINE_BUDGET
        self.lines = {s: [j for j, v in enumerate(self.amount) if (v > 0) == (s > 0)] for s in (1, -1)}
        self.open = {s: len(self.lines[s]) for s in (1, -1)}
        # the smallest sizes of each side: a line smaller than the k smallest together has no k-subset
        self.smallest = {s: sorted(abs(self.amount[j]) for j in self.lines[s])[:MAX_LINES] for s in (1, -1)}
        # positions of each (accounting, transaction) amount, ascending: the last line of a subset
        self.at: dict[tuple[int, int], list[int]] = {}
        for j, pair in enumerate(zip(self.amount, self.txn, strict=True)):
            self.at.setdefault(pair, []).append(j)

    def side(self, sign: int):
        """Open lines of one side (1 debits, -1 credits), in order; skips lines settled meanwhile."""
        for i in self.lines[sign]:
            if not self.used[i]:
                yield i

    def _step(self) -> bool:
        """Count a step; False once the account's or the line's steps are spent."""
        self.budget -= 1
        self.left -= 1
        if self.budget < 0:
            self.out_of_budget = True
        return not self._stopped()

    def _stopped(self) -> bool:
        return self.out_of_budget or self.left < 0

    def find(self, i: int) -> list[int] | None:
        """The fewest, then earliest, open lines of the other side adding up to line ``i``."""
        self.left = LINE_BUDGET
        sign = 1 if self.amount[i] > 0 else -1
        others = self.lines[-sign]
        for size in range(2, MAX_LINES + 1):
            if self.open[-sign] < size or abs(self.amount[i]) < sum(self.smallest[-sign][:size]):
                return None
            subset = self._dfs(others, 0, size, -self.amount[i], -self.txn[i], sign, [])
            if self._stopped():
                self.cut += not self.out_of_budget
                return None
            if subset is not None:
                self.used[[i, *subset]] = True
                self.open[sign] -= 1
                self.open[-sign] -= len(subset)
                return subset
        return None

    def _dfs(self, others, start, size, need, need_txn, sign, chosen):
        """``size`` open lines of ``others[start:]`` adding up to ``need`` (and ``need_txn``):
        the earliest such subset in the order of the lines, or None."""
        if size == 1:  # the last line: looked up, not searched
            after = others[start] if start < len(others) else len(self.seq)
            positions = self.at.get((need, need_txn), ())
            for j in positions[bisect_left(positions, after) :] if positions else ():
                if not self._step():
                    return None
                if not self.used[j]:
                    return [*chosen, j]
            return None
        for k in range(start, len(others) - size + 1):
            if not self._step():
                return None
            j = others[k]
            if self.used[j]:
                continue
            rest = need - self.amount[j]  # what the other lines must still bring, same sign as need
            if rest * sign >= 0:  # this line alone reaches or passes the amount: more lines cannot help
                continue
            found = self._dfs(others, k + 1, size - 1, rest, need_txn - self.txn[j], sign, [*chosen, j])
            if found is not None or self._stopped():
                return found
        return None


def _register(window: pd.DataFrame, settled: pd.DataFrame, dimensions: tuple[str, ...]) -> pd.DataFrame:
    """One row per settled line: by settlement number, debits before credits, in (date, source order)."""
    amount = window["amount"].to_numpy()  # ``seq`` is the row's position in the window
    order = settled.assign(side=(amount[settled["seq"].to_numpy()] < 0).astype("int64"))
    order = order.sort_values(["number", "side", "seq"], ignore_index=True)
    shown = ["account", *dimensions, "voucher", "date", "amount", "where", "row"]
    lines = window[shown].iloc[order["seq"].to_numpy()].reset_index(drop=True)
    ids = pd.Series("S" + order["number"].astype(str), dtype=object)
    rules = pd.Series(order["rule"].astype(object).to_numpy(), dtype=object)
    return _table(lines, dimensions, ids, rules)


def _table(lines: pd.DataFrame, dimensions: tuple[str, ...], ids, rule) -> pd.DataFrame:
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
            "Rule": rule.to_numpy() if isinstance(rule, pd.Series) else rule,
            "Where": text("where"),
            "Row": pd.Series(lines["row"].to_numpy(dtype="int64"), index=index),
        },
        index=index,
        columns=columns(dimensions),
    )
