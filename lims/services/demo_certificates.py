"""Demo certificates in every state, and approved records to issue them from.

The seeder issues certificates for approved records that have none (those of the workflow's
own demo, when it ran first), then makes sure the demo shows each state a user meets: a
valid verification certificate, a valid calibration certificate, a superseded one (with the
certificate that replaced it), a revoked one, and a notice of non-conformity for a scale
that failed its verification.

:mod:`lims.services.demo_sample` builds the records and the sample lab; its names are
re-exported here for the tests and the benchmark.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import LimsError, ValidationError
from lims.metrology.r76_tests import CHANGE_POINT_TESTS
from lims.models import (
    Certificate,
    CertificateStatus,
    Instrument,
    OrgKind,
    Procedure,
    Record,
    RecordStatus,
    User,
)
from lims.services import certificates as certs
from lims.services import workflow
from lims.services.demo import DemoContext, seeder
from lims.services.demo_sample import (  # noqa: F401  (re-exported for tests and the benchmark)
    ENVIRONMENT,
    PROCEDURES,
    Point,
    SampleLab,
    approved_record,
    ensure_procedure,
    pressure_points,
    r76_mpe,
    sample_lab,
    scale_points,
)


def _user(session: Session, ctx: DemoContext, username: str, role: str) -> User:
    user = ctx.user_objs.get(username) or session.scalar(select(User).where(User.username == username))
    if user is None:
        user = next(u for u in session.scalars(select(User)) if role in u.roles)
    return user


def scale_entry(inst: Instrument, spec: dict[str, Any], test: str, shown: float) -> dict[str, Any]:
    """What a scale's point adds to its readings: ΔL = ½e of the change-point method (OIML R76-1
    A.4.4.3, so that E = I − L), or the indication after an extra 1.4 d (discrimination, A.4.8.2)."""
    e = inst.scale_interval or inst.resolution or 0.0
    d = inst.resolution or e
    if test == "discrimination":
        return {"readings": [round(shown, 9), round(shown + d, 9)]}
    if spec.get("change_point") and test in CHANGE_POINT_TESTS and abs(d - e) <= 1e-9 * e:
        return {"added_load": round(e / 2, 9)}
    return {}


def record_through_workflow(session: Session, technician: User, reviewer: User, inst: Instrument, kind: str,
                            error_at_max: float, *, work_date: date) -> Record | None:
    """Open, fill, save, submit and approve a record with the workflow's services (which issue its
    certificate). Readings are the nominal values, plus ``error_at_max`` at the top of the range.

    Returns None, having written nothing, when the workflow cannot make this record (no procedure
    for the instrument type, no usable standard, or a reading the procedure refuses).
    """
    procs = [p for p in session.scalars(select(Procedure).where(
        Procedure.active.is_(True), Procedure.kind == kind, Procedure.instrument_type_id == inst.type_id,
    ).order_by(Procedure.id)) if workflow.usable_procedure(p)]
    if not procs:
        return None
    savepoint = session.begin_nested()
    try:
        rec = workflow.open_record(session, technician, workflow.OpenRecord(
            instrument_id=inst.id, kind=kind, procedure_id=procs[0].id, work_date=work_date))
        spec = rec.procedure.spec
        counts = {t["test"]: int(t.get("readings", 1)) for t in spec.get("tests", [])}
        conditions = {"temperature": 24.8, "humidity": 62}
        env = {i["key"]: conditions[i["key"]] for i in spec.get("environment", []) if i["key"] in conditions}
        standards = [std.id for std, problem in workflow.standard_choices(session, rec) if problem is None]
        points = []
        for p in rec.points:
            if p.nominal is None:  # a point to read against a reference: not one this helper can fill
                raise ValidationError(f"Point {p.seq} has no nominal value.", field="points")
            shown = p.nominal + (error_at_max if abs(p.nominal - inst.range_max) < 1e-9 else 0.0)
            points.append({"seq": p.seq, "readings": [round(shown, 9)] * counts.get(p.test, 1),
                           **scale_entry(inst, spec, p.test, shown)})
        rec = workflow.save_record(session, technician, rec.id, workflow.SaveRecord(
            version_id=rec.version_id, environment=env, standards=standards, points=points,
            checks={item["key"]: {"ok": True, "note": ""} for item in spec.get("checks", [])}))
        workflow.submit_record(session, technician, rec.id, workflow.Version(version_id=rec.version_id))
        workflow.approve_record(session, reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    except LimsError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return rec


class _Seeding:
    """The demo's certificate states, made by the reviewer and technician of the demo."""

    def __init__(self, session: Session, ctx: DemoContext, context: certs.CertificateContext) -> None:
        self.session, self.context = session, context
        self.reviewer = _user(session, ctx, "soatxet.minh", "reviewer")
        self.technician = _user(session, ctx, "ktv.lan", "technician")
        self.today = date.today()
        instruments = ctx.instruments or list(session.scalars(select(Instrument).order_by(Instrument.id)))
        self.scales = [i for i in instruments if i.type.quantity == "mass" and i.resolution]
        self.gauges = [i for i in instruments if i.type.quantity == "pressure"]
        self.mass_std = [s for s in ctx.standards.values() if s.quantity == "mass" and s.current_calibration]
        self.pressure_std = [s for s in ctx.standards.values() if s.quantity == "pressure" and s.current_calibration]

    def issue(self, record: Record) -> Certificate:
        return certs.issue_for_record(self.session, self.reviewer, record, context=self.context)

    def issue_missing(self) -> None:
        issued = {r for (r,) in self.session.execute(select(Certificate.record_id))}
        for record in self.session.scalars(select(Record).where(Record.status == RecordStatus.approved.value)
                                           .order_by(Record.id)):
            internal = record.instrument.owner.kind == OrgKind.lab.value  # the lab's own standard: its
            # calibration is recorded with the standard (demo_working_weights), issued to no customer
            if record.id not in issued and record.kind in ("verification", "calibration") and not internal:
                self.issue(record)

    def certificate_of(self, record: Record | None) -> Certificate | None:
        return None if record is None else self.session.scalar(
            select(Certificate).where(Certificate.record_id == record.id))

    def verify(self, inst: Instrument, errors_e: Sequence[float]) -> Certificate:
        e = inst.resolution or 1.0
        work_date = self.today - timedelta(days=2)
        cert = self.certificate_of(record_through_workflow(self.session, self.technician, self.reviewer, inst,
                                                           "verification", errors_e[-1] * e, work_date=work_date))
        if cert is not None:
            return cert
        proc = ensure_procedure(self.session, "verification:mass", inst.type_id)
        return self.issue(approved_record(
            self.session, instrument=inst, procedure=proc, technician=self.technician, reviewer=self.reviewer,
            points=scale_points(inst, errors_e), standards=self.mass_std[:1], kind="verification",
            work_date=work_date))

    def valid(self, kind: str) -> list[Certificate]:
        return [c for c in self.session.scalars(select(Certificate).where(
            Certificate.kind == kind, Certificate.status == CertificateStatus.valid.value).order_by(Certificate.id))
            if not (c.document or {}).get("summary", {}).get("notice")]

    def calibrate_gauge(self) -> None:
        gauge = self.gauges[0]
        work_date = self.today - timedelta(days=1)
        rec = record_through_workflow(self.session, self.technician, self.reviewer, gauge, "calibration", 0.1,
                                      work_date=work_date)
        if rec is None:
            proc = ensure_procedure(self.session, "calibration:pressure", gauge.type_id)
            self.issue(approved_record(
                self.session, instrument=gauge, procedure=proc, technician=self.technician, reviewer=self.reviewer,
                points=pressure_points(gauge, (0.0, 0.05, 0.1, 0.1, 0.15)), standards=self.pressure_std[:1],
                kind="calibration", work_date=work_date, verdict=None, decision_rule={}))

    def every_state(self) -> None:
        """Valid, superseded, revoked and notice of non-conformity; a valid calibration."""
        if not self.scales or not self.mass_std:
            return
        if not self.valid("verification"):
            self.verify(self.scales[0], (0, 0, 1, 1))
        # A verification certificate corrected afterwards: the customer's address was wrong on it.
        first = self.valid("verification")[0]
        certs.amend_certificate(self.session, self.reviewer, first.id, certs.AmendCertificate(
            reason="Sửa địa chỉ khách hàng ghi sai trên giấy chứng nhận số " + first.number,
            reason_en="The customer's address was wrong on certificate no. " + first.number), context=self.context)
        if len(self.scales) > 1:
            # Valid, then revoked: the weights used were found out of tolerance afterwards.
            revoked = self.verify(self.scales[1], (0, 0, 0, 0))
            certs.revoke_certificate(self.session, self.reviewer, revoked.id, certs.RevokeCertificate(
                reason="Quả cân chuẩn sử dụng bị phát hiện vượt dung sai sau khi kiểm định; phải kiểm định lại."))
        if len(self.scales) > 2:
            self.verify(self.scales[2], (0, 1, 2, 4))  # 4 e at Max: fails, a notice of non-conformity
        if not self.valid("calibration") and self.gauges and self.pressure_std:
            self.calibrate_gauge()


@seeder
def seed_certificates(session: Session, ctx: DemoContext) -> None:
    """Issue what approved records lack, then show every state (valid, superseded, revoked, notice).

    Records are made through the workflow (approval issues the certificate) where it can make
    them, else stored directly as the workflow would store them. The demo's transaction is
    committed here and the issued PDFs are written after it.
    """
    context = dataclasses.replace(certs.current_context(), base_url=ctx.base_url.rstrip("/"))
    with certs.use_context(context):  # the workflow's approval issues with the current context
        seeding = _Seeding(session, ctx, context)
        seeding.issue_missing()
        seeding.every_state()
    session.commit()
    certs.write_pending(session)


def demo_states(session: Session) -> dict[str, Any]:
    """Count of certificates per stored status (for checks and the report of ``lims demo``)."""
    out: dict[str, Any] = {s.value: 0 for s in CertificateStatus}
    for (status,) in session.execute(select(Certificate.status)):
        out[status] = out.get(status, 0) + 1
    return out
