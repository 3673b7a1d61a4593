"""``closekit signoff``: a preparer's or reviewer's sign-off of a Checklist task's figures
(docs/close.md "Sign-offs"; the rules are :mod:`closekit.review.signoffs`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from closekit.closing import flux, reconciliation
from closekit.errors import UsageError
from closekit.pipeline import runlog, ssh_sign
from closekit.pipeline.reading import locked, open_workbook
from closekit.pipeline.results import SignOff
from closekit.review import signoff_rules, signoffs, ssh_signatures
from closekit.sheetio.base import SheetIO
from closekit.workbook import outputs, schema
from closekit.workbook.book import read_rows, read_settings


def signoff(
    workbook: str | Path | SheetIO,
    task: str,
    role: str,
    *,
    name: str | None = None,
    now: dt.datetime | None = None,
    command: str = "signoff",
    sign: bool = False,
    key: str | Path | None = None,
) -> SignOff:
    """Sign a Checklist task as ``preparer`` or ``reviewer``: the name (default: the user logged
    in), the time (UTC) and the hash of the figures the last close computed for the task (its
    ``FiguresHash``), plus a RunLog row, in one atomic write. A later close that computes other
    figures suspends the sign-off (docs/close.md "Sign-offs").

    ``sign``: also sign it with the SSH key ``key`` (default: git's user.signingkey, else
    ~/.ssh/id_ed25519), which must be the signer's in the AllowedSigners sheet (docs/close.md
    "Signed sign-offs"); refused, before anything is written, when it cannot be."""
    now = now or dt.datetime.now(dt.UTC)
    who = (name or runlog.user()).strip()
    if not who:
        raise UsageError("closekit signoff: say who signs (--name), the user name could not be found.")
    with locked(workbook):
        io = open_workbook(workbook)
        sheet = io.read_sheet("Checklist")
        if sheet is None or len(sheet) == 0:
            raise UsageError(f"{io.where} has no Checklist tasks to sign.")
        rows, _ = read_rows(sheet, schema.ChecklistRow)
        try:
            found, cells = signoffs.signed_cells(rows, sheet, task, role, who, runlog.stamp(now))
        except ValueError as problem:
            raise UsageError(f"{io.where}: {problem}.") from None
        refused = signoff_rules.refusal(found, role, who)  # the rules a typed sign-off is held to too
        if refused:
            raise UsageError(f"{io.where}: {refused}.")
        settings = read_settings(io.read_sheet("Settings"))[0]
        signature = None
        if sign:
            signature = _signature(io, found, role, who, settings, key, now)
        cells |= signoff_rules.command_cells(rows, sheet, found, role, runlog.user(), signature)
        row = next(r for r, t in rows if t is found)
        cells = signoff_rules.complete(sheet, row, found, role, cells, runlog.stamp(now))  # the second sign-off
        cells = signoff_rules.hold_done(rows, sheet, cells)  # a review task is Done only once both signed
        if found.step == "flux":  # docs/close.md "Flux review": never signed over unexplained variances
            flux_sheet = io.read_sheet(flux.SHEET)
            unexplained = flux.unexplained_reason(flux_sheet.frame if flux_sheet is not None else None)
            if unexplained:
                raise UsageError(
                    f"{io.where}: task {found.task!r} cannot be signed: {unexplained}. Explain them "
                    f"(Flux sheet, Explanation), run closekit close, then sign"
                )
        tieouts = io.read_sheet(reconciliation.OUTPUT)  # docs/close.md "Subledger tie-outs"
        unreconciled = reconciliation.unreconciled_tasks(tieouts.frame if tieouts is not None else None)
        why = next((w for t, w in unreconciled.items() if t.casefold() == found.task.strip().casefold()), "")
        if why:
            raise UsageError(
                f"{io.where}: task {found.task!r} cannot be signed: {why}. Explain the difference (correct it, "
                f"or record a ReconcilingItems row), run closekit close, then sign"
            )
        entry = runlog.entry(
            now=now,
            command=command,
            period=settings.period if settings else "",
            user_name=None,  # the RunLog names the user logged in, whoever signs
            hashes={io.where: io.fingerprint() or ""},
            counts={},
            written=[f"Checklist ({role} sign-off)", outputs.RUNLOG],
            result=f"task {found.task!r} signed by {who} as {role} (figures {found.figures_hash})"
            + (" with an SSH signature" if signature else ""),
        )
        io.write_sheets([runlog.sheet(io, entry, {"Checklist": cells})], {"Checklist": cells})
    return SignOff(found.task, role, who, runlog.stamp(now), found.figures_hash or "")


def _signature(io, task, role, who, settings, key, now: dt.datetime) -> str:
    """The SSH signature of this sign-off, after checking the key is ``who``'s in AllowedSigners."""
    keygen = ssh_sign.ssh_keygen()
    path = Path(key).expanduser() if key else ssh_sign.default_key()
    key_line = ssh_sign.public_key(keygen, path)
    signers, problems = ssh_sign.read_signers(io)
    if problems:
        raise UsageError(f"{io.where}: " + "; ".join(problems) + ".")
    refused = ssh_sign.check_key(signers, who, key_line, now.date())
    if refused:
        raise UsageError(f"{io.where}: {who} cannot sign task {task.task!r} with {path}: {refused}.")
    at = runlog.stamp(now)  # what signed_cells writes in PreparedAt/ReviewedAt, beside the FiguresHash
    text = ssh_signatures.message(
        company=settings.company if settings else "",
        period=settings.period if settings else "",
        task=task.task,
        role=role,
        name=who,
        at=at,
        figures=task.figures_hash or "",
    )
    signature = ssh_sign.sign(path, text)
    ok, detail = ssh_sign.verify(signers, who, text, signature, at)
    if not ok:
        raise UsageError(f"{io.where}: the signature made with {path} does not verify: {detail}.")
    return signature
