"""DATEV Buchungsstapel: the importer on files written here and on DATEV's own sample, and the writer."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import closekit
from closekit import exporters
from closekit.core import ledger
from closekit.errors import InputError
from closekit.exporters import datev as datev_export
from closekit.samples import company as sample
from closekit.sources import importers
from closekit.sources.importers import datev
from closekit.sources.importers.base import ImportContext
from closekit.sources.tables import read_csv_text
from exportfixtures import DIMENSIONS, adjustments, context

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"

METADATA = (
    '"EXTF";700;21;"Buchungsstapel";13;20260131120000000;;"RE";"test";"";29098;55003;20250701;4;'
    '20251201;20260531;"Abschluss";"CK";1;0;0;"EUR";;"";;;"03";;;"";""'
)
HEADER = (
    "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Kurs;Basis-Umsatz;WKZ Basis-Umsatz;Konto;"
    "Gegenkonto (ohne BU-Schlüssel);BU-Schlüssel;Belegdatum;Belegfeld 1;Belegfeld 2;Skonto;Buchungstext;"
    "KOST1 - Kostenstelle;KOST2 - Kostenstelle"
)
#: Fiscal year from July 2025 (line 1): 3112 is 2025-12-31, 0101 and 105 (TMM) are in 2026.
BOOKINGS = [
    '1500,00;"S";"";;;"";6400;2900;"";3112;"ABG-1";"";;"Prüfungskosten";"ADMIN";""',
    '1500,00;"H";"";;;"";6400;2900;"";0101;"ABG-1R";"";;"Auflösung Prüfung";"ADMIN";""',
    '250,00;"S";"";;;"";6100;1100;"9";105;"";"";;"Miete Lager";"PROD";"CC200"',
    '119,00;"H";"";;;"";4000;1200;"40";2801;"AR-7";"";;"Erlös";"SALES";""',
    '124,00;"H";"CHF";1,240402;100,00;"EUR";4000;1200;"";2701;"AR-8";"";;"Umsatz Schweiz";"SALES";""',
    '1087,00;"S";"USD";1,087;;"";1200;4000;"";1501;"AR-9";"";;"Export USA";"SALES";""',
    '920,00;"S";"USD";;;"";1200;4000;"";1501;"AR-10";"";;"Export ohne Kurs";"SALES";""',
]
EXTF = "\r\n".join([METADATA, HEADER, *BOOKINGS]) + "\r\n"

SETTINGS = [row for row in sample.settings_rows() if row[0] not in ("Period", "FiscalYearStart")] + [
    ["Period", "2026-01"],
    ["FiscalYearStart", 7],
]
PERIODS = [
    [f"{y}-{m:02d}", f"{y}-{m:02d}-01", (pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)).date(), "Open"]
    for y, m in [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]
]


def codes(found: pd.DataFrame) -> list[tuple]:
    return [(r["Severity"], r["Code"], r["Row"], r["Column"]) for r in found.to_dict("records")]


def read(text: str, dimensions: tuple[str, ...] = DIMENSIONS, currency: str = "EUR"):
    """A DATEV text through read_datev (or the plain CSV reader), the importer and the ledger parser."""
    table = datev.read_datev(text, "b.csv", "cp1252") or read_csv_text(text, "b.csv", delimiter=";")
    ctx = ImportContext(dimensions, "-", currency)
    mapped = datev.map_table(table, ctx)
    lines, found = ledger.canonical_lines(
        mapped,
        where="b.csv",
        kind="ledger",
        accounting_currency=currency,
        dimensions=dimensions,
        date_format=mapped.date_format,
        decimal=mapped.decimal,
    )
    return table, mapped, lines, found


def totals(lines: pd.DataFrame, keys: list[str]) -> dict:
    sums = lines.groupby(keys, dropna=False)["amount_accounting"].sum()
    return {k: int(v) for k, v in sums.items() if int(v)}


# ------------------------------------------------------------------------------- import: reading


def test_read_datev_skips_the_metadata_line_and_keeps_it():
    table = datev.read_datev(EXTF, "b.csv", "cp1252")
    assert table.meta["preamble"] == [METADATA]
    assert table.meta["datev"]["fiscal_year_start"] == "20250701"
    assert table.meta["datev"]["label"] == "Abschluss"
    assert table.columns[0] == "Umsatz (ohne Soll/Haben-Kz)"
    assert table.rows.tolist() == list(range(3, 3 + len(BOOKINGS)))  # header = line 2
    assert [imp.name for imp in importers.candidates(table)] == ["datev"]
    assert importers.get("datev").read_text is datev.read_datev


def test_read_datev_ignores_other_text_and_refuses_other_datev_files():
    assert datev.read_datev("Voucher;Date;Account\nV1;2026-01-01;1000\n", "gl.csv", "utf-8") is None
    assert datev.read_datev("EXTFOO;1\n", "gl.csv", "utf-8") is None
    unquoted = METADATA.replace('"EXTF"', "EXTF") + "\n" + HEADER + "\n" + BOOKINGS[0] + "\n"
    assert datev.read_datev(unquoted, "b.csv", "utf-8") is not None
    labels = '"EXTF";700;20;"Kontenbeschriftungen";3;20260131120000000\nKonto;Kontenbeschriftung\n1000;Kasse\n'
    with pytest.raises(InputError, match=r"Kontenbeschriftungen file .* not a Buchungsstapel"):
        datev.read_datev(labels, "konten.csv", "utf-8")


def test_header_alone_is_recognised_and_damaged_umlauts_match():
    damaged = HEADER.replace("ü", "\ufffd")
    table = read_csv_text(damaged + "\n" + BOOKINGS[0] + "\n", "b.csv", delimiter=";")
    assert datev.detect(table)
    assert datev.find(table)["gegenkonto"] == "Gegenkonto (ohne BU-Schl\ufffdssel)"
    generic = read_csv_text("Voucher,Date,Account,Debit,Credit\nV,2026-01-01,1000,1,\n", "g.csv")
    assert not datev.detect(generic)


# ------------------------------------------------------------------------------- import: mapping


def test_a_booking_is_two_lines_signed_by_the_flag_dated_in_the_fiscal_year():
    _, mapped, lines, found = read(EXTF)
    assert len(lines) == 2 * len(BOOKINGS)
    assert lines["row"].tolist()[:6] == [3, 3, 4, 4, 5, 5]
    assert mapped.frame["is_offset"].tolist()[:4] == [False, True, False, True]
    assert mapped.columns["amount"] == "Umsatz (ohne Soll/Haben-Kz)"
    assert mapped.columns["is_offset"] == "Gegenkonto (ohne BU-Schlüssel)"
    first = lines.iloc[:6]
    assert first["account"].tolist() == ["6400", "2900", "6400", "2900", "6100", "1100"]
    assert first["amount"].tolist() == [150000, -150000, -150000, 150000, 25000, -25000]
    assert first["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-12-31",
        "2025-12-31",
        "2026-01-01",
        "2026-01-01",
        "2026-05-01",
        "2026-05-01",
    ]
    assert first["voucher"].tolist() == ["ABG-1", "ABG-1", "ABG-1R", "ABG-1R", "row-5", "row-5"]
    assert first["journal"].unique().tolist() == ["Abschluss"]
    assert first["Department"].tolist() == ["ADMIN", "ADMIN", "ADMIN", "ADMIN", "PROD", "PROD"]
    assert first["CostCenter"].tolist() == ["", "", "", "", "CC200", "CC200"]
    assert first["text"].tolist()[:2] == ["Prüfungskosten", "Prüfungskosten"]
    errors = found[found["Severity"] == "Error"]  # no Rates here for the USD booking without a Kurs (line 9)
    assert set(zip(errors["Code"], errors["Row"], strict=True)) == {("missing-rate", 9)}


def test_foreign_bookings_take_basis_umsatz_else_the_kurs_else_nothing():
    _, mapped, lines, _ = read(EXTF)
    chf = lines[lines["voucher"] == "AR-8"]
    assert chf[["account", "currency", "amount", "amount_accounting"]].values.tolist() == [
        ["4000", "CHF", -12400, -10000],
        ["1200", "CHF", 12400, 10000],
    ]
    usd = lines[lines["voucher"] == "AR-9"]  # 1087,00 USD at 1,087 USD per EUR
    assert usd["amount_accounting"].tolist() == [100000, -100000]
    unrated = lines[lines["voucher"] == "AR-10"]  # no Kurs: the ledger converts with Rates
    assert unrated["amount_accounting"].isna().all()
    assert mapped.columns["amount_accounting"] == "Basis-Umsatz or Kurs"


def test_bu_keys_stay_in_the_text_and_vat_keys_are_warned():
    _, _, lines, found = read(EXTF)
    assert lines.loc[lines["voucher"] == "row-5", "text"].tolist() == ["Miete Lager [BU 9]"] * 2
    assert lines.loc[lines["voucher"] == "AR-7", "text"].tolist() == ["Erlös [BU 40]"] * 2
    warned = found[found["Code"] == "bad-value"]
    assert codes(warned) == [("Warning", "bad-value", 5, "BU-Schlüssel")]
    assert warned.iloc[0]["Voucher"] == "row-5"
    assert "BU-Schlüssel 9" in warned.iloc[0]["Message"]


def test_vat_split_rule():
    keys = pd.Series(["", "9", "3", "19", "21", "40", "20", "0", "400", "A1"])
    assert datev.vat_split(keys).tolist() == [False, True, True, True, True, False, False, False, False, True]


def test_missing_gegenkonto_is_a_missing_column_and_no_lines():
    header = HEADER.replace("Gegenkonto (ohne BU-Schlüssel);", "")
    row = BOOKINGS[0].replace(";2900;", ";")
    _, _, lines, found = read(METADATA + "\n" + header + "\n" + row + "\n")
    assert codes(found) == [("Error", "missing-column", 2, "Gegenkonto (ohne BU-Schlüssel)")]  # the header line
    assert lines.empty


def test_bad_flag_and_bad_kurs_are_findings_on_the_booking_line():
    rows = [
        BOOKINGS[0].replace('"S"', '"X"'),
        '50,00;"S";"USD";abc;;"";1200;4000;"";1501;"AR-11";"";;"Kurs kaputt";"";""',
    ]
    _, _, lines, found = read(METADATA + "\n" + HEADER + "\n" + "\n".join(rows) + "\n")
    assert codes(found) == [
        ("Error", "bad-value", 3, "Soll/Haben-Kennzeichen"),
        ("Error", "bad-number", 4, "Kurs"),
        ("Error", "missing-rate", 4, "WKZ Umsatz"),  # once for the booking, not once per ledger line
    ]
    assert lines.loc[lines["row"] == 3, "amount"].isna().all()


def test_ttmm_without_a_metadata_line_has_no_year():
    _, _, lines, found = read(HEADER + "\n" + BOOKINGS[0] + "\n")
    assert codes(found) == [("Error", "bad-date", 2, "Belegdatum")]
    assert lines["date"].isna().all()


def test_kost_columns_fill_dimensions_named_kost_first():
    assert datev.kost_dimensions(("Department", "CostCenter", "Project")) == {
        "KOST1": "Department",
        "KOST2": "CostCenter",
    }
    assert datev.kost_dimensions(("Region", "kost2")) == {"KOST2": "kost2"}
    assert datev.kost_dimensions(("Department",)) == {"KOST1": "Department"}
    _, _, lines, _ = read(EXTF, dimensions=("Region", "KOST2"))
    assert lines["Region"].eq("").all()
    assert lines.loc[lines["voucher"] == "row-5", "KOST2"].tolist() == ["CC200", "CC200"]


# ------------------------------------------------------------------------------ import: the close


def test_datev_file_in_sources_validates_to_the_expected_trial_balance(make):
    path = make.file("EXTF_Buchungsstapel.csv", EXTF, encoding="cp1252")
    workbook = make.workbook(Settings=SETTINGS, Periods=PERIODS, Sources=[[path.name, "ledger", "auto"]])
    result = closekit.validate(workbook)
    assert result.ok, codes(result.findings)
    assert result.lines == len(BOOKINGS)
    found = codes(result.findings)
    assert ("Warning", "bad-value", 5, "BU-Schlüssel") in found
    assert ("Info", "format-detected", None, "") in found
    lines = result.ledger.lines
    debit = lines["amount_accounting"].clip(lower=0).groupby(lines["account"]).sum()
    credit = (-lines["amount_accounting"].clip(upper=0)).groupby(lines["account"]).sum()
    tb = {a: (int(debit[a]), int(credit[a])) for a in debit.index}
    assert tb == {
        "1100": (0, 25000),
        "1200": (11900 + 10000 + 100000 + 84732, 0),  # 920 USD at the 2026-01-01 Spot 0.9210 = 847.32
        "2900": (150000, 150000),
        "4000": (0, 11900 + 10000 + 100000 + 84732),
        "6100": (25000, 0),
        "6400": (150000, 150000),
    }
    assert lines.loc[lines["voucher"] == "AR-10", "converted"].all()
    assert lines["text"].str.contains("Prüfung").any()  # Windows-1252 read as such


# -------------------------------------------------------------------------------------- export


def lines_of(text: str) -> list[list[str]]:
    return [line.split(";") for line in text.split("\r\n") if line]


def test_export_writes_an_extf_700_batch_datev_reads():
    export = datev_export.write(adjustments(), context())
    assert len(export.files) == 1
    data = export.files[0]
    assert "Schl\xfcssel".encode("cp1252") in data and b"\r\n" in data
    rows = lines_of(data.decode("cp1252"))
    meta, header, body = rows[0], rows[1], rows[2:]
    assert meta[:6] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13", "20261031000000000"]
    assert meta[10:16] == ["0", "0", "20260101", "4", "20261001", "20261031"]
    assert meta[21] == '"EUR"' and len(meta) == 31
    assert len(header) == 125 and header[:2] == ["Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen"]
    assert header[36:38] == ["KOST1 - Kostenstelle", "KOST2 - Kostenstelle"]
    assert all(len(r) == 125 for r in body)
    assert [r[:11] for r in body] == [
        ["33,00", '"H"', '"EUR"', "", "", "", "1110", "7910", "", "3110", '"REV-2026-10-0001"'],
        ["2400,00", '"S"', '"EUR"', "", "", "", "6900", "6300", "", "3110", '"ALC-2026-10-0001"'],
        ["1600,00", '"S"', '"EUR"', "", "", "", "6900", "6300", "", "3110", '"ALC-2026-10-0001"'],
    ]
    assert [r[36:38] for r in body] == [['""', '""'], ['"SALES"', '"CC100"'], ['"PROD"', '""']]
    assert datev_export.write(adjustments(), context()).files == export.files  # deterministic
    assert exporters.get("datev") is datev_export.EXPORTER


def test_export_warns_where_a_booking_cannot_carry_both_cost_centres():
    export = datev_export.write(adjustments(), context())
    assert codes(export.findings) == [
        ("Warning", "export-limit", 4, "Department"),
        ("Warning", "export-limit", 5, "Department"),
    ]
    assert "ADMIN is not written" in export.findings.iloc[0]["Message"]


def read_back(export, dimensions=DIMENSIONS):
    parts = [read(data.decode("cp1252"), dimensions)[2] for data in export.files]
    return pd.concat(parts, ignore_index=True)


def test_round_trip_keeps_dates_accounts_dimensions_amounts_and_texts():
    rows = [
        ("accrual", "ACR-1", 1, "6400", "SALES", "CC100", "1500.00", "Audit fee October"),
        ("accrual", "ACR-1", 2, "2900", "SALES", "CC100", "-1500.00", "Audit fee October"),
        ("accrual", "ACR-2", 1, "6100", "PROD", "", "-250.00", "Rent correction"),
        ("accrual", "ACR-2", 2, "6200", "PROD", "", "100.00", "Utilities share"),
        ("accrual", "ACR-2", 3, "6300", "PROD", "", "150.00", "IT share"),
    ]
    original = adjustments(rows)
    export = datev_export.write(original, context())
    assert export.findings.empty
    back = read_back(export)
    keys = ["date", "account", *DIMENSIONS]
    assert totals(back, keys) == totals(original, keys)
    assert back["currency"].unique().tolist() == ["EUR"]
    partner = back[~back["account"].isin(["6400", "6100"])]  # the lines booked against an anchor
    assert sorted(zip(partner["account"], partner["text"], strict=True)) == [
        ("2900", "Audit fee October"),
        ("6200", "Utilities share"),
        ("6300", "IT share"),
    ]


def test_round_trip_of_the_close_adjustments_keeps_every_account_total():
    original = adjustments()
    back = read_back(datev_export.write(original, context()))
    assert totals(back, ["date", "account"]) == totals(original, ["date", "account"])
    assert set(back["voucher"]) == set(original["voucher"])


def test_formula_like_text_stays_text():
    rows = [
        ("accrual", "ACR-1", 1, "6400", "", "", "10.00", "=HYPERLINK(evil)"),
        ("accrual", "ACR-1", 2, "2900", "", "", "-10.00", "=HYPERLINK(evil)"),
    ]
    export = datev_export.write(adjustments(rows), context())
    assert b';"\'=HYPERLINK(evil)";' in export.files[0]
    assert export.findings.empty


def limit_rows(**change) -> list[tuple]:
    first = {"voucher": "ACR-1", "account": "6400", "department": "", "amount": "10.00", "text": "Fee"}
    first.update(change)
    return [
        ("accrual", first["voucher"], 1, first["account"], first["department"], "", first["amount"], first["text"]),
        ("accrual", first["voucher"], 2, "2900", "", "", "-" + first["amount"], first["text"]),
    ]


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"text": "x" * 61}, "Text", "Buchungstext has 61 characters"),
        ({"text": "two\nlines"}, "Text", "line break"),
        ({"text": "snow ☃"}, "Text", "Windows-1252 cannot hold"),
        ({"voucher": "V" * 37}, "Voucher", "longer than the 36 characters"),
        ({"voucher": "ACR_1"}, "Voucher", "characters DATEV's Belegfeld 1 does not take"),
        ({"account": "6400.1"}, "Account", "not a DATEV account number"),
        ({"account": "1234567890"}, "Account", "not a DATEV account number"),
        ({"amount": "10000000000.00"}, "AmountAccounting", "more than 10 digits"),
        ({"department": "D" * 37}, "Department", "longer than the 36 characters of DATEV's KOST1"),
    ],
)
def test_each_limit_is_an_export_limit_finding(change, column, message):
    export = datev_export.write(adjustments(limit_rows(**change)), context())
    errors = export.findings[export.findings["Severity"] == "Error"]
    assert codes(errors)[0] == ("Error", "export-limit", 2, column)
    assert message in errors.iloc[0]["Message"]


def test_amount_of_ten_digits_is_fine():
    export = datev_export.write(adjustments(limit_rows(amount="9999999999.99")), context())
    assert export.findings.empty
    assert lines_of(export.files[0].decode("cp1252"))[2][0] == "9999999999,99"


def test_a_third_dimension_has_no_datev_field():
    ctx = dataclasses.replace(context(), dimensions=("Department", "CostCenter", "Project"))
    frame = adjustments(limit_rows())
    frame["Project"] = pd.Series(["P1", ""], dtype="string")
    export = datev_export.write(frame, ctx)
    assert codes(export.findings) == [("Error", "export-limit", 2, "Project")]


def test_vouchers_that_cannot_be_booked_are_refused():
    one = [("accrual", "ACR-1", 1, "6400", "", "", "10.00", "Fee")]
    unbalanced = [*limit_rows(), ("accrual", "ACR-1", 3, "6400", "", "", "1.00", "Fee")]
    assert "does not balance" in datev_export.write(adjustments(one), context()).findings.iloc[0]["Message"]
    assert "does not balance" in datev_export.write(adjustments(unbalanced), context()).findings.iloc[0]["Message"]
    lonely = [
        *one,
        ("accrual", "ACR-1", 2, "2900", "", "", "-10.00", "Fee"),
        ("accrual", "ACR-1", 3, "1000", "", "", "0", ""),
    ]
    export = datev_export.write(adjustments(lonely), context())
    assert export.findings.empty and any("1 line of 0.00 is not written" in n for n in export.notes)
    two_dates = adjustments(limit_rows())
    two_dates.loc[1, "date"] = pd.Timestamp("2026-10-30")
    found = datev_export.write(two_dates, context()).findings
    assert codes(found) == [("Error", "export-limit", 2, "Date")]


def test_one_file_per_fiscal_year():
    frame = adjustments([*limit_rows(), *limit_rows(voucher="ACR-2")])
    frame.loc[2:3, "date"] = pd.Timestamp("2027-01-04")
    export = datev_export.write(frame, context())
    assert len(export.files) == 2
    metas = [lines_of(f.decode("cp1252"))[0] for f in export.files]
    assert [m[12] for m in metas] == ["20260101", "20270101"]
    assert [m[14:16] for m in metas] == [["20261001", "20261031"], ["20270101", "20270131"]]
    assert any("2 fiscal years" in n for n in export.notes)

    export = datev_export.write(frame, dataclasses.replace(context(), fiscal_year_start=7))
    assert len(export.files) == 1
    assert lines_of(export.files[0].decode("cp1252"))[0][12:16] == ["20260701", "4", "20261001", "20270131"]
    back = read_back(export)
    assert sorted(back["date"].dt.strftime("%Y-%m-%d").unique()) == ["2026-10-31", "2027-01-04"]


def test_export_without_lines_is_a_batch_without_bookings():
    export = datev_export.write(adjustments()[:0], context())
    assert len(export.files) == 1 and export.findings.empty
    assert len(lines_of(export.files[0].decode("cp1252"))) == 2


# ---------------------------------------------------------------------------- DATEV's own sample


@pytest.mark.shared
def test_datev_sample_buchungsstapel(make):
    path = SAMPLES / "datev_EXTF_Buchungsstapel.csv"
    if not path.exists():
        pytest.skip(f"shared sample {path} is not present")
    settings = [["AccountingCurrency", "EUR"], ["Period", "2016-03"], ["Dimensions", "KOST1, KOST2"]]
    periods = [[f"2016-{m:02d}", f"2016-{m:02d}-01", f"2016-{m:02d}-{[31, 29, 31][m - 1]}", "Open"] for m in (1, 2, 3)]
    workbook = make.workbook(Settings=settings, Periods=periods, Rates=[], Sources=[[str(path), "ledger", "auto"]])
    result = closekit.validate(workbook)
    lines = result.ledger.lines
    assert result.lines == 38 and len(lines) == 76
    assert result.ledger.sources[0].format == "datev"
    assert Decimal(int(lines["amount"].clip(lower=0).sum())) / 100 == Decimal("260692.56")
    assert int(lines["amount"].sum()) == 0 and int(lines["amount_accounting"].sum()) == 0
    chf = lines[lines["currency"] == "CHF"]
    assert chf[["account", "amount", "amount_accounting"]].values.tolist() == [
        ["21100", -12400, -10000],
        ["8050", 12400, 10000],
    ]
    assert chf["text"].tolist() == ["Umsatz Schweiz"] * 2
    assert lines["date"].min() == pd.Timestamp("2016-01-01") and lines["date"].max() == pd.Timestamp("2016-03-31")
    for key in ("9", "3", "40", "20"):
        assert lines["text"].str.endswith(f"[BU {key}]").any()
    warned = result.findings[(result.findings["Code"] == "bad-value") & (result.findings["Severity"] == "Warning")]
    assert warned["Row"].tolist() == [19, 22, 25, 26, 27]
    assert set(warned["Column"]) == {"BU-Schlüssel"}
    assert not (result.findings["Code"].isin(["unbalanced-voucher", "bad-number", "bad-date", "bad-row"])).any()
    assert set(lines["KOST1"]) >= {"50", "90", "299"} and "889" in set(lines["KOST2"])
