"""Errors that stop a run: input that cannot be read at all, or a command used wrongly.

Everything else that is wrong with the data is a finding (:mod:`closekit.core.findings`). These are
for the cases where there is nothing to check: a missing file, a corrupt workbook, garbage bytes.
Front ends print the message (one paragraph: what, where, what was expected) and exit with 2.
"""

from __future__ import annotations


class CloseKitError(Exception):
    """Base of closekit's user-facing errors; ``str(error)`` is the whole message."""


class InputError(CloseKitError):
    """Input that could not be read at all: the file, sheet, row and column where known."""


class UsageError(CloseKitError):
    """A command or function called with arguments that do not fit."""


class WorkbookInUse(CloseKitError):
    """The workbook is open in Excel (or another closekit run holds it): nothing was written."""


class WriteError(CloseKitError):
    """The workbook could not be written (disk full, permissions); it was left as it was."""
