"""``closekit export``: the Adjustments sheet a close wrote, in an ERP's upload layout
(:mod:`closekit.exporters`), written beside its target and swapped in when complete."""

from __future__ import annotations

from pathlib import Path

from closekit import exporters
from closekit.closing import runner as closing
from closekit.closing.importing import SourceSpec, import_table
from closekit.errors import UsageError, WriteError
from closekit.exporters import ExportContext
from closekit.pipeline.reading import open_workbook, read_close_book
from closekit.pipeline.results import ExportResult
from closekit.sheetio.base import SheetIO


def export(workbook: str | Path | SheetIO, *, format: str | None = None) -> ExportResult:
    """The Adjustments the close wrote, in the upload layout of ``format`` (default Settings
    ``ExportFormat``, else ``generic``). Nothing is written: see :func:`write_export`."""
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
    return ExportResult(name, writers[name].write(lines, ctx), len(lines))


def write_export(result: ExportResult, out: str | Path) -> list[Path]:
    """Write the upload file(s): ``out``, or ``out-1``, ``out-2``... when the ERP needs the journal
    split. Each file is written beside its target and swapped in when complete. Refuses (writes
    nothing) when the export has findings of severity Error."""
    if not result.ok:
        return []
    out = Path(out)
    files = result.export.files
    if out.suffix == "":
        out = out.with_suffix(result.export.suffix)
    targets = (
        [out] if len(files) == 1 else [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, len(files) + 1)]
    )
    for target, data in zip(targets, files, strict=True):
        temporary = target.with_name(f".~closekit-{target.name}")
        try:
            temporary.write_bytes(data)
            temporary.replace(target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise WriteError(f"{target} could not be written ({exc.strerror or exc}).") from None
    return targets
