"""A progress bar for the command line, fed by the close runner's ``progress`` hook.

:func:`bar` gives a callback for :func:`closekit.api.close` (``progress(step, done, total)``, see
:data:`closekit.closing.runner.Progress`) that draws a rich progress bar on standard error, and
:meth:`ProgressBar.step` for the steps the command line runs itself (writing the workbook). It
draws only on a terminal: with ``--json``, or when standard error is a file or a pipe, it is silent
and the callback is None, so scripts and CI logs see nothing of it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

LABELS = {
    "import": "Reading the sources and checking the posting",
    "validate": "Checking the posting",
    "settlement": "Settling open items",
    "revaluation": "Revaluing foreign currency",
    "allocation": "Allocating",
    "trial-balance": "Trial balance and general journal",
    "statements": "Statements",
    "write": "Writing the workbook",
    "done": "Done",
}


class ProgressBar:
    """The callback and the bar it draws (rich is imported only when a bar is drawn)."""

    def __init__(self, progress, task) -> None:
        self._progress, self._task = progress, task

    def __call__(self, step: str, done: int, total: int) -> None:
        self._progress.update(self._task, description=LABELS.get(step, step), completed=done, total=total)

    def step(self, step: str) -> None:
        """A step the caller runs after the close (the bar stays full and shows its name)."""
        self._progress.update(self._task, description=LABELS.get(step, step))


@contextlib.contextmanager
def bar(enabled: bool = True, stream=None) -> Iterator[ProgressBar | None]:
    """A progress callback while the block runs, or None when not ``enabled`` or not on a terminal."""
    stream = sys.stderr if stream is None else stream
    if not enabled or not getattr(stream, "isatty", lambda: False)():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description:<46}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=stream), transient=True) as progress:
        yield ProgressBar(progress, progress.add_task(LABELS["import"], total=None))
