"""QuickBooks Online journal entry import (formats.md 4a): UTF-8 with BOM (Excel's "CSV UTF-8"), comma.

Columns: ``Journal No.`` (the voucher: rows with the same number are one journal entry),
``Journal Date`` as ``MM/DD/YYYY`` (the US company date format), ``Account``, ``Debits``,
``Credits`` (unsigned, the other one empty), ``Description`` (the line's text), and ``Class`` and
``Location`` from the Settings dimensions of that name (QuickBooks' only two; turn on class and
location tracking first). Other dimensions have no QuickBooks column: the export notes which are
left out.

**Accounts.** QuickBooks matches an account by its name (sub-accounts as ``Parent:Child``). The
file holds the chart's account (the Accounts sheet's number); when the export context carries
``account_names`` (account → QuickBooks name, e.g. from the AccountMap sheet) the names are written
instead. Otherwise the export notes that the accounts are numbers.

What QuickBooks would refuse is an ``export-limit`` finding at the Adjustments row:

* a ``Journal No.`` longer than 21 characters (a journal entry's DocNumber [doc: QuickBooks Online
  API, JournalEntry]);
* a ``Description`` longer than 4000 characters (a journal line's Description [doc: same]);
* a journal entry of more lines than one file may hold.

A file holds at most 1000 lines with its header (QuickBooks' import takes 1000 rows at a time
[belief: Intuit community and third-party guides]): more lines are split into several files, never
inside a journal entry.
"""

from __future__ import annotations

import pandas as pd

from closekit.core import findings as fnd
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

MAX_JOURNAL_NO = 21
MAX_DESCRIPTION = 4000
MAX_FILE_LINES = 1000  # with the header row
MAX_ROWS = MAX_FILE_LINES - 1
DATE_FORMAT = "%m/%d/%Y"
#: QuickBooks' own tracking columns, by the dimension name that fills them.
TRACKING = ("Class", "Location")
BOM = b"\xef\xbb\xbf"


def write(lines: pd.DataFrame, ctx: ExportContext) -> Export:
    ccy = ctx.accounting_currency
    amount = lines["amount_accounting"].astype("int64")
    tracking = {name: _dimension(ctx, name) for name in TRACKING}
    names = getattr(ctx, "account_names", None) or {}
    account = lines["account"].astype(str)
    frame = pd.DataFrame(
        {
            "Journal No.": lines["voucher"].astype(str),
            "Journal Date": lines["date"].dt.strftime(DATE_FORMAT),
            "Account": account.map(names).fillna(account) if names else account,
            "Debits": amount_text(amount.clip(lower=0), ccy).where(amount >= 0, ""),
            "Credits": amount_text((-amount).clip(lower=0), ccy).where(amount < 0, ""),
            "Description": lines["text"].astype(object).where(lines["text"].notna(), ""),
            **{name: lines[dim] for name, dim in tracking.items() if dim},
        },
        index=lines.index,
    )
    parts = chunks(frame, MAX_ROWS, by="Journal No.") if len(frame) else [frame]
    files = [BOM + csv_bytes(list(frame.columns), part) for part in parts]
    notes = []
    if len(files) > 1:
        notes.append(f"The journal is split into {len(files)} files of at most {MAX_FILE_LINES} lines each.")
    left_out = [d for d in ctx.dimensions if d not in tracking.values()]
    if left_out:
        notes.append(
            "QuickBooks has no column for the dimensions " + ", ".join(left_out) + ": they are not in the file."
        )
    if not names:
        notes.append(
            "Account holds the chart's account numbers; QuickBooks matches accounts by name, so map them on "
            "the import's mapping screen or give the accounts these numbers in QuickBooks."
        )
    return Export(files, ".csv", _refusals(lines, frame), notes)


def _dimension(ctx: ExportContext, name: str) -> str | None:
    return next((d for d in ctx.dimensions if d.lower() == name.lower()), None)


def _refusals(lines: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    number = safe_text(frame["Journal No."]).str.len()
    description = safe_text(frame["Description"]).str.len()
    voucher = lines["voucher"].astype(str)
    size = voucher.map(voucher.value_counts())
    first = ~voucher.duplicated()
    return fnd.combine(
        [
            refuse(
                lines,
                first & (number > MAX_JOURNAL_NO),
                "Voucher",
                f"QuickBooks takes at most {MAX_JOURNAL_NO} characters in Journal No.; voucher "
                + voucher
                + " has "
                + number.astype(str),
                f"Use voucher numbers of at most {MAX_JOURNAL_NO} characters.",
            ),
            refuse(
                lines,
                description > MAX_DESCRIPTION,
                "Text",
                f"QuickBooks takes at most {MAX_DESCRIPTION} characters in Description; this text has "
                + description.astype(str),
                f"Shorten the text to {MAX_DESCRIPTION} characters.",
            ),
            refuse(
                lines,
                first & (size > MAX_ROWS),
                "Voucher",
                f"a QuickBooks import file holds at most {MAX_ROWS} journal lines; voucher "
                + voucher
                + " has "
                + size.astype(str),
                "Split the voucher into balanced vouchers of fewer lines.",
            ),
        ]
    )


EXPORTER = Exporter("quickbooks", "QuickBooks Online journal import", ".csv", write)
