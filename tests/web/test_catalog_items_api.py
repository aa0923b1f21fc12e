"""GET and PATCH of one organisation, instrument type, reference standard and user (/api/v1).

What each answers: 200 with the entry and its new version_id, 403 for a non-admin's PATCH, 404
for an unknown id, 409 for a stale version_id (nothing changed), 422 naming the field (nothing
changed); withdrawing through PATCH ("active": false) and reactivating a user.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.models import AuditEvent, InstrumentType, Organisation, ReferenceStandard, User


def _events(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def admin(make_user, token_for):
    return token_for(make_user("boss", "admin"))


def _entry(db, lab, kind):
    """(URL, model, id, a valid change, a wrong change and its field) of each kind of entry."""
    return {
        "organisations": (f"/api/v1/organisations/{lab.business.id}", Organisation, lab.business.id,
                          {"name": "Công ty TNHH Cân Việt"}, {"tax_code": "0107654321"}, "tax_code"),
        "instrument-types": (f"/api/v1/instrument-types/{lab.types['dial'].id}", InstrumentType, lab.types["dial"].id,
                             {"name_vi": "Cân đồng hồ lò xo (cân treo)"}, {"unit": "bar"}, "unit"),
        "reference-standards": (f"/api/v1/reference-standards/{lab.standards['P'].id}", ReferenceStandard,
                                lab.standards["P"].id, {"status": "retired"}, {"range_max": -5}, "range_max"),
        "users": (f"/api/v1/users/{lab.tech.id}", User, lab.tech.id, {"job_title": "Kiểm định viên"},
                  {"roles": []}, "roles"),
    }[kind]


KINDS = ["organisations", "instrument-types", "reference-standards", "users"]


def _version(db, model, ident) -> int:
    db.expire_all()
    return db.get(model, ident).version_id


@pytest.mark.parametrize("kind", KINDS)
def test_get_then_patch_with_the_version_read(client, db, lab, admin, kind):
    url, model, ident, good, _bad, _field = _entry(db, lab, kind)
    got = client.get(url, headers=admin)
    assert got.status_code == 200
    version = got.get_json()["version_id"]
    assert version == _version(db, model, ident)
    resp = client.patch(url, headers=admin, json={"version_id": version, **good})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["version_id"] == version + 1
    for name, value in good.items():
        assert body[name] == value


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_version_is_409_and_changes_nothing(client, db, lab, admin, kind):
    url, model, ident, good, _bad, _field = _entry(db, lab, kind)
    version = _version(db, model, ident)
    assert client.patch(url, headers=admin, json={"version_id": version, **good}).status_code == 200
    events = _events(db)
    resp = client.patch(url, headers=admin, json={"version_id": version, **good})
    assert resp.status_code == 409
    body = resp.get_json()
    assert "boss" in body["error"] and body["detail"]["current_version_id"] == version + 1
    assert _version(db, model, ident) == version + 1 and _events(db) == events


@pytest.mark.parametrize("kind", KINDS)
def test_a_wrong_field_is_422_naming_it_and_changes_nothing(client, db, lab, admin, kind):
    url, model, ident, _good, bad, field = _entry(db, lab, kind)
    version, events = _version(db, model, ident), _events(db)
    resp = client.patch(url, headers=admin, json={"version_id": version, **bad})
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["detail"]["fields"]
    assert _version(db, model, ident) == version and _events(db) == events
    missing = client.patch(url, headers=admin, json={**bad})  # no version_id at all
    assert missing.status_code == 422 and "version_id" in missing.get_json()["detail"]["fields"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", ["tech", "reviewer", "biz"])
def test_only_an_admin_patches(client, db, lab, token_for, kind, who):
    url, model, ident, good, _bad, _field = _entry(db, lab, kind)
    version = _version(db, model, ident)
    resp = client.patch(url, headers=token_for(lab.users[who]), json={"version_id": version, **good})
    assert resp.status_code == 403
    assert _version(db, model, ident) == version


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_id_is_404(client, db, lab, admin, kind):
    assert client.get(f"/api/v1/{kind}/999999", headers=admin).status_code == 404
    assert client.patch(f"/api/v1/{kind}/999999", headers=admin, json={"version_id": 1}).status_code == 404


def test_a_business_user_reads_no_organisation_standard_or_user(client, db, lab, token_for):
    biz = token_for(lab.biz)
    for url in (f"/api/v1/organisations/{lab.business.id}", f"/api/v1/reference-standards/{lab.standards['P'].id}",
                f"/api/v1/users/{lab.biz.id}"):
        assert client.get(url, headers=biz).status_code == 403, url


def test_withdrawing_a_type_shows_in_its_answer_and_in_the_list(client, db, lab, admin):
    t = lab.types["scale"]
    resp = client.patch(f"/api/v1/instrument-types/{t.id}", headers=admin,
                        json={"version_id": t.version_id, "active": False})
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    listed = {x["code"]: x["active"] for x in client.get("/api/v1/instrument-types", headers=admin).get_json()}
    assert listed["CAN-KTD"] is False and listed["AP-KE"] is True
    refused = client.post("/api/v1/instruments", headers=admin, json={
        "owner_id": lab.business.id, "type_id": t.id, "serial_number": "NEW-9", "range_max": 30, "range_unit": "kg"})
    assert refused.status_code == 422 and "type_id" in refused.get_json()["detail"]["fields"]


def test_the_lab_cannot_be_withdrawn(client, db, lab, admin):
    org = lab.lab
    resp = client.patch(f"/api/v1/organisations/{org.id}", headers=admin,
                        json={"version_id": org.version_id, "active": False})
    assert resp.status_code == 422
    assert "phòng thí nghiệm" in resp.get_json()["detail"]["fields"]["active"]  # said in Vietnamese by default


def test_an_admin_cannot_remove_their_own_admin_role(client, db, lab, make_user, token_for):
    boss = make_user("boss", "admin")
    make_user("boss2", "admin")
    resp = client.patch(f"/api/v1/users/{boss.id}", headers=token_for(boss),
                        json={"version_id": _version(db, User, boss.id), "roles": ["technician"]})
    assert resp.status_code == 422 and "roles" in resp.get_json()["detail"]["fields"]
    db.expire_all()
    assert "admin" in db.get(User, boss.id).roles


def test_deactivate_then_reactivate(client, db, lab, admin):
    tech = lab.tech
    assert client.post(f"/api/v1/users/{tech.id}/deactivate", headers=admin, json={}).status_code == 200
    resp = client.post(f"/api/v1/users/{tech.id}/reactivate", headers=admin, json={"reason": "đi làm lại"})
    assert resp.status_code == 200 and resp.get_json()["active"] is True
    assert client.post(f"/api/v1/users/{tech.id}/reactivate", headers=admin).status_code == 409
    assert client.post("/api/v1/users/999999/reactivate", headers=admin).status_code == 404


def test_the_new_operations_are_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/organisations/{organisation_id}", "/api/v1/instrument-types/{type_id}",
                 "/api/v1/reference-standards/{standard_id}", "/api/v1/users/{user_id}"):
        ops = doc["paths"][path]
        assert {"get", "patch"} <= set(ops), path
        assert {"200", "403", "404", "409", "422"} <= set(ops["patch"]["responses"]), path
        body = ops["patch"]["requestBody"]["content"]["application/json"]["schema"]
        assert "version_id" in str(body) or "$ref" in body
    assert "post" in doc["paths"]["/api/v1/users/{user_id}/reactivate"]
    schemas = doc["components"]["schemas"]
    assert schemas["OrganisationChange"]["required"] == ["version_id"]
    assert "active" in schemas["InstrumentTypeChange"]["properties"]
