"""Put the period on hold (domain.md §4 "Period status"; workbook.md "Periods").

The Periods row of the period gets Status ``On hold``: no more posting, reopenable at any time.
Never over errors (workbook.md "Command line": the period is never put on hold over errors): a
validation with findings of severity Error leaves the Periods sheet as it is. The change is a
cell update, written in the same atomic write as the Findings and RunLog.
"""

from __future__ import annotations

from closekit import schema
from closekit.sheetio.base import a1
from closekit.tables import RawTable

ON_HOLD = "On hold"


def status_cell(periods: RawTable | None, period: str) -> tuple[str | None, str]:
    """(A1 reference of the period's Status cell, why there is none)."""
    if periods is None or not len(periods):
        return None, "the workbook has no Periods rows"
    numbers = {schema.header_key(k): v for k, v in periods.meta.get("column_numbers", {}).items()}
    names = {schema.header_key(c): c for c in periods.columns}
    if "period" not in names or "status" not in numbers:
        return None, "the Periods sheet has no Period or Status column"
    codes = periods.frame[names["period"]].map(lambda v: str(v).strip())
    hits = [int(r) for r, code in zip(periods.rows, codes, strict=True) if code == period.strip()]
    if not hits:
        return None, f"period {period} is not in the Periods sheet"
    return a1(hits[0], numbers["status"]), ""
