"""Requests only for what the lab can do: a type without an active procedure for the kind of work is
neither offered by the request form nor accepted by the service or the API (nothing is created)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.errors import ValidationError
from lims.i18n import use_language
from lims.models import Procedure, ServiceRequest
from lims.services import workflow

VI_VERIFICATION = "Trung tâm chưa có quy trình kiểm định cho loại phương tiện này"
EN_VERIFICATION = "The lab has no verification procedure for this instrument type"


def _requests(db) -> int:
    return db.scalar(select(func.count()).select_from(ServiceRequest))


def test_the_service_refuses_a_kind_of_work_the_type_has_no_procedure_for(db, lab):
    gauge, thermometer = lab.instruments["gauge"], lab.instruments["thermometer"]
    before = _requests(db)
    with use_language("en"), pytest.raises(ValidationError) as exc:
        workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
            kind="verification", instrument_ids=[gauge.id]))
    message = exc.value.errors["instrument_ids"]
    assert message.startswith(EN_VERIFICATION) and "PG-16" in message
    with use_language("vi"), pytest.raises(ValidationError) as exc:
        workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
            kind="verification", instrument_ids=[lab.instruments["scale"].id, thermometer.id]))
    message = exc.value.errors["instrument_ids"]
    assert message.startswith(VI_VERIFICATION) and "TH-104" in message
    with use_language("en"), pytest.raises(ValidationError) as exc:
        workflow.create_service_request(db, lab.tech, workflow.NewServiceRequest(
            customer_id=lab.business.id, kind="calibration", instrument_ids=[lab.instruments["scale"].id]))
    message = exc.value.errors["instrument_ids"]
    assert message.startswith("The lab has no calibration procedure for this instrument type")
    assert _requests(db) == before  # nothing created
    req = workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
        kind="calibration", instrument_ids=[gauge.id, thermometer.id]))
    assert [i.instrument_id for i in req.items] == [gauge.id, thermometer.id]


def test_a_deactivated_procedure_closes_its_type_to_requests(db, lab):
    scale = lab.instruments["scale"]
    assert scale.type_id in workflow.serviceable_type_ids(db, "verification")
    for proc in db.scalars(select(Procedure).where(Procedure.instrument_type_id == scale.type_id)):
        proc.active = False
    db.flush()
    assert scale.type_id not in workflow.serviceable_type_ids(db, "verification")
    before = _requests(db)
    with pytest.raises(ValidationError):
        workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
            kind="verification", instrument_ids=[scale.id]))
    assert _requests(db) == before


@pytest.mark.parametrize(("lang", "reason"), [("en", EN_VERIFICATION), ("vi", VI_VERIFICATION)])
def test_the_api_refuses_with_422_and_the_reason(db, lab, client, token_for, lang, reason):
    headers = {**token_for(lab.biz), "Accept-Language": lang}
    before = _requests(db)
    resp = client.post("/api/v1/service-requests", json={"kind": "verification",
                                                         "instrument_ids": [lab.instruments["gauge"].id]},
                       headers=headers)
    assert resp.status_code == 422
    body = resp.get_json()
    assert reason in body["error"] + str(body["detail"])
    assert _requests(db) == before


def _checkbox(serial_id: int) -> str:
    return f'name="instrument_ids" value="{serial_id}"'


def test_the_form_offers_only_instruments_with_a_procedure_for_the_kind(db, lab, client, login):
    login("biz")
    scale, gauge = lab.instruments["scale"].id, lab.instruments["gauge"].id
    page = client.get("/requests/new?kind=verification&lang=en").get_data(as_text=True)
    assert _checkbox(scale) in page and _checkbox(gauge) not in page
    assert EN_VERIFICATION in page and "PG-16" in page  # said why the gauge is not offered
    page = client.get("/requests/new?kind=calibration&lang=vi").get_data(as_text=True)
    assert _checkbox(gauge) in page and _checkbox(scale) not in page
    assert "Trung tâm chưa có quy trình hiệu chuẩn cho loại phương tiện này" in page
    before = _requests(db)
    resp = client.post("/requests/new?lang=vi", data={"kind": "verification", "instrument_ids": [str(gauge)]})
    assert resp.status_code == 422 and VI_VERIFICATION in resp.get_data(as_text=True)
    assert _requests(db) == before


def test_staff_form_for_a_customer_lists_by_kind(db, lab, client, login):
    login("tech")
    page = client.get(f"/requests/new?customer_id={lab.business.id}&kind=calibration").get_data(as_text=True)
    assert _checkbox(lab.instruments["gauge"].id) in page and _checkbox(lab.instruments["thermometer"].id) in page
    assert _checkbox(lab.instruments["scale"].id) not in page


def test_every_demo_request_is_for_work_the_lab_has_a_procedure_for(db, tmp_path):
    from certificates.keystore import KeyStore
    from lims.services import certificates as certs
    from lims.services.demo import seed_demo

    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="http://127.0.0.1:5000",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        seed_demo(db, "demo-password-1")
    requests = db.scalars(select(ServiceRequest)).all()
    assert requests
    for req in requests:
        allowed = workflow.serviceable_type_ids(db, req.kind)
        assert all(item.instrument.type_id in allowed for item in req.items), req.number
