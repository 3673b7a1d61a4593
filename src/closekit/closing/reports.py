"""The close's reports (domain.md §8): the ledger journal report ("Grootboekjournaal"), the trial
balance and the financial statements. Pure functions on DataFrames, vectorised (no Python loop
per line); amounts int64 minor units, the writer formats them.

The trial balance lives in :mod:`closekit.closing.trial_balance`, the statements in
:mod:`closekit.closing.statements`; both are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from closekit.closing.statements import BALANCE_SHEET_COLUMNS, INCOME_STATEMENT_COLUMNS, statements
from closekit.closing.trial_balance import (
    OPENING_JOURNALS,
    adjustment_lines,
    opening_journal_lines,
    trial_balance,
    trial_balance_checks,
    year_closed,
)
from closekit.closing.trial_balance import columns as trial_balance_columns
from closekit.core.steps import CloseContext

__all__ = [
    "BALANCE_SHEET_COLUMNS",
    "INCOME_STATEMENT_COLUMNS",
    "OPENING_JOURNALS",
    "general_journal",
    "general_journal_columns",
    "statements",
    "trial_balance",
    "trial_balance_checks",
    "trial_balance_columns",
    "year_closed",
]

#: ``Source`` of the close's own lines in the journal report.
CLOSEKIT_SOURCE = "closekit"


def general_journal_columns(dimensions: tuple[str, ...] | list[str] = ()) -> list[str]:
    return [
        "Journal",
        "Voucher",
        "Date",
        "Account",
        *dimensions,
        "Currency",
        "AmountCurrency",
        "Debit",
        "Credit",
        "Text",
        "Source",
    ]


def _text(values: pd.Series) -> np.ndarray:
    return values.astype("string").fillna("").to_numpy(dtype=object)


def _fields(frame: pd.DataFrame, ctx: CloseContext) -> dict[str, np.ndarray]:
    """The report's fields of some lines, as numpy arrays (text as objects)."""
    accounting = frame["amount_accounting"].to_numpy(dtype=np.int64)
    amount = frame["amount"].astype("Int64")
    return {
        "Journal": _text(frame["journal"]),
        "Voucher": _text(frame["voucher"]),
        "Date": frame["date"].to_numpy(dtype="datetime64[ns]"),
        "Account": _text(frame["account"]),
        **{d: _text(frame[d]) for d in ctx.dimensions},
        "Currency": _text(frame["currency"]),
        "AmountCurrency": amount.fillna(0).to_numpy(dtype=np.int64),
        "_no_amount": amount.isna().to_numpy(dtype=bool),
        "Debit": np.where(accounting > 0, accounting, 0),
        "Credit": np.where(accounting < 0, -accounting, 0),
        "Text": _text(frame["text"]),
    }


def _codes(values: np.ndarray, *, sort: bool = False) -> np.ndarray:
    return pd.factorize(values, sort=sort, use_na_sentinel=False)[0].astype(np.int64)


def _group_ids(*keys: np.ndarray) -> np.ndarray:
    """One id per distinct combination of the keys (each a code array below its length)."""
    ids = np.zeros(len(keys[0]), dtype=np.int64)
    for codes in keys:
        ids = _codes(ids * (int(codes.max()) + 1) + codes)
    return ids


def general_journal(lines: pd.DataFrame, adjustments: pd.DataFrame | None, ctx: CloseContext) -> pd.DataFrame:
    """The ledger journal report (domain.md §8 rule 1): the lines dated ``ctx.start``..``ctx.end``
    and the close's adjustments, per voucher, sorted by journal, date and voucher, each voucher
    followed by a ``Total voucher <v>`` row and the report by a ``Total`` row.

    A voucher is one journal and voucher number from one source file (the close's lines form their
    own source); lines without a voucher number form one voucher per date. Its date is its first
    line's; its lines keep their order. ``Debit`` and ``Credit`` are non-negative accounting minor
    units; ``AmountCurrency`` is the signed transaction amount (NA on total rows, whose currencies
    may differ). ``Source`` is ``"<where> row <row>"`` for imported lines, ``"closekit"`` for
    adjustments; total rows have an empty ``Source``, ``Account`` and ``Currency``, the grand total
    also an empty ``Journal``, ``Voucher`` and ``Date``. Left out, as in the trial balance:
    opening-journal lines dated the fiscal year's first day (the opening balance, not movement)
    and lines without an accounting amount. No lines gives an empty frame.
    """
    columns = general_journal_columns(ctx.dimensions)
    date = lines["date"]
    keep = (date >= ctx.start) & (date <= ctx.end) & lines["amount_accounting"].notna()
    keep = keep.to_numpy(dtype=bool, na_value=False) & ~opening_journal_lines(lines, ctx)
    period = lines.loc[keep, ["where", "row", "journal", "voucher", "date", "account", *ctx.dimensions, "currency"]]
    period = period.assign(
        amount=lines["amount"][keep], amount_accounting=lines["amount_accounting"][keep], text=lines["text"][keep]
    )
    where = period["where"].astype(str)
    parts = [{**_fields(period, ctx), "Source": (where + " row " + period["row"].astype(str)).to_numpy(dtype=object)}]
    parts[0]["_origin"] = where.to_numpy(dtype=object)
    adj = adjustment_lines(adjustments, ctx)
    adj = adj[adj["amount_accounting"].notna()]
    if len(adj):
        marker = np.full(len(adj), CLOSEKIT_SOURCE, dtype=object)
        parts.append(
            {**_fields(adj, ctx), "Source": marker, "_origin": np.full(len(adj), "\x00closekit", dtype=object)}
        )
    body = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    n = len(body["Debit"])
    if n == 0:
        return pd.DataFrame({c: pd.Series([], dtype=_dtype(c)) for c in columns})

    # Vouchers: origin, journal and voucher number; lines without a number, one voucher per date.
    origin, journal, number = (_codes(body[k], sort=True) for k in ("_origin", "Journal", "Voucher"))
    day = np.where(body["Voucher"] == "", body["Date"].astype(np.int64), 0)
    voucher = _group_ids(origin, journal, number, _codes(day))
    count = int(voucher.max()) + 1
    per_voucher = pd.DataFrame({"v": voucher, "d": body["Date"], "debit": body["Debit"], "credit": body["Credit"]})
    sums = per_voucher.groupby("v", sort=True).agg(first=("d", "min"), debit=("debit", "sum"), credit=("credit", "sum"))
    first_line = np.unique(voucher, return_index=True)[1]

    # Rows: the lines (0..n-1), one total per voucher (n..n+count-1), the grand total (n+count);
    # each row shows the fields of a line (a total those of its voucher's first line).
    line_of_row = np.concatenate([np.arange(n), first_line, [0]])
    row_voucher = np.concatenate([voucher, np.arange(count), [count]])
    kind = np.concatenate([np.zeros(n, dtype=np.int8), np.ones(count, dtype=np.int8), [2]])
    first = np.concatenate([sums["first"].to_numpy(dtype="datetime64[ns]"), [np.datetime64("NaT", "ns")]])
    journal_key = journal[line_of_row]
    journal_key[-1] = np.iinfo(np.int64).max
    order = np.lexsort(
        (kind, row_voucher, origin[line_of_row], number[line_of_row], first[row_voucher].astype(np.int64), journal_key)
    )
    line_of_row, kind = line_of_row[order], kind[order]
    total, grand = kind > 0, kind == 2

    def field(name: str, on_totals=None) -> np.ndarray:
        values = body[name][line_of_row]
        if on_totals is not None:
            values[total] = on_totals
        return values

    frame = {
        "Journal": field("Journal"),
        "Voucher": field("Voucher"),
        "Date": first[row_voucher[order]],
        **{name: field(name, "") for name in ("Account", *ctx.dimensions, "Currency")},
    }
    frame["Journal"][grand] = ""
    frame["Voucher"][grand] = ""
    frame["Date"][grand] = np.datetime64("NaT", "ns")
    body_lines = ~total
    frame["Date"][body_lines] = body["Date"][line_of_row[body_lines]]
    frame["AmountCurrency"] = pd.arrays.IntegerArray(field("AmountCurrency", 0), field("_no_amount", True))
    for name, voucher_sums in (("Debit", sums["debit"]), ("Credit", sums["credit"])):
        values = np.concatenate([body[name], voucher_sums.to_numpy(dtype=np.int64), [body[name].sum()]])
        frame[name] = values[order]
    text = field("Text")
    text[total] = "Total voucher " + frame["Voucher"][total]
    text[grand] = "Total"
    frame["Text"] = text
    frame["Source"] = field("Source", "")
    out = pd.DataFrame({name: pd.Series(values, dtype=_dtype(name)) for name, values in frame.items()})
    return out[columns]


def _dtype(column: str):
    return {"Date": "datetime64[ns]", "AmountCurrency": "Int64", "Debit": np.int64, "Credit": np.int64}.get(
        column, object
    )
