"""Output sheets: Findings and the append-only RunLog (workbook.md "Output sheets").

Each output is built as a whole sheet and handed to the sheet adapter, which replaces it in one
atomic write. RunLog keeps every earlier row and adds one per run.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from closekit import findings as fnd
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
