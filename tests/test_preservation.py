"""`closekit validate` writes Findings into a real close workbook and loses nothing else:
a chart, a text box, a form button, a comment, a defined name, data validation, VBA."""

from __future__ import annotations

import errno
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from closekit import cli
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from xlsx_fixtures import (
    BUTTON_RELS,
    BUTTON_VML,
    CONTROLS,
    CT,
    CTRL_PROP,
    TEXT_BOX,
    VBA,
    members,
    rewrite,
    sheet_part,
    text,
)

#: Parts closekit may edit (by insertion only) when it adds output sheets.
EDITED = {CT, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}


def decorated_close_workbook(folder: Path, macro: bool = False) -> Path:
    """The sample close workbook with an Overview sheet (chart, comment, text box), a defined
    name, and a form button on the Help sheet, as a user would have made it in Excel."""
    path = sample.write(folder / "close.xlsx")
    wb = openpyxl.load_workbook(path)
    dash = wb.create_sheet("Overview")
    dash.append(["Step", "Done"])
    for row in [("import", 1), ("validate", 1), ("close", 0)]:
        dash.append(row)
    dash["A2"].comment = Comment("Owner: controller", "Reviewer")
    chart = BarChart()
    chart.add_data(Reference(dash, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    dash.add_chart(chart, "D2")
    wb.defined_names["ClosePeriod"] = DefinedName("ClosePeriod", attr_text="Settings!$B$5")
    wb.save(path)
    names = zipfile.ZipFile(path).namelist()
    drawing = next(n for n in names if n.startswith("xl/drawings/drawing") and n.endswith(".xml"))
    help_part = sheet_part(path, "Help")  # the Help sheet: no comments, so no legacy drawing yet
    help_rels = f"xl/worksheets/_rels/{Path(help_part).name}.rels"
    assert help_rels not in names
    sheet = text(path, help_part)
    sheet = (
        sheet.replace(
            "<worksheet ",
            '<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ',
            1,
        )
        if "xmlns:r=" not in sheet
        else sheet
    )
    content_types = text(path, CT).replace(
        "</Types>",
        (
            '<Override PartName="/xl/ctrlProps/ctrlProp1.xml" '
            'ContentType="application/vnd.ms-excel.controlproperties+xml"/></Types>'
        ),
    )
    change: dict[str, bytes | None] = {
        drawing: text(path, drawing).replace("</wsDr>", TEXT_BOX + "</wsDr>").encode(),
        help_part: sheet.replace("</worksheet>", CONTROLS + "</worksheet>").encode(),
        help_rels: BUTTON_RELS,
        "xl/drawings/vmlDrawing9.vml": BUTTON_VML,
        "xl/ctrlProps/ctrlProp1.xml": CTRL_PROP,
        CT: content_types.encode(),
    }
    if macro:
        change["xl/vbaProject.bin"] = VBA
    rewrite(path, change)
    if macro:
        renamed = path.with_suffix(".xlsm")
        path.rename(renamed)
        return renamed
    return path


@pytest.mark.parametrize("macro", [False, True], ids=["xlsx", "xlsm"])
def test_validate_keeps_every_part_of_the_workbook(tmp_path, macro):
    workbook = decorated_close_workbook(tmp_path, macro)
    before = members(workbook)
    assert "Reviewer note: keep me" in text(workbook, next(n for n in before if n.startswith("xl/drawings/drawing")))
    close_part = sheet_part(workbook, "Close")  # its status cells are set by every run
    assert cli.main(["validate", str(workbook)]) == 0
    after = members(workbook)
    for name, data in before.items():
        if name not in EDITED | {close_part, "_rels/.rels"}:
            assert after[name] == data, f"{name} changed"
    # the package's relationships: every one kept, the log's head (docProps/custom.xml) added
    rels = after["_rels/.rels"].decode()
    assert rels.startswith(before["_rels/.rels"].decode().removesuffix("</Relationships>"))
    assert "relationships/custom-properties" in rels and "closekit.RunLogHead" in after["docProps/custom.xml"].decode()
    workbook_xml = after["xl/workbook.xml"].decode()
    assert "ClosePeriod" in workbook_xml and 'name="Findings"' in workbook_xml and 'name="RunLog"' in workbook_xml
    reopened = openpyxl.load_workbook(workbook, keep_vba=macro)
    assert reopened["Overview"]["A2"].comment.text == "Owner: controller"
    assert reopened["Close"]["B4"].value == "validate: done, no errors"
    assert len(reopened["Overview"]._charts) == 1
    assert reopened["Periods"].data_validations.dataValidation  # drop-downs of the template kept
    names = reopened.sheetnames  # the outputs after the front pages, the user's sheets in their order
    assert names[:4] == ["Close", "Dashboard", "Findings", "RunLog"] and names[-2:] == ["xlwings.conf", "Overview"]
    assert reopened["Overview"]["A2"].comment.text == "Owner: controller"  # its sheet-local things moved with it
    assert FileWorkbook(workbook).read_sheet("Findings").columns == [
        "Severity",
        "Code",
        "Where",
        "Row",
        "Column",
        "Voucher",
        "Message",
        "Fix",
    ]


class _FillsUp:
    """A file that takes ``room`` bytes and then fails as a full disk does."""

    def __init__(self, fh, room: int):
        self._fh, self._room = fh, room

    def write(self, data):
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)


@pytest.mark.parametrize("when", ["sheet", "first-bytes", "mid-copy", "fsync", "rename"])
def test_a_failed_write_leaves_the_workbook_as_it_was(tmp_path, monkeypatch, capsys, when):
    """A full disk wherever it strikes: while a sheet is written, at the first bytes or in the middle
    of the copy of the other parts, at the fsync, at the rename."""
    workbook = decorated_close_workbook(tmp_path)
    before = workbook.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if when == "sheet":
        monkeypatch.setattr("closekit.sheetio.xlsx_sheet.write_sheet", disk_full)
        monkeypatch.setattr("closekit.sheetio.xlsx_package.write_sheet", disk_full)
    elif when in ("first-bytes", "mid-copy"):
        real = os.fdopen
        room = 0 if when == "first-bytes" else len(before) // 2
        monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: _FillsUp(real(fd, mode, *a, **k), room))
    elif when == "fsync":
        monkeypatch.setattr(os, "fsync", disk_full)
    else:
        real_replace = os.replace
        monkeypatch.setattr(
            os, "replace", lambda src, dst: disk_full() if ".~closekit-" in str(src) else real_replace(src, dst)
        )
    assert cli.main(["validate", str(workbook)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".~closekit")) == []


def test_findings_text_never_becomes_a_formula(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    journal = tmp_path / "evil.csv"
    journal.write_text(
        "Voucher,Date,Account,Debit,Credit,Text\n"
        '"=cmd|\' /C calc\'!A0",2026-10-31,6400,1.00,,"@SUM(A1)"\n'
        '"=cmd|\' /C calc\'!A0",2026-10-31,2900,,1.00,"+1"\n'
    )
    assert cli.main(["validate", str(workbook), "--journal", str(journal)]) == 0
    findings_part = next(
        n
        for n in zipfile.ZipFile(workbook).namelist()
        if n.startswith("xl/worksheets/") and "=cmd" in text(workbook, n)
    )
    xml = text(workbook, findings_part)
    assert "<f>" not in xml and "<f " not in xml
    assert 't="inlineStr"' in xml
