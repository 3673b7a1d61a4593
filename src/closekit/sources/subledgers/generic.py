"""The generic subledger layout: one row per customer, vendor, open item or inventory item.

Header (matched case-, space- and underscore-insensitively): a party column (``Party``,
``Customer``, ``Vendor``, ``Supplier``, ``Item``, ``Account``, ``Name``) and an amount column
(``Amount``, ``OpenAmount``, ``OpenBalance``, ``Balance``, ``Value``, ``Total``: the first present
counts); optional ``Currency``, ``Document``, ``Date``, ``DueDate`` (shown, not needed). A last row
``Total`` is the report's grand total and is checked against the rows.
"""

from __future__ import annotations

from closekit.sources.subledgers.base import Layout

PARTY = ("party", "customer", "vendor", "supplier", "item", "itemnumber", "account", "name", "contact")
AMOUNT = ("amount", "openamount", "openbalance", "balance", "value", "inventoryvalue", "total")


def _fits(keys: list[str]) -> bool:
    return any(k in keys for k in PARTY) and any(k in keys for k in AMOUNT)


LAYOUT = Layout("generic", "generic subledger list", _fits, AMOUNT, PARTY)
