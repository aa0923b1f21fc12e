"""Correcting and withdrawing organisations and instrument types (lims.services.catalog_edits).

Each refusal names its field and writes nothing (the entry, its version and the audit chain are
as before); a stale version is a 409 naming who changed it; a change writes one audit event with
the changed fields only, before and after; a withdrawn entry is refused for new work and what
refers to it stays.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.errors import Conflict, PermissionDenied, ValidationError
from lims.models import AuditEvent, Instrument, InstrumentType, Organisation
from lims.services import catalog, catalog_edits, workflow
from lims.services.audit_sentences import sentence
from lims.services.policy import SYSTEM
from tests.services.catalog_edit_support import events as _events
from tests.services.catalog_edit_support import refused as _refused

pytestmark = pytest.mark.usefixtures("english")


def _org_row(db, org_id):
    db.expire_all()
    o = db.get(Organisation, org_id)
    return (o.name, o.kind, o.tax_code, o.email, o.active, o.version_id)


def _type_row(db, type_id):
    db.expire_all()
    t = db.get(InstrumentType, type_id)
    return (t.code, t.name_vi, t.quantity, t.unit, t.active, t.version_id)


@pytest.fixture
def admin(make_user):
    return make_user("boss", "admin")


def _org_update(db, actor, org, **given):
    change = catalog_edits.organisation_change(org, {"version_id": org.version_id, **given})
    return catalog_edits.update_organisation(db, actor, org.id, change)


def _type_update(db, actor, itype, **given):
    change = catalog_edits.type_change(itype, {"version_id": itype.version_id, **given})
    return catalog_edits.update_instrument_type(db, actor, itype.id, change)


# ---------------------------------------------------------------- organisations


def test_a_name_correction_audits_only_the_changed_field(db, lab, admin):
    biz = lab.business
    version = biz.version_id
    _org_update(db, admin, biz, name="Công ty TNHH Cân Việt", address=biz.address)
    db.commit()
    assert _org_row(db, biz.id)[0] == "Công ty TNHH Cân Việt" and _org_row(db, biz.id)[5] == version + 1
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.update")).one()
    assert (ev.entity_type, ev.entity_id, ev.actor) == ("organisation", str(biz.id), "boss")
    assert ev.before == {"name": "Công ty Cân Việt"} and ev.after == {"name": "Công ty TNHH Cân Việt"}
    assert sentence("organisation.update", "Boss") == "Boss corrected the organisation"


def test_a_stale_version_is_409_naming_who_changed_it(db, lab, admin):
    biz = lab.business
    read = biz.version_id
    _org_update(db, admin, biz, phone="0243 123 456")
    db.commit()
    before, events = _org_row(db, biz.id), _events(db)
    change = catalog_edits.organisation_change(biz, {"version_id": read, "name": "Late"})
    with pytest.raises(Conflict) as exc:
        catalog_edits.update_organisation(db, admin, biz.id, change)
    db.rollback()
    assert "boss" in exc.value.message and exc.value.detail["current_version_id"] == read + 1
    assert _org_row(db, biz.id) == before and _events(db) == events


def test_the_tax_code_of_another_is_a_field_error(db, lab, admin):
    biz = lab.business
    message = _refused(db, _org_row, biz.id, lambda: _org_update(db, admin, biz, tax_code="0107654321"), "tax_code")
    assert "0107654321" in message
    _refused(db, _org_row, biz.id, lambda: _org_update(db, admin, biz, tax_code="12345"), "tax_code")


def test_the_kind_is_fixed_once_it_has_instruments(db, lab, admin):
    biz = lab.business  # owns SC-60, PG-16, TH-104
    message = _refused(db, _org_row, biz.id, lambda: _org_update(db, admin, biz, kind="lab"), "kind")
    assert "instruments or service requests" in message


def test_the_kind_of_an_organisation_without_instruments_changes_but_not_to_a_second_lab(db, lab, admin):
    empty = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Chi cục TĐC", kind="business"))
    db.commit()
    _refused(db, _org_row, empty.id, lambda: _org_update(db, admin, empty, kind="lab"), "kind")


def test_the_lab_cannot_be_withdrawn(db, lab, admin):
    message = _refused(db, _org_row, lab.lab.id, lambda: _org_update(db, admin, lab.lab, active=False), "active")
    assert "lab" in message


def test_only_an_admin_corrects_an_organisation(db, lab):
    biz = lab.business
    before = _org_row(db, biz.id)
    with pytest.raises(PermissionDenied):
        _org_update(db, lab.tech, biz, name="X")
    db.rollback()
    assert _org_row(db, biz.id) == before


def test_a_withdrawn_organisation_takes_no_new_work_and_keeps_its_instruments(db, lab, admin):
    biz = lab.business
    _org_update(db, admin, biz, active=False)
    db.commit()
    ev = db.scalars(select(AuditEvent).where(AuditEvent.entity_type == "organisation",
                                             AuditEvent.entity_id == str(biz.id))
                    .order_by(AuditEvent.seq.desc())).first()
    assert (ev.action, ev.before, ev.after) == ("organisation.withdraw", {"active": True}, {"active": False})
    with pytest.raises(ValidationError) as exc:
        catalog.create_instrument(db, lab.tech, catalog.NewInstrument(
            owner_id=biz.id, type_id=lab.types["scale"].id, serial_number="NEW-1", range_max=30, range_unit="kg"))
    db.rollback()
    assert "withdrawn" in exc.value.errors["owner_id"]
    with pytest.raises(ValidationError) as exc:  # its own user files for it: refused, with the reason
        workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
            kind="verification", instrument_ids=[lab.instruments["scale"].id]))
    db.rollback()
    assert "withdrawn" in exc.value.errors["customer_id"]
    assert db.scalar(select(func.count()).select_from(Instrument).where(Instrument.owner_id == biz.id)) == 3
    assert [o.name for o in catalog.list_organisations(db, "business", active_only=True)] == ["HTX Rau sạch"]
    _org_update(db, admin, db.get(Organisation, biz.id), active=True)  # reinstated: work again
    db.commit()
    req = workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
        kind="verification", instrument_ids=[lab.instruments["scale"].id]))
    assert req.customer_id == biz.id


def test_a_correction_that_changes_nothing_writes_nothing(db, lab, admin):
    biz = lab.business
    before, events = _org_row(db, biz.id), _events(db)
    _org_update(db, admin, biz, name="Công ty Cân Việt")
    db.commit()
    assert _org_row(db, biz.id) == before and _events(db) == events


# ---------------------------------------------------------------- instrument types


def test_a_type_name_correction_and_its_audit(db, lab, admin):
    scale = lab.types["scale"]
    _type_update(db, admin, scale, name_en="Non-automatic weighing instrument (NAWI)")
    db.commit()
    ev = db.scalars(select(AuditEvent).where(AuditEvent.action == "instrument_type.update")).one()
    assert ev.before == {"name_en": "Non-automatic weighing instrument"}
    assert ev.after == {"name_en": "Non-automatic weighing instrument (NAWI)"}


@pytest.mark.parametrize("given,field", [({"unit": "g"}, "unit"), ({"quantity": "force", "unit": "N"}, "quantity")])
def test_quantity_and_unit_are_fixed_once_instruments_are_registered(db, lab, admin, given, field):
    scale = lab.types["scale"]
    message = _refused(db, _type_row, scale.id, lambda: _type_update(db, admin, scale, **given), field)
    assert "Instruments are registered with this type" in message


def test_the_unit_of_a_type_without_instruments_changes(db, lab, admin):
    dial = lab.types["dial"]  # no instrument of it
    _type_update(db, admin, dial, unit="g")
    db.commit()
    assert _type_row(db, dial.id)[3] == "g"


@pytest.mark.parametrize("given,field", [
    ({"code": "AP-KE"}, "code"),  # the gauge's
    ({"unit": "bar"}, "unit"),  # not a mass unit (checked before it is refused as frozen)
    ({"verification_interval_months": None}, "verification_interval_months"),  # legal control needs one
    ({"verification_interval_months": 0}, "verification_interval_months"),
])
def test_a_wrong_type_field_is_named(db, lab, admin, given, field):
    dial = lab.types["dial"]
    _refused(db, _type_row, dial.id, lambda: _type_update(db, admin, dial, **given), field)


def test_a_withdrawn_type_takes_no_new_instrument_or_request(db, lab, admin):
    scale_type = lab.types["scale"]
    _type_update(db, admin, scale_type, active=False)
    db.commit()
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "instrument_type")
                      .order_by(AuditEvent.seq.desc())).first() == "instrument_type.withdraw"
    with pytest.raises(ValidationError) as exc:
        catalog.create_instrument(db, lab.tech, catalog.NewInstrument(
            owner_id=lab.business.id, type_id=scale_type.id, serial_number="NEW-2", range_max=30, range_unit="kg"))
    db.rollback()
    assert "CAN-KTD" in exc.value.errors["type_id"] and "withdrawn" in exc.value.errors["type_id"]
    with pytest.raises(ValidationError) as exc:
        workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
            kind="verification", instrument_ids=[lab.instruments["scale"].id]))
    db.rollback()
    assert "withdrawn" in exc.value.errors["instrument_ids"]
    # The instrument registered with it is corrected still (its type kept).
    from lims.services import instruments
    inst = db.get(Instrument, lab.instruments["scale"].id)
    instruments.update_instrument(db, lab.tech, inst.id, instruments.change_input(inst, {
        "version_id": inst.version_id, "location": "Kho 2"}))
    db.commit()
    assert db.get(Instrument, inst.id).location == "Kho 2"


def test_a_tax_code_taken_at_the_same_moment_is_a_field_error_not_a_500(db, lab, admin):
    """Another organisation with the tax code, not yet written when the check reads (as when two
    saves race): the unique constraint answers at the write, and the service names the field
    instead of letting the database error through (a 500 before)."""
    biz = lab.business
    change = catalog_edits.organisation_change(biz, {"version_id": biz.version_id, "tax_code": "0109999999"})
    with db.no_autoflush:
        db.add(Organisation(name="Công ty Đến Trước", tax_code="0109999999"))
        with pytest.raises(ValidationError) as exc:
            catalog_edits.update_organisation(db, admin, biz.id, change)
    assert "0109999999" in exc.value.errors["tax_code"]
    db.rollback()
    assert _org_row(db, biz.id)[2] == "0101234567"
