"""The GeneralJournal is built only when it is written (issue 18 item 5): not by ``close``, not
by ``--json``; the report written is the one :func:`closekit.closing.reports.general_journal` gives."""

from __future__ import annotations

import pandas as pd

import closekit
from closekit import api
from closekit.closing import reports
from closekit.closing.lazy_tables import LazyTables
from closekit.sheetio.files import FileWorkbook


def test_a_deferred_table_runs_once_when_read():
    calls = []
    tables = LazyTables({"trial_balance": pd.DataFrame({"a": [1]})})
    tables.defer("general_journal", lambda: calls.append(1) or pd.DataFrame({"b": [2]}))
    assert "general_journal" in tables and list(tables) == ["trial_balance", "general_journal"]
    assert not tables.built("general_journal") and calls == []
    assert tables["general_journal"]["b"].tolist() == [2]
    assert tables.get("general_journal")["b"].tolist() == [2] and calls == [1]
    assert tables.built("general_journal")
    tables["general_journal"] = pd.DataFrame()
    assert tables["general_journal"].empty and calls == [1]


def test_close_and_its_json_leave_the_general_journal_unbuilt(sample_workbook):
    result = closekit.close(sample_workbook)
    result.to_json()
    assert "general_journal" in result.run.tables
    assert not result.run.tables.built("general_journal")


def test_write_close_builds_and_writes_the_same_general_journal(sample_workbook):
    result = closekit.close(sample_workbook)
    run = result.run
    expected = reports.general_journal(result.validation.ledger.lines, run.posted_lines, run.ctx)
    api.write_close(result, user="test")
    assert run.tables.built("general_journal")
    pd.testing.assert_frame_equal(run.tables["general_journal"], expected)
    written = FileWorkbook(sample_workbook).read_sheet("GeneralJournal").frame
    assert len(written) == len(expected) > 0
    assert written["Voucher"].astype(str).tolist() == expected["Voucher"].astype(str).tolist()
