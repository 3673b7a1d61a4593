"""Import, validation and the close of a large generic CSV, beside a plain pyarrow read of it.

    python bench/bench_import.py                # 1,000,000 lines (make bench)
    python bench/bench_import.py --lines 100000

Generates ``bench/data/gl_<N>.csv`` (11 columns: Journal, Voucher, Line, Date, Account, Department,
CostCenter, Currency, Debit, Credit, Text; balanced vouchers, 20% of them in USD converted through
the Rates sheet) and a close workbook for it, then measures each stage in a fresh process (wall
time and peak resident memory) and prints a table with the ratio to the plain read.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
STAGES = ("plain", "import", "validate", "close")


def generate(lines: int) -> tuple[Path, Path]:
    import numpy as np
    import pandas as pd

    from closekit import sample, template

    DATA.mkdir(exist_ok=True)
    csv_path = DATA / f"gl_{lines}.csv"
    workbook = DATA / "close.xlsx"
    rows = sample.workbook_rows()
    rows["Sources"] = [[csv_path.name, "ledger", "generic"]]
    template.write(workbook, rows, force=True)
    if csv_path.exists():
        return csv_path, workbook
    rng = np.random.default_rng(2026)
    vouchers = lines // 2
    usd = rng.random(vouchers) < 0.2
    cents = rng.integers(100, 5_000_000, vouchers)
    days = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 303, vouchers), unit="D")
    expense = rng.choice(np.array(["6200", "6300", "6400", "4000"]), vouchers)
    department = rng.choice(np.array(["ADMIN", "SALES", "PROD"]), vouchers)
    amount = pd.Series(cents // 100).astype(str) + "." + pd.Series(cents % 100).astype(str).str.zfill(2)
    number = pd.Series(np.arange(vouchers)).astype(str).str.zfill(7)
    first = pd.DataFrame(
        {
            "Journal": "GEN",
            "Voucher": "V" + number,
            "Line": 1,
            "Date": days.strftime("%Y-%m-%d"),
            "Account": np.where(usd, "1110", expense),
            "Department": np.where(usd, "", department),
            "CostCenter": "",
            "Currency": np.where(usd, "USD", "EUR"),
            "Debit": amount,
            "Credit": "",
            "Text": "Posting " + number,
        }
    )
    second = first.assign(Line=2, Account=np.where(usd, "2000", "2000"), Department="", Debit="", Credit=amount)
    frame = pd.concat([first, second]).sort_values(["Voucher", "Line"], kind="stable")
    frame.head(lines).to_csv(csv_path, index=False)
    return csv_path, workbook


def measure(stage: str, csv_path: Path, workbook: Path) -> dict:
    start = time.perf_counter()
    if stage == "plain":
        from pyarrow import csv as pacsv

        rows = pacsv.read_csv(csv_path).num_rows
        extra = {"rows": rows}
    elif stage == "import":
        from closekit import api
        from closekit.sources import load_ledger

        io = api.open_workbook(workbook)
        book = api.read_close_book(io)
        ledger, found = load_ledger(book, io)
        extra = {"rows": len(ledger.lines), "findings": len(found)}
    elif stage == "validate":
        import closekit

        result = closekit.validate(workbook)
        extra = {"rows": result.lines, "findings": len(result.findings), "counts": result.counts}
    else:
        import closekit

        result = closekit.close(workbook)
        extra = {
            "rows": result.validation.lines,
            "findings": len(result.findings),
            "counts": result.counts,
            "adjustments": len(result.run.adjustments) if result.run else 0,
        }
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"stage": stage, "seconds": seconds, "peak_mb": peak_mb, **extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--measure", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    csv_path, workbook = (DATA / f"gl_{args.lines}.csv", DATA / "close.xlsx")
    if args.measure:
        print(json.dumps(measure(args.measure, csv_path, workbook)))
        return
    started = time.perf_counter()
    generate(args.lines)
    size_mb = csv_path.stat().st_size / 1e6
    print(f"{args.lines:,} lines, {size_mb:.0f} MB CSV (generated in {time.perf_counter() - started:.1f} s)")
    results = []
    for stage in STAGES:
        done = subprocess.run(
            [sys.executable, __file__, "--lines", str(args.lines), "--measure", stage],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout))
    base = results[0]["seconds"]
    print(f"{'stage':<10}{'seconds':>10}{'x plain read':>14}{'peak MB':>10}  notes")
    notes = {
        "plain": "pyarrow.csv.read_csv, types inferred",
        "import": "read + parse into the canonical ledger",
        "validate": "workbook + import + every posting rule",
        "close": "validate + settle + revalue + allocate + trial balance + statements",
    }
    for r in results:
        print(
            f"{r['stage']:<10}{r['seconds']:>10.2f}{r['seconds'] / base:>14.1f}{r['peak_mb']:>10.0f}  "
            f"{notes[r['stage']]}"
            + (f"; {r['counts']}" if "counts" in r else "")
            + (f"; {r['adjustments']} adjustment lines" if "adjustments" in r else "")
        )


if __name__ == "__main__":
    main()
