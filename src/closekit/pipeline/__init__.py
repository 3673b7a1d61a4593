"""The pipeline under the faces: read the workbook, validate, close, review, write.

Every front end (:mod:`closekit.api`, :mod:`closekit.cli`, :mod:`closekit.excelapp`) calls these
functions; each reads through a :class:`~closekit.sheetio.base.SheetIO`, computes with the stages
below it (workbook, sources, closing, review, exporters) and writes every output in one atomic
write. :mod:`~closekit.pipeline.results` holds what they return.
"""
