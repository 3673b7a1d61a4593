"""Formula injection: texts that a spreadsheet would run (``=``, ``+``, ``-``, ``@``, tab, CR, and
``=cmd|' /C calc'!A0``) go through every text field of a journal into ``closekit close`` and
``closekit export`` in every format there is, and come out inert: no ``<f>`` and inline strings in
every XLSX (the workbook and XLSX uploads), a leading ``'`` in CSV uploads, escaped character data
in XML uploads (SECURITY.md "No text becomes a formula")."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree as SafeET

from closekit import cli, exporters
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.sheetio.xlsx_package import OutputSheet, write_sheets_atomic
from closekit.sources import tables
from conftest import GENERIC_HEADER, BookMaker

CALC = "=cmd|' /C calc'!A0"
MARKUP = '=HYPERLINK("http://x","<b>&x")'
PAYLOADS = [CALC, "=1+2", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2", MARKUP]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PLAIN_NUMBER = re.compile(r"-?\d[\d.,]*")
TEXT_FORMATS = dict.fromkeys(["Journal", "Voucher", "Account", "Text"], "text")


def risky(text: str) -> bool:
    return text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text)


# --------------------------------------------------------------------------------- the close
def quoted_csv(rows: list[list[object]]) -> str:
    out = io.StringIO()  # every field quoted, as an ERP writes texts with tabs and CRs in them
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(GENERIC_HEADER)
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def closed_once(tmp_path_factory) -> Path:
    """A close whose journal carries a payload in every text field (the account through AccountMap),
    with allocation rules whose texts and destination dimension values are payloads too."""
    make = BookMaker(tmp_path_factory.mktemp("injection"))
    rows = sample.workbook_rows()
    shares = [10] * (len(PAYLOADS) - 1) + [100 - 10 * (len(PAYLOADS) - 1)]
    workbook = make.workbook(
        Dimensions=rows["Dimensions"] + [["Department", p, p, "Yes"] for p in PAYLOADS],
        AllocationRules=[
            ["Inject", "Percent", "6300", "6900", 10, "Department=ADMIN", "6300", f"Department={p}", share, "", p]
            for p, share in zip(PAYLOADS, shares, strict=True)
        ],
        AccountMap=[[CALC, "6400"], ["@2900", "2900"]],
    )
    lines = []
    for i, p in enumerate(PAYLOADS):  # tab and CR are trimmed on reading: the number keeps vouchers apart
        lines.append([p, f"{p}{i}", 1, "2026-10-15", CALC, p, "", "EUR", "5.00", "", p])
        lines.append([p, f"{p}{i}", 2, "2026-10-15", "@2900", "", "", "EUR", "", "5.00", p])
    lines.append(["GJ", "IT", 1, "2026-10-15", "6300", "ADMIN", "", "EUR", "100.00", "", "IT"])
    lines.append(["GJ", "IT", 2, "2026-10-15", "2900", "", "", "EUR", "", "100.00", "IT"])
    journal = make.file("journal.csv", quoted_csv(lines))
    assert cli.main(["close", str(workbook), "--journal", str(journal)]) in (0, 1)
    names = FileWorkbook(workbook).sheet_names()
    assert set(names) >= {"Findings", "Adjustments", "GeneralJournal", "TrialBalance", "RunLog"}
    return workbook


@pytest.fixture
def closed(closed_once, tmp_path) -> Path:
    """A copy of the closed workbook for one test (the close runs once per module)."""
    return Path(shutil.copy(closed_once, tmp_path / "close.xlsx"))


# --------------------------------------------------------------------------------- inspecting files
def xlsx_cells(data: bytes) -> list[tuple[str, str, Element, str]]:
    """(part, text, cell element, style) of every cell of every worksheet; no cell may hold a formula."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in zf.namelist():
        root = SafeET.fromstring(zf.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{M}t")) for si in root.iter(f"{M}si")]
    styles = SafeET.fromstring(zf.read("xl/styles.xml"))
    xfs = list(next(styles.iter(f"{M}cellXfs")))
    cells = []
    for part in zf.namelist():
        if not part.startswith("xl/worksheets/") or not part.endswith(".xml"):
            continue
        raw = zf.read(part)
        assert b"<f>" not in raw and b"<f " not in raw and b":f>" not in raw, f"a formula in {part}"
        for cell in SafeET.fromstring(raw).iter(f"{M}c"):
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{M}t"))
            elif kind == "s":
                text = shared[int(cell.find(f"{M}v").text)]
            else:
                value = cell.find(f"{M}v")
                text = "" if value is None else value.text or ""
            xf = xfs[int(cell.get("s", "0"))]
            cells.append((part, text, cell, xf))
    return cells


def assert_inert_xlsx(data: bytes, *, inline_only: bool) -> int:
    """No formula anywhere; every cell whose text looks like one is a text cell with the text
    format or a quote prefix. Returns how many such cells there were."""
    seen = 0
    for part, text, cell, xf in xlsx_cells(data):
        if not risky(text):
            continue
        seen += 1
        kinds = ("inlineStr",) if inline_only else ("inlineStr", "s")
        assert cell.get("t") in kinds, (part, cell.get("r"), text, cell.get("t"))
        assert xf.get("quotePrefix") == "1" or xf.get("numFmtId") == "49", (part, cell.get("r"), text, xf.attrib)
    return seen


def assert_inert_csv(data: bytes) -> int:
    """Every field of a CSV upload that starts like a formula starts with ``'``."""
    text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else _decode(data)
    lines = text.splitlines()
    header = next((line for line in lines[:2] if not line.startswith('"EXTF"')), lines[0])
    delimiter = tables.sniff_delimiter(header)
    seen = 0
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        for field in record:
            assert not risky(field), (field, record)
            seen += field.startswith("'") and risky(field[1:])
    return seen


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def assert_inert_xml(data: bytes) -> int:
    """Well-formed, no DTD; the payloads come back as character data, markup escaped."""
    root = SafeET.fromstring(data)
    texts = {(e.text or "").strip() for e in root.iter()} | {v for e in root.iter() for v in e.attrib.values()}
    assert b"<b>" not in data  # the markup in MARKUP is escaped, never an element
    return sum(1 for p in PAYLOADS if p.strip() in texts)


def exported(workbook: Path, fmt: str) -> tuple[int, list[Path]]:
    out = workbook.parent / f"upload-{fmt}"
    before = set(workbook.parent.iterdir())
    code = cli.main(["export", str(workbook), "--format", fmt, "--out", str(out)])
    return code, sorted(p for p in set(workbook.parent.iterdir()) - before if p.name.startswith("upload-"))


def check_upload(files: list[Path]) -> int:
    seen = 0
    for path in files:
        data = path.read_bytes()
        if data.startswith(b"PK"):
            seen += assert_inert_xlsx(data, inline_only=False)
        elif data.lstrip(b"\xef\xbb\xbf \r\n").startswith(b"<"):
            seen += assert_inert_xml(data)
        else:
            seen += assert_inert_csv(data)
    return seen


# --------------------------------------------------------------------------------- the tests
def test_the_close_workbook_holds_every_payload_as_an_inline_string(closed):
    seen = assert_inert_xlsx(closed.read_bytes(), inline_only=True)
    assert seen >= 20  # the journal's fields in GeneralJournal, the rules' texts in Adjustments, ...
    book = FileWorkbook(closed)
    adjustments = book.read_sheet("Adjustments").frame
    assert CALC in adjustments["Text"].tolist() and CALC in adjustments["Department"].tolist()
    journal = book.read_sheet("GeneralJournal").frame
    assert CALC in journal.to_numpy().tolist()[0] or (journal == CALC).to_numpy().any()


@pytest.mark.parametrize("fmt", list(exporters.available()))
def test_every_upload_format_writes_the_payloads_inert(closed, fmt):
    code, files = exported(closed, fmt)
    assert code in (0, 1)
    if code == 1:  # the ERP would refuse the lines: then nothing is written
        assert files == []
        return
    assert files
    assert check_upload(files) >= 1, f"{fmt}: no payload reached the upload (the test lost its point)"


@pytest.mark.parametrize("fmt", list(exporters.available()))
def test_payloads_in_voucher_journal_text_and_account_of_the_adjustments(closed, fmt):
    """The Adjustments sheet with a payload in each text field an upload carries: the voucher and
    journal (one payload per voucher), the text; then the account itself, which most ERPs refuse."""
    book = FileWorkbook(closed)
    table = book.read_sheet("Adjustments")
    frame = table.frame.copy()
    vouchers = {v: PAYLOADS[i % len(PAYLOADS)] for i, v in enumerate(dict.fromkeys(frame["Voucher"]))}
    frame["Voucher"] = frame["Voucher"].map(vouchers)
    frame["Journal"] = CALC
    frame["Text"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(frame))]
    write_sheets_atomic(closed, [OutputSheet("Adjustments", frame, formats=TEXT_FORMATS)])
    code, files = exported(closed, fmt)
    assert code in (0, 1) and (files if code == 0 else not files)
    if files:
        assert check_upload(files) >= 1
    frame["Account"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(frame))]
    write_sheets_atomic(closed, [OutputSheet("Adjustments", frame, formats=TEXT_FORMATS)])
    for path in files:
        path.unlink()
    code, files = exported(closed, fmt)
    assert code in (0, 1) and (files if code == 0 else not files)
    check_upload(files)


# --------------------------------------------------------------------------------- issue 20: any character
# Hostile text: control characters, ``_xHHHH_`` escapes (an .xlsx reader decodes them), spaces of
# every width, zero-width characters and the fullwidth and small forms of = + - @ before a formula.
import unicodedata  # noqa: E402

import openpyxl  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from closekit.core import cell_text  # noqa: E402
from exportfixtures import adjustments, context  # noqa: E402

HIDERS = ["", " ", "\u3000", "\u00a0", "\u200b", "\ufeff", "\x00", "\x01", "\x1f", "\x7f", "\x85", "\x9f",
          "_x0000_", "_x0001_", "_x0009_", "_x000D_", "_x005F_", "\t", "\r", "\n", "\x0b"]
STARTS = ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\u207c", "_x003D_", "_x005F_x003D_"]
HOSTILE = st.one_of(
    st.builds(lambda a, b, rest: "".join(a) + b + rest,
              st.lists(st.sampled_from(HIDERS), max_size=3), st.sampled_from(STARTS),
              st.sampled_from(["7*191", "cmd|' /C calc'!A0", "SUM(A1:A2)", "HYPERLINK(\"http://x\")", "1+1"])),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])
_ESC = re.compile("_x([0-9A-Fa-f]{4})_")
CONTROLS = {chr(c) for c in [*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]}
XML_LEGAL = {chr(c) for c in range(0x7F, 0xA0)}  # kept by the sheet writer, so a text reads back as written


def reader_view(value: str) -> str:
    """What a spreadsheet may make of a value (the test's own rule, not closekit's): escapes
    decoded, control characters dropped, compatibility forms folded, leading blanks of any kind gone."""
    for _ in range(3):
        value = _ESC.sub(lambda m: chr(int(m[1], 16)), value)
    value = unicodedata.normalize("NFKC", "".join(ch for ch in value if ch not in CONTROLS))
    return value.lstrip("".join(ch for ch in value[:20] if ch.isspace() or unicodedata.category(ch)[0] in "ZC"))


def runs(value: str) -> bool:
    view = reader_view(value)
    return value[:1] in ("\t", "\r", "\n") or (
        view[:1] in ("=", "+", "-", "@") and not PLAIN_NUMBER.fullmatch(view.replace(" ", ""))
    )


def hostile_lines(text: str, voucher: str, department: str):
    return adjustments([
        ("GJ", voucher, 1, "6900", department, "", "10.00", text),
        ("GJ", voucher, 2, "6300", "ADMIN", "", "-10.00", text),
    ])


def csv_fields(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else _decode(data)
    first = next(line for line in text.splitlines()[:2] if not line.startswith('"EXTF"'))
    delimiter = tables.sniff_delimiter(first)
    return [f for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for f in record]


def check_xlsx_by_openpyxl(data: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                assert cell.data_type != "f", (sheet.title, cell.coordinate, value)
                if isinstance(value, str):
                    assert not set(value) & CONTROLS, (sheet.title, cell.coordinate, value)
                    if runs(value):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate, value)


@pytest.mark.parametrize("fmt", list(exporters.available()))
def test_no_formula_through_any_character_in_any_upload(fmt):
    """Every writer, hostile text in the text, voucher and a dimension: read back by csv / openpyxl
    / defusedxml, no field a spreadsheet would run (CSV: none starts like a formula after the
    reader's decoding; XLSX: such a cell carries the quote prefix; every format: no NUL or other
    control character left)."""
    exporter = exporters.available()[fmt]

    @PROPERTY
    @given(text=HOSTILE, voucher=HOSTILE, department=HOSTILE)
    def check(text, voucher, department):
        voucher = voucher or "V1"
        export = exporter.write(hostile_lines(text, voucher, department), context())
        for data in export.files:
            if data.startswith(b"PK"):
                check_xlsx_by_openpyxl(data)
            elif data.lstrip(b"\xef\xbb\xbf \r\n").startswith(b"<"):
                root = SafeET.fromstring(data)  # XML: character data, never run; no control character
                for element in root.iter():
                    assert not set(element.text or "") & CONTROLS, (element.tag, element.text)
            else:
                for field in csv_fields(data):
                    assert not runs(field), (fmt, field)
                    assert not set(field) & CONTROLS, (fmt, field)

    check()


def test_the_nul_escape_payload_of_issue_20_is_quoted_in_every_csv():
    """``_x0000_=7*191`` (and the NUL it decodes to) was written as NUL + ``=7*191``: LibreOffice showed 1337."""
    for payload in ("_x0000_=7*191", "\x00=7*191"):
        for fmt in ("generic", "d365", "netsuite", "quickbooks", "xero", "datev"):
            export = exporters.available()[fmt].write(hostile_lines(payload, "V1", ""), context())
            fields = [f for data in export.files for f in csv_fields(data)]
            assert "'=7*191" in fields, (fmt, fields)
            assert not [f for f in fields if runs(f) or "\x00" in f], (fmt, fields)
        sap = exporters.available()["sap"].write(hostile_lines(payload, "V1", ""), context())
        check_xlsx_by_openpyxl(sap.files[0])


@PROPERTY
@given(texts=st.lists(HOSTILE, min_size=1, max_size=6))
def test_no_formula_through_any_character_in_the_sheet_writer(texts, tmp_path_factory):
    """The workbook's own sheets: every text an inline string with the quote prefix, read by openpyxl."""
    make = BookMaker(tmp_path_factory.mktemp("sheetwriter"))
    workbook = make.workbook()
    import pandas as pd

    write_sheets_atomic(workbook, [OutputSheet("Findings", pd.DataFrame({"Text": texts}), formats={"Text": "text"})])
    book = openpyxl.load_workbook(workbook)
    for row in book["Findings"].iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                assert not set(cell.value) & (CONTROLS - XML_LEGAL), cell.value  # DEL, C1 kept: legal XML
                assert cell.quotePrefix, cell.value


def test_cell_text_rule_examples():
    assert cell_text.safe("_x0000_=7*191") == "'=7*191"
    assert cell_text.safe("\uff1dSUM(1)") == "'\uff1dSUM(1)"
    assert cell_text.safe(" \u200b@A1") == "' \u200b@A1"
    assert cell_text.safe("-12.50") == "-12.50" and cell_text.safe("Rent") == "Rent"
