"""Admin pages: lists, create forms that name the wrong field, CSRF, languages."""
from __future__ import annotations

from sqlalchemy import func, select

from lims.models import Instrument, InstrumentType, Organisation


def _seed(db):
    from lims.services import catalog
    from lims.services.policy import SYSTEM

    org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Công ty Hữu Nghị"))
    itype = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="CAN", name_vi="Cân không tự động", name_en="Non-automatic weighing instrument",
        quantity="mass", unit="kg", requires_verification=True, verification_interval_months=12))
    db.commit()
    return org, itype


def test_create_instrument_through_the_form(db, make_user, login):
    org, itype = _seed(db)
    make_user("tech", "technician")
    client = login("tech")
    resp = client.post("/admin/instruments/new", data={
        "owner_id": org.id, "type_id": itype.id, "serial_number": "A-1", "range_min": "0",
        "range_max": "60", "range_unit": "kg", "resolution": "0,02", "status": "in_service"})
    assert resp.status_code == 302
    page = client.get("/admin/instruments").get_data(as_text=True)
    assert "A-1" in page and "0 … 60\u00a0kg" in page


def test_form_error_marks_the_field_and_writes_nothing(db, make_user, login):
    org, itype = _seed(db)
    make_user("tech", "technician")
    client = login("tech")
    resp = client.post("/admin/instruments/new?lang=vi", data={
        "owner_id": org.id, "type_id": itype.id, "serial_number": "A-1", "range_min": "0",
        "range_max": "60", "range_unit": "bar", "status": "in_service"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'class="field invalid"' in html and "không dùng để đo" in html
    assert 'value="A-1"' in html  # what the user typed is kept
    assert db.scalar(select(func.count()).select_from(Instrument)) == 0


def test_pages_in_english_on_request(db, make_user, login):
    _seed(db)
    make_user("boss", "admin")
    client = login("boss")
    vi = client.get("/admin/instrument-types").get_data(as_text=True)
    assert "Loại phương tiện đo" in vi and "Cân không tự động" in vi and "12 tháng" in vi
    en = client.get("/admin/instrument-types?lang=en").get_data(as_text=True)
    assert "Instrument types" in en and "Non-automatic weighing instrument" in en and "12 months" in en
    # remembered for the session
    assert "Instrument types" in client.get("/admin/instrument-types").get_data(as_text=True)


def test_create_user_with_roles_from_the_form(db, make_user, login):
    make_user("boss", "admin")
    client = login("boss")
    resp = client.post("/admin/users/new", data={"username": "ktv.moi", "password": "short", "roles": ["technician"]})
    assert resp.status_code == 422 and "8" in resp.get_data(as_text=True)
    resp = client.post("/admin/users/new", data={"username": "ktv.moi", "password": "long enough pw",
                                                 "roles": ["technician", "reviewer"]})
    assert resp.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"username": "ktv.moi", "password": "long enough pw"}).status_code == 302


def test_wrong_password_is_refused(make_user, client):
    make_user("tech", "technician")
    resp = client.post("/login", data={"username": "tech", "password": "nope"})
    assert resp.status_code == 401


def test_csrf_token_is_required_for_forms(app, db, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("boss", "admin")
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"username": "boss", "password": "correct horse battery"}).status_code == 400
    token = login_page.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post("/login", data={"username": "boss", "password": "correct horse battery", "csrf_token": token})
    assert resp.status_code == 302
    before = db.scalar(select(func.count()).select_from(Organisation))
    assert client.post("/admin/organisations/new", data={"name": "X"}).status_code == 400
    assert db.scalar(select(func.count()).select_from(Organisation)) == before


def test_login_redirect_only_to_this_site(make_user, client):
    make_user("tech", "technician")
    resp = client.post("/login?next=https://evil.example/", data={"username": "tech",
                                                                  "password": "correct horse battery"})
    assert resp.headers["Location"].endswith("/dashboard")


def test_instrument_type_list_is_readable_by_staff_but_not_creatable(db, make_user, login):
    _seed(db)
    make_user("rev", "reviewer")
    client = login("rev")
    page = client.get("/admin/instrument-types").get_data(as_text=True)
    assert "CAN" in page and "/admin/instrument-types/new" not in page
    assert db.scalar(select(func.count()).select_from(InstrumentType)) == 1
