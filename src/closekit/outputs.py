"""Output sheets: Findings and the append-only RunLog (workbook.md "Output sheets").

Each output is built as a whole sheet and handed to the sheet adapter, which replaces it in one
atomic write. RunLog keeps every earlier row and adds one per run.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from closekit import findings as fnd
from closekit import money
from closekit.sheetio.base import OutputSheet, SheetIO

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


def findings_sheet(findings: pd.DataFrame) -> OutputSheet:
    return OutputSheet(
        FINDINGS,
        findings[fnd.COLUMNS].reset_index(drop=True),
        formats={"Row": "integer"},
        widths={"Message": 70, "Fix": 60, "Where": 24},
    )


def runlog_sheet(io: SheetIO, entry: dict) -> OutputSheet:
    """The RunLog with ``entry`` appended below the rows already there."""
    existing = io.read_sheet(RUNLOG)
    rows = pd.DataFrame(columns=RUNLOG_COLUMNS)
    if existing is not None and len(existing):
        rows = existing.frame.reindex(
            columns=[*RUNLOG_COLUMNS, *[c for c in existing.columns if c not in RUNLOG_COLUMNS]]
        )
    new = pd.DataFrame([{c: entry.get(c, "") for c in rows.columns}], dtype=object)
    frame = pd.concat([rows.astype(object), new], ignore_index=True) if len(rows) else new
    return OutputSheet(
        RUNLOG,
        frame,
        formats={"Errors": "integer", "Warnings": "integer", "Infos": "integer"},
        widths={"InputHashes": 50, "Outputs": 30, "TimeUTC": 22},
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
        out[column] = [None if pd.isna(v) else money.to_decimal(int(v), currency) for v in values]
    return out, dict.fromkeys(columns, fmt)


def adjustments_sheet(lines: pd.DataFrame, dimensions: tuple[str, ...], currency: str) -> OutputSheet:
    """The Adjustments sheet (workbook.md): every generated journal line, in the accounting currency."""
    amount = lines["amount_accounting"].astype("int64")
    frame = pd.DataFrame(
        {
            "Journal": lines["journal"].astype(object),
            "Voucher": lines["voucher"].astype(object),
            "Line": lines["line"].astype("int64"),
            "Date": lines["date"].dt.date,
            "Account": lines["account"].astype(object),
            **{d: lines[d].astype(object) for d in dimensions},
            "Currency": lines["currency"].astype(object),
            "Debit": amount.clip(lower=0),
            "Credit": (-amount).clip(lower=0),
            "AmountAccounting": amount,
            "Text": lines["text"].astype(object),
            "Rule": lines["rule"].astype(object),
            "RevaluedCurrency": lines["revalued_currency"].astype(object),
        }
    )
    frame, formats = money_frame(frame, ["Debit", "Credit", "AmountAccounting"], currency)
    return OutputSheet(
        "Adjustments", frame, formats={**formats, "Date": "date", "Line": "integer"}, widths={"Text": 50, "Voucher": 20}
    )


def amounts_sheet(name: str, frame: pd.DataFrame, currency: str, **widths: float) -> OutputSheet:
    """A report frame whose int64 columns are amounts in ``currency`` (dates kept as dates)."""
    amount_columns = [
        c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c].dtype) and c not in ("Row", "Line")
    ]
    out, formats = money_frame(frame, amount_columns, currency)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column].dtype):
            out[column] = out[column].dt.date
            formats[column] = "date"
    return OutputSheet(name, out.reset_index(drop=True), formats=formats, widths=dict(widths))
