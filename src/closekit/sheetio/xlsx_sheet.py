"""One output worksheet as SpreadsheetML, built column-wise from a DataFrame.

Cells are written row by row but built a column at a time with vectorised string operations:
texts as inline strings with a text style (``@`` and quotePrefix: never a formula), numbers with
their exact decimal text, dates as serial numbers with a date style, booleans as ``t="b"``. The
XML is produced in blocks of ``CHUNK_ROWS`` rows and streamed into the zip entry (compressed on a
helper thread where threads exist), so a million-row sheet never sits in memory as one string.
Used by :mod:`closekit.sheetio.xlsx_package`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import itertools
import math
import re
import sys
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from closekit.core import accel
from closekit.sheetio import xlsx_styles as st
from closekit.sheetio import xlsx_table as xt
from closekit.sheetio.base import OutputSheet

try:  # optional: numbers -> text ~5x faster than pandas' astype (same shortest round-trip text),
    # and whole rows joined in Arrow instead of Python strings
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # e.g. Pyodide without pyarrow
    pa = pc = None

CHUNK_ROWS = 50_000
COMPRESS_LEVEL = 1
THREADS = sys.platform != "emscripten"  # Pyodide (xlwings Lite) cannot start threads
MISSING, TEXT, NUMBER, BOOL, TEMPORAL, ERROR = range(6)
#: Characters XML 1.0 cannot carry: dropped. DEL and C1 controls are legal XML and are kept, so a text
#: reads back as written; the sheet writer needs no more, since every text is an inline string with the
#: quote prefix (a formula start is judged by core.cell_text, which ignores all of these).
_ILLEGAL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\ufffe\uffff]"
_SURROGATES = re.compile("[\ud800-\udfff]")
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
#: A cell text that :func:`_escape` changes has one of these (or is long: over 16,383 characters).
_SPECIAL = _ILLEGAL[:-1] + "&<>\r]|_x[0-9A-Fa-f]{4}_"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EPOCH_1900, _EPOCH_1904 = pd.Timestamp("1899-12-30"), pd.Timestamp("1904-01-01")
_MAR_1900 = pd.Timestamp("1900-03-01")  # before this, Excel's 1900 serials are off by one
MAX_CELL_CHARS = 32_767


@dataclass
class _Column:
    header: str
    letter: str
    values: pd.Series  # RangeIndex; tz-naive datetimes
    codes: np.ndarray  # per row: MISSING / TEXT / NUMBER / BOOL / TEMPORAL / ERROR
    fmt: str  # style of NUMBER cells
    date_fmt: str  # style of TEMPORAL cells: "date" or "datetime"
    whole_days: bool  # datetime64 column with no time of day (serials written as integers)
    width: float = 8.0
    heads: dict[int, str] = field(default_factory=dict)
    text_fmt: str = "text"  # style of TEXT cells: "text", "wrap" (wrapped, top-aligned), "clip" (no spill),
    # or "indent1" (a text column right of numbers: kept apart from them)
    header_kind: str = "header"  # "headernum": right-aligned over a column of numbers; "headerindent"
    header_xf: int = 0
    indents: np.ndarray | None = None  # per row: the indentation level of a TEXT cell (0: none)
    indent_heads: dict[int, str] = field(default_factory=dict)  # level -> the TEXT head of that style

    def kinds(self) -> set[str]:
        present = set(np.unique(self.codes).tolist())
        return (
            {"text", self.text_fmt, self.header_kind}
            | ({self.fmt} if NUMBER in present else set())
            | ({"general"} if BOOL in present else set())
            | ({self.date_fmt} if TEMPORAL in present else set())
            | {f"indent{n}" for n in self.indent_levels()}
        )

    def indent_levels(self) -> list[int]:
        if self.indents is None:
            return []
        return [int(n) for n in np.unique(self.indents[self.codes == TEXT]).tolist() if n > 0]


@dataclass
class SheetPlan:
    title: str
    columns: list[_Column]
    n_rows: int
    date1904: bool
    header_xf: int = 0
    page_header: str = ""
    table: bool = False  # written as an Excel table (xlsx_table), else a plain autofilter
    company: str = ""  # page header (left)
    period: str = ""  # page header (right)
    links: dict[str, str] = field(default_factory=dict)  # A1 cell -> location of its internal hyperlink
    totals: list[str] = field(default_factory=list)  # letters of the columns whose "Total..." rows are bold
    kind_totals: list[str] = field(default_factory=list)  # letter of a Kind column whose "Total" rows are bold
    bold_dxf: int | None = None  # the styles' bold differential format, for the totals rows
    heights: np.ndarray | None = None  # per data row: its height in points when wrapped text needs one, else 0

    @property
    def kinds(self) -> set[str]:
        return {"header"}.union(*(c.kinds() for c in self.columns)) if self.columns else set()

    def ref(self, absolute: bool = False) -> str:
        if not self.columns:
            return "A1"
        last, d = self.columns[-1].letter, "$" if absolute else ""
        return f"{d}A{d}1:{d}{last}{d}{self.n_rows + 1}"

    def header_footer(self) -> tuple[str, str, str, str]:
        """The printed page header's sections and footer (:func:`closekit.sheetio.xlsx_table.header_footer`):
        a statement's title block alone, else company, sheet name and period."""
        return xt.header_footer(
            self.page_header or self.title, self.company, self.period, alone=bool(self.page_header)
        )

    def table_ref(self) -> str:
        """The table's range: the header and at least one row (Excel's tables have a data row)."""
        return f"A1:{self.columns[-1].letter}{max(self.n_rows, 1) + 1}" if self.columns else "A1"

    @property
    def landscape(self) -> bool:
        return sum(c.width for c in self.columns) > xt.LANDSCAPE_WIDTH

    def assign_styles(self, xf: dict[str, int]) -> None:
        self.header_xf = xf.get("header", 0)
        for c in self.columns:
            c.header_xf = xf.get(c.header_kind, self.header_xf)
            s = {TEXT: xf[c.text_fmt], NUMBER: xf.get(c.fmt), BOOL: xf.get("general"), TEMPORAL: xf.get(c.date_fmt)}
            sa = {k: f' s="{v}"' if v else "" for k, v in s.items()}
            c.heads = {
                TEXT: f'"{sa[TEXT]} t="inlineStr"><is><t xml:space="preserve">',
                NUMBER: f'"{sa[NUMBER]}><v>',
                TEMPORAL: f'"{sa[TEMPORAL]}><v>',
                BOOL: f'"{sa[BOOL]} t="b"><v>',
                ERROR: '" t="e"><v>',
            }
            c.indent_heads = {
                n: f'" s="{xf[f"indent{n}"]}" t="inlineStr"><is><t xml:space="preserve">' for n in c.indent_levels()
            }


_TAILS = {TEXT: "</t></is></c>", NUMBER: "</v></c>", TEMPORAL: "</v></c>", BOOL: "</v></c>", ERROR: "</v></c>"}


def _letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def plan_sheet(out: OutputSheet, date1904: bool) -> SheetPlan:
    frame = out.frame
    cols = []
    for j in range(frame.shape[1]):
        header = str(frame.columns[j])
        fmt = out.formats.get(header)
        col = _plan_column(frame.iloc[:, j].reset_index(drop=True), fmt, date1904)
        col.header, col.letter = header, _letter(j)
        if header in out.indents:
            levels = np.asarray(pd.Series(out.indents[header]).fillna(0), dtype=np.int64)
            col.indents = np.clip(levels, 0, st.MAX_INDENT) if (levels > 0).any() else None
        _dress(col, fmt)
        if _text_after_numbers(col, cols[-1] if cols else None):
            col.text_fmt, col.header_kind = "indent1", "headerindent"  # apart from the numbers on its left
        col.width = float(out.widths.get(header) or _auto_width(col))
        cols.append(col)
    links = {ref: where for ref, where in out.links.items()}
    totals = [c.letter for c in cols if c.header in TOTAL_COLUMNS and _has_totals(c)]
    kind_totals = [c.letter for c in cols if c.header == KIND_COLUMN and total_kinds(c).any()]
    return SheetPlan(
        out.name, cols, len(frame), date1904, page_header=out.header, company=out.company, period=out.period,
        links=links, totals=totals, kind_totals=kind_totals[:1], heights=_row_heights(cols, len(frame))
    )


#: Points per line of 11-point text, and characters per unit of column width of average text.
LINE_HEIGHT, CHARS_PER_WIDTH = 15, 1.1


def _row_heights(cols: list[_Column], n_rows: int) -> np.ndarray | None:
    """The height of each row whose wrapped text needs more than one line (0 for the others), so
    that every viewer shows it whole: Excel and LibreOffice keep a row's stored or default height
    rather than fitting it to wrapped text written by another program. Estimated from the text's
    length per paragraph and the column's width; None when no column wraps."""
    wrapped = [c for c in cols if c.text_fmt == "wrap"]
    if not wrapped or not n_rows:
        return None
    lines = np.ones(n_rows, dtype=np.int64)
    for col in wrapped:
        per_line = max(1.0, col.width * CHARS_PER_WIDTH)
        texts = col.values.where(col.codes == TEXT, "").astype(str).tolist()
        need = [sum(max(1, math.ceil(len(part) / per_line)) for part in t.split("\n")) for t in texts]
        lines = np.maximum(lines, np.asarray(need, dtype=np.int64))
    return np.where(lines > 1, np.minimum(lines, 409 // LINE_HEIGHT) * LINE_HEIGHT, 0)


def _row_attributes(plan: SheetPlan, start: int, stop: int) -> list[str] | None:
    """Per row of ``start``..``stop``: its height attributes (closing the row number's quote), or ""."""
    if plan.heights is None:
        return None
    part = plan.heights[start:stop]
    return [f'" ht="{h}" customHeight="1' if h else "" for h in part.tolist()]


#: Columns whose text "Total ..." marks a totals row (a statement's Name: "Total assets"; the trial
#: balance's Account: "Total"): such rows are bold, by a conditional format on the sheet.
TOTAL_COLUMNS = ("StatementLine", "Account", "Name")
#: A statement's Kind column: its "Total" rows are bold too, whatever their label says (a German
#: "Summe Aktiva", "Gross profit", "Profit for the period").
KIND_COLUMN, TOTAL_KIND = "Kind", "Total"


def _has_totals(col: _Column) -> bool:
    texts = col.values[col.codes == TEXT]
    return bool(len(texts)) and bool(texts.astype(str).str.startswith("Total").any())


def total_kinds(col: _Column) -> np.ndarray:
    """Per row: a Kind column's cell says Total."""
    return (col.values.astype(str) == TOTAL_KIND).to_numpy(dtype=bool) & (col.codes == TEXT)


def _totals_format(plan: SheetPlan) -> str:
    """The conditional format that makes the totals rows bold (nothing when there are none)."""
    if not (plan.totals or plan.kind_totals) or plan.bold_dxf is None or not plan.n_rows:
        return ""
    tests = [f'LEFT(${letter}2,5)="Total"' for letter in plan.totals]
    tests += [f'${letter}2="{TOTAL_KIND}"' for letter in plan.kind_totals]
    formula = tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"
    return (
        f'<conditionalFormatting sqref="A2:{plan.columns[-1].letter}{plan.n_rows + 1}">'
        f'<cfRule type="expression" dxfId="{plan.bold_dxf}" priority="1"><formula>{st.attr(formula)}</formula>'
        "</cfRule></conditionalFormatting>"
    )


#: Text columns shown wrapped at a fixed width (characters): the Findings' explanations.
WRAPPED = {"Message": 60.0, "Fix": 45.0}
#: Column width (characters) each level of indentation takes.
INDENT_WIDTH = 2.0
#: Width of a hash column (…Hash, RowHash, PreviousHash): its start shows, the full value stays in the cell.
HASH_WIDTH = 14.0


def _dress(col: _Column, fmt: str | None) -> None:
    """The look a column's name asks for: a percent format for a name ending in "%", wrapped text for
    the Findings' Message and Fix, a right-aligned header over numbers."""
    present = set(np.unique(col.codes).tolist()) - {MISSING}
    if fmt is None and col.header.rstrip().endswith("%") and NUMBER in present:
        col.fmt = "percent"
    if col.header in WRAPPED and TEXT in present:
        col.text_fmt = "wrap"
    elif col.header.endswith("Hash") and TEXT in present:
        col.text_fmt = "clip"  # a narrow column: the 64 characters do not spill over the next ones
    if present and present <= {NUMBER, ERROR}:
        col.header_kind = "headernum"


def _plan_column(s: pd.Series, fmt: str | None, date1904: bool) -> _Column:
    n, dtype = len(s), s.dtype
    missing = s.isna().to_numpy(dtype=bool)
    codes = np.full(n, TEXT, dtype=np.int8)
    inferred, date_fmt, whole_days = "general", "date", False
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        whole_days = bool((s.dt.normalize() == s)[~missing].all())
        date_fmt = "date" if whole_days else "datetime"
    if fmt == "text":
        pass
    elif pd.api.types.is_bool_dtype(dtype):
        codes[:] = BOOL
    elif pd.api.types.is_numeric_dtype(dtype):
        codes[:] = NUMBER
        floats = s.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            codes[~(np.abs(floats) < 1e308) & ~missing] = ERROR
        inferred = "integer" if pd.api.types.is_integer_dtype(dtype) else "general"
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        ok = (s >= (_EPOCH_1904 if date1904 else pd.Timestamp("1900-01-01"))) & (s.dt.year < 10000)
        codes[ok.to_numpy(dtype=bool)] = TEMPORAL
    elif not isinstance(dtype, pd.StringDtype):
        s = s.astype(object)
        inferred_kind = pd.api.types.infer_dtype(s, skipna=True)
        fast = _fast_object_column(s, inferred_kind, missing, date1904)
        if fast is not None:  # whole columns of Decimals or dates: no per-cell Python loop
            s, codes, whole_days = fast
        elif inferred_kind not in ("string", "empty"):
            kinds = [_object_code(v, date1904) for v in s.tolist()]
            codes = np.asarray(kinds, dtype=np.int8)
            values = s.to_numpy()
            numbers, temporal = values[codes == NUMBER], values[codes == TEMPORAL]
            if len(numbers) and all(isinstance(v, int | np.integer) for v in numbers):
                inferred = "integer"
            if any(isinstance(v, dt.datetime) and v.time() != dt.time() for v in temporal):
                date_fmt = "datetime"
    codes[missing] = MISSING
    if fmt in ("date", "datetime"):
        date_fmt = fmt
    return _Column("", "", s, codes, fmt if fmt and fmt != "text" else inferred, date_fmt, whole_days)


def _fast_object_column(
    s: pd.Series, kind: str, missing: np.ndarray, date1904: bool
) -> tuple[pd.Series, np.ndarray, bool] | None:
    """(values, codes, whole_days) for an object column of only Decimals or only dates (the amounts
    and dates of a report), decided for the whole column; None for any other column."""
    n = len(s)
    if kind == "decimal":
        texts = s.map(str, na_action="ignore")
        if texts.str.contains("[A-Za-z]", regex=True, na=False).any():  # exponents, NaN, Infinity
            return None
        return s, np.full(n, NUMBER, dtype=np.int8), False
    if kind == "date":  # datetime.date cells (not datetimes): every one a whole day
        try:
            stamps = pd.Series(pd.to_datetime(s, errors="raise").to_numpy(dtype="datetime64[ns]"))
        except (ValueError, OverflowError, TypeError):
            return None  # years before 1677 or after 2262: the per-cell path decides
        ok = (stamps >= (_EPOCH_1904 if date1904 else pd.Timestamp("1900-01-01"))).to_numpy(dtype=bool)
        if not (ok | missing).all():
            return None
        return stamps, np.full(n, TEMPORAL, dtype=np.int8), True
    return None


def _object_code(v: object, date1904: bool) -> int:
    if isinstance(v, str):
        return TEXT
    if isinstance(v, bool | np.bool_):
        return BOOL
    if isinstance(v, int | np.integer | float | np.floating | decimal.Decimal):
        try:  # NaN is MISSING already; Excel cannot hold more than ~1e308
            return NUMBER if abs(float(v)) < 1e308 else ERROR
        except (OverflowError, ValueError):
            return ERROR
    if isinstance(v, dt.date | np.datetime64):
        return TEMPORAL if _serial(v, date1904) is not None else TEXT
    return TEXT


def _serial(v: object, date1904: bool) -> float | None:
    """Excel serial of a date/datetime (None when Excel cannot represent it)."""
    try:
        ts = pd.Timestamp(v)
    except (ValueError, OverflowError):
        return None
    ts = ts.tz_localize(None) if ts.tzinfo is not None else ts
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    serial = (ts - epoch) / pd.Timedelta(days=1)
    if not date1904 and ts < _MAR_1900:
        serial -= 1
    return serial if serial >= (0 if date1904 else 1) and ts.year < 10000 else None


def _number_text(v: object) -> str:
    if isinstance(v, decimal.Decimal):  # its exact digits, never via float
        return format(v, "f") if -25 < v.adjusted() < 25 else format(v, "E")
    return repr(float(v)) if isinstance(v, float | np.floating) else str(int(v))


def _to_text(v: object) -> str:
    if isinstance(v, bool | np.bool_):
        return "TRUE" if v else "FALSE"
    if isinstance(v, decimal.Decimal | float | np.floating):
        return _number_text(v)
    return str(v)


def _auto_width(col: _Column) -> float:
    if col.text_fmt == "wrap":
        return WRAPPED[col.header]
    if col.header.endswith("Hash"):
        return HASH_WIDTH
    longest = len(col.header) * 1.2 + 3 + (INDENT_WIDTH if col.text_fmt == "indent1" else 0.0)  # bold, filter button
    indent = INDENT_WIDTH * (col.indents[:1000] if col.indents is not None else np.zeros(0, dtype=np.int64))
    spec = {"amount": ",.2f", "amount0": ",.0f", "amount3": ",.3f", "integer": ".0f", "percent": ".1f"}
    for i, (v, code) in enumerate(zip(col.values.iloc[:1000].tolist(), col.codes[:1000], strict=True)):
        if code == TEXT:
            shift = float(indent[i]) if len(indent) else INDENT_WIDTH if col.text_fmt == "indent1" else 0.0
            longest = max(longest, len(_to_text(v).split("\n", 1)[0]) + shift)
        elif code == NUMBER:
            text = format(float(v), spec.get(col.fmt, ".10g"))
            longest = max(longest, len(text) if col.fmt in spec else min(len(text), 12))
        elif code == TEMPORAL:
            longest = max(longest, 10 if col.date_fmt == "date" else 16)
    return min(60.0, max(8.0, round(longest + 2, 1)))


# ============================================================================ sheet writing
def _escape(s: pd.Series) -> pd.Series:
    """Clean, truncate and XML-escape text (vectorised; pyarrow-backed when available)."""
    try:
        s = s.astype("str")
    except UnicodeEncodeError:  # lone surrogates cannot be encoded: drop them first
        s = s.map(lambda v: _SURROGATES.sub("", v)).astype("str")
    special = s.str.contains(_SPECIAL, regex=True).to_numpy(dtype=bool, na_value=False) | (
        s.str.len() > MAX_CELL_CHARS // 2
    ).to_numpy(dtype=bool, na_value=False)
    if not special.any():  # most cells of a report: one scan instead of six replacements
        return s
    if not special.all():
        return s.where(~special, _escape(s[special]))
    s = s.str.replace(_ILLEGAL, "", regex=True)
    long = (s.str.len() > MAX_CELL_CHARS // 2).to_numpy(dtype=bool)
    if long.any():  # Excel counts UTF-16 code units
        cut = s[long].map(lambda v: v.encode("utf-16-le")[: 2 * MAX_CELL_CHARS].decode("utf-16-le", "ignore"))
        s = s.where(~long, cut)
    for a, b in _ESCAPES:
        s = s.str.replace(a, b, regex=False)
    return s.str.replace("_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", regex=True)  # keep "_x0041_" literal


def _payload(col: _Column, code: int, sub: pd.Series, date1904: bool) -> pd.Series | str:
    dtype = sub.dtype
    if code == TEXT:
        if pd.api.types.is_datetime64_any_dtype(dtype):
            sub = sub.dt.strftime("%Y-%m-%d" if col.whole_days else "%Y-%m-%d %H:%M:%S")
        elif pd.api.types.is_bool_dtype(dtype) or (
            pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(sub, skipna=True) != "string"
        ):
            sub = pd.Series([_to_text(v) for v in sub.tolist()], index=sub.index, dtype=object)
        return _escape(sub)
    if code == NUMBER:
        if pd.api.types.is_object_dtype(dtype):
            if pd.api.types.infer_dtype(sub, skipna=True) == "decimal":
                texts = sub.map(str)  # plain digits: _fast_object_column let no exponent through
                if not texts.str.contains("E", regex=False).any():
                    return texts
            return sub.map(_number_text)
        return _digits(sub)
    if code == BOOL:
        return sub.map(lambda v: "1" if v else "0")
    if code == ERROR:
        return "#NUM!"
    if pd.api.types.is_object_dtype(dtype):
        return sub.map(lambda v: _number_text(round(_serial(v, date1904), 10)))
    days = sub - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    serial = days.dt.days if col.whole_days else (days / pd.Timedelta(days=1)).round(10)
    if not date1904:
        serial = serial - (sub < _MAR_1900).astype(int)
    return _digits(serial)


def _digits(s: pd.Series) -> pd.Series:
    """Numbers as text: the shortest form that reads back as the same double (0.1, 1e+20)."""
    if pa is not None and accel.arrow() is not None and s.dtype.kind in "iuf" and s.dtype.itemsize >= 4:
        return pd.Series(pa.array(s.to_numpy()).cast(pa.string()), index=s.index, dtype=pd.ArrowDtype(pa.string()))
    if s.dtype.kind == "f":  # Python writes 46298.0 where Arrow writes 46298: the same bytes either way
        return s.astype("str").str.replace(r"\.0$", "", regex=True)
    return s.astype("str")


def _column_cells(col: _Column, start: int, stop: int, rows: pd.Series, date1904: bool) -> np.ndarray:
    codes = col.codes[start:stop]
    values = col.values.iloc[start:stop].reset_index(drop=True)
    out = np.full(stop - start, "", dtype=object)
    present = [c for c in np.unique(codes).tolist() if c != MISSING]
    for code in present:
        mask = None if len(present) == 1 and not (codes == MISSING).any() else codes == code
        sub, r = (values, rows) if mask is None else (values[mask], rows[mask])
        head = _heads(col, code, start, stop, mask)
        if not isinstance(head, str):
            head = pd.Series(head, index=r.index)
        cells = f'<c r="{col.letter}' + r + head + _payload(col, code, sub, date1904) + _TAILS[code]
        if mask is None:
            return cells.to_numpy(dtype=object)
        out[mask] = cells.to_numpy(dtype=object)
    return out


def _text_after_numbers(col: _Column, left: _Column | None) -> bool:
    """A column of texts (no numbers, plain style, no indentation of its own) right of a column of
    numbers: its right-aligned numbers would touch the texts' first letters."""
    if left is None or NUMBER not in left.codes or col.text_fmt != "text" or col.header_kind != "header":
        return False
    return col.indents is None and TEXT in col.codes and NUMBER not in col.codes


def _heads(col: _Column, code: int, start: int, stop: int, mask: np.ndarray | None) -> str | np.ndarray:
    """The start of each cell of ``code`` in rows ``start``..``stop`` up to its payload: one text
    for the column, or per cell when its TEXT cells are indented by different levels."""
    if code != TEXT or not col.indent_heads:
        return col.heads[code]
    levels = col.indents[start:stop] if mask is None else col.indents[start:stop][mask]
    plain = col.heads[TEXT]
    heads = np.asarray([plain, *(col.indent_heads.get(n, plain) for n in range(1, st.MAX_INDENT + 1))])
    return heads[levels].astype(object)


def _arrow_strings(values: pd.Series | str) -> object:
    """A payload as an Arrow string array (or a constant as a scalar) for Arrow's element-wise join."""
    if isinstance(values, str):
        return pa.scalar(values, pa.string())
    try:
        array = pa.array(values.array)
    except (TypeError, pa.ArrowInvalid):
        array = pa.array(values.to_numpy(dtype=object), pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array if array.type == pa.string() else array.cast(pa.string())


def _column_cells_arrow(col: _Column, start: int, stop: int, rows: object, date1904: bool) -> object:
    """:func:`_column_cells` built in Arrow: an Arrow string array, "" for a missing cell."""
    codes = col.codes[start:stop]
    values = col.values.iloc[start:stop].reset_index(drop=True)
    present = [c for c in np.unique(codes).tolist() if c != MISSING]
    out = None
    for code in present:
        whole = len(present) == 1 and not (codes == MISSING).any()
        mask = None if whole else codes == code
        sub, r = (values, rows) if mask is None else (values[mask], rows.filter(pa.array(mask)))
        head = _heads(col, code, start, stop, mask)
        cells = pc.binary_join_element_wise(
            f'<c r="{col.letter}',
            r,
            head if isinstance(head, str) else pa.array(head, pa.string()),
            _arrow_strings(_payload(col, code, sub, date1904)),
            _TAILS[code],
            "",
        )
        if mask is None:
            return cells
        base = pa.nulls(stop - start, pa.string()) if out is None else out
        out = pc.replace_with_mask(base, pa.array(mask), cells)
    return pc.fill_null(pa.nulls(stop - start, pa.string()) if out is None else out, "")


def _joined_bytes(array: object) -> memoryview:
    """The concatenation of an Arrow string array's values: a view of its data buffer, no copy."""
    width = np.int64 if array.type == pa.large_string() else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[array.offset : array.offset + len(array) + 1]
    data = array.buffers()[2]
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])] if data is not None else memoryview(b"")


def _rows_arrow(plan: SheetPlan, start: int, stop: int) -> memoryview:
    """Rows ``start``..``stop`` as UTF-8 XML, joined in Arrow (pyarrow present): about 3x faster
    than joining Python strings, with the same bytes."""
    rows = pa.array(np.arange(start + 2, stop + 2)).cast(pa.string())
    cells = [_column_cells_arrow(c, start, stop, rows, plan.date1904) for c in plan.columns]
    attributes = _row_attributes(plan, start, stop)
    extra = pa.array(attributes, pa.string()) if attributes is not None else pa.scalar("", pa.string())
    return _joined_bytes(pc.binary_join_element_wise('<row r="', rows, extra, '">', *cells, "</row>", ""))


def _sheet_chunks(plan: SheetPlan) -> Iterator[str | memoryview]:
    """The worksheet XML in pieces of CHUNK_ROWS rows, built column-wise."""
    head = ""
    if plan.columns:
        head = "".join(
            f'<col min="{i}" max="{i}" width="{c.width:g}" customWidth="1"/>' for i, c in enumerate(plan.columns, 1)
        )
        head = f"<cols>{head}</cols>"
    yield (
        f'{_XML_DECL}<worksheet xmlns="{st.MAIN_NS}" xmlns:r="{st.REL_NS}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="{plan.ref()}"/><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{head}<sheetData>'
    )
    if plan.columns:
        names = _escape(pd.Series([c.header for c in plan.columns]))
        yield (
            '<row r="1">'
            + "".join(
                f'<c r="{c.letter}1" s="{c.header_xf}" t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>'
                for c, t in zip(plan.columns, names, strict=True)
            )
            + "</row>"
        )
    for start in range(0, plan.n_rows if plan.columns else 0, CHUNK_ROWS):
        stop = min(plan.n_rows, start + CHUNK_ROWS)
        if pa is not None and accel.arrow() is not None:
            yield _rows_arrow(plan, start, stop)
            continue
        rows = _digits(pd.Series(np.arange(start + 2, stop + 2)))
        cells = [_column_cells(c, start, stop, rows, plan.date1904) for c in plan.columns]
        attributes = _row_attributes(plan, start, stop)
        extra = pd.Series(attributes, dtype=object) if attributes is not None else ""
        opens = ('<row r="' + rows + extra + '">').to_numpy(dtype=object)
        yield "".join(itertools.chain.from_iterable(zip(opens, *cells, itertools.repeat("</row>"))))
    tail = f'<autoFilter ref="{plan.ref()}"/>' if plan.columns and not plan.table else ""
    tail += _totals_format(plan)
    if plan.links:
        tail += "<hyperlinks>" + "".join(
            f'<hyperlink ref="{ref}" location="{st.attr(where)}"/>'
            for ref, where in plan.links.items()
        ) + "</hyperlinks>"
    parts = f'<tableParts count="1"><tablePart r:id="{xt.TABLE_RID}"/></tableParts>' if plan.table else ""
    setup = xt.print_setup(plan.header_footer(), plan.landscape)
    yield (
        f'</sheetData>{tail}<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" '
        f'header="0.3" footer="0.3"/>{setup}'
        f"{parts}</worksheet>"
    )


def write_sheet(zout: zipfile.ZipFile, name: str, plan: SheetPlan) -> None:
    """Stream the sheet into the zip. Deflate (which releases the GIL) runs in a helper thread
    while the next chunk is built; inline where there are no threads (Pyodide)."""
    estimate = plan.n_rows * sum(120 + 3 * c.width for c in plan.columns)
    with (
        zout.open(new_zip_info(name), "w", force_zip64=estimate > 2**31) as raw,
        ThreadPoolExecutor(1) if THREADS else contextlib.nullcontext() as pool,
    ):
        pending: Future[int] | None = None
        for piece in _sheet_chunks(plan):
            data = piece.encode("utf-8") if isinstance(piece, str) else piece
            if pending is not None:
                pending.result()  # at most one chunk in flight; re-raises a write error
            if pool is None:
                raw.write(data)
            else:
                pending = pool.submit(raw.write, data)
        if pending is not None:
            pending.result()


def new_zip_info(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, time.localtime()[:6])
    zi.compress_type, zi.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
    # Deflate level 1: a million-row sheet is ~0.5 GB of XML; level 1 deflates it ~3x faster than
    # the default level 6 for a file ~20% larger. (The attribute ZipFile.open reads; 3.13 aliases it.)
    zi._compresslevel = COMPRESS_LEVEL
    return zi
