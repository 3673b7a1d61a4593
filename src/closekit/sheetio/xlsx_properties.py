"""Custom document properties (``docProps/custom.xml``, File > Info > Properties > Advanced >
Custom in Excel): read them, and set closekit's own in the same write as the sheets.

closekit keeps the head of its RunLog's hash chain there (:mod:`closekit.review.controls`), a second
place in the file, so that a truncated or deleted RunLog is noticed. Only properties closekit names
are changed; every other property of the user's keeps its element, pid and value. A workbook without
the part gets one, with its relationship in ``_rels/.rels`` and its content type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from xml.etree.ElementTree import Element

from closekit.sheetio import xlsx_styles as st

PART = "docProps/custom.xml"
CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
#: The format id Office gives every user-defined property.
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def read(root: Element | None) -> dict[str, str]:
    """name -> text of each property of a parsed ``custom.xml`` ({} without the part)."""
    if root is None:
        return {}
    out = {}
    for prop in root.iter(f"{{{NS}}}property"):
        name = prop.get("name")
        if name is None:
            continue
        value = next(iter(prop), None)
        out[name] = "" if value is None else "".join(value.itertext())
    return out


def _text(value: str) -> str:
    return st.attr(_XML_ILLEGAL.sub("", value)).replace("&quot;", '"')


def _element(name: str, value: str, pid: int, prefix: str, vt: str) -> str:
    return (
        f'<{prefix}property fmtid="{FMTID}" pid="{pid}" name="{st.attr(name)}">'
        f"<{vt}:lpwstr>{_text(value)}</{vt}:lpwstr></{prefix}property>"
    )


def new_part(values: Mapping[str, str]) -> bytes:
    """A ``custom.xml`` holding only ``values``."""
    body = "".join(_element(n, v, pid, "", "vt") for pid, (n, v) in enumerate(sorted(values.items()), start=2))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{NS}" xmlns:vt="{VT_NS}">{body}</Properties>'
    ).encode()


def edited_part(text: str, root: Element, values: Mapping[str, str]) -> str:
    """``custom.xml`` text with each of ``values`` set (replaced where it exists, else appended)."""
    pids = [int(p.get("pid", "0")) for p in root.iter(f"{{{NS}}}property") if p.get("pid", "").isdigit()]
    pid = max([1, *pids]) + 1
    start = st.start_tag(text, "Properties")
    if start is None:
        raise ValueError("<Properties> not found")
    prefix = start["p"] or ""
    found = re.search(r'xmlns:(\w+)\s*=\s*["\']' + re.escape(VT_NS), text)
    vt = found.group(1) if found else "vt"
    added = []
    for name, value in sorted(values.items()):
        old = next((p for p in root.iter(f"{{{NS}}}property") if p.get("name") == name), None)
        number = int(old.get("pid")) if old is not None and old.get("pid", "").isdigit() else pid
        text, _ = st.remove_elements(text, "property", lambda a, name=name: a.get("name") == name)
        if old is None:
            pid += 1
        added.append(_element(name, value, number, prefix, vt))
    if not found:  # a part without the vt namespace: declare it on each new element
        added = [a.replace(f"<{vt}:lpwstr>", f'<{vt}:lpwstr xmlns:{vt}="{VT_NS}">') for a in added]
    return st.append_children(text, "Properties", "".join(added))
