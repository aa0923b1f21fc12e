"""The demo's traceability chains (issue 13, part 1, "The demo"): F1 and M1 calibrated by VMI against
the national kilogram; the working weights calibrated internally against the F1 set by an approved
record of the system; the pressure reference calibrated by QUATEST 1 (VILAS) against VMI's national
pressure standard; one standard, NK-CHUAN-03, whose chain is broken; every issued certificate's
chain reaching the SI."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from certificates.keystore import KeyStore
from lims.i18n import use_language
from lims.models import Certificate, ReferenceStandard
from lims.services import certificates as certs
from lims.services.demo import seed_demo
from lims.services.policy import SYSTEM
from lims.services.traceability_chain import certificate_chain, standard_chain

VMI = "Viện Đo lường Việt Nam (VMI)"


@pytest.fixture
def chains(db, tmp_path):
    """The demo seeded; the chain of every issued certificate and of each standard used today."""
    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="http://127.0.0.1:5000",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx), use_language("en"):
        seed_demo(db, "demo-password-1")
        issued = {c.number: certificate_chain(db, SYSTEM, c.id)[1]
                  for c in db.scalars(select(Certificate).where(Certificate.origin == "issued"))}
        standards = {s.code: standard_chain(db, s, date.today()) for s in db.scalars(select(ReferenceStandard))}
        yield issued, standards


def test_every_issued_demo_certificate_reaches_the_si_one_through_the_internal_calibration(chains):
    """Every issued certificate's chain reaches the SI; a scale certificate's runs result -> QC-CT-01 ->
    its internal calibration (an approved record) -> QC-F1-01 on that day -> VMI's certificate -> the
    national kilogram -> SI."""
    issued, _standards = chains
    assert len(issued) >= 5
    for number, view in issued.items():
        assert view.chain.reaches_si, (number, view.reasons())
    view = next(v for v in issued.values() if any(n.id.startswith("standard:QC-CT-01@") for n in v.chain.nodes))
    internal = next(n for n in view.chain.nodes if n.kind == "calibration" and n.item.standard_code == "QC-CT-01")
    onward = [e.target for e in view.chain.edges if e.source == internal.id]
    assert len(onward) == 1 and onward[0].startswith("standard:QC-F1-01@")
    f1_cal = next(e.target for e in view.chain.edges if e.source == onward[0])
    assert [e.target for e in view.chain.edges if e.source == f1_cal] == \
        [f"national:{VMI}|Chuẩn quốc gia khối lượng (kilôgam)"]
    assert view.chain.nodes[-1].kind == "si"


def test_the_demo_standards_chains_and_the_broken_one(chains):
    """The pressure reference by an accredited lab (QUATEST 1, VILAS) against VMI's national pressure
    standard; F1 and M1 by VMI; NK-CHUAN-03's certificate names no upstream standard: flagged with
    the reason (NK-CHUAN-01's calibration is overdue: no calibration in force today)."""
    _issued, standards = chains
    view = standards["AP-CHUAN-01"]
    assert view.chain.reaches_si
    cal = next(n.item for n in view.chain.nodes if n.kind == "calibration")
    assert (cal.lab.name, cal.lab.accreditation) == ("Trung tâm Kỹ thuật 1 (QUATEST 1)", "VILAS 003")
    assert any(n.id == f"national:{VMI}|Chuẩn quốc gia áp suất (áp kế piston)" for n in view.chain.nodes)
    for code in ("QC-F1-01", "QC-M1-500"):
        f1 = next(n.item for n in standards[code].chain.nodes if n.kind == "calibration")
        assert (f1.lab.name, f1.lab.accreditation) == (VMI, "national metrology institute")
    view = standards["NK-CHUAN-03"]
    assert [b.code for b in view.chain.breaks] == ["no_upstream", "not_traced_to_si"]
    assert view.reasons()[0] == "Calibration QUATEST1-NĐ-2026/0102 names no upstream standard."
    assert sorted(code for code, v in standards.items() if not v.chain.reaches_si) == ["NK-CHUAN-01", "NK-CHUAN-03"]
