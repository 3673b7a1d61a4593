"""DATEV Buchungsstapel (formats.md 6a): the EXTF/DTVF text file, format category 21.

**Reading the file** (:func:`read_datev`, the importer's ``read_text``, tried by
:func:`closekit.closing.importing.read_raw` before the CSV reader). Line 1 is the metadata line (``"EXTF";
700;21;"Buchungsstapel";13;...``), line 2 the column header, then one booking per line;
``;``-separated, Windows-1252 (detected like any text file). The metadata line is skipped and kept
in ``meta["preamble"]``; its fields are also in ``meta["datev"]``. Row numbers are the file's
physical lines (header = line 2, first booking = line 3). A DATEV file of another category (20
account labels, 16 debtors/creditors...) is refused with a message: it holds no bookings.

**Headers** are matched on their letters and digits only, lower-cased: ``Gegenkonto (ohne
BU-Schlüssel)``, a damaged ``Gegenkonto (ohne BU-Schl�ssel)`` and a mis-decoded ``BU-SchlÃ¼ssel``
all match. Findings name the column as the file does, or by its official name when the file's
header holds a replacement character.

**One booking, two ledger lines.** ``Umsatz`` (unsigned, decimal comma) goes on ``Konto`` with the
sign of ``Soll/Haben-Kennzeichen`` (``S`` = Konto debited, ``H`` = Konto credited) and the opposite
amount on ``Gegenkonto``; both lines carry the booking's physical line in ``Mapped.rows`` (Konto
line first) and a boolean ``is_offset`` column (True on the Gegenkonto line; ``Mapped.columns``
names the Gegenkonto header for it, as in :mod:`closekit.sources.importers.d365`). Any other flag is a
``bad-value`` and leaves the amounts empty.

**Dates.** ``Belegdatum`` is ``TTMM`` (or ``TMM``). The year comes from the metadata line's
Wirtschaftsjahr-Beginn (field 13, ``YYYYMMDD``), else Datum vom (field 15): a month at or after the
fiscal year's start month is in the start year, an earlier month in the next year (a fiscal year
from July 2025: ``3112`` is 2025-12-31, ``1501`` is 2026-01-15). Without a metadata line a ``TTMM``
date is a ``bad-date`` (no year); a full date in the column is read like any other date.

**Currencies.** ``WKZ Umsatz`` is the transaction currency; blank means the metadata line's
currency (field 22), else EUR. The accounting amount of a foreign booking is ``Basis-Umsatz``
(signed like the Umsatz), else ``Umsatz / Kurs`` (DATEV's Kurs is foreign units per one unit of the
base currency: 124,00 CHF at 1,240402 is 99,97 EUR), rounded once half away from zero; both only
when the base currency (``WKZ Basis-Umsatz``, else the batch currency, else EUR) is the close's
accounting currency. Otherwise the ledger converts with the Rates sheet.

**Other fields.** ``Belegfeld 1`` → voucher (blank: ``row-<line>``, one voucher per booking);
``Buchungstext`` → text; the metadata line's Bezeichnung (field 17) → journal. ``KOST1`` and
``KOST2`` go to the dimensions of :func:`kost_dimensions` on both lines of the booking (DATEV
applies them to whichever side is a cost account; closekit cannot tell which).

**BU-Schlüssel.** The canonical ledger has no column for it, so it is kept in the text of both
lines as a suffix: ``Schreibwaren [BU 9]``. The key's first digit (of two or more) is the
correction key, the rest the tax key; a key whose tax key is not zero (``9``, ``3``, ``19``,
``21``) makes DATEV split the amount into net and VAT, which closekit does not compute: a Warning
``bad-value`` on the booking's line, column BU-Schlüssel. Keys whose tax key is zero (``40``
automatic off, ``20`` general reversal) are kept silently.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core import money, parsing
from closekit.core.ledger import Mapped
from closekit.errors import InputError
from closekit.sources.importers.base import ImportContext, Importer, missing_column
from closekit.sources.tables import RawTable, read_csv_text

OFFSET_FLAG = "is_offset"
BOOKINGS = "21"
CATEGORIES = {
    "16": "Debitoren/Kreditoren",
    "20": "Kontenbeschriftungen",
    "46": "Zahlungsbedingungen",
    "48": "Diverse Adressen",
    "65": "Wiederkehrende Buchungen",
}
#: Metadata line fields (1-based positions of formats.md 6a) kept in ``meta["datev"]``.
METADATA = {
    "marker": 1,
    "version": 2,
    "category": 3,
    "format_name": 4,
    "format_version": 5,
    "created": 6,
    "consultant": 11,
    "client": 12,
    "fiscal_year_start": 13,
    "account_length": 14,
    "date_from": 15,
    "date_to": 16,
    "label": 17,
    "currency": 22,
}
DEFAULT_CURRENCY = "EUR"

#: Field -> (official DATEV header, pattern its header key must match in full).
COLUMNS = {
    "umsatz": ("Umsatz (ohne Soll/Haben-Kz)", r"umsatz(ohnesollhabenkz)?"),
    "sh": ("Soll/Haben-Kennzeichen", r"sollhaben(kennzeichen|kz)"),
    "wkz": ("WKZ Umsatz", r"wkzumsatz"),
    "kurs": ("Kurs", r"kurs"),
    "basis": ("Basis-Umsatz", r"basisumsatz"),
    "wkz_basis": ("WKZ Basis-Umsatz", r"wkzbasisumsatz"),
    "konto": ("Konto", r"konto"),
    "gegenkonto": ("Gegenkonto (ohne BU-Schlüssel)", r"gegenkonto.*"),
    "bu": ("BU-Schlüssel", r"buschl.*"),
    "belegdatum": ("Belegdatum", r"belegdatum"),
    "belegfeld1": ("Belegfeld 1", r"belegfeld1"),
    "text": ("Buchungstext", r"buchungstext"),
    "kost1": ("KOST1 - Kostenstelle", r"kost1.*"),
    "kost2": ("KOST2 - Kostenstelle", r"kost2.*"),
}
REQUIRED = ("umsatz", "sh", "konto", "gegenkonto", "belegdatum")
VAT_FIX = (
    "closekit books the gross Umsatz on Konto and Gegenkonto and no VAT line: import DATEV's posted "
    "journal (with its tax lines) for a trial balance that matches DATEV, or check the VAT accounts."
)


# ------------------------------------------------------------------------------------ reading


def read_datev(text: str, where: str, encoding: str) -> RawTable | None:
    """A DATEV Buchungsstapel as a raw table (metadata line skipped), or None when ``text`` is not
    a DATEV file (its first line does not start with ``EXTF`` or ``DTVF``, quoted or not)."""
    first = text.split("\n", 1)[0].strip().lstrip("\ufeff")
    fields = _metadata_fields(first)
    if fields is None:
        return None
    category = fields[2].strip() if len(fields) > 2 else ""
    if category != BOOKINGS:
        name = CATEGORIES.get(category, f"category {category or '(empty)'}")
        raise InputError(
            f"{where} is a DATEV {name} file (format category {category or 'missing'} in line 1), not a "
            f"Buchungsstapel (category 21): it holds no bookings. Export the Buchungsstapel from DATEV."
        )
    table = read_csv_text(text, where, delimiter=";", skip_lines=1, encoding=encoding)
    table.meta["format"] = "datev"
    table.meta["datev"] = _metadata(fields)
    return table


def _metadata_fields(line: str) -> list[str] | None:
    """The fields of a DATEV metadata line, or None when the line is not one."""
    if not re.match(r'^"?(EXTF|DTVF)"?(;|$)', line):
        return None
    return next(csv.reader([line], delimiter=";"), [])


def _metadata(fields: list[str]) -> dict[str, str]:
    return {name: (fields[i - 1].strip() if len(fields) >= i else "") for name, i in METADATA.items()}


def metadata(table: RawTable) -> dict[str, str] | None:
    """The metadata line of a DATEV table: from :func:`read_datev`, from ``meta["preamble"]`` (a
    CSV read with ``skip_lines``), or from the rows above an XLSX header; None when there is none."""
    if isinstance(table.meta.get("datev"), dict):
        return table.meta["datev"]
    for line in table.meta.get("preamble") or ():
        fields = _metadata_fields(str(line).strip().lstrip("\ufeff"))
        if fields is not None:
            return _metadata(fields)
    for cells in table.preamble or ():
        if cells and str(cells[0]).strip() in ("EXTF", "DTVF"):
            return _metadata([str(c) for c in cells])
    return None


# ----------------------------------------------------------------------------------- detection


def _key(name: object) -> str:
    """Header key: lower-case ASCII letters and digits only (umlauts, damaged or not, drop out)."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def find(table: RawTable) -> dict[str, str]:
    """Field -> the table's column for it (the first header whose key matches)."""
    found: dict[str, str] = {}
    for column in table.columns:
        key = _key(column)
        for field, (_, pattern) in COLUMNS.items():
            if field not in found and re.fullmatch(pattern, key):
                found[field] = column
                break
    return found


def detect(table: RawTable) -> bool:
    meta = metadata(table)
    if meta is not None:
        return meta["category"] == BOOKINGS
    return all(f in find(table) for f in REQUIRED)


def _shown(field: str, found: dict[str, str]) -> str:
    """The column name findings show: the file's header, or the official one if the header is damaged."""
    column = found.get(field)
    return COLUMNS[field][0] if column is None or "\ufffd" in column else column


def kost_dimensions(dimensions: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``KOST1``/``KOST2`` -> the Settings dimension each fills.

    When a dimension is named ``KOST1`` or ``KOST2`` (any case), only those names count; otherwise
    KOST1 is the first dimension and KOST2 the second.
    """
    named = {d.strip().upper(): d for d in dimensions if d.strip().upper() in ("KOST1", "KOST2")}
    if named:
        return named
    return dict(zip(("KOST1", "KOST2"), dimensions, strict=False))


# ------------------------------------------------------------------------------------- mapping


def map_table(table: RawTable, ctx: ImportContext) -> Mapped:
    """Two ledger lines per booking (see the module docstring)."""
    found = find(table)
    problems = [
        missing_column(table, COLUMNS[f][0], "a DATEV Buchungsstapel needs it for every booking")
        for f in REQUIRED
        if f not in found
    ]
    if any(f not in found for f in ("umsatz", "sh", "konto", "gegenkonto")):
        empty = pd.DataFrame(index=pd.RangeIndex(0))
        return Mapped(empty, np.asarray([], dtype=np.int64), {}, fnd.frame(problems))
    meta = metadata(table) or {}
    raw = table.frame.reset_index(drop=True)
    n = len(raw)
    rows = np.asarray(table.rows, dtype=np.int64)

    def col(field: str) -> pd.Series:
        if field not in found:
            return pd.Series("", index=raw.index, dtype="string")
        return parsing.as_text(raw[found[field]])

    voucher = col("belegfeld1")
    voucher = voucher.where(voucher != "", pd.Series([f"row-{r}" for r in rows], index=raw.index, dtype="string"))
    lines = pd.DataFrame({"where": table.where, "row": rows, "voucher": voucher})
    findings = [fnd.frame(problems)]

    flag = col("sh").str.upper()
    debit, credit = (flag == "S").to_numpy(), (flag == "H").to_numpy()
    bad_flag = ~(debit | credit)
    if bad_flag.any():
        findings.append(
            fnd.from_mask(
                "bad-value",
                lines,
                pd.Series(bad_flag, index=raw.index),
                column=_shown("sh", found),
                message="Soll/Haben-Kennzeichen '" + col("sh") + "' is not S or H; the booking's amounts are not read",
                fix="Use S (Konto debited) or H (Konto credited).",
            )
        )
    umsatz = _signed(col("umsatz"), credit).where(~bad_flag, "")

    currency = _currency(col("wkz"), meta.get("currency", ""))
    accounting, accounting_column = _accounting(found, col, currency, credit, bad_flag, ctx, meta, lines, findings)

    dates, date_format = _dates(col("belegdatum"), meta, lines, _shown("belegdatum", found), findings)

    bu = col("bu")
    text = col("text")
    suffix = ("[BU " + bu + "]").where(bu != "", "")
    text = (text + " " + suffix).str.strip().where(bu != "", text)
    findings.append(_vat_warnings(bu, lines, _shown("bu", found)))

    konto = pd.DataFrame(
        {
            "journal": meta.get("label", ""),
            "voucher": voucher,
            "date": dates,
            "account": col("konto"),
            "currency": currency,
            "amount": umsatz,
            "text": text,
        },
        index=raw.index,
    )
    if accounting is not None:
        konto["amount_accounting"] = accounting
    for kost, dimension in kost_dimensions(ctx.dimensions).items():
        if kost.lower() in found:
            konto[dimension] = col(kost.lower())
    other = konto.copy()
    other["account"] = col("gegenkonto")
    other["amount"] = _negated(umsatz)
    if accounting is not None:
        other["amount_accounting"] = _negated(accounting)
    konto[OFFSET_FLAG], other[OFFSET_FLAG] = False, True
    order = np.arange(2 * n).reshape(2, n).T.ravel()  # Konto line, then its Gegenkonto line
    frame = pd.concat([konto, other], ignore_index=True).iloc[order].reset_index(drop=True)

    columns = {
        "journal": "Bezeichnung (line 1)",
        "voucher": _shown("belegfeld1", found),
        "date": _shown("belegdatum", found),
        "account": _shown("konto", found),
        "currency": _shown("wkz", found) if "wkz" in found else "WKZ (line 1)",
        "amount": _shown("umsatz", found),
        "text": _shown("text", found),
        OFFSET_FLAG: _shown("gegenkonto", found),
    }
    if accounting is not None:
        columns["amount_accounting"] = accounting_column
    for kost, dimension in kost_dimensions(ctx.dimensions).items():
        if kost.lower() in found:
            columns[dimension] = _shown(kost.lower(), found)
    return Mapped(frame, np.repeat(rows, 2), columns, fnd.combine(findings), date_format=date_format, decimal=",")


def _signed(values: pd.Series, credit: np.ndarray) -> pd.Series:
    """Debit positive: an H amount gets a leading minus (a negative one loses it)."""
    return values.where(~credit | (values == ""), _negated(values))


def _negated(values: pd.Series) -> pd.Series:
    negative = values.str.startswith("-")
    flipped = ("-" + values).where(~negative, values.str.slice(1))
    return flipped.where(values != "", "")


def _currency(wkz: pd.Series, batch: str) -> pd.Series:
    default = (batch or DEFAULT_CURRENCY).strip().upper()
    return wkz.str.upper().where(wkz != "", default)


def _accounting(
    found: dict[str, str],
    col: Callable[[str], pd.Series],
    currency: pd.Series,
    credit: np.ndarray,
    bad_flag: np.ndarray,
    ctx: ImportContext,
    meta: dict[str, str],
    lines: pd.DataFrame,
    findings: list[pd.DataFrame],
) -> tuple[pd.Series | None, str]:
    """Signed accounting amounts as decimal-comma text (blank: the ledger converts), or None when
    the file has neither Basis-Umsatz nor Kurs; and the column findings name for them."""
    if "basis" not in found and "kurs" not in found:
        return None, ""
    target = ctx.accounting_currency.strip().upper()
    base = col("wkz_basis").str.upper()
    base = base.where(base != "", (meta.get("currency") or DEFAULT_CURRENCY).strip().upper())
    foreign = (currency != target) & (base == target) & ~pd.Series(bad_flag, index=currency.index)
    basis, kurs = col("basis"), col("kurs")
    out = pd.Series("", index=currency.index, dtype="string")
    given = foreign & (basis != "")
    out[given] = _signed(basis, credit)[given]
    by_rate = foreign & (basis == "") & (kurs != "") & (col("umsatz") != "")
    bad = pd.Series(False, index=currency.index)
    umsatz = col("umsatz")
    for i in np.flatnonzero(by_rate.to_numpy()):  # rare: foreign bookings without Basis-Umsatz
        try:
            rate = Decimal(kurs.iat[i].replace(",", "."))
            amount = Decimal(umsatz.iat[i].replace(",", "."))
        except InvalidOperation:
            rate = amount = Decimal(0)
        if not (rate > 0 and amount.is_finite()):
            bad.iat[i] = True
            continue
        minor = money.round_to_minor(amount / rate, target) * (-1 if credit[i] else 1)
        out.iat[i] = money.format_minor(minor, target).replace(".", ",")
    if bad.any():
        findings.append(
            fnd.from_mask(
                "bad-number",
                lines,
                bad,
                column=_shown("kurs", found),
                message="Kurs '" + kurs + "' is not a positive rate (expected e.g. 1,240402)",
            )
        )
    name = _shown("basis", found) if "basis" in found else _shown("kurs", found)
    if "basis" in found and "kurs" in found and by_rate.any():
        name = f"{name} or {_shown('kurs', found)}"
    return out, name


def _dates(
    values: pd.Series, meta: dict[str, str], lines: pd.DataFrame, column: str, findings: list[pd.DataFrame]
) -> tuple[pd.Series, str | None]:
    """``TTMM`` to ISO dates with the year of the fiscal year (module docstring); other text unchanged."""
    short = parsing.mask(values.str.fullmatch(r"\d{3,4}"))
    if not short.any():
        return values, None
    start = _fiscal_start(meta)
    if start is None:
        findings.append(
            fnd.from_mask(
                "bad-date",
                lines,
                short,
                column=column,
                message="Belegdatum '" + values + "' has no year, and the file has no EXTF metadata line (line 1) "
                "with the Wirtschaftsjahr-Beginn to take it from",
                fix="Read the DATEV file as exported, with its first line, or give full dates.",
            )
        )
        return values.where(~short, ""), None
    year, month0 = start
    padded = values[short].str.zfill(4)
    day = padded.str.slice(0, 2).astype(int)
    month = padded.str.slice(2, 4).astype(int)
    years = year + (month < month0).astype(int)
    iso = years.astype(str).str.zfill(4) + "-" + month.astype(str).str.zfill(2) + "-" + day.astype(str).str.zfill(2)
    valid = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").notna()
    out = values.copy()
    out[short] = iso.where(valid, values[short])
    return out, ("YYYY-MM-DD" if (short | (values == "")).all() else None)


def _fiscal_start(meta: dict[str, str]) -> tuple[int, int] | None:
    """(year, month) the batch's fiscal year starts: Wirtschaftsjahr-Beginn, else Datum vom."""
    for name in ("fiscal_year_start", "date_from"):
        value = meta.get(name, "")
        if re.fullmatch(r"\d{8}", value) and 1 <= int(value[4:6]) <= 12:
            return int(value[:4]), int(value[4:6])
    return None


def vat_split(keys: pd.Series) -> pd.Series:
    """True where a BU key makes DATEV split the amount into net and VAT (module docstring); a key
    that is not one to four digits counts too (closekit cannot tell what it does)."""
    text = keys.astype("string").fillna("").str.strip()
    numeric = parsing.mask(text.str.fullmatch(r"\d{1,4}"))
    tax = text.where(text.str.len() == 1, text.str.slice(1))
    zero = parsing.mask(tax.str.fullmatch(r"0+"))
    return (text != "") & ~(numeric & zero)


def _vat_warnings(bu: pd.Series, lines: pd.DataFrame, column: str) -> pd.DataFrame:
    hit = vat_split(bu)
    if not hit.any():
        return fnd.frame()
    numeric = parsing.mask(bu.str.fullmatch(r"\d{1,4}"))
    message = ("BU-Schlüssel " + bu + " makes DATEV split the booking into net amount and VAT").where(
        numeric, "BU-Schlüssel '" + bu + "' is not a DATEV key of 1 to 4 digits"
    ) + "; closekit books the gross Umsatz and keeps the key in the text"
    return fnd.from_mask(
        "bad-value", lines, hit, column=column, message=message, fix=VAT_FIX, severity=fnd.Severity.WARNING
    )


IMPORTER = Importer("datev", "DATEV Buchungsstapel", detect, map_table, read_text=read_datev)
