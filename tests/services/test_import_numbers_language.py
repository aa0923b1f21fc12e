"""An imported file's numbers are read in the plain notation whatever the page's language: an XLSX
number cell of 1.005 (a float, written "1.005" for the services) is 1.005 on a Vietnamese page too,
where a person's "1.005" would be refused as reading two ways. Without it the import refused it."""
from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from lims.i18n import use_language
from lims.models import Instrument
from lims.services import catalog
from lims.services.imports import run_import
from lims.services.policy import SYSTEM


def test_an_xlsx_number_cell_is_read_as_it_is_on_a_vietnamese_page(db):
    catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Trung tâm KT TĐC", kind="lab"))
    catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Công ty Hữu Nghị", kind="business",
                                                                    tax_code="0101234567"))
    catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="NAWI", name_vi="Cân không tự động", name_en="Non-automatic weighing instrument", quantity="mass",
        unit="kg", requires_verification=True, verification_interval_months=12))
    db.flush()
    book = Workbook()
    sheet = book.active
    sheet.append(["owner", "type_code", "serial_number", "range_max", "range_unit", "resolution"])
    sheet.append(["0101234567", "NAWI", "SN-1", 1005.5, "kg", 1.005])
    data = io.BytesIO()
    book.save(data)
    with use_language("vi"):
        result = run_import(db, SYSTEM, "instruments", "f.xlsx", data.getvalue(), dry_run=False)
    assert result.ok, [e.as_dict() for e in result.errors]
    inst = db.scalars(select(Instrument)).one()
    assert (inst.range_max, inst.resolution) == (1005.5, 1.005)
