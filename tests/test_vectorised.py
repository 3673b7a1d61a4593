"""The vectorised fingerprints, checks and JSON (issue 18 item 5) give what the plain Python ones gave:
a sign-off hash stored before stays valid."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from closekit.closing import validation
from closekit.core import money
from closekit.pipeline import close_json
from closekit.review import signoffs
from closekit.sources import tables
from closekit.workbook import selectors


def joined_by_python(values: pd.Series) -> bytes:
    return "\x1f".join(values.astype("string").fillna("\x00").tolist()).encode("utf-8")


COLUMNS = {
    "arrow text": pd.Series(["V1", "", None, "Käse 12 €", "a\x1fb", "日本"], dtype="string"),
    "python text": pd.Series(["V1", "", None, "Käse"], dtype=pd.StringDtype("python")),
    "objects": pd.Series(["x", 3, None, 2.5, "ü"], dtype=object),
    "categories": pd.Series(["ledger", "journal", None, "ledger"], dtype="category"),
    "one empty": pd.Series([""], dtype="string"),
    "one missing": pd.Series([None], dtype="string"),
    "none": pd.Series([], dtype="string"),
    "sliced": pd.Series([f"T{i}" for i in range(50)], dtype="string").iloc[7:31],
}


@pytest.mark.parametrize("name", list(COLUMNS))
def test_joined_text_is_the_python_join(name):
    values = COLUMNS[name]
    assert bytes(signoffs.joined_text(values)) == joined_by_python(values)


def test_fingerprint_columns_keeps_its_value():
    frame = pd.DataFrame(
        {
            "voucher": pd.Series(["V1", "V2", None], dtype="string"),
            "date": pd.to_datetime(["2026-10-01", "2026-10-31", None]),
            "amount": pd.array([12345, None, -7], dtype="Int64"),
        }
    )
    dates = frame["date"].to_numpy(dtype="datetime64[ns]").view("int64")
    expected = hashlib.sha256()
    expected.update(b"\x1dvoucher\x1d")
    expected.update(b"V1\x1fV2\x1f\x00")
    expected.update(b"\x1ddate\x1d")
    expected.update(np.where([False, False, True], 0, dates).astype("<i8").tobytes())
    expected.update(np.packbits([False, False, True]).tobytes())
    expected.update(b"\x1damount\x1d")
    expected.update(np.array([12345, 0, -7], dtype="<i8").tobytes())
    expected.update(np.packbits([False, True, False]).tobytes())
    assert signoffs.fingerprint_columns(frame) == expected.hexdigest()


def test_own_posted_lines_are_the_vouchers_of_the_step_and_period():
    vouchers = ["ALC-2026-10-0001", "ALC-2026-10-0002 posted", "ALC-2026-100-1", "XALC-2026-10-1", None,
                "ALC-2026-09-0001", "alc-2026-10-0001", "ALC-2026-10-"]
    lines = pd.DataFrame({"voucher": pd.Series(vouchers, dtype="string"), "n": range(len(vouchers))})
    own = signoffs.own_posted_lines(lines, "ALC", "2026-10")
    assert own["n"].tolist() == [0, 1, 7]
    assert signoffs.own_posted_lines(lines.iloc[0:0], "ALC", "2026-10").empty


@pytest.mark.parametrize("code", ["EUR", "JPY", "KWD"])
def test_format_minor_many_is_format_minor(code):
    values = [0, 1, -1, 5, -5, 99, 100, -100, 123456789, -987654321012, 10**15]
    assert money.format_minor_many(values, code) == [money.format_minor(v, code) for v in values]
    assert money.format_minor_many(pd.array(values, dtype="Int64").tolist(), code)[3] == money.format_minor(5, code)


def test_records_are_to_dict_records():
    table = pd.DataFrame(
        {
            "Account": pd.Series(["1000", "2000", None], dtype="string"),
            "Department": ["", "SALES", None],
            "Amount": pd.array([1, None, -3], dtype="Int64"),
            "Minor": np.array([1, 2, 3], dtype=np.int64),
            "Date": pd.to_datetime(["2026-10-01", None, "2026-10-31"]),
        }
    )
    assert close_json.records(table) == table.to_dict("records")
    assert close_json.records(table, ["Minor", "Missing"]) == table[["Minor"]].to_dict("records")
    assert close_json.records(table.iloc[0:0]) == []


@pytest.mark.parametrize("limit", [2, 3, 8, 17])
def test_lines_shorter_than_never_passes_a_long_line(limit):
    rng = np.random.default_rng(limit)
    for _ in range(300):
        data = bytes(rng.choice([10, 65, 66], size=int(rng.integers(0, 80)), p=[0.08, 0.46, 0.46]).astype(np.uint8))
        if tables._lines_shorter_than(data, limit):
            assert tables._longest_line(data) < limit, data
    assert tables._lines_shorter_than(b"ab\ncd\n" * 100, 8)
    assert not tables._lines_shorter_than(b"ab\n" + b"x" * 8, 8)


def test_line_digests_tell_the_same_lines_apart_as_the_whole_key_does():
    rng = np.random.default_rng(7)
    n = 400
    lines = pd.DataFrame(
        {
            "account": pd.Series(rng.choice(["1000", "2000", "3000"], n), dtype="string"),
            "amount": pd.array(rng.integers(0, 6, n), dtype="Int64"),
            "voucher": pd.Series(rng.choice(["V1", "V2", None], n), dtype="string"),
            "text": pd.Series(rng.choice(["a", "b", ""], n), dtype="string"),
        },
        index=np.arange(n) * 3,
    )
    key = ["account", "amount", "voucher", "text"]
    whole = pd.util.hash_pandas_object(lines[key], index=False).to_numpy()
    quick = validation._line_digests(lines, key)
    assert (pd.Series(whole).duplicated().to_numpy() == pd.Series(quick).duplicated().to_numpy()).all()
    assert pd.Series(whole).duplicated().any() and not pd.Series(whole).duplicated().all()


@pytest.mark.parametrize("dtype", ["string", object, pd.StringDtype("python")])
def test_dimension_filter_mask_is_the_object_comparison(dtype):
    rng = np.random.default_rng(3)
    lines = pd.DataFrame(
        {d: pd.Series(rng.choice(["A", "B", "", None], 200), dtype=dtype) for d in ("Department", "CostCenter")},
        index=np.arange(200) * 2,
    )
    for values in [(("Department", "A"),), (("Department", ""),), (("Department", "A"), ("CostCenter", "")), ()]:
        expected = pd.Series(True, index=lines.index)
        for dimension, value in values:
            expected &= (lines[dimension].astype(object).where(lines[dimension].notna(), "") == value).to_numpy()
        got = selectors.DimensionFilter(values).mask(lines)
        assert got.index.equals(lines.index) and got.tolist() == expected.tolist(), values
