"""The ``consolidation`` step: the group at the period's end and at the comparatives' dates (issue 18
item 1). Pure: the companies' ledger lines and books in (closed in memory by
:mod:`closekit.closing.subsidiaries`), the consolidated trial balance, the group statements and
findings out; the consolidation itself is :mod:`closekit.closing.consolidation`.

**Comparatives** are made as the single-company statements' are (:mod:`closekit.closing.statements`):
from each company's ledger lines without the current close's adjustments, at the dates of
:func:`closekit.closing.statements.contexts` — the prior period's end (``PriorPeriodEnd``; in the
same fiscal year also what ``Period`` is measured from), the prior fiscal year's end
(``PriorYearEnd``), the period a year earlier (``YearToDateLY``) and the period before that one
(``PeriodLY`` = ``YearToDateLY`` less it, unless last year's period starts its fiscal year). At each
date the group is consolidated again with the group's Rates in force then (an Average dated in that
period), each company at its closing balances then: a subsidiary acquired after the date is not in
the group then; in another fiscal year than the current one its ``HistoricalEquity`` (which is
this year's) is not used.

A comparative that cannot be consolidated — a company with no ledger line on or before its date, or
an Error of its consolidation (a ``missing-rate``) — leaves its columns blank and gives one
``group-comparative-missing`` Warning naming the columns and the reason (an Info when every company
missing simply has no ledger line that early: the ledgers begin after the date, nothing to fix).
The other findings of the comparatives' consolidations are not repeated: they are those of
closing that period.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from closekit.closing import consolidation as cons
from closekit.closing import statements as stm
from closekit.core import findings as fnd
from closekit.core.steps import CloseContext

CODE = "group-comparative-missing"
#: The reason of a company whose ledger begins after a comparative date: an Info, as the
#: single-company statements leave such a column blank without a finding (nothing is wrong).
BEFORE_LEDGER = "has no ledger line on or before"
_SHEETS = {
    "prior": "GroupBalanceSheet PriorPeriodEnd",
    "year_end": "GroupBalanceSheet PriorYearEnd",
    "last_year": "GroupIncomeStatement PeriodLY and YearToDateLY",
    "last_year_prior": "GroupIncomeStatement PeriodLY",
}


def comparative_contexts(book, ctx: CloseContext) -> dict[str, CloseContext]:
    """The group's context at each comparative date (:data:`closekit.closing.consolidation.COMPARATIVES`)."""
    out = stm.contexts(book, ctx)
    ly = out["last_year"]
    if ly.start > ly.fiscal_year_start:
        out["last_year_prior"] = stm.contexts(book, ly)["prior"]
    return out


def company_at(company: cons.Company, ctx: CloseContext, other: CloseContext) -> cons.Company | str | None:
    """``company`` at ``other``'s end (module doc): None when it was not in the group then, a reason
    (text) when its balances cannot be made."""
    acquired = company.acquisition.date
    if not company.parent and acquired is not None and pd.Timestamp(acquired) > other.end:
        return None
    lines, own = company.lines, company.ctx
    if lines is None or company.book is None or own is None:
        return f"the ledger lines of {company.name} are not at hand"
    dated = lines["date"] if "date" in lines else pd.Series([], dtype="datetime64[ns]")
    if not (pd.to_datetime(dated, errors="coerce") <= other.end).any():
        return f"{company.name} {BEFORE_LEDGER} {other.end:%Y-%m-%d}"
    at = CloseContext.for_period(
        other.period,
        other.start,
        other.end,
        fiscal_year_start_month=own.fiscal_year_start.month,
        accounting_currency=own.accounting_currency,
        dimensions=own.dimensions,
    )
    acquisition = company.acquisition
    if other.fiscal_year_start != ctx.fiscal_year_start:
        acquisition = dataclasses.replace(acquisition, historical_equity=None)
    return dataclasses.replace(
        company,
        balances=cons.closing_balances(lines, None, company.book, at),
        retained_opening=cons.retained_at_year_start(lines, company.book, at),
        acquisition=acquisition,
    )


def comparatives(
    companies: list[cons.Company], book, ctx: CloseContext
) -> tuple[dict[str, tuple[pd.DataFrame, CloseContext]], list[dict]]:
    """The consolidated trial balance at each comparative date that can be consolidated, and one
    finding per one that cannot (module doc)."""
    tables: dict[str, tuple[pd.DataFrame, CloseContext]] = {}
    found: list[dict] = []
    for name, other in comparative_contexts(book, ctx).items():
        if name == "last_year_prior" and "last_year" not in tables:
            continue  # PeriodLY is blank already, its finding said why
        at = [company_at(c, ctx, other) for c in companies]
        reason = next((a for a in at if isinstance(a, str)), None)
        before_ledgers = reason is not None and all(  # nothing to fix: the ledgers begin after the date
            BEFORE_LEDGER in a for a in at if isinstance(a, str)
        )
        if reason is None:
            table, problems = cons.consolidate(
                [a for a in at if isinstance(a, cons.Company)], book.settings, book.rates, other
            )
            errors = problems[problems["Severity"] == fnd.Severity.ERROR.value] if len(problems) else problems
            if len(errors):
                reason = f"{errors['Code'].iloc[0]}: {errors['Message'].iloc[0]}"
            else:
                tables[name] = (table, other)
                continue
        also = " and GroupIncomeStatement Period" if name == "prior" and ctx.start != ctx.fiscal_year_start else ""
        found.append(
            fnd.finding(
                CODE,
                cons.SHEET,
                f"{_SHEETS[name]}{also} (the group at {other.end:%Y-%m-%d}) is left blank: {reason}",
                fix="Add what is missing (the Rates row, the ledger lines of that date), then close again.",
                severity=fnd.Severity.INFO if before_ledgers else None,
            )
        )
    return tables, found


def _no_subsidiary():
    return fnd.frame(
        [
            fnd.finding(
                "bad-setting",
                "Consolidation",
                "the Consolidation sheet lists no subsidiary: there is nothing to consolidate",
                column="Company",
                fix="Add a row per subsidiary (Company, Workbook) to the Consolidation sheet.",
            )
        ]
    ), {}


def run_step(lines, adjustments, book, ctx: CloseContext, subsidiaries: cons.Subsidiaries | None):
    """The ``consolidation`` step of the runner: (findings, tables)."""
    if not book.consolidation:
        return _no_subsidiary()
    if subsidiaries is None:
        subsidiaries = cons.Subsidiaries(
            findings=fnd.frame(
                [
                    fnd.finding(
                        "subsidiary-unreadable",
                        "Consolidation",
                        "the subsidiaries were not read (the close ran without a workbook folder to read them from)",
                        column="Workbook",
                    )
                ]
            )
        )
    settings = book.settings
    parent = cons.Company(
        settings.company or "Parent",
        ctx.accounting_currency,
        cons.closing_balances(lines, adjustments, book, ctx),
        book.accounts,
        where=book.where,
        parent=True,
        lines=lines,
        book=book,
        ctx=ctx,
    )
    companies = [parent, *subsidiaries.companies]
    table, found = cons.consolidate(companies, settings, book.rates, ctx)
    unknown = sorted(set(table["Account"]) - set(book.accounts["account"].astype(str)) - {""})
    extra = [
        fnd.finding(
            "unknown-account",
            cons.SHEET,
            f"group account {account} (from {', '.join(pd.unique(table.loc[table['Account'] == account, 'Company']))}) "
            f"is not in the Accounts sheet of the group workbook",
            column="Account",
            fix="Add the account to the group's Accounts sheet, or set the subsidiary account's ConsolidationAccount.",
        )
        for account in unknown
    ]
    others, missing = comparatives(companies, book, ctx)
    prior = others.get("prior")
    same_year = prior is not None and prior[1].fiscal_year_start == ctx.fiscal_year_start
    contiguous = prior is not None and prior[1].end == ctx.start - pd.Timedelta(days=1)
    if prior is not None and not (same_year and contiguous) and ctx.start != ctx.fiscal_year_start:
        missing.append(
            fnd.finding(
                CODE,
                cons.SHEET,
                f"GroupIncomeStatement Period is left blank: the period before ({prior[1].start:%Y-%m-%d}.."
                f"{prior[1].end:%Y-%m-%d}) does not end the day before {ctx.start:%Y-%m-%d} in the same fiscal year, "
                "so the period's movement cannot be told from the year to date",
                fix="Make the Periods sheet's periods follow each other without a gap.",
            )
        )
    balance, income = cons.group_statements(
        table, book, ctx, others, period_from="prior" if same_year and contiguous else None
    )
    tables = {
        "consolidated_trial_balance": table,
        "group_balance_sheet": balance,
        "group_income_statement": income,
    }
    return fnd.combine([subsidiaries.findings, found, fnd.frame(extra), fnd.frame(missing)]), tables
