"""The close book: the workbook's input sheets read into settings and reference data.

:func:`read_book` takes the raw input sheets (from any sheet adapter) and returns a
:class:`CloseBook` and the findings about them: a missing setting, an account listed twice, a rate
of zero, periods that overlap. Bad reference data is a finding, never a crash; every finding
names the sheet, the row and the column to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError

from closekit.core import findings as fnd
from closekit.core import ledger, parsing
from closekit.core.periods import Calendar
from closekit.core.rates import Rates
from closekit.sources import importers
from closekit.sources.tables import RawTable
from closekit.workbook import schema

REQUIRED_SHEETS = ("Settings", "Accounts", "Periods")
_IMPORT_KEYS = (parsing.header_key("LedgerImport"), parsing.header_key("JournalImport"))


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
) -> tuple[list[tuple[int, Any]], list[dict]]:
    """Validate each row of an input sheet against its model; (row number, model) and findings."""
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
    records = table.frame[[c for c, _ in used]].to_dict("records") if used else [{}] * len(table)
    rows = []
    for number, record in zip(table.rows.tolist(), records, strict=True):
        data = {alias: record[c] for c, alias in used}
        try:
            item = model.model_validate(data)
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


def read_settings(table: RawTable | None) -> tuple[schema.Settings | None, dict[str, int], list[dict]]:
    """The Settings sheet (Setting, Value rows) into the Settings model; also each key's row."""
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
    try:
        settings = schema.Settings.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0])  # the alias (the Settings key as typed), or the field's name
            field_ = schema.Settings.model_fields.get(name)
            alias = field_.alias if field_ is not None else name
            if err["type"] == "missing":
                message = f"the setting {alias} is missing; it is required"
            else:
                message = f"{alias}: {err['msg']}"
            code = err["type"] if err["type"] in ("bad-currency", "bad-number", "bad-date") else "bad-setting"
            problems.append(fnd.finding(code, "Settings", message, row=row_of.get(alias), column="Value"))
        return None, row_of, problems
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
        return None, row_of, problems
    problems += _check_dimension_names(settings, row_of.get("Dimensions"))
    return settings, row_of, problems


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


def read_book(sheets: Mapping[str, RawTable | None], where: str) -> CloseBook:
    """All input sheets of a close workbook (raw tables by sheet name) into a :class:`CloseBook`."""
    problems: list[dict] = []
    settings, settings_rows, found = read_settings(find_sheet(sheets, "Settings"))
    problems += found
    for name in REQUIRED_SHEETS[1:]:
        if find_sheet(sheets, name) is None:
            problems.append(
                fnd.finding(
                    "bad-setting",
                    name,
                    f"the workbook has no {name} sheet",
                    fix=f"Add the {name} sheet (closekit new makes a template).",
                )
            )

    def rows_of(name: str, model, code: str = "bad-setting") -> list[tuple[int, Any]]:
        table = find_sheet(sheets, name)
        if table is None:
            return []
        rows, found = read_rows(table, model, value_code=code)
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
    known = {a.account for _, a in accounts}
    problems += [
        fnd.finding("bad-setting", "AccountMap", f"{target!r} is not in the Accounts sheet", column="Account")
        for target in sorted(set(account_map.values()) - known)
    ]

    for name, table in sheets.items():  # merged cells, hidden rows (the import sheets report their own)
        if table is not None and len(table.findings) and parsing.header_key(name) not in _IMPORT_KEYS:
            problems += table.findings.to_dict("records")
    dims = tuple(settings.dimensions) if settings else ()
    problems += _check_sources(sources)
    accounts_frame = _accounts_frame(accounts, dims, problems)
    dimension_frame = _dimension_frame(dimension_rows, dims, problems)
    rates = _rates(rate_rows, problems)
    calendar = _calendar(period_rows, problems)
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
    )


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


def _accounts_frame(rows, dims: tuple[str, ...], problems: list[dict]) -> pd.DataFrame:
    records, seen = [], {}
    dim_keys = {parsing.header_key(d): d for d in dims}
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
            if parsing.header_key(name) not in dim_keys:
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


def _dimension_frame(rows, dims: tuple[str, ...], problems: list[dict]) -> pd.DataFrame:
    dim_keys = {parsing.header_key(d): d for d in dims}
    records, seen = [], {}
    for row, item in rows:
        name = dim_keys.get(parsing.header_key(item.dimension))
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
        if item.rate is not None and item.rate <= 0:
            problems.append(
                fnd.finding("bad-setting", "Rates", f"rate {item.rate} must be above zero", row=row, column="Rate")
            )
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
        records.append({"period": item.period, "start": item.start, "end": item.end, "status": item.status, "row": row})
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
    for alias in (
        "UnrealizedGainAccount",
        "UnrealizedLossAccount",
        "RetainedEarningsAccount",
        "TranslationAdjustmentAccount",
        "RoundingAccount",
        "NonControllingInterestAccount",
        "NonControllingInterestOffsetAccount",
        "IntercompanyDifferenceAccount",
    ):
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
