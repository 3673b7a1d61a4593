"""The close workbook's contract (docs/workbook.md) and the parts closekit generates from it.

:mod:`~closekit.workbook.schema` declares the input sheets; :mod:`~closekit.workbook.book` reads
them into a :class:`~closekit.workbook.book.CloseBook` with findings; the output sheets
(:mod:`~closekit.workbook.outputs`), the Checklist's cells (:mod:`~closekit.workbook.checklist`),
the Close sheet (:mod:`~closekit.workbook.closesheet`), the Dashboard
(:mod:`~closekit.workbook.dashboard`) and the template with its buttons
(:mod:`~closekit.workbook.template`) are all made from the same declarations.
"""
