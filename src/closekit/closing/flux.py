"""Flux review: each account's movement in the closing period against the prior period and the
same period last year, and which variances need an explanation (issue 7; docs/close.md "Flux review").

* **Movement** is the net of the period's lines (debit positive, accounting currency), the close's
  posted adjustments included, opening-balance journals (:data:`~closekit.closing.trial_balance.OPENING_JOURNALS`)
  left out. ``Current`` is the closing period, ``Prior`` the period of the Periods sheet that ends
  last before it starts, ``LastYear`` the same dates one year earlier.
* A comparison the ledger cannot make (no line dated on or before that period's end: the ledger
  starts later) is left empty, and its variance is not judged.
* **Variance** = Current - Prior (``VarianceLY`` = Current - LastYear); ``Variance %`` is the
  variance in percent of the absolute comparison figure, one decimal, empty when that figure is 0.
* **Materiality**: a variance needs an explanation when its absolute amount is above Settings
  ``MaterialityAmount`` or its percentage above ``MaterialityPercent`` (``MaterialityTest`` =
  ``Both`` asks for both). Growth from 0 counts as above any percentage. Without either setting
  nothing needs one.
* **Explanations** are typed into the Flux sheet (``Explanation``, ``ExplainedBy``); before the
  sheet is replaced, :func:`explain` carries them over by Account. A variance that needs an
  explanation and has none is a ``flux-unexplained`` warning.

Pure: DataFrames in, a table and findings out.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from closekit.closing.trial_balance import OPENING_JOURNALS, PROFIT_AND_LOSS, account_types, adjustment_lines
from closekit.core import findings as fnd
from closekit.core import money, parsing
from closekit.core.steps import CloseContext
from closekit.sources.tables import RawTable, cell_text
from closekit.workbook import schema
from closekit.workbook.book import CloseBook

SHEET = "Flux"
AMOUNTS = ["Current", "Prior", "Variance", "LastYear", "VarianceLY"]
COLUMNS = [
    "Account",
    "Name",
    "Type",
    "Current",
    "Prior",
    "Variance",
    "Variance %",
    "LastYear",
    "VarianceLY",
    "VarianceLY %",
    "NeedsExplanation",
    "Explanation",
    "ExplainedBy",
    "Basis",
    "Period",
    "ExplainedPeriod",
    "ExplainedVariance",
    "ExplainedVarianceLY",
    "PreviousExplanation",
]
#: The columns a person types; everything else is recomputed on each run.
TYPED = ["Explanation", "ExplainedBy"]
#: What closekit stamps beside an explanation: the period and the variances it explains, and the
#: explanation a reset moved aside (docs/close.md "Flux review").
STAMPS = ["ExplainedPeriod", "ExplainedVariance", "ExplainedVarianceLY", "PreviousExplanation"]
#: Not part of the Flux figures a sign-off covers.
NOT_FIGURES = [*TYPED, *STAMPS]
BALANCE, MOVEMENT = "Balance", "Movement"


def comparison_periods(book: CloseBook, ctx: CloseContext) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """Date ranges of ``Current``, ``Prior`` and ``LastYear``."""
    periods = book.calendar.table
    before = periods[periods["end"] < ctx.start]
    if len(before):
        last = before.sort_values("end").iloc[-1]
        prior = (pd.Timestamp(last["start"]), pd.Timestamp(last["end"]))
    else:  # no earlier period in the sheet: the calendar month before
        prior = (ctx.start - pd.DateOffset(months=1), ctx.start - pd.Timedelta(days=1))
    year = pd.DateOffset(years=1)
    return {"Current": (ctx.start, ctx.end), "Prior": prior, "LastYear": (ctx.start - year, ctx.end - year)}


def movements(
    lines: pd.DataFrame,
    adjustments: pd.DataFrame | None,
    book: CloseBook,
    ctx: CloseContext,
    *,
    by_dimensions: bool = False,
) -> pd.DataFrame:
    """The Flux table without explanations (``Explanation`` and ``ExplainedBy`` empty); with
    ``by_dimensions`` one row per account and dimension values (the columns follow ``Type``)."""
    ranges = comparison_periods(book, ctx)
    dims = list(ctx.dimensions) if by_dimensions else []
    keys = ["account", *dims]
    used = lines[list(dict.fromkeys(["journal", "date", *keys, "amount_accounting"]))]  # not all 17 columns copied
    every = used[used["date"].notna() & used["account"].notna() & used["amount_accounting"].notna()]
    journal = every["journal"].astype("string").fillna("").str.strip().str.upper()
    opening = journal.isin(OPENING_JOURNALS).to_numpy(dtype=bool)
    dated = every[~opening]
    first_day = dated["date"].min() if len(dated) else pd.NaT
    first_any = every["date"].min() if len(every) else pd.NaT
    covered = {
        name: name == "Current" or (pd.notna(first_day) and first_day <= end) for name, (_, end) in ranges.items()
    }
    covered_balance = {
        name: name == "Current" or (pd.notna(first_any) and first_any <= end) for name, (_, end) in ranges.items()
    }
    # the opening vouchers of a fiscal year (an opening journal dated a fiscal year's first day)
    # carry every earlier line forward: a balance starts at the latest one on or before its date
    month = ctx.fiscal_year_start.month
    first_days = (every["date"].dt.day == 1).to_numpy() & (every["date"].dt.month == month).to_numpy()
    carried = every["date"][opening & first_days]

    def summed(frame: pd.DataFrame) -> pd.Series:
        keyed = frame[keys].astype("string").fillna("").astype(str)
        return frame["amount_accounting"].astype("int64").groupby([keyed[k] for k in keys]).sum()

    sums, balances = {}, {}
    for name, (start, end) in ranges.items():
        sums[name] = summed(dated[(dated["date"] >= start) & (dated["date"] <= end)])
        carry = carried[carried <= end]
        since = carry.max() if len(carry) else every["date"].min()
        balances[name] = summed(every[(every["date"] >= since) & (every["date"] <= end)])
    if adjustments is not None and len(adjustments):
        adj = adjustment_lines(adjustments, ctx)
        adj = adj[adj["date"].notna() & (adj["date"] <= ctx.end)]
        sums["Current"] = sums["Current"].add(summed(adj), fill_value=0).astype("int64")
        balances["Current"] = balances["Current"].add(summed(adj), fill_value=0).astype("int64")
    types = account_types(book)

    def frame_of(parts: dict[str, pd.Series], known: dict[str, bool]) -> pd.DataFrame:
        return pd.concat([s.rename(n) for n, s in parts.items() if known[n]], axis=1).fillna(0).astype("int64")

    moved, held = frame_of(sums, covered), frame_of(balances, covered_balance)
    index = moved.index.union(held.index)
    moved, held = moved.reindex(index, fill_value=0), held.reindex(index, fill_value=0)
    accounts = [k[0] if isinstance(k, tuple) else k for k in index]
    is_pl = np.array([types.get(str(a)) in PROFIT_AND_LOSS for a in accounts], dtype=bool)
    table = pd.DataFrame(index=index)
    for name in ranges:
        mine = moved[name] if covered[name] else pd.Series(pd.NA, index=index, dtype="Int64")
        theirs = held[name] if covered_balance[name] else pd.Series(pd.NA, index=index, dtype="Int64")
        table[name] = pd.array(np.where(is_pl, mine.astype(object), theirs.astype(object)), dtype="Int64")
    basis = np.where(is_pl, MOVEMENT, BALANCE)
    nonzero = table.fillna(0).astype("int64").ne(0).any(axis=1).to_numpy()
    table, basis = table[nonzero], basis[nonzero]
    table["_basis"] = basis
    table = table.sort_index()
    index = table.index.to_frame(index=False) if len(table) else pd.DataFrame(columns=keys)
    out = pd.DataFrame({"Account": index.iloc[:, 0].astype(str).to_numpy() if len(table) else []}, dtype=object)
    names = account_types(book, "name")
    out["Name"] = out["Account"].map(names).fillna("")
    out["Type"] = out["Account"].map(types).fillna("")
    for i, dim in enumerate(dims, start=1):
        out[dim] = index.iloc[:, i].astype(str).to_numpy() if len(table) else []
    for name in ranges:
        out[name] = pd.array(table[name].to_numpy(dtype=object), dtype="Int64")
    out["Variance"] = out["Current"] - out["Prior"]
    out["Variance %"] = _percent(out["Variance"], out["Prior"])
    out["VarianceLY"] = out["Current"] - out["LastYear"]
    out["VarianceLY %"] = _percent(out["VarianceLY"], out["LastYear"])
    settings = book.settings
    needs = _material(out["Variance"], out["Prior"], settings, ctx) | _material(
        out["VarianceLY"], out["LastYear"], settings, ctx
    )
    out["NeedsExplanation"] = np.where(needs, "Yes", "No")
    for column in TYPED:
        out[column] = ""
    out["Basis"] = table["_basis"].to_numpy(dtype=object) if len(table) else []
    out["Period"] = ctx.period
    out["ExplainedPeriod"] = ""
    out["ExplainedVariance"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["ExplainedVarianceLY"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["PreviousExplanation"] = ""
    return out[[*COLUMNS[:3], *dims, *COLUMNS[3:]]].reset_index(drop=True)


def _percent(variance: pd.Series, base: pd.Series) -> list[Decimal | None]:
    out = []
    for v, b in zip(variance, base, strict=True):
        if pd.isna(v) or pd.isna(b) or b == 0:
            out.append(None)
        else:
            out.append((Decimal(int(v)) * 100 / abs(Decimal(int(b)))).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return out


def _material(
    variance: pd.Series, base: pd.Series, settings: schema.Settings | None, ctx: CloseContext | str
) -> np.ndarray:
    """Per row: the variance is above materiality (by amount, by percent, or both: ``MaterialityTest``)."""
    known = variance.notna().to_numpy(dtype=bool)
    var = variance.fillna(0).to_numpy(dtype=np.int64)
    ref = base.fillna(0).to_numpy(dtype=np.int64)
    amount = settings.materiality_amount if settings else None
    percent = getattr(settings, "materiality_percent", None) if settings else None
    both = (getattr(settings, "materiality_test", "Either") or "Either") == "Both"
    tests = []
    if amount is not None:
        currency = ctx if isinstance(ctx, str) else ctx.accounting_currency
        tests.append(np.abs(var) > money.round_to_minor(abs(amount), currency))
    if percent is not None:
        # |variance| / |base| > percent, in exact integers and Decimal (no float ratio); a variance
        # against a base of 0 is always above it. One row per account: a Python loop is cheap here.
        limit = Decimal(percent)
        above = [
            v != 0 and (r == 0 or Decimal(abs(int(v))) * 100 > limit * abs(int(r)))
            for v, r in zip(var, ref, strict=True)
        ]
        tests.append(np.array(above, dtype=bool))
    if not tests:
        return np.zeros(len(variance), dtype=bool)
    hit = np.logical_and.reduce(tests) if both else np.logical_or.reduce(tests)
    return hit & known


def explain(
    table: pd.DataFrame, previous: RawTable | None, currency: str, settings: schema.Settings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Flux table with the explanations of the sheet it replaces (by Account, and by the
    dimension columns both have), each kept for the period and the variances it explains:

    * an explanation typed by hand is stamped with the period and the variances of the sheet it
      was typed into (``ExplainedPeriod``, ``ExplainedVariance``, ``ExplainedVarianceLY``);
    * it is **reset** (moved to ``PreviousExplanation``, a ``flux-explanation-reset`` warning says
      why) when it explains another period, or a variance that changed sign or moved by more than
      materiality (the Settings test, applied to the change);
    * a variance that needs an explanation and has none is a ``flux-unexplained`` warning."""
    out = table.copy()
    count = len(out)
    old: dict[str, list[str]] = {}
    if previous is not None and len(previous):
        by_key = {parsing.header_key(c): c for c in previous.columns}
        keys = [c for c in out.columns if (c == "Account" or c not in COLUMNS) and parsing.header_key(c) in by_key]
        if "Account" in keys:
            frame = previous.frame
            old_keys = list(zip(*(frame[by_key[parsing.header_key(k)]].map(cell_text) for k in keys), strict=True))
            new_keys = list(zip(*(out[k].map(cell_text) for k in keys), strict=True))
            for column in [*TYPED, *STAMPS, "Variance", "VarianceLY", "Period"]:
                source = by_key.get(parsing.header_key(column))
                if source is not None:
                    typed = dict(zip(old_keys, frame[source].map(cell_text), strict=True))
                    old[column] = [typed.get(k, "") for k in new_keys]

    def was(column: str, i: int) -> str:
        return old[column][i] if column in old else ""

    def minor(text: str) -> int | None:
        try:
            return money.round_to_minor(Decimal(text), currency) if text else None
        except ArithmeticError:
            return None

    current = str(out["Period"].iloc[0]) if count and "Period" in out else ""
    records = []
    columns = {c: [] for c in [*TYPED, *STAMPS]}
    for i, rec in enumerate(out.to_dict("records")):
        text, by, previous_text = was("Explanation", i), was("ExplainedBy", i), was("PreviousExplanation", i)
        period = was("ExplainedPeriod", i) or was("Period", i) or current
        explained = {
            name: minor(was(f"Explained{name}", i)) if was(f"Explained{name}", i) else minor(was(name, i))
            for name in ("Variance", "VarianceLY")
        }
        reason = ""
        if text:
            reason = _reset_reason(rec, period, current, explained, settings, currency)
        if reason:
            records.append(
                fnd.finding(
                    "flux-explanation-reset",
                    SHEET,
                    f"account {rec['Account']} {rec['Name']}: the explanation {text!r} no longer counts: {reason}",
                    row=i + 2,
                    column="Explanation",
                    severity=fnd.Severity.WARNING,
                    fix="Read the variance again and type the explanation that holds now (the old one is in "
                    "PreviousExplanation).",
                )
            )
            previous_text, text, by = f"{period}: {text}", "", ""
        columns["Explanation"].append(text)
        columns["ExplainedBy"].append(by)
        columns["ExplainedPeriod"].append(period if text else "")
        columns["ExplainedVariance"].append(explained["Variance"] if text else None)
        columns["ExplainedVarianceLY"].append(explained["VarianceLY"] if text else None)
        columns["PreviousExplanation"].append(previous_text)
    for column, values in columns.items():
        if column in ("ExplainedVariance", "ExplainedVarianceLY"):
            out[column] = pd.array([pd.NA if v is None else v for v in values], dtype="Int64")
        else:
            out[column] = pd.Series(values, index=out.index, dtype=object) if count else []
    for index, rec in enumerate(out.to_dict("records")):
        if rec["NeedsExplanation"] != "Yes" or rec["Explanation"]:
            continue
        parts = []
        for label, var, pct in (
            ("the prior period", "Variance", "Variance %"),
            ("last year", "VarianceLY", "VarianceLY %"),
        ):
            if not pd.isna(rec[var]) and rec[var] != 0:
                share = f", {rec[pct]}%" if rec[pct] is not None else ""
                parts.append(f"{money.display(int(rec[var]), currency)} {currency} against {label}{share}")
        what = "balance" if rec.get("Basis") == BALANCE else "movement"
        records.append(
            fnd.finding(
                "flux-unexplained",
                SHEET,
                f"account {rec['Account']} {rec['Name']} ({what}) moved {' and '.join(parts)}: above materiality, "
                f"and no explanation yet",
                row=index + 2,
                column="Explanation",
            )
        )
    return out, fnd.frame(records)


def _reset_reason(
    rec: dict,
    period: str,
    current: str,
    explained: dict[str, int | None],
    settings: schema.Settings | None,
    currency: str,
) -> str:
    """Why an explanation no longer counts for this row, or ""."""
    if current and period != current:
        return f"it explains period {period}, and period {current} needs an explanation of its own"
    for name, base, label in (("Variance", "Prior", "the prior period"), ("VarianceLY", "LastYear", "last year")):
        then, now = explained[name], rec[name]
        if then is None or pd.isna(now):
            continue
        now = int(now)
        shown = f"{money.display(then, currency)} {currency} explained, now {money.display(now, currency)} {currency}"
        if then * now < 0:
            return f"the variance against {label} changed sign ({shown})"
        change = pd.Series([now - then], dtype="Int64")
        ref = pd.Series([0 if pd.isna(rec[base]) else int(rec[base])], dtype="Int64")
        if _material(change, ref, settings, currency)[0]:
            return f"the variance against {label} moved by more than materiality ({shown})"
    return ""


def unexplained(table: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of a Flux table (as computed, or as read back from the sheet) whose variance needs
    an explanation and has none: what keeps the flux task from being signed and the period from
    going on hold."""
    if table is None or not len(table) or "NeedsExplanation" not in table.columns:
        return pd.DataFrame(columns=["Account"])
    needs = table["NeedsExplanation"].map(cell_text) == "Yes"
    text = table["Explanation"].map(cell_text) if "Explanation" in table.columns else pd.Series("", index=table.index)
    return table[needs & (text == "")]


def unexplained_reason(table: pd.DataFrame | None, period: str | None = None) -> str:
    """One sentence on the material variances still unexplained (or a Flux sheet of another
    period), or "" when there are none."""
    if table is not None and len(table) and period and "Period" in table.columns:
        other = {cell_text(p) for p in table["Period"]} - {"", period}
        if other:
            return f"the Flux sheet is of period {', '.join(sorted(other))}, not {period}: run the flux review first"
    rows = unexplained(table)
    if not len(rows):
        return ""
    accounts = ", ".join(rows["Account"].map(cell_text).head(5)) + (", ..." if len(rows) > 5 else "")
    many = len(rows) > 1
    return (
        f"{len(rows)} material variance{'s are' if many else ' is'} not explained in the Flux sheet "
        f"(account{'s' if many else ''} {accounts})"
    )


def largest_variances(flux: pd.DataFrame | None, top: int = 10) -> pd.DataFrame:
    """The ``top`` Flux rows by absolute variance against the prior period (ties by account)."""
    if flux is None or flux.empty:
        return pd.DataFrame(columns=["Account", "Name", "Variance"])
    rows = flux[flux["Variance"].notna() & (flux["Variance"] != 0)].copy()
    if rows.empty:
        return pd.DataFrame(columns=["Account", "Name", "Variance"])
    rows["_size"] = rows["Variance"].abs()
    dims = [c for c in rows.columns if c not in COLUMNS and c != "_size"]  # flux --by-dimensions
    rows["Name"] = rows[["Name", *dims]].astype(str).agg(" ".join, axis=1).str.split().str.join(" ")
    return rows.sort_values(["_size", "Account"], ascending=[False, True]).head(top)[["Account", "Name", "Variance"]]
