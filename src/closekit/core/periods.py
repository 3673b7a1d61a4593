"""The fiscal calendar: which period a date falls in, and whether it is open (domain.md §4).

Statuses are Open, On hold and Permanently closed. Posting is allowed only in an Open period;
a date in no period cannot be posted either. Periods may not overlap (a finding of the book).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

OPEN = "Open"
ON_HOLD = "On hold"
PERMANENTLY_CLOSED = "Permanently closed"


@dataclass(frozen=True)
class Calendar:
    """Periods sorted by start: ``period``, ``start``, ``end`` (datetime64), ``status``, ``row``."""

    table: pd.DataFrame

    @classmethod
    def from_rows(cls, rows: list[dict]) -> Calendar:
        table = pd.DataFrame(rows, columns=["period", "start", "end", "status", "row"])
        table["start"] = pd.to_datetime(table["start"])
        table["end"] = pd.to_datetime(table["end"])
        return cls(table.sort_values("start", kind="stable").reset_index(drop=True))

    def locate(self, dates: pd.Series) -> tuple[pd.Series, pd.Series]:
        """(period code, status) for each date; empty strings where no period holds the date."""
        starts = self.table["start"].to_numpy(dtype="datetime64[ns]")
        ends = self.table["end"].to_numpy(dtype="datetime64[ns]")
        when = dates.to_numpy(dtype="datetime64[ns]")
        pos = np.searchsorted(starts, when, side="right") - 1
        found = (pos >= 0) & ~pd.isna(when)
        found[found] = when[found] <= ends[pos[found]]
        codes = np.where(found, self.table["period"].to_numpy(dtype=object)[np.maximum(pos, 0)], "")
        status = np.where(found, self.table["status"].to_numpy(dtype=object)[np.maximum(pos, 0)], "")
        return pd.Series(codes, index=dates.index), pd.Series(status, index=dates.index)

    def with_status(self, periods: set[str], status: str) -> Calendar:
        """This calendar with ``periods`` given ``status`` (a closed period whose cell was retyped)."""
        table = self.table.copy()
        table.loc[table["period"].isin(sorted(periods)), "status"] = status
        return type(self)(table)

    def get(self, period: str) -> dict | None:
        hit = self.table[self.table["period"] == period]
        return None if hit.empty else hit.iloc[0].to_dict()

    def overlaps(self) -> list[tuple[dict, dict]]:
        """Pairs of periods whose date ranges overlap (each later one with the one it overlaps)."""
        pairs = []
        rows = self.table.dropna(subset=["start", "end"]).to_dict("records")
        reach = None  # the period reaching furthest so far
        for row in rows:
            if reach is not None and row["start"] <= reach["end"]:
                pairs.append((reach, row))
            if reach is None or row["end"] > reach["end"]:
                reach = row
        return pairs


def fiscal_years(dates: pd.Series, start_month: int = 1) -> np.ndarray:
    """The fiscal year of each date, named by the calendar year it ends in (FiscalYearStart 4:
    2026-03-31 is in 2026, 2026-04-01 in 2027); -1 where the date is missing."""
    when = dates.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(when)
    if missing.all():
        return np.full(len(when), -1, dtype=np.int64)
    known = when[~missing]
    first, last = int(str(known.min())[:4]), int(str(known.max())[:4])
    month = (start_month - 1) % 12 + 1
    years = np.arange(first - 1, last + 2)
    starts = np.array([f"{y:04d}-{month:02d}-01" for y in years], dtype="datetime64[ns]")
    label = years[np.searchsorted(starts, when, side="right") - 1] + (1 if month != 1 else 0)
    return np.where(missing, -1, label)
