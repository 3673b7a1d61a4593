"""Reading sources safely: bytes of a CSV file, an .xlsx sheet, SAF-T XML or Parquet into raw
tables (:mod:`~closekit.sources.tables`), the checks made before any of them is parsed (zip bombs,
DTDs, sizes: :mod:`~closekit.sources.xlsx_scan`), the Sources folder rule
(:mod:`~closekit.sources.folder_rule`), and one importer per ERP layout that maps a raw table to
the canonical fields (:mod:`~closekit.sources.importers`).

Reading is below sheet I/O (the file adapter reads its sheets through the same safe readers);
turning the sources a workbook names into its ledger is the close's ``import`` step,
:mod:`closekit.closing.importing`.
"""
