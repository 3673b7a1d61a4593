"""The fiscal calendar: which period a date falls in, and whether it is open (domain.md §4).

Statuses are Open, On hold and Permanently closed. Posting is allowed only in an Open period;
a date in no period cannot be posted either. Periods may not overlap (a finding of the book).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

OPEN = "Open"
ON_HOLD = "On hold"
PERMANENTLY_CLOSED = "Permanently closed"


#: The modules of D365's module access level closekit knows (docs/close.md "Period access"): each
#: has an optional status column in the Periods sheet; the General ledger's status is ``status``.
LEDGER, RECEIVABLES, PAYABLES, INVENTORY = "General ledger", "Accounts receivable", "Accounts payable", "Inventory"
#: Module -> its status column of :attr:`Calendar.table` (and the Periods sheet's header).
MODULE_COLUMNS = {
    RECEIVABLES: ("receivables_status", "ReceivablesStatus"),
    PAYABLES: ("payables_status", "PayablesStatus"),
    INVENTORY: ("inventory_status", "InventoryStatus"),
}
#: How closed a status is: a module's own status can close it further than the ledger, never open it.
STRICTNESS = {OPEN: 0, ON_HOLD: 1, PERMANENTLY_CLOSED: 2}
OPTIONAL_COLUMNS = ["access_group", *(c for c, _ in MODULE_COLUMNS.values())]


@dataclass(frozen=True)
class Calendar:
    """Periods sorted by start: ``period``, ``start``, ``end`` (datetime64), ``status``, ``row``,
    and ``access_group`` and the module statuses of :data:`MODULE_COLUMNS` ("" where not set)."""

    table: pd.DataFrame

    @classmethod
    def from_rows(cls, rows: list[dict]) -> Calendar:
        table = pd.DataFrame(rows, columns=["period", "start", "end", "status", "row"])
        for name in OPTIONAL_COLUMNS:
            table[name] = [r.get(name) or "" for r in rows]
        table["start"] = pd.to_datetime(table["start"])
        table["end"] = pd.to_datetime(table["end"])
        return cls(table.sort_values("start", kind="stable").reset_index(drop=True))

    def positions(self, dates: pd.Series) -> np.ndarray:
        """For each date, the position in :attr:`table` of the period holding it; -1 where none does."""
        starts = self.table["start"].to_numpy(dtype="datetime64[ns]")
        ends = self.table["end"].to_numpy(dtype="datetime64[ns]")
        when = dates.to_numpy(dtype="datetime64[ns]")
        pos = np.searchsorted(starts, when, side="right") - 1
        found = (pos >= 0) & ~pd.isna(when)
        found[found] = when[found] <= ends[pos[found]]
        return np.where(found, pos, -1)

    def column_at(self, pos: np.ndarray, name: str, index: pd.Index) -> pd.Series:
        """Column ``name`` of the periods at ``pos`` (:meth:`positions`); "" where ``pos`` is -1."""
        values = self.table[name].to_numpy(dtype=object)
        picked = values[np.maximum(pos, 0)] if len(values) else np.full(len(pos), "", dtype=object)
        return pd.Series(np.where(pos >= 0, picked, ""), index=index)

    def locate(self, dates: pd.Series) -> tuple[pd.Series, pd.Series]:
        """(period code, status) for each date; empty strings where no period holds the date."""
        pos = self.positions(dates)
        return self.column_at(pos, "period", dates.index), self.column_at(pos, "status", dates.index)

    def module_status(self, pos: np.ndarray, modules: pd.Series) -> pd.Series:
        """The status each line meets: its period's ``status``, or its module's status column where
        that is set and more closed (:data:`STRICTNESS`); "" where no period holds the line."""
        status = self.column_at(pos, "status", modules.index)
        for module, (column, _) in MODULE_COLUMNS.items():
            own = self.column_at(pos, column, modules.index)
            stricter = (modules == module).to_numpy() & (
                own.map(STRICTNESS).fillna(-1) > status.map(STRICTNESS).fillna(-1)
            ).to_numpy()
            status = status.where(~stricter, own)
        return status

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


_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
#: Words of a journal's name or type that say its module (docs/close.md "Period access"); a name
#: with words of several modules is the first of payables, inventory, receivables.
MODULE_WORDS = {
    PAYABLES: {
        "ap",
        "accpay",
        "payable",
        "payables",
        "vend",
        "vendor",
        "vendors",
        "supplier",
        "suppliers",
        "bill",
        "bills",
        "purch",
        "purchase",
        "purchases",
        "kreditor",
        "kreditoren",
    },
    INVENTORY: {"inventory", "invent", "inventjournal", "stock", "item", "items", "goods", "lager"},
    RECEIVABLES: {
        "ar",
        "accrec",
        "receivable",
        "receivables",
        "cust",
        "customer",
        "customers",
        "invoice",
        "invoices",
        "sales",
        "debitor",
        "debitoren",
    },
}
#: SAP document types (the journal is ``company/type`` or ``type``) of each module.
SAP_TYPES = {
    PAYABLES: {"KR", "KG", "KZ", "KA", "RE"},
    INVENTORY: {"WA", "WE", "WI", "WL"},
    RECEIVABLES: {"DR", "DG", "DZ", "DA", "RV"},
}


def module_of(journal: str) -> str:
    """The module a journal's name or type names (``Vendor invoice``, ``APInvoice``, ``ACCPAY``,
    ``Bill``, SAP ``1000/KR``: Accounts payable); :data:`LEDGER` when it names none."""
    text = str(journal or "").strip()
    code = text.rpartition("/")[2].strip().upper()
    for module, types in SAP_TYPES.items():
        if code in types:
            return module
    words = {w.lower() for w in _WORDS.findall(text)}
    for module, known in MODULE_WORDS.items():
        if words & known:
            return module
    return LEDGER


def modules_of(journals: pd.Series) -> pd.Series:
    """:func:`module_of` of each journal, computed once per distinct journal."""
    codes, uniques = pd.factorize(journals.astype(object).fillna(""), use_na_sentinel=False)
    names = np.asarray([module_of(u) for u in uniques], dtype=object)
    return pd.Series(names[codes] if len(names) else np.asarray([], dtype=object), index=journals.index)


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
