"""The importer registry: one small module per ERP format.

Adding a format is one module with an ``IMPORTER`` (see :class:`~closekit.importers.base.Importer`)
and one line in :data:`REGISTRY`. ``auto`` tries the formats in registry order, most specific
first, and the generic layout last.
"""

from __future__ import annotations

from closekit.importers import d365, generic, saft
from closekit.importers.base import ImportContext, Importer, Mapped

REGISTRY: dict[str, Importer] = {imp.name: imp for imp in (saft.IMPORTER, d365.IMPORTER, generic.IMPORTER)}

FORMATS = ("auto", *REGISTRY)

__all__ = ["FORMATS", "REGISTRY", "ImportContext", "Importer", "Mapped", "detect", "get"]


def get(name: str) -> Importer:
    return REGISTRY[name]


def detect(table) -> Importer | None:
    """The first registered format whose ``detect`` recognises the table's header."""
    for importer in REGISTRY.values():
        if importer.detect(table):
            return importer
    return None
