"""Foreign-currency revaluation of general-ledger balances (domain.md §1; money and rates §0.3, §0.4).

One key per revalued account × dimension values × transaction currency (§1 rules 1–2). The balance
window is the fiscal year to ``ctx.end`` for Asset, Liability and Equity accounts and the period
``ctx.start``..``ctx.end`` for Revenue and Expense accounts (§1 rule 3). The rate is the one of
Settings ``RevaluationRateType`` in force on ``ctx.end``, the inverse pair when only it exists
(§0.4, §1 rules 4–5). Delta method, no reversal (§1 rule 6)::

    new   = round(Σ transaction amount × rate)   in accounting minor units, rounded once (§0.3)
    delta = new − Σ accounting amount

``delta > 0``: Dr the revalued account, Cr ``UnrealizedGainAccount``; ``delta < 0``: Dr
``UnrealizedLossAccount``, Cr the revalued account; both lines carry the key's dimensions (§1 rules
7, 9). A key whose transaction balance is zero is cleared (new = 0) and needs no rate (§1 edge cases).

**Accounting-currency lines** (D365, IAS 21: per transaction currency). An accounting-currency line
is never part of a foreign balance: a payables account with domestic and GBP suppliers revalues
its GBP lines only. The one exception is closekit's own earlier revaluation lines: they are in the
accounting currency (so every ERP takes them as an upload), they come back from the ERP as
accounting-currency lines on the revalued account, and for a rerun to give nothing they must count
in their currency's accounting balance. They are recognised by a key that survives the round trip
through every upload format, never by their text (an ERP may rewrite it):

- the **voucher number** ``REV-<period>-<currency>[n]`` (``REV-2026-10-GBP``, ``REV-2026-10-GBP2``;
  :func:`voucher_number`), also when an importer reads it as the first word of a longer voucher
  (Xero's Narration ``REV-2026-10-GBP Revaluation of ...``): that currency's key;
- an older closekit number ``REV-<period>-0001``, or the journal ``revaluation`` with no currency in
  the voucher: a revaluation line of unknown currency, counted in the only foreign currency of its
  account and dimensions; with several, it is left out with a Warning (``bad-setting``).

**Vouchers** [CK]: one voucher per revalued currency (``voucher_key`` = the currency code), so each
currency can be reviewed, posted or reversed on its own; each key adds two lines, debit first. The
runner numbers it with :func:`voucher_number` (stable: adding a currency never renumbers another;
a number the ledger already holds is never reused).
A missing rate or gain/loss account is an Error finding and the keys it concerns post nothing.
Only the few keys go through Python; selecting and summing lines is vectorised.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core import money
from closekit.core.plural import plural
from closekit.core.rates import convert
from closekit.core.steps import CloseContext, StepResult, adjustment_frame

STEP = "revaluation"
BALANCE_SHEET_TYPES = ("Asset", "Liability", "Equity")
#: Voucher number prefix of the revaluation vouchers (the runner's PREFIXES use it too).
PREFIX = "REV"
#: closekit's revaluation voucher number, as the first word of the voucher: the currency is group 1.
VOUCHER_PATTERN = r"^REV-\S+-([A-Z]{3})\d*(?:\s|$)"
#: Revaluation vouchers of closekit before the currency was in the number (``REV-2026-10-0001``).
LEGACY_PATTERN = r"^REV-\S+-\d{4}(?:\s|$)"
#: The journal of the revaluation lines (the generic and SAF-T uploads carry it back).
JOURNAL = STEP
#: A revaluation line recognised as closekit's whose currency the key does not name.
UNKNOWN = "?"


def run(lines: pd.DataFrame, book, ctx: CloseContext) -> StepResult:
    """Revaluation lines (in the accounting currency) and findings for the period of ``ctx``."""
    settings = book.settings
    rate_type = settings.revaluation_rate_type if settings else "Closing"
    offsets = {
        "gain": ("UnrealizedGainAccount", settings.unrealized_gain_account if settings else None),
        "loss": ("UnrealizedLossAccount", settings.unrealized_loss_account if settings else None),
    }
    keyed, warnings = _keyed(_window(lines, book.accounts, ctx), ctx)
    balances = _balances(keyed, book.rates, rate_type, ctx)
    missing_rate = balances["rate"].isna().to_numpy() & (balances["amount"] != 0).to_numpy()
    found = [
        fnd.finding(
            "missing-rate",
            "Rates",
            f"no {rate_type} rate from {currency} to {ctx.accounting_currency} (or back) in force on "
            f"{ctx.end:%Y-%m-%d}; {plural(len(keys), 'revaluation key')} in {currency} "
            f"{'is' if len(keys) == 1 else 'are'} not revalued",
            column="Rate",
        )
        for currency, keys in balances[missing_rate].groupby("currency", sort=True)
    ]
    found += _stale_rates(balances[~missing_rate & (balances["amount"] != 0).to_numpy()], book, rate_type, ctx)
    rows: list[dict] = []
    unposted = {"gain": 0, "loss": 0}
    for key in balances[~missing_rate & (balances["delta"] != 0).to_numpy()].to_dict("records"):
        side = "gain" if key["delta"] > 0 else "loss"
        offset = offsets[side][1]
        if offset:
            rows += _key_lines(key, int(key["delta"]), offset, rate_type, ctx)
        else:
            unposted[side] += 1
    found += [
        fnd.finding(
            "bad-setting",
            "Settings",
            f"the setting {offsets[side][0]} is empty; {plural(count, 'key')} with a revaluation {side} "
            f"post{'s' if count == 1 else ''} nothing",
            column="Value",
            fix=f"Add {offsets[side][0]} to Settings (an account of the Accounts sheet).",
        )
        for side, count in unposted.items()
        if count
    ]
    return StepResult(STEP, adjustment_frame(rows, ctx.dimensions), fnd.combine([fnd.frame(found), warnings]))


def _stale_rates(used: pd.DataFrame, book, rate_type: str, ctx: CloseContext) -> list[dict]:
    """``stale-rate`` Warnings: per currency revalued, a rate in force dated more than Settings
    ``RateMaxAgeDays`` (default 7) before ``ctx.end`` (a month-end rate nobody entered yet); an
    Average rate dated inside the period is the period's own and never stale."""
    days = getattr(book.settings, "rate_max_age_days", 7) if book.settings else 7
    out = []
    for currency in pd.unique(used["currency"]):
        since = book.rates.in_force_since(currency, ctx.accounting_currency, ctx.end, (rate_type,))
        if since is None or (ctx.end - since).days <= days:
            continue
        if rate_type == "Average" and since >= ctx.start:  # the period's own average rate, dated at its start
            continue
        out.append(
            fnd.finding(
                "stale-rate",
                "Rates",
                f"the {rate_type} rate of {currency} to {ctx.accounting_currency} in force on {ctx.end:%Y-%m-%d} is "
                f"dated {since:%Y-%m-%d}, {(ctx.end - since).days} days earlier (RateMaxAgeDays is {days}); "
                f"{currency} is revalued at it",
                column="Date",
                fix=f"Add the {rate_type} rate of {currency} on {ctx.end:%Y-%m-%d} to Rates, or raise RateMaxAgeDays "
                "in Settings if that rate is meant to hold.",
            )
        )
    return out


def _window(lines: pd.DataFrame, accounts: pd.DataFrame, ctx: CloseContext) -> pd.DataFrame:
    """Readable lines of Revalue accounts in their balance window (§1 rules 1, 3), dimensions filled."""
    revalued = accounts[accounts["revalue"].fillna(False).astype(bool)]
    pl_accounts = revalued.loc[~revalued["type"].isin(BALANCE_SHEET_TYPES), "account"]
    dims = list(ctx.dimensions)
    on = lines["account"].isin(revalued["account"]).to_numpy(dtype=bool, na_value=False)
    sub = lines.loc[
        on,
        ["where", "row", "journal", "voucher", "date", "account", *dims, "currency", "amount", "amount_accounting"],
    ]
    profit_and_loss = sub["account"].isin(pl_accounts).to_numpy(dtype=bool)
    after_start = np.where(profit_and_loss, sub["date"] >= ctx.start, sub["date"] >= ctx.fiscal_year_start)
    foreign = (sub["currency"] != ctx.accounting_currency).to_numpy(dtype=bool, na_value=True)
    keep = (
        after_start
        & (sub["date"] <= ctx.end).to_numpy(dtype=bool, na_value=False)
        & sub["amount_accounting"].notna().to_numpy()
        & sub["currency"].isin(money.currency_codes()).to_numpy(dtype=bool, na_value=False)
        & (~foreign | sub["amount"].notna().to_numpy())
    )
    sub = sub[keep].copy()
    for dim in dims:
        sub[dim] = sub[dim].fillna("").astype(str)
    sub["account"] = sub["account"].astype(str)
    sub["currency"] = sub["currency"].astype(str)
    return sub


def own_currency(lines: pd.DataFrame, accounting_currency: str) -> pd.Series:
    """Per line, the currency of closekit's own revaluation line (module docstring): the code its
    voucher number names, :data:`UNKNOWN` for a revaluation line whose key names no currency, NaN
    for any other line. Only accounting-currency lines can be revaluation lines."""
    out = pd.Series(np.nan, index=lines.index, dtype=object)
    home = (lines["currency"] == accounting_currency).to_numpy(dtype=bool, na_value=False)
    if not home.any():
        return out
    voucher = lines.loc[home, "voucher"].astype("string").fillna("").str.strip()
    candidate = voucher.str.startswith(PREFIX + "-").to_numpy(dtype=bool)  # a cheap look before the regex
    named = pd.Series(np.nan, index=voucher.index, dtype=object)
    if candidate.any():
        named[candidate] = voucher[candidate].str.extract(VOUCHER_PATTERN, expand=False).astype(object)
    named = named.where(named.isin(money.currency_codes() - {accounting_currency}))
    legacy = candidate.copy()
    if candidate.any():
        legacy[candidate] = voucher[candidate].str.match(LEGACY_PATTERN).to_numpy(dtype=bool, na_value=False)
    journal = lines.loc[home, "journal"].astype("string").fillna("").str.strip().str.lower()
    legacy |= (journal == JOURNAL).to_numpy(dtype=bool)
    named = named.where(named.notna() | ~legacy, UNKNOWN)
    out[home] = named.to_numpy(dtype=object)
    return out


def voucher_number(period: str, currency: str, used: set[str]) -> str:
    """The revaluation voucher of ``currency`` in ``period``: ``REV-2026-10-GBP``, or ``REV-2026-10-GBP2``,
    ``...3`` when the ledger already holds that number (a rerun after a corrected rate). Derived from
    the currency, so adding a currency never renumbers another; at most 16 characters for a period
    code of 7 (SAP's Reference) up to the ninth voucher of a currency and period."""
    base = f"{PREFIX}-{period}-{currency}"
    number, n = base, 1
    while number in used:
        n += 1
        number = f"{base}{n}"
    return number


def _keyed(window: pd.DataFrame, ctx: CloseContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Foreign lines, plus closekit's own earlier revaluation lines in the key of their currency
    (module docstring); any other accounting-currency line is no part of a foreign balance. Own
    lines whose currency cannot be told become Warnings."""
    group = ["account", *ctx.dimensions]
    is_home = (window["currency"] == ctx.accounting_currency).to_numpy()
    foreign = window[~is_home]
    own = own_currency(window[is_home], ctx.accounting_currency)
    home = window[is_home][own.notna().to_numpy(dtype=bool)].copy()
    named = own[own.notna()]
    seen = foreign.groupby(group, sort=False)["currency"].agg(["nunique", "first"])
    home = home.join(seen, on=group)
    count = home["nunique"].fillna(0).to_numpy()
    unknown = (named == UNKNOWN).to_numpy(dtype=bool)
    home["currency"] = np.where(~unknown, named.to_numpy(dtype=object), np.where(count == 1, home["first"], None))
    ambiguous = pd.Series(unknown & (count >= 2), index=home.index)
    # one warning per account and dimensions (at its first such line), not one per line
    per_key = home[ambiguous].groupby(group, sort=False)["row"].transform("size")
    first = pd.Series(False, index=home.index)
    first[home[ambiguous].drop_duplicates(group).index] = True
    warnings = fnd.from_mask(
        "bad-setting",
        home,
        first,
        column="Voucher",
        message=per_key.reindex(home.index).fillna(0).astype(int).astype(str)
        + f" {ctx.accounting_currency} revaluation lines on an account and dimensions with several foreign "
        "currencies (this is the first) whose voucher names no currency: closekit cannot tell which balance they "
        "revalue, so they are left out of revaluation",
        severity=fnd.Severity.WARNING,
        fix="Post revaluation lines with closekit's voucher numbers (REV-<period>-<currency>), which name the "
        "currency, or split the account per currency.",
    )
    home = home[home["currency"].notna()].assign(amount=0)
    columns = [*group, "currency", "amount", "amount_accounting"]
    return pd.concat([foreign[columns], home[columns]], ignore_index=True), warnings


def _balances(keyed: pd.DataFrame, rates, rate_type: str, ctx: CloseContext) -> pd.DataFrame:
    """One row per key: Σ transaction, Σ accounting, rate, new value and delta (§1 rule 6)."""
    group = ["account", *ctx.dimensions, "currency"]
    sums = keyed.astype({"amount": "int64", "amount_accounting": "int64"}).groupby(group, sort=True)
    out = sums[["amount", "amount_accounting"]].sum().reset_index()
    out = out[(out["amount"] != 0) | (out["amount_accounting"] != 0)].reset_index(drop=True)
    out = out.sort_values(["currency", *group[:-1]], kind="stable", ignore_index=True)
    when = pd.Series(ctx.end, index=out.index)
    out["rate"] = rates.lookup(out["currency"], when, ctx.accounting_currency, (rate_type,))
    new = convert(out["amount"].astype("Int64"), out["currency"], out["rate"], ctx.accounting_currency)
    new = new.where(out["amount"] != 0, 0)  # a zero transaction balance is cleared, with or without a rate
    out["delta"] = (new - out["amount_accounting"]).fillna(0).astype("int64")
    return out


def _key_lines(key: dict, delta: int, offset: str, rate_type: str, ctx: CloseContext) -> list[dict]:
    """The two lines of one key (§1 rules 7, 9): debit first."""
    currency = key["currency"]
    rate = f"at {_rate_text(key['rate'])}" if isinstance(key["rate"], Fraction) else "cleared"
    # short enough for SAP's 50-character item text: the date is the voucher's own
    text = f"Revaluation of {currency} {money.format_minor(int(key['amount']), currency)} {rate} ({rate_type})"
    common = {
        "journal": STEP,
        "voucher_key": currency,
        "date": ctx.end,
        **{d: key[d] for d in ctx.dimensions},
        "text": text,
        "rule": STEP,
        "revalued_currency": currency,
    }
    revalued = {**common, "account": key["account"], "amount_accounting": delta}
    other = {**common, "account": offset, "amount_accounting": -delta}
    return [revalued, other] if delta > 0 else [other, revalued]


def _rate_text(rate: Fraction) -> str:
    """A rate for people: exact when it has at most 12 significant digits, else rounded to 12."""
    with localcontext() as context:
        context.prec = 12
        value = Decimal(rate.numerator) / Decimal(rate.denominator)
    return format(value.normalize(), "f")
