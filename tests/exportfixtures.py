"""Adjustment lines as the close writes them, for the upload writers' tests."""

from __future__ import annotations

import pandas as pd

from closefixtures import lines
from closekit.exporters import ExportContext

DIMENSIONS = ("Department", "CostCenter")


def adjustments(rows: list[tuple] | None = None, *, currency: str = "EUR") -> pd.DataFrame:
    """Canonical adjustment lines, as read back from the Adjustments sheet. ``rows`` are
    ``(journal, voucher, line, account, department, cost_center, amount, text)``."""
    rows = rows or [
        ("revaluation", "REV-2026-10-0001", 1, "7910", "", "", "33.00", "Revaluation of USD 100000.00 at 0.9189"),
        ("revaluation", "REV-2026-10-0001", 2, "1110", "", "", "-33.00", "Revaluation of USD 100000.00 at 0.9189"),
        ("allocation", "ALC-2026-10-0001", 1, "6900", "SALES", "CC100", "2400.00", "IT cost allocation"),
        ("allocation", "ALC-2026-10-0001", 2, "6900", "PROD", "", "1600.00", "IT cost allocation"),
        ("allocation", "ALC-2026-10-0001", 3, "6300", "ADMIN", "", "-4000.00", "IT cost allocation"),
    ]
    records = [
        {
            "where": "Adjustments",
            "row": i,
            "kind": "journal",
            "journal": j,
            "voucher": v,
            "line": n,
            "date": "2026-10-31",
            "account": a,
            "Department": d,
            "CostCenter": c,
            "currency": currency,
            "amount": m,
            "text": t,
        }
        for i, (j, v, n, a, d, c, m, t) in enumerate(rows, start=2)
    ]
    return lines(records, dimensions=DIMENSIONS, accounting_currency=currency)


def context(currency: str = "EUR", **kw) -> ExportContext:
    return ExportContext(
        currency,
        DIMENSIONS,
        kw.pop("dimension_delimiter", "-"),
        kw.pop("journal_name", "GenJrn"),
        kw.pop("company", "Contoso Trading NL"),
        kw.pop("period", "2026-10"),
    )
