"""Output sheets: Findings and the append-only RunLog (workbook.md "Output sheets").

Each output is built as a whole sheet and handed to the sheet adapter, which replaces it in one
atomic write. RunLog keeps every earlier row and adds one per run.

**The RunLog is a hash chain** (tamper-evident, SECURITY.md). After the columns of
:data:`RUNLOG_COLUMNS` every row carries ``PreviousHash`` and ``RowHash``:

* the *canonical text* of a row is the JSON array (UTF-8, no spaces: ``separators=(",", ":")``,
  non-ASCII kept) of its values in the columns ``TimeUTC, Command, Period, User, Version,
  InputHashes, Errors, Warnings, Infos, Outputs, Result, PreviousHash``, in that order, each value
  as text (:func:`field_text`: an empty cell is ``""``, a whole number ``"3"`` however the cell
  holds it, ``TRUE``/``FALSE``), and last the row's ``Controls`` when it has them (the control
  cells after the run, :mod:`closekit.review.controls`; a row from before that column keeps its hash);
* ``RowHash`` is the SHA-256 (lower-case hex) of the row's canonical text;
* ``PreviousHash`` is the SHA-256 of the previous row's canonical text, i.e. its ``RowHash``;
  the first row's is :data:`GENESIS` (64 zeros).

A changed cell breaks its own row's ``RowHash``; a deleted or inserted row breaks the next row's
``PreviousHash``. :func:`verify_runlog` (``closekit verify-log``) names the first broken row.
Columns a user adds after these are kept but not covered. The chain shows accidental and casual
edits; whoever can recompute SHA-256 can forge it. Deleting the last rows is noticed through the
log's head, kept in a document property (:mod:`closekit.review.controls`), which is no harder to
edit: compare the last RowHash with the one closekit printed or a copy you keep.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core import money
from closekit.sheetio.base import OutputSheet, SheetIO, output_target
from closekit.sources.tables import RawTable

RUNLOG = "RunLog"
FINDINGS = "Findings"
#: RunLog columns: time, command, period, user, closekit version, SHA-256 of every input,
#: findings by severity, outputs written, result.
RUNLOG_COLUMNS = [
    "TimeUTC",
    "Command",
    "Period",
    "User",
    "Version",
    "InputHashes",
    "Errors",
    "Warnings",
    "Infos",
    "Outputs",
    "Result",
]
#: The hash-chain columns, after :data:`RUNLOG_COLUMNS`.
RUNLOG_HASH_COLUMNS = ["PreviousHash", "RowHash"]
#: The control cells after the run (:mod:`closekit.review.controls`), after the hash columns; sealed
#: into RowHash when present (a row written before it existed keeps its hash).
CONTROLS = "Controls"
#: Issue 17: the upload files an export wrote (JSON: file, SHA-256, voucher -> hash of its lines), after
#: Controls; sealed into RowHash when present.
UPLOADS = "Uploads"
#: ``PreviousHash`` of the first row.
GENESIS = "0" * 64
_CANONICAL_COLUMNS = [*RUNLOG_COLUMNS, "PreviousHash"]
#: Every column closekit writes into the RunLog, in order.
_LAYOUT = [*RUNLOG_COLUMNS, *RUNLOG_HASH_COLUMNS, CONTROLS, UPLOADS]
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_MAX_CELL_CHARS = 32_767
#: The most characters an Excel cell holds (a longer text is cut when written).
MAX_CELL_CHARS = _MAX_CELL_CHARS


def findings_sheet(findings: pd.DataFrame) -> OutputSheet:
    return OutputSheet(
        FINDINGS,
        findings[fnd.COLUMNS].reset_index(drop=True),
        formats={"Row": "integer"},
        widths={"Message": 70, "Fix": 60, "Where": 24},
    )


def runlog_sheet(io: SheetIO, entry: dict) -> OutputSheet:
    """The RunLog with ``entry`` appended below the rows already there, sealed into the hash chain:
    its ``PreviousHash`` is the hash of the last row as it stands now."""
    standard = _LAYOUT
    existing = read_runlog(io)
    rows = pd.DataFrame(columns=standard)
    if existing is not None and len(existing):
        rows = existing.frame.reindex(columns=[*standard, *[c for c in existing.columns if c not in standard]])
    previous = row_hash(rows.iloc[-1].to_dict()) if len(rows) else GENESIS
    entry = {c: stored_value(v) for c, v in entry.items()}
    entry["PreviousHash"] = previous
    entry["RowHash"] = row_hash(entry)
    new = pd.DataFrame([{c: entry.get(c, "") for c in rows.columns}], dtype=object)
    frame = pd.concat([rows.astype(object), new], ignore_index=True) if len(rows) else new
    return OutputSheet(
        RUNLOG,
        frame,
        formats={"Errors": "integer", "Warnings": "integer", "Infos": "integer"},
        widths={
            "InputHashes": 50, "Outputs": 30, "TimeUTC": 22, "PreviousHash": 20, "RowHash": 20, CONTROLS: 30,
            UPLOADS: 30,
        },
    )


def read_runlog(io: SheetIO):
    """closekit's RunLog sheet (``RunLog``, or ``RunLog (closekit)`` beside a RunLog of the user's own), or None."""
    name = output_target(io, RUNLOG, _LAYOUT)
    return io.read_sheet(name)


def stored_value(value: object) -> object:
    """A RunLog value as the sheet will hold it: text without the characters XML cannot carry, cut
    to Excel's 32,767 characters (what the writer does), so that its hash survives the round trip."""
    if not isinstance(value, str):
        return value
    text = _XML_ILLEGAL.sub("", value)
    if len(text) > _MAX_CELL_CHARS // 2:
        text = text.encode("utf-16-le", "surrogatepass")[: 2 * _MAX_CELL_CHARS].decode("utf-16-le", "ignore")
    return text


def field_text(value: object) -> str:
    """One value of the canonical text: how a cell's content reads, whatever type the reader gave."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def canonical_text(row: dict) -> str:
    """The canonical text of a RunLog row (see the module docstring)."""
    fields = [field_text(row.get(c)) for c in _CANONICAL_COLUMNS]
    controls = field_text(row.get(CONTROLS))
    uploads = field_text(row.get(UPLOADS))
    sealed = [*fields, controls, uploads] if uploads else [*fields, controls] if controls else fields
    return json.dumps(sealed, ensure_ascii=False, separators=(",", ":"))


def row_hash(row: dict) -> str:
    return hashlib.sha256(canonical_text(row).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LogCheck:
    """The result of :func:`verify_runlog`: ``ok``, the rows checked, the first broken row (Excel's
    number) and a one-paragraph message."""

    ok: bool
    rows: int
    broken_row: int | None
    message: str


def verify_runlog(table: RawTable | None, where: str) -> LogCheck:
    """Walk the RunLog's hash chain from the top; stop at the first row that does not hold."""
    if table is None:
        return LogCheck(False, 0, None, f"{where} has no RunLog sheet: there is no run log to verify.")
    missing = [c for c in [*RUNLOG_COLUMNS, *RUNLOG_HASH_COLUMNS] if c not in table.columns]
    if missing:
        return LogCheck(
            False,
            0,
            1,
            f"the RunLog of {where} has no column {', '.join(missing)} in row 1, so its rows cannot be "
            f"verified (a RunLog from a closekit before the hash chain, or columns renamed or deleted).",
        )
    expected, above = GENESIS, None
    records = table.frame.to_dict("records")
    for number, record in zip(table.rows.tolist(), records, strict=True):
        actual = row_hash(record)
        if not field_text(record["PreviousHash"]) and not field_text(record["RowHash"]):
            return LogCheck(
                False,
                len(records),
                number,
                f"the RunLog of {where} is broken at row {number}: it has no PreviousHash and RowHash (a "
                f"row written by a closekit before the hash chain, or its hashes were deleted).",
            )
        if field_text(record["PreviousHash"]) != expected:
            cause = (
                f"it does not continue row {above}: a row between them was deleted or inserted, or row "
                f"{above} was changed"
                if above
                else "it is the first row but does not start the chain: the rows above it were deleted"
            )
            return LogCheck(False, len(records), number, f"the RunLog of {where} is broken at row {number}: {cause}.")
        if field_text(record["RowHash"]) != actual:
            return LogCheck(
                False,
                len(records),
                number,
                f"the RunLog of {where} is broken at row {number}: its cells were changed after closekit "
                f"wrote it (its RowHash does not match its content).",
            )
        expected, above = actual, number
    if not records:
        return LogCheck(False, 0, None, f"the RunLog of {where} has no rows: there is nothing to verify.")
    return LogCheck(
        True,
        len(records),
        None,
        f"the RunLog of {where} is intact: {len(records)} row{'s' if len(records) > 1 else ''}, each "
        f"sealed to the one before; the last RowHash is {expected}.",
    )


def runlog_entry(
    *,
    now: dt.datetime,
    command: str,
    period: str,
    user: str,
    version: str,
    hashes: dict[str, str],
    counts: dict[str, int],
    outputs: list[str],
    result: str,
) -> dict:
    return {
        "TimeUTC": now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "Command": command,
        "Period": period,
        "User": user,
        "Version": version,
        "InputHashes": "; ".join(f"{name}={digest}" for name, digest in hashes.items()),
        "Errors": counts.get("Error", 0),
        "Warnings": counts.get("Warning", 0),
        "Infos": counts.get("Info", 0),
        "Outputs": ", ".join(outputs),
        "Result": result,
    }


def money_frame(frame: pd.DataFrame, columns: list[str], currency: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Integer minor-unit columns as exact Decimals for a sheet, with the currency's number format."""
    places = money.exponent(currency)
    fmt = {0: "amount0", 2: "amount", 3: "amount3"}.get(places, "general")
    out = frame.copy()
    for column in columns:
        values = out[column]
        if pd.api.types.is_integer_dtype(values.dtype):
            out[column] = _decimals(values, places)
        else:
            out[column] = [None if pd.isna(v) else money.to_decimal(int(v), currency) for v in values]
    return out, dict.fromkeys(columns, fmt)


def _decimals(values: pd.Series, places: int) -> list[decimal.Decimal | None]:
    """Integer minor units as Decimals equal to :func:`money.to_decimal` (same digits and exponent),
    built from text made a whole column at a time: a million amounts in a fraction of a second."""
    known = values.notna().to_numpy()
    minor = values.to_numpy(dtype="int64", na_value=0)
    magnitude = np.abs(minor)
    text = pd.Series(np.where(minor < 0, "-", "")) + pd.Series(magnitude // 10**places).astype(str)
    if places:
        text = text + "." + pd.Series(magnitude % 10**places).astype(str).str.zfill(places)
    out = list(map(decimal.Decimal, text.tolist()))
    if not known.all():
        for i in np.flatnonzero(~known).tolist():
            out[i] = None
    return out


def adjustments_sheet(lines: pd.DataFrame, dimensions: tuple[str, ...], currency: str) -> OutputSheet:
    """The Adjustments sheet (workbook.md): every generated journal line, in the accounting currency."""
    amount = lines["amount_accounting"].astype("int64")
    txn = lines["amount"].astype("Int64").fillna(amount).astype("int64")  # Debit and Credit are in Currency
    frame = pd.DataFrame(
        {
            "Journal": lines["journal"].astype(object),
            "Voucher": lines["voucher"].astype(object),
            "Line": lines["line"].astype("int64"),
            "Date": lines["date"].dt.date,
            "Account": lines["account"].astype(object),
            **{d: lines[d].astype(object) for d in dimensions},
            "Currency": lines["currency"].astype(object),
            "Debit": txn.clip(lower=0),
            "Credit": (-txn).clip(lower=0),
            "AmountAccounting": amount,
            "Text": lines["text"].astype(object),
            "Rule": lines["rule"].astype(object),
            "RevaluedCurrency": lines["revalued_currency"].astype(object),
        }
    )
    foreign = (frame["Currency"] != currency).to_numpy()
    in_currency = {c: frame[c].copy() for c in ("Debit", "Credit")}
    frame, formats = money_frame(frame, ["Debit", "Credit", "AmountAccounting"], currency)
    for column, values in in_currency.items():  # a line in another currency: its own minor units
        frame.loc[foreign, column] = [
            money.to_decimal(int(v), c) for v, c in zip(values[foreign], frame.loc[foreign, "Currency"], strict=True)
        ]
    return OutputSheet(
        "Adjustments", frame, formats={**formats, "Date": "date", "Line": "integer"}, widths={"Text": 50, "Voucher": 20}
    )


def amounts_sheet(name: str, frame: pd.DataFrame, currency: str, **widths: float) -> OutputSheet:
    """A report frame whose int64 columns are amounts in ``currency`` (dates kept as dates)."""
    amount_columns = [
        c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c].dtype) and c not in ("Row", "Line", "Level")
    ]
    out, formats = money_frame(frame, amount_columns, currency)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column].dtype):
            out[column] = out[column].dt.date
            formats[column] = "date"
    return OutputSheet(name, out.reset_index(drop=True), formats=formats, widths=dict(widths))
