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
