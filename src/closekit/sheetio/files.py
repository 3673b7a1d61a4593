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

**Whose file, whose sheets** (SECURITY.md; docs/workbook-writing.md "Permissions, links and
editors"). A write goes to the real file behind a symbolic link, never replaces the link. It is
refused (:class:`~closekit.errors.WorkbookInUse`, exit 2, nothing written) while Excel's owner file
``~$close.xlsx`` or LibreOffice's lock file ``.~lock.close.xlsx#`` is beside the workbook, and when
the workbook is read-only (:func:`read_only`). Output sheets go only into sheets that are closekit's
(:meth:`FileWorkbook.output_target`): a user's own sheet with an output's name is left alone and the
output goes beside it, ``TrialBalance (closekit)``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

from closekit.core import findings as fnd
from closekit.core.parsing import PercentValue
from closekit.errors import InputError, UsageError, WorkbookInUse, WriteError
from closekit.sheetio import base, split, where_links
from closekit.sheetio.base import OutputSheet
from closekit.sources import tables, xlsx_scan
from closekit.sources.tables import RawTable

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: Bytes of a close workbook file (a workbook with a million-line GeneralJournal is about 100 MB).
MAX_WORKBOOK_BYTES = 1024**3
#: Seconds a run waits for another run's lock on the same workbook (environment: CLOSEKIT_LOCK_TIMEOUT).
LOCK_TIMEOUT = 10.0
LOCK_TIMEOUT_ENV = "CLOSEKIT_LOCK_TIMEOUT"

#: What closekit calls its output when a sheet of the user's own has the output's name.
BESIDE = " (closekit)"

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


def read_only(path: str | Path) -> str | None:
    """Why the workbook file cannot be written, or None. closekit decides by the file itself, as
    Excel does with its read-only attribute: a file whose owner may not write it (``chmod 444``,
    ``chmod u-w``; on Windows the read-only attribute, which Python reports the same way) is
    read-only for every user, root included (root may write anything, so asking the operating
    system, ``os.access``, would let it through); a file this user may not write by its permissions
    (someone else's, not writable by the group or others) is too."""
    info = os.stat(path)
    if not info.st_mode & stat.S_IWUSR:
        return "it is marked read-only (its owner may not write it)"
    if hasattr(os, "geteuid") and os.geteuid() != 0 and not os.access(path, os.W_OK):
        return "your user may not write it (its permissions)"
    return None


def laid_out_as(existing: list[str], columns: list[str]) -> bool:
    """Whether an output sheet's header row (``existing``) is one closekit wrote for ``columns``: the
    same first column and nothing but the output's columns, in its order (an older closekit may have
    written fewer)."""
    head = [str(c) for c in existing]
    while head and not head[-1].strip():
        head.pop()
    want = [str(c) for c in columns]
    if not head or not want or head[0] != want[0] or len(head) < min(2, len(want)):
        return False
    rest = iter(want)
    return all(any(c == w for w in rest) for c in head)


def beside_names(name: str) -> Iterator[str]:
    """``TrialBalance``, ``TrialBalance (closekit)``, ``TrialBalance (closekit 2)``... (31 characters at most)."""
    yield name
    for n in range(1, 100):
        suffix = BESIDE if n == 1 else f" (closekit {n})"
        yield name[: split.MAX_NAME - len(suffix)] + suffix


class FileWorkbook:
    """A close workbook file, read once per run and written atomically."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.where = self.path.name
        self.real = Path(os.path.realpath(self.path))  # a symbolic link is written through, never replaced
        self._facts = None
        #: (company, period) printed in the page header of every output sheet (base.set_heading)
        self.heading = ("", "")
        self._first_rows: dict[str, list[str]] | None = None  # row 1 of every sheet, read once when asked
        self._targets: dict[str, str] = {}
        self._claimed: set[str] = set()  # sheets recognised as closekit's by their layout: marked on the next write
        self._properties: dict[str, str] = {}  # custom document properties to set on the next write
        #: (output name, the sheet it went to) of the last write where a sheet of the user's own had the name.
        self.placed_beside: list[tuple[str, str]] = []
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

    def outputs_after(self) -> str | None:
        """The sheet new output sheets go after: the last of closekit's sheets in the tab order (its
        outputs, the Close sheet, the Dashboard), so outputs stand together after the front pages and
        before the input sheets; None (at the end) when the workbook has none of them."""
        facts = self.facts()
        if facts is None:
            return None
        ours = set(facts.marked) | {n.lower() for n in self._claimed} | base.FRONT_PAGES
        return next((n for n in reversed(facts.sheets) if n.lower() in ours), None)

    def _linked(self, sheet: OutputSheet, sheets: list[OutputSheet]) -> OutputSheet:
        """A Findings sheet with each Where cell linked to the cell it names (where_links)."""
        if sheet.links or not all(c in sheet.frame.columns for c in where_links.LINKED):
            return sheet
        outputs = {s.name.lower(): (s.name, {str(c): i for i, c in enumerate(s.frame.columns, 1)}) for s in sheets}
        names = {n.lower() for n in self.sheet_names()}

        def headers(name: str) -> tuple[str, dict[str, int]] | None:
            if name.lower() in outputs:
                return outputs[name.lower()]
            if name.lower() not in names:
                return None
            try:
                table = self.read_sheet(name)
            except (InputError, ValueError):
                return None
            return None if table is None else (table.where, dict(table.meta.get("column_numbers", {})))

        return dataclasses.replace(sheet, links=where_links.links(sheet.frame, headers))

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
                table = tables.from_rows(actual, cells, **self._book.meta)
                self._cache[actual] = tables.with_sheet_findings(table, self._book, actual)
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
        or for longer names the name with its first two characters replaced by ``~$``; beside the
        name used and beside the real file of a symbolic link."""
        out = set()
        for path in {self.path, self.real}:
            name = path.name
            out |= {path.with_name("~$" + name), path.with_name("~$" + name[2:])}
        return out

    def lock_files(self) -> set[Path]:
        """LibreOffice's lock file, present while the workbook is open in LibreOffice (Calc, or
        Collabora/OnlyOffice builds of it): ``.~lock.close.xlsx#``."""
        return {path.with_name(f".~lock.{path.name}#") for path in {self.path, self.real}}

    # ------------------------------------------------------------------ which sheets are closekit's
    def facts(self):
        """The writer's view of the workbook (sheets, closekit's markers, structure protection), or
        None when the writer cannot read it (the write then says why)."""
        from closekit.sheetio import xlsx_package

        if self._facts is None:
            try:
                self._facts = xlsx_package.workbook_facts(self._data)
            except (xlsx_package.WorkbookPackageError, OSError, ValueError):
                return None
        return self._facts

    def is_closekits(self, name: str, columns: list[str] | None = None) -> bool:
        """Whether the existing sheet ``name`` is closekit's: it carries closekit's marker
        (:data:`closekit.sheetio.xlsx_package.MARKER`), or it is laid out as the output of ``columns``
        (a workbook written before the marker existed; the next write marks it). With ``columns``
        unknown, an unmarked sheet counts as closekit's, as before the marker."""
        facts = self.facts()
        if facts is not None and name.lower() in facts.marked:
            return True
        if columns is None:
            return True
        header = self._header(name)
        return header is not None and laid_out_as(header, list(columns))

    def _header(self, name: str) -> list[str] | None:
        """Row 1 of a sheet, without reading the rest (a million-row output from an older closekit)."""
        actual = next((n for n in self._cache if n.lower() == name.lower()), None)
        if actual is not None and self._cache[actual] is not None:
            return list(self._cache[actual].columns)
        if self._first_rows is None:
            self._first_rows = _first_rows(self._data)
        return self._first_rows.get(name.lower())

    def properties(self) -> dict[str, str]:
        """The workbook's custom document properties as read (docProps/custom.xml)."""
        from closekit.sheetio import xlsx_package

        return xlsx_package.custom_properties(self._data, self.where)

    def set_properties(self, values: dict[str, str]) -> None:
        """Set these custom document properties in the next write (the others are kept)."""
        self._properties.update(values)

    def claim(self, name: str) -> None:
        """Mark the existing sheet ``name`` as closekit's when the next write updates its cells (the
        Close sheet or Dashboard of a workbook made before the marker, recognised by its layout)."""
        self._claimed.add(name.lower())

    def output_target(self, name: str, columns: list[str] | None = None) -> str:
        """The sheet that closekit's output ``name`` goes into: ``name`` when there is no such sheet
        or it is closekit's, else ``name (closekit)`` (and so on). Decided once per run."""
        key = name.lower()
        if key in self._targets:
            return self._targets[key]
        names = {n.lower(): n for n in self.sheet_names()}
        facts = self.facts()
        if facts is not None:
            names |= {n.lower(): n for n in facts.sheets}
        for candidate in beside_names(name):
            existing = names.get(candidate.lower())
            if existing is None or self.is_closekits(existing, columns):
                if columns is not None or candidate != name:
                    self._targets[key] = existing or candidate
                return existing or candidate
        raise WriteError(f"{self.where}: every name closekit would give its {name} sheet is taken by a sheet of yours.")

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
        for lock in self.lock_files():
            if lock.exists():
                raise WorkbookInUse(
                    f"{self.where} is open in LibreOffice ({lock.name} exists), so closekit wrote nothing: "
                    f"LibreOffice's next save would throw closekit's sheets away. Close the workbook in "
                    f"LibreOffice and run again (a lock file left by a crash can be deleted)."
                )
        try:
            why = read_only(self.real)
            current = self.real.read_bytes()
            state = xlsx_package.DiskState.of(self.real, current)
        except OSError as exc:
            raise WriteError(f"{self.where} cannot be read again before writing ({exc.strerror or exc}).") from None
        if why:
            raise WorkbookInUse(
                f"{self.where} is read-only ({why}), so closekit wrote nothing: make it writable "
                f"(Properties > uncheck Read-only, or chmod u+w) or run on a copy."
            )
        if current != self._data:
            raise WorkbookInUse(
                f"{self.where} changed on disk while closekit was running, so closekit wrote nothing: run again."
            )
        xlsx_package.remove_stale_temporaries(self.real)
        sheets = split.split_for_excel(sheets, self.sheet_names())  # Excel's row limit: never cut
        sheets = self._place(sheets, updates)
        sheets = base.headed(sheets, *self.heading)
        sheets = [self._linked(s, sheets) for s in sheets]
        try:
            marks = {n for n in updates or {} if n.lower() in self._claimed}
            xlsx_package.write_sheets_atomic(
                self.real,
                sheets,
                updates,
                marks,
                expect=state,
                properties=self._properties or None,
                after=self.outputs_after(),
            )
        except xlsx_package.ChangedOnDisk as exc:
            raise WorkbookInUse(
                f"{self.where} was saved by another program (Excel, a sync client) while closekit was writing, so "
                f"closekit did not replace it and your save is kept. closekit's new version is in "
                f"{Path(exc.side_file).name} beside it: look at it there, or close the other program and run again."
            ) from None
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
        self._data = self.real.read_bytes()
        self._book = tables.open_workbook(self._data, self.where)
        self._zip = None
        self._cache.clear()
        self._facts = None
        self._first_rows = None
        self._targets.clear()
        self._claimed.clear()
        self._properties.clear()

    def _place(self, sheets: list[OutputSheet], updates: dict[str, dict[str, object]] | None) -> list[OutputSheet]:
        """Each output into a sheet that is closekit's; a ``sheet-not-closekits`` finding in the
        Findings output for each sheet of the user's own that had an output's name."""
        placed, beside = [], []
        for out in sheets:
            target = self.output_target(out.name, [str(c) for c in out.frame.columns])
            if target.lower() != out.name.lower():
                if target.lower() in {n.lower() for n in updates or {}}:
                    raise WriteError(f"{self.where}: {target!r} is both an output and a sheet with cell updates.")
                beside.append((out.name, target))
                out = dataclasses.replace(out, name=target)
            placed.append(out)
        self.placed_beside = beside
        if beside:
            records = [
                fnd.finding(
                    "sheet-not-closekits",
                    target,
                    f"The sheet {name!r} is not closekit's (it has no closekit marker and is not laid out as "
                    f"closekit's {name} output), so closekit left it as it is and wrote its {name} output "
                    f"into the sheet {target!r} beside it.",
                )
                for name, target in beside
            ]
            for i, out in enumerate(placed):
                if list(out.frame.columns) == fnd.COLUMNS:  # the Findings output
                    frame = fnd.combine([out.frame, fnd.frame(records)])[fnd.COLUMNS].reset_index(drop=True)
                    placed[i] = dataclasses.replace(out, frame=frame)
                    break
        return placed


def _first_rows(data: bytes) -> dict[str, list[str]]:
    """Row 1 of every sheet of the package, by lower-case sheet name, in one read-only pass of
    openpyxl; {} when openpyxl cannot read it (closekit then cannot tell whose a sheet is)."""
    import io
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = {}
            for name in wb.sheetnames:
                try:
                    row = next(wb[name].iter_rows(min_row=1, max_row=1, values_only=True), ())
                except Exception:  # a chart sheet, a sheet openpyxl cannot parse: no header to judge by
                    continue
                rows[name.lower()] = ["" if v is None else str(v).strip() for v in row]
            return rows
        finally:
            wb.close()
    except Exception:  # defusedxml's refusals, openpyxl's errors: closekit cannot tell
        return {}


def _mark_percent_cells(cells: list[list[object]], percent: set[tuple[int, int]]) -> None:
    """Number cells formatted as a percentage become :class:`PercentValue` (a 60 % cell holds 0.6):
    a column whose unit is the percent (an allocation Share) then reads the 60 the cell shows."""
    for row, column in percent:
        if row <= len(cells) and column <= len(cells[row - 1]):
            value = cells[row - 1][column - 1]
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells[row - 1][column - 1] = PercentValue(value)
