"""The tables of a close, some computed only when asked for.

A report no figure depends on and that only a written workbook shows (the GeneralJournal: a row per
line of the period) is registered as a function; it runs the first time the table is read (when
``write_close`` writes it, or a caller asks for it) and is kept. ``key in tables`` is true for it
before it runs, so a writer still writes it; ``closekit close --dry-run`` and ``--json`` never build
it (issue 18 item 5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping

import pandas as pd


class LazyTables(MutableMapping):
    """A ``{name: DataFrame}`` mapping whose entries may be deferred with :meth:`defer`."""

    def __init__(self, tables: dict[str, pd.DataFrame] | None = None) -> None:
        self._tables: dict[str, pd.DataFrame | None] = dict(tables or {})
        self._pending: dict[str, Callable[[], pd.DataFrame]] = {}

    def defer(self, name: str, build: Callable[[], pd.DataFrame]) -> None:
        """``name`` is ``build()``, computed the first time it is read."""
        self._tables[name] = None
        self._pending[name] = build

    def built(self, name: str) -> bool:
        """Whether ``name`` is computed (False for a deferred table not read yet)."""
        return name in self._tables and name not in self._pending

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self._pending:
            self._tables[name] = self._pending.pop(name)()
        return self._tables[name]

    def __setitem__(self, name: str, table: pd.DataFrame) -> None:
        self._pending.pop(name, None)
        self._tables[name] = table

    def __delitem__(self, name: str) -> None:
        self._pending.pop(name, None)
        del self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __contains__(self, name: object) -> bool:
        return name in self._tables

    def __repr__(self) -> str:
        return f"LazyTables({list(self._tables)}, deferred={list(self._pending)})"
