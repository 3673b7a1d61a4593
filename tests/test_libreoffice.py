"""A second opinion on the files closekit writes: LibreOffice must open them and see the same values.

Optional: runs where `soffice` is installed (`apt-get install libreoffice-calc-nogui`), skipped with
that reason elsewhere. openpyxl and python-calamine check every file in the other tests.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from closekit import cli
from closekit.sheetio.files import FileWorkbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")]


def test_libreoffice_reads_the_closed_workbook(tmp_path):
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 0
    out = tmp_path / "converted"
    done = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(tmp_path / "close.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    ours, theirs = FileWorkbook(tmp_path / "close.xlsx"), FileWorkbook(out / "close.xlsx")
    assert theirs.sheet_names() == ours.sheet_names()
    for name in ("Adjustments", "TrialBalance", "Checklist", "Findings", "RunLog"):
        assert (
            theirs.read_sheet(name).frame.astype(str).values.tolist()
            == ours.read_sheet(name).frame.astype(str).values.tolist()
        ), name
