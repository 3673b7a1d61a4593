"""Every cross-reference in the README and docs/ resolves: a relative link names a file of this
repository, and a ``#fragment`` names a heading of its target (GitHub's anchors)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "SECURITY.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for line in FENCE.sub("", page.read_text()).splitlines():
        if line.startswith("#"):
            base = anchor(line.lstrip("#"))
            name, n = base, 1
            while name in found:  # GitHub numbers repeated headings: name, name-1, name-2
                name, n = f"{base}-{n}", n + 1
            found.add(name)
    return found


def links(page: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", page.read_text()))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_resolves(page):
    broken = []
    for target in links(page):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: outside the repository
            continue
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif fragment and file.suffix == ".md" and fragment not in anchors(file):
            broken.append(f"{target}: no heading #{fragment} in {file.relative_to(REPO)}")
    assert not broken, f"{page.relative_to(REPO)}: " + "; ".join(broken)


def test_the_checker_sees_a_broken_anchor(tmp_path):
    page = tmp_path / "a.md"
    page.write_text("# Install closekit\n\nsee [here](#install-closekit) and [there](#classic-add-in)\n")
    assert "install-closekit" in anchors(page) and "classic-add-in" not in anchors(page)


QUOTED = re.compile(r"""(?<![\w/.])((?:docs/)?[A-Za-z_-]+\.md)"?\s+"([^"]+)\"""")
TEXT_FILES = [
    p
    for folder in ("src", "tests", "addin", "docs", "bench", "fuzz")
    for p in sorted((REPO / folder).rglob("*"))
    if p.suffix in (".py", ".md", ".txt", ".bas") and "__pycache__" not in p.parts
] + [REPO / name for name in ("README.md", "CONTRIBUTING.md", "SECURITY.md", "Makefile", "pyproject.toml")]


#: The shared references (../shared): a reference to one of them may name its headings.
SHARED = ("workbook.md", "domain.md", "formats.md")


def headings(page: Path) -> list[str]:
    """A page's headings, and the bold labels that open the rows of its tables (SECURITY.md's
    guarantees), in lower case."""
    out = []
    for line in FENCE.sub("", page.read_text()).splitlines():
        if line.startswith("#"):
            out.append(" ".join(line.lstrip("#").split()).lower())
        elif (label := re.match(r"\| \*\*([^*]+)\*\* \|", line)) is not None:
            out.append(label.group(1).lower())
    return out


def test_every_quoted_heading_exists():
    """``docs/excel.md "Closing with the classic add-in"`` in a comment or a message names a heading that is there
    (its text, or the start of it); ``workbook.md`` is docs/workbook.md, else the shared contract."""
    broken = []
    for file in TEXT_FILES:
        for name, heading in QUOTED.findall(file.read_text(errors="replace")):
            candidates = [REPO / name, REPO / "docs" / Path(name).name, REPO.parent / "shared" / Path(name).name]
            pages = [p for p in candidates if p.is_file()]
            if not pages:
                continue  # the shared contract beside a clone without it
            wanted = " ".join(heading.split()).lower()
            if not any(h == wanted or h.startswith(wanted + " ") for p in pages for h in headings(p)):
                if Path(name).name in SHARED and not (REPO.parent / "shared").is_dir():
                    continue  # may be a heading of the shared contract, which this clone does not have beside it
                broken.append(f"{file.relative_to(REPO)}: {name} \"{heading}\"")
    assert not broken, "\n".join(broken)
