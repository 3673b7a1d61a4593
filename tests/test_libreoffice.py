"""A second opinion on the files closekit writes: LibreOffice must open them and see the same values.

Optional: runs where `soffice` is installed (`apt-get install libreoffice-calc-nogui`), skipped with
that reason elsewhere. openpyxl and python-calamine check every file in the other tests.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

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


def pdf_of(workbook, tmp_path):
    """LibreOffice's PDF of ``workbook`` (soffice --headless --convert-to pdf), in ``tmp_path/pdf``."""
    done = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return tmp_path / "pdf" / (workbook.stem + ".pdf")


def dashboard_page_text(workbook, tmp_path) -> str:
    """The text of page 2 of LibreOffice's PDF of ``workbook``: the Dashboard, the second sheet
    (the one-page Close sheet comes first)."""
    pdf = pdf_of(workbook, tmp_path)
    return subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


NO_PDFTOTEXT = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


@NO_PDFTOTEXT
def test_libreoffice_draws_the_dashboard_charts_from_the_run(tmp_path):
    """Each data label appears once in the cells and once more in its chart."""
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 0
    page = dashboard_page_text(tmp_path / "close.xlsx", tmp_path)
    for title in ("Checklist progress", "Findings by severity", "Largest variances against the prior period"):
        assert title in page
    # 4000 Revenue's movement, and 1200 Accounts receivable's change of balance (balance-sheet accounts)
    assert page.count("-21,259.74") == 2 and page.count("58,585.69") == 2
    assert page.count("4000 Revenue") == 2


@NO_PDFTOTEXT
def test_stale_chart_caches_are_not_drawn(tmp_path):
    """Excel stores the values it last drew in the chart part; closekit changes only the cells, so
    after a run that cache is stale. LibreOffice draws the cells, not the cache."""
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 0
    source, stale = tmp_path / "close.xlsx", tmp_path / "stale.xlsx"
    cache = "".join(f'<pt idx="{i}"><v>{v}</v></pt>' for i, v in enumerate((4242, 4343, 4444)))
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.startswith("xl/charts/") and b"$B$16:$B$18</f>" in data:
                data = data.replace(
                    b"$B$16:$B$18</f>",
                    f'$B$16:$B$18</f><numCache><ptCount val="3"/>{cache}</numCache>'.encode(),
                )
                assert b"4242" in data
            zout.writestr(item, data)
    page = dashboard_page_text(stale, tmp_path)
    assert "Findings by severity" in page
    assert "4242" not in page and "4343" not in page


def pdf_pages(workbook, tmp_path) -> list[str]:
    """The text of each page of LibreOffice's PDF of ``workbook`` (pdftotext -layout)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_of(workbook, tmp_path)), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")[:-1]


@NO_PDFTOTEXT
def test_every_output_sheet_prints_fitted_with_its_header_and_footer(tmp_path):
    """Rendered by LibreOffice: each output sheet of the sample prints one page wide with the company,
    the sheet and the period on top (a statement: its title block alone, whole) and "Page n of m"
    below; the balance sheet's amounts are on its page (not on a page of their own), and each output
    of the sample fits on one page."""
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 0
    pages = pdf_pages(tmp_path / "close.xlsx", tmp_path)
    heads = {}
    for number, page in enumerate(pages, 1):
        first = next((line for line in page.splitlines() if line.strip()), "")
        found = re.match(r"\s*Contoso Trading NL\s+(.+?)\s+2026-10\s*$", first) or re.match(
            r"\s*(Contoso Trading NL — .+ — EUR)\s*$", first
        )
        if found:  # the centre: the sheet's name, or a statement's title (issue 18 item 1)
            title = found[1]
            for phrase, sheet in (("Balance sheet", "BalanceSheet"), ("Income statement", "IncomeStatement"),
                                  ("Cash-flow statement", "CashFlow")):
                title = sheet if f"— {phrase}" in title else title
            heads.setdefault(title, []).append(number)
            assert f"Page {number} of {len(pages)}" in page
    outputs = {"Findings", "Adjustments", "TrialBalance", "BalanceSheet", "IncomeStatement", "Flux", "RunLog"}
    assert outputs <= set(heads), heads
    assert all(len(numbers) == 1 for numbers in heads.values()), heads
    balance = pages[heads["BalanceSheet"][0] - 1]
    assert "Total assets" in balance and "1,120,761.54" in balance  # names and amounts on the same page
    first_output = min(n for numbers in heads.values() for n in numbers)
    assert first_output == 3  # the outputs follow the Close sheet and the Dashboard


@NO_PDFTOTEXT
def test_the_templates_accounts_sheet_prints_one_page_wide(tmp_path):
    """Rendered by LibreOffice: the generated template's Accounts sheet, ten columns of a sample
    company's chart of accounts, prints on one page with its name on top and every column on it."""
    from closekit.samples import company
    from closekit.workbook import schema, template

    path = template.write(tmp_path / "accounts.xlsx", company.workbook_rows(), force=True)
    pages = pdf_pages(path, tmp_path)
    accounts = [p for p in pages if next((line.strip() for line in p.splitlines() if line.strip()), "") == "Accounts"]
    assert len(accounts) == 1, f"{len(accounts)} pages of Accounts"
    headers = [h for spec in schema.INPUT_SHEETS if spec.name == "Accounts" for h, _, _ in spec.columns()]
    assert all(h in accounts[0] for h in headers), headers
    assert "Page " in accounts[0]
