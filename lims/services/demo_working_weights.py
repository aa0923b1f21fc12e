"""Demo of an internal calibration: the lab's working weights, calibrated by the lab itself against
its F1 set with an approved calibration record of this system (the record's standards are the
upstream of that calibration; docs/traceability.md). Seeded after the workflow's stories, before the
certificates, so that the scale verifications of the certificate demo use them too.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from lims.services.demo import DemoContext, seeder
from lims.services.demo_standards import demo_standard, working_weights


@seeder
def seed_working_weights(session: Session, ctx: DemoContext) -> None:
    """The working weights QC-CT-01 (one of the lab's instruments) and their internal calibration."""
    assert ctx.lab is not None
    weights_type = ctx.types["QUA-CAN"]
    ctx.standards["QC-CT-01"] = working_weights(
        session, lab=ctx.lab, weights_type_id=weights_type.id, f1=demo_standard(session, "QC-F1-01"),
        technician=ctx.user_objs["ktv.lan"], reviewer=ctx.user_objs["soatxet.minh"], today=date.today())
