"""Findings: what is wrong, where, and how to fix it (workbook.md "Finding codes").

A finding is plain data, never an exception thrown at the user: severity, a stable kebab-case code,
where (file or sheet), the row a person sees, the column as the source names it, the voucher, a
message and a fix. Rules produce findings for whole columns at once (:func:`from_mask`), so a
million lines are checked without a Python loop per line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd


class Severity(StrEnum):
    ERROR = "Error"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    meaning: str
    fix: str


_CODES = [
    Code(
        "missing-column",
        Severity.ERROR,
        "a required column is missing from a sheet or file",
        "Add the column to the header row (row 1), spelled as documented.",
    ),
    Code(
        "bad-number",
        Severity.ERROR,
        "a cell that should hold an amount or number does not",
        "Type a plain number such as 1234.56 or 1.234,56; use the currency's decimals.",
    ),
    Code(
        "bad-date",
        Severity.ERROR,
        "a cell that should hold a date does not",
        "Type a real date (2026-10-31, 31.10.2026 or 10/31/2026) or set DateFormat in Sources.",
    ),
    Code(
        "amount-overflow",
        Severity.ERROR,
        "a voucher (or the whole ledger) whose amounts add up to more than closekit can sum exactly "
        "(92,233,720,368,547,758.07 in a currency with cents); its balance would otherwise wrap and read as zero",
        "Check the amounts of the voucher named: such totals are a typing or export error.",
    ),
    Code(
        "bad-currency",
        Severity.ERROR,
        "a currency that is not an ISO 4217 code",
        "Use the three-letter ISO 4217 code, e.g. EUR, USD, JPY.",
    ),
    Code(
        "bad-value",
        Severity.ERROR,
        "a cell whose value is not one of those allowed",
        "Use one of the values the message lists.",
    ),
    Code(
        "unbalanced-voucher",
        Severity.ERROR,
        "a voucher whose debits and credits differ in accounting currency (or in its one transaction currency)",
        "Correct the amounts or add the missing line so the voucher nets to zero.",
    ),
    Code(
        "period-not-open",
        Severity.ERROR,
        "a line still to be posted falls in a period that is On hold or Permanently closed",
        "Date the line in an open period, or reopen the period (On hold only).",
    ),
    Code(
        "period-access-granted",
        Severity.INFO,
        "lines still to be posted into a period that is On hold, accepted because the run's user is a member "
        "of the period's AccessGroup (Users sheet)",
        "Nothing to do; put the period back without an AccessGroup once the close team is done.",
    ),
    Code(
        "unknown-access-group",
        Severity.WARNING,
        "a period's AccessGroup that no row of the Users sheet lists: nobody may post into it while it is On hold",
        "Correct the AccessGroup, or add the group to the Groups of its members in the Users sheet.",
    ),
    Code(
        "period-unknown",
        Severity.ERROR,
        "a date that falls in no period of the Periods sheet",
        "Add the period to the Periods sheet or correct the date.",
    ),
    Code(
        "unknown-account",
        Severity.ERROR,
        "an account that is not in the Accounts sheet",
        "Add the account to Accounts or correct the account number.",
    ),
    Code(
        "non-postable-account",
        Severity.ERROR,
        "a line on an account whose Postable is No (a header or total account)",
        "Post to one of the postable accounts below the header account.",
    ),
    Code(
        "missing-dimension",
        Severity.ERROR,
        "a line without a value for a dimension its account requires",
        "Fill in the dimension, or remove it from the account's RequiredDimensions.",
    ),
    Code(
        "unknown-dimension-value",
        Severity.ERROR,
        "a dimension value that is not listed (or not active) in the Dimensions sheet",
        "Correct the value, or add it to the Dimensions sheet (Active = Yes).",
    ),
    Code(
        "currency-not-allowed",
        Severity.ERROR,
        "a line in a currency other than the one its account allows",
        "Post in the account's currency, or clear Currency in Accounts.",
    ),
    Code(
        "missing-rate",
        Severity.ERROR,
        "no exchange rate in force for a currency pair on a date",
        "Add a Rates row dated on or before the date (either direction of the pair).",
    ),
    Code(
        "stale-rate",
        Severity.WARNING,
        "the rate a revaluation uses was dated more than RateMaxAgeDays (default 7) before the period's last day",
        "Add the rate of the period's last day to Rates (or raise RateMaxAgeDays if the rate is meant to hold).",
    ),
    Code(
        "duplicate-line",
        Severity.ERROR,
        "a line that was already read: the same export loaded twice, or a repeated line number",
        "Remove the file or sheet that is listed twice, or the repeated line.",
    ),
    Code(
        "voucher-number-reused",
        Severity.WARNING,
        "one voucher number names two vouchers (a line number that comes back with other content, or "
        "lines on other dates that balance on their own); an Error when one of them does not balance on its own",
        "Give the second voucher a number of its own in the ERP (or in the journal file), then export again.",
    ),
    Code(
        "journal-already-posted",
        Severity.INFO,
        "a voucher of a journal source (Kind journal, JournalImport) is already in the posted ledger export: "
        "its lines are left out so they are not counted twice",
        "Remove the voucher from the journal source (or the source from Sources) once it is posted.",
    ),
    Code(
        "journal-partly-posted",
        Severity.ERROR,
        "a voucher of a journal source is in the ledger export with only some of its lines: the posted lines "
        "are left out, the missing ones are read as still to be posted",
        "Post the missing lines in the ERP (or correct the posted voucher), export the ledger again, and "
        "remove the voucher from the journal source.",
    ),
    Code(
        "unposted-journal",
        Severity.ERROR,
        "a journal in the ledger export that is not posted yet, dated up to the period's end",
        "Post (or delete) the journal in the ERP before closing the period, then export again.",
    ),
    Code(
        "formula-text",
        Severity.WARNING,
        "a text cell that Excel would run as a formula (starts with =, +, -, @, tab or CR)",
        "Check the text; closekit keeps it as text in everything it writes.",
    ),
    Code(
        "bad-setting",
        Severity.ERROR,
        "a setting or a reference-data row (Settings, Sources, Accounts, Dimensions, Rates, "
        "Periods, Checklist, Consolidation) that is missing, invalid or contradictory",
        "Correct the cell the finding points at.",
    ),
    Code(
        "nothing-read",
        Severity.ERROR,
        "no ledger line was read at all: no source listed, the Sources sheet missing or renamed, every source "
        "and import sheet empty; a close of nothing is not clean",
        "List the ledger exports in the Sources sheet (or paste one into LedgerImport, or pass --source), "
        "or give a renamed sheet its name back.",
    ),
    Code(
        "unknown-sheet",
        Severity.WARNING,
        "a sheet whose name is close to that of an input sheet the workbook lacks (Source for Sources): "
        "closekit reads sheets by their exact names, so it did not read it",
        "Rename the sheet to the name the message suggests, if it holds that table.",
    ),
    Code(
        "bad-rule",
        Severity.ERROR,
        "an allocation rule that cannot run",
        "Correct the AllocationRules row the finding points at.",
    ),
    Code(
        "bad-row",
        Severity.ERROR,
        "a row that could not be split into the header's columns",
        "Check the quotes and delimiters on that line of the file.",
    ),
    Code(
        "control-total-mismatch",
        Severity.ERROR,
        "a control total of the file (SAF-T NumberOfEntries, TotalDebit, TotalCredit) differs from what "
        "closekit read from it: lines are missing, or the file was cut or edited",
        "Export the file again from the accounting system; do not edit it by hand.",
    ),
    Code(
        "export-limit",
        Severity.ERROR,
        "an adjustment line the target ERP would refuse (too long, too many lines, an account it cannot take)",
        "Shorten or correct the line in the source of the adjustment, or choose another export format.",
    ),
    Code(
        "ambiguous-format",
        Severity.ERROR,
        "a source whose header fits more than one ERP layout: closekit does not guess",
        "Set Format in Sources (or --format) to the layout the file is in.",
    ),
    Code(
        "merged-cells",
        Severity.WARNING,
        "merged cells in an input sheet or an XLSX source: closekit reads a merged range's value in its "
        "first cell only, and the other cells as empty",
        "Unmerge the cells (Home > Merge & Center) and fill in every cell of the range.",
    ),
    Code(
        "hidden-cells",
        Severity.INFO,
        "hidden rows or columns in an input sheet or an XLSX source: closekit reads them like all others",
        "Unhide them to check what they hold; delete the rows that should not be read.",
    ),
    Code(
        "settlement-search-limit",
        Severity.INFO,
        "the settlement's search for combinations (SettleMatch Combinations) gave up on an account and currency, "
        "or on some of its lines, after its bounded number of steps; the lines it could not try stay open items",
        "Settle the lines by hand, or give them a shared voucher and SettleMatch Reference.",
    ),
    Code(
        "year-end-blocked",
        Severity.ERROR,
        "the year-end close cannot run: not the year's last period, that period Permanently closed, the next "
        "fiscal year's first period missing from Periods, or no RetainedEarningsAccount",
        "Do what the message says, then run the year-end close again; nothing was posted.",
    ),
    Code(
        "opening-mismatch",
        Severity.ERROR,
        "an account's opening balance of the fiscal year differs from its closing balance of the prior year",
        "Correct the opening-balance voucher (or run the year-end close again) so that each account opens at "
        "its prior closing balance.",
    ),
    Code(
        "elimination-mismatch",
        Severity.WARNING,
        "the intercompany balances between two group companies (TradingPartner) do not net out after "
        "translation; the difference went to IntercompanyDifferenceAccount",
        "Reconcile the intercompany accounts of both companies (timing, rates, a missing invoice).",
    ),
    Code(
        "subsidiary-unreadable",
        Severity.ERROR,
        "a subsidiary workbook of the Consolidation sheet could not be read or closed; it is left out of the group",
        "Correct the Workbook path (relative to the group workbook's folder) or the subsidiary workbook.",
    ),
    Code(
        "historical-equity-missing",
        Severity.WARNING,
        "a foreign subsidiary has retained earnings at the start of the fiscal year but no HistoricalEquity: "
        "they are translated at the one Historical rate in force, not each year's result at that year's rate "
        "(IAS 21.39-41), so they and the CTA may be off",
        "Type the retained earnings at historical rates in the Consolidation sheet's HistoricalEquity "
        "(last year's historical-equity-next finding gives it).",
    ),
    Code(
        "historical-equity-next",
        Severity.INFO,
        "at the fiscal year's last period: the HistoricalEquity of a subsidiary for the next fiscal year "
        "(its retained earnings at historical rates plus this year's result at this year's rate)",
        "Type the amount in the subsidiary's HistoricalEquity cell when the next fiscal year is consolidated.",
    ),
    Code(
        "investment-mismatch",
        Severity.WARNING,
        "the parent's InvestmentAccount does not hold what the Consolidation sheet's Investment cells add up "
        "to; the difference stays on the account in the group",
        "Correct the Investment cells (the cost of each subsidiary) or the parent's ledger.",
    ),
    Code(
        "subsidiary-not-clean",
        Severity.ERROR,
        "a subsidiary's own close has findings of severity Error; its figures are consolidated as they stand",
        "Run closekit close on the subsidiary workbook and fix its errors first.",
    ),
    Code(
        "flux-unexplained",
        Severity.WARNING,
        "an account's movement differs from the prior period or the same period last year by more than "
        "MaterialityAmount (or MaterialityPercent), and the Flux sheet gives no explanation",
        "Type the reason in the Explanation column of the Flux sheet (and your name in ExplainedBy).",
    ),
    Code(
        "signoff-suspended",
        Severity.WARNING,
        "a preparer or reviewer sign-off on a Checklist task whose figures changed after it was signed",
        "Review the figures again and sign again: type the date in PreparedAt/ReviewedAt, or run closekit signoff.",
    ),
    Code(
        "period-hold-skipped",
        Severity.INFO,
        "the period-hold step did not put the period on hold: the close had errors, the period cannot be held, or "
        "(an Error) a material flux variance is unexplained",
        "Fix the errors the other findings list and run the close again with the period-hold step.",
    ),
    Code(
        "format-detected",
        Severity.INFO,
        "the format closekit recognised for a source",
        "Set Format in Sources to make the choice explicit.",
    ),
    Code(
        "sheet-not-closekits",
        Severity.WARNING,
        "a sheet of the user's own has the name of a closekit output, so the output went into a sheet beside it",
        "Rename your sheet (closekit then writes its output under its own name on the next run), or keep "
        "using the sheet named in Where.",
    ),
    Code(
        "paste-split",
        Severity.INFO,
        "an import sheet (LedgerImport, JournalImport) held its rows as one column of text separated by ; tab "
        "or , (a CSV pasted into Excel without Text to Columns): closekit split them into columns",
        "Nothing to do; to keep the columns in the sheet, use Data > Text to Columns after pasting.",
    ),
    Code(
        "account-zeros-restored",
        Severity.INFO,
        "accounts read without their leading zeros (480 for 0480) were matched to the Accounts sheet "
        "because Settings RestoreLeadingZeros is Yes",
        "Format the account column as Text so that the zeros are kept; the match is then not needed.",
    ),
    Code(
        "flux-explanation-reset",
        Severity.WARNING,
        "a Flux explanation that no longer counts: it explains another period, or a variance that changed sign or "
        "moved by more than materiality since it was typed; it is moved to PreviousExplanation",
        "Read the variance again and type the explanation that holds now.",
    ),
    Code(
        "signoff-refused",
        Severity.ERROR,
        "a sign-off that does not count: the flux task signed while a material variance is unexplained",
        "Explain each material variance in the Flux sheet, run the close, then sign again.",
    ),
    # issue 16 item 3: the sign-off rules (closekit.review.signoff_rules)
    Code(
        "signoff-same-person",
        Severity.ERROR,
        "a Checklist task whose reviewer is its preparer (typed into the sheet; closekit signoff refuses it):"
        " the reviewer's sign-off does not count",
        "Have another person review the task and sign as reviewer.",
    ),
    Code(
        "signoff-out-of-order",
        Severity.ERROR,
        "a reviewer's sign-off without the preparer's, or dated before it: the reviewer signs after the "
        "preparer; the reviewer's sign-off does not count",
        "The preparer signs first; then the reviewer signs again.",
    ),
    Code(
        "signoff-bad-date",
        Severity.ERROR,
        "a typed sign-off whose PreparedAt or ReviewedAt is not a date; it does not count",
        "Type the date you signed (e.g. 2026-11-04), or run closekit signoff.",
    ),
    Code(
        "signoff-future-date",
        Severity.ERROR,
        "a typed sign-off dated after today; it does not count",
        "Type the date you signed (today), or run closekit signoff.",
    ),
    Code(
        "signoff-backdated",
        Severity.ERROR,
        "a typed sign-off dated before the period's figures were first produced (the first close of the "
        "period in the RunLog): nobody can have signed them then; it does not count",
        "Review the figures as they are now and sign with today's date, or run closekit signoff.",
    ),
    Code(
        "signoff-pending",
        Severity.INFO,
        "a review task (Step trial-balance or flux, or a task with a Preparer or Reviewer named) whose step "
        "ran clean but that lacks a sign-off: it stays In progress until prepared and reviewed",
        "The preparer, then a reviewer (another person) signs: closekit signoff WORKBOOK TASK --as preparer|reviewer.",
    ),
]

# issue 16 items 7-9 (h/checklist): the export gated by the close, the checklist's truth, the period's group
_CODES += [
    Code(
        "export-unclosed",
        Severity.ERROR,
        "closekit export refused: no intact RunLog row of a close that wrote the Adjustments, or the last such "
        "close ended with errors (a Warning when exported with --force, which the RunLog records)",
        "Correct the close's errors, run closekit close again and export; or export with --force.",
    ),
    Code(
        "export-stale",
        Severity.ERROR,
        "closekit export refused: an input sheet changed since the close that wrote the Adjustments (its "
        "fingerprint in the RunLog's InputHashes differs), so they may not be what the workbook gives now "
        "(a Warning with --force)",
        "Run closekit close again (it recomputes the Adjustments) and export; or export with --force.",
    ),
    Code(
        "checklist-unknown-dependency",
        Severity.WARNING,
        "a Checklist task whose DependsOn names a task the Checklist does not have (a typo, a renamed or "
        "deleted task): closekit cannot know whether it is done, so a task of a step waits and is not ticked",
        "Type the Task of the dependency exactly as the Checklist names it (a comma list), or clear it.",
    ),
    Code(
        "checklist-cycle",
        Severity.WARNING,
        "Checklist tasks whose DependsOn wait for each other (A waits for B, B for A; or a task for "
        "itself): none of them can be done first, so closekit ticks none of them Done",
        "Remove the DependsOn that closes the circle: a task depends only on tasks done before it.",
    ),
    Code(
        "checklist-done-early",
        Severity.WARNING,
        "a manual Checklist task (no Step) typed Done while a task of its DependsOn is not Done",
        "Finish the dependency first (or correct DependsOn), or set the task back to In progress.",
    ),
]

# issue 16 items 1-2: the control cells between runs (closekit.review.controls)
_CODES += [
    Code(
        "period-reopened",
        Severity.ERROR,
        "a period the RunLog (or the log's head) recorded as Permanently closed whose Status cell now says "
        "something else: a permanently closed period is never reopened, so closekit treats it as closed",
        "Type Permanently closed back into the cell; post into the period through the next open period.",
    ),
    Code(
        "control-changed",
        Severity.WARNING,
        "a control cell (a Settings value, a Periods cell; as an Info: a Checklist sign-off cell) edited by "
        "hand since the last run, as its RunLog row recorded it; the run records the new value",
        "Nothing to do if the change is meant; closekit records it in this run's RunLog row.",
    ),
    Code(
        "runlog-truncated",
        Severity.ERROR,
        "the RunLog holds fewer rows than its head (the document property closekit.RunLogHead) recorded, "
        "or not the row the head sealed: rows of the run log were deleted or replaced",
        "Restore the RunLog from a backup of the workbook; closekit verify-log says what holds.",
    ),
]

# issue 17: the manual journal's lifecycle (closekit.closing.journal_register, pipeline.export)
_CODES += [
    Code(
        "journal-approval-pending",
        Severity.INFO,
        "a manual journal voucher whose debits exceed Settings JournalApprovalAmount and that no one other "
        "than its preparer has approved yet: it is Validated, and closekit export leaves it out",
        "closekit approve WORKBOOK VOUCHER --as NAME, or type Preparer, Approver and ApprovedAt in the "
        "JournalApprovals sheet.",
    ),
    Code(
        "journal-self-approved",
        Severity.ERROR,
        "a JournalApprovals row whose Approver is the voucher's Preparer: the approval does not count",
        "Have someone other than the preparer approve the voucher.",
    ),
    Code(
        "journal-approval-unchecked",
        Severity.WARNING,
        "a JournalApprovals row with an Approver but no Preparer: that the approver is not the preparer "
        "cannot be checked, so the approval does not count",
        "Type who prepared the voucher in Preparer.",
    ),
    Code(
        "journal-approval-suspended",
        Severity.WARNING,
        "an approval whose voucher's lines changed since it was approved (ApprovedHash): its ApprovedAt and "
        "ApprovedHash are cleared, the name is kept, and the voucher is Validated again",
        "Have the voucher approved again (closekit approve, or type ApprovedAt).",
    ),
    Code(
        "journal-approval-ambiguous",
        Severity.WARNING,
        "a JournalApprovals row whose voucher number names vouchers in two journal sources: it approves none",
        "Give each journal voucher its own number.",
    ),
    Code(
        "journal-not-exported",
        Severity.WARNING,
        "a manual journal voucher closekit export leaves out of the upload: not approved yet, already in an "
        "upload file the RunLog records (export it again with --again), or in a currency other than the "
        "accounting currency (the upload layouts carry accounting-currency amounts)",
        "Approve it, or upload it with --again, or enter the foreign-currency voucher in the ERP.",
    ),
    Code(
        "reversal-date-conflict",
        Severity.ERROR,
        "the lines of an auto-reversing journal voucher give different ReverseOn dates: a voucher reverses as "
        "a whole, on one date, so no reversal is made",
        "Type one ReverseOn date on every line of the voucher (or on none, with Reverse = Yes).",
    ),
    Code(
        "reversal-date-invalid",
        Severity.ERROR,
        "an auto-reversing journal voucher whose reversal cannot be dated: ReverseOn not after the voucher's "
        "date, Reverse = Yes without a next period in Periods, or no voucher number; no reversal is made",
        "Type a reversal date after the voucher's date, add the next period, or number the voucher.",
    ),
    Code(
        "journal-reversal-missing",
        Severity.WARNING,
        "the reversal of a posted auto-reversing journal voucher, dated in the period being closed, that the "
        "posted ledger does not hold: it is read as still to be posted",
        "Upload the reversal (closekit export writes it) or post it in the ERP, then export the ledger again.",
    ),
]

# issue 18 item 1: the cash-flow statement (closekit.closing.cash_flow)
_CODES += [
    Code(
        "cash-flow-difference",
        Severity.WARNING,
        "the cash-flow statement's net change in cash is not the movement of the cash accounts (Accounts "
        "CashFlowLine = Cash): the ledger's lines do not add up to zero, so the statement cannot be trusted",
        "Correct the unbalanced vouchers the other findings list, then close again.",
    ),
]

# issue 18 item 1: the group statements' comparatives (closekit.closing.group_close)
_CODES += [
    Code(
        "group-comparative-missing",
        Severity.WARNING,
        "a comparative column of GroupBalanceSheet or GroupIncomeStatement is left blank: the group cannot be "
        "consolidated at its date (a rate missing then, a company without ledger lines on or before it)",
        "Add what is missing (the Rates row, the ledger lines of that date), then close again.",
    ),
]

# issue 17 items 3-4: subledger tie-outs and reconciling items (closekit.closing.reconciliation)
_CODES += [
    Code(
        "reconciliation-unexplained",
        Severity.ERROR,
        "a control account whose closing balance differs from its subledger by more than the tie-out's "
        "Materiality after the open reconciling items: it blocks period-hold and the sign-off of its Task",
        "Find the difference (a posting missing on one side, a cut-off) and correct it, or record it in "
        "ReconcilingItems with its explanation and expected clearing date.",
    ),
    Code(
        "reconciling-item-overdue",
        Severity.WARNING,
        "an open reconciling item (no Cleared date) whose ExpectedClearing date is before the period's end",
        "Clear the difference and type the day in Cleared, or set a new ExpectedClearing and say why in Explanation.",
    ),
    Code(
        "reconciling-item-unmatched",
        Severity.WARNING,
        "a reconciling item whose Account is in no row of the Reconciliations sheet: it explains nothing",
        "Type the Account as the Reconciliations row names it (one of its accounts), or delete the item.",
    ),
    Code(
        "bad-reconciliation",
        Severity.ERROR,
        "a Reconciliations row that cannot be tied out: an account list that cannot be read, no accounts of the "
        "Accounts sheet, both or neither of Subledger and Balance, a Task the Checklist does not have",
        "Correct the cell the message names.",
    ),
    Code(
        "subledger-unreadable",
        Severity.ERROR,
        "a subledger report that cannot be read: missing, of a layout closekit does not know, or without the "
        "amounts it needs; its tie-out is Unreconciled",
        "Export the report again in one of the layouts of docs/importing.md \"Subledger reports\", or type its "
        "total in Balance.",
    ),
    Code(
        "subledger-total-mismatch",
        Severity.ERROR,
        "a subledger report whose grand total differs from the sum of its detail rows (a row lost or edited "
        "after the export); the tie-out uses the sum of the rows",
        "Export the report again; do not edit it by hand.",
    ),
    Code(
        "subledger-no-total",
        Severity.INFO,
        "a subledger report without a grand total row: the tie-out uses the sum of its detail rows",
        "Nothing to do; export with totals to have closekit check the rows against them.",
    ),
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}

#: Columns of the Findings sheet, in order (workbook.md "Output sheets").
COLUMNS = ["Severity", "Code", "Where", "Row", "Column", "Voucher", "Message", "Fix"]

_SEVERITY_ORDER = {Severity.ERROR.value: 0, Severity.WARNING.value: 1, Severity.INFO.value: 2}


def finding(
    code: str,
    where: str,
    message: str,
    *,
    row: int | None = None,
    column: str = "",
    voucher: str = "",
    fix: str | None = None,
    severity: Severity | None = None,
) -> dict:
    """One finding as a record (for reference data and settings, which are small)."""
    spec = CODES[code]
    return {
        "Severity": (severity or spec.severity).value,
        "Code": code,
        "Where": where,
        "Row": row,
        "Column": column,
        "Voucher": voucher,
        "Message": message,
        "Fix": spec.fix if fix is None else fix,
    }


def frame(records: Iterable[dict] = ()) -> pd.DataFrame:
    """Findings records as a Findings frame (empty frame with the right columns when none)."""
    out = pd.DataFrame(list(records), columns=COLUMNS)
    out["Row"] = out["Row"].astype("Int64")
    return out


def from_mask(
    code: str,
    lines: pd.DataFrame,
    mask: pd.Series,
    *,
    column: str | pd.Series | Callable[[], pd.Series],
    message: str | pd.Series | Callable[[], pd.Series],
    fix: str | None = None,
    severity: Severity | None = None,
) -> pd.DataFrame:
    """Findings for every line where ``mask`` holds, built in one vectorised step.

    ``lines`` must carry ``where``, ``row`` and ``voucher``; ``column`` and ``message`` are a
    constant, a Series aligned with ``lines``, or a function making one: a function is called only
    when some line is hit, so a clean ledger of a million lines builds no message text at all.
    """
    if not _any(mask):
        return frame()
    hit = lines.loc[mask]
    spec = CODES[code]

    def pick(value: str | pd.Series | Callable[[], pd.Series]) -> object:
        value = value() if callable(value) else value
        return value.loc[mask].astype(str).to_numpy() if isinstance(value, pd.Series) else value

    out = pd.DataFrame(
        {
            "Severity": (severity or spec.severity).value,
            "Code": code,
            "Where": hit["where"].astype(str).to_numpy(),
            "Row": hit["row"].to_numpy(),
            "Column": pick(column),
            "Voucher": hit["voucher"].astype(str).to_numpy() if "voucher" in hit else "",
            "Message": pick(message),
            "Fix": spec.fix if fix is None else fix,
        },
        columns=COLUMNS,
    )
    out["Row"] = out["Row"].astype("Int64")
    return out


def _any(mask: pd.Series | np.ndarray) -> bool:
    if isinstance(mask, pd.Series) and mask.dtype != bool:
        return bool(mask.fillna(False).to_numpy(dtype=bool).any())
    return bool(np.asarray(mask, dtype=bool).any())


def combine(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """All findings in one frame, errors first, then by where and row (stable)."""
    parts = [p for p in parts if p is not None and not p.empty]
    if not parts:
        return frame()
    out = pd.concat(parts, ignore_index=True)
    order = out["Severity"].map(_SEVERITY_ORDER)
    out = out.assign(_order=order).sort_values(["_order", "Where", "Row"], kind="stable", na_position="first")
    return out.drop(columns="_order").reset_index(drop=True)


def counts(findings: pd.DataFrame) -> dict[str, int]:
    """Number of findings by severity: ``{"Error": 2, "Warning": 0, "Info": 1}``."""
    tally = findings["Severity"].value_counts()
    return {s.value: int(tally.get(s.value, 0)) for s in Severity}


def to_json_records(findings: pd.DataFrame) -> list[dict]:
    """Findings as in the ``--json`` output of workbook.md (lower-case keys and severities)."""
    records = []
    for rec in findings.to_dict("records"):
        row = rec["Row"]
        records.append(
            {
                "severity": rec["Severity"].lower(),
                "code": rec["Code"],
                "where": rec["Where"],
                "row": None if pd.isna(row) else int(row),
                "column": rec["Column"] or None,
                "voucher": rec["Voucher"] or None,
                "message": rec["Message"],
                "fix": rec["Fix"],
            }
        )
    return records
