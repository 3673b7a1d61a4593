"""Property tests of issue 14's invariant, for every importer: random blanks, garbage and report
rows are thrown into a source of that format, which is then read as the import step reads it.

* every data row meant as a line is a ledger line with a date, an account and an amount, or the
  subject of an Error finding naming its file, row and column;
* rows that are no lines by the layout (blank rows, titles, sections, totals) become no line;
* the lines read without a finding are exactly the rows left intact, and their balances per
  account equal a plain-Decimal sum of those rows, computed here from what was written, not by
  closekit's code.

The number of examples is bounded for ``make test``; ``HYPOTHESIS_PROFILE=long`` runs many more
(docs/development.md, "Property tests").
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from closekit import api
from closekit.closing import validation
from closekit.closing.importing import SourceSpec, import_table, read_raw
from closekit.core.ledger import Ledger
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook

settings.register_profile("default", max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ACCOUNTS = ["1000", "1200", "2900", "6400", "8000"]
NAMES = {"1000": "Petty cash", "1200": "Receivables", "2900": "Accrued", "6400": "Audit", "8000": "Rounding"}
#: What can happen to a row: kept as it is, or one of its cells broken.
FATES = ["ok", "ok", "ok", "blank-date", "bad-date", "blank-amount", "bad-amount", "blank-account"]
GARBAGE = st.sampled_from(["abc", "#N/A", "1,2,3", "12..5", "--", "n/a", "1e5", "?", "x1"])


@dataclass
class Entry:
    """One line as written: its account, its signed amount (debit positive) and what was broken."""

    date: dt.date
    account: str
    amount: Decimal
    fate: str
    garbage: str


@dataclass
class Written:
    text: str | bytes
    name: str
    #: physical row -> the entry written there (a row meant as a line)
    rows: dict[int, Entry] = field(default_factory=dict)
    #: physical rows that are not lines by the layout
    layout_rows: set[int] = field(default_factory=set)
    #: DATEV: one row is two lines (Konto +amount, Gegenkonto -amount)
    counter: dict[int, str] = field(default_factory=dict)


entries = st.builds(
    Entry,
    date=st.dates(dt.date(2026, 1, 1), dt.date(2026, 10, 31)),
    account=st.sampled_from(ACCOUNTS),
    amount=st.decimals(Decimal("-99999.99"), Decimal("99999.99"), places=2).filter(lambda d: d != 0),
    fate=st.sampled_from(FATES),
    garbage=GARBAGE,
)


def money(value: Decimal, comma: bool = False) -> str:
    text = f"{abs(value):.2f}"
    return text.replace(".", ",") if comma else text


def sides(entry: Entry, comma: bool = False) -> tuple[str, str]:
    if entry.fate == "blank-amount":
        return "", ""
    if entry.fate == "bad-amount":
        return entry.garbage, ""
    shown = money(entry.amount, comma)
    return (shown, "") if entry.amount > 0 else ("", shown)


def when(entry: Entry, pattern: str) -> str:
    if entry.fate == "blank-date":
        return ""
    if entry.fate == "bad-date":
        return entry.garbage
    return entry.date.strftime(pattern)


def account(entry: Entry, shown: str | None = None) -> str:
    return "" if entry.fate == "blank-account" else (shown or entry.account)


# ------------------------------------------------------------------------------ CSV layouts


@dataclass(frozen=True)
class Columns:
    """A plain table layout: header and the cells of one entry."""

    name: str
    header: list[str]
    row: object  # (entry, index) -> cells
    delimiter: str = ","
    total_row: list[str] | None = None  # a report's closing Total row (Xero)


def _generic(e: Entry, i: int) -> list[str]:
    debit, credit = sides(e)
    return ["GJ", f"V{i // 2}", str(i), when(e, "%Y-%m-%d"), account(e), "EUR", debit, credit, "text"]


def _netsuite(e: Entry, i: int) -> list[str]:
    debit, credit = sides(e)
    return [f"JE{i // 2}", when(e, "%m/%d/%Y"), account(e), debit, credit, "memo"]


def _d365(e: Entry, i: int) -> list[str]:
    debit, credit = sides(e)
    return ["B1", f"V{i // 2}", when(e, "%Y-%m-%d"), account(e), debit, credit]


def _xero(e: Entry, i: int) -> list[str]:
    debit, credit = sides(e)
    return [when(e, "%Y-%m-%d"), "Manual Journal", f"MJ-{i // 2}", account(e), NAMES[e.account], "x", "", debit, credit]


def _qbo_journal(e: Entry, i: int) -> list[str]:
    debit, credit = sides(e)
    return [f"J{i // 2}", when(e, "%m/%d/%Y"), account(e), debit, credit, "memo"]


def _generic_amount(e: Entry, i: int) -> list[str]:
    debit, credit = sides(e)
    signed = debit or (f"-{credit}" if credit else "")
    return [f"V{i // 2}", when(e, "%d.%m.%Y"), account(e), signed.replace(".", ",")]


LAYOUTS = {
    "generic": Columns(
        "generic", ["Journal", "Voucher", "Line", "Date", "Account", "Currency", "Debit", "Credit", "Text"], _generic
    ),
    "generic-amount": Columns("generic", ["Voucher", "Date", "Account", "Amount"], _generic_amount, ";"),
    "netsuite": Columns("netsuite", ["External ID", "Date", "Account", "Debit", "Credit", "Memo"], _netsuite),
    "d365": Columns(
        "d365",
        ["JOURNALBATCHNUMBER", "VOUCHER", "TRANSDATE", "ACCOUNTDISPLAYVALUE", "DEBITAMOUNT", "CREDITAMOUNT"],
        _d365,
    ),
    "xero": Columns(
        "xero",
        ["Date", "Source", "Journal Number", "Account Code", "Account", "Description", "Reference", "Debit", "Credit"],
        _xero,
        total_row=["Total", "", "", "", "", "", "", "", ""],
    ),
    "quickbooks-journal": Columns(
        "quickbooks", ["Journal No.", "Journal Date", "Account", "Debits", "Credits", "Description"], _qbo_journal
    ),
}


def quote(cells: list[str], delimiter: str) -> str:
    return delimiter.join(f'"{c}"' if (delimiter in c or '"' in c) else c for c in cells)


def write_columns(layout: Columns, items: list[Entry], blanks: list[int], trailing: int) -> Written:
    out = Written("", "src.csv")
    lines = [quote(layout.header, layout.delimiter)]
    for i, entry in enumerate(items):
        for _ in range(blanks[i] if i < len(blanks) else 0):
            lines.append(layout.delimiter * (len(layout.header) - 1) if i % 2 else "")
            out.layout_rows.add(len(lines))
        lines.append(quote(layout.row(entry, i), layout.delimiter))
        out.rows[len(lines)] = entry
    if layout.total_row is not None:
        lines.append(quote(layout.total_row, layout.delimiter))
        out.layout_rows.add(len(lines))
    for _ in range(trailing):
        lines.append("")
        out.layout_rows.add(len(lines))
    out.text = "\n".join(lines) + "\n"
    return out


# ------------------------------------------------------------------------- report and file layouts


def write_quickbooks_report(items: list[Entry], blanks: list[int], trailing: int) -> Written:
    """The General Ledger report: titles, a section per account, its Total row, the grand TOTAL."""
    out = Written("", "gl.csv")
    lines = ["Contoso", "General Ledger", '"January - October, 2026"', ""]
    out.layout_rows.update(range(1, 5))
    lines.append(",Date,Transaction Type,Num,Name,Memo/Description,Split,Debit,Credit,Balance")
    by_account: dict[str, list[tuple[int, Entry]]] = defaultdict(list)
    for i, entry in enumerate(items):
        if entry.fate in ("blank-date", "blank-account"):  # the layout carries them from the row above
            entry.fate = "ok"
        by_account[entry.account].append((i, entry))
    for code, block in by_account.items():
        lines.append(f"{code} {NAMES[code]},,,,,,,,,")
        out.layout_rows.add(len(lines))
        for i, entry in block:
            for _ in range(blanks[i] if i < len(blanks) else 0):
                lines.append(",,,,,,,,," if i % 2 else "")
                out.layout_rows.add(len(lines))
            debit, credit = sides(entry)
            cells = ["", when(entry, "%m/%d/%Y"), "Journal Entry", f"J{i}", "", "memo", "x", debit, credit, ""]
            lines.append(quote(cells, ","))
            out.rows[len(lines)] = entry
        lines.append(f"Total for {code} {NAMES[code]},,,,,,,1.00,2.00,")
        out.layout_rows.add(len(lines))
    lines.append("TOTAL,,,,,,,1.00,1.00,")
    out.layout_rows.add(len(lines))
    for _ in range(trailing):
        lines.append("")
        out.layout_rows.add(len(lines))
    out.text = "\n".join(lines) + "\n"
    return out


DATEV_META = (
    '"EXTF";700;21;"Buchungsstapel";13;20260131120000000;;"RE";"test";"";29098;55003;20260101;4;'
    '20260101;20261031;"Abschluss";"CK";1;0;0;"EUR";;"";;;"03";;;"";""'
)
DATEV_HEADER = "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Konto;Gegenkonto (ohne BU-Schlüssel);"
DATEV_HEADER += "BU-Schlüssel;Belegdatum;Belegfeld 1;Buchungstext"


def write_datev(items: list[Entry], blanks: list[int], trailing: int) -> Written:
    out = Written("", "EXTF_Buchungsstapel.csv")
    lines = [DATEV_META, DATEV_HEADER]
    for i, entry in enumerate(items):
        for _ in range(blanks[i] if i < len(blanks) else 0):
            lines.append(";" * 8 if i % 2 else "")
            out.layout_rows.add(len(lines))
        counter = ACCOUNTS[(ACCOUNTS.index(entry.account) + 1) % len(ACCOUNTS)]
        umsatz, _ = sides(Entry(entry.date, entry.account, abs(entry.amount), entry.fate, entry.garbage), comma=True)
        flag = "S" if entry.amount > 0 else "H"
        day = when(entry, "%d%m")
        lines.append(f'{umsatz};"{flag}";"";{account(entry)};{counter};"";{day};"B-{i}";"text"')
        out.rows[len(lines)] = entry
        out.counter[len(lines)] = counter
    for _ in range(trailing):
        lines.append("")
        out.layout_rows.add(len(lines))
    out.text = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    return out


def write_saft(items: list[Entry], blanks: list[int], trailing: int) -> Written:
    out = Written("", "audit.xml")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<AuditFile xmlns="urn:StandardAuditFile-Taxation-Financial:NO">',
        "<Header><DefaultCurrencyCode>EUR</DefaultCurrencyCode></Header>",
        "<GeneralLedgerEntries>",
        "<Journal><JournalID>GL</JournalID>",
    ]
    for i, entry in enumerate(items):
        lines.append(f"<Transaction><TransactionID>T{i}</TransactionID>")
        lines.append(f"<TransactionDate>{when(entry, '%Y-%m-%d')}</TransactionDate>")
        side = "DebitAmount" if entry.amount > 0 else "CreditAmount"
        debit, credit = sides(entry)
        amount = debit or credit
        body = "" if entry.fate == "blank-amount" else f"<{side}><Amount>{amount}</Amount></{side}>"
        lines.append(f"<Line><RecordID>L-{i}</RecordID><AccountID>{account(entry)}</AccountID>{body}</Line>")
        out.rows[len(lines)] = entry
        lines.append("</Transaction>")
    lines += ["</Journal>", "</GeneralLedgerEntries>", "</AuditFile>"]
    out.text = "\n".join(lines) + "\n"
    return out


WRITERS = {
    **{
        name: (layout.name, lambda items, b, t, layout=layout: write_columns(layout, items, b, t))
        for name, layout in LAYOUTS.items()
    },
    "quickbooks-report": ("quickbooks", write_quickbooks_report),
    "datev": ("datev", write_datev),
    "saft": ("saft", write_saft),
}


# ------------------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return api.read_close_book(FileWorkbook(sample.write(tmp_path_factory.mktemp("props") / "close.xlsx")))


def expected_balances(written: Written) -> dict[str, Decimal]:
    """Per account, the plain-Decimal sum of the rows left intact (the oracle: no closekit code)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row, entry in written.rows.items():
        if entry.fate == "ok":
            sums[entry.account] += entry.amount
            if row in written.counter:
                sums[written.counter[row]] -= entry.amount
    return {k: v for k, v in sums.items() if v}


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_every_row_is_a_line_or_an_error_and_the_balances_add_up(layout, book, tmp_path_factory):
    fmt, write = WRITERS[layout]
    folder = tmp_path_factory.mktemp(layout)

    @PROFILE
    @given(
        st.lists(entries, min_size=1, max_size=12),
        st.lists(st.integers(0, 2), max_size=12),
        st.integers(0, 2),
        st.sampled_from(["auto", fmt]),
    )
    def check(items, blanks, trailing, chosen):
        written = write(items, blanks, trailing)
        path = folder / written.name
        path.write_bytes(written.text if isinstance(written.text, bytes) else written.text.encode("utf-8"))
        spec = SourceSpec(written.name, "ledger", chosen)
        table, _ = read_raw(path, spec, written.name)
        lines, info, found = import_table(table, spec, book)
        found = found.copy()
        accounts = validation.check_accounts(Ledger(lines, [info], tuple(book.dimensions)), book)
        errors = [f for f in (found, accounts) if len(f)]
        errors = [f[f["Severity"] == "Error"] for f in errors]
        flagged = {
            int(r)
            for f in errors
            for r, c, w in zip(f["Row"], f["Column"], f["Where"], strict=True)
            if c and w == written.name
        }
        rows = set(int(r) for r in lines["row"])
        # no line comes from a row that is no line by layout
        assert not rows & written.layout_rows, (rows & written.layout_rows, written.text)
        assert rows <= set(written.rows), written.text
        good = lines[lines["date"].notna() & (lines["account"] != "") & lines["amount"].notna()]
        for row, entry in written.rows.items():
            assert row in flagged or row in set(int(r) for r in good["row"]), (row, entry, written.text)
            # a broken row is always flagged, an intact row never
            assert (row in flagged) == (entry.fate != "ok"), (row, entry, found.to_dict("records"), written.text)
        read = good[~good["row"].isin(flagged)]
        balances = read.groupby(read["account"].astype(str))["amount_accounting"].sum()
        got = {a: Decimal(int(v)).scaleb(-2) for a, v in balances.items() if v}
        assert got == expected_balances(written), written.text
        assert info.rows_read == len(table)

    check()
