"""A small lab whose office figures are computed by hand (tests/services/test_office.py, the web tests).

Records (verifications; timestamps in UTC):

====  ==========  ======  ==================  ===================  ========  =======
rec   instrument  tech    opened              approved             verdict   status
====  ==========  ======  ==================  ===================  ========  =======
r5    i3 (AP)     lan     2026-02-02 (Mon)    2026-02-03           pass      approved
r1    i1 (CAN)    lan     2026-03-02 (Mon)    2026-03-03           pass      approved
r2    i2 (CAN)    lan     2026-03-04          2026-03-10 (Tue)     pass      approved
r3    i3 (AP)     minh    2026-03-10          2026-03-11           fail      approved
r4    i1 (CAN)    minh    2026-03-15 (Sun)    —                    —         draft
old1  i1          lan     2025-01-10          2025-01-10           pass      approved
old3  i3          lan     2025-05-01          2025-05-01           pass      approved
====  ==========  ======  ==================  ===================  ========  =======

Certificates (request received → issued = turnaround):

* c1 of r1 (request A received 2026-03-01) issued 2026-03-03, valid until 2027-03-03: 2 days;
  amended by c1b issued 2026-03-12 (supersedes c1: not a turnaround).
* c2 of r2 (request B, no received date, filed 2026-03-02 10:00) issued 2026-03-10: 8 days.
* c3 of r3 (request C received 2026-02-25) issued 2026-03-11, no valid_until (failed): 14 days.
* c5 of r5 (request D received 2026-01-30) issued 2026-02-03, valid until 2026-03-20: 4 days.
* c_old1 of i1 issued 2025-01-10, valid until 2025-12-15; c_old3 of i3 issued 2025-05-01, valid
  until 2025-11-15; a revoked c_rev3 of i3 issued 2025-06-01, valid until 2025-09-30 (left out).

The rows are written directly (not through the services), so the office summaries are rebuilt
from them at the end, as after a bulk import.

Overdue (no certificate in force) at month ends 2025-10-31 … 2026-03-31: 0, 1 (i3), 2 (i1, i3), 2,
1 (i1), 1 (i3: its latest dated certificate c5 ended 2026-03-20; the failed c3 has no valid_until).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from lims.models import (
    Certificate,
    Instrument,
    InstrumentType,
    Organisation,
    Procedure,
    Record,
    ServiceRequest,
    ServiceRequestItem,
)
from lims.services import office_summary


def _at(day: str, hour: int = 8) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def make_office_data(db, make_user) -> dict:
    lan = make_user("lan", "technician")
    minh = make_user("minh", "technician")
    biz = Organisation(name="Hữu Nghị", kind="business")
    can = InstrumentType(code="CAN", name_vi="Cân", name_en="Balance", quantity="mass", unit="kg")
    ap = InstrumentType(code="AP", name_vi="Áp kế", name_en="Pressure gauge", quantity="pressure", unit="bar")
    db.add_all([biz, can, ap])
    db.flush()
    proc = Procedure(code="P-OFFICE", title_vi="Quy trình", kind="verification", spec={})
    i1, i2, i3 = (Instrument(owner_id=biz.id, type_id=t.id, serial_number=f"S{n}", range_max=100.0,
                             range_unit=t.unit) for n, t in ((1, can), (2, can), (3, ap)))
    db.add_all([proc, i1, i2, i3])
    db.flush()

    requests = {}
    for key, inst, received, filed in (("A", i1, "2026-03-01", "2026-03-01"), ("B", i2, None, "2026-03-02"),
                                       ("C", i3, "2026-02-25", "2026-02-25"), ("D", i3, "2026-01-30", "2026-01-30")):
        req = ServiceRequest(number=f"YC-{key}", customer_id=biz.id, kind="verification", status="completed",
                             received_date=date.fromisoformat(received) if received else None,
                             created_at=_at(filed, 10))
        req.items.append(ServiceRequestItem(instrument_id=inst.id))
        db.add(req)
        requests[key] = req
    db.flush()

    def record(number, inst, tech, opened, approved, verdict, req=None, status="approved"):
        r = Record(number=number, instrument_id=inst.id, procedure_id=proc.id, kind="verification",
                   technician_id=tech.id, status=status, created_at=_at(opened),
                   approved_at=_at(approved, 15) if approved else None, verdict=verdict,
                   request_item_id=requests[req].items[0].id if req else None)
        db.add(r)
        return r

    r1 = record("R1", i1, lan, "2026-03-02", "2026-03-03", "pass", "A")
    r2 = record("R2", i2, lan, "2026-03-04", "2026-03-10", "pass", "B")
    r3 = record("R3", i3, minh, "2026-03-10", "2026-03-11", "fail", "C")
    record("R4", i1, minh, "2026-03-15", None, None, status="draft")
    r5 = record("R5", i3, lan, "2026-02-02", "2026-02-03", "pass", "D")
    old1 = record("OLD1", i1, lan, "2025-01-10", "2025-01-10", "pass")
    old3 = record("OLD3", i3, lan, "2025-05-01", "2025-05-01", "pass")
    db.flush()

    seq = iter(range(1, 100))

    def cert(rec, inst, issued, valid_until, status="valid", supersedes=None):
        n = next(seq)
        c = Certificate(number=f"GCN-{n}", kind="verification", year=2026, seq=n, record_id=rec.id,
                        instrument_id=inst.id, customer_id=biz.id, issue_date=date.fromisoformat(issued),
                        valid_until=date.fromisoformat(valid_until) if valid_until else None, status=status,
                        supersedes_id=supersedes.id if supersedes else None)
        db.add(c)
        db.flush()
        return c

    c1 = cert(r1, i1, "2026-03-03", "2027-03-03", status="superseded")
    cert(r1, i1, "2026-03-12", "2027-03-03", supersedes=c1)
    cert(r2, i2, "2026-03-10", "2027-03-10")
    cert(r3, i3, "2026-03-11", None)
    cert(r5, i3, "2026-02-03", "2026-03-20")
    cert(old1, i1, "2025-01-10", "2025-12-15")
    cert(old3, i3, "2025-05-01", "2025-11-15")
    cert(old3, i3, "2025-06-01", "2025-09-30", status="revoked")
    office_summary.rebuild(db)  # the rows above were written directly, as a bulk import would
    db.commit()
    return {"lan": lan, "minh": minh, "can": can, "ap": ap}
