"""closekit from Python: the same calls the command line and the Excel add-ins make.

Each command of ``closekit`` is a function here, and each computes first and writes second, so a
script can look at the findings before anything touches the workbook:

============================  ===================================================================
``closekit validate``         ``result = validate(wb)``, then ``write_validation(result)``
``closekit close``            ``result = close(wb, steps=..., period=...)``, then ``write_close(result)``
``closekit export``           ``result = export(wb, format="d365")``, then ``write_export(result, out)``
``closekit period``           ``set_period_status(wb, "2026-10", "On hold")`` (and ``set_period_statuses``)
``closekit signoff``          ``signoff(wb, "Trial balance", "preparer", name="Ann")``
``closekit checklist next``   ``checklist_next(wb, move_period=True)`` (computes and writes)
``closekit approve``          ``approve(wb, "ACC-10", name="Anna")`` (a manual journal voucher)
Excel's "Put period on hold"  ``result = hold_period(wb)``, then ``write_hold(result)``
============================  ===================================================================

``wb`` is a path or a sheet adapter (:class:`~closekit.sheetio.base.SheetIO`: the file adapter,
or :class:`~closekit.sheetio.excel.ExcelBook` over a live xlwings book). Every ``write_*`` writes
its sheets and a RunLog row in one atomic write; hold :func:`locked` around a read-compute-write
so that a second closekit run on the same file waits. Bad input raises a
:class:`~closekit.errors.CloseKitError` whose message names the file, sheet, row and column;
everything wrong with the data itself is a finding in ``result.findings``.

>>> import closekit
>>> result = closekit.validate("close.xlsx")            # doctest: +SKIP
>>> result.findings[["Severity", "Code", "Where", "Row", "Column", "Message"]]  # doctest: +SKIP

The work is done by :mod:`closekit.pipeline` (one module per command) over the stages of the
close; this module is the documented face of it and adds nothing of its own.
"""

from __future__ import annotations

from closekit.closing.runner import Progress
from closekit.pipeline.checklist_next import NextResult, checklist_next
from closekit.pipeline.close import close, write_close
from closekit.pipeline.close_status import CompanyStatus, status
from closekit.pipeline.export import export, write_export
from closekit.pipeline.journals import approve
from closekit.pipeline.period import hold_period, set_period_status, set_period_statuses, write_hold
from closekit.pipeline.reading import locked, open_workbook, read_close_book
from closekit.pipeline.results import CloseResult, ExportResult, HoldResult, SignOff, ValidationResult
from closekit.pipeline.runlog import verify as _verify
from closekit.pipeline.signoff import signoff
from closekit.pipeline.validate import validate, write_validation

__all__ = [
    "CloseResult",
    "CompanyStatus",
    "ExportResult",
    "HoldResult",
    "NextResult",
    "Progress",
    "SignOff",
    "ValidationResult",
    "approve",
    "checklist_next",
    "close",
    "export",
    "hold_period",
    "locked",
    "open_workbook",
    "read_close_book",
    "set_period_status",
    "set_period_statuses",
    "signoff",
    "status",
    "validate",
    "verify_log",
    "write_close",
    "write_export",
    "write_hold",
    "write_validation",
]


def verify_log(workbook) -> tuple[bool, list[str]]:
    """``closekit verify-log``: (whether the RunLog, its head and the permanently closed periods
    hold, the lines that say so). Writes nothing."""
    return _verify(open_workbook(workbook))
