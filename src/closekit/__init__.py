"""closekit: the general-ledger period-end close, run from Excel, the command line or Python."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("closekit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from closekit.api import ValidationResult, open_workbook, validate, write_validation

__all__ = ["ValidationResult", "__version__", "open_workbook", "validate", "write_validation"]
