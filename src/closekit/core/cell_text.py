"""Text that no spreadsheet runs as a formula: the one rule every writer uses (SECURITY.md).

A text is cleaned first, then judged, so that no character can hide a formula start from the check
and be dropped by the program that opens the file:

1. **clean**: control characters (NUL, C0 other than tab, line feed and carriage return, DEL, C1)
   are removed, and so are the ``_xHHHH_`` escapes of an .xlsx string that stand for one
   (``_x0000_``): an .xlsx reader decodes them, a CSV reader or LibreOffice drops them.
2. **judge**: the text *as any reader may see it* (``_xHHHH_`` escapes decoded, leading spaces of
   any kind and control characters dropped, compatibility forms folded: fullwidth ``＝`` is ``=``)
   starts like a formula (``=``, ``+``, ``-``, ``@``), or the text itself starts with a tab, CR
   or LF. A plain number (``-12.50``) is not a formula.
3. **quote**: such a text gets a leading ``'`` (CSV); an .xlsx writer sets the cell's quote prefix.

Pure: no pandas needed for one text (:func:`safe`), a vectorised form for columns (:func:`safe_series`).
"""

from __future__ import annotations

import re
import unicodedata

#: Characters a spreadsheet (or the OWASP CSV rule) runs as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Control characters no text of ours keeps (tab, LF, CR are text; the rest are not).
CONTROL = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\ufffe\uffff]")  # escapes: pyarrow (RE2) reads it too
_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_NUMBER = re.compile(r"[-+]?\d[\d.,\s']*")
#: A text without any of these (plain ASCII other than = + - @ _) is safe as it is: no look needed.
_SUSPECT = r"[^\x20-\x2a\x2c\x2e-\x3c\x3e\x3f\x41-\x5e\x60-\x7e]"


def _drop_control_escape(m: re.Match[str]) -> str:
    return "" if CONTROL.fullmatch(chr(int(m[1], 16))) else m[0]


def clean(text: str) -> str:
    """``text`` without control characters, nor ``_xHHHH_`` escapes that stand for one."""
    text = CONTROL.sub("", text)
    return _ESCAPE.sub(_drop_control_escape, text) if "_x" in text else text


def _decoded(text: str) -> str:
    """What an .xlsx reader shows for ``text`` (escapes decoded, repeatedly: ``_x005F_x003D_``)."""
    for _ in range(3):
        if "_x" not in text:
            break
        text = _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    return text


def is_formula(text: str) -> bool:
    """Whether some reader may run ``text`` (already :func:`clean`) as a formula."""
    if not text:
        return False
    if text.startswith(("\t", "\r", "\n")):
        return True
    view = unicodedata.normalize("NFKC", CONTROL.sub("", _decoded(text)))
    start = 0
    while start < len(view) and (view[start].isspace() or unicodedata.category(view[start])[0] in "ZC"):
        start += 1  # spaces of any width, zero-width and format characters
    view = view[start:]
    if view.startswith(("\t", "\r", "\n")):
        return True
    return view.startswith(FORMULA_START[:4]) and not _NUMBER.fullmatch(view)


def safe(value: object) -> str:
    """A text for a CSV cell: cleaned, and quoted with ``'`` where it could start a formula."""
    text = clean("" if value is None else str(value))
    return "'" + text if is_formula(text) else text


def safe_series(values):
    """:func:`safe` for a pandas column (blank cells become ``""``)."""
    text = values.astype(object).where(values.notna(), "").astype(str)
    suspect = text.str.contains(_SUSPECT, regex=True)
    if not suspect.any():
        return text
    return text.where(~suspect, text[suspect].map(safe))
