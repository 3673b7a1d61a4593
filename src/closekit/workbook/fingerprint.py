"""The workbook's fingerprint: a SHA-256 of each input sheet's content, which the close records in
the RunLog and ``closekit export`` checks (docs/close.md "Export gated by the close").

A sheet's hash covers its header and the text of every cell (:func:`closekit.workbook.outputs.field_text`)
column by column, blank rows left out, so the file adapter and the live-Excel adapter give the same hash
for the same cells, and a write by closekit that keeps the sheet as it is keeps its hash. Left out:
what closekit itself writes into an input sheet or what does not change the figures: the Checklist
(statuses, sign-offs) and the Periods sheet's ``Status`` (period-hold after the close).
"""

from __future__ import annotations

import hashlib
import json

from closekit.core import parsing
from closekit.sheetio.base import SheetIO
from closekit.sources.tables import RawTable
from closekit.workbook import schema
from closekit.workbook.outputs import field_text

#: The prefix of a sheet's entry in the RunLog's InputHashes: ``sheet:Accounts=<sha256>``.
PREFIX = "sheet:"
#: Input sheets left out of the fingerprint, and columns left out of the others.
SKIPPED_SHEETS = {"checklist"}
SKIPPED_COLUMNS = {"periods": {"status"}}


def sheet_hash(table: RawTable, name: str) -> str:
    """The SHA-256 of a sheet's header and cell texts (the columns of :data:`SKIPPED_COLUMNS` left out)."""
    skipped = SKIPPED_COLUMNS.get(parsing.header_key(name), set())
    keep = [c for c in table.columns if parsing.header_key(c) not in skipped]
    digest = hashlib.sha256(json.dumps(keep, ensure_ascii=False).encode("utf-8"))
    for column in keep:  # a column at a time: a pasted ledger of many rows stays quick
        digest.update(json.dumps(table.frame[column].map(field_text).tolist(), ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def sheet_hashes(io: SheetIO) -> dict[str, str]:
    """``{"sheet:<Name>": sha256}`` for every input sheet the workbook has (schema.INPUT_SHEETS,
    without the Checklist), in the schema's order."""
    by_key = {parsing.header_key(n): n for n in io.sheet_names()}
    out = {}
    for spec in schema.INPUT_SHEETS:
        key = parsing.header_key(spec.name)
        if key in SKIPPED_SHEETS or key not in by_key:
            continue
        table = io.read_sheet(by_key[key])
        if table is not None:
            out[PREFIX + spec.name] = sheet_hash(table, spec.name)
    return out


def recorded(input_hashes: str) -> dict[str, str]:
    """The sheet hashes of a RunLog row's InputHashes text (``name=digest; name=digest``)."""
    out = {}
    for part in str(input_hashes or "").split("; "):
        name, _, digest = part.rpartition("=")
        if name.startswith(PREFIX):
            out[name] = digest
    return out


def changed(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The names of the sheets whose hash differs (added or removed sheets included)."""
    names = list(dict.fromkeys([*before, *now]))
    return [n.removeprefix(PREFIX) for n in names if before.get(n) != now.get(n)]
