"""Loading the per-format modules of a package (importers, exporters) by name."""

from __future__ import annotations

import importlib


def load(package: str, names: tuple[str, ...], attribute: str) -> dict[str, object]:
    """``{format name: module.<attribute>}`` for the modules of ``package`` that exist, in order.

    A module that is not there is skipped; an import error inside a module that is there is raised.
    """
    found = {}
    for name in names:
        try:
            module = importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"{package}.{name}":
                raise
            continue
        item = getattr(module, attribute)
        found[item.name] = item
    return found
