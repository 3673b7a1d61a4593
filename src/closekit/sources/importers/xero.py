"""Xero (formats.md 5a, 5b): the manual journal import CSV and the General Ledger report export.

Two layouts, told apart by their headers (matched case/space/underscore-insensitively; the ``*``
of Xero's required columns may be there or not):

* **Manual journal import** (Accounting → Manual Journals → Import): ``*Narration, *Date,
  Description, *AccountCode, *TaxRate, *Amount, TrackingName1, TrackingOption1, TrackingName2,
  TrackingOption2``. The rows sharing a Narration and a Date are one journal: the voucher is the
  Narration (``Narration date`` for the journals of a Narration used on several dates). Amount is
  signed, debit positive, in the organisation's base currency; Description is the line text.
  Each ``TrackingName<n>``/``TrackingOption<n>`` pair sets the Settings dimension whose name is the
  tracking category's name (spaces, case and underscores ignored) to the option; a tracking
  category that is no Settings dimension is a ``bad-value`` warning and is not read. The tax rate is
  not read: Xero adds the tax of a taxed rate when it posts, closekit reads the amounts as they stand.
* **General Ledger Detail / Account Transactions report** (Excel or CSV export): report title rows
  (report name, organisation, date range), then the header ``Date, Source, Description, Reference,
  Debit, Credit, Running Balance, Gross, GST ...`` with ``Account Code`` and ``Account`` when added,
  then the lines grouped by account under a title row (``200 - Sales``), with ``Opening Balance``,
  ``Total ...`` and ``Closing Balance`` rows. Only the transaction rows are read: a filled Date, no
  total or balance label in the first cell (nor ``Opening/Closing Balance`` as the Description), and
  a filled Source (an amount where the report has no Source column). Row numbers stay the physical
  ones. Debit and Credit are unsigned, base currency. The account is ``Account Code``, else the code
  in ``Account`` (``200 - Sales``, ``Sales (200)``; a plain name is kept as it is, for the
  AccountMap sheet), else the code in the account title row above the line. ``Source`` (Manual
  Journal, Receivable Invoice ...) is the journal and ``Journal Number`` (or ``Journal No``,
  ``Journal #``, ``Journal ID``) the voucher when the report has it; without it the balance check
  groups the lines per source and date. A tracking column is read when it is named like a Settings
  dimension. Opening balances are summary rows and are not read: export from the start of the
  fiscal year, or add an opening trial balance as a source.

Title rows above the header are skipped by :func:`read_text` (CSV; the registry's ``read_text``
hook) and :func:`read_rows` (a grid of cells: an XLSX sheet, once the XLSX reader asks importers for
such a reader; until then delete the title rows of an XLSX export, or paste it into LedgerImport
from the header row down).

**Dates.** Xero writes dates in the organisation's region: ``31/01/2025`` (AU, NZ, UK),
``01/31/2025`` (US), ``31 Jan 2025`` on screen and in the import template, ISO, or date cells.
``31 Jan 2025`` is read here (English month names). For slash dates the order is decided per file
from all its dates: a first part above 12 means DD/MM, a second part above 12 MM/DD; when no date
shows it, DD/MM (Xero's documented import format) is taken and an Info finding says so. A file
mixing slash dates with ISO or ``31 Jan 2025`` dates gets all of them made ISO. A DateFormat in
Sources overrides the slash order found here.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.core.parsing import header_key
from closekit.sources.importers.base import (
    ImportContext,
    Importer,
    Mapped,
    dimension_aliases,
    find_columns,
    missing_column,
    require,
)
from closekit.sources.tables import RawTable, is_filled, sniff_delimiter, unique_names

JOURNAL = {
    "narration": ("*Narration", "Narration"),
    "date": ("*Date", "Date"),
    "text": ("Description",),
    "account": ("*AccountCode", "AccountCode"),
    "amount": ("*Amount", "Amount"),
}
REPORT = {
    "journal": ("Source",),
    "voucher": ("Journal Number", "Journal No", "Journal No.", "Journal #", "Journal ID"),
    "date": ("Date",),
    "text": ("Description",),
    "debit": ("Debit",),
    "credit": ("Credit",),
}
REPORT_ACCOUNT = {"code": ("Account Code", "Code"), "name": ("Account", "Account Name")}
#: Lines searched for the report's header row below its title rows.
HEADER_SEARCH_ROWS = 30
#: First cells (or Descriptions) of the report's summary rows.
_SUMMARY = re.compile(r"(?i)^\s*(?:total\b|opening balance|closing balance|net movement|movement\b|balance\b)")
_BALANCE = re.compile(r"(?i)\s*(?:opening|closing) balance\s*")
_TRACKING = re.compile(r"^tracking(name|option)(\d+)$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_NAME_DATE = r"^(\d{1,2})[ \-]([A-Za-z]{3,9})\.?[ \-](\d{4})$"
_SLASH_DATE = r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:$|[ T])"
UNTRACKED_FIX = (
    "Add the tracking category to Settings Dimensions (and its options to the Dimensions sheet), "
    "or leave it out of the file."
)
DATE_FIX = "Set DateFormat in Sources to MM/DD/YYYY if the Xero organisation is in the US."


# ------------------------------------------------------------------------------------ detection


def _has(table: RawTable, *names: str) -> bool:
    keys = {header_key(c) for c in table.columns}
    return any(header_key(n) in keys for n in names)


def _is_journal(table: RawTable) -> bool:
    return all(_has(table, *names) for names in JOURNAL.values() if names != JOURNAL["text"])


def _is_report(columns: list[str]) -> bool:
    keys = {header_key(c) for c in columns}
    return (
        {"date", "debit", "credit"} <= keys
        and bool({"source", "accountcode"} & keys)
        and "voucher" not in keys
        and "narration" not in keys
        and "*narration" not in keys
    )


def detect(table: RawTable) -> bool:
    return _is_journal(table) or _is_report(table.columns)


# ---------------------------------------------------------------------------- report title rows


def read_text(text: str, where: str, encoding: str) -> RawTable | None:
    """A report export whose header is below title rows, as a raw table whose row numbers are the
    file's physical lines; None when ``text`` is not one (no report header within the first
    :data:`HEADER_SEARCH_ROWS` lines, or the header is the first line: the plain CSV reader reads
    that the same). Rows shorter than the header (account titles, totals) are padded."""
    text = text.lstrip("\ufeff")
    found, first = None, None
    for number, line in enumerate(text.split("\n", HEADER_SEARCH_ROWS + 1)[:HEADER_SEARCH_ROWS]):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        first = number if first is None else first
        delimiter = sniff_delimiter(line)
        try:
            cells = next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter), [])
        except csv.Error:  # a lone CR or a broken quote: not a header closekit can read here
            continue
        if _is_report([c.strip() for c in cells]):
            found = (number, delimiter)
            break
    if found is None or found[0] == first:
        return None
    header_line, delimiter = found
    grid, numbers = [], []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        start = 1
        for record in reader:
            grid.append(record)
            numbers.append(start)
            start = reader.line_num + 1
    except csv.Error:
        return None  # the plain CSV reader reports the line
    header = numbers.index(header_line + 1) if header_line + 1 in numbers else None
    if header is None:
        return None
    meta = {"encoding": encoding, "delimiter": delimiter, "layout": "xero-report"}
    return _report_table(where, grid, numbers, header, meta)


def read_rows(cells: list[list[object]], where: str, first_row: int = 1) -> RawTable | None:
    """A report sheet (an XLSX export) whose header is below title rows, as a raw table with
    Excel's row numbers; None when the grid holds no report header within its first rows, or the
    header is its first non-blank row (which :func:`closekit.sources.tables.from_rows` reads the same)."""
    filled = [i for i, row in enumerate(cells[:HEADER_SEARCH_ROWS]) if any(is_filled(c) for c in row)]
    for i in filled:
        if _is_report([_cell(c).strip() for c in cells[i]]):
            if i == filled[0]:
                return None
            numbers = list(range(first_row, first_row + len(cells)))
            return _report_table(where, cells, numbers, i, {"layout": "xero-report"})
    return None


def _report_table(where: str, grid: list[list[object]], numbers: list[int], start: int, meta: dict) -> RawTable:
    """The raw table below the header ``grid[start]``: blank rows skipped, short rows padded, a row
    with filled cells beyond the header a ``bad-row`` finding."""
    header = [_cell(c).strip() for c in grid[start]]
    while header and header[-1] == "":
        header.pop()
    keep = [j for j, name in enumerate(header) if name]
    names = unique_names([header[j] for j in keep])
    width = len(header)
    records, rows, bad = [], [], []
    for cells, number in zip(grid[start + 1 :], numbers[start + 1 :], strict=True):
        if not any(is_filled(c) for c in cells):
            continue
        if any(is_filled(c) for c in cells[width:]):
            bad.append(
                fnd.finding(
                    "bad-row",
                    where,
                    f"row {number} has {len(cells)} cells where the header on row {numbers[start]} has "
                    f"{width}; the row was not read",
                    row=number,
                    column="",
                )
            )
            continue
        cells = list(cells[:width]) + [""] * (width - len(cells))
        records.append([cells[j] for j in keep])
        rows.append(number)
    frame = (
        pd.DataFrame(records, columns=names, dtype=object)
        if records
        else pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    )
    preamble = [[_cell(c) for c in row] for row in grid[:start]]
    meta = {
        **meta,
        "preamble": [" ".join(c for c in row if c) for row in preamble],
        "column_numbers": {name: j + 1 for name, j in zip(names, keep, strict=True)},
    }
    return RawTable(where, names, frame, np.asarray(rows, dtype=np.int64), meta, fnd.frame(bad), preamble=preamble)


def _cell(value: object) -> str:
    """One cell of a title or header row as text."""
    if not is_filled(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------------------- mapping


def map_table(table: RawTable, ctx: ImportContext) -> Mapped:
    return _map_journal(table, ctx) if _is_journal(table) else _map_report(table, ctx)


def _map_journal(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, JOURNAL)
    problems = require(
        table, found, {"narration": "*Narration", "date": "*Date", "account": "*AccountCode", "amount": "*Amount"}
    )
    source = table.frame.reset_index(drop=True)
    lines = _lines(table, source.index)
    findings = [fnd.frame(problems)]
    columns = {f: found[f] for f in ("date", "account", "amount", "text") if f in found}
    frame = pd.DataFrame({f: source[c] for f, c in columns.items()}, index=source.index)
    date_format = None
    if "date" in frame:
        frame["date"], date_format, note = _dates(frame["date"], table.where, table.rows, found["date"])
        findings.append(note)
    if "narration" in found:
        narration = parsing.as_text(source[found["narration"]])
        day = parsing.as_text(frame["date"]) if "date" in frame else pd.Series("", index=source.index)
        several = day.groupby(narration).transform("nunique") > 1
        frame["voucher"] = narration.where(~several, narration + " " + day)
        columns["voucher"] = found["narration"]
        lines["voucher"] = frame["voucher"]
    dimensions, dimension_columns = _tracking(table, source, ctx, lines, findings)
    for name, values in dimensions.items():
        frame[name] = values
    columns.update(dimension_columns)
    return Mapped(frame, table.rows, columns, fnd.combine(findings), date_format=date_format)


def _tracking(
    table: RawTable, source: pd.DataFrame, ctx: ImportContext, lines: pd.DataFrame, findings: list[pd.DataFrame]
) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """Dimension values from the ``TrackingName<n>``/``TrackingOption<n>`` pairs, and their columns."""
    pairs: dict[int, dict[str, str]] = {}
    for column in table.columns:
        match = _TRACKING.match(header_key(column))
        if match:
            pairs.setdefault(int(match.group(2)), {}).setdefault(match.group(1), column)
    values = {d: pd.Series("", index=source.index, dtype="string") for d in ctx.dimensions}
    columns: dict[str, str] = {}
    wanted = {header_key(d): d for d in ctx.dimensions}
    listed = ", ".join(ctx.dimensions) or "none"
    for number in sorted(pairs):
        pair = pairs[number]
        if "option" not in pair:
            continue
        option = parsing.as_text(source[pair["option"]])
        name = parsing.as_text(source[pair["name"]]) if "name" in pair else pd.Series("", index=source.index)
        key = name.str.replace(r"[\s_]", "", regex=True).str.lower()
        matched = pd.Series(False, index=source.index)
        for k, dimension in wanted.items():
            hit = parsing.mask((key == k) & (option != "") & (values[dimension] == ""))
            if hit.any():
                values[dimension] = values[dimension].where(~hit, option)
                columns.setdefault(dimension, pair["option"])
            matched |= parsing.mask(key == k)
        unknown = parsing.mask((option != "") & ~matched)
        if unknown.any():
            message = pd.Series("", index=source.index, dtype=object)
            message[unknown] = [
                f"tracking category '{n}' (option '{o}') is not one of Settings Dimensions ({listed}): not read"
                if n
                else f"tracking option '{o}' has no tracking category name: not read"
                for n, o in zip(name[unknown], option[unknown], strict=True)
            ]
            findings.append(
                fnd.from_mask(
                    "bad-value",
                    lines,
                    unknown,
                    column=pair.get("name", pair["option"]),
                    message=message,
                    fix=UNTRACKED_FIX,
                    severity=fnd.Severity.WARNING,
                )
            )
    return {d: v for d, v in values.items() if d in columns}, columns


def _map_report(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, {**REPORT, **REPORT_ACCOUNT, **dimension_aliases(ctx)})
    problems = require(table, found, {"date": "Date", "debit": "Debit", "credit": "Credit"})
    source = table.frame.reset_index(drop=True)

    def text(field: str) -> pd.Series:
        return parsing.as_text(source[found[field]]) if field in found else pd.Series("", index=source.index)

    cells = [parsing.as_text(source[c]) for c in table.columns]
    first = pd.Series("", index=source.index, dtype="string")
    filled = pd.Series(0, index=source.index)
    for column in reversed(cells):
        first = first.where(column == "", column)
        filled += (column != "").astype(int)
    summary = parsing.mask(first.str.contains(_SUMMARY) | text("text").str.fullmatch(_BALANCE))
    has_amount = (text("debit") != "") | (text("credit") != "")
    dated = text("date") != ""
    # an undated row with an amount is a transaction line without its date (a bad-date), not a title
    keep = (dated | has_amount) & ~summary & ((text("journal") != "") if "journal" in found else has_amount)
    keep = parsing.mask(keep).to_numpy()
    skipped = {"total": int((summary & ~keep).sum()), "section": int((~summary & ~keep).sum())}

    columns = {f: found[f] for f in REPORT if f in found}
    frame = pd.DataFrame({f: source[c] for f, c in columns.items()}, index=source.index)
    if "code" in found:
        frame["account"] = source[found["code"]]
        columns["account"] = found["code"]
    elif "name" in found:
        frame["account"] = account_code(text("name"))
        columns["account"] = found["name"]
    else:
        title = parsing.mask((filled == 1) & ~summary & ~pd.Series(keep, index=source.index))
        titles = first.where(title).ffill().fillna("")
        if (titles[keep] != "").any():
            frame["account"] = account_code(titles)
            columns["account"] = table.columns[0]
        else:
            problems.append(
                missing_column(
                    table, "Account Code", "add the Account Code column to the report, or group it by account"
                )
            )
    for name in ctx.dimensions:
        if name in found:
            frame[name] = source[found[name]]
            columns[name] = found[name]

    frame = frame[keep].reset_index(drop=True)
    rows = table.rows[keep]
    findings = [fnd.frame(problems)]
    date_format = None
    if "date" in frame:
        frame["date"], date_format, note = _dates(frame["date"], table.where, rows, found["date"])
        findings.append(note)
    mapped = Mapped(frame, rows, columns, fnd.combine(findings), date_format=date_format)
    mapped.skipped = {reason: count for reason, count in skipped.items() if count}
    return mapped


def account_code(values: pd.Series) -> pd.Series:
    """The account code in ``200 - Sales`` or ``Sales (200)`` (a code holds a digit); other texts as they are."""
    values = parsing.as_text(values)
    leading = values.str.extract(r"^((?=[\w.\-]*\d)[\w.\-]+)\s+-\s+\S", expand=False)
    trailing = values.str.extract(r"\S\s*\(((?=[\w.\-]*\d)[\w.\-]+)\)$", expand=False)
    return leading.fillna(trailing).fillna(values).astype("string")


def _lines(table: RawTable, index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({"where": table.where, "row": table.rows, "voucher": ""}, index=index)


# ------------------------------------------------------------------------------------------ dates


def _dates(values: pd.Series, where: str, rows: np.ndarray, column: str) -> tuple[pd.Series, str | None, pd.DataFrame]:
    """The date column with ``31 Jan 2025`` texts made ISO; the slash-date format the file shows
    (None when it has no slash dates, or both orders); an Info finding when DD/MM was assumed.

    A file that mixes slash dates with ISO or month-name dates has its slash dates made ISO too (in
    the order found), so that one format reads the whole column."""
    text = parsing.as_text(values)
    values = values.astype(object).copy()
    named = text.str.extract(_MONTH_NAME_DATE)
    month = named[1].str.lower().map(_MONTHS)
    spelled = parsing.mask(month.notna())
    if spelled.any():
        values[spelled] = (
            named[2][spelled]
            + "-"
            + month[spelled].astype(int).astype(str).str.zfill(2)
            + "-"
            + named[0][spelled].str.zfill(2)
        ).to_numpy()
    slash = text.str.extract(_SLASH_DATE).dropna()
    if slash.empty:
        return values, None, fnd.frame()
    first, second = slash[0].astype(int), slash[1].astype(int)
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first and month_first:
        return values, None, fnd.frame()
    short = bool((slash[2].str.len() == 2).all())
    date_format = ("MM/DD" if month_first else "DD/MM") + ("/YY" if short else "/YYYY")
    note = fnd.frame()
    if not (day_first or month_first) and (first != second).any():
        at = slash.index[int((first != second).to_numpy().argmax())]
        note = fnd.frame(
            [
                fnd.finding(
                    "format-detected",
                    where,
                    f"no date shows whether {text[at]} is day/month or month/day: read as {date_format} "
                    "(Xero's format outside the US) unless DateFormat in Sources says otherwise",
                    row=int(rows[at]),
                    column=column,
                    fix=DATE_FIX,
                )
            ]
        )
    iso = parsing.mask(text.str.match(r"^\d{4}-\d{1,2}-\d{1,2}"))
    if (spelled | iso).any():
        parsed = pd.to_datetime(
            text[slash.index].str.replace(r"[ T].*$", "", regex=True),
            format=parsing.DATE_FORMATS[date_format],
            errors="coerce",
        )
        read = parsed.notna()
        values[read[read].index] = parsed[read].dt.strftime("%Y-%m-%d").to_numpy()
        return values, None, note
    return values, date_format, note


IMPORTER = Importer("xero", "Xero", detect, map_table, read_text=read_text)
