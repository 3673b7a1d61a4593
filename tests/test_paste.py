"""Pasting into the import sheets as accountants do (issue 19 item 5): a CSV pasted into an
English Excel lands in one column; German Excel turns the account 0480 into the number 480."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from closekit import api
from closekit.closing.validation import leading_zero_matches
from closekit.errors import InputError
from closekit.samples import company as sample
from closekit.workbook import template


def _amount(value: object) -> str:
    """A sample amount as German Excel users see it: 1.234,56."""
    if value in ("", None):
        return ""
    text = f"{Decimal(str(value)):,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _pasted(rows: list[list[object]], delimiter: str, *, german: bool) -> list[list[object]]:
    """Each row as one text cell in column A, as a paste without Text to Columns leaves it."""
    amounts = {sample.HEADER.index(n) for n in ("Debit", "Credit", "AmountAccounting")}
    out = [[delimiter.join(sample.HEADER)]]
    for row in rows:
        cells = [(_amount(v) if german and i in amounts else str(v)) for i, v in enumerate(row)]
        out.append([delimiter.join(cells)])
    return out


def _workbook(tmp_path, ledger: list[list[object]], **extra) -> object:
    rows = sample.workbook_rows()
    rows["Sources"] = []
    rows["LedgerImport"] = ledger
    rows.update(extra)
    return template.write(tmp_path / "close.xlsx", rows, force=True)


def _balances(result) -> dict[str, object]:
    tb = result.run.tables["trial_balance"]
    return dict(zip(tb["Account"].astype(str), tb["ClosingAfter"].astype(str), strict=True))


@pytest.fixture(scope="module")
def columns_close(tmp_path_factory):
    """The sample ledger pasted properly, one value per cell: the figures a split paste must give."""
    tmp = tmp_path_factory.mktemp("columns")
    return api.close(_workbook(tmp, [sample.HEADER, *sample.ledger_rows()]))


@pytest.mark.parametrize(("delimiter", "german"), [(";", True), ("\t", False), (",", False)])
def test_a_paste_in_one_column_is_split_and_closes_to_the_same_figures(tmp_path, columns_close, delimiter, german):
    ledger = sample.ledger_rows()
    if delimiter == ",":  # a comma inside a text would need quotes: the sample's texts have none
        assert not any("," in str(c) for r in ledger for c in r)
    result = api.close(_workbook(tmp_path, _pasted(ledger, delimiter, german=german)))
    split = result.findings[result.findings["Code"] == "paste-split"]
    assert len(split) == 1 and split.iloc[0]["Where"] == "LedgerImport" and split.iloc[0]["Row"] == 1
    assert split.iloc[0]["Severity"] == "Info" and "into 13 columns" in split.iloc[0]["Message"]
    assert result.validation.lines == len(ledger)
    assert _balances(result) == _balances(columns_close)
    codes = set(result.findings["Code"]) - {"paste-split"}
    assert codes == set(columns_close.findings["Code"])


def test_a_finding_in_a_split_paste_points_at_the_row_in_column_a(tmp_path):
    ledger = sample.ledger_rows()
    ledger[3][sample.HEADER.index("Account")] = "9999"
    result = api.validate(_workbook(tmp_path, _pasted(ledger, ";", german=True)))
    unknown = result.findings[result.findings["Code"] == "unknown-account"]
    assert unknown[["Where", "Row", "Column"]].values.tolist() == [["LedgerImport", 5, "Account"]]


def test_an_unknown_layout_in_an_import_sheet_names_the_setting_of_the_sheet(tmp_path):
    path = _workbook(tmp_path, [["Foo", "Bar"], ["1", "2"]])
    with pytest.raises(InputError, match="Set ImportFormat in Settings"):
        api.validate(path)


def _zero_workbook(tmp_path, *, restore: bool):
    accounts = [*sample.ACCOUNTS, ["0480", "Office equipment", "Asset", "Yes", "No", "", "", "No", "", ""]]
    settings = [r for r in sample.settings_rows() if r[0] != "RestoreLeadingZeros"]
    if restore:
        settings.append(["RestoreLeadingZeros", "Yes"])
    ledger = sample.ledger_rows()
    extra = [
        ["GL", "EQ-1", 1, "2026-10-20", 480, "", "", "EUR", "500.00", "", "500.00", "Laptop", "Yes"],
        ["GL", "EQ-1", 2, "2026-10-20", 1100, "", "", "EUR", "", "500.00", "-500.00", "Laptop", "Yes"],
    ]
    return _workbook(tmp_path, [sample.HEADER, *ledger, *extra], Accounts=accounts, Settings=settings)


def test_an_account_that_lost_its_leading_zero_gets_a_hint(tmp_path):
    result = api.validate(_zero_workbook(tmp_path, restore=False))
    unknown = result.findings[result.findings["Code"] == "unknown-account"]
    assert len(unknown) == 1
    row = unknown.iloc[0]
    assert row["Message"].startswith("account 480 is not in the Accounts sheet; Accounts has 0480")
    assert "RestoreLeadingZeros" in row["Fix"] and "Text" in row["Fix"]


def test_restore_leading_zeros_matches_the_account_and_says_so(tmp_path):
    result = api.close(_zero_workbook(tmp_path, restore=True))
    assert "unknown-account" not in set(result.findings["Code"])
    note = result.findings[result.findings["Code"] == "account-zeros-restored"]
    assert len(note) == 1 and "read 480 as 0480" in note.iloc[0]["Message"]
    assert note.iloc[0]["Severity"] == "Info"
    assert _balances(result)["0480"] == "50000"  # cents


def test_no_hint_when_two_accounts_fit(tmp_path):
    known = pd.Series(["0480", "00480", "0100", "1200"])
    got = leading_zero_matches(pd.Series(["480", "100", "1200", "77", "ABC"]), known)
    assert got.to_dict() == {1: "0100"}
