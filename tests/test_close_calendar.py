"""The close calendar (issue 18 item 3): Checklist DueDay in working days from the period end, the
Holidays sheet, past due and due today on the Dashboard and in `closekit status`, the default
checklist of `closekit new`, and `closekit checklist next` (docs/close.md "The checklist")."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

import closekit
from closekit import api, cli
from closekit.core import parsing
from closekit.core.calendar_days import due_date
from closekit.pipeline.reading import read_close_book
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import book as wbook
from closekit.workbook import checklist, dashboard, default_checklist, due_dates, schema, template

D = dt.date
CHECKLIST = [header for header, _, _ in schema.SheetSpec("Checklist", schema.ChecklistRow, "").columns()]
#: 2026-10 ends on Saturday 31 October; Monday 2 November is a holiday in these tests.
OCT_31, NOV_2 = D(2026, 10, 31), D(2026, 11, 2)


def task(**cells: object) -> list[object]:
    """A Checklist row in the template's column order, from ``Header=value`` cells."""
    return [cells.get(header) for header in CHECKLIST]


# ------------------------------------------------------------------------- working days (pure)


def test_domain_worked_example_7_1_friday_period_end():
    end = D(2025, 1, 31)  # a Friday
    assert due_date(end, -2) == D(2025, 1, 29)
    assert due_date(end, 0) == end
    assert due_date(end, 1) == D(2025, 2, 3)  # Monday
    assert due_date(end, 3) == D(2025, 2, 5)


def test_a_closed_period_end_rolls_back_to_the_previous_working_day():
    end = D(2025, 8, 31)  # a Sunday (domain.md 7.1)
    assert due_date(end, 0) == D(2025, 8, 29)  # Friday
    assert due_date(end, 1) == D(2025, 9, 1)  # Monday


def test_saturday_period_end_with_a_holiday_on_the_monday():
    # docs/close.md worked example: day 0 is Friday 30 October; -2 is Wednesday 28; +1 would be
    # Monday 2 November, a holiday, so +1 is Tuesday 3 and +3 is Thursday 5
    assert due_date(OCT_31, 0, [NOV_2]) == D(2026, 10, 30)
    assert due_date(OCT_31, -2, [NOV_2]) == D(2026, 10, 28)
    assert due_date(OCT_31, 1, [NOV_2]) == D(2026, 11, 3)
    assert due_date(OCT_31, 3, [NOV_2]) == D(2026, 11, 5)
    assert due_date(OCT_31, 3) == D(2026, 11, 4)  # without the holiday


# --------------------------------------------------------------------------- reading the sheets


def _book(checklist: list[list[object]], holidays: list[list[object]] = (), company: str = "NL01"):
    return wbook.from_rows(
        {
            "Settings": [["Setting", "Value"], ["Company", company], ["AccountingCurrency", "EUR"],
                         ["Period", "2026-10"]],
            "Accounts": [["Account", "Name", "Type"], ["1000", "Cash", "Asset"]],
            "Periods": [["Period", "Start", "End", "Status"], ["2026-10", "2026-10-01", "2026-10-31", "Open"],
                        ["2026-11", "2026-11-01", "2026-11-30", "Open"]],
            "Checklist": [CHECKLIST, *checklist],
            "Holidays": [["Date", "Name", "Company"], *holidays],
        }
    )


def test_due_day_counts_working_days_skipping_the_company_s_holidays():
    found = _book(
        [
            task(Task="Post all journals", DueDay=-2),
            task(Task="Revalue", DueDay="+3", Area="GL"),
            task(Task="Belgian tax", DueDay=3, Company="BE01"),
            task(Task="Typed date", Due="2026-11-20", DueDay=1),
            task(Task="No date"),
        ],
        [["2026-11-02", "All Souls (NL01)", "NL01"], ["2026-11-11", "Armistice (BE01)", "be01"]],
    )
    assert found.findings.empty, found.findings.to_dict("records")
    assert [t.area for _, t in found.checklist][:2] == [None, "GL"]
    dues = due_dates.due_dates(found)
    assert list(dues.values()) == [D(2026, 10, 28), D(2026, 11, 5), D(2026, 11, 4), D(2026, 11, 20), None]
    # November's schedule counts from Monday 30 November
    assert due_dates.due_dates(found, "2026-11")[3] == D(2026, 12, 3)


def test_garbage_in_due_day_and_holidays_is_a_finding_on_its_cell():
    found = _book(
        [task(Task="A", DueDay="soon"), task(Task="B", DueDay="1.5"), task(Task="C", DueDay=9999)],
        [["tomorrow", "?", None], [None, "no date", None]],
    )
    cells = {(f["Where"], f["Row"], f["Column"], f["Code"]) for f in found.findings.to_dict("records")}
    assert ("Checklist", 2, "DueDay", "bad-number") in cells
    assert ("Checklist", 3, "DueDay", "bad-setting") in cells  # not a whole number of days
    assert ("Checklist", 4, "DueDay", "bad-setting") in cells  # more than a year of working days
    assert ("Holidays", 2, "Date", "bad-date") in cells
    assert ("Holidays", 3, "Date", "bad-value") in cells  # required
    assert (found.findings["Severity"] == "Error").sum() == 5


def test_past_due_and_due_today_count_unfinished_tasks():
    found = _book(
        [
            task(Task="A", DueDay=-2, Status="Done"),
            task(Task="B", DueDay=-2),
            task(Task="C", DueDay=0, Status="In progress"),
            task(Task="D", DueDay=0, Status="Skipped"),
            task(Task="E", DueDay=1),
        ]
    )
    dues = due_dates.due_dates(found)
    pairs = [(dues[row], t.status) for row, t in found.checklist]
    assert due_dates.count(pairs, D(2026, 10, 30)) == due_dates.DueCounts(past_due=1, due_today=1)
    assert due_dates.count(pairs, D(2026, 11, 2)) == due_dates.DueCounts(past_due=2, due_today=1)


def test_the_worked_example_of_close_md():
    """docs/close.md "Due dates in working days": on Tuesday 3 November, -2 In progress, 0 Done, +1
    and +3 Not started: one task past due (-2), one due today (+1)."""
    found = _book(
        [
            task(Task="-2", DueDay=-2, Status="In progress"),
            task(Task="0", DueDay=0, Status="Done"),
            task(Task="+1", DueDay="+1", Status="Not started"),
            task(Task="+3", DueDay="+3", Status="Not started"),
        ],
        [[NOV_2, "Holiday", None]],
    )
    dues = due_dates.due_dates(found)
    assert list(dues.values()) == [D(2026, 10, 28), D(2026, 10, 30), D(2026, 11, 3), D(2026, 11, 5)]
    pairs = [(dues[row], t.status) for row, t in found.checklist]
    assert due_dates.count(pairs, D(2026, 11, 3)) == due_dates.DueCounts(past_due=1, due_today=1)


# ---------------------------------------------------------------- the Dashboard and closekit status


@pytest.fixture
def calendar_workbook(tmp_path):
    """The sample company with a calendar Checklist: DueDay instead of Due, a holiday on 2 November."""
    path = sample.write(tmp_path / "close.xlsx")
    rows = sample.workbook_rows()
    rows["Checklist"] = [
        task(Task="Post all journals", Owner="AP", DueDay=-2, Area="GL"),
        task(Task="Import the general-ledger export", Step="import", DueDay=0, Area="GL"),
        task(Task="Run foreign-currency revaluation", Step="revaluation", DueDay=1, Area="GL"),
        task(Task="Review the trial balance", DueDay=3, Area="GL"),
    ]
    rows["Holidays"] = [[NOV_2, "Holiday", None]]
    template.write(path, rows, force=True)
    return path


def test_a_close_writes_past_due_and_due_today_on_the_dashboard(calendar_workbook):
    result = closekit.close(calendar_workbook)
    # Tuesday 3 November 10:00 UTC: the import and the revaluation ran clean (Done); "Post all
    # journals" (Wed 28 Oct) is past due, the revaluation (+1 = Tue 3 Nov, after the holiday) is Done
    closekit.write_close(result, now=dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC))
    ws = openpyxl.load_workbook(calendar_workbook)["Dashboard"]
    row = dashboard.DUE_ROW
    assert [ws[f"A{r}"].value for r in range(row, row + 3)] == ["Due dates", "Past due", "Due today"]
    assert (ws[f"B{row + 1}"].value, ws[f"B{row + 2}"].value) == (1, 0)
    closekit.write_close(closekit.close(calendar_workbook), now=dt.datetime(2026, 10, 28, 9, tzinfo=dt.UTC))
    ws = openpyxl.load_workbook(calendar_workbook)["Dashboard"]
    assert (ws[f"B{row + 1}"].value, ws[f"B{row + 2}"].value) == (0, 1)  # due today, nothing late yet


def test_status_counts_by_due_day_against_the_given_today(calendar_workbook):
    (row,) = api.status([calendar_workbook], D(2026, 11, 5))  # nothing ticked: no close has run
    # past due: -2 (Wed 28 Oct), 0 (Fri 30 Oct), +1 (Tue 3 Nov); due today: +3 (Thu 5 Nov)
    assert (row.tasks, row.past_due, row.due_today) == (4, 3, 1)
    (row,) = api.status([calendar_workbook], D(2026, 11, 2))  # the holiday: +1 is still to come
    assert (row.past_due, row.due_today) == (2, 0)


def test_status_json_shows_the_counts(calendar_workbook, capsys, monkeypatch):
    real = api.status
    monkeypatch.setattr(api, "status", lambda workbooks, today: real(workbooks, D(2026, 11, 5)))  # no clock
    assert cli.main(["status", str(calendar_workbook), "--json"]) == 0
    (shown,) = json.loads(capsys.readouterr().out)
    assert (shown["past_due"], shown["due_today"]) == (3, 1)


def test_the_checklist_columns_are_appended_last():
    assert CHECKLIST[:8] == ["Task", "Step", "Owner", "Due", "DependsOn", "Status", "Completed", "Notes"]
    assert CHECKLIST[-3:] == ["DueDay", "Area", "Company"]


# ------------------------------------------------------------------- closekit new: the default close


def test_new_writes_the_seed_close_steps_as_the_checklist(tmp_path):
    path = tmp_path / "close.xlsx"
    assert cli.main(["new", str(path)]) == 0
    io = FileWorkbook(path)
    found = read_close_book(io)
    tasks = [t for _, t in found.checklist]
    assert len(tasks) == len(default_checklist.TASKS) == 13
    assert not found.findings["Where"].eq("Checklist").any()  # every DependsOn names a task; no cycle
    steps = [t.step for t in tasks if t.step]
    assert steps == ["import", "validate", "settlement", "revaluation", "allocation", "trial-balance",
                     "consolidation", "statements", "period-hold"]  # closekit's order of the close
    assert all(t.due_day is not None and t.area for t in tasks) and all(t.due is None for t in tasks)
    plan = checklist.plan(found, {})
    assert plan.findings == []
    names = {t.task for t in tasks}
    assert all(d in names for t in tasks for d in parsing.split_list(t.depends_on))
    assert {t.task for t in tasks if not t.step} >= {"Post manual period-end adjustments"}


def test_a_workbook_with_rows_keeps_its_own_checklist(tmp_path):
    path = template.write(tmp_path / "mine.xlsx", {"Checklist": [task(Task="Only mine")]})
    assert [t.task for _, t in read_close_book(FileWorkbook(path)).checklist] == ["Only mine"]
    sample_path = sample.write(tmp_path / "sample.xlsx")
    assert len(read_close_book(FileWorkbook(sample_path)).checklist) == len(sample.checklist_rows())


# ------------------------------------------------------- closekit checklist next: the next period


def _closed_checklist(**overrides) -> list[list[object]]:
    """October's checklist, finished: Done (signed off), Skipped, and a Done task with a typed Due."""
    rows = [
        task(Task="Post all journals", Owner="AP", DueDay=-2, Area="GL", Status="Done",
             Completed="2026-10-28 09:00:00Z", Notes="see the AP folder"),
        task(Task="Review the trial balance", Step="trial-balance", DueDay=3, Area="GL", Company="NL01",
             Status="Done", Completed="2026-11-05 10:00:00Z", Preparer="Ann", PreparedAt="2026-11-05",
             Reviewer="Bo", ReviewedAt="2026-11-05", FiguresHash="ab" * 32, PreparedHash="ab" * 32,
             ReviewedHash="ab" * 32, PreparerLogin="ann", ReviewerLogin="bo"),
        task(Task="Tax return", Due=D(2026, 11, 10), DependsOn="Post all journals", Status="Skipped",
             Notes="waiting for Post all journals (Blocked)"),
    ]
    for row, (column, value) in overrides.items():
        rows[int(row[1:])][CHECKLIST.index(column)] = value
    return rows


@pytest.fixture
def closed(tmp_path):
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["Checklist"] = _closed_checklist()
    rows["Holidays"] = [[NOV_2, "Holiday", None], [D(2026, 12, 1), "Company day", "Other company"]]
    return template.write(tmp_path / "close.xlsx", rows)


def _rows(path, sheet):
    table = FileWorkbook(path).read_sheet(sheet)
    return [dict(zip(table.columns, values, strict=True)) for values in table.frame.itertuples(index=False)]


def test_next_keeps_october_in_the_history_and_starts_november(closed, capsys):
    assert cli.main(["checklist", "next", str(closed)]) == 0
    printed = capsys.readouterr().out
    assert "Kept the checklist of 2026-10 (3 tasks) in ChecklistHistory and started 2026-11's" in printed
    assert "Settings Period stays 2026-10" in printed
    history = _rows(closed, "ChecklistHistory")
    assert [(h["Period"], h["Task"], h["Status"]) for h in history] == [
        ("2026-10", "Post all journals", "Done"),
        ("2026-10", "Review the trial balance", "Done"),
        ("2026-10", "Tax return", "Skipped"),
    ]
    # the due date October scheduled: -2 = Wed 28 Oct, +3 = Thu 5 Nov (Mon 2 Nov a holiday), the typed Due
    assert [h["DueDate"] for h in history] == [D(2026, 10, 28), D(2026, 11, 5), D(2026, 11, 10)]
    assert history[1]["Preparer"] == "Ann" and history[1]["ReviewedHash"] == "ab" * 32
    assert list(history[0])[:4] == ["Period", "ArchivedUTC", "DueDate", "Task"]
    checklist = _rows(closed, "Checklist")
    assert [c["Status"] for c in checklist] == ["Not started"] * 3
    for column in ("Completed", "Preparer", "PreparedAt", "Reviewer", "ReviewedAt", "FiguresHash", "PreparedHash",
                   "ReviewedHash", "PreparerLogin", "ReviewerLogin"):
        assert all(c[column] in ("", None) for c in checklist), column
    assert [c["Notes"] for c in checklist] == ["see the AP folder", "", "waiting for Post all journals (Blocked)"]
    kept = [(c["Task"], c["Step"], c["Owner"], c["DueDay"], c["Area"], c["Company"], c["DependsOn"]) for c in checklist]
    assert kept[1] == ("Review the trial balance", "trial-balance", "", 3, "GL", "NL01", "")
    assert kept[2][6] == "Post all journals"
    # the typed Due moves with the period: Tue 10 Nov is 6 working days after Fri 30 Oct (Mon 2 Nov a
    # holiday); 6 working days after Mon 30 Nov is Tue 8 Dec
    assert checklist[2]["Due"] == D(2026, 12, 8)
    assert _rows(closed, "Settings")[3]["Value"] == "2026-10"
    last = _rows(closed, "RunLog")[-1]
    assert last["Command"].startswith("closekit checklist next") and last["Period"] == "2026-10"
    assert cli.main(["verify-log", str(closed)]) == 0


def test_november_s_due_dates_count_from_november_s_end(closed):
    assert cli.main(["checklist", "next", str(closed), "--move-period"]) == 0
    assert _rows(closed, "Settings")[3]["Value"] == "2026-11"
    found = read_close_book(FileWorkbook(closed))
    # Mon 30 Nov: -2 = Thu 26 Nov; +3 = Thu 3 Dec (1 December is another company's day off)
    assert list(due_dates.due_dates(found).values()) == [D(2026, 11, 26), D(2026, 12, 3), D(2026, 12, 8)]
    assert not (found.findings["Code"] == "control-changed").any()  # the RunLog row sealed the new cells
    result = closekit.validate(closed)
    assert not (result.findings["Code"] == "control-changed").any()


def test_the_history_grows_period_by_period(closed):
    assert cli.main(["checklist", "next", str(closed), "--move-period"]) == 0
    io = FileWorkbook(closed)
    status = io.read_sheet("Checklist").meta["column_numbers"]["Status"]
    io.write_sheets([], {"Checklist": {f"{chr(64 + status)}{r}": "Done" for r in (2, 3, 4)}})  # November, by hand
    assert cli.main(["checklist", "next", str(closed), "--move-period"]) == 0
    history = _rows(closed, "ChecklistHistory")
    assert [h["Period"] for h in history] == ["2026-10"] * 3 + ["2026-11"] * 3
    assert [h["DueDate"] for h in history][3:] == [D(2026, 11, 26), D(2026, 12, 3), D(2026, 12, 8)]
    assert _rows(closed, "Settings")[3]["Value"] == "2026-12"


def test_next_is_refused_while_tasks_are_open_and_writes_nothing(tmp_path, capsys):
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["Checklist"] = _closed_checklist(r1=("Status", "In progress"), r2=("Status", "Blocked"))
    path = template.write(tmp_path / "close.xlsx", rows)
    before = path.read_bytes()
    assert cli.main(["checklist", "next", str(path)]) == 1
    printed = capsys.readouterr().err
    assert "Checklist row 3: 'Review the trial balance' is In progress, not Done or Skipped" in printed
    assert "Checklist row 4: 'Tax return' is Blocked" in printed
    assert "--allow-open" in printed
    assert path.read_bytes() == before
    assert cli.main(["checklist", "next", str(path), "--allow-open"]) == 0
    history, checklist = _rows(path, "ChecklistHistory"), _rows(path, "Checklist")
    assert [h["Status"] for h in history] == ["Done", "In progress", "Blocked"]
    # the note closekit wrote on the Blocked task stays in the history, not on November's task
    assert (history[2]["Notes"], checklist[2]["Notes"]) == ("waiting for Post all journals (Blocked)", "")


def test_next_is_refused_twice_for_one_period_and_over_checklist_errors(closed, tmp_path, capsys):
    assert cli.main(["checklist", "next", str(closed)]) == 0
    before = closed.read_bytes()
    assert cli.main(["checklist", "next", str(closed), "--allow-open"]) == 1
    assert "ChecklistHistory already holds the checklist of 2026-10" in capsys.readouterr().err
    assert closed.read_bytes() == before
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["Checklist"] = _closed_checklist(r0=("DueDay", "soon"))
    bad = template.write(tmp_path / "bad.xlsx", rows)
    assert cli.main(["checklist", "next", str(bad)]) == 1
    assert "Checklist row 2, column DueDay" in capsys.readouterr().err


def test_next_without_a_next_period_or_with_another_action_is_bad_usage(tmp_path, capsys):
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["Checklist"] = _closed_checklist()
    rows["Settings"] = [[k, "2026-12" if k == "Period" else v] for k, v in rows["Settings"]]
    path = template.write(tmp_path / "close.xlsx", rows)
    assert cli.main(["checklist", "next", str(path)]) == 2
    assert "no period after 2026-12" in capsys.readouterr().err
    assert cli.main(["checklist", "close", str(path)]) == 2
    assert cli.main(["checklist", "next", str(path), "--period", "2026-11"]) == 0


def test_next_waits_for_a_run_after_a_typed_sign_off(tmp_path, capsys):
    """A sign-off typed after the last close has no hash yet: the history would keep an unstamped
    sign-off, so `checklist next` asks for a close first."""
    path = sample.write(tmp_path / "close.xlsx")
    closekit.write_close(closekit.close(path))
    io = FileWorkbook(path)
    preparer = io.read_sheet("Checklist").meta["column_numbers"]["Preparer"]
    io.write_sheets([], {"Checklist": {f"{chr(64 + preparer)}9": "Ann"}})  # typed, no run since
    before = path.read_bytes()
    assert cli.main(["checklist", "next", str(path), "--allow-open"]) == 1
    printed = capsys.readouterr().err
    assert "changed since the last run" in printed and "run closekit close (or validate) first" in printed
    assert path.read_bytes() == before
    closekit.write_close(closekit.close(path))
    assert cli.main(["checklist", "next", str(path), "--allow-open"]) == 0
