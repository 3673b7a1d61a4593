"""Issue 17 item 1: the manual journal's lifecycle, Prepared -> Validated -> Approved -> Exported ->
Posted, through the real command line and API (docs/close.md "Manual journals", the worked example)."""

from __future__ import annotations

import json

import pytest

import closekit
from closekit import cli
from closekit.closing import journal_register
from closekit.samples import company as sample
from closekit.sheetio.files import FileWorkbook


class Ran:
    def __init__(self, code, output):
        self.exit_code, self.output = code, output


@pytest.fixture
def run(capsys):
    """``closekit ARGS...`` through the command line's entry point: (exit status, what it printed)."""
    def invoke(*args):
        code = cli.main([str(a) for a in args])
        captured = capsys.readouterr()
        return Ran(code, captured.out + captured.err)
    return invoke


def line(voucher, number, date, account, debit="", credit="", journal="ACCR", text="audit fee accrual", ccy="EUR"):
    dept = ""
    return [journal, voucher, number, date, account, dept, "", ccy, debit, credit, text]


ACCRUAL = [line("ACC-10", 1, "2026-10-31", "6400", "4500.00"), line("ACC-10", 2, "2026-10-31", "2900", "", "4500.00")]
SMALL = [
    line("ACC-11", 1, "2026-10-31", "6400", "300.00", text="phone accrual"),
    line("ACC-11", 2, "2026-10-31", "2900", "", "300.00", text="phone accrual"),
]


def settings(amount=1000):
    rows = [r for r in sample.workbook_rows()["Settings"]]
    return [*rows, ["JournalApprovalAmount", amount]]


def approvals(*rows):
    return [["Voucher", "Preparer", "Approver", "ApprovedAt", "ApprovedHash", "PreparerLogin", "ApproverLogin",
             "Notes"], *rows]


@pytest.fixture
def book(make, tmp_path):
    """The sample company's reference data, a GL export and the October accrual journal."""
    def build(*approval_rows, journal_rows=ACCRUAL + SMALL, amount=1000):
        workbook = make.workbook(Settings=settings(amount))
        _add_approvals(workbook, approval_rows)
        return workbook, make.journal(journal_rows, name="accruals.csv")
    return build


def _add_approvals(workbook, rows):
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    if "JournalApprovals" in wb.sheetnames:
        del wb["JournalApprovals"]
    ws = wb.create_sheet("JournalApprovals")
    for row in approvals(*rows):
        ws.append(row)
    wb.save(workbook)


def register(workbook):
    table = FileWorkbook(workbook).read_sheet("Journals")
    return {str(r["Voucher"]): r for r in table.frame.to_dict("records")}




def codes(result):
    return list(result.findings["Code"])


def test_a_large_accrual_waits_for_approval_and_a_small_one_is_approved_by_the_rules(book):
    workbook, journal = book()
    result = closekit.close(workbook, journals=[journal])
    frame = result.journals.frame.set_index("Voucher")
    assert frame.loc["ACC-10", "Status"] == "Validated"
    assert frame.loc["ACC-10", "NeedsApproval"] == "Yes"
    assert frame.loc["ACC-10", "Debit"] == 450000
    assert frame.loc["ACC-11", "Status"] == "Approved"
    assert frame.loc["ACC-11", "NeedsApproval"] == "No"
    [pending] = result.findings[result.findings["Code"] == "journal-approval-pending"].to_dict("records")
    assert (pending["Severity"], pending["Voucher"], pending["Row"]) == ("Info", "ACC-10", 2)
    assert "4,500.00 EUR exceed JournalApprovalAmount 1,000 EUR" in pending["Message"]


def test_the_journals_sheet_is_written_by_the_close(book, run):
    workbook, journal = book()
    out = run("close", workbook, "--journal", journal)
    assert out.exit_code == 0, out.output
    rows = register(workbook)
    assert rows["ACC-10"]["Status"] == "Validated" and rows["ACC-11"]["Status"] == "Approved"
    assert len(rows["ACC-10"]["Hash"]) == 64


def test_approve_refuses_the_preparer_and_accepts_another_person(book, run):
    workbook, journal = book(["ACC-10", "Petra Preparer"])
    assert run("close", workbook, "--journal", journal).exit_code == 0
    refused = run(*["approve", str(workbook), "ACC-10", "--as", "petra preparer"])
    assert refused.exit_code == 2, refused.output
    assert "cannot approve it" in refused.output
    approved = run(*["approve", str(workbook), "ACC-10", "--as", "Anna Approver"])
    assert approved.exit_code == 0, approved.output
    result = closekit.close(workbook, journals=[journal])
    frame = result.journals.frame.set_index("Voucher")
    assert frame.loc["ACC-10", "Status"] == "Approved"
    assert frame.loc["ACC-10", "Approver"] == "Anna Approver"
    assert "journal-approval-pending" not in codes(result)


def test_a_typed_self_approval_is_an_error_and_does_not_count(book):
    workbook, journal = book(["ACC-10", "Petra", "PETRA", "2026-11-02"])
    result = closekit.close(workbook, journals=[journal])
    assert result.journals.frame.set_index("Voucher").loc["ACC-10", "Status"] == "Validated"
    [error] = result.findings[result.findings["Code"] == "journal-self-approved"].to_dict("records")
    got = (error["Where"], error["Row"], error["Column"], error["Severity"])
    assert got == ("JournalApprovals", 2, "Approver", "Error")


def test_a_typed_approval_is_stamped_and_suspended_when_the_voucher_changes(book, run, make):
    workbook, journal = book(["ACC-10", "Petra", "Anna", "2026-11-02"])
    assert run("close", workbook, "--journal", journal).exit_code == 0
    table = FileWorkbook(workbook).read_sheet("JournalApprovals").frame
    stamped = str(table.loc[0, "ApprovedHash"])
    assert stamped == register(workbook)["ACC-10"]["Hash"]
    assert str(table.loc[0, "PreparerLogin"]) and str(table.loc[0, "ApproverLogin"])
    # the accrual grows to 5,000.00 after approval: the approval no longer covers it
    changed = [
        line("ACC-10", 1, "2026-10-31", "6400", "5000.00"),
        line("ACC-10", 2, "2026-10-31", "2900", "", "5000.00"),
    ]
    journal = make.journal(changed + SMALL, name="accruals.csv")
    result = closekit.close(workbook, journals=[journal])
    assert result.journals.frame.set_index("Voucher").loc["ACC-10", "Status"] == "Validated"
    [warning] = result.findings[result.findings["Code"] == "journal-approval-suspended"].to_dict("records")
    assert (warning["Row"], warning["Column"], warning["Severity"]) == (2, "ApprovedAt", "Warning")


def test_a_voucher_with_errors_stays_prepared_and_cannot_be_approved(book, run):
    bad = [line("ACC-12", 1, "2026-10-31", "6400", "2000.00"), line("ACC-12", 2, "2026-10-31", "2900", "", "1999.00")]
    workbook, journal = book(["ACC-12", "Petra"], journal_rows=bad)
    assert run("close", workbook, "--journal", journal).exit_code == 1
    assert register(workbook)["ACC-12"]["Status"] == "Prepared"
    refused = run(*["approve", str(workbook), "ACC-12", "--as", "Anna"])
    assert refused.exit_code == 2 and "error finding" in refused.output


def test_export_writes_approved_manual_journals_and_the_next_run_sees_them_posted(book, run, make, tmp_path):
    """The worked example: ACC-10 approved, exported with the adjustments (ACC-11 too, under the
    amount), the RunLog records the file and its vouchers, the next close reads the GL export that
    holds them and marks them Posted."""
    workbook, journal = book(["ACC-10", "Petra"])
    assert run("close", workbook, "--journal", journal).exit_code == 0
    assert run(*["approve", str(workbook), "ACC-10", "--as", "Anna"]).exit_code == 0
    # the Sources sheet names the journal so that export reads what close read
    out = run("close", workbook, "--journal", journal)
    assert out.exit_code == 0, out.output
    upload = tmp_path / "upload.csv"
    exported = run(*["export", str(workbook), "--out", str(upload), "--journal", str(journal)])
    assert exported.exit_code == 0, exported.output
    text = upload.read_text(encoding="utf-8-sig")
    assert "ACC-10" in text and "ACC-11" in text
    assert "2 manual journal vouchers" in exported.output
    log = FileWorkbook(workbook).read_sheet("RunLog").frame
    record = json.loads(str(log.iloc[-1]["Uploads"]))
    assert set(record[0]["vouchers"]) >= {"ACC-10", "ACC-11"}
    assert {len(h) for h in record[0]["vouchers"].values()} == {journal_register.UPLOAD_HASH_CHARS}
    assert record[0]["file"] == str(upload)
    # before posting, the next close shows them Exported; exporting again leaves them out
    assert run("close", workbook, "--journal", journal).exit_code == 0
    rows = register(workbook)
    assert rows["ACC-10"]["Status"] == "Exported" and str(upload) in rows["ACC-10"]["Exported"]
    again = run(*["export", str(workbook), "--out", str(tmp_path / "u2.csv"), "--journal", str(journal),
                                "--journals", "manual"])
    assert "journal-not-exported" in again.output
    # the ERP posted them: the GL export holds them, the journal file is still in the workbook
    gl = make.journal(ACCRUAL + SMALL, name="gl_oct.csv")
    result = closekit.close(workbook, sources=[gl], journals=[journal])
    frame = result.journals.frame.set_index("Voucher")
    assert list(frame["Status"]) == ["Posted", "Posted"]
    assert "gl_oct.csv rows 2-3" in frame.loc["ACC-10", "PostedIn"]


def test_export_leaves_out_unapproved_and_foreign_currency_vouchers(book, run, tmp_path):
    usd = [line("ACC-13", 1, "2026-10-31", "6400", "50.00", ccy="USD"),
           line("ACC-13", 2, "2026-10-31", "2900", "", "50.00", ccy="USD")]
    workbook, journal = book(journal_rows=ACCRUAL + SMALL + usd)
    assert run("close", workbook, "--journal", journal).exit_code == 0
    upload = tmp_path / "upload.csv"
    exported = run(*["export", str(workbook), "--out", str(upload), "--journal", str(journal)])
    assert exported.exit_code == 0, exported.output
    text = upload.read_text(encoding="utf-8-sig")
    assert "ACC-11" in text and "ACC-10" not in text and "ACC-13" not in text
    assert exported.output.count("journal-not-exported") >= 2


def test_export_of_adjustments_only_keeps_the_old_behaviour(book, run, tmp_path):
    workbook, journal = book()
    assert run("close", workbook, "--journal", journal).exit_code == 0
    upload = tmp_path / "upload.csv"
    exported = run("export", workbook, "--out", upload, "--journal", journal, "--journals", "adjustments")
    assert exported.exit_code == 0, exported.output
    assert "ACC-11" not in upload.read_text(encoding="utf-8-sig")


def test_statuses_are_the_documented_ones():
    assert journal_register.STATUSES == ("Prepared", "Validated", "Approved", "Exported", "Posted", "Partly posted")


def many(count: int) -> list[list]:
    """``count`` small accrual vouchers (under the approval amount: approved by the rules)."""
    rows = []
    for n in range(count):
        voucher = f"ACC-{1000 + n}"
        rows += [line(voucher, 1, "2026-10-31", "6400", "10.00"), line(voucher, 2, "2026-10-31", "2900", "", "10.00")]
    return rows


def test_an_upload_too_big_for_its_runlog_cell_is_refused_before_anything_is_written(book, run, make, tmp_path):
    """The Uploads cell holds 32,767 characters: an upload of 1,200 vouchers would be cut there, and
    none of them would ever show Exported. The export refuses and writes nothing; in two parts (one
    journal file each) each fits, and the next close marks every voucher Exported."""
    rows = many(1200)
    workbook, first = book(journal_rows=rows[:1200])
    second = make.journal(rows[1200:], name="accruals-2.csv")
    assert run("close", workbook, "--journal", first, "--journal", second).exit_code == 0
    before = len(FileWorkbook(workbook).read_sheet("RunLog").frame)
    upload = tmp_path / "upload.csv"
    refused = run("export", workbook, "--out", upload, "--journal", first, "--journal", second)
    assert refused.exit_code == 2, refused.output
    assert "1,200 vouchers" in refused.output and "Nothing was written" in refused.output
    assert not upload.exists() and len(FileWorkbook(workbook).read_sheet("RunLog").frame) == before
    assert run("export", workbook, "--out", tmp_path / "part1.csv", "--journal", first).exit_code == 0
    part2 = run("export", workbook, "--out", tmp_path / "part2.csv", "--journal", second, "--journals", "manual")
    assert part2.exit_code == 0, part2.output
    assert run("close", workbook, "--journal", first, "--journal", second).exit_code == 0
    statuses = {str(v): r["Status"] for v, r in register(workbook).items()}
    assert len(statuses) == 1200 and set(statuses.values()) == {"Exported"}


def test_an_upload_recorded_with_the_whole_hash_still_counts():
    """RunLog rows written before the hash was shortened keep their 64 characters: still a match."""
    digest = "ab" * 32
    assert journal_register.Upload("u.csv", "t", digest).matches(digest)
    assert journal_register.Upload("u.csv", "t", digest[:16]).matches(digest)
    assert not journal_register.Upload("u.csv", "t", digest[:8]).matches(digest)  # too short to tell
    assert not journal_register.Upload("u.csv", "t", "cd" * 8).matches(digest)
