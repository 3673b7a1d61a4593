"""The sign-off rules hold on every path (issue 16 item 3): the command refuses what a name typed
into the Checklist is reported for; the reviewer is another person and signs after the preparer; a
typed date is neither in the future nor before the figures existed; a typed sign-off is stamped
with the login of the run; a review task is Done only once prepared and reviewed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from closekit import cli
from closekit.sheetio.base import a1
from closekit.sheetio.files import FileWorkbook

TB_TASK = "Review the ledger journal report and trial balance"
FLUX_TASK = "Review the flux analysis and explain material variances"


def today() -> dt.date:
    """The run's day, read when a test runs (not when the module is collected: a test run that
    passes midnight UTC would type yesterday's date beside figures produced today)."""
    return dt.datetime.now(dt.UTC).date()


@pytest.fixture
def closed(sample_workbook, monkeypatch):
    """The sample workbook after one close, run by the login ``kim``."""
    monkeypatch.setenv("LOGNAME", "kim")
    monkeypatch.setenv("USER", "kim")
    assert cli.main(["close", str(sample_workbook)]) == 0
    return sample_workbook


def close(workbook) -> pd.DataFrame:
    """``closekit close`` through the CLI; the findings it wrote."""
    cli.main(["close", str(workbook)])
    return FileWorkbook(workbook).read_sheet("Findings").frame


def task(workbook, name=TB_TASK) -> pd.Series:
    return FileWorkbook(workbook).read_sheet("Checklist").frame.set_index("Task").loc[name]


def cell_of(workbook, name: str, column: str) -> str:
    sheet = FileWorkbook(workbook).read_sheet("Checklist")
    row = int(sheet.rows[sheet.frame.index[sheet.frame["Task"] == name][0]])
    return a1(row, sheet.meta["column_numbers"][column])


def row_of(workbook, name: str = TB_TASK) -> int:
    sheet = FileWorkbook(workbook).read_sheet("Checklist")
    return int(sheet.rows[sheet.frame.index[sheet.frame["Task"] == name][0]])


def type_in(workbook, name: str = TB_TASK, **cells: object) -> None:
    """Type cells of a task's row by hand (as a user in Excel would)."""
    FileWorkbook(workbook).write_sheets([], {"Checklist": {cell_of(workbook, name, k): v for k, v in cells.items()}})


def signoff(workbook, role: str, name: str, task_name: str = TB_TASK) -> int:
    return cli.main(["signoff", str(workbook), task_name, "--as", role, "--name", name])


def coded(found: pd.DataFrame, code: str) -> pd.DataFrame:
    return found[found["Code"] == code]


def test_a_typed_reviewer_who_is_the_preparer_does_not_count(closed):
    assert signoff(closed, "preparer", "anna") == 0
    type_in(closed, Reviewer="Anna", ReviewedAt=today().isoformat())
    found = coded(close(closed), "signoff-same-person")
    assert found[["Severity", "Where", "Row", "Column"]].values.tolist() == [
        ["Error", "Checklist", row_of(closed), "Reviewer"]
    ]
    assert "preparer and reviewer must be two people" in found["Message"].iloc[0]
    row = task(closed)
    assert (row["Reviewer"], row["ReviewedAt"], row["ReviewedHash"], row["Status"]) == ("Anna", "", "", "In progress")


def test_the_command_refuses_the_same_person_and_a_reviewer_before_the_preparer(closed, capsys):
    before = closed.read_bytes()
    assert signoff(closed, "reviewer", "ben") == 2
    assert "the reviewer signs after the preparer" in capsys.readouterr().err
    assert closed.read_bytes() == before
    type_in(closed, Preparer="anna", PreparedAt=today().isoformat())  # typed, not yet seen by a close
    assert signoff(closed, "reviewer", "ANNA") == 2
    assert "preparer and reviewer must differ" in capsys.readouterr().err
    assert signoff(closed, "reviewer", "ben") == 0
    assert signoff(closed, "preparer", "carl") == 2  # the reviewer signed: a preparer now would come after
    assert "ben reviewed task" in capsys.readouterr().err


def test_a_typed_reviewer_without_the_preparer_or_before_the_preparer_is_out_of_order(closed):
    type_in(closed, Reviewer="ben", ReviewedAt=today().isoformat())
    found = coded(close(closed), "signoff-out-of-order")
    assert found[["Severity", "Row", "Column"]].values.tolist() == [["Error", row_of(closed), "ReviewedAt"]]
    assert "comes before any preparer's" in found["Message"].iloc[0]
    assert task(closed)["ReviewedAt"] == ""

    assert signoff(closed, "preparer", "anna") == 0
    prepared = task(closed)["PreparedAt"]  # closekit's stamp: today, with the time
    type_in(closed, Reviewer="ben", ReviewedAt=f"{today():%Y-%m-%d} 00:00:01Z")  # a second after midnight
    assert prepared > f"{today():%Y-%m-%d} 00:00:01Z"
    found = coded(close(closed), "signoff-out-of-order")
    assert "is dated before the preparer's (anna on " in found["Message"].iloc[0]
    assert task(closed)["ReviewedAt"] == ""


@pytest.mark.parametrize(
    ("typed", "code", "says"),
    [
        (1, "signoff-future-date", "after today"),  # days from the day the test runs
        (-1, "signoff-backdated", "before the period's figures were first"),
        ("2026-11-05", "signoff-backdated", "before the period's figures were first produced"),
        ("the CFO said so", "signoff-bad-date", "which is not a date"),
    ],
)
def test_a_typed_date_in_the_future_or_before_the_figures_does_not_count(closed, typed, code, says):
    if isinstance(typed, int):
        typed = (today() + dt.timedelta(days=typed)).isoformat()
    if code == "signoff-backdated" and dt.date.fromisoformat(typed) >= today():
        pytest.skip("the machine's clock is before the backdated date")
    type_in(closed, Preparer="the CFO", PreparedAt=typed)
    found = coded(close(closed), code)
    assert found[["Severity", "Row", "Column"]].values.tolist() == [["Error", row_of(closed), "PreparedAt"]]
    assert says in found["Message"].iloc[0] and "the CFO" not in found["Column"].iloc[0]
    row = task(closed)
    assert (row["Preparer"], row["PreparedAt"], row["PreparedHash"], row["PreparerLogin"]) == ("the CFO", "", "", "")


def test_a_typed_sign_off_is_stamped_with_the_login_of_the_run(closed, monkeypatch):
    type_in(closed, Preparer="the CFO", PreparedAt=today().isoformat())
    monkeypatch.setenv("LOGNAME", "mallory")
    found = close(closed)
    assert found[found["Code"].str.startswith("signoff-") & (found["Severity"] == "Error")].empty
    row = task(closed)
    assert (row["Preparer"], row["PreparerLogin"]) == ("the CFO", "mallory")
    assert row["PreparedHash"] == row["FiguresHash"] != ""
    # the command writes the login of whoever ran it, beside the name given
    assert signoff(closed, "reviewer", "ben") == 0
    assert (task(closed)["Reviewer"], task(closed)["ReviewerLogin"]) == ("ben", "mallory")


def test_a_review_task_is_done_only_once_prepared_and_reviewed(closed):
    found = coded(close(closed), "signoff-pending")
    assert set(found["Row"]) == {row_of(closed), row_of(closed, FLUX_TASK)}
    assert set(found["Severity"]) == {"Info"}
    row = task(closed)
    assert (row["Status"], row["Completed"]) == ("In progress", "")
    assert task(closed, "Run foreign-currency revaluation")["Status"] == "Done"  # no review: ticks as before

    assert signoff(closed, "preparer", "anna") == 0
    close(closed)
    assert task(closed)["Status"] == "In progress"
    assert signoff(closed, "reviewer", "ben") == 0
    found = close(closed)
    assert coded(found, "signoff-pending")["Row"].tolist() == [row_of(closed, FLUX_TASK)]
    row = task(closed)
    assert row["Status"] == "Done" and row["Completed"] != ""


def test_done_typed_by_hand_over_a_review_task_without_its_sign_offs_is_taken_back(closed):
    type_in(closed, name="Post manual period-end adjustments", Status="Done", Preparer="anna")
    type_in(closed, Status="Done")
    close(closed)
    assert task(closed)["Status"] == "In progress"
    assert task(closed, "Post manual period-end adjustments")["Status"] == "In progress"  # someone is named on it
    assert task(closed, "Complete sub-ledger tasks (AR, AP, inventory, bank)")["Status"] == "Not started"


def test_the_rules_hold_through_the_python_api_too(closed):
    import closekit
    from closekit.errors import UsageError

    closekit.signoff(closed, TB_TASK, "preparer", name="anna")
    with pytest.raises(UsageError, match="preparer and reviewer must differ"):
        closekit.signoff(closed, TB_TASK, "reviewer", name="anna")
    with pytest.raises(UsageError, match="the reviewer signs after the preparer"):
        closekit.signoff(closed, FLUX_TASK, "reviewer", name="ben")
