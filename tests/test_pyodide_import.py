"""closekit installs and closes where Pyodide (xlwings Lite) runs it: without the optional libraries.

Pyodide ships pandas, numpy, pydantic and openpyxl; pyarrow, python-calamine, rich, typer and
xlwings' desktop parts are not to be relied on there. The first test imports the core and runs a
close from a workbook whose ledger is pasted into LedgerImport while those libraries cannot be
imported at all; the second builds the wheel, installs it into a fresh virtual environment
without pyarrow and python-calamine, and runs ``closekit close`` there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from closekit.samples import company as sample
from closekit.workbook import template

REPO = Path(__file__).resolve().parents[1]
OPTIONAL = ("pyarrow", "python_calamine", "rich", "typer", "xlwings")

BLOCKER = textwrap.dedent(
    f"""
    import sys

    class _Absent:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {OPTIONAL!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, _Absent())
    """
)

CLOSE = textwrap.dedent(
    """
    import json, sys
    from closekit import api, excelapp
    from closekit.sheetio import excel
    result = api.close(sys.argv[1])
    written = api.write_close(result)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {optional!r})
    print(json.dumps({{"counts": result.counts, "written": written, "loaded": loaded}}))
    """
).format(optional=OPTIONAL)


def ledger_workbook(folder: Path) -> Path:
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["LedgerImport"] = [sample.HEADER, *sample.ledger_rows()]
    rows["JournalImport"] = [sample.HEADER, *sample.journal_rows()]
    return template.write(folder / "close.xlsx", rows, force=True)


def test_the_core_closes_with_the_optional_libraries_absent(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    workbook = ledger_workbook(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", CLOSE, str(workbook)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["counts"]["Error"] == 0
    assert "TrialBalance" in report["written"] and "Checklist (Status)" in report["written"]
    assert report["loaded"] == []


def test_the_blocker_really_blocks(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    run = subprocess.run(
        [sys.executable, "-c", "import python_calamine"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 1 and "No module named 'python_calamine'" in run.stderr


@pytest.mark.slow
def test_the_wheel_installs_without_pyarrow_and_calamine_and_closes(tmp_path):
    """``pip wheel . --no-deps``, a fresh venv, the wheel with its own dependencies and no extra
    (``pip install closekit``): the command line works, without pyarrow and python-calamine."""
    source, dist = tmp_path / "source", tmp_path / "dist"  # a copy: the build leaves files behind
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(dist)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = dist.glob("closekit-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl"), "a pure-Python wheel, as micropip needs"
    with zipfile.ZipFile(wheel) as z:
        assert not [n for n in z.namelist() if n.endswith((".so", ".pyd"))]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    missing = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print([m for m in ('pyarrow', 'python_calamine') if u.find_spec(m)])"],  # noqa: E501
        capture_output=True,
        text=True,
    )
    assert missing.stdout.strip() == "[]"
    workbook = ledger_workbook(tmp_path)
    run = subprocess.run(
        [str(venv / "bin" / "closekit"), "close", str(workbook), "--json"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["period"] == sample.PERIOD
    demo = subprocess.run(
        [str(venv / "bin" / "closekit"), "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert (tmp_path / "demo" / "close.xlsx").is_file() and (tmp_path / "demo" / "group.xlsx").is_file()
    lite = subprocess.run(  # the add-in code is package data of the wheel (closekit/workbook/_addin)
        [str(venv / "bin" / "closekit"), "new", "--lite", str(tmp_path / "lite" / "close.xlsx")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert lite.returncode == 0, lite.stderr[-2000:]
    from closekit.workbook import lite_code

    carried = lite_code.read((tmp_path / "lite" / "close.xlsx").read_bytes())
    assert carried["main.py"] == (REPO / "addin/lite/main.py").read_text(encoding="utf-8")
