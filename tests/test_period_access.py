"""Issue 16 item 8: a period On hold restricted to its AccessGroup (Users sheet), D365's module
access level as the Periods module status columns, and the Excel run's user in the RunLog."""

from __future__ import annotations

import getpass

import closekit
import test_excel_lite
from closekit import excelapp
from closekit.samples import company as sample
from closekit.workbook import template
from test_excel_lite import cells, through_lite

OCTOBER = 9  # 2026-10 in sample.period_rows()
GL = [
    ["GEN", "V1", 1, "2026-10-15", "6400", "", "", "EUR", "100.00", "", "fee"],
    ["GEN", "V1", 2, "2026-10-15", "2900", "", "", "EUR", "", "100.00", "fee"],
]
AP = [
    ["Vendor invoice", "A1", 1, "2026-10-16", "6400", "", "", "EUR", "50.00", "", "bill"],
    ["Vendor invoice", "A1", 2, "2026-10-16", "2900", "", "", "EUR", "", "50.00", "bill"],
]


def periods(status="On hold", group="", payables=""):
    rows = [[*r, "", "", "", ""] for r in sample.period_rows()]
    rows[OCTOBER][3:8] = [status, group, "", payables, ""]
    return rows


def run(make, rows, *, user, **sheets):
    workbook = make.workbook(**sheets)
    return closekit.validate(workbook, journals=[make.journal(rows)], user=user)


def of(result, code):
    return result.findings[result.findings["Code"] == code]


USERS = [["jdoe", "Jane Doe", "FIN-CLOSE, AUDIT"], ["bob", "Bob", "AP"]]


def test_on_hold_period_accepts_journals_from_a_member_of_its_access_group(make):
    result = run(make, GL, user="JDoe", Periods=periods(group="fin-close"), Users=USERS)
    assert of(result, "period-not-open").empty
    assert result.ok
    info = of(result, "period-access-granted")
    assert len(info) == 1 and info.iloc[0]["Severity"] == "Info"
    assert "2 lines into period 2026-10 (On hold) accepted: JDoe is in fin-close" in info.iloc[0]["Message"]
    where = (info.iloc[0]["Where"], info.iloc[0]["Row"], info.iloc[0]["Column"])
    assert where == ("Periods", OCTOBER + 2, "AccessGroup")


def test_a_non_member_is_refused_with_the_group_and_the_user_named(make):
    result = run(make, GL, user="bob", Periods=periods(group="FIN-CLOSE"), Users=USERS)
    refused = of(result, "period-not-open")
    assert len(refused) == 2 and not result.ok
    message = refused.iloc[0]["Message"]
    assert "which is On hold" in message and "AccessGroup FIN-CLOSE" in message and "'bob' is not one" in message
    assert of(result, "period-access-granted").empty


def test_without_an_access_group_on_hold_refuses_everyone_and_open_restricts_nobody(make):
    held = run(make, GL, user="jdoe", Periods=periods(), Users=USERS)
    assert len(of(held, "period-not-open")) == 2
    opened = run(make, GL, user="nobody", Periods=periods(status="Open", group="FIN-CLOSE"), Users=USERS)
    assert of(opened, "period-not-open").empty and opened.ok


def test_permanently_closed_is_refused_even_to_a_member(make):
    result = run(make, GL, user="jdoe", Periods=periods(status="Permanently closed", group="FIN-CLOSE"), Users=USERS)
    assert len(of(result, "period-not-open")) == 2


def test_an_access_group_no_user_has_is_a_finding_on_its_periods_cell(make):
    result = run(make, GL, user="jdoe", Periods=periods(group="FIN-CLOSSE"), Users=USERS)
    hit = of(result, "unknown-access-group")
    assert len(hit) == 1
    row = hit.iloc[0]
    where = (row["Where"], row["Row"], row["Column"], row["Severity"])
    assert where == ("Periods", OCTOBER + 2, "AccessGroup", "Warning")
    assert "'FIN-CLOSSE'" in row["Message"]
    no_sheet = run(make, GL, user="jdoe", Periods=periods(group="FIN-CLOSE"))
    assert "Users sheet" in of(no_sheet, "unknown-access-group").iloc[0]["Message"]  # an empty Users sheet


def test_payables_on_hold_refuses_an_ap_journal_but_not_a_gl_journal(make):
    result = run(make, GL + AP, user="jdoe", Periods=periods(status="Open", payables="On hold"))
    refused = of(result, "period-not-open")
    assert list(refused["Row"]) == [4, 5]  # the vendor invoice's lines; the GL journal passes
    message = refused.iloc[0]["Message"]
    assert "Accounts payable journals (PayablesStatus" in message and "'Vendor invoice'" in message


def test_a_module_status_never_opens_what_the_ledger_holds(make):
    result = run(make, AP, user="jdoe", Periods=periods(status="On hold", payables="Open"))
    assert len(of(result, "period-not-open")) == 2


def test_module_on_hold_with_the_access_group_lets_a_member_post(make):
    result = run(make, AP, user="bob", Periods=periods(status="Open", group="AP", payables="On hold"), Users=USERS)
    assert of(result, "period-not-open").empty
    assert len(of(result, "period-access-granted")) == 1


def test_the_module_of_a_journal():
    from closekit.core.periods import INVENTORY, LEDGER, PAYABLES, RECEIVABLES, module_of

    assert [module_of(j) for j in ("APInvoice", "ACCPAY", "Bill", "1000/KR")] == [PAYABLES] * 4
    assert [module_of(j) for j in ("Customer Payment", "ACCREC", "Invoice", "1000/DR")] == [RECEIVABLES] * 4
    assert [module_of(j) for j in ("Item Receipt", "InventJournal", "WE")] == [INVENTORY] * 3
    assert [module_of(j) for j in ("GenJrn", "Journal Entry", "Manual Journal", "1000/SA", "")] == [LEDGER] * 5


# ---------------------------------------------------------------- the Excel run's user (issue 16 item 3)


class _Api:
    UserName = "Jane Doe"


class _App:
    api = _Api()


class _Book:
    app = _App()


def test_the_office_user_name_of_the_classic_add_in_and_unknown_elsewhere():
    assert excelapp.office_user(_Book()) == "Jane Doe"
    assert excelapp.office_user(object()) is None
    login = getpass.getuser()
    assert excelapp.runlog_user(_Book()) == f"{login} (Excel: Jane Doe)"
    assert excelapp.runlog_user(object()) == f"{login} (Excel: unknown)"


lite = test_excel_lite.lite  # the fixture: addin/lite/main.py as xlwings Lite loads it


def test_the_lite_runlog_names_the_login_and_the_access_group_sees_it(lite, tmp_path):
    login = getpass.getuser()
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["LedgerImport"] = [sample.HEADER, *sample.ledger_rows()]
    rows["JournalImport"] = [sample.HEADER, *sample.journal_rows()]
    held = periods(group="FIN-CLOSE")
    rows["Periods"] = held
    rows["Users"] = [[login, "Me", "FIN-CLOSE"]]
    path = template.write(tmp_path / "held.xlsx", rows, force=True)
    excel, _ = through_lite(lite, "validate", path, tmp_path)
    log = cells(excel)["RunLog"]
    assert log[-1][log[0].index("User")] == f"{login} (Excel: unknown)"
    found = cells(excel)["Findings"]
    codes = [r[found[0].index("Code")] for r in found[1:]]
    assert "period-access-granted" in codes and "period-not-open" not in codes


def test_the_close_passes_its_user_to_the_period_check(make):
    workbook = make.workbook(Periods=periods(group="FIN-CLOSE"), Users=USERS)
    journal = make.journal(GL)
    member = closekit.close(workbook, journals=[journal], steps=["validate"], user="jdoe")
    assert member.outcomes["validate"].clean
    other = closekit.close(workbook, journals=[journal], steps=["validate"], user="bob")
    assert not other.outcomes["validate"].clean
