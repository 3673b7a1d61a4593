"""Raw tables: the cells of a CSV file or a worksheet, before any meaning is given to them.

A :class:`RawTable` holds the header as the source wrote it, one column of raw values per header
cell, and for every data row the row number a person sees (Excel's row number; the physical line
of a CSV file, header = line 1). Importers turn raw tables into ledger lines; reading bytes into a
raw table is all this module does, so it works the same on a file, an upload or a pasted sheet.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from closekit import findings as fnd
from closekit.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
_ENCODING_NAMES = {
    "utf8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "windows-1252": "cp1252",
    "ansi": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "utf16": "utf-16",
}


@dataclass
class RawTable:
    where: str
    columns: list[str]
    frame: pd.DataFrame
    rows: np.ndarray
    meta: dict = field(default_factory=dict)
    findings: pd.DataFrame = field(default_factory=fnd.frame)
    preamble: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frame)


def from_rows(where: str, cells: list[list[object]], first_row: int = 1, **meta: object) -> RawTable:
    """A raw table from a grid of cells whose first non-blank row is the header.

    ``first_row`` is the user-visible number of ``cells[0]``. Blank rows are skipped (their
    numbers are not reused), columns without a header are dropped.
    """
    start = next((i for i, r in enumerate(cells) if any(is_filled(c) for c in r)), None)
    if start is None:
        raise InputError(f"{where} is empty: expected a header row with column names in row 1.")
    header = [_header_text(c) for c in cells[start]]
    while header and header[-1] == "":
        header.pop()
    keep = [i for i, name in enumerate(header) if name]
    names = unique_names([header[i] for i in keep])
    body = cells[start + 1 :]
    numbers = np.arange(first_row + start + 1, first_row + start + 1 + len(body), dtype=np.int64)
    filled = [any(is_filled(c) for c in r) for r in body]
    body = [r for r, f in zip(body, filled, strict=True) if f]
    numbers = numbers[np.asarray(filled, dtype=bool)] if len(filled) else numbers
    width = max(keep) + 1 if keep else 0
    padded = [list(r[:width]) + [""] * (width - len(r)) for r in body]
    frame = (
        pd.DataFrame(padded, columns=range(width), dtype=object)[keep]
        if padded
        else pd.DataFrame({i: pd.Series([], dtype=object) for i in keep})
    )
    frame.columns = names
    meta = {**meta, "column_numbers": {name: i + 1 for name, i in zip(names, keep, strict=True)}}
    return RawTable(
        where,
        names,
        frame.reset_index(drop=True),
        numbers,
        dict(meta),
        preamble=[list(map(_header_text, r)) for r in cells[:start]],
    )


def is_filled(cell: object) -> bool:
    return cell is not None and cell != "" and not (isinstance(cell, float) and cell != cell)


def empty_table(where: str) -> RawTable:
    """A sheet with nothing in it: no header, no rows."""
    return RawTable(where, [], pd.DataFrame(), np.asarray([], dtype=np.int64))


def _header_text(cell: object) -> str:
    if cell is None or (isinstance(cell, float) and cell != cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def unique_names(names: list[str]) -> list[str]:
    """Header names made unique the way spreadsheets users expect: ``Amount``, ``Amount (2)``."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        out.append(name if count == 1 else f"{name} ({count})")
    return out


# ------------------------------------------------------------------------------------ text files


def decode(data: bytes, where: str, encoding: str | None = None) -> tuple[str, str]:
    """Bytes of a text file to text; return (text, encoding used).

    Detection [CK]: a byte-order mark (UTF-8, UTF-16 LE/BE); UTF-16 without a mark (every other
    byte NUL); else UTF-8 when the bytes are valid UTF-8; else Windows-1252. An explicit encoding
    wins; if the bytes do not fit it, the message says where.
    """
    _refuse_binary(data, where)
    if encoding:
        name = _ENCODING_NAMES.get(encoding.strip().lower(), encoding.strip())
        try:
            codecs.lookup(name)
        except LookupError:
            raise InputError(f"{where}: encoding {encoding!r} is not known; use utf-8, cp1252 or utf-16.") from None
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"{where} is not valid {encoding} text: byte {exc.start} (line {line}) cannot be "
                f"decoded. Correct the Encoding of this source (e.g. cp1252 for a German Windows "
                f"export) or leave it empty to detect it."
            ) from None
        return text.lstrip("\ufeff"), name
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", where), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", where), "utf-16"
    head = data[:4096]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return _strict(data, "utf-16-le", where), "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return _strict(data, "utf-16-be", where), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _strict(data: bytes, encoding: str, where: str) -> str:
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where} starts like {encoding} text but byte {exc.start} cannot be decoded as "
            f"{encoding}: the file is damaged or mixes encodings. Export it again."
        ) from None


def _refuse_binary(data: bytes, where: str) -> None:
    if not data.strip():
        raise InputError(f"{where} is empty: expected a header row and at least the column names.")
    if data.startswith(b"PK\x03\x04"):
        raise InputError(
            f"{where} is an Excel workbook (or another zip file), not CSV text: name it .xlsx or export it as CSV."
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{where} is an old .xls or a password-protected workbook: save it as .xlsx without a password, or as CSV."
        )
    head = data[:65536]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    nul = head.count(0)
    if nul and not (head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4):
        raise InputError(
            f"{where} is not a text file (it contains binary data): expected a CSV export with a header row."
        )
    controls = sum(head.count(bytes([b])) for b in range(1, 32) if b not in (9, 10, 13))
    if controls > max(8, len(head) // 100):
        raise InputError(
            f"{where} is not a text file (it contains binary data): expected a CSV export with a header row."
        )


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV header line: the candidate that splits it most, ``,`` on a tie."""
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    return re.sub(r'"[^"]*"', "", line).count(char)


def read_csv_text(
    text: str, where: str, *, delimiter: str | None = None, skip_lines: int = 0, encoding: str = "utf-8"
) -> RawTable:
    """CSV text to a raw table of strings; the header is the first non-blank line after ``skip_lines``.

    Fast path: pyarrow's CSV reader when present and the file is regular; otherwise Python's csv
    module, which also reports rows with too many or too few fields as ``bad-row`` findings.
    """
    lines_before = 0
    body = text
    preamble: list[str] = []
    for _ in range(skip_lines):
        first, _sep, body = body.partition("\n")
        preamble.append(first.rstrip("\r"))
        lines_before += 1
    while body and body.split("\n", 1)[0].strip() == "":
        if "\n" not in body:
            body = ""
            break
        body = body.split("\n", 1)[1]
        lines_before += 1
    if not body.strip():
        raise InputError(f"{where} has no header row: expected the column names on the first line.")
    header_line = body.split("\n", 1)[0].rstrip("\r")
    delimiter = _delimiter(delimiter, header_line, where)
    header = next(csv.reader([header_line], delimiter=delimiter))
    names = unique_names([h.strip() for h in header])
    if not any(names):
        raise InputError(f"{where} has an empty header row: expected the column names on line {lines_before + 1}.")
    meta = {"encoding": encoding, "delimiter": delimiter, "preamble": preamble}
    first_data_line = lines_before + 2
    frame = _read_fast(body, names, delimiter) if _regular(body) else None
    if frame is not None and len(frame) == _physical_lines(body) - 1:
        rows = np.arange(first_data_line, first_data_line + len(frame), dtype=np.int64)
        return RawTable(where, names, frame, rows, meta)
    return _read_python(body, names, delimiter, where, first_data_line, meta)


def _regular(body: str) -> bool:
    """No blank line inside the data: then (when the row count also matches the line count, i.e.
    no quoted newlines) every record is one physical line and row numbers follow directly."""
    return re.search(r"\n[ \t\r]*\n(?=.)", body, flags=re.DOTALL) is None


def _physical_lines(body: str) -> int:
    return body.count("\n") + (0 if body.endswith("\n") else 1)


def _delimiter(given: str | None, header_line: str, where: str) -> str:
    if not given:
        return sniff_delimiter(header_line)
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = named.get(given.strip().lower(), given)
    if len(value) != 1:
        raise InputError(f"{where}: Delimiter {given!r} must be one character (, ; | or tab).")
    return value


def _read_fast(body: str, names: list[str], delimiter: str) -> pd.DataFrame | None:
    try:
        import pyarrow as pa
        from pyarrow import csv as pacsv
    except ImportError:
        return None
    data = body.encode("utf-8")
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # irregular rows, blank lines, quoted newlines: the exact path handles them
    return table.to_pandas(types_mapper=_string_types)


def _string_types(dtype):  # keep arrow strings (pandas "string[pyarrow]") instead of objects
    import pyarrow as pa

    return pd.StringDtype("pyarrow") if dtype == pa.string() else None


def _read_python(body: str, names: list[str], delimiter: str, where: str, first_line: int, meta: dict) -> RawTable:
    width = len(names)
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[dict] = []
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    try:
        next(reader)  # header
        start = reader.line_num + 1
        for record in reader:
            line = first_line - 2 + start
            start = reader.line_num + 1
            if not record or all(not c.strip() for c in record):
                continue
            if len(record) != width:
                bad.append(
                    fnd.finding(
                        "bad-row",
                        where,
                        f"line {line} has {len(record)} fields where the header has {width}; the line was not read",
                        row=line,
                        column="",
                    )
                )
                continue
            records.append(record)
            numbers.append(line)
    except csv.Error as exc:
        raise InputError(
            f"{where}, line {reader.line_num + first_line - 2}: the CSV cannot be read "
            f"({exc}). Check the quotes on that line."
        ) from None
    frame = (
        pd.DataFrame(records, columns=names, dtype=object)
        if records
        else pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    )
    return RawTable(where, names, frame, np.asarray(numbers, dtype=np.int64), meta, fnd.frame(bad))


# ---------------------------------------------------------------------------------- xlsx sheets


def xlsx_sheet_names(source: object, where: str) -> list[str]:
    return open_workbook(source, where).sheet_names


def read_xlsx(source: object, where: str, sheet: str | None = None) -> RawTable:
    """One worksheet of an .xlsx/.xlsm (path or bytes) as a raw table; row numbers are Excel's."""
    book = open_workbook(source, where)
    names = book.sheet_names
    if not names:
        raise InputError(f"{where} has no worksheets.")
    if sheet is None:
        name = names[0]
    else:
        match = [n for n in names if n.lower() == sheet.strip().lower()]
        if not match:
            raise InputError(f"{where} has no sheet {sheet!r}; its sheets are: {', '.join(names)}.")
        name = match[0]
    cells = book.read(name)
    return from_rows(f"{where}" if sheet is None and len(names) == 1 else f"{where} [{name}]", cells)


@dataclass
class _Book:
    sheet_names: list[str]
    read: object


def open_workbook(source: object, where: str) -> _Book:
    data_head = _head(source)
    if data_head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{where} is an old .xls or a password-protected workbook: save it as .xlsx without a password."
        )
    if not data_head.startswith(b"PK"):
        raise InputError(
            f"{where} is not an .xlsx workbook (it is not a zip package): if it is a CSV export, name it .csv."
        )
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return _open_openpyxl(source, where)
    try:
        book = (
            CalamineWorkbook.from_path(str(source))
            if not isinstance(source, bytes | bytearray)
            else CalamineWorkbook.from_filelike(io.BytesIO(source))
        )
    except Exception as exc:  # calamine raises its own error types for damaged packages
        raise InputError(
            f"{where} cannot be read as a workbook ({_short(exc)}): the file is "
            f"damaged or not really .xlsx. Open and save it in Excel, or export again."
        ) from None

    def read(name: str) -> list[list[object]]:
        try:
            return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputError(f"{where}: sheet {name!r} cannot be read ({_short(exc)}).") from None

    return _Book(list(book.sheet_names), read)


def _open_openpyxl(source: object, where: str) -> _Book:
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(
            io.BytesIO(source) if isinstance(source, bytes | bytearray) else source, read_only=True, data_only=True
        )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{where} cannot be read as a workbook ({_short(exc)}).") from None

    def read(name: str) -> list[list[object]]:
        return [["" if v is None else v for v in row] for row in wb[name].iter_rows(values_only=True)]

    return _Book(list(wb.sheetnames), read)


def _head(source: object) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source[:8])
    with open(source, "rb") as handle:  # type: ignore[arg-type]
        return handle.read(8)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
