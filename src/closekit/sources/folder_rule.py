"""Which files a close may read: checked for every source before a byte of it is read.

**The rule** (SECURITY.md "Only the files a close should read"). A file named on the command line (``--source``,
``--journal``) or passed to :func:`closekit.validate` is read wherever it is: the person running
closekit chose it. A path in the ``Sources`` sheet comes with the workbook, and a workbook may come
from someone else: it must resolve (``..`` collapsed, symbolic links followed) to a file inside the
workbook's folder or one of its subfolders, or inside a folder listed in the environment variable
``CLOSEKIT_SOURCE_DIRS`` (separated by ``os.pathsep``: ``:`` on Linux and macOS, ``;`` on Windows).
Anything else stops the run with exit 2, and the message says where the path points. A workbook
therefore cannot make closekit read ``../../etc/passwd`` or ``~/.ssh/id_rsa`` into its Findings.

Every source, wherever it was named, must be a regular file (not a folder, a device such as
``/dev/zero``, or a pipe, which would never end) of at most :data:`MAX_SOURCE_BYTES`, and a path
that loops through symbolic links is refused with its own message.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from closekit.errors import InputError

#: Bytes of one source file (checked with ``stat`` before it is read): SAF-T's limit, the largest.
MAX_SOURCE_BYTES = 2 * 1024**3
#: Extra folders (os.pathsep-separated) that paths in the Sources sheet may point into.
ALLOW_ENV = "CLOSEKIT_SOURCE_DIRS"


def resolve(path: str, folder: Path | None) -> Path:
    """The file a source path names: ``~`` expanded; a relative path is relative to ``folder``
    (the workbook's). The same resolution :func:`closekit.closing.importing.load_ledger` makes."""
    found = Path(path).expanduser()
    if not found.is_absolute() and folder is not None:
        found = folder / found
    return found


def allowed_folders(folder: Path) -> list[Path]:
    extra = [Path(p).expanduser() for p in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if p.strip()]
    return [Path(os.path.realpath(f)) for f in (folder, *extra)]


def check_file(path: Path, where: str) -> None:
    """Refuse a path that loops, or that names a device, a pipe or a file over the size limit.
    A missing file or a folder is left to the reader, which says so in its own words."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno == 40 or "symbolic links" in str(exc):  # ELOOP
            raise InputError(
                f"{where}: the path loops through symbolic links ({path} never reaches a file): "
                f"correct or remove the link."
            ) from None
        raise InputError(f"{where} cannot be read ({exc.strerror or exc}).") from None
    if stat.S_ISDIR(info.st_mode):
        return
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{where} is not a regular file ({path} is a device, a pipe or a socket): name the exported file itself."
        )
    if info.st_size > MAX_SOURCE_BYTES:
        raise InputError(
            f"{where} is {info.st_size:,} bytes; closekit reads source files of at most {MAX_SOURCE_BYTES:,} "
            f"bytes. Split the export (for example by period) and add each file as a source."
        )


def check_sheet_path(path_text: str, folder: Path | None, row: int | None, sheet: str = "Sources") -> None:
    """A path from the Sources sheet (or another input sheet that names files, such as
    Consolidation): it must stay inside the workbook's folder tree (or an allowed folder), and be a
    readable regular file within the limits."""
    where = f"{path_text} ({sheet} row {row})" if row else path_text
    if folder is None:  # a workbook without a folder (xlwings Lite): nothing on disk to protect
        return
    path = resolve(path_text, folder)
    real = Path(os.path.realpath(path))
    roots = allowed_folders(folder)
    if not any(real == root or real.is_relative_to(root) for root in roots):
        extra = f" or in {', '.join(map(str, roots[1:]))}" if len(roots) > 1 else ""
        raise InputError(
            f"{where} points to {real}, outside the workbook's folder {roots[0]}{extra}. closekit reads the "
            f"files of the {sheet} sheet only from the workbook's folder and its subfolders, so that a "
            f"workbook from someone else cannot make it read other files. Move the file into that folder, "
            f"name it on the command line with --source or --journal, or list its folder in {ALLOW_ENV}."
        )
    check_file(path, where)


def check_sources(sheet_paths: Iterable[tuple[str, int | None]], given: Iterable[str], folder: Path | None) -> None:
    """Check every source of a run before any is read: Sources-sheet paths (``(path, row)``) with
    the folder rule, paths given by the caller for what they are."""
    for path_text, row in sheet_paths:
        check_sheet_path(path_text, folder, row)
    for path_text in given:
        check_file(resolve(path_text, folder), path_text)
