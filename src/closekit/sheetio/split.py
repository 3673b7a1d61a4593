"""Excel's row limit: an output sheet longer than a worksheet is split over numbered sheets, never cut.

A worksheet holds 1,048,576 rows: the header and 1,048,575 rows of data. An output with more rows
is written as ``GeneralJournal`` (the first 1,048,575 rows), ``GeneralJournal (2)`` (the next ones),
``GeneralJournal (3)`` and so on, each sheet with the same header, columns, formats and widths, so
that every row is in the workbook and a filter or a sum over the sheets gives the whole report.
When the name and the suffix would pass Excel's 31 characters, the name is shortened before the
suffix (``AVeryLongOutputSheetNameIndee (2)``).

Continuation sheets a previous, longer run left behind (``GeneralJournal (3)`` when this run needs
two sheets) are written again with the header only, so that no stale rows stay beside the new ones.

Both adapters (files and live Excel) split; a writer that cannot split would call
:func:`refuse_over_limit` to stop with a clear message.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from closekit.sheetio.base import MAX_ROWS, OutputSheet

#: Data rows of one sheet: Excel's rows less the header row (tests lower it to split small tables).
ROWS_PER_SHEET = MAX_ROWS - 1
MAX_NAME = 31


class TooManyRows(ValueError):
    """An output sheet that cannot be written whole into one worksheet."""


def part_name(name: str, number: int) -> str:
    """The name of part ``number`` (1-based) of an output sheet: ``GeneralJournal (2)``."""
    if number == 1:
        return name
    suffix = f" ({number})"
    return name[: MAX_NAME - len(suffix)] + suffix


def split_for_excel(sheets: list[OutputSheet], existing: list[str] = ()) -> list[OutputSheet]:
    """The sheets to write: each longer than :data:`ROWS_PER_SHEET` rows split into numbered parts,
    and an empty (header-only) part for every numbered part in ``existing`` that is no longer needed."""
    out: list[OutputSheet] = []
    per_sheet = max(1, int(ROWS_PER_SHEET))
    for sheet in sheets:
        rows = len(sheet.frame)
        parts = max(1, -(-rows // per_sheet))
        for number in range(1, parts + 1):
            start, stop = ((number - 1) * per_sheet, number * per_sheet) if parts > 1 else (0, rows)
            out.append(_like(sheet, part_name(sheet.name, number), start, stop))
        for number in _stale_parts(sheet.name, existing, parts):
            out.append(_like(sheet, part_name(sheet.name, number), 0, 0))
    return out


def refuse_over_limit(sheet: OutputSheet, where: str) -> None:
    """Stop with a message for a writer that cannot split an output over several sheets."""
    if len(sheet.frame) > ROWS_PER_SHEET:
        raise TooManyRows(
            f"{where}: the {sheet.name} output has {len(sheet.frame):,} rows, more than an Excel sheet holds "
            f"({ROWS_PER_SHEET:,} below the header); nothing was written. Close a shorter period, or write "
            f"the workbook with the closekit command line, which splits it over numbered sheets."
        )


def _stale_parts(name: str, existing: list[str], parts: int) -> list[int]:
    numbers = []
    for other in existing:
        match = re.fullmatch(r"(.*) \((\d+)\)", other)
        if match and int(match[2]) > parts and part_name(name, int(match[2])).lower() == other.lower():
            numbers.append(int(match[2]))
    return sorted(numbers)


def _like(sheet: OutputSheet, name: str, start: int, stop: int) -> OutputSheet:
    """Rows ``start``..``stop`` of ``sheet`` as a sheet of their own: its links and indentation
    follow their rows (a link of row 12 of the whole is on row 12 - ``start`` of the part)."""
    frame = sheet.frame.iloc[start:stop].reset_index(drop=True)
    links = {}
    for ref, where in sheet.links.items():
        cell = re.fullmatch(r"([A-Za-z]+)(\d+)", ref)
        if cell is None or int(cell[2]) == 1:  # a header's link (or a range): on every part
            links[ref] = where
        elif start <= int(cell[2]) - 2 < stop:  # Excel row r holds the whole's data row r - 2 (0-based)
            links[f"{cell[1]}{int(cell[2]) - start}"] = where
    indents = {c: pd.Series(levels).iloc[start:stop].reset_index(drop=True) for c, levels in sheet.indents.items()}
    return dataclasses.replace(
        sheet, name=name, frame=frame, formats=dict(sheet.formats), widths=dict(sheet.widths), links=links,
        indents=indents,
    )
