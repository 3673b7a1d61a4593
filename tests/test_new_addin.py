"""``closekit new --lite`` and ``--classic``: workbooks that arrive in Excel ready to run.

--lite: the xlwings Lite code (main.py, requirements.txt pinned to this closekit) sits in the
workbook's web-extension part, where xlwings Lite keeps it (closekit.workbook.lite_code); the code
read back out of the file runs the close through xlwings' JSON engine (tests/lite_harness.py).
--classic: a macro-enabled .xlsm with the VBA project of the installed xlwings' standalone
workbook, form buttons whose macro is ``RunPython`` with the call as its argument, the xlwings.conf
sheet, and closekit_addin.py beside it. LibreOffice must open both (skipped where it is absent).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest

from closekit import cli
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import closesheet, lite_code, macro_workbook, template
from lite_harness import apply_actions, run_script

REPO = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
WE = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"
CALLS = {
    "Validate": "import closekit_addin; closekit_addin.validate()",
    "Run close": "import closekit_addin; closekit_addin.close()",
    "Export upload journal": "import closekit_addin; closekit_addin.export()",
    "Put period on hold": "import closekit_addin; closekit_addin.hold()",
}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def overrides(types: bytes) -> dict[str, str]:
    return dict(re.findall(r'<Override PartName="([^"]+)" ContentType="([^"]+)"', types.decode()))


@pytest.mark.parametrize("path", ["lite/main.py", "lite/requirements.txt", "classic/closekit_addin.py"])
def test_the_package_ships_the_addin_code_of_the_repository(path):
    shipped = REPO / "src/closekit/workbook/_addin" / path
    assert shipped.read_bytes() == (REPO / "addin" / path).read_bytes(), f"make addin copies addin/{path} there"


# ------------------------------------------------------------------------------------------ Lite
def test_lite_workbook_carries_main_py_and_requirements_where_lite_reads_them(tmp_path):
    assert cli.main(["new", "--lite", str(tmp_path / "close.xlsx")]) == 0
    got = parts(tmp_path / "close.xlsx")

    root = got["_rels/.rels"].decode()
    assert re.search(r'Type="[^"]+/webextensiontaskpanes" Target="xl/webextensions/taskpanes.xml"', root)
    types = overrides(got["[Content_Types].xml"])
    assert types["/xl/webextensions/taskpanes.xml"] == "application/vnd.ms-office.webextensiontaskpanes+xml"
    assert types["/xl/webextensions/webextension1.xml"] == "application/vnd.ms-office.webextension+xml"
    pane = got["xl/webextensions/taskpanes.xml"].decode()
    assert 'visibility="1"' in pane and 'r:id="rId1"' in pane  # the task pane opens with the workbook
    pane_rels = got["xl/webextensions/_rels/taskpanes.xml.rels"].decode()
    assert re.search(r'Id="rId1" Type="[^"]+/webextension" Target="webextension1.xml"', pane_rels)

    extension = openpyxl.xml.functions.fromstring(got["xl/webextensions/webextension1.xml"])
    refs = [(r.get("id").upper(), r.get("storeType")) for r in extension.iter(f"{WE}reference")]
    assert refs and set(refs) == {("WA200008175", "OMEX")}  # xlwings Lite in the add-in store
    properties = {p.get("name"): json.loads(p.get("value")) for p in extension.iter(f"{WE}property")}
    assert properties == {
        "main.py": (REPO / "addin/lite/main.py").read_text(encoding="utf-8"),
        "requirements.txt": (REPO / "addin/lite/requirements.txt").read_text(encoding="utf-8"),
    }
    assert f"closekit=={VERSION}" in properties["requirements.txt"].splitlines()
    assert lite_code.read((tmp_path / "close.xlsx").read_bytes()) == properties
    assert lite_code.read(template.package()) == {}


def test_lite_workbook_is_the_template_plus_the_addin_parts(tmp_path):
    template.write(tmp_path / "plain.xlsx")
    template.write(tmp_path / "lite.xlsx", kind="lite")
    plain, lite = parts(tmp_path / "plain.xlsx"), parts(tmp_path / "lite.xlsx")
    assert set(lite) - set(plain) == {
        "xl/webextensions/taskpanes.xml",
        "xl/webextensions/_rels/taskpanes.xml.rels",
        "xl/webextensions/webextension1.xml",
    }
    changed = {name for name in plain if plain[name] != lite[name]} - {"docProps/core.xml"}  # its save time
    assert changed == {"_rels/.rels", "[Content_Types].xml"}
    ours, theirs = FileWorkbook(tmp_path / "plain.xlsx"), FileWorkbook(tmp_path / "lite.xlsx")
    assert theirs.sheet_names() == ours.sheet_names()


def test_a_setting_value_is_json_as_office_writes_it():
    text = 'print("a/b")\n\tx = 1  # ✓'
    value = lite_code.setting_value(text)
    assert value == '"print(\\"a\\/b\\")\\n\\tx = 1  # ✓"'
    assert json.loads(value) == text
    xml = lite_code.webextension_xml({"main.py": text})
    assert "value=\"&quot;print(\\&quot;a\\/b\\&quot;)\\n\\tx = 1  # ✓&quot;\"" in xml  # one line, entities


@pytest.fixture
def lite_env(monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings' JSON engine (CONTRIBUTING.md)
    monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
    import xlwings
    import xlwings.server

    if xlwings.script is not xlwings.server.script:
        importlib.reload(xlwings)


def test_the_code_read_out_of_the_lite_workbook_runs_the_close(tmp_path, lite_env):
    # the sample company with its ledger pasted into LedgerImport, as workbook_templates/sample-lite.xlsx
    book = template.write(tmp_path / "close.xlsx", sample.lite_workbook_rows(), kind="lite")
    code = lite_code.read(book.read_bytes())["main.py"]
    (tmp_path / "main_from_workbook.py").write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("main_from_workbook", tmp_path / "main_from_workbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    out = apply_actions(book, run_script(module, "run_close", book), tmp_path / "after.xlsx")
    close = openpyxl.load_workbook(out)[closesheet.SHEET]
    assert str(close[closesheet.CELLS["status"]].value).startswith("close: done"), close["B4"].value
    assert int(close[closesheet.CELLS["errors"]].value) == 0
    assert "TrialBalance" in openpyxl.load_workbook(out, read_only=True).sheetnames


# --------------------------------------------------------------------------------------- classic
def xlwings_vba() -> bytes:
    spec = importlib.util.find_spec("xlwings")
    standalone = Path(next(iter(spec.submodule_search_locations))) / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(standalone) as z:
        return z.read("xl/vbaProject.bin")


def test_classic_workbook_has_the_xlwings_vba_module_and_wired_buttons(tmp_path):
    assert cli.main(["new", "--classic", str(tmp_path / "close.xlsm")]) == 0
    got = parts(tmp_path / "close.xlsm")

    assert got["xl/vbaProject.bin"] == xlwings_vba()  # copied from the installed xlwings, never edited
    types = overrides(got["[Content_Types].xml"])
    assert types["/xl/workbook.xml"] == "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    assert types["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    assert 'Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"' in (
        got["[Content_Types].xml"].decode()
    )
    assert re.search(r'Type="[^"]+/vbaProject" Target="vbaProject.bin"', got["xl/_rels/workbook.xml.rels"].decode())
    assert '<workbookPr codeName="ThisWorkbook"' in got["xl/workbook.xml"].decode()

    book = openpyxl.load_workbook(tmp_path / "close.xlsm", keep_vba=True)
    assert book.sheetnames[0] == closesheet.SHEET
    close_part = "xl/worksheets/sheet1.xml"
    close_xml = got[close_part].decode()
    assert '<sheetPr codeName="Sheet1"' in close_xml
    rid = re.search(r'<legacyDrawing [^>]*r:id="(rId\d+)"', close_xml).group(1)
    rels = got["xl/worksheets/_rels/sheet1.xml.rels"].decode()
    vml = re.search(rf'Id="{rid}" Type="[^"]+/vmlDrawing" Target="/([^"]+)"', rels).group(1)
    assert vml in got
    buttons = macro_workbook.button_macros((tmp_path / "close.xlsm").read_bytes())
    assert buttons == [(caption, f"'RunPython \"{call}\"'") for caption, call in CALLS.items()]
    anchors = re.findall(r"<x:Anchor>(\d+), \d+, (\d+),", got[vml].decode())
    assert anchors == [("4", str(int(cell[1:]) - 1)) for *_, cell in closesheet.BUTTONS]  # E3, E5, E7, E9
    assert "drawing_buttons.xml" not in rels  # no Lite hyperlinks on the classic buttons

    conf = [list(r) for r in book[template.XLWINGS_CONF].iter_rows(values_only=True)]
    python = template.python_for_excel()  # None where Excel does not run (Linux): the add-in's setting applies
    key = "Interpreter_Mac" if sys.platform == "darwin" else "Interpreter_Win"
    interpreters = [row for row in conf if row[0].startswith("Interpreter")]
    assert interpreters == ([[key, python]] if python else [])
    assert [k for k, _ in conf if not k.startswith("Interpreter")] == ["Debug UDFs", "Use UDF Server", "Show Console"]
    assert all(value not in (None, "") for _, value in conf)  # an empty key would hide the add-in's setting
    shipped = (REPO / "addin/classic/closekit_addin.py").read_text(encoding="utf-8")
    assert (tmp_path / "closekit_addin.py").read_text(encoding="utf-8") == shipped


def test_the_classic_interpreter_is_the_python_that_made_the_workbook(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    path = template.write(tmp_path / "close.xlsm", kind="classic", interpreter=r"C:\Py\pythonw.exe")
    conf = [list(r) for r in openpyxl.load_workbook(path)[template.XLWINGS_CONF].iter_rows(values_only=True)]
    assert conf[0] == ["Interpreter_Win", r"C:\Py\pythonw.exe"]
    monkeypatch.setattr(sys, "platform", "darwin")
    assert template.python_for_excel() == sys.executable


def test_closekit_writes_into_the_classic_workbook_and_keeps_its_macros(tmp_path):
    rows = sample.lite_workbook_rows()  # the ledger pasted into LedgerImport, no files to read
    path = template.write(tmp_path / "close.xlsm", rows, kind="classic", interpreter="python")
    before = parts(path)
    assert cli.main(["validate", str(path)]) in (0, 1)
    after = parts(path)
    assert "Findings" in openpyxl.load_workbook(path, keep_vba=True).sheetnames
    for name in ("xl/vbaProject.bin", "xl/drawings/vmlDrawing_buttons.vml"):
        assert after[name] == before[name]
    assert overrides(after["[Content_Types].xml"])["/xl/workbook.xml"].endswith("macroEnabled.main+xml")


def test_new_refuses_what_it_cannot_make(tmp_path, capsys):
    assert cli.main(["new", "--classic", str(tmp_path / "close.xlsx")]) == 2
    assert cli.main(["new", "--lite", "--classic", str(tmp_path / "close.xlsx")]) == 2
    assert cli.main(["new", "--lite", "--sample", str(tmp_path / "close.xlsx")]) == 2
    (tmp_path / "closekit_addin.py").write_text("# mine\n")
    assert cli.main(["new", "--classic", str(tmp_path / "close.xlsm")]) == 2
    assert (tmp_path / "closekit_addin.py").read_text() == "# mine\n" and not (tmp_path / "close.xlsm").exists()
    err = capsys.readouterr().err
    assert "must be an .xlsm file" in err and "closekit_addin.py already exists" in err
    assert "Traceback" not in err


def test_classic_without_xlwings_says_what_to_install(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xlwings" else real(name, *a))
    assert cli.main(["new", "--classic", str(tmp_path / "close.xlsm")]) == 2
    assert 'pip install "closekit[excel]"' in capsys.readouterr().err
    assert not (tmp_path / "close.xlsm").exists()


def test_a_button_argument_cannot_break_out_of_its_quotes():
    assert macro_workbook.macro_call("RunPython", "import a; a.b()") == "'RunPython \"import a; a.b()\"'"
    with pytest.raises(ValueError):
        macro_workbook.macro_call("RunPython", 'import a"; x')


# ----------------------------------------------------------------------------------- LibreOffice
def flat_ods(path: Path, tmp_path: Path) -> str:
    out = tmp_path / "converted"
    done = subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "fods",
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return (out / (path.stem + ".fods")).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_lite_and_the_classic_workbook(tmp_path):
    lite = template.write(tmp_path / "lite" / "close.xlsx", kind="lite")
    classic = template.write(tmp_path / "classic" / "close.xlsm", kind="classic", interpreter="python")
    names = FileWorkbook(lite).sheet_names()  # "local-table": LibreOffice's own tables of the charts' data
    for path in (lite, classic):
        text = flat_ods(path, tmp_path / path.suffix[1:])
        sheets = [n for n in re.findall(r'<table:table table:name="([^"]+)"', text) if n != "local-table"]
        assert sheets == names, path.name
    labels = re.findall(r'<form:button [^>]*form:label="([^"]+)"', text)
    assert labels == list(CALLS)  # the classic workbook's four form buttons
    assert "Public Function RunPython(" in text  # the xlwings VBA module came along
