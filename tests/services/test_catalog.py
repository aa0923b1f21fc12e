"""Catalog and users services: who may call them, and typed inputs."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lims.errors import PermissionDenied, ValidationError
from lims.i18n import use_language
from lims.models import AuditEvent, Organisation
from lims.services import catalog, users
from lims.services.inputs import parse
from lims.services.policy import SYSTEM


def test_nobody_signed_in_may_do_nothing_and_the_system_may(db):
    with pytest.raises(PermissionDenied):
        catalog.create_organisation(db, None, catalog.NewOrganisation(name="A"))
    with pytest.raises(PermissionDenied):
        users.create_user(db, None, users.NewUser(username="someone", password=users.Password("long enough pw"),
                                                  roles=("technician",)))
    org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="A"))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.create"))
    assert event.actor == "system" and event.actor_id is None and event.entity_id == str(org.id)


def test_a_technician_may_register_instruments_but_not_types(db, make_user):
    tech = make_user("tech", "technician")
    with pytest.raises(PermissionDenied):
        catalog.create_instrument_type(db, tech, catalog.NewInstrumentType(code="C", name_vi="C", quantity="mass",
                                                                          unit="kg"))


def test_a_form_a_json_body_and_the_dataclass_make_the_same_input():
    form = {"owner_id": "1", "type_id": "2", "serial_number": " SN-1 ", "range_max": "60", "range_unit": "kg",
            "resolution": "0,02", "range_min": ""}
    body = {"owner_id": 1, "type_id": 2, "serial_number": "SN-1", "range_max": 60, "range_unit": "kg",
            "resolution": 0.02}
    built = catalog.NewInstrument(owner_id=1, type_id=2, serial_number="SN-1", range_max=60.0, range_unit="kg",
                                  resolution=0.02)
    assert parse(catalog.NewInstrument, form) == parse(catalog.NewInstrument, body) == built


def test_the_parser_names_every_bad_field_and_the_service_the_rules_of_the_database(db):
    with use_language("en"), pytest.raises(ValidationError) as caught:
        parse(catalog.NewInstrumentType, {"code": "", "name_vi": "Cân", "quantity": "weight", "unit": "kg",
                                          "verification_interval_months": "0"})
    assert set(caught.value.errors) == {"code", "quantity", "verification_interval_months"}
    catalog.create_instrument_type(db, SYSTEM, parse(catalog.NewInstrumentType, {
        "code": "CAN", "name_vi": "Cân", "quantity": "mass", "unit": "kg"}))
    with use_language("en"), pytest.raises(ValidationError) as caught:
        catalog.create_instrument_type(db, SYSTEM, parse(catalog.NewInstrumentType, {
            "code": "CAN", "name_vi": "Cân", "quantity": "mass", "unit": "bar", "requires_verification": "on"}))
    assert set(caught.value.errors) == {"code", "unit", "verification_interval_months"}


def test_blank_and_padded_form_values_are_parsed_before_the_service_sees_them(db):
    org = catalog.create_organisation(db, SYSTEM, parse(catalog.NewOrganisation,
                                                        {"name": "  Công ty B  ", "tax_code": ""}))
    assert (org.name, org.tax_code, org.kind) == ("Công ty B", None, "business")
    assert db.scalar(select(Organisation.name)) == "Công ty B"


def test_a_password_is_kept_as_typed(db):
    user = users.create_user(db, SYSTEM, parse(users.NewUser, {
        "username": "ktv.moi", "password": "  spaced out  ", "roles": ["technician"]}))
    assert users.authenticate(db, "ktv.moi", "  spaced out  ") is user
    assert users.authenticate(db, "ktv.moi", "spaced out") is None
