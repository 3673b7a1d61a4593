"""The package's layout (docs/development.md "Layout"): few top-level modules, and every room
named in the import-linter layers contract, so no module sits outside the rules `make lint` checks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import closekit

PACKAGE = Path(closekit.__file__).parent
PYPROJECT = PACKAGE.parents[1] / "pyproject.toml"


def _rooms() -> set[str]:
    return {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir() if _is_module(p)} - {"__init__"}


def _is_module(path: Path) -> bool:
    return (path.is_file() and path.suffix == ".py") or (path.is_dir() and (path / "__init__.py").is_file())


def test_at_most_ten_top_level_modules():
    top = sorted(p.name for p in PACKAGE.iterdir() if p.is_file() and p.suffix == ".py")
    assert len(top) <= 10, top


def test_every_room_is_in_the_layers_contract():
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}
    assert _rooms() == named, f"rooms not in the contract: {_rooms() - named}; named but absent: {named - _rooms()}"


def test_every_package_has_its_docstring():
    for init in PACKAGE.rglob("__init__.py"):
        text = init.read_text().lstrip()
        assert text.startswith('"""'), f"{init.relative_to(PACKAGE.parent)} says nothing of what the room holds"
