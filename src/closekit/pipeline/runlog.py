"""The RunLog row every write adds (docs/workbook.md "Output sheets"): who ran what, when, on which inputs."""

from __future__ import annotations

import datetime as dt
import getpass

from closekit.core.version import VERSION
from closekit.review import controls
from closekit.sheetio.base import OutputSheet, SheetIO
from closekit.workbook import outputs


def user() -> str:
    """The user logged in, or "" when the system cannot say."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def stamp(now: dt.datetime) -> str:
    """A time as the Checklist and the Dashboard show it: ``2026-11-05 09:30:00Z``."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def entry(
    *,
    now: dt.datetime,
    command: str,
    period: str,
    user_name: str | None,
    hashes: dict[str, str],
    counts: dict[str, int],
    written: list[str],
    result: str,
) -> dict:
    """The RunLog row of one run (``user_name`` None: the user logged in)."""
    return outputs.runlog_entry(
        now=now,
        command=command,
        period=period,
        user=user_name or user(),
        version=VERSION,
        hashes=hashes,
        counts=counts,
        outputs=written,
        result=result,
    )


def control_sheets(io: SheetIO) -> dict:
    """The sheets of the control cells, as the workbook holds them now."""
    return {name: io.read_sheet(name) for name in controls.CONTROL_SHEETS}


def history(io: SheetIO) -> controls.History:
    """What the workbook's RunLog and its head (document property) record of earlier runs."""
    return controls.history(outputs.read_runlog(io), head(io))


def head(io: SheetIO) -> str | None:
    """The log's head as kept in the workbook's custom document property (None where the adapter
    cannot keep document properties: live Excel)."""
    read = getattr(io, "properties", None)
    return read().get(controls.HEAD_PROPERTY) if read is not None else None


def sheet(io: SheetIO, entry: dict, updates: dict[str, dict[str, object]] | None = None) -> OutputSheet:
    """The RunLog with ``entry`` appended, its ``Controls`` the control cells as this run's write
    (``updates``: the cell updates it makes) leaves them; the log's new head is staged for the same
    write where the adapter keeps document properties (docs/close.md "Controls between runs")."""
    before = history(io)
    snapshot = controls.read(controls.with_updates(control_sheets(io), updates))[0]
    out = outputs.runlog_sheet(io, {**entry, outputs.CONTROLS: controls.encode(snapshot)})
    stage = getattr(io, "set_properties", None)
    if stage is not None:
        last = str(out.frame.iloc[-1]["RowHash"])
        stage({controls.HEAD_PROPERTY: controls.head_after(len(out.frame), last, before, snapshot).text()})
    return out


def _checked(io: SheetIO, table, user_name: str | None):
    """(history, the ``runlog-truncated`` finding or None, control findings, periods to treat as
    Permanently closed) of the RunLog ``table`` and the control cells as they stand."""
    past = controls.history(table, head(io))
    truncated = controls.check_head(table, past.head, io.where)
    found, forced = controls.check(past, control_sheets(io), user_name or user())
    return past, truncated, found, forced


def check_controls(io: SheetIO, user_name: str | None = None) -> tuple[list[dict], set[str]]:
    """The control cells against the RunLog's history and the log's head: (findings, periods to
    treat as Permanently closed whatever their Status cell says)."""
    _, truncated, found, forced = _checked(io, outputs.read_runlog(io), user_name)
    return ([truncated] if truncated else []) + found, forced


def verify(io: SheetIO) -> tuple[bool, list[str]]:
    """``closekit verify-log``: (whether the log holds, the lines to print). The hash chain row by row,
    then the log's head (a RunLog cut short or deleted), then the control cells against the last row:
    a permanently closed period retyped breaks it; other edits since the last run are listed."""
    table = outputs.read_runlog(io)
    past, truncated, found, _ = _checked(io, table, None)
    check = outputs.verify_runlog(table, io.where)
    lines = [] if (truncated and table is None) else [check.message[:1].upper() + check.message[1:]]
    ok = check.ok
    if truncated:
        ok = False
        lines.append(truncated["Message"][:1].upper() + truncated["Message"][1:] + ".")
    elif past.head is not None and check.ok:
        lines.append(f"The log's head (document property {controls.HEAD_PROPERTY}) matches: {past.head.rows} rows.")
    for item in found:
        ok = ok and item["Code"] != "period-reopened"
        where = item["Where"] + (f" row {item['Row']}" if item["Row"] is not None else "")
        lines.append(f"{item['Severity']}: {where}: {item['Message']}.")
    return ok, lines
