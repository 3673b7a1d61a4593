"""The command line as a user runs it: new, validate (text and --json), demo; exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from closekit import cli
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "closekit.cli", *args], capture_output=True, text=True, timeout=120)


def test_new_then_validate_writes_findings_and_runlog(tmp_path):
    workbook = tmp_path / "close.xlsx"
    assert run("new", str(workbook), "--sample").returncode == 0
    done = run("validate", str(workbook))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Read 179 lines" in done.stdout
    book = FileWorkbook(workbook)
    assert book.sheet_names()[:4] == ["Close", "Dashboard", "Findings", "RunLog"]  # outputs after the front pages
    runlog = book.read_sheet("RunLog")
    assert runlog.frame["Result"].tolist() == ["ok"]
    assert "sample-gl-2026.csv=" in runlog.frame["InputHashes"].iloc[0]
    assert run("validate", str(workbook)).returncode == 0
    assert len(FileWorkbook(workbook).read_sheet("RunLog")) == 2  # appended, never replaced


def test_validate_json_and_exit_1_on_errors(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    bad = tmp_path / "adj.csv"
    bad.write_text("Voucher,Date,Account,Debit,Credit\nA1,2026-10-31,6400,10.00,\nA1,2026-10-31,2900,,9.00\n")
    done = run("validate", str(workbook), "--journal", str(bad), "--json", "--dry-run")
    assert done.returncode == 1
    payload = json.loads(done.stdout)
    assert payload["lines"] == 181
    [finding] = [f for f in payload["findings"] if f["code"] == "unbalanced-voucher"]
    assert finding == {
        "severity": "error",
        "code": "unbalanced-voucher",
        "where": str(bad),
        "row": 2,
        "column": "Debit",
        "voucher": "A1",
        "message": finding["message"],
        "fix": finding["fix"],
    }
    assert "difference 1.00" in finding["message"]
    assert "Findings" not in FileWorkbook(workbook).sheet_names()  # --dry-run wrote nothing


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "missing.xlsx"],
        ["validate"],
        ["frobnicate"],
        ["validate", "x.xlsx", "--bogus"],
    ],
)
def test_bad_usage_and_unreadable_input_exit_2_without_traceback(tmp_path, args):
    done = subprocess.run(
        [sys.executable, "-m", "closekit.cli", *args], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip()


def test_corrupt_workbook_message_is_one_paragraph(tmp_path):
    (tmp_path / "close.xlsx").write_bytes(b"PK\x03\x04broken")
    done = run("validate", str(tmp_path / "close.xlsx"))
    assert done.returncode == 2
    assert "close.xlsx cannot be read as a workbook" in done.stderr
    assert "Traceback" not in done.stderr


def test_workbook_open_in_excel_is_not_written(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    (tmp_path / "~$close.xlsx").write_bytes(b"owner")
    before = workbook.read_bytes()
    done = run("validate", str(workbook))
    assert done.returncode == 2 and "is open in Excel" in done.stderr
    assert workbook.read_bytes() == before


def test_new_refuses_to_overwrite(tmp_path):
    workbook = tmp_path / "close.xlsx"
    assert run("new", str(workbook)).returncode == 0
    done = run("new", str(workbook))
    assert done.returncode == 2 and "already exists" in done.stderr


def test_demo_runs_the_sample_end_to_end(tmp_path):
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 0
    assert (tmp_path / "close.xlsx").exists()
    assert FileWorkbook(tmp_path / "close.xlsx").read_sheet("Findings") is not None


def test_internal_errors_are_reported_without_traceback(monkeypatch, capsys, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("closekit.api.validate", broken)
    assert cli.main(["validate", str(tmp_path / "x.xlsx")]) == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err


def test_close_with_the_export_step_points_at_the_export_command(tmp_path, capsys):
    from closekit import cli
    from closekit.samples import company as sample

    path = sample.write(tmp_path / "close.xlsx")
    assert cli.main(["close", str(path), "--steps", "validate,export"]) == 0
    assert "closekit export WORKBOOK --format F --out FILE" in capsys.readouterr().out


def test_checklist_next_after_the_sample_close(tmp_path):
    """The sample's close leaves manual tasks open: `checklist next` refuses (1) and writes nothing;
    --allow-open --move-period keeps October in ChecklistHistory and moves Settings Period."""
    workbook = tmp_path / "close.xlsx"
    assert run("new", str(workbook), "--sample").returncode == 0
    assert run("close", str(workbook)).returncode == 0
    before = workbook.read_bytes()
    refused = run("checklist", "next", str(workbook))
    assert refused.returncode == 1 and "not Done or Skipped" in refused.stderr
    assert workbook.read_bytes() == before
    done = run("checklist", "next", str(workbook), "--allow-open", "--move-period")
    assert done.returncode == 0, done.stderr
    assert "Settings Period is now 2026-11." in done.stdout
    book = FileWorkbook(workbook)
    assert len(book.read_sheet("ChecklistHistory")) == len(sample.checklist_rows())
    assert set(book.read_sheet("Checklist").frame["Status"]) == {"Not started"}
    assert run("verify-log", str(workbook)).returncode == 0
