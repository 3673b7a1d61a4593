"""What the Excel buttons do: Validate, Run close, Export upload journal, Put period on hold.

Shared by the xlwings Lite scripts (``addin/lite/main.py``) and the classic add-in
(``addin/classic/closekit_addin.py``): each takes an xlwings ``Book`` (the one Lite injects, or
``xw.Book.caller()``), runs the same :mod:`closekit.api` call the command line runs through the
live-Excel adapter, and then, like a user expects in Excel, makes each finding that points at a
cell of the workbook a link to it and activates Findings when there are errors.

A run that cannot start (no Settings, an unreadable source: :class:`~closekit.errors.CloseKitError`)
writes its one-paragraph message into the Close sheet's Status cell (and returns it) instead of a
traceback. xlwings is not imported here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from closekit import api
from closekit.core.plural import plural
from closekit.errors import CloseKitError
from closekit.pipeline import export as export_pipeline
from closekit.sheetio.base import OutputSheet
from closekit.sheetio.excel import ExcelBook, cell_value, link_findings
from closekit.workbook import closesheet, outputs

UPLOAD_SHEET = "Upload"
UNKNOWN = "unknown"


def office_user(book: object) -> str | None:
    """The Office user name (File > Options > General) where the front end can read it: the
    classic add-in's ``Application.UserName`` (Windows COM; ``user_name`` on macOS); None in
    xlwings Lite, which exposes no user to Python."""
    try:
        api = book.app.api  # type: ignore[attr-defined]
    except Exception:
        return None
    for read in (lambda: api.UserName, lambda: api.user_name.get()):
        try:
            name = read()
        except Exception:
            continue
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def login() -> str:
    """The operating-system login of the run ("unknown" in a browser's Python, xlwings Lite's Pyodide,
    where there is none): the login a period's AccessGroup is checked against."""
    import sys

    from closekit.pipeline import runlog

    if sys.platform == "emscripten":
        return UNKNOWN
    return runlog.user() or UNKNOWN


def runlog_user(book: object) -> str:
    """The RunLog's User of an Excel run: ``jdoe (Excel: Jane Doe)``, the login and the Office user
    name (``unknown`` where the front end cannot read it)."""
    return f"{login()} (Excel: {office_user(book) or UNKNOWN})"


def validate(book: object, *, folder: str | Path | None = None, now: dt.datetime | None = None) -> str:
    def run(io: ExcelBook) -> tuple[str, pd.DataFrame]:
        result = api.validate(io, user=login())
        api.write_validation(result, command="validate (Excel)", now=now, user=runlog_user(book))
        return _summary("validate", result.counts), result.findings

    return _guarded(book, folder, run)


def run_close(book: object, *, folder: str | Path | None = None, now: dt.datetime | None = None) -> str:
    """Run close; with the classic add-in (``folder`` given, a live Excel) the Close sheet's
    progress cell says which step is running while it runs. xlwings Lite sends every change back
    at the end of the script, so there the cell shows the finished steps only."""

    def run(io: ExcelBook) -> tuple[str, pd.DataFrame]:
        result = api.close(io, progress=_progress_cell(io) if folder is not None else None, user=login())
        api.write_close(result, command="close (Excel)", now=now, user=runlog_user(book))
        return _summary("close", result.counts), result.findings

    return _guarded(book, folder, run)


def hold_period(book: object, *, folder: str | Path | None = None, now: dt.datetime | None = None) -> str:
    def run(io: ExcelBook) -> tuple[str, pd.DataFrame]:
        result = api.hold_period(io, user=login())
        api.write_hold(result, command="period-hold (Excel)", now=now, user=runlog_user(book))
        text = f"period {result.period} put on hold" if result.held else f"not put on hold: {result.reason}"
        return text, result.findings

    return _guarded(book, folder, run)


def export_upload(
    book: object, *, folder: str | Path | None = None, now: dt.datetime | None = None, force: bool = False
) -> str:
    """The upload journal as the sheet ``Upload`` (Lite has no file system); with a folder (the
    classic add-in) also the file ``upload-<format><suffix>`` beside the workbook. Refused like
    ``closekit export`` when the close does not allow it; the buttons never pass ``force`` (a
    forced export writes its RunLog row, as on the command line)."""

    def run(io: ExcelBook) -> tuple[str, pd.DataFrame]:
        result = api.export(io, force=force)
        now_ = now or dt.datetime.now(dt.UTC)
        sheets = [outputs.findings_sheet(result.findings)]
        text = f"export {result.format}: errors, nothing exported (see Findings)"
        if len(result.gate) and not result.forced:
            text = f"export {result.format} refused, nothing exported: {result.gate.iloc[0]['Message']}"
        if result.ok:
            sheets += upload_sheets(result.export.files)
            text = f"export {result.format}: {result.lines} lines in sheet {UPLOAD_SHEET}"
            label = "export --force (Excel)" if result.forced else "export (Excel)"
            if io.folder() is not None:
                written = api.write_export(
                    result, io.folder() / f"upload-{result.format}", command=label, now=now_, user=runlog_user(book)
                )
                text += " and " + ", ".join(p.name for p in written)
            else:  # the RunLog records the upload sheet and its vouchers (issue 17), forced or not
                sheets.append(
                    export_pipeline.export_runlog(
                        result, [UPLOAD_SHEET], command=label, now=now_, user=runlog_user(book)
                    )
                )
            if result.forced:
                text += " (forced over the close's findings: recorded in the RunLog)"
        front = closesheet.updates(
            io, command="export", period="", counts=result.counts, now=now_, status=text
        )
        front.get(closesheet.SHEET, {}).pop(closesheet.CELLS["period"], None)
        io.write_sheets(sheets, front or None)
        return text, result.findings

    return _guarded(book, folder, run)


def upload_sheets(files: list[bytes]) -> list[OutputSheet]:
    """Each upload file as a sheet of text cells (``Upload``, ``Upload2``...): a delimited file split
    into its columns, any other (XML) one line per row. The first row is the sheet's header."""
    sheets = []
    for i, data in enumerate(files, start=1):
        rows = parse_upload(data)
        width = max((len(r) for r in rows), default=1)
        rows = [r + [""] * (width - len(r)) for r in rows] or [[""]]
        header = [h if h else f"Column{j}" for j, h in enumerate(rows[0], start=1)]
        frame = pd.DataFrame(rows[1:], columns=range(width), dtype=object)
        frame.columns = _unique(header)
        name = UPLOAD_SHEET if i == 1 else f"{UPLOAD_SHEET}{i}"
        sheets.append(OutputSheet(name, frame, formats={c: "text" for c in frame.columns}))
    return sheets


def parse_upload(data: bytes) -> list[list[str]]:
    """The rows of an upload file as the spreadsheet user would see them."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if text.lstrip().startswith("<"):
        return [["Line"], *([line] for line in text.splitlines())]
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(_io.StringIO(text, newline=""), dialect) if row]


def _unique(names: list[str]) -> list[str]:
    from closekit.sources.tables import unique_names

    return unique_names(names)


def _summary(command: str, counts: dict[str, int]) -> str:
    return (
        f"{command}: {plural(counts['Error'], 'error')}, {plural(counts['Warning'], 'warning')}, "
        f"{plural(counts['Info'], 'info', 'info')}" + (" (see Findings)" if counts["Error"] else "")
    )


def _layout_note(skipped: list[str], shown: int = 3) -> str:
    """What of the sheets' look this Excel refused (every value was written before any of it)."""
    listed = "; ".join(skipped[:shown]) + (f"; and {len(skipped) - shown} more" if len(skipped) > shown else "")
    return f". Every value was written, but this Excel did not apply {plural(len(skipped), 'layout step')}: {listed}"


def _progress_cell(io: ExcelBook) -> Callable[[str, int, int], None] | None:
    """A progress callback (:data:`closekit.closing.runner.Progress`) writing the Close sheet's progress cell."""
    sheet = io.sheet(closesheet.SHEET)
    if sheet is None:
        return None

    def show(step: str, done: int, total: int) -> None:
        text = "finishing" if step == "done" else f"running {step}"
        sheet.range(closesheet.CELLS["progress"]).value = cell_value(f"{text} ({done} of {total} steps done)")

    return show


def _guarded(book: object, folder: str | Path | None, run: Callable[[ExcelBook], tuple[str, pd.DataFrame]]) -> str:
    io = ExcelBook(book, folder=folder)
    try:
        text, findings = run(io)
    except CloseKitError as problem:
        message = str(problem)
        sheet = io.sheet(closesheet.SHEET)
        if sheet is not None:
            sheet.range(closesheet.CELLS["status"]).value = cell_value(message)
            sheet.activate()
        return message
    if io.layout_skipped:
        text += _layout_note(io.layout_skipped)
    if len(findings):
        link_findings(io, findings.reset_index(drop=True))
    target = "Findings" if (findings["Severity"] == "Error").any() else closesheet.SHEET
    sheet = io.sheet(target)
    if sheet is not None:
        sheet.activate()
    return text
