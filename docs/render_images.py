"""``make docs``: the pictures of README.md and docs/excel.md, rendered with LibreOffice headless.

Builds the generated template and the sample company closed the way a Lite user closes it (the
ledger pasted into LedgerImport), converts sheets to PDF with ``soffice --headless --convert-to
pdf`` and the first page of each to PNG with ``pdftoppm``. Only one sheet is visible in each
conversion (the others hidden), so page 1 is that sheet.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

from closekit import api
from closekit.closing import runner as closing
from closekit.samples import company as sample
from closekit.samples import group as sample_group
from closekit.workbook import template

RESOLUTION = 100  # dots per inch: readable on GitHub, small in the repository


def workbooks(folder: Path) -> dict[str, Path]:
    rows = sample.lite_workbook_rows()
    blank = template.write(folder / "template.xlsx", force=True)
    classic = template.write(folder / "classic.xlsm", force=True, kind="classic", interpreter="python")
    closed = template.write(folder / "closed.xlsx", rows, force=True)
    api.write_close(api.close(closed), command="closekit close closed.xlsx", user="accountant")
    broken_rows = [list(r) for r in sample.ledger_rows()]
    broken_rows[3][sample.HEADER.index("Account")] = "9999"
    rows["LedgerImport"] = [sample.HEADER, *broken_rows]
    findings = template.write(folder / "findings.xlsx", rows, force=True)
    api.write_validation(api.validate(findings), command="closekit validate findings.xlsx", user="accountant")
    demo = folder / "demo"  # the sample group, closed as `closekit demo` closes it
    sample.write(demo / "close.xlsx", force=True)
    group = sample_group.write(demo, force=True)
    api.write_close(api.close(group, steps=[*closing.selected(None), "consolidation"]), command="closekit demo (group)")
    return {"template": blank, "classic": classic, "closed": closed, "findings": findings, "group": group}


def only(path: Path, sheet: str, out: Path) -> Path:
    """A copy of ``path`` in which only ``sheet`` is visible (the Close sheet keeps its buttons
    because it is rendered from the original file, where it is the first sheet)."""
    if sheet == "Close":
        shutil.copyfile(path, out)
        if path.suffix == ".xlsm":  # form buttons are not printed (as in Excel): print them for the picture
            _print_form_buttons(out)
        return out
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == sheet else "hidden"
        if ws.title != sheet:  # LibreOffice prints a hidden sheet that has a print area
            ws.print_area = None
            ws._print_rows = None
    wb.active = wb.sheetnames.index(sheet)
    ws = wb[sheet]
    setup = ws.sheet_properties.pageSetUpPr
    if not (setup is not None and setup.fitToPage):  # output sheets print as closekit set them up
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    wb.save(out)
    return out


def _print_form_buttons(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in members:
            if info.filename.endswith(".vml"):
                body = body.replace(b"<x:PrintObject>False</x:PrintObject>", b"")
            z.writestr(info, body)


def render(path: Path, png: Path, work: Path) -> None:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = work / (path.stem + ".pdf")
    page = ["-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(["pdftoppm", "-png", "-r", str(RESOLUTION), *page, str(pdf), str(png.with_suffix(""))], check=True)


PICTURES = (
    ("template", "Close", "template-close.png"),
    ("classic", "Close", "classic-close.png"),
    ("closed", "LedgerImport", "closed-ledgerimport.png"),
    ("closed", "Close", "closed-close.png"),
    ("closed", "Dashboard", "dashboard.png"),
    ("closed", "TrialBalance", "closed-trialbalance.png"),
    ("closed", "Checklist", "closed-checklist.png"),
    ("closed", "Adjustments", "closed-adjustments.png"),
    ("closed", "BalanceSheet", "closed-balancesheet.png"),
    ("closed", "IncomeStatement", "closed-incomestatement.png"),
    ("closed", "CashFlow", "closed-cashflow.png"),
    ("closed", "TieOuts", "closed-tieouts.png"),
    ("closed", "Journals", "closed-journals.png"),
    ("group", "GroupBalanceSheet", "group-balancesheet.png"),
    ("findings", "Findings", "findings.png"),
)


def main(target: Path) -> None:
    missing = [tool for tool in ("soffice", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        sys.exit(
            f"make docs needs {' and '.join(missing)} on PATH (LibreOffice and poppler-utils: on Debian or "
            "Ubuntu, apt-get install libreoffice-calc poppler-utils). Nothing was rendered."
        )
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        books = workbooks(work)
        for book, sheet, name in PICTURES:
            copy = only(books[book], sheet, work / f"{book}-{sheet}{books[book].suffix}")
            render(copy, target / name, work)
            print(f"wrote {target / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images"))
