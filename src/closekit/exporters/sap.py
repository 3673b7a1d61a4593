"""SAP S/4HANA "Upload General Journal Entries" (Fiori app F2548; formats.md 2c) as an .xlsx workbook.

One sheet, ``Journal Entries``: row 1 holds the ``Batch ID`` cell (empty: a new batch), row 2 the
header, then one row per journal line. Each voucher is one journal entry: its lines share a
``Sequence ID`` (1, 2, ... in the order of the Adjustments sheet) and repeat the header fields.

Header fields: ``Sequence ID, Company Code, Journal Entry Type, Journal Entry Date, Posting Date,
Transaction Currency, Exchange Rate, Translation Date, Reference, Journal Entry Header Text, Ledger
Group, Posting Fiscal Period``. Line fields: ``G/L Account, Debit, Credit, Tax Code, Tax
Jurisdiction, Item Text, Assignment, Cost Center, Profit Center, Segment, Functional Area, Order,
WBS Element, Trading Partner, Partner Profit Center, Value Date, House Bank, Quantity, Base Unit``.

* **Amounts**: the accounting-currency amount as two unsigned number cells, ``Debit`` and
  ``Credit``, in the transaction currency = the accounting currency (formats.md 2c: the template
  has two unsigned columns, not a signed amount or a D/C indicator).
* **Dates** are date cells (no day/month ambiguity): Posting Date = the line's date, Journal Entry
  Date = its document date, else its date.
* **Company Code**: a Settings dimension named like the company code (``CompanyCode``,
  ``Buchungskreis``, ``BUKRS``...) where it has a value, else Settings ``Company`` when it is an
  SAP company code (1-4 letters or digits); otherwise the column is left empty and a Warning says
  to fill it in. **Journal Entry Type**: Settings ``JournalName`` when it is a 2-character SAP
  document type, else ``SA``.
* **Reference** = the voucher; **Journal Entry Header Text** = the journal; **Item Text** = the text.
* **Dimensions** named like an SAP field (the importer's matching, :func:`closekit.sources.importers.sap.sap_field`)
  fill that column (``CostCenter`` -> ``Cost Center``); a dimension with no column in the template
  (``Department``, ``Business Area``, ``Plant``) is not written, with a Warning at each line that has
  a value for it.

``export-limit`` findings (Errors: SAP would refuse the upload), at the Adjustments rows: a voucher
of more than :data:`MAX_LINES` lines (an SAP document cannot be split: each must balance), account
longer than 10 characters, item text longer than 50, reference longer than 16 (BKPF-XBLNR), header
text longer than 25 (BKPF-BKTXT), a dimension value longer than its SAP field, a voucher with two
company codes, control characters in a text.

Text cells are inline strings with the text format ``@`` (and a quote prefix where the text starts
like a formula): nothing written here is ever a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import numpy as np
import pandas as pd

from closekit.core import cell_text, money
from closekit.core import findings as fnd
from closekit.exporters.base import Export, ExportContext, Exporter, refuse
from closekit.sources.importers.sap import sap_field

SHEET = "Journal Entries"
MAX_LINES = 999
HEADER_FIELDS = [
    "Sequence ID",
    "Company Code",
    "Journal Entry Type",
    "Journal Entry Date",
    "Posting Date",
    "Transaction Currency",
    "Exchange Rate",
    "Translation Date",
    "Reference",
    "Journal Entry Header Text",
    "Ledger Group",
    "Posting Fiscal Period",
]
ITEM_FIELDS = [
    "G/L Account",
    "Debit",
    "Credit",
    "Tax Code",
    "Tax Jurisdiction",
    "Item Text",
    "Assignment",
    "Cost Center",
    "Profit Center",
    "Segment",
    "Functional Area",
    "Order",
    "WBS Element",
    "Trading Partner",
    "Partner Profit Center",
    "Value Date",
    "House Bank",
    "Quantity",
    "Base Unit",
]
COLUMNS = HEADER_FIELDS + ITEM_FIELDS
#: SAP field lengths (characters) of the columns closekit fills.
LIMITS = {
    "Company Code": 4,
    "Reference": 16,
    "Journal Entry Header Text": 25,
    "G/L Account": 10,
    "Item Text": 50,
    "Assignment": 18,
    "Cost Center": 10,
    "Profit Center": 10,
    "Segment": 10,
    "Functional Area": 16,
    "Order": 12,
    "WBS Element": 24,
    "Trading Partner": 6,
    "Partner Profit Center": 10,
}
#: SAP field (importer name) -> template column, for dimensions.
DIMENSION_COLUMNS = {
    "Cost Center": "Cost Center",
    "Profit Center": "Profit Center",
    "Partner Profit Center": "Partner Profit Center",
    "Order": "Order",
    "Segment": "Segment",
    "Functional Area": "Functional Area",
    "WBS Element": "WBS Element",
    "Trading Partner": "Trading Partner",
    "Assignment": "Assignment",
    "Company Code": "Company Code",
}
DEFAULT_TYPE = "SA"
_CODE = re.compile(r"[A-Za-z0-9]{1,4}")
_TYPE = re.compile(r"[A-Za-z0-9]{2}")
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_NUMBERS = ("Sequence ID", "Debit", "Credit")
_DATES = ("Journal Entry Date", "Posting Date")


def write(lines: pd.DataFrame, ctx: ExportContext) -> Export:
    lines = lines.reset_index(drop=True)
    sequence = pd.Series(pd.factorize(lines["voucher"].astype(str))[0] + 1, index=lines.index)
    lines = lines.iloc[np.argsort(sequence.to_numpy(), kind="stable")]
    sequence = sequence[lines.index]
    lines = lines.reset_index(drop=True)
    sequence = sequence.reset_index(drop=True)
    findings: list[pd.DataFrame] = []
    notes: list[str] = []

    columns = {name: pd.Series("", index=lines.index, dtype=object) for name in COLUMNS}
    dimension_of: dict[str, str] = {}  # template column -> Settings dimension
    for dimension in ctx.dimensions:
        column = DIMENSION_COLUMNS.get(sap_field(dimension) or "")
        if column is None or column in dimension_of:
            findings.append(_unwritten(lines, dimension))
        else:
            dimension_of[column] = dimension
            columns[column] = _text(lines[dimension])

    company = _text(lines[dimension_of["Company Code"]]) if "Company Code" in dimension_of else columns["Company Code"]
    fallback = ctx.company.strip() if _CODE.fullmatch(ctx.company.strip()) else ""
    company = company.where(company != "", fallback)
    columns["Company Code"] = company
    if (company == "").any():
        findings.append(_no_company(ctx))
        notes.append("Fill in Company Code before uploading: Settings Company is not an SAP company code.")
    journal_type = (ctx.journal_name or "").strip()
    if not _TYPE.fullmatch(journal_type):
        journal_type = DEFAULT_TYPE
        notes.append(
            f"Journal Entry Type is {DEFAULT_TYPE}: Settings JournalName is not a 2-character SAP document type."
        )

    ccy = ctx.accounting_currency
    amount = lines["amount_accounting"].astype("int64")
    places = money.exponent(ccy)
    decimals = [Decimal(int(v)).scaleb(-places) for v in amount.abs()]
    debit = pd.Series(decimals, index=lines.index, dtype=object)
    columns["Sequence ID"] = sequence
    columns["Journal Entry Type"] = pd.Series(journal_type, index=lines.index, dtype=object)
    columns["Posting Date"] = lines["date"]
    columns["Journal Entry Date"] = (
        lines["document_date"].fillna(lines["date"]) if "document_date" in lines else lines["date"]
    )
    columns["Transaction Currency"] = pd.Series(ccy, index=lines.index, dtype=object)
    columns["Reference"] = _text(lines["voucher"])
    columns["Journal Entry Header Text"] = _text(lines["journal"])
    columns["G/L Account"] = _text(lines["account"])
    columns["Item Text"] = _text(lines["text"])
    columns["Debit"] = debit.where((amount >= 0).to_numpy(), None)
    columns["Credit"] = debit.where((amount < 0).to_numpy(), None)

    findings += _limits(lines, columns, dimension_of, sequence)
    rows = pd.DataFrame(columns)[COLUMNS]
    notes.append(
        "Compare the columns with the template of your system (Upload General Journal Entries): "
        "it depends on the release and the fields active in it."
    )
    return Export([_workbook(rows, places)], ".xlsx", fnd.combine(findings), notes)


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


# ------------------------------------------------------------------------------------- findings


def _limits(
    lines: pd.DataFrame, columns: dict[str, pd.Series], dimension_of: dict[str, str], sequence: pd.Series
) -> list[pd.DataFrame]:
    out = []
    per_line = {"G/L Account": "Account", "Item Text": "Text"}
    per_line.update({column: dimension for column, dimension in dimension_of.items()})
    first = ~sequence.duplicated()
    per_voucher = {"Reference": "Voucher", "Journal Entry Header Text": "Journal"}
    for column, source in {**per_line, **per_voucher}.items():
        if column not in LIMITS:
            continue
        values, limit = columns[column], LIMITS[column]
        long = values.str.len() > limit
        if column in per_voucher:
            long &= first
        shown = values.str.slice(0, 60).where(values.str.len() <= 60, values.str.slice(0, 57) + "...")
        message = "'" + shown + "' has " + values.str.len().astype(str) + f" characters; SAP's {column} takes {limit}"
        fix = f"Shorten {source} to at most {limit} characters."
        out.append(refuse(lines, long, source, message, fix))
    for column, values in columns.items():
        if column in _NUMBERS or column in _DATES or values.dtype != object:
            continue
        control = values.astype(str).str.contains(_CONTROL, regex=True)
        if control.any():
            columns[column] = values.astype(str).str.replace(_CONTROL, "", regex=True)
            source = per_line.get(column) or per_voucher.get(column) or column
            out.append(
                refuse(lines, control, source, "the text holds a control character", "Remove the control character.")
            )
    position = sequence.groupby(sequence).cumcount() + 1
    size = sequence.map(sequence.value_counts())
    over = position == MAX_LINES + 1
    out.append(
        refuse(
            lines,
            over,
            "Voucher",
            "voucher has " + size.astype(str) + f" lines: an SAP journal entry takes at most {MAX_LINES}",
            f"Split the adjustment into vouchers of at most {MAX_LINES} lines that each balance.",
        )
    )
    companies = columns["Company Code"].groupby(sequence).transform("nunique")
    out.append(
        refuse(
            lines,
            (companies > 1) & first,
            "Voucher",
            "the voucher's lines have different company codes: an SAP journal entry belongs to one",
            "Post each company code's lines in a voucher of their own.",
        )
    )
    return out


def _unwritten(lines: pd.DataFrame, dimension: str) -> pd.DataFrame:
    values = _text(lines[dimension]) if dimension in lines else pd.Series("", index=lines.index)
    return refuse(
        lines,
        values != "",
        dimension,
        f"dimension {dimension} has no column in the SAP upload: '" + values + "' is not written",
        f"Name the dimension like the SAP field it is (e.g. CostCenter, ProfitCenter, Segment) or post "
        f"{dimension} in SAP by hand.",
    ).assign(Severity=fnd.Severity.WARNING.value)


def _no_company(ctx: ExportContext) -> pd.DataFrame:
    return fnd.frame(
        [
            fnd.finding(
                "export-limit",
                "Settings",
                f"Settings Company {ctx.company!r} is not an SAP company code: Company Code is left empty",
                column="Company",
                fix="Fill in Company Code in the upload file, or add a CompanyCode dimension to the adjustments.",
                severity=fnd.Severity.WARNING,
            )
        ]
    )


# ------------------------------------------------------------------------------------- workbook


def _workbook(rows: pd.DataFrame, places: int) -> bytes:
    """The upload workbook: texts as strings with format ``@``, amounts and dates as typed cells."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    amount_format = "#,##0" + ("." + "0" * places if places else "")
    _put_text(sheet.cell(1, 1), "Batch ID")
    _put_text(sheet.cell(1, 2), "")
    for j, name in enumerate(COLUMNS, start=1):
        _put_text(sheet.cell(2, j), name)
        sheet.column_dimensions[get_column_letter(j)].width = max(10, min(40, len(name) + 2))
    for j, name in enumerate(COLUMNS, start=1):
        values = rows[name].tolist()
        for i, value in enumerate(values, start=3):
            cell = sheet.cell(i, j)
            if name in _NUMBERS:
                if value is not None and not (isinstance(value, float) and value != value):
                    cell.value = int(value) if name == "Sequence ID" else value
                    cell.number_format = "0" if name == "Sequence ID" else amount_format
            elif name in _DATES:
                if value is not None and not pd.isna(value):
                    cell.value = pd.Timestamp(value).date() if not isinstance(value, dt.date) else value
                    cell.number_format = "yyyy-mm-dd"
            elif value != "":
                _put_text(cell, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put_text(cell, value: object) -> None:
    """A text cell that is never a formula: data type ``s``, format ``@``, quote prefix if it looks like one."""
    text = cell_text.clean("" if value is None else str(value))
    if "_x" in text:  # openpyxl writes "_x0041_" as it is and Excel would decode it: keep it literal
        text = re.sub("_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", text)
    cell.value = text
    cell.data_type = "s"
    cell.number_format = "@"
    if cell_text.is_formula(text):
        cell.quotePrefix = True


EXPORTER = Exporter("sap", "SAP S/4HANA General Journal upload", ".xlsx", write)
