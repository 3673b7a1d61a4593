"""The Dashboard: the template's native charts point at a data block that each close fills
through cell updates; the chart parts themselves are kept byte for byte."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import openpyxl
import pandas as pd

from closekit import cli
from closekit.closing import flux as flux_step
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import dashboard, template


def chart_parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith(("xl/charts/", "xl/drawings/drawing"))}


def test_status_counts_read_the_usual_spellings():
    counts = dashboard.status_counts(["Done", "Completed", "InProgress", "", "Waiting", "Sign-off suspended"])
    assert counts == {
        "Done": 2,
        "In progress": 1,
        "Not started": 2,
        "Blocked": 0,
        "Skipped": 0,
        "Sign-off suspended": 1,
    }


def test_largest_variances_by_size_whatever_the_sign():
    flux = pd.DataFrame(
        {
            "Account": ["1000", "2000", "3000", "4000"],
            "Name": ["Cash", "AP", "Equity", "Sales"],
            "Variance": pd.array([500, -9000, 0, None], dtype="Int64"),
        }
    )
    assert flux_step.largest_variances(flux).values.tolist() == [["2000", "AP", -9000], ["1000", "Cash", 500]]


def test_the_template_has_three_charts_over_the_data_block(tmp_path):
    wb = openpyxl.load_workbook(template.write(tmp_path / "close.xlsx"))
    assert wb.sheetnames[:2] == ["Close", "Dashboard"]  # the buttons first, then the picture
    ws = wb["Dashboard"]
    assert len(ws._charts) == 3
    refs = [s.val.numRef.f for chart in ws._charts for s in chart.series]
    assert refs == ["'Dashboard'!$B$8:$B$13", "'Dashboard'!$B$16:$B$18", "'Dashboard'!$B$21:$B$30"]


def test_a_close_fills_the_data_cells_and_keeps_the_charts(sample_workbook):
    before = chart_parts(sample_workbook)
    assert len([n for n in before if n.startswith("xl/charts/chart")]) == 3
    assert cli.main(["close", str(sample_workbook)]) == 0
    assert chart_parts(sample_workbook) == before
    ws = openpyxl.load_workbook(sample_workbook)["Dashboard"]
    assert len(ws._charts) == 3
    assert [ws[f"B{r}"].value for r in range(2, 4)] == ["Contoso Trading NL", "2026-10"]
    assert ws["B5"].value == "ok"
    tasks = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(8, 14)}
    # the two review tasks (trial balance, flux) ran clean and wait for their sign-offs
    assert tasks == {"Done": 6, "In progress": 2, "Not started": 5, "Blocked": 0, "Skipped": 0, "Sign-off suspended": 0}
    # one flux-unexplained warning (4000), two signoff-pending infos (the review tasks)
    assert [ws[f"B{r}"].value for r in range(16, 19)] == [0, 1, 2]
    assert (ws["A21"].value, Decimal(str(ws["B21"].value))) == ("1200 Accounts receivable", Decimal("58585.69"))
    assert ws["A30"].value == "6900 Allocated IT costs"
    checklist = FileWorkbook(sample_workbook).read_sheet("Checklist").frame
    assert (checklist["Status"] == "Done").sum() == 6


def test_a_run_without_flux_clears_the_variances(sample_workbook):
    assert cli.main(["close", str(sample_workbook)]) == 0
    assert cli.main(["close", str(sample_workbook), "--steps", "validate,trial-balance"]) == 0
    ws = openpyxl.load_workbook(sample_workbook)["Dashboard"]
    assert ws["A21"].value is None and ws["B21"].value is None


def test_a_workbook_without_a_dashboard_gets_none(sample_workbook):
    wb = openpyxl.load_workbook(sample_workbook)
    del wb["Dashboard"]
    wb.save(sample_workbook)
    assert cli.main(["close", str(sample_workbook)]) == 0
    assert "Dashboard" not in FileWorkbook(sample_workbook).sheet_names()


def test_a_dashboard_sheet_of_the_users_own_is_never_written(sample_workbook):
    wb = openpyxl.load_workbook(sample_workbook)
    del wb["Dashboard"]
    mine = wb.create_sheet("Dashboard")
    mine.append(["My KPIs", "Target"])
    mine.append(["Days to close", 5])
    wb.save(sample_workbook)
    assert cli.main(["close", str(sample_workbook)]) == 0
    ws = openpyxl.load_workbook(sample_workbook)["Dashboard"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["My KPIs", "Target"], ["Days to close", 5]]
