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
   **Equity by the year each part arose** (IAS 21.39-41, docs/close.md "Consolidation"): the
   Historical equity lines at the Consolidation sheet's ``AcquisitionRate`` when given (RateType
   ``Acquisition``); the subsidiary's retained earnings as ``HistoricalEquity`` (their translated
   amount at the fiscal year's start) plus their movement since at the Average rate, one row
   rounded once (RateType ``HistoricalEquity``). Without it, the one Historical rate and a
   ``historical-equity-missing`` Warning; at the year's last period ``historical-equity-next``
   gives the next year's figure.
4. CTA: ``−Σ AmountGroup`` of the subsidiary, one line on ``TranslationAdjustmentAccount`` with
   blank dimensions (§6 rule 6): the translated subsidiary balances.
5. The investment (``Investment`` given): rows of Kind ``Acquisition`` eliminate the parent's
   cost (``InvestmentAccount``) against the equity at acquisition (``EquityAtAcquisition`` ×
   ``AcquisitionRate``), with the NCI at acquisition (``Full``) and goodwill on ``GoodwillAccount``,
   an asset of the subsidiary at the closing rate (IAS 21.47, its translation difference a CTA
   row), or a gain on ``BargainPurchaseGainAccount``.
6. ``Full`` and ownership below 100 %: the non-controlling interest (§6 rule 8 (b)) =
   ``round((1 − ownership) × translated net assets)`` (Asset and Liability lines, which equal the
   translated equity including profit and CTA), less the NCI at acquisition: Cr
   ``NonControllingInterestAccount``; Dr ``TranslationAdjustmentAccount`` its share of the CTA
   (IAS 21.41), Dr ``NonControllingInterestOffsetAccount`` (group equity) the rest.

**Eliminations** (§6 rule 7, example 6.2). A line whose ``TradingPartner`` dimension names another
group company (a Consolidation ``Company``, or the parent's Settings ``Company``) is intercompany;
its closing balance is eliminated (balances, not the period's net change: the consolidated trial
balance is a balance). Under Proportionate only the partner's share of it is intra-group: the
eliminated part is ``round(AmountLocal × rate × share × partner's share)``; the rest stays as a
line with the outside owners. Per pair of companies the eliminated amounts must net to 0; a
difference is an ``elimination-mismatch`` Warning naming both sides and the difference, and goes
to ``IntercompanyDifferenceAccount`` (a line of Kind ``IC difference``) so the group balances.

**The sheet** ``ConsolidatedTrialBalance``: one row per company × kind × group account × dimension
values: Company, Kind (``Balance``, ``CTA``, ``NCI``, ``Acquisition``, ``IC difference``; ``Unbalanced`` when the group
workbook's own balances do not add up to zero, with an ``unbalanced-voucher`` Error: shown, never
plugged), Account, dimensions,
LocalAccount, Currency, AmountLocal, Rate, Ownership, AmountGroup, Eliminated, RateType. The group's balances
are the rows with Eliminated false; they add up to zero. The group statements
(``GroupBalanceSheet``, ``GroupIncomeStatement``, :func:`group_statements`) are
:mod:`closekit.closing.statements` on those rows, their comparative columns the same at the
comparatives' dates (consolidated again by :mod:`closekit.closing.group_close`, the step), equity
split into the owners' and the non-controlling interests'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd

from closekit.closing import statement_layout as sl
from closekit.closing import statements as stm
from closekit.closing import trial_balance as tbm
from closekit.core import findings as fnd
from closekit.core import money, parsing
from closekit.core.plural import plural
from closekit.core.rates import Rates, convert
from closekit.core.steps import CloseContext
from closekit.workbook import schema

STEP = "consolidation"
#: The dimension that names the partner company of an intercompany line.
TRADING_PARTNER = "TradingPartner"
DEFAULT_RATE = {"Asset": "Closing", "Liability": "Closing", "Revenue": "Average", "Expense": "Average"}
DEFAULT_RATE_OTHER = "Historical"  # Equity
BALANCE, CTA, NCI, IC_DIFFERENCE, UNBALANCED = "Balance", "CTA", "NCI", "IC difference", "Unbalanced"
ACQUISITION = "Acquisition"  # a Kind (the investment's elimination) and a RateType (the AcquisitionRate)
HISTORICAL_EQUITY = "HistoricalEquity"  # the RateType of retained earnings carried at historical rates
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
    acquisition: Acquisition = field(default_factory=lambda: Acquisition())
    retained_account: str | None = None  # its Settings RetainedEarningsAccount
    retained_opening: int = 0  # the balance of retained earnings at the fiscal year's start (minor units, signed)
    row: int | None = None  # its row of the Consolidation sheet
    #: What its balances were made of, for the comparatives at other dates (closekit.closing.group_close):
    #: its ledger lines (without the close's adjustments), its book and its own close's context.
    lines: pd.DataFrame | None = field(default=None, repr=False)
    book: object = field(default=None, repr=False)
    ctx: CloseContext | None = None


@dataclass(frozen=True)
class Acquisition:
    """What the Consolidation sheet says of a subsidiary's acquisition and equity (all optional)."""

    date: dt.date | None = None
    rate: Fraction | None = None  # 1 unit of the subsidiary's currency = rate units of the group's, at acquisition
    equity: int | None = None  # its net assets at acquisition, minor units of its currency, credit positive
    investment: int | None = None  # the parent's cost, minor units of the group currency
    historical_equity: int | None = None  # retained earnings at the year's start, historical rates, group minor units


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
        frame = _translated(company, dims, shares[company.name], rates, ctx, found)
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
        parts += _subsidiary_rows(company, frame, settings, rates, ctx, full, found)
    table = pd.concat(parts, ignore_index=True) if parts else _extra(None, BALANCE, "", 0, dims).iloc[0:0]
    found += _check_investment(table, companies, settings, group_ccy)
    table["Eliminated"] = False
    table, eliminated_found = _eliminate(table, companies, shares, settings, dims, group_ccy)
    found += eliminated_found
    table = table[[*COLUMNS[:3], *dims, *COLUMNS[3:]]].reset_index(drop=True)
    table["AmountLocal"] = table["AmountLocal"].astype("Int64")
    table["AmountGroup"] = table["AmountGroup"].astype("int64")
    table["Eliminated"] = table["Eliminated"].astype(bool)
    table["RateType"] = table["RateType"].fillna("").astype(str)
    total = int(table.loc[~table["Eliminated"], "AmountGroup"].sum())
    if total:  # every company's lines plus its CTA add up to zero: a bug otherwise
        raise RuntimeError(
            f"the consolidated trial balance does not balance by {money.display(total, group_ccy)} {group_ccy}"
        )
    return table, fnd.frame(found)


#: The sheet's columns (the group's dimensions go after Account); RateType was added by issue 15.
COLUMNS = [
    "Company",
    "Kind",
    "Account",
    "LocalAccount",
    "Currency",
    "AmountLocal",
    "Rate",
    "Ownership",
    "AmountGroup",
    "Eliminated",
    "RateType",
]


def _scaled(rate: Fraction, source: str, target: str) -> Fraction:
    """``rate`` as a factor from minor units of ``source`` to minor units of ``target``."""
    return rate * Fraction(10) ** (money.exponent(target) - money.exponent(source))


def _fiscal_year_end(ctx: CloseContext) -> pd.Timestamp:
    return ctx.fiscal_year_start + pd.DateOffset(years=1) - pd.Timedelta(days=1)


def _translated(
    company: Company, dims: tuple[str, ...], share: Fraction, rates: Rates, ctx: CloseContext, found: list[dict]
) -> pd.DataFrame:
    """The company's lines translated into the group currency (module doc, rules 1 to 3 and
    "Equity"): ``AmountGroup`` at ``share``, ``_full`` the same at 100 %."""
    group_ccy = ctx.accounting_currency
    frame = _company_lines(company, dims)
    frame.insert(0, "Company", company.name)
    frame.insert(1, "Kind", BALANCE)
    frame["Currency"] = company.currency
    frame["Ownership"] = company.ownership
    frame["Rate"] = None
    foreign = company.currency != group_ccy
    if not foreign:
        frame["Rate"] = [Fraction(1)] * len(frame)
        return _amounts(frame, share, group_ccy)
    acq = company.acquisition
    historical_equity = acq.historical_equity
    in_year = acq.date is not None and pd.Timestamp(acq.date) >= ctx.fiscal_year_start
    if historical_equity is None and acq.rate is not None and in_year:
        # acquired in this fiscal year: its retained earnings at the year's start are pre-acquisition
        historical_equity = -_round(Fraction(company.retained_opening) * _scaled(acq.rate, company.currency, group_ccy))
    retained = str(company.retained_account or "")
    if historical_equity is None and retained and not company.retained_opening:
        historical_equity = 0  # no retained earnings at the year's start: nothing to carry at any rate
    on_retained = (
        (frame["LocalAccount"] == retained) & (frame["type"] == "Equity") & (frame["RateType"] == "Historical")
    )
    retained_local = int(frame.loc[on_retained, "AmountLocal"].sum())
    if historical_equity is not None and retained and (historical_equity or retained_local or on_retained.any()):
        row = {
            "Company": company.name,
            "Kind": BALANCE,
            "LocalAccount": retained,
            **dict.fromkeys(dims, ""),
            "AmountLocal": retained_local,
            "Account": _group_account(company, retained),
            "type": "Equity",
            "RateType": HISTORICAL_EQUITY,
            "Currency": company.currency,
            "Ownership": company.ownership,
            "Rate": None,
        }
        frame = pd.concat([frame[~on_retained], pd.DataFrame([row])], ignore_index=True)
        frame = frame.sort_values(["LocalAccount", *dims], kind="stable", ignore_index=True)
    elif retained and company.retained_opening:
        found.append(
            fnd.finding(
                "historical-equity-missing",
                "Consolidation",
                f"the retained earnings of {company.name} at the start of the fiscal year "
                f"({money.display(company.retained_opening, company.currency)} {company.currency} on "
                f"{retained}) are translated at the one Historical rate in force on {ctx.end:%Y-%m-%d}; IAS 21 "
                "translates each earlier year's result at that year's average rate, so they and the CTA may be off",
                row=company.row,
                column="HistoricalEquity",
            )
        )
    if acq.rate is not None:
        frame.loc[(frame["type"] == "Equity") & (frame["RateType"] == "Historical"), "RateType"] = ACQUISITION
    for rate_type in pd.unique(frame["RateType"]):
        on = (frame["RateType"] == rate_type).to_numpy()
        if rate_type == ACQUISITION:
            rate = acq.rate
        elif rate_type == HISTORICAL_EQUITY:
            continue
        else:
            rate = _rate(rates, company.currency, group_ccy, rate_type, ctx)
            if rate is None:
                found.append(_missing_rate(company, rate_type, int(on.sum()), ctx))
        frame.loc[on, "Rate"] = pd.Series([rate] * int(on.sum()), index=frame.index[on], dtype=object)
    frame = _amounts(frame, share, group_ccy)
    he_row = frame["RateType"] == HISTORICAL_EQUITY
    if historical_equity is not None and retained:
        retained_full = -historical_equity
        if he_row.any():
            i = frame.index[he_row][0]
            movement = int(frame.at[i, "AmountLocal"]) - company.retained_opening
            exact = Fraction(-historical_equity)
            if movement:
                average = _rate(rates, company.currency, group_ccy, "Average", ctx)
                if average is None:
                    found.append(_missing_rate(company, "Average", 1, ctx))
                    return frame.drop(index=i)
                exact += movement * _scaled(average, company.currency, group_ccy)
            frame.at[i, "AmountGroup"] = _round(exact * share)
            frame.at[i, "_full"] = retained_full = _round(exact)
        if ctx.end == _fiscal_year_end(ctx):
            pl = frame["type"].isin(["Revenue", "Expense"])
            carried = -(retained_full + int(frame.loc[pl, "_full"].sum()))
            found.append(
                fnd.finding(
                    "historical-equity-next",
                    "Consolidation",
                    f"{company.name}: the HistoricalEquity of the next fiscal year is "
                    f"{money.format_minor(carried, group_ccy)} ({group_ccy}: these retained earnings plus this "
                    "year's result, as translated here)",
                    row=company.row,
                    column="HistoricalEquity",
                )
            )
    return frame


def _amounts(frame: pd.DataFrame, share: Fraction, group_ccy: str) -> pd.DataFrame:
    """AmountGroup (at ``share``) and ``_full`` (at 100 %) of every row with a rate; rows without
    one are left out (their missing-rate finding says so; the CTA holds them)."""
    currency = frame["Currency"]
    full = convert(frame["AmountLocal"].astype("Int64"), currency, frame["Rate"].astype(object), group_ccy)
    factor = pd.Series([None if r is None else r * share for r in frame["Rate"]], index=frame.index, dtype=object)
    part = convert(frame["AmountLocal"].astype("Int64"), currency, factor, group_ccy)
    keep = part.notna() | (frame["RateType"] == HISTORICAL_EQUITY)
    frame = frame.assign(AmountGroup=part.fillna(0), _full=full.fillna(0))[keep].copy()
    frame["AmountGroup"] = frame["AmountGroup"].astype("int64")
    frame["_full"] = frame["_full"].astype("int64")
    return frame


def _missing_rate(company: Company, rate_type: str, count: int, ctx: CloseContext) -> dict:
    group_ccy = ctx.accounting_currency
    return fnd.finding(
        "missing-rate",
        "Rates",
        f"no {rate_type} rate from {company.currency} to {group_ccy} (or back) "
        + (
            f"dated in the period {ctx.start:%Y-%m-%d}..{ctx.end:%Y-%m-%d}"
            if rate_type == "Average"
            else f"in force on {ctx.end:%Y-%m-%d}"
        )
        + f": {plural(count, 'line')} of {company.name} ({company.where}) {'is' if count == 1 else 'are'} not "
        + f"translated; the CTA line holds {'it' if count == 1 else 'them'}",
        column="Rate",
    )


def _group_account(company: Company, local: str) -> str:
    """The group account a subsidiary account consolidates into (its ConsolidationAccount, else itself)."""
    accounts = company.accounts
    if "consolidation_account" in accounts:
        hit = accounts.loc[accounts["account"].astype(str) == local, "consolidation_account"]
        if len(hit) and pd.notna(hit.iloc[0]) and str(hit.iloc[0]) != "":
            return str(hit.iloc[0])
    return local


def _subsidiary_rows(
    company: Company,
    frame: pd.DataFrame,
    settings: schema.Settings,
    rates: Rates,
    ctx: CloseContext,
    full: bool,
    found: list[dict],
) -> list[pd.DataFrame]:
    """A subsidiary's CTA, acquisition elimination (with goodwill) and non-controlling interest rows."""
    dims = tuple(ctx.dimensions)
    cta_account = settings.translation_adjustment_account
    parts: list[pd.DataFrame] = []
    translated = int(frame["AmountGroup"].sum())
    if translated:
        parts.append(_extra(company, CTA, cta_account, -translated, dims))
        if not cta_account:
            found.append(_missing_setting("TranslationAdjustmentAccount", company.name, "the CTA"))
    nci_at_acquisition = 0
    acq = company.acquisition
    if acq.investment is not None:
        rows, nci_at_acquisition, goodwill_cta = _acquisition_rows(company, frame, settings, rates, ctx, full, found)
        parts += rows
        if goodwill_cta:
            parts.append(_extra(company, CTA, cta_account, goodwill_cta, dims, local="goodwill"))
    if full and company.ownership < 1:
        outside = 1 - company.ownership
        net_assets = int(frame.loc[frame["type"].isin(["Asset", "Liability"]), "AmountGroup"].sum())
        nci = _round(Fraction(net_assets) * outside)
        nci_cta = _round(Fraction(-translated) * outside)  # IAS 21.41: the NCI's share of the CTA is the NCI's
        since = nci - nci_at_acquisition
        for account, amount in (
            (settings.non_controlling_interest_offset_account, since + nci_cta),
            (cta_account, -nci_cta),
            (settings.non_controlling_interest_account, -since),
        ):
            if amount:
                parts.append(_extra(company, NCI, account, amount, dims))
        for key, alias in (
            ("non_controlling_interest_account", "NonControllingInterestAccount"),
            ("non_controlling_interest_offset_account", "NonControllingInterestOffsetAccount"),
        ):
            if not getattr(settings, key) and (since or nci_cta):
                found.append(_missing_setting(alias, company.name, "the non-controlling interest"))
    return parts


def _acquisition_rows(company, frame, settings, rates, ctx, full, found) -> tuple[list[pd.DataFrame], int, int]:
    """The elimination of the parent's investment against the subsidiary's equity at acquisition
    (IFRS 10 B86(b), IFRS 3.32, the NCI at its share of the net assets, IFRS 3.19(b)), and goodwill
    as an asset of the subsidiary translated at the closing rate (IAS 21.47). (rows, the NCI at
    acquisition, the goodwill's translation difference for the CTA, signed as a CTA row)."""
    dims = tuple(ctx.dimensions)
    group_ccy = ctx.accounting_currency
    acq = company.acquisition
    foreign = company.currency != group_ccy
    if acq.equity is None:
        found.append(
            fnd.finding(
                "bad-setting",
                "Consolidation",
                f"{company.name} has an Investment but no EquityAtAcquisition: the investment is not eliminated",
                row=company.row,
                column="EquityAtAcquisition",
            )
        )
        return [], 0, 0
    rate = (
        acq.rate
        if acq.rate is not None
        else (_rate(rates, company.currency, group_ccy, "Historical", ctx) if foreign else Fraction(1))
    )
    if rate is None:
        found.append(_missing_rate(company, "Historical", 1, ctx))
        return [], 0, 0
    net_assets = _round(acq.equity * _scaled(rate, company.currency, group_ccy))
    owners = _round(net_assets * company.ownership)
    eliminated = net_assets if full else owners
    nci = net_assets - owners if full else 0
    goodwill = acq.investment - owners
    capital_rows = frame[
        (frame["type"] == "Equity") & frame["RateType"].isin([ACQUISITION, "Historical"]) & (frame["Kind"] == BALANCE)
    ]
    capital_rows = capital_rows[capital_rows["LocalAccount"] != str(company.retained_account or "")]
    rows: list[pd.DataFrame] = []
    for _, line in capital_rows.iterrows():
        rows.append(
            _extra(company, ACQUISITION, line["Account"], -int(line["AmountGroup"]), dims, local=line["LocalAccount"])
        )
    capital = -int(capital_rows["AmountGroup"].sum())
    retained = company.retained_account
    retained_group = _group_account(company, str(retained)) if retained else settings.retained_earnings_account
    rows.append(_extra(company, ACQUISITION, retained_group, eliminated - capital, dims, local=str(retained or "")))
    rows.append(_extra(company, ACQUISITION, settings.investment_account, -acq.investment, dims))
    if not settings.investment_account:
        found.append(_missing_setting("InvestmentAccount", company.name, "the investment eliminated"))
    if nci:
        rows.append(_extra(company, ACQUISITION, settings.non_controlling_interest_account, -nci, dims))
    goodwill_cta = 0
    if goodwill > 0:
        local = _round(goodwill / _scaled(rate, company.currency, group_ccy)) if foreign else goodwill
        closing = _rate(rates, company.currency, group_ccy, "Closing", ctx) if foreign else Fraction(1)
        if closing is None:
            found.append(_missing_rate(company, "Closing", 1, ctx))
            at_closing = goodwill
        else:
            at_closing = _round(local * _scaled(closing, company.currency, group_ccy))
        goodwill_cta = -(at_closing - goodwill)
        line = _extra(company, ACQUISITION, settings.goodwill_account, at_closing, dims, local="goodwill")
        line[["Currency", "AmountLocal", "Rate", "RateType"]] = [company.currency, local, closing, "Closing"]
        rows.append(line)
        if not settings.goodwill_account:
            found.append(_missing_setting("GoodwillAccount", company.name, "the goodwill"))
    elif goodwill < 0:
        this_year = acq.date is None or pd.Timestamp(acq.date) >= ctx.fiscal_year_start
        account = settings.bargain_purchase_account if this_year else settings.retained_earnings_account
        rows.append(_extra(company, ACQUISITION, account, goodwill, dims, local="bargain purchase"))
        if not account:
            alias = "BargainPurchaseGainAccount" if this_year else "RetainedEarningsAccount"
            found.append(_missing_setting(alias, company.name, "the gain on a bargain purchase"))
    return [r for r in rows if int(r["AmountGroup"].iloc[0])], nci, goodwill_cta


def _check_investment(table: pd.DataFrame, companies: list[Company], settings, group_ccy: str) -> list[dict]:
    """The parent's InvestmentAccount must hold what the Consolidation sheet's Investment cells add up to."""
    account = settings.investment_account
    typed = [c for c in companies if not c.parent and c.acquisition.investment is not None]
    if not account or not typed:
        return []
    parent = table[(table["Kind"] == BALANCE) & table["Company"].isin([c.name for c in companies if c.parent])]
    held = int(parent.loc[parent["Account"] == account, "AmountGroup"].sum())
    cost = sum(int(c.acquisition.investment) for c in typed)
    if held == cost:
        return []
    return [
        fnd.finding(
            "investment-mismatch",
            SHEET,
            f"the group workbook's InvestmentAccount {account} holds {money.display(held, group_ccy)} {group_ccy}, "
            f"the Consolidation sheet's Investment column adds up to {money.display(cost, group_ccy)}: the "
            f"difference {money.display(held - cost, group_ccy)} stays on {account} in the group",
            column="Investment",
        )
    ]


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


def _extra(
    company: Company | None, kind: str, account: str | None, amount: int, dims, *, local: str = ""
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Company": company.name if company else "",
                "Kind": kind,
                "Account": account or "",
                **dict.fromkeys(dims, ""),
                "LocalAccount": local,
                "Currency": "",
                "AmountLocal": None,
                "Rate": None,
                "Ownership": company.ownership if company else None,
                "AmountGroup": amount,
                "_full": amount,
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
    ic = (table["Kind"] == BALANCE) & partner.isin(names) & (partner != table["Company"])
    if settings.investment_account and any(c.acquisition.investment is not None for c in companies):
        ic &= table["Account"] != settings.investment_account  # eliminated against the equity, not as a balance
    ic = ic.to_numpy()
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
    kinds = {BALANCE: 0, CTA: 1, NCI: 2, ACQUISITION: 3, IC_DIFFERENCE: 4, UNBALANCED: 5}
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


#: The comparative consolidations :func:`group_statements` takes (closekit.closing.group_close):
#: the prior period's end, the prior fiscal year's end, the period last year and the one before it.
COMPARATIVES = ("prior", "year_end", "last_year", "last_year_prior")
#: The statement columns each comparative consolidation gives (blank when it is missing).
COMPARATIVE_COLUMNS = {
    "prior": ("PriorPeriodEnd", "Variance", "Variance %"),
    "year_end": ("PriorYearEnd", "VariancePYE", "VariancePYE %"),
    "last_year": ("PeriodLY", "VarianceLY", "VarianceLY %", "YearToDateLY", "VarianceYTDLY", "VarianceYTDLY %"),
    "last_year_prior": ("PeriodLY", "VarianceLY", "VarianceLY %"),
}
PERIOD_COLUMNS = ("Period", "VarianceLY", "VarianceLY %")


def _table_figures(table: pd.DataFrame, book, ctx: CloseContext) -> stm.Figures:
    """The figures of the group's balances of ``table`` (the rows not eliminated) at ``ctx.end``:
    their closing balances, year to date (the P&L of the fiscal year from its start)."""
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
    return stm.figures_of(lines.reset_index(drop=True), None, book, year, True)


def _with_movement(closing: stm.Figures, before: stm.Figures | None) -> stm.Figures:
    """``closing``'s figures with the movement since ``before`` (the same fiscal year's earlier end;
    None: since the year's start, the closing itself)."""
    frame, prior_pl, has_prior = closing
    frame = frame.copy()
    frame["movement"] = frame["closing"]
    if before is not None:
        earlier = before[0].set_index("account")["closing"]
        frame["movement"] = frame["closing"] - frame["account"].map(earlier).fillna(0).astype(np.int64)
        gone = before[0][~before[0]["account"].isin(frame["account"])]  # an account back to zero since
        if len(gone):
            frame = pd.concat([frame, gone.assign(closing=np.int64(0), movement=-gone["closing"])], ignore_index=True)
    return frame.astype({"closing": np.int64, "movement": np.int64}), prior_pl, has_prior


def group_statements(
    table: pd.DataFrame,
    book,
    ctx: CloseContext,
    comparatives: dict[str, tuple[pd.DataFrame, CloseContext]] | None = None,
    *,
    period_from: str | None = "prior",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(GroupBalanceSheet, GroupIncomeStatement): :func:`closekit.closing.statements.from_figures` on
    the group's balances (the rows not eliminated) with the group's Accounts sheet, the equity split
    into the owners' and the non-controlling interests' (IAS 1.54(q)/(r)), the income statement's
    profit into theirs (IAS 1.81B).

    ``comparatives``: the consolidated trial balance (and its context) at the dates of
    :data:`COMPARATIVES`; the columns of one left out are blank (None, :data:`COMPARATIVE_COLUMNS`).
    The balances are year to date, so ``Period`` is ``YearToDate`` less the ``period_from``
    comparative's (the prior period's end in the same fiscal year), or ``YearToDate`` itself when
    the period starts the fiscal year; blank when neither can be had (``period_from`` None or left
    out). ``PeriodLY`` likewise from ``last_year`` less ``last_year_prior``."""
    comparatives = comparatives or {}
    first = ctx.start == ctx.fiscal_year_start
    figures = {name: _table_figures(t, book, at) for name, (t, at) in comparatives.items()}
    current = _table_figures(table, book, ctx)
    period_ok = first or (period_from is not None and period_from in figures)
    figures_in = {"current": _with_movement(current, None if first or not period_ok else figures[period_from])}
    for name in ("prior", "year_end"):
        if name in figures:
            figures_in[name] = figures[name]
    last_year = comparatives.get("last_year")
    ly_first = last_year is not None and last_year[1].start == last_year[1].fiscal_year_start
    ly_ok = last_year is not None and (ly_first or "last_year_prior" in figures)
    if last_year is not None:
        before = None if ly_first else figures.get("last_year_prior")
        figures_in["last_year"] = _with_movement(figures["last_year"], before)
    balance, income = stm.from_figures(figures_in, book, split_equity=True)
    if len(income):
        nci = {name: non_controlling_profit(t, book) for name, (t, _) in comparatives.items()}
        nci_now = non_controlling_profit(table, book)
        shares = {
            "YearToDate": nci_now,
            "Period": nci_now - (0 if first or not period_ok else nci[period_from]),
            "YearToDateLY": nci.get("last_year", 0),
            "PeriodLY": nci.get("last_year", 0) - (0 if ly_first or not ly_ok else nci["last_year_prior"]),
        }
        top = income.iloc[-1]  # the profit for the period
        german = sl.language_of(book) == "de"
        owners_name, nci_name = (OWNERS_SHARE_DE, NCI_SHARE_DE) if german else (OWNERS_SHARE, NCI_SHARE)
        row = {"StatementLine": "", "Account": "", "Line": "", "Level": 0, "Kind": stm.TOTAL}
        split = pd.DataFrame(
            [
                {**row, "Name": owners_name, **{c: int(top[c]) - v for c, v in shares.items()}},
                {**row, "Name": nci_name, **shares},
            ]
        )
        income = stm.finish(pd.concat([income, split], ignore_index=True), stm.INCOME_STATEMENT_COLUMNS)
    blank = {c for name in COMPARATIVES if name not in comparatives for c in COMPARATIVE_COLUMNS[name]}
    if not period_ok:
        blank |= set(PERIOD_COLUMNS)
    if not ly_ok:
        blank |= set(COMPARATIVE_COLUMNS["last_year_prior"])
    for frame in (balance, income):
        for column in blank & set(frame.columns):
            frame[column] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return balance, income


OWNERS_SHARE = "Attributable to owners of the parent"
NCI_SHARE = "Attributable to non-controlling interests"
OWNERS_SHARE_DE = "davon den Anteilseignern des Mutterunternehmens zuzurechnen"
NCI_SHARE_DE = "davon den nicht beherrschenden Anteilen zuzurechnen"


def non_controlling_profit(table: pd.DataFrame, book) -> int:
    """The non-controlling interests' share of the group's profit (IFRS 10 B94, IAS 1.81B): under
    ``Full``, per subsidiary owned below 100 %, ``round((1 − ownership) × its translated profit)``
    (its income and expense rows, intercompany ones included); 0 under ``Proportionate``, whose
    lines are already the owners' share."""
    if book.settings is None or book.settings.consolidation_method != "Full":
        return 0
    types = tbm.account_types(book)
    rows = table[(table["Kind"] == BALANCE) & table["Account"].map(types).isin(list(tbm.PROFIT_AND_LOSS))]
    total = 0
    for _, part in rows.groupby("Company", sort=False):
        ownership = part["Ownership"].iloc[0]
        if ownership is None or ownership != ownership or ownership >= 1:
            continue
        total += _round(Fraction(-int(part["AmountGroup"].sum())) * (1 - Fraction(ownership)))
    return total


def retained_at_year_start(lines: pd.DataFrame, book, ctx: CloseContext) -> int:
    """A company's retained earnings at the start of the fiscal year (signed minor units): the opening
    balance of its RetainedEarningsAccount plus the earlier years' profit not closed into it yet."""
    retained = book.settings.retained_earnings_account if book.settings else None
    if not retained or lines.empty:
        return 0
    year = CloseContext(ctx.period, ctx.fiscal_year_start, ctx.end, ctx.fiscal_year_start, ctx.accounting_currency, ())
    sums = tbm.balances(lines, None, book, year)
    return int(sums.loc[sums["account"] == str(retained), "opening"].sum()) + int(sums["prior_pl"].sum())


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
    formats = {0: "amount0", 2: "amount", 3: "amount3"}
    fmt = formats.get(money.exponent(group_currency), "general")
    # AmountLocal is in each row's currency: their common number of decimals (EUR and USD: 2),
    # General only when the currencies differ in it (JPY beside EUR), so that no digit is hidden
    places = {money.exponent(str(c)) for c in table["Currency"].dropna().unique() if money.is_currency(str(c))}
    local = formats.get(places.pop(), "general") if len(places) == 1 else "general"
    return OutputSheet(
        SHEET, out.reset_index(drop=True), formats={"AmountGroup": fmt, "AmountLocal": local}, widths={"Company": 18}
    )


def json_records(table: pd.DataFrame, group_currency: str, dims: tuple[str, ...]) -> list[dict]:
    """The ``consolidation`` list of ``closekit close --json`` (workbook.md "Command line")."""
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
                "rate_type": rec.get("RateType") or None,
            }
        )
    return records
