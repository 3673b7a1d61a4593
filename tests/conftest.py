"""Fixtures the project makes itself: small close workbooks and journal files written per test."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from closekit.samples import company as sample
from closekit.workbook import template

REPO = Path(__file__).resolve().parents[1]
SHARED_SAMPLES = REPO.parent / "shared" / "samples"

GENERIC_HEADER = [
    "Journal",
    "Voucher",
    "Line",
    "Date",
    "Account",
    "Department",
    "CostCenter",
    "Currency",
    "Debit",
    "Credit",
    "Text",
]


def csv_text(rows: list[list[object]], header: list[str] = GENERIC_HEADER, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


class BookMaker:
    """Writes a close workbook (the sample company's reference data, with overrides) and sources."""

    def __init__(self, folder: Path):
        self.folder = folder

    def workbook(self, name: str = "close.xlsx", **sheets: list[list[object]]) -> Path:
        rows = sample.workbook_rows()
        rows["Sources"] = []
        rows.update(sheets)
        path = self.folder / name
        template.write(path, rows, force=True)
        return path

    def file(self, name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
        path = self.folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return path

    def journal(self, rows: list[list[object]], name: str = "journal.csv", **kw) -> Path:
        return self.file(name, csv_text(rows, **kw))


@pytest.fixture(autouse=True)
def _trust_shared_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may name the public samples in a Sources sheet: their folder is trusted like the
    workbook's own (closekit reads Sources files only there: SECURITY.md "Only the files a close should read")."""
    monkeypatch.setenv("CLOSEKIT_SOURCE_DIRS", str(SHARED_SAMPLES))


@pytest.fixture
def make(tmp_path: Path) -> BookMaker:
    return BookMaker(tmp_path)


@pytest.fixture
def sample_workbook(tmp_path: Path) -> Path:
    return sample.write(tmp_path / "close.xlsx")
