"""The release pipeline's pieces that can run here (.github/workflows/release.yml runs on GitHub):
the Lite requirements pin this version, the workflows run what this checkout runs, and the wheel
is pure Python (tests/test_pyodide_import.py installs it into a fresh venv and closes)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def workflow(name: str) -> dict:
    return yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())


def test_the_lite_requirements_pin_this_version():
    lines = [line.strip() for line in (REPO / "addin/lite/requirements.txt").read_text().splitlines()]
    pins = [line for line in lines if line.startswith("closekit")]
    assert pins == [f"closekit=={VERSION}"]


def test_ci_runs_make_test_on_three_systems_and_three_pythons():
    job = workflow("ci.yml")["jobs"]["test"]
    assert set(job["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    assert any(step.get("run", "").startswith("make test") for step in job["steps"])
    assert (REPO / ".ci/run").read_text().rstrip().endswith("make test")


def test_release_publishes_by_trusted_publishing_and_to_pages():
    jobs = workflow("release.yml")["jobs"]
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}  # trusted publishing: no token stored
    assert any(s.get("uses", "").startswith("pypa/gh-action-pypi-publish") for s in jobs["pypi"]["steps"])
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in jobs["pages"]["steps"])
    checks = next(s["run"] for s in jobs["build"]["steps"] if "tag is the package's version" in s.get("name", ""))
    assert "addin/lite/requirements.txt" in checks


def test_the_command_line_needs_no_extra():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = {dep.split(">")[0].split("=")[0].strip() for dep in project["dependencies"]}
    assert {"typer", "rich"} <= names
    assert not names & {"pyarrow", "python-calamine", "xlwings"}  # the core stays installable under Pyodide
