"""Account lists and dimension filters as people type them in rule sheets (workbook.md, AllocationRules).

An **account list** is a comma list of items:

- an account: ``6100`` (exact, as text);
- a range: ``6100..6199``. Bounds of equal length compare as strings of that length, so the range
  holds only accounts of that length (``61500`` is not in ``6100..6199``; this works for codes with
  letters too). Bounds of different lengths must both be digits and compare numerically with accounts
  made only of digits (``900..1099`` holds ``950`` and ``1000``). A range whose low bound is above its
  high bound is an error;
- a wildcard: ``61*`` (every account that starts with ``61``) or ``*`` (every account). ``*`` may
  only stand at the end; ``?`` and ``[`` are not supported.

A **dimension filter** is ``Name=Value; Name=Value``: names as listed in Settings ``Dimensions``
(matched case-insensitively, spaces and underscores ignored), values compared exactly. ``Name=``
with nothing after it means "no value". As a source filter, a line matches when every named
dimension has the given value; as a destination, it overrides those dimensions.

A cell that cannot be read raises :class:`SelectorError`, whose message says what is wrong; the
caller turns it into a finding that names the sheet, the row and the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from closekit.core.parsing import header_key


class SelectorError(ValueError):
    """An account list or dimension filter cell that cannot be read."""


@dataclass(frozen=True)
class AccountItem:
    kind: str  # "account", "prefix" or "range"
    low: str
    high: str = ""

    def matches(self, account: str) -> bool:
        if self.kind == "account":
            return account == self.low
        if self.kind == "prefix":
            return account.startswith(self.low)
        if len(self.low) == len(self.high):
            return len(account) == len(self.low) and self.low <= account <= self.high
        return account.isascii() and account.isdigit() and int(self.low) <= int(account) <= int(self.high)


@dataclass(frozen=True)
class AccountSelector:
    """A parsed account list: ``6100, 6200..6299, 63*``."""

    items: tuple[AccountItem, ...]
    text: str

    @classmethod
    def parse(cls, text: object) -> AccountSelector:
        cell = "" if text is None else str(text).strip()
        parts = [p.strip() for p in re.split(r"[,;]", cell)]
        if not cell or any(p == "" for p in parts):
            raise SelectorError(f"{cell!r} is not an account list (e.g. 6100, 6100..6199, 61*)")
        return cls(tuple(_account_item(p) for p in parts), cell)

    def matches(self, account: str) -> bool:
        return any(item.matches(account) for item in self.items)

    def mask(self, accounts: pd.Series) -> pd.Series:
        """True where the account is in the list; decided once per distinct account."""
        codes, distinct = pd.factorize(accounts)
        hits = np.asarray([self.matches(str(a)) for a in distinct] + [self.matches("")], dtype=bool)
        return pd.Series(hits[codes], index=accounts.index)  # code -1 (a blank) picks the last


def _account_item(part: str) -> AccountItem:
    if any(ch in part for ch in "?[]") or "*" in part[:-1]:
        raise SelectorError(f"{part!r}: only a trailing * is supported as a wildcard (e.g. 61*)")
    if part.endswith("*"):
        if ".." in part:
            raise SelectorError(f"{part!r}: a range cannot hold a wildcard")
        return AccountItem("prefix", part[:-1])
    if ".." not in part:
        return AccountItem("account", part)
    low, _, high = (s.strip() for s in part.partition(".."))
    if not low or not high or ".." in high:
        raise SelectorError(f"{part!r} is not a range (e.g. 6100..6199)")
    if len(low) != len(high):
        if not (low.isascii() and low.isdigit() and high.isascii() and high.isdigit()):
            raise SelectorError(f"{part!r}: the bounds of a range must have the same length, or both be numbers")
        if int(low) > int(high):
            raise SelectorError(f"{part!r}: the range starts above its end")
    elif low > high:
        raise SelectorError(f"{part!r}: the range starts above its end")
    return AccountItem("range", low, high)


@dataclass(frozen=True)
class DimensionFilter:
    """A parsed ``Name=Value; Name=Value`` cell; names as in Settings ``Dimensions``."""

    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: object, dimensions: tuple[str, ...] | list[str]) -> DimensionFilter:
        cell = "" if text is None else str(text).strip()
        known = {header_key(d): d for d in dimensions}
        values: dict[str, str] = {}
        for part in (p.strip() for p in cell.split(";")):
            if not part:
                continue
            name, equals, value = part.partition("=")
            if not equals or not name.strip():
                raise SelectorError(f"{part!r} is not Name=Value (e.g. Department=SALES; CostCenter=100)")
            dimension = known.get(header_key(name))
            if dimension is None:
                listed = ", ".join(dimensions) or "none"
                raise SelectorError(f"{name.strip()!r} is not a dimension of Settings Dimensions ({listed})")
            if dimension in values:
                raise SelectorError(f"{dimension} is named twice in {cell!r}")
            values[dimension] = value.strip()
        return cls(tuple(values.items()))

    def as_dict(self) -> dict[str, str]:
        return dict(self.values)

    def mask(self, lines: pd.DataFrame) -> pd.Series:
        """True for the lines whose dimensions hold every value of the filter (blank = no value)."""
        hit = np.ones(len(lines), dtype=bool)
        for dimension, value in self.values:
            column = lines[dimension]
            equal = column.eq(value).to_numpy(dtype=bool, na_value=False)  # no object copy of a million texts
            hit &= (equal | column.isna().to_numpy(dtype=bool)) if value == "" else equal
        return pd.Series(hit, index=lines.index)

    def __str__(self) -> str:
        return "; ".join(f"{d}={v}" for d, v in self.values)
