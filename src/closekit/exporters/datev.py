"""DATEV Buchungsstapel (formats.md 6a) as an upload file: EXTF 700, category 21, format version 13.

**File.** Windows-1252, ``;``, CR LF. Line 1 is the metadata line, line 2 the full header of the
125 columns of format version 13 (DATEV reads the columns by position and expects all of them),
then one booking per line: ``Umsatz`` unsigned with a decimal comma and no thousands separator,
``Soll/Haben-Kennzeichen`` relative to ``Konto`` (``S`` = Konto debited), ``WKZ Umsatz`` the
accounting currency, ``Konto``/``Gegenkonto``, ``Belegdatum`` as ``TTMM``, ``Belegfeld 1`` the
voucher, ``Buchungstext`` the line text and ``KOST1``/``KOST2`` the dimensions of
:func:`closekit.sources.importers.datev.kost_dimensions`. Text fields are quoted, numbers are not.

**Metadata line.** ``"EXTF";700;21;"Buchungsstapel";13;<created>;;"RE";"closekit";"";0;0;
<WJ-Beginn>;<Sachkontenlänge>;<Datum vom>;<Datum bis>;"closekit <period>";"";1;0;0;"<currency>";...``
(31 fields). *Erzeugt am* is the last day of the close period (``ExportContext.period``) at
00:00:00.000, so the same Adjustments always give the same bytes. *Beraternummer* and
*Mandantennummer* are ``0``: ExportContext does not carry them, and the user puts in theirs before
the import (a note says so). *WJ-Beginn* is the first day of the file's fiscal year; the fiscal
year starts in January unless the context has a ``fiscal_year_start`` month. *Sachkontenlänge* is
the length of the shortest account in the file (4 to 8). *Datum vom/bis* are the first and last
day of the months the file's bookings fall in. *Festschreibung* is 0 (not locked on import).

**Bookings.** Every DATEV line is a two-sided booking, so each voucher's lines are paired: the
voucher's line with the largest amount (the first of equals) is its *anchor*, and every other line
becomes one booking ``Konto`` = its account, ``Gegenkonto`` = the anchor's account, ``Umsatz`` = its
amount, ``S`` when it is a debit. A two-line voucher is one booking; the anchor account receives
the sum of the others, which is its own amount because the voucher balances, so every account's
total (and every voucher) is preserved. Lines of zero are left out (DATEV refuses an Umsatz of 0).
A booking's text is the line's text, else the anchor's; its KOST1/KOST2 are the line's dimension
values, else the anchor's. DATEV has one KOST1/KOST2 per booking: where the line and the anchor
have different non-empty values, the anchor's value is not written for that booking (a Warning).

**Limits** (``export-limit`` findings at the Adjustments row, checked on every line as written, so
the leading ``'`` that keeps a formula-like text a text counts): Buchungstext over 60 characters,
Belegfeld 1 over 36 characters or with characters other than ``A-Z a-z 0-9 $ & % * + - /``, an
account that is not 1 to 9 digits, an amount of more than 10 integer digits, KOST values over 36
characters, a value in a third dimension (DATEV has two), text that Windows-1252 cannot hold, and a
voucher that does not balance, has one line or more than one date. One file holds one fiscal year:
Adjustments spanning two fiscal years give one file per year.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core import money
from closekit.core.plural import plural
from closekit.exporters.base import Export, ExportContext, Exporter, amount_text, refuse, safe_text, unencodable
from closekit.sources.importers.datev import kost_dimensions

ENCODING = "cp1252"
TEXT_LIMIT = 60
VOUCHER_LIMIT = 36
KOST_LIMIT = 36
AMOUNT_DIGITS = 10
VOUCHER_CHARACTERS = r"[A-Za-z0-9$&%*+\-/]*"

HEADER = [
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "WKZ Umsatz",
    "Kurs",
    "Basis-Umsatz",
    "WKZ Basis-Umsatz",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel",
    "Belegdatum",
    "Belegfeld 1",
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
    "Postensperre",
    "Diverse Adressnummer",
    "Geschäftspartnerbank",
    "Sachverhalt",
    "Zinssperre",
    "Beleglink",
    *[f"Beleginfo - {kind} {i}" for i in range(1, 9) for kind in ("Art", "Inhalt")],
    "KOST1 - Kostenstelle",
    "KOST2 - Kostenstelle",
    "Kost-Menge",
    "EU-Land u. UStID (Bestimmung)",
    "EU-Steuersatz (Bestimmung)",
    "Abw. Versteuerungsart",
    "Sachverhalt L+L",
    "Funktionsergänzung L+L",
    "BU 49 Hauptfunktionstyp",
    "BU 49 Hauptfunktionsnummer",
    "BU 49 Funktionsergänzung",
    *[name for i in range(1, 21) for name in (f"Zusatzinformation - Art {i}", f"Zusatzinformation- Inhalt {i}")],
    "Stück",
    "Gewicht",
    "Zahlweise",
    "Forderungsart",
    "Veranlagungsjahr",
    "Zugeordnete Fälligkeit",
    "Skontotyp",
    "Auftragsnummer",
    "Buchungstyp",
    "USt-Schlüssel (Anzahlungen)",
    "EU-Land (Anzahlungen)",
    "Sachverhalt L+L (Anzahlungen)",
    "EU-Steuersatz (Anzahlungen)",
    "Erlöskonto (Anzahlungen)",
    "Herkunft-Kz",
    "Buchungs GUID",
    "KOST-Datum",
    "SEPA-Mandatsreferenz",
    "Skontosperre",
    "Gesellschaftername",
    "Beteiligtennummer",
    "Identifikationsnummer",
    "Zeichnernummer",
    "Postensperre bis",
    "Bezeichnung SoBil-Sachverhalt",
    "Kennzeichen SoBil-Buchung",
    "Festschreibung",
    "Leistungsdatum",
    "Datum Zuord. Steuerperiode",
    "Fälligkeit",
    "Generalumkehr (GU)",
    "Steuersatz",
    "Land",
    "Abrechnungsreferenz",
    "BVV-Position",
    "EU-Land u. UStID (Ursprung)",
    "EU-Steuersatz (Ursprung)",
    "Abw. Skontokonto",
]
#: The columns closekit fills, and whether DATEV wants the value in quotes (text fields).
FILLED = {
    "Umsatz (ohne Soll/Haben-Kz)": False,
    "Soll/Haben-Kennzeichen": True,
    "WKZ Umsatz": True,
    "Konto": False,
    "Gegenkonto (ohne BU-Schlüssel)": False,
    "Belegdatum": False,
    "Belegfeld 1": True,
    "Buchungstext": True,
    "KOST1 - Kostenstelle": True,
    "KOST2 - Kostenstelle": True,
}


def write(lines: pd.DataFrame, ctx: ExportContext) -> Export:
    """The Adjustments as DATEV Buchungsstapel files, one per fiscal year (module docstring)."""
    lines = lines.reset_index(drop=True)
    ccy = ctx.accounting_currency
    kost = kost_dimensions(ctx.dimensions)
    text = safe_text(lines["text"])
    voucher = safe_text(lines["voucher"])
    account = lines["account"].astype(str)
    amount = lines["amount_accounting"].astype("int64")
    values = {k: safe_text(lines[d]) for k, d in kost.items()}
    found = [_limits(lines, ctx, kost, text, voucher, account, amount, values)]
    bookings, problems = _bookings(lines, amount, text, voucher, values, kost)
    found.append(problems)
    start_month = ctx.fiscal_year_start
    dates = bookings["date"]
    fiscal = dates.dt.year - (dates.dt.month < start_month).astype(int)
    years = sorted(int(y) for y in fiscal.dropna().unique()) or [_fiscal_year(ctx, start_month)]
    files = [_file(bookings[fiscal == y], ctx, dt.date(y, start_month, 1)) for y in years]
    notes = [
        "DATEV: put your Beraternummer and Mandantennummer in fields 11 and 12 of line 1 (written as 0) "
        "and check the Sachkontenlänge (field 14) before the import."
    ]
    if len(files) > 1:
        notes.append(f"DATEV: the adjustments span {len(files)} fiscal years, one file each.")
    skipped = int((amount == 0).sum())
    if skipped:
        verb = "is" if skipped == 1 else "are"
        notes.append(f"DATEV: {plural(skipped, 'line')} of 0.00 {verb} not written (DATEV refuses an Umsatz of 0).")
    if ccy != "EUR":
        notes.append(f"DATEV: the bookings are in {ccy}; a DATEV client keeps its books in EUR.")
    return Export(files, ".csv", fnd.combine(found), notes)


def _limits(
    lines: pd.DataFrame,
    ctx: ExportContext,
    kost: dict[str, str],
    text: pd.Series,
    voucher: pd.Series,
    account: pd.Series,
    amount: pd.Series,
    values: dict[str, pd.Series],
) -> pd.DataFrame:
    """``export-limit`` findings for every line DATEV would refuse (module docstring, Limits)."""
    found = []
    long_text = text.str.len() > TEXT_LIMIT
    found.append(
        refuse(
            lines,
            long_text,
            "Text",
            "Buchungstext has " + text.str.len().astype(str) + f" characters; DATEV takes at most {TEXT_LIMIT}",
            f"Shorten the text to {TEXT_LIMIT} characters.",
        )
    )
    found.append(
        refuse(
            lines,
            lines["date"].isna(),
            "Date",
            "the line has no date; DATEV needs a Belegdatum",
            "Give the line a date.",
        )
    )
    for column, value in (("Text", text), *((kost[k], v) for k, v in values.items())):
        found.append(
            refuse(
                lines,
                value.str.contains(r"[\r\n]", regex=True).fillna(False).astype(bool),
                column,
                "the text has a line break, which a DATEV import file cannot hold",
                "Write the text on one line.",
            )
        )
    long_voucher = voucher.str.len() > VOUCHER_LIMIT
    found.append(
        refuse(
            lines,
            long_voucher,
            "Voucher",
            "voucher '" + voucher + f"' is longer than the {VOUCHER_LIMIT} characters of DATEV's Belegfeld 1",
            f"Use a voucher number of at most {VOUCHER_LIMIT} characters.",
        )
    )
    odd = ~voucher.str.fullmatch(VOUCHER_CHARACTERS).fillna(False).astype(bool) & ~long_voucher
    found.append(
        refuse(
            lines,
            odd,
            "Voucher",
            "voucher '"
            + voucher
            + "' has characters DATEV's Belegfeld 1 does not take (only A-Z, a-z, 0-9 and $ & % * + - /)",
            "Rename the voucher with letters, digits and - or /.",
        )
    )
    found.append(
        refuse(
            lines,
            ~account.str.fullmatch(r"\d{1,9}").fillna(False).astype(bool),
            "Account",
            "account '" + account + "' is not a DATEV account number (1 to 9 digits)",
            "Map the account to its DATEV number (digits only) in the chart of accounts.",
        )
    )
    limit = 10 ** (AMOUNT_DIGITS + money.exponent(ctx.accounting_currency))
    found.append(
        refuse(
            lines,
            amount.abs() >= limit,
            "AmountAccounting",
            f"the amount has more than {AMOUNT_DIGITS} digits before the decimal point, more than DATEV's Umsatz holds",
            "Split the adjustment into smaller amounts.",
        )
    )
    for name, value in values.items():
        found.append(
            refuse(
                lines,
                value.str.len() > KOST_LIMIT,
                kost[name],
                f"{kost[name]} '" + value + f"' is longer than the {KOST_LIMIT} characters of DATEV's {name}",
                f"Use dimension values of at most {KOST_LIMIT} characters.",
            )
        )
    for dimension in ctx.dimensions:
        if dimension not in kost.values():
            found.append(
                refuse(
                    lines,
                    lines[dimension].fillna("").astype(str) != "",
                    dimension,
                    f"DATEV has two cost fields (KOST1 = {kost.get('KOST1', '-')}, KOST2 = {kost.get('KOST2', '-')}); "
                    f"the value of {dimension} would be lost",
                    "Clear this dimension on the line, or export in another format.",
                )
            )
    for column, value in (("Text", text), ("Voucher", voucher), *((kost[k], v) for k, v in values.items())):
        bad = unencodable(value, ENCODING)
        found.append(
            refuse(
                lines,
                bad,
                column,
                "'" + value.str.slice(0, 40) + "' has characters Windows-1252 cannot hold (DATEV reads Windows-1252)",
                "Replace the characters (e.g. with Latin letters).",
            )
        )
    return fnd.combine(found)


def _bookings(
    lines: pd.DataFrame,
    amount: pd.Series,
    text: pd.Series,
    voucher: pd.Series,
    values: dict[str, pd.Series],
    kost: dict[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every voucher's lines as bookings against its anchor line, and the vouchers that cannot be."""
    found = []
    key = lines["voucher"].astype(str)
    balance = amount.groupby(key, sort=False).transform("sum")
    dates = lines["date"].groupby(key, sort=False).transform("nunique")
    nonzero = amount != 0
    count = nonzero.groupby(key, sort=False).transform("sum")
    first = ~key.duplicated()
    found.append(
        refuse(
            lines,
            first & (balance != 0),
            "AmountAccounting",
            "voucher " + key + " does not balance: DATEV books every line against another",
            "Correct the voucher so that its debits equal its credits.",
        )
    )
    found.append(
        refuse(
            lines,
            first & (balance == 0) & (count == 1),
            "AmountAccounting",
            "voucher " + key + " has one line with an amount: a DATEV booking needs a Gegenkonto",
            "Add the opposite line to the voucher.",
        )
    )
    found.append(
        refuse(
            lines,
            first & (dates > 1),
            "Date",
            "voucher " + key + " has lines on more than one date: its lines are booked against each other, "
            "so they need one Belegdatum",
            "Give every line of the voucher the same date, or split it into one voucher per date.",
        )
    )
    size = amount.abs().where(nonzero, -1)
    anchor = size.groupby(key, sort=False).transform("idxmax")
    partner = nonzero & (anchor != lines.index)
    rows = lines.index[partner]
    anchors = anchor[partner].to_numpy()
    own_text = text[rows]
    kosts = {}
    for name, value in values.items():
        mine, theirs = value[rows], value.loc[anchors].set_axis(rows)
        kosts[name] = mine.where(mine != "", theirs)
        clash = pd.Series(False, index=lines.index)
        clash[rows] = ((mine != "") & (theirs != "") & (mine != theirs)).to_numpy()
        if not clash.any():
            continue
        message = pd.Series("", index=lines.index, dtype=object)
        message[rows] = [
            f"DATEV has one {name} per booking: this line is booked against account {a} (row {r}), whose "
            f"{kost[name]} {t} is not written for this booking; DATEV's cost accounting sees {m} on both sides"
            for a, r, t, m in zip(lines.loc[anchors, "account"], lines.loc[anchors, "row"], theirs, mine, strict=True)
        ]
        found.append(
            fnd.from_mask(
                "export-limit",
                lines,
                clash,
                column=kost[name],
                message=message,
                fix="Accept DATEV's cost assignment, or add a line without dimensions (e.g. a clearing account) "
                "for this line to be booked against.",
                severity=fnd.Severity.WARNING,
            )
        )
    bookings = pd.DataFrame(
        {
            "amount": amount[rows],
            "account": lines.loc[rows, "account"].astype(str),
            "other": lines.loc[anchors, "account"].astype(str).to_numpy(),
            "date": lines.loc[rows, "date"],
            "voucher": voucher[rows],
            "text": own_text.where(own_text != "", text.loc[anchors].set_axis(rows)),
            **{name: kosts[name] for name in values},
        },
        index=rows,
    )
    return bookings, fnd.combine(found)


def _file(bookings: pd.DataFrame, ctx: ExportContext, fiscal_start: dt.date) -> bytes:
    ccy = ctx.accounting_currency
    amount = bookings["amount"]
    cells = pd.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": amount_text(amount.abs(), ccy, decimal=","),
            "Soll/Haben-Kennzeichen": np.where(amount > 0, "S", "H"),
            "WKZ Umsatz": ccy,
            "Konto": bookings["account"],
            "Gegenkonto (ohne BU-Schlüssel)": bookings["other"],
            "Belegdatum": bookings["date"].dt.strftime("%d%m"),
            "Belegfeld 1": bookings["voucher"],
            "Buchungstext": bookings["text"],
            "KOST1 - Kostenstelle": bookings.get("KOST1", ""),
            "KOST2 - Kostenstelle": bookings.get("KOST2", ""),
        },
        index=bookings.index,
    )
    out = [_metadata_line(bookings, ctx, fiscal_start), ";".join(HEADER)]
    quoted = [FILLED.get(name) for name in HEADER]
    columns = [cells[name].astype(str).tolist() if name in FILLED else None for name in HEADER]
    for i in range(len(cells)):
        out.append(
            ";".join(
                "" if col is None else (_quote(col[i]) if quote else col[i])
                for col, quote in zip(columns, quoted, strict=True)
            )
        )
    return ("\r\n".join(out) + "\r\n").encode(ENCODING, errors="replace")


def _fiscal_year(ctx: ExportContext, start_month: int) -> int:
    """The fiscal year of the close period (for a file without bookings)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", ctx.period.strip())
    if not match:
        return dt.date.today().year if start_month == 1 else dt.date.today().year - 1
    year, month = int(match[1]), int(match[2])
    return year if month >= start_month else year - 1


def _metadata_line(bookings: pd.DataFrame, ctx: ExportContext, fiscal_start: dt.date) -> str:
    first, last = bookings["date"].min(), bookings["date"].max()
    if pd.isna(first):
        first = last = pd.Timestamp(fiscal_start)
    date_from = first.date().replace(day=1)
    date_to = (last + pd.offsets.MonthEnd(0)).date()
    lengths = bookings[["account", "other"]].stack().astype(str).str.len()
    length = min(max(int(lengths.min()) if len(lengths) else 4, 4), 8)
    label = f"closekit {ctx.period}".strip()[:30]
    fields = [
        _quote("EXTF"),
        "700",
        "21",
        _quote("Buchungsstapel"),
        "13",
        _created(ctx, date_to),
        "",
        _quote("RE"),
        _quote("closekit"),
        _quote(""),
        "0",
        "0",
        fiscal_start.strftime("%Y%m%d"),
        str(length),
        date_from.strftime("%Y%m%d"),
        date_to.strftime("%Y%m%d"),
        _quote(label),
        _quote(""),
        "1",
        "0",
        "0",
        _quote(ctx.accounting_currency),
        "",
        _quote(""),
        "",
        "",
        _quote(""),
        "",
        "",
        _quote(""),
        _quote(""),
    ]
    return ";".join(fields)


def _created(ctx: ExportContext, fallback: dt.date) -> str:
    """*Erzeugt am*: the close period's last day at midnight (deterministic), else ``fallback``."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", ctx.period.strip())
    day = fallback
    if match and 1 <= int(match[2]) <= 12:
        day = (pd.Timestamp(int(match[1]), int(match[2]), 1) + pd.offsets.MonthEnd(0)).date()
    return day.strftime("%Y%m%d") + "000000000"


def _quote(value: str) -> str:
    return '"' + str(value).replace('"', '""') + '"'


EXPORTER = Exporter("datev", "DATEV Buchungsstapel", ".csv", write)
