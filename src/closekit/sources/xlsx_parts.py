"""Which zip member is which part of an .xlsx package: one rule for the safety scan and every reader.

The readers closekit uses find a package's parts each its own way. python-calamine (the Rust
``calamine`` crate) looks names up ASCII-case-insensitively with backslashes read as slashes, joins
a relationship's target to the workbook's folder without resolving ``.`` or ``..``, reads
``workbook.xml``, ``sharedStrings.xml`` and ``styles.xml`` by those names beside the part that
``_rels/.rels`` names, and takes the last ``id`` attribute of a ``<sheet>``. openpyxl finds the
workbook and the shared strings in ``[Content_Types].xml``, resolves ``..`` and reads names exactly.
closekit's writer (:mod:`closekit.sheetio.xlsx_package`) percent-decodes targets. On a package
Excel writes, all of them read the same parts; on a crafted one they do not, and a safety check
that looks at one part while the reader parses another checks nothing.

So a package is read only when every reader would read the same parts: its member names are
canonical (:func:`names_problem`: no backslash, no ``.``/``..``/empty segment, no two names
differing only in case), and the relationships closekit follows resolve the same way under every
rule (:func:`resolve`). Anything else is refused with a sentence saying why (SECURITY.md,
"One way to resolve a part"). Pure Python: it runs under Pyodide too.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

_UPPER = {c: c + 32 for c in range(65, 91)}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def ascii_lower(name: str) -> str:
    """A part name's comparison key (OPC: part names are equal ignoring ASCII case)."""
    return name.translate(_UPPER)


def name_problem(name: str) -> str | None:
    """Why a zip member name is not a canonical part name, or None."""
    if "\\" in name:
        return "contains a backslash (readers disagree whether it is a folder separator)"
    if _CONTROL.search(name):
        return "contains a control character"
    if name.startswith("/"):
        return "starts with a slash"
    segments = name.split("/")
    if segments[-1] == "":  # a folder entry ("xl/"): its own segments still count
        segments = segments[:-1]
    if any(s in ("", ".", "..") for s in segments):
        return "has an empty, '.' or '..' segment (readers disagree which part it is)"
    return None


def names_problem(infos: list[zipfile.ZipInfo]) -> str | None:
    """The first member name a package must not have, as the end of a sentence, or None:
    a non-canonical name (:func:`name_problem`) or two members any reader takes for the same part."""
    seen: dict[str, str] = {}
    folded: dict[str, str] = {}
    for info in infos:
        name = info.filename
        problem = name_problem(name)
        if problem:
            return f"holds a part named '{name}', which {problem}"
        for key, table in ((ascii_lower(name), seen), (name.casefold(), folded)):
            other = table.get(key)
            if other is not None:
                same = "twice" if other == name else f"twice, as '{other}' and '{name}'"
                return f"holds the part '{name}' {same} (part names ignore case), so readers disagree which is read"
            table[key] = name
    return None


def members(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Members by comparison key; call :func:`names_problem` first (then the keys are unique)."""
    return {ascii_lower(i.filename): i for i in infos}


def resolve(folder: str, target: str) -> str | None:
    """The part a relationship ``target`` names, from the folder of its source part (``""`` for the
    package's own ``_rels/.rels``); None when the readers would not agree on it: a target with a
    backslash, a percent-escape or an entity, an empty, ``.`` or ``..`` segment (calamine joins it
    as it is, openpyxl resolves it, the writer percent-decodes it)."""
    if not target or any(ch in target for ch in "\\%&"):
        return None
    part = target[1:] if target.startswith("/") else (f"{folder}/{target}" if folder else target)
    if name_problem(part) or part.endswith("/"):
        return None
    return part


def folder_of(part: str) -> str:
    return posixpath.dirname(part)


def rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


_TAG_ATTR = re.compile(rb"""\s([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def raw_tags(data: bytes, local: bytes) -> list[list[tuple[bytes, bytes]]]:
    """The attributes (raw name, raw value: entities not expanded, as calamine reads them) of every
    ``<local>`` or ``<prefix:local>`` start tag in ``data``."""
    tag = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(local) + rb"(?=[\s/>])[^>]*>")
    return [[(n, d or s) for n, d, s in _TAG_ATTR.findall(m.group(0))] for m in tag.finditer(data)]


def local_name(raw: bytes) -> bytes:
    return raw.rpartition(b":")[2]
