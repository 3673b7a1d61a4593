"""Money: ISO 4217 minor units, exact conversion and explicit rounding (domain.md §0.3).

Amounts travel through closekit as ``int64`` counts of a currency's minor unit (cents for EUR,
yen for JPY, fils for KWD). Decimal is used only at the edges: parsing, applying a rate, printing.
The number of minor units per currency comes from the maintained ``iso4217`` package, never from a
hand-typed table.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from iso4217 import Currency

#: Exponent assumed for a code that ISO 4217 lists without minor units (gold, SDR...) [CK].
DEFAULT_EXPONENT = 2


@cache
def _iso_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for currency in Currency:
        exponent = currency.exponent
        table[currency.code.upper()] = DEFAULT_EXPONENT if exponent is None else int(exponent)
    return table


def is_currency(code: object) -> bool:
    """True when ``code`` is an ISO 4217 alphabetic code (case-insensitive)."""
    return isinstance(code, str) and code.strip().upper() in _iso_table()


def currency_codes() -> frozenset[str]:
    return frozenset(_iso_table())


def exponent(code: str) -> int:
    """Minor-unit exponent of an ISO 4217 currency: 2 for EUR, 0 for JPY, 3 for KWD."""
    try:
        return _iso_table()[code.strip().upper()]
    except KeyError:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code") from None


def round_to_minor(value: Decimal, code: str) -> int:
    """Round a full-precision amount once, half away from zero, to minor units of ``code``.

    >>> round_to_minor(Decimal("833.3335"), "EUR"), round_to_minor(Decimal("-2.675"), "EUR")
    (83333, -268)
    """
    scaled = value.scaleb(exponent(code))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_decimal(minor: int, code: str) -> Decimal:
    """Minor units back to a Decimal with the currency's number of decimals."""
    return Decimal(int(minor)).scaleb(-exponent(code))


def format_minor(minor: int, code: str) -> str:
    """Decimal string with the currency's minor units, as in the JSON output: ``"-123.45"``."""
    places = exponent(code)
    return f"{to_decimal(minor, code):.{places}f}"


def format_minor_many(minors: Iterable[int], code: str) -> list[str]:
    """:func:`format_minor` of many amounts of one currency (the same texts, without a Decimal each)."""
    places = exponent(code)
    if places <= 0:
        return [format_minor(int(m), code) for m in minors]
    scale = 10**places
    return [f"{'-' if m < 0 else ''}{abs(m) // scale}.{abs(m) % scale:0{places}d}" for m in map(int, minors)]


def display(minor: int, code: str) -> str:
    """For people: thousands grouped, the currency's decimals, e.g. ``"-1,234,567.89"``."""
    places = exponent(code)
    return f"{to_decimal(minor, code):,.{places}f}"
