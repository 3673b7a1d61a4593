"""Exchange rates in force, and exact conversion into another currency (domain.md §0.4).

A rate is in force from its date until the next rate of the same pair and type: the lookup takes
the latest rate dated on or before the requested date. When only the inverse pair exists, its
reciprocal is used at full precision. Converted amounts are rounded once, half away from zero, to
the target currency's minor units, with integer arithmetic (no floats, no per-line Decimal loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from closekit.core import money

#: Bounds of one exchange rate (docs/workbook.md "Rates"): above zero, from 10**-9 to 10**9 (the
#: strongest and weakest currencies are some 10**6 apart), at most 15 significant digits (what an
#: Excel number cell holds). Outside them a rate is a typing error, and amounts times it could not
#: be held exactly: the Rates row is a finding instead.
SMALLEST_RATE = Decimal("1e-9")
LARGEST_RATE = Decimal("1e9")
RATE_DIGITS = 15


def rate_problem(rate: Decimal) -> str | None:
    """Why ``rate`` cannot be an exchange rate (:data:`SMALLEST_RATE`, :data:`LARGEST_RATE`,
    :data:`RATE_DIGITS`), or None when it can."""
    if not rate.is_finite():
        return f"rate {rate} is not a number"
    if rate <= 0:
        return f"rate {rate} must be above zero"
    shown = f"{rate.normalize():f}" if rate.adjusted() < 30 else f"{rate:.3e}"
    if not SMALLEST_RATE <= rate <= LARGEST_RATE:
        return (
            f"rate {shown} is outside the range closekit takes ({SMALLEST_RATE:f} to {LARGEST_RATE:,f} units "
            "per unit): check the cell"
        )
    digits = len(rate.normalize().as_tuple().digits)
    if digits > RATE_DIGITS:
        return f"rate {shown} has {digits} significant digits; round it to at most {RATE_DIGITS}"
    return None


@dataclass(frozen=True)
class Rates:
    """The Rates sheet as a table: ``date`` (datetime64), ``from``, ``to``, ``rate`` (Decimal), ``type``."""

    table: pd.DataFrame

    @classmethod
    def empty(cls) -> Rates:
        return cls(
            pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]"), "from": [], "to": [], "rate": [], "type": []})
        )

    def _candidates(self, source: str, target: str, types: tuple[str, ...]):
        """(dates, rates as Fractions) per candidate, in order of preference."""
        t = self.table
        for rate_type in types:
            for a, b, invert in ((source, target, False), (target, source, True)):
                sel = t[(t["from"] == a) & (t["to"] == b) & (t["type"] == rate_type)]
                if sel.empty:
                    continue
                sel = sel.sort_values("date", kind="stable")
                values = [Fraction(r) for r in sel["rate"]]
                if invert:
                    values = [1 / v for v in values]
                yield sel["date"].to_numpy(dtype="datetime64[ns]"), values

    def lookup(
        self, currencies: pd.Series, dates: pd.Series, target: str, types: tuple[str, ...] = ("Closing",)
    ) -> pd.Series:
        """The rate (a Fraction, exact) in force for each line, or None; 1 for ``target`` itself."""
        out = np.full(len(currencies), None, dtype=object)
        cur = currencies.to_numpy(dtype=object)
        when = dates.to_numpy(dtype="datetime64[ns]")
        out[cur == target] = Fraction(1)
        for currency in pd.unique(cur[cur != target]):
            todo = np.flatnonzero((cur == currency) & ~pd.isna(when))
            for cand_dates, cand_rates in self._candidates(currency, target, types):
                if todo.size == 0:
                    break
                pos = np.searchsorted(cand_dates, when[todo], side="right") - 1
                ok = pos >= 0
                choices = np.empty(len(cand_rates), dtype=object)
                choices[:] = cand_rates
                out[todo[ok]] = choices[pos[ok]]
                todo = todo[~ok]
        return pd.Series(out, index=currencies.index)

    def rate(
        self, source: str, target: str, on: pd.Timestamp, types: tuple[str, ...] = ("Closing",)
    ) -> Fraction | None:
        found = self.lookup(pd.Series([source]), pd.Series([pd.Timestamp(on)]), target, types)
        return found.iloc[0]

    def in_force_since(
        self, source: str, target: str, on: pd.Timestamp, types: tuple[str, ...] = ("Closing",)
    ) -> pd.Timestamp | None:
        """The date of the rate :meth:`lookup` uses for ``source`` on ``on`` (the first candidate
        in order of preference with a rate dated on or before it), or None."""
        when = np.datetime64(pd.Timestamp(on), "ns")
        for cand_dates, _ in self._candidates(source, target, types):
            pos = int(np.searchsorted(cand_dates, when, side="right")) - 1
            if pos >= 0:
                return pd.Timestamp(cand_dates[pos])
        return None


def convert(amounts: pd.Series, currencies: pd.Series, rates: pd.Series, target: str) -> pd.Series:
    """``round(amount × rate)`` in ``target`` minor units for each line (NA where amount or rate is missing).

    ``amounts`` are minor units of each line's currency; ``rates`` exact Fractions.
    """
    out = np.zeros(len(amounts), dtype=np.int64)  # becomes Python integers only if int64 could overflow
    known = amounts.notna().to_numpy()
    amt = amounts.to_numpy(dtype="int64", na_value=0)
    cur = currencies.to_numpy(dtype=object)
    rts = rates.to_numpy(dtype=object)
    usable = known & pd.notna(rts)
    shift_target = money.exponent(target)
    for currency in pd.unique(cur[usable]):
        in_currency = usable & (cur == currency)
        shift = shift_target - (money.exponent(currency) if money.is_currency(currency) else 2)
        positions = np.flatnonzero(in_currency)
        # Group by the rate objects' identity (lookup hands out one object per Rates row): hashing
        # a Fraction per line is what made this slow; equal rates in two groups give equal results.
        codes, distinct_ids = pd.factorize(np.frompyfunc(id, 1, 1)(rts[positions]).astype(np.int64))
        first = pd.Series(codes).drop_duplicates().index.to_numpy()
        for code in range(len(distinct_ids)):
            idx = positions[codes == code]
            exact = Fraction(rts[positions[first[code]]]) * Fraction(10) ** shift
            scaled = _scale(amt[idx], exact.numerator, exact.denominator)
            if scaled.dtype == object and out.dtype != object:
                out = out.astype(object)
            out[idx] = scaled
    result = pd.Series(out, index=amounts.index).astype("Int64")
    return result.where(usable, pd.NA)


def _scale(amounts: np.ndarray, num: int, den: int) -> np.ndarray:
    """``round(amount × num / den)``, half away from zero, exactly: int64 where it cannot overflow,
    Python integers otherwise."""
    biggest = int(np.abs(amounts).max()) if amounts.size else 0
    product = amounts * num if biggest * abs(num) < 2**61 and den < 2**61 else amounts.astype(object) * num
    magnitude = (2 * np.abs(product) + den) // (2 * den)
    return np.where(product >= 0, magnitude, -magnitude)
