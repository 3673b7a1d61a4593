"""The adversarial corpus: files made to break a reader, each generated here (no blobs committed).

Every case ends in a finding or in exit 2 with one paragraph that says what is wrong, in bounded
time and memory and never with a traceback. The exit-2 cases run the command line in a subprocess
and measure its peak memory (SECURITY.md "Bounded resources").
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

import closekit
from closekit.sources import tables
from conftest import csv_text

HEADER = "Voucher,Date,Account,Debit,Credit,Text\n"
BALANCED = "A1,2026-10-31,6400,1.00,,x\nA1,2026-10-31,2900,,1.00,y\n"
SECONDS, MEGABYTES = 60, 1000  # every hostile case stays far below both
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


#: Runs ``closekit ARGS`` as a child of a fresh, small Python and writes "exit-status peak-KiB" to the
#: file named first. Linux gives a child the memory high-water mark of the process it was forked
#: from, so a child forked straight from a pytest that has grown to 400 MB would report 400 MB
#: whatever it used itself; forked from this launcher it reports its own peak.
_LAUNCHER = """
import os, sys
report, args = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "closekit.cli", *args])
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    fh.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_cli(*args: object, env: dict | None = None, timeout: float = 120) -> Run:
    """``closekit ARGS`` in a subprocess: exit status, output, wall time and peak memory (wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report"
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(report), *map(str, args)],
            stdout=out,
            stderr=err,
            env={**os.environ, **(env or {})},
            start_new_session=True,  # the timer kills the launcher and closekit together
        )
        timer = threading.Timer(timeout, lambda: os.killpg(child.pid, signal.SIGKILL))
        timer.start()
        try:
            child.wait()
        finally:
            timer.cancel()
        seconds = time.monotonic() - started
        code, kib = report.read_text().split() if report.exists() else (str(child.returncode), "0")
        out.seek(0)
        err.seek(0)
        peak = int(kib) / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return Run(int(code), out.read().decode(), err.read().decode(), seconds, peak)


def refused(run: Run, *phrases: str) -> str:
    """Exit 2, one paragraph on stderr naming the problem, no traceback, within the bounds."""
    message = run.stderr.strip()
    assert run.code == 2, (run.code, run.stdout[-2000:], message)
    assert message.startswith("closekit: ") and "\n" not in message, message
    assert "Traceback" not in message and "internal error" not in message, message
    for phrase in phrases:
        assert phrase in message, (phrase, message)
    assert run.seconds < SECONDS and run.peak_mb < MEGABYTES, (run.seconds, run.peak_mb)
    return message


def codes(result) -> set[tuple[str, int, str]]:
    return {(r["Code"], r["Row"], r["Column"]) for r in result.findings.to_dict("records")}


# ------------------------------------------------------------------------------ xlsx builders
def xlsx_bytes(rows: list[list[object]], title: str = "GL") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(data: bytes, change) -> bytes:
    """A copy of a zip package with ``change(name, content) -> content`` applied to every member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            content = change(info.filename, zin.read(info))
            zout.writestr(info.filename, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def sheet_part(data: bytes, title: str) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


def bomb(xml: bytes, megabytes: int = 50) -> bytes:
    """The same sheet with ``megabytes`` of blanks inside sheetData: packs about 1000 to 1."""
    return xml.replace(b"<sheetData>", b"<sheetData>" + b" " * (megabytes << 20), 1)


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def with_doctype(xml: bytes) -> bytes:
    text = xml.decode()
    at = text.index("?>") + 2 if text.startswith("<?xml") else 0
    return (text[:at] + BILLION_LAUGHS + text[at:]).encode()


def journal_xlsx(make, data: bytes, name: str = "j.xlsx") -> Path:
    return make.file(name, data)


GOOD_ROWS = [
    ["Voucher", "Date", "Account", "Debit", "Credit", "Text"],
    ["A1", "2026-10-31", "6400", 1, None, "x"],
    ["A1", "2026-10-31", "2900", None, 1, "y"],
]


# ------------------------------------------------------------------------------ zip and entity bombs
def test_xlsx_zip_bomb_as_a_source(make):
    data = xlsx_bytes(GOOD_ROWS)
    part = sheet_part(data, "GL")
    path = journal_xlsx(make, rezip(data, lambda n, c: bomb(c) if n == part else c))
    assert path.stat().st_size < 1 << 20  # a few hundred KB on disk, 50 MB unpacked
    message = refused(run_cli("validate", make.workbook(), "--journal", path, "--dry-run"), "zip bomb", part)
    assert str(path) in message


def test_xlsx_zip_bomb_in_the_close_workbook(make):
    workbook = make.workbook()
    data = workbook.read_bytes()
    part = sheet_part(data, "Accounts")
    workbook.write_bytes(rezip(data, lambda n, c: bomb(c) if n == part else c))
    refused(run_cli("validate", workbook), "zip bomb", part)


def test_xlsx_part_declared_larger_than_the_limit_is_refused_from_the_zip_directory(make):
    data = xlsx_bytes(GOOD_ROWS)
    part = sheet_part(data, "GL").encode()
    # Patch the unpacked size in the central directory: only the directory is read, never the data.
    at = data.rindex(b"PK\x01\x02", 0, data.index(part, data.index(b"PK\x01\x02")))
    forged = data[: at + 24] + (3 * 2**30).to_bytes(4, "little") + data[at + 28 :]
    path = journal_xlsx(make, forged)
    refused(run_cli("validate", make.workbook(), "--journal", path, "--dry-run"), "3,221,225,472 bytes", "zip bomb")


@pytest.mark.parametrize("target", ["sheet", "sharedStrings", "workbook"])
def test_entity_bomb_inside_an_xlsx_source(make, target):
    data = xlsx_bytes(GOOD_ROWS)
    part = {"sheet": sheet_part(data, "GL"), "sharedStrings": "xl/sharedStrings.xml", "workbook": "xl/workbook.xml"}
    if part[target] not in zipfile.ZipFile(io.BytesIO(data)).namelist():  # openpyxl writes inline strings
        out = io.BytesIO(data)
        with zipfile.ZipFile(out, "a") as zout:
            zout.writestr(part[target], f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="0"/>')
        data = out.getvalue()
    path = journal_xlsx(make, rezip(data, lambda n, c: with_doctype(c) if n == part[target] else c))
    refused(run_cli("validate", make.workbook(), "--journal", path, "--dry-run"), "DTD or entities", part[target])


def test_entity_bomb_inside_the_close_workbook(make):
    workbook = make.workbook()
    data = workbook.read_bytes()
    part = sheet_part(data, "Accounts")
    workbook.write_bytes(rezip(data, lambda n, c: with_doctype(c) if n == part else c))
    refused(run_cli("validate", workbook), "DTD or entities")


def test_entity_bomb_inside_a_saft_file(make):
    saft = make.file(
        "audit.xml",
        f'<?xml version="1.0"?>{BILLION_LAUGHS}<AuditFile><Header>&lol9;</Header></AuditFile>',
    )
    refused(run_cli("validate", make.workbook(), "--journal", saft, "--dry-run"), "DTD or entities", str(saft))


# ------------------------------------------------------------------------------ sheet area
def far_cell(data: bytes, title: str, ref: str) -> bytes:
    """The sheet with one more cell, at ``ref``, as a hostile writer would put it."""
    part = sheet_part(data, title)
    row = "".join(ch for ch in ref if ch.isdigit())
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>far</t></is></c></row>'.encode()
    return rezip(data, lambda n, c: c.replace(b"</sheetData>", cell + b"</sheetData>") if n == part else c)


def test_a_stray_cell_far_away_does_not_make_the_reader_allocate_17_billion_cells(make):
    # Without the scan, python-calamine asks for 550 GB here and the process aborts (SIGABRT).
    path = journal_xlsx(make, far_cell(xlsx_bytes(GOOD_ROWS), "GL", "XFD1048576"))
    refused(run_cli("validate", make.workbook(), "--journal", path, "--dry-run"), "spans A1:XFD1048576", "stray cell")


def test_a_cell_beyond_excels_last_column(make):
    path = journal_xlsx(make, far_cell(xlsx_bytes(GOOD_ROWS), "GL", "ACOF2"))  # column 20,000
    refused(run_cli("validate", make.workbook(), "--journal", path, "--dry-run"), "outside Excel's sheet")


def test_20000_columns_in_a_csv(make):
    header = HEADER.strip() + "," + ",".join(f"C{i}" for i in range(20_000)) + "\n"
    path = make.file("wide.csv", header + "".join(line + "," * 20_000 + "\n" for line in BALANCED.splitlines()))
    refused(run_cli("validate", make.workbook(), "--journal", path, "--dry-run"), "20,006 columns", "16,384")


def test_too_many_cells(monkeypatch):
    monkeypatch.setattr(tables, "MAX_CELLS", 100)
    with pytest.raises(closekit.errors.InputError, match=r"about 126 cells .* at most 100 per source"):
        tables.read_csv_text(HEADER + BALANCED * 10, "long.csv")
    with pytest.raises(closekit.errors.InputError, match=r"spans A1:F21, 126 cells; closekit reads at most 100"):
        tables.read_xlsx(xlsx_bytes(GOOD_ROWS * 7), "long.xlsx")


# ------------------------------------------------------------------------------ CSV text
@pytest.mark.slow
def test_a_200_mb_single_field_csv(make):
    path = make.folder / "huge.csv"
    with path.open("wb") as fh:
        fh.write(b"Voucher,Date,Account,Debit,Credit,Text\nA1,2026-10-31,6400,1.00,,")
        block = b"A" * (1 << 20)
        for _ in range(200):
            fh.write(block)
        fh.write(b"\n")
    run = run_cli("validate", make.workbook(), "--journal", path, "--dry-run")
    refused(run, "line 2", "209,715,200 bytes long", "131,072 characters")
    assert run.peak_mb < 600, run.peak_mb


def test_a_field_over_the_limit_is_refused_naming_its_line(make):
    path = make.file("long.csv", HEADER + BALANCED + "A2,2026-10-31,6400,1.00,," + "x" * 140_000 + "\n")
    with pytest.raises(closekit.errors.InputError, match=r"line 4: a field is 140,000 bytes long"):
        closekit.validate(make.workbook(), journals=[path])


def test_an_unclosed_quote_swallowing_the_file_is_named(make):
    path = make.file("quote.csv", HEADER + BALANCED + 'A2,2026-10-31,6400,1.00,,"unclosed\n' + BALANCED * 5000)
    with pytest.raises(closekit.errors.InputError, match=r"line 4: a field is longer .* check the quotes"):
        closekit.validate(make.workbook(), journals=[path])


def test_nul_bytes(make):
    path = make.file("nul.csv", (HEADER + "A1,2026-10-31,6400,1.00,,a\x00b\nA1,2026-10-31,2900,,1.00,y\n").encode())
    refused(run_cli("validate", make.workbook(), "--journal", path, "--dry-run"), "NUL byte on line 2")


def test_half_utf8_half_windows_1252(make):
    data = (HEADER + "A1,2026-10-31,6400,1.00,,Größe\n").encode() + "A1,2026-10-31,2900,,1.00,Größe\n".encode("cp1252")
    path = make.file("mixed.csv", data)
    refused(
        run_cli("validate", make.workbook(), "--journal", path, "--dry-run"),
        "mixes two encodings: line 2 is UTF-8 text but line 3 is not",
    )
    # Said explicitly, the encoding wins: every line is read as Windows-1252.
    result = closekit.validate(
        make.workbook(Sources=[["mixed.csv", "journal", "generic", "", "cp1252"]]),
    )
    assert result.ledger.lines["text"].tolist() == ["GrÃ¶ÃŸe", "Größe"]


def test_a_byte_order_mark_in_the_middle(make):
    path = make.file("joined.csv", (HEADER + "A1,2026-10-31,6400,1.00,,x\n\ufeffA1,2026-10-31,2900,,1.00,y\n").encode())
    result = closekit.validate(make.workbook(), journals=[path])
    assert result.ok, result.findings
    assert result.ledger.lines["voucher"].tolist() == ["A1", "A1"]


def test_impossible_dates(make):
    path = make.file("dates.csv", HEADER + "A1,0000-00-00,6400,1.00,,x\nA1,31.02.2026,2900,,1.00,y\n")
    result = closekit.validate(make.workbook(), journals=[path])
    assert {("bad-date", 2, "Date"), ("bad-date", 3, "Date")} <= codes(result)


def test_amounts_with_40_digits_overflow_nan_and_infinity(make):
    path = make.file(
        "amounts.csv",
        HEADER
        + "A1,2026-10-31,6400,"
        + "9" * 40
        + ",,x\n"
        + "A1,2026-10-31,2900,,1e309,y\n"
        + "A2,2026-10-31,6400,NaN,,x\n"
        + "A2,2026-10-31,2900,,-inf,y\n"
        + "A3,2026-10-31,6400,0.000000000000000000000000000000000000001,,x\n",
    )
    result = closekit.validate(make.workbook(), journals=[path])
    found = codes(result)
    for row, column in [(2, "Debit"), (3, "Credit"), (4, "Debit"), (5, "Credit"), (6, "Debit")]:
        assert ("bad-number", row, column) in found, (row, column, result.findings)


# ------------------------------------------------------------------------------ xlsx cells
def test_excel_error_values_are_bad_numbers_and_bad_dates(make):
    rows = [
        GOOD_ROWS[0],
        ["A1", "#N/A", "6400", "#REF!", None, "x"],
        ["A1", "2026-10-31", "2900", None, "#DIV/0!", "#VALUE!"],
    ]
    data = xlsx_bytes(rows)
    assert b't="e"' in zipfile.ZipFile(io.BytesIO(data)).read(sheet_part(data, "GL"))
    result = closekit.validate(make.workbook(), journals=[journal_xlsx(make, data)])
    found = codes(result)
    assert {("bad-date", 2, "Date"), ("bad-number", 2, "Debit"), ("bad-number", 3, "Credit")} <= found
    assert result.ledger.lines["text"].tolist() == ["x", "#VALUE!"]  # a text cell shows what Excel shows
    message = result.findings.set_index(["Code", "Row"]).loc[("bad-number", 2), "Message"]
    assert "#REF!" in str(message)


def test_an_error_value_in_an_input_sheet(make):
    workbook = make.workbook()
    wb = openpyxl.load_workbook(workbook)
    wb["Rates"]["D2"] = "#N/A"
    wb.save(workbook)
    result = closekit.validate(workbook)
    assert any(code in ("bad-number", "bad-setting") and row == 2 for code, row, _ in codes(result)), result.findings
    [message] = result.findings[(result.findings["Where"] == "Rates") & (result.findings["Row"] == 2)]["Message"]
    assert "#N/A" in message


def test_merged_cells_and_hidden_rows_in_accounts(make):
    workbook = make.workbook()
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Accounts"]
    ws.merge_cells("B2:B3")
    ws.row_dimensions[5].hidden = True
    ws.row_dimensions[6].hidden = True
    ws.column_dimensions["J"].hidden = True
    wb.save(workbook)
    result = closekit.validate(workbook)
    found = result.findings.set_index("Code")
    merged = found.loc["merged-cells"]
    assert (merged["Where"], merged["Row"], merged["Column"], merged["Severity"]) == ("Accounts", 2, "Name", "Warning")
    assert "B2:B3 are merged" in merged["Message"]
    hidden = found.loc["hidden-cells"]
    assert (hidden["Where"], hidden["Row"], hidden["Severity"]) == ("Accounts", 5, "Info")
    assert "rows 5 to 6 and column J are hidden" in hidden["Message"]
    assert ("bad-setting", 3, "Name") in codes(result)  # the merged-away name, at the row a person sees


def test_merged_cells_and_hidden_rows_in_an_xlsx_source(make):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([*GOOD_ROWS, ["A2", "2026-10-31", "6400", 2, None, "z"]])))
    ws = wb["GL"]
    ws.merge_cells("F2:F3")
    ws.row_dimensions[4].hidden = True
    out = io.BytesIO()
    wb.save(out)
    result = closekit.validate(make.workbook(), journals=[journal_xlsx(make, out.getvalue())])
    found = codes(result)
    assert ("merged-cells", 2, "Text") in found and ("hidden-cells", 4, "") in found


# ------------------------------------------------------------------------------ not what they say
@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (csv_text([["A1", "2026-10-31", "6400", "", "", "", "EUR", "1.00", "", "x"]]), "not a zip package"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "old .xls or a password-protected"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 512,
            "password",
        ),
    ],
    ids=["csv", "xls", "encrypted"],
)
def test_a_close_workbook_that_is_not_one(make, content, phrase):
    path = make.file("close.xlsx", content)
    refused(run_cli("validate", path), phrase)


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("gl.xlsx", HEADER + BALANCED, "not a zip package"),
        ("gl.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "password-protected"),
        ("gl.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000, "password-protected"),
    ],
    ids=["csv-named-xlsx", "xls-named-xlsx", "xls-named-csv"],
)
def test_a_source_that_is_not_what_its_name_says(make, name, content, phrase):
    path = make.file(name, content)
    refused(run_cli("validate", make.workbook(), "--journal", path, "--dry-run"), phrase)


# ------------------------------------------------------------------------------ paths
def test_a_sources_path_that_leaves_the_workbooks_folder(make):
    workbook = make.workbook(Sources=[["../../etc/passwd", "ledger", "generic"]])
    message = refused(run_cli("validate", workbook), "../../etc/passwd (Sources row 2) points to")
    assert f"points to {Path(os.path.realpath(make.folder / '../../etc/passwd'))}" in message
    assert "outside the workbook's folder" in message and "--source" in message
    assert "root:" not in message  # nothing of the file was read


def test_a_link_inside_the_folder_that_points_outside_is_refused_too(make, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "gl.csv"
    outside.write_text(HEADER + BALANCED)
    (make.folder / "gl.csv").symlink_to(outside)
    workbook = make.workbook(Sources=[["gl.csv", "journal", "generic"]])
    with pytest.raises(closekit.errors.InputError, match=f"points to {outside.resolve()}, outside"):
        closekit.validate(workbook)
    # A folder listed in CLOSEKIT_SOURCE_DIRS is trusted; a file named by the caller is read anyway.
    os.environ["CLOSEKIT_SOURCE_DIRS"] = str(outside.parent)
    assert closekit.validate(workbook).ok
    del os.environ["CLOSEKIT_SOURCE_DIRS"]
    assert closekit.validate(make.workbook(name="other.xlsx"), journals=[outside]).ok


def test_subfolders_of_the_workbooks_folder_are_fine(make):
    (make.folder / "exports").mkdir()
    (make.folder / "exports" / "gl.csv").write_text(HEADER + BALANCED)
    assert closekit.validate(make.workbook(Sources=[["exports/gl.csv", "journal", "generic"]])).ok
    assert closekit.validate(make.workbook(Sources=[["exports/../exports/gl.csv", "journal", "generic"]])).ok


def test_symlink_loops(make):
    (make.folder / "a.csv").symlink_to(make.folder / "b.csv")
    (make.folder / "b.csv").symlink_to(make.folder / "a.csv")
    workbook = make.workbook(Sources=[["a.csv", "ledger", "generic"]])
    refused(run_cli("validate", workbook), "a.csv (Sources row 2): the path loops through symbolic links")
    refused(
        run_cli("validate", make.workbook(name="plain.xlsx"), "--journal", make.folder / "a.csv", "--dry-run"),
        "loops through symbolic links",
    )
    (make.folder / "x.xlsx").symlink_to(make.folder / "y.xlsx")
    (make.folder / "y.xlsx").symlink_to(make.folder / "x.xlsx")
    refused(run_cli("validate", make.folder / "x.xlsx"), "symbolic link that leads nowhere")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_as_a_source_does_not_read_forever(make):
    refused(
        run_cli("validate", make.workbook(), "--journal", "/dev/zero", "--dry-run"),
        "not a regular file",
    )


def test_cells_under_another_prefix_or_without_references_are_measured_too():
    data = xlsx_bytes(GOOD_ROWS)
    part = sheet_part(data, "GL")
    prefixed = f'<row r="9"><y:c xmlns:y="{MAIN}" r="XFD1048576"><y:v>1</y:v></y:c></row>'.encode()
    hidden = rezip(data, lambda n, c: c.replace(b"</sheetData>", prefixed + b"</sheetData>") if n == part else c)
    with pytest.raises(closekit.errors.InputError, match="spans A1:XFD1048576"):
        tables.read_xlsx(hidden, "prefixed.xlsx")
    # A writer that leaves out the references: cells count from the left, rows from the top.
    wide = b"<row>" + b"<c><v>1</v></c>" * 20_000 + b"</row>"
    rowless = rezip(data, lambda n, c: c.replace(b"</sheetData>", wide + b"</sheetData>") if n == part else c)
    with pytest.raises(closekit.errors.InputError, match="outside Excel's sheet"):
        tables.read_xlsx(rowless, "wide.xlsx")


def test_a_sheet_without_references_keeps_its_error_values_in_place():
    text = '<c t="inlineStr"><is><t>{}</t></is></c>'
    rows = "<row>" + "".join(text.format(v) for v in GOOD_ROWS[0]) + "</row>"
    rows += '<row><c t="inlineStr"><is><t>A1</t></is></c><c t="e"><v>#N/A</v></c><c><v>6400</v></c></row>'
    data = xlsx_bytes(GOOD_ROWS)
    part = sheet_part(data, "GL")
    plain = rezip(
        data,
        lambda n, c: (
            (c[: c.index(b"<sheetData>") + 11] + rows.encode() + c[c.index(b"</sheetData>") :]) if n == part else c
        ),
    )
    table = tables.read_xlsx(plain, "plain.xlsx")
    assert table.frame.iloc[0].tolist()[:3] == ["A1", "#N/A", 6400]
