"""Period status (domain.md §4 rule 7): Open <-> On hold freely, to Permanently closed with a
confirmation, never back; one Status cell and a RunLog row per change; many companies at once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import closekit
from closekit import cli
from closekit.review import period_status
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.sources.tables import from_rows
from closekit.workbook import outputs

NOW = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)


def periods_table(*rows):
    return from_rows("Periods", [["Period", "Start", "End", "Status"], *rows])


def status_of(workbook, period="2026-10"):
    frame = FileWorkbook(workbook).read_sheet("Periods").frame
    return frame.set_index("Period").loc[period, "Status"]


def runlog(workbook):
    return FileWorkbook(workbook).read_sheet("RunLog").frame


@pytest.mark.parametrize(
    ("old", "new", "confirmed", "outcome"),
    [
        ("Open", "On hold", False, "changed"),
        ("On hold", "Open", False, "changed"),
        ("Open", "Permanently closed", True, "changed"),
        ("On hold", "Permanently closed", True, "changed"),
        ("Open", "Permanently closed", False, "refused"),  # no confirmation
        ("Permanently closed", "Open", True, "refused"),
        ("Permanently closed", "On hold", True, "refused"),
        ("On hold", "On hold", False, "unchanged"),
        ("Permanently closed", "Permanently closed", False, "unchanged"),
    ],
)
def test_each_transition(old, new, confirmed, outcome):
    table = periods_table(["2026-09", "2026-09-01", "2026-09-30", "Open"], ["2026-10", "2026-10-01", "2026-10-31", old])
    change = period_status.plan(table, "2026-10", new, where="close.xlsx", confirmed=confirmed)
    assert (change.old, change.new, change.outcome) == (old, new, outcome)
    assert change.cell == ("D3" if outcome == "changed" else "")


def test_unknown_period_and_sheet_without_status_are_refused():
    table = periods_table(["2026-10", "2026-10-01", "2026-10-31", "Open"])
    assert "not in the Periods sheet" in period_status.plan(table, "2026-11", "Open", where="x").reason
    no_status = from_rows("Periods", [["Period", "Start", "End"], ["2026-10", "2026-10-01", "2026-10-31"]])
    assert period_status.plan(no_status, "2026-10", "Open", where="x").refused


def test_status_spellings():
    assert period_status.parse_status("on-hold") == "On hold"
    assert period_status.parse_status("Permanently closed") == "Permanently closed"
    with pytest.raises(ValueError, match="not a period status"):
        period_status.parse_status("closed")


def test_hold_and_reopen_write_the_status_cell_and_a_runlog_row(sample_workbook):
    change = closekit.set_period_status(sample_workbook, "2026-10", "on-hold", now=NOW, user="anna")
    assert change.changed and change.company == sample.COMPANY and status_of(sample_workbook) == "On hold"
    closekit.set_period_status(sample_workbook, "2026-10", "open", now=NOW, user="ben")
    assert status_of(sample_workbook) == "Open"
    log = runlog(sample_workbook)
    assert log[["User", "Period", "Result"]].values.tolist() == [
        ["anna", "2026-10", "period 2026-10: Open -> On hold"],
        ["ben", "2026-10", "period 2026-10: On hold -> Open"],
    ]
    assert log["TimeUTC"].tolist() == ["2026-11-03 09:30:00"] * 2
    assert outputs.verify_runlog(FileWorkbook(sample_workbook).read_sheet("RunLog"), "close.xlsx").ok
    # every other cell of Periods is as it was
    periods = FileWorkbook(sample_workbook).read_sheet("Periods").frame
    assert periods["Status"].tolist() == [r[3] for r in sample.period_rows()]


def test_reopening_a_permanently_closed_period_is_refused_and_leaves_the_file_byte_identical(sample_workbook, capsys):
    assert cli.main(["period", str(sample_workbook), "2026-10", "--status", "permanently-closed", "--yes"]) == 0
    before = sample_workbook.read_bytes()
    capsys.readouterr()
    for status in ("open", "on-hold"):
        assert cli.main(["period", str(sample_workbook), "2026-10", "--status", status]) == 2
        assert "Permanently closed, which is final" in capsys.readouterr().err
        assert sample_workbook.read_bytes() == before
    assert status_of(sample_workbook) == "Permanently closed"


def test_permanent_close_needs_a_confirmation(sample_workbook, capsys):
    before = sample_workbook.read_bytes()
    assert cli.main(["period", str(sample_workbook), "2026-10", "--status", "permanently-closed"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert sample_workbook.read_bytes() == before


def test_unchanged_and_dry_run_write_nothing(sample_workbook):
    before = sample_workbook.read_bytes()
    assert cli.main(["period", str(sample_workbook), "2026-09", "--status", "on-hold"]) == 0  # already On hold
    assert cli.main(["period", str(sample_workbook), "2026-10", "--status", "on-hold", "--dry-run"]) == 0
    assert sample_workbook.read_bytes() == before


def test_all_over_three_workbooks_with_one_refused(tmp_path, capsys):
    books = [sample.write(tmp_path / name) for name in ("nl.xlsx", "be.xlsx", "de.xlsx")]
    closekit.set_period_status(books[1], "2026-10", "permanently-closed", confirm=True)
    refused_before = books[1].read_bytes()
    code = cli.main(["period", "--all", *map(str, books), "2026-10", "--status", "on-hold"])
    assert code == 2
    table = capsys.readouterr().out
    assert "nl.xlsx" in table and "be.xlsx" in table and "de.xlsx" in table and "refused" in table
    assert [status_of(b) for b in books] == ["On hold", "Permanently closed", "On hold"]
    assert books[1].read_bytes() == refused_before
    for book in books:
        assert outputs.verify_runlog(FileWorkbook(book).read_sheet("RunLog"), book.name).ok


def test_all_reports_an_unreadable_workbook_and_changes_the_others(tmp_path):
    good = sample.write(tmp_path / "good.xlsx")
    changes = closekit.set_period_statuses([tmp_path / "missing.xlsx", good], "2026-10", "on-hold")
    assert [c.outcome for c in changes] == ["refused", "changed"]
    assert "does not exist" in changes[0].reason


def test_many_workbooks_need_all(sample_workbook, capsys):
    assert cli.main(["period", str(sample_workbook), str(sample_workbook), "2026-10", "--status", "open"]) == 2
    assert "--all" in capsys.readouterr().err


def test_period_json_for_scripts(tmp_path, capsys):
    books = [sample.write(tmp_path / name) for name in ("nl.xlsx", "be.xlsx")]
    closekit.set_period_status(books[1], "2026-10", "on-hold")
    assert cli.main(["period", "--all", *map(str, books), "2026-10", "--status", "on-hold", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "workbook": "nl.xlsx",
            "company": sample.COMPANY,
            "period": "2026-10",
            "old": "Open",
            "new": "On hold",
            "outcome": "changed",
            "reason": "",
        },
        {
            "workbook": "be.xlsx",
            "company": sample.COMPANY,
            "period": "2026-10",
            "old": "On hold",
            "new": "On hold",
            "outcome": "unchanged",
            "reason": "it is already On hold",
        },
    ]
