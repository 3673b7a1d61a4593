"""closekit: the general-ledger period-end close, run from Excel, the command line or Python.

The public calls are those of :mod:`closekit.api` (``closekit.validate``, ``closekit.close``,
``closekit.export``, ...). The package is laid out by the stages of the close, each a subpackage
that imports only the ones below it (docs/development.md "Layout")."""

from closekit.api import (
    CloseResult,
    ExportResult,
    ValidationResult,
    close,
    export,
    hold_period,
    open_workbook,
    set_period_status,
    set_period_statuses,
    signoff,
    validate,
    write_close,
    write_export,
    write_hold,
    write_validation,
)
from closekit.core.version import VERSION as __version__

__all__ = [
    "CloseResult",
    "ExportResult",
    "ValidationResult",
    "__version__",
    "close",
    "export",
    "hold_period",
    "open_workbook",
    "set_period_status",
    "set_period_statuses",
    "signoff",
    "validate",
    "write_close",
    "write_export",
    "write_hold",
    "write_validation",
]
