"""Dynamics 365 Finance (formats.md 1a, 1b): the General journal entity and the posted-GL export.

Two layouts, told apart by their headers (matched case/space/underscore-insensitively):

* **General journal data entity** (``LedgerJournalEntity``, the Data management upload layout):
  ``JOURNALBATCHNUMBER, LINENUMBER, VOUCHER, TRANSDATE, ACCOUNTTYPE, ACCOUNTDISPLAYVALUE, TEXT,
  DEBITAMOUNT, CREDITAMOUNT, CURRENCYCODE, ISPOSTED, DOCUMENTDATE`` and the optional offset
  account ``OFFSETACCOUNTTYPE, OFFSETACCOUNTDISPLAYVALUE, OFFSETTEXT``.
* **General journal account entry export** (``GeneralJournalAccountEntryEntity``, posted lines):
  ``JournalNumber, Voucher, AccountingDate, LedgerAccount`` (or ``AccountDisplayValue``),
  ``TransactionCurrencyCode, TransactionCurrencyAmount, AccountingCurrencyAmount`` (both signed,
  debit positive), ``Description, DocumentDate``.

The display value ``110110-001-022-`` is split into the main account (``account``) and one column
per Settings ``Dimensions`` entry, in order; empty segments are empty dimensions, missing trailing
segments too, ``\\-`` is a literal delimiter inside a value, and more segments than dimensions is a
``bad-value`` finding (the line keeps the dimensions that fit).

Only Ledger lines are read: a row whose ACCOUNTTYPE or OFFSETACCOUNTTYPE is Cust, Vend, Bank,
Project, FixedAssets... gets an ``unknown-account`` finding and is dropped whole (its ledger side
alone would not balance; D365 posts such rows through posting profiles closekit cannot know).

**Offset lines.** A row with an OFFSETACCOUNTDISPLAYVALUE stands for two ledger lines, as D365
posts it: the row itself and, right after it, the offset line (offset account and dimensions,
debit and credit swapped, OFFSETTEXT or else TEXT). Both carry the row's number in
``Mapped.rows``; the offset line has an empty ``line`` (D365 gives it no journal line number of
its own, and a repeated LINENUMBER would read as a duplicate line). The frame then has a boolean
column ``is_offset`` (True on offset lines) and ``Mapped.columns["is_offset"]`` names
OFFSETACCOUNTDISPLAYVALUE: ``Mapped.columns`` maps each field to one source column (the main
ACCOUNTDISPLAYVALUE for ``account`` and the dimensions), and ``is_offset`` tells which lines took
their account from the offset column instead. Nothing is written into ``text``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from closekit.core import accel, parsing
from closekit.core import findings as fnd
from closekit.core.ledger import Mapped
from closekit.sources.importers.base import ImportContext, Importer, find_columns, has_headers, require
from closekit.sources.tables import RawTable

OFFSET_FLAG = "is_offset"

ENTITY = {
    "journal": ("JOURNALBATCHNUMBER",),
    "line": ("LINENUMBER",),
    "voucher": ("VOUCHER",),
    "date": ("TRANSDATE",),
    "text": ("TEXT",),
    "debit": ("DEBITAMOUNT",),
    "credit": ("CREDITAMOUNT",),
    "currency": ("CURRENCYCODE",),
    "posted": ("ISPOSTED",),
    "document_date": ("DOCUMENTDATE",),
}
ENTITY_EXTRA = {
    "display": ("ACCOUNTDISPLAYVALUE",),
    "type": ("ACCOUNTTYPE",),
    "offset": ("OFFSETACCOUNTDISPLAYVALUE",),
    "offset_type": ("OFFSETACCOUNTTYPE",),
    "offset_text": ("OFFSETTEXT",),
}
EXPORT = {
    "journal": ("JournalNumber",),
    "voucher": ("Voucher",),
    "date": ("AccountingDate",),
    "currency": ("TransactionCurrencyCode",),
    "amount": ("TransactionCurrencyAmount",),
    "amount_accounting": ("AccountingCurrencyAmount",),
    "text": ("Description",),
    "document_date": ("DocumentDate",),
}
EXPORT_EXTRA = {"display": ("LedgerAccount", "AccountDisplayValue")}
#: Headers only the export has: a table with one of them is read as the export.
EXPORT_ONLY = ("AccountingCurrencyAmount", "TransactionCurrencyAmount", "AccountingDate", "LedgerAccount")
SUBLEDGER_FIX = (
    "Post this journal in Dynamics 365 and import the posted general-ledger export "
    "(General journal account entry), or remove the row."
)
SEGMENTS_FIX = (
    "List every dimension of the ledger dimension format in Settings Dimensions, in "
    "order, or correct the display value."
)


def detect(table: RawTable) -> bool:
    entity = has_headers(table, "ACCOUNTDISPLAYVALUE") and (
        has_headers(table, "DEBITAMOUNT") or has_headers(table, "CREDITAMOUNT")
    )
    export = has_headers(table, "AccountingCurrencyAmount") and (
        has_headers(table, "LedgerAccount") or has_headers(table, "AccountDisplayValue")
    )
    return entity or export


def _is_export(table: RawTable) -> bool:
    return any(has_headers(table, h) for h in EXPORT_ONLY)


def map_table(table: RawTable, ctx: ImportContext) -> Mapped:
    return _map_export(table, ctx) if _is_export(table) else _map_entity(table, ctx)


def _map_export(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, {**EXPORT, **EXPORT_EXTRA})
    problems = require(
        table,
        found,
        {
            "voucher": "Voucher",
            "date": "AccountingDate",
            "display": "LedgerAccount",
            "amount": "TransactionCurrencyAmount",
            "amount_accounting": "AccountingCurrencyAmount",
        },
    )
    findings = [fnd.frame(problems)]
    source = table.frame.reset_index(drop=True)
    columns = {f: c for f, c in found.items() if f in EXPORT}
    frame = pd.DataFrame({f: source[c] for f, c in columns.items()}, index=source.index)
    if "display" in found:
        voucher = _text(table, found, "voucher")
        parts = _account_parts(table, found["display"], ctx, voucher, findings)
        frame = frame.assign(**parts)
        columns.update(dict.fromkeys(parts, found["display"]))
    return Mapped(frame, table.rows, columns, fnd.combine(findings))


def _map_entity(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, {**ENTITY, **ENTITY_EXTRA})
    problems = require(
        table,
        found,
        {
            "voucher": "VOUCHER",
            "date": "TRANSDATE",
            "display": "ACCOUNTDISPLAYVALUE",
            "debit": "DEBITAMOUNT",
            "credit": "CREDITAMOUNT",
        },
    )
    findings = [fnd.frame(problems)]
    source = table.frame.reset_index(drop=True)
    voucher, offset = _text(table, found, "voucher"), _text(table, found, "offset")
    every = pd.Series(True, index=offset.index)
    keep = _ledger_only(table, found, "type", voucher, every, findings)
    keep &= _ledger_only(table, found, "offset_type", voucher, offset != "", findings)
    keep = keep.to_numpy()
    has_offset = keep & (offset != "").to_numpy()

    columns = {f: c for f, c in found.items() if f in ENTITY}
    base = pd.DataFrame({f: source[c] for f, c in columns.items()}, index=source.index)
    main = base[keep].copy()
    if "display" in found:
        parts = _account_parts(table, found["display"], ctx, voucher, findings, keep)
        main = main.assign(**parts)
        columns.update(dict.fromkeys(parts, found["display"]))
    if "offset" not in found:
        return Mapped(main.reset_index(drop=True), table.rows[keep], columns, fnd.combine(findings))

    other = base[has_offset].copy()
    if "debit" in other and "credit" in other:
        other = other.rename(columns={"debit": "credit", "credit": "debit"})
    if "line" in other:
        other["line"] = ""
    if "offset_text" in found:
        offset_text = _text(table, found, "offset_text")[has_offset]
        other["text"] = offset_text.where(offset_text != "", other.get("text", ""))
    parts = _account_parts(table, found["offset"], ctx, voucher, findings, has_offset)
    other = other.assign(**parts)
    main[OFFSET_FLAG], other[OFFSET_FLAG] = False, True
    positions = np.concatenate([np.flatnonzero(keep), np.flatnonzero(has_offset)])
    order = np.argsort(positions, kind="stable")
    frame = pd.concat([main, other], ignore_index=True).iloc[order].reset_index(drop=True)
    for name in parts:
        frame[name] = frame[name].fillna("")
    columns[OFFSET_FLAG] = found["offset"]
    return Mapped(frame, table.rows[positions[order]], columns, fnd.combine(findings))


def _text(table: RawTable, found: dict[str, str], field: str) -> pd.Series:
    if field not in found:
        return pd.Series("", index=pd.RangeIndex(len(table.frame)), dtype="string")
    return parsing.as_text(table.frame[found[field]].reset_index(drop=True))


def _ledger_only(
    table: RawTable,
    found: dict[str, str],
    field: str,
    voucher: pd.Series,
    applies: pd.Series,
    findings: list[pd.DataFrame],
) -> pd.Series:
    """True where the account type is empty or Ledger; an ``unknown-account`` finding elsewhere."""
    kind = _text(table, found, field)
    other = applies & (kind != "") & (kind.str.lower() != "ledger")
    if other.any():
        lines = pd.DataFrame({"where": table.where, "row": table.rows, "voucher": voucher})
        findings.append(
            fnd.from_mask(
                "unknown-account",
                lines,
                other,
                column=found[field],
                message="account type " + kind + ": closekit reads Ledger lines only; post sub-ledger "
                "lines in Dynamics 365",
                fix=SUBLEDGER_FIX,
            )
        )
    return ~other


def _account_parts(
    table: RawTable,
    column: str,
    ctx: ImportContext,
    voucher: pd.Series,
    findings: list[pd.DataFrame],
    select: np.ndarray | None = None,
) -> dict[str, pd.Series]:
    """``account`` and one column per dimension from a display value column (selected rows)."""
    values = parsing.as_text(table.frame[column].reset_index(drop=True))
    rows = table.rows
    if select is not None:
        values, voucher, rows = values[select], voucher[select], rows[select]
    names = ["account", *ctx.dimensions]
    segments, counts = split_display(values, ctx.dimension_delimiter or "-", len(names))
    extra = pd.Series(counts > len(names), index=values.index)
    if extra.any():
        lines = pd.DataFrame({"where": table.where, "row": rows, "voucher": voucher.to_numpy()}, index=values.index)
        listed = ", ".join(ctx.dimensions) or "none"
        tail = f"but Settings Dimensions lists {len(ctx.dimensions)} ({listed})"
        message = pd.Series("", index=values.index, dtype=object)
        message[extra] = [
            f"'{v}' has {c - 1} dimension segments after the main account, {tail}"
            for v, c in zip(values[extra], counts[extra], strict=True)
        ]
        findings.append(fnd.from_mask("bad-value", lines, extra, column=column, message=message, fix=SEGMENTS_FIX))
    return dict(zip(names, segments, strict=True))


def split_display(values: pd.Series, delimiter: str, width: int) -> tuple[list[pd.Series], np.ndarray]:
    """The first ``width`` segments of each value (empty where absent) and each segment count.

    Vectorised (pyarrow compute when installed, else pandas); values holding a backslash-escaped
    delimiter (``\\-``), which are rare, are split in Python.
    """
    index = values.index
    values = values.astype("string").fillna("")
    segments, counts = _split_fast(values, delimiter, width)
    escaped = parsing.mask(values.str.contains("\\" + delimiter, regex=False)).to_numpy()
    if escaped.any():
        pattern = re.compile(r"(?<!\\)" + re.escape(delimiter))
        split = [[p.replace("\\" + delimiter, delimiter) for p in pattern.split(v)] for v in values[escaped]]
        counts[escaped] = [len(p) for p in split]
        for k, column in enumerate(segments):
            column[escaped] = [p[k] if k < len(p) else "" for p in split]
    return [s.set_axis(index) for s in segments], counts


def _split_fast(values: pd.Series, delimiter: str, width: int) -> tuple[list[pd.Series], np.ndarray]:
    arrow = _arrow()
    if arrow is None:
        parts = values.str.split(delimiter, expand=True, regex=False)
        counts = values.str.count(re.escape(delimiter)).to_numpy(dtype=np.int64) + 1
        return [
            (parts[k] if k in parts else pd.Series("", index=values.index)).fillna("").astype("string")
            for k in range(width)
        ], counts
    pa, pc = arrow
    array = pa.array(values, type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    lists = pc.split_pattern(array, delimiter)
    counts = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    flat = lists.flatten()
    offsets = lists.offsets.to_numpy()
    starts = offsets[:-1] - offsets[0]
    segments = []
    for k in range(width):
        has = counts > k
        taken = flat.take(pa.array(np.where(has, starts + k, 0))) if len(flat) else flat
        column = pc.if_else(pa.array(has), taken, "")
        strings = column.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
        segments.append(strings.set_axis(values.index))
    return segments, counts


def _arrow() -> tuple | None:
    """pyarrow and pyarrow.compute when installed (the ``fast`` extra), else None."""
    return accel.arrow()


IMPORTER = Importer("d365", "Dynamics 365", detect, map_table)
