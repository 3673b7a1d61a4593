"""The JSON of a close (``closekit close --json``, workbook.md "Command line"): amounts as exact decimal
text in the accounting currency's minor units, dates as ISO 8601."""

from __future__ import annotations

import pandas as pd

from closekit.closing import consolidation
from closekit.closing.runner import CloseRun
from closekit.core import findings as fnd
from closekit.core import money


def close_json(period: str, findings: pd.DataFrame, run: CloseRun | None) -> dict:
    """The ``--json`` of ``closekit close`` (workbook.md "Command line"): the period, its findings and, when
    the close ran, its adjustments, trial balance, settlements, open items, consolidation and subledger
    tie-outs (each with its reconciling items)."""
    payload: dict = {
        "period": period,
        "findings": fnd.to_json_records(findings),
        "adjustments": [],
        "trial_balance": [],
        "settlements": [],
        "open_items": [],
        "consolidation": [],
        "reconciliations": [],
    }
    if run is None:
        return payload
    ccy, dims = run.ctx.accounting_currency, run.ctx.dimensions

    def amount(value: object) -> str:
        return money.format_minor(int(value), ccy)

    def dimensions_of(rec: dict) -> dict:
        return {d: rec[d] for d in dims if d in rec and rec[d] not in ("", None)}

    if run.posted_lines is not None:
        for rec in run.posted_lines.to_dict("records"):
            value = int(rec["amount_accounting"])
            txn = value if pd.isna(rec.get("amount")) else int(rec["amount"])  # debit, credit: in currency
            payload["adjustments"].append(
                {
                    "journal": rec["journal"],
                    "voucher": rec["voucher"],
                    "line": int(rec["line"]),
                    "date": rec["date"].strftime("%Y-%m-%d"),
                    "account": rec["account"],
                    "dimensions": dimensions_of(rec),
                    "currency": rec["currency"],
                    "debit": money.format_minor(max(txn, 0), rec["currency"]),
                    "credit": money.format_minor(max(-txn, 0), rec["currency"]),
                    "amount_accounting": amount(value),
                    "text": rec["text"],
                    "rule": rec["rule"],
                }
            )
    for rec in run.tables.get("trial_balance", pd.DataFrame()).to_dict("records"):
        if rec["Account"] == "Total":
            continue
        payload["trial_balance"].append(
            {
                "account": rec["Account"],
                "dimensions": dimensions_of(rec),
                "opening": amount(rec["Opening"]),
                "debit": amount(rec["Debit"]),
                "credit": amount(rec["Credit"]),
                "closing": amount(rec["Closing"]),
                "closing_after": amount(rec["ClosingAfter"]),
            }
        )
    for rec in run.tables.get("settlements", pd.DataFrame()).to_dict("records"):
        payload["settlements"].append(
            {
                "id": rec["SettlementId"],
                "account": rec["Account"],
                "dimensions": dimensions_of(rec),
                "voucher": rec["Voucher"],
                "date": pd.Timestamp(rec["Date"]).strftime("%Y-%m-%d"),
                "amount_accounting": amount(rec["Amount"]),
                "rule": rec["Rule"],
            }
        )
    for rec in run.tables.get("open_items", pd.DataFrame()).to_dict("records"):
        payload["open_items"].append(
            {"account": rec["Account"], "voucher": rec["Voucher"], "amount_accounting": amount(rec["Amount"])}
        )
    payload["reconciliations"] = _tieouts(run.tables.get("reconciliations"))
    if "consolidated_trial_balance" in run.tables:
        payload["consolidation"] = consolidation.json_records(run.tables["consolidated_trial_balance"], ccy, dims)
    return payload


def _tieouts(table: pd.DataFrame | None) -> list[dict]:
    """The tie-outs, each with the reconciling items listed under it (amounts in its currency)."""
    out: list[dict] = []
    if table is None:
        return out

    def show(value: object, currency: str) -> str | None:
        return None if pd.isna(value) else money.format_minor(int(value), currency)

    def day(value: object) -> str | None:
        return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")

    for rec in table.to_dict("records"):
        ccy = rec["Currency"]
        if rec["Line"] == "Tie-out":
            out.append(
                {
                    "account": rec["Account"],
                    "subledger": rec["Subledger"],
                    "currency": ccy,
                    "gl": show(rec["GL"], ccy),
                    "subledger_total": show(rec["SubledgerTotal"], ccy),
                    "difference": show(rec["Difference"], ccy),
                    "reconciling_items": show(rec["ReconcilingItems"], ccy),
                    "unexplained": show(rec["Unexplained"], ccy),
                    "status": rec["Status"],
                    "task": rec["Task"] or None,
                    "items": [],
                }
            )
        elif out:
            out[-1]["items"].append(
                {
                    "amount": show(rec["ReconcilingItems"], ccy),
                    "explanation": rec["Explanation"],
                    "status": rec["Status"],
                    "raised": day(rec["Raised"]),
                    "expected_clearing": day(rec["ExpectedClearing"]),
                    "cleared": day(rec["Cleared"]),
                    "days_open": rec["DaysOpen"],
                }
            )
    return out
