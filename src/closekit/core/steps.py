"""What every close step shares: the close context, the shape of a step's result, and the
frame of proposed adjustment lines.

Every step is one module with one entry function of the same shape (beancount's way): it takes
the ledger lines (a canonical frame, see :mod:`closekit.core.ledger`), the close book and a
:class:`CloseContext`, and returns a :class:`StepResult` with the lines it proposes and its
findings. :mod:`closekit.close` runs them in the order of the close, numbers and checks the
vouchers, and lets each step see the lines of the steps before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from closekit.core import findings as fnd

#: Proposed adjustment lines. ``voucher_key`` groups the lines of one voucher within a step (the
#: runner turns keys into numbers like ``REV-2026-10-USD``, ``ALC-2026-10-0001``); amounts are
#: signed int64 minor units of the accounting currency, debit positive; ``currency`` is the
#: accounting currency; dimension columns (named as in Settings) follow ``account``.
ADJUSTMENT_COLUMNS = [
    "journal",
    "voucher_key",
    "date",
    "account",
    "amount_accounting",
    "text",
    "rule",
    "revalued_currency",
]


#: Optional columns after those: the line's transaction ``currency`` and signed ``amount`` in its
#: minor units (default: the accounting currency and ``amount_accounting``).
TRANSACTION_COLUMNS = ["currency", "amount"]


@dataclass(frozen=True)
class CloseContext:
    """The period being closed, from Settings and Periods."""

    period: str
    start: pd.Timestamp
    end: pd.Timestamp
    fiscal_year_start: pd.Timestamp  # first day of the fiscal year that contains ``end``
    accounting_currency: str
    dimensions: tuple[str, ...] = ()

    @classmethod
    def for_period(
        cls, period: str, start, end, *, fiscal_year_start_month: int = 1, accounting_currency: str, dimensions=()
    ) -> CloseContext:
        end = pd.Timestamp(end)
        year = end.year if end.month >= fiscal_year_start_month else end.year - 1
        return cls(
            period,
            pd.Timestamp(start),
            end,
            pd.Timestamp(year, fiscal_year_start_month, 1),
            accounting_currency,
            tuple(dimensions),
        )


@dataclass
class StepResult:
    step: str
    adjustments: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: pd.DataFrame = field(default_factory=fnd.frame)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def adjustment_frame(rows: list[dict], dimensions: tuple[str, ...]) -> pd.DataFrame:
    """Proposed adjustment lines from records (missing dimensions are empty strings)."""
    columns = [*ADJUSTMENT_COLUMNS[:4], *dimensions, *ADJUSTMENT_COLUMNS[4:]]
    if rows and "currency" in rows[0]:  # lines in a transaction currency (the year-end carry-forward)
        columns += TRANSACTION_COLUMNS
    frame = pd.DataFrame(rows, columns=columns)
    for dim in dimensions:
        frame[dim] = frame[dim].astype(object).where(frame[dim].notna(), "")
    frame["amount_accounting"] = frame["amount_accounting"].astype("int64")
    frame["date"] = pd.to_datetime(frame["date"])
    for name in ("text", "rule", "revalued_currency"):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), "")
    if "amount" in frame:
        frame["amount"] = frame["amount"].astype("int64")
    return frame
