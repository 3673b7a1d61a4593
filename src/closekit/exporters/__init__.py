"""Upload writers: one small module per ERP (:class:`~closekit.exporters.base.Exporter`).

``closekit export WORKBOOK --format F --out FILE`` reads the Adjustments sheet the close wrote and
hands its lines to the format's writer. Adding a format is one module and one line here.
"""

from __future__ import annotations

from closekit.core import formats
from closekit.exporters.base import Export, ExportContext, Exporter

#: Modules of the formats, in the order the help lists them; each has an ``EXPORTER``.
MODULES = ("generic", "d365", "sap", "netsuite", "quickbooks", "xero", "datev", "saft")

__all__ = ["Export", "ExportContext", "Exporter", "available", "get"]


def available() -> dict[str, Exporter]:
    """The writers that are installed, by format name."""
    return formats.load(__name__, MODULES, "EXPORTER")  # type: ignore[return-value]


def get(name: str) -> Exporter | None:
    return available().get(name)
