"""Coverage-guided fuzzing of one importer with atheris (``make fuzz`` runs every registered one).

    .venv/bin/python fuzz/fuzz_importers.py NAME [libFuzzer options, e.g. -runs=2000]

The bytes atheris makes go the way a source file goes: decoded (:func:`closekit.sources.tables.decode`),
read by the format's own text reader when it has one, else as CSV (SAF-T: as XML), then through
:func:`closekit.closing.importing.import_table` with the format named. Any exception other than closekit's
:class:`~closekit.errors.InputError` (a clear "this file cannot be read") is a crash, and atheris
stops with the input that caused it. Seeds (a header of the format's own column names and a few
plausible rows) are written to a temporary corpus folder: nothing binary is kept in the repository.
"""

from __future__ import annotations

import ast
import inspect
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["closekit"]):
    from closekit import api
    from closekit.closing.importing import AmbiguousFormat, SourceSpec, import_table
    from closekit.errors import InputError
    from closekit.samples import company as sample
    from closekit.sheetio.files import FileWorkbook
    from closekit.sources import importers, tables
    from closekit.sources.importers import saft


def vocabulary(name: str) -> list[str]:
    module = inspect.getmodule(importers.REGISTRY[name].map)
    found = {
        node.value
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) <= 40
    }
    return sorted(s for s in found if "\n" not in s and "\r" not in s)


def seeds(name: str, folder: Path) -> None:
    words = vocabulary(name) or ["Voucher", "Date", "Account", "Debit", "Credit"]
    values = ["2026-10-31", "31.10.2026", "1.234,56", "-10.00", "(5.00)", "6400", "EUR", "V1", "Yes", ""]
    for i, delimiter in enumerate([",", ";", "\t"]):
        header = delimiter.join(words[i::3][:12])
        rows = [delimiter.join(values[(j + k) % len(values)] for k in range(12)) for j in range(4)]
        (folder / f"seed-{i}.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    if name == "saft":
        (folder / "seed.xml").write_text(
            "<AuditFile><Header><DefaultCurrencyCode>EUR</DefaultCurrencyCode></Header><GeneralLedgerEntries>"
            "<Journal><JournalID>GL</JournalID><Transaction><TransactionID>T1</TransactionID>"
            "<TransactionDate>2026-10-31</TransactionDate><Line><RecordID>1</RecordID><AccountID>6400</AccountID>"
            "<DebitAmount><Amount>1.00</Amount></DebitAmount></Line></Transaction></Journal>"
            "</GeneralLedgerEntries></AuditFile>",
            encoding="utf-8",
        )


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in importers.REGISTRY:
        sys.exit(f"usage: fuzz_importers.py NAME [libFuzzer options]; NAME is one of {', '.join(importers.REGISTRY)}")
    name = sys.argv[1]
    importer = importers.REGISTRY[name]
    folder = Path(tempfile.mkdtemp(prefix=f"closekit-fuzz-{name}-"))
    book = api.read_close_book(FileWorkbook(sample.write(folder / "close.xlsx")))
    corpus = folder / "corpus"
    corpus.mkdir()
    seeds(name, corpus)
    spec = SourceSpec(f"fuzz.{name}", "ledger", name)

    def one_input(data: bytes) -> None:
        try:
            if importer.reads_xml:
                table = saft.read_xml(data, "fuzz.xml")
            else:
                text, encoding = tables.decode(data, "fuzz.csv")
                table = importer.read_text(text, "fuzz.csv", encoding) if importer.read_text else None
                if table is None:
                    table = tables.read_csv_text(text, "fuzz.csv", encoding=encoding)
            import_table(table, spec, book)
        except (InputError, AmbiguousFormat):
            return

    atheris.Setup([sys.argv[0], str(corpus), *sys.argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
