"""Sign-offs: a preparer or reviewer signs the figures a task covers; a later run that changes
those figures suspends the sign-off, one that does not keeps it."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

import closekit
from closekit import cli
from closekit.review import signoffs
from closekit.samples import company as sample
from closekit.sheetio.base import a1
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import outputs

TB_TASK = "Review the ledger journal report and trial balance"
NOW = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC)


def close(workbook) -> closekit.CloseResult:
    result = closekit.close(workbook)
    closekit.write_close(result)
    return result


def task(workbook, name=TB_TASK) -> pd.Series:
    frame = FileWorkbook(workbook).read_sheet("Checklist").frame
    return frame.set_index("Task").loc[name]


def cell_of(workbook, name: str, column: str) -> str:
    sheet = FileWorkbook(workbook).read_sheet("Checklist")
    row = int(sheet.rows[sheet.frame.index[sheet.frame["Task"] == name][0]])
    return a1(row, sheet.meta["column_numbers"][column])


def move_the_figures(workbook) -> None:
    """The accrual of the manual adjustments file goes from 4,500.00 to 4,600.00."""
    path = workbook.parent / sample.JOURNAL_FILE
    path.write_text(path.read_text(encoding="utf-8").replace("4500.00", "4600.00"), encoding="utf-8")


def suspended(result) -> pd.DataFrame:
    return result.findings[result.findings["Code"] == "signoff-suspended"]


def test_fingerprint_is_the_sha256_of_the_tables_and_moves_with_one_minor_unit():
    tb = pd.DataFrame({"Account": ["1000", "2000"], "Closing": [100, -100]})
    assert signoffs.fingerprint(tb) == signoffs.fingerprint(tb.copy())
    assert signoffs.fingerprint(tb) != signoffs.fingerprint(tb.assign(Closing=[101, -101]))
    assert len(signoffs.fingerprint(tb)) == 64


def test_the_ledger_fingerprint_moves_with_an_amount_a_date_or_a_text():
    lines = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-01", "2026-10-02"]),
            "account": ["1000", "2000"],
            "amount": pd.array([100, None], dtype="Int64"),
        }
    )
    same = signoffs.fingerprint_columns(lines.copy())
    assert signoffs.fingerprint_columns(lines) == same
    for column, values in (
        ("amount", pd.array([101, None], dtype="Int64")),
        ("amount", pd.array([100, 0], dtype="Int64")),  # an empty amount is not a zero
        ("date", pd.to_datetime(["2026-10-01", "2026-10-03"])),
        ("account", ["1000", "2001"]),
    ):
        assert signoffs.fingerprint_columns(lines.assign(**{column: values})) != same, column


def test_a_run_stamps_the_figures_of_every_task(sample_workbook):
    close(sample_workbook)
    checklist = FileWorkbook(sample_workbook).read_sheet("Checklist").frame.set_index("Task")
    hashes = checklist["FiguresHash"]
    assert hashes.str.fullmatch("[0-9a-f]{64}").all()
    # tasks without a step, and steps without figures of their own, cover the trial balance
    assert hashes["Post manual period-end adjustments"] == hashes[TB_TASK] == hashes["Put the period on hold"]
    assert hashes["Import the general-ledger export"] != hashes[TB_TASK]


def test_a_sign_off_is_kept_when_nothing_changed(sample_workbook):
    close(sample_workbook)
    signed = closekit.signoff(sample_workbook, TB_TASK, "preparer", name="anna", now=NOW)
    assert (signed.name, signed.at) == ("anna", "2026-11-03 10:00:00Z")
    assert signed.figures == task(sample_workbook)["FiguresHash"]
    result = close(sample_workbook)
    assert suspended(result).empty
    row = task(sample_workbook)
    assert (row["Status"], row["Preparer"], row["PreparedAt"], row["PreparedHash"]) == (
        "In progress",  # a review task: Done once reviewed too
        "anna",
        "2026-11-03 10:00:00Z",
        signed.figures,
    )
    assert outputs.verify_runlog(FileWorkbook(sample_workbook).read_sheet("RunLog"), "close.xlsx").ok


def test_a_sign_off_is_suspended_when_its_figures_change_and_until_signed_again(sample_workbook):
    close(sample_workbook)
    closekit.signoff(sample_workbook, TB_TASK, "preparer", name="anna", now=NOW)
    closekit.signoff(sample_workbook, "Run foreign-currency revaluation", "preparer", name="anna", now=NOW)
    move_the_figures(sample_workbook)

    result = close(sample_workbook)
    found = suspended(result)
    assert found[["Severity", "Where", "Column"]].values.tolist() == [["Warning", "Checklist", "Preparer"]]
    message = found["Message"].iloc[0]
    assert TB_TASK in message and "anna" in message and "the TrialBalance changed" in message
    assert message.endswith(
        "2900 Accrued expenses ClosingAfter -4,500.00 -> -4,600.00; "
        "6400 Audit and legal fees ClosingAfter 4,500.00 -> 4,600.00"
    )
    row = task(sample_workbook)
    assert row["Status"] == "Sign-off suspended"
    assert (row["Preparer"], row["PreparedAt"], row["PreparedHash"]) == ("anna", "", "")
    assert "Preparer sign-off of anna on 2026-11-03 10:00:00Z suspended" in row["Notes"]
    # the revaluation did not move (the accrual is not revalued): its sign-off stands
    assert task(sample_workbook, "Run foreign-currency revaluation")["PreparedHash"] != ""

    again = close(sample_workbook)  # still suspended, still reported
    assert "still suspended" in suspended(again)["Message"].iloc[0]
    assert task(sample_workbook)["Status"] == "Sign-off suspended"

    closekit.signoff(sample_workbook, TB_TASK, "preparer", name="anna", now=NOW)
    # signed again by its preparer: no longer suspended, but a review task is Done only with
    # both sign-offs
    assert task(sample_workbook)["Status"] == "In progress"
    closekit.signoff(sample_workbook, TB_TASK, "reviewer", name="ben", now=NOW + dt.timedelta(hours=1))
    assert task(sample_workbook)["Status"] == "Done"
    assert suspended(close(sample_workbook)).empty


def test_a_typed_sign_off_is_stamped_with_the_figures_the_signer_saw(sample_workbook):
    close(sample_workbook)
    seen = task(sample_workbook)["FiguresHash"]
    closekit.signoff(sample_workbook, TB_TASK, "preparer", name="anna")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    FileWorkbook(sample_workbook).write_sheets(
        [],
        {
            "Checklist": {
                cell_of(sample_workbook, TB_TASK, "Reviewer"): "ben",
                cell_of(sample_workbook, TB_TASK, "ReviewedAt"): today,
            }
        },
    )
    result = close(sample_workbook)
    assert suspended(result).empty
    row = task(sample_workbook)
    assert (row["Reviewer"], row["ReviewedAt"], row["ReviewedHash"]) == ("ben", today, seen)
    assert row["Status"] == "Done"  # prepared and reviewed


def test_a_typed_sign_off_on_figures_that_moved_since_is_suspended_at_once(sample_workbook):
    close(sample_workbook)
    FileWorkbook(sample_workbook).write_sheets(
        [],
        {
            "Checklist": {
                cell_of(sample_workbook, TB_TASK, "Reviewer"): "ben",
                cell_of(sample_workbook, TB_TASK, "ReviewedAt"): "2026-11-04",
            }
        },
    )
    move_the_figures(sample_workbook)
    result = close(sample_workbook)
    assert "reviewer sign-off signed by ben on 2026-11-04 is suspended" in suspended(result)["Message"].iloc[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["No such task", "--as", "preparer"], "has no task 'No such task'"),
        ([TB_TASK, "--as", "approver"], "--as must be preparer or reviewer"),
        ([TB_TASK, "--as", "reviewer", "--name", "anna"], "preparer and reviewer must differ"),
    ],
)
def test_signoff_refusals_exit_2_and_write_nothing(sample_workbook, capsys, args, message):
    close(sample_workbook)
    closekit.signoff(sample_workbook, TB_TASK, "preparer", name="anna", now=NOW)
    before = sample_workbook.read_bytes()
    assert cli.main(["signoff", str(sample_workbook), *args]) == 2
    assert message in capsys.readouterr().err
    assert sample_workbook.read_bytes() == before


def test_signoff_before_any_close_is_refused(sample_workbook, capsys):
    assert cli.main(["signoff", str(sample_workbook), TB_TASK, "--as", "preparer", "--name", "anna"]) == 2
    assert "run closekit close first" in capsys.readouterr().err


def test_a_checklist_without_the_sign_off_columns_is_ticked_as_before(make, capsys):
    """A workbook made before sign-offs: its Checklist has the contract's eight columns only."""
    old = ["Task", "Step", "Owner", "Due", "DependsOn", "Status", "Completed", "Notes"]
    workbook = make.workbook()
    wb = openpyxl.load_workbook(workbook)
    del wb["Checklist"]
    ws = wb.create_sheet("Checklist")
    ws.append(old)
    ws.append([TB_TASK, "trial-balance", "Controller", None, None, "Not started", None, None])
    wb.save(workbook)
    result = close(workbook)
    assert suspended(result).empty
    checklist = FileWorkbook(workbook).read_sheet("Checklist")
    assert checklist.columns == old
    assert checklist.frame["Status"].tolist() == ["Done"]
    assert cli.main(["signoff", str(workbook), TB_TASK, "--as", "preparer", "--name", "anna"]) == 2
    assert "has no column Preparer, PreparedAt, PreparedHash, FiguresHash" in capsys.readouterr().err


def test_an_edited_old_trial_balance_only_loses_the_detail(sample_workbook):
    close(sample_workbook)
    closekit.signoff(sample_workbook, TB_TASK, "preparer", name="anna", now=NOW)
    tb = FileWorkbook(sample_workbook).read_sheet("TrialBalance")
    FileWorkbook(sample_workbook).write_sheets(
        [], {"TrialBalance": {a1(2, tb.columns.index("ClosingAfter") + 1): "see note"}}
    )
    move_the_figures(sample_workbook)
    message = suspended(close(sample_workbook))["Message"].iloc[0]
    assert "the TrialBalance changed since" in message and "ClosingAfter" not in message


REVALUATION_TASK = "Run foreign-currency revaluation"
ALLOCATION_TASK = "Process allocations"


def post_the_adjustments(workbook, tmp_path) -> None:
    """What the ERP does with the upload: ``closekit export`` writes it, the ERP posts it, and the
    next ledger export holds the generated vouchers as posted lines (the manual accrual stays a journal
    still to be posted: ``--journals adjustments``)."""
    upload = tmp_path / "upload.csv"
    command = ["export", str(workbook), "--out", str(upload), "--format", "generic", "--journals", "adjustments"]
    assert cli.main(command) == 0
    rows = upload.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert any(r.startswith("revaluation,REV-2026-10-USD") for r in rows)
    ledger = workbook.parent / sample.LEDGER_FILE
    ledger.write_text(ledger.read_text(encoding="utf-8") + "".join(f"{r},Yes\n" for r in rows), encoding="utf-8")


def test_posting_exactly_the_signed_adjustments_suspends_nothing(sample_workbook, tmp_path, capsys):
    assert cli.main(["close", str(sample_workbook)]) == 0
    for name in (TB_TASK, REVALUATION_TASK, ALLOCATION_TASK, "Produce the financial statements"):
        assert cli.main(["signoff", str(sample_workbook), name, "--as", "preparer", "--name", "anna"]) == 0
    signed = {n: task(sample_workbook, n)["PreparedHash"] for n in (TB_TASK, REVALUATION_TASK, ALLOCATION_TASK)}
    post_the_adjustments(sample_workbook, tmp_path)

    result = close(sample_workbook)
    assert len(result.run.adjustments) == 0  # nothing left to revalue or allocate: it is all posted
    assert suspended(result).empty
    for name, figures in signed.items():
        row = task(sample_workbook, name)
        assert (row["PreparedHash"], row["FiguresHash"]) == (figures, figures), name
        assert row["Status"] == "In progress", name  # not suspended; Done once reviewed too


def test_after_posting_a_real_change_still_suspends_and_says_what_moved(sample_workbook, tmp_path):
    assert cli.main(["close", str(sample_workbook)]) == 0
    for name in (TB_TASK, REVALUATION_TASK):
        assert cli.main(["signoff", str(sample_workbook), name, "--as", "preparer", "--name", "anna"]) == 0
    post_the_adjustments(sample_workbook, tmp_path)
    move_the_figures(sample_workbook)  # the accrual: 4,500.00 -> 4,600.00
    ledger = sample_workbook.parent / sample.LEDGER_FILE  # and the posted revaluation is 1.00 short of the rate
    ledger.write_text(
        ledger.read_text(encoding="utf-8").replace(",33.00,", ",32.00,").replace(",-33.00,", ",-32.00,"),
        encoding="utf-8",
    )

    found = suspended(close(sample_workbook)).set_index("Message")
    messages = " | ".join(found.index)
    assert "task 'Review the ledger journal report and trial balance'" in messages
    assert "2900 Accrued expenses ClosingAfter -4,500.00 -> -4,600.00" in messages
    # the revaluation of USD is still 33.00 in all (32.00 posted, 1.00 more generated): it did not move
    assert REVALUATION_TASK not in messages
    assert task(sample_workbook, REVALUATION_TASK)["Status"] == "In progress"  # not suspended


def test_a_moved_rate_suspends_the_posted_revaluation(sample_workbook, tmp_path):
    assert cli.main(["close", str(sample_workbook)]) == 0
    assert cli.main(["signoff", str(sample_workbook), REVALUATION_TASK, "--as", "preparer", "--name", "anna"]) == 0
    post_the_adjustments(sample_workbook, tmp_path)
    rates = FileWorkbook(sample_workbook).read_sheet("Rates")
    frame = rates.frame
    hit = frame.index[
        (frame["FromCurrency"] == "USD")
        & frame["Date"].astype(str).str.startswith("2026-10-31")
        & (frame["RateType"] == "Closing")
    ]
    row = int(rates.rows[hit[0]])
    FileWorkbook(sample_workbook).write_sheets([], {"Rates": {a1(row, rates.meta["column_numbers"]["Rate"]): 0.92}})

    message = suspended(close(sample_workbook))["Message"].iloc[0]
    assert message.startswith(f"task {REVALUATION_TASK!r}: the preparer sign-off signed by anna")
    assert "the revaluation adjustments changed since" in message
