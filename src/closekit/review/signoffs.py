"""Sign-offs on checklist tasks, and their suspension when the figures move (issue 7; docs/close.md
"Sign-offs").

Each Checklist task covers some figures: the output of its step (:data:`FIGURES`), the trial
balance for a task without a step. Every run stamps ``FiguresHash``, the SHA-256 of those figures
(:func:`fingerprint`), on the tasks whose figures it computed. A sign-off is a name, a time and the
hash of the figures signed (``Preparer``/``PreparedAt``/``PreparedHash``, the same for the reviewer):

* **Typed**: a person types their name and the date; the next run stamps the hash of the figures
  they looked at, i.e. the ``FiguresHash`` of the run before (or this run's when there was none).
* **Command**: ``closekit signoff WORKBOOK TASK --as preparer|reviewer`` writes all three cells.
* On each run a sign-off whose hash differs from the figures just computed is **suspended**: the
  task's Status becomes ``Sign-off suspended``, its time and hash cells are cleared (the name stays),
  Notes records what was suspended and a ``signoff-suspended`` warning names the task, who signed
  and which figures moved. It stays suspended (one warning per run) until the person signs again.
  A sign-off whose figures did not change is kept as it is.

Pure: the Checklist rows and the run's fingerprints in, cell updates and findings out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.sheetio.base import a1
from closekit.sources.tables import RawTable
from closekit.workbook import schema

SUSPENDED = "Sign-off suspended"
#: role -> (name, time, hash) columns of the Checklist.
ROLES = {
    "preparer": ("Preparer", "PreparedAt", "PreparedHash"),
    "reviewer": ("Reviewer", "ReviewedAt", "ReviewedHash"),
}
#: role -> the Checklist column of the SSH signature of the sign-off (closekit signoff --sign).
SIGNATURES = {"preparer": "PreparerSignature", "reviewer": "ReviewerSignature"}
FIGURES_COLUMN = "FiguresHash"
#: step -> what its figures are (a task without a step, or of a step not listed, covers the trial balance).
FIGURES = {
    "import": "the ledger lines read",
    "validate": "the ledger lines read",
    "settlement": "the Settlements and OpenItems",
    "revaluation": "the revaluation adjustments",
    "allocation": "the allocation adjustments",
    "trial-balance": "the TrialBalance",
    "statements": "the BalanceSheet and IncomeStatement",
    "flux": "the Flux amounts",
    "reconciliation": "the TieOuts",
}
DEFAULT_FIGURES = "the TrialBalance"
#: TrialBalance columns left out of its figures: they shift from Debit/Credit to the Adjustment
#: columns when the generated adjustments come back posted, while the balances signed do not move.
TB_MOVEMENTS = ("Debit", "Credit", "Closing", "AdjustmentDebit", "AdjustmentCredit")


def fingerprint(*frames: pd.DataFrame) -> str:
    """SHA-256 of tables as CSV text (header, rows in order, integers as digits, dates ISO)."""
    digest = hashlib.sha256()
    for frame in frames:
        text = frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def fingerprint_columns(frame: pd.DataFrame) -> str:
    """SHA-256 of a large table column by column, for the ledger lines (a million lines in well
    under a second, where :func:`fingerprint` would take seconds): integers and dates as their
    little-endian int64 bytes with a mask of the empty ones, anything else as text."""
    digest = hashlib.sha256()
    for name in frame.columns:
        values = frame[name]
        digest.update(f"\x1d{name}\x1d".encode())
        if pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
            missing = values.isna().to_numpy(dtype=bool)
            numbers = values.astype("Int64") if not pd.api.types.is_datetime64_any_dtype(values.dtype) else values
            as_int = (
                numbers.to_numpy(dtype="datetime64[ns]").view("int64")
                if pd.api.types.is_datetime64_any_dtype(values.dtype)
                else numbers.fillna(0).to_numpy(dtype="int64")
            )
            digest.update(np.where(missing, 0, as_int).astype("<i8").tobytes())
            digest.update(np.packbits(missing).tobytes())
        else:
            digest.update(joined_text(values))
    return digest.hexdigest()


def joined_text(values: pd.Series) -> memoryview | bytes:
    """The UTF-8 of a column's texts joined by ``\\x1f``, an empty cell as ``\\x00``: the bytes of
    ``"\\x1f".join(texts)``, made by pyarrow when installed (a million lines: 0.03 s where the join
    takes 0.1-0.2 s)."""
    texts = values.astype("string").fillna("\x00")
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # closekit without the fast extra
        return "\x1f".join(texts.tolist()).encode("utf-8")
    text = pa.array(texts.array, type=pa.large_string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if not len(text):
        return b""
    each = pa.scalar("\x1f", pa.large_string()), pa.scalar("", pa.large_string())
    separated = pc.binary_join_element_wise(text, *each)  # each text followed by \x1f
    offsets = np.frombuffer(separated.buffers()[1], dtype=np.int64)[separated.offset :][: len(separated) + 1]
    return memoryview(separated.buffers()[2])[int(offsets[0]) : int(offsets[-1]) - 1]  # the last \x1f dropped


def own_posted_lines(lines: pd.DataFrame, prefix: str, period: str) -> pd.DataFrame:
    """The ledger lines read that are closekit's own vouchers of a step for ``period``, posted and
    exported back (``REV-2026-10-USD``, ``ALC-2026-10-0001``, also as the first word of a longer
    voucher, as an ERP may write it)."""
    if not len(lines) or "voucher" not in lines:
        return lines.iloc[0:0]
    pattern = rf"^{re.escape(prefix)}-{re.escape(period)}-\S*(?:\s|$)"
    vouchers = lines["voucher"].astype("string")
    # the regular expression only on the few vouchers that start like one (a million lines: 0.4 s -> 0.02 s)
    own = vouchers.str.startswith(f"{prefix}-{period}-", na=False).to_numpy(dtype=bool)
    if own.any():
        own[own] = vouchers[own].str.match(pattern, na=False).to_numpy(dtype=bool)
    return lines[own]


def net_per_account(parts: list[pd.DataFrame], dimensions: list[str]) -> pd.DataFrame:
    """A step's adjustments as figures: the net accounting amount per account and dimension values
    of its generated lines and of its own lines already posted, so that posting exactly the
    adjustments signed (a rerun then generates none) leaves the figures as they were signed."""
    keys = ["account", *dimensions]
    frames = [p.reindex(columns=[*keys, "amount_accounting"]) for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=[*keys, "amount_accounting"])
    both = pd.concat(frames, ignore_index=True)
    both[keys] = both[keys].astype("string").fillna("")
    both["amount_accounting"] = both["amount_accounting"].astype("Int64")
    net = both.groupby(keys, sort=True, dropna=False)["amount_accounting"].sum(min_count=1).reset_index()
    return net[net["amount_accounting"].fillna(1) != 0].reset_index(drop=True)


def figures_of(step: str) -> str:
    return FIGURES.get(step, DEFAULT_FIGURES)


def columns_of(sheet: RawTable | None) -> dict[str, int]:
    """Checklist column numbers by header key."""
    if sheet is None:
        return {}
    return {parsing.header_key(n): c for n, c in sheet.meta.get("column_numbers", {}).items()}


def review(
    checklist: list[tuple[int, schema.ChecklistRow]],
    sheet: RawTable | None,
    figures: Callable[[str], str | None] | Mapping[str, str],
    moved: Callable[[str], str] | None = None,
) -> tuple[dict[str, object], dict[str, object], list[dict]]:
    """(cell updates for the Checklist, weak updates, findings). ``figures(step)`` is this run's
    fingerprint of a step's figures (None: not computed this run; the step ``""`` is a task
    without a step). ``moved(step)`` describes what changed against the previous run's output
    (asked only for sign-offs of the previous run's figures). Weak updates (a task signed again
    goes back from Sign-off suspended) give way to the ticking of the same run."""
    columns = columns_of(sheet)
    lookup = figures.get if isinstance(figures, Mapping) else figures
    updates: dict[str, object] = {}
    weak: dict[str, object] = {}
    found: list[dict] = []

    def cell(row: int, header: str) -> str | None:
        number = columns.get(parsing.header_key(header))
        return a1(row, number) if number else None

    def put(row: int, header: str, value: object) -> None:
        ref = cell(row, header)
        if ref:
            updates[ref] = value

    for row, task in checklist:
        step = task.step or ""
        current = lookup(step) if cell(row, FIGURES_COLUMN) or any(getattr(task, r) for r in ROLES) else None
        if current and current != (task.figures_hash or ""):
            put(row, FIGURES_COLUMN, current)
        baseline = task.figures_hash or current
        was_suspended = (task.status or "") == SUSPENDED
        suspended, notes = False, []
        for role, (name_col, at_col, hash_col) in ROLES.items():
            name, at, signed = (getattr(task, _attr(c)) or "" for c in (name_col, at_col, hash_col))
            if not name or cell(row, hash_col) is None:
                continue
            if not signed and not at:
                if was_suspended:  # suspended by an earlier run, not signed again yet
                    suspended = True
                    found.append(
                        _finding(row, task, role, name, name_col, f"is still suspended: {name} has not signed again")
                    )
                continue
            if not signed:  # typed: stamp the figures the signer saw
                if not baseline:
                    continue
                signed = baseline
                put(row, hash_col, signed)
            if current is None or signed == current:
                continue
            suspended = True
            what = figures_of(step)
            when = f" on {at}" if at else ""
            detail = moved(step) if moved is not None and signed == (task.figures_hash or "") else ""
            found.append(
                _finding(
                    row,
                    task,
                    role,
                    name,
                    name_col,
                    f"signed by {name}{when} is suspended: {what} changed since (signed {signed[:12]}, now "
                    f"{current[:12]}){': ' + detail if detail else ''}",
                )
            )
            notes.append(f"{role.title()} sign-off of {name}{when} suspended: {what} changed")
            put(row, at_col, None)
            put(row, hash_col, None)
            put(row, SIGNATURES[role], None)  # it signed the figures that moved
        if suspended:
            put(row, "Status", SUSPENDED)
            if notes:
                put(row, "Notes", "; ".join([*notes, *([task.notes] if task.notes else [])]))
        elif was_suspended and (ref := cell(row, "Status")):  # signed again
            weak[ref] = "Done" if task.completed else "In progress"
    return updates, weak, found


def _attr(header: str) -> str:
    return next(n for n, f in schema.ChecklistRow.model_fields.items() if f.alias == header)


def _finding(row: int, task: schema.ChecklistRow, role: str, name: str, column: str, what: str) -> dict:
    return fnd.finding(
        "signoff-suspended",
        "Checklist",
        f"task {task.task!r}: the {role} sign-off {what}",
        row=row,
        column=column,
    )


def signed_cells(
    checklist: list[tuple[int, schema.ChecklistRow]],
    sheet: RawTable | None,
    task_name: str,
    role: str,
    name: str,
    when: str,
) -> tuple[schema.ChecklistRow, dict[str, object]]:
    """The cells ``closekit signoff`` writes: the name, the time and the task's ``FiguresHash``.
    ValueError (one sentence for the user) when the task cannot be signed."""
    if role not in ROLES:
        raise ValueError(f"--as must be preparer or reviewer, not {role!r}")
    columns = columns_of(sheet)
    name_col, at_col, hash_col = ROLES[role]
    missing = [c for c in (name_col, at_col, hash_col, FIGURES_COLUMN) if parsing.header_key(c) not in columns]
    if missing:
        raise ValueError(
            f"the Checklist has no column {', '.join(missing)} in row 1: add them to sign off "
            f"(closekit new makes a workbook with them)"
        )
    key = task_name.strip().lower()
    hits = [(row, task) for row, task in checklist if task.task.strip().lower() == key]
    if not hits:
        raise ValueError(f"the Checklist has no task {task_name!r}")
    if len(hits) > 1:
        raise ValueError(f"the Checklist lists task {task_name!r} twice (rows {hits[0][0]} and {hits[1][0]})")
    row, task = hits[0]
    if not task.figures_hash:
        raise ValueError(f"task {task.task!r} has no figures yet: run closekit close first, then sign what it shows")
    other = task.reviewer if role == "preparer" else task.preparer
    if other and other.strip().lower() == name.strip().lower():
        raise ValueError(
            f"{name} already signed task {task.task!r} as the other role: preparer and reviewer must differ"
        )

    def ref(header: str) -> str:
        return a1(row, columns[parsing.header_key(header)])

    cells: dict[str, object] = {ref(name_col): name, ref(at_col): when, ref(hash_col): task.figures_hash}
    if task.status == SUSPENDED:
        other_pending = (
            (task.reviewer and not task.reviewed_hash)
            if role == "preparer"
            else (task.preparer and not task.prepared_hash)
        )
        if not other_pending:
            cells[ref("Status")] = "Done" if task.completed else "In progress"
    return task, cells
