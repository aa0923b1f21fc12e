"""The top of the demo's traceability chains: its calibration labs and VMI's national standards.

VMI (Viện Đo lường Việt Nam) is a national metrology institute keeping the national standards of
mass, pressure and temperature; QUATEST 1 an accredited calibration lab (its VILAS number is the
demo's, not a statement about the real lab). Both are made once, when first asked for.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import NationalStandard, Organisation
from lims.services import standard_calibrations
from lims.services.policy import SYSTEM

VMI = "Viện Đo lường Việt Nam (VMI)"
QUATEST1 = "Trung tâm Kỹ thuật 1 (QUATEST 1)"
#: The demo's calibration labs: (accreditation, national metrology institute).
LABS = {VMI: ("", True), QUATEST1: ("VILAS 003", False)}
#: VMI's national standards the demo's chains end at, by quantity: (name, CMC / KCDB reference).
NATIONAL_STANDARDS = {
    "mass": ("Chuẩn quốc gia khối lượng (kilôgam)", "KCDB: VN, mass, 1 kg (demo)"),
    "pressure": ("Chuẩn quốc gia áp suất (áp kế piston)", "KCDB: VN, pressure, gas 0–7 MPa (demo)"),
    "temperature": ("Chuẩn quốc gia nhiệt độ (ITS-90)", "KCDB: VN, thermometry, SPRT (demo)"),
}


def calibration_lab(session: Session, name: str) -> Organisation:
    """A demo calibration lab (made once): VMI, a national metrology institute; QUATEST 1, accredited."""
    accreditation, national = LABS[name]
    return standard_calibrations.calibration_lab_named(session, SYSTEM, name, accreditation=accreditation,
                                                       national_institute=national)


def national_standard(session: Session, quantity: str) -> NationalStandard:
    """VMI's national standard of ``quantity`` (made once)."""
    vmi = calibration_lab(session, VMI)
    name, kcdb = NATIONAL_STANDARDS[quantity]
    found = session.scalar(select(NationalStandard).where(NationalStandard.institute_id == vmi.id,
                                                          NationalStandard.name == name))
    return found or standard_calibrations.create_national_standard(
        session, SYSTEM, standard_calibrations.NewNationalStandard(institute_id=vmi.id, name=name, quantity=quantity,
                                                                  kcdb_ref=kcdb))
