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

from closekit.closing.trial_balance import OPENING_JOURNALS, account_types, adjustment_lines
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
]
#: The columns a person types; everything else is recomputed on each run.
TYPED = ["Explanation", "ExplainedBy"]


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
    dated = lines[lines["date"].notna() & lines["account"].notna() & lines["amount_accounting"].notna()]
    journal = dated["journal"].astype("string").fillna("").str.strip().str.upper()
    dated = dated[~journal.isin(OPENING_JOURNALS).to_numpy(dtype=bool)]
    first_day = dated["date"].min() if len(dated) else pd.NaT
    covered = {
        name: name == "Current" or (pd.notna(first_day) and first_day <= end) for name, (_, end) in ranges.items()
    }

    def summed(frame: pd.DataFrame) -> pd.Series:
        keyed = frame[keys].astype("string").fillna("").astype(str)
        return frame["amount_accounting"].astype("int64").groupby([keyed[k] for k in keys]).sum()

    sums = {}
    for name, (start, end) in ranges.items():
        sums[name] = summed(dated[(dated["date"] >= start) & (dated["date"] <= end)])
    if adjustments is not None and len(adjustments):
        adj = adjustment_lines(adjustments, ctx)
        adj = adj[adj["date"].notna() & (adj["date"] <= ctx.end)]
        sums["Current"] = sums["Current"].add(summed(adj), fill_value=0).astype("int64")
    table = pd.concat([s.rename(n) for n, s in sums.items() if covered[n]], axis=1).fillna(0).astype("int64")
    table = table[(table != 0).any(axis=1)].sort_index()
    index = table.index.to_frame(index=False) if len(table) else pd.DataFrame(columns=keys)
    out = pd.DataFrame({"Account": index.iloc[:, 0].astype(str).to_numpy() if len(table) else []}, dtype=object)
    names, types = account_types(book, "name"), account_types(book)
    out["Name"] = out["Account"].map(names).fillna("")
    out["Type"] = out["Account"].map(types).fillna("")
    for i, dim in enumerate(dims, start=1):
        out[dim] = index.iloc[:, i].astype(str).to_numpy() if len(table) else []
    for name in ranges:
        values = table[name].to_numpy(dtype=np.int64) if covered[name] else [pd.NA] * len(out)
        out[name] = pd.array(values, dtype="Int64")
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
    return out[[*COLUMNS[:3], *dims, *COLUMNS[3:]]].reset_index(drop=True)


def _percent(variance: pd.Series, base: pd.Series) -> list[Decimal | None]:
    out = []
    for v, b in zip(variance, base, strict=True):
        if pd.isna(v) or pd.isna(b) or b == 0:
            out.append(None)
        else:
            out.append((Decimal(int(v)) * 100 / abs(Decimal(int(b)))).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return out


def _material(variance: pd.Series, base: pd.Series, settings: schema.Settings | None, ctx: CloseContext) -> np.ndarray:
    """Per row: the variance is above materiality (by amount, by percent, or both: ``MaterialityTest``)."""
    known = variance.notna().to_numpy(dtype=bool)
    var = variance.fillna(0).to_numpy(dtype=np.int64)
    ref = base.fillna(0).to_numpy(dtype=np.int64)
    amount = settings.materiality_amount if settings else None
    percent = getattr(settings, "materiality_percent", None) if settings else None
    both = (getattr(settings, "materiality_test", "Either") or "Either") == "Both"
    tests = []
    if amount is not None:
        tests.append(np.abs(var) > money.round_to_minor(abs(amount), ctx.accounting_currency))
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


def explain(table: pd.DataFrame, previous: RawTable | None, currency: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Flux table with the explanations of the sheet it replaces (by Account, and by the
    dimension columns both have), and a ``flux-unexplained`` warning for each variance that needs
    an explanation and has none."""
    out = table.copy()
    if previous is not None and len(previous):
        by_key = {parsing.header_key(c): c for c in previous.columns}
        keys = [c for c in out.columns if (c == "Account" or c not in COLUMNS) and parsing.header_key(c) in by_key]
        if "Account" in keys:
            old = previous.frame
            old_keys = list(zip(*(old[by_key[parsing.header_key(k)]].map(cell_text) for k in keys), strict=True))
            new_keys = list(zip(*(out[k].map(cell_text) for k in keys), strict=True))
            for column in TYPED:
                source = by_key.get(parsing.header_key(column))
                if source is not None:
                    typed = dict(zip(old_keys, old[source].map(cell_text), strict=True))
                    out[column] = [typed.get(k, "") for k in new_keys]
    records = []
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
        records.append(
            fnd.finding(
                "flux-unexplained",
                SHEET,
                f"account {rec['Account']} {rec['Name']} moved {' and '.join(parts)}: above materiality, "
                f"and no explanation yet",
                row=index + 2,
                column="Explanation",
            )
        )
    return out, fnd.frame(records)


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
