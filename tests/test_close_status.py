"""`closekit status WORKBOOK...`: a group's close at a glance (issue 18 item 4, docs/close.md)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import openpyxl
import pytest

import closekit
from closekit import api
from closekit.core.calendar_days import due_date
from closekit.samples import company as sample
from closekit.samples import group as sample_group
from closekit.workbook import dashboard

OCT_31 = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The sample company closed once (its checklist ticked), with the sample group beside it."""
    path = tmp_path_factory.mktemp("status")
    company = sample.write(path / "close.xlsx")
    closekit.write_close(closekit.close(company))
    sample_group.write(path)
    return path


def _checklist(path):
    return [t for t in _sheet(path, "Checklist") if t["Task"]]


def test_a_company_s_row_is_what_its_workbook_says(folder):
    (row,) = api.status([folder / "close.xlsx"], OCT_31)
    tasks = _checklist(folder / "close.xlsx")
    assert (row.company, row.period, row.period_status) == (sample.COMPANY, "2026-10", "Open")
    assert row.tasks == len(tasks) == len(sample.checklist_rows())
    assert row.done == dashboard.status_counts(t["Status"] for t in tasks)["Done"] > 0
    assert (row.errors, row.log, row.last_command) == (0, "intact", "close")
    assert row.problem == ""


@pytest.mark.parametrize("offset", [0, 1, 3, 30])
def test_past_due_and_due_today_count_the_unfinished_tasks_by_their_due_date(folder, offset):
    today = OCT_31 + dt.timedelta(days=offset)
    (row,) = api.status([folder / "close.xlsx"], today)
    # the sample's tasks are due in working days from Saturday 31 October (DueDay 1 = Monday 2 November)
    open_due = [
        due_date(OCT_31, int(t["DueDay"]))
        for t in _checklist(folder / "close.xlsx")
        if t["Status"] not in ("Done", "Skipped")
    ]
    assert open_due  # the sample leaves manual tasks open
    assert row.past_due == sum(d < today for d in open_due)
    assert row.due_today == sum(d == today for d in open_due)
    if offset == 30:
        assert row.past_due == len(open_due)


def test_a_period_put_on_hold_shows_on_hold(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")
    closekit.set_period_status(path, "2026-10", "On hold")
    (row,) = api.status([path], OCT_31)
    assert row.period_status == "On hold"
    assert row.last_command.startswith("period")  # the status change is the last run


def test_a_group_workbook_brings_its_subsidiaries_once(folder):
    rows = api.status([folder / "close.xlsx", folder / sample_group.GROUP_WORKBOOK], OCT_31)
    assert [r.company for r in rows] == [sample.COMPANY, sample_group.GROUP, sample_group.US]
    by_name = {r.company: r for r in rows}
    assert by_name[sample.COMPANY].group.endswith(sample_group.GROUP_WORKBOOK)  # met again through the group
    assert by_name[sample_group.US].last_run == "" and by_name[sample_group.US].errors is None  # never run


def test_a_broken_runlog_is_shown(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")
    closekit.write_close(closekit.close(path))
    wb = openpyxl.load_workbook(path)
    ws = wb["RunLog"]
    head = [c.value for c in ws[1]]
    ws.cell(2, head.index("Errors") + 1).value = 7
    wb.save(path)
    (row,) = api.status([path], OCT_31)
    assert (row.log, row.errors) == ("broken", 7)


def test_the_command_line_shows_every_company_and_exits_2_when_one_cannot_be_read(folder, tmp_path):
    missing = tmp_path / "nope.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "closekit.cli", "status", str(folder / "close.xlsx"), str(missing), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    rows = json.loads(done.stdout)
    assert [r["company"] for r in rows] == [sample.COMPANY, ""]
    assert rows[0]["problem"] == "" and "nope.xlsx" in rows[1]["problem"]
    table = subprocess.run(
        [sys.executable, "-m", "closekit.cli", "status", str(folder / sample_group.GROUP_WORKBOOK)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert table.returncode == 0, table.stderr
    for name in (sample_group.GROUP, sample.COMPANY, sample_group.US):
        assert name in table.stdout


def test_the_group_close_writes_each_subsidiary_s_own_status_into_group_status(folder):
    group = folder / sample_group.GROUP_WORKBOOK
    closekit.write_close(closekit.close(group), now=dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC))
    rows = {r["Company"]: r for r in _sheet(group, "GroupStatus")}
    assert set(rows) == {sample.COMPANY, sample_group.US}
    nl = api.status([folder / "close.xlsx"], dt.date(2026, 11, 3))[0]
    assert (rows[sample.COMPANY]["Done"], rows[sample.COMPANY]["PastDue"]) == (nl.done, nl.past_due)
    assert rows[sample.COMPANY]["PeriodStatus"] == "Open"
    assert rows[sample_group.US]["LastRunUTC"] in ("", None)  # the group closed it in memory only


def _sheet(path, name):
    ws = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
