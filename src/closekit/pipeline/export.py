"""``closekit export``: the Adjustments sheet a close wrote, in an ERP's upload layout
(:mod:`closekit.exporters`), written beside its target and swapped in when complete.

**Gated by the close** (docs/close.md "Export gated by the close"): the export is refused (an
``export-unclosed`` or ``export-stale`` Error, nothing written) unless the RunLog is intact, the
last close that wrote the Adjustments ended without errors, and every input sheet still holds what
that close read (:mod:`closekit.workbook.fingerprint`). ``force=True`` exports anyway: the
findings become Warnings and :func:`write_export` first adds a RunLog row saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from closekit import exporters
from closekit.closing import journal_register
from closekit.closing import runner as closing
from closekit.closing.importing import SourceSpec, import_table
from closekit.core import findings as fnd
from closekit.core.ledger import empty_lines
from closekit.core.plural import plural
from closekit.errors import UsageError, WriteError
from closekit.exporters import ExportContext
from closekit.pipeline import runlog
from closekit.pipeline.journals import register as journals_register
from closekit.pipeline.journals import uploads_text
from closekit.pipeline.reading import open_workbook, read_close_book
from closekit.pipeline.results import ExportResult
from closekit.pipeline.validate import validate
from closekit.sheetio.base import OutputSheet, SheetIO
from closekit.workbook import fingerprint, outputs

#: What ``closekit export --journals`` writes: the generated adjustments and the approved manual
#: journal vouchers (default), the adjustments only (closekit before issue 17), or the manual ones only.
JOURNAL_CHOICES = ("all", "adjustments", "manual")


def export(
    workbook: str | Path | SheetIO,
    *,
    format: str | None = None,
    force: bool = False,
    journals: str = "all",
    sources: Iterable[str | Path] = (),
    journal_files: Iterable[str | Path] = (),
    again: bool = False,
) -> ExportResult:
    """The Adjustments the close wrote and (``journals`` ``all`` or ``manual``) the manual journal
    vouchers that are Approved (docs/close.md "Manual journals"), in the upload layout of ``format``
    (default Settings ``ExportFormat``, else ``generic``), refused unless a clean close of the
    workbook as it stands wrote them (:func:`close_gate`; ``force``: exported anyway, recorded in the
    RunLog). ``sources`` and ``journal_files`` are the files the close was given on its command line
    (``--source``, ``--journal``); ``again`` exports vouchers an earlier upload holds once more.
    Nothing is written: see :func:`write_export`."""
    if journals not in JOURNAL_CHOICES:
        raise UsageError(f"--journals {journals!r} is not known; use one of: {', '.join(JOURNAL_CHOICES)}.")
    io = open_workbook(workbook)
    book = read_close_book(io)
    if book.settings is None:
        raise UsageError(
            f"{io.where}: the Settings sheet cannot be read, so nothing can be exported "
            f"(run closekit validate for the details)."
        )
    name = (format or book.settings.export_format or "generic").strip().lower()
    writers = exporters.available()
    if name not in writers:
        raise UsageError(f"export format {name!r} is not known; use one of: {', '.join(writers)}.")
    table = io.read_sheet(closing.ADJUSTMENTS_SHEET)
    if table is None and journals != "manual":
        raise UsageError(f"{io.where} has no Adjustments sheet: run closekit close first.")
    if table is not None and journals != "manual":
        lines, _, problems = import_table(table, SourceSpec(closing.ADJUSTMENTS_SHEET, "journal", "generic"), book)
    else:
        lines, problems = empty_lines(book.dimensions), fnd.frame()
    errors = problems[problems["Severity"] == "Error"]
    if len(errors):
        first = errors.iloc[0]
        raise UsageError(
            f"{io.where}: the Adjustments sheet cannot be exported: row {first['Row']}, column "
            f"{first['Column']}: {first['Message']}. Run closekit close again."
        )
    settings = book.settings
    ctx = ExportContext(
        settings.accounting_currency,
        book.dimensions,
        settings.dimension_delimiter,
        settings.journal_name,
        settings.company,
        settings.period,
        settings.fiscal_year_start,
    )
    gate = fnd.frame(close_gate(io))
    if force and len(gate):
        gate["Severity"] = fnd.Severity.WARNING.value
    manual, left_out = (empty_lines(book.dimensions), fnd.frame())
    sources, journal_files = list(sources), list(journal_files)
    has_journals = (
        any(s.kind == "journal" for _, s in book.sources) or bool(journal_files) or "JournalImport" in book.imports
    )
    if journals != "adjustments" and has_journals and (force or not len(gate)):  # refused: nothing to read
        manual, left_out = manual_journals(io, sources, journal_files, again)
    vouchers = _hashes(lines, book.dimensions)
    manual_count = int(manual["voucher"].nunique()) if len(manual) else 0
    if len(manual):
        vouchers.update(_hashes(manual, book.dimensions))
        lines = pd.concat([lines, manual.reindex(columns=lines.columns)], ignore_index=True)
    written = writers[name].write(lines, ctx)
    written.findings = fnd.combine([left_out, written.findings])
    if manual_count:
        written.notes.append(
            f"{plural(manual_count, 'manual journal voucher')} (approved) written with the adjustments."
        )
    return ExportResult(
        name, written, len(lines), gate=gate, io=io, period=settings.period,
        forced=force and len(gate) > 0, vouchers=vouchers, manual_vouchers=manual_count,
    )


def manual_journals(
    io: SheetIO, sources: Iterable[str | Path], journal_files: Iterable[str | Path], again: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lines of the manual journal vouchers to upload (Approved; with ``again`` also Exported),
    read as the close read them (the workbook's sources and the files given), and a
    ``journal-not-exported`` warning for each voucher left out."""
    checked = validate(io, sources=sources, journals=journal_files)
    found = journals_register(checked)
    frame = found.frame
    lines = checked.ledger.lines
    ccy = checked.book.accounting_currency or "EUR"
    wanted = {journal_register.APPROVED} | ({journal_register.EXPORTED} if again else set())
    keys = journal_register.voucher_keys(lines) if len(lines) else pd.Series([], dtype=str)
    take: list[str] = []
    problems: list[dict] = []
    register_keys = frame["Source"] + "\x1f" + frame["Journal"] + "\x1f" + frame["Voucher"]
    foreign = set(keys[(lines["currency"].astype(str) != ccy).to_numpy()])  # vouchers with a foreign line
    for key, record in zip(register_keys, frame.to_dict("records"), strict=True):
        status, number = record["Status"], record["Voucher"]
        reason = None
        if status in (journal_register.POSTED, journal_register.PARTLY):
            continue  # in the ledger already: never uploaded twice
        if status not in wanted:
            reason = {
                journal_register.PREPARED: "it has error findings (Findings)",
                journal_register.VALIDATED: "it is not approved yet (JournalApprovals)",
                journal_register.EXPORTED: f"it is in an upload already ({record['Exported']}); --again "
                "exports it once more",
            }.get(status, status)
        elif not number:
            reason = "it has no voucher number, so its posting could not be followed"
        elif key in foreign:
            reason = f"it has lines in a currency other than {ccy}, and the upload layouts carry {ccy} amounts only"
        if reason:
            problems.append(
                fnd.finding(
                    "journal-not-exported",
                    str(record["Source"]),
                    f"journal voucher {number or '(no number)'} ({record['Status']}) is not in the upload: {reason}",
                    row=int(str(record["Rows"]).split("-")[0]) if record["Rows"] else None,
                    column="Voucher",
                    voucher=str(number),
                )
            )
            continue
        take.append(key)
    chosen = lines[keys.isin(take).to_numpy()] if take else lines.iloc[:0]
    return chosen.reset_index(drop=True), fnd.frame(problems)


def _hashes(lines: pd.DataFrame, dimensions: tuple[str, ...]) -> dict[str, str]:
    """Voucher number -> hash of its lines (:func:`closekit.closing.journal_register.content_hash`)."""
    if not len(lines):
        return {}
    return {
        str(number): journal_register.content_hash(voucher, dimensions)
        for number, voucher in lines.groupby(lines["voucher"].astype(str), sort=False)
    }


def close_gate(io: SheetIO) -> list[dict]:
    """Why the Adjustments of ``io`` may not be exported (an empty list: they may): the RunLog is
    missing or broken, no close that wrote the Adjustments is recorded, the last one ended with
    errors, or an input sheet changed since it ran."""
    table = outputs.read_runlog(io)
    check = outputs.verify_runlog(table, io.where)
    force = " Or export with --force (recorded in the RunLog)."
    if table is None or not len(table) or not check.ok:
        return [
            fnd.finding(
                "export-unclosed",
                outputs.RUNLOG,
                f"{check.message} The export needs the RunLog row of the close that wrote the Adjustments.",
                row=check.broken_row,
                fix="Run closekit close (then closekit verify-log) and export again." + force,
            )
        ]
    records = table.frame.to_dict("records")
    closes = [i for i, r in enumerate(records) if closing.ADJUSTMENTS_SHEET in _outputs(r.get("Outputs"))]
    if not closes:
        return [
            fnd.finding(
                "export-unclosed",
                outputs.RUNLOG,
                f"the RunLog of {io.where} records no close that wrote the Adjustments sheet, so nothing says "
                f"which close they come from or whether it ended clean.",
                fix="Run closekit close and export again." + force,
            )
        ]
    last = records[closes[-1]]
    row = int(table.rows[closes[-1]])
    when = outputs.field_text(last.get("TimeUTC"))
    if outputs.field_text(last.get("Result")) != "ok":
        errors = outputs.field_text(last.get("Errors")) or "some"
        return [
            fnd.finding(
                "export-unclosed",
                outputs.RUNLOG,
                f"the close of {when} UTC that wrote the Adjustments (RunLog row {row}) ended with {errors} "
                f"errors: adjustments computed over errors are not exported.",
                row=row,
                column="Result",
                fix="Correct the errors the close reported (Findings), run closekit close again and export." + force,
            )
        ]
    before = fingerprint.recorded(last.get("InputHashes"))
    if not before:
        return [
            fnd.finding(
                "export-stale",
                outputs.RUNLOG,
                f"the close of {when} UTC (RunLog row {row}) recorded no fingerprint of the input sheets (a "
                f"closekit before the export gate), so a change since then cannot be ruled out.",
                row=row,
                column="InputHashes",
                fix="Run closekit close again and export." + force,
            )
        ]
    moved = fingerprint.changed(before, fingerprint.sheet_hashes(io))
    if moved:
        return [
            fnd.finding(
                "export-stale",
                outputs.RUNLOG,
                f"the workbook changed since the close of {when} UTC that wrote the Adjustments (RunLog row "
                f"{row}): the sheet{'s' if len(moved) > 1 else ''} {', '.join(moved)} no longer hold"
                f"{'' if len(moved) > 1 else 's'} what that close read, so the Adjustments may not be the "
                f"ones the workbook gives now.",
                row=row,
                column="InputHashes",
                fix="Run closekit close again (it recomputes the Adjustments) and export." + force,
            )
        ]
    return []


def _outputs(value: object) -> list[str]:
    return [part.strip() for part in outputs.field_text(value).split(",")]


def write_export(
    result: ExportResult,
    out: str | Path,
    *,
    command: str = "export",
    now: dt.datetime | None = None,
    user: str | None = None,
) -> list[Path]:
    """Write the upload file(s): ``out``, or ``out-1``, ``out-2``... when the ERP needs the journal
    split. Each file is written beside its target and swapped in when complete. Refuses (writes
    nothing) when the export has findings of severity Error. Every export then adds its RunLog row
    (:func:`export_runlog`): the files, their SHA-256 and the vouchers they hold (a forced export
    writes that row before the files, so that no forced upload exists without it)."""
    if not result.ok:
        return []
    out = Path(out)
    files = result.export.files
    if out.suffix == "":
        out = out.with_suffix(result.export.suffix)
    targets = (
        [out] if len(files) == 1 else [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, len(files) + 1)]
    )
    row = export_runlog(result, [str(t) for t in targets], command=command, now=now, user=user)
    if result.forced:  # recorded before anything is written: no forced upload without its RunLog row
        result.io.write_sheets([row])
    for target, data in zip(targets, files, strict=True):
        temporary = target.with_name(f".~closekit-{target.name}")
        try:
            temporary.write_bytes(data)
            temporary.replace(target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise WriteError(f"{target} could not be written ({exc.strerror or exc}).") from None
    if not result.forced:
        result.io.write_sheets([row])
    return targets


def export_runlog(
    result: ExportResult,
    written: list[str],
    *,
    command: str = "export",
    now: dt.datetime | None = None,
    user: str | None = None,
) -> OutputSheet:
    """The RunLog with the row of an export: Result ``ok`` (``forced``: the findings it was forced
    over counted as Warnings), the upload files in Outputs, and in ``Uploads`` each file's SHA-256
    and the vouchers of the upload with the hash of their lines (the next close marks the manual
    ones Exported, then Posted)."""
    io = result.io
    entry = runlog.entry(
        now=now or dt.datetime.now(dt.UTC),
        command=command,
        period=result.period,
        user_name=user,
        hashes={io.where: io.fingerprint() or "", **fingerprint.sheet_hashes(io)},
        counts=result.counts,
        written=[f"upload {result.format}: {', '.join(written)}"],
        result="forced" if result.forced else "ok",
    )
    files = result.export.files
    names = written if len(written) == len(files) else [f"{written[0]} ({i})" for i in range(1, len(files) + 1)]
    entry[outputs.UPLOADS] = uploads_text(list(zip(names, files, strict=True)), result.vouchers)
    return runlog.sheet(io, entry)


#: The name of closekit before issue 17, when only a forced export wrote a RunLog row.
forced_runlog = export_runlog
