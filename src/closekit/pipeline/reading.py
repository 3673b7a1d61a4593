"""Opening a close workbook: the sheet adapter for a path, the workbook's lock, its input sheets."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from closekit.core import parsing
from closekit.sheetio.base import SheetIO, set_heading
from closekit.workbook import schema
from closekit.workbook.book import CloseBook, read_book


def open_workbook(workbook: str | Path | SheetIO) -> SheetIO:
    """A sheet adapter for ``workbook``: a path opens the file adapter; an adapter is used as is."""
    if isinstance(workbook, str | Path):
        from closekit.sheetio.files import FileWorkbook

        return FileWorkbook(workbook)
    return workbook


@contextlib.contextmanager
def locked(workbook: str | Path | SheetIO) -> Iterator[None]:
    """Hold the workbook's lock (``.~closekit-<name>.lock`` beside it) for a read-compute-write:
    another closekit run on the same workbook waits up to ``CLOSEKIT_LOCK_TIMEOUT`` seconds (10),
    then stops with :class:`~closekit.errors.WorkbookInUse`. Other adapters need no lock, and a path
    that is not a file gets none (opening it says what is wrong with it)."""
    if isinstance(workbook, str | Path) and Path(workbook).is_file():
        from closekit.sheetio.files import workbook_lock

        with workbook_lock(Path(workbook)):
            yield
    else:
        yield


def read_close_book(io: SheetIO) -> CloseBook:
    """The input sheets of a close workbook, read and checked."""
    wanted = {parsing.header_key(spec.name) for spec in schema.INPUT_SHEETS}
    names = io.sheet_names()
    sheets = {name: io.read_sheet(name) for name in names if parsing.header_key(name) in wanted}
    book = read_book(sheets, io.where, names)
    if book.settings is not None:  # the page header of the output sheets
        set_heading(io, book.settings.company, book.settings.period)
    return book
