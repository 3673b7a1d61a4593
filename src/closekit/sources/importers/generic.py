"""The generic layout (workbook.md "The generic format"): the ERP-neutral columns.

``Journal, Voucher, Line, Date, Account, <one column per dimension>, Currency, Debit, Credit,
AmountAccounting, Text, Posted, DocumentDate``; either Debit/Credit or one signed ``Amount``.
"""

from __future__ import annotations

from closekit.sources.importers.base import (
    ImportContext,
    Importer,
    Mapped,
    dimension_aliases,
    find_columns,
    has_headers,
    mapped_from_columns,
    missing_column,
    require,
)
from closekit.sources.tables import RawTable

ALIASES = {
    "journal": ("Journal",),
    "voucher": ("Voucher",),
    "line": ("Line",),
    "date": ("Date",),
    "account": ("Account",),
    "currency": ("Currency",),
    "debit": ("Debit",),
    "credit": ("Credit",),
    "amount": ("Amount",),
    "amount_accounting": ("AmountAccounting",),
    "text": ("Text",),
    "posted": ("Posted",),
    "document_date": ("DocumentDate",),
    "reverse_on": ("ReverseOn", "ReverseDate", "Reversal Date"),
    "reverse": ("Reverse", "ReverseEntry"),
}


def detect(table: RawTable) -> bool:
    return has_headers(table, "Voucher", "Date", "Account") and (
        has_headers(table, "Debit", "Credit") or has_headers(table, "Amount")
    )


def map_table(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, {**ALIASES, **dimension_aliases(ctx)})
    problems = require(table, found, {"voucher": "Voucher", "date": "Date", "account": "Account"})
    if "amount" in found:
        found.pop("debit", None)
        found.pop("credit", None)
    elif not ("debit" in found and "credit" in found):
        for side in ("Debit", "Credit"):
            if side.lower() not in found:
                problems.append(
                    missing_column(table, side, "the generic layout needs Debit and Credit, or one signed Amount")
                )
    return mapped_from_columns(table, found, problems)


IMPORTER = Importer("generic", "generic layout", detect, map_table)
