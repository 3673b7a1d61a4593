"""closekit: the general-ledger period-end close, run from Excel, the command line or Python."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("closekit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from closekit.api import (
    CloseResult,
    ValidationResult,
    close,
    open_workbook,
    set_period_status,
    set_period_statuses,
    signoff,
    validate,
    write_close,
    write_validation,
)

__all__ = [
    "CloseResult",
    "ValidationResult",
    "__version__",
    "close",
    "open_workbook",
    "set_period_status",
    "set_period_statuses",
    "signoff",
    "validate",
    "write_close",
    "write_validation",
]
