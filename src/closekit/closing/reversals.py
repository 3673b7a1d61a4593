"""Auto-reversing accruals (issue 17 item 2; docs/close.md "Manual journals").

A manual journal voucher (Kind ``journal``) whose lines carry ``ReverseOn`` (a date) or ``Reverse``
= Yes (the first day of the period after the voucher's) gets its **reversal voucher**: the same
lines with the opposite sign (both amounts: the reversal undoes exactly what the accrual booked),
dated the reversal date, numbered ``<voucher>-R``, text ``Reversal of <voucher>: <text>``. The
reversal's lines are journal lines like the voucher's, pointing at the voucher's rows, so that
they are validated (the reversal's period must be open), listed in the Journals sheet, approved
with the voucher and exported with it; a posted ledger export that holds them reads them once
(:mod:`closekit.closing.posted_journals`).

The voucher's lines must agree: one reversal date per voucher (``reversal-date-conflict``), later
than the voucher's own date (``reversal-date-invalid``), and ``Reverse`` = Yes needs a next period
in Periods (``reversal-date-invalid`` too). A voucher with such a finding gets no reversal.

Pure: the ledger and the calendar in; the ledger with the reversal lines and the findings out.
"""

from __future__ import annotations

import pandas as pd

from closekit.core import findings as fnd
from closekit.core import ledger as ledger_mod
from closekit.core.ledger import Ledger
from closekit.core.periods import Calendar

SUFFIX = "-R"
TEXT = "Reversal of {voucher}: {text}"


def reversal_number(voucher: str) -> str:
    return f"{voucher}{SUFFIX}"


def add(ledger: Ledger, calendar: Calendar) -> tuple[Ledger, pd.DataFrame]:
    """The ledger with the reversal voucher of every auto-reversing journal voucher appended, and the
    findings of vouchers whose reversal cannot be made."""
    lines = ledger.lines
    if not any(c in lines.columns for c in ledger_mod.OPTIONAL_COLUMNS):
        return ledger, fnd.frame()
    journal = (lines["kind"] == "journal").to_numpy()
    on = lines["reverse_on"] if "reverse_on" in lines else pd.Series(pd.NaT, index=lines.index)
    flag = lines["reverse"].fillna(False).astype(bool) if "reverse" in lines else pd.Series(False, index=lines.index)
    wanted = journal & (on.notna() | flag).to_numpy()
    if not wanted.any():
        return ledger, fnd.frame()
    keys = _keys(lines)
    chosen_keys = set(keys[wanted])
    todo = lines[keys.isin(chosen_keys).to_numpy()]
    found: list[dict] = []
    made: list[pd.DataFrame] = []
    for _, voucher in todo.groupby(keys[keys.isin(chosen_keys)], sort=False):
        when, problem = _date(voucher, on.loc[voucher.index], flag.loc[voucher.index], calendar, ledger)
        if problem is not None:
            found.append(problem)
            continue
        reversal = voucher.copy()
        reversal["date"] = when
        reversal["amount"] = -voucher["amount"]
        reversal["amount_accounting"] = -voucher["amount_accounting"]
        number = str(voucher["voucher"].iat[0])
        reversal["voucher"] = reversal_number(number)
        reversal["text"] = [TEXT.format(voucher=number, text=t) for t in voucher["text"].astype(str)]
        reversal["document_date"] = pd.NaT
        if "reverse_on" in reversal:
            reversal["reverse_on"] = pd.NaT
        if "reverse" in reversal:
            reversal["reverse"] = pd.NA
        reversal["reversal_of"] = number
        made.append(reversal)
    if not made:
        return ledger, fnd.frame(found)
    combined = ledger_mod.combine([lines, *made], ledger.dimensions)
    return Ledger(combined, ledger.sources, ledger.dimensions), fnd.frame(found)


def _keys(lines: pd.DataFrame) -> pd.Series:
    return lines["where"].astype(str) + "\x1f" + lines["journal"].astype(str) + "\x1f" + lines["voucher"].astype(str)


def _date(voucher, on: pd.Series, flag: pd.Series, calendar: Calendar, ledger: Ledger):
    """(reversal date, None) or (None, the finding that says why there is none)."""
    number = str(voucher["voucher"].iat[0])
    first = voucher.iloc[0]
    where = str(first["where"])
    row = int(first["row"])
    columns = next((s.columns for s in ledger.sources if s.where == where), {})
    dates = sorted(set(on.dropna()))
    own = voucher["date"].max()
    label = f"journal voucher {number}" if number else f"the journal voucher at row {row}"
    if not number:
        return None, fnd.finding(
            "reversal-date-invalid",
            where,
            f"{label} is to be reversed but has no voucher number, so its reversal could not be followed",
            row=row,
            column=columns.get("voucher", "Voucher"),
            fix="Give the voucher a number.",
        )
    if len(dates) > 1:
        return None, fnd.finding(
            "reversal-date-conflict",
            where,
            f"{label}'s lines give {len(dates)} reversal dates ({', '.join(f'{d:%Y-%m-%d}' for d in dates)}): a "
            f"voucher reverses as a whole, on one date; no reversal is made",
            row=row,
            column=columns.get("reverse_on", "ReverseOn"),
            voucher=number,
        )
    if dates:
        when = dates[0]
        column = columns.get("reverse_on", "ReverseOn")
    else:
        column = columns.get("reverse", "Reverse")
        code = calendar.locate(pd.Series([own]))[0].iloc[0]
        entry = calendar.get(str(code)) if code else None
        after = _next_start(calendar, entry["end"]) if entry is not None else None
        if after is None:
            return None, fnd.finding(
                "reversal-date-invalid",
                where,
                f"{label} is to be reversed on the next period's first day (Reverse = Yes), but the Periods sheet "
                f"has no period after the one of {own:%Y-%m-%d}; no reversal is made",
                row=row,
                column=column,
                voucher=number,
                fix="Add the next period to the Periods sheet, or type the date in ReverseOn.",
            )
        when = after
    if pd.isna(own) or when <= own:
        return None, fnd.finding(
            "reversal-date-invalid",
            where,
            f"{label} is dated {own:%Y-%m-%d} and would reverse on {when:%Y-%m-%d}: a reversal comes after the "
            f"voucher it reverses; no reversal is made",
            row=row,
            column=column,
            voucher=number,
            fix="Type a reversal date after the voucher's date (usually the next period's first day).",
        )
    return pd.Timestamp(when), None


def _next_start(calendar: Calendar, end) -> pd.Timestamp | None:
    """The first day of the period that starts after ``end``, if Periods holds it."""
    starts = calendar.table["start"].dropna()
    later = starts[starts > end]
    return pd.Timestamp(later.min()) if len(later) else None
