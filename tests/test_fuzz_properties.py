"""Property tests (hypothesis): the parsers and every importer take arbitrary input without an
exception other than :class:`~closekit.errors.InputError`, and valid input round-trips.

The tables given to the importers use header names drawn from the importers' own source text, so
that the examples reach their column mapping, not only their "not my layout" answer. The longer
coverage-guided runs are ``make fuzz`` (fuzz/fuzz_importers.py, atheris).
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import functools
import inspect
import io
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from closekit import api
from closekit.closing.importing import AmbiguousFormat, SourceSpec, import_table
from closekit.core import parsing
from closekit.errors import InputError
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook
from closekit.sources import importers, tables

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ----------------------------------------------------------------------------------- numbers
cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "-", "()", "1e309", "NaN", "inf", "9" * 40, "1.234,56-", "(420.81)", "$(250.00)", "#N/A"]),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.dates().map(lambda d: d),
)


@FUZZ
@given(st.lists(cells, max_size=20), st.sampled_from([".", ","]))
def test_parse_numbers_never_raises(values, decimal):
    parsed = parsing.parse_numbers(pd.Series(values, dtype=object), decimal=decimal)
    assert len(parsed.units) == len(values) and len(parsed.bad) == len(values)
    assert not (parsed.bad & parsed.units.notna()).any()  # a bad cell has no value


amounts = st.decimals(
    min_value=Decimal(-(10**13)), max_value=Decimal(10**13), places=parsing.SCALE, allow_nan=False, allow_infinity=False
)


@FUZZ
@given(amounts)
@example(Decimal("-1234567.8901"))
@example(Decimal("0.0001"))
def test_parse_numbers_round_trips_every_notation(value):
    units = int(value * 10**parsing.SCALE)
    plain = format(value, "f")
    magnitude = format(abs(value), ",f")
    european = magnitude.replace(",", " ").replace(".", ",").replace(" ", ".")
    negative = value < 0
    notations = {
        ".": [plain, magnitude if not negative else f"({magnitude})", f"{magnitude}-" if negative else magnitude],
        ",": [
            plain.replace(".", ","),
            f"{european}-" if negative else european,
            f"-{european}" if negative else european,
        ],
    }
    for decimal, texts in notations.items():
        parsed = parsing.parse_numbers(pd.Series(texts, dtype=object), decimal=decimal)
        assert not parsed.bad.any(), (texts, decimal)
        assert parsed.units.tolist() == [units] * len(texts), (texts, decimal)


# ----------------------------------------------------------------------------------- dates
@FUZZ
@given(st.lists(cells, max_size=20), st.sampled_from([None, *parsing.DATE_FORMATS]))
@example(["0000-00-00", "31.02.2026", "2026-13-01", "99999-01-01"], None)
def test_parse_dates_never_raises(values, date_format):
    dates, bad, used = parsing.parse_dates(pd.Series(values, dtype=object), date_format)
    assert len(dates) == len(values) and len(bad) == len(values)
    assert used is None or used in parsing.DATE_FORMATS


@FUZZ
@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)),
    st.sampled_from(list(parsing.DATE_FORMATS)),
)
def test_parse_dates_round_trips_each_format(day, name):
    pattern = parsing.DATE_FORMATS[name]
    if "%y" in pattern and not 1969 <= day.year <= 2068:  # two-digit years: the pivot strptime uses
        return
    text = day.strftime(pattern)
    dates, bad, used = parsing.parse_dates(pd.Series([text, text], dtype=object), name)
    assert not bad.any() and used == name
    assert [d.date() for d in dates] == [day, day]


# ----------------------------------------------------------------------------------- CSV text
text_cells = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@st.composite
def csv_tables(draw, header=None):
    width = draw(st.integers(1, 6))
    names = text_cells if header is None else header
    head = draw(st.lists(names, min_size=width, max_size=width))
    body = draw(
        st.lists(st.lists(cells.map(lambda v: "" if v is None else str(v)), min_size=0, max_size=width + 1), max_size=8)
    )
    return head, body


def csv_of(head: list[str], body: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(head)
    writer.writerows(body)
    return out.getvalue()


@FUZZ
@given(csv_tables(), st.sampled_from(tables.DELIMITERS), st.sampled_from([None, *tables.DELIMITERS]))
def test_read_csv_text_never_raises_anything_but_input_error(table, delimiter, given_delimiter):
    text = csv_of(*table, delimiter)
    try:
        raw = tables.read_csv_text(text, "fuzz.csv", delimiter=given_delimiter)
    except InputError:
        return
    assert len(raw.frame) == len(raw.rows) and list(raw.frame.columns) == raw.columns


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([None, "utf-8", "cp1252", "utf-16"]))
def test_decode_never_raises_anything_but_input_error(data, encoding):
    try:
        text, used = tables.decode(data, "fuzz.csv", encoding)
    except InputError:
        return
    assert "\ufeff" not in text and used


names = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=8)
printable = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@FUZZ
@given(
    st.lists(names, min_size=1, max_size=5, unique_by=str.lower),
    st.lists(st.lists(printable, min_size=5, max_size=5), min_size=1, max_size=6),
    st.sampled_from(tables.DELIMITERS),
)
def test_read_csv_text_round_trips_a_regular_table(head, body, delimiter):
    body = [row[: len(head)] for row in body if any(c.strip() for c in row[: len(head)])]
    raw = tables.read_csv_text(csv_of(head, body, delimiter), "fuzz.csv", delimiter=delimiter)
    assert raw.columns == head
    assert [[str(v) for v in r] for r in raw.frame.itertuples(index=False)] == body


# ----------------------------------------------------------------------------------- importers
@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return api.read_close_book(FileWorkbook(sample.write(tmp_path_factory.mktemp("fuzz") / "close.xlsx")))


@functools.cache
def vocabulary(name: str) -> tuple[str, ...]:
    """Header-like string constants of an importer's module (its column names and aliases)."""
    module = inspect.getmodule(importers.REGISTRY[name].map)
    found = {
        node.value
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) <= 40
    }
    return (*sorted(s for s in found if "\n" not in s), "Department", "CostCenter", "Amount", "Date")


@pytest.mark.parametrize("name", sorted(importers.REGISTRY))
def test_every_importer_takes_arbitrary_tables(name, book):
    headers = st.sampled_from(vocabulary(name)) | text_cells

    @FEW
    @given(csv_tables(header=headers), st.sampled_from(["auto", name]))
    def check(table, fmt):
        head, body = table
        raw = tables.from_rows("fuzz.xlsx", [head, *body]) if any(h.strip() for h in head) else None
        if raw is None:
            return
        if name == "saft":
            raw.meta.update(format="saft", default_currency="EUR")
        try:
            _, _, found = import_table(raw, SourceSpec("fuzz.csv", "ledger", fmt), book)
        except (InputError, AmbiguousFormat):
            return
        assert len(found.columns) == 8

    check()


#: Known failures, each to be fixed in its importer (then its mark goes).
KNOWN: dict[str, str] = {}  # format -> a known failure, marked xfail(strict) until fixed


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True)) if n in KNOWN else n
        for n in sorted(n for n, imp in importers.REGISTRY.items() if imp.read_text)
    ],
)
def test_every_text_layout_reader_takes_arbitrary_text(name):
    reader = importers.REGISTRY[name].read_text
    lines = st.lists(st.sampled_from(vocabulary(name)) | text_cells, max_size=6).map(";".join)

    @FEW
    @given(st.lists(lines, max_size=8).map("\n".join))
    @example("Date;Amount\r;1\n\r")  # a lone CR: an old Mac line end, or a text with one in it
    @example('"unclosed;Amount\nx;1')
    def check(text):
        try:
            table = reader(text, "fuzz.csv", "utf-8")
        except InputError:
            return
        assert table is None or len(table.frame) == len(table.rows)

    check()
