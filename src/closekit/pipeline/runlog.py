"""The RunLog row every write adds (docs/workbook.md "Output sheets"): who ran what, when, on which inputs."""

from __future__ import annotations

import datetime as dt
import getpass

from closekit.core.version import VERSION
from closekit.workbook import outputs


def user() -> str:
    """The user logged in, or "" when the system cannot say."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def stamp(now: dt.datetime) -> str:
    """A time as the Checklist and the Dashboard show it: ``2026-11-05 09:30:00Z``."""
    return now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def entry(
    *,
    now: dt.datetime,
    command: str,
    period: str,
    user_name: str | None,
    hashes: dict[str, str],
    counts: dict[str, int],
    written: list[str],
    result: str,
) -> dict:
    """The RunLog row of one run (``user_name`` None: the user logged in)."""
    return outputs.runlog_entry(
        now=now,
        command=command,
        period=period,
        user=user_name or user(),
        version=VERSION,
        hashes=hashes,
        counts=counts,
        outputs=written,
        result=result,
    )
