"""Sheet buttons for the template: named shapes that link to the cell they cover.

This is how xlwings Lite binds a sheet button to a script (``@script(button="[name]Sheet!E5")``:
a click on the shape follows its link, selecting the cell, and Lite runs the script bound to that
cell; docs/excel.md). openpyxl cannot write shapes, so :func:`add_buttons` adds them to the saved
package: a DrawingML part with one rounded rectangle per button, its hyperlink relationships
(``#Close!E5``), the drawing's relationship from the sheet and its content type.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape, quoteattr

_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
_REL_DRAWING = f"{_NS_R}/drawing"
_REL_LINK = f"{_NS_R}/hyperlink"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _cell(ref: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - 64
    return int(digits) - 1, column - 1  # 0-based row, column


def _shape(index: int, name: str, caption: str, cell: str, rid: str, span: int) -> str:
    row, col = _cell(cell)
    return (
        '<xdr:twoCellAnchor editAs="absolute">'
        f"<xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row}</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></xdr:from>"
        f"<xdr:to><xdr:col>{col + span}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row + 1}</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></xdr:to>"
        '<xdr:sp macro="" textlink="">'
        f'<xdr:nvSpPr><xdr:cNvPr id="{index + 2}" name={quoteattr(name)} descr={quoteattr(caption)}>'
        f'<a:hlinkClick r:id="{rid}"/></xdr:cNvPr><xdr:cNvSpPr/></xdr:nvSpPr>'
        '<xdr:spPr><a:prstGeom prst="roundRect"><a:avLst/></a:prstGeom>'
        '<a:solidFill><a:srgbClr val="1F4E78"/></a:solidFill><a:ln><a:noFill/></a:ln></xdr:spPr>'
        '<xdr:txBody><a:bodyPr vertOverflow="clip" horzOverflow="clip" rtlCol="0" anchor="ctr"/><a:lstStyle/>'
        '<a:p><a:pPr algn="ctr"/><a:r><a:rPr lang="en-US" sz="1100" b="1"><a:solidFill>'
        f'<a:srgbClr val="FFFFFF"/></a:solidFill></a:rPr><a:t>{escape(caption)}</a:t></a:r></a:p></xdr:txBody>'
        "</xdr:sp><xdr:clientData/></xdr:twoCellAnchor>"
    )


def add_buttons(data: bytes, sheet: str, buttons: list[tuple[str, str, str]], span: int = 2) -> bytes:
    """``data`` (an .xlsx package) with a button per (shape name, caption, linked cell) on ``sheet``,
    each covering its cell and the ``span - 1`` cells to its right."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    workbook = src.read("xl/workbook.xml").decode()
    rels = src.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(rId\d+)"', workbook).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels
    )
    part = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    sheet_rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    drawing = "xl/drawings/drawing_buttons.xml"
    shapes = "".join(_shape(i, n, c, cell, f"rId{i + 1}", span) for i, (n, c, cell) in enumerate(buttons))
    drawing_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="{_NS_R}">{shapes}</xdr:wsDr>'
    )
    links = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{_REL_LINK}" Target={quoteattr("#" + sheet + "!" + cell)}/>'
        for i, (_, _, cell) in enumerate(buttons)
    )
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    drawing_rels = f'{head}<Relationships xmlns="{_PKG_RELS}">{links}</Relationships>'
    if sheet_rels in names:
        existing = src.read(sheet_rels).decode()
        drawing_rid = f"rId{len(re.findall('<Relationship ', existing)) + 100}"
        relation = f'<Relationship Id="{drawing_rid}" Type="{_REL_DRAWING}" Target="/{drawing}"/>'
        new_sheet_rels = existing.replace("</Relationships>", relation + "</Relationships>")
    else:
        drawing_rid = "rId1"
        new_sheet_rels = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_RELS}">'
            f'<Relationship Id="{drawing_rid}" Type="{_REL_DRAWING}" Target="/{drawing}"/></Relationships>'
        )
    sheet_xml = src.read(part).decode()
    tag = f'<drawing xmlns:r="{_NS_R}" r:id="{drawing_rid}"/>'
    anchor = next(m for m in ("<legacyDrawing", "<tableParts", "<extLst", "</worksheet>") if m in sheet_xml)
    sheet_xml = sheet_xml.replace(anchor, tag + anchor, 1)
    types = src.read("[Content_Types].xml").decode()
    types = types.replace("</Types>", f'<Override PartName="/{drawing}" ContentType="{_DRAWING_CT}"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == sheet_rels:
                continue
            body = {part: sheet_xml, "[Content_Types].xml": types}.get(info.filename)
            dst.writestr(info, body.encode() if body is not None else src.read(info.filename))
        dst.writestr(_info(sheet_rels, src), new_sheet_rels.encode())
        dst.writestr(_info(drawing, src), drawing_xml.encode())
        dst.writestr(_info(drawing.replace("drawings/", "drawings/_rels/") + ".rels", src), drawing_rels.encode())
    return out.getvalue()


def _info(name: str, src: zipfile.ZipFile) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=src.infolist()[0].date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
