"""Xero Aged Receivables / Aged Payables reports, exported to Excel or CSV (Accounting → Reports →
Aged Receivables Summary / Aged Payables Summary, or the Detail report → Export).

Followed from Xero's help on the aged reports (2024 layout): title rows (``Aged Receivables
Summary``, the organisation, ``As at 31 October 2026``, ``Ageing by due date``) above the header.

* **Summary**: ``Contact``, ``Current``, ``< 1 Month``, ``1 Month``, ``2 Months``, ``3 Months``,
  ``Older``, ``Total``; one row per contact; the grand total ``Total``, then a ``Percentage of
  total`` row (no amount: left out). The amount is ``Total``.
* **Detail**: ``Invoice Date``, ``Invoice Number`` (or ``Reference``), ``Due Date``, ``Total``,
  ``Paid``, ``Credited``, ``Due``: sections per contact closed by ``Total <contact>``; the grand
  total ``Total``. The amount is ``Due``.
"""

from __future__ import annotations

from closekit.sources.subledgers.base import Layout

_MONTHS = ("<1month", "1month", "2months", "3months", "older")


def _summary(keys: list[str]) -> bool:
    return "contact" in keys and "total" in keys and any(m in keys for m in _MONTHS)


def _detail(keys: list[str]) -> bool:
    return "due" in keys and "paid" in keys and ("invoicenumber" in keys or "reference" in keys)


SUMMARY = Layout("xero", "Xero aged summary", _summary, ("total",), ("contact",))
DETAIL = Layout("xero", "Xero aged detail", _detail, ("due",), ("contact", "invoicenumber", "reference"))
LAYOUTS = (DETAIL, SUMMARY)
