"""Two closekit runs on one workbook: the second waits for the first's lock (``.~closekit-<name>.lock``
beside the workbook), then reads what the first wrote; past CLOSEKIT_LOCK_TIMEOUT it stops with
exit 2 and writes nothing (SECURITY.md "One run at a time"). Excel's owner file is tested in test_cli.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import closekit
from closekit import api, cli
from closekit.errors import WorkbookInUse
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook, lock_file, workbook_lock
from closekit.workbook import outputs

SLOW_VALIDATE = r"""
import pathlib, sys, time
from closekit import api, cli

marker, seconds = pathlib.Path(sys.argv[1]), float(sys.argv[2])
real = api.write_validation


def slow(*args, **kwargs):  # the run has read the workbook and holds its lock: take a while
    marker.write_text("computing")
    time.sleep(seconds)
    return real(*args, **kwargs)


api.write_validation = slow
sys.exit(cli.main(sys.argv[3:]))
"""


def start_slow(workbook: Path, marker: Path, seconds: float) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_VALIDATE, str(marker), str(seconds), "validate", str(workbook)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the first run never got going"
        time.sleep(0.05)
    return child


def validate(workbook: Path, timeout: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "closekit.cli", "validate", str(workbook)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CLOSEKIT_LOCK_TIMEOUT": timeout},
    )
    return done, time.monotonic() - started


def test_the_second_run_waits_for_the_first_and_loses_nothing(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    first = start_slow(workbook, tmp_path / "marker", 2.5)
    second, seconds = validate(workbook, "60")
    assert first.wait(60) == 0, first.communicate()
    assert second.returncode == 0, second.stderr
    assert seconds > 1.5  # it waited for the first run's write...
    runlog = FileWorkbook(workbook).read_sheet("RunLog")
    assert len(runlog) == 2  # ...and appended to it instead of overwriting it
    assert outputs.verify_runlog(runlog, "close.xlsx").ok
    assert not lock_file(workbook).exists()


def test_the_second_run_gives_up_after_the_timeout_and_writes_nothing(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    first = start_slow(workbook, tmp_path / "marker", 4)
    before = workbook.read_bytes()
    second, seconds = validate(workbook, "0.5")
    message = second.stderr.strip()
    assert second.returncode == 2, (second.stdout, message)
    assert message.startswith("closekit: close.xlsx is in use by another closekit run") and "\n" not in message
    assert "waited 0.5 seconds and wrote nothing" in message and "CLOSEKIT_LOCK_TIMEOUT" in message
    assert seconds < 5
    assert workbook.read_bytes() == before  # the first run has not written yet, the second did not
    assert first.wait(60) == 0
    assert len(FileWorkbook(workbook).read_sheet("RunLog")) == 1


def test_a_dry_run_takes_no_lock(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    with workbook_lock(workbook):
        done = subprocess.run(
            [sys.executable, "-m", "closekit.cli", "validate", str(workbook), "--dry-run"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "CLOSEKIT_LOCK_TIMEOUT": "0"},
        )
        assert done.returncode == 0, done.stderr


def test_the_lock_nests_in_one_process_and_is_removed_afterwards(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    with api.locked(workbook):
        assert lock_file(workbook).exists()
        result = closekit.validate(workbook)
        closekit.write_validation(result)  # FileWorkbook.write_sheets takes the same lock again
        assert lock_file(workbook).exists()
    assert not lock_file(workbook).exists()
    assert len(FileWorkbook(workbook).read_sheet("RunLog")) == 1


def test_the_python_api_writes_under_the_lock_too(tmp_path, monkeypatch):
    workbook = sample.write(tmp_path / "close.xlsx")
    result = closekit.validate(workbook)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from closekit.sheetio.files import workbook_lock\n"
            "with workbook_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(30)",
            str(workbook),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "held"
        monkeypatch.setenv("CLOSEKIT_LOCK_TIMEOUT", "0.2")
        with pytest.raises(WorkbookInUse, match="in use by another closekit run"):
            closekit.write_validation(result)
    finally:
        child.kill()
        child.wait()
    closekit.write_validation(result)  # a killed holder's lock is gone with its process
    assert len(FileWorkbook(workbook).read_sheet("RunLog")) == 1


def test_a_bad_lock_timeout_is_a_usage_error(tmp_path, monkeypatch, capsys):
    workbook = sample.write(tmp_path / "close.xlsx")
    monkeypatch.setenv("CLOSEKIT_LOCK_TIMEOUT", "soon")
    assert cli.main(["validate", str(workbook)]) == 2
    assert "CLOSEKIT_LOCK_TIMEOUT='soon' must be a number of seconds" in capsys.readouterr().err
