"""closekit for the classic xlwings add-in: desktop Excel with a local Python (docs/excel.md).

Each button of the Close sheet runs one of these through VBA (closekit.bas), for example::

    RunPython "import closekit_addin; closekit_addin.close()"

``xw.Book.caller()`` is the workbook whose button was pressed. Data comes from the files listed
in Sources (relative paths resolve against the workbook's folder, so save the workbook first) and
from the LedgerImport / JournalImport sheets. Put this file beside the workbook (RunPython adds
the workbook's folder to the Python path) or name its folder in the xlwings.conf sheet's PYTHONPATH.
"""

import contextlib

import xlwings as xw

from closekit import excelapp


def _book():
    return xw.Book.caller()


def _folder(book):
    from closekit.sheetio.excel import ExcelBook

    return ExcelBook.caller(book).folder()


def _run(action):
    book = _book()
    message = action(book, folder=_folder(book))
    with contextlib.suppress(Exception):  # engines without a status bar (xlwings Server, JSON)
        book.app.status_bar = message[:250]  # Excel's status bar shows what happened
    return message


def validate():
    """Check the ledger and journals; write Findings and a RunLog row."""
    return _run(excelapp.validate)


def close():
    """Run the period's close and tick the Checklist."""
    return _run(excelapp.run_close)


def export():
    """The upload journal as the Upload sheet and as upload-<format> beside the workbook."""
    return _run(excelapp.export_upload)


def hold():
    """Put the period on hold (never over errors)."""
    return _run(excelapp.hold_period)
