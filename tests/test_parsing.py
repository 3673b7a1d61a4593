import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from closekit.core import parsing


def units(values, decimal="."):
    parsed = parsing.parse_numbers(pd.Series(values, dtype=object), decimal)
    return parsed.units.tolist(), parsed.bad.tolist()


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1234.56", ".", 12345600),
        ("1,234.56", ".", 12345600),
        ("1.234,56", ",", 12345600),
        ("1 234,56", ",", 12345600),
        ("1\u00a0234,56", ",", 12345600),
        ("1.234,56-", ",", -12345600),
        ("(420.81)", ".", -4208100),
        ("$(250.00)", ".", -2500000),
        ("-$53,277.15", ".", -532771500),
        ("1'234.50", ".", 12345000),
        ("+7", ".", 70000),
        (".5", ".", 5000),
        ("0,001", ",", 10),
    ],
)
def test_number_notations(text, decimal, expected):
    assert units([text], decimal) == ([expected], [False])


@pytest.mark.parametrize("text", ["abc", "1e309", "NaN", "12.34.56x", "1" * 40, "1.23456", "#N/A"])
def test_bad_numbers_are_flagged_not_guessed(text):
    values, bad = units([text])
    assert bad == [True] and values == [pd.NA]


def test_blank_is_missing_not_bad():
    assert units(["", None]) == ([pd.NA, pd.NA], [False, False])


def test_xlsx_floats_read_as_excel_shows_them():
    values, bad = units([1234.56, 0.1 + 0.2, 5, True, float("nan")])
    assert values[:3] == [12345600, 3000, 50000]
    assert bad == [False, False, False, True, False]


def test_too_many_decimals_for_the_currency():
    parsed = parsing.parse_numbers(pd.Series(["10.5", "10.50", "10.005"]))
    minor, too_precise = parsing.units_to_minor(parsed, pd.Series([0, 2, 2]))
    assert too_precise.tolist() == [True, False, True]
    assert minor.tolist()[1] == 1050


def cents_text(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_number_text_round_trips_to_the_cent(cents):
    text = cents_text(cents)
    parsed = parsing.parse_numbers(pd.Series([text]))
    minor, _ = parsing.units_to_minor(parsed, pd.Series([2]))
    assert minor.tolist() == [cents]


def test_decimal_separator_detection():
    assert parsing.detect_decimal_separator([pd.Series(["1.234,56", "12,00"])]) == ","
    assert parsing.detect_decimal_separator([pd.Series(["1,234.56", "12.00"])]) == "."
    assert parsing.detect_decimal_separator([pd.Series(["12,5"])]) == ","
    assert parsing.detect_decimal_separator([pd.Series(["1,234"])]) == "."
    assert parsing.detect_decimal_separator([pd.Series(["1,234"])], delimiter=";") == ","


@pytest.mark.parametrize(
    ("texts", "fmt"),
    [
        (["2026-10-31", "2026-01-02"], "YYYY-MM-DD"),
        (["31.10.2026", "01.02.2026"], "DD.MM.YYYY"),
        (["10/31/2026", "01/02/2026"], "MM/DD/YYYY"),
        (["31/10/2026", "01/02/2026"], "DD/MM/YYYY"),
        (["31-10-2026"], "DD-MM-YYYY"),
        (["20261031"], "YYYYMMDD"),
    ],
)
def test_date_formats_are_detected(texts, fmt):
    dates, bad, used = parsing.parse_dates(pd.Series(texts))
    assert used == fmt and not bad.any()
    assert dates.iloc[0] == pd.Timestamp(2026, 10, 31) or dates.iloc[0] == pd.Timestamp(2026, 1, 2)


def test_explicit_date_format_wins_over_detection():
    dates, _bad, used = parsing.parse_dates(pd.Series(["01/02/2026"]), "DD/MM/YYYY")
    assert dates.iloc[0] == pd.Timestamp(2026, 2, 1) and used == "DD/MM/YYYY"


def test_impossible_dates_are_bad():
    _, bad, _ = parsing.parse_dates(pd.Series(["31.02.2026", "0000-00-00", "", "31.10.2026"]), "DD.MM.YYYY")
    assert bad.tolist() == [True, True, False, False]


def test_date_cells_serials_and_times():
    values = pd.Series(
        [dt.date(2026, 1, 2), dt.datetime(2026, 3, 4, 15, 0), 46000.0, "2026-10-31 00:00:00"], dtype=object
    )
    dates, bad, _ = parsing.parse_dates(values)
    assert not bad.any()
    assert dates.tolist() == [
        pd.Timestamp(2026, 1, 2),
        pd.Timestamp(2026, 3, 4),
        pd.Timestamp(2025, 12, 9),
        pd.Timestamp(2026, 10, 31),
    ]


@pytest.mark.parametrize("value", ["Yes", "y", "TRUE", "1", "Ja", "Oui", True])
def test_yes(value):
    assert parsing.yes_no(value) is True


@pytest.mark.parametrize("value", ["No", "n", "false", "0", "Nee", "Non", False])
def test_no(value):
    assert parsing.yes_no(value) is False


def test_yes_no_rejects_other_words():
    with pytest.raises(ValueError):
        parsing.yes_no("maybe")


def test_formula_text():
    text = pd.Series(["=SUM(A1)", "+1+2", "-x", "@cmd", "\tx", "\rx", "-12.50", "plain"])
    assert parsing.looks_like_formula(text).tolist() == [True, True, True, True, True, True, False, False]


@given(
    st.lists(
        st.one_of(
            st.just(""),
            st.integers(-(10**13), 10**13).map(cents_text),
            st.decimals(-(10**9), 10**9, places=4, allow_nan=False).map(str),
        ),
        max_size=30,
    )
)
def test_arrow_fast_path_and_pure_python_path_agree(texts):
    series = pd.Series(texts, dtype=object)
    fast = parsing.parse_numbers(series)
    original = parsing._arrow_units
    try:
        parsing._arrow_units = lambda text, blank: None  # as under Pyodide without pyarrow
        slow = parsing.parse_numbers(series)
    finally:
        parsing._arrow_units = original
    assert fast.units.tolist() == slow.units.tolist()
    assert fast.bad.tolist() == slow.bad.tolist()
