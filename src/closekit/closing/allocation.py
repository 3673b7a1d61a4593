"""Ledger allocation (domain.md §3): spread source balances over destinations, rule by rule.

Rules come from the AllocationRules sheet, one row per destination; rows with the same Rule name
form one rule and run in Order (step-down: each rule sees the lines posted by the rules before it).
Each rule makes one voucher per source ledger dimension group (account and all dimension values):
the destination lines and one offset line of minus their rounded sum, so every voucher balances.

Rounding (§3 rule 8, [CK]) lives in :func:`largest_remainder` and :func:`split_percent`: exact
arithmetic with integers and fractions, never floats. Account lists and dimension cells are read
by :mod:`closekit.workbook.selectors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from closekit.core import findings as fnd
from closekit.core import money
from closekit.core.steps import CloseContext, StepResult, adjustment_frame
from closekit.workbook.book import CloseBook
from closekit.workbook.schema import AllocationRuleRow
from closekit.workbook.selectors import AccountSelector, DimensionFilter, SelectorError

WHERE = "AllocationRules"
JOURNAL = "allocation"
PROFIT_AND_LOSS = ("Revenue", "Expense")
#: Cells every row of one rule must repeat: (field, column header).
RULE_CELLS = (
    ("order", "Order"),
    ("method", "Method"),
    ("source_accounts", "SourceAccounts"),
    ("source_dimensions", "SourceDimensions"),
    ("offset_account", "OffsetAccount"),
    ("basis_accounts", "BasisAccounts"),
)


# ----------------------------------------------------------------------------------- rounding


def largest_remainder(total: int, weights: list[Fraction | int]) -> list[int]:
    """``total`` minor units split in proportion to ``weights``, summing to ``total`` exactly.

    Each part is its exact share truncated toward zero; the units still missing go one each to the
    largest dropped fractions, ties to the earliest. Every part is less than one unit from its
    exact share. Weights must not total zero nor mix signs (a ValueError).

    >>> largest_remainder(1000000, [1, 1, 1]), largest_remainder(-100, [3, 2, 1])
    ([333334, 333333, 333333], [-50, -33, -17])
    """
    shares = [Fraction(w) for w in weights]
    whole = sum(shares, Fraction(0))
    if whole == 0:
        raise ValueError("the weights total zero")
    if any(s * whole < 0 for s in shares):
        raise ValueError("the weights mix positive and negative values")
    magnitude = abs(int(total))
    exact = [magnitude * s / whole for s in shares]
    parts = [int(e) for e in exact]  # all >= 0, so int() truncates toward zero
    missing = magnitude - sum(parts)
    for i in sorted(range(len(parts)), key=lambda i: (parts[i] - exact[i], i))[:missing]:
        parts[i] += 1
    return [-p for p in parts] if total < 0 else parts


def split_percent(total: int, percents: list[Fraction | Decimal | int]) -> list[int]:
    """``total`` minor units times each percent / 100.

    Percents summing to exactly 100 use :func:`largest_remainder`; less than 100 rounds each part
    half away from zero on its own (the rest stays on the source). Negative percents or a total
    above 100 are a ValueError.
    """
    shares = [Fraction(p) for p in percents]
    if any(s < 0 for s in shares):
        raise ValueError("a percent is negative")
    if sum(shares, Fraction(0)) > 100:
        raise ValueError("the percents total more than 100")
    if sum(shares, Fraction(0)) == 100:
        return largest_remainder(total, shares)
    return [_round_half_away(int(total) * s / 100) for s in shares]


def _round_half_away(value: Fraction) -> int:
    magnitude = int(abs(value) + Fraction(1, 2))  # floor of a non-negative number
    return -magnitude if value < 0 else magnitude


# -------------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Destination:
    row: int
    account: str
    dimensions: DimensionFilter
    share: Decimal | None
    text: str


@dataclass(frozen=True)
class Rule:
    name: str
    method: str
    order: Decimal | None
    row: int  # first sheet row
    sources: AccountSelector
    source_filter: DimensionFilter
    offset_account: str | None
    basis: AccountSelector | None
    destinations: tuple[Destination, ...]


def _bad(row: int, column: str, message: str, fix: str | None = None) -> dict:
    return fnd.finding("bad-rule", WHERE, message, row=row, column=column, fix=fix)


def _same(a: object, b: object) -> bool:
    def norm(v: object) -> object:
        return " ".join(v.split()) if isinstance(v, str) else ("" if v is None else v)

    return norm(a) == norm(b)


def read_rules(rows: list[tuple[int, AllocationRuleRow]], dimensions: tuple[str, ...]) -> tuple[list[Rule], list]:
    """The rules of the AllocationRules rows in the order they run, and the findings of bad ones.

    Order: by the Order cell (rules with a blank Order after the numbered ones), ties by first row.
    """
    groups: dict[str, list[tuple[int, AllocationRuleRow]]] = {}
    for number, row in rows:
        groups.setdefault(row.rule, []).append((number, row))
    rules, problems = [], []
    for name, members in groups.items():
        rule, found = _read_rule(name, members, dimensions)
        problems += found
        if rule is not None:
            rules.append(rule)
    rules.sort(key=lambda r: (r.order is None, r.order or 0, r.row))
    return rules, problems


def _read_rule(
    name: str, members: list[tuple[int, AllocationRuleRow]], dimensions: tuple[str, ...]
) -> tuple[Rule | None, list[dict]]:
    found: list[dict] = []
    first_row, first = members[0]
    for number, row in members[1:]:
        for field, header in RULE_CELLS:
            if not _same(getattr(row, field), getattr(first, field)):
                found.append(_bad(number, header, f"rule {name}: {header} differs from row {first_row}"))

    def parse(parser, row: int, header: str, *args):
        try:
            return parser(*args)
        except SelectorError as exc:
            found.append(_bad(row, header, f"rule {name}: {exc}"))

    sources = parse(AccountSelector.parse, first_row, "SourceAccounts", first.source_accounts)
    source_filter = parse(DimensionFilter.parse, first_row, "SourceDimensions", first.source_dimensions, dimensions)
    basis = None
    if first.method == "Basis":
        basis = parse(AccountSelector.parse, first_row, "BasisAccounts", first.basis_accounts)
    destinations = []
    for number, row in members:
        dims = parse(DimensionFilter.parse, number, "DestinationDimensions", row.destination_dimensions, dimensions)
        text = row.text or f"Allocation {name}"
        destinations.append(Destination(number, row.destination_account, dims, row.share, text))
    found += _check_shares(name, first.method, destinations)
    if found:
        return None, found
    offset = first.offset_account
    rule = Rule(name, first.method, first.order, first_row, sources, source_filter, offset, basis, tuple(destinations))
    return rule, []


def _plain(number: Decimal) -> str:
    """``60`` for 60.0, ``60.5`` for 60.50."""
    return str(number.quantize(Decimal(1))) if number == number.to_integral_value() else str(number.normalize())


def _check_shares(name: str, method: str, destinations: list[Destination]) -> list[dict]:
    if method not in ("Percent", "Weight"):
        return []
    what = "percent" if method == "Percent" else "weight"
    found = [
        _bad(d.row, "Share", f"rule {name}: Share must be the {what} of this destination (a number, 0 or more)")
        for d in destinations
        if d.share is None or d.share < 0
    ]
    if found:
        return found
    running = Decimal(0)
    for d in destinations:
        running += d.share
        if method == "Percent" and running > 100:
            return [_bad(d.row, "Share", f"rule {name}: the percents total {running} here; at most 100 is allowed")]
    if method == "Weight" and running == 0:
        return [_bad(destinations[0].row, "Share", f"rule {name}: the weights total zero")]
    if method == "Percent" and running == 1 and len(destinations) > 1:
        # 0.6 and 0.4: percent-formatted cells (60 %, 40 %) read where the cell's format is not known
        # (a live Excel book hands over values only); allocating 1 % in all is never what was meant.
        return [
            _bad(
                destinations[0].row,
                "Share",
                f"rule {name}: the percents total 1 ({', '.join(str(d.share) for d in destinations)}): "
                f"fractions of 1, as cells formatted as percentages hold them; type the percents "
                f"themselves ({', '.join(_plain(d.share * 100) for d in destinations)})",
            )
        ]
    return []


# ----------------------------------------------------------------------------------- the step


def run(lines: pd.DataFrame, book: CloseBook, ctx: CloseContext) -> StepResult:
    """Allocation vouchers of every rule, in Order (step-down: each rule sees the earlier ones' lines)."""
    dims = ctx.dimensions
    rules, problems = read_rules(book.allocation_rules, dims)
    pnl = set(book.accounts.loc[book.accounts["type"].isin(PROFIT_AND_LOSS), "account"])
    working = _working_lines(lines, dims)
    rows: list[dict] = []
    done: list[Rule] = []
    for rule in rules:
        clash, cycle = _reopened_source(rule, done, rules)
        if clash:
            problems.append(clash)
            if cycle:
                continue
        new, found = _allocate(rule, working, pnl, ctx)
        if found:
            problems += found
            continue
        done.append(rule)
        if new:
            rows += new
            posted = pd.DataFrame(new)[["date", "account", *dims, "amount_accounting"]]
            working = pd.concat([working, posted.astype(working.dtypes.to_dict())], ignore_index=True)
    return StepResult("allocation", adjustment_frame(rows, dims), fnd.frame(problems))


def _working_lines(lines: pd.DataFrame, dims: tuple[str, ...]) -> pd.DataFrame:
    """The columns allocation reads (canonical names), lines without an accounting amount left out."""
    kept = lines.loc[lines["amount_accounting"].notna(), ["date", "account", *dims, "amount_accounting"]]
    text = {c: kept[c].fillna("").astype(str) for c in ["account", *dims]}
    return kept.assign(**text, amount_accounting=kept["amount_accounting"].astype("int64")).reset_index(drop=True)


def _in_window(working: pd.DataFrame, pnl: set[str], ctx: CloseContext) -> pd.Series:
    """P&L accounts: the period's activity; balance-sheet accounts: the fiscal year to the period end."""
    is_pnl = working["account"].isin(pnl)
    date = working["date"]
    start = (date >= ctx.start) & is_pnl | (date >= ctx.fiscal_year_start) & ~is_pnl
    return start & (date <= ctx.end)


def _feeds(giver: Rule, taker: Rule) -> Destination | None:
    """The destination of ``giver`` that can land on the source of ``taker``, if any.

    A dimension the destination row does not set comes from the source line: known when the rule's
    SourceDimensions fixes it, otherwise taken as able to match.
    """
    for dest in giver.destinations:
        known = {**giver.source_filter.as_dict(), **dest.dimensions.as_dict()}
        if taker.sources.matches(dest.account) and all(known.get(d, v) == v for d, v in taker.source_filter.values):
            return dest
    return None


def _reaches(start: Rule, target: Rule, rules: list[Rule]) -> bool:
    """Whether allocations flow from ``start`` to ``target`` through the rules' destinations."""
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current is target:
            return True
        if current.name in seen:
            continue
        seen.add(current.name)
        todo += [other for other in rules if other is not current and _feeds(current, other)]
    return False


def _reopened_source(rule: Rule, done: list[Rule], rules: list[Rule]) -> tuple[dict | None, bool]:
    """(finding, is a cycle) when a destination lands on the source of a rule that ran before.

    domain.md §3 rule 9 and worked example 3.4: when the earlier rule's allocations flow back into
    this one, the rules form a cycle: ``bad-rule`` Error, and this rule posts nothing. Otherwise the
    order is only unfortunate (3.4 run B before A leaves 1,000.00 on 810): the rule posts, and a
    ``bad-rule`` Warning says which source is re-opened and that the rules should be reordered.
    """
    for earlier in done:
        dest = _feeds(rule, earlier)
        if dest is None:
            continue
        where = f"{dest.account} {dest.dimensions}".strip()
        if _reaches(earlier, rule, rules):
            return _bad(
                dest.row,
                "DestinationAccount",
                f"rule {rule.name}: destination {where} allocates back to the source of rule {earlier.name} "
                f"(row {earlier.row}), which allocates into this rule: a cycle, so the rule posts nothing",
                "Break the cycle: no rule may allocate back to a source that feeds it.",
            ), True
        finding = _bad(
            dest.row,
            "DestinationAccount",
            f"rule {rule.name}: destination {where} re-opens the source of rule {earlier.name} "
            f"(row {earlier.row}), which ran before it; what it receives stays there",
            "Give this rule a lower Order than the rule that closes out its destination.",
        )
        finding["Severity"] = fnd.Severity.WARNING.value
        return finding, False
    return None, False


def _allocate(rule: Rule, working: pd.DataFrame, pnl: set[str], ctx: CloseContext) -> tuple[list[dict], list[dict]]:
    """The adjustment records of one rule, or the findings that stop it."""
    dims = ctx.dimensions
    window = _in_window(working, pnl, ctx)
    weights: list[Fraction | int] = []
    if rule.method == "Basis":
        weights, found = _basis(rule, working.loc[window & rule.basis.mask(working["account"])], ctx)
        if found:
            return [], found
    elif rule.method == "Weight":
        weights = [Fraction(d.share) for d in rule.destinations]
    elif rule.method == "Equal":
        weights = [1] * len(rule.destinations)
    selected = working.loc[window & rule.sources.mask(working["account"]) & rule.source_filter.mask(working)]
    sums = selected.groupby(["account", *dims], sort=True)["amount_accounting"].sum()
    records: list[dict] = []
    number = 0
    for key, balance in sums.items():
        key = key if isinstance(key, tuple) else (key,)
        source = dict(zip(dims, key[1:], strict=True))
        if rule.method == "Percent":
            parts = split_percent(int(balance), [d.share for d in rule.destinations])
        else:
            parts = largest_remainder(int(balance), weights)
        if not any(parts):
            continue
        number += 1
        voucher_key = f"{rule.name}#{number}"
        voucher = {
            "journal": JOURNAL,
            "voucher_key": voucher_key,
            "date": ctx.end,
            "rule": rule.name,
            "revalued_currency": "",
        }
        for dest, amount in zip(rule.destinations, parts, strict=True):
            if amount:
                dimensions = {**source, **dest.dimensions.as_dict()}
                line = {"account": dest.account, **dimensions, "amount_accounting": amount, "text": dest.text}
                records.append({**voucher, **line})
        offset = rule.offset_account or key[0]
        line = {"account": offset, **source, "amount_accounting": -sum(parts), "text": rule.destinations[0].text}
        records.append({**voucher, **line})
    return records, []


def _basis(rule: Rule, basis_lines: pd.DataFrame, ctx: CloseContext) -> tuple[list[int], list[dict]]:
    """Each destination's basis: the balance of the basis lines that match its DestinationDimensions."""
    values = [
        int(basis_lines.loc[d.dimensions.mask(basis_lines), "amount_accounting"].sum()) for d in rule.destinations
    ]
    shown = ", ".join(money.display(v, ctx.accounting_currency) for v in values)
    if sum(values) == 0:
        message = f"rule {rule.name}: the basis totals zero ({shown}); nothing can be allocated by it"
    elif any(v > 0 for v in values) and any(v < 0 for v in values):
        message = f"rule {rule.name}: the basis mixes positive and negative balances ({shown})"
    else:
        return values, []
    return values, [_bad(rule.row, "BasisAccounts", message)]
