"""What every importer shares: the mapped-table contract and column matching by header name.

An importer does one thing: it says which raw column (or which piece of one) holds each canonical
field, and hands back a :class:`Mapped` table of raw values. Parsing those values into amounts,
dates and currencies, and pointing every bad cell at its row and column, is done once for all
formats by :mod:`closekit.core.ledger`.

Canonical fields (raw values, any may be missing):
``journal, voucher, line, date, account, currency, text, posted, document_date``, one column per
dimension (named as in Settings ``Dimensions``), and the amounts as either ``debit`` + ``credit``
(unsigned, transaction currency) or ``amount`` (signed, debit positive); the accounting-currency
amount as ``amount_accounting`` (signed) or ``debit_accounting`` + ``credit_accounting``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from closekit.core import findings as fnd
from closekit.core.ledger import Mapped
from closekit.core.parsing import header_key
from closekit.sources.tables import RawTable

TEXT_FIELDS = ("journal", "voucher", "account", "currency", "text")
AMOUNT_FIELDS = ("debit", "credit", "amount", "amount_accounting", "debit_accounting", "credit_accounting")


@dataclass(frozen=True)
class ImportContext:
    """What an importer may need to know about the close: the dimensions and their order."""

    dimensions: tuple[str, ...] = ()
    dimension_delimiter: str = "-"
    accounting_currency: str = "EUR"
    #: Account -> Type (Asset, Liability, ...) from the Accounts sheet, also under the AccountMap
    #: source names: for reports that sign amounts by an account's natural balance (QuickBooks).
    account_types: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Importer:
    """A registered format: ``detect`` looks at a raw table, ``map`` maps it to canonical fields."""

    name: str
    label: str
    detect: Callable[[RawTable], bool]
    map: Callable[[RawTable, ImportContext], Mapped]
    reads_xml: bool = False
    #: For layouts that are not plain CSV (a metadata line, report titles, ruler lines):
    #: ``read_text(text, where, encoding) -> RawTable | None``, None when the text is not such a file.
    read_text: Callable[[str, str, str], RawTable | None] | None = None


def find_columns(table: RawTable, aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical field -> the table's column for it, matching headers by :func:`header_key`."""
    by_key = {header_key(c): c for c in reversed(table.columns)}
    found = {}
    for canonical, names in aliases.items():
        for name in names:
            column = by_key.get(header_key(name))
            if column is not None:
                found[canonical] = column
                break
    return found


def has_headers(table: RawTable, *names: str) -> bool:
    keys = {header_key(c) for c in table.columns}
    return all(header_key(n) in keys for n in names)


def missing_column(table: RawTable, column: str, expected: str) -> dict:
    return fnd.finding(
        "missing-column",
        table.where,
        f"no column {column} in the header: {expected}",
        row=int(table.rows[0]) - 1 if len(table.rows) else 1,
        column=column,
    )


def require(table: RawTable, found: dict[str, str], fields: dict[str, str]) -> list[dict]:
    """A ``missing-column`` finding for each required field (canonical -> header to name) absent."""
    return [
        missing_column(table, header, f"closekit needs it to read the {table.where} lines")
        for canonical, header in fields.items()
        if canonical not in found
    ]


def mapped_from_columns(
    table: RawTable, found: dict[str, str], problems: list[dict], extra: dict[str, pd.Series] | None = None
) -> Mapped:
    """A :class:`Mapped` whose fields are whole source columns (plus computed ``extra`` ones)."""
    frame = pd.DataFrame({canonical: table.frame[column] for canonical, column in found.items()})
    if extra:
        for name, values in extra.items():
            frame[name] = values
    if frame.empty and len(table.frame):
        frame = pd.DataFrame(index=table.frame.index)
    return Mapped(frame, table.rows, dict(found), fnd.frame(problems))


def dimension_aliases(ctx: ImportContext) -> dict[str, tuple[str, ...]]:
    """Dimension columns are found by the dimension's own name."""
    return {name: (name,) for name in ctx.dimensions}
