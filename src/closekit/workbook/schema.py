"""The close workbook's input sheets, in code (workbook.md "Input sheets" and "Settings keys").

One pydantic model per input-sheet row and one for Settings. Each field's alias is the column
header a person types; ``help`` and ``excel`` (the cell format of the template) travel with the
field so that the template, the reader and the docs all come from this one place. Headers match
case-, space- and underscore-insensitively; Yes/No cells accept the usual variants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from closekit.core import money, parsing

# ------------------------------------------------------------------------------- cell validators


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(parsing._cell_text(value)).strip()


def _optional_text(value: Any) -> str | None:
    return _text(value) or None


def _date(value: Any, info: ValidationInfo) -> dt.date | None:
    """A date cell; a serial number counts from 1904 when the sheet's workbook uses that date
    system (context ``date1904``, from the raw table's meta)."""
    if value is None or _text(value) == "":
        return None
    context = info.context if info is not None else None
    date1904 = bool(context.get("date1904")) if isinstance(context, dict) else False
    dates, bad, _ = parsing.parse_dates(pd.Series([value], dtype=object), date1904=date1904)
    if bad.iloc[0]:
        raise PydanticCustomError(
            "bad-date", "'{value}' is not a date (expected e.g. 2026-10-31)", {"value": _text(value)}
        )
    return dates.iloc[0].date()


@dataclass(frozen=True)
class NumberColumn:
    """Marks a number column in a field's metadata: its text cells tell the workbook's decimal mark."""


NUMBER_COLUMN = NumberColumn()


def _bad_number(value: Any) -> PydanticCustomError:
    return PydanticCustomError("bad-number", "'{value}' is not a number", {"value": _text(value)})


def number(value: Any, decimal: str | None = None, *, percent_points: bool = False) -> Decimal | None:
    """One number cell of an input sheet, read like the sources' amounts (docs/workbook.md "Numbers").

    A number cell is taken as Excel holds it (15 significant digits). A text cell goes through
    :func:`closekit.core.parsing.parse_number_text`: ``2.500,00``, ``2,500.00`` and ``1.234,56`` say
    their decimal mark themselves; ``2,500`` (2500 or 2.5?) is read with ``decimal``, the mark the
    workbook's other number texts show, and is a ``bad-number`` when that is not known. ``60%`` is
    0.6, or 60 in a column whose unit is the percent (``percent_points``: Share, MaterialityPercent),
    where a cell formatted as a percentage (:class:`~closekit.core.parsing.PercentValue`) reads 60 too.
    """
    if value is None or _text(value) == "":
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("bad-number", "'{value}' is not a number", {"value": value})
    if not isinstance(value, str):
        try:
            result = Decimal(str(parsing._number_cell_text(value)))
        except InvalidOperation:
            raise _bad_number(value) from None
        if not result.is_finite():
            raise _bad_number(value)
        return result * 100 if percent_points and isinstance(value, parsing.PercentValue) else result
    text = value.strip()
    percent = text.endswith("%")
    digits = text.removesuffix("%").strip()
    try:
        result = parsing.parse_number_text(digits, decimal)
    except parsing.AmbiguousNumber:
        small, large = sorted((parsing.parse_number_text(digits, ","), parsing.parse_number_text(digits, ".")))
        raise PydanticCustomError(
            "bad-number",
            "'{value}' could be {small} or {large}, and the workbook's other numbers do not show which mark is "
            "the decimal one: type it as a number cell, or write {english} (or {german}) if it is {large}",
            {
                "value": text,
                "small": f"{small.normalize():f}",
                "large": f"{large.normalize():f}",
                "english": f"{large:,.2f}",
                "german": f"{large:,.2f}".replace(",", " ").replace(".", ",").replace(" ", "."),
            },
        ) from None
    except ValueError:
        raise _bad_number(value) from None
    return result / 100 if percent and not percent_points else result


def _decimal_mark(info: ValidationInfo | None) -> str | None:
    context = info.context if info is not None else None
    return context.get("decimal") if isinstance(context, dict) else None


def _decimal(value: Any, info: ValidationInfo) -> Decimal | None:
    return number(value, _decimal_mark(info))


def _percent(value: Any, info: ValidationInfo) -> Decimal | None:
    return number(value, _decimal_mark(info), percent_points=True)


def _yes_no(default: bool):
    def validate(value: Any) -> bool:
        try:
            return bool(parsing.yes_no(value, default))
        except ValueError:
            raise PydanticCustomError("bad-value", "'{value}' is not Yes or No", {"value": _text(value)}) from None

    return validate


def _currency(value: Any) -> str | None:
    text = _text(value).upper()
    if not text:
        return None
    if not money.is_currency(text):
        raise PydanticCustomError("bad-currency", "'{value}' is not an ISO 4217 currency code", {"value": _text(value)})
    return text


def _names(value: Any) -> list[str]:
    return parsing.split_list(value)


def _choice(*allowed: str, default: str | None = None):
    """A cell that must be one of ``allowed`` (case-, space- and underscore-insensitive)."""
    by_key = {parsing.header_key(a): a for a in allowed}

    def validate(value: Any) -> str | None:
        text = _text(value)
        if not text:
            return default
        try:
            return by_key[parsing.header_key(text)]
        except KeyError:
            raise PydanticCustomError(
                "bad-value",
                "'{value}' is not one of: {allowed}",
                {"value": text, "allowed": ", ".join(allowed)},
            ) from None

    return validate


def _path(value: Any) -> str:
    """A file path cell: no control character (a NUL, typed as ``_x0000_`` in the cell's XML,
    is no path any file system opens; none of the others is a path anyone means)."""
    text = _text(value)
    bad = next((c for c in text if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        raise PydanticCustomError(
            "bad-value",
            "{value} holds the control character U+{code} (a NUL or line break copied in): type the file's path",
            {"value": repr(text), "code": f"{ord(bad):04X}"},
        )
    return text


def _bounded(read, what: str):
    """A Settings amount or percentage: 0 or more and below 10**MAX_INTEGER_DIGITS (what a ledger
    amount can hold: docs/workbook.md "Numbers"); a negative, huge or infinite value is a finding
    on its cell, never taken as its absolute value or a crash."""
    limit = Decimal(10) ** parsing.MAX_INTEGER_DIGITS

    def validate(value: Any, info: ValidationInfo) -> Decimal | None:
        result = read(value, info)
        if result is not None and not 0 <= result < limit:
            raise PydanticCustomError(
                "bad-value",
                "'{value}' is not {what} from 0 to {top} (it must not be negative)",
                {"value": _text(value), "what": what, "top": f"{limit - 1:,}"},
            )
        return result

    return validate


def _date_or_code(value: Any, info: ValidationInfo) -> dt.date | str | None:
    """A date cell, or a text that is no date (a period code such as 2026-10, resolved against the
    Periods sheet by whoever reads the column)."""
    try:
        return _date(value, info)
    except PydanticCustomError:
        return _text(value)


Text = Annotated[str, BeforeValidator(_text)]
PathText = Annotated[str, BeforeValidator(_path)]
#: MaterialityAmount, MaterialityPercent: 0 or more, at most 14 digits before the decimal point.
MaterialityAmountCell = Annotated[Decimal | None, BeforeValidator(_bounded(_decimal, "an amount")), NUMBER_COLUMN]
MaterialityPercentCell = Annotated[Decimal | None, BeforeValidator(_bounded(_percent, "a percentage")), NUMBER_COLUMN]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
DateCell = Annotated[dt.date | None, BeforeValidator(_date)]
#: A date, or a period code of the Periods sheet (its last day).
DateOrPeriodCell = Annotated[dt.date | str | None, BeforeValidator(_date_or_code)]
DecimalCell = Annotated[Decimal | None, BeforeValidator(_decimal), NUMBER_COLUMN]
#: A number whose unit is the percent: 60, ``60%`` and a cell formatted as 60 % are all 60.
PercentCell = Annotated[Decimal | None, BeforeValidator(_percent), NUMBER_COLUMN]
CurrencyCell = Annotated[str | None, BeforeValidator(_currency)]
Names = Annotated[list[str], BeforeValidator(_names)]
YesDefault = Annotated[bool, BeforeValidator(_yes_no(True))]
NoDefault = Annotated[bool, BeforeValidator(_yes_no(False))]


#: DueDay is at most a year of working days either side of the period end.
MAX_DUE_DAY = 260


def _due_day(value: Any, info: ValidationInfo) -> int | None:
    days = number(value, _decimal_mark(info))
    if days is None:
        return None
    if days != days.to_integral_value() or abs(days) > MAX_DUE_DAY:
        raise PydanticCustomError(
            "bad-value",
            "'{value}' is not a whole number of working days from -{top} to {top} (e.g. -2 or 3)",
            {"value": _text(value), "top": MAX_DUE_DAY},
        )
    return int(days)


DueDayCell = Annotated[int | None, BeforeValidator(_due_day), NUMBER_COLUMN]

ACCOUNT_TYPES = ("Asset", "Liability", "Equity", "Revenue", "Expense")
RATE_TYPES = ("Closing", "Average", "Spot", "Historical")
PERIOD_STATUSES = ("Open", "On hold", "Permanently closed")
#: A per-module status of the Periods sheet: one of the statuses, or empty (the module follows Status).
ModuleStatus = Annotated[str | None, BeforeValidator(_choice(*PERIOD_STATUSES))]
KINDS = ("ledger", "journal")
#: How a Settle account is matched (closing/settlement.py): each one adds passes to the one before.
SETTLE_MATCHES = ("One-to-one", "Reference", "Combinations")
METHODS = ("Percent", "Weight", "Equal", "Basis")
#: The automated steps, in the order of the close (domain.md §9: settle before revaluing).
STEPS = (
    "import",
    "validate",
    "settlement",
    "revaluation",
    "allocation",
    "trial-balance",
    "reconciliation",
    "statements",
    "flux",
    "consolidation",
    "year-end",
    "export",
    "period-hold",
)
TASK_STATUSES = ("Not started", "In progress", "Done", "Blocked", "Skipped", "Sign-off suspended")


def col(alias: str, help: str, *, excel: str = "text", default: Any = ..., width: float | None = None) -> Any:
    """A sheet column: its header, help text and template cell format."""
    extra = {"help": help, "excel": excel}
    if width:
        extra["width"] = width
    return Field(default, alias=alias, json_schema_extra=extra)


def _settle_match(value: Any) -> str:
    """SettleMatch: One-to-one (also typed ``one to one``, ``1:1``), Reference or Combinations."""
    text = _text(value)
    if parsing.header_key(text.replace("-", "")) in ("onetoone", "1:1"):
        return "One-to-one"
    return _choice(*SETTLE_MATCHES, default="One-to-one")(value)


class SheetRow(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")


# ------------------------------------------------------------------------------------ the sheets


class SourceRow(SheetRow):
    path: PathText = col("Path", "Journal export file (CSV, XLSX, XML); relative to the workbook's folder.", width=40)
    kind: Annotated[str, BeforeValidator(_choice(*KINDS, default="ledger"))] = col(
        "Kind", "ledger (posted transactions, the default) or journal (lines still to be posted).", default="ledger"
    )
    format: Annotated[str, BeforeValidator(lambda v: _text(v).lower() or "auto")] = col(
        "Format", "auto (default), generic, d365, saft, ...: the ERP layout of the file.", default="auto"
    )
    sheet: OptionalText = col("Sheet", "For an XLSX source: the sheet to read (default: the first).", default=None)
    encoding: OptionalText = col("Encoding", "Text encoding (default: detected; utf-8, cp1252, utf-16).", default=None)
    delimiter: OptionalText = col("Delimiter", "CSV delimiter (default: detected; , ; tab |).", default=None)
    decimal_separator: OptionalText = col("DecimalSeparator", "'.' or ',' (default: detected).", default=None)
    date_format: OptionalText = col("DateFormat", "e.g. DD.MM.YYYY, MM/DD/YYYY (default: detected).", default=None)


#: Accounts CashFlowLine values (docs/close.md "Cash-flow statement").
CASH_FLOW_LINES = ("Cash", "NonCash", "WorkingCapital", "Investing", "Financing")


class AccountRow(SheetRow):
    account: Text = col("Account", "Main account number, as the ERP shows it.")
    name: Text = col("Name", "Account name.", width=30)
    type: Annotated[str, BeforeValidator(_choice(*ACCOUNT_TYPES))] = col(
        "Type", "Asset, Liability, Equity, Revenue or Expense."
    )
    postable: YesDefault = col(
        "Postable", "No for a header or total account (default Yes).", excel="yesno", default=True
    )
    revalue: NoDefault = col(
        "Revalue", "Yes: foreign-currency revaluation applies (default No).", excel="yesno", default=False
    )
    required_dimensions: Names = col(
        "RequiredDimensions", "Comma list of dimensions every line must carry.", default=[]
    )
    currency: CurrencyCell = col("Currency", "The only currency that may post to the account, if set.", default=None)
    settle: NoDefault = col("Settle", "Yes: a clearing account for ledger settlement.", excel="yesno", default=False)
    translation_rate: Annotated[str | None, BeforeValidator(_choice("Closing", "Average", "Historical"))] = col(
        "TranslationRate", "Closing, Average or Historical (consolidation; default by Type).", default=None
    )
    statement_line: OptionalText = col("StatementLine", "Line of the balance sheet or income statement.", default=None)
    consolidation_account: OptionalText = col(
        "ConsolidationAccount", "Group account this account consolidates into (default: the same number).", default=None
    )
    # issue 17 item 5: settlement beyond one-to-one (appended last: the contract's columns keep their places)
    settle_match: Annotated[str, BeforeValidator(_settle_match)] = col(
        "SettleMatch",
        "Settle accounts: One-to-one (default, D365's automatic settlement), Reference (then lines of one "
        "voucher netting to zero) or Combinations (then also up to 4 lines netting one line).",
        default="One-to-one",
    )
    # issue 18 item 1: the cash-flow statement (appended last)
    cash_flow_line: Annotated[str | None, BeforeValidator(_choice(*CASH_FLOW_LINES))] = col(
        "CashFlowLine",
        "Cash-flow statement: Cash (a cash account), NonCash (e.g. accumulated depreciation, provisions), "
        "WorkingCapital, Investing or Financing (default: WorkingCapital for Asset and Liability, Financing for "
        "Equity; not read on Revenue and Expense accounts).",
        default=None,
    )


class DimensionRow(SheetRow):
    dimension: Text = col("Dimension", "Dimension name, as listed in Settings Dimensions.")
    value: Text = col("Value", "An allowed value.")
    name: OptionalText = col("Name", "Description of the value.", default=None, width=30)
    active: YesDefault = col(
        "Active", "No: the value may no longer be posted to (default Yes).", excel="yesno", default=True
    )


class RateRow(SheetRow):
    date: DateCell = col("Date", "The rate is in force from this date until the next one.", excel="date")
    from_currency: CurrencyCell = col("FromCurrency", "1 unit of this currency ...")
    to_currency: CurrencyCell = col("ToCurrency", "... = Rate units of this one.")
    rate: DecimalCell = col("Rate", "Exchange rate (per 1 unit).", excel="rate")
    rate_type: Annotated[str, BeforeValidator(_choice(*RATE_TYPES, default="Closing"))] = col(
        "RateType", "Closing (default), Average, Spot or Historical.", default="Closing"
    )


class PeriodRow(SheetRow):
    period: Text = col("Period", "Period code, e.g. 2026-10.")
    start: DateCell = col("Start", "First day of the period.", excel="date")
    end: DateCell = col("End", "Last day of the period.", excel="date")
    status: Annotated[str, BeforeValidator(_choice(*PERIOD_STATUSES))] = col(
        "Status", "Open, On hold or Permanently closed (the General ledger's status)."
    )
    # issue 16 item 8: the period restricted to a user group, and D365's module access level
    access_group: OptionalText = col(
        "AccessGroup", "While On hold: the Users group whose members may still post into it.", default=None
    )
    receivables_status: ModuleStatus = col(
        "ReceivablesStatus", "Customer (AR) journals: Open, On hold or Permanently closed (default: Status).",
        default=None,
    )
    payables_status: ModuleStatus = col(
        "PayablesStatus", "Vendor (AP) journals: Open, On hold or Permanently closed (default: Status).",
        default=None,
    )
    inventory_status: ModuleStatus = col(
        "InventoryStatus", "Inventory journals: Open, On hold or Permanently closed (default: Status).",
        default=None,
    )


class UserRow(SheetRow):
    user: Text = col("User", "Operating-system login, as the RunLog's User column shows it (e.g. jdoe).")
    name: OptionalText = col("Name", "The person's name.", default=None, width=24)
    groups: OptionalText = col("Groups", "The user's groups, comma-separated (e.g. FIN-CLOSE, AUDIT).", default=None,
                               width=30)


class AllocationRuleRow(SheetRow):
    rule: Text = col("Rule", "Rule name; one row per destination.")
    method: Annotated[str, BeforeValidator(_choice(*METHODS))] = col("Method", "Percent, Weight, Equal or Basis.")
    source_accounts: Text = col("SourceAccounts", "Accounts to allocate: 6100, 6100..6199 or 61*.")
    destination_account: Text = col("DestinationAccount", "Account that receives the share.")
    order: DecimalCell = col("Order", "Rules run in this order (step-down).", excel="number", default=None)
    source_dimensions: OptionalText = col("SourceDimensions", "Filter: Name=Value; Name=Value.", default=None)
    offset_account: OptionalText = col("OffsetAccount", "Credit side (default: the source account).", default=None)
    destination_dimensions: OptionalText = col("DestinationDimensions", "Name=Value; Name=Value.", default=None)
    share: PercentCell = col("Share", "Percent or weight of this destination.", excel="number", default=None)
    basis_accounts: OptionalText = col(
        "BasisAccounts", "Method Basis: accounts whose balances set the shares.", default=None
    )
    text: OptionalText = col("Text", "Line text of the allocation journal.", default=None)


class ChecklistRow(SheetRow):
    task: Text = col("Task", "What has to be done.", width=40)
    step: Annotated[str | None, BeforeValidator(_choice(*STEPS))] = col(
        "Step", "Automated step that ticks this task when it runs clean.", default=None
    )
    owner: OptionalText = col("Owner", "Who does it.", default=None)
    due: DateCell = col("Due", "Due date.", excel="date", default=None)
    depends_on: OptionalText = col("DependsOn", "Tasks that must be done first.", default=None)
    status: OptionalText = col("Status", "Not started, In progress, Done...", default=None)
    completed: OptionalText = col("Completed", "When it was done (UTC).", default=None)
    notes: OptionalText = col("Notes", "Notes.", default=None, width=30)
    preparer: OptionalText = col("Preparer", "Sign-off: who prepared it (type your name and PreparedAt).", default=None)
    prepared_at: OptionalText = col("PreparedAt", "Sign-off: when it was prepared.", default=None)
    reviewer: OptionalText = col("Reviewer", "Sign-off: who reviewed it (type your name and ReviewedAt).", default=None)
    reviewed_at: OptionalText = col("ReviewedAt", "Sign-off: when it was reviewed.", default=None)
    figures_hash: OptionalText = col("FiguresHash", "closekit: SHA-256 of the task's figures, last run.", default=None)
    prepared_hash: OptionalText = col(
        "PreparedHash", "closekit: SHA-256 of the figures the preparer signed.", default=None
    )
    reviewed_hash: OptionalText = col(
        "ReviewedHash", "closekit: SHA-256 of the figures the reviewer signed.", default=None
    )
    # issue 16: who ran the run that saw a typed sign-off, and SSH signatures (closekit signoff --sign)
    preparer_login: OptionalText = col(
        "PreparerLogin", "closekit: the operating-system login that signed or first saw the preparer's name.",
        default=None,
    )
    reviewer_login: OptionalText = col(
        "ReviewerLogin", "closekit: the operating-system login that signed or first saw the reviewer's name.",
        default=None,
    )
    preparer_signature: OptionalText = col(
        "PreparerSignature", "closekit signoff --sign: the preparer's SSH signature of PreparedHash.", default=None
    )
    reviewer_signature: OptionalText = col(
        "ReviewerSignature", "closekit signoff --sign: the reviewer's SSH signature of ReviewedHash.", default=None
    )
    # issue 18 item 3: the close calendar (docs/close.md "The checklist")
    due_day: DueDayCell = col(
        "DueDay",
        "Working days from the period end (-2: two working days before, 0: the period end, +3: three after); "
        "weekends and Holidays do not count. An explicit Due date wins.",
        excel="number",
        default=None,
    )
    area: OptionalText = col("Area", "Task area: GL, AP, AR, Inventory, Tax...", default=None)
    company: OptionalText = col(
        "Company", "The company the task is for (default: Settings Company); picks its Holidays.", default=None
    )


class HolidayRow(SheetRow):
    date: DateCell = col("Date", "A day no close task is due (a public holiday, a company day off).", excel="date")
    name: OptionalText = col("Name", "What the day is (e.g. Christmas Day).", default=None, width=24)
    company: OptionalText = col(
        "Company", "Only for this company's tasks (empty: for every company).", default=None
    )


class ReconciliationRow(SheetRow):
    """A subledger tie-out (docs/close.md "Subledger tie-outs"): the control account's closing balance
    against the subledger's total, read from a report file or typed."""

    account: Text = col(
        "Account", "The control account, or a list of them: 1200, 1200..1299 or 12* (the balances add up)."
    )
    subledger: PathText = col(
        "Subledger",
        "The subledger report (aging, open items, inventory valuation; CSV or XLSX), relative to the "
        "workbook's folder. Leave empty and type Balance instead.",
        default="",
        width=36,
    )
    balance: DecimalCell = col(
        "Balance", "The subledger's total, typed (when there is no file to read).", excel="number", default=None
    )
    format: Annotated[str, BeforeValidator(lambda v: _text(v).lower() or "auto")] = col(
        "Format", "auto (default), generic, d365, quickbooks or xero: the layout of the subledger report.",
        default="auto",
    )
    currency: CurrencyCell = col(
        "Currency", "The currency of the subledger's amounts (default: the accounting currency).", default=None
    )
    materiality: DecimalCell = col(
        "Materiality", "An unexplained difference above this (absolute) is an Error (default 0).", excel="number",
        default=None,
    )
    owner: OptionalText = col("Owner", "Who reconciles it.", default=None)
    task: OptionalText = col(
        "Task", "The Checklist task it belongs to: not signed off while the difference is unexplained.", default=None,
        width=30,
    )
    sheet: OptionalText = col("Sheet", "For an XLSX report: the sheet to read (default: the first).", default=None)


class ReconcilingItemRow(SheetRow):
    """A known difference between a control account and its subledger, kept until it clears."""

    account: Text = col("Account", "The control account (as in the Reconciliations sheet's Account).")
    amount: DecimalCell = col(
        "Amount", "The part of the difference (GL minus subledger, in the account's normal sign) it explains.",
        excel="number",
    )
    explanation: Text = col("Explanation", "What the difference is (an invoice in transit, a cut-off...).", width=40)
    expected_clearing: DateCell = col(
        "ExpectedClearing", "When it should clear: an open item after this date is a warning.", excel="date",
        default=None,
    )
    raised: DateOrPeriodCell = col(
        "Raised", "The day it was found, or the period (2026-10: its last day): its age counts from it.",
        excel="date", default=None,
    )
    cleared: DateCell = col("Cleared", "The day it cleared; empty while it is open.", excel="date", default=None)


class StatementLineRow(SheetRow):
    """A line of the statements' hierarchy (docs/close.md "Trial balance and statements")."""

    line: Text = col("Line", "The line's code: Accounts StatementLine names it (or one of its labels).")
    parent: OptionalText = col("Parent", "The Line it adds into (blank: a top line, e.g. Assets).", default=None)
    order: DecimalCell = col("Order", "Sort position among the lines of one parent (default: sheet order).",
                             excel="number", default=None)
    sign: Annotated[str, BeforeValidator(_choice("+", "-", default="+"))] = col(
        "Sign",
        "Blank or + (default), or -: show the line (and those under it) with the sign turned, e.g. costs as "
        "positive amounts; totals stay right.",
        default="+",
    )
    label: OptionalText = col("Label", "The English label (default: the Line).", default=None, width=30)
    label_de: OptionalText = col("LabelDE", "The German label (Settings Language = de).", default=None, width=30)


class AllowedSignerRow(SheetRow):
    principal: Text = col("Principal", "Who signs: the name as typed in Preparer/Reviewer (or an e-mail).", width=24)
    public_key: Text = col(
        "PublicKey", "Their SSH public key, the line of the .pub file (ssh-ed25519 AAAA... comment).", width=60
    )
    valid_from: DateCell = col("ValidFrom", "The key signs from this day (optional).", excel="date", default=None)
    valid_to: DateCell = col("ValidTo", "... up to and including this day (optional).", excel="date", default=None)


class JournalApprovalRow(SheetRow):
    """Issue 17: who prepared and who approved a manual journal voucher (docs/close.md "Manual journals")."""

    voucher: Text = col("Voucher", "The journal voucher's number, as in its source.", width=18)
    preparer: OptionalText = col("Preparer", "Who prepared the voucher.", default=None)
    approver: OptionalText = col(
        "Approver", "Who approved it (type your name and ApprovedAt, or closekit approve).", default=None
    )
    approved_at: OptionalText = col("ApprovedAt", "When it was approved.", default=None)
    approved_hash: OptionalText = col(
        "ApprovedHash", "closekit: SHA-256 of the voucher's lines the approver approved.", default=None
    )
    preparer_login: OptionalText = col(
        "PreparerLogin", "closekit: the operating-system login of the run that first saw the preparer.", default=None
    )
    approver_login: OptionalText = col(
        "ApproverLogin", "closekit: the operating-system login that approved or first saw the approval.", default=None
    )
    notes: OptionalText = col("Notes", "Notes (closekit adds why an approval was suspended).", default=None, width=30)


class ConsolidationRow(SheetRow):
    company: Text = col("Company", "Subsidiary name.")
    workbook: PathText = col("Workbook", "Path of the subsidiary's close workbook.", width=40)
    ownership: DecimalCell = col("Ownership", "Share owned (default 100%).", excel="number", default=None)
    currency: CurrencyCell = col("Currency", "The subsidiary's accounting currency.", default=None)
    # IAS 21 / IFRS 3 (docs/close.md "Consolidation"): all optional
    acquisition_date: DateCell = col("AcquisitionDate", "Date the parent obtained control.", excel="date", default=None)
    acquisition_rate: DecimalCell = col(
        "AcquisitionRate",
        "Rate at acquisition (1 subsidiary currency = Rate group currency): share capital and the "
        "equity at acquisition.",
        excel="rate",
        default=None,
    )
    equity_at_acquisition: DecimalCell = col(
        "EquityAtAcquisition",
        "The subsidiary's net assets at acquisition, in its currency.",
        excel="number",
        default=None,
    )
    investment: DecimalCell = col(
        "Investment",
        "Cost of the parent's investment, group currency (on Settings InvestmentAccount).",
        excel="number",
        default=None,
    )
    historical_equity: DecimalCell = col(
        "HistoricalEquity",
        "The subsidiary's retained earnings at the start of the fiscal year at historical rates, group "
        "currency, credit positive (each earlier year's result at its average rate).",
        excel="number",
        default=None,
    )


class AccountMapRow(SheetRow):
    source: Text = col("Source", "The account as the export names it (e.g. '4000 Sales', 'Income:Sales').", width=36)
    account: Text = col("Account", "The account of the Accounts sheet it is.")


def _days(value: Any, info: ValidationInfo) -> int:
    days = number(value, _decimal_mark(info))
    if days is None:
        return 7
    if days != days.to_integral_value() or days < 0:
        raise PydanticCustomError(
            "bad-value", "'{value}' is not a whole number of days (0 or more)", {"value": _text(value)}
        )
    return int(days)


class Settings(SheetRow):
    """The Settings sheet: one row per key (workbook.md "Settings keys")."""

    company: Text = col("Company", "Company name.", default="")
    accounting_currency: CurrencyCell = col("AccountingCurrency", "ISO 4217 code of the books (required).")
    reporting_currency: CurrencyCell = col("ReportingCurrency", "Reporting currency, if any.", default=None)
    period: Text = col("Period", "The period being closed, a code of the Periods sheet (required).")
    fiscal_year_start: Annotated[int, BeforeValidator(_month), NUMBER_COLUMN] = col(
        "FiscalYearStart", "Month the fiscal year starts (1-12, default 1).", default=1
    )
    dimensions: Names = col("Dimensions", "Financial dimensions in order, e.g. BusinessUnit, Department.", default=[])
    unrealized_gain_account: OptionalText = col("UnrealizedGainAccount", "Revaluation gains.", default=None)
    unrealized_loss_account: OptionalText = col("UnrealizedLossAccount", "Revaluation losses.", default=None)
    retained_earnings_account: OptionalText = col("RetainedEarningsAccount", "Year-end close target.", default=None)
    translation_adjustment_account: OptionalText = col(
        "TranslationAdjustmentAccount", "CTA account of consolidation.", default=None
    )
    rounding_account: OptionalText = col("RoundingAccount", "Rounding differences.", default=None)
    revaluation_rate_type: Annotated[str, BeforeValidator(_choice(*RATE_TYPES, default="Closing"))] = col(
        "RevaluationRateType", "Rate type of revaluation (default Closing).", default="Closing"
    )
    import_format: Annotated[str, BeforeValidator(lambda v: _text(v).lower() or "auto")] = col(
        "ImportFormat", "Format of LedgerImport / JournalImport (default auto).", default="auto"
    )
    export_format: OptionalText = col("ExportFormat", "Default format of closekit export.", default=None)
    journal_name: OptionalText = col("JournalName", "ERP journal name for uploads (e.g. GenJrn).", default=None)
    materiality_amount: MaterialityAmountCell = col(
        "MaterialityAmount", "Variances above this need a note.", default=None
    )
    dimension_delimiter: Annotated[str, BeforeValidator(lambda v: _text(v) or "-")] = col(
        "DimensionDelimiter", "Segment delimiter of D365 account display values (default -).", default="-"
    )
    # year-end close (docs/close.md "Year-end close")
    year_end_dimensions: Annotated[str, BeforeValidator(_choice("Keep", "Collapse", default="Keep"))] = col(
        "YearEndDimensions",
        "Keep (default) or Collapse the dimensions of the profit moved to retained earnings.",
        default="Keep",
    )
    year_end_balance_dimensions: Annotated[str, BeforeValidator(_choice("Keep", "Collapse", default="Keep"))] = col(
        "YearEndBalanceDimensions",
        "Keep (default) or Collapse the dimensions of balance-sheet opening lines.",
        default="Keep",
    )
    year_end_closing_voucher: NoDefault = col(
        "YearEndClosingVoucher", "Yes: also a closing voucher on the year's last day (default No).", default=False
    )
    year_end_rerun: Annotated[str, BeforeValidator(_choice("Adjust", "Replace", default="Adjust"))] = col(
        "YearEndRerun",
        "Adjust (default: post the change since the last run) or Replace (reverse it, post anew).",
        default="Adjust",
    )
    # consolidation (docs/close.md "Consolidation")
    consolidation_method: Annotated[str, BeforeValidator(_choice("Proportionate", "Full", default="Proportionate"))] = (
        col(
            "ConsolidationMethod",
            "Proportionate (default) or Full (100% plus a non-controlling interest line).",
            default="Proportionate",
        )
    )
    non_controlling_interest_account: OptionalText = col(
        "NonControllingInterestAccount", "Full consolidation: the NCI account (credit).", default=None
    )
    non_controlling_interest_offset_account: OptionalText = col(
        "NonControllingInterestOffsetAccount",
        "Full consolidation: the group equity account the NCI comes from.",
        default=None,
    )
    intercompany_difference_account: OptionalText = col(
        "IntercompanyDifferenceAccount", "Eliminations: where an intercompany mismatch goes.", default=None
    )
    investment_account: OptionalText = col(
        "InvestmentAccount", "Consolidation: the parent's account of its investments in subsidiaries.", default=None
    )
    goodwill_account: OptionalText = col("GoodwillAccount", "Consolidation: goodwill on acquisition.", default=None)
    bargain_purchase_account: OptionalText = col(
        "BargainPurchaseGainAccount", "Consolidation: gain on a bargain purchase (year of acquisition).", default=None
    )
    materiality_percent: MaterialityPercentCell = col(
        "MaterialityPercent",
        "Flux: variances above this percentage need a note (10 or 10% = ten percent).",
        default=None,
    )
    materiality_test: Annotated[str, BeforeValidator(_choice("Either", "Both", default="Either"))] = col(
        "MaterialityTest", "Flux: Either (default: amount or percent) or Both (amount and percent).", default="Either"
    )
    rate_max_age_days: Annotated[int, BeforeValidator(_days)] = col(
        "RateMaxAgeDays",
        "Revaluation: a rate in force older than the period's last day by more than this many days is a "
        "warning (default 7).",
        default=7,
    )
    restore_leading_zeros: NoDefault = col(
        "RestoreLeadingZeros",
        "Yes: an account read as 480 that is 0480 in Accounts (zeros lost by Excel) is read as 0480 (default No).",
        default=False,
    )
    # issue 17: manual journals above this amount need an approver other than their preparer
    journal_approval_amount: MaterialityAmountCell = col(
        "JournalApprovalAmount",
        "Manual journals: a voucher whose debits exceed this amount (accounting currency) needs an approver "
        "other than its preparer (JournalApprovals sheet, closekit approve); blank: none does.",
        default=None,
    )
    # issue 18 item 1: the statements' layout and the language of their labels
    statement_layout: Annotated[str, BeforeValidator(_choice("IFRS", "HGB", "Custom", default="IFRS"))] = col(
        "StatementLayout",
        "IFRS (default: IAS 1 lines), HGB (§266/§275 Gesamtkostenverfahren) or Custom (the StatementLines sheet).",
        default="IFRS",
    )
    language: Annotated[str, BeforeValidator(_choice("en", "de", default="en"))] = col(
        "Language", "Language of the statements' labels: en (default) or de.", default="en"
    )


def _month(value: Any, info: ValidationInfo) -> int:
    try:
        month = _decimal(value, info)
    except PydanticCustomError:
        month = Decimal(0)
    if month is None:
        return 1
    if month != month.to_integral_value() or not 1 <= month <= 12:
        raise PydanticCustomError("bad-value", "'{value}' is not a month number 1-12", {"value": _text(value)})
    return int(month)


def number_columns(model: type[SheetRow]) -> list[str]:
    """The headers of a model's number columns (whose text cells tell the decimal mark)."""
    return [f.alias or name for name, f in model.model_fields.items() if NUMBER_COLUMN in f.metadata]


# ------------------------------------------------------------------------------ the sheet catalog


@dataclass(frozen=True)
class SheetSpec:
    name: str
    model: type[SheetRow] | None
    purpose: str

    def columns(self) -> list[tuple[str, bool, dict]]:
        """(header, required, extra) for each column, in order."""
        if self.model is None:
            return []
        return [
            (f.alias or name, f.is_required(), dict(f.json_schema_extra or {}))
            for name, f in self.model.model_fields.items()
        ]


SETTINGS_SHEET = SheetSpec("Settings", Settings, "Key/value settings of the close.")
INPUT_SHEETS: list[SheetSpec] = [
    SETTINGS_SHEET,
    SheetSpec("Sources", SourceRow, "Journal export files to read."),
    SheetSpec("Accounts", AccountRow, "Chart of accounts."),
    SheetSpec("Dimensions", DimensionRow, "Allowed values of each financial dimension."),
    SheetSpec("Rates", RateRow, "Exchange rates."),
    SheetSpec("Periods", PeriodRow, "Fiscal calendar and period status."),
    SheetSpec("AllocationRules", AllocationRuleRow, "Allocation rules, one row per destination."),
    SheetSpec("Checklist", ChecklistRow, "The close checklist."),
    SheetSpec("Consolidation", ConsolidationRow, "Subsidiaries to consolidate (optional)."),
    SheetSpec("AccountMap", AccountMapRow, "Accounts an export names differently from the chart (optional)."),
    SheetSpec("AllowedSigners", AllowedSignerRow, "SSH keys that sign sign-offs (optional; signoff --sign)."),
    SheetSpec("Users", UserRow, "Users and their groups, for the Periods AccessGroup (optional)."),
    SheetSpec("Holidays", HolidayRow, "Days no close task is due, besides Saturdays and Sundays (optional)."),
    SheetSpec("JournalApprovals", JournalApprovalRow, "Preparers and approvers of manual journal vouchers (optional)."),
    SheetSpec("Reconciliations", ReconciliationRow, "Subledger tie-outs of control accounts (optional)."),
    SheetSpec("ReconcilingItems", ReconcilingItemRow, "Known differences, kept until they clear (optional)."),
    SheetSpec("StatementLines", StatementLineRow, "The statements' line hierarchy (optional; StatementLayout Custom)."),
    SheetSpec("LedgerImport", None, "Paste a posted-ledger export here, header in row 1."),
    SheetSpec("JournalImport", None, "Paste journal lines to be posted here, header in row 1."),
]
SHEETS_BY_NAME = {spec.name: spec for spec in INPUT_SHEETS}

#: Settings every close needs.
REQUIRED_SETTINGS = ("AccountingCurrency", "Period")

PeriodStatus = Literal["Open", "On hold", "Permanently closed"]
