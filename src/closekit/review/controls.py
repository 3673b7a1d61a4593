"""The control cells between runs (issue 16 items 1 and 2; docs/close.md "Controls between runs").

The **control cells** are the cells whose edits change what a close may do or what it proves: the
Settings values, every cell of the Periods sheet (Status above all), and the sign-off cells of the
Checklist (:data:`SIGNOFF_COLUMNS`). Each RunLog row keeps them as they stand after its run
(``Controls``: compact JSON, sealed into the row's hash), so the next run compares the sheets with
the last row and reports every edit made between runs:

* **Period status history**: a period that any RunLog row (or the log's head) recorded as
  Permanently closed stays Permanently closed whatever its Status cell says now: the cell is a
  ``period-reopened`` Error and the run treats the period as closed. Any other status changed by
  hand is accepted and reported (``control-changed``, Warning) with who ran the run that noticed it.
* **Edits between runs**: a Settings value or Periods cell that differs from the last row is a
  ``control-changed`` Warning ("Settings MaterialityAmount changed since the last run"); a sign-off
  cell typed since then an Info (typing sign-offs is allowed; the sign-off rules judge them).
* **The log's head**: the number of rows, the last RowHash and the permanently closed periods are
  also kept in a custom document property (:data:`HEAD_PROPERTY`), so a RunLog cut short or
  deleted is a ``runlog-truncated`` Error.

Pure: raw tables, the RunLog table and the head's text in; snapshots, findings and texts out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.core.periods import PERMANENTLY_CLOSED
from closekit.sheetio.xlsx_cells import parse_ref
from closekit.sources.tables import RawTable
from closekit.workbook import outputs

CONTROL_SHEETS = ("Settings", "Periods", "Checklist")
SIGNOFF_COLUMNS = ("Preparer", "PreparedAt", "Reviewer", "ReviewedAt")
#: The custom document property that holds the log's head.
HEAD_PROPERTY = "closekit.RunLogHead"
_LONG = 200  # a longer value is kept as its hash


@dataclasses.dataclass(frozen=True)
class Cell:
    """Where a control cell is now: sheet, Excel row and column header."""

    sheet: str
    row: int
    column: str


def _text(value: object) -> str:
    text = outputs.field_text(value).strip()
    if len(text) > _LONG:
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return text


def _columns(table: RawTable) -> dict[str, str]:
    """header key -> header as typed."""
    return {parsing.header_key(c): c for c in table.columns}


def read(sheets: Mapping[str, RawTable | None]) -> tuple[dict, dict[tuple[str, str, str], Cell]]:
    """(snapshot, where each cell is) of the control cells of ``sheets`` (name -> table, any case).

    Snapshot: ``{"Settings": {setting: value}, "Periods": {period: {column: value}},
    "Checklist": {task: {column: value}}}``; a key given twice keeps its first row."""
    by_key = {parsing.header_key(name): table for name, table in sheets.items()}
    snap: dict[str, dict] = {}
    cells: dict[tuple[str, str, str], Cell] = {}
    for sheet in CONTROL_SHEETS:
        table = by_key.get(parsing.header_key(sheet))
        if table is None or not len(table.columns):
            continue
        names = _columns(table)
        key_column = {"Settings": names.get("setting"), "Periods": names.get("period"), "Checklist": names.get("task")}[
            sheet
        ]
        if key_column is None:
            continue
        if sheet == "Settings":
            value_column = names.get("value")
            kept = [value_column] if value_column else []
        elif sheet == "Periods":
            kept = [c for c in table.columns if c != key_column]
        else:
            kept = [names[parsing.header_key(c)] for c in SIGNOFF_COLUMNS if parsing.header_key(c) in names]
        part: dict = {}
        for row, record in zip(table.rows.tolist(), table.frame.to_dict("records"), strict=True):
            key = _text(record.get(key_column))
            if not key or key in part:
                continue
            values = {c: _text(record.get(c)) for c in kept}
            part[key] = values.get(kept[0], "") if sheet == "Settings" and kept else values
            for column in kept:
                cells[(sheet, key, column)] = Cell(sheet, int(row), column)
        snap[sheet] = part
    return snap, cells


def with_updates(sheets: Mapping[str, RawTable | None], updates: Mapping[str, Mapping[str, object]] | None):
    """``sheets`` as they will read after a write of ``updates`` (sheet -> {A1: value}) to their cells."""
    if not updates:
        return dict(sheets)
    out = dict(sheets)
    for name, table in sheets.items():
        cells = next((c for s, c in updates.items() if s.lower() == name.lower()), None)
        if table is None or not cells:
            continue
        frame = table.frame.copy()
        positions = {int(r): i for i, r in enumerate(table.rows.tolist())}
        numbers = table.meta.get("column_numbers", {})
        by_number = {n: c for c, n in numbers.items()}
        for ref, value in cells.items():
            row, column = parse_ref(ref)
            header = by_number.get(column)
            if header in frame.columns and row in positions:
                frame.iloc[positions[row], frame.columns.get_loc(header)] = value
        out[name] = dataclasses.replace(table, frame=frame)
    return out


def encode(snapshot: dict) -> str:
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decode(text: object) -> dict | None:
    try:
        value = json.loads(outputs.field_text(text)) if outputs.field_text(text) else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# ------------------------------------------------------------------------------------- the head
@dataclasses.dataclass(frozen=True)
class Head:
    """The log's head as kept in the document property: rows, last RowHash, closed periods."""

    rows: int
    last_hash: str
    closed: tuple[str, ...] = ()

    def text(self) -> str:
        return f"rows={self.rows};hash={self.last_hash};closed={','.join(self.closed)}"

    @classmethod
    def parse(cls, text: str | None) -> Head | None:
        parts = dict(p.split("=", 1) for p in (text or "").split(";") if "=" in p)
        if not parts.get("rows", "").isdigit():
            return None
        closed = tuple(p for p in parts.get("closed", "").split(",") if p)
        return cls(int(parts["rows"]), parts.get("hash", ""), closed)


@dataclasses.dataclass(frozen=True)
class History:
    """What the RunLog and the head record: the last row's controls (None: no row recorded them), the
    last row's time and user, and each permanently closed period with where it was recorded."""

    last: dict | None
    last_run: str
    closed: dict[str, str]
    head: Head | None


def history(runlog: RawTable | None, head_text: str | None) -> History:
    head = Head.parse(head_text)
    closed: dict[str, str] = {}
    last, last_run = None, ""
    if runlog is not None and outputs.CONTROLS in runlog.columns:
        for row, record in zip(runlog.rows.tolist(), runlog.frame.to_dict("records"), strict=True):
            snap = decode(record.get(outputs.CONTROLS))
            if snap is None:
                continue
            last = snap
            last_run = (
                f"the run of {outputs.field_text(record.get('TimeUTC'))} UTC by "
                f"{outputs.field_text(record.get('User')) or 'an unknown user'} (RunLog row {row})"
            )
            for period, values in (snap.get("Periods") or {}).items():
                if isinstance(values, dict) and values.get("Status") == PERMANENTLY_CLOSED:
                    closed.setdefault(period, f"RunLog row {row}")
    for period in head.closed if head else ():
        closed.setdefault(period, "the log's head (document property)")
    return History(last, last_run, closed, head)


def head_after(runlog_rows: int, last_hash: str, history_: History, snapshot: dict) -> Head:
    """The head to keep after a run that wrote its row: every period ever closed stays listed."""
    closed = set(history_.closed)
    closed |= {
        p
        for p, v in (snapshot.get("Periods") or {}).items()
        if isinstance(v, dict) and v.get("Status") == PERMANENTLY_CLOSED
    }
    return Head(runlog_rows, last_hash, tuple(sorted(closed)))


def check_head(runlog: RawTable | None, head: Head | None, where: str) -> dict | None:
    """A ``runlog-truncated`` Error when the RunLog holds fewer rows than the head recorded, or its
    row at the head's position is not the one the head sealed; None when it holds."""
    if head is None or head.rows == 0:
        return None
    rows = [] if runlog is None else runlog.frame.to_dict("records")
    if len(rows) >= head.rows and outputs.row_hash(rows[head.rows - 1]) == head.last_hash:
        return None
    what = (
        "has no RunLog sheet"
        if runlog is None
        else f"has {len(rows)} RunLog row{'s' if len(rows) != 1 else ''}"
        if len(rows) < head.rows
        else f"has a RunLog whose row {head.rows + 1} is not the one closekit sealed there"
    )
    return fnd.finding(
        "runlog-truncated",
        outputs.RUNLOG,
        f"{where} {what}, but its last run recorded {head.rows} rows ending with RowHash "
        f"{head.last_hash[:12]}… (the log's head, kept in the document property {HEAD_PROPERTY}): rows of "
        f"the run log were deleted or replaced",
        fix="Restore the RunLog from a backup of the workbook; closekit verify-log says what holds.",
    )


# ------------------------------------------------------------------------------------ the checks
def check(history_: History, sheets: Mapping[str, RawTable | None], user: str) -> tuple[list[dict], set[str]]:
    """(findings, periods to treat as Permanently closed whatever their cell says)."""
    snap, cells = read(sheets)
    found: list[dict] = []
    periods = snap.get("Periods", {})
    forced: set[str] = set()
    who = user or "an unknown user"
    for period, recorded in sorted(history_.closed.items()):
        now = periods.get(period, {}).get("Status") if isinstance(periods.get(period), dict) else None
        if now is None or now == PERMANENTLY_CLOSED:
            continue
        forced.add(period)
        cell = cells.get(("Periods", period, "Status"))
        found.append(
            fnd.finding(
                "period-reopened",
                "Periods",
                f"period {period} is Permanently closed (recorded in {recorded}), but its Status cell now says "
                f"{now!r}: a permanently closed period is never reopened, so closekit treats it as Permanently "
                f"closed (noticed by {who})",
                row=cell.row if cell else None,
                column="Status",
                fix=f"Type Permanently closed back into the cell; post into {period} through the next open period.",
            )
        )
    last = history_.last
    if last is None:
        return found, forced
    for (sheet, key, column), cell in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[1].row, kv[0][2])):
        before = _value(last, sheet, key, column)
        now = _value(snap, sheet, key, column)
        if before == now or (sheet == "Periods" and key in forced and column == "Status"):
            continue
        label = {"Settings": f"Settings {key}", "Periods": f"Periods {key} {column}"}.get(
            sheet, f"task {key!r} {column}"
        )
        change = f"from {before!r} to {now!r}" if before is not None else f"to {now!r} (a row added)"
        signoff = sheet == "Checklist"
        found.append(
            fnd.finding(
                "control-changed",
                sheet,
                f"{label} changed since the last run ({history_.last_run}): {change}, by hand; noticed by {who}",
                row=cell.row,
                column=column,
                severity=fnd.Severity.INFO if signoff else fnd.Severity.WARNING,
                fix="Nothing to do if the change is meant; closekit records it in this run's RunLog row."
                if not signoff
                else "",
            )
        )
    for sheet in ("Settings", "Periods"):
        for key in sorted(set(last.get(sheet) or {}) - set(snap.get(sheet) or {})):
            found.append(
                fnd.finding(
                    "control-changed",
                    sheet,
                    f"{sheet} {key} was removed since the last run ({history_.last_run}); noticed by {who}",
                    severity=fnd.Severity.WARNING,
                )
            )
    return found, forced


def _value(snap: dict, sheet: str, key: str, column: str) -> str | None:
    part = (snap.get(sheet) or {}).get(key)
    if part is None:
        return None
    if sheet == "Settings":
        return part if isinstance(part, str) else None
    return part.get(column, "") if isinstance(part, dict) else None
