"""Parquet journal sources: exports too large for Excel, read with pyarrow (docs/importing.md "Parquet").

A Sources row or ``--source`` file whose name ends ``.parquet`` (or whose bytes start with Parquet's
``PAR1`` mark) is read here. First only the schema: the importer is chosen from the column names as
for a CSV header, and for a format that maps whole columns (the generic layout) only the columns it
maps are read, so a 10-million-line export with 40 columns costs the memory of the few the close
needs. Every value is then turned into text in Arrow, exactly (integers and decimals digit for
digit, dates as ISO text, floats in their shortest round-trip form), so the lines are parsed by the
same code, with the same findings, as a CSV export. The row of a finding is the record number
(1 = the first record).

pyarrow is optional (``pip install closekit[fast]``); without it a Parquet source stops the run with
a message saying so.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from closekit.errors import InputError
from closekit.sources import importers
from closekit.sources.importers.base import ImportContext
from closekit.sources.tables import RawTable, unique_names

SUFFIXES = (".parquet", ".parq", ".pq")
MAGIC = b"PAR1"
#: Cells (rows x columns read) of one Parquet source: ten million lines of twenty columns.
MAX_CELLS = 200_000_000
#: Bytes of text (string and binary values, decoded) of the columns read from one Parquet source:
#: the limit of a CSV source. Checked from the footer, and for dictionary-encoded columns from the
#: dictionary and its indices, before any value is decoded (a 478 KB file can hold 4 GB of text).
MAX_TEXT_BYTES = 1024**3
#: Formats whose importer reads whole columns by header name: only those columns are read.
COLUMN_MAPPED = ("generic",)


def is_parquet(path: Path) -> bool:
    if path.suffix.lower() in SUFFIXES:
        return True
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == MAGIC
    except OSError:
        return False


def read(path: Path, where: str, fmt: str, ctx: ImportContext) -> tuple[RawTable, str]:
    """A Parquet file as a raw table of text columns; returns (table, SHA-256 of the file)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f"{where} is a Parquet file; reading Parquet needs pyarrow, which is not installed here. "
            f"Install it (pip install 'closekit[fast]'), or export the ledger as CSV."
        ) from None
    try:
        handle = pq.ParquetFile(path)
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise InputError(f"{where} cannot be read as a Parquet file ({_short(exc)}): export it again.") from None
    names = list(handle.schema_arrow.names)
    wanted = _columns_needed(names, where, fmt, ctx)
    rows = handle.metadata.num_rows
    if rows * max(len(wanted), 1) > MAX_CELLS:
        raise InputError(
            f"{where} holds {rows:,} rows of {len(wanted)} columns; closekit reads at most {MAX_CELLS:,} cells "
            f"per source. Split the export (for example by period) and add each file as a source."
        )
    dictionary = _text_columns(handle, wanted, where)
    try:
        if dictionary:  # read as dictionary and indices: measured below before anything is decoded
            handle = pq.ParquetFile(path, read_dictionary=dictionary)
        table = handle.read(columns=wanted)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise InputError(f"{where} cannot be read as a Parquet file ({_short(exc)}): export it again.") from None
    _check_decoded(table, where, pa, pc)
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        columns[name] = pd.Series(pd.arrays.ArrowStringArray(_as_text(column, pa, pc)), dtype=pd.StringDtype("pyarrow"))
    frame = pd.DataFrame(columns)
    frame.columns = unique_names([str(c).strip() for c in frame.columns])
    record = np.arange(1, len(frame) + 1, dtype=np.int64)
    meta = {"format": "parquet", "columns_read": list(frame.columns), "columns_in_file": len(names)}
    return RawTable(where, list(frame.columns), frame, record, meta), _sha256(path)


def _text_columns(handle, wanted: list[str], where: str) -> list[str]:
    """Refuse a file whose text columns are over :data:`MAX_TEXT_BYTES` by their footer (the stored,
    unpacked size of the pages: a bound on the decoded text of a plainly encoded column); return the
    text columns stored with a dictionary in every row group (their decoded size is measured after
    reading them as dictionary and indices, see :func:`_check_decoded`)."""
    meta = handle.metadata
    chosen = set(wanted)
    stored = 0
    coded: set[str] = set()
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            column = group.column(c)
            name = column.path_in_schema
            if name not in chosen or column.physical_type not in ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"):
                continue
            stored += column.total_uncompressed_size
            if column.has_dictionary_page:
                coded.add(name)
    if stored > MAX_TEXT_BYTES:
        raise _too_much_text(where, stored)
    return [n for n in wanted if n in coded]


def _check_decoded(table, where: str, pa, pc) -> None:
    """The decoded size of the dictionary columns, from the length of each dictionary entry and the
    indices that use it (exact, without decoding), with the plain text columns: at most
    :data:`MAX_TEXT_BYTES`."""
    total = 0
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            for chunk in column.chunks:
                if len(chunk) and len(chunk.dictionary):
                    lengths = pc.binary_length(chunk.dictionary)
                    total += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
        elif pa.types.is_string(kind) or pa.types.is_binary(kind) or pa.types.is_large_string(kind):
            total += sum(int(pc.sum(pc.binary_length(c)).as_py() or 0) for c in column.chunks)
        if total > MAX_TEXT_BYTES:
            raise _too_much_text(where, total)


def _too_much_text(where: str, size: int) -> InputError:
    return InputError(
        f"{where} holds {size:,} bytes of text in the columns closekit reads (Parquet packs repeated "
        f"values into a few bytes); closekit reads at most {MAX_TEXT_BYTES:,} bytes of text per source. "
        f"Split the export (for example by period) and add each file as a source."
    )


def _columns_needed(names: list[str], where: str, fmt: str, ctx: ImportContext) -> list[str]:
    """The columns to read: those the importer maps, for a column-mapped format; else all."""
    empty = RawTable(where, names, pd.DataFrame({n: pd.Series([], dtype=object) for n in names}), np.zeros(0, int))
    if fmt in ("auto", ""):
        fits = importers.candidates(empty)
        importer = fits[0] if len(fits) == 1 else None
    else:
        importer = importers.REGISTRY.get(fmt)
    if importer is None or importer.name not in COLUMN_MAPPED:
        return names  # unknown or ambiguous layouts are reported by the import step, on the whole header
    mapped = importer.map(empty, ctx)
    used = set(mapped.columns.values())
    return [n for n in names if n in used] or names


def _as_text(column, pa, pc):
    """One column as Arrow strings, nulls as "": exact text for every Parquet type closekit reads."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.dictionary_decode(), kind.value_type
    if pa.types.is_timestamp(kind):
        column = pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_boolean(kind):
        column = pc.if_else(column, "Yes", "No")
    elif pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        column = column.cast(pa.string())
    if column.type != pa.string():
        column = column.cast(pa.string())
    return pc.fill_null(column, "")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
