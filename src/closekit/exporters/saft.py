"""SAF-T Financial XML (formats.md 6b): the adjustments as ``GeneralLedgerEntries``, Norway 1.30.

One UTF-8 file in the namespace ``urn:StandardAuditFile-Taxation-Financial:NO``, valid against
Skatteetaten's ``Norwegian_SAF-T_Financial_Schema_v_1.30.xsd``, that the SAF-T reader
(:mod:`closekit.sources.importers.saft`) reads back to the same lines.

* **Header.** AuditFileVersion ``1.30``, AuditFileCountry ``NO``, AuditFileDateCreated = the latest
  line date (else the last day of Settings ``Period``): never the clock, so the same adjustments
  give the same bytes. SoftwareCompanyName/SoftwareID ``closekit``, SoftwareVersion closekit's
  version. Company Name = Settings ``Company`` (``unknown`` when empty). The schema also requires a
  RegistrationNumber and a Contact person (FirstName, LastName), which the close does not know:
  they are written as the placeholder ``UNKNOWN`` and a note says so. (Settings keys that would fill
  them: ``CompanyRegistrationNumber``, ``ContactFirstName``, ``ContactLastName``; the writer already
  takes ``registration_number``, ``contact_first_name`` and ``contact_last_name`` from the
  :class:`~closekit.exporters.base.ExportContext` once it has them.) DefaultCurrencyCode = the
  accounting currency. SelectionCriteria: PeriodStart/PeriodEnd = the month of Settings ``Period``
  when it reads ``YYYY-MM``, else the first and last month of the lines' dates. TaxAccountingBasis
  ``A``; a HeaderComment says the file holds closekit adjustments only.
* **MasterFiles** are optional in the schema. GeneralLedgerAccounts is left out: each Account there
  requires a GroupingCategory/GroupingCode and opening and closing balances, which the lines do not
  carry (and zeros would be false). An AnalysisTypeTable lists each dimension value used (below).
* **GeneralLedgerEntries.** NumberOfEntries = the number of transactions, TotalDebit/TotalCredit =
  the sums of the lines' debits and credits. One ``Journal`` per closekit journal (JournalID = the
  journal, Description ``closekit <journal> adjustments``, Type ``GL``), one ``Transaction`` per
  voucher in it (TransactionID = voucher; Period/PeriodYear = the calendar month and year of its
  date, i.e. a fiscal year that starts in January; TransactionDate = SystemEntryDate = GLPostingDate
  = the voucher's date; VoucherType = the journal; SourceID ``closekit``; Description = the text of
  its first line with one, else the voucher), one ``Line`` per line (RecordID = line number,
  AccountID, ``Analysis`` per non-empty dimension, Description = text, ``DebitAmount`` for an
  amount >= 0 else ``CreditAmount``, whose ``Amount`` is the magnitude with the currency's decimals:
  ``1500`` JPY, ``2400.00`` EUR, ``1.500`` KWD). Lines keep their order; a voucher's lines are
  gathered under its first appearance.
* **Dimensions.** AnalysisType is a code of at most 9 characters: the dimension's name when it fits,
  else ``D<position>`` (``D1`` for the first Settings dimension). The AnalysisTypeTable gives each
  code its dimension name as AnalysisTypeDescription, which the reader matches, and each value as
  AnalysisID (AnalysisIDDescription repeats the value: the writer has no value names).
* **Text.** Built with :mod:`xml.etree.ElementTree`, which escapes ``&``, ``<`` and ``>``: no text
  can make markup. Characters XML 1.0 cannot hold (C0 controls other than tab and line feed,
  surrogates, U+FFFE/U+FFFF) are removed, with a note; CR and CRLF become LF, as any XML parser
  would read them.

**Limits** of the schema (``export-limit`` findings at the Adjustments rows; lengths count
characters after the cleaning above): JournalID 18 (SAFshorttextType), TransactionID 70
(SAFmiddle2textType), RecordID 18, AccountID 70, line Description 256 (SAFlongtextType),
dimension value 35 (AnalysisID of the AnalysisTypeTable, SAFmiddle1textType), dimension name 256;
amounts (SAFmonetaryType) at most 2 significant decimals (so a KWD amount must end in 0) and 18
digits, the totals included; PeriodYear 1970 to 2100; one date per voucher; a voucher in one
journal only (TransactionID identifies a transaction in the file); every line dated.

The schema's ``xs:key``/``xs:keyref`` constraints name elements without the namespace prefix, so
in XSD 1.0 they select nothing and do not apply (a line's AccountID need not be in MasterFiles).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
import pandas as pd

from closekit.core import cell_text, money
from closekit.core import findings as fnd
from closekit.core.plural import plural
from closekit.core.version import VERSION
from closekit.exporters.base import Export, ExportContext, Exporter, amount_text, refuse

NAMESPACE = "urn:StandardAuditFile-Taxation-Financial:NO"
AUDIT_FILE_VERSION = "1.30"
COUNTRY = "NO"
SOFTWARE = "closekit"
PLACEHOLDER = "UNKNOWN"
UNKNOWN_COMPANY = "unknown"
JOURNAL_TYPE = "GL"
#: maxLength of the schema's text types.
CODE, SHORT, MIDDLE1, MIDDLE2, LONG = 9, 18, 35, 70, 256
#: SAFmonetaryType: xs:decimal with totalDigits 18 and fractionDigits 2.
MONEY_DIGITS, MONEY_DECIMALS = 18, 2
FIRST_YEAR, LAST_YEAR = 1970, 2100
#: Characters XML 1.0 cannot hold (tab, LF and CR are allowed; CR is turned into LF first).
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
PERIOD = re.compile(r"(\d{4})-(\d{2})")
FALLBACK_DATE = pd.Timestamp("1970-01-01")


@dataclass(frozen=True)
class _Field:
    """A text the schema limits: the line column, the Adjustments column, the element and its type."""

    column: str
    label: str
    element: str
    limit: int
    kind: str
    fix: str


FIELDS = (
    _Field("journal", "Journal", "JournalID", SHORT, "SAFshorttextType", "Use a journal of at most 18 characters."),
    _Field("voucher", "Voucher", "TransactionID", MIDDLE2, "SAFmiddle2textType", "Use a shorter voucher number."),
    _Field("line", "Line", "RecordID", SHORT, "SAFshorttextType", "Number the lines with smaller numbers."),
    _Field("account", "Account", "AccountID", MIDDLE2, "SAFmiddle2textType", "Use an account of at most 70 characters"),
    _Field("text", "Text", "Description", LONG, "SAFlongtextType", "Shorten the text to 256 characters."),
)


def _lf(values: pd.Series) -> pd.Series:
    """Python strings (empty for a blank cell) with CR and CRLF as LF, as an XML parser reads them."""
    cells = values.astype(object).where(values.notna(), "").to_numpy()
    return pd.Series([_as_lf(str(c)) for c in cells], index=values.index, dtype=object)


def clean(values: pd.Series) -> pd.Series:
    """Text XML 1.0 can hold: CR and CRLF as LF, the characters it cannot hold removed."""
    return _drop_illegal(_lf(values))


def _as_lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _drop_illegal(values: pd.Series) -> pd.Series:
    return pd.Series([cell_text.clean(ILLEGAL.sub("", t)) for t in values], index=values.index, dtype=object)


def analysis_codes(dimensions: tuple[str, ...]) -> dict[str, str]:
    """AnalysisType code of each dimension: its name when at most 9 characters, else ``D<n>``;
    unique without regard to case, as the reader matches them."""
    reserved = {d.lower() for d in dimensions if 0 < len(d) <= CODE}
    taken: set[str] = set()
    codes = {}
    for position, name in enumerate(dimensions, start=1):
        if 0 < len(name) <= CODE and name.lower() not in taken:
            code = name
        else:
            candidates = (f"D{position}" if k == 0 else f"D{position}_{k}" for k in range(len(dimensions) + 2))
            code = next(c for c in candidates if c.lower() not in reserved | taken)
        taken.add(code.lower())
        codes[name] = code
    return codes


def write(lines: pd.DataFrame, ctx: ExportContext) -> Export:
    ccy = ctx.accounting_currency.strip().upper()
    places = money.exponent(ccy)
    index = lines.index
    raw = {name: _lf(lines[name]) for name in ("journal", "voucher", "account", "text", *ctx.dimensions)}
    removed = sum(sum(ILLEGAL.search(t) is not None for t in values) for values in raw.values())
    text = {name: _drop_illegal(values) for name, values in raw.items()}
    journal, voucher = text["journal"], text["voucher"]
    key = pd.Series(list(zip(journal, voucher, strict=True)), index=index, dtype=object)
    position = voucher.groupby(key, sort=False).cumcount() + 1
    line = lines["line"]
    text["line"] = line.astype("Int64").astype(str).where(line.notna(), position.astype(str))
    amount = lines["amount_accounting"].astype("int64")
    dates = lines["date"]
    voucher_date = dates.groupby(key, sort=False).transform("first")

    found = [_lengths(lines, text, key), _dimension_limits(lines, text, ctx.dimensions)]
    found += _dates(lines, key, voucher_date)
    found += _amounts(lines, amount, places)
    found.append(_one_journal(lines, journal, voucher))
    debit = int(amount[amount > 0].astype(object).sum())
    credit = -int(amount[amount < 0].astype(object).sum())
    for label, total in (("debits", debit), ("credits", credit)):
        if _digits(total, places)[0] > MONEY_DIGITS:
            found.append(
                refuse(
                    lines,
                    pd.Series(np.arange(len(lines)) == 0, index=index),
                    "AmountAccounting",
                    f"the total of the {label} ({money.format_minor(total, ccy)}) has more than {MONEY_DIGITS} "
                    "digits, more than SAF-T's TotalDebit/TotalCredit hold",
                    "Export the adjustments in smaller parts.",
                )
            )

    latest = dates.max()
    period = _period(ctx.period)
    if pd.notna(latest):
        created = latest
    elif period:
        created = pd.Timestamp(year=period[0], month=period[1], day=1) + pd.offsets.MonthEnd(0)
    else:
        created = FALLBACK_DATE
    voucher_date = voucher_date.fillna(created)
    codes = analysis_codes(ctx.dimensions)

    root = _element(None, "AuditFile")
    notes = _header(root, ctx, ccy, created, period, dates)
    _master_files(root, text, ctx.dimensions, codes)
    entries = _element(root, "GeneralLedgerEntries")
    _element(entries, "NumberOfEntries", str(key.nunique()))
    _element(entries, "TotalDebit", money.format_minor(debit, ccy))
    _element(entries, "TotalCredit", money.format_minor(credit, ccy))
    _journals(entries, text, key, voucher_date, amount, ccy, ctx.dimensions, codes)

    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", default_namespace=NAMESPACE)
    data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")
    if removed:
        it = "it was" if removed == 1 else "they were"
        notes.append(
            f"{plural(removed, 'text')} held characters XML 1.0 cannot hold (control characters); {it} removed."
        )
    renamed = [f"{code} = {name}" for name, code in codes.items() if code != name]
    if renamed:
        notes.append(
            "analysis types (at most 9 characters in SAF-T): " + ", ".join(renamed) + ", as the AnalysisTypeTable says"
        )
    return Export([data], ".xml", fnd.combine(found), notes)


# ------------------------------------------------------------------------------------ the XML


def _element(parent: ET.Element | None, name: str, text: str | None = None) -> ET.Element:
    tag = f"{{{NAMESPACE}}}{name}"
    element = ET.Element(tag) if parent is None else ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _header(
    root: ET.Element,
    ctx: ExportContext,
    ccy: str,
    created: pd.Timestamp,
    period: tuple[int, int] | None,
    dates: pd.Series,
) -> list[str]:
    """The Header; returns the notes about its placeholders."""
    header = _element(root, "Header")
    _element(header, "AuditFileVersion", AUDIT_FILE_VERSION)
    _element(header, "AuditFileCountry", COUNTRY)
    _element(header, "AuditFileDateCreated", created.strftime("%Y-%m-%d"))
    _element(header, "SoftwareCompanyName", SOFTWARE)
    _element(header, "SoftwareID", SOFTWARE)
    _element(header, "SoftwareVersion", VERSION.split("+")[0][:SHORT])
    notes = []
    company = _element(header, "Company")
    registration = _setting(ctx, "registration_number", MIDDLE1)
    name = _one(ctx.company)
    _element(company, "RegistrationNumber", registration or PLACEHOLDER)
    _element(company, "Name", name[:LONG] or UNKNOWN_COMPANY)
    contact = _element(_element(company, "Contact"), "ContactPerson")
    first, last = _setting(ctx, "contact_first_name", MIDDLE1), _setting(ctx, "contact_last_name", MIDDLE2)
    _element(contact, "FirstName", first or PLACEHOLDER)
    _element(contact, "LastName", last or PLACEHOLDER)
    given = {"Company RegistrationNumber": registration, "Contact FirstName": first, "Contact LastName": last}
    missing = [label for label, value in given.items() if not value]
    if missing:
        notes.append(
            f"the SAF-T header requires {', '.join(missing)}, which the close does not know: written as "
            f"'{PLACEHOLDER}'; fill them in before the file goes to the tax administration or an ERP that checks them."
        )
    if not name:
        notes.append(f"Settings Company is empty: the SAF-T Company Name is '{UNKNOWN_COMPANY}'.")
    elif len(name) > LONG:
        notes.append(f"Settings Company is longer than SAF-T's {LONG} characters: the Company Name is cut.")
    _element(header, "DefaultCurrencyCode", ccy)
    criteria = _element(header, "SelectionCriteria")
    known = dates.dropna()
    if period:
        first_month = last_month = period
    elif len(known):
        low, high = known.min(), known.max()
        first_month, last_month = (low.year, low.month), (high.year, high.month)
    else:
        first_month = last_month = None
    if first_month and last_month and all(FIRST_YEAR <= y <= LAST_YEAR for y in (first_month[0], last_month[0])):
        _element(criteria, "PeriodStart", str(first_month[1]))
        _element(criteria, "PeriodStartYear", str(first_month[0]))
        _element(criteria, "PeriodEnd", str(last_month[1]))
        _element(criteria, "PeriodEndYear", str(last_month[0]))
    _element(header, "HeaderComment", "Adjustment journals written by closekit: no master data or balances.")
    _element(header, "TaxAccountingBasis", "A")
    return notes


def _master_files(
    root: ET.Element, text: dict[str, pd.Series], dimensions: tuple[str, ...], codes: dict[str, str]
) -> None:
    """An AnalysisTypeTable of the dimension values used, when there are any."""
    used = {d: pd.unique(text[d][text[d] != ""]) for d in dimensions}
    if not any(len(values) for values in used.values()):
        return
    table = _element(_element(root, "MasterFiles"), "AnalysisTypeTable")
    for dimension, values in used.items():
        for value in values:
            entry = _element(table, "AnalysisTypeTableEntry")
            _element(entry, "AnalysisType", codes[dimension])
            _element(entry, "AnalysisTypeDescription", _one(dimension))
            _element(entry, "AnalysisID", value)
            _element(entry, "AnalysisIDDescription", value)


def _journals(
    entries: ET.Element,
    text: dict[str, pd.Series],
    key: pd.Series,
    voucher_date: pd.Series,
    amount: pd.Series,
    ccy: str,
    dimensions: tuple[str, ...],
    codes: dict[str, str],
) -> None:
    """Journal > Transaction > Line, in the order journals and vouchers first appear."""
    journal_code = pd.Series(pd.factorize(text["journal"])[0], index=key.index)
    voucher_code = pd.Series(pd.factorize(key)[0], index=key.index)
    order = np.lexsort((np.arange(len(key)), voucher_code.to_numpy(), journal_code.to_numpy()))
    line_text = text["text"]
    description = line_text.where(line_text != "").groupby(key, sort=False).transform("first")
    description = description.fillna(text["voucher"])
    columns = [
        text["journal"],
        key,
        text["voucher"],
        voucher_date.dt.strftime("%Y-%m-%d"),
        voucher_date.dt.year.astype(str),
        voucher_date.dt.month.astype(str),
        description,
        text["line"],
        text["account"],
        line_text,
        amount >= 0,
        amount_text(amount.abs(), ccy),
        *(text[d] for d in dimensions),
    ]
    rows = zip(*(c.to_numpy()[order] for c in columns), strict=True)
    journal = transaction = None
    last_journal = last_key = None
    for journal_id, this_key, voucher, date, year, month, about, record, account, line, debit, amount_, *values in rows:
        if journal is None or journal_id != last_journal:
            last_journal = journal_id
            journal = _element(entries, "Journal")
            _element(journal, "JournalID", journal_id)
            _element(journal, "Description", f"closekit {journal_id} adjustments"[:LONG])
            _element(journal, "Type", JOURNAL_TYPE)
        if transaction is None or this_key != last_key:
            last_key = this_key
            transaction = _element(journal, "Transaction")
            _element(transaction, "TransactionID", voucher)
            _element(transaction, "Period", month)
            _element(transaction, "PeriodYear", year)
            _element(transaction, "TransactionDate", date)
            _element(transaction, "SourceID", SOFTWARE)
            _element(transaction, "VoucherType", journal_id[:MIDDLE2])
            _element(transaction, "Description", about)
            _element(transaction, "SystemEntryDate", date)
            _element(transaction, "GLPostingDate", date)
        element = _element(transaction, "Line")
        _element(element, "RecordID", record)
        _element(element, "AccountID", account)
        for dimension, value in zip(dimensions, values, strict=True):
            if value:
                analysis = _element(element, "Analysis")
                _element(analysis, "AnalysisType", codes[dimension])
                _element(analysis, "AnalysisID", value)
        _element(element, "Description", line)
        _element(_element(element, "DebitAmount" if debit else "CreditAmount"), "Amount", amount_)


# ------------------------------------------------------------------------------------ limits


def _lengths(lines: pd.DataFrame, text: dict[str, pd.Series], key: pd.Series) -> pd.DataFrame:
    """Texts longer than their element holds: journal and voucher at their first line, the rest per line."""
    first = {"journal": ~text["journal"].duplicated(), "voucher": ~key.duplicated()}
    found = []
    for field in FIELDS:
        value = text[field.column]
        size = value.str.len()
        mask = (size > field.limit) & first.get(field.column, True)
        found.append(
            refuse(
                lines,
                mask,
                field.label,
                f"{field.label.lower()} '"
                + value.str.slice(0, 40)
                + "' has "
                + size.astype(str)
                + f" characters; SAF-T's {field.element} holds at most {field.limit} ({field.kind})",
                field.fix,
            )
        )
    return fnd.combine(found)


def _dimension_limits(lines: pd.DataFrame, text: dict[str, pd.Series], dimensions: tuple[str, ...]) -> pd.DataFrame:
    found = []
    for dimension in dimensions:
        value = text[dimension]
        size = value.str.len()
        found.append(
            refuse(
                lines,
                size > MIDDLE1,
                dimension,
                f"{dimension} '"
                + value.str.slice(0, 40)
                + "' has "
                + size.astype(str)
                + f" characters; SAF-T's AnalysisID in the AnalysisTypeTable holds at most {MIDDLE1}",
                f"Use {dimension} values of at most {MIDDLE1} characters.",
            )
        )
        if len(_one(dimension)) > LONG:
            found.append(
                refuse(
                    lines,
                    value != "",
                    dimension,
                    f"the dimension's name is longer than the {LONG} characters of SAF-T's AnalysisTypeDescription",
                    "Give the dimension a shorter name in Settings Dimensions.",
                )
            )
    return fnd.combine(found)


def _dates(lines: pd.DataFrame, key: pd.Series, voucher_date: pd.Series) -> list[pd.DataFrame]:
    dates = lines["date"]
    days = dates.groupby(key, sort=False).transform("nunique")
    year = voucher_date.dt.year
    return [
        refuse(
            lines,
            dates.isna(),
            "Date",
            "the line has no date; SAF-T needs a TransactionDate",
            "Give the line a date.",
        ),
        refuse(
            lines,
            (days > 1) & ~key.duplicated(),
            "Date",
            "voucher '" + lines["voucher"].astype(str) + "' has lines on " + days.astype(str) + " dates; a SAF-T "
            "transaction has one TransactionDate",
            "Date every line of the voucher on the same day.",
        ),
        refuse(
            lines,
            ((year < FIRST_YEAR) | (year > LAST_YEAR)).fillna(False).astype(bool),
            "Date",
            f"the date's year is outside SAF-T's PeriodYear range {FIRST_YEAR} to {LAST_YEAR}",
            "Correct the date.",
        ),
    ]


def _amounts(lines: pd.DataFrame, amount: pd.Series, places: int) -> list[pd.DataFrame]:
    """Amounts SAFmonetaryType cannot hold: more than 2 significant decimals, more than 18 digits."""
    magnitude = amount.abs()
    fine = (
        (magnitude % 10 ** (places - MONEY_DECIMALS) != 0) if places > MONEY_DECIMALS else pd.Series(False, lines.index)
    )
    # Only an amount of 19 digits or more in minor units can have more than 18 significant digits.
    big = magnitude >= 10**MONEY_DIGITS
    long = np.zeros(len(lines), dtype=bool)
    long[big.to_numpy()] = [_digits(int(m), places)[0] > MONEY_DIGITS for m in magnitude[big]]
    return [
        refuse(
            lines,
            fine,
            "AmountAccounting",
            f"the amount has {places} significant decimals; SAF-T amounts (SAFmonetaryType) hold at most "
            f"{MONEY_DECIMALS}",
            f"Round the adjustment to {MONEY_DECIMALS} decimals, or export in another format.",
        ),
        refuse(
            lines,
            pd.Series(long, index=lines.index),
            "AmountAccounting",
            f"the amount has more than {MONEY_DIGITS} digits, more than SAF-T amounts (SAFmonetaryType) hold",
            "Split the adjustment into smaller amounts.",
        ),
    ]


def _one_journal(lines: pd.DataFrame, journal: pd.Series, voucher: pd.Series) -> pd.DataFrame:
    """A voucher in more than one journal, at its first line in each later journal."""
    journals = journal.groupby(voucher, sort=False).transform("nunique")
    first_in_file = journal.groupby(voucher, sort=False).transform("first")
    pair = pd.Series(list(zip(journal, voucher, strict=True)), index=lines.index)
    return refuse(
        lines,
        (journals > 1) & (journal != first_in_file) & ~pair.duplicated(),
        "Voucher",
        "voucher '" + voucher + "' is also in journal '" + first_in_file + "'; a SAF-T TransactionID names one "
        "transaction in the file",
        "Give the voucher a number of its own in each journal.",
    )


# ------------------------------------------------------------------------------------ helpers


def _digits(minor: int, places: int) -> tuple[int, int]:
    """Total and fraction digits of ``minor`` minor units as an xs:decimal value (no trailing zeros)."""
    magnitude, fraction = abs(minor), places
    while fraction and magnitude % 10 == 0:
        magnitude //= 10
        fraction -= 1
    return max(len(str(magnitude)), fraction), fraction


def _period(period: str) -> tuple[int, int] | None:
    """(year, month) of a ``YYYY-MM`` period the schema can hold, else None."""
    match = PERIOD.fullmatch(period.strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    return (year, month) if 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR else None


def _one(value: str) -> str:
    return ILLEGAL.sub("", _as_lf(str(value))).strip()


def _setting(ctx: ExportContext, name: str, limit: int) -> str:
    """A header value the context may carry (see the module docstring); cut to the schema's length."""
    return _one(getattr(ctx, name, "") or "")[:limit]


EXPORTER = Exporter("saft", "SAF-T Financial GeneralLedgerEntries", ".xml", write)
