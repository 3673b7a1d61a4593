"""Hostile packages, round two: an .xlsx whose parts the safety scan and the reader would find
differently, and inputs whose decoded size is far beyond their size on disk.

Before these checks, each case below made python-calamine abort the process (SIGABRT: no message,
no finding) or read far more than the limits allow. Every file is generated here; the exit-2 cases
run the command line in a subprocess and measure time and peak memory (tests/test_hostile.py).
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest

import closekit
from closekit.errors import InputError
from closekit.sheetio import xlsx_package
from closekit.sheetio.base import OutputSheet
from closekit.sources import parquet, tables, xlsx_parts
from test_hostile import GOOD_ROWS, refused, run_cli, sheet_part, xlsx_bytes

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
FAR = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'
SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def rebuild(data: bytes, change=lambda n, c: c, rename=lambda n: n, extra: tuple = ()) -> bytes:
    """A copy of a package: ``change(name, content)`` on each member (None drops it), members renamed
    by ``rename``, ``extra`` (name, content) members appended."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = change(info.filename, zin.read(info))
            if content is not None:
                zout.writestr(rename(info.filename), content)
        for name, content in extra:
            zout.writestr(name, content)
    return out.getvalue()


def far(xml: bytes) -> bytes:
    """The sheet with a cell at XFD1048576: calamine asks for 550 GB and aborts, unless refused first."""
    return xml.replace(b"</sheetData>", FAR + b"</sheetData>")


def member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The package with the unpacked size of ``name`` in its central directory set to ``size``."""
    encoded = name.encode()
    at = data.rindex(b"PK\x01\x02", 0, data.index(encoded, data.index(b"PK\x01\x02")))
    return data[: at + 24] + size.to_bytes(4, "little") + data[at + 28 :]


def validate_journal(make, data: bytes, name: str = "j.xlsx"):
    path = make.file(name, data)
    return run_cli("validate", make.workbook(), "--journal", path, "--dry-run")


# ------------------------------------------------------------------ the scan reads what the reader reads
def test_a_sheet_stored_with_backslashes_and_a_far_cell(make):
    # calamine reads xl\worksheets\sheet1.xml as xl/worksheets/sheet1.xml; the scan used not to find it.
    data = rebuild(
        xlsx_bytes(GOOD_ROWS),
        lambda n, c: far(c) if n == SHEET else c,
        rename=lambda n: n.replace("/", "\\") if n == SHEET else n,
    )
    refused(validate_journal(make, data), "xl\\worksheets\\sheet1.xml", "backslash")


def test_rels_pointing_the_scan_at_a_decoy_workbook(make):
    # _rels/.rels names xl/decoy.xml, whose sheet is harmless; calamine reads xl/workbook.xml beside it.
    base = xlsx_bytes(GOOD_ROWS)
    decoy_rels = member(base, "xl/_rels/workbook.xml.rels").replace(
        b"<Relationship ",
        f'<Relationship Id="rIdD" Type="{REL}/worksheet" Target="worksheets/decoy.xml"/><Relationship '.encode(),
        1,
    )
    data = rebuild(
        base,
        lambda n, c: (
            c.replace(b'Target="xl/workbook.xml"', b'Target="xl/decoy.xml"')
            if n == "_rels/.rels"
            else far(c)
            if n == SHEET
            else c
        ),
        extra=(
            ("xl/decoy.xml", member(base, "xl/workbook.xml").replace(b'r:id="rId1"', b'r:id="rIdD"')),
            ("xl/_rels/decoy.xml.rels", decoy_rels),
            ("xl/worksheets/decoy.xml", member(base, SHEET)),
        ),
    )
    refused(validate_journal(make, data), "xl/decoy.xml", "would not read the same parts")


def test_a_sheet_with_two_ids(make):
    # The scan took the first id (a harmless sheet), calamine the last (the far cell).
    base = xlsx_bytes(GOOD_ROWS)
    data = rebuild(
        base,
        lambda n, c: (
            c.replace(b'r:id="rId1"', b'r:id="rId1" r2:id="rId9" xmlns:r2="urn:x"')
            if n == "xl/workbook.xml"
            else c.replace(
                b"</Relationships>",
                f'<Relationship Id="rId9" Type="{REL}/worksheet" Target="worksheets/sheet9.xml"/>'.encode()
                + b"</Relationships>",
            )
            if n == "xl/_rels/workbook.xml.rels"
            else c
        ),
        extra=(("xl/worksheets/sheet9.xml", far(member(base, SHEET))),),
    )
    refused(validate_journal(make, data), "'rId1' and 'rId9'")


def test_a_member_named_with_a_dot_segment(make):
    # A target ./worksheets/sheet1.xml: calamine joins it as written and finds the member literally
    # named xl/./worksheets/sheet1.xml; the scan normalised the name and scanned the harmless sheet.
    base = xlsx_bytes(GOOD_ROWS)
    data = rebuild(
        base,
        lambda n, c: (
            c.replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="./worksheets/sheet1.xml"')
            if n == "xl/_rels/workbook.xml.rels"
            else c
        ),
        extra=(("xl/./worksheets/sheet1.xml", far(member(base, SHEET))),),
    )
    refused(validate_journal(make, data), "xl/./worksheets/sheet1.xml", "'.' or '..' segment")


@pytest.mark.parametrize(
    "target",
    ["./worksheets/sheet1.xml", "../xl/worksheets/sheet1.xml", "worksheets//sheet1.xml", "worksheets/sheet%31.xml"],
)
def test_a_relationship_target_the_readers_resolve_differently(make, target):
    data = rebuild(
        xlsx_bytes(GOOD_ROWS),
        lambda n, c: (
            c.replace(b'Target="/xl/worksheets/sheet1.xml"', f'Target="{target}"'.encode())
            if n == "xl/_rels/workbook.xml.rels"
            else c
        ),
    )
    with pytest.raises(InputError, match=f"linked to the part '{re.escape(target)}'"):
        tables.read_xlsx(data, "j.xlsx")


def test_a_relationship_written_with_an_entity(make):
    # calamine reads attribute values as written (sheet1&#46;xml), ElementTree expands them (sheet1.xml).
    data = rebuild(
        xlsx_bytes(GOOD_ROWS),
        lambda n, c: c.replace(b"sheet1.xml", b"sheet1&#46;xml") if n == "xl/_rels/workbook.xml.rels" else c,
    )
    with pytest.raises(InputError, match="written with an XML entity"):
        tables.read_xlsx(data, "j.xlsx")


def test_two_members_differing_only_in_case(make):
    base = xlsx_bytes(GOOD_ROWS)
    data = rebuild(base, extra=(("XL/Worksheets/Sheet1.xml", far(member(base, SHEET))),))
    refused(validate_journal(make, data), "XL/Worksheets/Sheet1.xml", "part names ignore case")


def test_the_sheet_listed_twice(make):
    data = rebuild(
        xlsx_bytes(GOOD_ROWS),
        lambda n, c: (
            c.replace(b"</sheets>", b'<sheet name="gl" sheetId="2" r:id="rId1"/></sheets>')
            if n == "xl/workbook.xml"
            else c
        ),
    )
    with pytest.raises(InputError, match="lists the sheet 'gl' twice"):
        tables.read_xlsx(data, "j.xlsx")


def test_content_types_naming_another_workbook_than_the_rels(make):
    # openpyxl (the fallback reader) finds the workbook in [Content_Types].xml, calamine through _rels/.rels.
    data = rebuild(
        xlsx_bytes(GOOD_ROWS),
        lambda n, c: (
            c.replace(b'PartName="/xl/workbook.xml"', b'PartName="/xl/other/workbook.xml"')
            if n == "[Content_Types].xml"
            else c
        ),
    )
    with pytest.raises(InputError, match=r"\[Content_Types\].xml names xl/other/workbook.xml"):
        tables.read_xlsx(data, "j.xlsx")


def test_shared_strings_declared_1_5_gb_and_stored_with_a_backslash(make):
    # Stored as xl\sharedStrings.xml, the part was not found by the scan (so no ratio check), and
    # calamine read it. Here it packs a few KB and declares 1.5 GB: refused from the directory.
    sst = f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    sst += b"x" * (4 << 20) + b"</t></si></sst>"
    data = rebuild(xlsx_bytes(GOOD_ROWS), extra=(("xl\\sharedStrings.xml", sst),))
    data = declare_size(data, "xl\\sharedStrings.xml", 1_500_000_000)
    run = validate_journal(make, data)
    refused(run, "xl\\sharedStrings.xml", "backslash")
    assert run.peak_mb < 400, run.peak_mb


def test_shared_strings_over_the_ratio_under_calamines_name(make):
    sst = f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode()
    sst += b"x" * (20 << 20) + b"</t></si></sst>"  # 20 MB packs to about 20 KB: over the ratio of 200
    data = rebuild(xlsx_bytes(GOOD_ROWS), extra=(("xl/sharedStrings.xml", sst),))
    refused(validate_journal(make, data), "xl/sharedStrings.xml", "zip bomb")


def test_shared_strings_declaring_a_hundred_billion_strings(make):
    # calamine reserves room for uniqueCount strings before reading one: 2.4 TB, and the process aborts.
    sst = f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="1" uniqueCount="100000000000"><si><t>a</t></si></sst>'
    data = rebuild(xlsx_bytes(GOOD_ROWS), extra=(("xl/sharedStrings.xml", sst.encode()),))
    refused(validate_journal(make, data), "declares 100,000,000,000 shared strings but holds 1")


def test_the_close_workbook_with_its_accounts_part_stored_with_backslashes(make):
    workbook = make.workbook()
    data = workbook.read_bytes()
    part = sheet_part(data, "Accounts")
    workbook.write_bytes(
        rebuild(
            data, lambda n, c: far(c) if n == part else c, rename=lambda n: n.replace("/", "\\") if n == part else n
        )
    )
    refused(run_cli("validate", workbook), part.replace("/", "\\"), "backslash")


def test_the_writer_refuses_what_the_scan_refuses(tmp_path):
    path = tmp_path / "close.xlsx"
    data = xlsx_bytes(GOOD_ROWS)
    path.write_bytes(rebuild(data, extra=(("XL/WORKSHEETS/SHEET1.XML", member(data, SHEET)),)))
    before = path.read_bytes()
    with pytest.raises(xlsx_package.WorkbookPackageError, match="part names ignore case"):
        xlsx_package.write_sheets_atomic(path, [OutputSheet("Out", pd.DataFrame({"a": [1]}))])
    assert path.read_bytes() == before


def test_the_writer_resolves_targets_by_the_same_rule(tmp_path):
    path = tmp_path / "close.xlsx"
    path.write_bytes(
        rebuild(
            xlsx_bytes(GOOD_ROWS),
            lambda n, c: (
                c.replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="../xl/worksheets/sheet1.xml"')
                if n == "xl/_rels/workbook.xml.rels"
                else c
            ),
        )
    )
    with pytest.raises(xlsx_package.WorkbookPackageError, match=r"'\.\./xl/worksheets/sheet1\.xml', which readers"):
        xlsx_package.write_sheets_atomic(path, [], updates={"GL": {"A1": "x"}})


def test_a_rust_panic_in_calamine_is_not_a_traceback(make):
    # A date cell holding -1e308: calamine's date conversion panics; pyo3 raises PanicException, a
    # BaseException that `except Exception` lets through. It must come out as closekit's own error
    # (or, when the cell is caught before calamine reads it, a finding).
    wb = xlsx_bytes([["Date"], [datetime.date(2026, 10, 31)]])  # a cell with a date format
    data = rebuild(wb, lambda n, c: re.sub(rb'(<c r="A2"[^>]*><v>)[^<]*', rb"\g<1>-1e308", c) if n == SHEET else c)
    assert b"-1e308" in member(data, SHEET)
    try:
        tables.read_xlsx(data, "j.xlsx")
    except InputError as exc:
        assert "j.xlsx" in str(exc)


def test_names_a_package_may_have():
    assert xlsx_parts.name_problem("xl/worksheets/sheet1.xml") is None
    assert xlsx_parts.name_problem("xl/") is None  # a folder entry
    for bad in ("xl\\workbook.xml", "xl/./a.xml", "xl/../a.xml", "/xl/a.xml", "xl//a.xml", "xl/a\x00.xml"):
        assert xlsx_parts.name_problem(bad), bad
    assert xlsx_parts.resolve("xl", "/xl/worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml"
    assert xlsx_parts.resolve("xl", "worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml"
    assert xlsx_parts.resolve("", "xl/workbook.xml") == "xl/workbook.xml"


# ------------------------------------------------------------------ bounded memory by construction
def zeros_member(size: int) -> tuple[bytes, int]:
    """A deflate stream of ``size`` zero bytes (a multiple of 16 MiB) built without unpacking it
    (one fully flushed block, repeated), and its CRC-32."""
    block = bytes(1 << 24)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size >> 24):
        crc = zlib.crc32(block, crc)
    return piece * (size >> 24) + b"\x03\x00", crc


def add_raw_member(path: Path, name: str, stream: bytes, size: int, crc: int) -> None:
    """Append a deflated member whose packed bytes are given (zipfile would unpack-and-pack)."""
    with zipfile.ZipFile(path, "a") as zf:
        info = zipfile.ZipInfo(name, (2026, 10, 31, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.CRC, info.compress_size, info.file_size = crc, len(stream), size
        zf.fp.seek(zf.start_dir)
        info.header_offset = zf.fp.tell()
        zf.fp.write(info.FileHeader(False))
        zf.fp.write(stream)
        zf.filelist.append(info)
        zf.NameToInfo[name] = info
        zf.start_dir = zf.fp.tell()
        zf._didModify = True


def raw_bytes(path: Path, name: str) -> tuple[int, int, int, bytes]:
    """(CRC, packed size, unpacked size, packed bytes) of a member, as stored."""
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        info = zf.getinfo(name)
        fh.seek(info.header_offset)
        local = fh.read(30)
        fh.seek(
            info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        )
        return info.CRC, info.compress_size, info.file_size, fh.read(info.compress_size)


def test_a_3_gib_picture_is_never_unpacked_by_a_close(make):
    workbook = make.workbook()
    stream, crc = zeros_member(3 << 30)
    add_raw_member(workbook, "xl/media/image1.png", stream, 3 << 30, crc)
    before = raw_bytes(workbook, "xl/media/image1.png")
    run = run_cli("close", workbook)
    assert run.code in (0, 1), (run.code, run.stderr[-2000:])
    # Unpacking 3 GiB alone takes longer than this (the close used to take 46 s instead of 3).
    assert run.seconds < 15 and run.peak_mb < 600, (run.seconds, run.peak_mb)
    assert raw_bytes(workbook, "xl/media/image1.png") == before  # copied as stored


def test_a_part_the_close_never_reads_is_copied_as_stored_even_if_it_would_not_unpack(tmp_path):
    path = tmp_path / "close.xlsx"
    path.write_bytes(xlsx_bytes(GOOD_ROWS))
    stream, crc = zeros_member(1 << 24)
    add_raw_member(path, "xl/media/image1.png", stream, 1 << 24, crc ^ 1)  # a wrong CRC: unpacking fails
    before = raw_bytes(path, "xl/media/image1.png")
    xlsx_package.write_sheets_atomic(path, [OutputSheet("Out", pd.DataFrame({"a": [1]}))])
    assert raw_bytes(path, "xl/media/image1.png") == before
    assert tables.read_xlsx(path.read_bytes(), "close.xlsx", "Out").frame["a"].tolist() == [1]


def test_a_1_9_gb_sparse_csv_is_refused_before_it_is_read(make):
    path = make.folder / "sparse.csv"
    with path.open("wb") as fh:
        fh.write(b"Voucher,Date,Account,Debit,Credit,Text\n")
        fh.truncate(1_900_000_000)  # sparse: a few KB on disk
    run = run_cli("validate", make.workbook(), "--journal", path, "--dry-run")
    refused(run, "1,900,000,000 bytes", "text sources of at most 1,073,741,824")
    assert run.peak_mb < 300 and run.seconds < 20, (run.peak_mb, run.seconds)


pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def one_value(value: str, rows: int):
    import numpy as np

    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype="int32")), pa.array([value]))


def journal_table(rows: int, text: str, *, dictionary: bool = True):
    """A generic journal of ``rows`` equal lines whose Text is ``text``: every column dictionary-encoded
    with one entry (tiny on disk, large decoded), or plain repeated values."""

    def column(value: str):
        return one_value(value, rows) if dictionary else [value] * rows

    return pa.table(
        {
            "Voucher": column("A1"),
            "Date": column("2026-10-31"),
            "Account": column("6400"),
            "Debit": column("1.00"),
            "Credit": column(""),
            "Text": column(text),
        }
    )


def test_a_small_dictionary_encoded_parquet_file_holding_4_gb_of_text(make):
    table = journal_table(10_000_000, "x" * 400)
    path = make.folder / "dict.parquet"
    pq.write_table(table, path, compression="zstd")
    assert path.stat().st_size < 1 << 20
    run = run_cli("validate", make.workbook(), "--journal", path, "--dry-run")
    refused(run, "4,200,000,000 bytes of text", "at most 1,073,741,824")
    assert run.peak_mb < 700, run.peak_mb  # it took 4.1 GB


def test_plain_text_over_the_limit_is_refused_from_the_footer(make, monkeypatch):
    monkeypatch.setattr(parquet, "MAX_TEXT_BYTES", 10 << 20)
    table = journal_table(2_000, "x" * 20_000, dictionary=False)  # 40 MB of text, packed to a few KB
    path = make.folder / "plain.parquet"
    pq.write_table(table, path, compression="zstd", use_dictionary=False)
    assert path.stat().st_size < 1 << 20
    del table
    read = []
    real = pq.ParquetFile.read
    monkeypatch.setattr(pq.ParquetFile, "read", lambda self, *a, **k: read.append(1) or real(self, *a, **k))
    with pytest.raises(InputError, match=r"holds 4\d,\d{3},\d{3} bytes of text"):
        closekit.validate(make.workbook(), journals=[path])
    assert not read  # refused from the footer: no page was read


def test_dictionary_text_over_the_limit_is_refused_before_it_is_decoded(make, monkeypatch):
    monkeypatch.setattr(parquet, "MAX_TEXT_BYTES", 10 << 20)
    table = journal_table(100_000, "x" * 200)
    path = make.folder / "dict.parquet"
    pq.write_table(table, path)
    with pytest.raises(InputError, match=r"holds 22,000,000 bytes of text"):
        closekit.validate(make.workbook(), journals=[path])
