"""The ``closekit`` command line: a thin coat over :mod:`closekit.api` (workbook.md "Command line").

Exit statuses: 0 done (warnings allowed), 1 findings of severity Error, 2 bad usage or input that
could not be read at all (one paragraph, no traceback), 3 an internal error (a bug: please report).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from closekit import api, progress
from closekit.closing import runner as closing
from closekit.core import money
from closekit.core.version import VERSION
from closekit.errors import CloseKitError, UsageError
from closekit.samples import company as sample
from closekit.samples import group as sample_group
from closekit.workbook import outputs, template

app = typer.Typer(
    name="closekit",
    help="Run the general-ledger period-end close from a close workbook.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_ERRORS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
_SEVERITY_STYLE = {"Error": "bold red", "Warning": "yellow", "Info": "cyan"}


SourceOption = Annotated[
    list[Path] | None, typer.Option("--source", help="Add a ledger export (Kind ledger); repeatable.")
]
JournalOption = Annotated[
    list[Path] | None, typer.Option("--journal", help="Add a journal to be posted (Kind journal); repeatable.")
]
FormatOption = Annotated[str | None, typer.Option("--format", help="Format of the files named here (default auto).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on standard output.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Write nothing into the workbook.")]
WorkbookArgument = Annotated[Path, typer.Argument(help="The close workbook (.xlsx or .xlsm).")]


def _version(value: bool) -> None:
    if value:
        out.print(f"closekit {VERSION}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """closekit: import ERP exports, validate posting, close the period."""


@app.command()
def new(
    workbook: Annotated[Path, typer.Argument(help="The file to create: .xlsx (.xlsm with --classic).")],
    with_sample: Annotated[
        bool, typer.Option("--sample", help="Fill it with the sample company and write its journal files beside it.")
    ] = False,
    lite: Annotated[
        bool,
        typer.Option("--lite", help="Put the xlwings Lite code (main.py, requirements.txt) inside the workbook."),
    ] = False,
    classic: Annotated[
        bool,
        typer.Option(
            "--classic",
            help="A macro-enabled .xlsm for the classic xlwings add-in: the xlwings VBA module, buttons wired "
            "to closekit, and closekit_addin.py beside it.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Create a close workbook (with --sample: the bundled sample company; --lite or --classic: ready for Excel)."""
    if lite and classic:
        raise UsageError("Choose one of --lite and --classic: a workbook is for xlwings Lite or the classic add-in.")
    if with_sample and (lite or classic):
        raise UsageError(
            "--sample cannot be combined with --lite or --classic: take workbook_templates/sample-lite.xlsx for a "
            "first try, or make the sample with closekit new --sample."
        )
    if lite or classic:
        kind = "lite" if lite else "classic"
        interpreter = template.python_for_excel() if classic else None
        path = template.write(workbook, force=force, kind=kind, interpreter=interpreter)
        if lite:
            out.print(
                f"Created {path} with the xlwings Lite code inside (closekit {VERSION}). Open it in Excel with the "
                "xlwings Lite add-in installed, trust it when Lite asks, and press the buttons on the Close sheet."
            )
        else:
            python = (
                f"xlwings.conf names {interpreter}"
                if interpreter
                else "xlwings.conf names no interpreter (set Interpreter_Win or Interpreter_Mac on the Excel PC)"
            )
            out.print(
                f"Created {path} and {path.with_name(template.CLASSIC_MODULE).name} beside it; {python}. "
                "Open it in desktop Excel, enable macros, and press the buttons on the Close sheet."
            )
        return
    path = sample.write(workbook, force=force) if with_sample else template.write(workbook, force=force)
    out.print(
        f"Created {path}"
        + (
            f" with the sample company {sample.COMPANY} and its journal files "
            f"{sample.LEDGER_FILE}, {sample.JOURNAL_FILE}."
            if with_sample
            else "."
        )
    )
    if with_sample and path.name == "close.xlsx":  # the group's Consolidation sheet names close.xlsx
        group = sample_group.write(path.parent, force=force)
        out.print(
            f"Created {group} ({sample_group.GROUP}) and {sample_group.US_WORKBOOK} ({sample_group.US}) beside it: "
            f"close the group with closekit close {group.name} --steps consolidation."
        )


@app.command()
def validate(
    workbook: WorkbookArgument,
    source: SourceOption = None,
    journal: JournalOption = None,
    format: FormatOption = None,
    as_json: JsonOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Check the ledger and journals against the workbook; write Findings and a RunLog row."""
    with contextlib.nullcontext() if dry_run else api.locked(workbook):
        result = api.validate(workbook, sources=source or [], journals=journal or [], format=format)
        written = [] if dry_run else api.write_validation(result, command=_command_line())
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_findings(result.findings)
        _print_summary(result, written)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_ERRORS)


@app.command("close")
def close_command(
    workbook: WorkbookArgument,
    steps: Annotated[
        str | None, typer.Option("--steps", help="Comma list of steps to run (always in the close's order).")
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Close this period instead of Settings Period.")
    ] = None,
    by_dimensions: Annotated[
        bool, typer.Option("--by-dimensions", help="Trial balance per account and dimension values.")
    ] = False,
    source: SourceOption = None,
    journal: JournalOption = None,
    format: FormatOption = None,
    as_json: JsonOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Run the period's close and write Adjustments, Settlements, TrialBalance, statements, Findings."""
    chosen = [s.strip() for s in steps.split(",") if s.strip()] if steps else None
    with contextlib.nullcontext() if dry_run else api.locked(workbook), progress.bar(not as_json) as shown:
        result = api.close(
            workbook,
            steps=chosen,
            period=period,
            by_dimensions=by_dimensions,
            sources=source or [],
            journals=journal or [],
            format=format,
            progress=shown,
        )
        if shown is not None and not dry_run:
            shown.step("write")
        written = [] if dry_run else api.write_close(result, command=_command_line())
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_findings(result.findings)
        _print_summary(result.validation, written, counts=result.counts)
        _print_close(result, dry_run=dry_run)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_ERRORS)


def _print_close(result: api.CloseResult, *, dry_run: bool = False) -> None:
    run = result.run
    if run is None:
        out.print("Nothing was closed: the settings or the period could not be read (see the findings).")
        return
    ccy = run.ctx.accounting_currency
    lines = run.adjustments
    if len(lines):
        posted_vouchers = set(run.posted_lines["voucher"]) if run.posted_lines is not None else set()
        for journal, group in lines.groupby("journal", sort=False):
            debit = int(group["amount_accounting"].clip(lower=0).sum())
            verb = "posted" if set(group["voucher"]) <= posted_vouchers else "computed, NOT posted (period not open)"
            out.print(
                f"{journal}: {group['voucher'].nunique()} vouchers, {len(group)} lines, "
                f"{money.display(debit, ccy)} {ccy} {verb}."
            )
    elif any(s in run.steps for s in ("revaluation", "allocation")):
        out.print("No adjustments were needed.")
    settled = run.tables.get("settlements")
    if settled is not None:
        open_items = run.tables.get("open_items")
        out.print(
            f"settlement: {settled['SettlementId'].nunique() if len(settled) else 0} settlements, "
            f"{0 if open_items is None else len(open_items)} open items."
        )
    table = run.tables.get("consolidated_trial_balance")
    if table is not None:
        kept = table[~table["Eliminated"]]
        companies = table.loc[table["Kind"] == "Balance", "Company"].nunique()
        eliminated = int(table.loc[table["Eliminated"], "AmountGroup"].clip(lower=0).sum())
        # the group's CTA: the CTA rows less the NCI's share of it (Kind NCI rows on the CTA account)
        cta_accounts = set(kept.loc[kept["Kind"] == "CTA", "Account"])
        cta_rows = kept["Kind"].isin(["CTA", "NCI"]) & kept["Account"].isin(cta_accounts)
        cta = int(kept.loc[cta_rows, "AmountGroup"].sum())
        out.print(
            f"consolidation: {companies} companies, {len(table)} lines in {ccy}; intercompany "
            f"{money.display(eliminated, ccy)} eliminated; translation adjustment (CTA) "
            f"{'credit' if cta < 0 else 'debit'} {money.display(abs(cta), ccy)}; the group balances."
        )
    opening = run.tables.get("opening_balances")
    if opening is not None:
        out.print(f"year-end: {len(opening)} opening balances for the next fiscal year (OpeningBalances).")
    hold = result.outcomes.get("period-hold")
    if hold is not None:
        change = result.hold
        held = (
            f"{change.old} -> {change.new}{' (dry run: not written)' if dry_run else ''}" if change else "already held"
        )
        out.print(f"period-hold: {run.ctx.period} {held}." if hold.clean else f"period-hold: {hold.reason}.")
    ticked = [t for t, o in result.outcomes.items() if o.ran and o.clean]
    out.print(f"Period {run.ctx.period}: steps run clean: {', '.join(ticked) or 'none'}.")
    if "export" in run.steps:
        out.print("export: the upload journal is its own command: closekit export WORKBOOK --format F --out FILE.")


@app.command("export")
def export_command(
    workbook: Annotated[Path, typer.Argument(help="The close workbook whose Adjustments to export.")],
    out_path: Annotated[Path, typer.Option("--out", help="The upload file to write (split files get -1, -2...).")],
    format: Annotated[str | None, typer.Option("--format", help="ERP layout (default Settings ExportFormat).")] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Export although the last close ended with errors or the workbook changed since (the RunLog "
            "records it).",
        ),
    ] = False,
) -> None:
    """Write the Adjustments as an upload-ready journal in an ERP's own import layout."""
    with api.locked(workbook) if force else contextlib.nullcontext():  # a forced export writes its RunLog row
        result = api.export(workbook, format=format, force=force)
        _print_findings(result.findings)
        for note in result.export.notes:
            out.print(note)
        written = api.write_export(result, out_path, command=_command_line())
    if written:
        forced = " (forced: recorded in the RunLog)" if result.forced else ""
        out.print(f"Wrote {result.lines} lines in the {result.format} layout{forced}: {', '.join(map(str, written))}.")
    elif len(result.gate):
        out.print(
            f"Nothing written: {result.gate.iloc[0]['Message']} Run closekit close again, or export with --force."
        )
    else:
        out.print(f"Nothing written: the {result.format} upload would be refused (see the findings).")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_ERRORS)


@app.command("period")
def period_command(
    targets: Annotated[
        list[str], typer.Argument(help="WORKBOOK PERIOD, or with --all: WORKBOOK... PERIOD (the period comes last).")
    ],
    status: Annotated[str, typer.Option("--status", help="open, on-hold or permanently-closed.")],
    all_workbooks: Annotated[
        bool, typer.Option("--all", help="Change the period in every workbook named (one per company).")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm a change to permanently-closed without a prompt.")
    ] = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Set a period's status: Open <-> On hold; Permanently closed (with confirmation) is never reopened."""
    from closekit.review import period_status

    if len(targets) < 2 or (len(targets) > 2 and not all_workbooks):
        raise UsageError(
            "closekit period takes WORKBOOK PERIOD --status S, or --all WORKBOOK... PERIOD --status S for many "
            f"workbooks (got {len(targets)} arguments: {' '.join(targets)})."
        )
    try:
        new = period_status.CLI_NAMES.get(status.strip().lower()) or period_status.parse_status(status)
    except ValueError as problem:
        raise UsageError(f"--status: {problem}.") from None
    *workbooks, period = targets
    if new == period_status.PERMANENTLY_CLOSED and not yes and not dry_run and sys.stdin.isatty():
        yes = typer.confirm(
            f"Permanently close {period} in {', '.join(workbooks)}? This can never be undone.", default=False
        )
    options = {"confirm": yes, "dry_run": dry_run, "command": _command_line()}
    changes = (
        api.set_period_statuses(workbooks, period, new, **options)
        if all_workbooks
        else [api.set_period_status(workbooks[0], period, new, **options)]
    )
    if as_json:
        keys = ("workbook", "company", "period", "old", "new", "outcome", "reason")
        sys.stdout.write(json.dumps([{k: getattr(c, k) for k in keys} for c in changes], ensure_ascii=False) + "\n")
    else:
        _print_period_changes(changes, dry_run=dry_run)
    raise typer.Exit(EXIT_BAD_INPUT if any(c.refused for c in changes) else EXIT_OK)


def _print_period_changes(changes, *, dry_run: bool) -> None:
    if len(changes) == 1 and changes[0].refused:
        change = changes[0]
        err.print(
            f"closekit: {change.workbook}: period {change.period} was not changed: {change.reason}.", markup=False
        )
        return
    table = Table(header_style="bold", title=f"Period status{' (dry run: nothing written)' if dry_run else ''}")
    for column in ("Workbook", "Company", "Period", "Old", "New", "Result"):
        table.add_column(column, overflow="fold")
    for change in changes:
        result = {"changed": "[green]changed[/]", "unchanged": "unchanged", "refused": "[bold red]refused[/]"}[
            change.outcome
        ]
        detail = f": {escape(change.reason)}" if change.reason else ""
        table.add_row(
            escape(change.workbook),
            escape(change.company),
            escape(change.period),
            change.old or "?",
            change.new,
            result + detail,
        )
    out.print(table)


@app.command("signoff")
def signoff_command(
    workbook: WorkbookArgument,
    task: Annotated[str, typer.Argument(help="The Checklist task, as its Task cell reads.")],
    role: Annotated[str, typer.Option("--as", help="preparer or reviewer.")],
    name: Annotated[str | None, typer.Option("--name", help="Who signs (default: the user logged in).")] = None,
) -> None:
    """Sign a Checklist task's figures as preparer or reviewer (a later change suspends the sign-off)."""
    done = api.signoff(workbook, task, role.strip().lower(), name=name, command=_command_line())
    out.print(
        f"Signed {done.task!r} as {done.role}: {done.name}, {done.at}, figures {done.figures[:12]}.", markup=False
    )


@app.command("verify-log")
def verify_log(workbook: WorkbookArgument) -> None:
    """Check the RunLog's hash chain: exit 0 when intact, 1 naming the first broken row."""
    io = api.open_workbook(workbook)
    check = outputs.verify_runlog(outputs.read_runlog(io), io.where)
    (out if check.ok else err).print(check.message[:1].upper() + check.message[1:], markup=False)
    raise typer.Exit(EXIT_OK if check.ok else EXIT_ERRORS)


@app.command()
def demo(
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Where to put the sample (default: a new temporary folder).")
    ] = None,
) -> None:
    """The bundled sample close, end to end: create the sample workbook and close October."""
    folder = folder or Path(tempfile.mkdtemp(prefix="closekit-demo-"))
    workbook = folder / "close.xlsx"
    sample.write(workbook, force=True)
    out.print(f"Sample close workbook: {workbook}")
    result = api.close(workbook)
    written = api.write_close(result, command="closekit demo")
    _print_findings(result.findings)
    _print_summary(result.validation, written, counts=result.counts)
    lines = result.validation.ledger.lines
    debit = int(lines["amount_accounting"].clip(lower=0).sum())
    credit = int(-lines["amount_accounting"].clip(upper=0).sum())
    ccy = result.validation.book.accounting_currency or "EUR"
    out.print(
        f"{lines['voucher'].nunique()} vouchers on {lines['account'].nunique()} accounts; "
        f"debits {money.display(debit, ccy)} = credits {money.display(credit, ccy)} {ccy}."
    )
    _print_close(result)
    out.print(
        f"Open {workbook} in Excel: Dashboard, Adjustments, TrialBalance, BalanceSheet, IncomeStatement, "
        f"Flux, Checklist."
    )
    group = sample_group.write(folder, force=True)
    out.print(f"\nSample group workbook: {group} ({sample_group.GROUP} with {sample.COMPANY} and {sample_group.US})")
    group_result = api.close(group, steps=[*closing.selected(None), "consolidation"])
    written = api.write_close(group_result, command="closekit demo (group)")
    _print_findings(group_result.findings)
    _print_summary(group_result.validation, written, counts=group_result.counts)
    _print_close(group_result)
    out.print(f"Open {group} in Excel: ConsolidatedTrialBalance, GroupBalanceSheet, GroupIncomeStatement.")
    raise typer.Exit(EXIT_OK if result.ok and group_result.ok else EXIT_ERRORS)


def _print_findings(findings) -> None:
    if findings.empty:
        return
    table = Table(show_lines=False, header_style="bold")
    for column in ("Severity", "Code", "Where", "Row", "Column", "Voucher", "Message"):
        table.add_column(column, overflow="fold")
    shown = findings.head(50)
    for rec in shown.to_dict("records"):
        style = _SEVERITY_STYLE.get(rec["Severity"], "")
        row = "" if rec["Row"] is None or rec["Row"] != rec["Row"] else str(rec["Row"])
        table.add_row(
            f"[{style}]{rec['Severity']}[/]",
            rec["Code"],
            rec["Where"],
            row,
            rec["Column"] or "",
            rec["Voucher"] or "",
            rec["Message"],
        )
    out.print(table)
    if len(findings) > len(shown):
        out.print(f"... and {len(findings) - len(shown)} more (all of them are in the Findings sheet, or use --json).")


def _skipped(source) -> str:
    """``; 3 rows skipped by layout: 1 blank, 2 total`` for the rows that are not lines by layout."""
    if not source.rows_skipped:
        return ""
    reasons = ", ".join(f"{count} {reason}" for reason, count in source.skipped.items())
    plural = "s" if source.rows_skipped != 1 else ""
    return f"; {source.rows_skipped} row{plural} skipped by layout: {reasons}"


def _print_summary(result: api.ValidationResult, written: list[str], counts: dict[str, int] | None = None) -> None:
    counts = counts or result.counts
    sources = ", ".join(f"{s.where} ({s.format}, {s.rows_read} rows{_skipped(s)})" for s in result.ledger.sources)
    sources = sources or "none"
    out.print(f"Read {result.lines} lines from {sources}.")
    verdict = (
        "[bold green]clean[/]"
        if not counts["Error"] and not counts["Warning"]
        else ("[yellow]warnings only[/]" if not counts["Error"] else "[bold red]errors to fix[/]")
    )
    out.print(f"Findings: {counts['Error']} errors, {counts['Warning']} warnings, {counts['Info']} info: {verdict}.")
    if written:
        out.print(f"Wrote {', '.join(written)} in {result.io.where}.")
        for name, target in getattr(result.io, "placed_beside", []):
            out.print(
                f"The sheet {name!r} is yours, not closekit's: it was left as it is, and closekit's {name} "
                f"went into {target!r} (a sheet-not-closekits warning in Findings).",
                markup=False,
            )


_ARGV: list[str] | None = None  # the arguments main() was given (None: the process's own)


def _command_line() -> str:
    return "closekit " + " ".join(sys.argv[1:] if _ARGV is None else _ARGV)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning closekit's errors into exit 2 with a clear message."""
    global _ARGV
    _ARGV = argv
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except CloseKitError as problem:
        err.print(f"closekit: {problem}", markup=False)
        return EXIT_BAD_INPUT
    except typer.Abort:
        err.print("closekit: aborted.")
        return EXIT_BAD_INPUT
    except OSError as problem:  # the file system said no (a link loop, an I/O error): not a bug
        where = f"{problem.filename}: " if problem.filename else ""
        err.print(
            f"closekit: {where}{problem.strerror or problem}: closekit could not read or write this file and stopped.",
            markup=False,
        )
        return EXIT_BAD_INPUT
    except typer.TyperException as problem:  # usage errors: unknown option, missing argument
        show = getattr(problem, "show", None)
        if show is not None:
            show()
        else:
            err.print(f"closekit: {problem}", markup=False)
        return EXIT_BAD_INPUT
    except Exception as problem:  # a bug: say so in one paragraph, no traceback
        if os.environ.get("CLOSEKIT_DEBUG"):
            traceback.print_exc()
        err.print(
            f"closekit: internal error ({type(problem).__name__}: {problem}). This is a bug in "
            f"closekit, not in your data: please report it with the command you ran. Set "
            f"CLOSEKIT_DEBUG=1 to see the details.",
            markup=False,
        )
        return EXIT_INTERNAL
    return code if isinstance(code, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
