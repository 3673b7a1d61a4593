"""The close book: the workbook's input sheets read into settings and reference data.

:func:`read_book` takes the raw input sheets (from any sheet adapter) and returns a
:class:`CloseBook` and the findings about them: a missing setting, an account listed twice, a rate
of zero, periods that overlap. Bad reference data is a finding, never a crash; every finding
names the sheet, the row and the column to fix.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError

from closekit.core import findings as fnd
from closekit.core import ledger, parsing
from closekit.core.periods import MODULE_COLUMNS, Calendar
from closekit.core.rates import Rates, rate_problem
from closekit.sources import importers
from closekit.sources.tables import RawTable
from closekit.workbook import schema

REQUIRED_SHEETS = ("Settings", "Accounts", "Periods")
_IMPORT_KEYS = (parsing.header_key("LedgerImport"), parsing.header_key("JournalImport"))
#: Sheets closekit writes or keeps (outputs, the front page): never a renamed input sheet.
CLOSEKIT_SHEETS = (
    "Close",
    "Dashboard",
    "Help",
    "xlwings.conf",
    "Findings",
    "RunLog",
    "Adjustments",
    "TrialBalance",
    "GeneralJournal",
    "BalanceSheet",
    "IncomeStatement",
    "Flux",
    "OpeningBalances",
    "ConsolidatedTrialBalance",
    "GroupBalanceSheet",
    "GroupIncomeStatement",
    "GroupStatus",
    "Upload",
    "ChecklistHistory",
    "TieOuts",
)
#: How alike (difflib's ratio) a sheet name must be to a missing input sheet's to be called a misspelling.
SIMILAR = 0.6


@dataclass(frozen=True)
class UserEntry:
    """One row of the Users sheet: ``groups`` casefolded, for matching."""

    row: int
    user: str
    name: str
    groups: frozenset[str]


@dataclass
class CloseBook:
    where: str
    settings: schema.Settings | None
    sources: list[tuple[int, schema.SourceRow]]
    accounts: pd.DataFrame
    dimension_values: pd.DataFrame
    rates: Rates
    calendar: Calendar
    allocation_rules: list[tuple[int, schema.AllocationRuleRow]]
    checklist: list[tuple[int, schema.ChecklistRow]]
    consolidation: list[tuple[int, schema.ConsolidationRow]]
    imports: dict[str, RawTable] = field(default_factory=dict)
    account_map: dict[str, str] = field(default_factory=dict)
    findings: pd.DataFrame = field(default_factory=fnd.frame)
    #: Input sheets the workbook lacks -> the sheet present that is closest to it (one closekit does not
    #: know, e.g. ``{"Sources": "Quellen"}``), or None when there is no such sheet.
    missing_sheets: dict[str, str | None] = field(default_factory=dict)
    #: The decimal mark of the workbook's number texts (``","``, ``"."``), None when they do not show one.
    decimal: str | None = None
    #: The Users sheet (issue 16 item 8): login (casefolded) -> :class:`UserEntry`.
    users: dict[str, UserEntry] = field(default_factory=dict)
    #: The Holidays sheet (issue 18 item 3): days no checklist task is due, each for one company or all.
    holidays: list[tuple[int, schema.HolidayRow]] = field(default_factory=list)
    #: The JournalApprovals sheet (issue 17): (row, approval) of each manual journal voucher.
    journal_approvals: list[tuple[int, schema.JournalApprovalRow]] = field(default_factory=list)
    #: The Reconciliations and ReconcilingItems sheets (docs/close.md "Subledger tie-outs").
    reconciliations: list[tuple[int, schema.ReconciliationRow]] = field(default_factory=list)
    reconciling_items: list[tuple[int, schema.ReconcilingItemRow]] = field(default_factory=list)
    #: The StatementLines sheet (issue 18 item 1): the statements' line hierarchy when Custom.
    statement_lines: list[tuple[int, schema.StatementLineRow]] = field(default_factory=list)

    def member(self, login: str, group: str) -> UserEntry | None:
        """The Users row of ``login`` when it lists ``group`` (both matched case-insensitively)."""
        entry = self.users.get(str(login or "").strip().casefold())
        return entry if entry is not None and group.strip().casefold() in entry.groups else None

    @property
    def dimensions(self) -> tuple[str, ...]:
        return tuple(self.settings.dimensions) if self.settings else ()

    @property
    def accounting_currency(self) -> str | None:
        return self.settings.accounting_currency if self.settings else None


def find_sheet(sheets: Mapping[str, Any], name: str) -> Any:
    """A sheet by name, matched like Excel matches sheet names (case-insensitively)."""
    key = parsing.header_key(name)
    for sheet_name, value in sheets.items():
        if parsing.header_key(sheet_name) == key:
            return value
    return None


def read_rows(
    table: RawTable,
    model: type[schema.SheetRow],
    *,
    value_code: str = "bad-setting",
    decimal: str | None = None,
) -> tuple[list[tuple[int, Any]], list[dict]]:
    """Validate each row of an input sheet against its model; (row number, model) and findings.

    ``decimal`` is the workbook's decimal mark (:func:`decimal_mark`), for number texts such as
    ``2,500`` that could be read two ways."""
    spec_columns = {parsing.header_key(f.alias): (name, f) for name, f in model.model_fields.items()}
    present = {parsing.header_key(c): c for c in table.columns}
    problems: list[dict] = []
    if len(table) == 0:
        return [], problems
    for key, (_, f) in spec_columns.items():
        if f.is_required() and key not in present:
            problems.append(
                fnd.finding(
                    "missing-column",
                    table.where,
                    f"the {table.where} sheet has no column {f.alias} in row 1",
                    row=1,
                    column=f.alias,
                )
            )
    if problems:
        return [], problems
    header_of = {name: present.get(parsing.header_key(f.alias), f.alias) for name, f in model.model_fields.items()}
    used = [(c, spec_columns[k][1].alias) for k, c in present.items() if k in spec_columns]
    # cell by cell, not DataFrame.to_dict, which turns a PercentValue cell back into a plain float
    names = [c for c, _ in used]
    columns = [table.frame[c].to_numpy(dtype=object) for c in names]
    records = [dict(zip(names, cells, strict=True)) for cells in zip(*columns, strict=True)] if used else []
    records = records or [{}] * len(table)
    rows = []
    for number, record in zip(table.rows.tolist(), records, strict=True):
        data = {alias: record[c] for c, alias in used}
        try:
            item = model.model_validate(data, context={"decimal": decimal, "date1904": table.meta.get("date1904")})
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else ""
                problems.append(_error_finding(table.where, number, header_of, model, name, err, value_code))
            continue
        empty = [
            f.alias for name, f in model.model_fields.items() if f.is_required() and getattr(item, name) in ("", None)
        ]
        for alias in empty:
            problems.append(
                fnd.finding(
                    value_code,
                    table.where,
                    f"{alias} is empty; it is required",
                    row=number,
                    column=header_of.get(_field(model, alias), alias),
                )
            )
        if not empty:
            rows.append((number, item))
    return rows, problems


def _field(model: type[schema.SheetRow], alias: str) -> str:
    return next(n for n, f in model.model_fields.items() if f.alias == alias)


def _error_finding(where: str, row: int, header_of: dict, model, name: str, err: dict, value_code: str) -> dict:
    kind = err["type"]
    field_info = model.model_fields.get(name)
    alias = field_info.alias if field_info else name
    if kind == "missing":
        code, message = value_code, f"{alias} is empty; it is required"
    elif kind in ("bad-date", "bad-number", "bad-currency"):
        code, message = kind, f"{alias}: {err['msg']}"
    else:
        code, message = value_code, f"{alias}: {err['msg']}"
    return fnd.finding(code, where, message, row=row, column=header_of.get(name, alias))


def read_settings(
    table: RawTable | None, decimal: str | None = None
) -> tuple[schema.Settings | None, dict[str, int], list[dict]]:
    """The Settings sheet (Setting, Value rows) into the Settings model; also each key's row.

    One bad value is one finding on its own cell: the other settings are still read (a bad
    optional setting takes its default). Settings is None only when a required setting is missing
    or bad."""
    settings, row_of, problems, _ = _read_settings(table, decimal)
    return settings, row_of, problems


def _read_settings(
    table: RawTable | None, decimal: str | None
) -> tuple[schema.Settings | None, dict[str, int], list[dict], tuple[str, ...] | None]:
    """:func:`read_settings`, and the Dimensions setting as read even when Settings is None (so
    that the Accounts and Dimensions sheets are checked against it, not against no dimensions at
    all); None when the dimensions are not known (no Settings sheet, or a bad Dimensions cell)."""
    if table is None:
        return (
            None,
            {},
            [
                fnd.finding(
                    "bad-setting",
                    "Settings",
                    "the workbook has no Settings sheet",
                    fix="Add a Settings sheet with columns Setting and Value (closekit new makes one).",
                )
            ],
            None,
        )
    keys = {parsing.header_key(c): c for c in table.columns}
    if "setting" not in keys or "value" not in keys:
        missing = "Setting" if "setting" not in keys else "Value"
        return (
            None,
            {},
            [
                fnd.finding(
                    "missing-column",
                    "Settings",
                    f"the Settings sheet has no column {missing} in row 1",
                    row=1,
                    column=missing,
                )
            ],
            None,
        )
    fields = {parsing.header_key(f.alias): (name, f) for name, f in schema.Settings.model_fields.items()}
    data: dict[str, Any] = {}
    row_of: dict[str, int] = {}
    problems: list[dict] = []
    for number, key_cell, value in zip(
        table.rows.tolist(), table.frame[keys["setting"]], table.frame[keys["value"]], strict=True
    ):
        key = parsing.header_key(schema._text(key_cell))
        if not key:
            continue
        if key not in fields:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Settings",
                    f"unknown setting {schema._text(key_cell)!r}; it is ignored",
                    row=number,
                    column="Setting",
                    severity=fnd.Severity.WARNING,
                    fix="Check the spelling against the documented Settings keys.",
                )
            )
            continue
        alias = fields[key][1].alias
        if alias in data:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Settings",
                    f"{alias} is set twice (rows {row_of[alias]} and {number})",
                    row=number,
                    column="Setting",
                )
            )
            continue
        data[alias] = value
        row_of[alias] = number
    settings, bad, found = _validate_settings(data, row_of, decimal)
    problems += found
    dims = None if "Dimensions" in bad else tuple(schema._names(data.get("Dimensions")))
    if settings is None:
        return None, row_of, problems, dims
    empty = [a for a in schema.REQUIRED_SETTINGS if getattr(settings, _field(schema.Settings, a)) in (None, "")]
    for alias in empty:
        problems.append(
            fnd.finding(
                "bad-setting",
                "Settings",
                f"the setting {alias} is empty; it is required",
                row=row_of.get(alias),
                column="Value",
            )
        )
    if empty:
        return None, row_of, problems, dims
    problems += _check_dimension_names(settings, row_of.get("Dimensions"))
    unique = _unique_dimensions(settings.dimensions)
    if len(unique) < len(settings.dimensions):  # reported above; a ledger cannot have a column twice
        # (a name listed twice, or the name of a ledger column such as Account): left out
        settings = settings.model_copy(update={"dimensions": unique})
        dims = tuple(unique)
    return settings, row_of, problems, dims


def _unique_dimensions(names: Iterable[str]) -> list[str]:
    """The dimension names without repeats (``Department, department``: the first one) and
    without the names of ledger columns (``Account``)."""
    reserved = {parsing.header_key(c) for c in ledger.RESERVED}
    first: dict[str, str] = {}
    for name in names:
        if parsing.header_key(name) not in reserved:
            first.setdefault(parsing.header_key(name), name)
    return list(first.values())


def _validate_settings(
    data: dict[str, Any], row_of: dict[str, int], decimal: str | None
) -> tuple[schema.Settings | None, set[str], list[dict]]:
    """The Settings model from the typed values: each bad value one finding on its own row, then
    left out (its default applies), so that one bad cell never hides the settings that are right."""
    data, bad, problems = dict(data), set(), []
    while True:
        try:
            return schema.Settings.model_validate(data, context={"decimal": decimal}), bad, problems
        except ValidationError as exc:
            errors = exc.errors()
        wrong = [e for e in errors if e["type"] != "missing"]
        for err in wrong or errors:
            name = str(err["loc"][0]) if err["loc"] else ""  # the alias (the key as typed), or the field's name
            field_ = schema.Settings.model_fields.get(name)
            alias = field_.alias if field_ is not None and field_.alias else name
            if err["type"] == "missing":
                if alias in bad:
                    continue  # its value was bad, and reported as such
                message = f"the setting {alias} is missing; it is required"
            else:
                message = f"{alias}: {err['msg']}"
                bad.add(alias)
                data.pop(alias, None)
            code = err["type"] if err["type"] in ("bad-currency", "bad-number", "bad-date") else "bad-setting"
            problems.append(fnd.finding(code, "Settings", message, row=row_of.get(alias), column="Value"))
        if not wrong:
            return None, bad, problems


def _check_dimension_names(settings: schema.Settings, row: int | None) -> list[dict]:
    problems = []
    seen: set[str] = set()
    for name in settings.dimensions:
        key = parsing.header_key(name)
        if key in seen:
            problems.append(
                fnd.finding("bad-setting", "Settings", f"dimension {name!r} is listed twice", row=row, column="Value")
            )
        if key in {parsing.header_key(c) for c in ledger.RESERVED}:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Settings",
                    f"dimension {name!r} has the name of a ledger column; rename it",
                    row=row,
                    column="Value",
                )
            )
        seen.add(key)
    return problems


def decimal_mark(sheets: Mapping[str, RawTable | None]) -> str | None:
    """The decimal mark the workbook's number texts show (``","`` or ``"."``), None when they show
    none or both: every text cell of the input sheets' number columns (Settings' number values,
    Rates, AllocationRules, Consolidation) that says its mark itself (``1.234,56``, ``0,85``,
    :func:`closekit.core.parsing.number_mark`) is a vote. Cells that could be read two ways
    (``2,500``) are read with this mark, or are a ``bad-number`` when it is None."""
    marks: set[str] = set()
    for spec in schema.INPUT_SHEETS:
        table = find_sheet(sheets, spec.name)
        if spec.model is None or table is None or not len(table):
            continue
        for text in _number_texts(table, spec.model):
            digits = text.removesuffix("%").strip()
            mark = parsing.number_mark(digits)
            if mark in (",", ".") and _reads(digits):
                marks.add(mark)
    return marks.pop() if len(marks) == 1 else None


def _reads(text: str) -> bool:
    try:
        parsing.parse_number_text(text)
    except ValueError:
        return False
    return True


def _number_texts(table: RawTable, model: type[schema.SheetRow]) -> Iterable[str]:
    present = {parsing.header_key(c): c for c in table.columns}
    if model is schema.Settings:
        if "setting" not in present or "value" not in present:
            return []
        numeric = {parsing.header_key(a) for a in schema.number_columns(model)}
        cells = [
            v
            for k, v in zip(table.frame[present["setting"]], table.frame[present["value"]], strict=True)
            if parsing.header_key(schema._text(k)) in numeric
        ]
    else:
        columns = [present[k] for a in schema.number_columns(model) if (k := parsing.header_key(a)) in present]
        cells = [v for c in columns for v in table.frame[c]]
    return [v.strip() for v in cells if isinstance(v, str) and v.strip()]


def _missing_sheets(present: Iterable[str]) -> dict[str, str | None]:
    """Each input sheet the workbook lacks -> the closest sheet present that closekit does not know."""
    known = {parsing.header_key(n) for n in [*(s.name for s in schema.INPUT_SHEETS), *CLOSEKIT_SHEETS]}
    names = list(present)
    numbered = re.compile(r".+ \(\d+\)$")  # GeneralJournal (2): closekit's continuation sheets
    strangers = [n for n in names if parsing.header_key(n) not in known and not numbered.match(n)]
    have = {parsing.header_key(n) for n in names}
    missing = [s.name for s in schema.INPUT_SHEETS if parsing.header_key(s.name) not in have]
    pairs = sorted(
        ((_likeness(m, n), m, n) for m in missing for n in strangers), key=lambda p: -p[0]
    )  # the most alike pairs first, each sheet used once
    out: dict[str, str | None] = dict.fromkeys(missing)
    used: set[str] = set()
    for _, m, n in pairs:
        if out[m] is None and n not in used:
            out[m] = n
            used.add(n)
    return out


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, parsing.header_key(a), parsing.header_key(b)).ratio()


def sheet_hint(name: str, closest: str | None) -> str:
    """``. The sheet 'Quellen' is not a sheet closekit knows: did you mean Sources?`` (or nothing)."""
    if closest is None:
        return ""
    return f". The sheet {closest!r} is not a sheet closekit knows: did you mean {name}?"


def read_book(sheets: Mapping[str, RawTable | None], where: str, sheet_names: Iterable[str] | None = None) -> CloseBook:
    """All input sheets of a close workbook (raw tables by sheet name) into a :class:`CloseBook`.

    ``sheet_names`` are all the workbook's sheets (default: those of ``sheets``): a missing input
    sheet is reported with the closest of the others (a sheet renamed ``Quellen``: did you mean
    Sources?)."""
    problems: list[dict] = []
    decimal = decimal_mark(sheets)
    missing_sheets = _missing_sheets(list(sheets) if sheet_names is None else sheet_names)
    settings, settings_rows, found, read_dims = _read_settings(find_sheet(sheets, "Settings"), decimal)
    problems += found
    for name in REQUIRED_SHEETS[1:]:
        if find_sheet(sheets, name) is None:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    name,
                    f"the workbook has no {name} sheet" + sheet_hint(name, missing_sheets.get(name)),
                    fix=f"Add the {name} sheet (closekit new makes a template), or give the sheet that holds it "
                    f"the name {name}.",
                )
            )
    for name, closest in missing_sheets.items():
        if name not in REQUIRED_SHEETS and closest is not None and _likeness(name, closest) >= SIMILAR:
            problems.append(
                fnd.finding(
                    "unknown-sheet",
                    closest,
                    f"{closest!r} is not a sheet closekit knows, so it was not read; did you mean {name}? "
                    f"The workbook has no {name} sheet",
                    fix=f"Rename the sheet {name} if it holds the {name} table.",
                )
            )

    def rows_of(name: str, model, code: str = "bad-setting") -> list[tuple[int, Any]]:
        table = find_sheet(sheets, name)
        if table is None:
            return []
        rows, found = read_rows(table, model, value_code=code, decimal=decimal)
        problems.extend(found)
        return rows

    sources = rows_of("Sources", schema.SourceRow)
    accounts = rows_of("Accounts", schema.AccountRow)
    dimension_rows = rows_of("Dimensions", schema.DimensionRow)
    rate_rows = rows_of("Rates", schema.RateRow)
    period_rows = rows_of("Periods", schema.PeriodRow)
    rules = rows_of("AllocationRules", schema.AllocationRuleRow, "bad-rule")
    checklist = rows_of("Checklist", schema.ChecklistRow)
    consolidation = rows_of("Consolidation", schema.ConsolidationRow)
    account_map = _account_map(rows_of("AccountMap", schema.AccountMapRow), problems)
    users = _users(rows_of("Users", schema.UserRow), problems)
    holidays = rows_of("Holidays", schema.HolidayRow, "bad-value")
    approvals = rows_of("JournalApprovals", schema.JournalApprovalRow)
    reconciliations = rows_of("Reconciliations", schema.ReconciliationRow)
    reconciling_items = rows_of("ReconcilingItems", schema.ReconcilingItemRow)
    statement_lines = rows_of("StatementLines", schema.StatementLineRow)
    problems += _check_statement_lines(statement_lines, settings, find_sheet(sheets, "Settings") is not None)
    known = {a.account for _, a in accounts}
    problems += [
        fnd.finding("bad-setting", "AccountMap", f"{target!r} is not in the Accounts sheet", column="Account")
        for target in sorted(set(account_map.values()) - known)
    ]

    for name, table in sheets.items():  # merged cells, hidden rows (the import sheets report their own)
        if table is not None and len(table.findings) and parsing.header_key(name) not in _IMPORT_KEYS:
            problems += table.findings.to_dict("records")
    dims = tuple(settings.dimensions) if settings else read_dims
    problems += _check_sources(sources)
    accounts_frame = _accounts_frame(accounts, dims, problems)
    dimension_frame = _dimension_frame(dimension_rows, dims, problems)
    rates = _rates(rate_rows, problems)
    calendar = _calendar(period_rows, problems)
    problems += _check_access_groups(calendar, users, find_sheet(sheets, "Users") is not None)
    if settings:
        problems += _check_settings_references(settings, settings_rows, accounts_frame, calendar)
    imports = {
        name: t for name in ("LedgerImport", "JournalImport") if (t := find_sheet(sheets, name)) is not None and len(t)
    }
    return CloseBook(
        where,
        settings,
        sources,
        accounts_frame,
        dimension_frame,
        rates,
        calendar,
        rules,
        checklist,
        consolidation,
        imports,
        account_map,
        fnd.frame(problems),
        missing_sheets,
        decimal,
        users,
        holidays,
        approvals,
        reconciliations,
        reconciling_items,
        statement_lines,
    )


def _users(rows, problems: list[dict]) -> dict[str, UserEntry]:
    """The Users rows by login (casefolded); a login listed twice is a finding (the first row counts)."""
    users: dict[str, UserEntry] = {}
    for row, item in rows:
        key = item.user.casefold()
        if key in users:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Users",
                    f"user {item.user!r} is listed twice (rows {users[key].row} and {row}); the first row counts",
                    row=row,
                    column="User",
                )
            )
            continue
        groups = frozenset(g.strip().casefold() for g in (item.groups or "").replace(";", ",").split(",") if g.strip())
        users[key] = UserEntry(row, item.user, item.name or "", groups)
    return users


def _check_access_groups(calendar: Calendar, users: dict[str, UserEntry], have_sheet: bool) -> list[dict]:
    """``unknown-access-group``: a period's AccessGroup that no row of the Users sheet lists."""
    known = set().union(*(u.groups for u in users.values())) if users else set()
    out = []
    for item in calendar.table.to_dict("records"):
        group = item["access_group"]
        if not group or group.casefold() in known:
            continue
        why = "no row of the Users sheet lists it in Groups" if have_sheet else "the workbook has no Users sheet"
        out.append(
            fnd.finding(
                "unknown-access-group",
                "Periods",
                f"period {item['period']}: AccessGroup {group!r} is no group of the Users sheet ({why}), so "
                f"nobody may post into the period while it is On hold",
                row=int(item["row"]),
                column="AccessGroup",
                fix="Correct the AccessGroup, or add the group to the Groups of its members in the Users sheet "
                "(User = their operating-system login).",
            )
        )
    return out


def _account_map(rows, problems: list[dict]) -> dict[str, str]:
    """AccountMap rows as {source name: account}; a source listed twice is a finding."""
    mapping: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for row, item in rows:
        if item.source in mapping:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "AccountMap",
                    f"{item.source!r} is mapped twice (rows {first_row[item.source]} and {row})",
                    row=row,
                    column="Source",
                )
            )
            continue
        mapping[item.source], first_row[item.source] = item.account, row
    return mapping


def _check_sources(sources: list[tuple[int, schema.SourceRow]]) -> list[dict]:
    return [
        fnd.finding(
            "bad-setting",
            "Sources",
            f"Format {src.format!r} is not known; use one of: " + ", ".join(importers.FORMATS),
            row=row,
            column="Format",
        )
        for row, src in sources
        if src.format not in importers.FORMATS
    ]


def _accounts_frame(rows, dims: tuple[str, ...] | None, problems: list[dict]) -> pd.DataFrame:
    """The Accounts rows; ``dims`` None (the Settings Dimensions could not be read) checks no
    RequiredDimensions name, rather than reporting every one as unknown."""
    records, seen = [], {}
    dim_keys = {parsing.header_key(d): d for d in (dims if dims is not None else ())}
    for row, acc in rows:
        if acc.account in seen:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Accounts",
                    f"account {acc.account} is listed twice (rows {seen[acc.account]} and {row})",
                    row=row,
                    column="Account",
                )
            )
            continue
        seen[acc.account] = row
        required = []
        for name in acc.required_dimensions:
            if dims is None:
                required.append(name)
            elif parsing.header_key(name) not in dim_keys:
                problems.append(
                    fnd.finding(
                        "bad-setting",
                        "Accounts",
                        f"RequiredDimensions names {name!r}, which is not in Settings Dimensions",
                        row=row,
                        column="RequiredDimensions",
                    )
                )
            else:
                required.append(dim_keys[parsing.header_key(name)])
        records.append({**acc.model_dump(), "required_dimensions": tuple(required), "row": row})
    columns = [*schema.AccountRow.model_fields, "row"]
    return pd.DataFrame(records, columns=columns)


def _dimension_frame(rows, dims: tuple[str, ...] | None, problems: list[dict]) -> pd.DataFrame:
    dim_keys = {parsing.header_key(d): d for d in (dims if dims is not None else ())}
    records, seen = [], {}
    for row, item in rows:
        name = dim_keys.get(parsing.header_key(item.dimension)) if dims is not None else item.dimension
        if name is None:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Dimensions",
                    f"dimension {item.dimension!r} is not in Settings Dimensions; the row is ignored",
                    row=row,
                    column="Dimension",
                    severity=fnd.Severity.WARNING,
                )
            )
            continue
        if (name, item.value) in seen:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Dimensions",
                    f"{name} value {item.value!r} is listed twice (rows {seen[(name, item.value)]} and {row})",
                    row=row,
                    column="Value",
                    severity=fnd.Severity.WARNING,
                )
            )
            continue
        seen[(name, item.value)] = row
        records.append({"dimension": name, "value": item.value, "name": item.name, "active": item.active, "row": row})
    return pd.DataFrame(records, columns=["dimension", "value", "name", "active", "row"])


def _rates(rows, problems: list[dict]) -> Rates:
    records, seen = [], {}
    for row, item in rows:
        problem = rate_problem(item.rate) if item.rate is not None else None
        if problem is not None:
            problems.append(fnd.finding("bad-setting", "Rates", problem, row=row, column="Rate"))
            continue
        if item.from_currency == item.to_currency:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Rates",
                    f"FromCurrency and ToCurrency are both {item.from_currency}",
                    row=row,
                    column="ToCurrency",
                )
            )
            continue
        key = (item.date, item.from_currency, item.to_currency, item.rate_type)
        if key in seen:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Rates",
                    f"a {item.rate_type} rate {item.from_currency}->{item.to_currency} on {item.date} "
                    f"is listed twice (rows {seen[key]} and {row})",
                    row=row,
                    column="Date",
                )
            )
            continue
        seen[key] = row
        records.append(
            {
                "date": pd.Timestamp(item.date),
                "from": item.from_currency,
                "to": item.to_currency,
                "rate": item.rate,
                "type": item.rate_type,
                "row": row,
            }
        )
    if not records:
        return Rates.empty()
    return Rates(pd.DataFrame(records))


def _calendar(rows, problems: list[dict]) -> Calendar:
    records, seen = [], {}
    for row, item in rows:
        if item.start is None or item.end is None:
            column = "Start" if item.start is None else "End"
            problems.append(
                fnd.finding("bad-setting", "Periods", f"{column} is empty; it is required", row=row, column=column)
            )
            continue
        if item.end < item.start:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Periods",
                    f"period {item.period} ends ({item.end}) before it starts ({item.start})",
                    row=row,
                    column="End",
                )
            )
            continue
        if item.period in seen:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Periods",
                    f"period {item.period} is listed twice (rows {seen[item.period]} and {row})",
                    row=row,
                    column="Period",
                )
            )
            continue
        seen[item.period] = row
        records.append(
            {
                "period": item.period,
                "start": item.start,
                "end": item.end,
                "status": item.status,
                "row": row,
                "access_group": item.access_group or "",
                **{column: getattr(item, column) or "" for column, _ in MODULE_COLUMNS.values()},
            }
        )
    calendar = Calendar.from_rows(records)
    for earlier, later in calendar.overlaps():
        problems.append(
            fnd.finding(
                "bad-setting",
                "Periods",
                f"period {later['period']} overlaps period {earlier['period']} (row {earlier['row']})",
                row=int(later["row"]),
                column="Start",
            )
        )
    return calendar


# Every Settings key that names an account (its name ends in "Account") must name one in Accounts.
_ACCOUNT_SETTINGS = tuple(
    f.alias for f in schema.Settings.model_fields.values() if f.alias and f.alias.endswith("Account")
)


def _check_settings_references(
    settings: schema.Settings, row_of: dict[str, int], accounts: pd.DataFrame, calendar: Calendar
) -> list[dict]:
    problems = []
    if calendar.get(settings.period) is None:
        problems.append(
            fnd.finding(
                "bad-setting",
                "Settings",
                f"Period {settings.period!r} is not in the Periods sheet",
                row=row_of.get("Period"),
                column="Value",
                fix="Add the period to Periods or correct Settings Period.",
            )
        )
    known = set(accounts["account"])
    for alias in _ACCOUNT_SETTINGS:
        value = getattr(settings, _field(schema.Settings, alias))
        if value and value not in known:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "Settings",
                    f"{alias} {value} is not in the Accounts sheet",
                    row=row_of.get(alias),
                    column="Value",
                )
            )
    if settings.import_format not in importers.FORMATS:
        problems.append(
            fnd.finding(
                "bad-setting",
                "Settings",
                f"ImportFormat {settings.import_format!r} is not known; use one of: " + ", ".join(importers.FORMATS),
                row=row_of.get("ImportFormat"),
                column="Value",
            )
        )
    return problems


def from_rows(sheets: dict[str, list[list[object]]], where: str = "close.xlsx") -> CloseBook:
    """A close book from rows per sheet (first row = header), as a person would type them.

    For Python users and tests that have no workbook file:
    ``from_rows({"Settings": [["Setting", "Value"], ["AccountingCurrency", "EUR"], ...],
    "Accounts": [["Account", "Name", "Type"], ["1000", "Cash", "Asset"]]})``.
    """
    from closekit.sources.tables import from_rows as table_from_rows

    return read_book({name: table_from_rows(name, rows) for name, rows in sheets.items()}, where)


def _check_statement_lines(rows, settings: schema.Settings | None, has_settings: bool) -> list[dict]:
    """The StatementLines sheet: a Line twice, a Parent no row has, lines that are each other's
    parent (the statements then show such a line as a top line, so its figures still show); a
    Custom StatementLayout without the sheet (the statements use IFRS)."""
    problems: list[dict] = []
    custom = settings is not None and settings.statement_layout == "Custom"
    if custom and not rows and has_settings:
        problems.append(
            fnd.finding(
                "bad-setting",
                "Settings",
                "StatementLayout is Custom but the workbook has no StatementLines rows: the statements use IFRS",
                column="StatementLayout",
                severity=fnd.Severity.WARNING,
                fix="Fill in the StatementLines sheet, or set StatementLayout to IFRS or HGB.",
            )
        )
    first: dict[str, int] = {}
    parents: dict[str, str | None] = {}
    for row, item in rows:
        if item.line in first:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "StatementLines",
                    f"line {item.line!r} is listed twice (rows {first[item.line]} and {row}); the first row counts",
                    row=row,
                    column="Line",
                    severity=fnd.Severity.WARNING,
                )
            )
            continue
        first[item.line] = row
        parents[item.line] = item.parent
    for line, parent in parents.items():
        if parent is None:
            continue
        if parent not in parents:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "StatementLines",
                    f"line {line!r}: Parent {parent!r} is no Line of the sheet; it is shown as a top line",
                    row=first[line],
                    column="Parent",
                    severity=fnd.Severity.WARNING,
                )
            )
            continue
        seen, at = set(), parent
        while at is not None and at in parents and at not in seen and at != line:
            seen.add(at)
            at = parents[at]
        if at == line:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    "StatementLines",
                    f"line {line!r} is under itself (its Parent chain comes back to it); the loop is cut at "
                    "its first line in the sheet, which is shown as a top line",
                    row=first[line],
                    column="Parent",
                    severity=fnd.Severity.WARNING,
                )
            )
    return problems
