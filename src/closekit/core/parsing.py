"""Cell values to typed columns, a whole column at a time.

Numbers arrive as ``1234.56``, ``1.234,56``, ``1 234,56``, ``1.234,56-`` (SAP), ``(420.81)`` and
``$(250.00)`` (QuickBooks), or as floats from an XLSX cell. Dates arrive as ISO, ``DD.MM.YYYY``,
``MM/DD/YYYY``, ``DD-MM-YYYY``, ``YYYYMMDD`` text, or as date cells. Each parser returns the typed
column and a mask of the cells it could not read, so that every bad cell becomes a finding that
names its row and column. No amount is ever a float: numbers become integers at a fixed scale.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from closekit.core import accel

#: Numbers are parsed to integers of 10**-SCALE units: enough for every ISO 4217 exponent (max 4).
SCALE = 4
#: Digits allowed before the decimal point (keeps value * 10**SCALE inside int64 with margin).
MAX_INTEGER_DIGITS = 14

YES = {"yes", "y", "true", "1", "ja", "j", "oui", "o", "x", "1.0", "wahr", "vrai"}
NO = {"no", "n", "false", "0", "nee", "nein", "non", "0.0", "falsch", "faux"}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def header_key(name: object) -> str:
    """Header matching key: ``"Required dimensions"``, ``"REQUIRED_DIMENSIONS"`` -> ``requireddimensions``."""
    return "".join(str(name).split()).replace("_", "").lower()


def as_text(values: pd.Series) -> pd.Series:
    """Any column as stripped text, empty string for a blank cell.

    Whole-number floats (``1000.0``, what Excel gives for an account typed as a number) become
    ``"1000"``; dates become ISO text.
    """
    if pd.api.types.is_float_dtype(values.dtype) or (
        values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty")
    ):  # a column of texts only (most columns of a sheet) needs no per-cell look
        values = values.map(_cell_text, na_action="ignore")
    return values.astype("string").fillna("").str.strip()


def _cell_text(value: object) -> object:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def mask(values: pd.Series) -> pd.Series:
    """A boolean column as plain numpy booleans (NA counts as False)."""
    return pd.Series(values.fillna(False).to_numpy(dtype=bool), index=values.index)


def looks_like_formula(text: pd.Series) -> pd.Series:
    """Text that Excel or a CSV reader would run as a formula (a plain negative number is not)."""
    starts = mask(text.str.startswith(_FORMULA_START))
    if not starts.any():
        return starts
    return starts & ~mask(text.str.fullmatch(r"[-+]?[0-9][0-9.,\s']*"))


# --------------------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class ParsedNumbers:
    """A parsed number column: ``units`` in 10**-SCALE (nullable int64) and the bad cells."""

    units: pd.Series
    bad: pd.Series


#: What :func:`detect_decimal_separator` returns when a source's numbers do not tell the mark.
AMBIGUOUS_MARK = "?"


def detect_decimal_separator(columns: list[pd.Series], delimiter: str | None = None) -> str:
    """Decide between ``.`` and ``,`` for the number columns of one source [CK].

    Evidence, in order: values carrying both marks (the last one is the decimal mark); a mark
    followed by one, two or more than three digits at the end (more such commas than dots: ``,``);
    otherwise ``.``, unless the file is semicolon-delimited (a European Excel export) and values
    have commas but no dots. A semicolon-delimited file whose marks are all dots followed by three
    digits (``1.000``: one thousand in Germany, one in England) is decided by what its numbers
    show (:func:`number_mark`: ``1.000.000`` says ``,``, ``0.500`` or ``1234.567`` say ``.``), and
    is :data:`AMBIGUOUS_MARK` when none does: its cells such as ``1.000`` are then read by no mark
    (:func:`ambiguous_cells`). The cells that contradict the mark chosen are named by
    :func:`separator_conflicts`.
    """
    both_dot = both_comma = comma_decimal = dot_decimal = commas = dots = 0
    dotted: set[str] = set()
    for col in columns:
        text = as_text(col.head(50_000))  # the first 5000 filled cells, without converting a whole column
        if (text != "").sum() < 5000 and len(col) > 50_000:
            text = as_text(col)
        text = text[text != ""].head(5000)
        if text.empty:
            continue
        has_comma = text.str.contains(",", regex=False)
        has_dot = text.str.contains(".", regex=False)
        both = text[has_comma & has_dot]
        if not both.empty:
            last_comma = both.str.rfind(",")
            last_dot = both.str.rfind(".")
            both_comma += int((last_comma > last_dot).sum())
            both_dot += int((last_dot > last_comma).sum())
        comma_decimal += int(text.str.contains(r",(?:[0-9]{1,2}|[0-9]{4,})-?\)?$", regex=True).sum())
        dot_decimal += int(text.str.contains(r"\.(?:[0-9]{1,2}|[0-9]{4,})-?\)?$", regex=True).sum())
        commas += int(has_comma.sum())
        dots += int((has_dot & ~has_comma).sum())
        if delimiter == ";":
            dotted.update(text[has_dot & ~has_comma].head(1000).tolist())
    if both_comma or both_dot:
        return "," if both_comma > both_dot else "."
    if comma_decimal > dot_decimal:
        return ","
    if commas and not dots and delimiter == ";":
        return ","
    if dots and not commas and not dot_decimal and delimiter == ";":
        marks = {number_mark(t) for t in dotted}
        if "." in marks:
            return "."
        return "," if "," in marks else AMBIGUOUS_MARK
    return "."


def ambiguous_cells(values: pd.Series) -> pd.Series:
    """The cells of a column whose text reads as two numbers (``1.000``, ``2,500``: :func:`number_mark`)."""
    text = as_text(values)
    candidates = mask(text.str.contains(r"[.,]", regex=True))
    if not candidates.any():
        return candidates
    return candidates & mask(text.map(number_mark) == "?")


def separator_conflicts(values: pd.Series, decimal: str) -> pd.Series:
    """Cells that cannot be numbers written with ``decimal`` as the decimal mark, judged on the
    column as a whole [CK].

    A cell contradicts the mark when the other mark (the thousands separator) is not followed by
    exactly three digits (``25.000,00`` or ``1,5`` with ``.``; ``1.5`` with ``,``). When cells do
    and no cell of the column shows ``decimal`` as a decimal mark for sure (once, and not followed
    by exactly three digits, as in ``12.50``), the column is written with the other mark, so every
    cell of it that holds a mark at all is read wrong (``25.000`` is then 25000, not 25): all of
    them are returned; otherwise only the contradicting cells (a typo in a column that is right).
    Cells that hold no mark (``100``) read the same either way and are never returned.
    """
    none = pd.Series(False, index=values.index)
    if values.empty:
        return none
    other = "," if decimal == "." else "."
    text = values.astype("string").fillna("").str.strip() if values.dtype != object else None
    if text is None:  # an XLSX column: only text cells carry a notation (a number cell has none)
        textual = values.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False).astype(bool)
        if not textual.any():
            return none
        text = values.where(textual, "").astype("string").fillna("").str.strip()
    has_other = mask(text.str.contains(other, regex=False))
    if not has_other.any():
        return none
    wrong = has_other & mask(text.str.contains(re.escape(other) + r"(?![0-9]{3}(?:[^0-9]|$))", regex=True))
    if not wrong.any():
        return none
    mark = re.escape(decimal)
    sure = mask(text.str.fullmatch(rf"[^{mark}]*{mark}(?![0-9]{{3}}(?:[^0-9]|$))[^{mark}]*"))
    if sure.any():
        return wrong
    return mask(text.str.contains(r"[.,]", regex=True))


def parse_numbers(values: pd.Series, decimal: str = ".") -> ParsedNumbers:
    """Parse a column of numbers in any common notation to integers of 10**-SCALE.

    Accepted: a sign before or after (``-1.234,56``, ``1.234,56-``), parentheses for negatives,
    currency symbols, thousands separators (the other mark, spaces, no-break spaces, apostrophes).
    Blank cells are NA and not bad; more than SCALE decimals, exponents, NaN, infinities and
    texts are bad.
    """
    if values.empty:
        return ParsedNumbers(
            pd.Series([], dtype="Int64", index=values.index), pd.Series([], dtype=bool, index=values.index)
        )
    if values.dtype == object or pd.api.types.is_float_dtype(values.dtype):
        values = values.map(_number_cell_text, na_action="ignore")
    text = values.astype("string").fillna("").str.strip()
    blank = mask(text == "")
    plain = mask(text.str.fullmatch(rf"-?[0-9]{{1,{MAX_INTEGER_DIGITS}}}(?:\.[0-9]{{1,{SCALE}}})?"))
    if decimal == "." and (plain | blank).all():  # the common case: no normalising
        fast = _arrow_units(text, blank)
        if fast is not None:
            return ParsedNumbers(fast, pd.Series(False, index=values.index))
        negative = mask(text.str.startswith("-"))
        text = text.str.lstrip("-")
    else:
        text, negative = _normalise(text, decimal)
    shape_ok = mask(text.str.fullmatch(rf"[0-9]{{1,{MAX_INTEGER_DIGITS}}}(?:\.[0-9]*)?|\.[0-9]+")) & ~blank
    integer = text.str.replace(r"\..*$", "", regex=True)
    fraction = text.str.replace(r"^[^.]*\.?", "", regex=True).str.rstrip("0")
    good = shape_ok & mask(fraction.str.len() <= SCALE)
    integer = integer.where(good & mask(integer != ""), "0")
    fraction = (fraction.where(good, "") + "0" * SCALE).str.slice(0, SCALE)
    units = integer.astype("int64").to_numpy() * 10**SCALE + fraction.astype("int64").to_numpy()
    units = np.where(negative.to_numpy(dtype=bool), -units, units)
    result = pd.Series(units, index=values.index, dtype="Int64").where(good.to_numpy(), pd.NA)
    return ParsedNumbers(result, ~blank & ~good)


def _arrow_units(text: pd.Series, blank: pd.Series) -> pd.Series | None:
    """Plain numbers through Arrow's exact decimal cast (about 20x faster); None without pyarrow."""
    found = accel.arrow()
    if found is None:
        return None
    pa, pc = found
    array = pa.array(text.to_numpy(dtype=object), pa.string()) if text.dtype == object else pa.array(text.array)
    decimals = pc.cast(
        pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array),
        pa.decimal128(MAX_INTEGER_DIGITS + SCALE, SCALE),
    )
    scaled = pc.multiply(decimals, pa.scalar(10**SCALE, pa.decimal128(SCALE + 1, 0)))
    units = pc.cast(pc.cast(scaled, pa.decimal128(38, 0)), pa.int64())
    out = pd.Series(pc.fill_null(units, 0).to_numpy(), index=text.index, dtype="Int64")
    return out.where(~blank.to_numpy(), pd.NA)


def parse_whole_numbers(values: pd.Series) -> pd.Series | None:
    """The fast path for a column of plain whole numbers (line numbers): None when it is not one."""
    if len(values) > 10_000 and values.dtype != object:  # line numbers repeat: read each distinct text once
        codes, distinct = pd.factorize(values, use_na_sentinel=False)
        parsed = parse_whole_numbers(pd.Series(distinct))
        return None if parsed is None else pd.Series(parsed.array.take(codes), index=values.index)
    text = values.astype("string").fillna("").str.strip()
    digits = mask(text.str.fullmatch(r"[0-9]{1,15}"))
    blank = mask(text == "")
    if not (digits | blank).all():
        return None
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    if digits.any():
        out[digits] = text[digits].astype("int64").to_numpy()
    return out


def _normalise(text: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    """Strip currency signs, spaces and thousands separators; read the sign; decimal mark to '.'."""
    thousands = "." if decimal == "," else ","
    text = text.str.replace(r"[\s\u00a0\u202f'’$€£¥]", "", regex=True)
    text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    negative = mask(
        text.str.startswith("-") | text.str.endswith("-") | (text.str.startswith("(") & text.str.endswith(")"))
    )
    return text.str.replace(r"^[-+(]+|[-)]+$", "", regex=True), negative


def _number_cell_text(value: object) -> object:
    if isinstance(value, bool):
        return "x"  # a TRUE/FALSE cell is not an amount
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "x"
        # Excel keeps 15 significant digits: read the value a person sees in the cell.
        return format(value, ".15g") if "e" not in format(value, ".15g") else format(value, "f")
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, dt.date):
        return "x"
    return value


class PercentValue(float):
    """A number cell that Excel shows as a percentage: 0.6 in a cell formatted ``0%`` shows ``60%``.

    The sheet adapters deliver such a cell as this float subclass (its value is still 0.6), so that
    a column whose unit is the percent (an allocation Share, MaterialityPercent) reads 60, not 0.6.
    """


class AmbiguousNumber(ValueError):
    """A number text that reads as two different numbers (``2,500``: 2500 or 2.5)."""


_MARKS_OUT = re.compile(r"[\s\u00a0\u202f'’$€£¥]")


def number_mark(text: str) -> str:
    """The decimal mark one number text shows by itself [CK]: ``","`` or ``"."``; ``""`` when it
    has no mark; ``"?"`` when one mark could be either (``2,500``, ``1.085``: one mark followed by
    exactly three digits after a group of one to three digits other than 0).

    Evidence, as for a column (:func:`detect_decimal_separator`): both marks (the last one is the
    decimal mark); a mark repeated (``1.234.567``: thousands, so the other is the decimal mark); one
    mark not followed by exactly three digits, or after a ``0`` or more than three digits.
    """
    core = _MARKS_OUT.sub("", text).strip("+-()%")
    commas, dots = core.count(","), core.count(".")
    if commas and dots:
        return "," if core.rfind(",") > core.rfind(".") else "."
    if not commas and not dots:
        return ""
    mark = "," if commas else "."
    if commas + dots > 1:
        return "." if mark == "," else ","
    whole, _, fraction = core.partition(mark)
    if len(fraction) != 3 or not whole.isdigit() or len(whole) > 3 or whole.lstrip("0") == "":
        return mark
    return "?"


def parse_number_text(text: str, decimal: str | None = None) -> Decimal:
    """One number typed as text, as :func:`parse_numbers` reads a column, to an exact Decimal (any
    number of decimals: exchange rates have more than :data:`SCALE`).

    The cell's own marks decide (:func:`number_mark`); a cell that could be read two ways is read
    with ``decimal``, the mark of the sheet or workbook it comes from, and raises
    :class:`AmbiguousNumber` when that is not known. ValueError when the text is no number.
    """
    mark = number_mark(text)
    if mark == "?":
        if decimal not in (",", "."):
            raise AmbiguousNumber(text)
        mark = decimal
    mark = mark or "."
    thousands = "," if mark == "." else "."
    core = _MARKS_OUT.sub("", text)
    negative = core.startswith("-") or core.endswith("-") or (core.startswith("(") and core.endswith(")"))
    core = re.sub(r"^[-+(]+|[-)]+$", "", core) if core.count("(") <= 1 and core.count("-") <= 1 else "x"
    whole, point, fraction = core.partition(mark)
    if thousands in whole and not re.fullmatch(r"[0-9]{1,3}(?:" + re.escape(thousands) + r"[0-9]{3})+", whole):
        raise ValueError(text)  # 12.34.567: not a grouping anyone writes
    digits = whole.replace(thousands, "") + ("." + fraction if point else "")
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+", digits):
        raise ValueError(text)
    number = Decimal(digits)
    return -number if negative else number


def units_to_minor(parsed: ParsedNumbers, exponents: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Scale parsed units to each line's minor units; mask where the value has too many decimals."""
    exps = exponents.astype("int64").to_numpy()
    divisor = 10 ** (SCALE - exps)
    units = parsed.units
    filled = units.fillna(0).astype("int64").to_numpy()
    too_precise = (filled % divisor != 0) & units.notna().to_numpy()
    minor = pd.Series(filled // divisor, index=units.index, dtype="Int64")
    minor = minor.where(units.notna().to_numpy() & ~too_precise, pd.NA)
    return minor, pd.Series(too_precise, index=units.index)


# ----------------------------------------------------------------------------------------- dates

#: User-facing date format names (Sources DateFormat) and their strptime patterns.
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD.MM.YYYY": "%d.%m.%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD/MM/YYYY": "%d/%m/%Y",
    "DD-MM-YYYY": "%d-%m-%Y",
    "YYYYMMDD": "%Y%m%d",
    "DD.MM.YY": "%d.%m.%y",
    "MM/DD/YY": "%m/%d/%y",
    "DD/MM/YY": "%d/%m/%y",
    "YYYY/MM/DD": "%Y/%m/%d",
}
#: Detection order: the first format that reads the most cells wins; MM/DD beats DD/MM on a tie.
_DETECT_ORDER = [
    "YYYY-MM-DD",
    "DD.MM.YYYY",
    "MM/DD/YYYY",
    "DD/MM/YYYY",
    "DD-MM-YYYY",
    "YYYYMMDD",
    "YYYY/MM/DD",
    "DD.MM.YY",
    "MM/DD/YY",
    "DD/MM/YY",
]
_TIME_SUFFIX = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Day 0 of a workbook in the 1904 date system (``<workbookPr date1904="1"/>``, old Mac Excel):
#: its serial numbers are 1,462 days less than the same day's in the 1900 system.
_EXCEL_EPOCH_1904 = pd.Timestamp("1904-01-01")
_FIRST_DAY, _LAST_DAY = pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11")
_LAST_SERIAL = (_LAST_DAY - _EXCEL_EPOCH).days  # serial numbers beyond are bad dates too
_LAST_SERIAL_1904 = (_LAST_DAY - _EXCEL_EPOCH_1904).days


def normalise_date_format(name: str) -> str | None:
    """The canonical name of a DateFormat setting (``dd.mm.yyyy`` -> ``DD.MM.YYYY``), or None."""
    key = name.strip().upper().replace("JJJJ", "YYYY").replace("TT", "DD")
    return key if key in DATE_FORMATS else None


def parse_dates(
    values: pd.Series, date_format: str | None = None, *, date1904: bool = False
) -> tuple[pd.Series, pd.Series, str | None]:
    """Parse a date column; return (dates as datetime64 at midnight, bad mask, format used).

    Date cells (from XLSX) are taken as they are; numbers in an XLSX column are Excel serial days,
    counted from 1904-01-01 when ``date1904`` (the workbook's date system), else from 1899-12-30;
    texts are read with ``date_format`` when given, else with the format that reads the most cells.
    A time of day after the date is ignored. A serial or date the ledger cannot hold (before
    1677-09-22, after 2262-04-11, not a whole day's number) is bad, like an unreadable text.
    """
    index = values.index
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if values.empty:
        return result, pd.Series(False, index=index), date_format
    if values.dtype != object and len(values) > 10_000:
        return _parse_distinct_dates(values, date_format)
    is_object = values.dtype == object
    whole = _whole_column_dates(values) if is_object else None
    if whole is not None:  # date cells only (an XLSX date column): converted at once
        return whole, pd.Series(False, index=index), date_format
    if is_object:
        typed = values.map(_date_cell_1904 if date1904 else _date_cell, na_action="ignore")
        got = mask(typed.map(lambda v: isinstance(v, pd.Timestamp), na_action="ignore"))
        if got.any():
            result[got] = pd.to_datetime(typed[got].tolist()).normalize()
        texts = as_text(values.where(~got, ""))
    else:
        texts = as_text(values)
    blank = mask(texts == "")
    texts = texts.str.replace(_TIME_SUFFIX, "", regex=True)
    todo = ~blank & result.isna()
    used = date_format
    if todo.any():
        candidates = texts[todo]
        if date_format is None:
            used = _detect_format(candidates)
        parsed = pd.to_datetime(candidates, format=DATE_FORMATS[used], errors="coerce")
        parsed = parsed.where((parsed >= _FIRST_DAY) & (parsed <= _LAST_DAY))  # 9999-12-31: a bad date
        result[todo] = parsed.astype("datetime64[ns]").to_numpy()
    return result, ~blank & result.isna().to_numpy(), used


def _whole_column_dates(values: pd.Series) -> pd.Series | None:
    """An object column of date/datetime cells (blanks allowed) as midnight datetime64, or None
    when it holds anything else or a date the ledger cannot hold (the per-cell path decides)."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in ("date", "datetime", "datetime64"):
        return None
    try:
        stamps = pd.to_datetime(values, errors="raise")
    except (ValueError, OverflowError, TypeError):
        return None
    if getattr(stamps.dtype, "tz", None) is not None:
        return None
    filled = stamps.dropna()
    if len(filled) and (filled.min() < _FIRST_DAY or filled.max() > _LAST_DAY):
        return None
    return stamps.dt.normalize().astype("datetime64[ns]")


def _parse_distinct_dates(values: pd.Series, date_format: str | None) -> tuple[pd.Series, pd.Series, str | None]:
    """:func:`parse_dates` for a long text column: each distinct text is parsed once (a ledger has
    a few hundred dates over a million lines). Same results, format detection included."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    texts = as_text(pd.Series(distinct)).str.replace(_TIME_SUFFIX, "", regex=True)
    blank = (texts == "").to_numpy()
    used = date_format
    if used is None and not blank.all():
        filled = codes[~blank[codes]]  # the lines' texts in order, for the same sample as line by line
        used = _detect_format(
            texts.take(filled[:2000]).reset_index(drop=True),
            counts=lambda fmt: int(np.bincount(filled, minlength=len(texts))[_readable(texts, fmt)].sum()),
        )
    parsed = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    if not blank.all():
        read = pd.to_datetime(texts[~blank], format=DATE_FORMATS[used], errors="coerce")
        parsed[~blank] = read.where((read >= _FIRST_DAY) & (read <= _LAST_DAY)).astype("datetime64[ns]").to_numpy()
    result = pd.Series(parsed.to_numpy()[codes], index=values.index)
    bad = pd.Series((~blank & parsed.isna().to_numpy())[codes], index=values.index)
    return result, bad, used


def _readable(texts: pd.Series, fmt: str) -> np.ndarray:
    return pd.to_datetime(texts, format=DATE_FORMATS[fmt], errors="coerce").notna().to_numpy()


def _date_cell(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, OverflowError):
            return "x"
        # A date the ledger's datetime64[ns] cannot hold (before 1677, after 2262: 9999-12-31 "valid
        # until" cells) is a bad date, not a crash.
        return stamp if _FIRST_DAY <= stamp.tz_localize(None) <= _LAST_DAY else "x"
    if isinstance(value, float | int) and not isinstance(value, bool) and 1 <= value < _LAST_SERIAL:
        return _EXCEL_EPOCH + pd.Timedelta(days=int(value))
    return value


def _date_cell_1904(value: object) -> object:
    """:func:`_date_cell` in a workbook of the 1904 date system: serial 0 is 1904-01-01."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _EXCEL_EPOCH_1904 + pd.Timedelta(days=int(value)) if 0 <= value < _LAST_SERIAL_1904 else value
    return _date_cell(value)


def _detect_format(texts: pd.Series, counts=None) -> str:
    """The format reading the most of the first 2000 texts; ``counts(format)`` counts the lines a
    format reads in the whole column (by default: in ``texts``)."""
    sample = texts.head(2000)
    best, best_count = _DETECT_ORDER[0], -1
    for name in _DETECT_ORDER:
        count = int(pd.to_datetime(sample, format=DATE_FORMATS[name], errors="coerce").notna().sum())
        if count > best_count:
            best, best_count = name, count
    if best in ("MM/DD/YYYY", "DD/MM/YYYY"):  # the sample may not show a day above 12
        count = counts or (lambda fmt: int(_readable(texts, fmt).sum()))
        best = "DD/MM/YYYY" if count("DD/MM/YYYY") > count("MM/DD/YYYY") else "MM/DD/YYYY"
    return best


# -------------------------------------------------------------------------------------- yes / no


def parse_yes_no(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/No cells (Yes/No, Y/N, True/False, 1/0, Ja/Nee, Oui/Non) to a nullable boolean.

    Returns (booleans with NA for blank, mask of cells that are none of those).
    """
    text = as_text(values).str.lower()
    yes = mask(text.isin(YES))
    no = mask(text.isin(NO))
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[yes] = True
    out[no] = False
    return out, mask(text != "") & ~yes & ~no


def yes_no(value: object, default: bool | None = None) -> bool | None:
    """One Yes/No cell; ``default`` for a blank one; ValueError for anything else."""
    if value is None or (isinstance(value, float) and value != value):
        return default
    if isinstance(value, bool):
        return value
    text = _cell_text(value).strip().lower()
    if text == "":
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"{value!r} is not Yes or No")


def split_list(value: object, separators: str = ",;") -> list[str]:
    """A comma (or semicolon) list cell as a list of stripped, non-empty names."""
    text = "" if value is None else str(_cell_text(value))
    return [part.strip() for part in re.split(f"[{re.escape(separators)}]", text) if part.strip()]
