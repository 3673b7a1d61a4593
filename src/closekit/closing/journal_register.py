"""The manual journal's lifecycle, one row per voucher of the Journals sheet (issue 17; docs/close.md
"Manual journals").

A manual journal voucher (a source of Kind ``journal``, the JournalImport sheet) goes

    Prepared -> Validated -> Approved -> Exported -> Posted (or Partly posted)

* **Prepared**: read, with at least one Error finding on its rows: it cannot go further.
* **Validated**: no Error; it needs an approval it does not have yet.
* **Approved**: no Error and, when its debits exceed Settings ``JournalApprovalAmount``, approved in
  the JournalApprovals sheet by someone other than its preparer, over the lines it has now (the
  approval's ``ApprovedHash`` is the voucher's :func:`content_hash`). Below the amount (or with no
  amount set) a validated voucher is approved by the rules.
* **Exported**: an upload file recorded in the RunLog (``closekit export``) holds it, as it is now.
* **Posted**: the posted ledger holds every line (:mod:`closekit.closing.posted_journals`);
  **Partly posted**: some of them.

The approval follows the rules of a sign-off (:mod:`closekit.review.signoffs`): typed by hand (a name
and ApprovedAt), the next run stamps the hash of the voucher the approver saw (the Journals sheet's
``Hash`` of the run before, else the voucher's lines now) and the login of the run; ``closekit
approve`` writes them at once. An approval whose voucher has changed since is **suspended** (its time
and hash cleared, the name kept, a ``journal-approval-suspended`` warning); an approver who is the
preparer does not count (``journal-self-approved``, Error); the logins of the runs that first saw
the names are stamped beside them (``PreparerLogin``, ``ApproverLogin``), as for a sign-off.

Pure: the lines, the findings on them, the approvals and what the RunLog recorded in; the register,
findings and the JournalApprovals cells to write out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from closekit.core import findings as fnd
from closekit.core import money
from closekit.sheetio.base import a1
from closekit.workbook import schema

SHEET = "Journals"
APPROVALS = "JournalApprovals"
PREPARED, VALIDATED, APPROVED, EXPORTED, POSTED, PARTLY = (
    "Prepared",
    "Validated",
    "Approved",
    "Exported",
    "Posted",
    "Partly posted",
)
STATUSES = (PREPARED, VALIDATED, APPROVED, EXPORTED, POSTED, PARTLY)
COLUMNS = [
    "Voucher",
    "Journal",
    "Source",
    "Rows",
    "Date",
    "Lines",
    "Debit",
    "Currency",
    "Status",
    "NeedsApproval",
    "Preparer",
    "Approver",
    "ApprovedAt",
    "Errors",
    "Exported",
    "PostedIn",
    "ReverseOn",
    "ReversalOf",
    "Hash",
]


@dataclass(frozen=True)
class Upload:
    """What the RunLog recorded of one voucher in an upload file: the file, when, and its hash then."""

    file: str
    time: str
    hash: str  # the voucher's content_hash then: its first UPLOAD_HASH_CHARS (all 64 before 2026-12)

    def matches(self, content_hash: str) -> bool:
        """Whether the voucher's lines are still those uploaded (same hash, as far as it was kept)."""
        return len(self.hash) >= UPLOAD_HASH_CHARS and content_hash.startswith(self.hash)


#: Characters of a voucher's content hash an upload's RunLog row keeps (64 bits: a change of its
#: lines is told apart; the row itself is sealed by the RunLog's hash chain), so that one Uploads
#: cell records about 900 vouchers instead of 370.
UPLOAD_HASH_CHARS = 16


@dataclass
class Register:
    """The Journals sheet, the findings about approvals, and the JournalApprovals cells to write."""

    frame: pd.DataFrame
    findings: pd.DataFrame
    cells: dict[str, object] = field(default_factory=dict)

    def approved(self) -> pd.DataFrame:
        """The register's vouchers that may be exported (Approved; Exported ones are uploaded already)."""
        return self.frame[self.frame["Status"] == APPROVED]


def voucher_keys(lines: pd.DataFrame) -> pd.Series:
    """The voucher of each line: ``where|journal|voucher`` (lines without a number: per date)."""
    day = lines["date"].dt.strftime("%Y-%m-%d").fillna("")
    number = lines["voucher"].astype(str).where(lines["voucher"].astype(str) != "", "(no voucher) " + day)
    return lines["where"].astype(str) + "\x1f" + lines["journal"].astype(str) + "\x1f" + number


def content_hash(voucher: pd.DataFrame, dimensions: tuple[str, ...]) -> str:
    """SHA-256 of a voucher's lines: date, account, dimensions, currency, both amounts and text of
    each line, sorted (moving a row does not change it; changing a figure does)."""
    columns = ["date", "account", *dimensions, "currency", "amount", "amount_accounting", "text"]
    columns += [c for c in ("reverse_on", "reverse") if c in voucher.columns]  # the reversal is approved too
    frame = voucher.reindex(columns=columns)
    text = frame.astype(str).where(frame.notna(), "")
    for name in ("date", "reverse_on"):
        if name in voucher.columns:
            text[name] = voucher[name].dt.strftime("%Y-%m-%d").fillna("")
    rows = sorted("\x1f".join(r) for r in text.itertuples(index=False, name=None))
    return hashlib.sha256("\x1e".join(rows).encode("utf-8")).hexdigest()


def build(
    open_lines: pd.DataFrame,
    posted_lines: pd.DataFrame | None,
    findings: pd.DataFrame,
    approvals: list[tuple[int, schema.JournalApprovalRow]],
    *,
    threshold: Decimal | None,
    currency: str,
    dimensions: tuple[str, ...],
    uploads: dict[str, Upload] | None = None,
    previous_hashes: dict[str, str] | None = None,
    login: str = "",
    approvals_sheet_columns: list[str] | None = None,
    period_end: pd.Timestamp | None = None,
) -> Register:
    """The Journals register of the manual journal vouchers: ``open_lines`` (Kind journal, still to
    be posted), ``posted_lines`` (those the ledger holds, with ``found_in``), the ``findings`` of the
    run, the JournalApprovals rows; ``uploads`` (voucher number -> last upload), ``previous_hashes``
    (voucher number -> the Journals sheet's Hash of the last run), ``login`` (who runs this),
    ``period_end`` (the last day of the period closed: a reversal dated up to it and not posted,
    of a voucher that is, is ``journal-reversal-missing``).

    A reversal voucher (:mod:`closekit.closing.reversals`) is approved with the voucher it
    reverses: it needs what that one needs, and that one's approval covers it."""
    uploads, previous_hashes = uploads or {}, previous_hashes or {}
    frames = [open_lines.assign(_posted=False, found_in="")]
    if posted_lines is not None and len(posted_lines):
        frames.append(posted_lines.assign(_posted=True))
    lines = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    lines = lines[lines["kind"] == "journal"]
    if not len(lines):
        return Register(pd.DataFrame(columns=COLUMNS), fnd.frame())
    keys = voucher_keys(lines)
    errors = _error_rows(findings)
    by_number: dict[str, list[str]] = {}
    for key, number in zip(keys, lines["voucher"].astype(str), strict=True):
        if number and key not in by_number.setdefault(number, []):
            by_number[number].append(key)
    approval_of = {}
    for row, item in approvals:
        approval_of.setdefault(item.voucher.strip(), (row, item))

    records, found, cells = [], [], {}
    columns = approvals_sheet_columns or []
    of = lines["reversal_of"].fillna("").astype(str) if "reversal_of" in lines else pd.Series("", index=lines.index)
    groups = list(lines.groupby(keys, sort=False))
    groups.sort(key=lambda item: bool(of.loc[item[1].index[0]]))  # each voucher before its reversal
    decided: dict[str, tuple[bool, bool, str, str, str, str]] = {}  # number -> needs, valid, who, status
    for _, voucher in groups:
        first = voucher.iloc[0]
        number = str(first["voucher"])
        where = str(first["where"])
        original = of.loc[voucher.index[0]]
        rows = voucher["row"].dropna().astype("int64")
        n_errors = sum(1 for r in rows if (where, int(r)) in errors) + errors.get((where, "voucher", number), 0)
        debit = int(voucher["amount_accounting"].fillna(0).clip(lower=0).sum())
        hash_now = content_hash(voucher.drop(columns=["_posted", "found_in"]), dimensions)
        needs = threshold is not None and Decimal(debit) > threshold.scaleb(money.exponent(currency))
        approval = approval_of.get(number) if number and not original else None
        approver, approved_at, preparer = "", "", ""
        valid = False
        if original and original in decided:  # approved (or uploaded, or posted) with the voucher it reverses
            needs, valid, preparer, approver, approved_at, was = decided[original]
            valid = valid or was in (EXPORTED, POSTED, PARTLY)
        if approval is not None:
            row, item = approval
            preparer = (item.preparer or "").strip()
            approver, approved_at = (item.approver or "").strip(), (item.approved_at or "").strip()
            if len(by_number.get(number, [])) > 1:
                found.append(_ambiguous(number, row, by_number[number]))
            else:
                valid, new_cells, problems = _check_approval(
                    row, item, number, hash_now, previous_hashes.get(number), login, columns
                )
                cells.update(new_cells)
                found += problems
                if not valid and problems and any(p["Code"] == "journal-approval-suspended" for p in problems):
                    approved_at = ""
        posted = voucher["_posted"]
        upload = uploads.get(number) if number else None
        if posted.all():
            status = POSTED
        elif posted.any():
            status = PARTLY
        elif n_errors:
            status = PREPARED
        elif upload is not None and upload.matches(hash_now):
            status = EXPORTED
        elif needs and not valid:
            status = VALIDATED
        else:
            status = APPROVED
        decided[number] = (needs, valid, preparer, approver, approved_at, status)
        if status == VALIDATED and not original:
            found.append(_pending(number, where, int(rows.iloc[0]) if len(rows) else None, debit, currency, threshold))
        when = voucher["date"].min()
        if original and status not in (POSTED, PARTLY) and period_end is not None and when <= period_end:
            before = decided.get(original)
            if before is not None and before[5] in (POSTED, PARTLY):
                found.append(_reversal_missing(number, original, where, rows, when, records))
        records.append(
            {
                "Voucher": number,
                "Journal": str(first["journal"]),
                "Source": where,
                "Rows": _row_span(rows),
                "Date": voucher["date"].min(),
                "Lines": len(voucher),
                "Debit": debit,
                "Currency": currency,
                "Status": status,
                "NeedsApproval": "Yes" if needs else "No",
                "Preparer": preparer,
                "Approver": approver,
                "ApprovedAt": approved_at,
                "Errors": n_errors,
                "Exported": f"{upload.file} ({upload.time})" if upload is not None else "",
                "PostedIn": "; ".join(dict.fromkeys(p for p in voucher["found_in"] if p)),
                "ReverseOn": _reverse_on(voucher),
                "ReversalOf": original,
                "Hash": hash_now,
            }
        )
    frame = pd.DataFrame(records, columns=COLUMNS)
    return Register(frame, fnd.frame(found), cells)


def _reverse_on(voucher: pd.DataFrame):
    """The date an auto-reversing voucher reverses on (its ReverseOn; Reverse = Yes: see its reversal row)."""
    if "reverse_on" not in voucher.columns:
        return pd.NaT
    dates = voucher["reverse_on"].dropna()
    return dates.min() if len(dates) else pd.NaT


def _reversal_missing(number: str, original: str, where: str, rows: pd.Series, when, records: list[dict]) -> dict:
    posted = next((r["PostedIn"] for r in records if r["Voucher"] == original), "")
    return fnd.finding(
        "journal-reversal-missing",
        where,
        f"the reversal {number} of journal voucher {original} (posted: {posted}), dated {when:%Y-%m-%d}, is not in "
        f"the posted ledger: it is read as still to be posted",
        row=int(rows.iloc[0]) if len(rows) else None,
        column="Voucher",
        voucher=number,
        fix="Upload the reversal (closekit export writes it) or post it in the ERP, then export the ledger again.",
    )


def _error_rows(findings: pd.DataFrame) -> dict:
    """(where, row) of every Error finding, and (where, "voucher", number) -> count."""
    errors = findings[findings["Severity"] == fnd.Severity.ERROR.value]
    out: dict = {}
    for where, row, voucher in zip(errors["Where"], errors["Row"], errors["Voucher"], strict=True):
        if row is not None and not pd.isna(row):
            out[(str(where), int(row))] = 1
        elif voucher:
            key = (str(where), "voucher", str(voucher))
            out[key] = out.get(key, 0) + 1
    return out


def _row_span(rows: pd.Series) -> str:
    if not len(rows):
        return ""
    low, high = int(rows.min()), int(rows.max())
    return str(low) if low == high else f"{low}-{high}"


def _cell(columns: list[str], header: str, row: int) -> str | None:
    keys = [c.strip().casefold() for c in columns]
    key = header.casefold()
    return a1(row, keys.index(key) + 1) if key in keys else None


def _check_approval(
    row: int,
    item: schema.JournalApprovalRow,
    number: str,
    hash_now: str,
    previous: str | None,
    login: str,
    columns: list[str],
) -> tuple[bool, dict[str, object], list[dict]]:
    """Whether the JournalApprovals row approves the voucher as it is now, the cells to stamp, and findings."""
    cells: dict[str, object] = {}
    problems: list[dict] = []
    preparer = (item.preparer or "").strip()
    approver = (item.approver or "").strip()
    at = (item.approved_at or "").strip()

    def put(header: str, value: object) -> None:
        ref = _cell(columns, header, row)
        if ref is not None:
            cells[ref] = value

    if preparer and not (item.preparer_login or "").strip() and login:
        put("PreparerLogin", login)
    if not approver or not at:
        return False, cells, problems
    if not preparer:
        problems.append(
            _finding(
                "journal-approval-unchecked",
                row,
                "Preparer",
                number,
                f"journal voucher {number} is approved by {approver} but no Preparer is named, so that the "
                f"approver is not the preparer cannot be checked: the approval does not count",
                "Type who prepared the voucher in Preparer.",
            )
        )
        return False, cells, problems
    if not (item.approver_login or "").strip() and login:
        put("ApproverLogin", login)
    if approver.casefold() == preparer.casefold():
        problems.append(
            _finding(
                "journal-self-approved",
                row,
                "Approver",
                number,
                f"journal voucher {number} is approved by its preparer ({approver}): "
                f"a voucher needs an approver other than its preparer, so it is not approved",
                "Have someone else approve it (closekit approve WORKBOOK VOUCHER --as NAME).",
            )
        )
        return False, cells, problems
    signed = (item.approved_hash or "").strip()
    if not signed:
        signed = previous or hash_now
        put("ApprovedHash", signed)
    if signed != hash_now:
        put("ApprovedAt", None)
        put("ApprovedHash", None)
        put("Notes", f"approval by {approver} at {at} suspended: the voucher changed since")
        problems.append(
            fnd.finding(
                "journal-approval-suspended",
                APPROVALS,
                f"the approval of journal voucher {number} by {approver} ({at}) is suspended: the voucher's lines "
                f"changed since it was approved (hash {signed[:12]}... then, {hash_now[:12]}... now)",
                row=row,
                column="ApprovedAt",
                voucher=number,
                fix="Have the voucher approved again (closekit approve, or type ApprovedAt).",
                severity=fnd.Severity.WARNING,
            )
        )
        return False, cells, problems
    return True, cells, problems


def _finding(code: str, row: int, column: str, number: str, message: str, fix: str) -> dict:
    return fnd.finding(code, APPROVALS, message, row=row, column=column, voucher=number, fix=fix)


def _ambiguous(number: str, row: int, keys: list[str]) -> dict:
    places = ", ".join(k.split("\x1f", 1)[0] for k in keys)
    return _finding(
        "journal-approval-ambiguous",
        row,
        "Voucher",
        number,
        f"journal voucher number {number} is used by {len(keys)} vouchers ({places}): the approval cannot say "
        f"which one it approves, so it approves none",
        "Give each journal voucher its own number.",
    )


def _pending(number: str, where: str, row: int | None, debit: int, currency: str, threshold: Decimal | None) -> dict:
    label = f"journal voucher {number}" if number else f"the journal voucher at {where} row {row}"
    return fnd.finding(
        "journal-approval-pending",
        where,
        f"{label}: debits {money.display(debit, currency)} {currency} exceed JournalApprovalAmount "
        f"{threshold:,} {currency}: it needs an approver other than its preparer before it is exported",
        row=row,
        column="Voucher",
        voucher=number,
        fix="closekit approve WORKBOOK VOUCHER --as NAME, or type Preparer, Approver and ApprovedAt in the "
        "JournalApprovals sheet.",
        severity=fnd.Severity.INFO,
    )
