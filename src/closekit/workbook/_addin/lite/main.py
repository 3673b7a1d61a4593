"""closekit in xlwings Lite: paste this file into the add-in's main.py tab (docs/excel.md).

Four scripts, each also bound to a button (a named shape linked to the cell it covers) on the
workbook's Close sheet. They run the same close as the command line, reading the pasted
LedgerImport / JournalImport sheets (Lite has no file system), and write the same output sheets.
"""

import xlwings as xw
from xlwings import script

from closekit import excelapp


@script(name="Validate", button="[closekit_validate]Close!E3", show_taskpane=True)
def validate(book: xw.Book):
    """Check the pasted ledger and journals; write Findings and a RunLog row."""
    print(excelapp.validate(book))


@script(name="Run close", button="[closekit_close]Close!E5", show_taskpane=True)
def run_close(book: xw.Book):
    """Run the period's close: Adjustments, Settlements, TrialBalance, statements; tick the Checklist."""
    print(excelapp.run_close(book))


@script(name="Export upload journal", button="[closekit_export]Close!E7", show_taskpane=True)
def export_upload(book: xw.Book):
    """The Adjustments in the upload layout of Settings ExportFormat, as the Upload sheet."""
    print(excelapp.export_upload(book))


@script(name="Put period on hold", button="[closekit_hold]Close!E9", show_taskpane=True)
def hold_period(book: xw.Book):
    """Set the period's Status in Periods to On hold (never over errors)."""
    print(excelapp.hold_period(book))
