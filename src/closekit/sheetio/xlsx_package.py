"""Write whole output worksheets into an existing .xlsx/.xlsm at the zip/XML package level.

Only the parts that must change are touched: the output sheet parts themselves with their table
parts and relationships (:mod:`.xlsx_table`), and small text insertions in ``[Content_Types].xml``,
``xl/workbook.xml``, ``xl/_rels/workbook.xml.rels``, ``xl/styles.xml`` (and ``xl/calcChain.xml``
when a replaced sheet had formulas). Every other zip
member (other sheets, charts, drawings, text boxes, form buttons, comments, VBA, custom XML,
add-in parts) is copied with identical bytes, in the same order. Cell updates of existing sheets
(``updates``) edit only the changed cells of those sheets' XML (:mod:`.xlsx_cells`), in the same
write. See docs/workbook-writing.md.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import itertools
import os
import posixpath
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import pandas as pd
from defusedxml import DefusedXmlException

from closekit.sheetio import xlsx_cells as xc
from closekit.sheetio import xlsx_properties as xp
from closekit.sheetio import xlsx_styles as st
from closekit.sheetio import xlsx_table as xt
from closekit.sheetio.base import OutputSheet, a1
from closekit.sheetio.xlsx_sheet import SheetPlan, new_zip_info, plan_sheet, write_sheet
from closekit.sources import xlsx_parts

__all__ = [
    "MARKER",
    "OutputSheet",
    "WorkbookFacts",
    "WorkbookPackageError",
    "remove_stale_temporaries",
    "replace_sheets",
    "temporary_prefix",
    "workbook_facts",
    "write_sheets_atomic",
]

REL_NS = st.REL_NS
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
FORMATS = frozenset({"text", "date", "datetime", "integer", "amount", "amount0", "amount3", "percent", "general"})
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
MAX_XML_BYTES = 200 * 2**20  # all parts we parse, together (zip-bomb guard)
MAX_RATIO = 200  # uncompressed / compressed, for parsed parts above 1 MB (XML: ~10-50)

#: The hidden, sheet-local defined name that marks a sheet as closekit's (docs/workbook-writing.md
#: "Which sheets are closekit's"): ``<definedName name="_closekit.sheet" localSheetId="3"
#: hidden="1">'Findings'!$A$1</definedName>``. Excel and LibreOffice keep sheet-local names through a
#: save, move them with the sheet when tabs are reordered, follow a rename, and delete them with the sheet.
MARKER = "_closekit.sheet"
BINARY_CT = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"

#: sheet name (any case) -> {A1 reference: value}: cells of existing sheets to set.
CellUpdates = dict[str, dict[str, object]]

_LOCAL_SHEET_ID = re.compile(r"""(<(?:[\w.-]+:)?definedName\b[^>]*?\blocalSheetId\s*=\s*["'])(\d+)""")
_VIEW_TABS = [
    re.compile(rf"""(<(?:[\w.-]+:)?workbookView\b[^>]*?\b{a}\s*=\s*["'])(\d+)""") for a in ("activeTab", "firstSheet")
]
_BAD_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f\ud800-\udfff\ufffe\uffff]")


class WorkbookPackageError(Exception):
    """The file is not a readable xlsx/xlsm package (not a zip, missing workbook part, encrypted/
    password-protected (an OLE compound file starting with D0 CF 11 E0), malformed XML). Message
    says which file and what is wrong, one sentence, for an accountant."""


# ============================================================================ public API
def replace_sheets(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    sheets: list[OutputSheet],
    updates: CellUpdates | None = None,
    marks: Iterable[str] = (),
    properties: Mapping[str, str] | None = None,
    after: str | None = None,
) -> None:
    """Copy the package `src` to `dst` (dst != src), replacing each named sheet that exists
    (same position in the tab order, same sheetId and r:id) and adding the others at the end, or
    right after the sheet `after` (any case) when it exists, in the order given.
    `updates` maps the name of an existing worksheet (any case; not one of `sheets`) to cell
    values by A1 reference (str, int, float, Decimal, bool, date/datetime; None clears a value),
    written into that sheet with everything else of it kept (see :func:`xlsx_cells.update_cells`).
    `marks` names existing worksheets to mark as closekit's (:data:`MARKER`; output sheets always are).
    `properties`: custom document properties to set (:mod:`.xlsx_properties`); the others are kept.
    Nothing is created at `dst` when the request or the source is invalid; a partly written
    `dst` is removed if writing fails."""
    src, dst = os.fspath(src), os.fspath(dst)
    if os.path.abspath(src) == os.path.abspath(dst) or (os.path.exists(dst) and os.path.samefile(src, dst)):
        raise ValueError("replace_sheets needs a different destination; use write_sheets_atomic")
    with _prepared(src, sheets, updates, marks, properties, after) as job:
        try:
            with open(dst, "wb") as fh:
                job.emit(fh)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(dst)
            raise


@dataclass(frozen=True)
class DiskState:
    """A workbook file as closekit read it: size, modification time (ns) and SHA-256 of its bytes."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: str | os.PathLike, data: bytes) -> DiskState:
        info = os.stat(path)
        return cls(len(data), info.st_mtime_ns, hashlib.sha256(data).hexdigest())

    def holds(self, path: str | os.PathLike) -> bool:
        """Whether the file at ``path`` is still this one (size and time first, then the bytes)."""
        try:
            info = os.stat(path)
            if (info.st_size, info.st_mtime_ns) != (self.size, self.mtime_ns):
                return False
            with open(path, "rb") as fh:
                return hashlib.file_digest(fh, "sha256").hexdigest() == self.sha256
        except OSError:
            return False


class ChangedOnDisk(OSError):
    """The workbook was saved by another program while closekit wrote its new version: nothing was
    replaced; ``side_file`` holds the version closekit would have written."""

    def __init__(self, path: str, side_file: str):
        super().__init__(errno.EBUSY, "the workbook changed on disk during the write", path)
        self.side_file = side_file


def side_file_name(path: str, data_hash: str) -> str:
    """Where a write that must not replace ``path`` leaves its result: ``close.closekit-new-1a2b3c4d.xlsx``."""
    stem, ext = os.path.splitext(path)
    return f"{stem}.closekit-new-{data_hash[:8]}{ext or '.xlsx'}"


def write_sheets_atomic(
    path: str | os.PathLike,
    sheets: list[OutputSheet],
    updates: CellUpdates | None = None,
    marks: Iterable[str] = (),
    expect: DiskState | None = None,
    properties: Mapping[str, str] | None = None,
    after: str | None = None,
) -> None:
    """replace_sheets into a temporary file in the same folder (``.~closekit-<name>.tmp-*``),
    flush + fsync, then os.replace onto `path`. On any exception the temporary file is removed and
    `path` is untouched (byte-identical). `updates`: cell values of existing sheets, written in the
    same step, and `marks` (see replace_sheets). A symbolic link is written through to its real file; a file
    whose owner may not write it (read-only) raises PermissionError, untouched (renaming over it
    would succeed on POSIX). `expect`: the file as it was read; when the file on disk is no longer
    that one just before the replace (another program saved it meanwhile), nothing is replaced, the
    new version is kept in a side file beside it and :class:`ChangedOnDisk` names it."""
    path = os.path.realpath(os.fspath(path))
    if not os.stat(path).st_mode & stat.S_IWUSR:
        raise PermissionError(errno.EACCES, "the workbook is read-only", path)
    folder = os.path.dirname(path)
    tmp = None
    try:
        with _prepared(path, sheets, updates, marks, properties, after) as job:
            fd, tmp = tempfile.mkstemp(
                prefix=temporary_prefix(path), dir=folder, suffix=os.path.splitext(path)[1] or ".xlsx"
            )
            with os.fdopen(fd, "wb") as fh:
                job.emit(fh)
                fh.flush()
                os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            shutil.copymode(path, tmp)
        if expect is not None and not expect.holds(path):  # someone saved it while we wrote: keep theirs
            with open(tmp, "rb") as fh:
                side = side_file_name(path, hashlib.file_digest(fh, "sha256").hexdigest())
            os.replace(tmp, side)
            tmp = None
            raise ChangedOnDisk(path, side)
        os.replace(tmp, path)  # after the source is closed (Windows cannot replace open files)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.remove(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename durable (POSIX)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@dataclass(frozen=True)
class WorkbookFacts:
    """What the writer knows about a workbook before it writes: the worksheets in tab order, those
    that carry closekit's :data:`MARKER`, and whether the structure is protected."""

    sheets: tuple[str, ...]
    marked: frozenset[str]  # lower-case names
    structure_locked: bool


def workbook_facts(source: str | os.PathLike | bytes, label: str = "the workbook") -> WorkbookFacts:
    """Read the workbook part of a path or the bytes of a file (with the writer's safety checks;
    WorkbookPackageError when it cannot be read)."""
    if isinstance(source, bytes | bytearray):
        try:
            zin = zipfile.ZipFile(io.BytesIO(source))
        except (zipfile.BadZipFile, EOFError) as e:
            raise WorkbookPackageError(f"{label} is not an Excel workbook (.xlsx/.xlsm).") from e
    else:
        label = f"'{os.path.basename(os.fspath(source))}'"
        zin = _open_zip(os.fspath(source), label)
    with zin:
        rd = _Reader(zin, label)
        _, _, _, wb_root = _workbook_part(rd)
        names = tuple(s.get("name", "") for s in wb_root.iter(f"{{{st.MAIN_NS}}}sheet"))
        return WorkbookFacts(names, frozenset(n.lower() for n in _marked(wb_root, names)), _structure_locked(wb_root))


def _marked(wb_root: Element, names: tuple[str, ...] | list[str]) -> set[str]:
    """The sheets (by name) that carry closekit's marker."""
    out = set()
    for dn in wb_root.iter(f"{{{st.MAIN_NS}}}definedName"):
        local = dn.get("localSheetId", "")
        if dn.get("name", "").lower() == MARKER.lower() and local.isdigit() and int(local) < len(names):
            out.add(names[int(local)])
    return out


def _structure_locked(wb_root: Element) -> bool:
    prot = wb_root.find(f"{{{st.MAIN_NS}}}workbookProtection")
    return prot is not None and prot.get("lockStructure", "0").strip().lower() in ("1", "true")


def temporary_prefix(path: str | os.PathLike) -> str:
    """Start of the names of the temporary files written for ``path``: ``.~closekit-close.xlsx.tmp-``."""
    return f".~closekit-{os.path.basename(os.fspath(path))[:120]}.tmp-"


def remove_stale_temporaries(path: str | os.PathLike) -> list[str]:
    """Delete the temporary files an interrupted write of ``path`` left beside it (a killed
    process, a power cut) and return their names. Call it only while holding the workbook's lock
    (:func:`closekit.sheetio.files.workbook_lock`): a concurrent write's temporary file looks the same."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    prefix = temporary_prefix(path)
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.remove(entry.path)
                    removed.append(entry.name)
    return removed


# ============================================================================ reading the package
class _Reader:
    """Reads (with bomb guards) and safely parses the few XML parts we need."""

    def __init__(self, zin: zipfile.ZipFile, label: str):
        self.zin, self.label, self.budget = zin, label, MAX_XML_BYTES
        problem = xlsx_parts.names_problem(zin.infolist())  # the scan's rule: one member per part
        if problem:
            raise self.fail(f"was not changed: it {problem}; open it in Excel and save it again")
        self.members = {i.filename.lower(): i for i in zin.infolist()}
        self.cache: dict[str, bytes] = {}

    def fail(self, what: str) -> WorkbookPackageError:
        return WorkbookPackageError(f"{self.label} {what}.")

    def raw(self, part: str) -> bytes | None:
        info = self.members.get(part.lower())
        if info is None:
            return None
        if part.lower() in self.cache:
            return self.cache[part.lower()]
        size = info.file_size
        if size > self.budget or (size > 2**20 and size > MAX_RATIO * max(info.compress_size, 1)):
            raise self.fail(
                f"was not processed because its part {part} is suspiciously large when unpacked (a possible zip bomb)"
            )
        self.budget -= size
        try:
            with self.zin.open(info) as fh:
                data = self.cache[part.lower()] = fh.read(size + 1)
                return data
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
            raise self.fail(
                f"is damaged (its part {part} cannot be read: {e}); open it in Excel and save it again"
            ) from e

    def xml(self, part: str, *, required: bool = True) -> tuple[str, str, Element] | None:
        """(text, codec, parsed root) of a part, or None when absent and not required."""
        data = self.raw(part)
        if data is None:
            if required:
                raise self.fail(f"is not a valid Excel workbook (the part {part} is missing)")
            return None
        try:
            text, codec = st.decode_xml(data)
            return text, codec, st.parse_xml(data)
        except DefusedXmlException as e:
            raise self.fail(
                f"was not processed because its part {part} contains unsafe XML (entity or DTD declarations)"
            ) from e
        except (ParseError, UnicodeDecodeError) as e:
            raise self.fail(f"is damaged (its part {part} is not well-formed XML)") from e


def _workbook_part(rd: _Reader) -> tuple[str, str, str, Element]:
    """(part name, text, codec, root) of the workbook part; a binary (.xlsb) or Strict workbook is refused."""
    root_rels = rd.xml("_rels/.rels", required=False)
    wb_part = (
        next(
            (_part(rd, "", r["Target"]) for r in _rels(root_rels[2]) if r.get("Type", "").endswith("/officeDocument")),
            None,
        )
        if root_rels
        else None
    )
    wb_part = wb_part or "xl/workbook.xml"
    ct = rd.xml("[Content_Types].xml", required=False)
    binary = wb_part.lower().endswith(".bin") or (
        ct is not None
        and any(
            o.get("ContentType") == BINARY_CT and o.get("PartName", "").lstrip("/").lower() == wb_part.lower()
            for o in ct[2]
        )
    )
    if binary:
        raise rd.fail(
            "is a binary workbook (Excel's .xlsb format, whatever its name says), which closekit cannot "
            "update; open it in Excel and save it as an Excel Workbook (.xlsx) or Macro-Enabled Workbook (.xlsm)"
        )
    wb_text, wb_codec, wb_root = rd.xml(wb_part)
    if wb_root.tag == f"{{{STRICT_NS}}}workbook":
        raise rd.fail(
            "is saved as 'Strict Open XML', which closekit cannot update; save it as a normal Excel Workbook first"
        )
    if wb_root.tag != f"{{{st.MAIN_NS}}}workbook":
        raise rd.fail("is not a valid Excel workbook (its workbook part is not a workbook)")
    return wb_part, wb_text, wb_codec, wb_root


def _open_zip(path: str, label: str) -> zipfile.ZipFile:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookPackageError(
            f"{label} is password-protected (or saved in the old .xls format), so it cannot be "
            "updated; remove the password or save it as .xlsx/.xlsm in Excel first."
        )
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        what = (
            "is damaged or incomplete (its zip structure cannot be read)"
            if head[:2] == b"PK"
            else "is not an Excel workbook (.xlsx/.xlsm)"
        )
        raise WorkbookPackageError(f"{label} {what}.") from e


def _rels(root: Element) -> list[dict[str, str]]:
    return [dict(r.attrib) for r in root.iter(f"{{{PKG_REL_NS}}}Relationship")]


def _resolve(source_part: str, target: str) -> str:
    target = unquote(target)
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def _part(rd: _Reader, source_part: str, target: str) -> str:
    """The part a relationship the writer follows names, by the rule the safety scan and the readers
    share (:func:`closekit.sources.xlsx_parts.resolve`); a target they would resolve differently is refused."""
    part = xlsx_parts.resolve(posixpath.dirname(source_part), target)
    if part is None:
        raise rd.fail(
            f"was not changed: it links a part as {target!r}, which readers resolve differently (a '.' or '..' "
            f"segment, a backslash or a percent-escape); open it in Excel and save it again"
        )
    return part


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


# ============================================================================ planning
@dataclass
class _Job:
    zin: zipfile.ZipFile
    label: str
    replaced: dict[str, SheetPlan] = field(default_factory=dict)  # lower-case member -> plan
    edited: dict[str, bytes] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    appended: list[tuple[str, SheetPlan | bytes]] = field(default_factory=list)

    def emit(self, fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in self.zin.infolist():
                key = info.filename.lower()
                if key in self.drop:
                    continue
                if key in self.replaced:
                    write_sheet(zout, info.filename, self.replaced[key])
                elif key in self.edited:
                    zout.writestr(_clone(info), self.edited[key])
                else:
                    _copy_member(self.zin, zout, info, self.label)
            for name, item in self.appended:
                if isinstance(item, bytes):
                    zout.writestr(new_zip_info(name), item)
                else:
                    write_sheet(zout, name, item)
            zout.comment = self.zin.comment


@contextlib.contextmanager
def _prepared(
    src: str,
    sheets: list[OutputSheet],
    updates: CellUpdates | None = None,
    marks: Iterable[str] = (),
    properties: Mapping[str, str] | None = None,
    after: str | None = None,
) -> Iterator[_Job]:
    for sheet in sheets:
        _check_request(sheet)
    lowered = [s.name.lower() for s in sheets]
    if len(set(lowered)) != len(lowered):
        raise ValueError("two output sheets have the same name (Excel ignores case)")
    cells = _check_updates(updates, set(lowered))
    label = f"'{os.path.basename(src)}'"
    with _open_zip(src, label) as zin:
        job = _Job(zin, label)
        _plan(job, _Reader(zin, label), sheets, cells, {m.lower() for m in marks} - set(lowered), properties, after)
        yield job


def _check_request(sheet: OutputSheet) -> None:
    name = sheet.name
    if (
        not isinstance(name, str)
        or not 1 <= len(name) <= 31
        or _BAD_NAME.search(name)
        or name[0] == "'"
        or name[-1] == "'"
        or name.lower() == "history"
    ):
        raise ValueError(
            f"{name!r} is not a valid Excel sheet name (1-31 characters, none of "
            ": \\ / ? * [ ], no leading or trailing apostrophe, not 'History')"
        )
    frame = sheet.frame
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"sheet {name!r}: frame must be a pandas DataFrame")
    if len(frame) >= MAX_ROWS or frame.shape[1] > MAX_COLS:
        raise ValueError(f"sheet {name!r} is larger than an Excel sheet ({frame.shape})")
    bad = {k: v for k, v in sheet.formats.items() if v not in FORMATS}
    unknown = (set(sheet.formats) | set(sheet.widths)) - {str(c) for c in frame.columns}
    if bad or unknown:
        raise ValueError(f"sheet {name!r}: unknown formats {bad} or columns {sorted(unknown)}")


def _check_updates(updates: CellUpdates | None, outputs: set[str]) -> dict[str, tuple[str, dict[str, object]]]:
    """lower-case sheet name -> (name, {normalised A1 reference: value}); ValueError when wrong."""
    checked: dict[str, tuple[str, dict[str, object]]] = {}
    for name, cells in (updates or {}).items():
        if not isinstance(name, str) or not isinstance(cells, Mapping):
            raise TypeError("updates must map sheet names to {cell reference: value} dicts")
        if name.lower() in checked:
            raise ValueError(f"cell updates name the sheet {name!r} twice (Excel ignores case)")
        if name.lower() in outputs:
            raise ValueError(f"{name!r} is both an output sheet and a sheet with cell updates")
        refs: dict[str, object] = {}
        for ref, value in cells.items():
            key = a1(*xc.parse_ref(ref))
            if key in refs:
                raise ValueError(f"cell {key} of sheet {name!r} is given more than once")
            refs[key] = value
        checked[name.lower()] = (name, refs)
    return checked


def _plan(
    job: _Job,
    rd: _Reader,
    outs: list[OutputSheet],
    updates: dict[str, tuple[str, dict[str, object]]] | None = None,
    marks: set[str] = frozenset(),
    properties: Mapping[str, str] | None = None,
    after: str | None = None,
) -> None:
    ct_text, ct_codec, ct_root = rd.xml("[Content_Types].xml")
    wb_part, wb_text, wb_codec, wb_root = _workbook_part(rd)
    rels_part = _rels_part(wb_part)
    rel_text, rel_codec, rel_root = rd.xml(rels_part)
    rels = {r.get("Id"): r for r in _rels(rel_root)}
    wb_sheets = [dict(s.attrib) for s in wb_root.iter(f"{{{st.MAIN_NS}}}sheet")]
    pr = wb_root.find(f"{{{st.MAIN_NS}}}workbookPr")
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")

    plans = [plan_sheet(out, date1904) for out in outs]
    kinds = {k for p in plans for k in p.kinds}
    styles_rel = next((r for r in rels.values() if r.get("Type", "").endswith("/styles")), None)
    styles_part = _part(rd, wb_part, styles_rel.get("Target", "")) if styles_rel else None
    styles_data = rd.raw(styles_part) if styles_part else None
    try:
        new_styles, xf = (None, {}) if styles_data is None and not plans else st.add_styles(styles_data, kinds)
    except (DefusedXmlException, ParseError, UnicodeDecodeError, ValueError) as e:
        raise rd.fail(f"has a styles part that cannot be extended ({e})") from e
    for p in plans:
        p.assign_styles(xf)
    if any(p.totals or p.kind_totals for p in plans) and (new_styles or styles_data):
        try:
            bolded, dxf = st.add_bold_dxf(new_styles or styles_data)
        except (DefusedXmlException, ParseError, UnicodeDecodeError, ValueError, StopIteration) as e:
            raise rd.fail(f"has a styles part that cannot be extended ({e})") from e
        new_styles = bolded if bolded != styles_data else new_styles
        for p in plans:
            p.bold_dxf = dxf
    cell_styles = xc.CellStyles(new_styles if new_styles is not None else styles_data)

    taken = set(rd.members) | {_resolve(wb_part, r.get("Target", "")).lower() for r in rels.values()}
    taken |= {o.get("PartName", "").lstrip("/").lower() for o in ct_root}
    ids = set(rels)
    rel_new, ct_new, sheet_tags, filters = [], [], [], []
    next_sheet_id = max([int(i) for s in wb_sheets if (i := s.get("sheetId", "")).isdigit()] + [0]) + 1
    by_name = {s.get("name", "").lower(): (i, s) for i, s in enumerate(wb_sheets)}
    removed_ids: set[str] = set()
    # New sheets go at `at` in the tab order (after the sheet `after`, else at the end); the sheets
    # from there on move right by as many, so every tab index is given as it is after the write.
    at = next((i + 1 for i, s in enumerate(wb_sheets) if after and s.get("name", "").lower() == after.lower()), None)
    at = len(wb_sheets) if at is None else at
    n_new = sum(1 for out in outs if out.name.lower() not in by_name)
    moved = lambda i: i + n_new if i >= at else i  # noqa: E731
    placed: list[tuple[SheetPlan, str, int]] = []  # each output: its plan, sheet part and tab index
    prints: list[tuple[int, str, bool, str]] = []

    def new_rid() -> str:
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        ids.add(f"rId{n}")
        return f"rId{n}"

    def new_part(stem: str, first: str = "") -> str:  # e.g. sheet4.xml; styles.xml if free
        names = itertools.chain([first] if first else [], (f"{stem}{n}.xml" for n in itertools.count(1)))
        part = next(p for p in (posixpath.join(posixpath.dirname(wb_part), n) for n in names) if p.lower() not in taken)
        taken.add(part.lower())
        return part

    for out, plan in zip(outs, plans, strict=True):
        hit = by_name.get(out.name.lower())
        if hit:
            index, wb_sheet = hit
            index = moved(index)
            rel = rels.get(wb_sheet.get(f"{{{REL_NS}}}id"))
            if rel is None or not rel.get("Type", "").endswith("/worksheet"):
                raise ValueError(
                    f"{out.name!r} in {rd.label} is a chart or macro sheet, not a worksheet, so it cannot be replaced"
                )
            part = _part(rd, wb_part, rel.get("Target", ""))
            job.replaced[part.lower()] = plan
            job.drop |= _old_tables(rd, part)  # the old output's table goes with it: no orphan, no name clash
            job.drop.add(_rels_part(part).lower())
            removed_ids.add(wb_sheet.get("sheetId", ""))
            plan.title = wb_sheet.get("name", out.name)
        else:
            index = at + len(sheet_tags)
            part, rid = new_part("worksheets/sheet"), new_rid()
            job.appended.append((part, plan))
            rel_new.append(_rel_tag(rid, "worksheet", part, wb_part))
            ct_new.append(f'<{{p}}Override PartName="/{st.attr(part)}" ContentType="{WORKSHEET_CT}"/>')
            sheet_tags.append((out.name, next_sheet_id, rid))
            next_sheet_id += 1
        placed.append((plan, part, index))
    table_names, table_id = _existing_tables(rd, ct_root, job.drop)
    table_names |= {dn.get("name", "") for dn in wb_root.iter(f"{{{st.MAIN_NS}}}definedName")}
    for plan, part, index in placed:
        headers = [c.header for c in plan.columns]
        if xt.usable_headers(headers):
            plan.table, table_id = True, table_id + 1
            name = xt.table_name(plan.title, table_names)
            table_names.add(name)
            table_part = new_part("tables/table")
            job.appended.append((table_part, xt.table_xml(table_id, name, plan.table_ref(), headers)))
            ct_new.append(f'<{{p}}Override PartName="/{st.attr(table_part)}" ContentType="{xt.TABLE_CT}"/>')
            rels_of = _rels_part(part)
            data = xt.sheet_rels("/" + table_part)  # absolute, as openpyxl writes: no '..' for readers to disagree on
            if rels_of.lower() in rd.members:  # the replaced sheet's own .rels part: rewritten in place
                job.drop.discard(rels_of.lower())
                job.edited[rels_of.lower()] = data
            else:
                taken.add(rels_of.lower())
                job.appended.append((rels_of, data))
        ref = plan.ref(absolute=True) if plan.columns and not plan.table else None
        filters.append((index, plan.title, ref))
        prints.append((index, plan.title, plan.table, plan.ref(absolute=True)))
    for name in sorted(marks):
        hit = by_name.get(name)
        if hit is None:
            raise ValueError(f"{rd.label} has no sheet named {name!r} to mark as closekit's")
        if name not in {m.lower() for m in _marked(wb_root, [s.get("name", "") for s in wb_sheets])}:
            filters.append((moved(hit[0]), hit[1].get("name", name), None))
    if sheet_tags and _structure_locked(wb_root):
        raise rd.fail(
            f"was not changed: its structure is protected (Review > Protect Workbook > Structure, "
            f"lockStructure), so no sheet may be added, and closekit would add {len(sheet_tags)} "
            f"({', '.join(n for n, _, _ in sheet_tags)}). Unprotect the workbook's structure, or add "
            f"those sheets yourself, then run again"
        )

    removed_cells = _plan_updates(job, rd, wb_part, rels, by_name, updates or {}, cell_styles, date1904)

    final_styles = cell_styles.data
    if styles_data is None and final_styles is not None:
        part, rid = new_part("styles", "styles.xml"), new_rid()
        job.appended.append((part, final_styles))
        rel_new.append(_rel_tag(rid, "styles", part, wb_part))
        ct_new.append(f'<{{p}}Override PartName="/{st.attr(part)}" ContentType="{STYLES_CT}"/>')
    elif styles_data is not None and final_styles != styles_data:
        job.edited[styles_part.lower()] = final_styles

    calc_rel = next((r for r in rels.values() if r.get("Type", "").endswith("/calcChain")), None)
    if calc_rel and (removed_ids or removed_cells):
        calc_part = _part(rd, wb_part, calc_rel.get("Target", ""))
        calc_text, calc_codec = st.decode_xml(rd.raw(calc_part) or b"")
        calc_text, left = _prune_calc_chain(calc_text, removed_ids, removed_cells)
        if left:
            if calc_text.encode(calc_codec) != rd.raw(calc_part):
                job.edited[calc_part.lower()] = calc_text.encode(calc_codec)
        else:
            job.drop.add(calc_part.lower())
            rel_text = st.remove_elements(rel_text, "Relationship", lambda a: a.get("Id") == calc_rel.get("Id"))[0]
            ct_text = st.remove_elements(
                ct_text, "Override", lambda a: a.get("PartName", "").lstrip("/").lower() == calc_part.lower()
            )[0]

    for part in sorted(job.drop):  # no content type may name a part that is gone (LibreOffice lists .rels parts)
        ct_text = st.remove_elements(
            ct_text, "Override", lambda a, part=part: a.get("PartName", "").lstrip("/").lower() == part
        )[0]

    root_edit = _plan_properties(job, rd, properties, taken, ct_new) if properties else None
    new_wb = _edit_workbook(wb_text, sheet_tags, filters, prints, at)
    if rel_new:
        p = st.start_tag(rel_text, "Relationships")["p"]
        rel_text = st.append_children(rel_text, "Relationships", "".join(rel_new).replace("{p}", p))
    if ct_new:
        p = st.start_tag(ct_text, "Types")["p"]
        ct_text = st.append_children(ct_text, "Types", "".join(ct_new).replace("{p}", p))
    for part, text, codec in (
        (wb_part, new_wb, wb_codec),
        (rels_part, rel_text, rel_codec),
        *([root_edit] if root_edit else []),
        ("[Content_Types].xml", ct_text, ct_codec),
    ):
        data = text.encode(codec)
        if data != rd.raw(part):
            st.parse_xml(data)  # never write a part we made malformed
            job.edited[part.lower()] = data


def _custom_part(rd: _Reader) -> tuple[tuple[str, str, Element] | None, str | None]:
    """(the parsed ``_rels/.rels``, the custom-properties part it names); None for what is absent."""
    root_rels = rd.xml("_rels/.rels", required=False)
    if root_rels is None:
        return None, None
    known = next((r for r in _rels(root_rels[2]) if r.get("Type") == xp.REL_TYPE), None)
    return root_rels, (_part(rd, "", known.get("Target", "")) if known is not None else None)


def _plan_properties(
    job: _Job, rd: _Reader, properties: Mapping[str, str], taken: set[str], ct_new: list[str]
) -> tuple[str, str, str] | None:
    """Set custom document properties; the edited ``_rels/.rels`` (part, text, codec) when the
    package gets a new ``custom.xml``. A package without ``_rels/.rels`` keeps no properties."""
    root_rels, part = _custom_part(rd)
    if root_rels is None:
        return None
    rel_text, rel_codec, rel_root = root_rels
    if part is not None:
        found = rd.xml(part, required=False)
        if found is not None:
            text, codec, root = found
            data = xp.edited_part(text, root, properties).encode(codec)
            st.parse_xml(data)  # never write a part we made malformed
            job.edited[part.lower()] = data
            return None
        job.appended.append((part, xp.new_part(properties)))
        ct_new.append(f'<{{p}}Override PartName="/{st.attr(part)}" ContentType="{xp.CT}"/>')
        return None
    part, n = xp.PART, 1
    while part.lower() in taken:
        n += 1
        part = f"docProps/custom{n}.xml"
    taken.add(part.lower())
    ids = {r.get("Id") for r in _rels(rel_root)}
    rid = next(f"rId{i}" for i in itertools.count(len(ids) + 1) if f"rId{i}" not in ids)
    job.appended.append((part, xp.new_part(properties)))
    ct_new.append(f'<{{p}}Override PartName="/{st.attr(part)}" ContentType="{xp.CT}"/>')
    p = st.start_tag(rel_text, "Relationships")["p"]
    tag = f'<{p}Relationship Id="{rid}" Type="{xp.REL_TYPE}" Target="{st.attr(part)}"/>'
    return "_rels/.rels", st.append_children(rel_text, "Relationships", tag), rel_codec


def custom_properties(source: bytes, label: str = "the workbook") -> dict[str, str]:
    """The custom document properties of a workbook's bytes ({} when it has none or they cannot be read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(source)) as zin:
            rd = _Reader(zin, label)
            part = _custom_part(rd)[1]
            found = rd.xml(part, required=False) if part is not None else None
            return xp.read(found[2] if found else None)
    except (zipfile.BadZipFile, EOFError, WorkbookPackageError, ValueError):
        return {}


def _plan_updates(
    job: _Job,
    rd: _Reader,
    wb_part: str,
    rels: dict[str | None, dict[str, str]],
    by_name: dict[str, tuple[int, dict[str, str]]],
    updates: dict[str, tuple[str, dict[str, object]]],
    cell_styles: xc.CellStyles,
    date1904: bool,
) -> set[tuple[str, str]]:
    """Edit the cells of existing sheets; return the (sheetId, cell) whose formula was removed."""
    removed: set[tuple[str, str]] = set()

    def style_of(kind: str, existing: str | None) -> str | None:
        try:
            return cell_styles.style_of(kind, existing)
        except (DefusedXmlException, ParseError, UnicodeDecodeError, ValueError) as e:
            raise rd.fail(f"has a styles part that cannot be extended ({e})") from e

    for key, (name, cells) in updates.items():
        hit = by_name.get(key)
        if hit is None:
            raise ValueError(f"{rd.label} has no sheet named {name!r}, so its cells cannot be updated")
        wb_sheet = hit[1]
        rel = rels.get(wb_sheet.get(f"{{{REL_NS}}}id"))
        if rel is None or not rel.get("Type", "").endswith("/worksheet"):
            raise ValueError(
                f"{name!r} in {rd.label} is a chart or macro sheet, not a worksheet, so its cells cannot be updated"
            )
        part = _part(rd, wb_part, rel.get("Target", ""))
        text, codec, _ = rd.xml(part)  # parsed too: never edit a sheet that is not well-formed
        title = wb_sheet.get("name", name)
        try:
            new_text, formulas = xc.update_cells(text, cells, style_of, date1904)
        except xc.CellUpdateError as e:
            raise rd.fail(f"was not changed: in the sheet '{title}', {e}") from e
        data = new_text.encode(codec)
        if data != rd.raw(part):
            st.parse_xml(data)  # never write a part we made malformed
            job.edited[part.lower()] = data
        removed |= {(wb_sheet.get("sheetId", ""), ref) for ref in formulas}
    return removed


def _rel_tag(rid: str, kind: str, part: str, wb_part: str) -> str:
    target = posixpath.relpath(part, posixpath.dirname(wb_part) or ".")
    return f'<{{p}}Relationship Id="{rid}" Type="{REL_NS}/{kind}" Target="{st.attr(target)}"/>'


def _prune_calc_chain(text: str, sheet_ids: set[str], cells: set[tuple[str, str]] = frozenset()) -> tuple[str, int]:
    """Drop <c> entries of the given sheets and of the given (sheetId, A1) cells. `i` is sticky
    (omitted = same as the previous entry), so a kept entry that took its `i` from a dropped one
    gets it written out."""
    current, written, kept = "", "", 0

    def repl(m: re.Match[str]) -> str:
        nonlocal current, written, kept
        a = st.tag_attrs(m["a"])
        current = a.get("i", current)
        if current in sheet_ids or (current, a.get("r", "").upper()) in cells:
            return ""
        kept += 1
        tag = m.group(0)
        if "i" not in a and current != written:
            head = len(m["p"]) + 2 + len(m["a"])
            tag = f'{tag[:head].rstrip()} i="{current}"{tag[head:]}'
        written = current
        return tag

    return st.element_re("c").sub(repl, text), kept


def _edit_workbook(
    text: str,
    sheet_tags: list[tuple[str, int, str]],
    filters: list[tuple[int, str, str | None]],
    prints: list[tuple[int, str, bool, str]] = (),
    at: int | None = None,
) -> str:
    """Append <sheet> entries, set the hidden _xlnm._FilterDatabase name of each output sheet
    with a plain autofilter (Excel writes it with every autofilter; LibreOffice and old Excels need
    it; a table has its own filter, so its sheet has none), closekit's :data:`MARKER` on each output
    sheet, and the print titles (row 1 on every page) and print area (its cells) of each output sheet."""
    if sheet_tags:
        root = st.start_tag(text, "workbook").group(0)
        used = [
            k.split(":")[0]
            for m in st.element_re("sheet", empty_only=True).finditer(text)
            for k in st.tag_attrs(m["a"])
            if k.endswith(":id")
        ]
        declared = re.findall(rf"""xmlns:([\w.-]+)\s*=\s*["']{re.escape(REL_NS)}["']""", root)
        rp = next((u for u in used if u in declared), declared[0] if declared else None)
        extra = "" if rp else f' xmlns:r="{REL_NS}"'
        rp = rp or "r"
        p = st.start_tag(text, "sheets")["p"]
        tags = "".join(
            f'<{p}sheet name="{st.attr(n)}" sheetId="{i}" {rp}:id="{rid}"{extra}/>' for n, i, rid in sheet_tags
        )
        text = _insert_sheets(text, tags, at, len(sheet_tags))
    for index, title, ref in filters:
        quoted = "'" + title.replace("'", "''") + "'!"
        if ref is not None:
            text = _set_local_name(text, "_xlnm._FilterDatabase", index, quoted + ref)
        text = _set_local_name(text, MARKER, index, quoted + "$A$1", replace=False)
    for index, title, table, ref in prints:
        quoted = "'" + title.replace("'", "''") + "'!"
        text = _set_local_name(text, "_xlnm.Print_Titles", index, quoted + "$1:$1", hidden=False)
        # the print area is the table: a long text's overflow does not print as pages of its own
        text = _set_local_name(text, "_xlnm.Print_Area", index, quoted + ref, hidden=False)
        if table:
            text = _drop_local_name(text, "_xlnm._FilterDatabase", index)
    return text


def _insert_sheets(text: str, tags: str, at: int | None, count: int) -> str:
    """Put the new ``<sheet>`` tags at tab index ``at`` (None or past the last: at the end); the
    sheet-local names and the workbook view's tab indices of the sheets after it move with them."""
    found = list(st.element_re("sheet", empty_only=True).finditer(text))
    if at is None or at >= len(found):
        return st.append_children(text, "sheets", tags)
    text = text[: found[at].start()] + tags + text[found[at].start() :]

    def shift(m: re.Match[str]) -> str:
        n = int(m[2])
        return f"{m[1]}{n + count if n >= at else n}"

    for pattern in (_LOCAL_SHEET_ID, *_VIEW_TABS):
        text = pattern.sub(shift, text)
    return text


def _drop_local_name(text: str, name: str, index: int) -> str:
    """Remove the defined name ``name`` local to sheet ``index`` (an empty ``<definedNames>`` goes too)."""
    text, removed = st.remove_elements(
        text, "definedName", lambda a: a.get("name", "").lower() == name.lower() and a.get("localSheetId") == str(index)
    )
    if removed:
        text = re.sub(r"<(?P<p>(?:[\w.-]+:)?)definedNames\s*>\s*</(?P=p)definedNames\s*>", "", text)
    return text


def _old_tables(rd: _Reader, sheet_part: str) -> set[str]:
    """The table parts (lower case) the sheet's relationships name (none when they cannot be read)."""
    try:
        found = rd.xml(_rels_part(sheet_part), required=False)
        if found is None:
            return set()
        return {
            _resolve(sheet_part, r.get("Target", "")).lower()
            for r in _rels(found[2])
            if r.get("Type", "") == xt.TABLE_REL and r.get("TargetMode", "") != "External"
        }
    except WorkbookPackageError:
        return set()


def _existing_tables(rd: _Reader, ct_root: Element, dropped: set[str]) -> tuple[set[str], int]:
    """The names (and displayNames) of the workbook's tables that stay, and the largest table id."""
    names, top = set(), 0
    for o in ct_root:
        part = o.get("PartName", "").lstrip("/")
        if o.get("ContentType") != xt.TABLE_CT or part.lower() in dropped:
            continue
        found = rd.xml(part, required=False)
        if found is None:
            continue
        root = found[2]
        names |= {root.get("name", ""), root.get("displayName", "")} - {""}
        top = max(top, int(root.get("id", "0")) if root.get("id", "0").isdigit() else 0)
    return names, top


def _set_local_name(
    text: str, name: str, index: int, formula: str, *, replace: bool = True, hidden: bool = True
) -> str:
    """Set the hidden defined name ``name`` local to sheet ``index`` (kept as it is if present and not ``replace``)."""
    value = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    found = False

    def repl(m: re.Match[str]) -> str:
        nonlocal found
        a = st.tag_attrs(m["a"])
        if a.get("name", "").lower() != name.lower() or a.get("localSheetId") != str(index):
            return m.group(0)
        found = True
        return f"<{m['p']}definedName{m['a']}>{value}</{m['p']}definedName>" if replace else m.group(0)

    text = st.element_re("definedName").sub(repl, text)
    if found:
        return text
    p = st.start_tag(text, "sheets")["p"]
    flag = ' hidden="1"' if hidden else ""
    tag = f'<{p}definedName name="{st.attr(name)}" localSheetId="{index}"{flag}>{value}</{p}definedName>'
    if st.start_tag(text, "definedNames"):
        return st.append_children(text, "definedNames", tag)
    # definedNames follows sheets, functionGroups and externalReferences.
    ends = [
        m.end()
        for local in ("sheets", "functionGroups", "externalReferences")
        for m in st.element_re(local).finditer(text)
    ]
    at = max(ends)
    return f"{text[:at]}<{p}definedNames>{tag}</{p}definedNames>{text[at:]}"


# ============================================================================ zip copying
def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(info.filename, info.date_time)
    zi.compress_type, zi.external_attr = info.compress_type, info.external_attr
    zi.create_system, zi.comment = info.create_system, info.comment
    zi.file_size = info.file_size  # lets zipfile pick ZIP64 for huge members
    return zi


def _copy_member(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> None:
    """The member as it is stored: its compressed bytes are copied, never unpacked (a 3 GiB picture
    under xl/media costs the time of copying its few packed megabytes). zipfile has no public raw
    copy, so the local header is written here and the entry registered as zipfile does itself."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return _copy_unpacked(zin, zout, info, label)  # encrypted or an unusual method: as before
    fp = zin.fp
    try:
        fp.seek(info.header_offset)
        local = fp.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        start = (
            info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        )
        zi = _clone(info)
        zi.CRC, zi.compress_size, zi.file_size = info.CRC, info.compress_size, info.file_size
        zi.flag_bits = info.flag_bits & 0x06  # the deflate level bits; sizes go in the header, no descriptor
        zip64 = zi.file_size > zipfile.ZIP64_LIMIT or zi.compress_size > zipfile.ZIP64_LIMIT
        out = zout.fp
        zi.header_offset = out.tell()
        out.write(zi.FileHeader(zip64))
        fp.seek(start)
        left = info.compress_size
        while left:
            block = fp.read(min(left, 1 << 20))
            if not block:
                raise zipfile.BadZipFile(f"{info.filename} is cut short")
            out.write(block)
            left -= len(block)
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise WorkbookPackageError(
            f"{label} is damaged (its part {info.filename} cannot be read: {e}); open it in Excel and save it again."
        ) from e
    zout.filelist.append(zi)
    zout.NameToInfo[zi.filename] = zi
    zout.start_dir = out.tell()
    zout._didModify = True


def _copy_unpacked(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> None:
    """Same bytes, same compression method, unpacked and packed again."""
    try:
        with zin.open(info) as src, zout.open(_clone(info), "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
        raise WorkbookPackageError(
            f"{label} is damaged (its part {info.filename} cannot be read: {e}); open it in Excel and save it again."
        ) from e
