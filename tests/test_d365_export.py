"""The Dynamics 365 General journal entity writer, read back with the d365 importer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import closekit
from closekit import api
from closekit.core import ledger
from closekit.exporters import ExportContext, available
from closekit.exporters import d365 as d365_export
from closekit.sources import importers
from closekit.sources.importers import d365
from closekit.sources.importers.base import ImportContext
from closekit.sources.tables import decode, read_csv_text
from exportfixtures import DIMENSIONS, adjustments, context


def read_back(data: bytes, dimensions: tuple[str, ...] = DIMENSIONS, delimiter: str = "-") -> pd.DataFrame:
    """The upload read with the d365 importer, as canonical lines (the importer's findings must be none)."""
    text, encoding = decode(data, "upload.csv")
    assert encoding == "utf-8-sig"
    table = read_csv_text(text, "upload.csv", encoding=encoding)
    assert importers.candidates(table) == [d365.IMPORTER]
    mapped = d365.map_table(table, ImportContext(dimensions, delimiter, "EUR"))
    lines, found = ledger.canonical_lines(
        mapped, where="upload.csv", kind="journal", accounting_currency="EUR", dimensions=dimensions
    )
    assert found.empty, found
    return lines


def same_lines(back: pd.DataFrame, lines: pd.DataFrame, dimensions: tuple[str, ...] = DIMENSIONS) -> None:
    keys = ["voucher", "date", "account", *dimensions, "amount_accounting", "text"]
    mine = back[keys].reset_index(drop=True).astype(object)
    theirs = lines[keys].reset_index(drop=True).astype(object)
    pd.testing.assert_frame_equal(mine, theirs)


def frame_of(data: bytes) -> pd.DataFrame:
    return read_csv_text(data.decode("utf-8-sig"), "upload.csv").frame


def test_layout_follows_the_entity_example():
    export = d365_export.write(adjustments(), context())
    assert export.findings.empty and export.suffix == ".csv" and len(export.files) == 1
    data = export.files[0]
    assert data.startswith(b"\xef\xbb\xbf")
    rows = data.decode("utf-8-sig").split("\r\n")
    assert rows[0] == ",".join(d365_export.HEADER)
    assert rows[1] == (
        "2026-10,1,GenJrn,REV-2026-10-0001,2026-10-31,Ledger,7910--,Revaluation of USD 100000.00 at 0.9189,33.00,0,EUR"
    )
    assert rows[2].endswith(",Ledger,1110--,Revaluation of USD 100000.00 at 0.9189,0,33.00,EUR")
    frame = frame_of(data)
    assert frame["LINENUMBER"].tolist() == ["1", "2", "3", "4", "5"]
    assert frame["ACCOUNTDISPLAYVALUE"].tolist() == [
        "7910--",
        "1110--",
        "6900-SALES-CC100",
        "6900-PROD-",
        "6300-ADMIN-",
    ]
    assert set(frame["JOURNALBATCHNUMBER"]) == {"2026-10"} and set(frame["CURRENCYCODE"]) == {"EUR"}


def test_round_trip_through_the_d365_importer():
    lines = adjustments()
    back = read_back(d365_export.write(lines, context()).files[0])
    same_lines(back, lines)
    assert back["row"].tolist() == [2, 3, 4, 5, 6]
    assert set(back["journal"]) == {"2026-10"} and set(back["currency"]) == {"EUR"}


@pytest.mark.parametrize("delimiter", ["-", ".", "|"])
def test_a_delimiter_inside_a_value_is_escaped_and_read_back(delimiter):
    rows = [
        ("manual", "MAN-1", 1, f"61{delimiter}00", f"A{delimiter}B", "", "10.00", "x"),
        ("manual", "MAN-1", 2, "2900", "", f"C\\{delimiter}D", "-10.00", "y"),
        ("manual", "MAN-1", 3, "2900", "", "back\\slash", "0.00", "z"),
    ]
    lines = adjustments(rows)
    export = d365_export.write(lines, context(dimension_delimiter=delimiter))
    assert export.findings.empty
    shown = frame_of(export.files[0])["ACCOUNTDISPLAYVALUE"].tolist()
    d = delimiter
    assert shown == [f"61\\{d}00{d}A\\{d}B{d}", f"2900{d}{d}C\\\\{d}D", f"2900{d}{d}back\\slash"]
    same_lines(read_back(export.files[0], delimiter=delimiter), lines)


SEGMENT = st.text(alphabet="ab-.|\\ ", max_size=6).filter(lambda v: not v.endswith("\\"))


@settings(max_examples=200, deadline=None)
@given(
    segments=st.lists(st.tuples(SEGMENT, SEGMENT, SEGMENT), min_size=1, max_size=5), delimiter=st.sampled_from("-.|")
)
def test_display_values_split_back_into_their_segments(segments, delimiter):
    lines = pd.DataFrame(segments, columns=["account", *DIMENSIONS], dtype="string")
    shown = d365_export.display_value(lines, DIMENSIONS, delimiter)
    parts, counts = d365.split_display(shown, delimiter, 3)
    assert (counts == 3).all()
    back = pd.DataFrame({"account": parts[0], DIMENSIONS[0]: parts[1], DIMENSIONS[1]: parts[2]})
    assert np.array_equal(back.to_numpy(dtype=object), lines.to_numpy(dtype=object))


def test_more_decimals_and_other_currencies():
    rows = [
        ("manual", "MAN-1", 1, "6400", "", "", "1234567.89", "x"),
        ("manual", "MAN-1", 2, "2900", "", "", "-1234567.89", "y"),
    ]
    frame = frame_of(d365_export.write(adjustments(rows), context()).files[0])
    assert frame[["DEBITAMOUNT", "CREDITAMOUNT"]].values.tolist() == [["1234567.89", "0"], ["0", "1234567.89"]]
    jpy = [("manual", "MAN-1", 1, "6400", "", "", "1500", "x"), ("manual", "MAN-1", 2, "2900", "", "", "-1500", "y")]
    frame = frame_of(d365_export.write(adjustments(jpy, currency="JPY"), context("JPY")).files[0])
    assert frame[["DEBITAMOUNT", "CREDITAMOUNT", "CURRENCYCODE"]].values.tolist()[0] == ["1500", "0", "JPY"]


@pytest.mark.parametrize(
    ("period", "batch"),
    [("2026-10", "2026-10"), ("FY2026-P10-X", "FY2026P10X"), ("2026 period 10 long", "2026period"), ("", "closekit")],
)
def test_one_batch_number_of_at_most_10_characters(period, batch):
    assert d365_export.batch_number(period) == batch
    ctx = ExportContext("EUR", DIMENSIONS, "-", "GenJrn", "", period)
    frame = frame_of(d365_export.write(adjustments(), ctx).files[0])
    assert set(frame["JOURNALBATCHNUMBER"]) == {batch}


@pytest.mark.parametrize("name", [None, "", "  "])
def test_missing_journal_name_is_an_export_limit_naming_the_setting(name):
    export = d365_export.write(adjustments(), context(journal_name=name))
    found = export.findings
    assert found[["Severity", "Code", "Where", "Column"]].values.tolist() == [
        ["Error", "export-limit", "Settings", "Value"]
    ]
    assert "JournalName" in found["Message"].iloc[0] and "JournalName" in found["Fix"].iloc[0]


def test_text_and_voucher_limits_at_the_adjustments_rows():
    rows = [
        ("manual", "MAN-2026-10-000000001", 1, "6400", "", "", "5.00", "x" * 60),  # voucher of 21
        ("manual", "MAN-2026-10-000000001", 2, "2900", "", "", "-5.00", "y" * 61),
        ("manual", "MAN-2", 1, "6400", "", "", "5.00", "=" + "z" * 59),  # 61 as written: '=zzz...
        ("manual", "MAN-2", 2, "2900", "", "", "-5.00", "fits"),
    ]
    found = d365_export.write(adjustments(rows), context()).findings
    assert found[["Code", "Row", "Column", "Voucher"]].values.tolist() == [
        ["export-limit", 2, "Voucher", "MAN-2026-10-000000001"],
        ["export-limit", 3, "Voucher", "MAN-2026-10-000000001"],
        ["export-limit", 3, "Text", "MAN-2026-10-000000001"],
        ["export-limit", 4, "Text", "MAN-2"],
    ]
    assert "21 characters" in found["Message"].iloc[0] and "61 characters" in found["Message"].iloc[2]


def test_a_value_ending_in_a_backslash_is_refused():
    rows = [
        ("manual", "MAN-1", 1, "6400", "SALES\\", "", "5.00", "x"),
        ("manual", "MAN-1", 2, "2900", "", "", "-5.00", "y"),
    ]
    found = d365_export.write(adjustments(rows), context()).findings
    assert found[["Code", "Row", "Column"]].values.tolist() == [["export-limit", 2, "Department"]]


FORMULAS = ['=HYPERLINK("http://x")', "+1+2", "-A1", "@SUM(A1)"]


def test_formula_looking_text_stays_text():
    rows = [
        ("manual", "MAN-1", i + 1, "6400" if i % 2 == 0 else "2900", "", "", "5.00" if i % 2 == 0 else "-5.00", t)
        for i, t in enumerate(FORMULAS)
    ]
    rows[0] = ("manual", "MAN-1", 1, "6400", "=1+2", "", "5.00", FORMULAS[0])
    export = d365_export.write(adjustments(rows), context())
    assert export.findings.empty
    frame = frame_of(export.files[0])
    assert frame["TEXT"].tolist() == ["'" + t for t in FORMULAS]
    assert frame["ACCOUNTDISPLAYVALUE"].tolist()[0] == "6400-=1+2-"  # starts with the account: no formula


def test_registered():
    assert available()["d365"] is d365_export.EXPORTER


def test_close_then_export_d365(sample_workbook, tmp_path):
    api.write_close(closekit.close(sample_workbook))
    exported = api.export(sample_workbook, format="d365")
    assert exported.ok and exported.lines == 7  # the 59-character revaluation text fits TEXT's 60
    assert exported.manual_vouchers == 1  # the sample's audit fee accrual, approved by the rules
    written = api.write_export(exported, tmp_path / "journal")
    assert written == [tmp_path / "journal.csv"]
    back = read_back(written[0].read_bytes())
    assert back["amount_accounting"].sum() == 0 and len(back) == 7
    assert set(back["voucher"]) == {"REV-2026-10-USD", "ALC-2026-10-0001", "ADJ-2026-10-01"}
