"""Put xlwings Lite's code into a workbook, where the add-in reads it: its web-extension part.

xlwings Lite is an Office add-in (AppSource id ``WA200008175``). An Office add-in keeps its
per-document data in the add-in's *settings* (Office.js ``Office.context.document.settings``),
which Excel saves in the package as the add-in's web-extension part: ``_rels/.rels`` points at
``xl/webextensions/taskpanes.xml`` (the task pane: docked right, visible or not), whose relationship
points at ``xl/webextensions/webextension1.xml``, the add-in's reference and its settings, one
``<we:property name=... value=.../>`` each, the value JSON-encoded. Lite keeps the editor's two tabs
there: the property ``main.py`` and the property ``requirements.txt``, each a JSON string of the
file's text. That is what every workbook saved by Lite that could be inspected shows (docs/excel.md
"How closekit puts the code into the workbook" names them); :func:`embed` writes the same parts,
and :func:`read` reads them back (the tests, and anyone who wants to see what a workbook carries).

What Lite also writes when it saves (``pyodideVersion``, ``addinVersion``, newer releases a
workbook id and the workbook settings) is left to the add-in: an unknown version would be worse
than none, and Lite fills them in at its first save.
"""

from __future__ import annotations

import io
import json
import zipfile
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from closekit.workbook.package_parts import free_id, rewrite

#: xlwings Lite in Microsoft's add-in store (AppSource / OMEX).
ADDIN_ID = "WA200008175"
#: The settings Lite reads the code from, in the order its editor shows them.
FILES = ("main.py", "requirements.txt")
#: A fixed id keeps the generated package identical from run to run (Excel keeps whatever it finds).
EXTENSION_GUID = "{6C0A5B1E-2E0B-4C3B-9C1D-C105E1C17E00}"

_WE = "http://schemas.microsoft.com/office/webextensions/webextension/2010/11"
_WETP = "http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_TASKPANES = "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes"
REL_WEBEXTENSION = "http://schemas.microsoft.com/office/2011/relationships/webextension"
CT_TASKPANES = "application/vnd.ms-office.webextensiontaskpanes+xml"
CT_WEBEXTENSION = "application/vnd.ms-office.webextension+xml"
TASKPANES = "xl/webextensions/taskpanes.xml"
WEBEXTENSION = "xl/webextensions/webextension1.xml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def setting_value(text: str) -> str:
    """A setting's value as Office stores it: the JSON of the string (Office writes ``/`` as ``\\/``)."""
    return json.dumps(text, ensure_ascii=False).replace("/", "\\/")


def _attr(text: str) -> str:
    """An attribute value in double quotes, as Excel writes it (``"`` as ``&quot;``)."""
    return escape(text, {'"': "&quot;"})


def webextension_xml(files: dict[str, str]) -> str:
    properties = "".join(
        f'<we:property name="{_attr(name)}" value="{_attr(setting_value(text))}"/>' for name, text in files.items()
    )
    return (
        f'{_HEAD}<we:webextension xmlns:we="{_WE}" id="{EXTENSION_GUID}">'
        f'<we:reference id="{ADDIN_ID.lower()}" version="1.0.0.0" store="en-US" storeType="OMEX"/>'
        f'<we:alternateReferences><we:reference id="{ADDIN_ID}" version="1.0.0.0" store="{ADDIN_ID}" '
        'storeType="OMEX"/></we:alternateReferences>'
        f"<we:properties>{properties}</we:properties><we:bindings/>"
        f'<we:snapshot xmlns:r="{_R}"/></we:webextension>'
    )


def taskpanes_xml(visible: bool) -> str:
    return (
        f'{_HEAD}<wetp:taskpanes xmlns:wetp="{_WETP}"><wetp:taskpane dockstate="right" '
        f'visibility="{int(visible)}" width="420" row="1"><wetp:webextensionref xmlns:r="{_R}" r:id="rId1"/>'
        "</wetp:taskpane></wetp:taskpanes>"
    )


def embed(data: bytes, files: dict[str, str], *, open_pane: bool = True) -> bytes:
    """``data`` (an .xlsx package without add-in parts) with xlwings Lite and ``files`` (name ->
    text, :data:`FILES`) in its web-extension part; ``open_pane``: Excel opens Lite's task pane
    when the workbook opens (so Lite starts and registers the scripts and sheet buttons)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    if TASKPANES in names or WEBEXTENSION in names:
        raise ValueError("the workbook already has add-in (web-extension) parts")
    root_rels = src.read("_rels/.rels").decode()
    rid = free_id(root_rels)
    root_rels = root_rels.replace(
        "</Relationships>", f'<Relationship Id="{rid}" Type="{REL_TASKPANES}" Target="{TASKPANES}"/></Relationships>'
    )
    types = src.read("[Content_Types].xml").decode()
    types = types.replace(
        "</Types>",
        f'<Override PartName="/{TASKPANES}" ContentType="{CT_TASKPANES}"/>'
        f'<Override PartName="/{WEBEXTENSION}" ContentType="{CT_WEBEXTENSION}"/></Types>',
    )
    pane_rels = (
        f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{REL_WEBEXTENSION}" '
        'Target="webextension1.xml"/></Relationships>'
    )
    changed = {"_rels/.rels": root_rels, "[Content_Types].xml": types}
    added = {
        TASKPANES: taskpanes_xml(open_pane),
        "xl/webextensions/_rels/taskpanes.xml.rels": pane_rels,
        WEBEXTENSION: webextension_xml(files),
    }
    return rewrite(src, changed, added)


def read(data: bytes) -> dict[str, str]:
    """The files xlwings Lite would find in the workbook ``data``: setting name -> text ({} if none)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if WEBEXTENSION not in z.namelist():
            return {}
        root = ET.fromstring(z.read(WEBEXTENSION))
    out = {}
    for prop in root.iter(f"{{{_WE}}}property"):
        value = json.loads(prop.get("value", "null"))
        if isinstance(value, str):
            out[prop.get("name", "")] = value
    return out
