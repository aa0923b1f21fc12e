"""GET /api/v1/certificates/{id}/traceability and the chain's pages (issue 13, part 1): the graph as
JSON with the reasons in the request's language, the SVG page for the lab and for the certificate's
own customer (404 for another business), the red flag on the record and the reviewer's screen, and
approval refused (409) with the reason shown."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lims.models import Certificate
from lims.services import workflow
from lims.services.policy import SYSTEM
from lims.services.standard_calibrations import NewStandardCalibration, add_standard_calibration
from tests.services.workflow_factory import complete_scale_record, open_scale_record

TODAY = date.today()
VMI_MASS = "national:Viện Đo lường Việt Nam (VMI)|National mass standard"


@pytest.fixture
def issued(db, lab):
    """A verification of the business's scale, approved (its certificate issued) yesterday."""
    rec = complete_scale_record(db, lab, open_scale_record(db, lab, work_date=TODAY - timedelta(days=1)))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    rec = workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    return db.scalar(select(Certificate).where(Certificate.record_id == rec.id))


def _break_m1(db, lab, day):
    """M1's newest certificate, in force from ``day``, entered without its upstream."""
    add_standard_calibration(db, SYSTEM, lab.standards["M1"].id, NewStandardCalibration(
        certificate_number="CAL-M1-NEW", lab_id=lab.national["mass"].institute_id, calibration_date=day,
        due_date=day + timedelta(days=360), expanded_uncertainty=2, uncertainty_unit="g"))
    db.commit()


def test_the_api_answers_the_graph_to_staff_and_to_the_certificates_own_customer(client, token_for, lab, issued):
    url = f"/api/v1/certificates/{issued.id}/traceability"
    for who in ("reviewer", "tech", "biz"):
        resp = client.get(url, headers={**token_for(lab.users[who]), "Accept-Language": "en"})
        assert resp.status_code == 200, (who, resp.get_json())
        body = resp.get_json()
        assert body["reaches_si"] is True and body["breaks"] == []
        assert body["nodes"][0] == {"id": f"result:{issued.number}", "kind": "result", "depth": 0,
                                    "number": issued.number, "work_date": (TODAY - timedelta(days=1)).isoformat()}
        assert body["nodes"][-1]["kind"] == "si"
        kinds = {n["kind"] for n in body["nodes"]}
        assert kinds == {"result", "standard", "calibration", "national", "si"}
        assert {"source": "calibration:CAL-M1", "target": VMI_MASS, "broken": False} in body["edges"]
        m1 = next(n for n in body["nodes"] if n["id"] == "calibration:CAL-M1")
        assert m1["uncertainty"]["value"] == 2 and m1["uncertainty"]["unit"] == "g" and m1["uncertainty"]["k"] == 2


def test_another_business_gets_404_like_the_certificate_itself(client, token_for, lab, issued):
    other = token_for(lab.users["otherbiz"])
    assert client.get(f"/api/v1/certificates/{issued.id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/certificates/{issued.id}/traceability", headers=other).status_code == 404
    assert client.get("/api/v1/certificates/999999/traceability",
                      headers=token_for(lab.users["reviewer"])).status_code == 404


@pytest.mark.parametrize(("lang", "reason"), [
    ("en", "Calibration CAL-M1-NEW names no upstream standard."),
    ("vi", "Giấy chứng nhận hiệu chuẩn CAL-M1-NEW không nêu chuẩn cấp trên."),
])
def test_a_break_found_later_is_answered_with_its_code_node_params_and_reason(client, token_for, db, lab, issued,
                                                                              lang, reason):
    """M1's certificate in force on the work date, entered afterwards without an upstream."""
    _break_m1(db, lab, TODAY - timedelta(days=1))
    resp = client.get(f"/api/v1/certificates/{issued.id}/traceability",
                      headers={**token_for(lab.users["reviewer"]), "Accept-Language": lang})
    body = resp.get_json()
    assert body["reaches_si"] is False
    assert body["breaks"][0] == {"code": "no_upstream", "node": "calibration:CAL-M1-NEW",
                                 "params": {"certificate": "CAL-M1-NEW"}, "reason": reason}
    assert body["breaks"][-1]["code"] == "not_traced_to_si"


def test_the_chain_page_draws_the_svg_for_staff_and_the_customer(client, login, lab, issued):
    login("biz")
    page = client.get(f"/certificates/{issued.id}?lang=en").get_data(as_text=True)
    assert f'href="/certificates/{issued.id}/traceability"' in page
    html = client.get(f"/certificates/{issued.id}/traceability?lang=en").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="traceability-chain"' in html
    assert 'data-reaches-si="yes"' in html and "National mass standard" in html and "Traced to the SI" in html
    assert "<script" not in html.split('class="traceability-chain"')[1].split("</svg>")[0]


def test_another_business_cannot_open_the_chain_page(client, login, lab, issued):
    login("otherbiz")
    assert client.get(f"/certificates/{issued.id}/traceability").status_code == 404


def test_a_broken_chain_is_flagged_on_the_record_and_its_approval_refused_with_the_reason(app, client, login,
                                                                                         token_for, db, lab):
    """The reviewer's screen shows the red flag; pressing Approve is refused, the reason shown, the
    record still submitted."""
    rec = complete_scale_record(db, lab, open_scale_record(db, lab, work_date=TODAY - timedelta(days=1)))
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    _break_m1(db, lab, TODAY - timedelta(days=2))
    login("reviewer")
    html = client.get(f"/records/{rec.id}?lang=en").get_data(as_text=True)
    assert 'id="chain-broken"' in html and "Calibration CAL-M1-NEW names no upstream standard." in html
    assert 'id="approve-chain-broken"' in html
    resp = client.post(f"/records/{rec.id}/approve?lang=en", data={"version_id": rec.version_id},
                       follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert "The traceability chain of record" in text and "CAL-M1-NEW names no upstream standard." in text
    assert 'data-status="submitted"' in text
    api = app.test_client().post(f"/api/v1/records/{rec.id}/approve", json={"version_id": rec.version_id},
                      headers={**token_for(lab.users["reviewer"]), "Accept-Language": "en"})
    assert api.status_code == 409
    assert api.get_json()["detail"]["reasons"][0] == "Calibration CAL-M1-NEW names no upstream standard."
