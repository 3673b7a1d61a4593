"""Large-ledger paths: the optional accelerators change nothing, Excel's row limit, Parquet sources,
the progress hook. Every table here is small: the limits are monkeypatched, never reached."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from decimal import Decimal

import pandas as pd
import pytest

import closekit
from closekit.core import accel
from closekit.samples import company as sample
from closekit.sheetio import split, xlsx_sheet
from closekit.sheetio.base import OutputSheet
from closekit.sheetio.files import FileWorkbook

NOW = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_the_close_is_the_same_with_and_without_accelerators(tmp_path):
    fast_book = sample.write(tmp_path / "fast" / "close.xlsx")
    plain_book = tmp_path / "plain" / "close.xlsx"
    shutil.copytree(fast_book.parent, plain_book.parent)

    fast = closekit.close(fast_book)
    with accel.disabled():
        assert accel.arrow() is None
        plain = closekit.close(plain_book)
    pd.testing.assert_frame_equal(fast.findings, plain.findings)
    pd.testing.assert_frame_equal(fast.run.adjustments, plain.run.adjustments)
    pd.testing.assert_frame_equal(fast.validation.ledger.lines, plain.validation.ledger.lines)
    assert fast.run.tables.keys() == plain.run.tables.keys()
    for name, table in fast.run.tables.items():
        pd.testing.assert_frame_equal(table, plain.run.tables[name], obj=name)

    closekit.write_close(fast, now=NOW, user="test")
    with accel.disabled():
        closekit.write_close(plain, now=NOW, user="test")
    fast_parts, plain_parts = _parts(fast_book), _parts(plain_book)
    assert fast_parts.keys() == plain_parts.keys()
    different = [name for name in fast_parts if fast_parts[name] != plain_parts[name]]
    assert different == []


def _sheet_xml(frame: pd.DataFrame, formats: dict[str, str]) -> bytes:
    plan = xlsx_sheet.plan_sheet(OutputSheet("Report", frame, formats=formats), date1904=False)
    plan.assign_styles(dict(header=1, text=2, amount=3, integer=4, general=5, date=6, datetime=7))
    return b"".join(p.encode() if isinstance(p, str) else bytes(p) for p in xlsx_sheet._sheet_chunks(plan))


def test_sheet_xml_is_byte_for_byte_the_same_built_in_arrow_or_in_python(monkeypatch):
    monkeypatch.setattr(xlsx_sheet, "CHUNK_ROWS", 3)  # several chunks, some with mixed cells
    frame = pd.DataFrame(
        {
            "Voucher": ["V1", "a<b & 'c'", None, "=SUM(A1)", "_x0041_", " lead", "x\x01y", "last"],
            "Date": [dt.date(2026, 10, d) for d in range(1, 9)],
            "Amount": [Decimal("1.00"), Decimal("-0.05"), None, Decimal("123456789.12"), Decimal("0.00")] * 1
            + [Decimal("1E+2"), Decimal("7.10"), Decimal("3")],
            "Count": [1, 2, 3, 4, 5, 6, 7, 8],
            "Mixed": ["t", 1.5, None, True, dt.date(2026, 1, 1), Decimal("2.5"), float("inf"), 7],
            "When": pd.to_datetime(["2026-10-01 12:30", None, "2026-10-03 00:00", "2026-10-04 00:00"] * 2),
        }
    )
    formats = {"Amount": "amount", "Date": "date"}
    fast = _sheet_xml(frame, formats)
    with accel.disabled():
        plain = _sheet_xml(frame, formats)
    assert fast == plain
    assert b"a&lt;b &amp; 'c'" in fast and b"_x005F_x0041_" in fast and b"<f>" not in fast


# ------------------------------------------------------------------------- Excel's row limit


def _rows(book, name) -> list[list[object]]:
    table = FileWorkbook(book).read_sheet(name)
    return [table.columns, *table.frame.astype(object).values.tolist()] if table is not None else None


def test_an_output_longer_than_a_sheet_is_split_over_numbered_sheets_never_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(split, "ROWS_PER_SHEET", 3)
    book = sample.write(tmp_path / "close.xlsx")
    report = pd.DataFrame({"Voucher": [f"V{i}" for i in range(1, 8)], "Amount": [Decimal(i) for i in range(1, 8)]})
    FileWorkbook(book).write_sheets([OutputSheet("GeneralJournal", report, formats={"Amount": "amount"})])
    assert _rows(book, "GeneralJournal") == [["Voucher", "Amount"], ["V1", 1], ["V2", 2], ["V3", 3]]
    assert _rows(book, "GeneralJournal (2)") == [["Voucher", "Amount"], ["V4", 4], ["V5", 5], ["V6", 6]]
    assert _rows(book, "GeneralJournal (3)") == [["Voucher", "Amount"], ["V7", 7]]

    # A shorter run later: the third part it no longer needs keeps its header and loses its rows.
    FileWorkbook(book).write_sheets([OutputSheet("GeneralJournal", report.head(4))])
    assert _rows(book, "GeneralJournal (2)") == [["Voucher", "Amount"], ["V4", 4]]
    assert _rows(book, "GeneralJournal (3)") == [["Voucher", "Amount"]]


def test_the_close_writes_every_general_journal_row_across_the_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(split, "ROWS_PER_SHEET", 10)
    book = sample.write(tmp_path / "close.xlsx")
    result = closekit.close(book)
    closekit.write_close(result, now=NOW, user="test")
    expected = len(result.run.tables["general_journal"])
    names = [n for n in FileWorkbook(book).sheet_names() if n.startswith("GeneralJournal")]
    assert names == ["GeneralJournal", *[f"GeneralJournal ({i})" for i in range(2, len(names) + 1)]]
    assert len(names) == -(-expected // 10) > 1
    assert sum(len(_rows(book, n)) - 1 for n in names) == expected


def test_each_part_keeps_the_links_and_indentation_of_its_own_rows(tmp_path, monkeypatch):
    """A split output's Findings links and a statement's indentation follow their rows into the
    part that holds them (they were the whole's: part 2 linked part 1's cells, and indenting
    failed on a part shorter than the whole)."""
    import openpyxl

    monkeypatch.setattr(split, "ROWS_PER_SHEET", 3)
    book = sample.write(tmp_path / "close.xlsx")
    frame = pd.DataFrame({"Name": [f"N{i}" for i in range(1, 8)], "Level": [0, 1, 2, 3, 2, 1, 0]})
    links = {"A3": "'Settings'!B2", "A6": "'Settings'!B5", "A8": "'Settings'!B7"}  # rows 2, 5, 7 of the data
    sheet = OutputSheet("Report", frame, links=links, indents={"Name": frame["Level"]})
    FileWorkbook(book).write_sheets([sheet])
    wb = openpyxl.load_workbook(book)
    parts = [wb["Report"], wb["Report (2)"], wb["Report (3)"]]
    assert [[ws.cell(r, 1).alignment.indent for r in range(2, ws.max_row + 1)] for ws in parts] == [
        [0, 1, 2], [3, 2, 1], [0]
    ]
    assert [{c.coordinate: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink}
            for ws in parts] == [{"A3": "'Settings'!B2"}, {"A3": "'Settings'!B5"}, {"A2": "'Settings'!B7"}]


def test_numbered_sheet_names_stay_within_excels_31_characters():
    assert split.part_name("GeneralJournal", 1) == "GeneralJournal"
    assert split.part_name("GeneralJournal", 12) == "GeneralJournal (12)"
    assert split.part_name("A" * 31, 2) == "A" * 27 + " (2)"


def test_a_writer_that_cannot_split_refuses_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(split, "ROWS_PER_SHEET", 2)
    sheet = OutputSheet("GeneralJournal", pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(split.TooManyRows, match=r"GeneralJournal output has 3 rows, more than an Excel sheet holds"):
        split.refuse_over_limit(sheet, "close.xlsx")
    split.refuse_over_limit(OutputSheet("TrialBalance", pd.DataFrame({"a": [1, 2]})), "close.xlsx")


# ------------------------------------------------------------------------------- Parquet sources

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

LEDGER = [  # Journal, Voucher, Line, Date, Account, Department, CostCenter, Currency, Debit, Credit, Text
    ["GEN", "V1", 1, "2026-10-05", "6200", "ADMIN", "", "EUR", "100.00", "", "Rent"],
    ["GEN", "V1", 2, "2026-10-05", "1200", "", "", "EUR", "", "100.00", "Rent"],
    ["GEN", "V2", 1, "2026-10-06", "6300", "SALES", "", "EUR", "12.34", "", "Power"],
    ["GEN", "V2", 2, "2026-10-06", "1200", "", "", "EUR", "", "12.34", "Power"],
]


def _typed_ledger() -> pa.Table:
    """The LEDGER rows as a Parquet export types them: dates, decimals, integers, two extra columns."""
    columns = list(zip(*LEDGER, strict=True))
    amount = pa.decimal128(12, 2)
    return pa.table(
        {
            "Journal": list(columns[0]),
            "Voucher": list(columns[1]),
            "Line": pa.array(columns[2], pa.int32()),
            "Date": pa.array([dt.date.fromisoformat(d) for d in columns[3]], pa.date32()),
            "Account": pa.array([int(a) for a in columns[4]], pa.int64()),
            "Department": list(columns[5]),
            "CostCenter": pa.array([None] * 4, pa.string()),
            "Currency": list(columns[7]),
            "Debit": pa.array([Decimal(v) if v else None for v in columns[8]], amount),
            "Credit": pa.array([Decimal(v) if v else None for v in columns[9]], amount),
            "Text": list(columns[10]),
            "CreatedBy": ["ann", "ann", "bob", "bob"],  # not part of the generic layout: never read
            "Blob": [b"\x00" * 10] * 4,
        }
    )


def test_a_parquet_source_reads_like_the_same_csv(make):
    book = make.workbook(Sources=[["gl.parquet", "ledger", "generic"]])
    pq.write_table(_typed_ledger(), book.parent / "gl.parquet")
    csv_book = make.workbook("csv.xlsx", Sources=[["gl.csv", "ledger", "generic"]])
    make.journal(LEDGER, name="gl.csv")

    from_parquet, from_csv = closekit.validate(book), closekit.validate(csv_book)
    columns = ["journal", "voucher", "line", "date", "account", "Department", "currency", "amount", "text"]
    pd.testing.assert_frame_equal(from_parquet.ledger.lines[columns], from_csv.ledger.lines[columns])
    assert from_parquet.ledger.lines["amount"].tolist() == [10000, -10000, 1234, -1234]
    assert from_parquet.ledger.lines["row"].tolist() == [1, 2, 3, 4]  # record numbers
    info = from_parquet.ledger.sources[0]
    assert info.meta["columns_read"] == [
        "Journal", "Voucher", "Line", "Date", "Account", "Department", "CostCenter", "Currency", "Debit", "Credit",
        "Text",
    ]  # fmt: skip
    assert info.sha256 and info.format == "generic"


def test_a_parquet_file_on_the_command_line_is_read_too(make):
    book = make.workbook()
    pq.write_table(_typed_ledger(), book.parent / "export.parquet")
    result = closekit.validate(book, sources=[book.parent / "export.parquet"])
    assert len(result.ledger.lines) == 4
    assert result.ledger.sources[0].where.endswith("export.parquet")


def test_a_bad_cell_in_parquet_names_its_record_and_column(make):
    book = make.workbook(Sources=[["gl.parquet", "ledger", "generic"]])
    table = _typed_ledger().set_column(8, "Debit", pa.array(["100.00", "", "12,3x4", ""]))
    pq.write_table(table, book.parent / "gl.parquet")
    found = closekit.validate(book).findings
    bad = found[found["Code"] == "bad-number"]
    assert bad[["Where", "Row", "Column"]].values.tolist() == [["gl.parquet", 3, "Debit"]]


def test_a_damaged_parquet_file_or_no_pyarrow_is_a_clear_error(make, monkeypatch):
    book = make.workbook(Sources=[["gl.parquet", "ledger", "generic"]])
    make.file("gl.parquet", b"PAR1 this is not really parquet")
    with pytest.raises(closekit.errors.InputError, match=r"gl.parquet cannot be read as a Parquet file"):
        closekit.validate(book)

    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, globals=None, *args, **kwargs):  # as if pyarrow were not installed, for closekit
        if name.startswith("pyarrow") and (globals or {}).get("__name__") == "closekit.sources.parquet":
            raise ImportError(name)
        return real_import(name, globals, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(closekit.errors.InputError, match=r"reading Parquet needs pyarrow, which is not installed"):
        closekit.validate(book)


# ---------------------------------------------------------------------------------- progress hook


def test_the_close_reports_each_step_as_it_starts(sample_workbook):
    calls = []
    closekit.close(sample_workbook, progress=lambda step, done, total: calls.append((step, done, total)))
    assert calls == [
        ("import", 0, 9),
        ("settlement", 2, 9),
        ("revaluation", 3, 9),
        ("allocation", 4, 9),
        ("trial-balance", 5, 9),
        ("reconciliation", 6, 9),  # the sample's AR and AP tie-outs
        ("statements", 7, 9),
        ("flux", 8, 9),
        ("done", 9, 9),
    ]


def test_a_subset_of_steps_counts_only_those(sample_workbook):
    calls = []
    closekit.close(sample_workbook, steps=["trial-balance"], progress=lambda *call: calls.append(call))
    assert calls == [("import", 0, 1), ("trial-balance", 0, 1), ("done", 1, 1)]


def test_the_progress_bar_draws_on_a_terminal_only():
    import io

    from closekit import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with progress.bar(stream=io.StringIO()) as silent, progress.bar(False, stream=Terminal()) as json_run:
        assert silent is None and json_run is None
    terminal = Terminal()
    with progress.bar(stream=terminal) as shown:
        shown("revaluation", 3, 7)
        shown.step("write")
    assert shown is not None


def test_the_command_line_prints_no_progress_into_json(sample_workbook):
    import json

    from typer.testing import CliRunner

    from closekit import cli

    done = CliRunner().invoke(cli.app, ["close", str(sample_workbook), "--json", "--dry-run"])
    assert json.loads(done.stdout)["period"] == "2026-10"
