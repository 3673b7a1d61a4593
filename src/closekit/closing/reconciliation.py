"""The ``reconciliation`` step: subledger tie-outs of control accounts, and the reconciling items
that explain them until they clear (docs/close.md "Subledger tie-outs"; issue 17 items 3 and 4).

For each row of the Reconciliations sheet:

* **GL**: the closing balance after the close's adjustments (the TrialBalance's ``ClosingAfter``)
  of its accounts (one, a list, a range or a prefix, as in AllocationRules), summed; in a
  Currency other than the accounting currency, the transaction amounts of the lines in that
  currency up to the period's end. Shown on the account's **normal side**: an Asset or Expense
  account's debit balance, a Liability, Equity or Revenue account's credit balance, as positive
  (the first account's Type decides), the way the subledger report shows it.
* **Subledger**: the sum of the report's detail rows (:mod:`closekit.sources.subledgers`, read by
  :mod:`closekit.closing.subledgers`), or the Balance typed.
* **Difference** = GL - Subledger; **ReconcilingItems** = the Amounts of the ReconcilingItems rows of
  its accounts open at the period's end (Raised on or before it, Cleared empty or after it);
  **Unexplained** = Difference - ReconcilingItems.
* **Status**: ``Unreconciled`` when the subledger could not be read or ``|Unexplained|`` is above
  Materiality (default 0): a ``reconciliation-unexplained`` Error, which blocks ``period-hold`` and
  the sign-off of the row's Task; else ``Explained`` when open items explain the difference, else
  ``Reconciled``.

Reconciling items stay in the user's ReconcilingItems sheet (an input sheet, never rewritten)
until the user types their Cleared date: each run ages them (DaysOpen at the period's end) and
lists them under their tie-out; one open past its ExpectedClearing is a ``reconciling-item-overdue``
Warning; one cleared within the period is shown once more as ``Cleared`` (not counted).

Pure: the ledger lines, the adjustments, the book and the reports read in; the Reconciliations
table (amounts in minor units) and findings out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from closekit.closing import trial_balance
from closekit.core import findings as fnd
from closekit.core import money
from closekit.core.plural import plural
from closekit.core.steps import CloseContext
from closekit.sources.subledgers import SubledgerReport
from closekit.workbook import schema
from closekit.workbook.book import CloseBook
from closekit.workbook.selectors import AccountSelector, SelectorError

STEP = "reconciliation"
SHEET = "Reconciliations"
ITEMS_SHEET = "ReconcilingItems"
#: The output sheet (the input sheet Reconciliations is the user's and is never rewritten).
OUTPUT = "TieOuts"
RECONCILED, EXPLAINED, UNRECONCILED = "Reconciled", "Explained", "Unreconciled"
OPEN_ITEM, CLEARED_ITEM = "Open", "Cleared"
CREDIT_TYPES = ("Liability", "Equity", "Revenue")
COLUMNS = [
    "Line",
    "Account",
    "Name",
    "Subledger",
    "Currency",
    "GL",
    "SubledgerTotal",
    "Difference",
    "ReconcilingItems",
    "Unexplained",
    "Materiality",
    "Status",
    "Owner",
    "Task",
    "Explanation",
    "Raised",
    "ExpectedClearing",
    "Cleared",
    "DaysOpen",
]
AMOUNTS = ["GL", "SubledgerTotal", "Difference", "ReconcilingItems", "Unexplained", "Materiality"]


@dataclass(frozen=True)
class TieOut:
    """One usable Reconciliations row: its sheet row, the row, the parsed account list."""

    row: int
    spec: schema.ReconciliationRow
    selector: AccountSelector
    accounts: tuple[str, ...]


def run(
    lines: pd.DataFrame,
    adjustments: pd.DataFrame | None,
    book: CloseBook,
    ctx: CloseContext,
    reports: dict[int, SubledgerReport],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the Reconciliations table, findings) of every Reconciliations row; ``reports``: the
    subledger report read for each row (by sheet row) that names one."""
    found: list[dict] = []
    tieouts = _tieouts(book, ctx, found)
    items = _items_by_tieout(book, tieouts, found)
    if not tieouts:
        return _frame([]), fnd.frame(found)
    closing = _closing_balances(lines, adjustments, book, ctx)
    names = dict(zip(book.accounts["account"].astype(str), book.accounts["name"].astype(str), strict=True))
    types = trial_balance.account_types(book)
    records: list[dict] = []
    for tie in tieouts:
        spec = tie.spec
        currency = spec.currency or ctx.accounting_currency
        sign = -1 if types.get(tie.accounts[0], "") in CREDIT_TYPES else 1
        if currency == ctx.accounting_currency:
            gl = sign * int(sum(closing.get(a, 0) for a in tie.accounts))
        else:
            gl = sign * _foreign_balance(lines, tie.accounts, currency, ctx)
        subledger, source = _subledger(tie, reports.get(tie.row), currency, found)
        materiality = _minor(spec.materiality or Decimal(0), currency)
        open_items, shown = _open_items(items.get(tie.row, []), currency, ctx, found, book)
        explained = sum(open_items)
        record = {
            "Line": "Tie-out",
            "Account": spec.account,
            "Name": ", ".join(names.get(a, "") for a in tie.accounts[:3]) + (" ..." if len(tie.accounts) > 3 else ""),
            "Subledger": source,
            "Currency": currency,
            "GL": gl,
            "SubledgerTotal": subledger,
            "Materiality": materiality,
            "ReconcilingItems": explained,
            "Owner": spec.owner or "",
            "Task": spec.task or "",
        }
        if subledger is None:
            record |= {"Difference": None, "Unexplained": None, "Status": UNRECONCILED}
        else:
            difference = gl - subledger
            unexplained = difference - explained
            record |= {"Difference": difference, "Unexplained": unexplained}
            if abs(unexplained) > materiality:
                record["Status"] = UNRECONCILED
                found.append(_unexplained(tie, source, currency, gl, subledger, explained, unexplained, materiality))
            else:
                record["Status"] = EXPLAINED if explained else RECONCILED
        records.append(record)
        records += shown
    return _frame(records), fnd.frame(found)


def unreconciled_tasks(table: pd.DataFrame | None) -> dict[str, str]:
    """Task -> why it cannot be signed: the Tasks of the tie-outs that are Unreconciled."""
    if table is None or not len(table) or not {"Line", "Status", "Task", "Account"} <= set(table.columns):
        return {}
    out: dict[str, list[str]] = {}
    for record in table.to_dict("records"):
        if record["Line"] == "Tie-out" and record["Status"] == UNRECONCILED and str(record["Task"] or "").strip():
            out.setdefault(str(record["Task"]).strip(), []).append(str(record["Account"]))
    return {
        task: f"the tie-out of {', '.join(accounts)} is {UNRECONCILED} (see the {OUTPUT} sheet)"
        for task, accounts in out.items()
    }


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=COLUMNS)
    for column in AMOUNTS:
        frame[column] = pd.array([None if pd.isna(v) else int(v) for v in frame[column]], dtype="Int64")
    for column in ("Raised", "ExpectedClearing", "Cleared"):
        frame[column] = pd.to_datetime(frame[column])
    frame["DaysOpen"] = frame["DaysOpen"].astype(object).where(frame["DaysOpen"].notna(), None)
    for column in ("Line", "Account", "Name", "Subledger", "Currency", "Status", "Owner", "Task", "Explanation"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    return frame


def _tieouts(book: CloseBook, ctx: CloseContext, found: list[dict]) -> list[TieOut]:
    """The usable Reconciliations rows; each unusable one is a ``bad-reconciliation`` finding."""
    known = book.accounts["account"].astype(str)
    tasks = {task.task.strip().casefold() for _, task in book.checklist}
    out = []

    def bad(row: int, column: str, message: str) -> None:
        found.append(fnd.finding("bad-reconciliation", SHEET, message, row=row, column=column))

    for row, spec in book.reconciliations:
        try:
            selector = AccountSelector.parse(spec.account)
        except SelectorError as exc:
            bad(row, "Account", str(exc))
            continue
        accounts = tuple(known[selector.mask(known)].tolist())
        if not accounts:
            bad(row, "Account", f"{spec.account!r} names no account of the Accounts sheet")
            continue
        if bool(spec.subledger) == (spec.balance is not None):
            both = "both a Subledger file and a Balance" if spec.subledger else "neither a Subledger file nor a Balance"
            bad(row, "Subledger", f"the tie-out of {spec.account} has {both}: give one of them")
            continue
        currency = spec.currency or ctx.accounting_currency
        if money.exponent(currency) != money.exponent(ctx.accounting_currency):
            bad(
                row,
                "Currency",
                f"{currency} has {money.exponent(currency)} decimals and the accounting currency "
                f"{ctx.accounting_currency} {money.exponent(ctx.accounting_currency)}: closekit ties out only "
                "currencies with the accounting currency's decimals",
            )
            continue
        if spec.materiality is not None and spec.materiality < 0:
            bad(row, "Materiality", f"Materiality {spec.materiality} is negative")
            continue
        if spec.task and spec.task.strip().casefold() not in tasks:
            bad(row, "Task", f"Task {spec.task!r} is no task of the Checklist sheet")
            continue
        out.append(TieOut(row, spec, selector, accounts))
    return out


def _closing_balances(lines: pd.DataFrame, adjustments, book: CloseBook, ctx: CloseContext) -> dict[str, int]:
    tb = trial_balance.trial_balance(lines, adjustments, book, ctx)
    if tb.empty:
        return {}
    tb = tb[~tb["Account"].isin(["Total", ""])]
    return dict(zip(tb["Account"].astype(str), tb["ClosingAfter"].astype("int64").tolist(), strict=True))


def _foreign_balance(lines: pd.DataFrame, accounts: tuple[str, ...], currency: str, ctx: CloseContext) -> int:
    """The transaction-currency balance of ``accounts`` in ``currency`` at the period's end (from
    the fiscal year's first day when the year's opening balances are in the ledger)."""
    mine = lines["account"].astype(str).isin(accounts) & (lines["currency"] == currency) & (lines["date"] <= ctx.end)
    if trial_balance.year_closed(lines, ctx):
        mine &= lines["date"] >= ctx.fiscal_year_start
    return int(lines.loc[mine.fillna(False), "amount"].astype("Int64").sum())


def _minor(value: Decimal, currency: str) -> int:
    return money.round_to_minor(value, currency)


def _exact(value: Decimal, currency: str) -> bool:
    return value == value.quantize(Decimal(1).scaleb(-money.exponent(currency)))


def _subledger(
    tie: TieOut, report: SubledgerReport | None, currency: str, found: list[dict]
) -> tuple[int | None, str]:
    """(the subledger's total in minor units, or None when it cannot be known; what it came from)."""
    spec = tie.spec
    if spec.balance is not None:
        if not _exact(spec.balance, currency):
            found.append(
                fnd.finding(
                    "bad-number",
                    SHEET,
                    f"Balance {spec.balance} has more decimals than {currency} has",
                    row=tie.row,
                    column="Balance",
                )
            )
            return None, "typed"
        return _minor(spec.balance, currency), "typed"
    if report is None:
        found.append(
            fnd.finding("subledger-unreadable", spec.subledger, "the subledger report was not read", column="")
        )
        return None, spec.subledger
    found.extend(report.findings)
    source = f"{spec.subledger} ({report.layout})" if report.layout != "?" else spec.subledger
    if any(f["Code"] == "subledger-unreadable" for f in report.findings):
        return None, spec.subledger
    total = _minor(report.detail_total, currency)
    if report.grand_total is None:
        found.append(
            fnd.finding(
                "subledger-no-total",
                spec.subledger,
                f"the report has no grand total row: the tie-out of {spec.account} uses the sum of its "
                f"{plural(report.rows, 'row')}, {money.display(total, currency)}",
                column=report.amount_column,
            )
        )
    elif report.grand_total != report.detail_total:
        grand = _minor(report.grand_total, currency)
        found.append(
            fnd.finding(
                "subledger-total-mismatch",
                spec.subledger,
                f"the report's total {money.display(grand, currency)} (row {report.total_row}) is not the sum of "
                f"its {plural(report.rows, 'row')}, {money.display(total, currency)} (difference "
                f"{money.display(grand - total, currency)}): the tie-out of {spec.account} uses the sum of the rows",
                row=report.total_row,
                column=report.amount_column,
            )
        )
    return total, source


def _items_by_tieout(
    book: CloseBook, tieouts: list[TieOut], found: list[dict]
) -> dict[int, list[tuple[int, schema.ReconcilingItemRow]]]:
    """ReconcilingItems rows by the tie-out (its sheet row) whose accounts hold the item's Account
    (or whose Account cell it repeats); an item of no tie-out is a ``reconciling-item-unmatched``."""
    out: dict[int, list] = {}
    for row, item in book.reconciling_items:
        tie = next((t for t in tieouts if item.account == t.spec.account or item.account in t.accounts), None)
        if tie is None:
            if not any(item.account == spec.account for _, spec in book.reconciliations):  # a bad row: reported
                found.append(
                    fnd.finding(
                        "reconciling-item-unmatched",
                        ITEMS_SHEET,
                        f"account {item.account} is in no tie-out of the Reconciliations sheet: the item "
                        f"({item.explanation}) explains nothing",
                        row=row,
                        column="Account",
                    )
                )
            continue
        out.setdefault(tie.row, []).append((row, item))
    return out


def _raised(item: schema.ReconcilingItemRow, book: CloseBook, row: int, found: list[dict]):
    """The item's Raised as a date (a period code: the period's last day), None when empty, False
    (with a ``bad-date`` finding) when it is neither a date nor a period of the Periods sheet."""
    if not isinstance(item.raised, str):
        return item.raised
    period = book.calendar.get(item.raised)
    if period is not None:
        return pd.Timestamp(period["end"]).date()
    found.append(
        fnd.finding(
            "bad-date",
            ITEMS_SHEET,
            f"Raised: {item.raised!r} is neither a date nor a period of the Periods sheet; the item is not counted",
            row=row,
            column="Raised",
        )
    )
    return False


def _open_items(
    items: list[tuple[int, schema.ReconcilingItemRow]],
    currency: str,
    ctx: CloseContext,
    found: list[dict],
    book: CloseBook,
) -> tuple[list[int], list[dict]]:
    """(the amounts of the items open at the period's end, the item rows to show)."""
    end, start = ctx.end.date(), ctx.start.date()
    amounts: list[int] = []
    shown: list[dict] = []
    for row, item in items:
        raised = _raised(item, book, row, found)
        if raised is False:
            continue
        item = item.model_copy(update={"raised": raised})
        if item.raised is not None and item.raised > end:
            continue  # raised after this period: not yet an item of it
        cleared = item.cleared is not None and item.cleared <= end
        if cleared and item.cleared < start:
            continue  # cleared in an earlier period: history
        if item.amount is None or not _exact(item.amount, currency):
            found.append(
                fnd.finding(
                    "bad-number",
                    ITEMS_SHEET,
                    f"Amount {item.amount if item.amount is not None else '(empty)'} is not an amount in "
                    f"{currency}: the item is not counted",
                    row=row,
                    column="Amount",
                )
            )
            continue
        amount = _minor(item.amount, currency)
        days = (end - item.raised).days if item.raised is not None else None
        if not cleared:
            amounts.append(amount)
            if item.expected_clearing is not None and item.expected_clearing < end:
                found.append(
                    fnd.finding(
                        "reconciling-item-overdue",
                        ITEMS_SHEET,
                        f"the reconciling item of {item.account} ({item.explanation}, "
                        f"{money.display(amount, currency)}) was to clear by {item.expected_clearing:%Y-%m-%d} and is "
                        f"still open at {end:%Y-%m-%d}" + (f" ({days} days open)" if days is not None else ""),
                        row=row,
                        column="ExpectedClearing",
                    )
                )
        shown.append(
            {
                "Line": "Item",
                "Account": item.account,
                "Currency": currency,
                "ReconcilingItems": amount,
                "Status": CLEARED_ITEM if cleared else OPEN_ITEM,
                "Explanation": item.explanation,
                "Raised": item.raised,
                "ExpectedClearing": item.expected_clearing,
                "Cleared": item.cleared,
                "DaysOpen": days if not cleared else None,
            }
        )
    return amounts, shown


def _unexplained(
    tie: TieOut, source: str, currency: str, gl: int, sub: int, items: int, unexplained: int, materiality: int
) -> dict:
    show = lambda minor: money.display(minor, currency)  # noqa: E731
    return fnd.finding(
        "reconciliation-unexplained",
        SHEET,
        f"tie-out of {tie.spec.account} ({source}): GL {show(gl)}, subledger {show(sub)}, difference "
        f"{show(gl - sub)}, reconciling items {show(items)}: {show(unexplained)} unexplained, above the "
        f"materiality of {show(materiality)}",
        row=tie.row,
        column="Account",
    )
