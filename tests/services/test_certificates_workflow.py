"""Certificates issued by the workflow's approval carry exactly what the record stored.

The record is made, saved (which computes it), submitted and approved through
``lims.services.workflow``; the certificate is then compared, number by number, with the
record's stored points (DESIGN.md: numbers on a certificate are computed once, stored with
the record, and rendered; the PDF never recomputes them).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from certificates.hashing import sha256_file
from lims.metrology import reporting
from lims.models import Certificate
from lims.services import certificates as certs
from lims.services import workflow
from lims.services.certificates.document import add_months
from tests.services.workflow_factory import complete_scale_record, open_scale_record


def approve(db, lab, rec) -> Certificate:
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    certs.write_pending(db)
    return db.scalar(select(Certificate).where(Certificate.record_id == rec.id))


def stored(value: float) -> Decimal:
    return Decimal(format(value, ".12g"))


def test_a_scale_verification_certificate_repeats_the_record_number_for_number(db, lab, ctx):
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    cert = approve(db, lab, rec)
    doc = certs.document_of(cert)
    assert cert.number == f"{date.today().year}-KD-000001" and cert.valid_until == add_months(date.today(), 12)
    assert cert.stamp_number and sha256_file(ctx.instance_path / cert.pdf_path) == cert.pdf_sha256
    assert [s.title.en for s in doc.results] == ["Zero-setting accuracy", "Weighing test",
                                                 "Weighing test, decreasing loads", "Eccentricity test",
                                                 "Repeatability test", "Discrimination test"]
    rows = [row for section in doc.results for row in section.rows]
    assert len(rows) == len(rec.points)
    for point, row in zip(rec.points, rows, strict=True):  # rounded once, by lims.metrology.reporting
        if point.test == "discrimination":  # R76-1 A.4.8: a change of the indication, not an error
            assert row.error is None and point.verdict == "pass"
            continue
        resolution = lab.instruments["scale"].resolution
        assert row.nominal.value == stored(point.nominal).quantize(Decimal("0.01"))
        assert row.indication.value == reporting.round_to_places(point.indication, 3)  # one more than d
        places = reporting.result_places(point.uncertainty)
        assert row.error.value == reporting.round_to_places(point.error, places) and row.error.unit == "kg"
        assert row.uncertainty.expanded.value == reporting.round_uncertainty(point.uncertainty)
        assert row.uncertainty.k == Decimal(f"{point.coverage_factor:.2f}")
        assert resolution == 0.01
        assert row.uncertainty.coverage_probability == stored(rec.results["coverage_probability"])
        assert row.mpe.value == stored(point.mpe) and row.verdict.value == point.verdict
    # Repeatability: the spread of the three readings, 30.01 − 30.00 = 0.01 kg, is printed with the row.
    repeatability = next(row for point, row in zip(rec.points, rows, strict=True) if point.test == "repeatability")
    assert repeatability.label.en.endswith("max − min = 0.01\u00a0kg")
    assert doc.conformity.decision_rule.vi == rec.results["decision_rule"]["text_vi"]
    assert [s.certificate_number for s in doc.reference_standards] == ["CAL-F1", "CAL-M1"]
    assert {e.quantity.en: (str(e.value.value), e.value.unit) for e in doc.environment} == {
        "Temperature": ("23.5", "degC"), "Relative humidity": ("55", "percent")}
    assert doc.authorised_by.name == lab.reviewer.full_name and doc.performed_by.name == lab.tech.full_name
    assert doc.customer.name == "Công ty Cân Việt" and doc.method.code == "QTKĐ-CKTĐ-R76"


def test_a_pressure_gauge_certificate_has_its_hysteresis_table(db, lab, ctx):
    """EN 837-1 class 1.6 on 0–16 bar: MPE 0.256 bar; falling 8.3 bar against rising 8.1 bar at 8 bar."""
    rec = workflow.open_record(db, lab.tech, workflow.OpenRecord(instrument_id=lab.instruments["gauge"].id,
                                                                 kind="calibration"))
    shown = {("rising", 8.0): 8.1, ("falling", 8.0): 8.3}
    rec = workflow.save_record(db, lab.tech, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, environment={"temperature": 22}, standards=[lab.standards["P"].id],
        points=[{"seq": p.seq, "readings": [shown.get((p.test, p.nominal), p.nominal)]} for p in rec.points]))
    cert = approve(db, lab, rec)
    doc = certs.document_of(cert)
    assert cert.number.endswith("-HC-000001") and cert.valid_until is None and cert.stamp_number is None
    assert [s.title.en for s in doc.results] == ["Rising pressure", "Falling pressure"]
    assert all(row.uncertainty is not None for s in doc.results for row in s.rows)
    remark = next(r for r in doc.remarks if "Hysteresis" in r.en)
    assert "8.0 bar: 0.2 bar (MPE ±0.256 bar, pass)" in remark.en  # to the gauge's resolution, 0.1 bar
    assert "8,0 bar: 0,2 bar (MPE ±0,256 bar, đạt)" in remark.vi
