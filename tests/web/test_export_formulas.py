"""Issue 11, finding 11 (formula injection): an instrument model ``=HYPERLINK(...)`` became a live
formula in the business's XLSX recall export, and the CSV was unescaped. Text cells starting with
=, +, -, @, tab or CR are now escaped (OWASP); real numbers stay numbers."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from lims.services import catalog
from lims.services.policy import SYSTEM
from lims.services.spreadsheet import csv_cell

MODEL = '=HYPERLINK("http://x","y")'


def add_formula_instrument(db, lab) -> None:
    catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=lab.business.id, type_id=lab.types["scale"].id, serial_number="FORMULA-1", model=MODEL,
        manufacturer="@SUM(A1:A2)", range_max=60, range_unit="kg", resolution=0.01, accuracy_class="III",
        location="-2+3", next_due=date.today() - timedelta(days=4)))
    db.commit()


def row_of(rows, serial):
    return next(r for r in rows if r[5] == serial)


def test_the_csv_recall_export_escapes_formulas(db, lab, client, login):
    """Finding 11: the CSV export wrote =HYPERLINK(...) as it came; now with a quote in front."""
    add_formula_instrument(db, lab)
    login("biz")
    resp = client.get("/recall.csv?lang=en")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    row = row_of(rows, "FORMULA-1")
    assert row[4] == "'" + MODEL and row[3] == "'@SUM(A1:A2)" and row[6] == "'-2+3"
    assert row[8] == "-4"  # a negative number of days is a number, not escaped


def test_the_xlsx_recall_export_writes_formulas_as_text(db, lab, client, login, token_for):
    """Finding 11: the business's XLSX export held a live =HYPERLINK formula; now a quote-prefixed text."""
    add_formula_instrument(db, lab)
    login("biz")
    for data in (client.get("/recall.xlsx").data,
                 client.get("/api/v1/recall/export?format=xlsx", headers=token_for(lab.users["biz"])).data):
        sheet = load_workbook(io.BytesIO(data)).active
        row = next(r for r in sheet.iter_rows(min_row=2) if r[5].value == "FORMULA-1")
        assert row[4].value == MODEL and row[4].data_type == "s" and row[4].quotePrefix
        assert row[3].data_type == "s" and row[6].data_type == "s" and row[6].value == "-2+3"
        assert row[8].value == -4 and row[8].data_type == "n"  # days stay a number


def test_every_formula_start_is_escaped_and_numbers_are_not():
    """Finding 11: =, +, -, @, tab and CR at the start of a text; numbers untouched."""
    for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text
    for value in ("1-2", "a=b", "", -3, 2.5, None):
        assert csv_cell(value) == value
