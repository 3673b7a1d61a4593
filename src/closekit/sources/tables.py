"""Raw tables: the cells of a CSV file or a worksheet, before any meaning is given to them.

A :class:`RawTable` holds the header as the source wrote it, one column of raw values per header
cell, and for every data row the row number a person sees (Excel's row number; the physical line
of a CSV file, header = line 1). Importers turn raw tables into ledger lines; reading bytes into a
raw table is all this module does, so it works the same on a file, an upload or a pasted sheet.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from closekit.core import accel
from closekit.core import findings as fnd
from closekit.errors import InputError
from closekit.sources import xlsx_scan

DELIMITERS = (",", ";", "\t", "|")

# Limits on one source, checked before it is parsed (SECURITY.md): a source beyond them stops the
# run with exit 2 and a message naming the limit, instead of filling the memory or the afternoon.
#: Bytes of one CSV/text source (about 15 million lines of a typical 11-column export).
MAX_TEXT_BYTES = 1024**3
#: Columns of one source or sheet: Excel's sheet width.
MAX_COLUMNS = xlsx_scan.EXCEL_COLUMNS
#: Cells (rows x columns) of one source or sheet: about 4.5 million lines of 11 columns, ~3 GB
#: of memory for the whole close (bench/README: ~0.7 GB per million such lines).
MAX_CELLS = 50_000_000
#: Characters of one CSV field: the csv module's default limit (an Excel cell holds 32,767).
MAX_FIELD_CHARS = 131_072
# The .xlsx limits (unpacked size and packing ratio of a part, DTDs) are in closekit.sources.xlsx_scan.
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
    header = [cell_text(c) for c in cells[start]]
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
    rectangular = all(len(r) == width for r in body)  # python-calamine's grid is: then no copy is needed
    padded = body if rectangular else [list(r[:width]) + [""] * (width - len(r)) for r in body]
    frame = (
        pd.DataFrame(padded, columns=range(width), dtype=object)[keep]
        if padded
        else pd.DataFrame({i: pd.Series([], dtype=object) for i in keep})
    )
    frame.columns = names
    meta = {**meta, "column_numbers": {name: i + 1 for name, i in zip(names, keep, strict=True)}}
    if not all(filled):
        meta["skipped"] = {"blank": len(filled) - sum(filled)}
    return RawTable(
        where,
        names,
        frame.reset_index(drop=True),
        numbers,
        dict(meta),
        preamble=[list(map(cell_text, r)) for r in cells[:start]],
    )


def is_filled(cell: object) -> bool:
    return cell is not None and cell != "" and not (isinstance(cell, float) and cell != cell)


def empty_table(where: str) -> RawTable:
    """A sheet with nothing in it: no header, no rows."""
    return RawTable(where, [], pd.DataFrame(), np.asarray([], dtype=np.int64))


def cell_text(cell: object) -> str:
    """A cell as the text it shows: blank for None or NaN, ``4000`` for the float 4000.0, stripped."""
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
    wins; if the bytes do not fit it, the message says where. Byte-order marks inside the text (two
    exports joined into one file) are dropped; a file that is half UTF-8 and half Windows-1252 is
    refused, naming a line of each, rather than read with one half garbled.
    """
    if len(data) > MAX_TEXT_BYTES:
        raise InputError(
            f"{where} is {len(data):,} bytes; closekit reads text sources of at most {MAX_TEXT_BYTES:,} "
            f"bytes. Split the export (for example by period) and add each file as a source."
        )
    _refuse_binary(data, where)
    _refuse_long_fields(data, where)
    text, used = _decode(data, where, encoding)
    return (text.replace("\ufeff", "") if "\ufeff" in text else text), used


def _decode(data: bytes, where: str, encoding: str | None) -> tuple[str, str]:
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
    except UnicodeDecodeError as exc:
        _refuse_mixed(data, exc.start, where)
        return data.decode("cp1252", errors="replace"), "cp1252"


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _refuse_mixed(data: bytes, bad: int, where: str) -> None:
    """Refuse text with whole lines of UTF-8 (accented letters included) and lines that are not."""
    for match in _UTF8_MULTIBYTE.finditer(data):
        start = data.rfind(b"\n", 0, match.start()) + 1
        end = data.find(b"\n", match.end())
        try:
            data[start : len(data) if end < 0 else end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        good_line = data.count(b"\n", 0, match.start()) + 1
        bad_line = data.count(b"\n", 0, bad) + 1
        raise InputError(
            f"{where} mixes two encodings: line {good_line} is UTF-8 text but line {bad_line} is not "
            f"(byte 0x{data[bad]:02X}, probably Windows-1252), as when two exports are joined into one "
            f"file. Export it again in one encoding, or set Encoding in Sources to the one it should be "
            f"read in."
        )


def _refuse_long_fields(data: bytes, where: str) -> None:
    """Refuse, before decoding, a run of more than :data:`MAX_FIELD_CHARS` bytes without a line break
    or any delimiter: no cell of a spreadsheet is that long (32,767 characters, at most 4 bytes each)."""
    if _lines_shorter_than(data, MAX_FIELD_CHARS) or _longest_line(data) <= MAX_FIELD_CHARS:  # the usual case
        return
    length, start = _longest_run(data)
    if length > MAX_FIELD_CHARS:
        line = data.count(b"\n", 0, start) + 1
        raise InputError(
            f"{where}, line {line}: a field is {length:,} bytes long without a line break or delimiter; "
            f"closekit reads fields of at most {MAX_FIELD_CHARS:,} characters (an Excel cell holds 32,767). "
            f"This is not a journal export: check that it is the right file."
        )


def _lines_shorter_than(data: bytes, limit: int) -> bool:
    """True when no run of bytes without a line feed is ``limit`` long, told by a line feed in each
    whole block of ``limit // 2`` bytes (any longer run holds such a block): a thousand ``find`` calls
    for a 68 MB file instead of a pass over every byte. False: not known, measure."""
    step = max(limit // 2, 1)
    return all(data.find(b"\n", start, start + step) >= 0 for start in range(0, len(data) - step + 1, step))


def _longest_line(data: bytes) -> int:
    """Length of the longest run of bytes without a line feed (an upper bound of any field's length)."""
    breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    if not len(breaks):
        return len(data)
    return int(max(breaks[0], np.diff(breaks).max(initial=0) - 1, len(data) - breaks[-1] - 1))


def _longest_run(data: bytes, chunk: int = 1 << 24) -> tuple[int, int]:
    """(length, start) of the longest run of bytes holding no line break and none of the delimiters."""
    array = np.frombuffer(data, dtype=np.uint8)
    best, best_start, run_start = 0, 0, 0
    for lo in range(0, len(array), chunk):
        part = array[lo : lo + chunk]
        stop = (part == 10) | (part == 13) | (part == 44) | (part == 59) | (part == 9) | (part == 124)
        at = np.flatnonzero(stop)
        if not len(at):
            continue
        bounds = np.concatenate(([run_start - 1], at + lo))
        gaps = np.diff(bounds) - 1
        k = int(np.argmax(gaps))
        if gaps[k] > best:
            best, best_start = int(gaps[k]), int(bounds[k]) + 1
        run_start = int(at[-1]) + lo + 1
    if len(array) - run_start > best:
        best, best_start = len(array) - run_start, run_start
    return best, best_start


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
        line = data.count(b"\n", 0, head.index(0)) + 1
        raise InputError(
            f"{where} is not a text file (it contains binary data: a NUL byte on line {line}): expected a "
            f"CSV export with a header row. Export it again, or remove the NUL bytes."
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


def split_pasted_column(table: RawTable) -> tuple[RawTable, str] | None:
    """A sheet whose rows were pasted as one column of delimited text (a ``;`` export pasted into an
    English Excel), split into its columns: (table, delimiter), or None when the sheet is not that.

    Only a sheet with a single column whose header holds ``;``, tab or ``,`` qualifies. The rows keep
    their sheet row numbers, and every column points at column A, where the text is.
    """
    if len(table.columns) != 1:
        return None
    header = table.columns[0]
    counts = {d: _count_outside_quotes(header, d) for d in (";", "\t", ",")}
    delimiter = max(counts, key=lambda d: counts[d])  # ; before tab before , on a tie
    if not counts[delimiter]:
        return None
    header_row = len(table.preamble) + 1
    lines = [""] * (max([header_row, *table.rows.tolist()]))
    lines[header_row - 1] = header
    for number, value in zip(table.rows.tolist(), table.frame.iloc[:, 0].tolist(), strict=True):
        lines[number - 1] = cell_text(value)
    split = read_csv_text("\n".join(lines), table.where, delimiter=delimiter)
    split.meta["column_numbers"] = {name: 1 for name in split.columns}
    split.meta["pasted_delimiter"] = delimiter
    split.findings = fnd.combine([table.findings, split.findings])
    return split, delimiter


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
    while body:
        end = body.find("\n")
        if (body if end < 0 else body[:end]).strip() != "":
            break
        body = "" if end < 0 else body[end + 1 :]
        lines_before += 1
    if not body.strip():
        raise InputError(f"{where} has no header row: expected the column names on the first line.")
    end = body.find("\n")
    header_line = (body if end < 0 else body[:end]).rstrip("\r")
    delimiter = _delimiter(delimiter, header_line, where)
    if header_line.count(delimiter) >= 2 * MAX_COLUMNS:
        _too_many_columns(where, header_line.count(delimiter) + 1, approximate=True)
    try:  # a lone CR ends a record, as in the readers below
        header = next(csv.reader(io.StringIO(header_line, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:
        raise InputError(
            f"{where}, line {lines_before + 1}: the header row cannot be read ({exc}). Check the quotes on that line."
        ) from None
    if len(header) > MAX_COLUMNS:
        _too_many_columns(where, len(header))
    cells = body.count(delimiter) + _physical_lines(body)
    if cells > MAX_CELLS:
        raise InputError(
            f"{where} holds about {cells:,} cells (rows x columns); closekit reads at most {MAX_CELLS:,} "
            f"per source. Split the export (for example by period) and add each file as a source."
        )
    names = unique_names([h.strip() for h in header])
    if not any(names):
        raise InputError(f"{where} has an empty header row: expected the column names on line {lines_before + 1}.")
    meta = {"encoding": encoding, "delimiter": delimiter, "preamble": preamble}
    first_data_line = lines_before + 2
    frame = _read_fast(body, names, delimiter) if _regular(body) else None
    if frame is not None and len(frame) == _physical_lines(body) - 1:
        rows = np.arange(first_data_line, first_data_line + len(frame), dtype=np.int64)
        if _has_blank_record(body, delimiter):  # a blank line (often the last) or one of delimiters only
            filled = _filled_rows(frame)
            frame, rows = frame[filled].reset_index(drop=True), rows[filled]
            meta["skipped"] = {"blank": int((~filled).sum())}
        return RawTable(where, names, frame, rows, meta)
    return _read_python(body, names, delimiter, where, first_data_line, meta)


def _has_blank_record(body: str, delimiter: str) -> bool:
    """Whether some data line holds nothing but spaces and delimiters (one regex pass over the text)."""
    text = body[:-1] if body.endswith("\n") else body  # the last line's own line end
    return re.search(r"\n[" + re.escape(delimiter) + r" \t\r]*(?:\n|$)", text) is not None


def _filled_rows(frame: pd.DataFrame) -> np.ndarray:
    filled = np.zeros(len(frame), dtype=bool)
    for name in frame.columns:
        filled |= (frame[name].fillna("").astype("string").str.strip() != "").to_numpy(dtype=bool)
    return filled


def _too_many_columns(where: str, count: int, approximate: bool = False) -> None:
    raise InputError(
        f"{where} has {'about ' if approximate else ''}{count:,} columns; closekit reads at most "
        f"{MAX_COLUMNS:,} (Excel's limit). This is not a journal export, or its delimiter is not the one "
        f"detected: check the file, or set Delimiter in Sources."
    )


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
    if accel.arrow() is None:
        return None
    import pyarrow as pa
    from pyarrow import csv as pacsv

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
    import pyarrow.compute as pc

    for column in table.columns:
        longest = pc.max(pc.utf8_length(column)).as_py() if len(column) else 0
        if longest and longest > MAX_FIELD_CHARS:
            return None  # the exact path names the line of the field that is too long
    return table.to_pandas(types_mapper=_string_types)


def _string_types(dtype):  # keep arrow strings (pandas "string[pyarrow]") instead of objects
    import pyarrow as pa

    return pd.StringDtype("pyarrow") if dtype == pa.string() else None


@contextlib.contextmanager
def _field_limit() -> Iterator[None]:
    """The csv module's field size limit at :data:`MAX_FIELD_CHARS` while closekit reads (it is
    process-wide: the caller's own limit is put back afterwards)."""
    previous = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _read_python(body: str, names: list[str], delimiter: str, where: str, first_line: int, meta: dict) -> RawTable:
    width = len(names)
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[dict] = []
    blank = 0
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    start = 1
    with _field_limit():
        try:
            next(reader)  # header
            start = reader.line_num + 1
            for record in reader:
                line = first_line - 2 + start
                start = reader.line_num + 1
                if not record or all(not c.strip() for c in record):
                    blank += 1
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
            line = reader.line_num + first_line - 2
            if "field limit" in str(exc):
                raise InputError(
                    f"{where}, line {first_line - 2 + start}: a field is longer than {MAX_FIELD_CHARS:,} "
                    f"characters, the most closekit reads. A quote that is opened and never closed makes the "
                    f"rest of the file one field: check the quotes on that line."
                ) from None
            raise InputError(
                f"{where}, line {line}: the CSV cannot be read ({exc}). Check the quotes on that line."
            ) from None
    frame = (
        pd.DataFrame(records, columns=names, dtype=object)
        if records
        else pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    )
    if blank:
        meta = {**meta, "skipped": {"blank": blank}}
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
    table = from_rows(f"{where}" if sheet is None and len(names) == 1 else f"{where} [{name}]", cells, **book.meta)
    return with_sheet_findings(table, book, name)


@dataclass
class _Book:
    sheet_names: list[str]
    read: object
    scans: dict[str, xlsx_scan.SheetScan] = field(default_factory=dict)
    #: The workbook counts serial numbers from 1904 (:attr:`closekit.sources.xlsx_scan.Package.date1904`).
    date1904: bool = False

    @property
    def meta(self) -> dict:
        """What a raw table of this workbook carries in its ``meta``: ``date1904`` when set (the
        date parser reads a serial number in a General cell with it)."""
        return {"date1904": True} if self.date1904 else {}


def open_workbook(source: object, where: str) -> _Book:
    """An .xlsx/.xlsm (path or bytes) whose sheets are read on request.

    Before a sheet reaches the reader, its part is checked and scanned (:mod:`closekit.sources.xlsx_scan`):
    zip bombs, DTDs and a cell area beyond :data:`MAX_CELLS` or :data:`MAX_COLUMNS` stop the run
    with a message; Excel's error values, which the reader returns as empty cells, are put back as
    their text (``#N/A``), so that an amount or date holding one is reported, not read as blank.
    """
    data_head = _head(source)
    if data_head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{where} is an old .xls or a password-protected workbook: save it as .xlsx without a password."
        )
    if not data_head.startswith(b"PK"):
        raise InputError(
            f"{where} is not an .xlsx workbook (it is not a zip package): if it is a CSV export, name it .csv."
        )
    package = xlsx_scan.open_package(source, where)
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return _open_openpyxl(source, where, package)
    try:
        book = (
            CalamineWorkbook.from_path(str(source))
            if not isinstance(source, bytes | bytearray)
            else CalamineWorkbook.from_filelike(io.BytesIO(source))
        )
    except BaseException as exc:  # calamine raises its own error types for damaged packages
        if not _reportable(exc):
            raise
        # A Rust panic inside calamine reaches Python as pyo3's PanicException, a BaseException.
        # calamine also refuses some valid packages (an Excel 4.0 macro sheet, a <sheet> whose r:id is
        # empty); openpyxl reads those, after the same safety scan (``package`` above). Only when it
        # cannot either is the file damaged.
        try:
            return _open_openpyxl(source, where, package)
        except InputError:
            pass
        raise InputError(
            f"{where} cannot be read as a workbook ({_short(exc)}): the file is "
            f"damaged or not really .xlsx. Open and save it in Excel, or export again."
        ) from None

    fallback: list = []

    def cells_of(name: str) -> list[list[object]]:
        try:
            return book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except BaseException as exc:  # calamine's errors, and a Rust panic (pyo3's PanicException)
            if not _reportable(exc):
                raise
            # calamine panics on a whole sheet for one cell it cannot convert (a date cell holding
            # -1e308: "TimeDelta::milliseconds out of bounds"). openpyxl reads the sheet, so that the
            # cell becomes a finding on its row and column instead; only this sheet pays for it.
            try:
                if not fallback:
                    fallback.append(_openpyxl_cells(source, where, package))
                return fallback[0](name)
            except InputError:
                pass
            raise InputError(f"{where}: sheet {name!r} cannot be read ({_short(exc)}).") from None

    return _guarded(list(book.sheet_names), cells_of, package, where)


def _reportable(exc: BaseException) -> bool:
    """Whether ``exc`` is an error to report: an ordinary exception, or a Rust panic that pyo3 raised
    as ``PanicException`` (a BaseException, so that ``except Exception`` lets it through as a
    traceback). KeyboardInterrupt and SystemExit are not."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _guarded(names: list[str], cells_of, package: xlsx_scan.Package, where: str) -> _Book:
    book = _Book(names, None, date1904=package.date1904)

    def read(name: str) -> list[list[object]]:
        scan = package.scan(name)
        if scan is not None:
            _check_area(scan, where, name)
            book.scans[name] = scan
        cells = cells_of(name)
        if scan is not None:
            for (row, column), text in scan.errors.items():
                if row <= len(cells) and column <= len(cells[row - 1]) and not is_filled(cells[row - 1][column - 1]):
                    cells[row - 1][column - 1] = text
        return cells

    book.read = read
    return book


def _check_area(scan: xlsx_scan.SheetScan, where: str, name: str) -> None:
    if scan.columns > MAX_COLUMNS or scan.rows > xlsx_scan.EXCEL_ROWS:
        raise InputError(
            f"{where}: sheet {name!r} has a cell outside Excel's sheet (row {scan.rows:,}, column "
            f"{scan.columns:,}), which Excel never writes. Open the file in Excel and save it again."
        )
    if scan.rows * scan.columns > MAX_CELLS:
        corner = f"{xlsx_scan.column_letters(scan.columns)}{scan.rows}"
        raise InputError(
            f"{where}: sheet {name!r} spans A1:{corner}, {scan.rows * scan.columns:,} cells; closekit reads "
            f"at most {MAX_CELLS:,} per sheet. Delete what lies far below or to the right of the data (a "
            f"stray cell at {corner}?), or split the sheet."
        )


def with_sheet_findings(table: RawTable, book: _Book, name: str) -> RawTable:
    """Add ``hidden-cells`` and ``merged-cells`` findings for the sheet's header and data rows."""
    scan = book.scans.get(name)
    if scan is None or not len(table.columns):
        return table
    header_row = len(table.preamble) + 1
    by_number = {n: c for c, n in table.meta.get("column_numbers", {}).items()}
    found = []
    rows = sorted({r for r in scan.hidden_rows if r > header_row})
    if rows or scan.hidden_columns:
        parts = []
        if rows:
            parts.append(f"row{'s' if len(rows) > 1 else ''} {_spans(rows)}")
        if scan.hidden_columns:
            columns = sorted({c for lo, hi in scan.hidden_columns for c in range(lo, min(hi, MAX_COLUMNS) + 1)})
            letters = [xlsx_scan.column_letters(c) for c in columns[:20]]
            parts.append(
                f"column{'s' if len(columns) > 1 else ''} {', '.join(letters)}{' ...' if len(columns) > 20 else ''}"
            )
        found.append(
            fnd.finding(
                "hidden-cells",
                table.where,
                f"{' and '.join(parts)} {'are' if len(rows) + len(scan.hidden_columns) > 1 else 'is'} hidden in "
                f"Excel; closekit reads hidden rows and columns like all others",
                row=rows[0] if rows else header_row,
                column="",
            )
        )
    merged = [m for m in scan.merged if m[2] >= header_row]
    for top, left, bottom, right in merged[:20]:
        ref = f"{xlsx_scan.column_letters(left)}{top}:{xlsx_scan.column_letters(right)}{bottom}"
        found.append(
            fnd.finding(
                "merged-cells",
                table.where,
                f"cells {ref} are merged: closekit reads the value of {xlsx_scan.column_letters(left)}{top} only, "
                f"and the other cells of the range as empty",
                row=top,
                column=by_number.get(left, xlsx_scan.column_letters(left)),
            )
        )
    if len(merged) > 20:
        found.append(
            fnd.finding(
                "merged-cells",
                table.where,
                f"and {len(merged) - 20} more merged ranges",
                row=merged[20][0],
                column="",
            )
        )
    if found:
        table.findings = fnd.combine([table.findings, fnd.frame(found)])
    return table


def _spans(numbers: list[int], most: int = 10) -> str:
    spans: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start} to {prev}")
        if n is not None:
            start = prev = n
    return ", ".join(spans[:most]) + (f" and {len(spans) - most} more" if len(spans) > most else "")


def _open_openpyxl(source: object, where: str, package: xlsx_scan.Package) -> _Book:
    cells_of = _openpyxl_cells(source, where, package)
    return _guarded(list(cells_of.sheet_names), cells_of, package, where)


def _openpyxl_cells(source: object, where: str, package: xlsx_scan.Package):
    """A function reading one sheet's cells with openpyxl (read-only, values only); its
    ``sheet_names`` attribute lists the sheets."""
    import zipfile

    import openpyxl

    try:
        with warnings.catch_warnings():  # "invalid specification ... will be removed": a sheet without r:id
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(
                io.BytesIO(source) if isinstance(source, bytes | bytearray) else source, read_only=True, data_only=True
            )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"{where} cannot be read as a workbook ({_short(exc)}).") from None

    def cells_of(name: str) -> list[list[object]]:
        try:
            with warnings.catch_warnings():  # "Cell A3 is marked as a date but the serial value ...": put back below
                warnings.simplefilter("ignore")
                rows = [["" if v is None else v for v in row] for row in wb[name].iter_rows(values_only=True)]
        except Exception as exc:  # openpyxl's own errors for a damaged sheet part
            raise InputError(f"{where}: sheet {name!r} cannot be read ({_short(exc)}).") from None
        width = max((len(r) for r in rows), default=0)
        rows = [r + [""] * (width - len(r)) for r in rows]
        _restore_undated(rows, package, name)
        return rows

    cells_of.sheet_names = list(wb.sheetnames)
    return cells_of


def _restore_undated(rows: list[list[object]], package: xlsx_scan.Package, name: str) -> None:
    """openpyxl reads a date-formatted number outside its dates (-1e308, 1e9) as ``#VALUE!``, an
    error the cell does not hold: put back the number the cell holds, so that a date column reports
    it as a ``bad-date`` (and an amount column reads it as the number it is)."""
    suspects = {
        (r, c)
        for r, row in enumerate(rows, start=1)
        if "#VALUE!" in row
        for c, v in enumerate(row, start=1)
        if v == "#VALUE!"
    }
    if not suspects:
        return
    scan = package.scan(name)
    errors = scan.errors if scan is not None else {}
    for (r, c), raw in package.cell_values(name, suspects - set(errors)).items():
        try:
            rows[r - 1][c - 1] = float(raw)
        except ValueError:
            rows[r - 1][c - 1] = raw


def _head(source: object) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source[:8])
    with open(source, "rb") as handle:  # type: ignore[arg-type]
        return handle.read(8)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
