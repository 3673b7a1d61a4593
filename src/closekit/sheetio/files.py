"""The file adapter: a close workbook on disk (.xlsx or .xlsm).

Reads go through python-calamine when it is installed (fast), else openpyxl. Writes replace whole
output sheets at the package level (:mod:`closekit.sheetio.xlsx_package`), and set single cells of
input sheets (the Checklist's Status) in the same write: every other part of the file (other
sheets, the other cells of an updated sheet, charts, shapes, buttons, VBA and add-in parts) is
kept; the new file is written beside the old one and swapped in only when complete.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from closekit import tables
from closekit.errors import InputError, WorkbookInUse, WriteError
from closekit.sheetio.base import OutputSheet
from closekit.tables import RawTable

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


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
            raise InputError(
                f"{self.path} does not exist: check the path, or create the workbook "
                f"with closekit new {self.path.name}."
            )
        if self.path.is_dir():
            raise InputError(f"{self.path} is a folder, not a workbook file.")
        try:
            self._data = self.path.read_bytes()
        except PermissionError:
            raise InputError(
                f"{self.path} cannot be read (permission denied or locked by another "
                f"program): close it or check its permissions."
            ) from None
        self._book = tables.open_workbook(self._data, self.where)
        self._cache: dict[str, RawTable | None] = {}

    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names)

    def read_sheet(self, name: str) -> RawTable | None:
        actual = next((n for n in self._book.sheet_names if n.lower() == name.lower()), None)
        if actual is None:
            return None
        if actual not in self._cache:
            cells = self._book.read(actual)
            if not any(any(tables.is_filled(c) for c in row) for row in cells):
                self._cache[actual] = tables.empty_table(actual)
            else:
                self._cache[actual] = tables.from_rows(actual, cells)
        return self._cache[actual]

    def folder(self) -> Path:
        return self.path.resolve().parent

    def fingerprint(self) -> str:
        return hashlib.sha256(self._data).hexdigest()

    def owner_files(self) -> set[Path]:
        """Excel's owner file, present while the workbook is open in Excel: ``~$close.xlsx``,
        or for longer names the name with its first two characters replaced by ``~$``."""
        name = self.path.name
        return {self.path.with_name("~$" + name), self.path.with_name("~$" + name[2:])}

    def write_sheets(self, sheets: list[OutputSheet], updates: dict[str, dict[str, object]] | None = None) -> None:
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
        self._cache.clear()
