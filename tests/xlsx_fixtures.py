"""Building blocks for workbooks as Excel stores them: a text box, a legacy form button, custom
XML, VBA. openpyxl cannot make these, so tests add them at the zip level."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "[Content_Types].xml"

TEXT_BOX = (
    "<twoCellAnchor><from><col>8</col><colOff>0</colOff><row>1</row><rowOff>0</rowOff></from>"
    "<to><col>11</col><colOff>0</colOff><row>4</row><rowOff>0</rowOff></to>"
    '<sp macro="" textlink=""><nvSpPr><cNvPr id="3" name="TextBox 2"/><cNvSpPr txBox="1"/>'
    '</nvSpPr><spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></spPr><txBody><a:bodyPr/>'
    "<a:lstStyle/><a:p><a:r><a:t>Reviewer note: keep me</a:t></a:r></a:p></txBody></sp>"
    "<clientData/></twoCellAnchor>"
)
BUTTON_VML = (
    b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
    b' xmlns:x="urn:schemas-microsoft-com:office:excel"><v:shape id="_x0000_s1025" '
    b'type="#_x0000_t201" style="position:absolute;width:80pt;height:24pt" o:button="t">'
    b'<v:textbox><div style="text-align:center">Run close</div></v:textbox>'
    b'<x:ClientData ObjectType="Button"><x:Anchor>4, 0, 1, 0, 6, 0, 3, 0</x:Anchor>'
    b"<x:FmlaMacro>[0]!RunClose</x:FmlaMacro></x:ClientData></v:shape></xml>"
)
CONTROLS = (
    '<legacyDrawing r:id="rId1"/><mc:AlternateContent '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    '<mc:Choice Requires="x14"><controls><control shapeId="1025" r:id="rId2" name="Button 1"/>'
    "</controls></mc:Choice></mc:AlternateContent>"
)
BUTTON_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{R}/vmlDrawing" Target="../drawings/vmlDrawing9.vml"/>'
    f'<Relationship Id="rId2" Type="{R}/ctrlProp" Target="../ctrlProps/ctrlProp1.xml"/>'
    "</Relationships>"
).encode()
CTRL_PROP = (
    b'<formControlPr xmlns="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"'
    b' objectType="Button" lockText="1"/>'
)
CUSTOM_XML = b'<?xml version="1.0"?><xlwings xmlns="urn:example:lite"><code>print(1)</code></xlwings>'
WEBEXT = (
    b'<we:webextension xmlns:we="http://schemas.microsoft.com/office/webextensions/'
    b'webextension/2010/11" id="{52811C31-4593-43B8-A697-EB873422D156}"/>'
)
VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8
IGNORABLE = (
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" '
    'mc:Ignorable="x15" '
)


# ----------------------------------------------------------------------------- fixtures
def rewrite(path: Path, change: dict[str, bytes | None]) -> None:
    """Rewrite a zip: change/remove members (None) in place, add new ones at the end."""
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename in change:
                data = change.pop(info.filename)
                if data is None:
                    continue
            z.writestr(info, data)
        for name, data in change.items():
            z.writestr(name, data)


def text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def sheet_part(path: Path, name: str) -> str:
    """The zip member of the sheet called ``name`` (through workbook.xml and its relationships)."""
    wb = ET.fromstring(text(path, "xl/workbook.xml"))
    rels = ET.fromstring(text(path, "xl/_rels/workbook.xml.rels"))
    rid = next(s.get(f"{{{R}}}id") for s in wb.iter(f"{{{M}}}sheet") if s.get("name") == name)
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target[1:] if target.startswith("/") else "xl/" + target
