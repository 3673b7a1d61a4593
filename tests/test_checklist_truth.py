"""A checklist that tells the truth (issue 16 item 7; docs/close.md "The checklist"): Blocked
spreads down the close's step order and along DependsOn; an unknown DependsOn, a cycle and a
manual task typed Done over an unfinished dependency are findings."""

from __future__ import annotations

import datetime as dt

import closekit
from closekit import cli
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import book as books
from closekit.workbook import checklist
from closekit.workbook.checklist import StepOutcome

HEADER = ["Task", "Step", "Owner", "Due", "DependsOn", "Status", "Completed", "Notes"]
NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
VALIDATE = "Verify that all journals are posted"


def write_sources(make, journal=None):
    rows = journal if journal is not None else sample.journal_rows()
    for name, data in ((sample.LEDGER_FILE, sample.ledger_rows()), (sample.JOURNAL_FILE, rows)):
        (make.folder / name).write_text(sample.csv_text(data), encoding="utf-8")


def statuses(workbook):
    frame = FileWorkbook(workbook).read_sheet("Checklist").frame
    return frame.set_index("Task")


def codes(found, code):
    rows = found[found["Code"] == code]
    return list(zip(rows["Severity"], rows["Row"], rows["Column"], rows["Message"], strict=True))


def bad_journal():
    rows = sample.journal_rows()
    rows[0][4] = "9999"  # an account the Accounts sheet does not have: validate fails
    return rows


def test_downstream_tasks_are_blocked_while_validate_is_blocked(make):
    workbook = make.workbook(Sources=sample.source_rows())
    write_sources(make, bad_journal())
    assert cli.main(["close", str(workbook)]) == 1
    tasks = statuses(workbook).set_index("Step")
    assert tasks.loc["import", "Status"] == "Done"
    assert tasks.loc["validate", "Status"] == "Blocked"
    assert "unknown-account" in tasks.loc["validate", "Notes"]
    for step in ("settlement", "revaluation", "allocation", "trial-balance", "statements", "flux"):
        assert tasks.loc[step, "Status"] == "Blocked", step
        assert tasks.loc[step, "Notes"] == f"waiting for {VALIDATE} (Blocked)", step
        assert not str(tasks.loc[step, "Completed"] or "").strip(), step
    for step in ("consolidation", "export", "period-hold"):  # did not run: untouched
        assert tasks.loc[step, "Status"] == "Not started"
    found = FileWorkbook(workbook).read_sheet("Findings").frame
    assert not (found["Code"] == "signoff-pending").any()  # the review tasks are Blocked, not waiting to be signed


def test_a_failed_revaluation_blocks_the_steps_after_it(make, capsys):
    settings = [row for row in sample.settings_rows() if row[0] != "UnrealizedLossAccount"]
    workbook = make.workbook(Settings=settings, Sources=sample.source_rows())
    write_sources(make)
    assert cli.main(["close", str(workbook)]) == 1
    summary = next(line for line in capsys.readouterr().out.splitlines() if "steps run clean" in line)
    clean, _, waiting = summary.partition("Blocked (waiting for a Blocked task):")
    assert "settlement" in clean and "allocation" not in clean  # it ran, but its task is Blocked
    assert "allocation" in waiting and "trial-balance" in waiting
    tasks = statuses(workbook).set_index("Step")
    assert tasks.loc["settlement", "Status"] == "Done"  # before the failed step
    assert tasks.loc["revaluation", "Status"] == "Blocked"
    assert tasks.loc["allocation", "Status"] == "Blocked"
    assert tasks.loc["allocation", "Notes"] == "waiting for Run foreign-currency revaluation (Blocked)"


def test_unknown_dependency_and_cycle_are_findings_through_the_close(make):
    rows = sample.checklist_rows()
    rows[5][4] = "Run foreign currency revaluation"  # allocation: a typo
    rows[9][4] = "Review the flux analysis and explain material variances"  # statements <-> flux
    rows[10][4] = "Produce the financial statements"
    workbook = make.workbook(Checklist=rows, Sources=sample.source_rows())
    write_sources(make)
    result = closekit.close(workbook)
    unknown = codes(result.findings, "checklist-unknown-dependency")
    assert [(s, r, c) for s, r, c, _ in unknown] == [("Warning", 7, "DependsOn")]
    assert "did you mean 'Run foreign-currency revaluation'" in unknown[0][3]
    cycle = codes(result.findings, "checklist-cycle")
    assert [(s, r, c) for s, r, c, _ in cycle] == [("Warning", 11, "DependsOn")]
    assert (
        "'Produce the financial statements' -> 'Review the flux analysis and explain material variances' -> "
        "'Produce the financial statements'" in cycle[0][3]
    )
    assert result.ok  # warnings: the figures are not in question
    closekit.write_close(result)
    tasks = statuses(workbook).set_index("Step")
    assert tasks.loc["revaluation", "Status"] == "Done"
    assert tasks.loc["allocation", "Status"] == "Not started"  # waits for a task that does not exist
    assert tasks.loc["statements", "Status"] == "Not started"  # the tasks of the cycle are not ticked
    assert tasks.loc["flux", "Status"] != "Done"
    found = FileWorkbook(workbook).read_sheet("Findings").frame
    assert {"checklist-unknown-dependency", "checklist-cycle"} <= set(found["Code"])


def test_a_self_dependency_is_a_cycle(make):
    rows = sample.checklist_rows()
    rows[3][4] = "Settle the clearing accounts"
    workbook = make.workbook(Checklist=rows, Sources=sample.source_rows())
    write_sources(make)
    result = closekit.close(workbook)
    cycle = codes(result.findings, "checklist-cycle")
    assert [(r, c) for _, r, c, _ in cycle] == [(5, "DependsOn")]
    assert "'Settle the clearing accounts' -> 'Settle the clearing accounts'" in cycle[0][3]
    closekit.write_close(result)
    assert statuses(workbook).set_index("Step").loc["settlement", "Status"] == "Not started"


def test_a_manual_task_typed_done_over_a_blocked_dependency_is_a_warning(make):
    rows = sample.checklist_rows()
    rows[6][4] = "Process allocations"  # the manual adjustments wait for the allocations
    rows[6][5] = "Done"
    workbook = make.workbook(Checklist=rows, Sources=sample.source_rows())
    write_sources(make, bad_journal())
    result = closekit.close(workbook)
    early = codes(result.findings, "checklist-done-early")
    assert early == [
        ("Warning", 8, "Status", "task 'Post manual period-end adjustments' is typed Done while 'Process allocations' "
         "is Blocked")
    ]
    closekit.write_close(result)
    assert statuses(workbook).loc["Post manual period-end adjustments", "Status"] == "Done"  # a person's cell


def test_a_clean_close_has_no_checklist_findings(sample_workbook):
    result = closekit.close(sample_workbook)
    assert not result.findings["Code"].str.startswith("checklist-").any()


# ------------------------------------------------------------------------------ plan() and tick()


def book_of(tasks):
    return books.from_rows({"Checklist": [HEADER, *tasks]})


def test_plan_follows_dependencies_in_any_row_order():
    book = book_of(
        [
            ["Allocate", "allocation", "", "", "Revalue", "Not started", "", ""],
            ["Revalue", "revaluation", "", "", "", "Not started", "", ""],
        ]
    )
    ok = StepOutcome(True, True)
    planned = checklist.plan(book, {"revaluation": ok, "allocation": ok})
    assert planned.status == {2: "Done", 3: "Done"} and planned.findings == []
    assert planned.ticked == ["Allocate", "Revalue"]


def test_plan_explicit_blocked_dependency_spreads_transitively():
    book = book_of(
        [
            ["Bank", "", "", "", "", "Blocked", "", ""],  # a person's Blocked manual task
            ["Settle", "settlement", "", "", "Bank", "Not started", "", ""],
            ["Report", "", "", "", "", "Done", "", ""],
        ]
    )
    ok = StepOutcome(True, True)
    planned = checklist.plan(book, {"settlement": ok, "revaluation": ok, "trial-balance": ok})
    assert planned.status == {3: "Blocked"} and planned.notes == {3: "waiting for Bank (Blocked)"}
    assert planned.blocked_steps == {"settlement"}


def test_plan_a_failed_step_keeps_its_own_reason_and_blocks_later_steps():
    book = book_of(
        [
            ["Validate", "validate", "", "", "", "", "", ""],
            ["Revalue", "revaluation", "", "", "", "", "", ""],
            ["TB", "trial-balance", "", "", "", "", "", ""],
            ["Import", "import", "", "", "", "", "", ""],
        ]
    )
    outcomes = {
        "import": StepOutcome(True, True),
        "validate": StepOutcome(True, True),
        "revaluation": StepOutcome(True, False, "missing-rate: no USD rate"),
        "trial-balance": StepOutcome(True, True),
    }
    planned = checklist.plan(book, outcomes)
    assert planned.status == {2: "Done", 3: "Blocked", 4: "Blocked", 5: "Done"}
    assert planned.notes == {3: "missing-rate: no USD rate", 4: "waiting for Revalue (Blocked)"}


def test_tick_writes_status_notes_and_completed(sample_workbook):
    rows = sample.checklist_rows()
    sheet = FileWorkbook(sample_workbook).read_sheet("Checklist")
    book = closekit.validate(sample_workbook).book
    outcomes = {"import": StepOutcome(True, True), "validate": StepOutcome(True, False, "bad-number: row 3")}
    outcomes["settlement"] = StepOutcome(True, True)
    cells, found, ticked = checklist.tick(book, sheet, outcomes, NOW)
    assert ticked == [rows[1][0]] and found == []
    values = sorted(cells.items())
    assert ("F3", "Done") in values and ("G3", "2026-11-02 09:30:00Z") in values
    assert ("F4", "Blocked") in values and ("H4", "bad-number: row 3") in values
    assert ("F5", "Blocked") in values and ("H5", f"waiting for {VALIDATE} (Blocked)") in values
    assert "G5" not in cells
