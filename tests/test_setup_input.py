"""Issue 14, items 2, 4 and 5: a close that read nothing is not clean; numbers typed into the set-up
sheets mean what the user meant; one bad setting is one finding."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import closekit
from closekit.core import parsing
from closekit.pipeline.reading import open_workbook, read_close_book
from closekit.samples import company as sample
from closekit.workbook import book as book_mod

# ------------------------------------------------------------------------------------ helpers


def edit(path: Path, sheet: str, change) -> Path:
    """Change a written workbook with openpyxl, as a person would in Excel."""
    wb = openpyxl.load_workbook(path)
    change(wb[sheet])
    wb.save(path)
    return path


def set_setting(path: Path, key: str, value: object) -> Path:
    def change(ws):
        for row in ws.iter_rows(min_row=2):
            if row[0].value == key:
                row[1].value = value
                return
        ws.append([key, value])

    return edit(path, "Settings", change)


def codes(findings: pd.DataFrame) -> list[tuple[str, str, object, str]]:
    return [(r.Code, r.Where, None if pd.isna(r.Row) else int(r.Row), r.Column) for r in findings.itertuples()]


def minimal(**sheets: list[list[object]]) -> book_mod.CloseBook:
    """A close book from typed rows (headers included), the smallest valid one plus ``sheets``."""
    rows = {
        "Settings": [["Setting", "Value"], ["AccountingCurrency", "EUR"], ["Period", "2026-10"]],
        "Accounts": [["Account", "Name", "Type"], ["6100", "Rent", "Expense"], ["6200", "IT", "Expense"]],
        "Periods": [["Period", "Start", "End", "Status"], ["2026-10", "2026-10-01", "2026-10-31", "Open"]],
    }
    rows.update(sheets)
    return book_mod.from_rows(rows)


RATES = ["Date", "FromCurrency", "ToCurrency", "Rate"]
RULES = ["Rule", "Method", "SourceAccounts", "DestinationAccount", "Share"]


# ------------------------------------------------------------------- 2. nothing read is never clean


def test_an_empty_sources_sheet_is_an_error_not_a_clean_close(make):
    path = make.workbook()  # the sample's reference data, Sources left empty
    result = closekit.validate(path)
    assert not result.ok
    found = result.findings[result.findings["Code"] == "nothing-read"]
    assert len(found) == 1 and found.iloc[0]["Severity"] == "Error"
    assert "the Sources sheet lists no file" in found.iloc[0]["Message"]
    closed = closekit.close(path)
    assert "nothing-read" in set(closed.findings["Code"])


def test_a_renamed_sources_sheet_is_named_with_its_closest_known_sheet(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Sources"].title = "Quellen"
    wb.save(path)
    result = closekit.validate(path)
    assert not result.ok and result.ledger.lines.empty
    (message,) = result.findings.loc[result.findings["Code"] == "nothing-read", "Message"]
    assert "the workbook has no Sources sheet" in message
    assert "'Quellen' is not a sheet closekit knows: did you mean Sources?" in message


def test_a_misspelt_optional_sheet_is_a_warning_on_that_sheet(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Rates"].title = "Rate"
    wb.save(path)
    book = read_close_book(open_workbook(path))
    hits = book.findings[book.findings["Code"] == "unknown-sheet"]
    assert codes(hits) == [("unknown-sheet", "Rate", None, "")]
    assert "did you mean Rates?" in hits.iloc[0]["Message"]


def test_a_missing_required_sheet_names_the_closest_unknown_sheet():
    rows = {
        "Settings": [["Setting", "Value"], ["AccountingCurrency", "EUR"], ["Period", "2026-10"]],
        "Periods": [["Period", "Start", "End", "Status"], ["2026-10", "2026-10-01", "2026-10-31", "Open"]],
    }
    from closekit.sources.tables import from_rows

    sheets = {name: from_rows(name, r) for name, r in rows.items()}
    book = book_mod.read_book(sheets, "close.xlsx", ["Settings", "Konten", "Periods", "Findings"])
    (message,) = book.findings.loc[book.findings["Where"] == "Accounts", "Message"]
    assert message == (
        "the workbook has no Accounts sheet. The sheet 'Konten' is not a sheet closekit knows: did you mean Accounts?"
    )


def test_lines_read_means_no_nothing_read_finding(sample_workbook):
    assert "nothing-read" not in set(closekit.validate(sample_workbook).findings["Code"])


# --------------------------------------------------------- 4. typed numbers mean what the user meant


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2.500,00", Decimal("2500")),
        ("2,500.00", Decimal("2500")),
        ("1.234,56", Decimal("1234.56")),
        ("5000", Decimal("5000")),
        ("1 234,5", Decimal("1234.5")),
    ],
)
def test_materiality_amount_as_typed(typed, expected):
    book = minimal(
        Settings=[
            ["Setting", "Value"],
            ["AccountingCurrency", "EUR"],
            ["Period", "2026-10"],
            ["MaterialityAmount", typed],
        ]
    )
    assert book.findings.empty
    assert book.settings.materiality_amount == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1.234,56", Decimal("1234.56")), ("0,9225", Decimal("0.9225")), ("1,085.5", Decimal("1085.5"))],
)
def test_rates_as_typed(typed, expected):
    book = minimal(Rates=[RATES, ["2026-10-31", "USD", "EUR", typed]])
    assert book.findings.empty
    assert _rates(book) == [expected]


def _rates(book: book_mod.CloseBook) -> list[Decimal]:
    return book.rates.table["rate"].tolist()


def test_an_ambiguous_number_is_a_bad_number_on_its_cell():
    book = minimal(Rates=[RATES, ["2026-10-31", "USD", "EUR", "2,500"]])
    assert codes(book.findings) == [("bad-number", "Rates", 2, "Rate")]
    message = book.findings.iloc[0]["Message"]
    assert "'2,500' could be 2.5 or 2500" in message


def test_an_ambiguous_number_is_read_with_the_mark_the_workbook_shows():
    book = minimal(
        Settings=[
            ["Setting", "Value"],
            ["AccountingCurrency", "EUR"],
            ["Period", "2026-10"],
            ["MaterialityAmount", "1.234,56"],
        ],
        Rates=[RATES, ["2026-10-31", "USD", "EUR", "2,500"]],
    )
    assert book.findings.empty and book.decimal == ","
    assert _rates(book) == [Decimal("2.500")]


def test_workbook_marks_that_disagree_leave_the_ambiguous_cell_a_bad_number():
    book = minimal(
        Settings=[
            ["Setting", "Value"],
            ["AccountingCurrency", "EUR"],
            ["Period", "2026-10"],
            ["MaterialityAmount", "1.234,56"],
        ],
        Rates=[RATES, ["2026-10-31", "USD", "EUR", "1,234.5"], ["2026-09-30", "USD", "EUR", "2,500"]],
    )
    assert book.decimal is None
    assert codes(book.findings) == [("bad-number", "Rates", 3, "Rate")]


@pytest.mark.parametrize("typed", ["60%", "60 %", "60"])
def test_allocation_share_typed_as_percent_text_is_sixty_percent(typed):
    book = minimal(AllocationRules=[RULES, ["R", "Percent", "6100", "6200", typed]])
    assert book.findings.empty
    assert [r.share for _, r in book.allocation_rules] == [Decimal("60")]


def test_materiality_percent_and_ownership_as_percent_text():
    book = minimal(
        Settings=[
            ["Setting", "Value"],
            ["AccountingCurrency", "EUR"],
            ["Period", "2026-10"],
            ["MaterialityPercent", "12,5%"],
        ],
        Consolidation=[["Company", "Workbook", "Ownership"], ["Sub", "sub.xlsx", "80%"]],
    )
    assert book.findings.empty
    assert book.settings.materiality_percent == Decimal("12.5")
    assert [c.ownership for _, c in book.consolidation] == [Decimal("0.8")]


def test_a_percent_formatted_cell_arrives_as_a_percent_value(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")

    def as_percent(ws):
        for row in ws.iter_rows(min_row=2):
            if row[8].value is not None:
                row[8].value, row[8].number_format = row[8].value / 100, "0%"

    edit(path, "AllocationRules", as_percent)
    table = open_workbook(path).read_sheet("AllocationRules")
    assert all(isinstance(v, parsing.PercentValue) for v in table.frame["Share"])
    book = read_close_book(open_workbook(path))
    assert [r.share for _, r in book.allocation_rules] == [Decimal("60"), Decimal("40")]


def _allocation(result) -> list[tuple[str, str, int]]:
    adj = result.run.adjustments
    lines = adj[adj["journal"] == "allocation"]
    return sorted(zip(lines["account"], lines["Department"], lines["amount_accounting"].astype(int), strict=True))


@pytest.mark.parametrize("style", ["percent-format", "percent-text"])
def test_an_allocation_share_typed_as_60_percent_allocates_60_percent(tmp_path, style):
    reference = _allocation(closekit.close(sample.write(tmp_path / "a" / "close.xlsx")))
    assert reference  # the sample allocates IT cost 60/40
    path = sample.write(tmp_path / "b" / "close.xlsx")

    def change(ws):
        for row in ws.iter_rows(min_row=2):
            if row[8].value is None:
                continue
            if style == "percent-format":
                row[8].value, row[8].number_format = row[8].value / 100, "0%"
            else:
                row[8].value = f"{row[8].value}%"

    edit(path, "AllocationRules", change)
    assert _allocation(closekit.close(path)) == reference


# ------------------------------------------------------------------------ 5. one bad cell, one finding


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [("FiscalYearStart", "Januar", "bad-setting"), ("MaterialityAmount", "5.000,00 EUR", "bad-number")],
)
def test_one_bad_setting_is_one_finding_and_the_others_are_read(tmp_path, key, value, code):
    path = set_setting(sample.write(tmp_path / "close.xlsx"), key, value)
    result = closekit.validate(path)
    row = next(r for r, (k, _) in enumerate(sample.workbook_rows()["Settings"], start=2) if k == key)
    assert codes(result.findings) == [(code, "Settings", row, "Value")]
    assert f"'{value}'" in result.findings.iloc[0]["Message"]
    settings = result.book.settings
    assert settings is not None and settings.accounting_currency == "EUR"
    assert settings.dimensions == ["Department", "CostCenter"]
    assert len(result.ledger.lines) > 0


@pytest.mark.parametrize("key", book_mod._ACCOUNT_SETTINGS)
def test_every_account_setting_must_name_a_known_account(tmp_path, key):
    path = set_setting(sample.write(tmp_path / "close.xlsx"), key, "9999")
    result = closekit.validate(path)
    found = result.findings[result.findings["Code"] == "bad-setting"]
    assert [(r.Where, r.Column) for r in found.itertuples()] == [("Settings", "Value")]
    assert found.iloc[0]["Message"] == f"{key} 9999 is not in the Accounts sheet"


def test_a_bad_required_setting_brings_no_follow_on_findings(tmp_path):
    path = set_setting(sample.write(tmp_path / "close.xlsx"), "AccountingCurrency", "EURO")
    result = closekit.validate(path)
    assert codes(result.findings) == [("bad-currency", "Settings", 3, "Value")]


def test_materiality_percent_in_a_percent_formatted_cell_is_that_percent(tmp_path):
    path = sample.write(tmp_path / "close.xlsx")

    def change(ws):
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "MaterialityPercent":
                row[1].value, row[1].number_format = 0.25, "0%"

    book = read_close_book(open_workbook(edit(path, "Settings", change)))
    assert book.settings.materiality_percent == Decimal("25")


def test_only_formats_that_show_a_percent_sign_make_a_percent_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "AllocationRules"
    ws.append(RULES)
    formats = ["0%", "0.00%", "[Red]0.0%", '0.0" pct"', '"%"0', "#,##0.00"]
    for i, number_format in enumerate(formats, start=2):
        ws.append(["R", "Weight", "6100", "6200", 0.5])
        ws.cell(i, 5).number_format = number_format
    wb.save(tmp_path / "w.xlsx")
    table = open_workbook(tmp_path / "w.xlsx").read_sheet("AllocationRules")
    assert [isinstance(v, parsing.PercentValue) for v in table.frame["Share"]] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
