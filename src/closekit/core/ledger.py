"""The canonical ledger: one row per line, amounts in integer minor units (domain.md §0.1).

Columns of :attr:`Ledger.lines`:

========================  =====================================================================
``where``, ``row``        the file or sheet and the row a person sees there
``kind``                  ``ledger`` (posted) or ``journal`` (still to be posted)
``journal``, ``voucher``  text; ``line`` the source's line number (nullable integer)
``date``                  accounting date (datetime64, midnight); ``document_date`` likewise
``account``               main account; then one text column per dimension, named as in Settings
``currency``              transaction currency (ISO 4217)
``amount``                signed, debit positive, minor units of ``currency`` (Int64)
``amount_accounting``     signed, minor units of the accounting currency (Int64)
``converted``             True where ``amount_accounting`` came from the Rates sheet
``text``, ``posted``      line text; Posted Yes/No (nullable boolean)
========================  =====================================================================

A cell that cannot be read leaves NA in its column and a finding that names its row and column;
the line stays in the ledger (and in the count of lines read).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core import money, parsing
from closekit.core.rates import Rates, convert

BASE_COLUMNS = ["where", "row", "kind", "journal", "voucher", "line", "date", "account"]
TAIL_COLUMNS = ["currency", "amount", "amount_accounting", "converted", "text", "posted", "document_date"]
#: Columns a ledger has only when a source maps them (issue 17: auto-reversing journal lines):
#: ``reverse_on`` (datetime64) the date the line's voucher reverses on, ``reverse`` (boolean) Yes
#: for a reversal on the next period's first day (:mod:`closekit.closing.reversals`).
#: ``reversal_of`` (text) on the lines of a reversal voucher closekit made, the voucher it reverses.
OPTIONAL_COLUMNS = ["reverse_on", "reverse", "reversal_of"]
RESERVED = {c.lower() for c in BASE_COLUMNS + TAIL_COLUMNS + OPTIONAL_COLUMNS}


@dataclass
class Mapped:
    """What an importer hands over (:mod:`closekit.sources.importers`): raw values per canonical
    field, aligned with ``rows``; ``columns`` names their source."""

    frame: pd.DataFrame
    rows: np.ndarray
    columns: dict[str, str]
    findings: pd.DataFrame = field(default_factory=fnd.frame)
    date_format: str | None = None
    decimal: str | None = None
    #: Rows of the raw table the layout does not take as lines, by reason (see SourceInfo.skipped).
    skipped: dict[str, int] = field(default_factory=dict)


#: Header shown in findings when a source has no column for a field (the generic layout's name).
GENERIC_HEADERS = {
    "journal": "Journal",
    "voucher": "Voucher",
    "line": "Line",
    "date": "Date",
    "account": "Account",
    "currency": "Currency",
    "debit": "Debit",
    "credit": "Credit",
    "amount": "Amount",
    "amount_accounting": "AmountAccounting",
    "text": "Text",
    "posted": "Posted",
    "document_date": "DocumentDate",
    "reverse_on": "ReverseOn",
    "reverse": "Reverse",
}


def columns_for(dimensions: tuple[str, ...] | list[str]) -> list[str]:
    return [*BASE_COLUMNS, *dimensions, *TAIL_COLUMNS]


@dataclass
class SourceInfo:
    """Where a block of lines came from, and which source column held each field."""

    where: str
    kind: str
    format: str
    columns: dict[str, str]
    rows_read: int
    path: str | None = None
    sha256: str | None = None
    meta: dict = field(default_factory=dict)
    #: Rows of the source that are not lines by its layout (blank rows, report titles, account
    #: section rows, subtotals...), by reason: ``{"blank": 2, "total": 14}``. Never a row with data
    #: that was meant as a line: such a row is a line or the subject of an Error finding.
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())


@dataclass
class Ledger:
    lines: pd.DataFrame
    sources: list[SourceInfo]
    dimensions: tuple[str, ...]

    @property
    def rows_read(self) -> int:
        """Data rows read from all sources (rows with findings included)."""
        return sum(s.rows_read for s in self.sources)

    def source_column(self, name: str, lines: pd.DataFrame | None = None) -> pd.Series:
        """For each line, the header of the source column that held field ``name``."""
        lines = self.lines if lines is None else lines
        default = GENERIC_HEADERS.get(name, name)
        by_where = {s.where: s.columns.get(name, default) for s in self.sources}
        where = lines["where"]
        if isinstance(where.dtype, pd.CategoricalDtype):  # map the few categories, not every line
            names = [by_where.get(c, default) for c in where.cat.categories]
            codes = where.cat.codes.to_numpy()
            return pd.Series(np.asarray([*names, default], dtype=object)[codes], index=lines.index)
        return where.astype(object).map(by_where).fillna(default)


def empty_lines(dimensions: tuple[str, ...]) -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in columns_for(dimensions)}), dimensions)


def combine(parts: list[pd.DataFrame], dimensions: tuple[str, ...]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_lines(dimensions)
    if len(parts) > 1:  # one set of categories for every part, so pandas keeps the codes and does
        # not turn a million-line column into text to concatenate it (then back into categories)
        for column in ("where", "kind"):
            # sorted, as astype("category") of the concatenated text would have them
            categories = pd.Index(sorted(set(np.concatenate([_categories(p[column]) for p in parts]))))
            dtype = pd.CategoricalDtype(categories)
            parts = [p.assign(**{column: p[column].astype(dtype)}) for p in parts]
    out = pd.concat(parts, ignore_index=True)
    return _typed(out, dimensions)


def _categories(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.categories.to_numpy(dtype=object)
    return pd.unique(values.astype(object).to_numpy())


def _typed(lines: pd.DataFrame, dimensions: tuple[str, ...]) -> pd.DataFrame:
    optional = [c for c in OPTIONAL_COLUMNS if c in lines.columns]
    lines = lines[columns_for(dimensions) + optional]
    text = ["journal", "voucher", "account", *dimensions, "currency", "text"]
    types = {"reverse_on": "datetime64[ns]", "reverse": "boolean", "reversal_of": "string"}
    return lines.astype(
        {
            **{c: types[c] for c in optional},
            "where": "category",
            "kind": "category",
            "row": "int64",
            "line": "Int64",
            "date": "datetime64[ns]",
            "document_date": "datetime64[ns]",
            "amount": "Int64",
            "amount_accounting": "Int64",
            "converted": "bool",
            "posted": "boolean",
            **{c: "string" for c in text},
        }
    )


def canonical_lines(
    mapped: Mapped,
    *,
    where: str,
    kind: str,
    accounting_currency: str,
    dimensions: tuple[str, ...],
    rates: Rates | None = None,
    date_format: str | None = None,
    decimal: str | None = None,
    delimiter: str | None = None,
    date1904: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse a mapped table into canonical lines and the findings of its cells; ``date1904``: the
    source is a workbook of the 1904 date system (its serial numbers count from 1904-01-01)."""
    raw = mapped.frame.reset_index(drop=True)
    n = len(raw)
    found: list[pd.DataFrame] = [mapped.findings]
    column = {**GENERIC_HEADERS, **mapped.columns}
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out["where"] = where
    out["row"] = np.asarray(mapped.rows, dtype=np.int64)
    out["kind"] = kind
    for name in ("journal", "voucher", "account", *dimensions, "text"):
        out[name] = parsing.as_text(raw[name]) if name in raw else ""

    def bad(code: str, mask: pd.Series, name: str, message: str, value=None) -> None:
        """Findings where ``mask`` holds; ``{value}`` in ``message`` is filled from ``value`` (a
        Series, or a function making one) for the hit rows only, so a clean file costs nothing."""
        if not mask.any():
            return
        if value is not None:
            values = (value() if callable(value) else value)[mask]
            head, _, tail = message.partition("{value}")
            message = pd.Series(head + values.astype(str) + tail, index=values.index).reindex(out.index)
        found.append(fnd.from_mask(code, out, mask, column=column.get(name, name), message=message))

    # Currency: blank means the accounting currency.
    currency = parsing.as_text(raw["currency"]).str.upper() if "currency" in raw else pd.Series("", index=out.index)
    currency = currency.where(currency != "", accounting_currency)
    known = parsing.mask(currency.isin(money.currency_codes()))
    bad("bad-currency", ~known, "currency", "'{value}' is not an ISO 4217 currency code", currency)
    out["currency"] = currency
    codes, distinct = pd.factorize(currency)
    exponents = pd.Series(
        np.asarray([money.exponent(c) if money.is_currency(c) else 2 for c in distinct], dtype=np.int64)[codes],
        index=out.index,
    )

    # Line numbers.
    whole_numbers = parsing.parse_whole_numbers(raw["line"]) if "line" in raw else None
    if whole_numbers is not None:
        out["line"] = whole_numbers
    elif "line" in raw:
        numbers = parsing.parse_numbers(raw["line"])
        whole = numbers.units % 10**parsing.SCALE == 0
        ok = parsing.mask(whole) & ~numbers.bad
        bad(
            "bad-number",
            ~ok & ~parsing.mask(numbers.units.isna() & ~numbers.bad),
            "line",
            "line number '{value}' is not a whole number",
            lambda: parsing.as_text(raw["line"]),
        )
        out["line"] = (numbers.units // 10**parsing.SCALE).where(ok, pd.NA)
    else:
        out["line"] = pd.NA

    # Amounts.
    amount_columns = [
        raw[c]
        for c in ("debit", "credit", "amount", "amount_accounting", "debit_accounting", "credit_accounting")
        if c in raw
    ]
    decimal = decimal or mapped.decimal or parsing.detect_decimal_separator(amount_columns, delimiter)
    unsure = decimal == parsing.AMBIGUOUS_MARK  # a ; file of 1.000s: such a cell is read by no mark
    if unsure:
        decimal = "."

    def amount_of(name: str, exps: pd.Series, currency_text: pd.Series) -> tuple[pd.Series, pd.Series]:
        parsed = parsing.parse_numbers(raw[name], decimal)
        minor, too_precise = parsing.units_to_minor(parsed, exps)

        def text() -> pd.Series:
            return parsing.as_text(raw[name])

        bad("bad-number", parsed.bad, name, "'{value}' is not an amount (expected e.g. 1234.56)", text)
        bad(
            "bad-number",
            too_precise,
            name,
            "{value}",
            lambda: "'" + text() + "' has more decimals than " + currency_text + " allows",
        )
        # the decimal mark in use against the notation of the column as a whole (a DecimalSeparator
        # of '.' reads 25.000,00 as 25.00: its digits end in zeros, so no cell alone says so)
        conflict = parsing.separator_conflicts(raw[name], decimal) & ~parsed.bad & ~too_precise
        other = "," if decimal == "." else "."
        bad(
            "bad-number",
            conflict,
            name,
            f"'{{value}}' is not an amount with '{decimal}' as the decimal mark: the column's numbers are written "
            f"with '{other}' (e.g. 1{'.' if other == ',' else ','}234{other}56)",
            text,
        )
        minor = minor.where(~conflict.to_numpy(), pd.NA)
        ambiguous = parsing.ambiguous_cells(raw[name]) & ~parsed.bad if unsure else conflict & False
        bad(
            "bad-number",
            ambiguous,
            name,
            "{value}",
            lambda: "'"
            + text()
            + "' in a ;-delimited file whose amounts never show their decimal mark: one thousand (. as the thousands "
            "separator) or one (. as the decimal mark)? Nothing is read from it: set DecimalSeparator in Sources "
            "(, for one thousand, . for one)",
        )
        minor = minor.where(~ambiguous.to_numpy(), pd.NA)
        return minor, parsed.bad | too_precise | conflict | ambiguous

    amount_fields = [n for n in ("debit", "credit") if n in raw] or [n for n in ("amount",) if n in raw]
    if "debit" in raw or "credit" in raw:
        zero = pd.Series(0, index=out.index, dtype="Int64")
        debit, debit_bad = amount_of("debit", exponents, currency) if "debit" in raw else (zero, ~zero.astype(bool))
        credit, credit_bad = amount_of("credit", exponents, currency) if "credit" in raw else (zero, ~zero.astype(bool))
        both = parsing.mask((debit.fillna(0) != 0) & (credit.fillna(0) != 0))
        bad("bad-number", both, "credit", "the line has both a debit and a credit; split it in two lines")
        amount = debit.fillna(0) - credit.fillna(0)
        amount = amount.where(~(debit_bad | credit_bad | both) & (debit.notna() | credit.notna()), pd.NA)
    elif "amount" in raw:
        amount, _ = amount_of("amount", exponents, currency)
    else:
        amount = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["amount"] = amount.astype("Int64")
    # A line without an amount is not a ledger line: it would drop out of the balance check and
    # the trial balance in silence. A cell that was there but unreadable has its finding above.
    # rows the importer already reported as errors (an account whose sign is not known...) are not
    # reported twice
    errors = mapped.findings[mapped.findings["Severity"] == fnd.Severity.ERROR.value]["Row"].dropna()
    reported = pd.Series(np.isin(out["row"].to_numpy(), errors.to_numpy(dtype=np.int64)), index=out.index)
    if amount_fields:
        blank = parsing.mask(out["amount"].isna()) & ~reported
        for name in amount_fields:
            blank &= parsing.mask(parsing.as_text(raw[name]) == "")
        names = list(dict.fromkeys(column.get(n, n) for n in amount_fields))
        shown = " and ".join(names)
        both = " are both empty" if len(names) > 1 else " is empty"
        bad("bad-number", blank, amount_fields[-1], f"the line has no amount: {shown}{both}")

    acct_exp = pd.Series(money.exponent(accounting_currency), index=out.index)
    acct_name = pd.Series(accounting_currency, index=out.index)
    accounting = pd.Series(pd.NA, index=out.index, dtype="Int64")
    given = pd.Series(False, index=out.index)
    if "amount_accounting" in raw:
        accounting, _ = amount_of("amount_accounting", acct_exp, acct_name)
        given = parsing.as_text(raw["amount_accounting"]) != ""
    elif "debit_accounting" in raw or "credit_accounting" in raw:
        parts = [
            amount_of(n, acct_exp, acct_name)[0].fillna(0) if n in raw else 0
            for n in ("debit_accounting", "credit_accounting")
        ]
        accounting = (parts[0] - parts[1]).astype("Int64")
        given = pd.Series(True, index=out.index)
    given = parsing.mask(given)
    same = parsing.mask(currency == accounting_currency)
    accounting = accounting.where(given | ~same, out["amount"])
    out["converted"] = False
    need = ~given & ~same & known & out["amount"].notna().to_numpy()

    dates, date_bad, _ = (
        parsing.parse_dates(raw["date"], date_format, date1904=date1904)
        if "date" in raw
        else (pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]"), pd.Series(False, index=out.index), None)
    )
    bad(
        "bad-date",
        date_bad,
        "date",
        "'{value}' is not a date (expected e.g. 2026-10-31, 31.10.2026 or 10/31/2026)",
        lambda: parsing.as_text(raw["date"]),
    )
    if "date" in raw:  # a line without a date is in no period: not silently out of the trial balance
        bad(
            "bad-date",
            parsing.mask(dates.isna()) & ~parsing.mask(date_bad) & ~reported,
            "date",
            "the line has no date",
        )
    out["date"] = dates

    if need.any():
        sel = need & dates.notna().to_numpy()
        found_rates = (rates or Rates.empty()).lookup(
            currency[sel], dates[sel], accounting_currency, ("Spot", "Closing")
        )
        accounting[sel] = convert(out.loc[sel, "amount"], currency[sel], found_rates, accounting_currency)
        out.loc[sel, "converted"] = True
        missing = pd.Series(False, index=out.index)
        missing[sel] = found_rates.isna().to_numpy()
        bad(
            "missing-rate",
            missing,
            "currency",
            "no Spot or Closing rate from {value}",
            lambda: currency + f" to {accounting_currency} in force on " + dates.dt.strftime("%Y-%m-%d").fillna(""),
        )
    out["amount_accounting"] = accounting.astype("Int64")

    if "posted" in raw:
        posted, posted_bad = parsing.parse_yes_no(raw["posted"])
        bad("bad-value", posted_bad, "posted", "'{value}' is not Yes or No", lambda: parsing.as_text(raw["posted"]))
        out["posted"] = posted
    else:
        out["posted"] = pd.NA
    if "document_date" in raw:
        doc, doc_bad, _ = parsing.parse_dates(raw["document_date"], date_format, date1904=date1904)
        bad(
            "bad-date",
            doc_bad,
            "document_date",
            "'{value}' is not a date",
            lambda: parsing.as_text(raw["document_date"]),
        )
        out["document_date"] = doc
    else:
        out["document_date"] = pd.NaT
    if "reverse_on" in raw:  # issue 17: the date an accrual reverses on
        reverse_on, reverse_bad, _ = parsing.parse_dates(raw["reverse_on"], date_format, date1904=date1904)
        text = parsing.as_text(raw["reverse_on"])
        bad("bad-date", reverse_bad, "reverse_on", "'{value}' is not a date", text)
        out["reverse_on"] = reverse_on
    if "reverse" in raw:
        reverse, reverse_bad = parsing.parse_yes_no(raw["reverse"])
        bad("bad-value", reverse_bad, "reverse", "'{value}' is not Yes or No", parsing.as_text(raw["reverse"]))
        out["reverse"] = reverse

    for name in ("journal", "voucher", "account", *dimensions, "text"):
        if name in raw:
            bad(
                "formula-text",
                parsing.looks_like_formula(out[name]),
                name,
                "'{value}' would run as a formula in Excel",
                lambda name=name: out[name].str.slice(0, 60),
            )
    # a source row that became two lines (a DATEV booking: Konto and Gegenkonto) is named once
    findings = fnd.combine(found).drop_duplicates(["Code", "Where", "Row", "Column", "Message"], ignore_index=True)
    return _typed(out, dimensions), findings
