"""The import step: read every journal source of a close into one canonical ledger.

Sources are the rows of the Sources sheet, the files named on the command line (``--source``,
``--journal``), and the LedgerImport / JournalImport sheets. Each is read into a raw table (CSV
text, an XLSX sheet, SAF-T XML), given to its importer (named, or recognised from the header),
and parsed into canonical lines. A source that cannot be read at all stops the run with an
:class:`~closekit.errors.InputError`; everything else about it becomes findings.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from closekit.closing import validation
from closekit.core import findings as fnd
from closekit.core import ledger, parsing
from closekit.core.plural import plural
from closekit.errors import InputError
from closekit.sheetio.base import SheetIO
from closekit.sources import importers, parquet, tables
from closekit.sources.folder_rule import MAX_SOURCE_BYTES
from closekit.sources.importers.base import ImportContext
from closekit.sources.tables import RawTable, decode, read_csv_text, read_xlsx, split_pasted_column
from closekit.workbook.book import CloseBook


@dataclass(frozen=True)
class SourceSpec:
    """One source to read; mirrors a Sources row (``where`` is the path as the user typed it)."""

    path: str
    kind: str = "ledger"
    format: str = "auto"
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal_separator: str | None = None
    date_format: str | None = None
    row: int | None = None  # the Sources row it came from
    #: The folder a relative ``path`` is relative to: the current directory for a file named on the
    #: command line (``--source``, ``--journal``); None for a Sources row (the workbook's folder).
    base: str | None = None


def specs_from_book(book: CloseBook) -> list[SourceSpec]:
    return [
        SourceSpec(s.path, s.kind, s.format, s.sheet, s.encoding, s.delimiter, s.decimal_separator, s.date_format, row)
        for row, s in book.sources
    ]


def read_raw(path: Path, spec: SourceSpec, where: str, ctx: ImportContext | None = None) -> tuple[RawTable, str]:
    """A source file's bytes as a raw table; returns (table, SHA-256 of the bytes). ``ctx`` lets a
    Parquet source read only the columns its importer maps."""
    if path.is_file() and parquet.is_parquet(path):
        return parquet.read(path, where, spec.format, ctx or ImportContext())
    try:
        data = _read_bounded(path, where)
    except FileNotFoundError:
        relative = "the current folder" if spec.base is not None else "the workbook's folder"
        raise InputError(
            f"{where}{_from_row(spec)} does not exist: check the path (a relative path is relative to {relative}: "
            f"{path})."
        ) from None
    except IsADirectoryError:
        raise InputError(f"{where}{_from_row(spec)} is a folder, not a file.") from None
    except PermissionError:
        raise InputError(
            f"{where}{_from_row(spec)} cannot be read (permission denied, or locked by another program)."
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if _is_workbook(data, path):
        return read_xlsx(data, where, spec.sheet), digest
    if _looks_like_xml(data) or spec.format == "saft":
        from closekit.sources.importers import saft

        return saft.read_xml(data, where), digest
    text, encoding = decode(data, where, spec.encoding)
    for importer in importers.REGISTRY.values():  # layouts with title lines, metadata lines, rulers
        if importer.read_text is None or spec.format not in ("auto", "", importer.name):
            continue
        table = importer.read_text(text, where, encoding)
        if table is not None:
            return table, digest
    return read_csv_text(text, where, delimiter=spec.delimiter, encoding=encoding), digest


def _read_bounded(path: Path, where: str) -> bytes:
    """The file's bytes, its size checked before they are read: a text source (not a zip or XML
    by its first bytes) over :data:`closekit.sources.tables.MAX_TEXT_BYTES` is refused from its
    size alone (a 1.9 GB sparse CSV is never read), and never more than the limit is read (a file
    growing meanwhile)."""
    with open(path, "rb") as handle:
        head = handle.read(512)
        text = not _is_workbook(head, path) and not _looks_like_xml(head)
        limit = tables.MAX_TEXT_BYTES if text else MAX_SOURCE_BYTES
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise InputError(
                f"{where} is {size:,} bytes; closekit reads {'text ' if text else ''}sources of at most {limit:,} "
                f"bytes. Split the export (for example by period) and add each file as a source."
            )
        data = head + handle.read(limit + 1 - len(head))
    if len(data) > limit:
        raise InputError(f"{where} grew past {limit:,} bytes while closekit read it: export it again and run again.")
    return data


def _is_workbook(data: bytes, path: Path) -> bool:
    """Whether a source is read as an .xlsx package: a zip by its first bytes, or by its name."""
    return data.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm")


def _looks_like_xml(data: bytes) -> bool:
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml") or head.startswith(b"<")


def _from_row(spec: SourceSpec) -> str:
    return f" (Sources row {spec.row})" if spec.row else ""


def _format_cell(spec: SourceSpec) -> str:
    """Where the user sets a source's format: its Sources row, or Settings ImportFormat for the
    LedgerImport / JournalImport sheets."""
    if spec.row is None and spec.base is None and spec.path in ("LedgerImport", "JournalImport"):
        return "ImportFormat in Settings"
    return f"Format in Sources{_from_row(spec)}"


class AmbiguousFormat(Exception):
    """A source whose header fits several layouts: reported as a finding, the source is not read."""

    def __init__(self, finding: dict):
        super().__init__(finding["Message"])
        self.finding = finding


def choose_importer(table: RawTable, spec: SourceSpec) -> importers.Importer:
    if spec.format not in ("auto", ""):
        if spec.format not in importers.REGISTRY:
            raise InputError(
                f"{table.where}: format {spec.format!r} is not known; use one of: " + ", ".join(importers.FORMATS) + "."
            )
        return importers.get(spec.format)
    fits = importers.candidates(table)
    if len(fits) > 1:
        names = ", ".join(f"{imp.name} ({imp.label})" for imp in fits)
        raise AmbiguousFormat(
            fnd.finding(
                "ambiguous-format",
                table.where,
                f"the header fits more than one layout: {names}; closekit does not guess",
                row=int(table.rows[0]) - 1 if len(table.rows) else 1,
                column="",
                fix=f"Set {_format_cell(spec)} (or --format) to one of: "
                + ", ".join(imp.name for imp in fits)
                + ".",
            )
        )
    found = fits[0] if fits else None
    if found is None:
        header = ", ".join(table.columns[:12]) + (" ..." if len(table.columns) > 12 else "")
        raise InputError(
            f"{table.where}{_from_row(spec)}: closekit does not recognise this layout (header: {header}). "
            f"Set {_format_cell(spec)} to one of {', '.join(importers.FORMATS[1:])}, or rename the columns "
            f"to the generic layout: Journal, Voucher, Line, Date, Account, Currency, Debit, Credit, Text."
        )
    return found


def _account_types(book: CloseBook) -> dict[str, str]:
    """Account -> Type, also under the names the AccountMap maps to an account."""
    types = dict(zip(book.accounts["account"], book.accounts["type"], strict=True))
    return {**types, **{source: types[target] for source, target in book.account_map.items() if target in types}}


def import_context(book: CloseBook) -> ImportContext:
    settings = book.settings
    return ImportContext(
        tuple(book.dimensions),
        settings.dimension_delimiter if settings else "-",
        book.accounting_currency or "EUR",
        _account_types(book),
    )


def import_table(
    table: RawTable, spec: SourceSpec, book: CloseBook, *, path: str | None = None, digest: str | None = None
) -> tuple[pd.DataFrame, ledger.SourceInfo, pd.DataFrame]:
    """One raw table through its importer into canonical lines; (lines, source info, findings)."""
    ctx = import_context(book)
    importer = choose_importer(table, spec)
    mapped = importer.map(table, ctx)
    date_format = None
    if spec.date_format:
        date_format = parsing.normalise_date_format(spec.date_format)
        if date_format is None:
            raise InputError(
                f"{table.where}{_from_row(spec)}: DateFormat {spec.date_format!r} is not known; use "
                "one of " + ", ".join(parsing.DATE_FORMATS) + "."
            )
    decimal = (spec.decimal_separator or "").strip() or None
    if decimal not in (None, ".", ","):
        raise InputError(f"{table.where}{_from_row(spec)}: DecimalSeparator must be '.' or ','.")
    lines, found = ledger.canonical_lines(
        mapped,
        where=table.where,
        kind=spec.kind,
        accounting_currency=ctx.accounting_currency,
        dimensions=ctx.dimensions,
        rates=book.rates,
        date_format=date_format or mapped.date_format,
        decimal=decimal,
        delimiter=table.meta.get("delimiter"),
        date1904=bool(table.meta.get("date1904")),
    )
    if book.account_map:  # accounts named differently in the export (AccountMap sheet)
        lines["account"] = lines["account"].replace(book.account_map)
    restored = _restore_leading_zeros(lines, book, table.where)
    info = ledger.SourceInfo(
        table.where,
        spec.kind,
        importer.name,
        mapped.columns,
        len(table),
        path,
        digest,
        dict(table.meta),
        skipped_rows(table, mapped),
    )
    detected = []
    if spec.format in ("auto", ""):
        detected.append(
            fnd.finding(
                "format-detected",
                table.where,
                f"read as {importer.label} ({importer.name})",
                column="",
                fix=f"Set {_format_cell(spec)} to make the choice explicit.",
            )
        )
    return lines, info, fnd.combine([table.findings, found, fnd.frame(detected), restored])


_DELIMITER_NAMES = {";": "semicolons", "\t": "tabs", ",": "commas"}


def _split_pasted(table: RawTable) -> tuple[RawTable, pd.DataFrame]:
    """An import sheet pasted as one column of ``;``, tab or ``,`` separated text, split into its
    columns, with a ``paste-split`` Info saying so; other sheets as they are."""
    split = split_pasted_column(table)
    if split is None:
        return table, fnd.frame()
    table, delimiter = split
    note = fnd.finding(
        "paste-split",
        table.where,
        f"the rows were pasted into column A as text separated by {_DELIMITER_NAMES[delimiter]}; closekit split "
        f"them into {len(table.columns)} columns ({', '.join(table.columns[:6])}"
        + (", ..." if len(table.columns) > 6 else "")
        + ")",
        row=len(table.preamble) + 1,
        column="",
    )
    return table, fnd.frame([note])


def _restore_leading_zeros(lines: pd.DataFrame, book: CloseBook, where: str) -> pd.DataFrame:
    """Settings RestoreLeadingZeros: accounts that lost their leading zeros (``480`` for ``0480``)
    read as the Accounts sheet's account, in place, with one ``account-zeros-restored`` Info."""
    if not (book.settings and book.settings.restore_leading_zeros) or lines.empty:
        return fnd.frame()
    matches = validation.leading_zero_matches(lines["account"].astype(str), book.accounts["account"])
    if matches.empty:
        return fnd.frame()
    pairs = sorted(set(zip(lines.loc[matches.index, "account"].astype(str), matches, strict=True)))
    shown = ", ".join(f"{a} as {b}" for a, b in pairs[:5]) + (f" and {len(pairs) - 5} more" if len(pairs) > 5 else "")
    first = lines.loc[matches.index, "row"]
    lines.loc[matches.index, "account"] = matches
    note = fnd.finding(
        "account-zeros-restored",
        where,
        f"{plural(len(matches), 'line')} had accounts without their leading zeros; read {shown}",
        row=int(first.min()),
        column="",
    )
    return fnd.frame([note])


def skipped_rows(table: RawTable, mapped: ledger.Mapped) -> dict[str, int]:
    """The rows the reader and the importer's layout left out, by reason (blank, title, total...)."""
    out: dict[str, int] = {}
    for reason, count in [*table.meta.get("skipped", {}).items(), *mapped.skipped.items()]:
        if count:
            out[reason] = out.get(reason, 0) + int(count)
    return out


def load_ledger(book: CloseBook, io: SheetIO, extra: list[SourceSpec] = ()) -> tuple[ledger.Ledger, pd.DataFrame]:
    """Every source of the close into one :class:`~closekit.core.ledger.Ledger`, with their findings."""
    parts, infos, found = [], [], []
    folder = io.folder()
    for spec in [*specs_from_book(book), *extra]:
        path = Path(spec.path).expanduser()
        if not path.is_absolute() and spec.base is not None:
            path = Path(spec.base) / path
        if not path.is_absolute():
            if folder is None:
                raise InputError(
                    f"{spec.path}{_from_row(spec)}: this workbook has no folder to read files "
                    f"from (xlwings Lite): paste the export into LedgerImport instead."
                )
            path = folder / path
        where = spec.path if spec.path not in {i.where for i in infos} else f"{spec.path} (#{len(infos) + 1})"
        if parquet.is_parquet(path) and path.is_file():  # reads only the columns the importer maps
            table, digest = parquet.read(path, where, spec.format, import_context(book))
        else:
            table, digest = read_raw(path, spec, where)
        try:
            lines, info, problems = import_table(table, spec, book, path=str(path), digest=digest)
        except AmbiguousFormat as ambiguous:
            found.append(fnd.frame([ambiguous.finding]))
            infos.append(ledger.SourceInfo(where, spec.kind, "?", {}, len(table), str(path), digest))
            continue
        parts.append(lines)
        infos.append(info)
        found.append(problems)
    import_format = book.settings.import_format if book.settings else "auto"
    for name, kind in (("LedgerImport", "ledger"), ("JournalImport", "journal")):
        table = book.imports.get(name)
        if table is not None:
            table, pasted = _split_pasted(table)
            found.append(pasted)
            try:
                lines, info, problems = import_table(table, SourceSpec(name, kind, import_format), book)
            except AmbiguousFormat as ambiguous:
                found.append(fnd.frame([ambiguous.finding]))
                continue
            parts.append(lines)
            infos.append(info)
            found.append(problems)
    dims = tuple(book.dimensions)
    return ledger.Ledger(ledger.combine(parts, dims), infos, dims), fnd.combine(found)
