"""Subledger reports: the totals a tie-out compares with its control account (docs/importing.md
"Subledger reports"). One module per layout (``generic``, ``d365``, ``quickbooks``, ``xero``), each a
:class:`~closekit.sources.subledgers.base.Layout`; :func:`read` finds the header below the title
rows and walks the report (:func:`~closekit.sources.subledgers.base.walk`).
"""

from __future__ import annotations

import csv
from pathlib import Path

from closekit.core import findings as fnd
from closekit.errors import InputError
from closekit.sources import tables
from closekit.sources.subledgers import d365, generic, quickbooks, xero
from closekit.sources.subledgers.base import Grid, Layout, SubledgerReport, csv_grid, find_header, walk

#: Layouts in the order ``auto`` tries them: the vendors' first, the generic layout last.
LAYOUTS: tuple[Layout, ...] = (d365.LAYOUT, *quickbooks.LAYOUTS, *xero.LAYOUTS, generic.LAYOUT)
FORMATS = ("auto", "generic", "d365", "quickbooks", "xero")

__all__ = ["FORMATS", "LAYOUTS", "SubledgerReport", "grid_of", "read", "read_grid"]


def grid_of(data: bytes, where: str, sheet: str | None = None) -> Grid:
    """A report file's bytes (CSV text or an .xlsx workbook) as rows of cells; InputError when it
    cannot be read at all."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        book = tables.open_workbook(data, where)
        names = book.sheet_names
        if not names:
            raise InputError(f"{where} has no worksheets.")
        name = names[0]
        if sheet:
            match = [n for n in names if n.lower() == sheet.strip().lower()]
            if not match:
                raise InputError(f"{where} has no sheet {sheet!r}; its sheets are: {', '.join(names)}.")
            name = match[0]
        return [(i, list(row)) for i, row in enumerate(book.read(name), start=1)]
    text, _ = tables.decode(data, where)
    return csv_grid(text)


def read_grid(
    grid: Grid, where: str, *, format: str = "auto", places: int = 2, currency: str = "EUR"
) -> SubledgerReport:
    """A report's grid read in its layout (``format``, or the first that fits its header)."""
    layouts = [lay for lay in LAYOUTS if format in ("auto", "", lay.name)]
    found = find_header(grid, layouts)
    if found is None:
        first = next((cells for _, cells in grid if any(tables.is_filled(c) for c in cells)), [])
        shown = ", ".join(tables.cell_text(c) for c in first[:8] if tables.is_filled(c))
        wanted = "its layout" if format in ("auto", "") else f"the {format} layout"
        report = SubledgerReport(where, "?")
        report.findings.append(
            fnd.finding(
                "subledger-unreadable",
                where,
                f"no header of {wanted} in the first rows (first row: {shown or 'empty'}): closekit reads the "
                "aging reports of D365, QuickBooks and Xero and the generic layout (a party and an amount column)",
                row=1,
                column="",
            )
        )
        return report
    index, layout = found
    return walk(grid, index, layout, where, places=places, currency=currency)


def read(
    path: Path, where: str, *, format: str = "auto", sheet: str | None = None, places: int = 2, currency: str = "EUR"
) -> SubledgerReport:
    """A subledger report file; a file that cannot be read is a report with a ``subledger-unreadable``
    finding (its tie-out is Unreconciled), never a traceback."""
    try:
        data = path.read_bytes()
        grid = grid_of(data, where, sheet)
    except FileNotFoundError:
        problem = f"{path} does not exist (a relative path is relative to the workbook's folder)"
    except IsADirectoryError:
        problem = f"{path} is a folder, not a file"
    except PermissionError:
        problem = f"{path} cannot be read (permission denied, or locked by another program)"
    except (InputError, csv.Error) as exc:
        problem = str(exc).rstrip(".")
    else:
        return read_grid(grid, where, format=format, places=places, currency=currency)
    report = SubledgerReport(where, "?")
    report.findings.append(fnd.finding("subledger-unreadable", where, problem, column=""))
    return report


def digest(path: Path) -> str | None:
    """SHA-256 of a report file (None when it cannot be read), for the RunLog's input hashes."""
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
