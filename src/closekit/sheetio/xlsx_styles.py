"""Text-level XML helpers and the cell styles closekit appends to an existing ``styles.xml``.

Nothing here re-serialises a part with ElementTree: parts are *parsed* (defusedxml) only to
learn what is there, and changed by inserting text next to existing tags, reusing whatever
namespace prefix the file already uses (``<x:cellXfs>`` as written by the OpenXML SDK works
the same as ``<cellXfs>``). Every edit is re-parsed afterwards as a safety check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, unescape

from defusedxml import ElementTree as SafeET

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# Style kinds -> built-in number format id (custom formats are added on demand).
BUILTIN_NUMFMT = {
    "header": 49,
    "text": 49,
    "general": 0,
    "integer": 1,
    "amount0": 3,
    "amount": 4,
    "date": 14,
    "datetime": 22,
}
#: One date format throughout the output sheets (ISO, whatever the reader's regional settings);
#: a percent column holds the percentage itself (12.5 for 12.5 %), shown with the sign.
CUSTOM_NUMFMT = {
    "amount3": "#,##0.000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "percent": '0.0"%"',
}
#: The deepest indentation a text cell gets (levels beyond print at this one).
MAX_INDENT = 8
KIND_ORDER = (
    "header",
    "text",
    "general",
    "integer",
    "amount",
    "amount0",
    "amount3",
    "date",
    "datetime",
    "percent",
    "headernum",
    "headerindent",
    "wrap",
    "clip",
    *(f"indent{n}" for n in range(1, MAX_INDENT + 1)),
)
#: Kinds that are another kind's number format with an alignment: header over numbers (right), wrapped text.
#: "clip": text that never spills into the next cell (Excel's Fill alignment cuts it at the cell's edge).
#: "indent1".."indent8": text indented by so many levels (a statement's lines under their totals).
ALIGNED = {
    "headernum": ("header", 'horizontal="right"'),
    "headerindent": ("header", 'horizontal="left" indent="1"'),
    "wrap": ("text", 'vertical="top" wrapText="1"'),
    "clip": ("text", 'horizontal="fill"'),
    **{f"indent{n}": ("text", f'horizontal="left" indent="{n}"') for n in range(1, MAX_INDENT + 1)},
}
_FIRST_CUSTOM_NUMFMT = 164

MINIMAL_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
).encode()

# Attribute text of a start tag: quoted values may contain '>' or '/', bare text may not.
ATTRS = r"""(?:[^>"'/]|"[^"]*"|'[^']*')*"""
_PREFIX = r"(?P<p>(?:[\w.-]+:)?)"
_ATTR_RE = re.compile(r"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


# ----------------------------------------------------------------------------- XML text tools
def decode_xml(data: bytes) -> tuple[str, str]:
    """Decode a part and return (text, codec) so that ``text.encode(codec)`` round-trips."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    return data.decode("utf-8"), "utf-8"


def parse_xml(data: bytes | str) -> Element:
    """Parse untrusted XML; DTDs/entities raise (defusedxml), malformed XML raises ParseError."""
    return SafeET.fromstring(data, forbid_dtd=True)


def attr(value: str) -> str:
    """Escape text for a double-quoted XML attribute."""
    return escape(value, {'"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})


def tag_attrs(tag_text: str) -> dict[str, str]:
    """The attributes of one start tag, unescaped."""
    return {
        k: unescape(a if a or not b else b, {"&quot;": '"', "&apos;": "'"}) for k, a, b in _ATTR_RE.findall(tag_text)
    }


def element_re(local: str, *, empty_only: bool = False) -> re.Pattern[str]:
    """Regex for one whole element ``<p:local ...>...</p:local>`` or ``<p:local .../>``."""
    body = "" if empty_only else rf"|>.*?</(?P=p){local}\s*>"
    return re.compile(rf"<{_PREFIX}{local}(?=[\s/>])(?P<a>{ATTRS})(?:/>{body})", re.S)


def start_tag(text: str, local: str) -> re.Match[str] | None:
    """First start tag (or empty-element tag) of ``local`` in any prefix."""
    return re.search(rf"<{_PREFIX}{local}(?=[\s/>]){ATTRS}/?>", text)


def append_children(text: str, local: str, content: str, count: int | None = None) -> str:
    """Insert ``content`` as the last children of the first ``local`` element; update count."""
    m = start_tag(text, local)
    if m is None:
        raise ValueError(f"<{local}> not found")
    tag, p = m.group(0), m["p"]
    if count is not None:
        tag = re.sub(r'(\scount\s*=\s*)(["\'])\d*\2', rf'\g<1>"{count}"', tag, count=1)
    if tag.endswith("/>"):
        return f"{text[: m.start()]}{tag[:-2].rstrip()}>{content}</{p}{local}>{text[m.end() :]}"
    close = text.find(f"</{p}{local}>", m.end())
    if close < 0:
        raise ValueError(f"</{local}> not found")
    return text[: m.start()] + tag + text[m.end() : close] + content + text[close:]


def remove_elements(text: str, local: str, drop: Callable[[dict[str, str]], bool]) -> tuple[str, int]:
    """Remove every ``local`` element whose attributes satisfy ``drop`` (called in order)."""
    removed = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal removed
        if drop(tag_attrs(m["a"])):
            removed += 1
            return ""
        return m.group(0)

    return element_re(local).sub(repl, text), removed


# ----------------------------------------------------------------------------- styles
def _local(el: Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _canon_font(font: Element) -> frozenset[tuple[str, tuple[tuple[str, str], ...]]]:
    return frozenset((_local(c), tuple(sorted(c.attrib.items()))) for c in font)


def _xf_key(a: dict[str, str], children: tuple[object, ...] = ()) -> tuple[object, ...]:
    """What makes two cell formats the same: ids, flags and their children (alignment, protection)."""
    flag = lambda k: a.get(k, "0") in ("1", "true")  # noqa: E731
    ids = tuple(a.get(k, "0") for k in ("numFmtId", "fontId", "fillId", "borderId", "xfId"))
    return (*ids, flag("quotePrefix"), flag("pivotButton"), children)


def _children(xf: Element) -> tuple[object, ...]:
    return tuple((_local(c), tuple(sorted(c.attrib.items()))) for c in xf)


def add_styles(data: bytes | None, kinds: Iterable[str]) -> tuple[bytes | None, dict[str, int]]:
    """Make sure ``styles.xml`` has a cell format for each kind; return (new bytes or None if
    unchanged, kind -> cellXfs index). ``data=None`` creates a minimal styles part."""
    wanted = [k for k in KIND_ORDER if k in set(kinds)]
    created = data is None
    text, codec = decode_xml(MINIMAL_STYLES if data is None else data)
    root = parse_xml(text)
    if len(root) == 0:  # an empty <styleSheet/> (some libraries write one): no style to keep, start as if absent
        text, codec, created = MINIMAL_STYLES.decode(), "utf-8", True
        root = parse_xml(text)
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    find = lambda local: root.find(f"{{{ns}}}{local}" if ns else local)  # noqa: E731
    fonts, cell_xfs, numfmts, style_xfs = (find("fonts"), find("cellXfs"), find("numFmts"), find("cellStyleXfs"))
    if fonts is None or len(fonts) == 0 or cell_xfs is None:
        raise ValueError("the styles part has no fonts or no cell formats")

    # Custom number formats (reuse an identical formatCode, else a new id >= 164).
    existing_fmts = {nf.get("formatCode"): nf.get("numFmtId", "") for nf in numfmts or ()}
    used_ids = [int(v) for v in existing_fmts.values() if v.isdigit()]
    next_id = max([_FIRST_CUSTOM_NUMFMT - 1, *used_ids]) + 1
    fmt_id = {k: str(v) for k, v in BUILTIN_NUMFMT.items()}
    new_fmts: list[str] = []
    for kind in wanted:
        code = CUSTOM_NUMFMT.get(ALIGNED.get(kind, (kind,))[0])
        if code is not None and code in existing_fmts:
            fmt_id[kind] = existing_fmts[code]
        elif code is not None:
            fmt_id[kind] = str(next_id)
            new_fmts.append(f'<{{p}}numFmt numFmtId="{next_id}" formatCode="{attr(code)}"/>')
            next_id += 1

    # Bold header font: a copy of font 0 with <b/>, unless an identical font exists.
    bold_id, new_font = 0, ""
    if any(ALIGNED.get(k, (k,))[0] == "header" for k in wanted):
        want = _canon_font(fonts[0]) | {("b", ())}
        bold_id = next((i for i, f in enumerate(fonts) if _canon_font(f) == want), len(fonts))
        if bold_id == len(fonts):
            fonts_tag = start_tag(text, "fonts")
            m = element_re("font").search(text, fonts_tag.end()) if fonts_tag else None
            if m is None:
                raise ValueError("the first font cannot be located")
            p, font0 = m["p"], m.group(0)
            if font0.endswith("/>"):
                new_font = f"{font0[:-2].rstrip()}><{p}b/></{p}font>"
            else:
                cut = len(f"<{p}font{m['a']}>")
                new_font = f"{font0[:cut]}<{p}b/>{font0[cut:]}"

    # Cell formats: reuse an identical childless <xf>, else append one.
    xf_id = "0" if style_xfs is not None and len(style_xfs) else None
    keys = [_xf_key(dict(x.attrib), _children(x)) for x in cell_xfs]
    index: dict[str, int] = {}
    new_xfs: list[str] = []
    for kind in wanted:
        base, align = ALIGNED.get(kind, (kind, ""))
        a = {
            "numFmtId": fmt_id[base],
            "fontId": str(bold_id if base == "header" else 0),
            "fillId": "0",
            "borderId": "0",
        }
        if xf_id is not None:
            a["xfId"] = xf_id
        if base != "general":
            a["applyNumberFormat"] = "1"
        if base == "header":
            a["applyFont"] = "1"
        if align:
            a["applyAlignment"] = "1"
        if base in ("header", "text"):
            a["quotePrefix"] = "1"
        child = f"<alignment {align}/>" if align else ""
        key = _xf_key(a, _children(parse_xml(f"<xf>{child}</xf>")))
        if key in keys:
            index[kind] = keys.index(key)
            continue
        index[kind] = len(keys)
        keys.append(key)
        attrs = " ".join(f'{k}="{v}"' for k, v in a.items())
        new_xfs.append(f"<{{p}}xf {attrs}>{child.replace('<', '<{p}')}</{{p}}xf>" if child else f"<{{p}}xf {attrs}/>")

    if not (new_xfs or new_font or new_fmts):
        return (encode_xml(text, codec) if created else None), index
    if new_xfs:
        p = start_tag(text, "cellXfs")["p"]
        text = append_children(text, "cellXfs", "".join(new_xfs).replace("{p}", p), len(keys))
    if new_font:
        text = append_children(text, "fonts", new_font, len(fonts) + 1)
    if new_fmts:
        n_fmts = len(existing_fmts) + len(new_fmts)
        if numfmts is not None:
            p = start_tag(text, "numFmts")["p"]
            text = append_children(text, "numFmts", "".join(new_fmts).replace("{p}", p), n_fmts)
        else:
            m = start_tag(text, "styleSheet")
            p = m["p"]
            block = f'<{p}numFmts count="{n_fmts}">' + "".join(new_fmts).replace("{p}", p)
            text = f"{text[: m.end()]}{block}</{p}numFmts>{text[m.end() :]}"
    _check(text, ns, len(keys), len(fonts) + bool(new_font))
    return encode_xml(text, codec), index


def encode_xml(text: str, codec: str) -> bytes:
    return text.encode(codec)


def _check(text: str, ns: str, n_xfs: int, n_fonts: int) -> None:
    root = parse_xml(text)
    q = (lambda local: f"{{{ns}}}{local}") if ns else (lambda local: local)
    if len(root.find(q("cellXfs"))) != n_xfs or len(root.find(q("fonts"))) != n_fonts:
        raise ValueError("the styles part could not be extended safely")


def add_bold_dxf(data: bytes) -> tuple[bytes, int]:
    """Make sure ``styles.xml`` has a differential format that makes text bold (for the conditional
    format of totals rows); return (the part, possibly unchanged, its index in ``<dxfs>``)."""
    text, codec = decode_xml(data)
    root = parse_xml(text)
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    q = (lambda local: f"{{{ns}}}{local}") if ns else (lambda local: local)
    dxfs = root.find(q("dxfs"))
    want = (("font", (("b", ()),)),)
    for i, dxf in enumerate(dxfs if dxfs is not None else ()):
        if tuple((_local(c), tuple((_local(g), tuple(sorted(g.attrib.items()))) for g in c)) for c in dxf) == want:
            return data, i
    p = start_tag(text, "styleSheet")["p"]
    new = f"<{p}dxf><{p}font><{p}b/></{p}font></{p}dxf>"
    if dxfs is not None:
        text = append_children(text, "dxfs", new, len(dxfs) + 1)
        index = len(dxfs)
    else:  # dxfs follows cellStyles (or cellXfs), before tableStyles, colors and extLst
        anchor = next(m for local in ("cellStyles", "cellXfs") for m in [element_re(local).search(text)] if m)
        text = f"{text[: anchor.end()]}<{p}dxfs count=\"1\">{new}</{p}dxfs>{text[anchor.end() :]}"
        index = 0
    found = parse_xml(text).find(q("dxfs"))
    if found is None or len(found) != index + 1:
        raise ValueError("the styles part could not be extended safely")
    return encode_xml(text, codec), index
