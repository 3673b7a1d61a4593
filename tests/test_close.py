"""The whole close on the sample company, through the Python API and the command line."""

from __future__ import annotations

import json
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

import closekit
from closekit import cli
from closekit.closing import runner as closing
from closekit.core.steps import StepResult, adjustment_frame
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook


def sheet(workbook, name):
    return FileWorkbook(workbook).read_sheet(name)


def test_sample_close_posts_hand_checkable_adjustments(sample_workbook):
    result = closekit.close(sample_workbook)
    assert result.ok, result.findings
    lines = result.run.adjustments
    by_voucher = lines.groupby("voucher")["amount_accounting"].sum()
    assert (by_voucher == 0).all()
    assert set(lines["date"].dt.strftime("%Y-%m-%d")) == {"2026-10-31"}
    assert set(lines["currency"]) == {"EUR"}
    reval = lines[lines["journal"] == "revaluation"]
    # USD 100,000.00 received Jan-Oct at each month's spot rate = EUR 91,923.00 booked;
    # at the October closing rate 0.9189 it is worth EUR 91,890.00: a loss of 33.00.
    assert reval[["voucher", "account", "amount_accounting"]].values.tolist() == [
        ["REV-2026-10-USD", "7910", 3300],
        ["REV-2026-10-USD", "1110", -3300],
    ]
    alloc = lines[lines["journal"] == "allocation"]
    # October IT costs 4,000.00 (6300 ADMIN): 60 % to SALES, 40 % to PROD on 6900, back from 6300 ADMIN.
    assert alloc[["account", "Department", "amount_accounting"]].values.tolist() == [
        ["6900", "SALES", 240000],
        ["6900", "PROD", 160000],
        ["6300", "ADMIN", -400000],
    ]
    assert set(alloc["voucher"]) == {"ALC-2026-10-0001"}
    settled = result.run.tables["settlements"]
    assert settled["SettlementId"].nunique() == 10
    assert result.run.tables["open_items"]["Amount"].tolist() == [125000]


def test_write_close_writes_every_output_and_ticks_the_checklist(sample_workbook):
    assert cli.main(["close", str(sample_workbook)]) == 0
    book = FileWorkbook(sample_workbook)
    for name in (
        "Adjustments",
        "Settlements",
        "OpenItems",
        "TrialBalance",
        "BalanceSheet",
        "IncomeStatement",
        "GeneralJournal",
        "Findings",
        "RunLog",
    ):
        assert name in book.sheet_names(), name
    adjustments = book.read_sheet("Adjustments").frame
    assert list(adjustments.columns[:5]) == ["Journal", "Voucher", "Line", "Date", "Account"]
    assert {"Debit", "Credit", "AmountAccounting", "Text", "Rule"} <= set(adjustments.columns)
    total = book.read_sheet("TrialBalance").frame.set_index("Account").loc["Total"]
    assert total["Closing"] == 0 and total["ClosingAfter"] == 0 and total["Debit"] == total["Credit"]
    balance = book.read_sheet("BalanceSheet").frame.set_index("Name")["Amount"]
    assert balance["Total assets"] == balance["Total equity and liabilities"]
    checklist = book.read_sheet("Checklist").frame.set_index("Task")
    done = checklist[checklist["Status"] == "Done"]
    assert set(done["Step"]) == {"import", "validate", "settlement", "revaluation", "allocation", "statements"}
    # the review tasks ran clean but wait for their preparer's and reviewer's sign-offs
    held = checklist[checklist["Step"].isin(["trial-balance", "flux"])]
    assert set(held["Status"]) == {"In progress"} and not held["Completed"].fillna("").astype(bool).any()
    assert all(str(c).endswith("Z") for c in done["Completed"])
    untouched = checklist[checklist["Step"].isin(["consolidation", "export", "period-hold", ""])]
    assert set(untouched["Status"]) == {"Not started"}
    wb = openpyxl.load_workbook(sample_workbook)
    assert wb["Checklist"].data_validations.dataValidation  # the input sheet kept its drop-downs


def test_closing_period_on_hold_posts_nothing(make):
    periods = sample.period_rows()
    periods[9][3] = "On hold"
    workbook = make.workbook(Periods=periods, Sources=sample.source_rows())
    for name, rows in ((sample.LEDGER_FILE, sample.ledger_rows()), (sample.JOURNAL_FILE, sample.journal_rows())):
        (make.folder / name).write_text(sample.csv_text(rows), encoding="utf-8")
    assert cli.main(["close", str(workbook)]) == 1
    findings = sheet(workbook, "Findings").frame
    hold = findings[(findings["Code"] == "period-not-open") & (findings["Where"] == "Adjustments")]
    assert len(hold) == 2 and "nothing is posted" in hold["Message"].iloc[0]
    assert len(sheet(workbook, "Adjustments").frame) == 0


def test_steps_subset_and_json(sample_workbook, capsys):
    assert cli.main(["close", str(sample_workbook), "--steps", "trial-balance,validate", "--json", "--dry-run"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {
        "period",
        "findings",
        "adjustments",
        "trial_balance",
        "settlements",
        "open_items",
        "consolidation",
        "reconciliations",  # docs/close.md "Subledger tie-outs": [] when the step did not run
    }
    assert payload["period"] == "2026-10" and payload["adjustments"] == []
    assert payload["reconciliations"] == []
    row = next(r for r in payload["trial_balance"] if r["account"] == "1110")
    assert set(row) == {"account", "dimensions", "opening", "debit", "credit", "closing", "closing_after"}
    assert Decimal(row["closing"]) == Decimal("91923.00")
    assert "Adjustments" not in FileWorkbook(sample_workbook).sheet_names()


def test_json_adjustments_follow_the_contract(sample_workbook, capsys):
    assert cli.main(["close", str(sample_workbook), "--json", "--dry-run"]) == 0
    payload = json.loads(capsys.readouterr().out)
    first = payload["adjustments"][0]
    assert first == {
        "journal": "revaluation",
        "voucher": "REV-2026-10-USD",
        "line": 1,
        "date": "2026-10-31",
        "account": "7910",
        "dimensions": {},
        "currency": "EUR",
        "debit": "33.00",
        "credit": "0.00",
        "amount_accounting": "33.00",
        "text": first["text"],
        "rule": "revaluation",
    }
    assert "USD" in first["text"]
    assert payload["settlements"][0]["id"] == "S1" and payload["settlements"][0]["rule"] == "auto: equal amount"
    assert payload["open_items"] == [{"account": "1590", "voucher": "BK-202610-IN2", "amount_accounting": "1250.00"}]


def test_posted_adjustments_fed_back_revalue_nothing(sample_workbook, make):
    first = closekit.close(sample_workbook)
    closekit.write_close(first)
    adjustments = sheet(sample_workbook, "Adjustments").frame
    posted = make.file(
        "posted-adjustments.csv", adjustments.drop(columns=["Rule", "RevaluedCurrency"]).to_csv(index=False)
    )
    again = closekit.close(sample_workbook, sources=[posted])
    assert again.ok, again.findings
    assert (again.run.adjustments["journal"] == "revaluation").sum() == 0
    assert (again.run.adjustments["journal"] == "allocation").sum() == 0  # 6300 ADMIN is already allocated


def test_a_failed_step_blocks_its_task_with_the_reason(make):
    settings = [row for row in sample.settings_rows() if row[0] != "UnrealizedLossAccount"]
    workbook = make.workbook(Settings=settings, Sources=sample.source_rows())
    for name, rows in ((sample.LEDGER_FILE, sample.ledger_rows()), (sample.JOURNAL_FILE, sample.journal_rows())):
        (make.folder / name).write_text(sample.csv_text(rows), encoding="utf-8")
    assert cli.main(["close", str(workbook)]) == 1
    checklist = sheet(workbook, "Checklist").frame.set_index("Step")
    assert checklist.loc["revaluation", "Status"] == "Blocked"
    assert "UnrealizedLossAccount" in checklist.loc["revaluation", "Notes"]
    # allocation runs after revaluation: Blocked behind it (issue 16 item 7; tests/test_checklist_truth.py)
    assert checklist.loc["allocation", "Status"] == "Blocked"
    assert checklist.loc["allocation", "Notes"] == "waiting for Run foreign-currency revaluation (Blocked)"
    assert checklist.loc["settlement", "Status"] == "Done"  # settled before the revaluation


def test_dependencies_hold_back_a_task(make):
    rows = sample.checklist_rows()
    rows[2][4] = "Complete sub-ledger tasks (AR, AP, inventory, bank)"  # validate waits for a manual task
    workbook = make.workbook(Checklist=rows, Sources=sample.source_rows())
    for name, data in ((sample.LEDGER_FILE, sample.ledger_rows()), (sample.JOURNAL_FILE, sample.journal_rows())):
        (make.folder / name).write_text(sample.csv_text(data), encoding="utf-8")
    assert cli.main(["close", str(workbook)]) == 0
    checklist = sheet(workbook, "Checklist").frame.set_index("Step")
    assert checklist.loc["validate", "Status"] == "Not started"
    assert checklist.loc["import", "Status"] == "Done"


def test_an_unbalanced_generated_voucher_stops_the_run(sample_workbook, monkeypatch, capsys):
    def broken(lines, book, ctx):
        rows = [
            {
                "journal": "allocation",
                "voucher_key": "x",
                "date": ctx.end,
                "account": "6900",
                "amount_accounting": 100,
                "text": "",
                "rule": "r",
                "revalued_currency": "",
            }
        ]
        return StepResult("allocation", adjustment_frame(rows, ctx.dimensions))

    monkeypatch.setitem(closing.GENERATORS, "allocation", broken)
    before = sample_workbook.read_bytes()
    assert cli.main(["close", str(sample_workbook)]) == 3
    assert "does not balance" in capsys.readouterr().err
    assert sample_workbook.read_bytes() == before


def test_unknown_step_and_period_are_usage_errors(sample_workbook, capsys):
    assert cli.main(["close", str(sample_workbook), "--steps", "magic"]) == 2
    assert "unknown step magic" in capsys.readouterr().err
    assert cli.main(["close", str(sample_workbook), "--period", "2031-01"]) == 2
    assert "2031-01 is not in the Periods sheet" in capsys.readouterr().err


def test_close_from_python_on_dataframes_only():
    """The steps are plain functions on DataFrames: no file or Excel in sight."""
    from closefixtures import close_book, context, lines
    from closekit.closing import allocation

    book = close_book(
        {"AccountingCurrency": "EUR", "Period": "2025-01", "Dimensions": "Department"},
        [["6100", "Rent", "Expense"]],
        periods=[["2025-01", "2025-01-01", "2025-01-31", "Open"]],
        rules=[
            ["Rent", "Equal", "6100", "6100", 1, "Department=900", "", f"Department={d}", "", "", ""]
            for d in ("100", "200", "300")
        ],
    )
    ledger = lines(
        [{"date": "2025-01-15", "account": "6100", "Department": "900", "amount": "10000.00"}],
        dimensions=("Department",),
    )
    out = allocation.run(ledger, book, context("2025-01", "2025-01-01", "2025-01-31", dimensions=("Department",)))
    assert out.adjustments["amount_accounting"].tolist() == [333334, 333333, 333333, -1000000]
    assert isinstance(out.adjustments, pd.DataFrame)


@pytest.mark.slow
def test_demo_closes_the_sample(tmp_path, capsys):
    assert cli.main(["demo", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "revaluation: 1 voucher, 2 lines, 33.00 EUR posted." in out
    assert "allocation: 1 voucher, 3 lines, 4,000.00 EUR posted." in out
    # docs/close.md "Subledger tie-outs": AR reconciled, AP explained by one reconciling item
    assert "reconciliation: 2 tie-outs: 1 Reconciled, 1 Explained (1 open reconciling item)." in out
    assert "1200 Accounts receivable: GL 407,991.37, subledger 407,991.37, difference 0.00, reconciling items" in out
    assert "2000 Accounts payable: GL 199,507.27, subledger 198,307.27, difference 1,200.00, reconciling items " in (
        " ".join(out.split())
    )


def test_trial_balance_by_dimensions(sample_workbook, capsys):
    assert cli.main(["close", str(sample_workbook), "--by-dimensions", "--json", "--dry-run"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out)["trial_balance"] if r["account"] == "6900"]
    assert sorted((r["dimensions"].get("Department"), r["closing_after"]) for r in rows) == [
        ("PROD", "1600.00"),
        ("SALES", "2400.00"),
    ]
