"""Posting validation: every rule a vectorised mask over the whole ledger (workbook.md "Which
checks apply to what"; domain.md §0.2 and §4).

Each rule takes the ledger and the close book and returns a findings frame; :func:`validate`
runs them all. Cell-level problems (numbers, dates, currencies, formula text, missing rates) are
found while the lines are read (:mod:`closekit.core.ledger`); the rules here look at lines as a whole:
accounts, dimensions, balance (per voucher and per date), periods, duplicates, reused voucher
numbers and unposted journals. Journal vouchers already in the posted ledger are left out before
these rules run (:mod:`closekit.closing.posted_journals`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from closekit.closing import revaluation as revaluation_text
from closekit.core import findings as fnd
from closekit.core import money, parsing, periods
from closekit.core.ledger import Ledger
from closekit.core.periods import OPEN
from closekit.core.plural import plural
from closekit.workbook.book import CloseBook, sheet_hint

Rule = Callable[[Ledger, CloseBook], pd.DataFrame]


def check_accounts(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``unknown-account`` and ``non-postable-account``: every line's account is in Accounts and postable."""
    lines = ledger.lines
    account = lines["account"]
    known = parsing.mask(account.isin(book.accounts["account"]))

    def column() -> pd.Series:
        return ledger.source_column("account")

    blank = parsing.mask(account == "")
    headers = set(book.accounts.loc[~book.accounts["postable"].astype(bool), "account"])
    header_hit = parsing.mask(account.isin(headers))

    unknown = ~known & ~blank
    # accounts that lost their leading zeros (480 for 0480): found once, for the message and the fix
    zeros = leading_zero_matches(account[unknown], book.accounts["account"]) if unknown.any() else _NO_MATCHES

    def unknown_message() -> pd.Series:
        text = "account " + account.astype(str) + " is not in the Accounts sheet"
        if zeros.empty:
            return text
        hint = (
            "; Accounts has "
            + zeros
            + ": the leading zeros were probably lost (Excel reads 0480 typed or pasted into a General "
            "column as the number 480)"
        )
        return text + hint.reindex(text.index, fill_value="")

    return fnd.combine(
        [
            fnd.from_mask(
                "unknown-account",
                lines,
                unknown,
                column=column,
                message=unknown_message,
                fix=None if zeros.empty else _LEADING_ZEROS_FIX,
            ),
            fnd.from_mask("unknown-account", lines, blank, column=column, message="the account is empty"),
            fnd.from_mask(
                "non-postable-account",
                lines,
                header_hit,
                column=column,
                message=lambda: "account " + account.astype(str) + " is not postable (Postable = No)",
            ),
        ]
    )


def leading_zero_matches(accounts: pd.Series, known: pd.Series) -> pd.Series:
    """For each of ``accounts`` that is all digits and not ``known``: the known account it is once
    its lost leading zeros are put back (``480`` -> ``0480``), where exactly one known account fits.
    Accounts without such a match are left out of the result."""
    digits = known[known.str.fullmatch(r"0+[0-9]+", na=False)]
    keys = digits.str.lstrip("0")
    unique = ~keys.duplicated(keep=False)  # 0480 and 00480 both known: no match for 480
    by_key = dict(zip(keys[unique], digits[unique], strict=True))
    if not by_key:
        return _NO_MATCHES
    candidates = accounts[accounts.str.fullmatch(r"[0-9]+", na=False) & ~accounts.isin(set(known))]
    matched = candidates.str.lstrip("0").map(by_key)
    return matched[matched.notna()].astype(object)


_NO_MATCHES = pd.Series([], dtype=object)

_LEADING_ZEROS_FIX = (
    "Add the account to Accounts or correct the account number. Where the message names an account with "
    "leading zeros: format the account column as Text before pasting or typing, or set "
    "RestoreLeadingZeros = Yes in Settings to match such accounts to the Accounts sheet."
)


def check_dimensions(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``missing-dimension`` (RequiredDimensions of the account) and ``unknown-dimension-value``."""
    lines, out = ledger.lines, []
    journal = parsing.mask(lines["kind"] == "journal")
    for dim in ledger.dimensions:
        values = lines[dim]
        column = _lazy_column(ledger, dim)
        needs = book.accounts.loc[book.accounts["required_dimensions"].map(lambda r, d=dim: d in r), "account"]
        missing = parsing.mask(lines["account"].isin(needs)) & parsing.mask(values == "")
        out.append(
            fnd.from_mask(
                "missing-dimension",
                lines,
                missing,
                column=column,
                message=lambda dim=dim: "account " + lines["account"].astype(str) + " requires a " + dim,
            )
        )
        listed = book.dimension_values[book.dimension_values["dimension"] == dim]
        if listed.empty:
            continue  # a dimension with no rows in Dimensions accepts any value
        filled = parsing.mask(values != "")
        unknown = filled & ~parsing.mask(values.isin(listed["value"]))
        inactive = filled & journal & parsing.mask(values.isin(listed.loc[~listed["active"].astype(bool), "value"]))
        out.append(
            fnd.from_mask(
                "unknown-dimension-value",
                lines,
                unknown,
                column=column,
                message=lambda dim=dim, values=values: (
                    dim + " value '" + values.astype(str) + "' is not in the Dimensions sheet"
                ),
            )
        )
        out.append(
            fnd.from_mask(
                "unknown-dimension-value",
                lines,
                inactive,
                column=column,
                message=lambda dim=dim, values=values: (
                    dim + " value '" + values.astype(str) + "' is inactive (Active = No)"
                ),
            )
        )
    return fnd.combine(out)


def _lazy_column(ledger: Ledger, name: str) -> Callable[[], pd.Series]:
    """The source header of field ``name`` per line, built only when a finding needs it."""
    return lambda: ledger.source_column(name)


def check_account_currency(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``currency-not-allowed``: an account with a Currency accepts lines in that currency only
    (and the accounting-currency revaluation lines closekit writes for it)."""
    lines = ledger.lines
    restricted = book.accounts.dropna(subset=["currency"]).set_index("account")["currency"]
    if restricted.empty:
        return fnd.frame()
    lines = lines[parsing.mask(lines["account"].isin(restricted.index))]
    # closekit's own revaluation lines correct the accounting value of a foreign-currency account:
    # they are in the accounting currency by design (domain.md §1) and are not flagged.
    revaluation = revaluation_text.own_currency(lines, book.accounting_currency).notna()
    lines = lines[~revaluation.to_numpy(dtype=bool)]
    if lines.empty:
        return fnd.frame()
    allowed = lines["account"].astype(object).map(restricted)
    hit = parsing.mask(allowed != lines["currency"].astype(object))
    return fnd.from_mask(
        "currency-not-allowed",
        lines,
        hit,
        column=ledger.source_column("currency", lines),
        message="account "
        + lines["account"].astype(str)
        + " accepts "
        + allowed.astype(str)
        + " only; the line is in "
        + lines["currency"].astype(str),
    )


def check_balance(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``unbalanced-voucher`` (domain.md §0.2): per file, journal and voucher, Σ accounting = 0,
    and Σ transaction amounts = 0 when all lines share one currency. Vouchers with an unreadable
    amount are left out (that cell already has a finding). Lines without a voucher number are
    grouped per file, journal and date."""
    lines = ledger.lines
    if lines.empty:
        return fnd.frame()
    voucher = lines["voucher"]
    no_voucher = parsing.mask(voucher == "")
    voucher_codes = None
    if no_voucher.any():
        date_key = lines.loc[no_voucher, "date"].dt.strftime("%Y-%m-%d").fillna("")
        voucher = voucher.copy()
        voucher[no_voucher] = "(no voucher) " + date_key
    else:
        voucher_codes = _codes(ledger, "voucher")
    # One integer per (file, journal, voucher), numbered in order of first appearance: grouping on
    # integers instead of three text columns is what keeps this rule fast on a million lines.
    group = _group_ids([lines["where"], _codes(ledger, "journal"), voucher if voucher_codes is None else voucher_codes])
    acct, txn = lines["amount_accounting"], lines["amount"]
    currency_codes = pd.factorize(lines["currency"])[0]
    dates = lines["date"]
    day = dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
    frame = pd.DataFrame(
        {
            "acct": acct,
            "txn": txn,
            "unreadable": (acct.isna() | txn.isna()).to_numpy(dtype=bool),
            "undated": dates.isna().to_numpy(dtype=bool),
            "debit": acct.clip(lower=0),
            "ccy_min": currency_codes,
            "ccy_max": currency_codes,
            "day_min": day,
            "day_max": day,
        }
    )
    sums = frame.groupby(group, sort=True).agg(
        acct=("acct", "sum"),
        txn=("txn", "sum"),
        unreadable=("unreadable", "any"),
        undated=("undated", "any"),
        debit=("debit", "sum"),
        ccy_min=("ccy_min", "min"),
        ccy_max=("ccy_max", "max"),
        day_min=("day_min", "min"),
        day_max=("day_max", "max"),
    )
    single_currency = sums["ccy_min"] == sums["ccy_max"]
    off_acct = (sums["acct"] != 0) & ~sums["unreadable"]
    off_txn = single_currency & (sums["txn"] != 0) & ~sums["unreadable"] & ~off_acct
    # A voucher that nets to zero overall must also net to zero on each of its dates (hledger and
    # beancount give a transaction one date; D365 checks "balance as per date").
    several_dates = (
        ~(off_acct | off_txn) & (sums["day_min"] != sums["day_max"]) & ~sums["unreadable"] & ~sums["undated"]
    )
    per_date = _per_date(ledger, book, group, frame, sums.index[several_dates.to_numpy()], single_currency)
    if not (off_acct | off_txn).any():
        return per_date
    first_of = pd.Series(group).drop_duplicates().index.to_numpy()  # group g first appears at first_of[g]
    where_text = lines["where"].astype(str)
    records = []
    acct_ccy = book.accounting_currency or "EUR"
    for gid, row in sums[off_acct | off_txn].iterrows():
        at = first_of[gid]
        line = lines.iloc[at]
        key = (where_text.iat[at], None, voucher.iat[at])
        voucher_key = key[2]
        if row["acct"] != 0:
            credit = row["debit"] - row["acct"]
            message = (
                f"voucher {voucher_key} does not balance in {acct_ccy}: debits "
                f"{money.display(row['debit'], acct_ccy)}, credits {money.display(credit, acct_ccy)}, "
                f"difference {money.display(row['acct'], acct_ccy)}"
            )
            column = "amount_accounting" if "amount_accounting" in _columns(ledger, key[0]) else "amount"
        else:
            currency = str(line["currency"])
            message = (
                f"voucher {voucher_key} does not balance in {currency}: "
                f"difference {money.display(row['txn'], currency)}"
            )
            column = "amount"
        header = _columns(ledger, key[0]).get(column) or _columns(ledger, key[0]).get("debit", "Debit")
        date = line["date"]
        if pd.notna(date):
            message += f" (dated {date:%Y-%m-%d})"
        records.append(
            fnd.finding(
                "unbalanced-voucher", key[0], message, row=int(line["row"]), column=header, voucher=str(line["voucher"])
            )
        )
    return fnd.combine([fnd.frame(records), per_date])


#: Above this many minor units a sum of int64 amounts could come near wrapping (2**63 - 1 is the
#: largest int64); the float64 estimate of Σ|amount| below is far more precise than this margin.
SUM_LIMIT = 2.0**62


def check_overflow(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``amount-overflow``: amounts are int64 minor units and numpy/pandas sums wrap silently
    (1,845 lines of 99,999,999,999,999.99 add up to 2**64 cents, which reads as 0). No sum of any
    set of lines can exceed Σ|amount| over the whole ledger, so when that (estimated in float64)
    stays below 2**62 nothing can wrap and this rule costs one pass. Otherwise each voucher whose
    own Σ|amount| passes the limit is an Error naming it; when no single voucher does, the ledger
    as a whole is (account and report totals could wrap)."""
    lines = ledger.lines
    if lines.empty:
        return fnd.frame()
    gross = np.zeros(len(lines))
    for name in ("amount", "amount_accounting"):
        values = np.abs(lines[name].to_numpy(dtype="float64", na_value=0.0))
        gross = np.maximum(gross, values)
    if float(gross.sum()) < SUM_LIMIT:
        return fnd.frame()
    group = _group_ids([lines["where"], _codes(ledger, "journal"), _codes(ledger, "voucher")])
    per_voucher = pd.Series(gross).groupby(group, sort=True).sum()
    first_of = pd.Series(group).drop_duplicates().index.to_numpy()
    records = []
    limit = "92,233,720,368,547,758.07 in a currency with cents"  # 2**63 - 1 minor units
    for gid in per_voucher.index[(per_voucher >= SUM_LIMIT).to_numpy()]:
        at = first_of[gid]
        line = lines.iloc[at]
        where = str(line["where"])
        count = int((group == gid).sum())
        records.append(
            fnd.finding(
                "amount-overflow",
                where,
                f"voucher {line['voucher']} has {count} lines whose amounts add up to more than closekit sums "
                f"exactly ({limit}): its balance is not checked and it is not closed",
                row=int(line["row"]),
                column=_columns(ledger, where).get("amount") or _columns(ledger, where).get("debit", "Debit"),
                voucher=str(line["voucher"]),
            )
        )
    if not records:
        records.append(
            fnd.finding(
                "amount-overflow",
                str(lines["where"].iat[0]),
                f"the {len(lines)} ledger lines add up to more than closekit sums exactly ({limit}): account "
                f"and report totals would not be right",
            )
        )
    return fnd.frame(records)


def _per_date(
    ledger: Ledger,
    book: CloseBook,
    group: np.ndarray,
    frame: pd.DataFrame,
    candidates: pd.Index,
    single_currency: pd.Series,
) -> pd.DataFrame:
    """``unbalanced-voucher`` for vouchers that net to zero overall but not on each of their dates:
    one finding per date that does not net to zero, at that date's first line, naming every date
    of the voucher (and its periods when they differ) with what it nets to."""
    if not len(candidates):
        return fnd.frame()
    lines = ledger.lines
    at = np.flatnonzero(np.isin(group, candidates.to_numpy()))
    sub = frame.iloc[at]
    keys = [group[at], sub["day_min"].to_numpy()]
    by_day = sub.groupby(keys, sort=True).agg(acct=("acct", "sum"), txn=("txn", "sum"), debit=("debit", "sum"))
    one_ccy = single_currency.reindex(by_day.index.get_level_values(0)).to_numpy()
    by_day["off"] = (by_day["acct"] != 0).to_numpy() | (one_ccy & (by_day["txn"] != 0).to_numpy())
    off_vouchers = set(by_day.index[by_day["off"].to_numpy()].get_level_values(0))
    if not off_vouchers:
        return fnd.frame()
    acct_ccy = book.accounting_currency or "EUR"
    rows = lines["row"].to_numpy()
    where_text = lines["where"].astype(str)
    positions = pd.Series(at).groupby(keys, sort=True).agg(list)
    records = []
    for gid in sorted(off_vouchers):
        days = by_day.loc[gid]
        first = positions.loc[gid].iloc[0][0]
        where, voucher = where_text.iat[first], str(lines["voucher"].iat[first])
        field = "acct" if (days["acct"] != 0).any() else "txn"
        currency = acct_ccy if field == "acct" else str(lines["currency"].iat[first])
        stamps = pd.to_datetime(days.index.to_numpy(dtype=np.int64))
        nets = days[field].to_numpy(dtype=np.int64)
        parts = [
            f"on {stamp:%Y-%m-%d} {_net(net, currency)} ({row_list(rows[positions.loc[(gid, day)]])})"
            for stamp, day, net in zip(stamps, days.index, nets, strict=True)
        ]
        message = f"voucher {voucher} balances overall but not per date in {currency}: " + "; ".join(parts)
        periods = book.calendar.locate(pd.Series(stamps))[0].to_numpy()
        if len(set(periods)) > 1 and all(periods):
            by_period = pd.Series(nets).groupby(periods, sort=False).sum()
            off = [f"{period} {_net(int(net), currency)}" for period, net in by_period.items() if net != 0]
            if off:
                message += "; so the periods do not balance either: " + ", ".join(off)
        columns = _columns(ledger, where)
        name = "amount_accounting" if field == "acct" and "amount_accounting" in columns else "amount"
        for stamp, day, net, off_day in zip(stamps, days.index, nets, days["off"], strict=True):
            if not off_day:
                continue
            header = columns.get(name) or columns.get(
                "debit" if net > 0 else "credit", "Debit" if net > 0 else "Credit"
            )
            start = positions.loc[(gid, day)][0]
            records.append(
                fnd.finding(
                    "unbalanced-voucher",
                    where,
                    f"{message} (this line is dated {stamp:%Y-%m-%d})",
                    row=int(rows[start]),
                    column=header,
                    voucher=voucher,
                    fix="Give every line of the voucher the same date, or split it into one voucher per date "
                    "that nets to zero.",
                )
            )
    return fnd.frame(records)


def _net(minor: int, currency: str) -> str:
    side = "debit" if minor > 0 else "credit"
    return f"a net {side} of {money.display(abs(int(minor)), currency)}" if minor else "nets to zero"


def row_list(rows: np.ndarray | list[int], limit: int = 6) -> str:
    """``row 7``, ``rows 2-3``, ``rows 2, 5, 9`` or ``rows 2, 5, 9, ... (12 rows)``."""
    rows = [int(r) for r in rows]
    if len(rows) == 1:
        return f"row {rows[0]}"
    if rows == list(range(rows[0], rows[0] + len(rows))):
        return f"rows {rows[0]}-{rows[-1]}"
    shown = ", ".join(str(r) for r in rows[:limit])
    return f"rows {shown}" + (f", ... ({len(rows)} rows)" if len(rows) > limit else "")


def _group_ids(keys: list[pd.Series | tuple[np.ndarray, int]], *, dense: bool = True) -> np.ndarray:
    """One integer per distinct combination of ``keys``, 0, 1, ... in order of first appearance
    (``dense=False``: distinct non-negative integers below 2**62, without that last renumbering).
    A key is a Series or already its (codes, number of codes) (:func:`_codes`)."""
    combined, size = None, 1
    for key in keys:
        codes, count = key if isinstance(key, tuple) else _factorized(key)
        count = max(count, 1)
        if combined is None:
            combined, size = codes.astype(np.int64, copy=False), count
            continue
        if size * count >= 2**62:  # renumber before the product of the sizes could overflow
            combined, uniques = pd.factorize(combined)
            size = max(len(uniques), 1)
        combined, size = combined * count + codes, size * count
    return pd.factorize(combined)[0] if dense else combined


def _factorized(values: pd.Series) -> tuple[np.ndarray, int]:
    if isinstance(values.dtype, pd.CategoricalDtype):  # the codes are there already (-1 for NA)
        return values.cat.codes.to_numpy(dtype=np.int64) + 1, len(values.cat.categories) + 1
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes.astype(np.int64, copy=False), len(uniques)


def _codes(ledger: Ledger, name: str) -> tuple[np.ndarray, int]:
    """The factorized column ``name`` of the ledger's lines, computed once per lines frame: the
    balance and the voucher-number rules both group a million lines by journal and voucher."""
    cache = ledger.__dict__.setdefault("_factorized", {})
    hit = cache.get(name)
    if hit is None or hit[0] is not ledger.lines:
        hit = cache[name] = (ledger.lines, *_factorized(ledger.lines[name]))
    return hit[1], hit[2]


def _columns(ledger: Ledger, where: str) -> dict[str, str]:
    return next((s.columns for s in ledger.sources if s.where == where), {})


def check_periods(ledger: Ledger, book: CloseBook, *, user: str = "") -> pd.DataFrame:
    """``period-unknown`` and ``period-not-open`` for lines still to be posted (Kind ``journal``).

    Posted ledger lines in a period that is now On hold are normal and are not flagged. A line
    meets its period's Status, or the status column of its journal's module (ReceivablesStatus,
    PayablesStatus, InventoryStatus: :func:`closekit.core.periods.module_of`) where that is more
    closed. While the status it meets is On hold, a line is accepted when ``user`` (the run's
    login, passed in by the pipeline) is a member of the period's AccessGroup by the Users sheet:
    one ``period-access-granted`` Info per period says so. Permanently closed is always refused.
    """
    lines = ledger.lines
    journal = parsing.mask(lines["kind"] == "journal") & lines["date"].notna().to_numpy()
    if not journal.any():
        return fnd.frame()
    todo = lines[journal]
    calendar = book.calendar
    pos = calendar.positions(todo["date"])
    period = calendar.column_at(pos, "period", todo.index)
    ledger_status = calendar.column_at(pos, "status", todo.index)
    by_module = any(calendar.table[c].ne("").any() for c, _ in periods.MODULE_COLUMNS.values())
    modules = periods.modules_of(todo["journal"]) if by_module else pd.Series(periods.LEDGER, index=todo.index)
    status = calendar.module_status(pos, modules) if by_module else ledger_status
    group = calendar.column_at(pos, "access_group", todo.index)
    held = parsing.mask((period != "") & (status == periods.ON_HOLD) & (group != ""))
    granted_groups = {g for g in set(group[held]) if book.member(user, g) is not None}
    granted = held & parsing.mask(group.isin(granted_groups))
    refused = parsing.mask((period != "") & (status != OPEN)) & ~granted
    column = ledger.source_column("date", todo)
    day = todo["date"].dt.strftime("%Y-%m-%d")

    def refused_message() -> pd.Series:
        text = "date " + day + " is in period " + period.astype(str) + ", which is " + status.astype(str)
        from_module = (status != ledger_status) & (modules != periods.LEDGER)
        if from_module.any():
            header = modules.map({m: h for m, (_, h) in periods.MODULE_COLUMNS.items()}).fillna("")
            note = (
                " for "
                + modules.astype(str)
                + " journals ("
                + header.astype(str)
                + "; the journal "
                + todo["journal"].astype(str).map(repr)
                + " is one; its Status is "
                + ledger_status.astype(str)
                + ")"
            )
            text = text.where(~from_module, text + note)
        if held.any():
            who = f"the run's user {user!r} is not one" if user else "the run's user is not known"
            note = (
                "; while it is On hold only members of its AccessGroup "
                + group.astype(str)
                + " may post into it, and "
                + who
                + " (Users sheet)"
            )
            text = text.where(~held, text + note)
        return text

    granted_infos = []
    if granted.any():
        hits = pd.DataFrame({"period": period[granted], "group": group[granted]})
        for (code, name), part in hits.groupby(["period", "group"], sort=True):
            entry = book.member(user, name)
            row = calendar.get(code)
            granted_infos.append(
                fnd.finding(
                    "period-access-granted",
                    "Periods",
                    f"{plural(len(part), 'line')} into period {code} (On hold) accepted: {user} is in {name} "
                    f"(Users row {entry.row if entry else '?'})",
                    row=int(row["row"]) if row else None,
                    column="AccessGroup",
                )
            )
    return fnd.combine(
        [
            fnd.from_mask(
                "period-unknown",
                todo,
                parsing.mask(period == ""),
                column=column,
                message="date " + day + " falls in no period of the Periods sheet",
            ),
            fnd.from_mask("period-not-open", todo, refused, column=column, message=refused_message),
            fnd.frame(granted_infos),
        ]
    )


#: What makes two lines the same line (``duplicate-line``); the dimensions go after ``account``.
DUPLICATE_KEY = [
    "kind",
    "journal",
    "voucher",
    "line",
    "date",
    "account",
    "currency",
    "amount",
    "amount_accounting",
    "text",
]


def check_duplicates(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``duplicate-line``: a line read before, from another file or sheet (an export loaded twice),
    or, with its line number, twice in one file. A line number that comes back with other content
    is a second voucher under the same number: :func:`check_voucher_reuse`.

    Identical lines without line numbers inside one file are legitimate (two equal postings in one
    voucher); they are matched occurrence by occurrence, so only a second copy of the file is flagged.
    """
    lines = ledger.lines
    if len(lines) < 2:
        return fnd.frame()
    key_columns = [*DUPLICATE_KEY[:6], *ledger.dimensions, *DUPLICATE_KEY[6:]]
    digest = _line_digests(lines, key_columns)
    numbered = lines["line"].notna().to_numpy()
    occurrence = np.zeros(len(lines), dtype=np.int64)
    if not numbered.all():  # the occurrence count only matters for lines without a line number
        loose = ~numbered
        occurrence[loose] = (
            pd.Series(digest[loose])
            .groupby([lines["where"].to_numpy()[loose], digest[loose]], observed=True)
            .cumcount()
            .to_numpy()
        )
    keyed = pd.DataFrame({"digest": digest, "occurrence": occurrence})
    repeat = (
        keyed.duplicated(keep="first").to_numpy()
        if occurrence.any()
        else pd.Series(digest).duplicated(keep="first").to_numpy()
    )
    if not repeat.any():
        return fnd.frame()
    first_index = keyed.drop_duplicates(keep="first").reset_index().set_index(["digest", "occurrence"])["index"]
    originals = first_index.reindex(pd.MultiIndex.from_frame(keyed[repeat])).to_numpy()
    where = lines["where"].astype(str).to_numpy()
    rows = lines["row"].to_numpy()
    repeated = pd.Series(repeat, index=lines.index)
    out, message = [], pd.Series("", index=lines.index, dtype=object)
    message[repeat] = [f"the same line as {where[i]} row {rows[i]}" for i in originals]
    for source in pd.unique(where[repeat]):  # a whole export loaded twice: one finding, not thousands
        mine = where == source
        sources_of_originals = set(where[originals[mine[repeat]]])
        if repeat[mine].all() and len(sources_of_originals) == 1 and source not in sources_of_originals:
            first = int(np.flatnonzero(mine)[0])
            out.append(
                fnd.frame(
                    [
                        fnd.finding(
                            "duplicate-line",
                            source,
                            f"all {int(mine.sum())} lines of {source} were already read from "
                            f"{sources_of_originals.pop()}: the same export is loaded twice",
                            row=int(rows[first]),
                            column="",
                            voucher=str(lines["voucher"].iat[first]),
                        )
                    ]
                )
            )
            repeated[mine] = False
    out.append(
        fnd.from_mask("duplicate-line", lines, repeated, column=_lazy_column(ledger, "voucher"), message=message)
    )
    return fnd.combine(out)


#: Key columns of many distinct long texts, left out of the first, quick pass of :func:`_line_digests`.
_SLOW_KEY = ("voucher", "text")


def _line_digests(lines: pd.DataFrame, key_columns: list[str]) -> np.ndarray:
    """A 64-bit hash per line of its ``key_columns``: equal keys, equal hashes. The voucher numbers
    and texts (most of the hashing time) are hashed only for the lines whose other key columns
    repeat; a line whose other columns are unique keeps the hash of those, which no other line
    shares (the two kinds of hash meet only by a 64-bit accident, as any two hashes do)."""
    quick_columns = [c for c in key_columns if c not in _SLOW_KEY]
    digest = pd.util.hash_pandas_object(lines[quick_columns], index=False).to_numpy()
    if len(quick_columns) == len(key_columns):
        return digest
    again = pd.Series(digest).duplicated(keep=False).to_numpy()
    if again.any():
        digest = digest.copy()
        digest[again] = pd.util.hash_pandas_object(lines.loc[again, key_columns], index=False).to_numpy()
    return digest


def check_voucher_reuse(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``voucher-number-reused``: one voucher number (per kind, journal and fiscal year) that names
    two vouchers. Told apart by a line number that comes back with other content (the second voucher
    numbered 1, 2, ... again; exact copies are ``duplicate-line``), or, without repeated line numbers,
    by dates: lines on several dates that each net to zero on their own (a date that does not is the
    per-date ``unbalanced-voucher``). One finding per later occurrence, naming the first; a Warning,
    an Error when an occurrence does not balance on its own (the two hide each other's difference in
    the voucher's total). DATEV's Belegfeld 1 is a document reference that an invoice and its payment
    share, not a voucher number: it is not checked. Journal sources against the posted ledger:
    :mod:`closekit.closing.posted_journals`."""
    lines = ledger.lines
    if len(lines) < 2:
        return fnd.frame()
    datev = [s.where for s in ledger.sources if s.format == "datev"]
    eligible = parsing.mask(lines["voucher"] != "").to_numpy() & lines["date"].notna().to_numpy()
    if datev:
        eligible &= ~lines["where"].isin(datev).to_numpy()
    at = np.flatnonzero(eligible)
    if len(at) < 2:
        return fnd.frame()
    whole = len(at) == len(lines)
    part = lines if whole else lines.iloc[at]
    start = book.settings.fiscal_year_start if book.settings else 1
    year = periods.fiscal_years(part["date"], start)
    keys = [_codes(ledger, c) for c in ("kind", "journal", "voucher")]
    if not whole:
        keys = [(codes[at], count) for codes, count in keys]
    day = part["date"].to_numpy(dtype="datetime64[ns]").view(np.int64) // 86_400_000_000_000
    day = day - day.min()
    days = int(day.max()) + 1
    number = part["line"]
    numbered = number.notna().to_numpy()
    n = number.to_numpy(dtype=np.int64, na_value=0)[numbered]
    n = n - (n.min() if len(n) else 0)
    numbers = int(n.max()) + 1 if len(n) else 1
    # distinct integers per (kind, journal, voucher, fiscal year), small enough to pair with a day
    # or a line number without overflow (renumbered densely when they are not)
    group = _group_ids([*keys, (year - year.min(), int(year.max() - year.min()) + 1)], dense=False)
    if int(group.max()) >= 2**62 // max(days, numbers):
        group = pd.factorize(group)[0]
    # Lines on several dates: a voucher number that comes back among the distinct (number, day) pairs.
    pairs = pd.unique(group * days + day) // days
    suspects = pairs[pd.Series(pairs).duplicated().to_numpy()]
    # A line number that comes back within one voucher number.
    if numbered.any():
        again = pd.Series(group[numbered] * numbers + n).duplicated().to_numpy()
        suspects = np.concatenate([suspects, group[numbered][again]])
    if not len(suspects):
        return fnd.frame()
    chosen = np.flatnonzero(np.isin(group, suspects))
    sub = part.iloc[chosen].assign(_group=group[chosen], _pos=at[chosen])
    records = []
    for _, voucher in sub.groupby("_group", sort=False):
        records += _reuse_findings(ledger, voucher, book.accounting_currency or "EUR")
    return fnd.frame(records)


def _reuse_findings(ledger: Ledger, voucher: pd.DataFrame, acct_ccy: str) -> list[dict]:
    """The findings of one voucher number's lines (kind, journal, fiscal year), in ledger order."""
    occurrence = pd.Series(0, index=voucher.index, dtype=np.int64)
    numbered = voucher["line"].notna()
    if numbered.sum() > voucher.loc[numbered, "line"].nunique():
        content = [c for c in DUPLICATE_KEY if c not in ("kind", "journal", "voucher")]
        keys = [*content, *ledger.dimensions]
        copy = voucher.duplicated(subset=keys, keep="first") & numbered  # duplicate-line's, not a new voucher
        kept = numbered & ~copy
        occurrence[kept] = voucher[kept].groupby("line", sort=False).cumcount()
        occurrence[copy] = -1
    if occurrence.max() == 0:  # no line number comes back: tell the vouchers apart by date
        if voucher["date"].nunique() < 2:
            return []
        nets = voucher.groupby("date", sort=True)["amount_accounting"].sum()
        if voucher["amount_accounting"].isna().any() or (nets != 0).any():
            return []  # a date that does not net to zero: check_balance says so per date
        occurrence = pd.Series(pd.factorize(voucher["date"], sort=False)[0], index=voucher.index)
    parts = [voucher[occurrence == k] for k in sorted(set(occurrence) - {-1})]
    first = parts[0]
    label = _voucher_label(first)
    out = []
    for k, later in enumerate(parts[1:], start=2):
        nets = [(p["amount_accounting"].sum(), p) for p in (first, later)]
        off = [(i, int(net)) for i, (net, _) in enumerate(nets) if pd.notna(net) and net != 0]
        other = "other dates" if set(later["date"]) != set(first["date"]) else "other lines"
        message = (
            f"{label} is used for {len(parts)} vouchers: {_occurrence(first)}; and, with {other}, {_occurrence(later)}"
        )
        severity = None
        if off:
            which = {0: "the first", 1: "the second" if k == 2 else f"occurrence {k}"}
            message += "; on its own " + ", ".join(
                f"{which[i]} does not balance ({_net(net, acct_ccy)})" for i, net in off
            )
            severity = fnd.Severity.ERROR
        head = later.iloc[0]
        out.append(
            fnd.finding(
                "voucher-number-reused",
                str(head["where"]),
                message,
                row=int(head["row"]),
                column=_columns(ledger, str(head["where"])).get("voucher", "Voucher"),
                voucher=str(head["voucher"]),
                severity=severity,
            )
        )
    return out


def _voucher_label(lines: pd.DataFrame) -> str:
    head = lines.iloc[0]
    journal = f" of journal {head['journal']}" if head["journal"] else ""
    kind = "journal voucher" if head["kind"] == "journal" else "voucher"
    return f"{kind} {head['voucher']}{journal}"


def _occurrence(lines: pd.DataFrame) -> str:
    """``gl.csv rows 2-3, dated 2026-03-01, lines 1-2``: where one occurrence of a voucher is."""
    parts = []
    for where, here in lines.groupby("where", sort=False, observed=True):
        parts.append(f"{where} {row_list(here['row'].to_numpy())}")
    dates = ", ".join(f"{d:%Y-%m-%d}" for d in sorted(set(lines["date"].dropna())))
    text = " and ".join(parts) + f", dated {dates}"
    numbers = lines["line"].dropna().astype(int).tolist()
    if numbers:
        text += f", line{'s' if len(numbers) > 1 else ''} " + ", ".join(str(n) for n in numbers[:8])
        text += ", ..." if len(numbers) > 8 else ""
    return text


def check_unposted(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``unposted-journal``: Posted = No in a ledger export (Kind ``ledger``); one finding per
    voucher. An error up to the end of the period being closed (it would be locked out by On hold),
    a warning after it. Lines of Kind ``journal`` are to be posted by definition."""
    lines = ledger.lines
    unposted = lines[parsing.mask((lines["posted"] == False) & (lines["kind"] == "ledger"))]  # noqa: E712
    if unposted.empty:
        return fnd.frame()
    first = unposted.groupby(["where", "journal", "voucher"], sort=False, observed=True).head(1)
    period = book.calendar.get(book.settings.period) if book.settings else None
    end = pd.Timestamp(period["end"]) if period else None
    late = parsing.mask(first["date"] > end) if end is not None else pd.Series(False, index=first.index)
    label = first["journal"].where(first["journal"] != "", "(no journal)").astype(str)
    message = "journal " + label + " voucher " + first["voucher"].astype(str) + " is not posted"
    column = ledger.source_column("posted", first)
    return fnd.combine(
        [
            fnd.from_mask("unposted-journal", first, ~late, column=column, message=message),
            fnd.from_mask(
                "unposted-journal",
                first,
                late,
                column=column,
                message=message + " (dated after the period)",
                severity=fnd.Severity.WARNING,
            ),
        ]
    )


def check_something_read(ledger: Ledger, book: CloseBook) -> pd.DataFrame:
    """``nothing-read``: a close of no ledger line at all is not clean (a Sources sheet renamed
    ``Quellen``, or empty, would otherwise validate with no finding and close into empty
    statements). A group workbook whose figures are all its subsidiaries' (Consolidation rows) is
    the exception."""
    if len(ledger.lines) or book.consolidation:
        return fnd.frame()
    missing = book.missing_sheets
    files = [s for s in ledger.sources if s.where not in ("LedgerImport", "JournalImport")]
    if "Sources" in missing:
        why = "the workbook has no Sources sheet"
    elif not book.sources:
        why = "the Sources sheet lists no file"
    else:
        why = f"the Sources sheet lists {len(book.sources)} file{'s' if len(book.sources) > 1 else ''}"
    if files:
        rows = sum(s.rows_read for s in files)
        why += f"; {len(files)} file{'s' if len(files) > 1 else ''} read, " + (
            f"{rows} row{'s' if rows > 1 else ''} and none a ledger line (see the other findings)" if rows else "empty"
        )
    empty = [n for n in ("LedgerImport", "JournalImport") if n not in book.imports]
    if len(empty) == 2:
        why += ", and the LedgerImport and JournalImport sheets are " + (
            "missing" if all(n in missing for n in empty) else "empty"
        )
    if "Sources" in missing:
        why += sheet_hint("Sources", missing["Sources"])
    return fnd.frame(
        [
            fnd.finding(
                "nothing-read", "Sources" if "Sources" not in missing else book.where, "no ledger line was read: " + why
            )
        ]
    )


RULES: list[Rule] = [
    check_something_read,
    check_accounts,
    check_dimensions,
    check_account_currency,
    check_overflow,
    check_balance,
    check_periods,
    check_duplicates,
    check_voucher_reuse,
    check_unposted,
]


def validate(ledger: Ledger, book: CloseBook, *, user: str = "") -> pd.DataFrame:
    """All posting rules over the ledger; the findings of every rule in one frame. ``user`` is the
    run's login (the pipeline passes it in): the period access of :func:`check_periods`."""
    rules = [functools.partial(check_periods, user=user) if rule is check_periods else rule for rule in RULES]
    return fnd.combine(rule(ledger, book) for rule in rules)
