"""Small helpers for the template's package-level additions (:mod:`.lite_code`, :mod:`.macro_workbook`)."""

from __future__ import annotations

import io
import re
import zipfile


def free_id(rels: str) -> str:
    used = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
    return f"rId{max(used, default=0) + 1}"


def rewrite(src: zipfile.ZipFile, changed: dict[str, str], added: dict[str, str | bytes]) -> bytes:
    """The package ``src`` with the members in ``changed`` replaced and ``added`` appended (same
    member order and dates otherwise)."""
    out = io.BytesIO()
    stamp = src.infolist()[0].date_time
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = changed.get(info.filename)
            dst.writestr(info, body.encode() if body is not None else src.read(info.filename))
        for name, body in added.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, body.encode() if isinstance(body, str) else body)
    return out.getvalue()
