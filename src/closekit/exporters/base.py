"""What every upload writer shares: the export contract and safe text, numbers and CSV.

A writer takes the close's adjustment lines (canonical ledger lines, see :mod:`closekit.core.ledger`:
``journal, voucher, line, date, account, <dimensions>, currency, amount, amount_accounting, text``,
plus ``where``/``row`` pointing at the Adjustments sheet) and returns the bytes of one or more
upload files and the findings about what the ERP would refuse. Writers are pure: the command line
writes the files. Adjustment lines are in the accounting currency: ``amount_accounting`` is the
amount to post, debit positive.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from closekit.core import cell_text, money
from closekit.core import findings as fnd

#: Text a spreadsheet or CSV reader would run as a formula starts with one of these (OWASP).
FORMULA_START = cell_text.FORMULA_START


@dataclass(frozen=True)
class ExportContext:
    accounting_currency: str
    dimensions: tuple[str, ...] = ()
    dimension_delimiter: str = "-"
    journal_name: str | None = None
    company: str = ""
    period: str = ""
    fiscal_year_start: int = 1  # month, Settings FiscalYearStart


@dataclass
class Export:
    """The upload: ``files`` (one, or several where the ERP limits a file), their suffix, the
    findings (an Error means the ERP would refuse it: nothing is written) and notes for the user."""

    files: list[bytes]
    suffix: str
    findings: pd.DataFrame = field(default_factory=fnd.frame)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Exporter:
    name: str
    label: str
    suffix: str
    write: Callable[[pd.DataFrame, ExportContext], Export]


def safe_text(values: pd.Series) -> pd.Series:
    """Text for a CSV cell that no spreadsheet will run as a formula (:mod:`closekit.core.cell_text`):
    control characters and their ``_xHHHH_`` escapes removed, then a leading ``'`` where the text
    could start like one (``=``, ``+``, ``-``, ``@``, tab, CR, LF; after spaces, fullwidth forms,
    escapes). A plain negative number is left alone."""
    return cell_text.safe_series(values)


def amount_text(minor: pd.Series, currency: str, *, decimal: str = ".", signed: bool = True) -> pd.Series:
    """Minor units as plain decimal text (``-1234.56``; ``1234,56`` with ``decimal=","``), no grouping."""
    places = money.exponent(currency)
    values = minor.astype("int64").to_numpy()
    magnitude = np.abs(values) if not signed else values
    sign = np.where(magnitude < 0, "-", "")
    whole = np.abs(magnitude) // 10**places
    text = pd.Series(sign, index=minor.index).str.cat(pd.Series(whole, index=minor.index).astype(str))
    if places:
        fraction = pd.Series(np.abs(magnitude) % 10**places, index=minor.index).astype(str).str.zfill(places)
        text = text + decimal + fraction
    return text


def csv_bytes(
    header: list[str],
    rows: pd.DataFrame,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    line_terminator: str = "\r\n",
    preamble: list[list[str]] = (),
) -> bytes:
    """A CSV file: every text cell made safe, quoted where needed, in the ERP's encoding.

    Characters the encoding cannot hold raise ``UnicodeEncodeError``; writers check for them first
    (see :func:`unencodable`) and report them as findings.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_terminator, quoting=csv.QUOTE_MINIMAL)
    for line in preamble:
        writer.writerow(line)
    writer.writerow(header)
    safe = rows.apply(safe_text) if len(rows) else rows
    writer.writerows(safe.itertuples(index=False, name=None))
    return out.getvalue().encode(encoding)


def unencodable(values: pd.Series, encoding: str) -> pd.Series:
    """Mask of texts the encoding cannot represent (e.g. a Chinese name in a Windows-1252 file)."""

    def bad(text: object) -> bool:
        try:
            str(text).encode(encoding)
        except UnicodeEncodeError:
            return True
        return False

    return values.astype(object).map(bad).astype(bool)


def refuse(lines: pd.DataFrame, mask: pd.Series, column: str, message: str | pd.Series, fix: str) -> pd.DataFrame:
    """``export-limit`` findings for the lines the ERP would refuse, at their Adjustments rows."""
    return fnd.from_mask(
        "export-limit",
        lines,
        pd.Series(np.asarray(mask, dtype=bool), index=lines.index),
        column=column,
        message=message,
        fix=fix,
    )


def chunks(lines: pd.DataFrame, limit: int, by: str = "voucher") -> list[pd.DataFrame]:
    """Split lines into files of at most ``limit`` lines without splitting a voucher (``by``).

    A single voucher longer than ``limit`` is the caller's finding, not split here.
    """
    sizes = lines.groupby(by, sort=False).size()
    groups, current, count = [], [], 0
    for voucher, size in sizes.items():
        if current and count + size > limit:
            groups.append(current)
            current, count = [], 0
        current.append(voucher)
        count += size
    if current:
        groups.append(current)
    return [lines[lines[by].isin(g)] for g in groups]
