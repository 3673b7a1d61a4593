"""Journal sources that are already posted: read once, not twice.

A journal source (Kind ``journal``, the JournalImport sheet) holds vouchers still to be posted. Once
one is uploaded and posted, the next ledger export (Kind ``ledger``) holds it too, and reading both
would count it twice (an accrual of 4,500.00 read as 9,000.00). :func:`split` recognises them:

- **by voucher number**: ledger lines with the journal voucher's number (in the same fiscal year)
  and, line by line, the same date, account, currency and amount (each ledger line matches one
  journal line). Every line found: the voucher is posted, it is left out of the ledger, with an
  Info ``journal-already-posted``. Some lines found: ``journal-partly-posted`` (Error) names the
  missing lines; the posted lines are left out, the missing ones stay in (still to be posted).
  None found: the number is not evidence, and the content decides.
- **else by content**: a ledger voucher whose lines are exactly the journal voucher's (the same
  dates, accounts, currencies and amounts, as many of each), for an ERP that numbers vouchers
  when it posts them. Each ledger voucher answers for one journal voucher. A journal voucher whose
  number the ledger holds for other lines, and that no content matches, stays in, with a
  ``voucher-number-reused`` warning naming both.

Line texts and line numbers are not compared (ERPs rewrite and renumber them); dimensions are not
either, since an ERP fills default dimensions in on posting. Only the journal's lines and the ledger
lines they could match are looked at, so a million-line ledger with a small journal costs little.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from closekit.closing.journal_register import voucher_keys
from closekit.closing.validation import row_list
from closekit.core import findings as fnd
from closekit.core import money, parsing, periods
from closekit.core.ledger import Ledger
from closekit.workbook.book import CloseBook

#: What a journal line and its posted line have in common.
MATCH = ["date", "account", "currency", "amount"]


#: Column of :func:`split`'s third frame: where the posted ledger holds each journal line left out.
FOUND_IN = "found_in"


def split(ledger: Ledger, book: CloseBook) -> tuple[Ledger, pd.DataFrame, pd.DataFrame]:
    """The ledger without the journal lines that are already posted, the findings saying so, and
    the journal lines left out (ledger columns, plus :data:`FOUND_IN`: the posted lines' place)."""
    lines = ledger.lines
    kind = lines["kind"]
    journal = parsing.mask(kind == "journal").to_numpy()
    posted = parsing.mask(kind == "ledger").to_numpy()
    none = lines.iloc[:0].assign(**{FOUND_IN: pd.Series(dtype=object)})
    if not journal.any() or not posted.any():
        return ledger, fnd.frame(), none
    start = book.settings.fiscal_year_start if book.settings else 1
    todo = _keyed(lines[journal], start)
    todo["_jv"] = _voucher_ids(todo)
    readable = todo["amount"].notna() & todo["date"].notna()

    # Ledger lines that could answer: the journal's voucher numbers, or a journal line's date, account and amount.
    numbers = set(todo.loc[todo["voucher"] != "", "voucher"])
    hit = lines["voucher"].isin(numbers).to_numpy()
    loose = (
        lines["date"].isin(todo["date"].dropna().unique()).to_numpy()
        & lines["account"].isin(todo["account"].unique()).to_numpy()
        & lines["amount"].isin(todo["amount"].dropna().unique()).to_numpy()
    )
    content_vouchers = set(lines.loc[posted & loose, "voucher"]) - {""}
    pool = posted & (hit | lines["voucher"].isin(content_vouchers).to_numpy())
    done = _keyed(lines[pool], start)
    done["_lv"] = _voucher_ids(done)

    # 1. By voucher number: each journal line against the ledger lines of that number, copy by copy.
    by_number = todo[readable & (todo["voucher"] != "")]
    left = by_number.assign(_copy=by_number.groupby(["voucher", "_year", *MATCH], sort=False).cumcount())
    sure = done[done["amount"].notna().to_numpy() & done["date"].notna().to_numpy()]
    right = sure.assign(_copy=sure.groupby(["voucher", "_year", *MATCH], sort=False).cumcount())
    pairs = left.reset_index().merge(
        right.reset_index()[["index", "voucher", "_year", *MATCH, "_copy"]].rename(columns={"index": "_ledger"}),
        on=["voucher", "_year", *MATCH, "_copy"],
        how="inner",
    )
    matched = pd.Series(pairs["_ledger"].to_numpy(), index=pairs["index"].to_numpy())  # journal line -> ledger line
    used_ledger = set(matched.to_numpy())

    drop: list[int] = []
    found_in: dict[int, str] = {}  # journal line left out -> where the ledger holds it
    records: list[dict] = []
    acct_ccy = book.accounting_currency or "EUR"
    unmatched_vouchers = []
    for _, voucher in todo.groupby("_jv", sort=True):
        found = voucher.index.intersection(matched.index)
        if len(found) == len(voucher):
            drop += list(voucher.index)
            twins = lines.loc[matched.loc[found].to_numpy()]
            found_in.update(dict.fromkeys(voucher.index, _place(twins)))
            records.append(_posted(ledger, voucher, twins, "its voucher number"))
        elif len(found):
            drop += list(found)
            found_in.update(dict.fromkeys(found, _place(lines.loc[matched.loc[found].to_numpy()])))
            records.append(
                _partly(ledger, voucher, voucher.index.difference(found), lines, matched.loc[found], acct_ccy)
            )
        else:
            unmatched_vouchers.append(voucher)

    # 2. By content: a ledger voucher with exactly the journal voucher's lines.
    signatures: dict[tuple, list[pd.DataFrame]] = {}
    for _, posted_voucher in done.groupby("_lv", sort=True):
        if posted_voucher["voucher"].iat[0] == "" or used_ledger.intersection(posted_voucher.index):
            continue
        signatures.setdefault(_signature(posted_voucher), []).append(posted_voucher)
    for voucher in unmatched_vouchers:
        candidates = signatures.get(_signature(voucher)) if voucher["amount"].notna().all() else None
        if candidates:
            twin = candidates.pop(0)
            drop += list(voucher.index)
            found_in.update(dict.fromkeys(voucher.index, _place(lines.loc[twin.index])))
            records.append(_posted(ledger, voucher, lines.loc[twin.index], "date, account and amount"))
            continue
        number = voucher["voucher"].iat[0]
        same = done[(done["voucher"] == number) & (done["_year"] == voucher["_year"].iat[0])] if number else None
        if same is not None and len(same):
            records.append(_number_taken(ledger, voucher, lines.loc[same.index]))

    if not drop:
        return ledger, fnd.frame(records), none
    keep = np.ones(len(lines), dtype=bool)
    keep[lines.index.get_indexer(drop)] = False
    kept = lines[keep].reset_index(drop=True)
    left_out = lines[~keep].assign(**{FOUND_IN: lines.index[~keep].map(found_in)}).reset_index(drop=True)
    return Ledger(kept, ledger.sources, ledger.dimensions), fnd.frame(records), left_out


def _keyed(lines: pd.DataFrame, start_month: int) -> pd.DataFrame:
    """The columns the matching needs, with the fiscal year of each line."""
    out = lines[["where", "row", "kind", "journal", "voucher", "line", *MATCH, "amount_accounting"]].copy()
    out["where"] = out["where"].astype(str)
    out["_year"] = periods.fiscal_years(out["date"], start_month)
    return out


def _voucher_ids(lines: pd.DataFrame) -> np.ndarray:
    """One integer per voucher: file, journal and number (lines without a number: per date), the
    voucher the Journals sheet lists (:func:`closekit.closing.journal_register.voucher_keys`)."""
    return pd.factorize(voucher_keys(lines))[0]


def _signature(voucher: pd.DataFrame) -> tuple:
    return tuple(sorted(zip(*(voucher[c].astype(str) for c in MATCH), strict=True)))


def _label(voucher: pd.DataFrame) -> str:
    number = voucher["voucher"].iat[0]
    return f"journal voucher {number}" if number else f"the journal lines dated {voucher['date'].iat[0]:%Y-%m-%d}"


def _place(lines: pd.DataFrame) -> str:
    """``gl_nov.csv rows 120-121 (voucher GJ-123)``."""
    parts = []
    for (where, number), here in lines.groupby([lines["where"].astype(str), "voucher"], sort=False):
        parts.append(f"{where} {row_list(here['row'].to_numpy())}" + (f" (voucher {number})" if number else ""))
    return "; ".join(parts)


def _finding(code: str, ledger: Ledger, voucher: pd.DataFrame, message: str, row: int | None = None) -> dict:
    where = str(voucher["where"].iat[0])
    columns = next((s.columns for s in ledger.sources if s.where == where), {})
    return fnd.finding(
        code,
        where,
        message,
        row=int(voucher["row"].iat[0]) if row is None else row,
        column=columns.get("voucher", "Voucher"),
        voucher=str(voucher["voucher"].iat[0]),
    )


def _posted(ledger: Ledger, voucher: pd.DataFrame, twins: pd.DataFrame, how: str) -> dict:
    message = (
        f"{_label(voucher)} ({row_list(voucher['row'].to_numpy())}) is already in the posted ledger, found by "
        f"{how}: {_place(twins)}; its {len(voucher)} lines are left out so that they are not counted twice"
    )
    return _finding("journal-already-posted", ledger, voucher, message)


def _partly(
    ledger: Ledger, voucher: pd.DataFrame, missing: pd.Index, lines: pd.DataFrame, found: pd.Series, acct_ccy: str
) -> dict:
    gone = voucher.loc[missing]
    described = "; ".join(
        f"row {int(r['row'])}"
        + (f" line {int(r['line'])}" if pd.notna(r["line"]) else "")
        + f": {r['date']:%Y-%m-%d} account {r['account']} "
        + (money.display(int(r["amount"]), str(r["currency"])) + f" {r['currency']}" if pd.notna(r["amount"]) else "")
        for r in gone.to_dict("records")
    )
    message = (
        f"{_label(voucher)} is partly posted: {len(found)} of its {len(voucher)} lines "
        f"{'is' if len(found) == 1 else 'are'} in the ledger ({_place(lines.loc[found.to_numpy()])}) and left "
        f"out; not posted, and read as still to be posted: {described}"
    )
    return _finding("journal-partly-posted", ledger, voucher, message, row=int(gone["row"].iat[0]))


def _number_taken(ledger: Ledger, voucher: pd.DataFrame, other: pd.DataFrame) -> dict:
    dates = ", ".join(sorted({f"{d:%Y-%m-%d}" for d in other["date"].dropna()}))
    message = (
        f"{_label(voucher)} ({row_list(voucher['row'].to_numpy())}, dated {voucher['date'].iat[0]:%Y-%m-%d}) has "
        f"the number of a posted voucher with other lines: {_place(other)}, dated {dates}; it is read as a voucher "
        f"still to be posted, and an ERP that keeps journal numbers will refuse the number"
    )
    return _finding("voucher-number-reused", ledger, voucher, message)
