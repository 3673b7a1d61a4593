"""QuickBooks Online A/R and A/P aging reports, exported to CSV or Excel (Reports → A/R Aging
Summary / A/P Aging Summary / A/R Aging Detail / A/P Aging Detail → Export).

Followed from Intuit's report descriptions (QuickBooks Online, 2024 layout; also QuickBooks Desktop's
A/R Aging Summary): title rows (company, report name, ``As of October 31, 2026``) above the header.

* **Summary**: a header whose first cell is empty, then ``Current``, ``1 - 30``, ``31 - 60``,
  ``61 - 90``, ``91 and over``, ``Total``; one row per customer (vendor), its name in the first
  column; the grand total ``TOTAL``; a footer line (``Accrual Basis Monday, November 2, 2026 ...``).
  The amount is ``Total``.
* **Detail**: ``Date``, ``Transaction Type``, ``Num``, ``Customer`` (``Vendor``), ``Due Date``,
  ``Amount``, ``Open Balance``; sections per aging bucket (``Current``, ``1 - 30 days past due``...)
  closed by ``Total for Current``; the grand total ``TOTAL``. The amount is ``Open Balance`` (the
  part of each invoice still open), never ``Amount`` (the invoice's original amount).

Amounts as QuickBooks writes them: ``1,234.56``, ``-1,234.56``, ``(1,234.56)``, ``$1,234.56``.
"""

from __future__ import annotations

from closekit.sources.subledgers.base import Layout

_BUCKETS = ("1-30", "31-60", "61-90", "91andover", ">90")


def _summary(keys: list[str]) -> bool:
    return "current" in keys and "total" in keys and any(b in keys for b in _BUCKETS)


def _detail(keys: list[str]) -> bool:
    return "openbalance" in keys and "transactiontype" in keys and "num" in keys


SUMMARY = Layout("quickbooks", "QuickBooks aging summary", _summary, ("total",))
DETAIL = Layout("quickbooks", "QuickBooks aging detail", _detail, ("openbalance",), ("customer", "vendor", "name"))
LAYOUTS = (DETAIL, SUMMARY)
