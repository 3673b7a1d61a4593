from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closekit.core import money


def test_exponents_come_from_iso4217():
    assert money.exponent("EUR") == 2
    assert money.exponent("jpy") == 0
    assert money.exponent("KWD") == 3
    assert money.exponent("CLF") == 4
    with pytest.raises(ValueError, match="not an ISO 4217"):
        money.exponent("XYZ")


@pytest.mark.parametrize(
    ("value", "code", "minor"),
    [
        ("833.3335", "EUR", 83333),
        ("-2.675", "EUR", -268),
        ("1234.5", "JPY", 1235),
        ("10.0005", "KWD", 10001),
    ],
)
def test_round_half_away_from_zero(value, code, minor):
    # the worked examples of domain.md §0.3
    assert money.round_to_minor(Decimal(value), code) == minor


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_format_and_back_is_exact(minor, code):
    text = money.format_minor(minor, code)
    assert money.round_to_minor(Decimal(text), code) == minor


def test_display_groups_thousands_with_the_currency_decimals():
    assert money.display(-123456789, "EUR") == "-1,234,567.89"
    assert money.display(1234567, "JPY") == "1,234,567"
    assert money.display(1234567, "KWD") == "1,234.567"
