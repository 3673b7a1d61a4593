"""Dynamics 365 Finance customer and vendor aging, exported to Excel (Accounts receivable → Inquiries
and reports → Customer aging report, or Collections → Aging balances; Accounts payable → Vendor
aging report; or the grid's Export to Excel).

Followed from Microsoft's documentation of the Customer aging report (CustAgingReport) and the
aging-balances grid: a header with ``Customer account`` (``Vendor account``), ``Name``,
``Balance`` and one column per aging period of the aging period definition (``Current``,
``30 days``...); one row per account; a ``Total`` row. The amount is ``Balance`` (in the
accounting currency; a ``Currency`` column, where exported, must be the tie-out's). The open
transactions grids (``Customer transactions``/``Vendor transactions`` filtered to open) read
the same with ``Amount in accounting currency`` or ``Remaining amount``.
"""

from __future__ import annotations

from closekit.sources.subledgers.base import Layout

AMOUNT = ("balance", "amountinaccountingcurrency", "remainingamount", "balancedue")
PARTY = ("customeraccount", "vendoraccount", "account")


def _fits(keys: list[str]) -> bool:
    return any(k in keys for k in ("customeraccount", "vendoraccount")) and any(k in keys for k in AMOUNT)


LAYOUT = Layout("d365", "Dynamics 365 aging", _fits, AMOUNT, PARTY)
