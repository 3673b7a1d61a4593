"""SAF-T Financial XML (formats.md 6b): ``GeneralLedgerEntries/Journal/Transaction/Line``.

:func:`read_xml` streams the file through defusedxml's parser (no DTD, no entities, no external
references) into a :class:`~closekit.sources.tables.RawTable` with one row per ``Line``; elements are
matched by local name, so any SAF-T namespace and version with that structure is read (Norway's
``urn:StandardAuditFile-Taxation-Financial:NO`` 1.00 to 1.30 and its national cousins).

**Line numbers.** ``xml.etree``'s ``iterparse`` reports events only after a whole chunk has been
parsed, so the parser's position at a ``start`` event is the end of the chunk, not the element.
Instead the parser is given a *target* whose ``start`` is called by expat while it stands on the
start tag; reading ``CurrentLineNumber`` there gives the line of ``<Line>`` exactly. The target
keeps only the values it needs (no element tree), so memory stays bounded as with ``iterparse``.

Only the ``Amount`` of a line's own ``DebitAmount``/``CreditAmount`` is read: ``TaxAmount`` and
``AnalysisAmount`` amounts inside a line, and currency codes in master data, are ignored.

**Mapping** (:func:`map_table`). ``date`` is GLPostingDate, else TransactionDate. A line is in a
foreign currency when its amount structure has a CurrencyAmount: then ``currency`` = CurrencyCode
and ``amount`` = CurrencyAmount; otherwise the Header's DefaultCurrencyCode and Amount (so a
CurrencyCode without a CurrencyAmount never labels a local amount as foreign). Credit lines get a
minus sign. ``amount_accounting`` is the signed Amount, mapped only when the file's default
currency is the close's accounting currency (otherwise the ledger converts with Rates). A
dimension of Settings ``Dimensions`` takes the ``Analysis <type>`` column whose type code, or else
whose AnalysisTypeDescription, equals its name (case-insensitive): ``A`` or ``Avdeling``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from closekit.core import findings as fnd
from closekit.core.ledger import Mapped
from closekit.errors import InputError
from closekit.sources.importers.base import ImportContext, Importer, find_columns, require
from closekit.sources.tables import RawTable

MAX_BYTES = 2 * 1024**3
CHUNK = 1 << 20
JOURNAL_FIELDS = ("JournalID",)
TRANSACTION_FIELDS = ("TransactionID", "Period", "PeriodYear", "TransactionDate", "GLPostingDate")
TRANSACTION_COLUMNS = (*TRANSACTION_FIELDS, "TransactionDescription")
LINE_FIELDS = ("RecordID", "AccountID", "Description", "ValueDate", "SourceDocumentID", "CustomerID", "SupplierID")
AMOUNT_FIELDS = ("Amount", "CurrencyCode", "CurrencyAmount", "ExchangeRate")
COLUMNS = [
    "JournalID",
    "TransactionID",
    "Period",
    "PeriodYear",
    "TransactionDate",
    "GLPostingDate",
    "TransactionDescription",
    "RecordID",
    "AccountID",
    "Description",
    "Side",
    "Amount",
    "CurrencyCode",
    "CurrencyAmount",
    "ExchangeRate",
    "ValueDate",
    "SourceDocumentID",
    "CustomerID",
    "SupplierID",
]
ENTRY_TOTALS = {"NumberOfEntries": "number_of_entries", "TotalDebit": "total_debit", "TotalCredit": "total_credit"}


class _Collector:
    """Parser target: keeps the lines and the header values, never a tree."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.root = ""
        self.text: list[str] = []
        self.position = lambda: 0
        self.records: list[tuple[dict, dict, dict]] = []
        self.numbers: list[int] = []
        self.analysis_columns: dict[str, None] = {}
        self.meta: dict = {
            "format": "saft",
            "default_currency": "",
            "company": "",
            **dict.fromkeys(ENTRY_TOTALS.values(), ""),
            "total_rows": {},  # NumberOfEntries, TotalDebit, TotalCredit -> their line in the file
            "ledger_entries": False,  # a GeneralLedgerEntries element was read
            "transactions": 0,
            "sections": [],  # the AuditFile's top-level elements, in order
            "analysis_types": {},
            "accounts": [],
        }
        self.journal: dict = {}
        self.transaction: dict = {}
        self.line: dict = {}
        self.item: dict = {}  # an Analysis, Account or AnalysisTypeTableEntry being read

    def start(self, tag: str, attrib: dict) -> None:
        name = tag.rpartition("}")[2]
        parent = self.stack[-1] if self.stack else ""
        self.root = self.root or name
        if len(self.stack) == 1 and name not in self.meta["sections"]:
            self.meta["sections"].append(name)
        if name == "GeneralLedgerEntries":
            self.meta["ledger_entries"] = True
        elif parent == "GeneralLedgerEntries" and name in ENTRY_TOTALS:
            self.meta["total_rows"][name] = self.position()
        self.stack.append(name)
        self.text = []
        if parent == "Transaction" and name == "Line":
            self.line = {}
            self.records.append((self.journal, self.transaction, self.line))
            self.numbers.append(self.position())
        elif parent == "Journal" and name == "Transaction":
            self.transaction = {}
            self.meta["transactions"] += 1
        elif parent == "GeneralLedgerEntries" and name == "Journal":
            self.journal = {}
        elif parent == "Line" and name in ("DebitAmount", "CreditAmount"):
            self.line["Side"] = name.removesuffix("Amount")
        elif name in ("Analysis", "Account", "AnalysisTypeTableEntry"):
            self.item = {}

    def data(self, text: str) -> None:
        self.text.append(text)

    def end(self, tag: str) -> None:
        name = self.stack.pop()
        value = "".join(self.text).strip()
        self.text = []
        parent = self.stack[-1] if self.stack else ""
        grand = self.stack[-2] if len(self.stack) > 1 else ""
        in_amount = parent in ("DebitAmount", "CreditAmount") and grand == "Line"
        if (parent == "Line" and name in LINE_FIELDS) or (in_amount and name in AMOUNT_FIELDS):
            self.line[name] = value
        elif parent == "Analysis" and grand == "Line":
            self.item[name] = value
        elif name == "Analysis" and parent == "Line" and self.item.get("AnalysisType"):
            column = f"Analysis {self.item['AnalysisType']}"
            self.analysis_columns[column] = None
            self.line[column] = self.item.get("AnalysisID", "")
        elif parent == "Transaction" and grand == "Journal":
            key = "TransactionDescription" if name == "Description" else name
            if key in TRANSACTION_COLUMNS:
                self.transaction[key] = value
        elif parent == "Journal" and name in JOURNAL_FIELDS:
            self.journal[name] = value
        elif parent == "GeneralLedgerEntries" and name in ENTRY_TOTALS:
            self.meta[ENTRY_TOTALS[name]] = value
        elif parent in ("Account", "AnalysisTypeTableEntry"):
            self.item[name] = value
        elif name == "Account" and parent == "GeneralLedgerAccounts":
            self.meta["accounts"].append((self.item.get("AccountID", ""), self.item.get("AccountDescription", "")))
        elif name == "AnalysisTypeTableEntry" and self.item.get("AnalysisType"):
            self.meta["analysis_types"].setdefault(
                self.item["AnalysisType"], self.item.get("AnalysisTypeDescription", "")
            )
        elif parent == "Header" and name == "DefaultCurrencyCode":
            self.meta["default_currency"] = value
        elif parent == "Company" and grand == "Header" and name == "Name":
            self.meta["company"] = value

    def close(self) -> None:
        return None


def read_xml(data: bytes, where: str) -> RawTable:
    """A SAF-T Financial file as a raw table: one row per ledger ``Line``; ``rows`` = its line."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{where} is larger than 2 GB: split the SAF-T export by period and add each file as a source."
        )
    if not data or data.isspace():
        raise InputError(f"{where} is empty: expected a SAF-T Financial XML file.")
    target = _Collector()
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    expat = parser.parser
    target.position = lambda: expat.CurrentLineNumber
    try:
        for start in range(0, len(data), CHUNK):
            parser.feed(data[start : start + CHUNK])
        parser.close()
    except DefusedXmlException:
        raise InputError(
            f"{where} declares a DTD or entities (<!DOCTYPE ...>), which closekit "
            f"refuses to read for safety; a SAF-T file has none, so export it again "
            f"from the accounting system."
        ) from None
    except (ParseError, ExpatError) as exc:
        raise InputError(
            f"{where} is not well-formed XML ({exc}); export the SAF-T file again or repair it at that line."
        ) from None
    if target.root != "AuditFile":
        raise InputError(
            f"{where} is XML but not a SAF-T file: its root element is <{target.root}>, expected <AuditFile>."
        )
    if not target.records:
        raise InputError(_no_lines(where, target.meta))
    columns = [*COLUMNS, *target.analysis_columns]
    frame = pd.DataFrame({c: _column(target.records, c) for c in columns}, columns=columns)
    return RawTable(where, columns, frame, np.asarray(target.numbers, dtype=np.int64), target.meta)


def _no_lines(where: str, meta: dict) -> str:
    """What a SAF-T file without ledger lines is, for the refusal."""
    sections = ", ".join(meta["sections"]) or "nothing but its root element"
    if not meta["ledger_entries"]:
        kind = (
            "a billing or source-documents file (SAF-T with SourceDocuments, such as invoices)"
            if "SourceDocuments" in meta["sections"]
            else "a SAF-T file without the general ledger"
        )
        return (
            f"{where} is {kind}: it has no GeneralLedgerEntries, only {sections}. closekit reads the general "
            f"ledger's transactions: export the SAF-T Financial file with GeneralLedgerEntries."
        )
    totals = ", ".join(f"{name} {meta[key]}" for name, key in ENTRY_TOTALS.items() if meta[key])
    return (
        f"{where} has GeneralLedgerEntries but no transaction lines in them"
        + (f" (its control totals say {totals})" if totals else "")
        + ": closekit reads 0 lines from it, so it is refused rather than read as an empty ledger. Export the "
        "SAF-T file again with its transactions."
    )


def control_totals(table: RawTable) -> list[dict]:
    """Error findings where the file's NumberOfEntries, TotalDebit or TotalCredit differ from what
    was read: the count of transactions, the sums of the debit and credit Amounts (exact decimals)."""
    meta = table.meta
    found = []
    rows = meta.get("total_rows", {})

    def mismatch(name: str, stated: str, counted: str, what: str) -> None:
        found.append(
            fnd.finding(
                "control-total-mismatch",
                table.where,
                f"{name} says {stated}, but the file's {what} come to {counted}",
                row=rows.get(name),
                column=name,
            )
        )

    stated_entries = str(meta.get("number_of_entries", "")).strip()
    if stated_entries:
        counted = int(meta.get("transactions", 0))
        if not stated_entries.isdigit() or int(stated_entries) != counted:
            mismatch("NumberOfEntries", stated_entries, str(counted), "transactions (Transaction elements)")
    if "Amount" not in table.frame or "Side" not in table.frame:
        return found
    side = table.frame["Side"].fillna("").astype(str)
    for name, key, wanted in (("TotalDebit", "total_debit", "Debit"), ("TotalCredit", "total_credit", "Credit")):
        stated = str(meta.get(key, "")).strip()
        if not stated:
            continue
        amounts = table.frame["Amount"][side == wanted].fillna("").astype(str).str.strip()
        total = _decimal_sum(amounts)
        if total is None:  # an unreadable Amount has its own finding; a total over it proves nothing
            continue
        if _decimal(stated) != total:
            mismatch(name, stated, f"{total:f}", f"{wanted.lower()} Amounts")
    return found


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _decimal_sum(texts: pd.Series) -> Decimal | None:
    total = Decimal(0)
    for text in texts:
        value = _decimal(text)
        if value is None:
            return None
        total += value
    return total


def _column(records: list[tuple[dict, dict, dict]], name: str) -> list[str]:
    part = 0 if name in JOURNAL_FIELDS else 1 if name in TRANSACTION_COLUMNS else 2
    return [r[part].get(name, "") for r in records]


def detect(table: RawTable) -> bool:
    return table.meta.get("format") == "saft"


def map_table(table: RawTable, ctx: ImportContext) -> Mapped:
    """Canonical fields from the SAF-T columns (see "Mapping" in the module docstring)."""
    found = find_columns(table, {c: (c,) for c in COLUMNS})
    problems = require(
        table,
        found,
        {
            "TransactionID": "TransactionID",
            "AccountID": "AccountID",
            "Amount": "Amount",
            "TransactionDate": "TransactionDate",
        },
    )
    raw = table.frame.reset_index(drop=True)

    def col(name: str) -> pd.Series:
        column = found.get(name, name)
        if column not in raw:
            return pd.Series("", index=raw.index, dtype=object)
        return raw[column].fillna("").astype(str).str.strip()

    columns = {
        "journal": "JournalID",
        "voucher": "TransactionID",
        "account": "AccountID",
        "document_date": "TransactionDate",
        "text": "Description",
        "currency": "CurrencyCode",
    }
    frame = pd.DataFrame({field: col(name) for field, name in columns.items()})
    record = col("RecordID")
    if record.str.fullmatch(r"\d{1,18}").all():  # RecordID is text (SAF-T: SAFmiddle1textType); only
        frame["line"] = record  # whole numbers are line numbers, an ``L-1`` stays out of the line column
        columns["line"] = "RecordID"
    frame["text"] = frame["text"].where(frame["text"] != "", col("TransactionDescription"))
    frame["date"], columns["date"] = _either(
        col("GLPostingDate"), col("TransactionDate"), "GLPostingDate", "TransactionDate"
    )
    credit = (col("Side") == "Credit").to_numpy()
    amount, columns["amount"] = _either(col("CurrencyAmount"), col("Amount"), "CurrencyAmount", "Amount")
    frame["amount"] = _signed(amount, credit)
    default = str(table.meta.get("default_currency", "")).strip().upper()
    foreign = (col("CurrencyAmount") != "") & (frame["currency"] != "")
    frame["currency"] = frame["currency"].where(foreign, default)
    if not default or default == ctx.accounting_currency.strip().upper():
        frame["amount_accounting"] = _signed(col("Amount"), credit)
        columns["amount_accounting"] = "Amount"
    for dimension, column in _dimension_columns(table, ctx).items():
        frame[dimension] = col(column)
        columns[dimension] = column
    problems += control_totals(table)
    return Mapped(frame, table.rows, columns, fnd.frame(problems), date_format="YYYY-MM-DD", decimal=".")


def _either(first: pd.Series, second: pd.Series, first_name: str, second_name: str) -> tuple[pd.Series, str]:
    """``first`` where present else ``second``, and the element name to show for the field."""
    present = first != ""
    name = first_name if present.all() else second_name if not present.any() else (f"{first_name} or {second_name}")
    return first.where(present, second), name


def _signed(values: pd.Series, credit: np.ndarray) -> pd.Series:
    """Debit positive: a credit amount gets a leading minus (a negative one loses it)."""
    negative = values.str.startswith("-")
    flipped = ("-" + values).where(~negative, values.str.slice(1))
    return values.where(~credit | (values == ""), flipped)


def _dimension_columns(table: RawTable, ctx: ImportContext) -> dict[str, str]:
    """Dimension -> ``Analysis <type>``: a dimension names a type by its code or its description."""
    types = dict(table.meta.get("analysis_types", {}))
    for column in table.columns:
        if column.startswith("Analysis "):
            types.setdefault(column.removeprefix("Analysis "), "")
    out = {}
    for dimension in ctx.dimensions:
        key = dimension.strip().lower()
        code = next((c for c in types if c.lower() == key), None) or next(
            (c for c, d in types.items() if d and d.strip().lower() == key), None
        )
        if code is not None:
            out[dimension] = f"Analysis {code}"
    return out


IMPORTER = Importer("saft", "SAF-T Financial", detect, map_table, reads_xml=True)
