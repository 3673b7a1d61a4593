"""Each finding's ``Where`` cell as a link to the cell it names (``Where`` + ``Row`` + ``Column``),
when ``Where`` is a sheet of the workbook: ``location="'Checklist'!F12"``. Pure: the adapter says
which sheets exist and where their columns are. Used by the file adapter (the live-Excel adapter
links its Findings with ``excel.link_findings``).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from closekit.sheetio.base import MAX_ROWS, a1

#: Excel keeps at most 65,530 hyperlinks in a sheet; findings beyond this many get none.
MAX_LINKS = 65_000
LINKED = ("Where", "Row", "Column")

#: sheet name (any case) -> (its name as in the workbook, {column header: 1-based column number}), or None
Headers = Callable[[str], tuple[str, dict[str, int]] | None]


def links(frame: pd.DataFrame, headers: Headers, limit: int = MAX_LINKS) -> dict[str, str]:
    """{A1 of a finding's Where cell (header in row 1): location of the cell it names}. A finding
    whose Where is no sheet gets no link; one without a usable Row links to the sheet's A1, one whose
    Column the sheet lacks to its row's first cell."""
    if not all(c in frame.columns for c in LINKED) or not len(frame):
        return {}
    where_col = list(frame.columns).index("Where") + 1
    out: dict[str, str] = {}
    known: dict[str, tuple[str, dict[str, int]] | None] = {}
    for i, (where, row, column) in enumerate(zip(frame["Where"], frame["Row"], frame["Column"], strict=True)):
        if len(out) >= limit:
            break
        if not isinstance(where, str) or not where.strip():
            continue
        key = where.strip().lower()
        if key not in known:
            known[key] = headers(where.strip())
        found = known[key]
        if found is None:
            continue
        title, columns = found
        number = _row(row)
        col = _column(column, columns) if number else 1
        quoted = "'" + title.replace("'", "''") + "'"
        out[a1(i + 2, where_col)] = f"{quoted}!{a1(number or 1, col)}"
    return out


def _row(value: object) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 1 <= number <= MAX_ROWS else None


def _column(value: object, columns: dict[str, int]) -> int:
    if not isinstance(value, str) or not value.strip():
        return 1
    name = value.strip()
    if name in columns:
        return columns[name]
    lowered = {k.lower(): v for k, v in columns.items()}
    return lowered.get(name.lower(), 1)
