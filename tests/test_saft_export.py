"""The SAF-T Financial writer: valid against the Norwegian 1.30 schema, read back by the SAF-T
importer to the same lines, the schema's limits as findings. Fixtures are written here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import given, settings
from hypothesis import strategies as st

from closekit import __version__, exporters
from closekit.core import ledger
from closekit.exporters import saft
from closekit.sources.importers import saft as saft_import
from closekit.sources.importers.base import ImportContext
from exportfixtures import adjustments, context

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "samples" / "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"
NS = {"s": saft.NAMESPACE}
NASTY = 'Fee <b>&amp; "x" \x01\x0b\x1f ]]> & done'
JPY_ROWS = [
    ("allocation", "ALC-1", 1, "6900", "SALES", "", "1500", "Rent split"),
    ("allocation", "ALC-1", 2, "6300", "", "", "-1500", "Rent split"),
]
KWD_ROWS = [
    ("accrual", "ACR-1", 1, "6100", "", "CC1", "1.500", "Audit fee"),
    ("accrual", "ACR-1", 2, "2900", "", "", "-1.500", "Audit fee"),
]


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA.exists():
        pytest.skip(f"shared schema {SCHEMA} is not present")
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema (dev extra) validates files against an XSD")
    return xmlschema.XMLSchema(str(SCHEMA))


def write(lines: pd.DataFrame | None = None, ctx=None) -> saft.Export:
    return saft.write(adjustments() if lines is None else lines, ctx or context())


def tree(export: saft.Export):
    assert len(export.files) == 1 and export.suffix == ".xml"
    return fromstring(export.files[0])


def texts(root, path: str) -> list[str]:
    return [e.text or "" for e in root.iterfind(path, NS)]


def read_back(data: bytes, ctx) -> pd.DataFrame:
    table = saft_import.read_xml(data, "upload.xml")
    mapped = saft_import.map_table(
        table, ImportContext(ctx.dimensions, ctx.dimension_delimiter, ctx.accounting_currency)
    )
    lines, found = ledger.canonical_lines(
        mapped,
        where="upload.xml",
        kind="journal",
        accounting_currency=ctx.accounting_currency,
        dimensions=ctx.dimensions,
        date_format=mapped.date_format,
        decimal=mapped.decimal,
    )
    assert found.empty, found.to_dict("records")
    return lines


def assert_round_trip(lines: pd.DataFrame, ctx) -> None:
    export = saft.write(lines, ctx)
    assert export.findings.empty, export.findings.to_dict("records")
    back = read_back(export.files[0], ctx)
    fields = ["journal", "voucher", "line", "date", "account", *ctx.dimensions, "currency", "amount_accounting"]
    assert back[fields].astype(str).to_dict("records") == lines[fields].astype(str).to_dict("records")
    assert list(back["text"]) == list(saft.clean(lines["text"]))


def codes(export: saft.Export) -> list[tuple[str, int, str]]:
    f = export.findings
    return sorted(zip(f["Code"], f["Row"].astype(int), f["Column"], strict=True))


# ------------------------------------------------------------------------------- the schema


def cases() -> dict[str, tuple[pd.DataFrame, object]]:
    nasty = adjustments()
    nasty.loc[0, "text"] = NASTY
    short = adjustments().rename(columns={"Department": "Dept", "CostCenter": "Project"})
    fiscal = adjustments()
    fiscal.loc[[0, 1], "date"] = pd.Timestamp("2026-09-30")
    return {
        "fixture": (adjustments(), context()),
        "markup and control characters": (nasty, context()),
        "JPY": (adjustments(JPY_ROWS, currency="JPY"), context("JPY")),
        "KWD": (adjustments(KWD_ROWS, currency="KWD"), context("KWD")),
        "short dimension names": (short, dataclasses.replace(context(), dimensions=("Dept", "Project"))),
        "no dimensions": (adjustments(), dataclasses.replace(context(), dimensions=())),
        "no company, period not YYYY-MM": (fiscal, context(company="", period="FY2026")),
        "no lines": (adjustments().iloc[:0], context()),
        "no lines, no period": (adjustments().iloc[:0], context(period="")),
    }


@pytest.mark.shared
@pytest.mark.parametrize("case", list(cases()))
def test_the_file_is_valid_against_the_norwegian_1_30_schema(schema, case):
    lines, ctx = cases()[case]
    export = saft.write(lines, ctx)
    assert export.findings.empty
    errors = [str(e) for e in schema.iter_errors(export.files[0].decode("utf-8"))]
    assert errors == []


@pytest.mark.shared
def test_the_schema_check_catches_a_broken_file(schema):
    """The validation above has teeth: an element out of order fails."""
    data = write().files[0].decode("utf-8").replace("<RecordID>1</RecordID>", "", 1)
    assert not schema.is_valid(data)


# ------------------------------------------------------------------------------- round trip


def test_registered_as_the_saft_format():
    assert exporters.get("saft") is saft.EXPORTER
    assert (saft.EXPORTER.name, saft.EXPORTER.suffix) == ("saft", ".xml")


@pytest.mark.parametrize("case", ["fixture", "markup and control characters", "JPY", "KWD", "short dimension names"])
def test_round_trip_through_the_saft_importer(case):
    lines, ctx = cases()[case]
    assert_round_trip(lines, ctx)


def test_round_trip_when_a_short_dimension_name_is_another_ones_code():
    lines = adjustments().rename(columns={"CostCenter": "D1"})
    ctx = dataclasses.replace(context(), dimensions=("Department", "D1"))
    assert saft.analysis_codes(ctx.dimensions) == {"Department": "D1_1", "D1": "D1"}
    assert_round_trip(lines, ctx)


def test_analysis_codes():
    assert saft.analysis_codes(("Department", "CostCenter")) == {"Department": "D1", "CostCenter": "D2"}
    assert saft.analysis_codes(("A", "Prosjekt")) == {"A": "A", "Prosjekt": "Prosjekt"}
    assert saft.analysis_codes(("BusinessUnit", "D1", "d3", "Warehouse1")) == {
        "BusinessUnit": "D1_1",
        "D1": "D1",
        "d3": "d3",
        "Warehouse1": "D4",
    }


# ------------------------------------------------------------------------------- content


def test_structure_header_and_totals():
    export = write()
    root = tree(export)
    assert root.tag == f"{{{saft.NAMESPACE}}}AuditFile"
    header = root.find("s:Header", NS)
    assert [e.tag.rpartition("}")[2] for e in header] == [
        "AuditFileVersion",
        "AuditFileCountry",
        "AuditFileDateCreated",
        "SoftwareCompanyName",
        "SoftwareID",
        "SoftwareVersion",
        "Company",
        "DefaultCurrencyCode",
        "SelectionCriteria",
        "HeaderComment",
        "TaxAccountingBasis",
    ]
    assert texts(header, "s:AuditFileVersion") == ["1.30"]
    assert texts(header, "s:AuditFileDateCreated") == ["2026-10-31"]
    assert texts(header, "s:SoftwareCompanyName") == ["closekit"]
    assert texts(header, "s:SoftwareVersion") == [__version__.split("+")[0][:18]]
    assert texts(header, "s:Company/s:Name") == ["Contoso Trading NL"]
    assert texts(header, "s:Company/s:RegistrationNumber") == ["UNKNOWN"]
    assert texts(header, "s:Company/s:Contact/s:ContactPerson/s:LastName") == ["UNKNOWN"]
    assert texts(header, "s:DefaultCurrencyCode") == ["EUR"]
    assert texts(header, "s:SelectionCriteria/*") == ["10", "2026", "10", "2026"]
    assert any("RegistrationNumber" in n and "UNKNOWN" in n for n in export.notes)

    entries = root.find("s:GeneralLedgerEntries", NS)
    assert texts(entries, "s:NumberOfEntries") == ["2"]
    debits = [float(a) for a in texts(entries, "s:Journal/s:Transaction/s:Line/s:DebitAmount/s:Amount")]
    credits = [float(a) for a in texts(entries, "s:Journal/s:Transaction/s:Line/s:CreditAmount/s:Amount")]
    assert texts(entries, "s:TotalDebit") == ["4033.00"] and sum(debits) == 4033
    assert texts(entries, "s:TotalCredit") == ["4033.00"] and sum(credits) == 4033
    assert texts(entries, "s:Journal/s:JournalID") == ["revaluation", "allocation"]
    assert texts(entries, "s:Journal/s:Type") == ["GL", "GL"]
    assert texts(entries, "s:Journal/s:Transaction/s:TransactionID") == ["REV-2026-10-0001", "ALC-2026-10-0001"]
    transaction = entries.find("s:Journal/s:Transaction", NS)
    assert texts(transaction, "s:Period") == ["10"] and texts(transaction, "s:PeriodYear") == ["2026"]
    assert texts(transaction, "s:GLPostingDate") == texts(transaction, "s:SystemEntryDate") == ["2026-10-31"]
    assert texts(transaction, "s:Description") == ["Revaluation of USD 100000.00 at 0.9189"]
    first = entries.find("s:Journal[2]/s:Transaction/s:Line", NS)
    assert texts(first, "s:Analysis/s:AnalysisType") == ["D1", "D2"]
    assert texts(first, "s:Analysis/s:AnalysisID") == ["SALES", "CC100"]
    table = root.find("s:MasterFiles/s:AnalysisTypeTable", NS)
    assert texts(table, "s:AnalysisTypeTableEntry/s:AnalysisTypeDescription") == ["Department"] * 3 + ["CostCenter"]
    assert texts(table, "s:AnalysisTypeTableEntry/s:AnalysisID") == ["SALES", "PROD", "ADMIN", "CC100"]


def test_output_is_deterministic_and_dated_by_the_lines():
    lines = adjustments()
    lines.loc[[0, 1], "date"] = pd.Timestamp("2026-10-15")
    assert write(lines).files == write(lines.copy()).files
    root = tree(write(lines))
    assert texts(root, "s:Header/s:AuditFileDateCreated") == ["2026-10-31"]
    assert texts(root, "s:GeneralLedgerEntries/s:Journal/s:Transaction/s:TransactionDate") == [
        "2026-10-15",
        "2026-10-31",
    ]


def test_selection_criteria_from_the_dates_when_the_period_is_not_a_month():
    lines, ctx = cases()["no company, period not YYYY-MM"]
    export = saft.write(lines, ctx)
    root = tree(export)
    assert texts(root, "s:Header/s:SelectionCriteria/*") == ["9", "2026", "10", "2026"]
    assert texts(root, "s:Header/s:Company/s:Name") == ["unknown"]
    assert any("Settings Company is empty" in n for n in export.notes)


def test_no_lines_gives_an_empty_ledger_dated_at_the_period_end():
    export = write(adjustments().iloc[:0])
    root = tree(export)
    assert export.findings.empty
    assert texts(root, "s:Header/s:AuditFileDateCreated") == ["2026-10-31"]
    assert texts(root, "s:GeneralLedgerEntries/*") == ["0", "0.00", "0.00"]
    assert root.find("s:MasterFiles", NS) is None


def test_markup_cannot_be_injected_and_control_characters_are_removed():
    lines = adjustments()
    lines.loc[0, "text"] = NASTY
    lines.loc[2, "Department"] = "<x/>&"
    export = write(lines)
    data = export.files[0]
    assert b"\x01" not in data and b"\x0b" not in data and b"\x1f" not in data
    assert b'Fee &lt;b&gt;&amp;amp; "x"  ]]&gt; &amp; done' in data
    root = tree(export)  # still well-formed
    assert texts(root, ".//s:Line/s:Description")[0] == 'Fee <b>&amp; "x"  ]]> & done'
    assert texts(root, ".//s:Line/s:Analysis/s:AnalysisID")[0] == "<x/>&"
    removed = "1 text held characters XML 1.0 cannot hold (control characters); it was removed"
    assert any(removed in n for n in export.notes)
    back = read_back(data, context())
    assert back.loc[0, "text"] == 'Fee <b>&amp; "x"  ]]> & done' and back.loc[2, "Department"] == "<x/>&"


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=60), value=st.text(max_size=20))
def test_any_text_reads_back_as_written_less_what_xml_cannot_hold(text, value):
    lines = adjustments()
    lines.loc[0, "text"] = "x" + text + "y"  # the reader strips a text's ends
    lines.loc[2, "Department"] = "d" + value + "e"
    export = write(lines)
    fromstring(export.files[0])  # well-formed whatever the text
    back = read_back(export.files[0], context())
    assert back.loc[0, "text"] == saft.clean(lines["text"])[0]
    assert back.loc[2, "Department"] == saft.clean(lines["Department"])[2]


def test_carriage_returns_become_line_feeds():
    lines = adjustments()
    lines.loc[0, "text"] = "first\r\nsecond\rthird"
    export = write(lines)
    assert b"\r" not in export.files[0]
    assert read_back(export.files[0], context()).loc[0, "text"] == "first\nsecond\nthird"
    assert not any("cannot hold" in n for n in export.notes)


def test_an_empty_text_reads_back_as_the_transaction_description():
    """The reader gives a line without Description its Transaction's; the writer makes that the
    first text of the voucher (else the voucher), so an empty text does not round-trip."""
    lines = adjustments()
    lines.loc[0, "text"] = ""
    lines.loc[[2, 3, 4], "text"] = ""
    root = tree(write(lines))
    assert texts(root, ".//s:Transaction/s:Description") == [
        "Revaluation of USD 100000.00 at 0.9189",
        "ALC-2026-10-0001",
    ]
    back = read_back(write(lines).files[0], context())
    assert list(back["text"]) == ["Revaluation of USD 100000.00 at 0.9189"] * 2 + ["ALC-2026-10-0001"] * 3


def test_missing_line_numbers_count_within_the_voucher():
    lines = adjustments()
    lines["line"] = pd.array([pd.NA] * len(lines), dtype="Int64")
    root = tree(write(lines))
    assert texts(root, ".//s:Line/s:RecordID") == ["1", "2", "1", "2", "3"]


# ------------------------------------------------------------------------------- amounts


def test_jpy_amounts_have_no_decimals():
    root = tree(write(adjustments(JPY_ROWS, currency="JPY"), context("JPY")))
    assert texts(root, ".//s:Line/s:DebitAmount/s:Amount") == ["1500"]
    assert texts(root, ".//s:Line/s:CreditAmount/s:Amount") == ["1500"]
    assert texts(root, "s:GeneralLedgerEntries/s:TotalDebit") == ["1500"]
    assert texts(root, "s:Header/s:DefaultCurrencyCode") == ["JPY"]


def test_kwd_amounts_have_three_decimals():
    root = tree(write(adjustments(KWD_ROWS, currency="KWD"), context("KWD")))
    assert texts(root, ".//s:Line/s:DebitAmount/s:Amount") == ["1.500"]
    assert texts(root, "s:GeneralLedgerEntries/s:TotalCredit") == ["1.500"]


def test_kwd_amount_with_three_significant_decimals_is_refused():
    rows = [
        ("accrual", "ACR-1", 1, "6100", "", "", "1.234", "x"),
        ("accrual", "ACR-1", 2, "2900", "", "", "-1.234", "x"),
    ]
    export = write(adjustments(rows, currency="KWD"), context("KWD"))
    assert codes(export) == [("export-limit", 2, "AmountAccounting"), ("export-limit", 3, "AmountAccounting")]
    assert "at most 2" in export.findings["Message"].iloc[0]


def test_zero_amount_is_a_debit_of_zero():
    rows = [("accrual", "ACR-1", 1, "6100", "", "", "0.00", "nothing")]
    root = tree(write(adjustments(rows)))
    assert texts(root, ".//s:Line/s:DebitAmount/s:Amount") == ["0.00"]


# ------------------------------------------------------------------------------- limits


def one_line(**change) -> pd.DataFrame:
    """The fixture with the first line (Adjustments row 2) changed."""
    lines = adjustments()
    for column, value in change.items():
        lines.loc[0, column] = value
    return lines


@pytest.mark.parametrize(
    ("column", "fits", "too_long", "label", "element"),
    [
        ("journal", "j" * 18, "j" * 19, "Journal", "JournalID"),
        ("voucher", "V" * 70, "V" * 71, "Voucher", "TransactionID"),
        ("account", "1" * 70, "1" * 71, "Account", "AccountID"),
        ("text", "t" * 256, "t" * 257, "Text", "Description"),
        ("Department", "d" * 35, "d" * 36, "Department", "AnalysisID"),
    ],
)
def test_text_limits(column, fits, too_long, label, element):
    def change(value: str) -> pd.DataFrame:
        lines = one_line(**{column: value})
        if column == "journal":  # the whole voucher: a voucher is in one journal
            lines.loc[1, column] = value
        return lines

    assert write(change(fits)).findings.empty
    export = write(change(too_long))
    assert codes(export) == [("export-limit", 2, label)]
    message = export.findings["Message"].iloc[0]
    assert element in message and str(len(too_long)) in message


def test_journal_and_voucher_limits_are_reported_once_at_their_first_line():
    lines = adjustments()
    lines.loc[lines["journal"] == "allocation", "journal"] = "j" * 19
    lines.loc[lines["voucher"] == "REV-2026-10-0001", "voucher"] = "V" * 71
    assert codes(write(lines)) == [("export-limit", 2, "Voucher"), ("export-limit", 4, "Journal")]


def test_record_id_limit():
    assert write(one_line(line=10**17)).findings.empty  # 18 digits
    assert codes(write(one_line(line=10**18))) == [("export-limit", 2, "Line")]


def test_control_characters_do_not_count_towards_a_limit():
    assert write(one_line(text="t" * 256 + "\x01")).findings.empty


def test_dimension_name_longer_than_the_analysis_type_description():
    name = "D" * 257
    lines = adjustments().rename(columns={"Department": name})
    ctx = dataclasses.replace(context(), dimensions=(name, "CostCenter"))
    export = saft.write(lines, ctx)
    assert codes(export) == [("export-limit", 4, name), ("export-limit", 5, name), ("export-limit", 6, name)]


def test_amount_of_more_than_18_digits():
    rows = [
        ("big", "B-1", 1, "6100", "", "", "12345678901234567.89", "19 digits"),
        ("big", "B-1", 2, "6100", "", "", "0.11", "makes the total 12345678901234568"),
        ("big", "B-1", 3, "2900", "", "", "-12345678901234568.00", "17 significant digits"),
    ]
    export = write(adjustments(rows))
    assert codes(export) == [("export-limit", 2, "AmountAccounting")]
    assert "more than 18 digits" in export.findings["Message"].iloc[0]


def test_digits_count_as_in_xs_decimal():
    assert saft._digits(123456789012345678, 2) == (18, 2)  # 1234567890123456.78
    assert saft._digits(1234567890123456780, 2) == (18, 1)  # 12345678901234567.8
    assert saft._digits(-1234567890123456789, 2) == (19, 2)
    assert saft._digits(1500, 3) == (2, 1)  # 1.5
    assert saft._digits(0, 2) == (1, 0)


def test_totals_of_more_than_18_digits():
    rows = [("big", "B-1", n, "6100", "", "", "5000000000000000.01", "") for n in (1, 2, 3)]
    rows.append(("big", "B-1", 4, "2900", "", "", "-1", ""))
    export = write(adjustments(rows))
    assert codes(export) == [("export-limit", 2, "AmountAccounting")]
    assert "total of the debits (15000000000000000.03)" in export.findings["Message"].iloc[0]


def test_dates():
    lines = adjustments()
    lines.loc[0, "date"] = pd.Timestamp("2026-10-30")  # voucher REV on two dates
    lines.loc[2, "date"] = pd.Timestamp("2101-01-31")  # ALC: past 2100, on each line
    lines.loc[3, "date"] = pd.Timestamp("2101-01-31")
    lines.loc[4, "date"] = pd.Timestamp("2101-01-31")
    assert codes(write(lines)) == [
        ("export-limit", 2, "Date"),
        ("export-limit", 4, "Date"),
        ("export-limit", 5, "Date"),
        ("export-limit", 6, "Date"),
    ]
    undated = adjustments()
    undated.loc[1, "date"] = pd.NaT
    export = write(undated)
    assert codes(export) == [("export-limit", 3, "Date")]
    assert "no date" in export.findings["Message"].iloc[0]


def test_a_voucher_in_two_journals():
    lines = adjustments()
    lines.loc[1, "journal"] = "other"
    export = write(lines)
    assert codes(export) == [("export-limit", 3, "Voucher")]
    assert "also in journal 'revaluation'" in export.findings["Message"].iloc[0]
