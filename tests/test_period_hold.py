"""The period-hold step: the closed period goes On hold in the same write as the close's outputs,
only when the close had no errors; its Checklist task ticks itself, or says why it did not run."""

from __future__ import annotations

from closekit import cli
from closekit.closing import runner as closing
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import outputs

ALL_STEPS = ",".join([*(s for s in closing.AVAILABLE if s not in closing.ON_REQUEST), "period-hold"])
HOLD_TASK = "Put the period on hold"


def status_of(workbook, period="2026-10"):
    return FileWorkbook(workbook).read_sheet("Periods").frame.set_index("Period").loc[period, "Status"]


def hold_task(workbook):
    return FileWorkbook(workbook).read_sheet("Checklist").frame.set_index("Task").loc[HOLD_TASK]


def explain_flux(workbook):
    """Type an explanation beside every material variance of the Flux sheet (the flux review)."""
    io = FileWorkbook(workbook)
    sheet = io.read_sheet("Flux")
    column = chr(64 + sheet.columns.index("Explanation") + 1)
    needs = zip(sheet.rows, sheet.frame["NeedsExplanation"], strict=True)
    io.write_sheets([], {"Flux": {f"{column}{int(r)}": "Explained" for r, n in needs if n == "Yes"}})


def test_a_clean_close_puts_the_period_on_hold_and_ticks_its_task(sample_workbook, capsys):
    assert cli.main(["close", str(sample_workbook)]) == 0
    explain_flux(sample_workbook)
    assert cli.main(["close", str(sample_workbook), "--steps", ALL_STEPS]) == 0
    assert status_of(sample_workbook) == "On hold"
    assert status_of(sample_workbook, "2026-11") == "Open"
    assert hold_task(sample_workbook)["Status"] == "Done"
    log = FileWorkbook(sample_workbook).read_sheet("RunLog").frame
    assert "Periods!D11 (Status 2026-10: Open -> On hold)" in log["Outputs"].iloc[-1]
    assert outputs.verify_runlog(FileWorkbook(sample_workbook).read_sheet("RunLog"), "close.xlsx").ok
    assert "Adjustments" in FileWorkbook(sample_workbook).sheet_names()  # the same write as the outputs


def test_the_default_close_does_not_hold_the_period(sample_workbook):
    assert cli.main(["close", str(sample_workbook)]) == 0
    assert status_of(sample_workbook) == "Open"
    assert hold_task(sample_workbook)["Status"] == "Not started"


def test_period_hold_is_skipped_over_errors_and_says_why(sample_workbook, capsys):
    journal = sample_workbook.parent / sample.JOURNAL_FILE
    journal.write_text(journal.read_text(encoding="utf-8").replace(",6400,", ",6499,"), encoding="utf-8")
    assert cli.main(["close", str(sample_workbook), "--steps", ALL_STEPS]) == 1
    assert status_of(sample_workbook) == "Open"
    task = hold_task(sample_workbook)
    assert task["Status"] == "Blocked"
    assert task["Notes"].startswith("not run: the close has 1 error (first: unknown-account")
    findings = FileWorkbook(sample_workbook).read_sheet("Findings").frame
    skipped = findings[findings["Code"] == "period-hold-skipped"]
    assert skipped[["Severity", "Where"]].values.tolist() == [["Info", "Periods"]]
    assert "never put on hold over errors" in skipped["Message"].iloc[0]


def test_a_period_already_on_hold_stays_as_it_is(sample_workbook):
    assert cli.main(["close", str(sample_workbook), "--period", "2026-09", "--steps", "validate,period-hold"]) == 0
    assert status_of(sample_workbook, "2026-09") == "On hold"
    assert hold_task(sample_workbook)["Status"] == "Done"
