"""Consolidation with currency translation (domain.md §6; issue 7 rule 1). Pure: the companies'
closing balances, the group's book and rates in, the consolidated trial balance, the group
statements and findings out. Reading the subsidiaries' workbooks is :mod:`closekit.closing.subsidiaries`.

**The group** is the workbook being closed (the parent, 100 %, its own currency = the group
currency) plus each subsidiary of its ``Consolidation`` sheet. Each company contributes its
closing balances at ``ctx.end`` after its close's adjustments, per account and dimension values.
Dimensions are the group's (Settings ``Dimensions``): a subsidiary's dimension of the same name is
carried, others are summed away. One level only: a subsidiary's own Consolidation sheet is ignored.

**Per subsidiary line** (§6 rules 2, 4, 5, 11):

1. Account: the subsidiary's Accounts ``ConsolidationAccount`` where set, else the same number.
2. Rate type: the subsidiary account's ``TranslationRate``, else by its Type: Closing for Asset
   and Liability, Average for Revenue and Expense, Historical for Equity. The rate is the group's
   (Rates sheet of the group workbook) of that RateType from the subsidiary's currency to the group
   currency in force on ``ctx.end`` (the inverse pair when only it exists, §0.4); an Average rate
   must be dated within the period (the period's Average). A missing rate is a ``missing-rate``
   Error and the lines it concerns are left out (the CTA line then holds them).
3. ``AmountGroup = round(AmountLocal × rate × share)``, rounded **once**, half away from zero, to
   the group currency's minor units (exponents from ISO 4217: a JPY subsidiary is exact). ``share``
   is the ownership under Settings ``ConsolidationMethod`` = ``Proportionate`` (the default, D365's
   rollup), 1 under ``Full``.
4. CTA: ``−Σ AmountGroup`` of the subsidiary, one line on ``TranslationAdjustmentAccount`` with
   blank dimensions (§6 rule 6): the translated subsidiary balances.
5. ``Full`` and ownership below 100 %: the non-controlling interest (§6 rule 8 (b)) =
   ``round((1 − ownership) × translated net assets)`` (Asset and Liability lines, which equal the
   translated equity including profit and CTA): Dr ``NonControllingInterestOffsetAccount`` (group
   equity), Cr ``NonControllingInterestAccount``.

**Eliminations** (§6 rule 7, example 6.2). A line whose ``TradingPartner`` dimension names another
group company (a Consolidation ``Company``, or the parent's Settings ``Company``) is intercompany;
its closing balance is eliminated (balances, not the period's net change: the consolidated trial
balance is a balance). Under Proportionate only the partner's share of it is intra-group: the
eliminated part is ``round(AmountLocal × rate × share × partner's share)``; the rest stays as a
line with the outside owners. Per pair of companies the eliminated amounts must net to 0; a
difference is an ``elimination-mismatch`` Warning naming both sides and the difference, and goes
to ``IntercompanyDifferenceAccount`` (a line of Kind ``IC difference``) so the group balances.

**The sheet** ``ConsolidatedTrialBalance``: one row per company × kind × group account × dimension
values: Company, Kind (``Balance``, ``CTA``, ``NCI``, ``IC difference``; ``Unbalanced`` when the group
workbook's own balances do not add up to zero, with an ``unbalanced-voucher`` Error: shown, never
plugged), Account, dimensions,
LocalAccount, Currency, AmountLocal, Rate, Ownership, AmountGroup, Eliminated. The group's balances
are the rows with Eliminated false; they add up to zero. The group statements
(``GroupBalanceSheet``, ``GroupIncomeStatement``) are :mod:`closekit.closing.statements` on those rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd

from closekit.closing import statements as stm
from closekit.closing import trial_balance as tbm
from closekit.core import findings as fnd
from closekit.core import money, parsing
from closekit.core.rates import Rates, convert
from closekit.core.steps import CloseContext
from closekit.workbook import schema

STEP = "consolidation"
#: The dimension that names the partner company of an intercompany line.
TRADING_PARTNER = "TradingPartner"
DEFAULT_RATE = {"Asset": "Closing", "Liability": "Closing", "Revenue": "Average", "Expense": "Average"}
DEFAULT_RATE_OTHER = "Historical"  # Equity
BALANCE, CTA, NCI, IC_DIFFERENCE, UNBALANCED = "Balance", "CTA", "NCI", "IC difference", "Unbalanced"
SHEET = "ConsolidatedTrialBalance"
TABLE_KEYS = {
    "consolidated_trial_balance": SHEET,
    "group_balance_sheet": "GroupBalanceSheet",
    "group_income_statement": "GroupIncomeStatement",
}


@dataclass(frozen=True)
class Company:
    """One company's closing balances, in its own currency and accounts."""

    name: str
    currency: str
    balances: pd.DataFrame  # account, its dimension columns, amount (int64 minor units of currency)
    accounts: pd.DataFrame  # its Accounts sheet (account, type, translation_rate, consolidation_account)
    ownership: Fraction = Fraction(1)
    where: str = ""
    parent: bool = False


@dataclass
class Subsidiaries:
    """The subsidiaries read for a consolidation, and what reading them found."""

    companies: list[Company] = field(default_factory=list)
    findings: pd.DataFrame = field(default_factory=fnd.frame)
    hashes: dict[str, str] = field(default_factory=dict)  # SHA-256 of every file read, for the RunLog


def closing_balances(lines: pd.DataFrame, adjustments, book, ctx: CloseContext) -> pd.DataFrame:
    """Closing balances at ``ctx.end`` after ``adjustments``, per account and dimensions
    (``account``, dimensions, ``amount``); the prior years' P&L not closed yet is put on the
    RetainedEarningsAccount (it is retained earnings), else left on its accounts."""
    dims = tuple(ctx.dimensions)
    sums = tbm.balances(lines, adjustments, book, ctx, dims)
    closing = sums["opening"] + sums["debit"] - sums["credit"] + sums["adj_debit"] - sums["adj_credit"]
    frame = sums[["account", *dims]].assign(amount=closing)
    retained = book.settings.retained_earnings_account if book.settings else None
    prior = sums[sums["prior_pl"] != 0]
    if len(prior):
        moved = prior[["account", *dims]].assign(amount=prior["prior_pl"])
        if retained:
            moved["account"] = retained
        frame = pd.concat([frame, moved], ignore_index=True)
    frame = frame.groupby(["account", *dims], sort=True, dropna=False)["amount"].sum().reset_index()
    return frame[frame["amount"] != 0].astype({"amount": "int64"}).reset_index(drop=True)


def ownership_share(value: Decimal | None) -> Fraction | None:
    """The Consolidation sheet's Ownership as a share in (0, 1]: empty = 1; 0.8 and 80% are 80 %,
    and so is 80 (a number above 1 is read as a percentage). None when out of range."""
    if value is None:
        return Fraction(1)
    share = Fraction(value)
    if share > 1:
        share /= 100
    return share if 0 < share <= 1 else None


def rate_text(rate: Fraction | None) -> str:
    """A rate for people and JSON: exact up to 12 significant digits."""
    if rate is None:
        return ""
    with localcontext() as context:
        context.prec = 12
        value = Decimal(rate.numerator) / Decimal(rate.denominator)
    return format(value.normalize(), "f")


def _company_lines(company: Company, dims: tuple[str, ...]) -> pd.DataFrame:
    """The company's balances in the group's dimensions and accounts, with type and rate type."""
    bal = company.balances
    own = {parsing.header_key(c): c for c in bal.columns}
    frame = pd.DataFrame(
        {
            "LocalAccount": bal["account"].astype(str).to_numpy(),
            **{
                d: bal[own[parsing.header_key(d)]].fillna("").astype(str).to_numpy()
                if parsing.header_key(d) in own
                else np.full(len(bal), "", dtype=object)
                for d in dims
            },
            "AmountLocal": bal["amount"].astype("int64").to_numpy(),
        }
    )
    frame = frame.groupby(["LocalAccount", *dims], sort=True)["AmountLocal"].sum().reset_index()
    accounts = company.accounts.set_index(company.accounts["account"].astype(str))
    mapped = frame["LocalAccount"].map(accounts.get("consolidation_account", pd.Series(dtype=object)))
    frame["Account"] = mapped.where(mapped.notna() & (mapped.astype(str) != ""), frame["LocalAccount"]).astype(str)
    types = frame["LocalAccount"].map(accounts["type"]).fillna("")
    chosen = frame["LocalAccount"].map(accounts.get("translation_rate", pd.Series(dtype=object)))
    default = types.map(DEFAULT_RATE).fillna(DEFAULT_RATE_OTHER)
    frame["type"] = types.to_numpy()
    frame["RateType"] = chosen.where(chosen.notna() & (chosen.astype(str) != ""), default).astype(str)
    return frame


def consolidate(
    companies: list[Company],
    settings: schema.Settings,
    rates: Rates,
    ctx: CloseContext,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The consolidated trial balance (module doc) and the findings of making it."""
    group_ccy = ctx.accounting_currency
    dims = tuple(ctx.dimensions)
    full = settings.consolidation_method == "Full"
    shares = {c.name: (Fraction(1) if full else c.ownership) for c in companies}
    found: list[dict] = []
    parts: list[pd.DataFrame] = []
    for company in companies:
        frame = _company_lines(company, dims)
        frame.insert(0, "Company", company.name)
        frame.insert(1, "Kind", BALANCE)
        frame["Currency"] = company.currency
        frame["Ownership"] = company.ownership
        frame["Rate"] = None
        if company.currency == group_ccy:
            frame["Rate"] = [Fraction(1)] * len(frame)
        else:
            for rate_type in pd.unique(frame["RateType"]):
                rate = _rate(rates, company.currency, group_ccy, rate_type, ctx)
                on = (frame["RateType"] == rate_type).to_numpy()
                frame.loc[on, "Rate"] = pd.Series([rate] * int(on.sum()), index=frame.index[on], dtype=object)
                if rate is None:
                    found.append(
                        fnd.finding(
                            "missing-rate",
                            "Rates",
                            f"no {rate_type} rate from {company.currency} to {group_ccy} (or back) "
                            + (
                                f"dated in the period {ctx.start:%Y-%m-%d}..{ctx.end:%Y-%m-%d}"
                                if rate_type == "Average"
                                else f"in force on {ctx.end:%Y-%m-%d}"
                            )
                            + f": {int(on.sum())} line(s) of {company.name} ({company.where}) are not "
                            f"translated; the CTA line holds them",
                            column="Rate",
                        )
                    )
        factor = pd.Series(
            [None if r is None else r * shares[company.name] for r in frame["Rate"]], index=frame.index, dtype=object
        )
        frame["AmountGroup"] = convert(frame["AmountLocal"].astype("Int64"), frame["Currency"], factor, group_ccy)
        frame = frame[frame["AmountGroup"].notna()].copy()
        frame["AmountGroup"] = frame["AmountGroup"].astype("int64")
        parts.append(frame)
        if company.parent:
            off = int(frame["AmountGroup"].sum())
            if off:  # its ledger does not balance (validation lists the vouchers): show it, never plug it
                parts.append(_extra(company, UNBALANCED, "", -off, dims))
                found.append(
                    fnd.finding(
                        "unbalanced-voucher",
                        SHEET,
                        f"the balances of {company.name} add up to {money.display(off, group_ccy)} {group_ccy}, "
                        f"not 0: the group's trial balance carries the difference on a row of Kind {UNBALANCED}",
                        column="AmountGroup",
                        fix="Correct the unbalanced vouchers the other unbalanced-voucher findings list.",
                    )
                )
            continue
        translated = int(frame["AmountGroup"].sum())
        if translated:
            parts.append(_extra(company, CTA, settings.translation_adjustment_account, -translated, dims))
            if not settings.translation_adjustment_account:
                found.append(_missing_setting("TranslationAdjustmentAccount", company.name, "the CTA"))
        if full and company.ownership < 1:
            net_assets = int(frame.loc[frame["type"].isin(["Asset", "Liability"]), "AmountGroup"].sum())
            nci = _round(Fraction(net_assets) * (1 - company.ownership))
            if nci:
                parts.append(_extra(company, NCI, settings.non_controlling_interest_offset_account, nci, dims))
                parts.append(_extra(company, NCI, settings.non_controlling_interest_account, -nci, dims))
                for key, alias in (
                    ("non_controlling_interest_account", "NonControllingInterestAccount"),
                    ("non_controlling_interest_offset_account", "NonControllingInterestOffsetAccount"),
                ):
                    if not getattr(settings, key):
                        found.append(_missing_setting(alias, company.name, "the non-controlling interest"))
    table = pd.concat(parts, ignore_index=True) if parts else _extra(None, BALANCE, "", 0, dims).iloc[0:0]
    table["Eliminated"] = False
    table, eliminated_found = _eliminate(table, companies, shares, settings, dims, group_ccy)
    found += eliminated_found
    columns = [
        "Company",
        "Kind",
        "Account",
        *dims,
        "LocalAccount",
        "Currency",
        "AmountLocal",
        "Rate",
        "Ownership",
        "AmountGroup",
        "Eliminated",
    ]
    table = table[columns].reset_index(drop=True)
    table["AmountLocal"] = table["AmountLocal"].astype("Int64")
    table["AmountGroup"] = table["AmountGroup"].astype("int64")
    table["Eliminated"] = table["Eliminated"].astype(bool)
    total = int(table.loc[~table["Eliminated"], "AmountGroup"].sum())
    if total:  # every company's lines plus its CTA add up to zero: a bug otherwise
        raise RuntimeError(
            f"the consolidated trial balance does not balance by {money.display(total, group_ccy)} {group_ccy}"
        )
    return table, fnd.frame(found)


def _rate(rates: Rates, source: str, target: str, rate_type: str, ctx: CloseContext) -> Fraction | None:
    """The rate of ``rate_type`` in force on ``ctx.end`` (§0.4); an Average rate must moreover be
    dated within the period: the period's Average, never an older one."""
    rate = rates.rate(source, target, ctx.end, (rate_type,))
    if rate is None or rate_type != "Average":
        return rate
    table = rates.table
    pair = ((table["from"] == source) & (table["to"] == target)) | ((table["from"] == target) & (table["to"] == source))
    dated = pair & (table["type"] == rate_type) & (table["date"] >= ctx.start) & (table["date"] <= ctx.end)
    return rate if dated.any() else None


def _round(value: Fraction) -> int:
    """Half away from zero."""
    magnitude = (2 * abs(value.numerator) + value.denominator) // (2 * value.denominator)
    return magnitude if value >= 0 else -magnitude


def _extra(company: Company | None, kind: str, account: str | None, amount: int, dims) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Company": company.name if company else "",
                "Kind": kind,
                "Account": account or "",
                **dict.fromkeys(dims, ""),
                "LocalAccount": "",
                "Currency": "",
                "AmountLocal": None,
                "Rate": None,
                "Ownership": company.ownership if company else None,
                "AmountGroup": amount,
                "type": "Equity",
                "RateType": "",
                "Eliminated": False,
            }
        ]
    )


def _missing_setting(alias: str, company: str, what: str) -> dict:
    return fnd.finding(
        "bad-setting",
        "Settings",
        f"the setting {alias} is empty: {what} of {company} has no account (shown with an empty Account)",
        column="Value",
        fix=f"Add {alias} to Settings (an Equity account of the Accounts sheet).",
    )


def _eliminate(table, companies, shares, settings, dims, group_ccy) -> tuple[pd.DataFrame, list[dict]]:
    """Mark the intercompany lines Eliminated (splitting off the outside share under Proportionate)
    and add an IC difference line per pair that does not net out (module doc)."""
    partner_dim = next((d for d in dims if parsing.header_key(d) == parsing.header_key(TRADING_PARTNER)), None)
    names = [c.name for c in companies]
    if partner_dim is None or table.empty:
        return table, []
    partner = table[partner_dim].astype(str)
    ic = ((table["Kind"] == BALANCE) & partner.isin(names) & (partner != table["Company"])).to_numpy()
    if not ic.any():
        return table, []
    rows = table[ic].copy()
    factor = [
        r * shares[c] * shares[p]
        for r, c, p in zip(rows["Rate"], rows["Company"], rows[partner_dim].astype(str), strict=True)
    ]
    part = convert(
        rows["AmountLocal"].astype("Int64"), rows["Currency"], pd.Series(factor, index=rows.index), group_ccy
    )
    part = part.astype("int64")
    rest = rows.assign(AmountGroup=rows["AmountGroup"] - part)
    share_of = pd.Series([shares[p] for p in rows[partner_dim].astype(str)], index=rows.index)
    local_part = pd.Series(
        [_round(Fraction(int(a)) * s) for a, s in zip(rows["AmountLocal"], share_of, strict=True)], index=rows.index
    )
    eliminated = rows.assign(AmountGroup=part, AmountLocal=local_part, Eliminated=True)
    rest = rest.assign(AmountLocal=rows["AmountLocal"].astype("int64") - local_part)
    rest = rest[rest["AmountGroup"] != 0]
    out = pd.concat([table[~ic], eliminated, rest], ignore_index=True)
    order = {n: i for i, n in enumerate(names)}
    kinds = {BALANCE: 0, CTA: 1, NCI: 2, IC_DIFFERENCE: 3, UNBALANCED: 4}
    found: list[dict] = []
    pairs = eliminated.assign(
        side=eliminated["Company"],
        other=eliminated[partner_dim].astype(str),
    )
    pairs["pair"] = [tuple(sorted((a, b), key=order.get)) for a, b in zip(pairs["side"], pairs["other"], strict=True)]
    extra = []
    for (a, b), group in pairs.groupby("pair", sort=False):
        diff = int(group["AmountGroup"].sum())
        if diff == 0:
            continue
        side_a = int(group.loc[group["side"] == a, "AmountGroup"].sum())
        side_b = int(group.loc[group["side"] == b, "AmountGroup"].sum())
        account = settings.intercompany_difference_account or ""

        def show(minor: int) -> str:
            return money.display(minor, group_ccy)

        found.append(
            fnd.finding(
                "elimination-mismatch",
                SHEET,
                f"the intercompany balances between {a} and {b} do not net out: {a} shows {show(side_a)} with {b}, "
                f"{b} shows {show(side_b)} with {a} (in {group_ccy} after translation); the difference "
                f"{show(diff)} goes to {account or 'an empty account (IntercompanyDifferenceAccount is not set)'}",
                column="AmountGroup",
            )
        )
        line = _extra(None, IC_DIFFERENCE, account, diff, dims)
        line["Company"] = f"{a}/{b}"
        extra.append(line)
    if extra:
        out = pd.concat([out, *extra], ignore_index=True)
    out["_c"] = out["Company"].map(order).fillna(len(order))
    out["_k"] = out["Kind"].map(kinds)
    out = out.sort_values(["_c", "_k", "Account", *dims, "Eliminated"], kind="stable")
    return out.drop(columns=["_c", "_k"]), found


def group_statements(table: pd.DataFrame, book, ctx: CloseContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(GroupBalanceSheet, GroupIncomeStatement): :func:`closekit.closing.statements.statements` on the
    group's balances (the rows not eliminated), with the group's Accounts sheet. The balances are
    year to date, so the income statement has ``YearToDate`` only."""
    kept = table[~table["Eliminated"]]
    lines = pd.DataFrame(
        {
            "journal": "CONSOLIDATION",
            "date": pd.Series(ctx.end, index=kept.index).astype("datetime64[ns]"),
            "account": kept["Account"].astype(object),
            "amount_accounting": kept["AmountGroup"].astype("Int64"),
        }
    )
    year = CloseContext(ctx.period, ctx.fiscal_year_start, ctx.end, ctx.fiscal_year_start, ctx.accounting_currency, ())
    balance, income = stm.statements(lines.reset_index(drop=True), None, book, year, year_closed=True)
    return balance, income.drop(columns=["Period"])


def run_step(lines, adjustments, book, ctx: CloseContext, subsidiaries: Subsidiaries | None):
    """The ``consolidation`` step of the runner: (findings, tables)."""
    if not book.consolidation:
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
    if subsidiaries is None:
        subsidiaries = Subsidiaries(
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
    parent = Company(
        settings.company or "Parent",
        ctx.accounting_currency,
        closing_balances(lines, adjustments, book, ctx),
        book.accounts,
        where=book.where,
        parent=True,
    )
    table, found = consolidate([parent, *subsidiaries.companies], settings, book.rates, ctx)
    unknown = sorted(set(table["Account"]) - set(book.accounts["account"].astype(str)) - {""})
    extra = [
        fnd.finding(
            "unknown-account",
            SHEET,
            f"group account {account} (from {', '.join(pd.unique(table.loc[table['Account'] == account, 'Company']))}) "
            f"is not in the Accounts sheet of the group workbook",
            column="Account",
            fix="Add the account to the group's Accounts sheet, or set the subsidiary account's ConsolidationAccount.",
        )
        for account in unknown
    ]
    balance, income = group_statements(table, book, ctx)
    tables = {
        "consolidated_trial_balance": table,
        "group_balance_sheet": balance,
        "group_income_statement": income,
    }
    return fnd.combine([subsidiaries.findings, found, fnd.frame(extra)]), tables


def sheet(table: pd.DataFrame, group_currency: str):
    """The ConsolidatedTrialBalance output sheet: AmountLocal in each row's currency, AmountGroup in
    the group currency, Rate and Ownership as exact decimals, Eliminated as TRUE/FALSE."""
    from closekit.sheetio.base import OutputSheet

    out = table.copy()
    out["AmountLocal"] = [
        None if pd.isna(v) else money.to_decimal(int(v), c)
        for v, c in zip(table["AmountLocal"], table["Currency"], strict=True)
    ]
    out["AmountGroup"] = [money.to_decimal(int(v), group_currency) for v in table["AmountGroup"]]
    out["Rate"] = [Decimal(rate_text(r)) if r is not None else None for r in table["Rate"]]
    out["Ownership"] = [Decimal(rate_text(r)) if r is not None and r == r else None for r in table["Ownership"]]
    out["Eliminated"] = table["Eliminated"].astype(bool)
    fmt = {0: "amount0", 2: "amount", 3: "amount3"}.get(money.exponent(group_currency), "general")
    return OutputSheet(SHEET, out.reset_index(drop=True), formats={"AmountGroup": fmt}, widths={"Company": 18})


def json_records(table: pd.DataFrame, group_currency: str, dims: tuple[str, ...]) -> list[dict]:
    """The ``consolidation`` list of ``closekit close --json`` (workbook.md "JSON")."""
    records = []
    for rec in table.to_dict("records"):
        local = rec["AmountLocal"]
        records.append(
            {
                "company": rec["Company"],
                "kind": rec["Kind"],
                "account": rec["Account"],
                "dimensions": {d: rec[d] for d in dims if rec[d] not in ("", None)},
                "local_account": rec["LocalAccount"],
                "currency": rec["Currency"],
                "amount_local": None if pd.isna(local) else money.format_minor(int(local), rec["Currency"]),
                "rate": rate_text(rec["Rate"]) or None,
                "amount_group": money.format_minor(int(rec["AmountGroup"]), group_currency),
                "eliminated": bool(rec["Eliminated"]),
            }
        )
    return records
