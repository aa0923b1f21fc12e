"""The office dashboard's fast path (its summaries, lims/services/office_summary.py) gives the
same figures as a straightforward recomputation from the raw rows (tests/services/office_direct.py,
the dashboard's queries before the summaries), on randomised labs and after the services approve,
issue, amend and revoke."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from lims.i18n import use_language
from lims.models import (
    OPEN_END,
    Certificate,
    Instrument,
    InstrumentType,
    OfficeDay,
    OfficeTurnaround,
    Organisation,
    OverdueSpan,
    Procedure,
    Record,
    ServiceRequest,
    ServiceRequestItem,
)
from lims.services import certificates as certs
from lims.services import office, office_summary, workflow
from lims.services.office import Filters
from lims.services.office_summary import overdue_spans
from tests.services.office_direct import direct_table
from tests.services.workflow_factory import complete_scale_record, open_scale_record


@pytest.fixture(autouse=True)
def _english():
    with use_language("en"):
        yield


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randrange((hi - lo).days + 1))


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60), tzinfo=UTC)


def make_random_lab(db, make_user, seed: int) -> list[InstrumentType]:
    """Types, instruments, technicians, records (every status, kind and verdict), requests with and
    without a received date, and certificates (valid, superseded with their amendment, revoked,
    with and without valid-until, some back-dated, some valid until before their issue)."""
    rng = random.Random(seed)
    lo, hi = date(2024, 1, 1), date(2026, 6, 30)
    techs = [make_user(f"kt{seed}_{n}", "technician") for n in range(3)]
    biz = Organisation(name=f"Cơ sở {seed}", kind="business")
    types = [InstrumentType(code=f"T{seed}{n}", name_vi=f"Loại {n}", name_en=f"Type {n}", quantity="mass",
                            unit="kg") for n in range(3)]
    db.add_all([biz, *types])
    db.flush()
    proc = Procedure(code=f"P-R{seed}", title_vi="Quy trình", kind="verification", spec={})
    instruments = [Instrument(owner_id=biz.id, type_id=rng.choice(types).id, serial_number=f"R{seed}-{n}",
                              range_max=10.0, range_unit="kg") for n in range(25)]
    db.add_all([proc, *instruments])
    db.flush()
    seq = iter(range(1, 10_000))
    for n in range(140):
        inst = rng.choice(instruments)
        opened = _day(rng, lo, hi)
        status = rng.choice(["approved"] * 5 + ["draft", "submitted", "returned"])
        approved = opened + timedelta(days=rng.randrange(20)) if status == "approved" else None
        kind = rng.choice(["verification"] * 3 + ["calibration"])
        item_id = None
        if rng.random() < 0.7:
            filed = opened - timedelta(days=rng.randrange(10))
            req = ServiceRequest(number=f"YC-R{seed}-{n}", customer_id=biz.id, kind=kind, status="completed",
                                 received_date=filed + timedelta(days=rng.randrange(4)) if rng.random() < 0.7
                                 else None, created_at=_at(filed, rng))
            req.items.append(ServiceRequestItem(instrument_id=inst.id))
            db.add(req)
            db.flush()
            item_id = req.items[0].id
        rec = Record(number=f"BB-R{seed}-{n}", instrument_id=inst.id, procedure_id=proc.id, kind=kind,
                     technician_id=rng.choice(techs).id, status=status, created_at=_at(opened, rng),
                     approved_at=_at(approved, rng) if approved else None,
                     verdict=rng.choice(["pass", "pass", "fail", "conditional_pass"]) if approved else None,
                     request_item_id=item_id)
        db.add(rec)
        db.flush()
        if approved is None or rng.random() < 0.15:
            continue

        def cert(issued: date, supersedes=None, rec=rec, inst=inst) -> Certificate:
            n = next(seq)
            valid = None if rng.random() < 0.2 else issued + timedelta(days=rng.randrange(-30, 400))
            c = Certificate(number=f"GCN-R{seed}-{n}", kind=rec.kind, year=2026, seq=n, record_id=rec.id,
                            instrument_id=inst.id, customer_id=biz.id, issue_date=issued, valid_until=valid,
                            status=rng.choice(["valid"] * 4 + ["revoked"]),
                            supersedes_id=supersedes.id if supersedes else None)
            db.add(c)
            db.flush()
            return c

        first = cert(approved + timedelta(days=rng.randrange(-3, 5)))
        if rng.random() < 0.2:  # amended: the first is superseded by a later one
            first.status = "superseded"
            cert(first.issue_date + timedelta(days=rng.randrange(1, 60)), supersedes=first)
    office_summary.rebuild(db)
    db.commit()
    return types


def _periods(rng: random.Random, types: list[InstrumentType]) -> list[Filters]:
    out = [Filters(date(2025, 7, 1), date(2026, 6, 30)), Filters(date(2024, 1, 1), date(2026, 12, 31)),
           Filters(date(2026, 3, 15), date(2026, 3, 15))]
    for _n in range(6):
        a = _day(rng, date(2023, 10, 1), date(2026, 9, 30))
        out.append(Filters(a, a + timedelta(days=rng.randrange(1, 500))))
    return out + [Filters(f.date_from, f.date_to, t.id) for f in out[:4] for t in types]


def _assert_agree(db, reviewer, filters: list[Filters]) -> None:
    for f in filters:
        for key in office.TABLES:
            assert office.table(db, reviewer, key, f, "en").rows == direct_table(db, key, f, "en").rows, (key, f)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_summaries_give_the_figures_of_the_raw_rows_on_a_random_lab(db, make_user, seed):
    """Every table, for periods long and short (one day; ones that cut weeks and months) and each
    instrument type, equals its recomputation from the raw rows."""
    types = make_random_lab(db, make_user, seed)
    reviewer = make_user(f"soat{seed}", "reviewer")
    filters = _periods(random.Random(seed), types)
    _assert_agree(db, reviewer, filters)
    # The lab has figures to compare (the check is not of empty tables).
    whole = Filters(date(2024, 1, 1), date(2026, 12, 31))
    assert sum(r[2] for r in office.table(db, reviewer, "weekly", Filters(date(2026, 4, 1), date(2026, 6, 30))).rows)
    assert office.table(db, reviewer, "turnaround", whole).rows
    assert any(n for _d, n in office.table(db, reviewer, "overdue", whole).rows)


def test_overdue_spans_by_hand():
    """Certificates (issued, valid until) of one instrument → the days with none in force."""
    d = date.fromisoformat
    # Valid to 2025-12-15, renewed 2026-03-03: overdue 2025-12-16 … 2026-03-02, then after 2027-03-03.
    assert overdue_spans([(d("2026-03-03"), d("2027-03-03")), (d("2025-01-10"), d("2025-12-15"))]) == [
        (d("2025-12-16"), d("2026-03-02")), (d("2027-03-04"), OPEN_END)]
    # A renewal before the end leaves no gap; a later certificate valid for less does not shorten
    # the one in force; one without valid-until changes nothing.
    assert overdue_spans([(d("2025-01-01"), d("2025-12-31")), (d("2025-12-01"), d("2026-12-31")),
                          (d("2026-02-01"), d("2026-03-01")), (d("2026-05-01"), None)]) == [
        (d("2027-01-01"), OPEN_END)]
    # Valid until before its own issue date: overdue from the issue date on.
    assert overdue_spans([(d("2026-01-10"), d("2026-01-01"))]) == [(d("2026-01-10"), OPEN_END)]
    # Two on the same day: the later valid-until counts; none dated: never overdue.
    assert overdue_spans([(d("2026-01-10"), d("2026-02-01")), (d("2026-01-10"), d("2026-05-01"))]) == [
        (d("2026-05-02"), OPEN_END)]
    assert overdue_spans([(d("2026-01-10"), None)]) == []


def _summaries(db) -> dict:
    return {
        "day": sorted(db.execute(select(OfficeDay.day, OfficeDay.type_id, OfficeDay.technician_id, OfficeDay.approved,
                                        OfficeDay.verifications, OfficeDay.passed)).all()),
        "turnaround": sorted(db.execute(select(OfficeTurnaround.day, OfficeTurnaround.type_id, OfficeTurnaround.days,
                                               OfficeTurnaround.certificates)).all()),
        "spans": sorted(db.execute(select(OverdueSpan.instrument_id, OverdueSpan.start_day,
                                          OverdueSpan.end_day)).all()),
    }


def _kept_equals_rebuilt(db) -> dict:
    kept = _summaries(db)
    office_summary.rebuild(db)
    assert _summaries(db) == kept
    return kept


def test_the_services_keep_the_summaries_through_approve_amend_and_revoke(db, lab, ctx):
    """After each approval (which issues), amendment (which supersedes) and revocation, the kept
    summaries equal the ones rebuilt from the raw rows, and the tables equal the direct ones."""
    today = date.today()
    f = Filters(today - timedelta(days=400), today + timedelta(days=400))
    recs = []
    for _n in range(2):
        rec = complete_scale_record(db, lab, open_scale_record(db, lab))
        workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
        workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
        db.commit()
        recs.append(rec)
    kept = _kept_equals_rebuilt(db)
    scale_type = lab.instruments["scale"].type_id
    assert kept["day"] == [(today, scale_type, lab.tech.id, 2, 2, 2)]
    assert sum(n for *_k, n in kept["turnaround"]) == 2  # both were opened from a request
    _assert_agree(db, lab.reviewer, [f])

    first = db.scalar(select(Certificate).where(Certificate.record_id == recs[0].id))
    certs.amend_certificate(db, lab.reviewer, first.id, certs.AmendCertificate(reason="Sửa tên khách hàng"))
    db.commit()
    kept = _kept_equals_rebuilt(db)
    assert sum(n for *_k, n in kept["turnaround"]) == 2  # an amendment is not a turnaround
    scale = lab.instruments["scale"].id
    assert kept["spans"] == [(scale, first.valid_until + timedelta(days=1), OPEN_END)]
    _assert_agree(db, lab.reviewer, [f, Filters(f.date_from, f.date_to, scale_type)])

    # Revoke every valid certificate of the instrument: only the superseded one stays (not revoked).
    for c in db.scalars(select(Certificate).where(Certificate.status == "valid")).all():
        certs.revoke_certificate(db, lab.reviewer, c.id, certs.RevokeCertificate(reason="Cấp nhầm khách hàng"))
    db.commit()
    kept = _kept_equals_rebuilt(db)
    assert kept["spans"] == [(scale, first.valid_until + timedelta(days=1), OPEN_END)]
    _assert_agree(db, lab.reviewer, [f])


def test_a_revocation_reopens_the_gap_it_closed(db, lab, ctx):
    """An instrument whose only certificate is revoked is judged, as one never certified here, by
    its due date as the recall list has it (:func:`office_summary.registered_due`: overdue from the
    day after it, or from its registration if later), and one whose renewal is revoked is overdue
    again from the end of the earlier one."""
    rec = complete_scale_record(db, lab, open_scale_record(db, lab))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    scale = lab.instruments["scale"].id
    cert = db.scalar(select(Certificate).where(Certificate.record_id == rec.id))
    assert _summaries(db)["spans"] == [(scale, cert.valid_until + timedelta(days=1), OPEN_END)]
    certs.revoke_certificate(db, lab.reviewer, cert.id, certs.RevokeCertificate(reason="Cấp nhầm khách hàng"))
    db.commit()
    inst = db.get(Instrument, scale)
    start = max(inst.created_at.date(), inst.next_due + timedelta(days=1))
    assert _kept_equals_rebuilt(db)["spans"] == [(scale, start, OPEN_END)]


def test_an_instrument_registered_overdue_counts_in_the_trend_as_on_the_recall_list(db, lab, ctx):
    """An instrument registered with the due date of the business's earlier certificate and no
    certificate in this system (the demo's five overdue instruments) is overdue from the day after
    that date, or from its registration if that is later — as the recall list and the business's
    dashboard say (before, the office's trend counted it on no day: 0 against their 5). Registered
    on day R with due date R − 10: one span from R on; due R + 20: from R + 21 on; once a certificate
    is issued here, only the certificates count."""
    from lims.services import catalog
    from lims.services.policy import SYSTEM

    def register(serial: str, due: date) -> Instrument:
        return catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
            owner_id=lab.business.id, type_id=lab.types["scale"].id, serial_number=serial, range_min=0,
            range_max=30, range_unit="kg", resolution=0.01, scale_interval=0.01, accuracy_class="III",
            next_due=due))

    today = date.today()
    late, soon = register("REG-LATE", today - timedelta(days=10)), register("REG-SOON", today + timedelta(days=20))
    db.commit()
    kept = _kept_equals_rebuilt(db)
    registered_on = {i.id: i.created_at.date() for i in (late, soon)}
    assert (late.id, registered_on[late.id], OPEN_END) in kept["spans"]
    assert (soon.id, max(registered_on[soon.id], today + timedelta(days=21)), OPEN_END) in kept["spans"]
    _assert_agree(db, lab.reviewer, [Filters(today - timedelta(days=40), today + timedelta(days=40))])
