"""Reading files: encodings, delimiters, row numbers, and every unreadable-input path (exit 2)."""

from __future__ import annotations

import codecs

import pytest

import closekit
from closekit.errors import InputError
from closekit.sources.tables import decode, read_csv_text, sniff_delimiter

ROWS = (
    "Voucher;Date;Account;Debit;Credit;Text\n"
    "V1;31.10.2026;6400;1.234,50;;Prüfung\n"
    "V1;31.10.2026;2900;;1.234,50;Gebühr\n"
)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("cp1252", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
    ],
)
def test_encodings_are_detected(encoding, prefix):
    text, _used = decode(prefix + ROWS.encode(encoding), "gl.csv")
    assert "Prüfung" in text and "Gebühr" in text
    assert not text.startswith("\ufeff")


def test_explicit_wrong_encoding_says_where():
    with pytest.raises(InputError, match=r"gl.csv is not valid utf-8 text: byte \d+ \(line 2\)"):
        decode(ROWS.encode("cp1252"), "gl.csv", "utf-8")


@pytest.mark.parametrize(
    ("line", "delimiter"), [("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a|b|c", "|"), ('"x,y";b;c', ";")]
)
def test_delimiter_sniffing(line, delimiter):
    assert sniff_delimiter(line) == delimiter


def test_row_numbers_are_physical_lines_even_with_blank_lines_and_quoted_newlines():
    text = 'Voucher,Date,Text\nV1,2026-10-01,"two\nlines"\n\nV2,2026-10-02,x\n'
    table = read_csv_text(text, "gl.csv")
    assert table.rows.tolist() == [2, 5]
    assert table.frame["Text"].tolist() == ["two\nlines", "x"]


def test_regular_file_takes_the_fast_path_with_the_same_rows():
    table = read_csv_text("A,B\n1,2\n3,4\n", "gl.csv")
    assert table.rows.tolist() == [2, 3]
    assert table.frame["B"].tolist() == ["2", "4"]


def test_ragged_rows_become_bad_row_findings():
    table = read_csv_text("A,B\n1,2\n3,4,5\n6,7\n", "gl.csv")
    assert table.rows.tolist() == [2, 4]
    assert table.findings[["Code", "Row"]].values.tolist() == [["bad-row", 3]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x00\x01\x02\x03garbage\x00\x00\xff\xfe\x00" * 50, "not a text file"),
        (b"PK\x03\x04rest-of-a-zip", "cannot be read as a workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old .xls or a password-protected"),
    ],
)
def test_unreadable_sources_exit_2_with_a_clear_message(make, content, message):
    path = make.file("gl.csv", content)
    with pytest.raises(InputError, match=message):
        closekit.validate(make.workbook(), sources=[path])


def test_missing_source_file(make):
    with pytest.raises(InputError, match="does not exist"):
        closekit.validate(make.workbook(), sources=[make.folder / "nope.csv"])


def test_unrecognised_layout_names_the_header(make):
    path = make.file("odd.csv", "Foo,Bar\n1,2\n")
    with pytest.raises(InputError, match="does not recognise this layout \\(header: Foo, Bar\\)"):
        closekit.validate(make.workbook(), sources=[path])


def test_xlsx_source_wrong_sheet_and_row_numbers(make):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "GL"
    ws.append(["Voucher", "Date", "Account", "Debit", "Credit"])
    ws.append(["V1", "2026-10-31", 6400, 10.5, None])
    ws.append([None, None, None, None, None])
    ws.append(["V1", "2026-10-31", 2900, None, 10.5])
    wb.save(make.folder / "gl.xlsx")
    workbook = make.workbook(Sources=[["gl.xlsx", "ledger", "generic", "GL"]])
    result = closekit.validate(workbook)
    assert result.ok and result.lines == 2
    assert result.ledger.lines["row"].tolist() == [2, 4]
    assert result.ledger.lines["account"].tolist() == ["6400", "2900"]
    bad = make.workbook(name="b.xlsx", Sources=[["gl.xlsx", "ledger", "generic", "Nope"]])
    with pytest.raises(InputError, match="has no sheet 'Nope'; its sheets are: GL"):
        closekit.validate(bad)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip at all", "not an .xlsx workbook"),
        (b"PK\x03\x04" + b"\x00" * 100, "cannot be read as a workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "password-protected"),
    ],
)
def test_corrupt_workbooks(make, content, message):
    path = make.file("close.xlsx", content)
    with pytest.raises(InputError, match=message):
        closekit.validate(path)


def test_missing_workbook_and_wrong_suffix(make):
    with pytest.raises(InputError, match="does not exist"):
        closekit.validate(make.folder / "none.xlsx")
    with pytest.raises(InputError, match=r"expected an \.xlsx or \.xlsm"):
        closekit.validate(make.file("close.csv", "a,b\n"))
