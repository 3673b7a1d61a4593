"""closekit at scale: import, validation, the close and writing outputs, beside a plain read of the same file.

    python bench/bench_import.py                      # 1,000,000 lines: CSV, Parquet, XLSX, outputs (make bench)
    python bench/bench_import.py --lines 100000
    python bench/bench_import.py --scale              # 100k, 1M and 10M lines (make bench-scale)
    python bench/bench_import.py --sources csv,parquet

Generates, once, in ``bench/data/`` (gitignored): a ledger of N lines in balanced two-line vouchers
(``gl_<N>.csv``: 11 columns, Journal, Voucher, Line, Date, Account, Department, CostCenter, Currency,
Debit, Credit, Text; 200 expense and revenue accounts, 50 departments, 20 cost centres, 20% of the
vouchers in USD converted through the Rates sheet), the same ledger as typed Parquet (decimal
amounts, dates, integers) and, up to 1,048,575 lines, as an .xlsx export; and a close workbook per
source, like the hold-out's of issue 18: the sample company's (revaluation of the USD bank account
1110, settlement of 1590 Payments in transit: one voucher pair in ten, three in four cleared) with
two dimensions (Department, CostCenter) and step-down AllocationRules (:data:`STEP_DOWN_RULES`).
Each stage then runs in a fresh process; the table shows its wall time, the ratio to the
plain read of the same file (pyarrow for CSV and Parquet, python-calamine alone for XLSX), and the
process's peak resident memory.

Stages: ``plain`` (the baseline), ``import`` (read + parse into the canonical ledger), ``validate``
(workbook + import + every posting rule), ``close`` (validate + every close step), ``write``
(the close, then TrialBalance + Adjustments written on their own, then every output of write_close;
the times shown are of the writing alone). Every time includes starting Python and importing
what the stage needs (pyarrow for a plain read; pandas and closekit for the others): the ratios
include the interpreter's start-up on both sides. Every stage but ``write`` is run three times
(``--repeat``) and the median counts: on a shared 2-core machine one run can take 0.1 s and the
next 1 s. A CSV
source is limited to 1 GiB and 50 million cells (SECURITY.md): at 10 million lines the CSV stages
report the refusal and Parquet carries the close.

If ``hledger`` or ``bean-check`` (beancount) is on PATH, the same ledger is converted to its
journal format and its balance report / load is timed too (once); otherwise the table says it was
skipped. beancount belongs in a venv of its own, never closekit's: ``python -m venv /tmp/bc &&
/tmp/bc/bin/pip install beancount``, then ``PATH=/tmp/bc/bin:$PATH make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SOURCES = ("csv", "parquet", "xlsx")
STAGES = ("plain", "import", "validate", "close", "write")
EXTERNAL = ("hledger", "bean-check")
XLSX_MAX_LINES = 1_048_575
EXTERNAL_MAX_LINES = 1_000_000  # hledger needs ~4 GB per million postings: 10M would not fit the machine
SCALE = (100_000, 1_000_000, 10_000_000)
EXTRA_ACCOUNTS = [f"6{n:03d}" for n in range(500, 690)]  # 190 more postable expense accounts
DEPARTMENTS = [f"D{n:02d}" for n in range(1, 48)]  # with ADMIN, SALES, PROD: 50
COST_CENTRES = [f"CC{n}" for n in range(300, 318)]  # with CC100, CC200: 20


# ----------------------------------------------------------------------------------- generating


def paths(lines: int, source: str) -> tuple[Path, Path]:
    ext = {"csv": "csv", "parquet": "parquet", "xlsx": "xlsx"}[source]
    return DATA / f"gl_{lines}.{ext}", DATA / f"close_{source}_{lines}.xlsx"


def workbook_rows(source_name: str, source: str) -> dict:
    from closekit.samples import company as sample

    rows = sample.workbook_rows()
    rows["Sources"] = [[source_name, "ledger", "generic", "GL" if source == "xlsx" else ""]]
    rows["Accounts"] = rows["Accounts"] + [
        [a, f"Expense {a}", "Expense", "Yes", "No", "Department", "", "No", "", "Operating expenses"]
        for a in EXTRA_ACCOUNTS
    ]
    rows["Dimensions"] = (
        rows["Dimensions"]
        + [["Department", d, f"Department {d}", "Yes"] for d in DEPARTMENTS]
        + [["CostCenter", c, f"Cost centre {c}", "Yes"] for c in COST_CENTRES]
    )
    rows["AllocationRules"] = rows["AllocationRules"] + STEP_DOWN_RULES
    return rows


#: Like the hold-out's: step-down allocation over the two dimensions. Administration's costs go to
#: the operating departments first (Order 1, by percent); then the shared-services department D01,
#: which received a share, is spread equally (Order 2, sees rule 1's lines); then the cost centres'
#: IT costs by the departments' revenue (Order 3, Basis); the sample's IT rule (Order 10) runs last.
STEP_DOWN_RULES = [
    ["Admin overhead", "Percent", "65*", "6900", 1, "Department=ADMIN", "", f"Department={d}", share, "", "Admin"]
    for d, share in (("SALES", 50), ("PROD", 30), ("D01", 20))
] + [
    ["Shared services", "Equal", "6900", "6900", 2, "Department=D01", "", f"Department={d}", "", "", "Shared"]
    for d in ("SALES", "PROD", "D02")
] + [
    ["IT by revenue", "Basis", "6600..6689", "6900", 3, "CostCenter=CC100", "", f"Department={d}", "", "4000", "IT"]
    for d in ("SALES", "PROD")
]


def generate_csv(lines: int, path: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2026)
    vouchers = -(-lines // 2)
    usd = rng.random(vouchers) < 0.2
    cents = rng.integers(100, 5_000_000, vouchers)
    # Payments in transit (settle account 1590): one voucher in ten of a pair, debit 1590 against the
    # bank, then its clearing (credit 1590) of the same amount, three pairs in four; the fourth stays open.
    index = np.arange(vouchers)
    transit = (index // 2) % 10 == 0
    clearing = transit & (index % 2 == 1)
    matched = clearing & ((index // 20) % 4 != 3)
    cents[matched] = cents[index[matched] - 1]
    usd = usd & ~transit
    days = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 303, vouchers), unit="D")
    accounts = np.array(["6200", "6300", "6400", "4000", *EXTRA_ACCOUNTS])
    expense = rng.choice(accounts, vouchers)
    departments = np.array(["ADMIN", "SALES", "PROD", *DEPARTMENTS])
    department = np.where(expense == "6400", "", rng.choice(departments, vouchers))
    centre = rng.choice(np.array(["", "CC100", "CC200", *COST_CENTRES]), vouchers)
    amount = pd.Series(cents // 100).astype(str) + "." + pd.Series(cents % 100).astype(str).str.zfill(2)
    number = pd.Series(np.arange(vouchers)).astype(str).str.zfill(8)
    expense = np.where(transit, "1590", expense)
    department = np.where(transit, "", department)
    centre = np.where(transit, "", centre)
    revenue = (expense == "4000") | clearing  # credit on the first line
    first = pd.DataFrame(
        {
            "Journal": np.where(revenue, "SAL", "GEN"),
            "Voucher": "V" + number,
            "Line": 1,
            "Date": days.strftime("%Y-%m-%d"),
            "Account": np.where(usd, "1110", expense),
            "Department": np.where(usd, "", department),
            "CostCenter": np.where(usd, "", centre),
            "Currency": np.where(usd, "USD", "EUR"),
            "Debit": np.where(revenue & ~usd, "", amount),
            "Credit": np.where(revenue & ~usd, amount, ""),
            "Text": "Posting " + number,
        }
    )
    second = first.assign(
        Line=2,
        Account=np.where(transit, "1100", np.where(revenue & ~usd, "1200", "2000")),
        Department="",
        CostCenter="",
        Debit=first["Credit"],
        Credit=first["Debit"],
    )
    frame = pd.concat([first, second]).sort_values(["Voucher", "Line"], kind="stable")
    frame.head(lines).to_csv(path, index=False)


def generate_parquet(csv_path: Path, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyarrow import csv as pacsv

    amount = pa.decimal128(15, 2)
    types = {"Line": pa.int32(), "Date": pa.date32(), "Debit": amount, "Credit": amount}
    table = pacsv.read_csv(
        csv_path,
        read_options=pacsv.ReadOptions(block_size=1 << 26),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
    )
    pq.write_table(table, path)


def generate_xlsx(csv_path: Path, path: Path) -> None:
    import openpyxl
    import pandas as pd

    from closekit.sheetio import xlsx_package
    from closekit.sheetio.base import OutputSheet

    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, engine="pyarrow")
    typed = frame.assign(
        Line=frame["Line"].astype("int64"),
        Date=pd.to_datetime(frame["Date"]),
        Debit=pd.to_numeric(frame["Debit"].replace("", None)),
        Credit=pd.to_numeric(frame["Credit"].replace("", None)),
    )
    book = openpyxl.Workbook()
    book.active.title = "Export"
    book.save(path)
    xlsx_package.write_sheets_atomic(path, [OutputSheet("GL", typed, formats={"Date": "date"})])


def generate(lines: int, sources: tuple[str, ...]) -> None:
    from closekit.workbook import template

    DATA.mkdir(exist_ok=True)
    csv_path, _ = paths(lines, "csv")
    if not csv_path.exists():
        generate_csv(lines, csv_path)
    for source in sources:
        data, workbook = paths(lines, source)
        if source == "parquet" and not data.exists():
            generate_parquet(csv_path, data)
        if source == "xlsx" and not data.exists():
            generate_xlsx(csv_path, data)
        template.write(workbook, workbook_rows(data.name, source), force=True)


# ------------------------------------------------------------------------------------ measuring


def plain_read(source: str, data: Path) -> int:
    if source == "csv":
        from pyarrow import csv as pacsv

        return pacsv.read_csv(data).num_rows
    if source == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(data).num_rows
    from python_calamine import CalamineWorkbook

    return len(CalamineWorkbook.from_path(str(data)).get_sheet_by_name("GL").to_python()) - 1


def measure(stage: str, source: str, lines: int) -> dict:
    data, workbook = paths(lines, source)
    start = time.perf_counter()
    if stage == "plain":  # nothing of closekit imported: the baseline is pyarrow (or calamine) alone
        rows = plain_read(source, data)
        return {"stage": stage, "source": source, "seconds": time.perf_counter() - start, "rows": rows}
    from closekit.errors import CloseKitError

    extra: dict = {}
    try:
        if stage == "import":
            from closekit import api
            from closekit.closing.importing import load_ledger

            io = api.open_workbook(workbook)
            ledger, found = load_ledger(api.read_close_book(io), io)
            extra = {"rows": len(ledger.lines), "findings": len(found)}
        elif stage == "validate":
            import closekit

            result = closekit.validate(workbook)
            extra = {"rows": result.lines, "counts": result.counts}
        elif stage == "close":
            import closekit

            result = closekit.close(workbook)
            extra = {"rows": result.validation.lines, "counts": result.counts}
        else:
            extra = measure_write(workbook)
            start = time.perf_counter() - extra.pop("seconds")
    except CloseKitError as refused:
        extra = {"refused": "refused: " + str(refused).split(";")[0][:90]}
    seconds = time.perf_counter() - start
    return {"stage": stage, "source": source, "seconds": seconds, "peak_mb": peak_mb(), **extra}


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM, because Linux carries ru_maxrss over exec: a
    stage started from the (large) generating process would otherwise report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_write(workbook: Path) -> dict:
    """The close, then (timed) TrialBalance + Adjustments alone, then (timed) every output."""
    import closekit
    from closekit import api
    from closekit.workbook import outputs

    work = workbook.with_name(workbook.stem + "-write.xlsx")
    shutil.copyfile(workbook, work)
    try:
        result = closekit.close(work)
        run, ccy = result.run, result.run.ctx.accounting_currency
        two = [
            outputs.adjustments_sheet(run.adjustments, run.ctx.dimensions, ccy),
            outputs.amounts_sheet("TrialBalance", run.tables["trial_balance"], ccy),
        ]
        started = time.perf_counter()
        result.validation.io.write_sheets(two)
        tb_adj = time.perf_counter() - started
        journal = len(run.tables["general_journal"])
        del result, run, two  # the workbook changed: close again, as a new run would, without the first in memory
        result = closekit.close(work)
        started = time.perf_counter()
        written = api.write_close(result, now=None, user="bench")
        every = time.perf_counter() - started
    finally:
        work.unlink(missing_ok=True)
    return {"seconds": every, "tb_adj_seconds": tb_adj, "sheets": len(written), "journal_rows": journal}


def measure_external(tool: str, lines: int) -> dict:
    """hledger's balance report or beancount's load (bean-check) of the same ledger, from
    :data:`LAUNCHER` like the stages."""
    csv_path, _ = paths(lines, "csv")
    journal = DATA / f"gl_{lines}.{'journal' if tool == 'hledger' else 'beancount'}"
    if not journal.exists():
        write_plain_text_journal(csv_path, journal, beancount=tool != "hledger")
    executable = shutil.which(tool) or tool
    command = [executable, "-f", str(journal), "balance"] if tool == "hledger" else [executable, str(journal)]
    # beancount keeps a pickle of the parsed file beside it: without this every run after the first is a cache hit
    os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
    code, seconds, peak, err = launch(command, subprocess.DEVNULL)
    if code != 0:
        return {"stage": tool, "source": "csv", "failed": err.strip().splitlines()[-1:] or [f"exit {code}"]}
    return {"stage": tool, "source": "csv", "seconds": seconds, "peak_mb": peak}


def write_plain_text_journal(csv_path: Path, out: Path, beancount: bool) -> None:
    import pandas as pd

    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    amount = frame["Debit"].where(frame["Debit"] != "", "-" + frame["Credit"])
    account = ("Assets:" if beancount else "") + "A" + frame["Account"]
    posting = "  " + account + "  " + amount + " " + frame["Currency"]
    head = frame["Date"] + (' * "' if beancount else " ") + frame["Voucher"] + ('"' if beancount else "")
    text = (head.where(frame["Line"] == "1", "") + "\n").where(frame["Line"] == "1", "") + posting + "\n"
    with open(out, "w") as handle:
        if beancount:
            for name in sorted(set(account)):
                handle.write(f"2000-01-01 open {name}\n")
        for chunk in range(0, len(text), 200_000):
            handle.write("".join(text.iloc[chunk : chunk + 200_000]))


# -------------------------------------------------------------------------------------- running


#: Runs the command after the report file as a child of a fresh, small Python and writes
#: "exit-status peak-KiB wall-seconds" to the report file: the child's own wall time, interpreter
#: start-up included, and its own peak memory (wait4's ru_maxrss: Linux hands a forked child the
#: high-water mark of its parent, so a child forked from this grown bench would report the bench's).
LAUNCHER = """
import os, sys, time
report, args = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(args[0], args)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    fh.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {time.perf_counter() - started}")
"""


def launch(command: list[str], stdout) -> tuple[int, float, float, str]:
    """(exit status, wall seconds, peak MB, stderr) of ``command`` run from :data:`LAUNCHER`."""
    report = DATA / "launch.report"
    report.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(report), *command], stdout=stdout, stderr=subprocess.PIPE, text=True
    )
    code, kib, seconds = report.read_text().split() if report.exists() else (str(done.returncode), "0", "nan")
    return int(code), float(seconds), int(kib) / 1024, done.stderr


def json_path(stage: str, source: str, lines: int) -> Path:
    return DATA / f"{stage}_{source}_{lines}.json"


def run_stage(stage: str, source: str, lines: int) -> dict:
    """One stage in a fresh process. ``validate`` and ``close`` are the command a user runs
    (``closekit validate --json``, ``closekit close --dry-run --json``; the JSON is kept in
    bench/data to compare runs); the others run :func:`measure`."""
    if stage in ("validate", "close"):
        workbook = paths(lines, source)[1]
        command = [sys.executable, "-m", "closekit.cli", stage, str(workbook), "--json"]
        if stage == "close":
            command.append("--dry-run")
        out = json_path(stage, source, lines)
        with open(out, "w") as handle:
            code, seconds, peak, err = launch(command, handle)
        if code not in (0, 1):
            return {"stage": stage, "source": source, "failed": err.strip().splitlines()[-1:] or [f"exit {code}"]}
        payload = json.loads(out.read_text())
        counts: dict[str, int] = {}
        for finding in payload.get("findings", []):
            counts[finding["severity"]] = counts.get(finding["severity"], 0) + 1
        row = {"stage": stage, "source": source, "seconds": seconds, "peak_mb": peak, "counts": counts}
        if stage == "close":
            row["adjustments"] = len(payload.get("adjustments", []))
        return row
    command = [sys.executable, __file__, "--lines", str(lines), "--measure", f"{stage}:{source}"]
    out = DATA / "launch.out"
    with open(out, "w") as handle:
        code, seconds, peak, err = launch(command, handle)
    if code != 0:
        return {"stage": stage, "source": source, "failed": err.strip().splitlines()[-1:] or ["?"]}
    row = json.loads(out.read_text())
    if stage != "write":  # the child's wall time (interpreter start-up included) and own peak
        row.update(seconds=seconds, peak_mb=peak)
    return row


def bench(lines: int, sources: tuple[str, ...], only: tuple[str, ...] = STAGES, repeat: int = 3) -> list[dict]:
    started = time.perf_counter()
    if lines > XLSX_MAX_LINES:
        sources = tuple(s for s in sources if s != "xlsx")
    generate(lines, sources)
    size = paths(lines, "csv")[0].stat().st_size / 1e6
    print(f"\n{lines:,} lines ({size:.0f} MB as CSV; data ready in {time.perf_counter() - started:.0f} s)", flush=True)
    results = []
    for source in sources:
        stages = ("plain", "import") if source == "xlsx" else STAGES
        for stage in stages:
            if stage not in only:
                continue
            if source == "csv" and stage == "write" and "parquet" in sources:
                continue  # the outputs are the same whatever the source: written once, from Parquet
            row = run_stage(stage, source, lines)
            if stage != "write" and repeat > 1 and "seconds" in row:  # the median of ``repeat`` runs, so that
                # one busy (or idle) moment on a shared machine does not set a ratio of the run
                runs = [row, *(run_stage(stage, source, lines) for _ in range(repeat - 1))]
                timed = sorted((r for r in runs if "seconds" in r), key=lambda r: r["seconds"])
                row = {**timed[len(timed) // 2], "runs": [r["seconds"] for r in runs if "seconds" in r]}
            results.append(row)
            print_row(row, results, lines)
    for tool in EXTERNAL:
        if tool not in only:
            continue
        if shutil.which(tool) is None:
            print(f"{'':>12}  {tool:<11}{'':<8}skipped: {tool} is not on PATH")
            continue
        if lines > EXTERNAL_MAX_LINES:
            print(f"{'':>12}  {tool:<11}{'':<8}skipped: above {EXTERNAL_MAX_LINES:,} lines (about 4 GB per million)")
            continue
        row = measure_external(tool, lines)
        results.append(row)
        print_row(row, results, lines)
    return results


HEADER = f"{'lines':>12}  {'stage':<11}{'source':<8}{'seconds':>9}{'x plain':>9}{'peak MB':>9}  notes"


def print_row(row: dict, results: list[dict], lines: int) -> None:
    if len(results) == 1:
        print(HEADER)
    base = next((r for r in results if r["stage"] == "plain" and r["source"] == row["source"]), None)
    if "failed" in row or "refused" in row:
        why = row.get("refused") or f"failed: {' '.join(row['failed'])}"
        print(f"{lines:>12,}  {row['stage']:<11}{row['source']:<8}{'-':>9}{'-':>9}{'-':>9}  {why}")
        return
    ratio = f"{row['seconds'] / base['seconds']:.1f}" if base and "seconds" in base else "-"
    notes = {
        "plain": {"csv": "pyarrow.csv.read_csv", "parquet": "pyarrow.parquet.read_table", "xlsx": "python-calamine"}[
            row["source"]
        ],
        "import": "read + parse into the canonical ledger",
        "validate": "workbook + import + every posting rule",
        "close": "validate + every close step",
        "hledger": "hledger balance (same postings)",
        "bean-check": "beancount load (same postings)",
    }.get(row["stage"], "")
    if row["stage"] == "write":
        notes = (
            f"every output ({row['sheets']} sheets, GeneralJournal {row['journal_rows']:,} rows); "
            f"TrialBalance + Adjustments alone: {row['tb_adj_seconds']:.2f} s"
        )
    if "counts" in row:
        notes += f"; findings {row['counts']}"
    if len(row.get("runs", ())) > 1:
        notes += "; median of " + ", ".join(f"{s:.2f}" for s in row["runs"]) + " s"
    print(
        f"{lines:>12,}  {row['stage']:<11}{row['source']:<8}{row['seconds']:>9.2f}{ratio:>9}"
        f"{row['peak_mb']:>9.0f}  {notes}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--scale", action="store_true", help="run 100k, 1M and 10M lines")
    parser.add_argument("--sources", default="csv,parquet,xlsx", help="comma list of csv, parquet, xlsx")
    every = STAGES + EXTERNAL
    parser.add_argument("--stages", default=",".join(every), help="comma list of " + ", ".join(every))
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each stage (but write and the external tools); the median counts"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        stage, source = args.measure.split(":")
        if stage in EXTERNAL:
            print(json.dumps(measure_external(stage, args.lines)))
        else:
            print(json.dumps(measure(stage, source, args.lines)))
        return
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip() in SOURCES)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"closekit bench on {os.cpu_count()} cores; load average {load:.2f} at the start")
    for lines in SCALE if args.scale else (args.lines,):
        bench(lines, sources, tuple(s.strip() for s in args.stages.split(",")), repeat=args.repeat)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.2f} at the end; ratios are medians' ratios, interpreter start-up on both sides")


if __name__ == "__main__":
    main()
