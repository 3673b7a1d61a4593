"""An output sheet as an Excel table (ListObject) and as a printable page: the table part
(``xl/tables/tableN.xml``), the valid, unique name it gets, the sheet's relationships part that
links it, and the page setup, header and footer of the sheet. Used by
:mod:`closekit.sheetio.xlsx_package` and :mod:`closekit.sheetio.xlsx_sheet`; see
docs/workbook-writing.md "Layout".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from closekit.sheetio import xlsx_styles as st

TABLE_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
TABLE_REL = f"{st.REL_NS}/table"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
STYLE = "TableStyleMedium2"
TABLE_RID = "rId1"  # the only relationship of an output sheet's own .rels part
#: Total column width (in characters) above which a sheet prints landscape.
LANDSCAPE_WIDTH = 90.0
_CELL_REF = re.compile(r"^(?:[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]?\d*|[Cc]\d*)$")
#: The longest company or period text of a page header; Excel holds 255 characters in a header,
#: codes included: the title (centre) gets what the other two leave.
_MAX_HEADER_PART = 60
_MAX_HEADER = 255


def usable_headers(headers: list[str]) -> bool:
    """Whether these header texts can be a table's columns: none empty, none repeated (Excel
    compares them without regard to case). A sheet whose header cannot keeps a plain autofilter."""
    lowered = [h.strip().lower() for h in headers]
    return bool(headers) and all(lowered) and len(set(lowered)) == len(lowered)


def table_name(title: str, taken: Iterable[str]) -> str:
    """A valid Excel table name made from the sheet's title (``TrialBalance``, ``BalanceSheet_closekit_``),
    different (any case) from every name in ``taken`` (other tables, defined names)."""
    used = {t.lower() for t in taken}
    base = re.sub(r"[^\w.]", "_", title, flags=re.UNICODE)[:240] or "Output"
    if not (base[0].isalpha() or base[0] == "_") or _CELL_REF.match(base):
        base = f"tbl_{base}"
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base}_{n}"
    return name


def table_xml(table_id: int, name: str, ref: str, headers: list[str]) -> bytes:
    """The table part: a header row, no totals row, banded rows in :data:`STYLE`, its own autofilter."""
    columns = "".join(f'<tableColumn id="{i}" name="{st.attr(h)}"/>' for i, h in enumerate(headers, 1))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{st.MAIN_NS}" id="{table_id}" name="{st.attr(name)}" displayName="{st.attr(name)}" '
        f'ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/>'
        f'<tableColumns count="{len(headers)}">{columns}</tableColumns>'
        f'<tableStyleInfo name="{STYLE}" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
        'showColumnStripes="0"/></table>'
    ).encode()


def sheet_rels(target: str) -> bytes:
    """An output sheet's relationships part: its table (``target`` the table's absolute part name)."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="{TABLE_RID}" Type="{TABLE_REL}" '
        f'Target="{st.attr(target)}"/></Relationships>'
    ).encode()


def _header_text(value: str, limit: int = _MAX_HEADER_PART) -> str:
    """Text for a header/footer section: one line, ``&`` doubled (a single one starts a code), at
    most ``limit`` characters once doubled; a longer text is cut at a word and ends in "…"."""
    value = " ".join(str(value).split())
    if len(value.replace("&", "&&")) <= limit:
        return value.replace("&", "&&")
    cut = value[: max(limit - 1, 0)]
    while cut and len(cut.replace("&", "&&")) > limit - 1:
        cut = cut[:-1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut.strip() else cut
    return cut.rstrip(" —–-,").replace("&", "&&") + "…"


def header_footer(title: str, company: str, period: str, *, alone: bool = False) -> tuple[str, str, str, str]:
    """The page header's left, centre and right sections and the footer's centre, in Excel's
    header codes (the same in the file's ``<oddHeader>`` and in ``PageSetup.LeftHeader`` over COM):
    company left, the sheet's title centre (bold), period right; "Page n of m" in the footer. The
    title is whole unless the three together would pass Excel's 255 characters. ``alone``: the
    title is a statement's title block (it names the company and the dates), printed by itself,
    so that a long one never runs over the company and the period on a portrait page."""
    left = _header_text(company) if company and not alone else ""
    right = _header_text(period) if period and not alone else ""
    codes = len("&L&C&B&R")
    return left, f"&B{_header_text(title, _MAX_HEADER - codes - len(left) - len(right))}", right, "Page &P of &N"


def print_setup(sections: tuple[str, str, str, str], landscape: bool) -> str:
    """``<pageSetup>`` and ``<headerFooter>`` of an output sheet: one page wide, as many pages tall
    as needed; the page header's ``sections`` (left, centre, right, footer: :func:`header_footer`)."""
    left, centre, right, footer = sections
    header = (f"&L{left}" if left else "") + f"&C{centre}" + (f"&R{right}" if right else "")
    orientation = "landscape" if landscape else "portrait"
    return (
        f'<pageSetup orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>'
        f"<headerFooter><oddHeader>{st.attr(header)}</oddHeader>"
        f"<oddFooter>{st.attr('&C' + footer)}</oddFooter></headerFooter>"
    )
