"""Dynamics 365 General journal data entity (formats.md 1a, ``LedgerJournalEntity``): a Data
management import file, UTF-8 with BOM, comma.

``JOURNALBATCHNUMBER, LINENUMBER, JOURNALNAME, VOUCHER, TRANSDATE, ACCOUNTTYPE,
ACCOUNTDISPLAYVALUE, TEXT, DEBITAMOUNT, CREDITAMOUNT, CURRENCYCODE``; one row per adjustment line.

* **One journal.** JOURNALBATCHNUMBER is the same on every row (Data management puts the rows of one
  batch number into one new journal, numbered by the journal name's number sequence): the Settings
  Period (``2026-10``), kept to its letters and digits and cut to D365's 10 characters when longer.
  LINENUMBER counts 1, 2, 3 ... through the file. JOURNALNAME is Settings ``JournalName``; without
  it D365 cannot create the journal: an ``export-limit`` finding.
* **VOUCHER** is the adjustment's voucher (at most 20 characters), TRANSDATE ISO ``2026-10-31``,
  ACCOUNTTYPE ``Ledger``.
* **ACCOUNTDISPLAYVALUE** is the main account and one segment per Settings ``Dimensions`` entry, in
  that order (the ledger dimension format for integrating applications must list the same
  dimensions in the same order), joined by Settings ``DimensionDelimiter`` (default ``-``). Empty
  segments keep their place (``2900---``); a delimiter inside a value is escaped with a backslash
  (``A\\-B``), as the d365 importer reads it. A value ending in a backslash cannot be written that
  way: an ``export-limit`` finding.
* **TEXT** at most 60 characters. DEBITAMOUNT and CREDITAMOUNT are unsigned, the other side ``0``
  (as in formats.md's example); CURRENCYCODE is the accounting currency (adjustments are posted in
  it). No EXCHANGERATE: D365 takes the rate of the accounting currency, 100.

Texts that start like a formula get a leading ``'`` (:func:`~closekit.exporters.base.safe_text`);
lengths are checked on the text as written.
"""

from __future__ import annotations

import re

import pandas as pd

from closekit.core import findings as fnd
from closekit.exporters.base import Export, ExportContext, Exporter, amount_text, csv_bytes, refuse, safe_text

HEADER = [
    "JOURNALBATCHNUMBER",
    "LINENUMBER",
    "JOURNALNAME",
    "VOUCHER",
    "TRANSDATE",
    "ACCOUNTTYPE",
    "ACCOUNTDISPLAYVALUE",
    "TEXT",
    "DEBITAMOUNT",
    "CREDITAMOUNT",
    "CURRENCYCODE",
]
MAX_TEXT = 60
MAX_VOUCHER = 20
MAX_BATCH = 10
BOM = b"\xef\xbb\xbf"


def batch_number(period: str) -> str:
    """The JOURNALBATCHNUMBER of the export: the period code when it fits D365's 10 characters,
    else its letters and digits, cut to 10 (``closekit`` when there is no period)."""
    period = (period or "").strip()
    if 0 < len(period) <= MAX_BATCH:
        return period
    return re.sub(r"[^0-9A-Za-z]", "", period)[:MAX_BATCH] or "closekit"


def display_value(lines: pd.DataFrame, dimensions: tuple[str, ...], delimiter: str) -> pd.Series:
    """Main account and dimension values joined by ``delimiter``; a delimiter inside a value is ``\\``-escaped."""
    segments = [_segment(lines["account"], delimiter), *(_segment(lines[d], delimiter) for d in dimensions)]
    joined = segments[0]
    for segment in segments[1:]:
        joined = joined + delimiter + segment
    return joined


def _segment(values: pd.Series, delimiter: str) -> pd.Series:
    return values.fillna("").astype(str).str.replace(delimiter, "\\" + delimiter, regex=False)


def write(lines: pd.DataFrame, ctx: ExportContext) -> Export:
    ccy = ctx.accounting_currency
    delimiter = ctx.dimension_delimiter or "-"
    journal_name = (ctx.journal_name or "").strip()
    found = []
    if not journal_name:
        found.append(
            fnd.frame(
                [
                    fnd.finding(
                        "export-limit",
                        "Settings",
                        "the setting JournalName is empty: Dynamics 365 needs a journal name to create the journal",
                        column="Value",
                        fix="Set JournalName in Settings to a general journal name of the legal entity (e.g. GenJrn).",
                    )
                ]
            )
        )
    voucher = safe_text(lines["voucher"])
    text = safe_text(lines["text"])
    found.append(
        refuse(
            lines,
            voucher.str.len() > MAX_VOUCHER,
            "Voucher",
            "voucher '" + voucher + "' has " + voucher.str.len().astype(str) + f" characters; D365 takes {MAX_VOUCHER}",
            f"Use vouchers of at most {MAX_VOUCHER} characters.",
        )
    )
    found.append(
        refuse(
            lines,
            text.str.len() > MAX_TEXT,
            "Text",
            "the text has " + text.str.len().astype(str) + f" characters; D365's TEXT takes {MAX_TEXT}",
            f"Shorten the text to {MAX_TEXT} characters in the source of the adjustment.",
        )
    )
    for column, name in [("account", "Account"), *((d, d) for d in ctx.dimensions)]:
        value = lines[column].fillna("").astype(str)
        found.append(
            refuse(
                lines,
                value.str.endswith("\\"),
                name,
                "'" + value + "' ends with a backslash, which would escape the display value's delimiter "
                f"'{delimiter}'",
                "Remove the trailing backslash from the value.",
            )
        )

    amount = lines["amount_accounting"].astype("int64")
    frame = pd.DataFrame(
        {
            "JOURNALBATCHNUMBER": batch_number(ctx.period),
            "LINENUMBER": [str(n) for n in range(1, len(lines) + 1)],
            "JOURNALNAME": journal_name,
            "VOUCHER": lines["voucher"].astype(str),
            "TRANSDATE": lines["date"].dt.strftime("%Y-%m-%d"),
            "ACCOUNTTYPE": "Ledger",
            "ACCOUNTDISPLAYVALUE": display_value(lines, ctx.dimensions, delimiter),
            "TEXT": lines["text"].fillna("").astype(str),
            "DEBITAMOUNT": amount_text(amount.clip(lower=0), ccy).where(amount > 0, "0"),
            "CREDITAMOUNT": amount_text((-amount).clip(lower=0), ccy).where(amount < 0, "0"),
            "CURRENCYCODE": ccy,
        },
        index=lines.index,
    )
    return Export([BOM + csv_bytes(HEADER, frame)], ".csv", fnd.combine(found))


EXPORTER = Exporter("d365", "Dynamics 365 General journal entity", ".csv", write)
