"""Recall lists (lims.services.workflow.recall) and the impact of a bad standard (lims.services.workflow.impact),
on data with known answers."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lims.errors import Conflict, PermissionDenied, ValidationError
from lims.models import Certificate
from lims.services import catalog, standard_calibrations, workflow
from lims.services.inputs import parse
from lims.services.policy import SYSTEM
from lims.services.workflow import impact as standard_impact
from lims.services.workflow import recall
from tests.services.workflow_factory import complete_scale_record, open_scale_record

pytestmark = pytest.mark.usefixtures("english")

TODAY = date(2026, 6, 15)


@pytest.fixture
def fleet(db, lab):
    """Instruments of two businesses with due dates around TODAY (days from TODAY in the serial)."""
    def inst(owner, serial, due_in, status="in_service"):
        return catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
            owner_id=owner.id, type_id=lab.types["scale"].id, serial_number=serial, range_max=60,
            range_unit="kg", resolution=0.01, accuracy_class="III", status=status,
            next_due=None if due_in is None else TODAY + timedelta(days=due_in)))

    a, b = lab.business, lab.other_business
    rows = [inst(a, "A-minus-40", -40), inst(a, "A-minus-1", -1), inst(a, "A-zero", 0), inst(a, "A-plus-30", 30),
            inst(a, "A-plus-31", 31), inst(a, "A-none", None), inst(a, "A-scrapped-minus-5", -5, "scrapped"),
            inst(b, "B-minus-10", -10), inst(b, "B-plus-7", 7), inst(b, "B-plus-90", 90)]
    db.commit()
    return {i.serial_number: i for i in rows}


def serials(rows):
    return [r.serial_number for r in rows]


def test_due_list_for_the_province_and_one_business(db, lab, fleet):
    rows = recall.due_list(db, lab.tech, days=30, today=TODAY)
    # Overdue first (most overdue first), due within 30 days inclusive; scrapped and undated left out.
    assert serials(rows) == ["A-minus-40", "B-minus-10", "A-minus-1", "A-zero", "B-plus-7", "A-plus-30"]
    assert [r.days_left for r in rows] == [-40, -10, -1, 0, 7, 30]
    assert [r.overdue for r in rows] == [True, True, True, False, False, False]
    assert recall.due_counts(db, lab.tech, days=30, today=TODAY) == {"overdue": 3, "due_soon": 3}
    assert recall.overdue_count(db, lab.tech, today=TODAY) == 3
    one = recall.due_list(db, lab.tech, days=30, owner_id=lab.business.id, today=TODAY)
    assert serials(one) == ["A-minus-40", "A-minus-1", "A-zero", "A-plus-30"]
    assert serials(recall.due_list(db, lab.tech, days=30, overdue_only=True, today=TODAY)) == [
        "A-minus-40", "B-minus-10", "A-minus-1"]
    assert serials(recall.due_list(db, lab.tech, days=90, today=TODAY, limit=2, offset=6)) == ["A-plus-31",
                                                                                              "B-plus-90"]
    assert recall.due_by_business(db, lab.tech, days=30, today=TODAY) == [
        (lab.business.id, lab.business.name, 2, 2), (lab.other_business.id, lab.other_business.name, 1, 1)]


def test_a_business_sees_only_its_own_instruments(db, lab, fleet):
    rows = recall.due_list(db, lab.otherbiz, days=30, owner_id=lab.business.id, today=TODAY)
    assert serials(rows) == ["B-minus-10", "B-plus-7"]
    assert recall.due_counts(db, lab.otherbiz, days=365, today=TODAY) == {"overdue": 1, "due_soon": 2}
    with pytest.raises(ValidationError) as exc:
        recall.due_list(db, lab.tech, days=-1, today=TODAY)
    assert exc.value.field == "days"


def test_csv_and_xlsx_exports_hold_the_same_rows(db, lab, fleet):
    rows = list(recall.iter_due(db, lab.tech, days=30, today=TODAY, batch=4))
    assert len(rows) == 6
    text = "".join(recall.export_csv(rows, "en"))
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][:3] == ["Owner", "Tax code", "Instrument type"] and len(table) == 7
    assert table[1][5] == "A-minus-40" and table[1][7] == "2026-05-06" and table[1][8] == "-40"
    assert table[1][9] == "overdue" and table[6][9] == "due soon"
    book = load_workbook(io.BytesIO(recall.export_xlsx(rows, "en")))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 7 and values[1][5] == "A-minus-40" and values[1][8] == -40
    assert values[1][7].date() == date(2026, 5, 6)  # a real date cell
    from lims.i18n import use_language

    with use_language("vi"):
        vi = "".join(recall.export_csv(rows[:1], "vi"))
    assert vi.splitlines()[1].endswith(",quá hạn")


# ---------------------------------------------------------------- impact of a bad standard


def test_impact_lists_what_used_the_standard_since_its_last_good_calibration(db, lab):
    """M1 weights: calibrated 60 days ago (certificate CAL-M1), before that by CAL-M1-OLD. Records on
    day −50 and −20 used it; one on day −70 used it under the older calibration (before the cut-off);
    one on day −10 used only the F1 weights."""
    today = date.today()
    m1, f1 = lab.standards["M1"], lab.standards["F1"]
    # The F1 set's older certificate: U = 0.5 mg (2 g would be more than ⅓ of the MPE at Min, R76-1 3.7.1).
    for std, number, u, unit in ((m1, "CAL-M1-OLD", 2, "g"), (f1, "CAL-F1-OLD", 0.5, "mg")):
        top = lab.national["mass"]
        standard_calibrations.add_standard_calibration(db, SYSTEM, std.id, standard_calibrations.NewStandardCalibration(
            certificate_number=number, lab_id=top.institute_id, national_standard_id=top.id,
            calibration_date=today - timedelta(days=420),
            due_date=today - timedelta(days=55), expanded_uncertainty=u, uncertainty_unit=unit))
    db.commit()

    def record(days_ago, *, approve):
        rec = complete_scale_record(db, lab, open_scale_record(db, lab, work_date=today - timedelta(days=days_ago)))
        if approve:
            workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
            workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
        db.commit()
        return rec

    early = record(70, approve=True)
    assert {rs.calibration.certificate_number for rs in early.standards} == {"CAL-M1-OLD", "CAL-F1-OLD"}
    mid = record(50, approve=True)
    late = record(20, approve=False)
    # Opened by the lab without a request: the scale is in the open request of ``late`` already.
    f1_only = open_scale_record(db, lab, work_date=today - timedelta(days=10), via_request=False)
    workflow.save_record(db, lab.tech, f1_only.id, parse(workflow.SaveRecord, {
        "version_id": f1_only.version_id, "standards": [f1.id],
        "points": [{"seq": p.seq, "readings": [p.nominal]} for p in f1_only.points if p.nominal <= 20]}))
    db.commit()

    impact = standard_impact.impact_of_standard(db, lab.tech, m1.id)
    assert impact.found_bad_on is None and impact.since == today - timedelta(days=60)
    assert [r.number for r in impact.records] == [mid.number, late.number]

    standard_impact.mark_out_of_tolerance(db, lab.reviewer, m1.id, workflow.MarkOutOfTolerance(
        since=today - timedelta(days=5), reason="found 3 g light at the check"))
    db.commit()
    impact = standard_impact.impact_of_standard(db, lab.tech, m1.id)
    assert impact.found_bad_on == today - timedelta(days=5)
    assert impact.last_good.certificate_number == "CAL-M1"
    assert [r.number for r in impact.records] == [mid.number, late.number]
    issued = db.scalars(select(Certificate.number).where(Certificate.record_id == mid.id)).all()
    assert [c.number for c in impact.certificates] == issued and len(issued) == 1
    data = impact.to_dict()
    assert data["last_good_calibration"]["certificate_number"] == "CAL-M1"
    numbers = [r["number"] for r in data["records"]]
    assert numbers == [mid.number, late.number] and f1_only.number not in numbers and early.number not in numbers

    # It can no longer be chosen, and marking it twice is refused.
    assert workflow.standard_problem(m1, today).startswith("out of tolerance since")
    late = db.get(type(late), late.id)
    with pytest.raises(ValidationError):
        workflow.save_record(db, lab.tech, late.id,
                             workflow.SaveRecord(version_id=late.version_id, standards=[f1.id, m1.id]))
    db.rollback()
    with pytest.raises(Conflict):
        standard_impact.mark_out_of_tolerance(db, lab.reviewer, m1.id,
                                              workflow.MarkOutOfTolerance(since=today, reason="x"))
    with pytest.raises(PermissionDenied):
        standard_impact.mark_out_of_tolerance(db, lab.tech, f1.id, workflow.MarkOutOfTolerance(since=today, reason="x"))


def test_marking_needs_a_date_and_a_reason(db, lab):
    with pytest.raises(ValidationError) as exc:
        standard_impact.mark_out_of_tolerance(db, lab.reviewer, lab.standards["F1"].id,
                                              parse(workflow.MarkOutOfTolerance,
                                                    {"since": (date.today() + timedelta(days=1)).isoformat()}))
    assert set(exc.value.errors) == {"since", "reason"}
    db.rollback()
    assert db.get(type(lab.standards["F1"]), lab.standards["F1"].id).status == "in_use"
