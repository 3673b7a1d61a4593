"""Crash safety: ``closekit close`` killed (SIGKILL) at many points of its write leaves the workbook
either byte for byte as it was or wholly the new version, and the next run cleans up after it
(SECURITY.md "Nothing is lost"). The disk-full cases are in test_preservation.py.

The kill points are deterministic: a harness around the command line counts the writes into the
temporary file (a calibration run says how many there are) and SIGKILLs its own process at the
chosen one, half-way through its data, or at the fsync, or just before or after the rename.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook

OUTPUTS = {
    "Findings",
    "Adjustments",
    "Settlements",
    "OpenItems",
    "TrialBalance",
    "BalanceSheet",
    "IncomeStatement",
    "GeneralJournal",
    "RunLog",
}

HARNESS = r"""
import os, signal, sys

mode, _, arg = os.environ["CLOSEKIT_TEST_KILL"].partition(":")
writes = 0
real_fdopen, real_replace, real_fsync = os.fdopen, os.replace, os.fsync


def die():
    os.kill(os.getpid(), signal.SIGKILL)


class Counting:
    def __init__(self, fh):
        self._fh = fh

    def write(self, data):
        global writes
        writes += 1
        if mode == "write" and writes == int(arg):
            self._fh.write(data[: len(data) // 2])
            self._fh.flush()
            die()
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)


def fdopen(fd, mode_="r", *args, **kwargs):
    fh = real_fdopen(fd, mode_, *args, **kwargs)
    return Counting(fh) if "w" in mode_ else fh


def replace(src, dst, *args, **kwargs):
    ours = ".~closekit-" in os.fspath(src)
    if ours and mode == "before-replace":
        die()
    real_replace(src, dst, *args, **kwargs)
    if ours and mode == "after-replace":
        die()


def fsync(fd):
    if mode == "fsync":
        die()
    return real_fsync(fd)


os.fdopen, os.replace, os.fsync = fdopen, replace, fsync
from closekit.cli import main

code = main(sys.argv[1:])
if mode == "count":
    with open(arg, "w") as fh:
        fh.write(str(writes))
sys.exit(code)
"""


def close_with(workbook: Path, kill: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", HARNESS, "close", str(workbook)],
        env={**os.environ, "CLOSEKIT_TEST_KILL": kill},
        capture_output=True,
        text=True,
        timeout=120,
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~closekit-"))


@pytest.mark.slow
def test_sigkill_during_the_write_leaves_the_old_or_the_new_workbook(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    pristine = workbook.read_bytes()
    counted = tmp_path / "writes.txt"
    done = close_with(workbook, f"count:{counted}")
    assert done.returncode == 0, done.stderr
    writes = int(counted.read_text())
    assert writes > 20
    points = sorted({1 + i * (writes - 1) // 16 for i in range(17)})
    kills = ["after-replace", "fsync", "before-replace"] + [f"write:{n}" for n in points]
    outcomes = {}
    for kill in kills:
        workbook.write_bytes(pristine)
        killed = close_with(workbook, kill)
        assert killed.returncode == -signal.SIGKILL, (kill, killed.returncode, killed.stderr[-2000:])
        temporaries = [n for n in leftovers(tmp_path) if ".tmp-" in n]
        assert len(temporaries) == (kill != "after-replace"), (kill, temporaries)  # earlier ones were removed
        data = workbook.read_bytes()
        if data == pristine:
            outcomes[kill] = "old"
            continue
        names = set(FileWorkbook(workbook).sheet_names())  # opens: a whole, readable package
        assert names >= OUTPUTS, (kill, names)
        assert len(FileWorkbook(workbook).read_sheet("RunLog")) == 1
        outcomes[kill] = "new"
    assert outcomes["after-replace"] == "new" and outcomes["before-replace"] == "old", outcomes
    assert list(outcomes.values()).count("old") >= len(points)  # every kill inside the write
    assert leftovers(tmp_path) == sorted([temporaries[0], ".~closekit-close.xlsx.lock"])
    done = close_with(workbook, "none")
    assert done.returncode == 0, done.stderr
    assert leftovers(tmp_path) == []  # the next run removed them, and its own lock
    assert set(FileWorkbook(workbook).sheet_names()) >= OUTPUTS


def test_a_run_cleans_up_only_its_own_workbooks_temporaries(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    other = tmp_path / ".~closekit-other.xlsx.tmp-abc123.xlsx"
    stale = tmp_path / ".~closekit-close.xlsx.tmp-abc123.xlsx"
    for path in (other, stale):
        path.write_bytes(b"half a zip")
    done = close_with(workbook, "none")
    assert done.returncode == 0, done.stderr
    assert leftovers(tmp_path) == [other.name]
