"""Issue 15: revaluation per transaction currency through a whole close and every upload format.

A payables account holds domestic (EUR) and GBP suppliers, the USD bank holds USD. The close proposes
the revaluation; the Adjustments are exported in each ERP's upload layout, read back as posted ledger
(the voucher number is the key that survives: ``REV-2026-10-GBP``), and the close runs again:
nothing more is proposed. A corrected rate then proposes only the difference, under a new number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

import closekit
from closekit import exporters
from closekit.samples import company as sample

HEADER = ["Journal", "Voucher", "Line", "Date", "Account", "Currency", "Debit", "Credit", "AmountAccounting", "Text"]
OCT = "2026-10-15"
LEDGER = [
    # domestic supplier: EUR only, no part of the GBP balance
    ["AP", "AP-1", 1, OCT, "6400", "EUR", "1000.00", "", "1000.00", "Domestic supplier"],
    ["AP", "AP-1", 2, OCT, "2000", "EUR", "", "1000.00", "-1000.00", "Domestic supplier"],
    # UK supplier: GBP 100.00 booked at 1.17
    ["AP", "AP-2", 1, OCT, "6400", "EUR", "117.00", "", "117.00", "UK supplier"],
    ["AP", "AP-2", 2, OCT, "2000", "GBP", "", "100.00", "-117.00", "UK supplier"],
    # USD bank: USD 10,000.00 booked at 0.9100
    ["BK", "BK-1", 1, OCT, "1110", "USD", "10000.00", "", "9100.00", "USD in"],
    ["BK", "BK-1", 2, OCT, "3000", "EUR", "", "9100.00", "-9100.00", "Capital"],
]
GBP_CLOSING = [dt.date(2026, 10, 31), "GBP", "EUR", Decimal("1.2000"), "Closing"]
#: the exporters whose upload file closekit's own importers read back as a posted ledger
READ_BACK = [name for name in exporters.MODULES if name != "sap"]


def ledger_text(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def workbook(make, gbp_rate=GBP_CLOSING):
    make.file("gl.csv", ledger_text(LEDGER))
    return make.workbook(
        Sources=[["gl.csv", "ledger", "generic"]],
        Rates=[*sample.rate_rows(), gbp_rate],
        AllocationRules=[],
    )


def revaluation(result) -> list[tuple]:
    adj = result.run.adjustments
    rev = adj[adj["journal"] == "revaluation"]
    return list(zip(rev["voucher"], rev["account"], rev["amount_accounting"].astype(int), strict=True))


def close(path, **kw):
    result = closekit.close(path, **kw)
    assert result.run is not None, result.findings
    return result


def test_domestic_lines_stay_out_of_the_gbp_balance(make):
    first = close(workbook(make))
    # GBP -100.00 x 1.20 = -120.00 against -117.00: a loss of 3.00 (folding the domestic -1,000.00 in
    # gave a gain of 997.00). USD 10,000.00 x 0.9189 = 9,189.00 against 9,100.00: a gain of 89.00.
    assert revaluation(first) == [
        ("REV-2026-10-GBP", "7910", 300),
        ("REV-2026-10-GBP", "2000", -300),
        ("REV-2026-10-USD", "1110", 8900),
        ("REV-2026-10-USD", "7900", -8900),
    ]
    found = first.findings
    assert not (found["Code"] == "stale-rate").any()


@pytest.mark.parametrize("name", READ_BACK)
def test_posted_through_every_exporter_nothing_more_is_proposed(make, name):
    path = workbook(make)
    closekit.write_close(close(path))
    exported = closekit.export(path, format=name)
    assert exported.ok, exported.export.findings
    files = closekit.write_export(exported, make.folder / f"posted-{name}")
    assert files
    again = close(path, sources=files)
    assert revaluation(again) == [], name
    read = again.validation.ledger.lines
    back = read[read["where"].astype(str).str.contains("posted-")]
    assert len(back) == 4 and set(back["currency"]) == {"EUR"}  # posted as accounting-currency lines
    assert not (again.findings["Code"] == "currency-not-allowed").any()  # 1110 takes USD only, and its own lines

    # a corrected GBP rate: only the difference, under a number the ledger does not hold yet; USD keeps its own
    corrected = workbook(make, [dt.date(2026, 10, 31), "GBP", "EUR", Decimal("1.2100"), "Closing"])
    fixed = close(corrected, sources=files)
    assert revaluation(fixed) == [("REV-2026-10-GBP2", "7910", 100), ("REV-2026-10-GBP2", "2000", -100)], name


def test_sap_line_item_report_after_posting(make):
    """SAP numbers the uploaded documents itself (01000000xx); the upload's Reference (BKPF-XBLNR)
    carries closekit's voucher, and the SAP importer reads it back as the voucher."""
    path = workbook(make)
    closekit.write_close(close(path))
    exported = closekit.export(path, format="sap")
    assert exported.ok, exported.export.findings
    adjustments = close(path).run.adjustments
    header = ["Company Code", "G/L Account", "Document Number", "Document Type", "Posting Date",
              "Amount in Local Currency", "Local Currency", "Reference", "Text"]  # fmt: skip
    rows = [
        ["1000", rec["account"], f"01000000{i // 2 + 1:02d}", "SA", "31.10.2026",
         str(Decimal(int(rec["amount_accounting"])) / 100), "EUR", rec["voucher"], "FX revaluation"]
        for i, rec in enumerate(adjustments.to_dict("records"))
    ]  # fmt: skip
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows([header, *rows])
    report = make.file("fbl3n.csv", out.getvalue())
    again = close(path, sources=[report])
    assert revaluation(again) == []
    posted = again.validation.ledger.lines
    from_sap = posted.loc[posted["where"].str.endswith("fbl3n.csv"), "voucher"]
    assert set(from_sap) == {"REV-2026-10-GBP", "REV-2026-10-USD"}


def test_sap_upload_carries_the_key_in_reference(make):
    """What the SAP upload can do: the voucher number (the key) is its Reference (16 characters)."""
    import openpyxl

    path = workbook(make)
    closekit.write_close(close(path))
    exported = closekit.export(path, format="sap")
    assert exported.ok, exported.export.findings
    sheet = openpyxl.load_workbook(io.BytesIO(exported.export.files[0])).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    reference = rows[0].index("Reference")
    assert {r[reference] for r in rows[1:]} == {"REV-2026-10-GBP", "REV-2026-10-USD"}


def test_a_stale_rate_is_a_warning_in_the_close(make):
    result = close(workbook(make, [dt.date(2026, 10, 20), "GBP", "EUR", Decimal("1.2000"), "Closing"]))
    stale = result.findings[result.findings["Code"] == "stale-rate"]
    assert stale[["Severity", "Where"]].values.tolist() == [["Warning", "Rates"]]
    assert "GBP" in stale["Message"].iloc[0] and "11 days" in stale["Message"].iloc[0]


def test_sap_reads_the_reference_as_voucher_only_for_closekits_own_documents():
    """A Reference of the user's own (an invoice number), or one that differs between the lines of
    one document, leaves the voucher SAP's document number."""
    from closekit.sources.importers import sap
    from closekit.sources.importers.base import ImportContext
    from closekit.sources.tables import read_csv_text

    text = (
        "Company Code;G/L Account;Document Number;Posting Date;Amount in Local Currency;Local Currency;Reference\n"
        "1000;1120;0100000001;31.10.2026;10,00;EUR;REV-2026-10-GBP\n"
        "1000;7910;0100000001;31.10.2026;-10,00;EUR;REV-2026-10-GBP\n"
        "1000;1200;0100000002;31.10.2026;5,00;EUR;INV-2026-77\n"
        "1000;4000;0100000002;31.10.2026;-5,00;EUR;INV-2026-77\n"
        "1000;1120;0100000003;31.10.2026;1,00;EUR;REV-2026-10-USD\n"
        "1000;7910;0100000003;31.10.2026;-1,00;EUR;REV-2026-10-USD2\n"
    )
    mapped = sap.map_table(read_csv_text(text, "fbl3n.csv"), ImportContext())
    assert mapped.frame["voucher"].tolist() == ["REV-2026-10-GBP"] * 2 + ["100000002"] * 2 + ["100000003"] * 2
