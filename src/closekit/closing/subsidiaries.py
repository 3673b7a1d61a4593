"""Reading the subsidiaries of a group close (the I/O half of :mod:`closekit.closing.consolidation`).

Each row of the group workbook's ``Consolidation`` sheet names a subsidiary's close workbook. Its
path is relative to the group workbook's folder and follows the rule of the Sources sheet
(:mod:`closekit.sources.folder_rule`, SECURITY.md): it must resolve inside that folder (or a folder of
``CLOSEKIT_SOURCE_DIRS``), so a group workbook from someone else cannot make closekit read other
files.

**Each subsidiary is closed in memory**, for the group's period (Settings ``Period`` or
``--period``): import, validate, settlement, revaluation and allocation, exactly as ``closekit
close`` would run them on it, then its closing balances after those adjustments. We chose this
over taking the subsidiary's last TrialBalance sheet because that sheet may be stale (sources
changed since, or never closed at all) and nothing in it says so; closing again costs seconds and
gives the figures the subsidiary's own close would give now. **Nothing is ever written to a
subsidiary workbook** (no lock either: it is only read).

A subsidiary that cannot be read or closed is a ``subsidiary-unreadable`` Error naming the
workbook and the reason, and is left out of the group; one whose own close has Errors is a
``subsidiary-not-clean`` Error and is consolidated as it stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pandas as pd

from closekit.closing import consolidation
from closekit.closing.runner import CloseRun
from closekit.core import findings as fnd
from closekit.core import money
from closekit.core.plural import plural
from closekit.core.steps import CloseContext
from closekit.errors import CloseKitError
from closekit.sheetio.base import SheetIO
from closekit.sources import folder_rule
from closekit.workbook.book import CloseBook

SHEET = "Consolidation"
#: The steps of a subsidiary's in-memory close: those that change its balances.
STEPS = ["import", "validate", "settlement", "revaluation", "allocation"]


@dataclass
class ClosedSubsidiary:
    """What the consolidation needs of one subsidiary's in-memory close."""

    book: CloseBook
    lines: pd.DataFrame  # the ledger lines its sources gave
    run: CloseRun | None  # None when its period could not be closed
    findings: pd.DataFrame
    hashes: dict[str, str] = field(default_factory=dict)  # every file its close read

    @property
    def ok(self) -> bool:
        return not (self.findings["Severity"] == fnd.Severity.ERROR.value).any()


#: ``close_one(workbook, period)``: the subsidiary's close of :data:`STEPS`, in memory. The
#: pipeline hands it in (:func:`closekit.pipeline.close.close`), so this step never climbs up to it.
CloseOne = Callable[[Path, str], ClosedSubsidiary]


def read(book: CloseBook, io: SheetIO, ctx: CloseContext, close_one: CloseOne) -> consolidation.Subsidiaries:
    """Close every subsidiary of ``book``'s Consolidation sheet in memory with ``close_one``
    (module doc)."""
    out = consolidation.Subsidiaries()
    found: list[dict] = []
    folder = io.folder()
    parent = (book.settings.company or "Parent") if book.settings else "Parent"
    seen: dict[str, int] = {}

    def problem(code: str, row: int, message: str, column: str = "Workbook", fix: str | None = None) -> None:
        found.append(fnd.finding(code, SHEET, message, row=row, column=column, fix=fix))

    for row, item in book.consolidation:
        name = item.company
        if name in seen or name == parent:
            other = f"row {seen[name]}" if name in seen else "the group's Settings Company"
            problem("bad-setting", row, f"company {name!r} is already named in {other}", "Company")
            continue
        seen[name] = row
        share = consolidation.ownership_share(item.ownership)
        if share is None:
            problem(
                "bad-setting",
                row,
                f"Ownership {item.ownership} of {name} is not a share above 0 % up to 100 %",
                "Ownership",
            )
            continue
        if folder is None:
            problem(
                "subsidiary-unreadable",
                row,
                f"{item.workbook} ({name}) cannot be read: this workbook has no folder to find it in",
            )
            continue
        try:
            folder_rule.check_sheet_path(item.workbook, folder, row, SHEET)
            path = folder_rule.resolve(item.workbook, folder)
            if not path.is_file():
                problem("subsidiary-unreadable", row, f"{item.workbook} ({name}): there is no such file ({path})")
                continue
            if path.resolve() == (folder / Path(io.where).name).resolve():
                problem("bad-setting", row, f"{item.workbook} ({name}) is this group workbook itself")
                continue
            result = close_one(path, ctx.period)
        except (CloseKitError, OSError) as exc:
            problem("subsidiary-unreadable", row, f"{item.workbook} ({name}) could not be read: {exc}")
            continue
        sub_book = result.book
        if result.run is None or sub_book.settings is None:
            errors = result.findings[result.findings["Severity"] == "Error"]
            reason = errors["Message"].iloc[0] if len(errors) else "its settings or periods could not be read"
            problem("subsidiary-unreadable", row, f"{item.workbook} ({name}) could not be closed: {reason}")
            continue
        out.hashes.update(result.hashes)
        currency = sub_book.settings.accounting_currency
        if item.currency and item.currency != currency:
            problem(
                "bad-setting",
                row,
                f"Currency {item.currency} of {name}, but its workbook's AccountingCurrency is {currency}; "
                f"{currency} is used",
                "Currency",
            )
        if not result.ok:
            errors = result.findings[result.findings["Severity"] == "Error"]
            problem(
                "subsidiary-not-clean",
                row,
                f"{item.workbook} ({name}): its own close has {plural(len(errors), 'error')}, the first: "
                f"{errors['Code'].iloc[0]}: {errors['Message'].iloc[0]}; it is consolidated as it stands",
            )
        run = result.run
        balances = consolidation.closing_balances(result.lines, run.posted_lines, sub_book, run.ctx)
        if item.acquisition_rate is not None and item.acquisition_rate <= 0:
            problem(
                "bad-setting",
                row,
                f"AcquisitionRate {item.acquisition_rate} of {name} is not above 0",
                "AcquisitionRate",
            )
        out.companies.append(
            consolidation.Company(
                name,
                currency,
                balances,
                sub_book.accounts,
                share,
                where=str(item.workbook),
                acquisition=acquisition(item, currency, ctx.accounting_currency),
                retained_account=sub_book.settings.retained_earnings_account,
                retained_opening=consolidation.retained_at_year_start(result.lines, sub_book, run.ctx),
                row=row,
                lines=result.lines,
                book=sub_book,
                ctx=run.ctx,
            )
        )
    out.findings = fnd.frame(found)
    return out


def acquisition(item, currency: str, group_currency: str) -> consolidation.Acquisition:
    """A Consolidation row's acquisition columns in exact minor units (docs/close.md "Consolidation")."""

    def minor(value, code):
        return None if value is None else money.round_to_minor(value, code)

    rate = item.acquisition_rate
    return consolidation.Acquisition(
        date=item.acquisition_date,
        rate=Fraction(rate) if rate is not None and rate > 0 else None,
        equity=minor(item.equity_at_acquisition, currency),
        investment=minor(item.investment, group_currency),
        historical_equity=minor(item.historical_equity, group_currency),
    )
