"""NetSuite journal entry CSV import (formats.md 3a): UTF-8, comma, one row per line.

Columns: ``External ID`` (the voucher: rows with the same External ID are one journal entry),
``Subsidiary`` (when a Settings dimension is named so), ``Currency`` (the accounting currency),
``Date`` as ``MM/DD/YYYY``, ``Memo`` (the voucher's first text), ``Account`` (the chart's account
number: NetSuite takes it with "Use Account Numbers" on), ``Debit``, ``Credit`` (unsigned, the other
one empty), ``Line Memo`` (the line's text), then the other dimensions, named as in Settings
(``Department``, ``Class``, ``Location`` map to NetSuite's segments by name; any other is mapped to
a custom segment on the Import Assistant's field mapping page).

NetSuite reads dates in the importing user's date format (Home → Set Preferences): the file is
``MM/DD/YYYY``, the US default; a user with another preference sets it for the import or changes
the Date column's format on the mapping page.

What NetSuite would refuse is an ``export-limit`` finding at the Adjustments row:

* ``External ID``, ``Memo`` and ``Line Memo`` longer than 300 bytes of UTF-8 (NetSuite's
  free-form text fields: 300 characters, fewer for characters outside ASCII [doc: help "Field Type
  Descriptions for Custom Fields"]);
* an amount of more than 10 integer digits (Debit/Credit: 10 digits and 2 decimals [doc: formats.md 3a]);
* a journal entry of one line (each needs at least two [doc]), of more than 10,000 lines (the limit
  for journal entries imported from CSV [doc: help "Entering Transaction Line Items"]), or with
  more than one Subsidiary (that is an intercompany journal entry, imported separately).

A file holds at most 25,000 lines (the Import Assistant takes 25,000 records or 50 MB per job
[doc: help "General CSV File Conventions"]); more lines are split into several files, never
inside a journal entry.
"""

from __future__ import annotations

import pandas as pd

from closekit.core import findings as fnd
from closekit.core import money
from closekit.exporters.base import (
    Export,
    ExportContext,
    Exporter,
    amount_text,
    chunks,
    csv_bytes,
    refuse,
    safe_text,
)

MAX_TEXT_BYTES = 300
MAX_INTEGER_DIGITS = 10
MAX_JOURNAL_LINES = 10_000
MAX_FILE_LINES = 25_000
DATE_FORMAT = "%m/%d/%Y"


def write(lines: pd.DataFrame, ctx: ExportContext) -> Export:
    ccy = ctx.accounting_currency
    amount = lines["amount_accounting"].astype("int64")
    voucher = lines["voucher"].astype(str)
    text = lines["text"].astype(object).where(lines["text"].notna(), "").astype(str)
    subsidiary = next((d for d in ctx.dimensions if d.lower() == "subsidiary"), None)
    frame = pd.DataFrame(
        {
            "External ID": voucher,
            **({subsidiary: lines[subsidiary]} if subsidiary else {}),
            "Currency": ccy,
            "Date": lines["date"].dt.strftime(DATE_FORMAT),
            "Memo": text.groupby(voucher.to_numpy(), sort=False).transform("first"),
            "Account": lines["account"],
            "Debit": amount_text(amount.clip(lower=0), ccy).where(amount >= 0, ""),
            "Credit": amount_text((-amount).clip(lower=0), ccy).where(amount < 0, ""),
            "Line Memo": text,
            **{d: lines[d] for d in ctx.dimensions if d != subsidiary},
        },
        index=lines.index,
    )
    found = _refusals(lines, frame, amount, ccy, subsidiary)
    parts = chunks(frame, MAX_FILE_LINES, by="External ID") if len(frame) else [frame]
    files = [csv_bytes(list(frame.columns), part) for part in parts]
    notes = (
        [f"The journal is split into {len(files)} files of at most {MAX_FILE_LINES} lines."] if len(files) > 1 else []
    )
    return Export(files, ".csv", found, notes)


def _refusals(
    lines: pd.DataFrame, frame: pd.DataFrame, amount: pd.Series, ccy: str, subsidiary: str | None
) -> pd.DataFrame:
    found = []
    voucher = lines["voucher"].astype(str)
    first = ~voucher.duplicated()  # a voucher's own limits: one finding, at its first line
    # The Memo is the voucher's first Line Memo: checking the Line Memos checks it too.
    for column, source, once in (("External ID", "Voucher", first), ("Line Memo", "Text", True)):
        size = safe_text(frame[column]).map(lambda t: len(t.encode("utf-8")))
        found.append(
            refuse(
                lines,
                once & (size > MAX_TEXT_BYTES),
                source,
                f"NetSuite takes at most {MAX_TEXT_BYTES} bytes in {column}; this one has " + size.astype(str),
                f"Shorten the {source.lower()} to {MAX_TEXT_BYTES} characters (fewer outside ASCII).",
            )
        )
    limit = 10**MAX_INTEGER_DIGITS * 10 ** money.exponent(ccy)
    found.append(
        refuse(
            lines,
            amount.abs() >= limit,
            "AmountAccounting",
            f"NetSuite takes at most {MAX_INTEGER_DIGITS} digits before the decimal point in Debit and Credit",
            "Split the amount over several lines.",
        )
    )
    size = voucher.map(voucher.value_counts())
    found.append(
        refuse(
            lines,
            first & (size < 2),
            "Voucher",
            "a NetSuite journal entry needs at least two lines; voucher " + voucher + " has one",
            "Add the balancing line to the voucher.",
        )
    )
    found.append(
        refuse(
            lines,
            first & (size > MAX_JOURNAL_LINES),
            "Voucher",
            f"NetSuite imports at most {MAX_JOURNAL_LINES} lines per journal entry; voucher "
            + voucher
            + " has "
            + size.astype(str),
            "Split the voucher into balanced vouchers of fewer lines.",
        )
    )
    if subsidiary:
        values = lines[subsidiary].astype(str).groupby(voucher.to_numpy()).transform("nunique")
        found.append(
            refuse(
                lines,
                first & (values > 1),
                subsidiary,
                "voucher " + voucher + f" has lines in more than one {subsidiary}: that is an intercompany journal "
                "entry, which this layout does not import",
                f"Give every line of the voucher the same {subsidiary}, or post it as an intercompany journal entry.",
            )
        )
    return fnd.combine(found)


EXPORTER = Exporter("netsuite", "NetSuite journal import", ".csv", write)
