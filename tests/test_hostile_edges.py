"""Dates and numbers at the edges (issue 20 item 2): sums that would wrap int64, absurd date
serials, and the 1904 date system. Every fixture is made here."""

from __future__ import annotations

import closekit


def codes(result) -> list[str]:
    return list(result.findings["Code"])


# 1,844 lines of the largest amount closekit parses plus one line: 2**64 cents in all, which an
# int64 sum reads as 0 (a balanced voucher) although no credit was ever typed.
HUGE = "99999999999999.99"
REST = "67440737095534.60"


def _wrapping_voucher() -> list[list[object]]:
    rows = [["GEN", "W1", i + 1, "2026-10-15", "6400", "", "", "EUR", HUGE, "", "huge"] for i in range(1844)]
    rows.append(["GEN", "W1", 1845, "2026-10-15", "6400", "", "", "EUR", REST, "", "rest"])
    return rows


def test_the_voucher_whose_int64_sum_wraps_to_zero_does_not_validate_clean(make):
    assert 1844 * 9_999_999_999_999_999 + 6_744_073_709_553_460 == 2**64
    result = closekit.validate(make.workbook(), journals=[make.journal(_wrapping_voucher())])
    assert result.lines == 1845
    assert not result.ok
    hits = result.findings[result.findings["Code"] == "amount-overflow"]
    assert list(hits["Voucher"]) == ["W1"]
    assert list(hits["Severity"]) == ["Error"]
    assert int(hits["Row"].iloc[0]) == 2


def test_many_vouchers_whose_total_would_wrap_are_one_ledger_finding(make):
    # each voucher balances and is small enough on its own; the ledger's account totals are not
    rows = []
    for v in range(1000):
        rows.append(["GEN", f"B{v}", 1, "2026-10-15", "6400", "", "", "EUR", HUGE, "", "x"])
        rows.append(["GEN", f"B{v}", 2, "2026-10-15", "2900", "", "", "EUR", "", HUGE, "x"])
    result = closekit.validate(make.workbook(), journals=[make.journal(rows)])
    assert codes(result).count("amount-overflow") == 1
    assert not result.ok


def test_large_but_safe_amounts_raise_no_overflow(make):
    rows = [
        ["GEN", "S1", 1, "2026-10-15", "6400", "", "", "EUR", HUGE, "", "x"],
        ["GEN", "S1", 2, "2026-10-15", "2900", "", "", "EUR", "", HUGE, "x"],
    ]
    result = closekit.validate(make.workbook(), journals=[make.journal(rows)])
    assert "amount-overflow" not in codes(result)
    assert result.ok


def test_absurd_date_serials_in_general_cells_are_bad_dates_not_crashes():
    # what python-calamine returns for numbers in General-format cells of a Date column
    import pandas as pd

    from closekit.core import parsing

    inf, nan = float("inf"), float("nan")
    cells = pd.Series([46326.0, -1e308, 1e308, inf, -inf, nan, -5.0, 2958466.0], dtype=object)
    dates, bad, _ = parsing.parse_dates(cells)
    assert dates.iloc[0] == pd.Timestamp("2026-10-31")
    assert list(bad) == [False, True, True, True, True, False, True, True]
