"""A look inside an .xlsx package before a reader parses it (the limits of :mod:`closekit.sources.tables`).

python-calamine is fast, but it trusts the file: it allocates the whole rectangle a sheet's cells
span before reading a value (two cells at A1 and XFD1048576 ask for 17 billion cells and abort the
process), and it returns Excel's error values (``#N/A``, ``#REF!``) as empty cells. This module
reads the zip's directory and streams each sheet's XML once, with plain byte searches, to learn:

* whether a part is a zip bomb (larger than :data:`MAX_PART_BYTES` unpacked, or a part over 1 MiB
  that unpacks to more than :data:`MAX_RATIO` times its packed size) or declares a DTD/entities;
* the rows and columns the sheet's cells span (checked against the limits before calamine runs);
* the cells holding an error value, so that the reader can put ``#N/A`` back where calamine left
  an empty cell (an amount or date cell then becomes a ``bad-number`` or ``bad-date`` finding);
* hidden rows and columns, and merged cells (findings: closekit reads hidden rows like all others
  and sees a merged range's value only in its first cell).

Everything here is pure Python and numpy (it runs under Pyodide too); it never builds a tree.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import unescape

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from closekit.errors import InputError
from closekit.sources import xlsx_parts

#: Largest unpacked size of one XML part closekit lets a reader parse (a sheet, the shared strings).
MAX_PART_BYTES = 1024**3
#: A part over 1 MiB whose unpacked size exceeds this many times its packed size is a zip bomb
#: (worksheet XML packs 10 to 50 times; the same guard as the writer's, sheetio/xlsx_package.py).
MAX_RATIO = 200
#: Excel's sheet size: no cell of a real workbook lies outside it.
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384

_CHUNK = 4 << 20
_MAX_CARRY = 32 << 20  # one row (or one cell) of XML larger than this is not a spreadsheet
_MAX_SEQUENTIAL = 64 << 20  # a sheet without cell references is read tag by tag: this much at most
_HEAD = 1 << 16  # a DTD can only come before the root element: look at the first 64 KiB
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
#: The content types openpyxl looks for, in its order, to find the workbook part.
_WORKBOOK_TYPES = (
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
#: Shared strings a package may declare (``uniqueCount``) without closekit counting those it holds.
_FREE_STRINGS = 1_000_000
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_TAG_ATTR = re.compile(rb"""\s([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v>([^<]*)</")
_REF = re.compile(rb"^([A-Za-z]{1,3})([0-9]{1,7})$")
_TOKEN = re.compile(rb"<(/?)(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)>")
_END = re.compile(rb"</(?:[\w.-]+:)?(?:row|c)>$")
_EMPTY = re.compile(rb"<(?:[\w.-]+:)?(?:row|c)[\s/]")


@dataclass
class SheetScan:
    """What one sheet's XML holds, as far as the reader's safety and findings need."""

    rows: int = 0  # the last row with a cell (1-based; 0 when empty)
    columns: int = 0  # the last column with a cell
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> "#N/A"
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)  # (first, last), 1-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # top, left, bottom, right


def column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Package:
    """An .xlsx/.xlsm zip: its sheets by name, each checked and scanned on request."""

    def __init__(self, zf: zipfile.ZipFile, where: str):
        self.zf, self.where = zf, where
        problem = xlsx_parts.names_problem(zf.infolist())
        if problem:
            raise self.fail(
                f"was not read: it {problem}. Excel never writes such a package; open the file in "
                f"Excel and save it again, or export again."
            )
        self.members = xlsx_parts.members(zf.infolist())
        workbook = self._office_document()
        if workbook.lower().endswith(".bin"):
            raise self.fail(
                "is a binary workbook (Excel's .xlsb format, whatever its name says), which closekit does "
                "not read: open it in Excel and save it as an Excel Workbook (.xlsx), or export again as .xlsx."
            )
        self.workbook = workbook
        self._percent_styles: set[int] | None = None
        self._workbook_rels: list[dict[str, str]] = []
        self.parts = self._sheet_parts(workbook)
        self._check_read_parts(workbook)
        #: The workbook counts dates from 1904-01-01 (``<workbookPr date1904="1"/>``): serial
        #: numbers mean other days than in the usual 1900 system (docs/workbook.md "Dates").
        self.date1904 = self._date_system(workbook)

    def member(self, part: str | None) -> zipfile.ZipInfo | None:
        """The zip member of a part name, found as every reader finds it (:mod:`.xlsx_parts`)."""
        return self.members.get(xlsx_parts.ascii_lower(part)) if part else None

    # ------------------------------------------------------------------------ package structure
    def fail(self, what: str) -> InputError:
        return InputError(f"{self.where} {what}")

    def check_part(self, info: zipfile.ZipInfo) -> None:
        """Refuse a part that is a zip bomb, before anything unpacks it."""
        size, packed = info.file_size, max(info.compress_size, 1)
        if size > MAX_PART_BYTES or (size > 2**20 and size > MAX_RATIO * packed):
            raise self.fail(
                f"was not read: its part {info.filename} would unpack to {size:,} bytes from {packed:,} "
                f"(closekit reads parts of at most {MAX_PART_BYTES:,} bytes that pack at most {MAX_RATIO} "
                f"times), which is what a zip bomb looks like. Open the file in Excel and save it again; "
                f"if it really holds that much, split it."
            )

    def _read_small(self, info: zipfile.ZipInfo) -> bytes:
        self.check_part(info)
        try:
            with self.zf.open(info) as fh:
                return fh.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            raise self.fail(
                f"cannot be read as a workbook (its part {info.filename} is damaged: {exc}): open it in "
                f"Excel and save it again, or export again."
            ) from None

    def _parse(self, part: str):
        info = self.member(part)
        if info is None:
            return None
        data = self._read_small(info)
        try:
            return SafeET.fromstring(data, forbid_dtd=True)
        except DefusedXmlException:
            raise self._unsafe(info.filename) from None
        except (ParseError, ValueError, UnicodeDecodeError):
            raise self.fail(
                f"cannot be read as a workbook (its part {info.filename} is not well-formed XML): "
                f"open it in Excel and save it again, or export again."
            ) from None

    def _unsafe(self, part: str) -> InputError:
        return self.fail(
            f"was not read: its part {part} declares a DTD or entities (<!DOCTYPE ...>), which Excel "
            f"never writes and which can make a reader expand a few bytes into gigabytes (an entity "
            f"bomb). Open the file in Excel and save it again, or export again."
        )

    def _raw(self, part: str) -> bytes:
        info = self.member(part)
        return self._read_small(info) if info is not None else b""

    def _disagree(self, what: str) -> InputError:
        return self.fail(
            f"was not read: {what}, so the readers closekit uses would not read the same parts (a package "
            f"made to slip past a check does this; Excel never does). Open the file in Excel and save it "
            f"again, or export again."
        )

    def _relationships(self, part: str) -> list[dict[str, str]] | None:
        """The relationships of a ``.rels`` part, as calamine reads them (any namespace; attribute
        values as written): refused when an Id repeats, a value holds an entity, or a relationship
        is not a child of the root (each reader would see a different list)."""
        root = self._parse(part)
        if root is None:
            return None
        rels = [dict(el.attrib) for el in root.iter() if el.tag.rpartition("}")[2] == "Relationship"]
        children = sum(1 for el in root if el.tag.rpartition("}")[2] == "Relationship")
        if children != len(rels):
            raise self._disagree(f"its part {part} has relationships nested inside others")
        for attrs in xlsx_parts.raw_tags(self._raw(part), b"Relationship"):
            if any(b"&" in v for k, v in attrs if k in (b"Id", b"Type", b"Target")):
                raise self._disagree(f"a relationship in {part} is written with an XML entity")
        ids = [r.get("Id", "") for r in rels]
        if len(set(ids)) != len(ids):
            twice = next(i for i in ids if ids.count(i) > 1)
            raise self._disagree(f"its part {part} has two relationships with the Id {twice!r}")
        return rels

    def _office_document(self) -> str:
        """The workbook part: the one ``_rels/.rels`` names, which must be ``workbook.xml`` (calamine
        reads that name in the folder of the target) and the one ``[Content_Types].xml`` names
        (openpyxl's choice)."""
        rels = self._relationships("_rels/.rels") or []
        docs = [r for r in rels if r.get("Type", "").endswith("/officeDocument")]
        if len(docs) > 1:
            raise self._disagree("its _rels/.rels names more than one workbook part")
        workbook = "xl/workbook.xml"
        if docs:
            target = docs[0].get("Target", "")
            workbook = xlsx_parts.resolve("", target) or ""
            if not workbook:
                raise self._disagree(f"its _rels/.rels names the workbook part as {target!r}")
        if workbook.lower().endswith(".bin"):
            return workbook
        if posixpath.basename(xlsx_parts.ascii_lower(workbook)) != "workbook.xml":
            raise self._disagree(f"its workbook part is {workbook} (python-calamine reads workbook.xml beside it)")
        listed = self._content_types()
        chosen = next((listed[t] for t in _WORKBOOK_TYPES if t in listed), None)
        if chosen is not None and xlsx_parts.ascii_lower(chosen) != xlsx_parts.ascii_lower(workbook):
            raise self._disagree(f"_rels/.rels names the workbook {workbook} but [Content_Types].xml names {chosen}")
        return workbook

    def _content_types(self) -> dict[str, str]:
        """Content type -> the first part ``[Content_Types].xml`` lists with it (openpyxl's lookup)."""
        root = self._parse("[Content_Types].xml")
        out: dict[str, str] = {}
        for el in root.iter() if root is not None else ():
            if el.tag.rpartition("}")[2] == "Override":
                out.setdefault(el.get("ContentType", ""), el.get("PartName", "").lstrip("/"))
        return out

    def _sheet_parts(self, workbook: str) -> dict[str, str]:
        root = self._parse(workbook)
        if root is None:
            return {}
        folder = xlsx_parts.folder_of(workbook)
        self._workbook_rels = rels = self._relationships(xlsx_parts.rels_part(workbook)) or []
        targets = {r.get("Id", ""): r.get("Target", "") for r in rels}
        for attrs in xlsx_parts.raw_tags(self._raw(workbook), b"sheet"):
            ids = [v for k, v in attrs if xlsx_parts.local_name(k) == b"id"]
            if len(ids) > 1 or any(b"&" in v for v in ids):
                shown = " and ".join(repr(v.decode("utf-8", "replace")) for v in ids)
                raise self._disagree(f"a sheet of its workbook part has the ids {shown}")
        parts: dict[str, str] = {}
        seen: set[str] = set()
        for sheet in root.iter():
            if sheet.tag.rpartition("}")[2] != "sheet" or sheet.get("name") is None:
                continue
            name = sheet.get("name")
            if name.lower() in seen:
                raise self._disagree(f"its workbook part lists the sheet {name!r} twice")
            seen.add(name.lower())
            rid = next((v for k, v in sheet.attrib.items() if k.rpartition("}")[2] == "id"), "")
            if rid not in targets:
                continue
            part = xlsx_parts.resolve(folder, targets[rid])
            if part is None:
                raise self._disagree(f"its sheet {name!r} is linked to the part {targets[rid]!r}")
            parts[name] = part
        return parts

    def _date_system(self, workbook: str) -> bool:
        """Whether the workbook uses the 1904 date system, read from the raw ``workbookPr`` tag as
        python-calamine reads it (``"1"`` or ``"true"``, as written). A value the readers take
        differently (``True``, `` 1``, an entity: openpyxl says 1904, calamine 1900) or two
        ``workbookPr`` tags are refused: typed date cells and serial numbers would disagree."""
        tags = xlsx_parts.raw_tags(self._raw(workbook), b"workbookPr")
        flags = [(k, v) for tag in tags for k, v in tag if xlsx_parts.local_name(k) == b"date1904"]
        if not flags:
            return False
        name, value = flags[-1]
        if len(tags) > 1 or len(flags) > 1 or name != b"date1904" or value not in (b"1", b"true", b"0", b"false"):
            shown = " and ".join(
                f"{k.decode('utf-8', 'replace')}={v.decode('utf-8', 'replace')[:20]!r}" for k, v in flags
            )
            raise self.fail(
                f"was not read: its workbook part sets the date system as {shown}, which the readers closekit "
                f"uses take differently (one reads the dates of the 1900 system, the other of 1904: four years "
                f"apart). Excel writes date1904=\"1\"; open the file in Excel and save it again."
            )
        return value in (b"1", b"true")

    def _check_read_parts(self, workbook: str) -> None:
        """Every part a reader loads when it opens the file, whoever's rule names it: calamine's
        ``sharedStrings.xml`` and ``styles.xml`` beside the workbook, openpyxl's shared strings from
        the content types and its ``xl/styles.xml``, the writer's from the relationships. They must
        be the same parts; each is checked for a zip bomb and a DTD."""
        folder = xlsx_parts.folder_of(workbook)
        own = {kind: posixpath.join(folder, f"{kind}.xml") for kind in ("sharedStrings", "styles")}
        named = {"sharedStrings": [self._content_types().get(_SHARED_STRINGS_TYPE)], "styles": []}
        for rel in self._workbook_rels:
            kind = rel.get("Type", "").rpartition("/")[2]
            if kind in named:
                named[kind].append(xlsx_parts.resolve(folder, rel.get("Target", "")) or rel.get("Target", ""))
        for kind, part in own.items():
            for other in named[kind]:
                if other is not None and xlsx_parts.ascii_lower(other) != xlsx_parts.ascii_lower(part):
                    raise self._disagree(f"its {kind} part is named {other!r}, where python-calamine reads {part}")
        for part in {*own.values(), "xl/styles.xml"}:
            info = self.member(part)
            if info is not None:
                self.check_part(info)
                self._check_head(info)
        info = self.member(own["sharedStrings"])
        if info is not None:
            self._check_string_count(info)

    def _check_string_count(self, info: zipfile.ZipInfo) -> None:
        """calamine reserves room for the ``uniqueCount`` the shared strings declare before reading
        them: ten billion strings is an allocation that aborts the process. A count over
        :data:`_FREE_STRINGS` must match the strings the part holds."""
        with self.zf.open(info) as fh:  # readable: _check_head has read it
            head = fh.read(_HEAD)
        tag = re.search(rb"<(?:[\w.-]+:)?sst[\s>][^>]*", head)
        declared = _attrs(tag.group(0)).get("uniqueCount", "").strip() if tag else ""
        if not declared.isdigit() or int(declared) <= _FREE_STRINGS:
            return
        held = 0
        si = re.compile(rb"<(?:[\w.-]{1,20}:)?si[\s/>]")
        try:
            with self.zf.open(info) as fh:
                carry = b""
                while block := fh.read(_CHUNK):
                    data = carry + block
                    held += sum(1 for _ in si.finditer(data, 0, max(len(data) - 32, 0)))
                    carry = data[max(len(data) - 32, 0) :]
                held += len(si.findall(carry))
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            raise self.fail(
                f"cannot be read as a workbook (its part {info.filename} is damaged: {exc}): open it in "
                f"Excel and save it again, or export again."
            ) from None
        if int(declared) > held:
            raise self.fail(
                f"was not read: its part {info.filename} declares {int(declared):,} shared strings but holds "
                f"{held:,}, and a reader would set aside memory for all it declares. Open the file in Excel "
                f"and save it again."
            )

    def _check_head(self, info: zipfile.ZipInfo) -> None:
        """A DTD (and so an entity) can only come before the root element: read up to it."""
        try:
            with self.zf.open(info) as fh:
                head = fh.read(_HEAD)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            raise self.fail(
                f"cannot be read as a workbook (its part {info.filename} is damaged: {exc}): open it in "
                f"Excel and save it again, or export again."
            ) from None
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise self.fail(
                f"was not read: its part {info.filename} is UTF-16 XML, which Excel never writes. Open "
                f"the file in Excel and save it again."
            )
        root = _ROOT_START.search(head)
        declared = min((i for i in (head.find(b"<!DOCTYPE"), head.find(b"<!ENTITY")) if i >= 0), default=-1)
        if declared >= 0 and (root is None or declared < root.start()):
            raise self._unsafe(info.filename)
        if root is None and len(head) == _HEAD:
            raise self.fail(
                f"was not read: its part {info.filename} does not start its XML within the first "
                f"{_HEAD:,} bytes. Open the file in Excel and save it again."
            )

    # ------------------------------------------------------------------------ number formats
    def percent_styles(self) -> set[int]:
        """The cell styles (indexes of ``cellXfs``) whose number format shows a percentage: the
        built-in formats 9 (``0%``) and 10 (``0.00%``), and custom formats with a ``%`` outside
        quotes and brackets."""
        if self._percent_styles is not None:
            return self._percent_styles
        self._percent_styles = set()
        root = self._parse(posixpath.join(posixpath.dirname(self.workbook), "styles.xml"))
        if root is None:
            return self._percent_styles
        percent_formats = {"9", "10"}
        for el in root.iter():
            if el.tag.rpartition("}")[2] == "numFmt" and _shows_percent(el.get("formatCode", "")):
                percent_formats.add(el.get("numFmtId", ""))
        styles: set[int] = set()
        for el in root.iter():
            if el.tag.rpartition("}")[2] == "cellXfs":
                xfs = [x for x in el if x.tag.rpartition("}")[2] == "xf"]
                styles = {i for i, x in enumerate(xfs) if x.get("numFmtId", "0") in percent_formats}
        self._percent_styles = styles
        return styles

    def percent_cells(self, name: str, most_bytes: int = 16 << 20) -> set[tuple[int, int]]:
        """(row, column) of the cells of sheet ``name`` formatted as a percentage (1-based), for the
        small input sheets of a close workbook (a sheet over ``most_bytes`` of XML: none)."""
        part = self.parts.get(name)
        info = self.member(part)
        styles = self.percent_styles() if info is not None else set()
        if not styles or info.file_size > most_bytes:
            return set()
        data = self._read_small(info)
        wanted = {str(i).encode() for i in styles}
        found = set()
        for match in _CELL_STYLE.finditer(data):
            attrs = _attrs(match.group(0))
            ref = _REF.match(attrs.get("r", "").encode())
            if ref and attrs.get("s", "").encode() in wanted:
                found.add((int(ref.group(2)), column_number(ref.group(1).decode())))
        return found

    def cell_values(self, name: str, cells: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The raw ``<v>`` text of the given cells (row, column; 1-based) of sheet ``name``, for the
        few cells a reader could not convert (a date cell holding -1e308). Reads the sheet's XML
        once, cell by cell: for the failing path only. Cells without a reference are not found."""
        info = self.member(self.parts.get(name))
        if info is None or not cells:
            return {}
        self.check_part(info)
        wanted = {f"{column_letters(c)}{r}".encode(): (r, c) for r, c in cells}
        found: dict[tuple[int, int], str] = {}
        with self.zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
        for match in _CELL_VALUE.finditer(data):
            ref = _attrs(match.group(1)).get("r", "").upper().encode()
            if ref in wanted:
                value = _VALUE.search(match.group(0))
                if value:
                    found[wanted[ref]] = _text(value.group(1))
                if len(found) == len(wanted):
                    break
        return found

    # ------------------------------------------------------------------------ one sheet
    def scan(self, name: str) -> SheetScan | None:
        """Check the sheet's part and scan its XML; None when the sheet has no worksheet part."""
        part = self.parts.get(name)
        info = self.member(part)
        if info is None:
            return None
        self.check_part(info)
        self._check_head(info)
        scan = SheetScan()
        sequential = False
        try:
            with self.zf.open(info) as fh:
                carry = b""
                while True:
                    block = fh.read(_CHUNK)
                    data = carry + block
                    if not block:
                        cut = len(data)
                    else:
                        cut = _cut(data)
                        if cut <= 0:
                            if len(data) > _MAX_CARRY:
                                raise self.fail(
                                    f"was not read: sheet {name!r} holds an XML element larger than "
                                    f"{_MAX_CARRY:,} bytes, which no spreadsheet writes. Open the file in "
                                    f"Excel and save it again."
                                )
                            carry = data
                            continue
                    if not sequential and not _scan_block(data[:cut], scan):
                        sequential = True
                    carry = data[cut:]
                    if not block:
                        break
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            raise self.fail(
                f"cannot be read as a workbook (its part {info.filename} is damaged: {exc}): open it in "
                f"Excel and save it again, or export again."
            ) from None
        if sequential:  # cells or rows without a reference: positions follow from the order
            if info.file_size > _MAX_SEQUENTIAL:
                raise self.fail(
                    f"was not read: sheet {name!r} has cells without a cell reference and is "
                    f"{info.file_size:,} bytes of XML (closekit reads such sheets up to {_MAX_SEQUENTIAL:,} "
                    f"bytes). Open the file in Excel and save it again: Excel writes the references."
                )
            scan = self._scan_sequential(info)
        return scan

    def _scan_sequential(self, info: zipfile.ZipInfo) -> SheetScan:
        """The slow path, for the rare writer that omits cell references (``<c>`` without ``r``)."""
        scan = SheetScan()
        with self.zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
        row = col = 0
        errors: list[tuple[int, int, int]] = []  # row, column, offset of the cell's end tag
        for match in _TOKEN.finditer(data):
            closing, kind, attrs = match.group(1), match.group(2), match.group(3)
            if closing:
                continue
            values = _attrs(attrs)
            if kind == b"row":
                row = int(values["r"]) if values.get("r", "").isdigit() else row + 1
                col = 0
                if values.get("hidden") in ("1", "true"):
                    scan.hidden_rows.append(row)
                continue
            ref = _REF.match(values.get("r", "").encode())
            if ref:
                col, row = column_number(ref.group(1).decode()), int(ref.group(2))
            elif values.get("r"):  # a reference no sheet has
                scan.rows = max(scan.rows, EXCEL_ROWS + 1)
                continue
            else:
                col += 1
                row = max(row, 1)
            scan.rows, scan.columns = max(scan.rows, row), max(scan.columns, col)
            if values.get("t") == "e" and not attrs.rstrip().endswith(b"/"):
                errors.append((row, col, match.end()))
        for row, col, at in errors:
            end = data.find(b"c>", at)
            value = _VALUE.search(data, at, end if end >= 0 else len(data))
            if value:
                scan.errors[(row, col)] = _text(value.group(1))
        _scan_tail(data, scan, with_rows=False)
        return scan


def _cut(data: bytes) -> int:
    """Where a block may end: after the last complete row or cell among the last few tags
    (else after the last tag: a cell split there only hides its error value from the scan)."""
    end = len(data)
    for _ in range(64):
        at = data.rfind(b">", 0, end)
        start = data.rfind(b"<", 0, at) if at > 0 else -1
        if start < 0:
            return 0
        tag = data[start : at + 1]
        if _END.match(tag) or (tag.endswith(b"/>") and _EMPTY.match(tag)):
            return at + 1
        end = start
    return data.rfind(b">") + 1


def _scan_block(block: bytes, scan: SheetScan) -> bool:
    """Cell extents, error cells, hidden rows and merged ranges of a run of complete rows.

    Returns False when a cell or row tag does not start with its ``r`` reference (the caller then
    reads the sheet in order; every writer puts ``r`` first: ``<c r="B7" s="1">``).
    """
    if not _extents(block, scan):
        return False
    _errors(block, scan)
    _scan_tail(block, scan, with_rows=True)
    return True


def _extents(block: bytes, scan: SheetScan) -> bool:
    """Tags are found and references read with numpy over the tag starts: no Python code runs
    per cell. False when a cell or row tag lacks a leading reference."""
    a = np.frombuffer(block, dtype=np.uint8)
    n = len(a)
    if n < 8:
        return not (b"<c" in block or b"row" in block)
    lt = np.flatnonzero(a == 60)

    def byte(at: np.ndarray) -> np.ndarray:
        return a[np.minimum(at, n - 1)]

    def stops(values: np.ndarray) -> np.ndarray:
        return (values == 32) | (values == 62) | (values == 47) | (values == 9) | (values == 10) | (values == 13)

    # Where each tag's local name starts: after "<", or after "<prefix:" (a prefix is not trusted
    # to be the usual one: <y:c> is a cell to a reader as much as <c> is).
    names = [lt + 1]
    colons = np.flatnonzero(a == 58)
    if len(colons) and len(lt):
        owner = lt[np.maximum(np.searchsorted(lt, colons) - 1, 0)]
        near = (colons > owner) & (colons - owner <= 12)
        colons, owner = colons[near], owner[near]
        if len(colons):
            gap = np.arange(1, 12)
            inside = owner[:, None] + gap[None, :]
            clean = ~stops(byte(inside)) | (inside >= colons[:, None])  # no space or ">" before the colon
            names.append(colons[clean.all(axis=1)] + 1)
    start = np.concatenate(names)
    first = byte(start)
    is_c = (first == 99) & stops(byte(start + 1))
    is_row = (first == 114) & (byte(start + 1) == 111) & (byte(start + 2) == 119) & stops(byte(start + 3))
    tags = np.concatenate([start[is_c] + 1, start[is_row] + 3])  # just after the local name
    row_tag = np.concatenate([np.zeros(int(is_c.sum()), dtype=bool), np.ones(int(is_row.sum()), dtype=bool)])
    if not len(tags):
        return True
    space, quote = byte(tags), byte(tags + 3)
    has_ref = (
        ((space == 32) | (space == 9) | (space == 10) | (space == 13))
        & (byte(tags + 1) == 114)
        & (byte(tags + 2) == 61)
        & ((quote == 34) | (quote == 39))
    )
    if not has_ref.all():
        return False
    ref = byte(tags[:, None] + 4 + np.arange(12)[None, :])
    upper = ref & 0xDF
    alpha = (upper >= 65) & (upper <= 90)
    letters = np.where(alpha.all(axis=1), 12, np.argmin(alpha, axis=1))
    digit = (ref >= 48) & (ref <= 57)
    number = np.zeros(len(ref), dtype=np.int64)
    digits = np.zeros(len(ref), dtype=np.int64)
    column = np.zeros(len(ref), dtype=np.int64)
    running = np.ones(len(ref), dtype=bool)
    for j in range(12):
        is_letter = j < letters
        column = np.where(is_letter, column * 26 + (upper[:, j].astype(np.int64) - 64), column)
        take = ~is_letter & running & digit[:, j]
        number = np.where(take, number * 10 + (ref[:, j].astype(np.int64) - 48), number)
        digits += take
        running &= is_letter | digit[:, j]
    if (row_tag & ((letters != 0) | (digits == 0))).any():
        return False  # a row whose r is not a number: read it in order
    is_cell = ~row_tag
    if (is_cell & ((digits == 0) | (letters == 0))).any():
        return False
    cell = is_cell & (digits <= 7) & (letters <= 3)
    if (is_cell & ~cell).any():  # a reference no sheet has (ZZZZ1, A99999999)
        scan.rows = max(scan.rows, EXCEL_ROWS + 1)
    if cell.any():
        scan.rows = max(scan.rows, int(number[cell].max()))
        scan.columns = max(scan.columns, int(column[cell].max()))
    return True


def _errors(block: bytes, scan: SheetScan) -> None:
    for quote in (b'"', b"'"):
        at = block.find(b"t=" + quote + b"e" + quote)
        while at >= 0:
            start = block.rfind(b"<", 0, at)
            end = block.find(b">", at)
            tag = block[start:end]
            values = _attrs(tag)
            ref = _REF.match(values.get("r", "").encode())
            if ref and not tag.endswith(b"/") and re.match(rb"<(?:[\w.-]+:)?c\s", tag):
                close = block.find(b"c>", end)
                value = _VALUE.search(block, end, close if close >= 0 else len(block))
                if value:
                    scan.errors[(int(ref.group(2)), column_number(ref.group(1).decode()))] = _text(value.group(1))
            at = block.find(b"t=" + quote + b"e" + quote, at + 4)


def _scan_tail(block: bytes, scan: SheetScan, *, with_rows: bool) -> None:
    """Hidden rows and columns, merged ranges: rare attributes, found by plain byte search."""
    at = block.find(b"hidden=")
    while at >= 0:
        if block[at + 7 : at + 10] in (b'"1"', b"'1'") or block[at + 7 : at + 13] in (b'"true"', b"'true'"):
            start = block.rfind(b"<", 0, at)
            tag = block[start : block.find(b">", at)]
            name = re.match(rb"<(?:[\w.-]+:)?(\w+)", tag)
            values = _attrs(tag)
            if name and name.group(1) == b"row" and with_rows and values.get("r", "").isdigit():
                scan.hidden_rows.append(int(values["r"]))
            elif name and name.group(1) == b"col" and values.get("min", "").isdigit():
                first = int(values["min"])
                last = int(values["max"]) if values.get("max", "").isdigit() else first
                scan.hidden_columns.append((first, last))
        at = block.find(b"hidden=", at + 7)
    at = block.find(b"mergeCell ")
    while at >= 0:
        tag = block[at : block.find(b">", at)]
        ref = _attrs(tag).get("ref", "")
        corners = [_REF.match(part.encode()) for part in ref.split(":")]
        if len(corners) == 2 and all(corners):
            (c1, r1), (c2, r2) = ((column_number(m.group(1).decode()), int(m.group(2))) for m in corners)
            scan.merged.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
        at = block.find(b"mergeCell ", at + 10)


_CELL_VALUE = re.compile(rb"<(?:[\w.-]+:)?c(\s[^>]*[^/])>.*?</(?:[\w.-]+:)?c>", re.S)
_CELL_STYLE = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*\bs\s*=[^>]*>")


def _shows_percent(code: str) -> bool:
    """A number format code that shows a percentage: a ``%`` not in quotes, brackets or escaped."""
    plain = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)
    return "%" in plain


def _attrs(tag: bytes) -> dict[str, str]:
    out = {}
    for name, double, single in _TAG_ATTR.findall(tag):
        key = name.decode("utf-8", "replace").rpartition(":")[2]
        out.setdefault(key, (double or single).decode("utf-8", "replace"))
    return out


def _text(raw: bytes) -> str:
    return unescape(raw.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"}).strip()


def open_package(source: object, where: str) -> Package:
    """The package of a path or bytes; a file that is not a zip raises :class:`InputError`."""
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes | bytearray) else source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(
            f"{where} cannot be read as a workbook ({exc}): the file is damaged or not really .xlsx. "
            f"Open and save it in Excel, or export again."
        ) from None
    return Package(zf, where)
