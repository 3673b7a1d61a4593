"""SAP line items (formats.md 2a, 2b): FBL3N / FAGLL03 / FAGLL03H reports and ACDOCA extracts.

**Recognised by** (with ``auto``) three headers, in English, German or as SAP field names, matched
ignoring case, spaces and punctuation (``Debit/Credit ind.`` = ``debitcreditind``):

* a G/L account: ``G/L Account``, ``G/L Acct``, ``Account``, ``Sachkonto``, ``Konto``, ``HKONT``, ``RACCT``;
* a document number: ``Document Number``, ``DocumentNo``, ``Belegnummer``, ``Belegnr.``, ``BELNR``,
  ``Journal Entry``;
* an SAP amount: ``Amount in Local Currency`` / ``Amount in LC`` / ``Betrag in Hauswährung`` /
  ``Betrag in HW`` / ``DMSHB`` / ``DMBTR`` / ``HSL``, or ``Amount in Doc. Curr.`` / ``Betrag in
  Belegwährung`` / ``WRSHB`` / ``WRBTR`` / ``WSL`` / ``TSL``.

**Mapping.** ``Posting Date`` (``Buchungsdatum``, ``BUDAT``) is the date (required: closekit does
not close on document dates); ``Document Date`` (``Belegdatum``, ``BLDAT``) the document date;
``Line item`` / ``Position`` / ``BUZEI`` / ``DOCLN`` the line; ``Text`` / ``SGTXT`` the text.
``journal`` is ``<company code>/<document type>`` (``1000/SA``), or whichever of the two the
export has: BELNR is unique per company code and fiscal year, so vouchers of two company codes
never merge, and the document type is shown with every voucher.

**Amounts.** With a document-currency amount *and* its currency column (``Document currency``,
``Belegwährung``, ``WAERS``, ``RWCUR``), that is the transaction amount and the local-currency amount
is the accounting amount; where the line's local currency (``Local Currency``, ``Hauswährung``,
``HWAER``, ``RHCUR``) is not the close's accounting currency, the accounting amount is left empty,
so closekit converts it with the Rates sheet. Otherwise the local-currency amount, in the local
currency, is the transaction amount. Amounts may be signed (``-1500.00``, ``1.500,00-``); an
unsigned amount column takes its sign from the debit/credit indicator (``Debit/Credit ind.``,
``Soll/Haben-Kennz.``, ``SHKZG``, ``DRCRK``): ``S`` (Soll, debit) positive, ``H`` (Haben, credit)
negative (``D``/``C``, ``Debit``/``Credit``, ``Soll``/``Haben`` are read too). A column that already
holds a negative value is taken as signed and the indicator is not applied to it (ACDOCA's DRCRK is
redundant with the sign). Where the indicator is needed but missing or unknown, the line gets a
``bad-value`` finding and no amount.

**Leading zeros.** Account numbers, document numbers, and the cost center, profit center, partner
profit center and order of dimensions, are SAP fields with ALPHA conversion: when they are all
digits their leading zeros are removed (``0000400000`` -> ``400000``), as SAP shows them. Other
fields (company code, business area, plant...) keep theirs: ``0001`` is a valid code there.

**Dimensions.** A Settings dimension takes the column named like itself; one named like an SAP
field (:data:`DIMENSION_FIELDS`, in any language or its technical name, ignoring case, spaces and
punctuation: ``CostCenter``, ``Cost Center``, ``Kostenstelle``, ``KOSTL`` and ``RCNTR`` are one
field) takes that field's column, in whatever language the export has.

**Skipped rows.** Total and subtotal rows (the first filled cell starts with ``*``, and no document
number). Of an ACDOCA extract holding several ledgers (``RLDNR``), only the leading ledger ``0L``
(else the first ledger in the file) is read; the others get one Warning finding.

**Text lists.** :func:`read_sap_list` (the importer's ``read_text``, tried by ``sources.read_raw``
before the CSV reader when Format is ``auto`` or ``sap``) reads the "unconverted" list (title
lines, ``----`` rulers, ``|``-delimited rows, ``*`` totals, repeated page headers) and the
tab-delimited "text with tabs" export with title lines above the header into a raw table with the
file's line numbers.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.core.ledger import Mapped
from closekit.sources.importers.base import ImportContext, Importer, missing_column
from closekit.sources.tables import RawTable, unique_names

#: Canonical (or helper) field -> headers it may have, most specific first.
FIELDS: dict[str, tuple[str, ...]] = {
    "company": ("Company Code", "CoCd", "Buchungskreis", "BuKr", "BUKRS", "RBUKRS"),
    "doc_type": ("Document Type", "Doc. Type", "Type", "Journal Entry Type", "Belegart", "Art", "BLART"),
    "voucher": (
        "Document Number",
        "DocumentNo",
        "Document No.",
        "Doc. Number",
        "Doc. No.",
        "Journal Entry",
        "Belegnummer",
        "Belegnr.",
        "BELNR",
    ),
    "line": ("Line item", "Line Item", "Item", "Journal Entry Item", "Itm", "Position", "Pos.", "BUZEI", "DOCLN"),
    #: BKPF-XBLNR: where closekit's SAP upload puts its own voucher number (see :data:`OWN_VOUCHER`).
    "reference": ("Reference", "Referenz", "Reference Document", "Ref. Doc.", "XBLNR"),
    "date": ("Posting Date", "Pstng Date", "Pstg Date", "Buchungsdatum", "Buch.dat.", "Buchungsdat.", "BUDAT"),
    "document_date": (
        "Document Date",
        "Doc. Date",
        "Journal Entry Date",
        "Belegdatum",
        "Belegdat.",
        "BLDAT",
    ),
    "account": (
        "G/L Account",
        "G/L Acct",
        "GL Account",
        "G/L",
        "Sachkonto",
        "HKONT",
        "RACCT",
        "SAKNR",
        "Account",
        "Konto",
    ),
    "local_amount": (
        "Amount in Local Currency",
        "Amount in local cur.",
        "Amount in LC",
        "Amt in loc.cur.",
        "Amount in Company Code Currency",
        "Betrag in Hauswährung",
        "Betrag in HW",
        "Betrag HW",
        "DMSHB",
        "DMBTR",
        "HSL",
    ),
    "local_currency": (
        "Local Currency",
        "LCurr",
        "Local Crcy",
        "Company Code Currency",
        "Hauswährung",
        "HWähr",
        "HWAER",
        "RHCUR",
    ),
    "doc_amount": (
        "Amount in Doc. Curr.",
        "Amount in Document Currency",
        "Amount in DC",
        "Amount in Transaction Currency",
        "Betrag in Belegwährung",
        "Betrag in BW",
        "Betrag BW",
        "WRSHB",
        "WRBTR",
        "WSL",
        "TSL",
    ),
    "doc_currency": (
        "Document currency",
        "Doc. Currency",
        "Transaction Currency",
        "Curr.",
        "Crcy",
        "Belegwährung",
        "Währung",
        "Währg",
        "WAERS",
        "RWCUR",
        "RTCUR",
    ),
    "indicator": (
        "Debit/Credit ind.",
        "Debit/Credit Indicator",
        "Debit/Credit Code",
        "D/C",
        "Soll/Haben-Kennz.",
        "Soll/Haben-Kennzeichen",
        "S/H",
        "SHKZG",
        "DRCRK",
    ),
    "text": ("Text", "Item Text", "Journal Entry Item Text", "Positionstext", "SGTXT"),
    "ledger": ("RLDNR", "Ledger"),
}

#: SAP fields a Settings dimension may be named like: (names, leading zeros removed when all digits).
DIMENSION_FIELDS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("Cost Center", "Cost Centre", "Cost Ctr", "Kostenstelle", "Kostenst.", "KOSTL", "RCNTR"), True),
    (("Profit Center", "Profit Centre", "Profit Ctr", "Profitcenter", "PRCTR"), True),
    (
        ("Partner Profit Center", "Partner Profit Ctr", "Partner-Profitcenter", "Partner PC", "PPRCTR", "PPRCTR"),
        True,
    ),
    (("Order", "Internal Order", "Auftrag", "AUFNR"), True),
    (("Segment", "SEGMENT"), False),
    (("Functional Area", "Functional Ar.", "Funktionsbereich", "FKBER", "RFAREA"), False),
    (("Business Area", "Bus. Area", "BusA", "Geschäftsbereich", "GsBe", "GSBER", "RBUSA"), False),
    (("WBS Element", "WBS Elem.", "PSP-Element", "PROJK", "PS_PSP_PNR", "PS_POSID"), False),
    (("Trading Partner", "Trading Part.", "Partnergesellschaft", "VBUND", "RASSC"), False),
    (("Plant", "Werk", "WERKS"), False),
    (("Company Code", "CoCd", "Buchungskreis", "BuKr", "BUKRS", "RBUKRS"), False),
    (("Assignment", "Zuordnung", "ZUONR"), False),
)

CREDIT = {"h", "haben", "c", "cr", "credit"}
DEBIT = {"s", "soll", "d", "dr", "debit"}
LEADING_LEDGER = "0L"
#: Lines searched for the header of a text list (title blocks are a few lines).
HEADER_SEARCH_LINES = 200
_ZEROS = r"^0+(?=\d+$)"
_RULER = re.compile(r"[\s|+=_-]*")


def key(name: object) -> str:
    """Header matching key: case, spaces and punctuation ignored (``Soll/Haben-Kennz.`` -> ``sollhabenkennz``)."""
    return "".join(ch for ch in str(name).casefold() if ch.isalnum())


_KEYS = {field: [key(n) for n in names] for field, names in FIELDS.items()}
#: A voucher number closekit generated (``REV-2026-10-GBP``, ``ALC-2026-10-0001``: the runner's
#: prefixes, the period, the rest). SAP numbers an uploaded document itself, so closekit's number
#: comes back only as the document's Reference; read as the voucher, it is the key by which a later
#: close recognises its own posted adjustments (docs/close.md "Revaluation").
OWN_VOUCHER = r"^(?:REV|ALC|SET|YEC)-\S+-\S+$"


def _find(columns: list[str], names: list[str]) -> str | None:
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(key(column), column)
    for name in names:
        if name in by_key:
            return by_key[name]
    return None


def recognised(columns: list[str]) -> bool:
    """True when a header has an SAP account, document number and amount column."""
    keys = {key(c) for c in columns}
    return (
        any(k in keys for k in _KEYS["account"])
        and any(k in keys for k in _KEYS["voucher"])
        and any(k in keys for k in _KEYS["local_amount"] + _KEYS["doc_amount"])
    )


def detect(table: RawTable) -> bool:
    return recognised(table.columns)


def dimension_names(dimension: str) -> tuple[tuple[str, ...], bool]:
    """The headers a Settings dimension takes (its own name first) and whether it is an ALPHA field."""
    wanted = key(dimension)
    for names, alpha in DIMENSION_FIELDS:
        if wanted in {key(n) for n in names}:
            return (dimension, *names), alpha
    return (dimension,), False


def sap_field(dimension: str) -> str | None:
    """The SAP field a Settings dimension is named like (its English name, e.g. ``Cost Center``), or None."""
    names, _ = dimension_names(dimension)
    return names[1] if len(names) > 1 else None


# ------------------------------------------------------------------------------------- mapping


def _own_vouchers(voucher: pd.Series, reference: pd.Series) -> pd.Series:
    """The document number, or closekit's own voucher number where the document's Reference is one
    (:data:`OWN_VOUCHER`) and every line of the document carries the same Reference."""
    own = reference.str.match(OWN_VOUCHER).fillna(False).astype(bool) & (voucher != "")
    if not own.any():
        return voucher
    same = reference.groupby(voucher).transform("nunique") == 1
    return voucher.where(~(own & same), reference)



def map_table(table: RawTable, ctx: ImportContext) -> Mapped:
    found = {f: c for f in FIELDS if (c := _find(table.columns, _KEYS[f])) is not None}
    problems: list[dict] = []
    for field, header in (("account", "G/L Account"), ("voucher", "Document Number"), ("date", "Posting Date")):
        if field not in found:
            problems.append(missing_column(table, header, "closekit needs it to read SAP line items"))
    if "local_amount" not in found and "doc_amount" not in found:
        problems.append(
            missing_column(
                table, "Amount in Local Currency", "SAP line items need an amount in local or document currency"
            )
        )
    if "doc_amount" in found and "doc_currency" not in found and "local_amount" not in found:
        problems.append(
            missing_column(table, "Document currency", "the amount in document currency needs its currency")
        )

    source = table.frame.reset_index(drop=True)

    def text(field: str) -> pd.Series:
        if field not in found:
            return pd.Series("", index=source.index, dtype="string")
        return parsing.as_text(source[found[field]])

    voucher = text("voucher").str.replace(_ZEROS, "", regex=True)
    if "reference" in found:
        voucher = _own_vouchers(voucher, text("reference"))
    keep = ~(_totals(source) & parsing.mask(voucher == "").to_numpy())
    findings: list[pd.DataFrame] = [fnd.frame(problems)]
    lines = pd.DataFrame({"where": table.where, "row": table.rows, "voucher": voucher})
    keep &= _one_ledger(text("ledger"), lines, found.get("ledger", ""), findings)

    frame = pd.DataFrame(index=source.index)
    columns: dict[str, str] = {}

    def put(field: str, values: pd.Series, column: str) -> None:
        frame[field] = values
        columns[field] = column

    if "company" in found or "doc_type" in found:
        company, doc_type = text("company"), text("doc_type")
        both = (company != "") & (doc_type != "")
        put("journal", (company + "/").where(both, company) + doc_type, found.get("company") or found["doc_type"])
    if "voucher" in found:
        put("voucher", voucher, found["voucher"])
    if "account" in found:
        put("account", text("account").str.replace(_ZEROS, "", regex=True), found["account"])
    if "text" in found:
        put("text", text("text"), found["text"])
    for field in ("line", "date", "document_date"):
        if field in found:
            put(field, source[found[field]], found[field])
    _amounts(source, found, ctx, lines, put, findings)
    for dimension in ctx.dimensions:
        names, alpha = dimension_names(dimension)
        column = _find(table.columns, [key(x) for x in names])
        if column is not None:
            values = parsing.as_text(source[column])
            put(dimension, values.str.replace(_ZEROS, "", regex=True) if alpha else values, column)

    frame = frame[keep].reset_index(drop=True)
    totals = int((_totals(source) & parsing.mask(voucher == "").to_numpy()).sum())  # total rows of a spreadsheet export
    return Mapped(
        frame, table.rows[keep], columns, fnd.combine(findings), skipped={"total": totals} if totals else {}
    )


def _amounts(source: pd.DataFrame, found: dict[str, str], ctx: ImportContext, lines, put, findings) -> None:
    """``amount``, ``currency`` and ``amount_accounting`` from the SAP amount columns (module doc)."""
    use_doc = "doc_amount" in found and ("doc_currency" in found or "local_amount" not in found)
    main = "doc_amount" if use_doc else "local_amount" if "local_amount" in found else None
    if main is None:
        return
    indicator = found.get("indicator")
    credit, unknown = _sides(source, indicator)
    amounts, signed_by_indicator = {}, []
    for field in ("doc_amount", "local_amount"):
        if field not in found:
            continue
        values = source[found[field]]
        if indicator and not _has_signs(values):
            signed_by_indicator.append(field)
            values = _negate((values.where(~unknown.to_numpy(), "") if unknown.any() else values), credit)
        amounts[field] = values
    if signed_by_indicator:
        filled = np.zeros(len(source), dtype=bool)
        for field in signed_by_indicator:
            filled |= (parsing.as_text(source[found[field]]) != "").to_numpy(dtype=bool)
        missing = unknown & filled
        if missing.any():
            shown = parsing.as_text(source[indicator])
            findings.append(
                fnd.from_mask(
                    "bad-value",
                    lines,
                    missing,
                    column=indicator,
                    message="'" + shown + "' is not a debit/credit indicator: expected S (debit) or H (credit)",
                    fix="Export the debit/credit indicator (S or H) with every line, or export signed amounts.",
                )
            )
    currency_field = "doc_currency" if main == "doc_amount" else "local_currency"
    put("amount", amounts[main], found[main])
    if currency_field in found:
        put("currency", source[found[currency_field]], found[currency_field])
    if main == "doc_amount" and "local_amount" in found:
        local = amounts["local_amount"]
        if "local_currency" in found:
            currency = parsing.as_text(source[found["local_currency"]]).str.upper()
            other = parsing.mask((currency != "") & (currency != ctx.accounting_currency.upper()))
            if other.any():
                local = local.astype(object).where(~other.to_numpy(), "")
        put("amount_accounting", local, found["local_amount"])


def _sides(source: pd.DataFrame, indicator: str | None) -> tuple[np.ndarray, pd.Series]:
    """Per line: credit (H) and unknown (blank or not S/H) from the debit/credit indicator column."""
    if indicator is None:
        return np.zeros(len(source), dtype=bool), pd.Series(False, index=source.index)
    side = parsing.as_text(source[indicator]).str.casefold()
    credit = parsing.mask(side.isin(CREDIT))
    unknown = ~credit & ~parsing.mask(side.isin(DEBIT))
    return credit.to_numpy(), unknown


def _has_signs(values: pd.Series) -> bool:
    """True when any value of an amount column carries a minus sign or parentheses (a signed column)."""
    if values.dtype == object:
        numbers = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v < 0)
        if parsing.mask(numbers).any():
            return True
    text = parsing.as_text(values)
    return bool(parsing.mask(text.str.contains(r"^[-(]|-$", regex=True)).any())


def _negate(values: pd.Series, credit: np.ndarray) -> pd.Series:
    """Unsigned amounts with the credit lines made negative (numbers negated, texts given a ``-``)."""
    if not credit.any():
        return values
    if values.dtype != object:  # text from a CSV or list: vectorised
        text = values.astype("string").fillna("").str.strip()
        flip = credit & parsing.mask(text.str.match(r"[\d.,]")).to_numpy()
        return text.where(~flip, "-" + text)
    out = values.astype(object).copy()
    out[credit] = out[credit].map(_negated, na_action="ignore")
    return out


def _negated(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal | np.number):
        return -value
    if isinstance(value, str):
        stripped = value.strip()
        return "-" + stripped if stripped[:1] and stripped[0] in "0123456789.," else value
    return value


def _totals(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose first filled cell starts with ``*``: ALV totals and subtotals."""
    decided = np.zeros(len(frame), dtype=bool)
    star = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        text = parsing.as_text(frame[column])
        filled = (text != "").to_numpy()
        first = filled & ~decided
        star |= first & parsing.mask(text.str.startswith("*")).to_numpy()
        decided |= filled
        if decided.all():
            break
    return star


def _one_ledger(ledger: pd.Series, lines: pd.DataFrame, column: str, findings: list[pd.DataFrame]) -> np.ndarray:
    """Only the leading ledger of a multi-ledger ACDOCA extract; a Warning for the rest."""
    names = [v for v in pd.unique(ledger) if v != ""]
    if len(names) <= 1:
        return np.ones(len(ledger), dtype=bool)
    chosen = LEADING_LEDGER if LEADING_LEDGER in names else names[0]
    other = parsing.mask((ledger != "") & (ledger != chosen))
    first = int(np.flatnonzero(other.to_numpy())[0])
    skipped = ", ".join(n for n in names if n != chosen)
    findings.append(
        fnd.frame(
            [
                fnd.finding(
                    "bad-value",
                    str(lines["where"].iat[0]),
                    f"{int(other.sum())} lines of ledger {skipped} were not read: closekit reads one ledger, {chosen}",
                    row=int(lines["row"].iat[first]),
                    column=column,
                    voucher=str(lines["voucher"].iat[first]),
                    fix=f"Extract the leading ledger only (RLDNR = {chosen}) to silence this warning.",
                    severity=fnd.Severity.WARNING,
                )
            ]
        )
    )
    return ~other.to_numpy()


# ----------------------------------------------------------------------------------- text lists


def read_sap_list(text: str, where: str, encoding: str = "utf-8") -> RawTable | None:
    """An SAP list saved as text (unconverted, or text with tabs) as a raw table; None when not one.

    The header is the first line (of the first :data:`HEADER_SEARCH_LINES`) that starts with ``|``
    or holds a tab and whose cells name an SAP account, document number and amount
    (:func:`recognised`); the lines above it are the preamble. Below it these lines are skipped:
    blank lines, rulers (``----``, ``|---|---|``), repeats of the header (page breaks), totals and
    subtotals (first filled cell starts with ``*``), and in a ``|`` list every line that does not
    start with ``|`` (page titles). A row whose cells do not fit the header is a ``bad-row`` finding
    (a ``|`` row is first cut at the header's ``|`` positions, for texts that hold a ``|``). Row
    numbers are the file's line numbers (1 = first line). Cells are stripped text.
    """
    lines = text.split("\n") if "\n" in text or "\r" not in text else text.split("\r")
    lines = [line.rstrip("\r") for line in lines]
    if lines:
        lines[0] = lines[0].lstrip("\ufeff")
    start = None
    for i, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        delimiter = "|" if line.lstrip().startswith("|") else "\t" if "\t" in line else None
        if delimiter and recognised([c.strip() for c in _split(line, delimiter)]):
            start = i
            break
    if start is None:
        return None
    header_line = lines[start]
    header = [c.strip() for c in _split(header_line, delimiter)]
    keep = [j for j, name in enumerate(header) if name]
    names = unique_names([header[j] for j in keep])
    width = len(header)
    bounds = _pipe_positions(header_line) if delimiter == "|" else None
    records: list[list[str]] = []
    numbers: list[int] = []
    bad: list[dict] = []
    skipped = dict.fromkeys(("blank", "ruler", "title", "header", "total"), 0)  # rows that are no lines by layout
    for i in range(start + 1, len(lines)):
        line = lines[i]
        stripped = line.strip()
        if not stripped or _RULER.fullmatch(stripped):
            if stripped or i < len(lines) - 1:  # not the empty rest after the file's last line break
                skipped["ruler" if stripped else "blank"] += 1
            continue
        if delimiter == "|" and not stripped.startswith("|"):
            skipped["title"] += 1
            continue  # page title or footer between pages
        if delimiter == "\t" and "\t" not in line:
            skipped["title"] += 1
            continue
        cells = [c.strip() for c in _split(line, delimiter)]
        if cells == header:
            skipped["header"] += 1
            continue  # the header repeated at a page break
        first = next((c for c in cells if c), "")
        if first.startswith("*"):
            skipped["total"] += 1
            continue  # totals and subtotals
        if len(cells) != width:
            cells = _fit(line, cells, width, bounds)
        if cells is None:
            bad.append(
                fnd.finding(
                    "bad-row",
                    where,
                    f"line {i + 1} does not fit the columns of the header on line {start + 1}; the line was not read",
                    row=i + 1,
                    column="",
                    fix="Export the list again (unconverted or spreadsheet), or remove the line.",
                )
            )
            continue
        records.append([cells[j] for j in keep])
        numbers.append(i + 1)
    frame = (
        pd.DataFrame(records, columns=names, dtype=object)
        if records
        else pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    )
    preamble = lines[:start]
    meta = {
        "encoding": encoding,
        "delimiter": delimiter,
        "preamble": preamble,
        "column_numbers": {name: j + 1 for name, j in zip(names, keep, strict=True)},
        "layout": "sap-unconverted" if delimiter == "|" else "sap-text-with-tabs",
        "skipped": {reason: count for reason, count in skipped.items() if count},
    }
    return RawTable(
        where,
        names,
        frame,
        np.asarray(numbers, dtype=np.int64),
        meta,
        fnd.frame(bad),
        preamble=[[line.strip()] for line in preamble],
    )


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == "\t":
        return line.split("\t")
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return body.split("|")


def _pipe_positions(line: str) -> list[int]:
    """The character positions of the ``|`` of a list's header line."""
    return [i for i, ch in enumerate(line) if ch == "|"]


def _fit(line: str, cells: list[str], width: int, bounds: list[int] | None) -> list[str] | None:
    """Cells of a row that does not split into ``width`` cells, or None when it cannot be fitted."""
    if bounds is None:  # tab text: trailing empty cells may be cut off, or added
        if len(cells) < width:
            return cells + [""] * (width - len(cells))
        return cells[:width] if not any(cells[width:]) else None
    # an unconverted list is fixed-width: a text holding "|" is cut at the header's positions
    if len(bounds) == width + 1 and len(line) >= bounds[-1] + 1 and all(line[b] == "|" for b in bounds):
        return [line[a + 1 : b].strip() for a, b in itertools.pairwise(bounds)]
    return None


IMPORTER = Importer("sap", "SAP line items", detect, map_table, read_text=read_sap_list)
