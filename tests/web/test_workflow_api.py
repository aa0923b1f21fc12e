"""The workflow through /api/v1 with bearer tokens: the same rules as the pages, errors as JSON."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from lims.models import Record
from tests.services.workflow_factory import add_due_instruments


@pytest.fixture
def auth(lab, token_for):
    return {name: {**token_for(lab.users[name]), "Accept-Language": "en"} for name in lab.users}


def points_for(record: dict) -> list[dict]:
    readings = {0.2: [0.2], 5.0: [5.0], 20.0: [20.01], 30.0: [30.01], 60.0: [60.01]}
    out = []
    for p in record["points"]:
        if p["test"] in ("weighing", "weighing_down"):  # ΔL = ½e (R76-1 A.4.4.3): E = I − L
            out.append({"seq": p["seq"], "readings": readings[p["nominal"]], "added_load": "5 g"})
        elif p["test"] == "eccentricity":
            out.append({"seq": p["seq"], "readings": [20.0], "added_load": 0.005})
        elif p["test"] == "zero":
            out.append({"seq": p["seq"], "readings": [0.0], "added_load": 0.005})
        elif p["test"] == "discrimination":
            out.append({"seq": p["seq"], "readings": [p["nominal"], p["nominal"] + 0.01]})
        else:
            out.append({"seq": p["seq"], "readings": ["30 kg", "30010 g", 30.0]})
    return out


def test_the_whole_flow_through_the_api(db, lab, client, auth):
    scale = lab.instruments["scale"].id
    resp = client.post("/api/v1/service-requests", json={"kind": "verification", "instrument_ids": [scale]},
                       headers=auth["biz"])
    assert resp.status_code == 201, resp.get_json()
    req = resp.get_json()
    assert req["customer_id"] == lab.business.id and req["status"] == "submitted"
    assert client.get(f"/api/v1/service-requests/{req['id']}", headers=auth["otherbiz"]).status_code == 404
    resp = client.post(f"/api/v1/service-requests/{req['id']}/accept", json={"version_id": req["version_id"]},
                       headers=auth["tech"])
    assert resp.status_code == 200 and resp.get_json()["status"] == "accepted"

    resp = client.post("/api/v1/records", json={"request_item_id": req["items"][0]["id"]}, headers=auth["tech"])
    assert resp.status_code == 201, resp.get_json()
    rec = resp.get_json()
    assert rec["status"] == "draft" and len(rec["points"]) == 19 and rec["points"][0]["unit"] == "kg"
    choices = client.get(f"/api/v1/records/{rec['id']}/standards", headers=auth["tech"]).get_json()
    assert {c["code"]: c["usable"] for c in choices} == {"F1": True, "M1": True}

    body = {"version_id": rec["version_id"], "environment": {"temperature": "23.1 degC", "humidity": 51},
            "standards": [lab.standards["F1"].id, lab.standards["M1"].id], "points": points_for(rec),
            "checks": {key: {"ok": True} for key in ("markings", "seals", "levelling", "zero_indicator", "condition")}}
    resp = client.put(f"/api/v1/records/{rec['id']}", json=body, headers=auth["tech"])
    assert resp.status_code == 200, resp.get_json()
    rec = resp.get_json()
    assert rec["verdict"] == "pass" and rec["results"]["verdict"] == "pass"
    assert rec["points"][15]["readings"] == [30.0, 30.01, 30.0] and rec["points"][1]["added_load"] == 0.005
    assert rec["results"]["points"][3]["mpe"] == {"value": 0.01, "unit": "kg"}

    # The same body again is stale: 409, nothing changes.
    resp = client.put(f"/api/v1/records/{rec['id']}", json=body, headers=auth["tech2"])
    assert resp.status_code == 409 and resp.get_json()["detail"]["current_version_id"] == rec["version_id"]

    resp = client.post(f"/api/v1/records/{rec['id']}/points/6/capture", headers=auth["tech"], json={
        "version_id": rec["version_id"], "port": "mock://mt-sics?weight=60.01kg&capacity=100kg",
        "driver": "mt-sics"})
    assert resp.status_code == 200, resp.get_json()
    rec = resp.get_json()
    assert rec["points"][5]["source"]["raw"] == ["S S      60.01 kg"]

    assert client.post(f"/api/v1/records/{rec['id']}/submit", json={"version_id": rec["version_id"]},
                       headers=auth["tech"]).status_code == 200
    rec = client.get(f"/api/v1/records/{rec['id']}", headers=auth["reviewer"]).get_json()
    resp = client.post(f"/api/v1/records/{rec['id']}/approve", json={"version_id": rec["version_id"]},
                       headers=auth["reviewer"])
    assert resp.status_code == 200 and resp.get_json()["status"] == "approved"
    resp = client.put(f"/api/v1/records/{rec['id']}", json={"version_id": resp.get_json()["version_id"]},
                      headers=auth["tech"])
    assert resp.status_code == 409 and "approved" in resp.get_json()["error"]
    certs = client.get("/api/v1/certificates", headers=auth["biz"]).get_json()
    assert certs["total"] == 1 and certs["items"][0]["record_id"] == rec["id"]


def test_errors_are_json_problems_that_change_nothing(db, lab, client, auth):
    rec = client.post("/api/v1/records", json={"instrument_id": lab.instruments["scale"].id, "kind": "verification"},
                      headers=auth["tech"]).get_json()
    resp = client.put(f"/api/v1/records/{rec['id']}", headers=auth["tech"], json={
        "version_id": rec["version_id"], "points": [{"seq": 1, "readings": ["0.2 bar"]}, {"seq": 99, "readings": [1]}],
        "standards": [lab.standards["T_old"].id]})
    assert resp.status_code == 422
    problem = resp.get_json()
    assert set(problem["detail"]["fields"]) == {"points.1.readings", "points.99", "standards"}
    assert "bar" in problem["detail"]["fields"]["points.1.readings"]
    resp = client.post(f"/api/v1/records/{rec['id']}/points/5/capture", headers=auth["tech"], json={
        "version_id": rec["version_id"], "driver": "mt-sics", "timeout": 1,
        "port": "mock://mt-sics?weight=60.00kg&capacity=100kg&fault=timeout"})
    assert resp.status_code == 502 and "could not be read" in resp.get_json()["error"]
    assert client.post(f"/api/v1/records/{rec['id']}/submit", json={"version_id": rec["version_id"]},
                       headers=auth["tech"]).status_code == 422
    assert client.post(f"/api/v1/records/{rec['id']}/approve", json={"version_id": rec["version_id"]},
                       headers=auth["tech"]).status_code == 403
    assert client.get(f"/api/v1/records/{rec['id']}", headers=auth["biz"]).status_code == 403
    assert client.get(f"/api/v1/records/{rec['id']}").status_code == 401
    assert client.put(f"/api/v1/records/{rec['id']}", data="not json", headers=auth["tech"]).status_code == 422
    db.expire_all()
    assert db.get(Record, rec["id"]).version_id == rec["version_id"]


def test_self_approval_is_refused(db, lab, client, auth):
    from lims.services import workflow
    from tests.services.workflow_factory import complete_scale_record, open_scale_record

    rec = complete_scale_record(db, lab, open_scale_record(db, lab, technician=lab.techrev), technician=lab.techrev)
    workflow.submit_record(db, lab.techrev, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    resp = client.post(f"/api/v1/records/{rec.id}/approve", json={"version_id": rec.version_id},
                       headers=auth["techrev"])
    assert resp.status_code == 403 and rec.number in resp.get_json()["error"]
    resp = client.post(f"/api/v1/records/{rec.id}/return", json={"version_id": rec.version_id, "comment": "redo"},
                       headers=auth["reviewer"])
    assert resp.status_code == 200 and resp.get_json()["status"] == "returned"


def test_recall_and_impact_through_the_api(db, lab, client, auth):
    add_due_instruments(db, lab)
    today = date.today()
    data = client.get("/api/v1/recall?days=30", headers=auth["tech"]).get_json()
    assert (data["overdue"], data["due_soon"]) == (2, 1)
    assert [(i["serial_number"], i["days_left"], i["overdue"]) for i in data["items"]] == [
        ("OVER-1", -3, True), ("OTHER-1", -1, True), ("SOON-1", 10, False)]
    data = client.get(f"/api/v1/recall?owner_id={lab.business.id}", headers=auth["otherbiz"]).get_json()
    assert [i["serial_number"] for i in data["items"]] == ["OTHER-1"]
    by = client.get("/api/v1/recall/by-business", headers=auth["reviewer"]).get_json()["items"]
    assert [(b["owner"], b["overdue"], b["due_soon"]) for b in by] == [(lab.business.name, 1, 1),
                                                                      (lab.other_business.name, 1, 0)]
    resp = client.get("/api/v1/recall/export?format=csv&overdue=true", headers=auth["tech"])
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert resp.status_code == 200 and [r[5] for r in rows[1:]] == ["OVER-1", "OTHER-1"]
    resp = client.get("/api/v1/recall/export?format=xlsx", headers=auth["tech"])
    assert resp.status_code == 200 and resp.data[:2] == b"PK"
    assert client.get("/api/v1/recall/export?format=pdf", headers=auth["tech"]).status_code == 422
    assert client.get("/api/v1/recall?days=-5", headers=auth["tech"]).status_code == 422

    std = lab.standards["M1"].id
    resp = client.post(f"/api/v1/reference-standards/{std}/out-of-tolerance", headers=auth["tech"],
                       json={"since": today.isoformat(), "reason": "x"})
    assert resp.status_code == 403
    resp = client.post(f"/api/v1/reference-standards/{std}/out-of-tolerance", headers=auth["reviewer"],
                       json={"since": today.isoformat(), "reason": "failed the intermediate check"})
    assert resp.status_code == 200
    impact = resp.get_json()
    assert impact["standard"]["status"] == "out_of_tolerance" and impact["found_bad_on"] == today.isoformat()
    assert impact["last_good_calibration"]["certificate_number"] == "CAL-M1" and impact["records"] == []
    assert client.get(f"/api/v1/reference-standards/{std}/impact", headers=auth["tech"]).status_code == 200


def test_the_openapi_description_documents_the_workflow(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/service-requests", "/api/v1/records/{record_id}", "/api/v1/records/{record_id}/approve",
                 "/api/v1/records/{record_id}/points/{seq}/capture", "/api/v1/recall", "/api/v1/recall/export",
                 "/api/v1/reference-standards/{standard_id}/impact"):
        assert path in spec["paths"], path
    assert "put" in spec["paths"]["/api/v1/records/{record_id}"]
