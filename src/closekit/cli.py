"""The ``closekit`` command line: a thin coat over :mod:`closekit.api` (workbook.md "Command line").

Exit statuses: 0 done (warnings allowed), 1 findings of severity Error, 2 bad usage or input that
could not be read at all (one paragraph, no traceback), 3 an internal error (a bug: please report).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import shlex
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand

from closekit import api, exporters, progress
from closekit.closing import journal_register
from closekit.closing import runner as closing
from closekit.core import cell_text, money
from closekit.core.plural import plural
from closekit.core.version import VERSION
from closekit.errors import CloseKitError, UsageError
from closekit.pipeline import ssh_sign
from closekit.review import period_status, signoffs
from closekit.sources import importers


class Command(TyperCommand):
    """A command's help as people know it from other tools: ``Usage: closekit close [OPTIONS]
    WORKBOOK``, each argument by its metavar (no ``{workbook}``, no ``<path>`` after it)."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(_argument_name(param) if param.required else f"[{_argument_name(param)}]")
        return pieces

    def format_options(self, ctx, formatter) -> None:
        params = self.get_params(ctx)
        arguments = [(_argument_name(p), p.help or "") for p in params if p.param_type_name == "argument"]
        options = [r for p in params if p.param_type_name == "option" and (r := p.get_help_record(ctx))]
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _argument_name(param) -> str:
    return param.metavar or param.name.upper() + ("..." if param.nargs != 1 else "")


HELP = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    name="closekit",
    help="Run the general-ledger period-end close from a close workbook.\n\n"
    "Each command reads the close workbook (.xlsx or .xlsm) and the ledger exports its Sources sheet "
    "names. Run closekit COMMAND -h for a command's options.\n\n"
    "\b\nExit status (every command):\n"
    "  0  done (warnings allowed)\n"
    "  1  findings of severity Error (see the Findings sheet)\n"
    "  2  bad usage, or input that could not be read at all\n"
    "  3  an internal error: a bug in closekit (CLOSEKIT_DEBUG=1 shows it)",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP,
)
command = functools.partial(app.command, cls=Command)
# markup off: paths, journal names and messages come from the user's files and print as they are
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

EXIT_OK, EXIT_ERRORS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
_SEVERITY_STYLE = {"Error": "bold red", "Warning": "yellow", "Info": "cyan"}

#: The values the help lists, from the registries the commands use (never a copy typed here).
SOURCE_FORMATS = ", ".join(importers.FORMATS)
EXPORT_FORMATS = ", ".join(exporters.available())
CLOSE_STEPS = ", ".join(closing.AVAILABLE)
ON_REQUEST_STEPS = ", ".join(closing.ON_REQUEST[:-1]) + " and " + closing.ON_REQUEST[-1]
PERIOD_STATUSES = ", ".join(period_status.CLI_NAMES)
SIGNOFF_ROLES = " or ".join(signoffs.ROLES)

SourceOption = Annotated[
    list[Path] | None,
    typer.Option("--source", metavar="FILE", help="Add a posted-ledger export (Kind ledger); repeatable."),
]
JournalOption = Annotated[
    list[Path] | None,
    typer.Option("--journal", metavar="FILE", help="Add a journal still to be posted (Kind journal); repeatable."),
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help=f"Layout of the files named with --source and --journal: {SOURCE_FORMATS} (default auto: "
        "recognised by their header).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on standard output.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Write nothing into the workbook.")]
WorkbookArgument = Annotated[
    Path, typer.Argument(metavar="WORKBOOK", help="The close workbook (.xlsx or .xlsm).", show_default=False)
]


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


@command()
def new(
    workbook: Annotated[
        Path, typer.Argument(metavar="WORKBOOK", help="The file to create: .xlsx (.xlsm with --classic).")
    ],
    with_sample: Annotated[
        bool,
        typer.Option(
            "--sample", help="Fill it with the sample company; write its journal files and subledger reports beside it."
        ),
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
    """Create a close workbook.

    Writes WORKBOOK from closekit's template: the input sheets (Settings, Sources, Accounts,
    Dimensions, Rates, Periods, AllocationRules, Checklist, Consolidation, Holidays, LedgerImport,
    JournalImport) with their headers and drop-downs, a default Checklist (the period-end close of
    Dynamics 365, due in working days from the period end), the Close sheet, the Dashboard and
    Help. It reads nothing, and never replaces an existing file unless --force is given. With --sample the
    workbook holds the sample company and its two journal files are written beside it (for
    close.xlsx also the sample group's workbooks); with --lite or --classic it is ready for Excel
    with xlwings. It prints the commands to run next.

    \b
    Exit status:
      0  created
      2  bad usage, or the file exists (without --force)
      3  an internal error (a bug in closekit)
    """
    from closekit.samples import company as sample  # openpyxl: only when a workbook is made
    from closekit.samples import group as sample_group
    from closekit.workbook import template
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
            f"{sample.LEDGER_FILE}, {sample.JOURNAL_FILE} and subledger reports {sample.AR_AGING_FILE}, "
            f"{sample.AP_AGING_FILE}."
            if with_sample
            else "."
        )
    )
    group = None
    if with_sample and path.name == "close.xlsx":  # the group's Consolidation sheet names close.xlsx
        group = sample_group.write(path.parent, force=force)
        out.print(
            f"Created {group} ({sample_group.GROUP}) and {sample_group.US_WORKBOOK} ({sample_group.US}) beside it."
        )
    _print_next_steps(workbook, with_sample=with_sample, group=workbook.with_name(group.name) if group else None)


def _print_next_steps(workbook: Path, *, with_sample: bool, group: Path | None) -> None:
    """What to do after ``closekit new``: the commands to run next, with the file name as it was given."""
    name = shlex.quote(str(workbook))
    commands = [
        (f"closekit validate {name}", "check the ledger against the workbook"),
        (f"closekit close {name}", "run the period's close"),
    ]
    if group is not None:
        commands.append((f"closekit close {shlex.quote(str(group))} --steps consolidation", "close the group"))
    if with_sample:
        from closekit.samples import company as sample

        out.print(f"Next, close the sample's period {sample.PERIOD}:")
    else:
        out.print(
            f"Next: fill in {workbook.name}: Settings (Company, AccountingCurrency, Period), Accounts and "
            "Periods, and name your ERP's general-ledger export in Sources (or paste it into LedgerImport); "
            "then run:"
        )
    width = max(len(c) for c, _ in commands)
    for line, what in commands:
        out.print(f"  {line:<{width}}   {what}")


@command()
def validate(
    workbook: WorkbookArgument,
    source: SourceOption = None,
    journal: JournalOption = None,
    format: FormatOption = None,
    as_json: JsonOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Check the ledger and journals against the workbook.

    Reads the workbook's input sheets, the files its Sources sheet names, those given with --source
    and --journal, and the exports pasted into LedgerImport and JournalImport; checks every line
    (dates, amounts, accounts, dimensions, open periods, balanced vouchers). Prints the findings and
    a summary; writes the Findings sheet and appends a RunLog row (nothing with --dry-run). Input
    sheets are never changed.

    \b
    Exit status:
      0  no Error findings (warnings allowed)
      1  findings of severity Error
      2  bad usage, or input that could not be read at all
      3  an internal error (a bug in closekit)
    """
    with contextlib.nullcontext() if dry_run else api.locked(workbook):
        result = api.validate(workbook, sources=source or [], journals=journal or [], format=format)
        written = [] if dry_run else api.write_validation(result, command=_command_line())
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_findings(result.findings)
        _print_summary(result, written)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_ERRORS)


@command("close")
def close_command(
    workbook: WorkbookArgument,
    steps: Annotated[
        str | None,
        typer.Option(
            "--steps",
            metavar="STEP,...",
            help=f"Comma list of steps to run, always in the close's order: {CLOSE_STEPS}. Default: all "
            f"but {ON_REQUEST_STEPS}, which run only when named.",
        ),
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", metavar="PERIOD", help="Close this period instead of Settings Period.")
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
    """Run the period's close.

    Reads what validate reads, checks it, then runs the close's steps for Settings Period (or
    --period): settlement, revaluation and allocation vouchers, trial balance, statements, flux;
    consolidation of the subsidiaries' workbooks, year-end and period-hold when named with --steps.
    Writes Adjustments, Settlements, OpenItems, TrialBalance, BalanceSheet, IncomeStatement,
    GeneralJournal, Flux, Findings and a RunLog row, ticks the Checklist and fills the Dashboard
    (with consolidation: ConsolidatedTrialBalance, GroupBalanceSheet, GroupIncomeStatement; with
    year-end: OpeningBalances). Input sheets are never changed; the outputs are replaced in one
    atomic write; --dry-run writes nothing.

    \b
    Exit status:
      0  done (warnings allowed)
      1  findings of severity Error (outputs still written where they mean
         something; the period is never put on hold over errors)
      2  bad usage, or input that could not be read at all
      3  an internal error (a bug in closekit)
    """
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
                f"{journal}: {plural(group['voucher'].nunique(), 'voucher')}, {plural(len(group), 'line')}, "
                f"{money.display(debit, ccy)} {ccy} {verb}."
            )
    elif any(s in run.steps for s in ("revaluation", "allocation")):
        out.print("No adjustments were needed.")
    settled = run.tables.get("settlements")
    if settled is not None:
        open_items = run.tables.get("open_items")
        out.print(
            f"settlement: {plural(settled['SettlementId'].nunique() if len(settled) else 0, 'settlement')}, "
            f"{plural(0 if open_items is None else len(open_items), 'open item')}."
        )
    tieouts = run.tables.get("reconciliations")
    if tieouts is not None and len(tieouts):
        out.print(_tieout_summary(tieouts))
    register = result.journals.frame if result.journals is not None else None
    if register is not None and len(register):  # issue 17: where each manual journal voucher stands
        counts = register["Status"].value_counts()
        stands = ", ".join(f"{int(counts[s])} {s}" for s in journal_register.STATUSES if s in counts)
        out.print(f"manual journals: {plural(len(register), 'voucher')}: {stands} (Journals sheet).")
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
            f"consolidation: {plural(companies, 'company', 'companies')}, {plural(len(table), 'line')} in {ccy}; "
            f"intercompany {money.display(eliminated, ccy)} eliminated; translation adjustment (CTA) "
            f"{'credit' if cta < 0 else 'debit'} {money.display(abs(cta), ccy)}; the group balances."
        )
    opening = run.tables.get("opening_balances")
    if opening is not None:
        out.print(f"year-end: {plural(len(opening), 'opening balance')} for the next fiscal year (OpeningBalances).")
    hold = result.outcomes.get("period-hold")
    if hold is not None:
        change = result.hold
        held = (
            f"{change.old} -> {change.new}{' (dry run: not written)' if dry_run else ''}" if change else "already held"
        )
        out.print(f"period-hold: {run.ctx.period} {held}." if hold.clean else f"period-hold: {hold.reason}.")
    ticked = result.clean_steps
    waiting = [s for s in result.outcomes if s in result.blocked_steps]
    out.print(
        f"Period {run.ctx.period}: steps run clean: {', '.join(ticked) or 'none'}."
        + (f" Blocked (waiting for a Blocked task): {', '.join(waiting)}." if waiting else "")
    )
    if "export" in run.steps:
        out.print("export: the upload journal is its own command: closekit export WORKBOOK --format F --out FILE.")


@command("export")
def export_command(
    workbook: Annotated[
        Path, typer.Argument(metavar="WORKBOOK", help="The close workbook whose Adjustments to export.")
    ],
    out_path: Annotated[
        Path,
        typer.Option(
            "--out", metavar="FILE", help="The upload file to write (split files get -1, -2, ... before the suffix)."
        ),
    ],
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help=f"The ERP's import layout: {EXPORT_FORMATS} (default Settings ExportFormat, else generic).",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Export although the last close ended with errors or the workbook changed since (the RunLog "
            "records it).",
        ),
    ] = False,
    journals: Annotated[
        str,
        typer.Option(
            "--journals",
            metavar="WHICH",
            help="What to upload: all (the generated adjustments and the approved manual journal vouchers), "
            "adjustments, or manual.",
        ),
    ] = "all",
    sources: SourceOption = None,
    journal_files: JournalOption = None,
    again: Annotated[
        bool,
        typer.Option("--again", help="Also upload manual journal vouchers an earlier upload holds (RunLog)."),
    ] = False,
) -> None:
    """Write the adjustments and manual journals as an upload file.

    Reads the Adjustments sheet the last close wrote, the manual journal vouchers (the workbook's
    journal sources, and the files of --source and --journal: give the ones the close was given)
    and the workbook's Settings, and writes FILE in the import layout of the ERP (FILE-1, FILE-2,
    ... when the ERP limits the lines of a file; each file written beside its target and swapped in
    when complete). A manual voucher is uploaded once it is Approved (Journals sheet); one not
    approved, already uploaded, or in a foreign currency is left out with a warning. An upload the
    ERP would refuse (an Error finding: a voucher too long, a text over the ERP's limit) is not
    written. The RunLog records each file's SHA-256 and the vouchers it holds.

    \b
    Exit status:
      0  written (warnings allowed)
      1  findings of severity Error, or the last close ended with errors or the workbook
         changed since (without --force): nothing written
      2  bad usage, no Adjustments sheet, or input that could not be read
      3  an internal error (a bug in closekit)
    """
    with api.locked(workbook):  # the export writes its RunLog row
        result = api.export(
            workbook, format=format, force=force, journals=journals.strip().lower(), sources=sources or (),
            journal_files=journal_files or (), again=again,
        )
        _print_findings(result.findings)
        for note in result.export.notes:
            out.print(note)
        written = api.write_export(result, out_path, command=_command_line())
    if written:
        forced = " (forced: recorded in the RunLog)" if result.forced else ""
        files = ", ".join(map(str, written))
        out.print(f"Wrote {plural(result.lines, 'line')} in the {result.format} layout{forced}: {files}.")
    elif len(result.gate):
        out.print(
            f"Nothing written: {result.gate.iloc[0]['Message']} Run closekit close again, or export with --force."
        )
    else:
        out.print(f"Nothing written: the {result.format} upload would be refused (see the findings).")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_ERRORS)


@command("period")
def period_command(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="WORKBOOK... PERIOD",
            help="WORKBOOK PERIOD, or with --all: WORKBOOK... PERIOD (the period comes last).",
        ),
    ],
    status: Annotated[str, typer.Option("--status", metavar="STATUS", help=f"The new status: {PERIOD_STATUSES}.")],
    all_workbooks: Annotated[
        bool, typer.Option("--all", help="Change the period in every workbook named (one per company).")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm a change to permanently-closed without a prompt.")
    ] = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
) -> None:
    """Set a period's status in the Periods sheet.

    Open and On hold go both ways; Permanently closed (asked for confirmation, or --yes) is never
    reopened. Reads the workbook's Periods sheet and writes the period's Status there, with a
    RunLog row (nothing with --dry-run). With --all, the same period in each workbook named (a
    group's companies); a workbook that refuses leaves the others changed.

    \b
    Exit status:
      0  changed, or already in that status
      2  bad usage, or a change refused (the reason is printed)
      3  an internal error (a bug in closekit)
    """
    if len(targets) < 2 or (len(targets) > 2 and not all_workbooks):
        raise UsageError(
            "closekit period takes WORKBOOK PERIOD --status S, or --all WORKBOOK... PERIOD --status S for many "
            f"workbooks (got {plural(len(targets), 'argument')}: {' '.join(targets)})."
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


@command("checklist")
def checklist_command(
    action: Annotated[str, typer.Argument(metavar="ACTION", help="next: start the next period's checklist.")],
    workbook: WorkbookArgument,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", metavar="PERIOD", help="The period whose checklist is done (default: Settings Period)."
        ),
    ] = None,
    move_period: Annotated[
        bool, typer.Option("--move-period", help="Also set Settings Period to the next period.")
    ] = False,
    allow_open: Annotated[
        bool,
        typer.Option(
            "--allow-open", help="Roll over although tasks are not Done or Skipped (the history shows them so)."
        ),
    ] = False,
) -> None:
    """Start the next period's checklist.

    Appends the Checklist as it stands, with its period and each task's due date, to the
    ChecklistHistory sheet (earlier periods' rows stay), then makes the Checklist the next
    period's (the period after it in Periods): Status Not started, Completed and the sign-offs
    cleared, a typed Due moved as many working days from the new period end; Task, Step, Owner,
    DependsOn, DueDay, Area, Company and Notes stay. Refused while a task is not Done or Skipped
    (unless --allow-open), while the Checklist or Holidays has errors, while a control cell
    changed since the last run (close first), or when ChecklistHistory already holds the
    period. Settings Period moves only with --move-period. One atomic write, with a RunLog row.

    \b
    Exit status:
      0  the next period's checklist was started
      1  refused: open tasks, errors in Checklist or Holidays, control cells changed
         since the last run, or the period already in ChecklistHistory (the reasons
         are printed; nothing is written)
      2  bad usage: no next period in Periods, no Checklist sheet, an action other
         than next
      3  an internal error (a bug in closekit)
    """
    if action.strip().lower() != "next":
        raise UsageError(f"closekit checklist takes the action next (got {action!r}): closekit checklist next WORKBOOK")
    result = api.checklist_next(
        workbook, period=period, move_period=move_period, allow_open=allow_open, command=_command_line()
    )
    if not result.done:
        err.print(f"closekit: the checklist of {result.period} was not rolled over to {result.next_period}, because:")
        for reason in result.refused:
            err.print(f"  {reason}")
        if any("not Done or Skipped" in r for r in result.refused):
            err.print("Finish those tasks or mark them Skipped, or run again with --allow-open to carry them over.")
        raise typer.Exit(EXIT_ERRORS)
    out.print(
        f"Kept the checklist of {result.period} ({plural(result.tasks, 'task')}) in ChecklistHistory and started "
        f"{result.next_period}'s: every task Not started."
    )
    if result.moved:
        task, old, new = result.moved[0]
        out.print(
            f"Moved {plural(len(result.moved), 'typed Due date')} with the period, as many working days from its "
            f"end (the first, {task!r}: {old:%Y-%m-%d} -> {new:%Y-%m-%d})."
        )
    out.print(
        f"Settings Period is now {result.next_period}."
        if result.period_moved
        else f"Settings Period stays {result.period}: DueDay counts from its end until it moves to "
        f"{result.next_period} (type it, or --move-period next time)."
    )
    raise typer.Exit(EXIT_OK)


_OUTCOME_STYLE = {"changed": "green", "unchanged": "", "refused": "bold red"}


def _print_period_changes(changes, *, dry_run: bool) -> None:
    if len(changes) == 1 and changes[0].refused:
        change = changes[0]
        err.print(f"closekit: {change.workbook}: period {change.period} was not changed: {change.reason}.")
        return
    rows = []
    for change in changes:
        result = Text(change.outcome, style=_OUTCOME_STYLE[change.outcome])
        if change.reason:
            result.append(f": {change.reason}")
        rows.append([change.workbook, change.company, change.period, change.old or "?", change.new, result])
    _print_table(
        ["Workbook", "Company", "Period", "Old", "New", "Result"],
        rows,
        title=f"Period status{' (dry run: nothing written)' if dry_run else ''}",
    )


@command("signoff")
def signoff_command(
    workbook: WorkbookArgument,
    task: Annotated[str, typer.Argument(metavar="TASK", help="The Checklist task, as its Task cell reads.")],
    role: Annotated[str, typer.Option("--as", metavar="ROLE", help=f"Sign as the {SIGNOFF_ROLES}.")],
    name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="Who signs (default: the user logged in).")
    ] = None,
    sign: Annotated[
        bool,
        typer.Option(
            "--sign",
            help="Also sign the figures' hash with your SSH key (ssh-keygen -Y sign, as git signs commits); "
            "the key must be yours in the AllowedSigners sheet.",
        ),
    ] = False,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            metavar="KEYFILE",
            help="The SSH key of --sign (default: git's user.signingkey, else ~/.ssh/id_ed25519).",
        ),
    ] = None,
) -> None:
    """Sign a Checklist task's figures as preparer or reviewer.

    Reads the Checklist and the figures of the task's step (the hash of what the last close wrote),
    and writes the signer, the time and the figures' hash into the task's row, with a RunLog row. A
    later change to those figures suspends the sign-off (Status Sign-off suspended); preparer and
    reviewer must be two people.

    \b
    Exit status:
      0  signed
      2  bad usage, an unknown task, or a sign-off refused (the reason is printed)
      3  an internal error (a bug in closekit)
    """
    done = api.signoff(
        workbook, task, role.strip().lower(), name=name, command=_command_line(), sign=sign or key is not None, key=key
    )
    signed = ", SSH-signed" if sign or key is not None else ""
    out.print(f"Signed {done.task!r} as {done.role}: {done.name}, {done.at}, figures {done.figures[:12]}{signed}.")


@command("approve")
def approve_command(
    workbook: WorkbookArgument,
    voucher: Annotated[str, typer.Argument(metavar="VOUCHER", help="The manual journal voucher's number.")],
    name: Annotated[str, typer.Option("--as", metavar="NAME", help="Who approves (not the voucher's preparer).")],
    preparer: Annotated[
        str | None,
        typer.Option("--preparer", metavar="NAME", help="Who prepared it, when JournalApprovals names no one yet."),
    ] = None,
) -> None:
    """Approve a manual journal voucher.

    Reads the Journals sheet the last close wrote and the JournalApprovals sheet, and writes the
    approver, the time and the hash of the voucher's lines into the voucher's JournalApprovals row,
    with a RunLog row. The approver must not be the preparer; a later change to the voucher's lines
    suspends the approval. Run closekit close afterwards: export uploads what the close approved.

    \b
    Exit status:
      0  approved
      2  bad usage, a voucher the last close did not list, or an approval refused (the reason is
         printed)
      3  an internal error (a bug in closekit)
    """
    done = api.approve(workbook, voucher, name=name, preparer=preparer, command=_command_line())
    out.print(
        f"Approved journal voucher {done['voucher']}: {done['approver']} (prepared by {done['preparer']}), "
        f"{done['at']}, lines {str(done['hash'])[:12]}. Run closekit close, then closekit export."
    )


@command("verify-log")
def verify_log(
    workbook: WorkbookArgument,
    allowed_signers: Annotated[
        Path | None,
        typer.Option(
            "--allowed-signers",
            metavar="FILE",
            help="Verify the signatures against this ssh-keygen allowed_signers file (principals: the names "
            "as signed), kept outside the workbook, instead of its AllowedSigners sheet.",
        ),
    ] = None,
) -> None:
    """Check the RunLog's hash chain and the SSH signatures.

    Reads the workbook's RunLog sheet, where each row carries the hash of the row before it, and
    recomputes the chain; writes nothing. A row edited, inserted or deleted by hand breaks it; so
    do rows cut from the end or the sheet deleted (the log's head, kept in a document property),
    and a Permanently closed period retyped. Control cells edited since the last run are listed.
    Each SSH signature of the Checklist (closekit signoff --sign) is verified against the
    AllowedSigners sheet with ssh-keygen -Y verify, and its signer named.

    \b
    Exit status:
      0  the chain is intact and every signature verifies
      1  the chain is broken (the first broken row is named), rows are missing, a closed period
         was retyped, or a signature does not verify
      2  the workbook or its RunLog could not be read
      3  an internal error (a bug in closekit)
    """
    io = api.open_workbook(workbook)
    ok, lines = api.verify_log(io)
    for line in lines:
        (out if ok else err).print(line)
    signatures = ssh_sign.verify_checklist(io, allowed_signers)
    for signature in signatures:
        (out if signature.ok else err).print(signature.text[:1].upper() + signature.text[1:] + ".")
    ok = ok and all(s.ok for s in signatures)
    raise typer.Exit(EXIT_OK if ok else EXIT_ERRORS)


_STATUS_COLUMNS = ["Company", "Period", "Status", "Tasks done", "Past due", "Due today", "Blocked", "Errors"]
_STATUS_COLUMNS.append("Last run (UTC)")


@command("status")
def status_command(
    workbooks: Annotated[
        list[Path],
        typer.Argument(metavar="WORKBOOK...", help="Close workbooks; a group workbook brings its subsidiaries."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Show each company's close at a glance.

    Reads each close workbook without closing or writing it and shows one row per company: the
    status of its Settings period in Periods, checklist progress, tasks past due and due today
    (by their Due date, or their DueDay in working days from the period end, against today),
    Blocked tasks, the errors and time of its last run, and whether its RunLog's hash chain
    holds. A group workbook's Consolidation sheet adds its subsidiaries' workbooks; a workbook
    met twice is shown once.

    \b
    Exit status:
      0  every workbook was read
      2  a workbook could not be read (its row says why; the others are still shown)
      3  an internal error (a bug in closekit)
    """
    rows = api.status(list(workbooks), dt.date.today())
    if as_json:
        sys.stdout.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2) + "\n")
        raise typer.Exit(EXIT_BAD_INPUT if any(r.problem for r in rows) else EXIT_OK)
    red = "bold red"
    table = []
    for r in rows:
        if r.problem:
            table.append([r.company or r.workbook, "", Text(f"cannot be read: {r.problem}", style=red)] + [""] * 6)
            continue
        last = Text(f"{r.last_run} {r.last_command}".strip() or "never")
        if r.log == "broken":
            last.append(" (RunLog broken)", style=red)
        errors = "" if r.errors is None else Text(str(r.errors), style=red if r.errors else "")
        table.append(
            [
                r.company,
                r.period,
                r.period_status,
                f"{r.done}/{r.tasks}",
                Text(str(r.past_due), style=red if r.past_due else ""),
                str(r.due_today),
                str(r.blocked),
                errors,
                last,
            ]
        )
    _print_table(_STATUS_COLUMNS, table, title="Close status")
    raise typer.Exit(EXIT_BAD_INPUT if any(r.problem for r in rows) else EXIT_OK)


@command()
def demo(
    folder: Annotated[
        Path | None,
        typer.Option("--dir", metavar="DIR", help="Where to put the sample (default: a new temporary folder)."),
    ] = None,
) -> None:
    """The bundled sample close, end to end.

    Writes the sample company's workbook and journal files into DIR (replacing those of an earlier
    demo), closes October 2026 and prints what was posted; then writes the sample group's
    workbooks beside them and closes the group (consolidation). Reads nothing else.

    \b
    Exit status:
      0  both closes done (warnings allowed)
      1  findings of severity Error in either close
      3  an internal error (a bug in closekit)
    """
    from closekit.samples import company as sample
    from closekit.samples import group as sample_group

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
        f"{plural(lines['voucher'].nunique(), 'voucher')} on {plural(lines['account'].nunique(), 'account')}; "
        f"debits {money.display(debit, ccy)} = credits {money.display(credit, ccy)} {ccy}."
    )
    _print_close(result)
    for line in _tieout_lines(result.run.tables.get("reconciliations") if result.run else None):
        out.print(line)
    out.print(
        f"Open {workbook} in Excel: Dashboard, Adjustments, TrialBalance, BalanceSheet, IncomeStatement, "
        f"Flux, TieOuts, Checklist."
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


FINDING_COLUMNS = ("Severity", "Code", "Where", "Row", "Column", "Voucher", "Message")
#: Findings printed; the rest are in the Findings sheet and in --json.
SHOWN_FINDINGS = 50


def _print_findings(findings) -> None:
    if findings.empty:
        return
    shown = findings.head(SHOWN_FINDINGS)
    rows = []
    for rec in shown.to_dict("records"):
        row = "" if rec["Row"] is None or rec["Row"] != rec["Row"] else str(rec["Row"])
        severity = Text(str(rec["Severity"]), style=_SEVERITY_STYLE.get(rec["Severity"], ""))
        rows.append([severity, rec["Code"], rec["Where"], row, rec["Column"], rec["Voucher"], rec["Message"]])
    _print_table(FINDING_COLUMNS, rows)
    if len(findings) > len(shown):
        more = len(findings) - len(shown)
        out.print(f"... and {more} more (all of them are in the Findings sheet, or use --json).")


def _print_table(columns, rows, *, title: str | None = None) -> None:
    """A table: drawn to the terminal's width on a terminal; piped or redirected (not a terminal),
    one line per row with the cells separated by tabs, so that no cell is cut or folded to 80
    columns and ``cut -f``, ``grep`` or a spreadsheet read it. Cells are shown as text, never as
    markup, without control characters (a cell of an export cannot move the cursor)."""
    cells = [[_shown(value) for value in row] for row in rows]
    if not out.is_terminal:
        if title:
            out.file.write(title + "\n")
        for line in [[Text(c) for c in columns], *cells]:
            out.file.write("\t".join(" ".join(c.plain.split()) for c in line) + "\n")
        out.file.flush()
        return
    table = Table(header_style="bold", title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for line in cells:
        table.add_row(*line)
    out.print(table)


def _shown(value) -> Text:
    if isinstance(value, Text):
        return Text(cell_text.clean(value.plain), style=value.style, spans=value.spans)
    return Text(cell_text.clean("" if value is None or value != value else str(value)))


def _skipped(source) -> str:
    """``; 3 rows skipped by layout: 1 blank, 2 total`` for the rows that are not lines by layout."""
    if not source.rows_skipped:
        return ""
    reasons = ", ".join(f"{count} {reason}" for reason, count in source.skipped.items())
    return f"; {plural(source.rows_skipped, 'row')} skipped by layout: {reasons}"


_VERDICT = {"clean": "bold green", "warnings only": "yellow", "errors to fix": "bold red"}


def _print_summary(result: api.ValidationResult, written: list[str], counts: dict[str, int] | None = None) -> None:
    counts = counts or result.counts
    sources = ", ".join(
        f"{s.where} ({s.format}, {plural(s.rows_read, 'row')}{_skipped(s)})" for s in result.ledger.sources
    )
    sources = sources or "none"
    out.print(f"Read {plural(result.lines, 'line')} from {sources}.")
    verdict = (
        "clean"
        if not counts["Error"] and not counts["Warning"]
        else ("warnings only" if not counts["Error"] else "errors to fix")
    )
    line = Text(f"Findings: {severity_counts(counts)}: ")
    line.append(verdict, style=_VERDICT[verdict])
    out.print(line + ".")
    if written:
        out.print(f"Wrote {', '.join(written)} in {result.io.where}.")
        for name, target in getattr(result.io, "placed_beside", []):
            out.print(
                f"The sheet {name!r} is yours, not closekit's: it was left as it is, and closekit's {name} "
                f"went into {target!r} (a sheet-not-closekits warning in Findings)."
            )


def severity_counts(counts: dict[str, int]) -> str:
    """``0 errors, 1 warning, 2 info``: the findings by severity, as the summary prints them."""
    return (
        f"{plural(counts['Error'], 'error')}, {plural(counts['Warning'], 'warning')}, "
        f"{plural(counts['Info'], 'info', 'info')}"
    )


_ARGV: list[str] | None = None  # the arguments main() was given (None: the process's own)


def _command_line() -> str:
    return "closekit " + " ".join(sys.argv[1:] if _ARGV is None else _ARGV)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning closekit's errors into exit 2 with a clear message."""
    global _ARGV
    _ARGV = argv
    try:
        code = app(args=argv, prog_name="closekit", standalone_mode=False)
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


def _tieout_summary(table) -> str:
    """``reconciliation: 2 tie-outs: 1 Reconciled, 1 Explained (1 open reconciling item).``"""
    ties = table[table["Line"] == "Tie-out"]
    counts = ties["Status"].value_counts()
    parts = ", ".join(f"{int(counts[s])} {s}" for s in ("Reconciled", "Explained", "Unreconciled") if s in counts)
    open_items = int(((table["Line"] == "Item") & (table["Status"] == "Open")).sum())
    return (
        f"reconciliation: {plural(len(ties), 'tie-out')}: {parts} ({plural(open_items, 'open reconciling item')})."
    )



def _tieout_lines(table) -> list[str]:
    """One line per tie-out: ``  2000 Accounts payable: GL 199,507.27, subledger 198,307.27, difference
    1,200.00, reconciling items 1,200.00: Explained.``"""
    if table is None:
        return []
    out = []
    for rec in table.to_dict("records"):
        if rec["Line"] != "Tie-out":
            continue
        ccy = rec["Currency"]

        def show(value, ccy=ccy) -> str:
            return "?" if value is None or value != value else money.display(int(value), ccy)

        out.append(
            f"  {rec['Account']} {rec['Name']}: GL {show(rec['GL'])}, subledger {show(rec['SubledgerTotal'])}, "
            f"difference {show(rec['Difference'])}, reconciling items {show(rec['ReconcilingItems'])}: {rec['Status']}."
        )
    return out


if __name__ == "__main__":
    sys.exit(main())
