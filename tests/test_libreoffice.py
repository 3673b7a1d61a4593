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


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_libreoffice_draws_the_dashboard_charts_from_the_run(tmp_path):
    """The Dashboard is the first sheet, so page 1 of the PDF: its charts are drawn with the run's
    figures (each data label appears once in the cells and once more in its chart)."""
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 0
    done = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(tmp_path / "close.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "pdf" / "close.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for title in ("Checklist progress", "Findings by severity", "Largest variances against the prior period"):
        assert title in page
    assert page.count("-21,259.74") == 2 and page.count("16,108.08") == 2
    assert page.count("4000 Revenue") == 2
