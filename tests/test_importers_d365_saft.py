"""The Dynamics 365 and SAF-T Financial importers, on fixtures written here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from closekit.errors import InputError
from closekit.sources.importers import d365, generic, saft
from closekit.sources.importers.base import ImportContext
from closekit.sources.tables import read_csv_text

DIMS = ImportContext(dimensions=("BusinessUnit", "CostCenter", "Department"))
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"

ENTITY_CSV = """\
JOURNALBATCHNUMBER,LINENUMBER,JOURNALNAME,VOUCHER,TRANSDATE,ACCOUNTTYPE,ACCOUNTDISPLAYVALUE,\
TEXT,DEBITAMOUNT,CREDITAMOUNT,CURRENCYCODE,ISPOSTED,OFFSETACCOUNTTYPE,OFFSETACCOUNTDISPLAYVALUE,\
OFFSETTEXT
ADJ-1,1,GenJrn,GJ-1,2025-01-31,Ledger,601500-001-022-,Audit fee,1500.00,0,USD,No,,,
ADJ-1,2,GenJrn,GJ-1,2025-01-31,,211400---,Accrued fees,0,1500.00,USD,No,,,
ADJ-1,3,GenJrn,GJ-2,2025-01-31,Ledger,601600-001,Legal fee,350.00,,USD,No,Ledger,211400-001--,\
Legal accrual
ADJ-1,4,GenJrn,GJ-3,2025-01-31,Vend,US-101,Vendor invoice,,100.00,USD,No,Ledger,601500-001-022-,
ADJ-1,5,GenJrn,GJ-4,2025-01-31,Ledger,6100-A\\-B-022-,Escaped,10.00,,USD,No,,,
ADJ-1,6,GenJrn,GJ-4,2025-01-31,Ledger,6100-001-022-X-Y,Too many,,10.00,USD,No,,,
ADJ-1,7,GenJrn,GJ-5,2025-01-31,Ledger,6200--,Bank fee,5.00,,USD,No,Bank,USMF OPER,
"""

EXPORT_CSV = """\
JournalNumber,Voucher,AccountingDate,LedgerAccount,Description,TransactionCurrencyCode,\
TransactionCurrencyAmount,AccountingCurrencyAmount,IsCredit,DocumentDate
00631,GJ-000451,2025-01-31,601500-001-022,Jan audit fee,EUR,1500.00,1620.00,No,2025-01-30
00631,GJ-000451,2025-01-31,211400,Accrued fees,EUR,-1500.00,-1620.00,Yes,2025-01-30
"""


def entity() -> d365.Mapped:
    return d365.map_table(read_csv_text(ENTITY_CSV, "gj.csv"), DIMS)


def codes(mapped) -> list[tuple[str, int, str]]:
    f = mapped.findings
    return sorted(zip(f["Code"], f["Row"].astype(int), f["Column"], strict=True))


# ------------------------------------------------------------------------------------- D365


def test_detect_both_d365_layouts_and_not_generic():
    assert d365.detect(read_csv_text(ENTITY_CSV, "gj.csv"))
    assert d365.detect(read_csv_text(EXPORT_CSV, "gl.csv"))
    display = EXPORT_CSV.replace("LedgerAccount", "AccountDisplayValue")
    assert d365.detect(read_csv_text(display, "gl.csv"))
    only_credit = "voucher;TRANS_DATE;Account Display Value;Credit Amount\nV1;2025-01-31;6100;5\n"
    assert d365.detect(read_csv_text(only_credit, "gj.csv"))
    plain = "Journal,Voucher,Line,Date,Account,Currency,Debit,Credit,Text\nJ,V,1,2025-01-31,6100,EUR,1,,x\n"
    table = read_csv_text(plain, "plain.csv")
    assert generic.detect(table)
    assert not d365.detect(table)


def test_entity_splits_display_values_and_keeps_empty_segments():
    m = entity()
    f = m.frame
    first = f.iloc[0]
    assert (first["account"], first["BusinessUnit"], first["CostCenter"], first["Department"]) == (
        "601500",
        "001",
        "022",
        "",
    )
    second = f.iloc[1]
    assert (second["account"], second["BusinessUnit"], second["CostCenter"]) == ("211400", "", "")
    assert (first["journal"], first["voucher"], first["text"]) == ("ADJ-1", "GJ-1", "Audit fee")
    assert first["debit"] == "1500.00" and first["currency"] == "USD" and first["posted"] == "No"
    assert "JOURNALNAME" not in m.columns.values()
    assert m.columns["account"] == "ACCOUNTDISPLAYVALUE"
    assert m.columns["Department"] == "ACCOUNTDISPLAYVALUE"
    assert m.columns["debit"] == "DEBITAMOUNT" and m.columns["date"] == "TRANSDATE"


def test_entity_fewer_segments_give_empty_trailing_dimensions():
    legal = entity().frame.iloc[2]
    assert (legal["account"], legal["BusinessUnit"], legal["CostCenter"], legal["Department"]) == (
        "601600",
        "001",
        "",
        "",
    )


def test_backslash_escapes_the_delimiter():
    row = entity().frame.set_index("text").loc["Escaped"]
    assert (row["account"], row["BusinessUnit"], row["CostCenter"], row["Department"]) == ("6100", "A-B", "022", "")


def test_too_many_segments_is_a_bad_value_finding():
    m = entity()
    bad = m.findings[m.findings["Code"] == "bad-value"]
    assert list(bad["Row"]) == [7]
    assert list(bad["Column"]) == ["ACCOUNTDISPLAYVALUE"]
    assert list(bad["Voucher"]) == ["GJ-4"]
    message = bad["Message"].iloc[0]
    assert "6100-001-022-X-Y" in message and "4 dimension segments" in message
    assert "Settings Dimensions lists 3 (BusinessUnit, CostCenter, Department)" in message
    kept = m.frame.set_index("text").loc["Too many"]  # the line stays, with the dimensions that fit
    assert (kept["account"], kept["Department"]) == ("6100", "X")


def test_offset_account_gives_a_second_line_with_debit_and_credit_swapped():
    m = entity()
    assert list(m.rows) == [2, 3, 4, 4, 6, 7]
    assert list(m.frame["is_offset"]) == [False, False, False, True, False, False]
    main, offset = m.frame.iloc[2], m.frame.iloc[3]
    assert (main["debit"], main["credit"]) == ("350.00", "")
    assert (offset["debit"], offset["credit"]) == ("", "350.00")
    assert (offset["account"], offset["BusinessUnit"]) == ("211400", "001")
    assert (offset["CostCenter"], offset["Department"]) == ("", "")
    assert offset["voucher"] == "GJ-2" and offset["text"] == "Legal accrual"
    assert offset["line"] == "" and main["line"] == "3"
    assert m.columns["is_offset"] == "OFFSETACCOUNTDISPLAYVALUE"
    assert len(m.frame) == len(m.rows)


def test_offset_text_falls_back_to_text():
    csv = (
        "VOUCHER,TRANSDATE,ACCOUNTDISPLAYVALUE,TEXT,DEBITAMOUNT,CREDITAMOUNT,"
        "OFFSETACCOUNTDISPLAYVALUE\nV1,2025-01-31,6100-01,Fee,5,,2900\n"
    )
    m = d365.map_table(read_csv_text(csv, "gj.csv"), ImportContext(dimensions=("CostCenter",)))
    assert list(m.frame["text"]) == ["Fee", "Fee"]
    assert list(m.frame["account"]) == ["6100", "2900"]
    assert list(m.frame["CostCenter"]) == ["01", ""]
    assert list(m.frame["credit"]) == ["", "5"]
    assert m.findings.empty


def test_non_ledger_account_types_are_dropped_with_a_finding():
    m = entity()
    unknown = m.findings[m.findings["Code"] == "unknown-account"]
    assert sorted(zip(unknown["Row"], unknown["Column"], strict=True)) == [(5, "ACCOUNTTYPE"), (8, "OFFSETACCOUNTTYPE")]
    vend = unknown[unknown["Row"] == 5]["Message"].iloc[0]
    assert vend == ("account type Vend: closekit reads Ledger lines only; post sub-ledger lines in Dynamics 365")
    assert "Vendor invoice" not in set(m.frame["text"]) and "Bank fee" not in set(m.frame["text"])
    assert 5 not in set(m.rows) and 8 not in set(m.rows)


def test_entity_missing_columns():
    csv = "ACCOUNTDISPLAYVALUE,TRANSDATE,DEBITAMOUNT\n6100,2025-01-31,5\n"
    m = d365.map_table(read_csv_text(csv, "gj.csv"), DIMS)
    missing = m.findings[m.findings["Code"] == "missing-column"]
    assert sorted(missing["Column"]) == ["CREDITAMOUNT", "VOUCHER"]
    assert list(m.frame["account"]) == ["6100"]


def test_export_layout_signed_amounts_and_dimensions():
    m = d365.map_table(read_csv_text(EXPORT_CSV, "gl.csv"), DIMS)
    f = m.frame
    assert list(f["account"]) == ["601500", "211400"]
    assert list(f["CostCenter"]) == ["022", ""]
    assert list(f["amount"]) == ["1500.00", "-1500.00"]
    assert list(f["amount_accounting"]) == ["1620.00", "-1620.00"]
    assert list(f["text"]) == ["Jan audit fee", "Accrued fees"]
    assert list(f["journal"]) == ["00631", "00631"]
    assert list(m.rows) == [2, 3]
    assert m.columns["account"] == "LedgerAccount" and m.columns["BusinessUnit"] == "LedgerAccount"
    assert m.columns["amount"] == "TransactionCurrencyAmount"
    assert m.columns["date"] == "AccountingDate" and m.columns["document_date"] == "DocumentDate"
    assert "debit" not in f and "is_offset" not in f
    assert m.findings.empty


def test_export_missing_columns():
    csv = "Voucher,LedgerAccount,AccountingCurrencyAmount\nV1,6100,5\n"
    m = d365.map_table(read_csv_text(csv, "gl.csv"), DIMS)
    assert sorted(m.findings["Column"]) == ["AccountingDate", "TransactionCurrencyAmount"]
    assert set(m.findings["Code"]) == {"missing-column"}


def test_custom_delimiter_and_no_dimensions():
    csv = "VOUCHER,TRANSDATE,ACCOUNTDISPLAYVALUE,DEBITAMOUNT,CREDITAMOUNT\nV,2025-01-31,6100|01,5,\n"
    ctx = ImportContext(dimensions=("CostCenter",), dimension_delimiter="|")
    m = d365.map_table(read_csv_text(csv, "gj.csv"), ctx)
    assert (m.frame["account"].iloc[0], m.frame["CostCenter"].iloc[0]) == ("6100", "01")
    m = d365.map_table(read_csv_text(csv.replace("|", "-"), "gj.csv"), ImportContext())
    assert list(m.findings["Code"]) == ["bad-value"]
    assert "Settings Dimensions lists 0 (none)" in m.findings["Message"].iloc[0]


def test_split_without_pyarrow_gives_the_same_segments(monkeypatch):
    values = pd.Series(["110110-001-022-", "", "211400", "A\\-B-x", "1-2-3-4-5"])
    fast = d365.split_display(values, "-", 4)
    monkeypatch.setattr(d365, "_arrow", lambda: None)
    slow = d365.split_display(values, "-", 4)
    assert list(fast[1]) == list(slow[1]) == [4, 1, 1, 2, 5]
    for a, b in zip(fast[0], slow[0], strict=True):
        assert list(a) == list(b)
    assert list(slow[0][1]) == ["001", "", "", "x", "2"]
    assert list(slow[0][0]) == ["110110", "", "211400", "A-B", "1"]


# ------------------------------------------------------------------------------------ SAF-T

SAFT_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<n1:AuditFile xmlns:n1="urn:StandardAuditFile-Taxation-Financial:NO">
  <n1:Header>
    <n1:Company><n1:Name>Tøyen Test AS</n1:Name></n1:Company>
    <n1:DefaultCurrencyCode>NOK</n1:DefaultCurrencyCode>
  </n1:Header>
  <n1:MasterFiles>
    <n1:GeneralLedgerAccounts>
      <n1:Account><n1:AccountID>1500</n1:AccountID><n1:AccountDescription>Kunder</n1:AccountDescription></n1:Account>
      <n1:Account><n1:AccountID>3000</n1:AccountID><n1:AccountDescription>Salg</n1:AccountDescription></n1:Account>
    </n1:GeneralLedgerAccounts>
    <n1:Customers><n1:Customer><n1:CustomerID>K1</n1:CustomerID><n1:CurrencyCode>NOR</n1:CurrencyCode></n1:Customer></n1:Customers>
    <n1:AnalysisTypeTable>
      <n1:AnalysisTypeTableEntry><n1:AnalysisType>A</n1:AnalysisType><n1:AnalysisTypeDescription>Avdeling</n1:AnalysisTypeDescription><n1:AnalysisID>100</n1:AnalysisID></n1:AnalysisTypeTableEntry>
      <n1:AnalysisTypeTableEntry><n1:AnalysisType>P</n1:AnalysisType><n1:AnalysisTypeDescription>Prosjekt</n1:AnalysisTypeDescription><n1:AnalysisID>7</n1:AnalysisID></n1:AnalysisTypeTableEntry>
    </n1:AnalysisTypeTable>
  </n1:MasterFiles>
  <n1:GeneralLedgerEntries>
    <n1:NumberOfEntries>1</n1:NumberOfEntries>
    <n1:TotalDebit>1250.00</n1:TotalDebit>
    <n1:TotalCredit>1250.00</n1:TotalCredit>
    <n1:Journal>
      <n1:JournalID>GL</n1:JournalID>
      <n1:Description>General</n1:Description>
      <n1:Transaction>
        <n1:TransactionID>T1</n1:TransactionID>
        <n1:Period>1</n1:Period>
        <n1:PeriodYear>2025</n1:PeriodYear>
        <n1:TransactionDate>2025-01-30</n1:TransactionDate>
        <n1:Description>Invoice 42</n1:Description>
        <n1:GLPostingDate>2025-01-31</n1:GLPostingDate>
        <n1:Line>
          <n1:RecordID>1</n1:RecordID>
          <n1:AccountID>1500</n1:AccountID>
          <n1:CustomerID>K1</n1:CustomerID>
          <n1:Description>Customer K1</n1:Description>
          <n1:DebitAmount>
            <n1:Amount>1250.00</n1:Amount>
            <n1:CurrencyCode>EUR</n1:CurrencyCode>
            <n1:CurrencyAmount>110.00</n1:CurrencyAmount>
            <n1:ExchangeRate>11.3636</n1:ExchangeRate>
          </n1:DebitAmount>
        </n1:Line>
        <n1:Line>
          <n1:RecordID>2</n1:RecordID>
          <n1:AccountID>3000</n1:AccountID>
          <n1:Analysis><n1:AnalysisType>A</n1:AnalysisType><n1:AnalysisID>100</n1:AnalysisID></n1:Analysis>
          <n1:Analysis>
            <n1:AnalysisType>P</n1:AnalysisType><n1:AnalysisID>7</n1:AnalysisID>
            <n1:AnalysisAmount><n1:Amount>999</n1:Amount></n1:AnalysisAmount>
          </n1:Analysis>
          <n1:CreditAmount><n1:Amount>1000.00</n1:Amount></n1:CreditAmount>
          <n1:TaxInformation>
            <n1:TaxType>MVA</n1:TaxType>
            <n1:TaxAmount><n1:Amount>250.00</n1:Amount></n1:TaxAmount>
          </n1:TaxInformation>
        </n1:Line>
        <n1:Line><n1:RecordID>3</n1:RecordID><n1:AccountID>2700</n1:AccountID><n1:Description>MVA</n1:Description><n1:CreditAmount><n1:Amount>250.00</n1:Amount></n1:CreditAmount></n1:Line>
      </n1:Transaction>
    </n1:Journal>
  </n1:GeneralLedgerEntries>
</n1:AuditFile>
"""


def read(text: str = SAFT_XML) -> saft.RawTable:
    return saft.read_xml(text.encode("utf-8"), "test.xml")


def test_saft_rows_are_the_xml_lines_where_each_line_starts():
    table = read()
    expected = [i for i, text in enumerate(SAFT_XML.splitlines(), 1) if "<n1:Line>" in text]
    assert list(table.rows) == expected
    assert len(expected) == 3


def test_saft_line_numbers_do_not_depend_on_how_the_bytes_are_fed(monkeypatch):
    whole = read()
    monkeypatch.setattr(saft, "CHUNK", 7)  # chunk edges inside tags and inside "ø"
    pieces = read()
    assert list(pieces.rows) == list(whole.rows)
    assert pieces.frame.equals(whole.frame) and pieces.meta == whole.meta


def test_saft_raw_columns_and_meta():
    table = read()
    f = table.frame
    assert table.columns[-2:] == ["Analysis A", "Analysis P"]
    assert list(f["Side"]) == ["Debit", "Credit", "Credit"]
    # the line's own Amount: not TaxAmount, not AnalysisAmount
    assert list(f["Amount"]) == ["1250.00", "1000.00", "250.00"]
    assert list(f["CurrencyCode"]) == ["EUR", "", ""]  # master-data CurrencyCode NOR is not read
    assert list(f["TransactionDescription"]) == ["Invoice 42"] * 3
    assert list(f["Description"]) == ["Customer K1", "", "MVA"]
    assert list(f["Analysis P"]) == ["", "7", ""]
    assert f["ExchangeRate"].iloc[0] == "11.3636" and f["CustomerID"].iloc[0] == "K1"
    assert list(f.loc[2, ["JournalID", "TransactionID", "Period"]]) == ["GL", "T1", "1"]
    meta = table.meta
    assert meta["format"] == "saft" and meta["default_currency"] == "NOK"
    assert meta["company"] == "Tøyen Test AS"
    assert (meta["number_of_entries"], meta["total_debit"], meta["total_credit"]) == ("1", "1250.00", "1250.00")
    assert meta["analysis_types"] == {"A": "Avdeling", "P": "Prosjekt"}
    assert meta["accounts"] == [("1500", "Kunder"), ("3000", "Salg")]
    assert saft.detect(table)
    assert not saft.detect(read_csv_text("Voucher,Date\nV,2025-01-01\n", "x.csv"))


def test_saft_map_multi_currency_credit_sign_and_text():
    m = saft.map_table(read(), ImportContext(accounting_currency="NOK"))
    f = m.frame
    assert list(f["currency"]) == ["EUR", "NOK", "NOK"]
    assert list(f["amount"]) == ["110.00", "-1000.00", "-250.00"]
    assert list(f["amount_accounting"]) == ["1250.00", "-1000.00", "-250.00"]
    assert list(f["text"]) == ["Customer K1", "Invoice 42", "MVA"]
    assert list(f["date"]) == ["2025-01-31"] * 3
    assert list(f["document_date"]) == ["2025-01-30"] * 3
    assert (list(f["journal"]), list(f["voucher"]), list(f["line"])) == (["GL"] * 3, ["T1"] * 3, ["1", "2", "3"])
    assert m.columns["date"] == "GLPostingDate" and m.columns["amount_accounting"] == "Amount"
    assert m.columns["amount"] == "CurrencyAmount or Amount"
    assert m.decimal == "."
    assert m.findings.empty


def test_saft_accounting_amount_left_out_when_the_file_currency_differs():
    m = saft.map_table(read(), ImportContext(accounting_currency="EUR"))
    assert "amount_accounting" not in m.frame


def test_saft_posting_date_falls_back_to_transaction_date():
    xml = SAFT_XML.replace("<n1:GLPostingDate>2025-01-31</n1:GLPostingDate>", "")
    m = saft.map_table(read(xml), ImportContext())
    assert list(m.frame["date"]) == ["2025-01-30"] * 3
    assert m.columns["date"] == "TransactionDate"


@pytest.mark.parametrize("dimensions", [("Avdeling", "Prosjekt"), ("A", "P"), ("avdeling", "p")])
def test_saft_analysis_maps_by_code_or_description(dimensions):
    m = saft.map_table(read(), ImportContext(dimensions=dimensions))
    assert list(m.frame[dimensions[0]]) == ["", "100", ""]
    assert list(m.frame[dimensions[1]]) == ["", "7", ""]
    assert m.columns[dimensions[0]] == "Analysis A"


def test_saft_unmatched_dimension_is_not_mapped():
    m = saft.map_table(read(), ImportContext(dimensions=("CostCenter",)))
    assert "CostCenter" not in m.frame


def test_saft_without_namespace():
    namespace = ' xmlns:n1="urn:StandardAuditFile-Taxation-Financial:NO"'
    plain = SAFT_XML.replace("n1:", "").replace(namespace, "")
    assert "xmlns" not in plain
    assert len(read(plain)) == 3


def test_saft_entity_bomb_is_refused():
    bomb = """<?xml version="1.0"?>
<!DOCTYPE AuditFile [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<AuditFile><Header><Company><Name>&lol3;</Name></Company></Header></AuditFile>
"""
    with pytest.raises(InputError, match=r"bomb\.xml .*DTD"):
        saft.read_xml(bomb.encode(), "bomb.xml")
    external = '<?xml version="1.0"?><!DOCTYPE a SYSTEM "http://example.com/a.dtd"><AuditFile/>'
    with pytest.raises(InputError, match=r"ext\.xml"):
        saft.read_xml(external.encode(), "ext.xml")


def test_saft_malformed_xml():
    broken = SAFT_XML.replace("</n1:Journal>", "")
    with pytest.raises(InputError, match=r"broken\.xml is not well-formed XML .*line"):
        saft.read_xml(broken.encode(), "broken.xml")
    with pytest.raises(InputError, match="empty"):
        saft.read_xml(b"  ", "empty.xml")
    with pytest.raises(InputError, match="not a SAF-T file"):
        saft.read_xml(b"<Invoice><Line/></Invoice>", "inv.xml")


def test_saft_refuses_oversized_files(monkeypatch):
    monkeypatch.setattr(saft, "MAX_BYTES", 100)
    with pytest.raises(InputError, match="larger than 2 GB"):
        read()


@pytest.mark.shared
def test_saft_official_norwegian_example():
    path = SAMPLES / "saft_financial_888888888_20180228.xml"
    if not path.exists():
        pytest.skip(f"shared sample {path} is not present")
    table = saft.read_xml(path.read_bytes(), path.name)
    f = table.frame
    assert len(table) == 170
    assert f.groupby(["JournalID", "TransactionID"]).ngroups == 53
    totals = {"Debit": Decimal(0), "Credit": Decimal(0)}
    for side, amount in zip(f["Side"], f["Amount"], strict=True):
        totals[side] += Decimal(amount)
    assert totals == {"Debit": Decimal("9487049.35"), "Credit": Decimal("9487049.35")}
    assert table.meta["total_debit"] == "9487049.35" and len(table.meta["accounts"]) == 22
    assert set(table.meta["analysis_types"]) == {"A", "P"}
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert all(lines[n - 1].strip() == "<n1:Line>" for n in table.rows)
