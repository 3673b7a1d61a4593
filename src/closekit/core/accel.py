"""Optional accelerators: pyarrow where it is installed, plain pandas where it is not.

closekit runs, and gives the same results, with only pandas installed (xlwings Lite / Pyodide).
Where pyarrow is present, a few hot paths use it: reading CSV text (:mod:`closekit.sources.tables`),
parsing amounts (:mod:`closekit.core.parsing`) and building sheet XML (:mod:`closekit.sheetio.xlsx_sheet`).
Each such place asks :func:`arrow` for the modules and has a pandas path for ``None``.

:func:`disabled` (or ``CLOSEKIT_ACCELERATORS=off`` in the environment) turns them off, so that a
test can run the same close both ways and compare the outputs (tests/test_scale.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from types import ModuleType

ENV = "CLOSEKIT_ACCELERATORS"
_off = os.environ.get(ENV, "").strip().lower() in ("off", "0", "no", "false")


def arrow() -> tuple[ModuleType, ModuleType] | None:
    """``(pyarrow, pyarrow.compute)``, or None when pyarrow is absent or accelerators are off."""
    if _off:
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    return pa, pc


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Run the block on the plain pandas paths only (not thread-safe: for tests and benchmarks)."""
    global _off
    before, _off = _off, True
    try:
        yield
    finally:
        _off = before
