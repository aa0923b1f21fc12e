"""Correcting reference standards (lims.services.standard_edits) and users (lims.services.user_edits).

Each refusal names its field and writes nothing; a stale version is a 409; a change writes one
audit event with the changed fields only; a retired standard is offered for no new record and
refused when sent; the last active administrator keeps the role and stays active.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lims.errors import Conflict, PermissionDenied, ValidationError
from lims.models import AuditEvent, ReferenceStandard, User
from lims.services import standard_edits, user_edits, users, workflow
from lims.services.audit_sentences import sentence
from tests.services.catalog_edit_support import refused as _refused
from tests.services.workflow_factory import complete_scale_record, open_scale_record

pytestmark = pytest.mark.usefixtures("english")


def _std_row(db, std_id):
    db.expire_all()
    s = db.get(ReferenceStandard, std_id)
    return (s.code, s.name, s.quantity, s.range_min, s.range_max, s.range_unit, s.status, s.version_id)


def _user_row(db, user_id):
    db.expire_all()
    u = db.get(User, user_id)
    return (u.full_name, u.email, u.language, tuple(sorted(u.roles)), u.organisation_id, u.active, u.version_id)


@pytest.fixture
def admin(make_user):
    return make_user("boss", "admin")


def _std_update(db, actor, std, **given):
    change = standard_edits.standard_change(std, {"version_id": std.version_id, **given})
    return standard_edits.update_reference_standard(db, actor, std.id, change)


def _user_update(db, actor, user, **given):
    change = user_edits.user_change(user, {"version_id": user.version_id, **given})
    return user_edits.update_user(db, actor, user.id, change)


# ---------------------------------------------------------------- reference standards


def test_a_standard_correction_audits_the_changed_fields(db, lab, admin):
    m1 = lab.standards["M1"]
    _std_update(db, admin, m1, name="Bộ quả cân M1 1–500 kg", serial_number="QC-0042")
    db.commit()
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "reference_standard.update")).one()
    assert ev.before == {"name": "Standard M1", "serial_number": ""}
    assert ev.after == {"name": "Bộ quả cân M1 1–500 kg", "serial_number": "QC-0042"}
    assert sentence("reference_standard.update", "Boss") == "Boss corrected the reference standard"


def test_the_range_unit_is_fixed_once_a_record_used_the_standard(db, lab, admin):
    complete_scale_record(db, lab, open_scale_record(db, lab))  # uses F1 and M1
    f1 = lab.standards["F1"]
    message = _refused(db, _std_row, f1.id, lambda: _std_update(db, admin, f1, range_max=20000, range_unit="g"),
                       "range_unit")
    assert "Records used this standard" in message
    # Its range within the same unit stays correctable.
    _std_update(db, admin, f1, range_max=25)
    db.commit()
    assert _std_row(db, f1.id)[4] == 25.0


def test_the_quantity_is_fixed_once_calibrated(db, lab, admin):
    p = lab.standards["P"]  # calibrated, used by no record
    message = _refused(db, _std_row, p.id, lambda: _std_update(db, admin, p, quantity="force", range_unit="N"),
                       "quantity")
    assert "Calibrations" in message


def test_the_code_of_another_standard_is_a_field_error(db, lab, admin):
    p = lab.standards["P"]
    _refused(db, _std_row, p.id, lambda: _std_update(db, admin, p, code="M1"), "code")
    _refused(db, _std_row, p.id, lambda: _std_update(db, admin, p, status="lost"), "status")
    _refused(db, _std_row, p.id, lambda: _std_update(db, admin, p, range_max=-1), "range_max")


def test_a_stale_standard_version_is_409(db, lab, admin):
    p = lab.standards["P"]
    read = p.version_id
    _std_update(db, admin, p, model="CPG1500")
    db.commit()
    before = _std_row(db, p.id)
    with pytest.raises(Conflict):
        standard_edits.update_reference_standard(
            db, admin, p.id, standard_edits.standard_change(p, {"version_id": read, "model": "X"}))
    db.rollback()
    assert _std_row(db, p.id) == before


def test_a_retired_standard_is_not_offered_and_is_refused(db, lab, admin):
    rec = open_scale_record(db, lab)
    offered = [s.code for s, _problem in workflow.standard_choices(db, rec)]
    assert offered == ["F1", "M1"]
    _std_update(db, admin, lab.standards["M1"], status="retired")
    db.commit()
    assert [s.code for s, _problem in workflow.standard_choices(db, rec)] == ["F1"]
    with pytest.raises(ValidationError) as exc:
        complete_scale_record(db, lab, rec)
    db.rollback()
    assert "M1 cannot be used: retired" in exc.value.errors["standards"]


def test_out_of_tolerance_by_correction_dates_it_today_and_back_in_use_clears_it(db, lab, admin):
    p = lab.standards["P"]
    _std_update(db, admin, p, status="out_of_tolerance")
    db.commit()
    assert db.get(ReferenceStandard, p.id).out_of_tolerance_since == date.today()
    _std_update(db, admin, db.get(ReferenceStandard, p.id), status="in_use")
    db.commit()
    assert db.get(ReferenceStandard, p.id).out_of_tolerance_since is None
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "reference_standard.update")
                    .order_by(AuditEvent.seq.desc())).first()
    assert ev.before == {"status": "out_of_tolerance", "out_of_tolerance_since": date.today().isoformat()}
    assert ev.after == {"status": "in_use", "out_of_tolerance_since": None}


def test_only_an_admin_corrects_a_standard(db, lab):
    p = lab.standards["P"]
    with pytest.raises(PermissionDenied):
        _std_update(db, lab.tech, p, name="X")


# ---------------------------------------------------------------- users


def test_a_user_correction_audits_the_changed_fields(db, lab, admin):
    tech = lab.tech
    version = tech.version_id
    _user_update(db, admin, tech, full_name="Nguyễn Thị Lan", job_title="Kiểm định viên", email="lan@tdc.gov.vn",
                 language="en", roles=["technician", "reviewer"])
    db.commit()
    assert _user_row(db, tech.id) == ("Nguyễn Thị Lan", "lan@tdc.gov.vn", "en", ("reviewer", "technician"),
                                      lab.lab.id, True, version + 1)
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert ev.before == {"full_name": "Tech", "job_title": "", "email": "", "language": None,
                         "roles": ["technician"]}
    assert ev.after == {"full_name": "Nguyễn Thị Lan", "job_title": "Kiểm định viên", "email": "lan@tdc.gov.vn",
                        "language": "en", "roles": ["reviewer", "technician"]}


def test_a_change_of_roles_alone_raises_the_version(db, lab, admin):
    """Roles are rows of their own: without the service raising it, the user's version stayed, and a
    form read before the change could save over it."""
    tech = lab.tech
    read = tech.version_id
    _user_update(db, admin, tech, roles=["technician", "reviewer"])
    db.commit()
    assert _user_row(db, tech.id)[-1] == read + 1
    with pytest.raises(Conflict):
        user_edits.update_user(db, admin, tech.id, user_edits.user_change(tech, {"version_id": read,
                                                                                 "full_name": "Late"}))
    db.rollback()


@pytest.mark.parametrize("given,field", [
    ({"roles": []}, "roles"),
    ({"roles": ["wizard"]}, "roles"),
    ({"roles": ["business"], "organisation_id": None}, "organisation_id"),
    ({"organisation_id": 99999}, "organisation_id"),
    ({"email": "lan.tdc.gov.vn"}, "email"),
    ({"language": "fr"}, "language"),
])
def test_a_wrong_user_field_is_named(db, lab, admin, given, field):
    tech = lab.tech
    _refused(db, _user_row, tech.id, lambda: _user_update(db, admin, tech, **given), field)


def test_an_admin_cannot_remove_their_own_admin_role(db, lab, admin, make_user):
    make_user("boss2", "admin")
    message = _refused(db, _user_row, admin.id, lambda: _user_update(db, admin, admin, roles=["technician"]), "roles")
    assert "your own administrator role" in message


def test_the_last_active_admin_keeps_the_role_and_stays_active(db, lab, admin, make_user):
    other = make_user("boss2", "admin")
    users.deactivate_user(db, admin, other.id, users.DeactivateUser())
    db.commit()
    # Another admin (boss2, deactivated) does not count: boss is the last active one.
    from lims.services.policy import SYSTEM
    message = _refused(db, _user_row, admin.id, lambda: _user_update(db, SYSTEM, admin, roles=["technician"]),
                       "roles")
    assert "last active administrator" in message
    with pytest.raises(ValidationError) as exc:
        users.deactivate_user(db, SYSTEM, admin.id, users.DeactivateUser())
    db.rollback()
    assert "last active administrator" in exc.value.message
    assert db.get(User, admin.id).active


def test_a_withdrawn_organisation_is_not_given_to_a_user(db, lab, admin):
    from lims.services import catalog_edits
    other = lab.other_business
    catalog_edits.update_organisation(db, admin, other.id, catalog_edits.organisation_change(
        other, {"version_id": other.version_id, "active": False}))
    db.commit()
    biz = lab.biz
    message = _refused(db, _user_row, biz.id, lambda: _user_update(db, admin, biz, organisation_id=other.id),
                       "organisation_id")
    assert "withdrawn" in message
    _user_update(db, admin, db.get(User, lab.otherbiz.id), full_name="Chị Hoa")  # kept, not newly given: fine
    db.commit()


def test_reactivate_lets_a_deactivated_user_sign_in_again(db, lab, admin):
    from tests.helpers import PASSWORD
    tech = lab.tech
    users.deactivate_user(db, admin, tech.id, users.DeactivateUser(reason="nghỉ phép"))
    db.commit()
    assert users.authenticate(db, "tech", PASSWORD) is None
    user_edits.reactivate_user(db, admin, tech.id, user_edits.ReactivateUser(reason="đi làm lại"))
    db.commit()
    assert users.authenticate(db, "tech", PASSWORD) is not None
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.reactivate")).one()
    assert ev.before == {"active": False} and ev.after == {"active": True, "reason": "đi làm lại"}
    with pytest.raises(Conflict):
        user_edits.reactivate_user(db, admin, tech.id, user_edits.ReactivateUser())
    with pytest.raises(PermissionDenied):
        user_edits.reactivate_user(db, lab.reviewer, tech.id, user_edits.ReactivateUser())
