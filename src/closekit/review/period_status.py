"""Period status changes: which transitions are allowed, and the one cell each change writes
(domain.md §4 rules 3, 5 and 7; workbook.md "Periods" and ``closekit period``).

* Open <-> On hold is free, both ways.
* Open or On hold -> Permanently closed is allowed with a confirmation (``--yes`` or a prompt).
* Permanently closed -> anything else is refused: a permanently closed period is never reopened.
* Asking for the status a period already has changes nothing and writes nothing.

A change writes only the ``Status`` cell of the period's row in the Periods sheet (and a RunLog
row, written by :mod:`closekit.pipeline.period`). Pure: a raw Periods table in, a :class:`PeriodChange` out.
"""

from __future__ import annotations

from dataclasses import dataclass

from closekit.core import parsing
from closekit.core.periods import ON_HOLD, OPEN, PERMANENTLY_CLOSED
from closekit.core.plural import plural
from closekit.sheetio.base import a1
from closekit.sources.tables import RawTable
from closekit.workbook import schema
from closekit.workbook.book import read_rows

CHANGED, UNCHANGED, REFUSED = "changed", "unchanged", "refused"
#: The spellings of ``--status`` (and any spelling of the Periods sheet's Status values).
CLI_NAMES = {"open": OPEN, "on-hold": ON_HOLD, "permanently-closed": PERMANENTLY_CLOSED}


@dataclass(frozen=True)
class PeriodChange:
    """One workbook's answer to a status request: ``outcome`` is changed, unchanged or refused."""

    workbook: str
    period: str
    old: str
    new: str
    outcome: str
    reason: str = ""
    cell: str = ""  # A1 reference of the Status cell in the Periods sheet (changed only)
    company: str = ""  # Settings Company, where it can be read

    @property
    def changed(self) -> bool:
        return self.outcome == CHANGED

    @property
    def refused(self) -> bool:
        return self.outcome == REFUSED


def parse_status(text: str) -> str:
    """``on-hold``, ``On hold``, ``ONHOLD`` -> ``On hold``; ValueError for anything else."""
    key = parsing.header_key(str(text).replace("-", ""))
    for status in schema.PERIOD_STATUSES:
        if parsing.header_key(status) == key:
            return status
    raise ValueError(f"{text!r} is not a period status; use one of: {', '.join(CLI_NAMES)}")


def transition(old: str, new: str, *, confirmed: bool) -> tuple[str, str]:
    """(outcome, reason) of moving a period from ``old`` to ``new`` (domain.md §4 rule 7)."""
    if old == new:
        return UNCHANGED, f"it is already {new}"
    if old == PERMANENTLY_CLOSED:
        return REFUSED, "it is Permanently closed, which is final: it can never be reopened or put on hold"
    if new == PERMANENTLY_CLOSED and not confirmed:
        return REFUSED, "closing a period permanently cannot be undone: confirm it (--yes, or answer the prompt)"
    return CHANGED, ""


def plan(periods: RawTable | None, period: str, new: str, *, where: str, confirmed: bool = False) -> PeriodChange:
    """What asking ``period`` to become ``new`` does to the Periods sheet ``periods``."""

    def refused(reason: str, old: str = "") -> PeriodChange:
        return PeriodChange(where, period, old, new, REFUSED, reason)

    if periods is None or len(periods) == 0:
        return refused("the workbook has no Periods sheet (or it has no rows)")
    rows, problems = read_rows(periods, schema.PeriodRow)
    status_column = {parsing.header_key(n): c for n, c in periods.meta.get("column_numbers", {}).items()}.get("status")
    if status_column is None:
        return refused("the Periods sheet has no Status column in row 1")
    hits = [(row, item) for row, item in rows if item.period == period]
    if not hits:
        detail = f" (the sheet has {plural(len(problems), 'invalid row')}: run closekit validate)" if problems else ""
        return refused(f"period {period} is not in the Periods sheet{detail}")
    if len(hits) > 1:
        return refused(f"period {period} is listed twice in the Periods sheet (rows {hits[0][0]} and {hits[1][0]})")
    row, item = hits[0]
    outcome, reason = transition(item.status, new, confirmed=confirmed)
    cell = a1(row, status_column) if outcome == CHANGED else ""
    return PeriodChange(where, period, item.status, new, outcome, reason, cell)
