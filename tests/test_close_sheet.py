"""The Close sheet: buttons wired to the Lite scripts, status cells written by every run."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
from defusedxml import ElementTree

from closekit import api
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import closesheet, template

REPO = Path(__file__).resolve().parents[1]
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"


def buttons(path: Path) -> dict[str, str]:
    """Shape name -> the target of its link, from the workbook's drawing parts."""
    with zipfile.ZipFile(path) as z:
        found = {}
        for name in z.namelist():
            if not re.fullmatch(r"xl/drawings/drawing[^/]*\.xml", name):
                continue
            rels_name = name.replace("drawings/", "drawings/_rels/") + ".rels"
            rels = ElementTree.fromstring(z.read(rels_name)) if rels_name in z.namelist() else None
            targets = {r.get("Id"): r.get("Target") for r in (rels if rels is not None else [])}
            for props in ElementTree.fromstring(z.read(name)).iter(f"{XDR}cNvPr"):
                link = next(iter(props), None)
                if link is not None:
                    rid = link.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
                    found[props.get("name")] = targets[rid]
        return found


def test_template_close_sheet_comes_first_with_its_four_buttons(tmp_path):
    path = template.write(tmp_path / "close.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Close" and wb.active.title == "Close"
    assert [wb["Close"][ref.replace("B", "A")].value for ref in closesheet.CELLS.values()] == list(
        closesheet.LABELS.values()
    )
    assert buttons(path) == {shape: f"#Close!{cell}" for _, shape, _, cell in closesheet.BUTTONS}


def test_lite_scripts_are_bound_to_the_template_buttons():
    code = (REPO / "addin/lite/main.py").read_text()
    bound = {m[2]: (m[0], m[1]) for m in re.findall(r'button="\[(\w+)\](\w+!\w+)"[^)]*\)\s*def (\w+)', code)}
    assert bound == {script: (shape, f"Close!{cell}") for script, shape, _, cell in closesheet.BUTTONS}


def test_xlwings_conf_sheet_has_the_add_in_settings_without_header(tmp_path):
    wb = openpyxl.load_workbook(template.write(tmp_path / "close.xlsx"))
    rows = [(r[0].value, r[1].value) for r in wb[template.XLWINGS_CONF].iter_rows()]
    assert rows[0] == ("Interpreter_Win", None)
    assert [k for k, _ in rows] == [k for k, _ in template.XLWINGS_SETTINGS]


def test_close_writes_the_status_cells_and_keeps_the_buttons(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")
    drawing_before = {n: d for n, d in _members(path).items() if n.startswith("xl/drawings/drawing_buttons")}
    result = api.close(path)
    api.write_close(result)
    close = openpyxl.load_workbook(path)["Close"]
    assert close["B3"].value == sample.PERIOD
    # the sample's flux review asks for explanations of its material movements: warnings, no errors
    assert result.counts["Error"] == 0 and result.counts["Warning"] > 0
    assert close["B4"].value == "close: done, with warnings (see Findings)"
    assert close["B5"].value.endswith("Z close")
    assert (close["B6"].value, close["B7"].value) == (0, result.counts["Warning"])
    assert close["B9"].value.startswith("import ✓  validate ✓  settlement ✓")
    after = _members(path)
    assert all(after[n] == d for n, d in drawing_before.items()) and drawing_before
    assert set(buttons(path)) == {shape for _, shape, _, _ in closesheet.BUTTONS}


def test_validate_counts_errors_on_the_close_sheet(make, tmp_path):
    path = make.workbook(
        LedgerImport=[sample.HEADER, ["GL", "V1", 1, "2026-10-05", "9999", "", "", "EUR", "10", "", "10", "x", "Yes"]]
    )
    result = api.validate(path)
    api.write_validation(result)
    close = openpyxl.load_workbook(path)["Close"]
    assert close["B4"].value == "validate: errors, see Findings"
    assert close["B6"].value == result.counts["Error"] >= 1
    assert close["B9"].value == "validate ✗"


def test_hold_sets_the_period_on_hold_through_the_file_adapter(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")
    result = api.hold_period(path)
    assert result.held and result.cell == "D11"  # 2026-10 is the tenth period, below the header
    api.write_hold(result)
    wb = openpyxl.load_workbook(path)
    assert wb["Periods"]["D11"].value == "On hold"
    assert wb["Close"]["B4"].value == f"period {sample.PERIOD} put on hold"
    assert FileWorkbook(path).read_sheet("RunLog").frame["Command"].tolist() == ["period-hold"]


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_committed_lite_sample_is_what_the_code_generates(tmp_path):
    committed = REPO / "workbook_templates" / "sample-lite.xlsx"
    fresh = sample.write_lite(tmp_path / "sample-lite.xlsx")
    with zipfile.ZipFile(fresh) as a, zipfile.ZipFile(committed) as b:
        parts = [n for n in a.namelist() if n != "docProps/core.xml"]
        assert parts == [n for n in b.namelist() if n != "docProps/core.xml"]
        assert all(a.read(n) == b.read(n) for n in parts), "run `make templates` and commit sample-lite.xlsx"
