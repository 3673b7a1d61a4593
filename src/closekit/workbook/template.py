"""The close workbook template, generated from the sheet schema (:mod:`closekit.workbook.schema`).

``workbook_templates/close.xlsx`` is this module's output and is never edited by hand; a test
fails when the committed file differs from what the code generates (``make templates`` refreshes
it). Every input sheet has its header in row 1 with the column's help as a cell comment, text
columns formatted as text (so account 0100 stays 0100), and drop-down lists for choice columns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from closekit.errors import UsageError
from closekit.sheetio import xlsx_table as xt
from closekit.workbook import closesheet, dashboard, default_checklist, schema

#: Fixed document dates keep the generated package identical from run to run.
_EPOCH = dt.datetime(2026, 1, 1)
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_CELL_FORMATS = {"text": "@", "date": "yyyy-mm-dd", "rate": "0.000000", "number": "General", "yesno": "@"}
_CHOICES = {
    ("Accounts", "Type"): schema.ACCOUNT_TYPES,
    ("Accounts", "TranslationRate"): ("Closing", "Average", "Historical"),
    ("Rates", "RateType"): schema.RATE_TYPES,
    ("Periods", "Status"): schema.PERIOD_STATUSES,
    ("Sources", "Kind"): schema.KINDS,
    ("AllocationRules", "Method"): schema.METHODS,
    ("Checklist", "Step"): schema.STEPS,
    ("Checklist", "Status"): schema.TASK_STATUSES,
}
_ROWS_FORMATTED = 500  # rows below the header that get the text format and drop-downs


def build(sample: dict[str, list[list[object]]] | None = None) -> Workbook:
    """The close workbook: every input sheet of the schema, plus a Help sheet.

    ``sample`` maps sheet names to rows (lists in column order) to fill in below the headers; without
    it (``closekit new``) the Checklist holds the default close (:mod:`.default_checklist`).
    """
    sample = {"Checklist": default_checklist.rows()} if sample is None else sample
    wb = Workbook()
    wb.remove(wb.active)
    for spec in schema.INPUT_SHEETS:
        ws = wb.create_sheet(spec.name)
        if spec.name == "Settings":
            _settings_sheet(ws, sample.get("Settings", []))
        elif spec.model is not None:
            _table_sheet(ws, spec, sample.get(spec.name, []))
        else:
            ws["A1"].comment = Comment(spec.purpose + " Keep the export's header in row 1.", "closekit")
            for r, row in enumerate(sample.get(spec.name, []), start=1):
                for c, value in enumerate(row, start=1):
                    _put(ws, r, c, value)
    _help_sheet(wb.create_sheet("Help"))
    for ws in wb.worksheets:  # the input sheets and Help (the front pages get theirs below)
        print_setup(ws, wide=ws.title.lower().endswith("import") or None)
    _dashboard_sheet(wb.create_sheet(dashboard.SHEET, 0))
    _close_sheet(wb.create_sheet(closesheet.SHEET, 0))
    _xlwings_conf_sheet(wb.create_sheet(XLWINGS_CONF))
    wb.active = 0
    wb.properties.creator = "closekit"
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    return wb


def print_setup(ws, wide: bool | None = None) -> None:
    """An input sheet's print setup: one page wide and as many tall as needed, landscape when its
    columns are together wider than the output sheets' threshold (``wide`` says so for an import
    sheet, whose columns the export brings), row 1 on every page, the sheet's name in the page
    header and "Page n of m" in the footer (docs/workbook-writing.md "Layout")."""
    if wide is None:
        wide = sum(d.width or 0 for d in ws.column_dimensions.values()) > xt.LANDSCAPE_WIDTH
    ws.page_setup.orientation = "landscape" if wide else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    ws.oddHeader.center.text = "&B&A"  # &A: the sheet's tab name, also after a rename
    ws.oddFooter.center.text = "Page &P of &N"


def _header(ws, columns: list[tuple[str, bool, dict]]) -> None:
    for index, (header, required, extra) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        note = extra.get("help", "") + (" (required)" if required else "")
        cell.comment = Comment(note, "closekit", width=300, height=80)
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = extra.get("width") or max(12, len(header) + 4)
    ws.freeze_panes = "A2"


def _table_sheet(ws, spec: schema.SheetSpec, rows: list[list[object]]) -> None:
    columns = spec.columns()
    _header(ws, columns)
    for index, (header, _, extra) in enumerate(columns, start=1):
        fmt = _CELL_FORMATS.get(extra.get("excel", "text"), "@")
        for r in range(2, _ROWS_FORMATTED + 2):
            ws.cell(row=r, column=index).number_format = fmt
        choices = _CHOICES.get((spec.name, header))
        if extra.get("excel") == "yesno":
            choices = ("Yes", "No")
        if choices:
            letter = get_column_letter(index)
            rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            rule.error = f"{header}: choose one of " + ", ".join(choices)
            rule.add(f"{letter}2:{letter}{_ROWS_FORMATTED + 1}")
            ws.add_data_validation(rule)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if value is not None and value != "":
                _put(ws, r, c, value)


def _put(ws, row: int, column: int, value: object):
    """A cell's value; a text stays text even when it starts with ``=`` (openpyxl would make it a formula)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _settings_sheet(ws, values: list[list[object]]) -> None:
    _header(
        ws,
        [
            ("Setting", True, {"help": "Setting name (see the Help sheet).", "width": 30}),
            ("Value", True, {"help": "Its value.", "width": 40}),
        ],
    )
    given = {str(k): v for k, v in values}
    keys = schema.SETTINGS_SHEET.columns()
    for r, (header, required, extra) in enumerate(keys, start=2):
        key = ws.cell(row=r, column=1, value=header)
        key.comment = Comment(extra.get("help", "") + (" (required)" if required else ""), "closekit")
        value = _put(ws, r, 2, given.pop(header, None))
        value.number_format = "@"
    for r, (header, value) in enumerate(given.items(), start=len(keys) + 2):  # keys the user added
        _put(ws, r, 1, header)
        _put(ws, r, 2, value)


def _help_sheet(ws) -> None:
    ws.append(["Sheet", "Column", "Required", "Meaning"])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for spec in schema.INPUT_SHEETS:
        ws.append([spec.name, "", "", spec.purpose])
        for header, required, extra in spec.columns():
            ws.append(
                [
                    spec.name if spec.name != "Settings" else "Settings (key)",
                    header,
                    "Yes" if required else "",
                    extra.get("help", ""),
                ]
            )
    for letter, width in zip("ABCD", (18, 28, 10, 90), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


#: The classic xlwings add-in reads its settings from a sheet of this name (key in A, value in B).
XLWINGS_CONF = "xlwings.conf"
#: The settings of the classic add-in (docs/excel.md "Closing with the classic add-in"): empty values fall back to
#: the add-in's own settings; RunPython adds the workbook's folder to the Python path.
XLWINGS_SETTINGS = (
    ("Interpreter_Win", ""),
    ("Interpreter_Mac", ""),
    ("PYTHONPATH", ""),
    ("Conda Path", ""),
    ("Conda Env", ""),
    ("UDF Modules", ""),
    ("Debug UDFs", False),
    ("Use UDF Server", False),
    ("Show Console", False),
)
_CLOSE_STEPS = (
    "1. Paste the ledger export (with its header) into LedgerImport, journals to post into JournalImport;",
    "   with the classic add-in, list export files in Sources instead.",
    "2. Validate: Findings lists what is wrong, each row a link to the cell (Errors stop the close).",
    "3. Run close: Adjustments, Settlements, TrialBalance, BalanceSheet, IncomeStatement; the Checklist ticks.",
    "4. Export upload journal: the Adjustments in the ERP's layout (Settings ExportFormat), as the Upload sheet.",
    "5. Put period on hold: Periods Status becomes On hold (never over errors).",
    "Help lists every sheet and column. Each run replaces the output sheets and adds a RunLog row.",
)


def _close_sheet(ws) -> None:
    ws["A1"] = "closekit: period-end close"
    ws["A1"].font = Font(bold=True, size=16, color="1F4E78")
    for key, ref in closesheet.CELLS.items():
        row = int(ref[1:])
        label = ws.cell(row=row, column=1, value=closesheet.LABELS[key])
        label.font = Font(bold=True)
        ws.cell(row=row, column=2).alignment = Alignment(
            horizontal="left", vertical="center", wrap_text=key in ("status", "progress")
        )
        ws.row_dimensions[row].height = 24
    for offset, line in enumerate(_CLOSE_STEPS, start=12):
        ws.cell(row=offset, column=1, value=line)
    ws.cell(row=11, column=1, value="How to close").font = Font(bold=True)
    for letter, width in zip("ABCDEF", (12, 56, 2, 2, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _xlwings_conf_sheet(ws) -> None:
    for key, value in XLWINGS_SETTINGS:
        ws.append([key, value])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 50
    ws.sheet_state = "visible"


def package(
    sample: dict[str, list[list[object]]] | None = None, *, kind: str = "plain", interpreter: str | None = None
) -> bytes:
    """The template as package bytes, the Close sheet's buttons included.

    ``kind``: ``plain`` (.xlsx, the Lite sheet buttons), ``lite`` (.xlsx, the same, with the xlwings
    Lite code inside, :mod:`.lite_code`) or ``classic`` (.xlsm with the xlwings VBA module and form
    buttons that call closekit through ``RunPython``, :mod:`.macro_workbook`; ``interpreter`` goes
    into the xlwings.conf sheet for this system)."""
    import io

    from closekit.workbook import template_buttons

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    wb = build(sample)
    if kind == "classic":
        _classic_conf(wb[XLWINGS_CONF], interpreter)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if kind == "classic":
        from closekit.workbook import macro_workbook

        vba, _ = macro_workbook.xlwings_vba_project()
        calls = {script: f"import closekit_addin; closekit_addin.{name}()" for script, name in CLASSIC_CALLS.items()}
        buttons = [
            (caption, macro_workbook.macro_call("RunPython", calls[script]), cell)
            for script, _, caption, cell in closesheet.BUTTONS
        ]
        return macro_workbook.make_macro_enabled(data, vba, closesheet.SHEET, buttons)
    buttons = [(shape, caption, cell) for _, shape, caption, cell in closesheet.BUTTONS]
    data = template_buttons.add_buttons(data, closesheet.SHEET, buttons)
    if kind == "lite":
        from closekit.workbook import lite_code

        data = lite_code.embed(data, lite_files())
    return data


#: What ``closekit new`` can make: the plain template, the Lite workbook with its code, the classic .xlsm.
KINDS = ("plain", "lite", "classic")
#: The function of addin/classic/closekit_addin.py each Close-sheet button (script of :data:`closesheet.BUTTONS`) calls.
CLASSIC_CALLS = {"validate": "validate", "run_close": "close", "export_upload": "export", "hold_period": "hold"}
#: The module the classic buttons import; ``closekit new --classic`` writes it beside the workbook.
CLASSIC_MODULE = "closekit_addin.py"


def addin_file(path: str) -> str:
    """A file of the add-in code shipped with the package (copies of the repository's ``addin/``)."""
    from importlib.resources import files

    return files("closekit.workbook").joinpath("_addin", path).read_text(encoding="utf-8")


def lite_files() -> dict[str, str]:
    """The two files of the xlwings Lite editor: main.py and requirements.txt (pinned to this closekit)."""
    return {"main.py": addin_file("lite/main.py"), "requirements.txt": addin_file("lite/requirements.txt")}


def _classic_conf(ws, interpreter: str | None) -> None:
    """The xlwings.conf sheet of the classic workbook: only the settings with a value.

    A key on the sheet hides the add-in's own setting even when its value is empty (xlwings' VBA
    ``GetConfig`` stops at the sheet), so an empty one is left out; the interpreter, when given,
    is the Python that made the workbook (the one with closekit), for this system only."""
    import sys

    key = "Interpreter_Mac" if sys.platform == "darwin" else "Interpreter_Win"
    rows = [(key, interpreter)] if interpreter else []
    rows += [(k, v) for k, v in XLWINGS_SETTINGS if not k.startswith("Interpreter_") and v != ""]
    ws.delete_rows(1, ws.max_row)
    for r, (name, value) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=name)
        _put(ws, r, 2, value)


def python_for_excel() -> str | None:
    """The Python running this closekit, as xlwings.conf's interpreter: on Windows the windowless
    ``pythonw.exe`` beside it (the xlwings add-in's own default), on macOS the executable; None on
    other systems (Excel runs on neither, so the add-in's own setting applies)."""
    import sys

    executable = Path(sys.executable)
    if sys.platform == "darwin":
        return str(executable)
    if sys.platform == "win32":
        quiet = executable.with_name("pythonw.exe")
        return str(quiet if quiet.exists() else executable)
    return None


def _dashboard_sheet(ws) -> None:
    """Titles, labels and three native charts over the data cells each close fills
    (:mod:`closekit.workbook.dashboard`); the charts carry no cached values, so they always show the cells."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList

    ws["A1"] = dashboard.TITLE
    ws["A1"].font = Font(bold=True, size=16, color="1F4E78")
    for label, ref in dashboard.HEADER:
        ws.cell(row=int(ref[1:]), column=1, value=label).font = Font(bold=True)
        ws[ref].number_format = "@"
    blocks = [
        (dashboard.CHECKLIST_ROW, "Checklist", "Tasks", dashboard.CHECKLIST_STATUSES, "Checklist progress", "D2"),
        (dashboard.FINDINGS_ROW, "Findings", "Count", dashboard.SEVERITIES, "Findings by severity", "L2"),
        (dashboard.VARIANCES_ROW, "Largest variances", "Variance", ("",) * dashboard.TOP, None, "D19"),
    ]
    for row, title, measure, labels, chart_title, anchor in blocks:
        for column, text in ((1, title), (2, measure)):
            cell = ws.cell(row=row, column=column, value=text)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        for i, label in enumerate(labels, start=row + 1):
            if label:
                ws.cell(row=i, column=1, value=label)
        chart = BarChart()
        chart.type = "bar" if chart_title is None else "col"
        chart.title = chart_title or "Largest variances against the prior period"
        chart.style = 10
        chart.legend = None
        chart.add_data(Reference(ws, min_col=2, min_row=row, max_row=row + len(labels)), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=row + 1, max_row=row + len(labels)))
        chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False)
        chart.width, chart.height = (31, 9) if chart_title is None else (15, 8)
        if chart_title is None:
            chart.y_axis.number_format = "#,##0"
            chart.x_axis.scaling.orientation = "maxMin"  # largest on top
            chart.x_axis.tickLblPos = "low"  # account names left of the bars, also for negative variances
        ws.add_chart(chart, anchor)
    for row in range(dashboard.VARIANCES_ROW + 1, dashboard.VARIANCES_ROW + 1 + dashboard.TOP):
        ws.cell(row=row, column=1).number_format = "@"
        ws.cell(row=row, column=2).number_format = "#,##0.00"
    for column, text in ((1, "Due dates"), (2, "Tasks")):  # two counts, no chart
        cell = ws.cell(row=dashboard.DUE_ROW, column=column, value=text)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for i, label in enumerate(dashboard.DUE_LABELS, start=dashboard.DUE_ROW + 1):
        ws.cell(row=i, column=1, value=label)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 22
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write(
    path: str | Path,
    sample: dict[str, list[list[object]]] | None = None,
    *,
    force: bool = False,
    kind: str = "plain",
    interpreter: str | None = None,
) -> Path:
    """Write a new close workbook at ``path`` (refuses to overwrite unless ``force``); ``kind`` as
    in :func:`package`. A classic workbook gets ``closekit_addin.py`` beside it (its buttons import it)."""
    path = Path(path)
    suffix = ".xlsm" if kind == "classic" else ".xlsx"
    if path.suffix.lower() != suffix:
        what = "a macro-enabled close workbook (--classic)" if kind == "classic" else "a new close workbook"
        raise UsageError(f"{path.name}: {what} must be an {suffix} file.")
    if path.exists() and not force:
        raise UsageError(
            f"{path} already exists; closekit new never overwrites a workbook (use --force to replace it)."
        )
    module = path.with_name(CLASSIC_MODULE)
    code = addin_file(f"classic/{CLASSIC_MODULE}") if kind == "classic" else None
    if code is not None and module.exists() and not force and module.read_text(encoding="utf-8") != code:
        raise UsageError(
            f"{module} already exists and differs from the one of closekit {_version()}; "
            "closekit new never overwrites it (use --force to replace it)."
        )
    data = package(sample, kind=kind, interpreter=interpreter)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".~closekit-{path.name}")
    temporary.write_bytes(data)
    temporary.replace(path)
    if code is not None:
        module.write_text(code, encoding="utf-8", newline="\n")
    return path


def _version() -> str:
    from closekit.core.version import VERSION

    return VERSION


if __name__ == "__main__":  # make templates
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "workbook_templates/close.xlsx")
    write(target, force=True)
    print(f"wrote {target}")
