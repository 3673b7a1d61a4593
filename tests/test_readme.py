"""The README's "What a close looks like" is a real session: each command it shows runs, and each
line of output it shows (the findings table aside) is what the command prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def session() -> list[tuple[list[str], list[str]]]:
    """(command arguments, expected output lines) of the README's first console block."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"```console\n(.*?)```", text, re.S).group(1)
    steps: list[tuple[list[str], list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:].split()[1:], []))  # drop the program name (.venv/bin/closekit)
        elif steps:
            steps[-1][1].append(line)
    return steps


def squash(text: str) -> str:
    return " ".join(text.split())


def test_the_readme_session_prints_what_it_shows(tmp_path):
    steps = session()
    assert [args[0] for args, _ in steps] == ["new", "close"]
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    for args, expected in steps:
        done = subprocess.run(
            [sys.executable, "-m", "closekit.cli", *args], cwd=tmp_path, capture_output=True, text=True, env=env,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        printed = squash(done.stdout + done.stderr)
        shown = [line for line in expected if line.strip() and not line.startswith(" ") and "..." not in line]
        shown = [line for line in shown if not line.startswith(" Severity")]
        missing = [line for line in shown if squash(line) not in printed]
        assert not missing, f"closekit {' '.join(args)} no longer prints: {missing}\n---\n{done.stdout}"


def test_the_readme_balance_sheet_is_the_sample_close(sample_workbook):
    """Each row of the README's balance sheet with comparatives is that row of the sample's close."""
    from decimal import Decimal

    import closekit

    text = (REPO / "README.md").read_text()
    table = re.search(r"\| StatementLine \| Name \| Amount \| PriorPeriodEnd .*?\n((?:\|.*\n)+)", text).group(1)
    header = ["StatementLine", "Name", "Amount", "PriorPeriodEnd", "Variance", "PriorYearEnd", "VariancePYE"]
    rows = [[c.strip().strip("*") for c in line.strip("|").split("|")] for line in table.splitlines()[1:]]
    balance = closekit.close(sample_workbook).run.tables["balance_sheet"]
    assert len(rows) >= 8
    for row in rows:
        found = balance[(balance["StatementLine"] == row[0]) & (balance["Name"] == row[1])]
        assert len(found) == 1, row
        shown = [int(Decimal(v.replace(",", "")) * 100) for v in row[2:]]
        assert [int(found[c].iloc[0]) for c in header[2:]] == shown, row[1]
