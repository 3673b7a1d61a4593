"""The group close end to end: `closekit close group.xlsx --steps consolidation` on the generated
sample group (Contoso Group, Contoso Trading NL, Contoso Trading US), and subsidiaries that cannot
be read."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from closekit import cli
from closekit.samples import company as sample
from closekit.samples import group as sample_group
from closekit.sheetio.files import FileWorkbook
from closekit.workbook import template


@pytest.fixture
def group(tmp_path):
    sample.write(tmp_path / "close.xlsx")
    return sample_group.write(tmp_path)


def test_group_close_consolidates_translates_and_eliminates(group, capsys):
    folder = group.parent
    before = {name: (folder / name).read_bytes() for name in ("close.xlsx", "close-us.xlsx")}
    assert cli.main(["close", str(group), "--steps", "consolidation"]) == 0
    book = FileWorkbook(group)
    assert {"ConsolidatedTrialBalance", "GroupBalanceSheet", "GroupIncomeStatement"} <= set(book.sheet_names())
    ctb = book.read_sheet("ConsolidatedTrialBalance").frame
    assert list(ctb.columns[:3]) == ["Company", "Kind", "Account"]
    assert {"LocalAccount", "Currency", "AmountLocal", "Rate", "AmountGroup", "Eliminated"} <= set(ctb.columns)
    us_bank = ctb[(ctb["Company"] == "Contoso Trading US") & (ctb["LocalAccount"] == "1105")].iloc[0]
    # USD 360,000.00 at the closing rate 0.9189, 100 % (ConsolidationMethod Full), on group account 1100
    assert us_bank["Account"] == "1100" and Decimal(str(us_bank["AmountGroup"])) == Decimal("330804.00")
    eliminated = ctb[ctb["Eliminated"].astype(bool)]
    assert sorted(Decimal(str(v)) for v in eliminated["AmountGroup"]) == [Decimal("-45945.00"), Decimal("45945.00")]

    def total(account, kinds=("Balance", "CTA", "NCI", "Acquisition")):
        rows = ctb[(ctb["Account"] == account) & ctb["Kind"].isin(kinds) & ~ctb["Eliminated"].astype(bool)]
        return sum(Decimal(str(v)) for v in rows["AmountGroup"])

    # the NCI: 20 % of the US company's translated net assets (330,804.00 − 45,945.00), of which
    # 17,600.00 at acquisition (20 % × USD 100,000.00 × 0.88) and its 20 % of the CTA (IAS 21.41)
    assert total("3980") == Decimal("-56971.80")
    assert total("3980", ("Acquisition",)) == Decimal("-17600.00")
    assert total("3950", ("NCI",)) == Decimal("864.20")  # 20 % of the US company's CTA 4,321.00
    # the investments (1500) are eliminated against the equity at acquisition; group capital is the parent's
    assert total("1500") == 0 and total("3000") == Decimal("-300000.00")
    assert total("1600") == Decimal("4803.34")  # goodwill USD 5,227.27 at the closing rate 0.9189
    # the group's CTA: the US company's 4,321.00 less the NCI's 864.20, plus 203.34 on the goodwill
    assert total("3950") == Decimal("-3660.14")
    # retained earnings: the NL company's 173,000.00 and the US company's USD 20,000.00 at their
    # HistoricalEquity 18,080.00 (read from the Consolidation sheet), not at the one rate 0.88
    assert total("3900") == Decimal("-191080.00")
    us_retained = ctb[(ctb["Company"] == "Contoso Trading US") & (ctb["LocalAccount"] == "3900")]
    assert us_retained["RateType"].tolist() == ["HistoricalEquity"]
    income = book.read_sheet("GroupIncomeStatement").frame.set_index("Name")["YearToDate"]
    # the NCI's 20 % of the US company's translated profit 174,458.00
    assert Decimal(str(income["Attributable to non-controlling interests"])) == Decimal("34891.60")
    assert Decimal(str(income["Attributable to owners of the parent"])) + Decimal("34891.60") == Decimal(
        str(income["Profit for the period"])
    )
    # the NL company is in at its own figures after its close (revaluation posted: 1110 at 91,890.00)
    nl_usd_bank = ctb[(ctb["Company"] == "Contoso Trading NL") & (ctb["Account"] == "1110")]
    assert Decimal(str(nl_usd_bank["AmountGroup"].iloc[0])) == Decimal("91890.00")
    balance = book.read_sheet("GroupBalanceSheet").frame.set_index("Name")["Amount"]
    assert balance["Total assets"] == balance["Total equity and liabilities"]
    checklist = book.read_sheet("Checklist").frame.set_index("Step")
    assert checklist.loc["consolidation", "Status"] == "Done"
    hashes = book.read_sheet("RunLog").frame["InputHashes"].iloc[-1]
    assert "close-us.xlsx=" in hashes and "sample-us-gl-2026.csv=" in hashes
    # the subsidiaries were only read
    assert {name: (folder / name).read_bytes() for name in before} == before


def test_group_close_json_lists_the_consolidation(group, capsys):
    assert cli.main(["close", str(group), "--steps", "consolidation", "--json", "--dry-run"]) == 0
    payload = json.loads(capsys.readouterr().out)
    revenue = next(
        r for r in payload["consolidation"] if r["company"] == "Contoso Trading US" and r["account"] == "4000"
    )
    assert {k: revenue[k] for k in ("amount_local", "rate", "amount_group", "eliminated", "currency")} == {
        "amount_local": "-300000.00",
        "rate": "0.9182",  # the October Average rate
        "amount_group": "-275460.00",
        "eliminated": False,
        "currency": "USD",
    }
    loan = next(r for r in payload["consolidation"] if r["account"] == "2350")
    assert loan["eliminated"] is True and loan["dimensions"] == {"TradingPartner": "Contoso Group"}
    assert "ConsolidatedTrialBalance" not in FileWorkbook(group).sheet_names()


def test_the_default_close_does_not_consolidate(group, capsys):
    assert cli.main(["close", str(group), "--dry-run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["consolidation"] == []


def test_unreadable_subsidiaries_are_findings_naming_the_workbook(group, tmp_path):
    (tmp_path / "broken.xlsx").write_text("this is not a workbook")
    (tmp_path.parent / "outside.xlsx").write_bytes((tmp_path / "close-us.xlsx").read_bytes())
    rows = sample_group.group_rows()
    rows["Consolidation"] = [
        ["Contoso Trading US", "close-us.xlsx", "80%", "USD"],
        ["Missing Co", "missing.xlsx", 1, "EUR"],
        ["Broken Co", "broken.xlsx", 1, "EUR"],
        ["Outside Co", "../outside.xlsx", 1, "EUR"],
        ["Itself", "group.xlsx", 1, "EUR"],
    ]
    template.write(group, rows, force=True)
    assert cli.main(["close", str(group), "--steps", "consolidation"]) == 1
    findings = FileWorkbook(group).read_sheet("Findings").frame
    unreadable = findings[findings["Code"] == "subsidiary-unreadable"].set_index("Row")
    assert set(unreadable.index) == {3, 4, 5}
    assert "missing.xlsx (Missing Co): there is no such file" in unreadable.loc[3, "Message"]
    assert "broken.xlsx (Broken Co) could not be read" in unreadable.loc[4, "Message"]
    assert "outside the workbook's folder" in unreadable.loc[5, "Message"]
    assert "Consolidation row 5" in unreadable.loc[5, "Message"]
    itself = findings[(findings["Code"] == "bad-setting") & (findings["Where"] == "Consolidation")]
    assert itself["Message"].tolist() == ["group.xlsx (Itself) is this group workbook itself"]
    # the readable subsidiary is still consolidated
    ctb = FileWorkbook(group).read_sheet("ConsolidatedTrialBalance").frame
    assert "Contoso Trading US" in set(ctb["Company"]) and "Missing Co" not in set(ctb["Company"])


def test_a_subsidiary_with_errors_is_reported_and_consolidated_as_it_stands(group, tmp_path):
    ledger = (tmp_path / sample_group.US_LEDGER).read_text()
    (tmp_path / sample_group.US_LEDGER).write_text(ledger.replace(",1105,", ",9999,", 1))
    assert cli.main(["close", str(group), "--steps", "consolidation"]) == 1
    findings = FileWorkbook(group).read_sheet("Findings").frame
    [problem] = findings[findings["Code"] == "subsidiary-not-clean"]["Message"].tolist()
    assert problem.startswith("close-us.xlsx (Contoso Trading US): its own close has") and "unknown-account" in problem


def test_a_jpy_subsidiary_is_read_and_translated_exactly(group, tmp_path, capsys):
    rows = sample_group.us_rows()
    rows["Settings"] = [
        [k, {"AccountingCurrency": "JPY", "Company": "Contoso Japan"}.get(k, v)] for k, v in rows["Settings"]
    ]
    rows["Sources"] = [["jp-gl.csv", "ledger", "generic"]]
    template.write(tmp_path / "close-jp.xlsx", rows)
    (tmp_path / "jp-gl.csv").write_text(
        "Journal,Voucher,Line,Date,Account,TradingPartner,Currency,Debit,Credit\n"
        "OPEN,OB,1,2026-01-01,1105,,JPY,1234567,\n"
        "OPEN,OB,2,2026-01-01,3000,,JPY,,1234567\n"
        "SALES,S1,1,2026-10-10,1200,,JPY,123457,\n"
        "SALES,S1,2,2026-10-10,4000,,JPY,,123457\n"
    )
    group_rows = sample_group.group_rows()
    group_rows["Rates"] += [
        ["2026-10-31", "JPY", "EUR", "0.0061", "Closing"],
        ["2026-10-31", "JPY", "EUR", "0.0062", "Average"],
        ["2020-01-01", "JPY", "EUR", "0.0065", "Historical"],
    ]
    group_rows["Consolidation"] = [["Contoso Japan", "close-jp.xlsx", 1, "JPY"]]
    template.write(group, group_rows, force=True)
    assert cli.main(["close", str(group), "--steps", "consolidation", "--json", "--dry-run"]) == 0
    payload = json.loads(capsys.readouterr().out)
    japan = [r for r in payload["consolidation"] if r["company"] == "Contoso Japan"]
    assert [(r["kind"], r["account"], r["amount_local"], r["rate"], r["amount_group"]) for r in japan] == [
        ("Balance", "1100", "1234567", "0.0061", "7530.86"),  # 7,530.8587
        ("Balance", "1200", "123457", "0.0061", "753.09"),  # 753.0877
        ("Balance", "3000", "-1234567", "0.0065", "-8024.69"),  # 8,024.6855
        ("Balance", "4000", "-123457", "0.0062", "-765.43"),  # 765.4334
        ("CTA", "3950", None, None, "506.17"),
    ]


def test_new_sample_writes_the_group_beside_the_company(tmp_path, capsys):
    assert cli.main(["new", str(tmp_path / "close.xlsx"), "--sample"]) == 0
    assert "group.xlsx (Contoso Group)" in capsys.readouterr().out
    for name in ("close.xlsx", "close-us.xlsx", "group.xlsx", sample_group.US_LEDGER, sample_group.GROUP_LEDGER):
        assert (tmp_path / name).is_file(), name
    assert cli.main(["close", str(tmp_path / "group.xlsx"), "--steps", "consolidation", "--dry-run"]) == 0
