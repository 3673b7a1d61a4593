"""Posting validation: every rule a vectorised mask over the whole ledger (workbook.md "Which
checks apply to what"; domain.md §0.2 and §4).

Each rule takes the ledger and the close book and returns a findings frame; :func:`validate`
runs them all. Cell-level problems (numbers, dates, currencies, formula text, missing rates) are
found while the lines are read (:mod:`closekit.core.ledger`); the rules here look at lines as a whole:
accounts, dimensions, balance, periods, duplicates and unposted journals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from closekit.closing import revaluation as revaluation_text
from closekit.core import findings as fnd
from closekit.core import money, parsing
from closekit.core.ledger import Ledger
from closekit.core.periods import OPEN
from closekit.workbook.book import CloseBook, sheet_hint

Rule = Callable[[Ledger, CloseBook], pd.DataFrame]


def check_accounts(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``unknown-account`` and ``non-postable-account``: every line's account is in Accounts and postable."""
    lines = ledger.lines
    account = lines["account"]
    known = parsing.mask(account.isin(book.accounts["account"]))

    def column() -> pd.Series:
        return ledger.source_column("account")

    blank = parsing.mask(account == "")
    headers = set(book.accounts.loc[~book.accounts["postable"].astype(bool), "account"])
    header_hit = parsing.mask(account.isin(headers))
    return fnd.combine(
        [
            fnd.from_mask(
                "unknown-account",
                lines,
                ~known & ~blank,
                column=column,
                message=lambda: "account " + account.astype(str) + " is not in the Accounts sheet",
            ),
            fnd.from_mask("unknown-account", lines, blank, column=column, message="the account is empty"),
            fnd.from_mask(
                "non-postable-account",
                lines,
                header_hit,
                column=column,
                message=lambda: "account " + account.astype(str) + " is not postable (Postable = No)",
            ),
        ]
    )


def check_dimensions(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``missing-dimension`` (RequiredDimensions of the account) and ``unknown-dimension-value``."""
    lines, out = ledger.lines, []
    journal = parsing.mask(lines["kind"] == "journal")
    for dim in ledger.dimensions:
        values = lines[dim]
        column = _lazy_column(ledger, dim)
        needs = book.accounts.loc[book.accounts["required_dimensions"].map(lambda r, d=dim: d in r), "account"]
        missing = parsing.mask(lines["account"].isin(needs)) & parsing.mask(values == "")
        out.append(
            fnd.from_mask(
                "missing-dimension",
                lines,
                missing,
                column=column,
                message=lambda dim=dim: "account " + lines["account"].astype(str) + " requires a " + dim,
            )
        )
        listed = book.dimension_values[book.dimension_values["dimension"] == dim]
        if listed.empty:
            continue  # a dimension with no rows in Dimensions accepts any value
        filled = parsing.mask(values != "")
        unknown = filled & ~parsing.mask(values.isin(listed["value"]))
        inactive = filled & journal & parsing.mask(values.isin(listed.loc[~listed["active"].astype(bool), "value"]))
        out.append(
            fnd.from_mask(
                "unknown-dimension-value",
                lines,
                unknown,
                column=column,
                message=lambda dim=dim, values=values: (
                    dim + " value '" + values.astype(str) + "' is not in the Dimensions sheet"
                ),
            )
        )
        out.append(
            fnd.from_mask(
                "unknown-dimension-value",
                lines,
                inactive,
                column=column,
                message=lambda dim=dim, values=values: (
                    dim + " value '" + values.astype(str) + "' is inactive (Active = No)"
                ),
            )
        )
    return fnd.combine(out)


def _lazy_column(ledger: Ledger, name: str) -> Callable[[], pd.Series]:
    """The source header of field ``name`` per line, built only when a finding needs it."""
    return lambda: ledger.source_column(name)


def check_account_currency(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``currency-not-allowed``: an account with a Currency accepts lines in that currency only
    (and the accounting-currency revaluation lines closekit writes for it)."""
    lines = ledger.lines
    restricted = book.accounts.dropna(subset=["currency"]).set_index("account")["currency"]
    if restricted.empty:
        return fnd.frame()
    lines = lines[parsing.mask(lines["account"].isin(restricted.index))]
    # closekit's own revaluation lines correct the accounting value of a foreign-currency account:
    # they are in the accounting currency by design (domain.md §1) and are not flagged.
    revaluation = (lines["currency"] == book.accounting_currency) & lines["text"].str.match(
        revaluation_text.TEXT_PATTERN
    )
    lines = lines[~parsing.mask(revaluation)]
    if lines.empty:
        return fnd.frame()
    allowed = lines["account"].astype(object).map(restricted)
    hit = parsing.mask(allowed != lines["currency"].astype(object))
    return fnd.from_mask(
        "currency-not-allowed",
        lines,
        hit,
        column=ledger.source_column("currency", lines),
        message="account "
        + lines["account"].astype(str)
        + " accepts "
        + allowed.astype(str)
        + " only; the line is in "
        + lines["currency"].astype(str),
    )


def check_balance(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``unbalanced-voucher`` (domain.md §0.2): per file, journal and voucher, Σ accounting = 0,
    and Σ transaction amounts = 0 when all lines share one currency. Vouchers with an unreadable
    amount are left out (that cell already has a finding). Lines without a voucher number are
    grouped per file, journal and date."""
    lines = ledger.lines
    if lines.empty:
        return fnd.frame()
    voucher = lines["voucher"]
    no_voucher = parsing.mask(voucher == "")
    if no_voucher.any():
        date_key = lines.loc[no_voucher, "date"].dt.strftime("%Y-%m-%d").fillna("")
        voucher = voucher.copy()
        voucher[no_voucher] = "(no voucher) " + date_key
    # One integer per (file, journal, voucher), numbered in order of first appearance: grouping on
    # integers instead of three text columns is what keeps this rule fast on a million lines.
    group = _group_ids([lines["where"], lines["journal"], voucher])
    acct, txn = lines["amount_accounting"], lines["amount"]
    currency_codes = pd.factorize(lines["currency"])[0]
    frame = pd.DataFrame(
        {
            "acct": acct,
            "txn": txn,
            "unreadable": (acct.isna() | txn.isna()).to_numpy(dtype=bool),
            "debit": acct.clip(lower=0),
            "ccy_min": currency_codes,
            "ccy_max": currency_codes,
        }
    )
    sums = frame.groupby(group, sort=True).agg(
        acct=("acct", "sum"),
        txn=("txn", "sum"),
        unreadable=("unreadable", "any"),
        debit=("debit", "sum"),
        ccy_min=("ccy_min", "min"),
        ccy_max=("ccy_max", "max"),
    )
    single_currency = sums["ccy_min"] == sums["ccy_max"]
    off_acct = (sums["acct"] != 0) & ~sums["unreadable"]
    off_txn = single_currency & (sums["txn"] != 0) & ~sums["unreadable"] & ~off_acct
    if not (off_acct | off_txn).any():
        return fnd.frame()
    first_of = pd.Series(group).drop_duplicates().index.to_numpy()  # group g first appears at first_of[g]
    where_text = lines["where"].astype(str)
    records = []
    acct_ccy = book.accounting_currency or "EUR"
    for gid, row in sums[off_acct | off_txn].iterrows():
        at = first_of[gid]
        line = lines.iloc[at]
        key = (where_text.iat[at], None, voucher.iat[at])
        voucher_key = key[2]
        if row["acct"] != 0:
            credit = row["debit"] - row["acct"]
            message = (
                f"voucher {voucher_key} does not balance in {acct_ccy}: debits "
                f"{money.display(row['debit'], acct_ccy)}, credits {money.display(credit, acct_ccy)}, "
                f"difference {money.display(row['acct'], acct_ccy)}"
            )
            column = "amount_accounting" if "amount_accounting" in _columns(ledger, key[0]) else "amount"
        else:
            currency = str(line["currency"])
            message = (
                f"voucher {voucher_key} does not balance in {currency}: "
                f"difference {money.display(row['txn'], currency)}"
            )
            column = "amount"
        header = _columns(ledger, key[0]).get(column) or _columns(ledger, key[0]).get("debit", "Debit")
        date = line["date"]
        if pd.notna(date):
            message += f" (dated {date:%Y-%m-%d})"
        records.append(
            fnd.finding(
                "unbalanced-voucher", key[0], message, row=int(line["row"]), column=header, voucher=str(line["voucher"])
            )
        )
    return fnd.frame(records)


def _group_ids(keys: list[pd.Series]) -> np.ndarray:
    """One integer per distinct combination of ``keys``, 0, 1, ... in order of first appearance."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(key, use_na_sentinel=False)
        combined = pd.factorize(combined * max(len(uniques), 1) + codes)[0]
    return combined


def _columns(ledger: Ledger, where: str) -> dict[str, str]:
    return next((s.columns for s in ledger.sources if s.where == where), {})


def check_periods(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``period-unknown`` and ``period-not-open`` for lines still to be posted (Kind ``journal``).

    Posted ledger lines in a period that is now On hold are normal and are not flagged.
    """
    lines = ledger.lines
    journal = parsing.mask(lines["kind"] == "journal") & lines["date"].notna().to_numpy()
    if not journal.any():
        return fnd.frame()
    todo = lines[journal]
    period, status = book.calendar.locate(todo["date"])
    column = ledger.source_column("date", todo)
    day = todo["date"].dt.strftime("%Y-%m-%d")
    return fnd.combine(
        [
            fnd.from_mask(
                "period-unknown",
                todo,
                parsing.mask(period == ""),
                column=column,
                message="date " + day + " falls in no period of the Periods sheet",
            ),
            fnd.from_mask(
                "period-not-open",
                todo,
                parsing.mask((period != "") & (status != OPEN)),
                column=column,
                message="date " + day + " is in period " + period.astype(str) + ", which is " + status.astype(str),
            ),
        ]
    )


def check_duplicates(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``duplicate-line``: a line read before, from another file or sheet (an export loaded twice),
    or a line number repeated within one voucher.

    Identical lines without line numbers inside one file are legitimate (two equal postings in one
    voucher); they are matched occurrence by occurrence, so only a second copy of the file is flagged.
    """
    lines = ledger.lines
    if len(lines) < 2:
        return fnd.frame()
    key_columns = [
        "kind",
        "journal",
        "voucher",
        "line",
        "date",
        "account",
        *ledger.dimensions,
        "currency",
        "amount",
        "amount_accounting",
        "text",
    ]
    digest = pd.util.hash_pandas_object(lines[key_columns], index=False).to_numpy()
    numbered = lines["line"].notna().to_numpy()
    occurrence = np.zeros(len(lines), dtype=np.int64)
    if not numbered.all():  # the occurrence count only matters for lines without a line number
        loose = ~numbered
        occurrence[loose] = (
            pd.Series(digest[loose])
            .groupby([lines["where"].to_numpy()[loose], digest[loose]], observed=True)
            .cumcount()
            .to_numpy()
        )
    keyed = pd.DataFrame({"digest": digest, "occurrence": occurrence})
    repeat = (
        keyed.duplicated(keep="first").to_numpy()
        if occurrence.any()
        else pd.Series(digest).duplicated(keep="first").to_numpy()
    )
    if not repeat.any():
        return fnd.frame()
    first_index = keyed.drop_duplicates(keep="first").reset_index().set_index(["digest", "occurrence"])["index"]
    originals = first_index.reindex(pd.MultiIndex.from_frame(keyed[repeat])).to_numpy()
    where = lines["where"].astype(str).to_numpy()
    rows = lines["row"].to_numpy()
    repeated = pd.Series(repeat, index=lines.index)
    out, message = [], pd.Series("", index=lines.index, dtype=object)
    message[repeat] = [f"the same line as {where[i]} row {rows[i]}" for i in originals]
    for source in pd.unique(where[repeat]):  # a whole export loaded twice: one finding, not thousands
        mine = where == source
        sources_of_originals = set(where[originals[mine[repeat]]])
        if repeat[mine].all() and len(sources_of_originals) == 1 and source not in sources_of_originals:
            first = int(np.flatnonzero(mine)[0])
            out.append(
                fnd.frame(
                    [
                        fnd.finding(
                            "duplicate-line",
                            source,
                            f"all {int(mine.sum())} lines of {source} were already read from "
                            f"{sources_of_originals.pop()}: the same export is loaded twice",
                            row=int(rows[first]),
                            column="",
                            voucher=str(lines["voucher"].iat[first]),
                        )
                    ]
                )
            )
            repeated[mine] = False
    out.append(
        fnd.from_mask("duplicate-line", lines, repeated, column=_lazy_column(ledger, "voucher"), message=message)
    )
    return fnd.combine(out)


def check_unposted(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``unposted-journal``: Posted = No in a ledger export (Kind ``ledger``); one finding per
    voucher. An error up to the end of the period being closed (it would be locked out by On hold),
    a warning after it. Lines of Kind ``journal`` are to be posted by definition."""
    lines = ledger.lines
    unposted = lines[parsing.mask((lines["posted"] == False) & (lines["kind"] == "ledger"))]  # noqa: E712
    if unposted.empty:
        return fnd.frame()
    first = unposted.groupby(["where", "journal", "voucher"], sort=False, observed=True).head(1)
    period = book.calendar.get(book.settings.period) if book.settings else None
    end = pd.Timestamp(period["end"]) if period else None
    late = parsing.mask(first["date"] > end) if end is not None else pd.Series(False, index=first.index)
    label = first["journal"].where(first["journal"] != "", "(no journal)").astype(str)
    message = "journal " + label + " voucher " + first["voucher"].astype(str) + " is not posted"
    column = ledger.source_column("posted", first)
    return fnd.combine(
        [
            fnd.from_mask("unposted-journal", first, ~late, column=column, message=message),
            fnd.from_mask(
                "unposted-journal",
                first,
                late,
                column=column,
                message=message + " (dated after the period)",
                severity=fnd.Severity.WARNING,
            ),
        ]
    )


def check_something_read(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``nothing-read``: a close of no ledger line at all is not clean (a Sources sheet renamed
    ``Quellen``, or empty, would otherwise validate with no finding and close into empty
    statements). A group workbook whose figures are all its subsidiaries' (Consolidation rows) is
    the exception."""
    if len(ledger.lines) or book.consolidation:
        return fnd.frame()
    missing = book.missing_sheets
    files = [s for s in ledger.sources if s.where not in ("LedgerImport", "JournalImport")]
    if "Sources" in missing:
        why = "the workbook has no Sources sheet"
    elif not book.sources:
        why = "the Sources sheet lists no file"
    else:
        why = f"the Sources sheet lists {len(book.sources)} file{'s' if len(book.sources) > 1 else ''}"
    if files:
        rows = sum(s.rows_read for s in files)
        why += f"; {len(files)} file{'s' if len(files) > 1 else ''} read, " + (
            f"{rows} row{'s' if rows > 1 else ''} and none a ledger line (see the other findings)" if rows else "empty"
        )
    empty = [n for n in ("LedgerImport", "JournalImport") if n not in book.imports]
    if len(empty) == 2:
        why += ", and the LedgerImport and JournalImport sheets are " + (
            "missing" if all(n in missing for n in empty) else "empty"
        )
    if "Sources" in missing:
        why += sheet_hint("Sources", missing["Sources"])
    return fnd.frame(
        [
            fnd.finding(
                "nothing-read", "Sources" if "Sources" not in missing else book.where, "no ledger line was read: " + why
            )
        ]
    )


RULES: list[Rule] = [
    check_something_read,
    check_accounts,
    check_dimensions,
    check_account_currency,
    check_balance,
    check_periods,
    check_duplicates,
    check_unposted,
]


def validate(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """All posting rules over the ledger; the findings of every rule in one frame."""
    return fnd.combine(rule(ledger, book) for rule in RULES)
