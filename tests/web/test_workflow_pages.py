"""The workflow pages: request → record → save (with errors) → submit → review, recall, impact, capture stream."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lims.models import Certificate, Record
from lims.services import workflow
from lims.services.inputs import parse
from tests.services.workflow_factory import PASSING, add_due_instruments, open_scale_record


def form_for(rec, **overrides) -> dict:
    """The record form as the page posts it, filled with passing readings."""
    data = {"version_id": str(rec.version_id), "place": "Kho 1", "work_date": date.today().isoformat(),
            "env-temperature": "23,5", "env-humidity": "55", "remarks": "",
            "standards": [str(rec_std) for rec_std in overrides.pop("standards", [])]}
    ecc = iter(["20", "20,01", "20", "19,99"])
    for p in rec.points:
        if p.test in ("weighing", "weighing_down"):
            readings = "; ".join(str(v) for v in PASSING[p.nominal])
        elif p.test == "eccentricity":
            readings = next(ecc)
        elif p.test == "zero":
            readings = "0"
        elif p.test == "discrimination":  # before and after 1.4 d: up by d (OIML R76-1 A.4.8.2)
            readings = f"{p.nominal:g} {p.nominal + 0.01:g}"
        else:
            readings = "30 30,01 30,01"
        data[f"p-{p.seq}-readings"] = readings
        data[f"p-{p.seq}-nominal"] = str(p.nominal)
        data[f"p-{p.seq}-source"] = ""
        if p.test in ("zero", "weighing", "weighing_down", "eccentricity"):
            data[f"p-{p.seq}-added_load"] = "0,005"  # ΔL = ½e (R76-1 A.4.4.3): E = I − L
    for item in rec.procedure.spec.get("checks", []):
        data[f"check-{item['key']}"] = "ok"
        data[f"check-{item['key']}-note"] = ""
    data.update(overrides)
    return data


def test_a_technician_opens_saves_and_submits_a_record_and_a_reviewer_approves_it(db, lab, client, login):
    req = workflow.create_service_request(db, lab.biz, parse(workflow.NewServiceRequest, {"kind": "verification",
                                                        "instrument_ids": [lab.instruments["scale"].id]}))
    db.commit()
    login("tech")
    page = client.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "QTKĐ-CKTĐ-R76" in page and "Lập biên bản" in page
    resp = client.post(f"/requests/{req.id}/items/{req.items[0].id}/record",
                       data={"procedure_id": lab.procedures["r76"].id})
    assert resp.status_code == 302
    rec_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    rec = db.get(Record, rec_id)
    page = client.get(f"/records/{rec_id}").get_data(as_text=True)
    assert "Biên bản" in page and 'name="p-16-readings"' in page and 'name="p-2-added_load"' in page
    assert 'name="check-markings"' in page  # the checklist of R76-1 A.1
    assert "Đọc số đọc từ cân" in page  # the live capture button of the balance
    assert "PRT" not in page  # only the standards of the procedure's quantity are offered

    # Bad input: nothing is saved, the page says which fields and keeps what was typed.
    bad = form_for(rec, standards=[lab.standards["F1"].id, lab.standards["M1"].id],
                   **{"p-2-readings": "5 L", "env-temperature": "95"})
    resp = client.post(f"/records/{rec_id}", data=bad)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'data-field="points.2.readings"' in page and 'data-field="environment.temperature"' in page
    assert 'value="5 L"' in page
    db.expire_all()
    assert db.get(Record, rec_id).version_id == rec.version_id

    resp = client.post(f"/records/{rec_id}", data=form_for(rec, standards=[lab.standards["F1"].id,
                                                                          lab.standards["M1"].id]))
    assert resp.status_code == 302
    db.expire_all()
    rec = db.get(Record, rec_id)
    assert rec.verdict == "pass" and rec.points[2].readings == [5.0] and rec.environment["temperature"]["value"] == 23.5
    assert rec.points[2].added_load == 0.005 and rec.checks["markings"] == {"ok": True, "note": ""}
    page = client.get(f"/records/{rec_id}").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="error-chart"' in page
    assert page.count('class="mpe"') == 16 and page.count("verdict-pass") == 16  # the 3 discrimination points: no E
    assert 'id="submit"' in page
    svg = client.get(f"/records/{rec_id}/chart.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"

    resp = client.post(f"/records/{rec_id}/submit", data={"version_id": rec.version_id})
    assert resp.status_code == 302
    client.post("/logout")
    login("reviewer")
    page = client.get(f"/records/{rec_id}?lang=en").get_data(as_text=True)
    assert 'id="approve"' in page and "Overall result:" in page and "Simple acceptance" in page
    db.expire_all()
    resp = client.post(f"/records/{rec_id}/approve", data={"version_id": db.get(Record, rec_id).version_id})
    assert resp.status_code == 302
    page = client.get(f"/records/{rec_id}?lang=en").get_data(as_text=True)
    assert 'data-status="approved"' in page and 'id="certificate"' in page
    assert db.scalar(select(Certificate.number).where(Certificate.record_id == rec_id))


def test_a_stale_form_is_refused_with_the_typed_values_kept(db, lab, client, login):
    rec = open_scale_record(db, lab)
    form = form_for(rec, remarks="mine")  # the page as tech opened it
    workflow.save_record(db, lab.tech2, rec.id, workflow.SaveRecord(version_id=rec.version_id, remarks="by tech2"))
    db.commit()
    login("tech")
    resp = client.post(f"/records/{rec.id}", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409 and 'id="conflict"' in page and "tech2" in page
    assert ">mine</textarea>" in page  # nothing typed is lost
    db.expire_all()
    assert db.get(Record, rec.id).remarks == "by tech2"


def test_self_review_is_refused_on_the_page(db, lab, client, login):
    from tests.services.workflow_factory import complete_scale_record

    rec = complete_scale_record(db, lab, open_scale_record(db, lab, technician=lab.techrev), technician=lab.techrev)
    workflow.submit_record(db, lab.techrev, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    login("techrev")
    page = client.get(f"/records/{rec.id}?lang=en").get_data(as_text=True)
    assert 'id="approve"' not in page and "another reviewer must review it" in page
    resp = client.post(f"/records/{rec.id}/approve", data={"version_id": rec.version_id}, follow_redirects=True)
    assert "another reviewer must approve it" in resp.get_data(as_text=True)
    db.expire_all()
    assert db.get(Record, rec.id).status == "submitted"


def test_live_capture_streams_readings_then_the_values(db, lab, client, login):
    rec = open_scale_record(db, lab)
    login("tech")
    resp = client.get(f"/records/{rec.id}/capture?seq=16&target=readings")
    body = resp.get_data(as_text=True)
    assert resp.mimetype == "text/event-stream"
    events = re.findall(r"event: (\w+)\ndata: (.*)\n", body)
    kinds = [e for e, _ in events]
    assert kinds[-1] == "done" and kinds.count("reading") >= 3
    done = json.loads(events[-1][1])
    assert done["values"] == [30.0, 30.0, 30.0] and done["source"]["driver"] == "mt-sics"
    first = json.loads(events[0][1])
    assert first["unit"] == "kg" and first["stable"] is False  # shown while it settles

    # A workstation whose balance times out: a clear message, nothing changed.
    resp = client.post("/workstation", data={
        "balance-port": "mock://mt-sics?weight={nominal}{unit}&fault=timeout&after=1", "balance-driver": "mt-sics",
        "pressure_reference-port": "mock://pace", "pressure_reference-driver": "pace",
        "temperature_reference-port": "mock://hart-152x", "temperature_reference-driver": "hart-152x",
        "thermo_hygrometer-port": "mock://hmt330", "thermo_hygrometer-driver": "hmt330"})
    assert resp.status_code == 302
    body = client.get(f"/records/{rec.id}/capture?seq=5&target=readings&lang=en").get_data(as_text=True)
    events = re.findall(r"event: (\w+)\ndata: (.*)\n", body)
    assert events[-1][0] == "failed" and "could not be read" in json.loads(events[-1][1])["error"]
    db.expire_all()
    assert db.get(Record, rec.id).points[4].readings == [] and db.get(Record, rec.id).version_id == rec.version_id
    resp = client.post("/workstation", data={"balance-port": "http://evil", "balance-driver": "mt-sics"})
    assert resp.status_code == 422


def test_environment_is_read_from_the_thermo_hygrometer(db, lab, client, login):
    rec = open_scale_record(db, lab)
    login("tech")
    data = client.post(f"/records/{rec.id}/environment/read").get_json()
    assert data["environment"]["temperature"]["value"] == 23.1
    assert data["environment"]["humidity"] == {"value": 55.2, "unit": "percent_RH",
                                               "device": "mock://hmt330?temperature=23.1C&rh=55.2"}


def test_recall_page_and_exports(db, lab, client, login):
    add_due_instruments(db, lab)
    login("tech")
    page = client.get("/recall?lang=en").get_data(as_text=True)
    assert re.search(r'id="count-overdue">2<', page) and re.search(r'id="count-due">1<', page)
    assert page.index('data-serial="OVER-1"') < page.index('data-serial="OTHER-1"') < page.index('data-serial="SOON-1"')
    assert "3 days overdue" in page and "in 10 days" in page
    page = client.get(f"/recall?owner_id={lab.business.id}&overdue=1&lang=vi").get_data(as_text=True)
    assert 'data-serial="OVER-1"' in page and 'data-serial="SOON-1"' not in page and "quá hạn 3 ngày" in page
    resp = client.get(f"/recall.csv?owner_id={lab.business.id}&lang=en")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert resp.mimetype == "text/csv" and [r[5] for r in rows[1:]] == ["OVER-1", "SOON-1"]
    book = load_workbook(io.BytesIO(client.get("/recall.xlsx").data))
    assert [r[5] for r in book.active.iter_rows(min_row=2, values_only=True)] == ["OVER-1", "OTHER-1", "SOON-1"]
    assert client.get("/recall?days=abc").status_code == 422

    client.post("/logout")
    login("otherbiz")
    page = client.get(f"/recall?owner_id={lab.business.id}").get_data(as_text=True)
    assert 'data-serial="OTHER-1"' in page and "OVER-1" not in page


def test_impact_page_and_marking_a_standard_out_of_tolerance(db, lab, client, login):
    login("reviewer")
    std = lab.standards["M1"]
    page = client.get(f"/standards/{std.id}/impact?lang=en").get_data(as_text=True)
    assert "Last good calibration: CAL-M1" in page
    resp = client.post(f"/standards/{std.id}/out-of-tolerance", data={"since": "", "reason": ""})
    assert resp.status_code == 422
    resp = client.post(f"/standards/{std.id}/out-of-tolerance",
                       data={"since": date.today().isoformat(), "reason": "failed the check"})
    assert resp.status_code == 302
    page = client.get(f"/standards/{std.id}/impact?lang=en").get_data(as_text=True)
    assert 'id="oot"' in page
    page = client.get("/standards?lang=en").get_data(as_text=True)
    assert "no: out of tolerance since" in page


@pytest.mark.parametrize("user,path,status", [
    ("biz", "/records", 403), ("biz", "/requests", 200), ("biz", "/requests/new", 200), ("biz", "/recall", 200),
    ("reviewer", "/workstation", 403), ("reviewer", "/requests/new", 403), ("tech", "/standards", 200),
])
def test_role_checks(lab, client, login, user, path, status):
    login(user)
    assert client.get(path).status_code == status


def test_a_business_files_a_request_from_its_portal(db, lab, client, login):
    login("biz")
    page = client.get("/requests/new").get_data(as_text=True)
    assert "SC-60" in page and "SC-OTHER" not in page
    resp = client.post("/requests/new", data={"kind": "calibration", "instrument_ids": []})
    assert resp.status_code == 422 and "field-error" in resp.get_data(as_text=True)
    resp = client.post("/requests/new", data={"kind": "calibration",
                                              "instrument_ids": [str(lab.instruments["gauge"].id)]})
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "PG-16" in page and 'id="request-status"' in page
