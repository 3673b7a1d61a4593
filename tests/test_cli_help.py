"""A command line people already know (issue 18 item 6): -h on every command, metavars such as
WORKBOOK and FILE, the values of --format and --steps in the help (from the registries), full
descriptions, plurals right, a findings table that survives a pipe, and what to do after new."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from rich.console import Console

from closekit import cli, excelapp, exporters
from closekit.closing import runner as closing
from closekit.core import findings as fnd
from closekit.core.plural import plural
from closekit.pipeline import close as close_pipeline
from closekit.samples import company as sample
from closekit.sources import importers

COMMANDS = [c.name or c.callback.__name__ for c in cli.app.registered_commands]


def squash(text: str) -> str:
    return " ".join(text.split())


def help_of(capsys, *args: str) -> str:
    assert cli.main([*args]) == 0
    return capsys.readouterr().out


def test_the_commands_are_those_of_the_contract():
    assert set(COMMANDS) >= {"new", "validate", "close", "export", "period", "demo"}


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_h_and_help_work_on_every_command(capsys, name, flag):
    text = help_of(capsys, name, flag)
    assert text.startswith(f"Usage: closekit {name} [OPTIONS]")
    assert "-h, --help" in text


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_h_on_the_program_lists_the_commands(capsys, flag):
    text = help_of(capsys, flag)
    assert text.startswith("Usage: closekit [OPTIONS] COMMAND")
    listed = text.split("Commands:")[1]
    assert all(re.search(rf"^  {re.escape(name)}\s+\S", listed, re.M) for name in COMMANDS)
    assert "..." not in listed  # each command's first line is whole, not truncated


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_full_description_with_its_exit_statuses(capsys, name):
    text = help_of(capsys, name, "-h")
    description = text.split("\n\n")[1:3]  # the first line, then a paragraph
    assert len(description) == 2 and len(squash(description[1])) > 150, description
    assert "Exit status:" in text and re.search(r"^\s+0  ", text, re.M)
    for placeholder in ("<path>", "<str>", "<list", "TEXT", "PATH", "{workbook}", "{"):
        assert placeholder not in text.split("Arguments:")[-1], (name, placeholder)


def test_arguments_and_options_are_named_for_what_they_take(capsys):
    text = help_of(capsys, "close", "-h")
    assert text.startswith("Usage: closekit close [OPTIONS] WORKBOOK\n")
    shown = squash(text)
    for option in ("--source FILE", "--journal FILE", "--format FORMAT", "--steps STEP,...", "--period PERIOD"):
        assert option in shown
    assert "WORKBOOK The close workbook" in shown
    assert squash(help_of(capsys, "export", "-h")).count("--out FILE") == 1
    period = help_of(capsys, "period", "-h")
    assert period.startswith("Usage: closekit period [OPTIONS] WORKBOOK... PERIOD\n")
    assert "--status STATUS" in period and "open, on-hold, permanently-closed" in squash(period)
    signoff = help_of(capsys, "signoff", "-h")
    assert signoff.startswith("Usage: closekit signoff [OPTIONS] WORKBOOK TASK\n") and "--as ROLE" in signoff


def test_export_format_help_lists_every_exporter(capsys):
    shown = squash(help_of(capsys, "export", "-h"))
    names = list(exporters.available())
    assert len(names) >= 8
    assert ", ".join(names) in shown


@pytest.mark.parametrize("name", ["validate", "close"])
def test_source_format_help_lists_every_importer(capsys, name):
    shown = squash(help_of(capsys, name, "-h"))
    assert ", ".join(importers.FORMATS) in shown and importers.FORMATS[0] == "auto"


def test_steps_help_lists_every_step_the_close_runs(capsys):
    shown = squash(help_of(capsys, "close", "-h"))
    assert ", ".join(closing.AVAILABLE) in shown
    assert all(step in shown for step in closing.ON_REQUEST)


# ---- plurals


def test_plural():
    assert [plural(n, "warning") for n in (0, 1, 2)] == ["0 warnings", "1 warning", "2 warnings"]
    assert plural(1, "company", "companies") == "1 company" and plural(3, "company", "companies") == "3 companies"
    assert plural(2, "info", "info") == "2 info"


def test_the_summary_counts_in_the_singular_where_there_is_one(capsys):
    counts = {"Error": 1, "Warning": 1, "Info": 2}
    assert cli.severity_counts(counts) == "1 error, 1 warning, 2 info"
    assert excelapp._summary("close", counts) == "close: 1 error, 1 warning, 2 info (see Findings)"
    assert excelapp._summary("validate", {"Error": 0, "Warning": 2, "Info": 1}) == (
        "validate: 0 errors, 2 warnings, 1 info"
    )


def test_the_sample_close_prints_one_voucher_one_warning_one_open_item(tmp_path, capsys):
    workbook = sample.write(tmp_path / "close.xlsx")
    assert cli.main(["close", str(workbook), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "Findings: 0 errors, 1 warning, 2 info: warnings only." in printed  # 2 signoff-pending
    assert "revaluation: 1 voucher, 2 lines, 33.00 EUR posted." in printed
    assert "settlement: 10 settlements, 1 open item." in printed
    assert not re.search(r"\b1 (errors|warnings|vouchers|lines|rows|items|open items)\b", printed)


def test_a_blocked_task_counts_the_other_errors_in_the_singular():
    error = fnd.Severity.ERROR
    one = fnd.frame([fnd.finding("bad-setting", "Settings", f"problem {i}", severity=error) for i in (1, 2)])
    assert close_pipeline._reason(one).endswith("(and 1 more error)")


# ---- the findings table, piped and on a terminal

LONG = "voucher " + "V" * 150  # a voucher number that makes the message well over 200 characters


def unbalanced_journal(tmp_path):
    path = tmp_path / "adj.csv"
    path.write_text(
        f"Voucher,Date,Account,Debit,Credit\n{LONG[8:]},2026-10-31,6400,10.00,\n{LONG[8:]},2026-10-31,2900,,9.00\n"
    )
    return path


def test_piped_findings_are_tab_separated_and_whole(tmp_path):
    workbook = sample.write(tmp_path / "close.xlsx")
    journal = unbalanced_journal(tmp_path)
    args = [sys.executable, "-m", "closekit.cli", "validate", str(workbook), "--journal", str(journal), "--dry-run"]
    env = {"COLUMNS": "80", "NO_COLOR": "1", "PATH": "", "PYTHONPATH": ":".join(sys.path)}
    piped = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert piped.returncode == 1, piped.stderr
    as_json = subprocess.run([*args, "--json"], capture_output=True, text=True, env=env, timeout=300)
    [expected] = [f for f in json.loads(as_json.stdout)["findings"] if f["code"] == "unbalanced-voucher"]
    assert len(expected["message"]) > 200
    lines = piped.stdout.splitlines()
    assert lines[0] == "\t".join(cli.FINDING_COLUMNS)
    [row] = [line.split("\t") for line in lines if "\tunbalanced-voucher\t" in line]
    assert row == ["Error", "unbalanced-voucher", str(journal), "2", "Debit", LONG[8:], expected["message"]]


def findings_frame(message: str) -> pd.DataFrame:
    return fnd.frame([fnd.finding("bad-number", "gl.csv", message, row=7, column="Debit", voucher="V1")])


def test_a_message_is_text_not_markup_nor_terminal_codes(capsys):
    message = "account [bold]4000[/] of [/x] \x1b[2Jcleared\ttabbed"
    cli._print_findings(findings_frame(message))
    [_, row] = capsys.readouterr().out.splitlines()
    assert row.split("\t")[-1] == "account [bold]4000[/] of [/x] [2Jcleared tabbed"


def test_on_a_terminal_the_table_folds_but_keeps_every_word(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=screen, force_terminal=True, width=100, color_system=None))
    message = " ".join(f"word{i}" for i in range(60)) + " [/x]"
    cli._print_findings(findings_frame(message))
    drawn = screen.getvalue()
    assert "Severity" in drawn and "bad-number" in drawn and "\t" not in drawn
    assert max(len(line) for line in drawn.splitlines()) <= 100
    assert all(f"word{i}" in drawn.split() for i in range(60)) and "[/x]" in drawn


def test_the_period_table_is_tab_separated_when_piped(tmp_path, capsys):
    workbook = sample.write(tmp_path / "close.xlsx")
    assert cli.main(["period", "--all", str(workbook), "2026-11", "--status", "on-hold", "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "Workbook\tCompany\tPeriod\tOld\tNew\tResult"
    assert lines[2].split("\t")[:3] == [workbook.name, sample.COMPANY, "2026-11"]


# ---- closekit new says what to do next


def test_new_prints_the_next_commands_with_the_file_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q4 books").mkdir()
    assert cli.main(["new", "q4 books/close.xlsx"]) == 0
    printed = capsys.readouterr().out
    assert "Next: fill in close.xlsx: Settings" in squash(printed)
    assert re.search(r"^  closekit validate 'q4 books/close.xlsx'\s+check the ledger", printed, re.M)
    assert re.search(r"^  closekit close 'q4 books/close.xlsx'\s+run the period's close", printed, re.M)
    assert "--steps consolidation" not in printed


def test_new_sample_prints_the_sample_and_group_commands(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").mkdir()
    assert cli.main(["new", "demo/close.xlsx", "--sample"]) == 0
    printed = capsys.readouterr().out
    assert f"Next, close the sample's period {sample.PERIOD}:" in printed
    commands = [line.split("   ")[0].strip() for line in printed.splitlines() if line.startswith("  closekit")]
    assert commands == [
        "closekit validate demo/close.xlsx",
        "closekit close demo/close.xlsx",
        "closekit close demo/group.xlsx --steps consolidation",
    ]
    assert cli.main([*commands[0].split()[1:], "--dry-run"]) == 0  # it runs as printed
