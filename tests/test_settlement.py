"""Ledger settlement (domain.md §2), written like its worked examples."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from closefixtures import close_book, context, lines
from closekit.closing import settlement
from closekit.core import money
from closekit.core.steps import ADJUSTMENT_COLUMNS

D = ("Department",)
ACCOUNTS = [
    ["1590", "Clearing", "Liability", "Yes", "No", "", "", "Yes", "", ""],
    ["1591", "Suspense", "Liability", "Yes", "No", "", "", "Yes", "", ""],
    ["1600", "Not a clearing account", "Liability", "Yes", "No", "", "", "No", "", ""],
]
SETTLE_BOOK = close_book(
    {"AccountingCurrency": "EUR", "Period": "2025-03", "Dimensions": "Department"},
    ACCOUNTS,
    periods=[["2025-03", "2025-03-01", "2025-03-31", "Open"]],
)
MARCH = context("2025-03", "2025-03-01", "2025-03-31", dimensions=D)


def ledger(rows):
    """Lines from (voucher, date, account, department, amount) rows; where/row may follow."""
    records = []
    for voucher, date, account, department, amount, *source in rows:
        record = {"voucher": voucher, "date": date, "account": account, "Department": department, "amount": amount}
        if source:
            record["where"], record["row"] = source
        records.append(record)
    return lines(records, dimensions=D)


def settled(result):
    """The register as (settlement, voucher, amount) rows."""
    table = result.tables["settlements"]
    return [
        (rec["SettlementId"], rec["Voucher"], money.format_minor(rec["Amount"], "EUR"))
        for rec in table.to_dict("records")
    ]


def open_items(result):
    return [
        (rec["Voucher"], money.format_minor(rec["Amount"], "EUR"))
        for rec in result.tables["open_items"].to_dict("records")
    ]


def test_worked_example_2_1_no_criteria():
    rows = [
        ("T1", "2025-03-02", "1590", "100", "250.00"),
        ("T2", "2025-03-05", "1590", "100", "-250.00"),
        ("T3", "2025-03-06", "1590", "200", "250.00"),
        ("T4", "2025-03-10", "1590", "200", "-100.00"),
        ("T5", "2025-03-12", "1590", "200", "-150.00"),
        ("T6", "2025-03-20", "1590", "100", "-250.00"),
    ]
    result = settlement.run(ledger(rows), SETTLE_BOOK, MARCH)
    assert result.step == "settlement"
    assert settled(result) == [
        ("S1", "T1", "250.00"),
        ("S1", "T2", "-250.00"),
        ("S2", "T3", "250.00"),
        ("S2", "T6", "-250.00"),
    ]
    assert open_items(result) == [("T4", "-100.00"), ("T5", "-150.00")]
    assert result.adjustments.empty and result.findings.empty
    assert set(result.tables["settlements"]["Rule"]) == {"auto: equal amount"}


def test_a_credit_equal_to_two_debits_goes_to_the_first_by_tie_break():
    rows = [
        ("D-late", "2025-03-04", "1590", "", "100.00"),
        ("D-early", "2025-03-03", "1590", "", "100.00"),
        ("C", "2025-03-05", "1590", "", "-100.00"),
    ]
    result = settlement.run(ledger(rows), SETTLE_BOOK, MARCH)
    assert settled(result) == [("S1", "D-early", "100.00"), ("S1", "C", "-100.00")]
    assert open_items(result) == [("D-late", "100.00")]


def test_same_date_ties_go_by_source_order_then_row():
    rows = [
        ("B-9", "2025-03-03", "1590", "", "100.00", "b.csv", 9),  # b.csv appears first in the ledger
        ("A-2", "2025-03-03", "1590", "", "100.00", "a.csv", 2),
        ("B-4", "2025-03-03", "1590", "", "-100.00", "b.csv", 4),
        ("B-3", "2025-03-03", "1590", "", "-100.00", "b.csv", 3),
        ("A-1", "2025-03-01", "1590", "", "-100.00", "a.csv", 1),  # earliest date: settles first
    ]
    result = settlement.run(ledger(rows), SETTLE_BOOK, MARCH)
    assert settled(result) == [
        ("S1", "B-9", "100.00"),
        ("S1", "A-1", "-100.00"),
        ("S2", "A-2", "100.00"),
        ("S2", "B-3", "-100.00"),
    ]
    assert open_items(result) == [("B-4", "-100.00")]


def test_lines_outside_the_fiscal_year_to_period_end_are_ignored():
    rows = [
        ("LAST-YEAR", "2024-12-31", "1590", "", "100.00"),
        ("OPENING", "2025-01-01", "1590", "", "40.00"),
        ("MARCH", "2025-03-05", "1590", "", "-100.00"),
        ("APRIL", "2025-04-01", "1590", "", "-40.00"),
    ]
    result = settlement.run(ledger(rows), SETTLE_BOOK, MARCH)
    assert settled(result) == []
    assert open_items(result) == [("OPENING", "40.00"), ("MARCH", "-100.00")]


def test_accounts_without_settle_and_zero_or_unreadable_amounts_are_ignored():
    rows = [
        ("X1", "2025-03-02", "1600", "", "100.00"),
        ("X2", "2025-03-03", "1600", "", "-100.00"),
        ("ZERO", "2025-03-03", "1590", "", "0.00"),
        ("NA", "2025-03-03", "1590", "", "-10.00"),
        ("Y1", "2025-03-04", "1591", "", "10.00"),
    ]
    frame = ledger(rows)
    frame.loc[3, "amount_accounting"] = pd.NA
    result = settlement.run(frame, SETTLE_BOOK, MARCH)
    assert settled(result) == []
    assert open_items(result) == [("Y1", "10.00")]


def test_equal_amounts_on_different_accounts_do_not_settle():
    rows = [("A", "2025-03-02", "1590", "", "100.00"), ("B", "2025-03-03", "1591", "", "-100.00")]
    result = settlement.run(ledger(rows), SETTLE_BOOK, MARCH)
    assert settled(result) == []
    assert open_items(result) == [("A", "100.00"), ("B", "-100.00")]


def test_settlements_and_open_items_columns():
    rows = [
        ("T1", "2025-03-02", "1590", "100", "250.00", "gl.csv", 12),
        ("T2", "2025-03-05", "1590", "200", "-250.00", "gl.csv", 13),
        ("T4", "2025-03-10", "1590", "200", "-100.00", "gl.csv", 14),
    ]
    result = settlement.run(ledger(rows), SETTLE_BOOK, MARCH)
    table, rest = result.tables["settlements"], result.tables["open_items"]
    assert list(table.columns) == [
        "SettlementId", "Account", "Department", "Voucher", "Date", "Amount", "Rule", "Where", "Row"
    ]  # fmt: skip
    assert list(rest.columns) == list(table.columns)[1:]
    assert table.to_dict("records")[1] == {
        "SettlementId": "S1",
        "Account": "1590",
        "Department": "200",
        "Voucher": "T2",
        "Date": pd.Timestamp("2025-03-05"),
        "Amount": -25000,
        "Rule": "auto: equal amount",
        "Where": "gl.csv",
        "Row": 13,
    }
    assert table["Amount"].dtype == "int64" and rest["Amount"].dtype == "int64"
    assert rest[["Voucher", "Amount", "Where", "Row"]].values.tolist() == [["T4", -10000, "gl.csv", 14]]
    assert list(result.adjustments.columns) == [*ADJUSTMENT_COLUMNS[:4], "Department", *ADJUSTMENT_COLUMNS[4:]]


def greedy(frame):
    """The rule as written (§2 rules 8–9): each debit in order takes the first unmatched credit."""
    window = frame[frame["amount_accounting"] != 0].copy()
    window["source"] = pd.factorize(window["where"].astype(str))[0]
    window = window.sort_values(["date", "source", "row"], kind="stable")
    taken, pairs = set(), []
    records = window.to_dict("records")
    for debit in (r for r in records if r["amount_accounting"] > 0):
        for credit in records:
            key = (credit["where"], credit["row"])
            if (
                credit["amount_accounting"] == -debit["amount_accounting"]
                and credit["account"] == debit["account"]
                and key not in taken
            ):
                taken.add(key)
                pairs.append({(debit["where"], debit["row"]), key})
                break
    return pairs


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1590", "1591"]),
            st.integers(1, 31),
            st.sampled_from(["-250.00", "-100.00", "-50.00", "50.00", "100.00", "250.00"]),
            st.sampled_from(["a.csv", "b.csv"]),
        ),
        max_size=40,
    )
)
def test_property_settlements_net_to_zero_and_no_line_settles_twice(drawn):
    rows = [
        (f"V{i}", f"2025-03-{day:02d}", account, "", amount, where, i)
        for i, (account, day, amount, where) in enumerate(drawn, start=2)
    ]
    frame = ledger(rows)
    result = settlement.run(frame, SETTLE_BOOK, MARCH)
    table, rest = result.tables["settlements"], result.tables["open_items"]
    for _, one in table.groupby("SettlementId"):
        assert len(one) == 2 and one["Amount"].sum() == 0 and one["Account"].nunique() == 1
        assert one["Amount"].iloc[0] > 0  # the debit first
    keys = list(zip(table["Where"], table["Row"], strict=True))
    assert len(keys) == len(set(keys))
    assert len(table) + len(rest) == len(frame)
    found = [set(zip(one["Where"], one["Row"], strict=True)) for _, one in table.groupby("SettlementId", sort=False)]
    assert found == greedy(frame)
