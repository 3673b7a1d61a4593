"""Controls between runs (issue 16 items 1 and 2): a Permanently closed period stays closed whatever
its cell says; a status, a setting or a sign-off typed between runs is reported with who noticed it;
a RunLog cut short or deleted is noticed through the log's head (a custom document property)."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pandas as pd
import pytest

from closekit import cli
from closekit.review import controls
from closekit.sheetio.base import a1
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import outputs


@pytest.fixture
def login(monkeypatch):
    def set_login(name: str) -> None:
        monkeypatch.setenv("LOGNAME", name)
        monkeypatch.setenv("USER", name)

    set_login("anna")
    return set_login


def cell(workbook, sheet: str, key_column: str, key: str, column: str) -> str:
    table = FileWorkbook(workbook).read_sheet(sheet)
    row = int(table.rows[table.frame.index[table.frame[key_column] == key][0]])
    return a1(row, table.meta["column_numbers"][column])


def type_in(workbook, sheet: str, key_column: str, key: str, column: str, value) -> None:
    """Type one cell by hand, as a user in Excel would (no RunLog row)."""
    FileWorkbook(workbook).write_sheets([], {sheet: {cell(workbook, sheet, key_column, key, column): value}})


def findings(workbook) -> pd.DataFrame:
    return FileWorkbook(workbook).read_sheet("Findings").frame


def coded(workbook, code: str) -> pd.DataFrame:
    found = findings(workbook)
    return found[found["Code"] == code]


def head(workbook) -> controls.Head | None:
    return controls.Head.parse(FileWorkbook(workbook).properties().get(controls.HEAD_PROPERTY))


def delete_runlog_rows(workbook, keep: int) -> None:
    """Cut the RunLog to its first ``keep`` rows (the sheet replaced whole, as a user deleting rows)."""
    io = FileWorkbook(workbook)
    table = outputs.read_runlog(io)
    io.write_sheets([outputs.OutputSheet(outputs.RUNLOG, table.frame.iloc[:keep].reset_index(drop=True))])


@pytest.fixture
def closed_period(sample_workbook, login):
    """The sample with 2026-10 Permanently closed through closekit period."""
    assert cli.main(["period", str(sample_workbook), "2026-10", "--status", "permanently-closed", "--yes"]) == 0
    return sample_workbook


def test_open_typed_over_a_permanently_closed_period_is_an_error_and_the_period_stays_closed(closed_period, login):
    type_in(closed_period, "Periods", "Period", "2026-10", "Status", "Open")
    login("ben")
    assert cli.main(["validate", str(closed_period)]) == 1
    reopened = coded(closed_period, "period-reopened")
    row = int(FileWorkbook(closed_period).read_sheet("Periods").frame["Period"].tolist().index("2026-10")) + 2
    assert reopened[["Severity", "Where", "Row", "Column"]].values.tolist() == [["Error", "Periods", row, "Status"]]
    assert "noticed by ben" in reopened["Message"].iloc[0] and "'Open'" in reopened["Message"].iloc[0]
    # the journal dated in it is refused as before the edit: the period is treated as closed
    refused = coded(closed_period, "period-not-open")
    assert len(refused) == 2 and refused["Message"].str.contains("Permanently closed").all()


def test_closekit_period_refuses_to_change_a_retyped_closed_period(closed_period, capsys):
    type_in(closed_period, "Periods", "Period", "2026-10", "Status", "Open")
    before = closed_period.read_bytes()
    capsys.readouterr()
    assert cli.main(["period", str(closed_period), "2026-10", "--status", "on-hold"]) == 2  # refused, as a reopening
    said = capsys.readouterr()
    assert "it is Permanently closed (recorded in RunLog row" in said.out + said.err
    assert closed_period.read_bytes() == before


def test_verify_log_breaks_on_a_retyped_closed_period(closed_period, capsys):
    assert cli.main(["verify-log", str(closed_period)]) == 0
    type_in(closed_period, "Periods", "Period", "2026-10", "Status", "Open")
    capsys.readouterr()
    assert cli.main(["verify-log", str(closed_period)]) == 1
    assert "2026-10 is Permanently closed" in capsys.readouterr().err


def test_the_head_survives_the_runlog_deleted(closed_period, login):
    """With the RunLog gone, the head still names the closed period and the run says the log was cut."""
    assert head(closed_period).closed == ("2026-10",)
    io = FileWorkbook(closed_period)
    io.write_sheets([outputs.OutputSheet(outputs.RUNLOG, pd.DataFrame({"TimeUTC": []}))])  # emptied
    type_in(closed_period, "Periods", "Period", "2026-10", "Status", "Open")
    assert cli.main(["validate", str(closed_period)]) == 1
    assert len(coded(closed_period, "runlog-truncated")) == 1
    assert len(coded(closed_period, "period-reopened")) == 1


def test_a_status_typed_by_hand_is_accepted_and_reported_with_who_noticed(sample_workbook, login):
    assert cli.main(["validate", str(sample_workbook)]) == 0
    type_in(sample_workbook, "Periods", "Period", "2026-09", "Status", "Open")
    login("ben")
    assert cli.main(["validate", str(sample_workbook)]) == 0  # a Warning, not an Error
    changed = coded(sample_workbook, "control-changed")
    assert changed[["Severity", "Where", "Column"]].values.tolist() == [["Warning", "Periods", "Status"]]
    message = changed["Message"].iloc[0]
    assert "Periods 2026-09 Status changed since the last run" in message
    assert "by anna" in message and "noticed by ben" in message and "from 'On hold' to 'Open'" in message
    # the run recorded the new value: the next run says nothing more
    assert cli.main(["validate", str(sample_workbook)]) == 0
    assert coded(sample_workbook, "control-changed").empty


def test_a_setting_edited_between_runs_is_reported(sample_workbook, login):
    assert cli.main(["validate", str(sample_workbook)]) == 0
    type_in(sample_workbook, "Settings", "Setting", "MaterialityAmount", "Value", 50000)
    cli.main(["validate", str(sample_workbook)])
    changed = coded(sample_workbook, "control-changed")
    assert changed["Message"].str.contains("Settings MaterialityAmount changed since the last run").tolist() == [True]
    assert changed["Column"].tolist() == ["Value"]


def test_a_typed_signoff_is_an_info_and_closekits_own_writes_are_not_reported(sample_workbook, login):
    assert cli.main(["close", str(sample_workbook)]) == 0  # writes Checklist cells itself
    assert cli.main(["close", str(sample_workbook)]) == 0
    assert coded(sample_workbook, "control-changed").empty
    task = "Review the ledger journal report and trial balance"
    type_in(sample_workbook, "Checklist", "Task", task, "Preparer", "anna")
    cli.main(["close", str(sample_workbook)])
    typed = coded(sample_workbook, "control-changed")
    assert typed[["Severity", "Column"]].values.tolist() == [["Info", "Preparer"]]


def test_deleting_the_last_runlog_row_is_noticed(sample_workbook, login, capsys):
    for _ in range(3):
        assert cli.main(["validate", str(sample_workbook)]) == 0
    assert head(sample_workbook).rows == 3
    delete_runlog_rows(sample_workbook, 2)
    capsys.readouterr()
    assert cli.main(["verify-log", str(sample_workbook)]) == 1
    assert "has 2 RunLog rows, but its last run recorded 3 rows" in capsys.readouterr().err
    cli.main(["validate", str(sample_workbook)])
    assert coded(sample_workbook, "runlog-truncated")["Severity"].tolist() == ["Error"]


def test_deleting_the_runlog_sheet_is_noticed(sample_workbook, login, capsys):
    assert cli.main(["validate", str(sample_workbook)]) == 0
    with zipfile.ZipFile(sample_workbook) as z:
        assert "docProps/custom.xml" in z.namelist()
    book = openpyxl.load_workbook(sample_workbook)  # the sheet deleted and the file saved, as in Excel
    del book["RunLog"]
    book.save(sample_workbook)
    capsys.readouterr()
    assert cli.main(["verify-log", str(sample_workbook)]) == 1
    assert "has no RunLog sheet, but its last run recorded 1 rows" in capsys.readouterr().err
    cli.main(["validate", str(sample_workbook)])
    assert coded(sample_workbook, "runlog-truncated")["Severity"].tolist() == ["Error"]


def test_the_controls_are_sealed_into_the_row_hash(sample_workbook, login):
    assert cli.main(["validate", str(sample_workbook)]) == 0
    io = FileWorkbook(sample_workbook)
    last = outputs.read_runlog(io).frame.iloc[-1].to_dict()
    snap = json.loads(last["Controls"])
    assert snap["Settings"]["MaterialityAmount"] and snap["Periods"]["2026-10"]["Status"] == "Open"
    forged = {**last, "Controls": last["Controls"].replace('"Open"', '"On hold"', 1)}
    assert outputs.row_hash(forged) != last["RowHash"] == outputs.row_hash(last)


def test_a_user_property_is_kept_and_a_row_without_controls_keeps_its_hash(sample_workbook, login):
    row = {c: "x" for c in outputs.RUNLOG_COLUMNS} | {"PreviousHash": outputs.GENESIS}
    assert outputs.row_hash(row) == outputs.row_hash({**row, "Controls": ""})
    io = FileWorkbook(sample_workbook)
    io.set_properties({"Department": "Finance & Control <NL>"})
    io.write_sheets([outputs.OutputSheet("Notes", pd.DataFrame({"A": [1]}))])
    assert cli.main(["validate", str(sample_workbook)]) == 0
    props = FileWorkbook(sample_workbook).properties()
    assert props["Department"] == "Finance & Control <NL>" and props[controls.HEAD_PROPERTY].startswith("rows=1;")
