"""The file adapter: a close workbook on disk (.xlsx or .xlsm).

Reads go through python-calamine when it is installed (fast), else openpyxl. Writes replace whole
output sheets at the package level (:mod:`closekit.sheetio.xlsx_package`), and set single cells of
input sheets (the Checklist's Status) in the same write: every other part of the file (other
sheets, the other cells of an updated sheet, charts, shapes, buttons, VBA and add-in parts) is
kept; the new file is written beside the old one and swapped in only when complete.

**Locking.** A write holds ``.~closekit-<name>.lock`` beside the workbook (:func:`workbook_lock`,
a ``filelock`` lock: the operating system releases it when the process dies, so a killed run
never blocks the next one); the command line holds it from reading the workbook to writing it.
A second run on the same workbook waits up to ``CLOSEKIT_LOCK_TIMEOUT`` seconds (default 10) and
then stops with :class:`~closekit.errors.WorkbookInUse`. Under the lock, a write first deletes
the temporary files an interrupted write of the same workbook left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from closekit.core.parsing import PercentValue
from closekit.errors import InputError, UsageError, WorkbookInUse, WriteError
from closekit.sheetio import split
from closekit.sheetio.base import OutputSheet
from closekit.sources import tables, xlsx_scan
from closekit.sources.tables import RawTable

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: Bytes of a close workbook file (a workbook with a million-line GeneralJournal is about 100 MB).
MAX_WORKBOOK_BYTES = 1024**3
#: Seconds a run waits for another run's lock on the same workbook (environment: CLOSEKIT_LOCK_TIMEOUT).
LOCK_TIMEOUT = 10.0
LOCK_TIMEOUT_ENV = "CLOSEKIT_LOCK_TIMEOUT"

#: Sheets of pasted exports, read like a source file (their cells' formats mean nothing to closekit).
_IMPORT_SHEETS = ("ledgerimport", "journalimport")

_locks: dict[str, object] = {}  # lock file -> its FileLock: one per process, so that holding it nests
_locks_guard = threading.Lock()


def lock_file(path: str | Path) -> Path:
    """The lock file of a workbook: ``.~closekit-close.xlsx.lock`` beside (the real file of) ``close.xlsx``."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".~closekit-{real.name}.lock")


def lock_timeout() -> float:
    value = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not value:
        return LOCK_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise UsageError(f"{LOCK_TIMEOUT_ENV}={value!r} must be a number of seconds (0 or more).")
    return seconds


@contextlib.contextmanager
def workbook_lock(path: str | Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the workbook's lock; nested use in one process is free. The lock file is removed when
    the outermost holder lets go (while still holding it, so no waiter is left on a stale file)."""
    from filelock import FileLock, Timeout

    target = lock_file(path)
    with _locks_guard:
        lock = _locks.setdefault(str(target), FileLock(str(target), thread_local=False))
    wait = lock_timeout() if timeout is None else timeout
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise WorkbookInUse(
            f"{Path(path).name} is in use by another closekit run (it holds {target.name}), so closekit "
            f"waited {wait:g} seconds and wrote nothing: run again when the other run has finished "
            f"({LOCK_TIMEOUT_ENV} sets how long to wait)."
        ) from None
    except OSError as exc:
        raise WriteError(
            f"{Path(path).name}: closekit cannot create its lock file {target.name} beside the workbook "
            f"({exc.strerror or exc}), so it wrote nothing: check the folder's permissions."
        ) from None
    try:
        yield
    finally:
        if lock.lock_counter == 1:
            with contextlib.suppress(OSError):
                os.unlink(target)
        lock.release()


class FileWorkbook:
    """A close workbook file, read once per run and written atomically."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.where = self.path.name
        if self.path.suffix.lower() not in WORKBOOK_SUFFIXES:
            raise InputError(
                f"{self.path} is not a close workbook: expected an .xlsx or .xlsm file "
                f"(closekit new {self.path.with_suffix('.xlsx').name} makes one)."
            )
        if not self.path.exists():
            if self.path.is_symlink():
                raise InputError(
                    f"{self.path} is a symbolic link that leads nowhere (it loops, or its target is "
                    f"missing): correct the link or name the workbook itself."
                )
            raise InputError(
                f"{self.path} does not exist: check the path, or create the workbook "
                f"with closekit new {self.path.name}."
            )
        if self.path.is_dir():
            raise InputError(f"{self.path} is a folder, not a workbook file.")
        info = self.path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{self.path} is not a regular file (a device, a pipe or a socket): name the workbook.")
        if info.st_size > MAX_WORKBOOK_BYTES:
            raise InputError(
                f"{self.path} is {info.st_size:,} bytes; closekit reads close workbooks of at most "
                f"{MAX_WORKBOOK_BYTES:,} bytes. Move large imports out of the workbook into source files."
            )
        try:
            self._data = self.path.read_bytes()
        except PermissionError:
            raise InputError(
                f"{self.path} cannot be read (permission denied or locked by another "
                f"program): close it or check its permissions."
            ) from None
        self._book = tables.open_workbook(self._data, self.where)
        self._cache: dict[str, RawTable | None] = {}
        self._zip: xlsx_scan.Package | None = None

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def read_sheet(self, name: str) -> RawTable | None:
        actual = next((n for n in self._book.sheet_names if n.lower() == name.lower()), None)
        if actual is None:
            return None
        if actual not in self._cache:
            cells = self._book.read(actual)
            if actual.lower() not in _IMPORT_SHEETS:
                _mark_percent_cells(cells, self._package().percent_cells(actual))
            if not any(any(tables.is_filled(c) for c in row) for row in cells):
                self._cache[actual] = tables.empty_table(actual)
            else:
                self._cache[actual] = tables.with_sheet_findings(tables.from_rows(actual, cells), self._book, actual)
        return self._cache[actual]

    def folder(self) -> Path:
        return self.path.resolve().parent

    def _package(self) -> xlsx_scan.Package:
        if self._zip is None:
            self._zip = xlsx_scan.open_package(self._data, self.where)
        return self._zip

    def fingerprint(self) -> str:
        return hashlib.sha256(self._data).hexdigest()

    def owner_files(self) -> set[Path]:
        """Excel's owner file, present while the workbook is open in Excel: ``~$close.xlsx``,
        or for longer names the name with its first two characters replaced by ``~$``."""
        name = self.path.name
        return {self.path.with_name("~$" + name), self.path.with_name("~$" + name[2:])}

    def write_sheets(self, sheets: list[OutputSheet], updates: dict[str, dict[str, object]] | None = None) -> None:
        with workbook_lock(self.path):
            self._write_sheets(sheets, updates)

    def _write_sheets(self, sheets: list[OutputSheet], updates: dict[str, dict[str, object]] | None) -> None:
        from closekit.sheetio import xlsx_package

        for lock in self.owner_files():
            if lock.exists():
                raise WorkbookInUse(
                    f"{self.where} is open in Excel ({lock.name} exists), so closekit wrote nothing: "
                    f"close the workbook in Excel and run again, or run closekit from inside Excel."
                )
        if self.path.read_bytes() != self._data:
            raise WorkbookInUse(
                f"{self.where} changed on disk while closekit was running, so closekit wrote nothing: run again."
            )
        xlsx_package.remove_stale_temporaries(self.path)
        sheets = split.split_for_excel(sheets, self.sheet_names())  # Excel's row limit: never cut
        try:
            xlsx_package.write_sheets_atomic(self.path, sheets, updates)
        except PermissionError:
            raise WorkbookInUse(
                f"{self.where} cannot be written (it is open in another program or "
                f"read-only), so closekit wrote nothing: close it and run again."
            ) from None
        except xlsx_package.WorkbookPackageError as exc:
            raise InputError(str(exc)) from None
        except OSError as exc:
            raise WriteError(
                f"{self.where} could not be written ({exc.strerror or exc}); it was left as it "
                f"was. Free some disk space or check the folder's permissions, then run again."
            ) from None
        self._data = self.path.read_bytes()
        self._book = tables.open_workbook(self._data, self.where)
        self._zip = None
        self._cache.clear()


def _mark_percent_cells(cells: list[list[object]], percent: set[tuple[int, int]]) -> None:
    """Number cells formatted as a percentage become :class:`PercentValue` (a 60 % cell holds 0.6):
    a column whose unit is the percent (an allocation Share) then reads the 60 the cell shows."""
    for row, column in percent:
        if row <= len(cells) and column <= len(cells[row - 1]):
            value = cells[row - 1][column - 1]
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells[row - 1][column - 1] = PercentValue(value)
