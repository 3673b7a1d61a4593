"""The generic layout (workbook.md "The generic format") as an upload file: UTF-8 with BOM, comma."""

from __future__ import annotations

import pandas as pd

from closekit.exporters.base import Export, ExportContext, Exporter, amount_text, csv_bytes


def write(lines: pd.DataFrame, ctx: ExportContext) -> Export:
    ccy = ctx.accounting_currency
    amount = lines["amount_accounting"].astype("int64")
    frame = pd.DataFrame(
        {
            "Journal": lines["journal"],
            "Voucher": lines["voucher"],
            "Line": lines["line"].astype("Int64").astype(str),
            "Date": lines["date"].dt.strftime("%Y-%m-%d"),
            "Account": lines["account"],
            **{d: lines[d] for d in ctx.dimensions},
            "Currency": ccy,
            "Debit": amount_text(amount.clip(lower=0), ccy).where(amount > 0, ""),
            "Credit": amount_text((-amount).clip(lower=0), ccy).where(amount < 0, ""),
            "AmountAccounting": amount_text(amount, ccy),
            "Text": lines["text"],
        }
    )
    return Export([b"\xef\xbb\xbf" + csv_bytes(list(frame.columns), frame)], ".csv")


EXPORTER = Exporter("generic", "generic layout", ".csv", write)
