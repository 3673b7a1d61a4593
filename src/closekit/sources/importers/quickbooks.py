"""QuickBooks Online (formats.md 4a, 4b): the journal entry import and the General Ledger report.

Two layouts, told apart by their headers (matched case/space/underscore-insensitively):

* **Journal entry import** (Settings → Import data → Journal Entries): ``Journal No.`` (rows with
  the same number are one entry: the voucher), ``Journal Date``, ``Account`` (or ``Account
  Name``), ``Debits``, ``Credits``, ``Description`` (the text), ``Currency Code``; ``Name``,
  ``Location``, ``Class`` and any other column are read only as dimensions of the same name.
* **General Ledger report** (Reports → General Ledger → Export to CSV or Excel): title rows
  (company, report name, date range) above a header
  whose first cell is empty, ``Date`` (``Transaction date``), ``Transaction Type``, ``Num``,
  ``Name``, ``Memo/Description``, ``Split``, ``Amount`` or ``Debit`` + ``Credit``, ``Balance``;
  the newer layout adds ``Distribution account`` on every row. Each account is a section: a row
  with the account's name in the first column, then its transactions, then ``Total for
  <account>``. A section opened inside another is a sub-account (``Parent:Child``). ``Beginning
  Balance`` rows, the ``Total for ...`` rows, the grand ``TOTAL`` and the rows under it are not
  lines. ``Transaction Type`` is the journal and ``Num`` the voucher (lines without a number are
  grouped per type and date when closekit checks the balance); ``Memo/Description`` is the text.
  Dates and numbers as QuickBooks writes them (``01/31/2026``, ``"4,250.00"``, ``(1.00)``,
  ``$(250.00)``, ``-$53,277.15``). Row numbers stay the physical rows of the file. The Journal
  report reads the same way (an ``Account`` column, one block per transaction whose further lines
  leave Date, Type and Num empty, a subtotal row after each block), and so do QuickBooks Desktop
  exports (``Type, Date, Num, Adj, Name, Memo, Split, Debit, Credit``, ``5012 · Rent`` sections
  closed by ``Total 5012 · Rent``).

:func:`read_quickbooks_report` turns such a report (CSV text or worksheet cells) into a plain raw
table: one row per transaction line, the account of its section in an ``Account`` column, the
true row numbers. The import step runs it on text files (``read_text``); :func:`read_rows` is the
same for a worksheet's cells. :func:`map_table` does the same on a raw table whose header row is
the report's (the title rows deleted, or title rows padded to the full width of the CSV), so a
report pasted from its header row, with ``Account`` typed into the empty first header cell, reads
too.

**The sign of Amount.** The report signs ``Amount`` by each account's natural balance (an invoice
is positive on the income account and on Accounts Receivable; formats.md 4b): it is not
debit-positive. With
``Debit`` and ``Credit`` columns (Customize → Rows/Columns → Change columns) the report is exact
and needs nothing else. With ``Amount`` only, closekit needs to know which accounts are credit
accounts: the import context's ``account_types`` (account as the export names it → Accounts
``Type``); a Liability, Equity or Revenue account's Amount is a credit. Without them the report is
refused with one ``missing-column`` finding naming ``Debit``; an account whose type is not known
gets an ``unknown-account`` finding and its lines no amount.

**Accounts.** The account is the leading number of the last part of ``number name`` or
``Parent:Child`` (``6000 Expenses:6150 Audit`` is ``6150``), else the name as it stands (map names
to the chart in the AccountMap sheet).
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
    has_headers,
    require,
)
from closekit.sources.importers.netsuite import account_code
from closekit.sources.tables import RawTable, decode, is_filled, open_workbook, sniff_delimiter, unique_names

JOURNAL = {
    "voucher": ("Journal No.", "Journal No", "Journal Number", "Journal #"),
    "date": ("Journal Date", "Date"),
    "debit": ("Debits", "Debit"),
    "credit": ("Credits", "Credit"),
    "text": ("Description", "Memo"),
    "currency": ("Currency Code", "Currency"),
}
JOURNAL_ACCOUNT = ("Account Name", "Account")
#: The header that makes a journal import file QuickBooks' (``JournalNo`` matches it too).
JOURNAL_NUMBER = ("Journal No.", "Journal No")

REPORT = {
    "journal": ("Transaction Type", "Type"),
    "voucher": ("Num",),
    "date": ("Date", "Transaction date"),
    "text": ("Memo/Description", "Memo", "Description"),
    "debit": ("Debit",),
    "credit": ("Credit",),
    "amount": ("Amount",),
}
#: The column the report reader fills with each line's account.
ACCOUNT = "Account"
#: Header cells that name a per-row account column (the newer layout, the Journal report).
ROW_ACCOUNT_KEYS = ("distributionaccount", "account")
CREDIT_TYPES = ("Liability", "Equity", "Revenue")
DEBIT_TYPES = ("Asset", "Expense")
#: Rows searched for the report's header row (below the title rows).
HEADER_SEARCH = 40
_TOTAL_FOR = re.compile(r"^total\s+for\s+(.*?)(?:\s+with\s+sub-?accounts)?$", re.IGNORECASE)
_OPENING = ("beginning balance", "opening balance")
_FOOTER = re.compile(r"\b(?:accrual|cash) basis\b", re.IGNORECASE)
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_NUMBERED_BLANK = re.compile(r"\s*\(\d+\)")
SIGN_FIX = (
    "Customize the General Ledger report (Rows/Columns → Change columns), tick Debit and Credit, and export it again."
)


# ------------------------------------------------------------------------------------ detection


def is_report_header(cells: list[object]) -> bool:
    """A General Ledger (or Journal) report header row: transaction type, date and amounts."""
    keys = {header_key(_cell(c)) for c in cells if _cell(c)}
    kind = "transactiontype" in keys or {"type", "num", "split"} <= keys
    dated = bool(keys & {"date", "transactiondate"})
    money = "amount" in keys or {"debit", "credit"} <= keys
    return kind and dated and money


def is_report_by_structure(header: list[object], body: list[list[object]]) -> bool:
    """A customised report without a ``Type`` column (formats.md 4b): a header with a date and the
    amounts whose first cell is empty (or ``Account``), then account sections: a row with only a
    name in the first column, and a ``Total for <name>`` (or ``Total <name>``) row closing it."""
    keys = [header_key(_cell(c)) for c in header]
    if not keys or keys[0] not in ("", "account") or not keys[1:]:
        return False
    named = set(keys)
    if not (named & {"date", "transactiondate"}) or not ("amount" in named or {"debit", "credit"} <= named):
        return False
    opened: set[str] = set()
    for record in body[: HEADER_SEARCH * 25]:
        texts = [_cell(c) for c in record]
        if not texts or not texts[0]:
            continue
        label = texts[0]
        match = _TOTAL_FOR.match(label)
        total = match.group(1).strip() if match else label[6:].strip() if label.lower().startswith("total ") else None
        if total is not None and any(total in (name, name.rsplit(":", 1)[-1]) for name in opened):
            return True
        if not any(texts[1 : len(keys)]):
            opened.add(label)
    return False


def _is_journal(table: RawTable) -> bool:
    numbered = any(has_headers(table, h) for h in JOURNAL_NUMBER)
    account = any(has_headers(table, h) for h in JOURNAL_ACCOUNT)
    amounts = any(has_headers(table, h) for h in (*JOURNAL["debit"], *JOURNAL["credit"]))
    return numbered and account and amounts


def _report_start(table: RawTable) -> int | None:
    """-1 when the table's header is the report header, k when data row k is (padded title rows
    above it), None when the table is not a report."""
    if is_report_header(table.columns) or table.meta.get("report") == "quickbooks":  # or read as one already
        return -1
    head = table.frame.head(HEADER_SEARCH)
    for k, row in enumerate(head.itertuples(index=False, name=None)):
        if is_report_header(list(row)):
            return k
    rows = head.itertuples(index=False)
    if _has_date_and_amounts(table.columns) or any(_has_date_and_amounts(list(r)) for r in rows):
        body = table.frame.head(HEADER_SEARCH * 26).to_numpy(dtype=object).tolist()
        title = ["" if _NUMBERED_BLANK.fullmatch(c) else c for c in table.columns]
        if is_report_by_structure(title, body):
            return -1
        for k, row in enumerate(body[:HEADER_SEARCH]):
            if is_report_by_structure(row, body[k + 1 :]):
                return k
    return None


def _has_date_and_amounts(cells: list[object]) -> bool:
    keys = {header_key(_cell(c)) for c in cells if _cell(c)}
    return bool(keys & {"date", "transactiondate"}) and ("amount" in keys or {"debit", "credit"} <= keys)


def detect(table: RawTable) -> bool:
    return _is_journal(table) or _report_start(table) is not None


def map_table(table: RawTable, ctx: ImportContext) -> Mapped:
    if not _is_journal(table):
        start = _report_start(table)
        if start is not None:
            resolved = _resolve_table(table, start)
            mapped = _map_report(resolved, ctx)
            mapped.skipped = dict(resolved.meta.get("skipped", {}))
            return mapped
    return _map_journal(table, ctx)


# ------------------------------------------------------------------------------- journal import


def _map_journal(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, {**JOURNAL, "account": JOURNAL_ACCOUNT, **dimension_aliases(ctx)})
    problems = require(
        table,
        found,
        {
            "voucher": "Journal No.",
            "date": "Journal Date",
            "account": "Account",
            "debit": "Debits",
            "credit": "Credits",
        },
    )
    source = table.frame.reset_index(drop=True)
    frame = pd.DataFrame({f: source[c] for f, c in found.items()}, index=source.index)
    if "account" in found:
        frame["account"] = account_code(source[found["account"]])
    return Mapped(frame, table.rows, dict(found), fnd.frame(problems))


# ------------------------------------------------------------------------------- report reading


def read_quickbooks_report(
    source: str | list[list[object]], where: str, *, delimiter: str | None = None, encoding: str = "utf-8"
) -> RawTable | None:
    """A General Ledger (or Journal) report as a plain raw table, or None when it is not one.

    ``source`` is the CSV text or a worksheet's cells (row 1 first). The header row is searched in
    the first :data:`HEADER_SEARCH` rows; the rows above it are the preamble. The result has one
    row per transaction line, its account (the section it is in, or its own account column) in
    the ``Account`` column, and the physical row numbers of the file.
    """
    meta: dict = {"report": "quickbooks"}
    if isinstance(source, str):
        parsed = _csv_records(source, delimiter)
        if parsed is None:
            return None
        records, numbers, used = parsed
        meta.update(encoding=encoding, delimiter=used)
    else:
        records, numbers = source, list(range(1, len(source) + 1))
    start = next((i for i, r in enumerate(records[:HEADER_SEARCH]) if is_report_header(r)), None)
    if start is None:  # a customised report without Type: told by its sections and Total rows
        start = next(
            (i for i, r in enumerate(records[:HEADER_SEARCH]) if is_report_by_structure(r, records[i + 1 :])), None
        )
    if start is None:
        return None
    preamble = [_trimmed(r) for r in records[:start] if any(is_filled(c) for c in r)]
    meta["header_row"] = numbers[start]
    meta["blank_above"] = start - len(preamble)
    return _build(where, records[start], records[start + 1 :], numbers[start + 1 :], meta, preamble)


def read_text(text: str, where: str, encoding: str) -> RawTable | None:
    """The import step's reader of text layouts (``Importer.read_text``): a report CSV, or None."""
    return read_quickbooks_report(text, where, encoding=encoding)


def read_rows(cells: list[list[object]], where: str, first_row: int = 1) -> RawTable | None:
    """A worksheet's cells (``cells[0]`` is row ``first_row``) when they are a report, else None."""
    table = read_quickbooks_report(cells, where)
    if table is not None and first_row != 1:
        table.rows = table.rows + (first_row - 1)
        table.meta["header_row"] += first_row - 1
    return table


def read_quickbooks_file(
    data: bytes, where: str, *, sheet: str | None = None, encoding: str | None = None, delimiter: str | None = None
) -> RawTable | None:
    """:func:`read_quickbooks_report` on a file's bytes (an .xlsx workbook or CSV text)."""
    if data.startswith(b"PK\x03\x04"):
        book = open_workbook(data, where)
        names = book.sheet_names
        wanted = [n for n in names if n.lower() == sheet.strip().lower()] if sheet else names[:1]
        if not wanted:
            return None  # the plain reader says which sheets there are
        name = wanted[0]
        label = where if sheet is None and len(names) == 1 else f"{where} [{name}]"
        return read_quickbooks_report(book.read(name), label)
    text, used = decode(data, where, encoding)
    return read_quickbooks_report(text, where, delimiter=delimiter, encoding=used)


def _csv_records(text: str, delimiter: str | None) -> tuple[list[list[str]], list[int], str] | None:
    """Every record of the CSV with its first physical line, once a report header is seen in the
    first lines (else None, without reading the rest)."""
    head = text.split("\n", HEADER_SEARCH)[:HEADER_SEARCH]
    used = None
    for at, line in enumerate(head):
        candidate = delimiter or sniff_delimiter(line.rstrip("\r"))
        try:
            cells = next(csv.reader([line.rstrip("\r")], delimiter=candidate), [])
        except csv.Error:
            continue
        if is_report_header(cells):
            used = candidate
            break
        if _has_date_and_amounts(cells) and _structured_below(text, at, candidate):
            used = candidate
            break
    if used is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=used)
    records, numbers, line = [], [], 1
    try:
        for record in reader:
            records.append(record)
            numbers.append(line)
            line = reader.line_num + 1
    except csv.Error:
        return None  # the plain CSV reader reports the broken line
    return records, numbers, used


def _structured_below(text: str, at: int, delimiter: str) -> bool:
    """Whether the lines after line ``at`` (0-based) are a report's sections under that header."""
    most = HEADER_SEARCH * 25
    lines = [line.rstrip("\r") for line in text.split("\n", at + 1 + most)[at : at + 1 + most]]
    try:
        records = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return False
    return bool(records) and is_report_by_structure(records[0], records[1:])


def _resolve_table(table: RawTable, start: int) -> RawTable:
    """A report already read as a raw table (header row = ``start``, -1 for the table's own)."""
    source = table.frame.reset_index(drop=True)
    body = source.to_numpy(dtype=object).tolist()
    numbers = [int(n) for n in table.rows]
    meta = {k: v for k, v in table.meta.items() if k != "column_numbers"}
    meta["report"] = "quickbooks"
    if start == -1:
        meta.setdefault("header_row", numbers[0] - 1 if numbers else 1)
        positions = table.meta.get("column_numbers", {})
        header = list(table.columns)
        column_numbers = [positions.get(c, i + 1) for i, c in enumerate(header)]
        resolved = _build(table.where, header, body, numbers, meta, table.preamble, column_numbers)
        resolved.meta["skipped"].pop("title", None)  # counted by whoever read the rows above the header
    else:
        meta["header_row"] = numbers[start]
        title = ["" if _NUMBERED_BLANK.fullmatch(c) else c for c in table.columns]  # unique_names' " (2)"
        preamble = [*table.preamble, _trimmed(title), *(_trimmed(r) for r in body[:start])]
        resolved = _build(table.where, body[start], body[start + 1 :], numbers[start + 1 :], meta, preamble)
    resolved.findings = fnd.combine([table.findings, resolved.findings])
    return resolved


def _build(
    where: str,
    header_cells: list[object],
    body: list[list[object]],
    numbers: list[int],
    meta: dict,
    preamble: list[list[str]],
    column_numbers: list[int] | None = None,
) -> RawTable:
    """The report's transaction lines as a raw table (see :func:`read_quickbooks_report`)."""
    header = [_cell(c) for c in header_cells]
    while header and header[-1] == "" and len(header) > 1:
        header.pop()
    width = len(header)
    physical = column_numbers or list(range(1, width + 1))
    keys = [header_key(h) for h in header]
    section = 0 if keys and keys[0] in ("", "account") else None
    own = next((i for i, k in enumerate(keys) if k in ROW_ACCOUNT_KEYS and i != section), None)
    at = {name: keys.index(name) for name in dict.fromkeys(keys) if name}
    date = at.get("date", at.get("transactiondate"))
    kind = at.get("transactiontype", at.get("type"))
    carried = [i for i in (date, kind, at.get("num"), at.get("name")) if i is not None]
    money = [i for i in (at.get("amount"), at.get("debit"), at.get("credit")) if i is not None]
    data = [i for i in (date, kind, at.get("num"), own, *money) if i is not None]
    target = own if own is not None else section

    rows: list[list[object]] = []
    kept: list[int] = []
    problems: list[dict] = []
    stack: list[str] = []  # qualified names of the open sections, outermost first
    previous: list[object] | None = None
    skipped = dict.fromkeys(("title", "blank", "section", "opening balance", "total", "subtotal", "footer"), 0)
    skipped["title"] = sum(1 for r in preamble if any(is_filled(c) for c in r))
    skipped["blank"] = meta.pop("blank_above", 0)
    for at_row, (number, record) in enumerate(zip(numbers, body, strict=True)):
        cells = list(record[:width]) + [""] * (width - len(record))
        if any(is_filled(c) for c in record[width:]):
            problems.append(_bad_row(where, number, f"row {number} has more fields than the header has columns"))
            continue
        if not any(is_filled(c) for c in cells):
            skipped["blank"] += 1
            continue
        texts = [_cell(c) for c in cells]
        label = texts[0] if texts[0] else (texts[1] if width > 1 else "")
        dated = date is not None and texts[date] != ""
        if any(t.lower() in _OPENING for t in texts[:3]) or (date is not None and texts[date].lower() in _OPENING):
            skipped["opening balance"] += 1
            continue
        if not any(texts[i] for i in money) and _is_footer(" ".join(texts)):
            skipped["footer"] += _filled_count(body[at_row:])
            skipped["blank"] += len(body) - at_row - _filled_count(body[at_row:])
            break  # "Accrual basis Monday, November 2, 2026 10:00 AM" (its commas split it into cells)
        if not dated and label and _closes(label, stack):
            skipped["total"] += 1
            if label.upper() == "TOTAL":
                skipped["footer"] += _filled_count(body[at_row + 1 :])
                skipped["blank"] += len(body) - at_row - 1 - _filled_count(body[at_row + 1 :])
                break  # the grand total; below it only the report's footer (basis, time of export)
            continue
        if not any(texts[i] for i in data):
            if section is not None and texts[section]:
                _open(stack, texts[section])
            skipped["section" if any(texts) else "blank"] += 1
            continue
        if not any(texts[i] for i in (date, kind, at.get("num"), own) if i is not None):
            skipped["subtotal"] += 1
            continue  # a subtotal: amounts only (the Journal report's per-transaction totals)
        if not dated and previous is not None:  # a further line of the transaction above
            for i in carried:
                if not texts[i]:
                    cells[i] = previous[i]
        previous = cells
        if target is None:  # no account column at all: the mapping reports it
            rows.append(cells)
            kept.append(number)
            continue
        account = texts[own] if own is not None and texts[own] else ""
        if not account and section is not None:
            account = texts[section] or (stack[-1] if stack else "")
        if not account:
            problems.append(
                _bad_row(
                    where,
                    number,
                    f"row {number} is a transaction line above any account section row: closekit cannot "
                    "tell its account; the line was not read",
                )
            )
            continue
        cells[target] = account
        rows.append(cells)
        kept.append(number)

    keep = [i for i in range(width) if i == target or (i != section and header[i])]
    names = unique_names([ACCOUNT if i == target else header[i] for i in keep])
    frame = (
        pd.DataFrame([[r[i] for i in keep] for r in rows], columns=names, dtype=object)
        if rows
        else pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    )
    meta = {
        **meta,
        "column_numbers": {n: physical[i] for n, i in zip(names, keep, strict=True)},
        "skipped": {reason: count for reason, count in skipped.items() if count},
    }
    return RawTable(
        where, names, frame, np.asarray(kept, dtype=np.int64), meta, fnd.frame(problems), [list(p) for p in preamble]
    )


def _filled_count(records: list[list[object]]) -> int:
    return sum(1 for r in records if any(is_filled(c) for c in r))


def _open(stack: list[str], name: str) -> None:
    """Open a section: inside the open one, as its sub-account, unless the name says so already."""
    if stack and not name.startswith(stack[-1] + ":"):
        name = f"{stack[-1]}:{name}"
    stack.append(name)


def _closes(label: str, stack: list[str]) -> bool:
    """True (and the sections closed) for ``TOTAL``, ``Total for X`` and ``Total X`` of an open X."""
    if label.upper() == "TOTAL":
        stack.clear()
        return True
    match = _TOTAL_FOR.match(label)
    name = match.group(1).strip() if match else None
    if name is None and label.lower().startswith("total "):
        name = label[6:].strip()
        if not any(name in (full, full.rsplit(":", 1)[-1]) for full in stack):
            return False  # an account whose name starts with "Total"
    if name is None:
        return False
    for i in range(len(stack) - 1, -1, -1):
        if name in (stack[i], stack[i].rsplit(":", 1)[-1]):
            del stack[i:]
            return True
    if stack:
        stack.pop()
    return True


def _is_footer(text: str) -> bool:
    """The report's last line: its accounting basis and the time it was exported."""
    return bool(_FOOTER.search(text) and _TIME.search(text))


def _bad_row(where: str, row: int, message: str) -> dict:
    return fnd.finding("bad-row", where, message, row=row, column="")


def _cell(value: object) -> str:
    if not is_filled(value):
        return ""
    return str(parsing._cell_text(value)).strip()


def _trimmed(cells: list[object]) -> list[str]:
    texts = [_cell(c) for c in cells]
    while texts and texts[-1] == "":
        texts.pop()
    return texts


# ------------------------------------------------------------------------------- report mapping


def _map_report(table: RawTable, ctx: ImportContext) -> Mapped:
    found = find_columns(table, {**REPORT, "account": (ACCOUNT,), **dimension_aliases(ctx)})
    problems = require(table, found, {"date": "Date"})
    if "account" not in found:
        problems.append(
            fnd.finding(
                "missing-column",
                table.where,
                "no column with the accounts: the report's account sections are in its first column, "
                "which has no header here",
                row=_header_row(table),
                column=ACCOUNT,
                fix="Read the file as QuickBooks exported it, or type Account into the empty first cell of the "
                "header row.",
            )
        )
    source = table.frame.reset_index(drop=True)
    exact = "debit" in found and "credit" in found
    fields = {f: c for f, c in found.items() if f not in ("debit", "credit", "amount") or exact}
    if exact:
        fields.pop("amount", None)
    frame = pd.DataFrame({f: source[c] for f, c in fields.items()}, index=source.index)
    columns = dict(fields)
    if "account" in found:
        frame["account"] = account_code(source[found["account"]])
    if not exact and "amount" in found:
        problems += _natural_amounts(table, found, frame, columns, ctx)
    elif not exact:
        problems += require(table, found, {"debit": "Debit", "credit": "Credit"})
    return Mapped(frame, table.rows, columns, fnd.frame(problems))


def _header_row(table: RawTable) -> int:
    return int(table.meta.get("header_row") or (int(table.rows[0]) - 1 if len(table.rows) else 1))


def _natural_amounts(
    table: RawTable, found: dict[str, str], frame: pd.DataFrame, columns: dict[str, str], ctx: ImportContext
) -> list[dict]:
    """Amount signed by the account's natural balance → Debit (debit accounts) or Credit (credit
    accounts): a negative amount on a credit account is a debit (module doc)."""
    types = ctx.account_types
    header_row = _header_row(table)
    if not types:
        return [
            fnd.finding(
                "missing-column",
                table.where,
                "no column Debit in the header: the report's Amount is signed by each account's natural "
                "balance, and closekit cannot tell which accounts are credit accounts",
                row=header_row,
                column="Debit",
                fix=SIGN_FIX,
            )
        ]
    amount = table.frame[found["amount"]].reset_index(drop=True)
    named = parsing.as_text(table.frame[found["account"]].reset_index(drop=True)) if "account" in found else None
    code = frame["account"] if "account" in frame else pd.Series("", index=frame.index, dtype="string")
    kind = code.astype(object).map(types)
    if named is not None:
        kind = named.astype(object).map(types).where(lambda k: k.notna(), kind)
    credit = parsing.mask(kind.isin(CREDIT_TYPES))
    debit = parsing.mask(kind.isin(DEBIT_TYPES))
    frame["debit"] = amount.where(debit, "")
    frame["credit"] = amount.where(credit, "")
    columns["debit"] = columns["credit"] = found["amount"]
    unknown = ~(credit | debit)
    if not unknown.any():
        return []
    lines = pd.DataFrame({"where": table.where, "row": table.rows, "voucher": frame.get("voucher", "")})
    shown = named if named is not None else code
    return fnd.from_mask(  # every such line: each one is left without an amount
        "unknown-account",
        lines,
        unknown,
        column=found.get("account", ACCOUNT),
        message="account " + shown + ": closekit does not know whether it is a debit or a credit account, "
        "so its Amount is not read (" + unknown.groupby(code).transform("sum").astype(str) + " lines)",
        fix="Add the account to Accounts (or its name to AccountMap), or " + SIGN_FIX[0].lower() + SIGN_FIX[1:],
    ).to_dict("records")


IMPORTER = Importer("quickbooks", "QuickBooks Online", detect, map_table, read_text=read_text)
