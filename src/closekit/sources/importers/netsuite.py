"""Oracle NetSuite (formats.md 3a, 3b): the journal entry CSV import and the GL detail saved search.

Two layouts, told apart by their headers (matched case/space/underscore-insensitively):

* **Journal entry import** (Import Assistant, Transactions → Journal Entry): ``External ID``
  (groups the rows of one journal entry: the voucher), ``Date``, ``Account``, ``Debit``, ``Credit``,
  ``Memo`` (header) and ``Line Memo``, ``Currency``; the other columns (Subsidiary, Posting
  Period, Exchange Rate, Name...) are read only as dimensions of the same name. The text of a line
  is its Line Memo, else the journal's Memo.
* **GL detail saved search** (a transaction saved search exported as CSV): ``Internal ID, Date,
  Type, Document Number, Account, Memo, Amount (Debit), Amount (Credit), Amount, Currency,
  Amount (Foreign Currency), Posting`` and the segments. ``Type`` is the journal, ``Document
  Number`` the voucher (``Internal ID`` where a transaction has no number). Amounts are the base
  (accounting) currency; with ``Currency`` and ``Amount (Foreign Currency)`` the line is in that
  currency and the base amount is its accounting amount. ``Posting`` (``T``/``F``, Yes/No) is
  Posted: filter the search on ``Posting = T``.

**Accounts.** NetSuite shows an account as ``number name`` (``6150 Audit Fees``, with "Use Account
Numbers" on), as a name, or as a path ``Parent : Child``. The account is the leading number of the
last part when it has one (``6000 Expenses : 6150 Audit Fees`` is ``6150``), else the text as it
stands; the AccountMap sheet maps names to the chart.

**Segments.** ``Subsidiary``, ``Department``, ``Class``, ``Location`` and custom segments are read
into the Settings ``Dimensions`` of the same name; hierarchical values (``Sales : West``) are kept
as they are.

Dates follow the exporting user's date preference (``1/31/2025`` in the US) and are detected like
every other source; set DateFormat in Sources when a file could be read two ways.
"""

from __future__ import annotations

import pandas as pd

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.sources.importers.base import (
    ImportContext,
    Importer,
    Mapped,
    dimension_aliases,
    find_columns,
    has_headers,
    require,
)
from closekit.sources.tables import RawTable

JOURNAL = {
    "voucher": ("External ID",),
    "date": ("Date", "Transaction Date"),
    "currency": ("Currency",),
    "debit": ("Debit", "Debit Amount"),
    "credit": ("Credit", "Credit Amount"),
}
JOURNAL_EXTRA = {"account": ("Account",), "line_memo": ("Line Memo", "Memo (Line)"), "memo": ("Memo",)}

SEARCH = {
    "journal": ("Type", "Transaction Type"),
    "date": ("Date",),
    "posted": ("Posting",),
    "text": ("Memo", "Line Memo"),
}
SEARCH_EXTRA = {
    "account": ("Account",),
    "number": ("Document Number", "Document No.", "Number"),
    "internal_id": ("Internal ID",),
    "debit": ("Amount (Debit)", "Debit Amount", "Debit"),
    "credit": ("Amount (Credit)", "Credit Amount", "Credit"),
    "amount": ("Amount",),
    "foreign": ("Amount (Foreign Currency)", "Foreign Amount"),
    "currency": ("Currency",),
}
#: Headers only the saved search has: a table with one of them is read as the saved search.
SEARCH_ONLY = ("Amount (Debit)", "Amount (Credit)", "Amount (Foreign Currency)", "Document Number", "Internal ID")

#: ``number name`` (``6150 Audit Fees``, ``5012 · Thing``, ``4000 - Sales``): the number.
NUMBERED = r"^(\d[\d.\-]*)(?:\s+[·\-–])?\s+\S"


def detect(table: RawTable) -> bool:
    if not has_headers(table, "Account"):
        return False
    journal = has_headers(table, "External ID") and (has_headers(table, "Debit") or has_headers(table, "Credit"))
    search = has_headers(table, "Date") and (
        any(has_headers(table, h) for h in ("Amount (Debit)", "Amount (Credit)", "Amount (Foreign Currency)"))
        or has_headers(table, "Document Number", "Type", "Amount")
    )
    return journal or search


def _is_search(table: RawTable) -> bool:
    return any(has_headers(table, h) for h in SEARCH_ONLY)


def map_table(table: RawTable, ctx: ImportContext) -> Mapped:
    return _map_search(table, ctx) if _is_search(table) else _map_journal(table, ctx)


def account_code(values: pd.Series) -> pd.Series:
    """The account of each ``number name`` / ``Parent : Child`` text (module doc)."""
    text = parsing.as_text(values)
    leaf = text.str.rsplit(":", n=1).str[-1].str.strip()
    number = leaf.str.extract(NUMBERED, expand=False)
    return number.where(number.notna(), text).astype("string")


def _text(table: RawTable, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series("", index=pd.RangeIndex(len(table.frame)), dtype="string")
    return parsing.as_text(table.frame[column].reset_index(drop=True))


def _map_journal(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, {**JOURNAL, **JOURNAL_EXTRA, **dimension_aliases(ctx)})
    problems = require(
        table,
        found,
        {"voucher": "External ID", "date": "Date", "account": "Account", "debit": "Debit", "credit": "Credit"},
    )
    source = table.frame.reset_index(drop=True)
    columns = {f: c for f, c in found.items() if f not in JOURNAL_EXTRA}
    frame = pd.DataFrame({f: source[c] for f, c in columns.items()}, index=source.index)
    if "account" in found:
        frame["account"] = account_code(source[found["account"]])
        columns["account"] = found["account"]
    line_memo, memo = found.get("line_memo"), found.get("memo")
    if line_memo or memo:
        lines, header = _text(table, line_memo), _text(table, memo)
        frame["text"] = lines.where(lines != "", header) if line_memo else header
        columns["text"] = line_memo or memo
    return Mapped(frame, table.rows, columns, fnd.frame(problems))


def _map_search(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, {**SEARCH, **SEARCH_EXTRA, **dimension_aliases(ctx)})
    problems = require(table, found, {"date": "Date", "account": "Account"})
    source = table.frame.reset_index(drop=True)
    columns = {f: c for f, c in found.items() if f not in SEARCH_EXTRA}
    frame = pd.DataFrame({f: source[c] for f, c in columns.items()}, index=source.index)
    if "account" in found:
        frame["account"] = account_code(source[found["account"]])
        columns["account"] = found["account"]
    number, internal = found.get("number"), found.get("internal_id")
    if number or internal:
        documents, ids = _text(table, number), _text(table, internal)
        frame["voucher"] = documents.where(documents != "", ids) if number else ids
        columns["voucher"] = number or internal
    if "posted" in found:  # checkbox columns export as T/F
        flags = _text(table, found["posted"])
        frame["posted"] = flags.replace({"T": "Yes", "F": "No", "t": "Yes", "f": "No"})
    base = _base_amounts(found)
    if "foreign" in found and "currency" in found:
        for field in ("foreign", "currency"):
            name = "amount" if field == "foreign" else field
            frame[name], columns[name] = source[found[field]], found[field]
        for field, column in base.items():
            name = {"debit": "debit_accounting", "credit": "credit_accounting", "amount": "amount_accounting"}[field]
            frame[name], columns[name] = source[column], column
    else:
        for field, column in base.items():
            frame[field], columns[field] = source[column], column
    if not base and "foreign" not in found:
        problems.append(
            fnd.finding(
                "missing-column",
                table.where,
                "no column Amount (Debit), Amount (Credit) or Amount in the header: closekit needs the "
                "amounts to read the saved search",
                row=int(table.rows[0]) - 1 if len(table.rows) else 1,
                column="Amount",
                fix="Add the Amount (Debit) and Amount (Credit) columns (or Amount) to the saved search's results.",
            )
        )
    return Mapped(frame, table.rows, columns, fnd.frame(problems))


def _base_amounts(found: dict[str, str]) -> dict[str, str]:
    """Debit and Credit when the search has both, else the signed Amount, else what there is."""
    if "debit" in found and "credit" in found:
        return {"debit": found["debit"], "credit": found["credit"]}
    if "amount" in found:
        return {"amount": found["amount"]}
    return {f: found[f] for f in ("debit", "credit") if f in found}


IMPORTER = Importer("netsuite", "NetSuite", detect, map_table)
