"""Dates at the edges (issue 20 item 2): workbooks of the 1904 date system read right on every path
(date cells, serial numbers in General cells, text dates; as a source and as the close workbook
itself; python-calamine and the openpyxl fallback), and date cells no reader can convert (-1e308,
beyond 2262) are bad-date findings on their cell instead of a Rust panic. Every fixture is made here."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

import closekit
from closekit.core import parsing
from closekit.errors import InputError
from closekit.samples import company as sample
from closekit.sources import tables
from closekit.workbook import template

DATE_COLUMN = sample.HEADER.index("Date") + 1


def serial1904(day: dt.date) -> int:
    return (day - dt.date(1904, 1, 1)).days


def serial1900(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _as_date(value: object) -> object:
    return value.date() if isinstance(value, dt.datetime) else value


def ledger_xlsx(path: Path, *, mac: bool = True, edit=None) -> list[dt.date]:
    """The sample ledger as an .xlsx (1904 system when ``mac``): its dates by turns a date cell, a
    serial number in a General cell and a text; returns the lines' dates."""
    wb = openpyxl.Workbook()
    if mac:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(sample.HEADER)
    days = []
    for i, row in enumerate(sample.ledger_rows()):
        day = dt.date.fromisoformat(row[3])
        days.append(day)
        row = list(row)
        row[3] = [day, serial1904(day) if mac else serial1900(day), row[3]][i % 3]
        ws.append(row)
        if i % 3 == 0:
            ws.cell(ws.max_row, DATE_COLUMN).number_format = "yyyy-mm-dd"
    if edit:
        edit(ws)
    wb.save(path)
    return days


def close_workbook(folder: Path, *, sources: list[list[object]], mac: bool = True, edit=None) -> Path:
    """The sample company's close workbook, saved in the 1904 date system when ``mac``: every
    Periods date and every other Rates date a serial number in a General cell, the rest date cells."""
    rows = sample.workbook_rows()
    rows["Sources"] = sources
    path = folder / "close.xlsx"
    template.write(path, rows, force=True)
    wb = openpyxl.load_workbook(path)
    if mac:
        wb.epoch = CALENDAR_MAC_1904
        for name, columns, every in (("Periods", (2, 3), 1), ("Rates", (1,), 2)):
            ws = wb[name]
            for r in range(2, ws.max_row + 1):
                for c in columns:
                    day = _as_date(ws.cell(r, c).value)
                    if isinstance(day, dt.date) and r % every == 0:
                        ws.cell(r, c).value = serial1904(day)
                        ws.cell(r, c).number_format = "General"
    if edit:
        edit(wb)
    wb.save(path)
    return path


def periods(result) -> dict[str, tuple[dt.date, dt.date]]:
    table = result.book.calendar.table
    return {p: (s.date(), e.date()) for p, s, e in zip(table["period"], table["start"], table["end"], strict=True)}


def rates(result) -> set[tuple[dt.date, str, str]]:
    table = result.book.rates.table
    return {(d.date(), f, t) for d, f, t in zip(table["date"], table["from"], table["type"], strict=True)}


def errors(result) -> pd.DataFrame:
    found = result.findings
    return found[found["Severity"] == "Error"]


# ------------------------------------------------------------------------------ the 1904 system


def test_parse_dates_counts_serials_from_1904_when_told():
    cells = pd.Series([serial1904(dt.date(2026, 10, 31)), 0.0, -1.0, 1e9, "2026-10-31"], dtype=object)
    dates, bad, _ = parsing.parse_dates(cells, date1904=True)
    assert list(dates[:2]) == [pd.Timestamp("2026-10-31"), pd.Timestamp("1904-01-01")]
    assert dates.iloc[4] == pd.Timestamp("2026-10-31")
    assert list(bad) == [False, False, True, True, False]
    # the same serial in a 1900 workbook is four years and a day earlier
    dates, _, _ = parsing.parse_dates(cells[:1])
    assert dates.iloc[0] == pd.Timestamp("2022-10-30")


def test_a_1904_source_and_workbook_close_with_the_right_dates_and_periods(tmp_path):
    days = ledger_xlsx(tmp_path / "ledger.xlsx")
    book = close_workbook(tmp_path, sources=[["ledger.xlsx", "ledger", "auto"]])

    result = closekit.validate(book)
    assert errors(result).empty, errors(result)[["Where", "Row", "Column", "Message"]].to_string()
    lines = result.ledger.lines.sort_values("row")
    assert [d.date() for d in lines["date"]] == days
    assert periods(result) == {r[0]: (r[1], r[2]) for r in sample.period_rows()}
    assert rates(result) == {(_as_date(r[0]), r[1], r[4]) for r in sample.rate_rows()}

    done = subprocess.run(
        [sys.executable, "-m", "closekit.cli", "close", str(book), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["period"] == "2026-10"
    assert not [f for f in out["findings"] if f["severity"] == "error"]
    assert out["adjustments"] and {a["date"] for a in out["adjustments"]} == {"2026-10-31"}
    assert any(a["journal"] == "revaluation" for a in out["adjustments"])  # the Closing rate of 2026-10-31 was found


def test_the_openpyxl_fallback_reads_1904_workbooks_the_same(tmp_path, monkeypatch):
    days = ledger_xlsx(tmp_path / "ledger.xlsx")
    book = close_workbook(tmp_path, sources=[["ledger.xlsx", "ledger", "auto"]])
    with_calamine = closekit.validate(book)
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # "import python_calamine" fails
    result = closekit.validate(book)
    assert errors(result).empty
    assert [d.date() for d in result.ledger.lines.sort_values("row")["date"]] == days
    assert periods(result) == periods(with_calamine) == {r[0]: (r[1], r[2]) for r in sample.period_rows()}
    assert rates(result) == rates(with_calamine)


def test_a_1900_workbook_is_read_as_before(tmp_path):
    days = ledger_xlsx(tmp_path / "ledger.xlsx", mac=False)
    table = tables.read_xlsx(tmp_path / "ledger.xlsx", "ledger.xlsx")
    assert "date1904" not in table.meta
    book = close_workbook(tmp_path, sources=[["ledger.xlsx", "ledger", "auto"]], mac=False)
    result = closekit.validate(book)
    assert errors(result).empty
    assert [d.date() for d in result.ledger.lines.sort_values("row")["date"]] == days


def _with_flag(path: Path, flag: str) -> bytes:
    source = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b'date1904="1"', flag.encode())
            target.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "flag", ['date1904="True"', 'date1904=" 1"', 'date1904="&#49;"', 'date1904="1" r:date1904="0"']
)
def test_a_date_system_the_readers_take_differently_is_refused(tmp_path, flag):
    # python-calamine reads these as the 1900 system, openpyxl as 1904: dates four years apart
    ledger_xlsx(tmp_path / "ledger.xlsx")
    data = _with_flag(tmp_path / "ledger.xlsx", flag)
    with pytest.raises(InputError, match="date system"):
        tables.read_xlsx(data, "ledger.xlsx")


def test_the_flag_as_excel_and_others_write_it_is_read(tmp_path):
    ledger_xlsx(tmp_path / "ledger.xlsx")
    for flag, mac in (('date1904="true"', True), ('date1904="0"', False), ('date1904="false"', False), ("", False)):
        table = tables.read_xlsx(_with_flag(tmp_path / "ledger.xlsx", flag), "ledger.xlsx")
        assert bool(table.meta.get("date1904")) is mac, flag
        general = table.frame["Date"].iloc[1]  # the serial in a General cell
        assert isinstance(general, float)


# ------------------------------------------------------------------------ absurd date cells


def _absurd(ws, row: int, column: int, value: object) -> None:
    ws.cell(row, column).value = value
    ws.cell(row, column).number_format = "yyyy-mm-dd"


@pytest.mark.parametrize("mac", [False, True])
def test_a_date_cell_of_minus_1e308_in_a_source_is_a_bad_date_on_its_cell(tmp_path, mac):
    # python-calamine panics on the whole sheet ("TimeDelta::milliseconds out of bounds")
    def edit(ws):
        _absurd(ws, 5, DATE_COLUMN, -1e308)
        _absurd(ws, 8, DATE_COLUMN, 1e9)  # beyond Excel's last date
        _absurd(ws, 11, DATE_COLUMN, dt.date(2300, 1, 1))  # beyond what the ledger holds

    ledger_xlsx(tmp_path / "ledger.xlsx", mac=mac, edit=edit)
    book = close_workbook(tmp_path, sources=[["ledger.xlsx", "ledger", "auto"]], mac=mac)
    result = closekit.validate(book)
    bad = result.findings[result.findings["Code"] == "bad-date"]
    assert sorted(zip(bad["Where"], bad["Row"].astype(int), bad["Column"], strict=True)) == [
        ("ledger.xlsx", 5, "Date"),
        ("ledger.xlsx", 8, "Date"),
        ("ledger.xlsx", 11, "Date"),
    ]
    assert "-1e+308" in bad[bad["Row"] == 5]["Message"].iloc[0]
    assert result.lines == len(sample.ledger_rows())  # every row is a line or a finding


@pytest.mark.parametrize("sheet, column", [("Rates", 1), ("Periods", 3)])
def test_a_date_cell_of_minus_1e308_in_rates_or_periods_is_a_finding_on_its_cell(tmp_path, sheet, column):
    def edit(wb):
        _absurd(wb[sheet], 4, column, -1e308)

    path = close_workbook(tmp_path, sources=[], mac=False, edit=edit)
    result = closekit.validate(path)
    hit = result.findings[(result.findings["Where"] == sheet) & (result.findings["Row"] == 4)]
    assert len(hit) == 1, result.findings.to_string()
    assert hit["Column"].iloc[0] == ("Date" if sheet == "Rates" else "End")
    assert "not a date" in hit["Message"].iloc[0]

    done = subprocess.run(
        [sys.executable, "-m", "closekit.cli", "validate", str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode in (0, 1), done.stderr  # findings, not exit 2 or 3
    assert "Traceback" not in done.stderr
