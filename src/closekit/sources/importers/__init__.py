"""The importer registry: one small module per ERP format.

Adding a format is one module with an ``IMPORTER`` (see :class:`~closekit.sources.importers.base.Importer`)
and its name in :data:`MODULES`. ``auto`` asks every format whether it recognises the header; the
generic layout is the fallback when no ERP layout does, and two ERP layouts that both fit is an
``ambiguous-format`` finding rather than a guess.
"""

from __future__ import annotations

from closekit.core import formats
from closekit.sources.importers.base import ImportContext, Importer

#: Format modules, most specific first; each has an ``IMPORTER``.
MODULES = ("saft", "datev", "sap", "d365", "netsuite", "quickbooks", "xero", "generic")


REGISTRY: dict[str, Importer] = formats.load(__name__, MODULES, "IMPORTER")  # type: ignore[assignment]
FORMATS = ("auto", *REGISTRY)

__all__ = ["FORMATS", "REGISTRY", "ImportContext", "Importer", "candidates", "detect", "get"]


def get(name: str) -> Importer:
    return REGISTRY[name]


def candidates(table) -> list[Importer]:
    """Every format that recognises the table; the generic layout only when no ERP layout does."""
    found = [imp for name, imp in REGISTRY.items() if name != "generic" and imp.detect(table)]
    if not found and "generic" in REGISTRY and REGISTRY["generic"].detect(table):
        found = [REGISTRY["generic"]]
    return found


def detect(table) -> Importer | None:
    """The one format that recognises the table's header, or None (none, or more than one)."""
    found = candidates(table)
    return found[0] if len(found) == 1 else None
