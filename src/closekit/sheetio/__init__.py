"""Sheet I/O: one small interface, two adapters (a workbook file, a live Excel book).

Every close step reads its input sheets and writes its output sheets through a
:class:`~closekit.sheetio.base.SheetIO`, so it runs identically on a file (command line, Python)
and inside Excel (xlwings Lite or the classic add-in).
"""

from closekit.sheetio.base import OutputSheet, SheetIO

__all__ = ["OutputSheet", "SheetIO"]
