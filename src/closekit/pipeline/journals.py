"""Manual journals between the workbook and the register (issue 17; docs/close.md "Manual journals"):
the Journals register of a run (:mod:`closekit.closing.journal_register`), what the RunLog recorded
of earlier uploads, the Journals sheet, and ``closekit approve``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd

from closekit.closing import journal_register
from closekit.closing.journal_register import APPROVALS, SHEET, Register, Upload
from closekit.errors import UsageError
from closekit.pipeline import runlog
from closekit.pipeline.reading import locked, open_workbook
from closekit.pipeline.results import ValidationResult
from closekit.sheetio.base import OutputSheet, SheetIO, a1
from closekit.workbook import outputs, schema
from closekit.workbook.book import read_rows, read_settings


def register(checked: ValidationResult, user: str | None = None, period_end=None) -> Register:
    """The Journals register of a validation: every manual journal voucher and its status
    (``period_end``: the last day of the period being closed, for reversals that are due)."""
    io, book = checked.io, checked.book
    lines = checked.ledger.lines
    settings = book.settings
    approvals_sheet = io.read_sheet(APPROVALS)
    return journal_register.build(
        lines[lines["kind"] == "journal"],
        checked.posted_journal_lines,
        checked.findings,
        book.journal_approvals,
        threshold=settings.journal_approval_amount if settings else None,
        currency=book.accounting_currency or "EUR",
        dimensions=book.dimensions,
        uploads=uploads(io),
        previous_hashes=previous_hashes(io),
        login=runlog.user() if user is None else user,
        approvals_sheet_columns=list(approvals_sheet.columns) if approvals_sheet is not None else [],
        period_end=period_end,
    )


def uploads(io: SheetIO) -> dict[str, Upload]:
    """Voucher number -> the last upload file the RunLog records it in (the ``Uploads`` column)."""
    table = outputs.read_runlog(io)
    found: dict[str, Upload] = {}
    if table is None or outputs.UPLOADS not in table.columns:
        return found
    for record in table.frame.to_dict("records"):
        text = outputs.field_text(record.get(outputs.UPLOADS))
        if not text:
            continue
        try:
            files = json.loads(text)
        except ValueError:
            continue  # the row's hash says whether it was edited (verify-log); an unreadable record counts for none
        when = outputs.field_text(record.get("TimeUTC"))
        for item in files if isinstance(files, list) else []:
            vouchers = item.get("vouchers") if isinstance(item, dict) else None
            for number, digest in (vouchers or {}).items():
                found[str(number)] = Upload(str(item.get("file", "")), when, str(digest))
    return found


def uploads_text(files: list[tuple[str, bytes]], vouchers: dict[str, str]) -> str:
    """The ``Uploads`` cell of an export's RunLog row: each file's name and SHA-256, and the vouchers
    (number -> the start of the hash of its lines, :data:`journal_register.UPLOAD_HASH_CHARS`) of the
    upload (all files together: a split upload is one journal). Refused (UsageError, before any
    file is written) when it would not fit in one cell: cut, it would record none of them."""
    short = {number: digest[: journal_register.UPLOAD_HASH_CHARS] for number, digest in vouchers.items()}
    text = json.dumps(
        [
            {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "vouchers": short if i == 0 else {}}
            for i, (name, data) in enumerate(files)
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    if len(text.encode("utf-16-le")) // 2 > outputs.MAX_CELL_CHARS:
        raise UsageError(
            f"this upload holds {len(vouchers):,} vouchers: more than the RunLog's Uploads cell can record "
            f"({outputs.MAX_CELL_CHARS:,} characters, about 900 vouchers), and an upload the RunLog does not "
            "record would not be marked Exported. Nothing was written. Export it in parts: --journals "
            "adjustments, then the manual journals by --source or --journal."
        )
    return text


def previous_hashes(io: SheetIO) -> dict[str, str]:
    """Voucher number -> the Journals sheet's Hash as the last run wrote it."""
    table = io.read_sheet(SHEET)
    if table is None or "Voucher" not in table.columns or "Hash" not in table.columns:
        return {}
    frame = table.frame
    return {
        outputs.field_text(v): outputs.field_text(h)
        for v, h in zip(frame["Voucher"], frame["Hash"], strict=True)
        if outputs.field_text(v) and outputs.field_text(h)
    }


def sheet(found: Register, currency: str) -> OutputSheet:
    """The Journals output sheet."""
    out, formats = outputs.money_frame(found.frame, ["Debit"], currency)
    out["Date"] = pd.to_datetime(out["Date"]).dt.date
    out["ReverseOn"] = pd.to_datetime(out["ReverseOn"]).dt.date
    formats.update({"Date": "date", "ReverseOn": "date", "Lines": "integer", "Errors": "integer"})
    return OutputSheet(SHEET, out.reset_index(drop=True), formats=formats, widths={"Source": 24, "Exported": 30})


def approve(
    workbook: str | Path | SheetIO,
    voucher: str,
    *,
    name: str,
    preparer: str | None = None,
    now: dt.datetime | None = None,
    command: str = "approve",
) -> dict[str, object]:
    """Approve a manual journal voucher as ``name``: the JournalApprovals row of the voucher gets the
    approver, the time (UTC), the hash of the voucher's lines as the last close saw them (the Journals
    sheet's Hash) and the login; plus a RunLog row, in one atomic write. Refused (nothing written)
    when the last close did not list the voucher, found errors on it, or it is posted already, and
    when ``name`` is its preparer (``preparer`` names the preparer when the row has none yet)."""
    now = now or dt.datetime.now(dt.UTC)
    who = name.strip()
    number = voucher.strip()
    if not who:
        raise UsageError("closekit approve: say who approves (--as NAME).")
    with locked(workbook):
        io = open_workbook(workbook)
        entry = _register_row(io, number)
        status = entry["Status"]
        if status == journal_register.PREPARED:
            raise UsageError(
                f"{io.where}: journal voucher {number} has {entry['Errors']} error finding(s) on its lines (Findings): "
                f"correct them and run closekit close before approving it."
            )
        if status in (journal_register.POSTED, journal_register.PARTLY):
            raise UsageError(f"{io.where}: journal voucher {number} is {status.lower()} already: nothing to approve.")
        table = io.read_sheet(APPROVALS)
        if table is None:
            raise UsageError(
                f"{io.where} has no {APPROVALS} sheet: add one with the columns "
                f"{', '.join(h for h, _, _ in schema.SheetSpec(APPROVALS, schema.JournalApprovalRow, '').columns())} "
                f"(closekit new writes it), then approve again."
            )
        rows, _ = read_rows(table, schema.JournalApprovalRow)
        mine = [(r, item) for r, item in rows if item.voucher.strip() == number]
        row = mine[0][0] if mine else _next_row(table)
        item = mine[0][1] if mine else None
        named = ((item.preparer if item else None) or preparer or "").strip()
        if not named:
            raise UsageError(
                f"{io.where}: journal voucher {number} has no Preparer in {APPROVALS}: say who prepared it "
                f"(--preparer NAME), so that the approver can be checked to be someone else."
            )
        login = runlog.user()
        if named.casefold() == who.casefold():
            raise UsageError(
                f"{io.where}: journal voucher {number} was prepared by {named}: {who} cannot approve it; a "
                f"voucher needs an approver other than its preparer."
            )
        columns = [c.strip().casefold() for c in table.columns]

        def ref(header: str) -> str:
            return a1(row, columns.index(header.casefold()) + 1)

        missing = [h for h in ("Voucher", "Preparer", "Approver", "ApprovedAt", "ApprovedHash", "ApproverLogin")
                   if h.casefold() not in columns]
        if missing:
            raise UsageError(f"{io.where}: the {APPROVALS} sheet has no column {', '.join(missing)}: add it.")
        at = runlog.stamp(now)
        cells: dict[str, object] = {
            ref("Voucher"): number,
            ref("Preparer"): named,
            ref("Approver"): who,
            ref("ApprovedAt"): at,
            ref("ApprovedHash"): entry["Hash"],
            ref("ApproverLogin"): login,
        }
        settings = read_settings(io.read_sheet("Settings"))[0]
        log = runlog.entry(
            now=now,
            command=command,
            period=settings.period if settings else "",
            user_name=None,
            hashes={io.where: io.fingerprint() or ""},
            counts={},
            written=[f"{APPROVALS} (approval)", outputs.RUNLOG],
            result=f"journal voucher {number} approved by {who} (lines {entry['Hash']})",
        )
        io.write_sheets([runlog.sheet(io, log, {APPROVALS: cells})], {APPROVALS: cells})
    return {"voucher": number, "approver": who, "preparer": named, "at": at, "hash": entry["Hash"]}


def _register_row(io: SheetIO, number: str) -> dict:
    table = io.read_sheet(SHEET)
    if table is None or "Voucher" not in table.columns:
        raise UsageError(f"{io.where} has no {SHEET} sheet: run closekit close first, then approve.")
    for record in table.frame.to_dict("records"):
        if outputs.field_text(record.get("Voucher")) == number:
            return {k: outputs.field_text(v) for k, v in record.items()}
    raise UsageError(
        f"{io.where}: the last close lists no journal voucher {number} (Journals sheet): check the number, "
        f"or run closekit close after adding the voucher."
    )


def _next_row(table) -> int:
    used = [int(r) for r in table.rows] if len(table.rows) else []
    return (max(used) if used else 1) + 1
