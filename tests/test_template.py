"""The template is generated from the schema; the committed file must be what the code makes."""

from __future__ import annotations

import zipfile

import openpyxl

from closekit.workbook import schema, template
from conftest import REPO

COMMITTED = REPO / "workbook_templates" / "close.xlsx"
#: workbook.md "Input sheets": the exact sheet and column names users depend on.
CONTRACT = {
    "Settings": ["Setting", "Value"],
    "Sources": ["Path", "Kind", "Format", "Sheet", "Encoding", "Delimiter", "DecimalSeparator", "DateFormat"],
    "Accounts": [
        "Account",
        "Name",
        "Type",
        "Postable",
        "Revalue",
        "RequiredDimensions",
        "Currency",
        "Settle",
        "TranslationRate",
        "StatementLine",
    ],
    "Dimensions": ["Dimension", "Value", "Name", "Active"],
    "Rates": ["Date", "FromCurrency", "ToCurrency", "Rate", "RateType"],
    "Periods": ["Period", "Start", "End", "Status"],
    "AllocationRules": [
        "Rule",
        "Method",
        "SourceAccounts",
        "DestinationAccount",
        "Order",
        "SourceDimensions",
        "OffsetAccount",
        "DestinationDimensions",
        "Share",
        "BasisAccounts",
        "Text",
    ],
    "Checklist": ["Task", "Step", "Owner", "Due", "DependsOn", "Status", "Completed", "Notes"],
    "Consolidation": ["Company", "Workbook", "Ownership", "Currency"],
    "LedgerImport": [],
    "JournalImport": [],
}
SETTINGS_KEYS = [
    "Company",
    "AccountingCurrency",
    "ReportingCurrency",
    "Period",
    "FiscalYearStart",
    "Dimensions",
    "UnrealizedGainAccount",
    "UnrealizedLossAccount",
    "RetainedEarningsAccount",
    "TranslationAdjustmentAccount",
    "RoundingAccount",
    "RevaluationRateType",
    "ImportFormat",
    "ExportFormat",
    "JournalName",
    "MaterialityAmount",
]


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}  # core.xml: save time


def test_committed_template_is_what_the_code_generates(tmp_path):
    fresh = template.write(tmp_path / "close.xlsx")
    assert parts(fresh) == parts(COMMITTED), "run `make templates` and commit workbook_templates/close.xlsx"


def test_template_has_the_contract_sheets_and_columns():
    wb = openpyxl.load_workbook(COMMITTED)
    for sheet, columns in CONTRACT.items():
        header = [c.value for c in wb[sheet][1] if c.value is not None]
        assert header[: len(columns)] == columns, sheet
    keys = [r[0].value for r in wb["Settings"].iter_rows(min_row=2) if r[0].value]
    assert keys[: len(SETTINGS_KEYS)] == SETTINGS_KEYS


def test_text_columns_are_formatted_as_text_and_choices_offered():
    wb = openpyxl.load_workbook(COMMITTED)
    assert wb["Accounts"]["A2"].number_format == "@"
    assert wb["Rates"]["A2"].number_format == "yyyy-mm-dd"
    lists = [dv.formula1 for dv in wb["Periods"].data_validations.dataValidation]
    assert '"Open,On hold,Permanently closed"' in lists
    assert wb["Accounts"]["A1"].comment is not None


def test_schema_required_columns_match_the_contract():
    required = {spec.name: [h for h, req, _ in spec.columns() if req] for spec in schema.INPUT_SHEETS if spec.model}
    assert required["Accounts"] == ["Account", "Name", "Type"]
    assert required["Rates"] == ["Date", "FromCurrency", "ToCurrency", "Rate"]
    assert required["AllocationRules"] == ["Rule", "Method", "SourceAccounts", "DestinationAccount"]
    assert required["Sources"] == ["Path"]


def test_every_input_sheet_prints_one_page_wide_with_its_header_row_and_name():
    """Issue 18 item 2: each input sheet (and Help) of the generated template prints fitted to one
    page wide, landscape when its columns are wider than 90 characters (an import sheet always),
    row 1 on every page, the sheet's name on top and "Page n of m" below."""
    wb = openpyxl.load_workbook(COMMITTED)
    names = [spec.name for spec in schema.INPUT_SHEETS] + ["Help"]
    for name in names:
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.print_title_rows == "$1:$1", name
        assert ws.oddHeader.center.text == "&B&A" and ws.oddFooter.center.text == "Page &P of &N", name
    assert wb["Accounts"].page_setup.orientation == "landscape"  # ten columns
    assert wb["Settings"].page_setup.orientation == "portrait"  # Setting and Value
    assert wb["LedgerImport"].page_setup.orientation == "landscape"
