"""How long a Run close takes through xlwings' JSON engine (what xlwings Lite runs), on CPython.

    XLWINGS_LICENSE_KEY=noncommercial XLWINGS_ON_SERVER=true .venv/bin/python bench/bench_lite.py 100

builds the sample company with its ledger copied N times into LedgerImport, and times the Lite
script ``run_close`` (read every sheet through the live-Excel adapter, close, record the actions).
The key is needed by xlwings' ``pro`` engine (PolyForm Noncommercial: see CONTRIBUTING.md).
Pyodide in the browser is slower than CPython (typically 1.5-3x for pandas work).
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from closekit.samples import company as sample  # noqa: E402
from closekit.workbook import template  # noqa: E402
from lite_harness import payload  # noqa: E402


def main(copies: int) -> None:
    import xlwings as xw
    from xlwings.server import custom_scripts_call

    rows = sample.lite_workbook_rows()
    ledger = []
    for k in range(copies):
        for row in sample.ledger_rows():
            row = list(row)
            row[1] = f"{row[1]}-{k}"
            ledger.append(row)
    rows["LedgerImport"] = [sample.HEADER, *ledger]
    with tempfile.TemporaryDirectory() as tmp:
        path = template.write(Path(tmp) / "close.xlsx", rows)
        spec = importlib.util.spec_from_file_location("lite_main", REPO / "addin/lite/main.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        book = xw.Book(json=payload(path))
        start = time.perf_counter()
        asyncio.run(custom_scripts_call(module, "run_close", typehint_to_value={xw.Book: book}))
        seconds = time.perf_counter() - start
    print(f"{len(ledger):,} ledger lines: run_close {seconds:.2f} s, {len(book.json()['actions'])} actions")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
