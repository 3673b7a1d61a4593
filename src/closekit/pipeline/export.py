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
from pathlib import Path

from closekit import exporters
from closekit.closing import runner as closing
from closekit.closing.importing import SourceSpec, import_table
from closekit.core import findings as fnd
from closekit.errors import UsageError, WriteError
from closekit.exporters import ExportContext
from closekit.pipeline import runlog
from closekit.pipeline.reading import open_workbook, read_close_book
from closekit.pipeline.results import ExportResult
from closekit.sheetio.base import OutputSheet, SheetIO
from closekit.workbook import fingerprint, outputs


def export(workbook: str | Path | SheetIO, *, format: str | None = None, force: bool = False) -> ExportResult:
    """The Adjustments the close wrote, in the upload layout of ``format`` (default Settings
    ``ExportFormat``, else ``generic``), refused unless a clean close of the workbook as it stands
    wrote them (:func:`close_gate`; ``force``: exported anyway, recorded in the RunLog). Nothing
    is written: see :func:`write_export`."""
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
    if table is None:
        raise UsageError(f"{io.where} has no Adjustments sheet: run closekit close first.")
    lines, _, problems = import_table(table, SourceSpec(closing.ADJUSTMENTS_SHEET, "journal", "generic"), book)
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
    return ExportResult(
        name, writers[name].write(lines, ctx), len(lines), gate=gate, io=io, period=settings.period,
        forced=force and len(gate) > 0,
    )


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
    command: str = "export --force",
    now: dt.datetime | None = None,
    user: str | None = None,
) -> list[Path]:
    """Write the upload file(s): ``out``, or ``out-1``, ``out-2``... when the ERP needs the journal
    split. Each file is written beside its target and swapped in when complete. Refuses (writes
    nothing) when the export has findings of severity Error. A forced export (``result.forced``)
    first writes its RunLog row into the workbook (``command``, ``user``: see :func:`forced_runlog`)."""
    if not result.ok:
        return []
    out = Path(out)
    files = result.export.files
    if out.suffix == "":
        out = out.with_suffix(result.export.suffix)
    targets = (
        [out] if len(files) == 1 else [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, len(files) + 1)]
    )
    if result.forced:  # recorded before anything is written: no forced upload without its RunLog row
        result.io.write_sheets([forced_runlog(result, [str(t) for t in targets], command=command, now=now, user=user)])
    for target, data in zip(targets, files, strict=True):
        temporary = target.with_name(f".~closekit-{target.name}")
        try:
            temporary.write_bytes(data)
            temporary.replace(target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise WriteError(f"{target} could not be written ({exc.strerror or exc}).") from None
    return targets


def forced_runlog(
    result: ExportResult,
    written: list[str],
    *,
    command: str = "export --force",
    now: dt.datetime | None = None,
    user: str | None = None,
) -> OutputSheet:
    """The RunLog with the row of a forced export: Result ``forced``, the findings it was forced over
    counted as Warnings, the upload files (or sheets) in Outputs."""
    io = result.io
    entry = runlog.entry(
        now=now or dt.datetime.now(dt.UTC),
        command=command,
        period=result.period,
        user_name=user,
        hashes={io.where: io.fingerprint() or "", **fingerprint.sheet_hashes(io)},
        counts=result.counts,
        written=[f"upload {result.format}: {', '.join(written)}"],
        result="forced",
    )
    return runlog.sheet(io, entry)
