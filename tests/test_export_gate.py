"""Issue 16 item 9: ``closekit export`` is gated by the close. It refuses (exit 1, nothing written)
when the last close that wrote the Adjustments ended with errors, when the workbook changed since
that close (the input sheets' fingerprint in the RunLog), or when there is no intact RunLog; with
``--force`` it exports and the RunLog records it. The same on the API and the Excel paths."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from closekit import api, cli, excelapp
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import outputs


def closed(tmp_path: Path, *, errors: bool = False) -> Path:
    """The sample company closed through the command line (with ``errors``: a journal line on an
    account the chart does not know, so the close ends with errors but still writes Adjustments)."""
    path = sample.write(tmp_path / "close.xlsx")
    if errors:
        journal = tmp_path / sample.JOURNAL_FILE
        rows = [
            *sample.journal_rows(),
            ["ADJ", "ADJ-2026-10-02", 1, "2026-10-31", "9999", "", "", "EUR", "10.00", "", "10.00", "Typo", "No"],
            ["ADJ", "ADJ-2026-10-02", 2, "2026-10-31", "2900", "", "", "EUR", "", "10.00", "-10.00", "Typo", "No"],
        ]
        journal.write_text(sample.csv_text(rows), encoding="utf-8")
    assert cli.main(["close", str(path)]) == (1 if errors else 0)
    return path


def export(path: Path, out: Path, *extra: str) -> int:
    return cli.main(["export", str(path), "--format", "generic", "--out", str(out), *extra])


def runlog(path: Path) -> list[dict]:
    return outputs.read_runlog(FileWorkbook(path)).frame.to_dict("records")


def edit(path: Path, sheet: str, cell: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell].value = value
    wb.save(path)


def test_a_clean_close_exports(tmp_path):
    path = closed(tmp_path)
    assert export(path, tmp_path / "up.csv") == 0
    assert (tmp_path / "up.csv").read_bytes().startswith(b"\xef\xbb\xbfJournal,Voucher")
    log = runlog(path)  # issue 17: every export records its upload file and vouchers
    assert [r["Result"] for r in log] == ["ok", "ok"]
    assert "up.csv" in log[-1]["Outputs"] and '"sha256"' in log[-1]["Uploads"]
    assert cli.main(["verify-log", str(path)]) == 0


def test_a_close_with_errors_is_not_exported_and_force_is_recorded(tmp_path, capsys):
    path = closed(tmp_path, errors=True)
    capsys.readouterr()
    assert export(path, tmp_path / "up.csv") == 1
    said = capsys.readouterr().out
    assert "Nothing written: the close of" in said and "ended with 1 errors" in said and "--force" in said
    assert not (tmp_path / "up.csv").exists()

    assert export(path, tmp_path / "up.csv", "--force") == 0
    assert (tmp_path / "up.csv").exists()
    last = runlog(path)[-1]
    assert last["Result"] == "forced" and "--force" in last["Command"]
    assert last["Warnings"] >= 1 and last["Errors"] == 0 and "up.csv" in last["Outputs"]
    assert cli.main(["verify-log", str(path)]) == 0  # the forced row is sealed into the chain


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "named"),
    [
        ("Accounts", "B2", "Renamed cash account", "Accounts"),
        ("Rates", "D2", 0.5, "Rates"),
        ("Settings", "B2", "Someone Else BV", "Settings"),
        ("Periods", "C2", "2026-01-30", "Periods"),
    ],
)
def test_a_workbook_changed_since_the_close_is_not_exported(tmp_path, capsys, sheet, cell, value, named):
    path = closed(tmp_path)
    edit(path, sheet, cell, value)
    capsys.readouterr()
    assert export(path, tmp_path / "up.csv") == 1
    said = capsys.readouterr().out
    assert "Nothing written: the workbook changed since the close" in said
    assert f"the sheet {named} no longer holds" in said
    assert not (tmp_path / "up.csv").exists()


def test_what_closekit_writes_or_a_signoff_does_not_stale_the_export(tmp_path):
    """Typing into the Checklist (a sign-off, a note) and putting the period on hold after the close
    change no figure: the export still goes."""
    path = closed(tmp_path)
    edit(path, "Checklist", "H2", "a note typed after the close")
    assert cli.main(["period", str(path), sample.PERIOD, "--status", "on-hold"]) == 0
    assert export(path, tmp_path / "up.csv") == 0


def test_no_runlog_or_a_broken_one_refuses(tmp_path, capsys):
    path = closed(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["RunLog"]["K2"].value = "ok "  # a typed Result: the chain no longer holds
    wb.save(path)
    capsys.readouterr()
    assert export(path, tmp_path / "up.csv") == 1
    assert "is broken at row 2" in capsys.readouterr().out
    wb = openpyxl.load_workbook(path)
    del wb["RunLog"]
    wb.save(path)
    assert export(path, tmp_path / "up.csv") == 1
    assert not (tmp_path / "up.csv").exists()


def test_the_api_refuses_and_writes_nothing(tmp_path):
    path = closed(tmp_path, errors=True)
    result = api.export(path)
    assert not result.ok and result.gate["Code"].tolist() == ["export-unclosed"]
    assert api.write_export(result, tmp_path / "up") == []
    forced = api.export(path, force=True)
    assert forced.ok and forced.forced and forced.findings["Severity"].tolist()[0] == "Warning"
    assert api.write_export(forced, tmp_path / "up", command="test") == [tmp_path / "up.csv"]
    assert runlog(path)[-1]["Command"] == "test"


@pytest.fixture
def xlwings_json(monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
    import xlwings as xw

    from lite_harness import payload

    return lambda path: xw.Book(json=payload(path))


def test_the_excel_button_refuses_over_errors_and_exports_a_clean_close(tmp_path, xlwings_json):
    """A close run from the command line, exported from Excel (the classic add-in, with a folder):
    the live-Excel adapter reads the same fingerprint as the file adapter."""
    broken = tmp_path / "broken"
    broken.mkdir()
    path = closed(broken, errors=True)
    message = excelapp.export_upload(xlwings_json(path), folder=broken)
    assert "refused" in message and "ended with 1 errors" in message
    assert not list(broken.glob("upload-*"))

    path = closed(tmp_path)
    assert "upload-generic.csv" in excelapp.export_upload(xlwings_json(path), folder=tmp_path)
    edit(path, "Accounts", "B2", "Renamed")
    message = excelapp.export_upload(xlwings_json(path), folder=tmp_path / "none")
    assert "refused" in message and "Accounts" in message
