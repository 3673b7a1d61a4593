"""Small ledgers and books for close-step tests, typed like the worked examples of domain.md."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from closekit.core import ledger, money
from closekit.core.steps import CloseContext
from closekit.workbook import book


def lines(rows: list[dict], *, dimensions: tuple[str, ...] = (), accounting_currency: str = "EUR") -> pd.DataFrame:
    """Canonical ledger lines from records such as
    ``{"date": "2025-01-10", "account": "1120", "Department": "10", "currency": "USD",
    "amount": "1000.00", "amount_accounting": "900.00"}``; amounts are decimal strings (signed,
    debit positive); ``amount_accounting`` defaults to ``amount`` (accounting-currency lines)."""
    records = []
    for i, row in enumerate(rows, start=2):
        currency = row.get("currency", accounting_currency)
        amount = money.round_to_minor(Decimal(str(row["amount"])), currency)
        accounting = row.get("amount_accounting", row["amount"] if currency == accounting_currency else None)
        records.append(
            {
                "where": row.get("where", "gl.csv"),
                "row": row.get("row", i),
                "kind": row.get("kind", "ledger"),
                "journal": row.get("journal", "GL"),
                "voucher": row.get("voucher", f"V{i}"),
                "line": row.get("line"),
                "date": pd.Timestamp(row["date"]),
                "account": str(row["account"]),
                **{d: str(row.get(d, "")) for d in dimensions},
                "currency": currency,
                "amount": amount,
                "amount_accounting": money.round_to_minor(Decimal(str(accounting)), accounting_currency),
                "converted": False,
                "text": row.get("text", ""),
                "posted": True,
                "document_date": pd.NaT,
            }
        )
    frame = pd.DataFrame(records, columns=ledger.columns_for(dimensions))
    return ledger._typed(frame, dimensions)


def close_book(
    settings: dict[str, object],
    accounts: list[list[object]],
    *,
    rates: list[list[object]] = (),
    periods: list[list[object]] = (),
    rules: list[list[object]] = (),
    dimension_values: list[list[object]] = (),
) -> book.CloseBook:
    """A CloseBook from rows typed as in the workbook (headers added here)."""
    sheets = {
        "Settings": [["Setting", "Value"], *[[k, v] for k, v in settings.items()]],
        "Accounts": [
            [
                "Account",
                "Name",
                "Type",
                "Postable",
                "Revalue",
                "RequiredDimensions",
                "Currency",
                "Settle",
                "TranslationRate",
                "StatementLine",
            ],
            *accounts,
        ],
        "Rates": [["Date", "FromCurrency", "ToCurrency", "Rate", "RateType"], *rates],
        "Periods": [["Period", "Start", "End", "Status"], *periods],
        "AllocationRules": [
            [
                "Rule",
                "Method",
                "SourceAccounts",
                "DestinationAccount",
                "Order",
                "SourceDimensions",
                "OffsetAccount",
                "DestinationDimensions",
                "Share",
                "BasisAccounts",
                "Text",
            ],
            *rules,
        ],
        "Dimensions": [["Dimension", "Value", "Name", "Active"], *dimension_values],
    }
    return book.from_rows(sheets)


def context(
    period: str,
    start: str,
    end: str,
    *,
    accounting_currency: str = "EUR",
    dimensions: tuple[str, ...] = (),
    fiscal_year_start_month: int = 1,
) -> CloseContext:
    return CloseContext.for_period(
        period,
        start,
        end,
        fiscal_year_start_month=fiscal_year_start_month,
        accounting_currency=accounting_currency,
        dimensions=dimensions,
    )


def amounts(adjustments: pd.DataFrame, *keys: str) -> list[tuple]:
    """Adjustment lines as (keys..., amount as a decimal string) tuples, for readable asserts."""
    out = []
    for rec in adjustments.to_dict("records"):
        value = money.format_minor(int(rec["amount_accounting"]), "EUR")
        out.append((*[rec[k] for k in keys], value))
    return out
