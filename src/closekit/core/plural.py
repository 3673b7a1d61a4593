"""Counts in words: ``1 warning``, ``2 warnings``, ``0 errors`` (every text that prints a count).

Pure and tiny: English nouns only, the plural given where adding ``s`` is wrong
(``plural(n, "entry", "entries")``; an uncountable noun names itself: ``plural(n, "info", "info")``).
"""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """``count`` and ``word``, in the plural unless ``count`` is one: ``plural(2, "line") == "2 lines"``."""
    return f"{count} {word if count == 1 else (words or word + 's')}"
