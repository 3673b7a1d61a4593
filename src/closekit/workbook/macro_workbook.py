"""Turn the template into a macro-enabled workbook for the classic xlwings add-in.

:func:`make_macro_enabled` takes the template's .xlsx package and adds, at the package level:

* ``xl/vbaProject.bin``, the VBA project of the standalone workbook the installed xlwings ships
  (``xlwings/quickstart_standalone.xlsm``, what ``xlwings quickstart --standalone`` copies): it holds
  the ``xlwings`` VBA module with ``RunPython``, so the workbook needs neither the xlwings add-in
  nor a VBA reference. It is copied byte for byte, never edited; it also holds the quickstart's
  ``Module1`` (a ``SampleCall`` macro nothing calls) and the empty document modules ``ThisWorkbook``,
  ``Sheet1``, ``Sheet2``;
* the workbook's and sheets' code names (``ThisWorkbook``, ``Sheet1``...) that bind those document
  modules, the macro-enabled content type of the workbook part, the VBA project's relationship;
* form buttons (legacy VML form controls, the kind *Developer > Insert > Button* makes) on one
  sheet, each with a macro call that carries its argument, for example
  ``'RunPython "import closekit_addin; closekit_addin.close()"'``: Excel runs ``RunPython`` with that
  text when the button is clicked. No VBA is typed by hand.
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from closekit.errors import UsageError
from closekit.workbook.package_parts import free_id, rewrite

CT_MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MAIN_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
STANDALONE = "quickstart_standalone.xlsm"
VML_PART = "xl/drawings/vmlDrawing_buttons.vml"


def xlwings_vba_project() -> tuple[bytes, str]:
    """The VBA project (``xl/vbaProject.bin``) of the standalone workbook of the installed xlwings,
    and the file it came from. A clear error when xlwings is not installed."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(
            "closekit new --classic takes the xlwings VBA module from the xlwings package: "
            'install it with pip install "closekit[excel]".'
        )
    source = Path(next(iter(spec.submodule_search_locations))) / STANDALONE
    try:
        with zipfile.ZipFile(source) as z:
            return z.read("xl/vbaProject.bin"), str(source)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise UsageError(
            f"{source}: the xlwings package has no standalone workbook with a VBA project to copy ({exc}); "
            'reinstall it with pip install --force-reinstall "closekit[excel]".'
        ) from None


def macro_call(macro: str, argument: str) -> str:
    """The text Excel keeps for a button that calls ``macro`` with one text ``argument``."""
    if '"' in argument or "'" in argument:
        raise ValueError(f"a button's argument cannot hold quotes: {argument!r}")
    return f"'{macro} \"{argument}\"'"


def make_macro_enabled(
    data: bytes, vba_project: bytes, sheet: str, buttons: list[tuple[str, str, str]], *, span: int = 2
) -> bytes:
    """``data`` (an .xlsx package from openpyxl) as an .xlsm with ``vba_project`` and a form button
    per (caption, macro call, top-left cell) on ``sheet``, each ``span`` columns wide and one row high."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    workbook = src.read("xl/workbook.xml").decode()
    rels = src.read("xl/_rels/workbook.xml.rels").decode()
    types = src.read("[Content_Types].xml").decode()
    if "xl/vbaProject.bin" in names or CT_MAIN_XLSX not in types:
        raise ValueError("not a plain .xlsx package")
    targets = _sheet_parts(workbook, rels)
    if sheet not in targets:
        raise ValueError(f"no sheet {sheet!r}")

    # the workbook part: macro-enabled, with the VBA project and the code names binding its modules
    types = types.replace(CT_MAIN_XLSX, CT_MAIN_XLSM)
    types = types.replace("</Types>", f'<Override PartName="/xl/vbaProject.bin" ContentType="{CT_VBA}"/></Types>')
    if 'Extension="vml"' not in types:
        types = types.replace("<Override ", f'<Default Extension="vml" ContentType="{CT_VML}"/><Override ', 1)
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="{free_id(rels)}" Type="{REL_VBA}" Target="vbaProject.bin"/></Relationships>',
    )
    workbook = _code_name(workbook, "workbookPr", "ThisWorkbook")
    changed = {"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": rels, "xl/workbook.xml": workbook}
    # Sheet1, Sheet2...: the button sheet first (the VBA project's Sheet1 module), the others in tab order
    order = [sheet, *(name for name in targets if name != sheet)]
    for number, name in enumerate(order, start=1):
        part = targets[name]
        changed[part] = _code_name(src.read(part).decode(), "sheetPr", f"Sheet{number}")

    added: dict[str, str | bytes] = {"xl/vbaProject.bin": vba_project}
    part = targets[sheet]
    sheet_rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    empty = f'<Relationships xmlns="{_PKG}"></Relationships>'
    existing = src.read(sheet_rels).decode() if sheet_rels in names else empty
    if "<legacyDrawing" in changed[part]:
        raise ValueError(f"sheet {sheet!r} already has a legacy drawing (cell comments)")
    vml_rid = free_id(existing)
    relation = f'<Relationship Id="{vml_rid}" Type="{REL_VML}" Target="/{VML_PART}"/>'
    new_rels = existing.replace("</Relationships>", relation + "</Relationships>")
    if not new_rels.startswith("<?xml"):
        new_rels = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + new_rels
    changed[sheet_rels] = new_rels
    xml = changed[part]
    tag = f'<legacyDrawing xmlns:r="{_R}" r:id="{vml_rid}"/>'
    anchor = next(
        m
        for m in (
            "<legacyDrawingHF",
            "<drawingHF",
            "<picture",
            "<oleObjects",
            "<controls",
            "<webPublishItems",
            "<tableParts",
            "<extLst",
            "</worksheet>",
        )
        if m in xml
    )
    changed[part] = xml.replace(anchor, tag + anchor, 1)
    added[VML_PART] = buttons_vml(buttons, span=span)
    if sheet_rels not in names:
        added[sheet_rels] = changed.pop(sheet_rels)
    return rewrite(src, changed, added)


def buttons_vml(buttons: list[tuple[str, str, str]], *, span: int = 2) -> str:
    """The legacy drawing with one form button per (caption, macro call, top-left cell)."""
    shapes = []
    for index, (caption, macro, cell) in enumerate(buttons):
        row, col = _cell(cell)
        shapes.append(
            f'<v:shape id="_x0000_s{1025 + index}" type="#_x0000_t201" '
            f"style='position:absolute;z-index:{index + 1};mso-wrap-style:tight' "
            'o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
            "<v:textbox style='mso-direction-alt:auto' o:singleclick=\"f\"><div style='text-align:center'>"
            f'<font face="Calibri" size="220" color="#000000"><b>{escape(caption)}</b></font></div></v:textbox>'
            '<x:ClientData ObjectType="Button">'
            f"<x:Anchor>{col}, 2, {row}, 2, {col + span}, 0, {row + 1}, 0</x:Anchor>"
            "<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
            f"<x:FmlaMacro>{escape(macro, {chr(34): '&quot;'})}</x:FmlaMacro>"
            "<x:TextHAlign>Center</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign>"
            "</x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
        'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>' + "".join(shapes) + "</xml>"
    )


def button_macros(data: bytes) -> list[tuple[str, str]]:
    """(caption, macro call) of each form button in the package ``data``, as Excel reads them."""
    from xml.etree import ElementTree as ET

    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if not name.endswith(".vml"):
                continue
            root = ET.fromstring(z.read(name))
            for shape in root.iter("{urn:schemas-microsoft-com:vml}shape"):
                data_ = shape.find("{urn:schemas-microsoft-com:office:excel}ClientData")
                if data_ is None or data_.get("ObjectType") != "Button":
                    continue
                macro = data_.findtext("{urn:schemas-microsoft-com:office:excel}FmlaMacro", "")
                caption = "".join(shape.find("{urn:schemas-microsoft-com:vml}textbox").itertext()).strip()
                out.append((caption, macro))
    return out


def _sheet_parts(workbook: str, rels: str) -> dict[str, str]:
    """Sheet name -> its part (``xl/worksheets/sheet1.xml``), in tab order."""
    targets = {}
    for rel in re.findall(r"<Relationship [^>]*>", rels):
        rid, target = re.search(r'Id="([^"]+)"', rel).group(1), re.search(r'Target="([^"]+)"', rel).group(1)
        targets[rid] = target.lstrip("/").removeprefix("xl/")
    out = {}
    for tag in re.findall(r"<sheet [^>]*>", workbook):
        name = re.search(r'name="([^"]*)"', tag).group(1)
        rid = re.search(r'r:id="([^"]+)"', tag).group(1)
        out[_unescape(name)] = "xl/" + targets[rid]
    return out


def _unescape(text: str) -> str:
    from xml.sax.saxutils import unescape

    return unescape(text, {"&quot;": '"', "&apos;": "'"})


def _code_name(xml: str, element: str, name: str) -> str:
    """``xml`` with ``codeName`` set on its first ``element`` (added when the part has none)."""
    found = re.search(rf"<{element}\b([^>]*?)(/?)>", xml)
    if found:
        attributes = re.sub(r'\scodeName="[^"]*"', "", found.group(1))
        tag = f"<{element} codeName={quoteattr(name)}{attributes}{found.group(2)}>"
        return xml[: found.start()] + tag + xml[found.end() :]
    if element == "workbookPr":
        head = r"(<workbook\b[^>]*>(?:<fileVersion[^>]*/>)?)"
        return re.sub(head, rf'\1<workbookPr codeName="{name}"/>', xml, count=1)
    return re.sub(r"(<worksheet\b[^>]*>)", rf'\1<sheetPr codeName="{name}"/>', xml, count=1)


def _cell(ref: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return int(digits) - 1, column - 1
