"""SAF-T Financial end to end: the project's own small file, and the official Norwegian example."""

from __future__ import annotations

import pytest

import closekit
from conftest import SHARED_SAMPLES

SAFT = """<?xml version="1.0" encoding="UTF-8"?>
<n1:AuditFile xmlns:n1="urn:StandardAuditFile-Taxation-Financial:NO">
  <n1:Header><n1:DefaultCurrencyCode>EUR</n1:DefaultCurrencyCode></n1:Header>
  <n1:GeneralLedgerEntries>
    <n1:NumberOfEntries>1</n1:NumberOfEntries>
    <n1:Journal><n1:JournalID>GL</n1:JournalID>
      <n1:Transaction>
        <n1:TransactionID>T1</n1:TransactionID>
        <n1:TransactionDate>2026-10-30</n1:TransactionDate>
        <n1:GLPostingDate>2026-10-31</n1:GLPostingDate>
        <n1:Line><n1:RecordID>1</n1:RecordID><n1:AccountID>6400</n1:AccountID>
          <n1:Description>Audit</n1:Description>
          <n1:DebitAmount><n1:Amount>150.00</n1:Amount></n1:DebitAmount></n1:Line>
        <n1:Line><n1:RecordID>2</n1:RecordID><n1:AccountID>2900</n1:AccountID>
          <n1:Description>Audit</n1:Description>
          <n1:CreditAmount><n1:Amount>150.00</n1:Amount></n1:CreditAmount></n1:Line>
      </n1:Transaction>
    </n1:Journal>
  </n1:GeneralLedgerEntries>
</n1:AuditFile>
"""


def test_saft_file_is_detected_and_validated(make):
    path = make.file("audit.xml", SAFT)
    result = closekit.validate(make.workbook(), journals=[path])
    assert result.ok, result.findings
    lines = result.ledger.lines
    assert lines["amount_accounting"].tolist() == [15000, -15000]
    assert lines["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-31", "2026-10-31"]
    assert lines["row"].tolist() == [11, 14]  # the <Line> elements' lines in the file


@pytest.mark.shared
def test_official_norwegian_example_imports_exactly(make):
    sample = SHARED_SAMPLES / "saft_financial_888888888_20180228.xml"
    if not sample.exists():
        pytest.skip(f"{sample} is not beside this checkout")
    settings = [
        ["Company", "Tøyen Lekefabrikk AS"],
        ["AccountingCurrency", "NOK"],
        ["Period", "2017-04"],
        ["Dimensions", "Avdeling, Prosjekt"],
    ]
    periods = [
        [f"2017-{m:02d}", f"2017-{m:02d}-01", f"2017-{m:02d}-{[31, 28, 31, 30][m - 1]}", "Open"] for m in range(1, 5)
    ]
    result = closekit.validate(make.workbook(Settings=settings, Periods=periods, Rates=[]), sources=[sample])
    lines = result.ledger.lines
    assert result.lines == 170
    assert lines.groupby(["journal", "voucher"]).ngroups == 53
    assert int(lines["amount_accounting"].clip(lower=0).sum()) == 948704935
    assert int(-lines["amount_accounting"].clip(upper=0).sum()) == 948704935
    assert not (result.findings["Code"] == "unbalanced-voucher").any()
    assert set(lines["Avdeling"]) >= {"100", "101", "102"}
