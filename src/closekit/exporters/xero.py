"""Xero manual journal import (formats.md 5a): a CSV of draft manual journals, UTF-8, comma.

``*Narration, *Date, Description, *AccountCode, *TaxRate, *Amount, TrackingName1,
TrackingOption1, TrackingName2, TrackingOption2``; one line per adjustment line.

* **Journals.** Xero makes one journal of the rows that share a Narration and a Date, so each
  voucher is one journal: the Narration is the voucher and the text of its first line
  (``REV-2026-10-USD Revaluation of USD 100000.00 at 0.9189``). A voucher dated on more than one
  day would become several unbalanced journals: an ``export-limit`` finding.
* **Date** as ``31 Oct 2026`` (``dd mmm yyyy``, English month), which Xero's template accepts
  beside ``dd/mm/yyyy`` and which no region can read the wrong way round.
* **Amount** signed, debit positive, in the accounting currency (Xero's base currency), no grouping.
* **TaxRate**: a zero rate, so that Xero adds no tax to an adjustment: the name depends on the
  organisation's region: ``BAS Excluded`` (AUD), ``No GST`` (NZD), ``No VAT`` (GBP), else
  ``Tax Exempt``. A note names it; change it in the file if the tax settings call it otherwise.
* **Tracking.** Xero has at most two tracking categories. The first two Settings dimensions that
  hold a value on any line are written as TrackingName1/TrackingOption1 and
  TrackingName2/TrackingOption2 (name and option only where the line has a value); a value in a
  third dimension is an ``export-limit`` finding.
* **At most 300 lines per file** (Xero's limit): whole vouchers are split over several files, and a
  note says so; a single voucher of more than 300 lines is an ``export-limit`` finding.

Texts that start like a formula get a leading ``'`` (:func:`~closekit.exporters.base.safe_text`).
"""

from __future__ import annotations

import pandas as pd

from closekit.core import findings as fnd
from closekit.exporters.base import Export, ExportContext, Exporter, amount_text, chunks, csv_bytes, refuse

HEADER = [
    "*Narration",
    "*Date",
    "Description",
    "*AccountCode",
    "*TaxRate",
    "*Amount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
]
MAX_LINES = 300
MAX_TRACKING = 2
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: The zero tax rate's name in Xero's default tax settings of the region, by base currency.
ZERO_TAX_RATE = {"AUD": "BAS Excluded", "NZD": "No GST", "GBP": "No VAT"}
DEFAULT_TAX_RATE = "Tax Exempt"


def tax_rate(currency: str) -> str:
    return ZERO_TAX_RATE.get(currency, DEFAULT_TAX_RATE)


def write(lines: pd.DataFrame, ctx: ExportContext) -> Export:
    ccy = ctx.accounting_currency
    voucher = lines["voucher"].astype(str)
    text = lines["text"].fillna("").astype(str)
    found = [_one_date(lines, voucher), _too_long(lines, voucher), _no_account(lines)]
    used = [d for d in ctx.dimensions if (lines[d].fillna("") != "").any()]
    tracked = used[:MAX_TRACKING]
    for name in used[MAX_TRACKING:]:
        value = lines[name].fillna("").astype(str)
        found.append(
            refuse(
                lines,
                value != "",
                name,
                f"Xero has at most {MAX_TRACKING} tracking categories and {', '.join(tracked)} already take them: "
                + name
                + " = "
                + value
                + " cannot be written",
                f"Leave {name} empty on the adjustments for Xero, or list the dimensions Xero tracks first in "
                "Settings Dimensions.",
            )
        )

    first_text = text.where(text != "").groupby(voucher, sort=False).transform("first").fillna("")
    narration = (voucher + " " + first_text).str.strip()
    amount = lines["amount_accounting"].astype("int64")
    frame = pd.DataFrame(
        {
            "*Narration": narration,
            "*Date": _date_text(lines["date"]),
            "Description": text,
            "*AccountCode": lines["account"].astype(str),
            "*TaxRate": tax_rate(ccy),
            "*Amount": amount_text(amount, ccy),
        },
        index=lines.index,
    )
    for k in range(1, MAX_TRACKING + 1):
        name = tracked[k - 1] if k <= len(tracked) else None
        option = lines[name].fillna("").astype(str) if name else pd.Series("", index=lines.index)
        frame[f"TrackingName{k}"] = pd.Series(name or "", index=lines.index).where(option != "", "")
        frame[f"TrackingOption{k}"] = option

    parts = chunks(lines.assign(voucher=voucher), MAX_LINES) if len(lines) else [lines]
    files = [csv_bytes(HEADER, frame.loc[part.index]) for part in parts]
    notes = [
        f"TaxRate '{tax_rate(ccy)}' on every line: change it in the file if the organisation's zero rate has "
        "another name."
    ]
    if len(files) > 1:
        notes.insert(0, f"split into {len(files)} files of at most {MAX_LINES} lines (Xero's limit)")
    return Export(files, ".csv", fnd.combine(found), notes)


def _date_text(dates: pd.Series) -> pd.Series:
    """``31 Oct 2026``: English month abbreviations, whatever the machine's locale."""
    month = dates.dt.month.map(lambda m: MONTHS[int(m) - 1], na_action="ignore")
    return (dates.dt.strftime("%d") + " " + month + " " + dates.dt.strftime("%Y")).fillna("")


def _one_date(lines: pd.DataFrame, voucher: pd.Series) -> pd.DataFrame:
    """One finding per voucher dated on several days, at its first line."""
    days = lines["date"].groupby(voucher, sort=False).transform("nunique")
    return refuse(
        lines,
        (days > 1) & ~voucher.duplicated(),
        "Date",
        "voucher " + voucher + " has lines on " + days.astype(str) + " dates: Xero makes one journal per "
        "Narration and Date, and each part would not balance",
        "Date every line of the voucher on the same day.",
    )


def _too_long(lines: pd.DataFrame, voucher: pd.Series) -> pd.DataFrame:
    """One finding per voucher of more lines than one file holds, at its first line."""
    size = voucher.groupby(voucher, sort=False).transform("size")
    return refuse(
        lines,
        (size > MAX_LINES) & ~voucher.duplicated(),
        "Voucher",
        "voucher " + voucher + " has " + size.astype(str) + f" lines: a Xero import file holds at most {MAX_LINES}",
        f"Split the voucher into balanced vouchers of at most {MAX_LINES} lines.",
    )


def _no_account(lines: pd.DataFrame) -> pd.DataFrame:
    return refuse(
        lines,
        lines["account"].fillna("").astype(str) == "",
        "Account",
        "the line has no account: Xero needs an AccountCode",
        "Fill in the account.",
    )


EXPORTER = Exporter("xero", "Xero manual journal import", ".csv", write)
