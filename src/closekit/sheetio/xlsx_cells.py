"""Set individual cells of an existing worksheet by text surgery on its ``<sheetData>``.

Used by :mod:`closekit.sheetio.xlsx_package` to tick an input sheet (the Checklist's Status,
Completed and Notes cells) in the same atomic write as the output sheets. Only the ``<row>``
elements that hold a changed cell are rebuilt, and inside them only the changed ``<c>`` elements;
every other byte of the part (other rows and cells, column widths, data validation, conditional
formats, the legacy drawing of comments, extensions) stays as it was. Namespace prefixes
(``<x:c>``), self-closing rows and cells, and rows or cells without an ``r`` attribute are handled.

* A written cell keeps its ``s`` (style) and loses its formula, cached value and type. Texts are
  inline strings (never formulas), numbers keep their exact digits, dates become serial numbers.
* A cell that does not exist is inserted in column order, in a new ``<row>`` (in row order) if
  needed; it takes the row's or the column's style as Excel would, and ``<dimension>`` widens.
* The master cell of a shared formula hands the formula over to the next cell of its group, so
  the other cells keep working. Cells inside a multi-cell array formula or data table are refused.

The functions here are pure (text in, text out); styles are decided by a ``style_of`` callback,
normally :meth:`CellStyles.style_of`, which may append cell formats to ``styles.xml``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from closekit.sheetio import xlsx_sheet as xs
from closekit.sheetio import xlsx_styles as st
from closekit.sheetio.base import MAX_COLUMNS, MAX_ROWS, a1

__all__ = ["CellStyles", "CellUpdateError", "CellUpdateResult", "is_date_format", "parse_ref", "update_cells"]

#: style_of(kind, existing s or None) -> s to write (None: no s attribute). Kinds: text, hash (a
#: SHA-256 in hex: text), number, bool, error, date, datetime, clear.
StyleOf = Callable[[str, "str | None"], "str | None"]

_HASH = re.compile(r"[0-9a-fA-F]{64}")  # a SHA-256 (the Checklist's sign-off hashes)
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_ATTR = re.compile(r"""(\s+)([\w.:-]+)(\s*=\s*)("[^"]*"|'[^']*')""")
_VALUE_ATTRS = ("t", "cm", "vm")  # type, cell metadata (dynamic arrays), value metadata: go with the value
_BLOCK_KINDS = ("array", "dataTable")


class CellUpdateError(Exception):
    """The sheet cannot be changed as asked (e.g. the cell is part of an array formula); the message
    is one sentence fragment naming the cell, for an accountant."""


class CellUpdateResult(NamedTuple):
    xml: str
    #: Cells (A1, upper case) whose formula was removed: their calcChain entries must go.
    formulas_removed: list[str]


# ============================================================================ references
def parse_ref(ref: str) -> tuple[int, int]:
    """(row, column), 1-based, of an A1 reference such as ``F3``, ``f3`` or ``$F$3``."""
    m = _REF.fullmatch(ref) if isinstance(ref, str) else None
    if m is None:
        raise ValueError(f"{ref!r} is not a cell reference such as 'F3'")
    column = 0
    for ch in m[1].upper():
        column = column * 26 + ord(ch) - 64
    row = int(m[2])
    if not (1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
        raise ValueError(f"{ref!r} is outside an Excel sheet")
    return row, column


def _range(ref: str) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of ``A1`` or ``A1:C9``; None when it is not a cell range."""
    try:
        corners = [parse_ref(p) for p in ref.split(":")]
    except ValueError:
        return None
    if len(corners) not in (1, 2):
        return None
    (r1, c1), (r2, c2) = corners[0], corners[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _range_text(top: int, left: int, bottom: int, right: int) -> str:
    first, last = a1(top, left), a1(bottom, right)
    return first if first == last else f"{first}:{last}"


# ============================================================================ values
@dataclass(frozen=True)
class _Value:
    kind: str  # text, hash, number, bool, error, date, datetime, clear
    t: str | None  # the cell's t attribute
    content: str = ""  # XML-escaped: the <v> text, or for text the inline string

    def body(self, p: str) -> str:
        """The cell's children, with the namespace prefix ``p`` (e.g. ``x:``)."""
        if self.kind in ("text", "hash"):
            return f'<{p}is><{p}t xml:space="preserve">{self.content}</{p}t></{p}is>'
        return f"<{p}v>{self.content}</{p}v>"


def _is_missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, np.datetime64):
        return bool(np.isnat(v))
    if isinstance(v, decimal.Decimal):
        return v.is_nan()
    return isinstance(v, float | np.floating) and math.isnan(v)


def _value(v: object, date1904: bool) -> _Value:
    """What a Python value becomes in a cell (the rules of output sheets, see xlsx_sheet)."""
    if _is_missing(v):
        return _Value("clear", None)
    if isinstance(v, bool | np.bool_):
        return _Value("bool", "b", str(int(bool(v))))
    if isinstance(v, int | np.integer | float | np.floating | decimal.Decimal):
        try:
            ok = abs(float(v)) < 1e308
        except (OverflowError, ValueError):
            ok = False
        if not ok:  # infinity: Excel cannot hold it
            return _Value("error", "e", "#NUM!")
        return _Value("number", None, xs._number_text(v))
    if isinstance(v, dt.date | np.datetime64):
        serial = xs._serial(v, date1904)
        if serial is not None:
            ts = pd.Timestamp(v).tz_localize(None)
            kind = "date" if ts == ts.normalize() else "datetime"
            digits = str(int(serial)) if float(serial).is_integer() else xs._number_text(round(serial, 10))
            return _Value(kind, None, digits)
    text = v if isinstance(v, str) else xs._to_text(v)
    escaped = str(xs._escape(pd.Series([text], dtype=object)).iloc[0])
    return _Value("hash" if _HASH.fullmatch(text) else "text", "inlineStr", escaped)


# ============================================================================ XML pieces
@dataclass
class _Cell:
    row: int
    col: int
    start: int  # offsets in the row's inner text
    end: int
    p: str
    attrs: str
    body: str | None  # None: self-closing
    explicit: bool  # has an r attribute

    @property
    def ref(self) -> str:
        return a1(self.row, self.col)

    def formula(self) -> tuple[re.Match[str], dict[str, str], str] | None:
        """(match in body, attributes, unescaped text) of the cell's <f>, if any."""
        m = st.element_re("f").search(self.body or "")
        if m is None:
            return None
        rest = m.group(0)[len(m["p"]) + 2 + len(m["a"]) :]
        text = "" if rest.startswith("/>") else rest[1 : rest.rindex("<")]
        return m, st.tag_attrs(m["a"]), html.unescape(text)


@dataclass
class _Row:
    num: int
    start: int  # offsets in the sheet text
    end: int
    tag_end: int  # just after the start tag's attributes (at its ">" or "/>")
    p: str
    attrs: str
    inner: str | None  # None: self-closing

    @property
    def explicit(self) -> bool:
        return "r" in st.tag_attrs(self.attrs)

    def cells(self) -> list[_Cell]:
        out: list[_Cell] = []
        col = 0
        for m in st.element_re("c").finditer(self.inner or ""):
            ref = st.tag_attrs(m["a"]).get("r")
            if ref is not None:
                try:
                    row, col = parse_ref(ref)
                except ValueError:
                    raise CellUpdateError(f"the cell reference {ref!r} in row {self.num} is not valid") from None
                if row != self.num:
                    raise CellUpdateError(f"cell {ref} is stored in row {self.num}")
            else:
                col += 1
            text = m.group(0)
            head = len(m["p"]) + 2 + len(m["a"])
            body = None if text.startswith("/>", head) else text[head + 1 : text.rindex("<")]
            out.append(_Cell(self.num, col, m.start(), m.end(), m["p"], m["a"], body, ref is not None))
        return out


def _edit_attrs(attrs: str, changes: Mapping[str, str | None]) -> str:
    """Set (value) or remove (None) attributes in a start tag's attribute text. The others keep
    their text and order; new ones are appended (a new ``r`` goes first, then ``s`` before ``t``)."""
    parts = [(m[2], m[0]) for m in _ATTR.finditer(attrs)]
    if "".join(text for _, text in parts) != attrs.rstrip():
        raise CellUpdateError(f"the attributes {attrs.strip()!r} cannot be read")
    quoted = {n: f' {n}="{st.attr(v)}"' for n, v in changes.items() if v is not None}
    kept = [quoted.get(n, text) for n, text in parts if n not in changes or n in quoted]
    names = {n for n, _ in parts}
    added = sorted((n for n in quoted if n not in names), key=lambda n: {"r": 0, "s": 1, "t": 2}.get(n, 3))
    if added and added[0] == "r":
        return quoted["r"] + "".join(kept + [quoted[n] for n in added[1:]])
    return "".join(kept + [quoted[n] for n in added])


def _splice(text: str, edits: list[tuple[int, int, int, str]]) -> str:
    """Apply non-overlapping (start, end, order, replacement) edits; equal starts go by order."""
    pieces, at = [], 0
    for start, end, _, new in sorted(edits, key=lambda e: (e[0], e[2])):
        if start < at:
            raise AssertionError("overlapping edits")
        pieces += [text[at:start], new]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _sheet_data(text: str) -> tuple[re.Match[str], int, int, bool]:
    """The <sheetData> element, the span of its content, and whether it is self-closing."""
    m = st.element_re("sheetData").search(text)
    if m is None:
        raise CellUpdateError("the sheet has no cell data (sheetData) element")
    head = m.start() + len(m["p"]) + 10 + len(m["a"])
    if text.startswith("/>", head):
        return m, m.end(), m.end(), True
    return m, head + 1, text.rindex("<", m.start(), m.end()), False


def _rows(text: str, lo: int, hi: int) -> list[_Row]:
    rows: list[_Row] = []
    num = 0
    for m in st.element_re("row").finditer(text, lo, hi):
        r = st.tag_attrs(m["a"]).get("r")
        if r is not None:
            if not r.isdigit() or not 1 <= int(r) <= MAX_ROWS:
                raise CellUpdateError(f"the row number {r!r} is not valid")
            num = int(r)
        else:
            num += 1
        tag_end = m.start() + len(m["p"]) + 4 + len(m["a"])
        inner = None if text.startswith("/>", tag_end) else text[tag_end + 1 : text.rindex("<", m.start(), m.end())]
        rows.append(_Row(num, m.start(), m.end(), tag_end, m["p"], m["a"], inner))
    return rows


def _col_styles(text: str, before: int) -> list[tuple[int, int, str]]:
    """(min, max, style) of the <col> entries (column formats), which precede sheetData."""
    out = []
    for m in st.element_re("col").finditer(text, 0, before):
        a = st.tag_attrs(m["a"])
        if a.get("min", "").isdigit() and a.get("max", "").isdigit() and a.get("style"):
            out.append((int(a["min"]), int(a["max"]), a["style"]))
    return out


def _widen_spans(spans: str, col: int) -> str | None:
    """A row's ``spans`` hint widened to cover ``col``; None when it already does."""
    bounds = [(int(a), int(b)) for a, b in re.findall(r"(\d+):(\d+)", spans)]
    if not bounds or any(lo <= col <= hi for lo, hi in bounds):
        return None
    return f"{min(col, *(b[0] for b in bounds))}:{max(col, *(b[1] for b in bounds))}"


# ============================================================================ the edit
def update_cells(
    sheet_xml: str, updates: Mapping[str, object], style_of: StyleOf | None = None, date1904: bool = False
) -> CellUpdateResult:
    """Write ``updates`` (A1 reference -> value) into the text of a worksheet part.

    Values: str (inline string, never a formula), int, float, Decimal (exact digits), bool,
    date/datetime (serial number; 1904 system when ``date1904``), None (clears the value and keeps
    the style). ``style_of(kind, existing)`` picks the ``s`` attribute (default: keep the existing
    one). Raises ValueError for a bad or repeated reference, CellUpdateError when the sheet cannot
    be changed as asked.
    """
    style_of = style_of or (lambda kind, existing: existing)
    wanted: dict[tuple[int, int], _Value] = {}
    for ref, v in updates.items():
        key = parse_ref(ref)
        if key in wanted:
            raise ValueError(f"cell {a1(*key)} is given more than once")
        wanted[key] = _value(v, date1904)
    if not wanted:
        return CellUpdateResult(sheet_xml, [])
    sd, lo, hi, closed = _sheet_data(sheet_xml)
    region = sheet_xml[lo:hi]
    if "<!--" in region or "<![CDATA[" in region or "<?" in region:
        raise CellUpdateError("the sheet's cells contain XML comments or CDATA sections, which closekit does not edit")
    rows = _rows(sheet_xml, lo, hi)
    by_num: dict[int, _Row] = {}
    for row in rows:
        by_num.setdefault(row.num, row)  # a repeated row number (invalid): the first one counts
    _refuse_blocks(rows, region, wanted)

    touched: dict[int, dict[int, _Value]] = {}
    for (r, c), val in sorted(wanted.items()):
        touched.setdefault(r, {})[c] = val
    targets = {a1(*k) for k in wanted}
    removed: list[str] = []
    handover: dict[int, dict[int, str]] = {}  # row -> column -> new <f> element (shared formula's new master)
    for num, values in touched.items():
        for cell in by_num[num].cells() if num in by_num else []:
            f = cell.formula() if cell.col in values else None
            if f is None:
                continue
            removed.append(cell.ref)
            if f[1].get("t") == "shared" and f[1].get("ref") and f[2].strip():
                for (r, c), tag in _hand_over(rows, cell, f[1], f[2], targets).items():
                    handover.setdefault(r, {})[c] = tag
    for num in handover:
        touched.setdefault(num, {})

    col_styles = _col_styles(sheet_xml, sd.start())
    edits: list[tuple[int, int, int, str]] = []
    inserted = False
    for order, num in enumerate(sorted(touched)):
        row = by_num.get(num)
        if row is not None:
            edits.append(
                (
                    row.start,
                    row.end,
                    order,
                    _rebuild_row(row, touched[num], handover.get(num, {}), col_styles, style_of),
                )
            )
            continue
        p = sd["p"]
        cells = "".join(
            _new_cell(p, num, c, v, _inherited(None, c, col_styles), style_of)
            for c, v in sorted(touched[num].items())
            if v.kind != "clear"
        )
        if cells:
            before = [r for r in rows if r.num < num]
            at = before[-1].end if before else lo
            edits.append((at, at, order, f'<{p}row r="{num}">{cells}</{p}row>'))
            inserted = True
    if inserted:  # rows without r after an inserted row would be renumbered: number them
        rebuilt = {e[0] for e in edits if e[1] > e[0]}
        edits += [
            (r.start, r.tag_end, len(touched) + i, f"<{r.p}row{_edit_attrs(r.attrs, {'r': str(r.num)})}")
            for i, r in enumerate(rows)
            if not r.explicit and r.start not in rebuilt
        ]
    if not edits:
        return CellUpdateResult(sheet_xml, removed)
    if closed:  # <sheetData/>: only new rows, all at its end
        p, content = sd["p"], "".join(e[3] for e in sorted(edits, key=lambda e: e[2]))
        text = f"{sheet_xml[: sd.start()]}<{p}sheetData{sd['a']}>{content}</{p}sheetData>{sheet_xml[sd.end() :]}"
    else:
        text = _splice(sheet_xml, edits)
    written = [k for k, v in wanted.items() if v.kind != "clear"]
    return CellUpdateResult(_widen_dimension(text, written), removed)


def _refuse_blocks(rows: list[_Row], region: str, wanted: Mapping[tuple[int, int], _Value]) -> None:
    """Excel changes multi-cell array formulas and data tables only as a whole."""
    if not re.search(r"""\st\s*=\s*["'](?:array|dataTable)["']""", region):
        return
    for row in rows:
        for cell in row.cells() if row.inner and "<" in row.inner else []:
            f = cell.formula()
            if f is None or f[1].get("t") not in _BLOCK_KINDS or not (bounds := _range(f[1].get("ref", ""))):
                continue
            top, left, bottom, right = bounds
            if (top, left) == (bottom, right):
                continue
            hit = next((a1(r, c) for r, c in wanted if top <= r <= bottom and left <= c <= right), None)
            if hit:
                what = "array formula" if f[1]["t"] == "array" else "data table"
                raise CellUpdateError(
                    f"cell {hit} is part of the {what} in {f[1]['ref']}, which Excel only changes "
                    f"as a whole; remove the {what} first"
                )


def _hand_over(
    rows: list[_Row], master: _Cell, attrs: dict[str, str], formula: str, targets: set[str]
) -> dict[tuple[int, int], str]:
    """The master cell of a shared formula is overwritten: the first other cell of the group becomes
    the master, with the formula translated to its position and a ``ref`` covering the group."""
    si, bounds = attrs.get("si"), _range(attrs.get("ref", ""))
    group: list[tuple[_Cell, re.Match[str]]] = []
    for row in rows:
        if not row.inner or "si" not in row.inner or (bounds and not bounds[0] <= row.num <= bounds[2]):
            continue
        for cell in row.cells():
            f = cell.formula()
            if (
                f
                and f[1].get("t") == "shared"
                and f[1].get("si") == si
                and cell.ref not in targets
                and (cell.row, cell.col) != (master.row, master.col)
            ):
                group.append((cell, f[0]))
    if not group:
        return {}
    from openpyxl.formula.translate import Translator, TranslatorError

    first, m = group[0]
    try:
        moved = Translator("=" + formula, origin=master.ref).translate_formula(first.ref)[1:]
    except (TranslatorError, ValueError) as e:
        raise CellUpdateError(f"the shared formula of cell {master.ref} cannot be moved to {first.ref} ({e})") from e
    cells = [c for c, _ in group]
    ref = _range_text(
        min(c.row for c in cells), min(c.col for c in cells), max(c.row for c in cells), max(c.col for c in cells)
    )
    escaped = moved.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {(first.row, first.col): f"<{m['p']}f{_edit_attrs(m['a'], {'ref': ref})}>{escaped}</{m['p']}f>"}


def _inherited(row: _Row | None, col: int, col_styles: list[tuple[int, int, str]]) -> str | None:
    """The style Excel gives a new cell: the row's (when customFormat), else the column's."""
    if row is not None:
        a = st.tag_attrs(row.attrs)
        if a.get("customFormat", "0").lower() in ("1", "true") and a.get("s"):
            return a["s"]
    return next((s for lo, hi, s in col_styles if lo <= col <= hi), None)


def _new_cell(p: str, row: int, col: int, val: _Value, inherited: str | None, style_of: StyleOf) -> str:
    s = style_of(val.kind, inherited)
    attrs = f' r="{a1(row, col)}"' + (f' s="{s}"' if s else "") + (f' t="{val.t}"' if val.t else "")
    return f"<{p}c{attrs}>{val.body(p)}</{p}c>"


def _rewrite_cell(cell: _Cell, val: _Value, style_of: StyleOf) -> str:
    s = style_of(val.kind, st.tag_attrs(cell.attrs).get("s"))
    changes: dict[str, str | None] = dict.fromkeys(_VALUE_ATTRS)
    changes.update(s=s or None, t=val.t)
    if not cell.explicit:
        changes["r"] = cell.ref
    attrs, p = _edit_attrs(cell.attrs, changes), cell.p
    if val.kind == "clear":
        return f"<{p}c{attrs}/>"
    return f"<{p}c{attrs}>{val.body(p)}</{p}c>"


def _rebuild_row(
    row: _Row,
    values: dict[int, _Value],
    handover: dict[int, str],
    col_styles: list[tuple[int, int, str]],
    style_of: StyleOf,
) -> str:
    """The row with its changed cells rewritten and new ones inserted in column order; every other
    cell keeps its text (cells without ``r`` get one, so that inserted cells cannot shift them)."""
    inner = row.inner or ""
    cells = row.cells()
    p = cells[0].p if cells else row.p
    edits: list[tuple[int, int, int, str]] = []
    present: set[int] = set()
    for cell in cells:
        if cell.col in present:
            continue  # a repeated cell (invalid file): left alone
        present.add(cell.col)
        if cell.col in values:
            edits.append((cell.start, cell.end, cell.col, _rewrite_cell(cell, values[cell.col], style_of)))
        elif cell.col in handover:
            m = st.element_re("f").search(cell.body or "")
            body = f"{cell.body[: m.start()]}{handover[cell.col]}{cell.body[m.end() :]}"
            attrs = _edit_attrs(cell.attrs, {} if cell.explicit else {"r": cell.ref})
            edits.append((cell.start, cell.end, cell.col, f"<{cell.p}c{attrs}>{body}</{cell.p}c>"))
        elif not cell.explicit:
            head = cell.start + len(cell.p) + 2
            edits.append((cell.start, head, cell.col, f'<{cell.p}c r="{cell.ref}"'))
    changes: dict[str, str | None] = {} if row.explicit else {"r": str(row.num)}
    spans = st.tag_attrs(row.attrs).get("spans")
    for col, val in sorted(values.items()):
        if col in present or val.kind == "clear":
            continue
        before = [c for c in cells if c.col < col]
        at = before[-1].end if before else 0
        edits.append((at, at, col, _new_cell(p, row.num, col, val, _inherited(row, col, col_styles), style_of)))
        if spans and (wider := _widen_spans(spans, col)):
            spans = changes["spans"] = wider
    attrs = _edit_attrs(row.attrs, changes) if changes else row.attrs
    new_inner = _splice(inner, edits)
    if row.inner is None and not new_inner:
        return f"<{row.p}row{attrs}/>"
    return f"<{row.p}row{attrs}>{new_inner}</{row.p}row>"


def _widen_dimension(text: str, written: list[tuple[int, int]]) -> str:
    """Widen ``<dimension ref>`` (the used range) to cover the written cells; never narrow it."""
    m = st.element_re("dimension").search(text)
    bounds = _range(st.tag_attrs(m["a"]).get("ref", "")) if m else None
    if bounds is None or not written:
        return text
    rows, cols = [r for r, _ in written], [c for _, c in written]
    top, left, bottom, right = bounds
    wider = (min(top, *rows), min(left, *cols), max(bottom, *rows), max(right, *cols))
    if wider == bounds:
        return text
    tag = f"<{m['p']}dimension{_edit_attrs(m['a'], {'ref': _range_text(*wider)})}"
    return f"{text[: m.start()]}{tag}{m.group(0)[len(m['p']) + 10 + len(m['a']) :]}{text[m.end() :]}"


# ============================================================================ styles
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)])


def is_date_format(num_fmt_id: int, code: str | None) -> bool:
    """Whether a number format shows a date or time (built-in id, or a format code with d/m/y/h/s
    outside quoted text, escapes and [colour]/[$-locale] brackets)."""
    if code is None:
        return num_fmt_id in _DATE_FORMAT_IDS
    section = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    section = re.sub(r"\[(?![hms]+\])[^\]]*\]", "", section, flags=re.I).split(";")[0]
    return bool(re.search(r"[dmyhs]", section, re.I))


class CellStyles:
    """Chooses the ``s`` of written cells against a ``styles.xml`` and appends the formats it needs
    (by text insertion, like :func:`xlsx_styles.add_styles`). ``data`` is the current part
    (None: the workbook has none yet; one is created when a format is needed)."""

    def __init__(self, data: bytes | None):
        self.data = data
        self.changed = False
        self._root: Element | None = None

    def style_of(self, kind: str, existing: str | None) -> str | None:
        """Texts keep the cell's style; an unstyled cell gets the Text style (``@``, quote prefix:
        never a formula when edited). Dates keep a date style, get the style's date variant (same
        font, fill, border, alignment) when the cell has another style, else the date style.
        Everything else keeps the style."""
        plain = existing in (None, "", "0")
        if kind == "text" and plain:
            return self._kind("text")
        if kind == "hash" and plain:  # text cut at the cell's edge: 64 characters spill over no neighbour
            return self._kind("clip")
        if kind in ("date", "datetime"):
            if plain:
                return self._kind(kind)
            xf = self._xf(existing)
            if xf is None:
                return self._kind(kind)
            if self._is_date(xf):
                return existing
            return self._date_variant(int(existing), kind)
        return existing

    # -- internals
    def _parsed(self) -> Element:
        if self._root is None:
            self._root = st.parse_xml(self.data or st.MINIMAL_STYLES)
        return self._root

    def _find(self, local: str) -> Element | None:
        root = self._parsed()
        ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        return root.find(f"{{{ns}}}{local}" if ns else local)

    def _xf(self, s: str | None) -> Element | None:
        xfs = self._find("cellXfs")
        if not (s or "").isdigit() or xfs is None or int(s) >= len(xfs):
            return None
        return xfs[int(s)]

    def _is_date(self, xf: Element) -> bool:
        fmt = xf.get("numFmtId", "0")
        numfmts = self._find("numFmts")
        codes = {nf.get("numFmtId"): nf.get("formatCode") for nf in (() if numfmts is None else numfmts)}
        return fmt.isdigit() and is_date_format(int(fmt), codes.get(fmt))

    def _set(self, data: bytes) -> None:
        self.data, self.changed, self._root = data, True, None

    def _kind(self, kind: str) -> str:
        data, index = st.add_styles(self.data, {kind})
        if data is not None:
            self._set(data)
        return str(index[kind])

    def _date_variant(self, index: int, kind: str) -> str:
        cell_xfs = self._find("cellXfs")
        if self.data is None or cell_xfs is None:
            return self._kind(kind)
        text, codec = st.decode_xml(self.data)
        tag = st.start_tag(text, "cellXfs")
        close = text.find(f"</{tag['p']}cellXfs>", tag.end()) if tag else -1
        xfs = [m for m in st.element_re("xf").finditer(text, tag.end(), close)] if close > 0 else []
        if index >= len(xfs) or len(xfs) != len(cell_xfs):
            return self._kind(kind)
        m = xfs[index]
        head = f"<{m['p']}xf{m['a']}"
        attrs = _edit_attrs(
            m["a"], {"numFmtId": str(st.BUILTIN_NUMFMT[kind]), "applyNumberFormat": "1", "quotePrefix": None}
        )
        variant = f"<{m['p']}xf{attrs}" + m.group(0)[len(head) :]
        same = next((i for i, x in enumerate(xfs) if x.group(0) == variant), None)
        if same is not None:
            return str(same)
        text = st.append_children(text, "cellXfs", variant, len(xfs) + 1)
        data = text.encode(codec)
        if len(st.parse_xml(data).find(cell_xfs.tag)) != len(xfs) + 1:
            raise ValueError("the styles part could not be extended safely")
        self._set(data)
        return str(len(xfs))
