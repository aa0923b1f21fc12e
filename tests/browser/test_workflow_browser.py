"""The whole workflow in a real headless browser: a business files a request, a technician opens
the record, reads the thermo-hygrometer and the balance live, types the other readings, saves,
submits; a reviewer approves and the certificate is issued."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lims.models import Certificate, Record
from lims.services.policy import SYSTEM

pytestmark = pytest.mark.browser


@pytest.fixture
def lab(lab, db):
    """The workflow lab, with a set of weights whose calibration is past due."""
    from lims.services import catalog, standard_calibrations

    old = catalog.create_reference_standard(db, SYSTEM, catalog.NewReferenceStandard(
        code="F2-OLD", name="Old F2 weights", quantity="mass", range_min=0.001, range_max=20, range_unit="kg"))
    today = date.today()
    top = lab.national["mass"]
    standard_calibrations.add_standard_calibration(db, SYSTEM, old.id, standard_calibrations.NewStandardCalibration(
        certificate_number="OLD-1", lab_id=top.institute_id, national_standard_id=top.id,
        calibration_date=today - timedelta(days=500),
        due_date=today - timedelta(days=10), expanded_uncertainty=1, uncertainty_unit="mg"))
    db.commit()
    return lab


def test_request_record_live_capture_review_and_approval(page, sign_in, lab, db):
    # The business files the request from its portal.
    sign_in(page, "biz")
    page.click("text=Phiếu yêu cầu")
    page.click("text=Phiếu yêu cầu mới")
    page.check(f"input[name=instrument_ids][value='{lab.instruments['scale'].id}']")
    page.click("button:has-text('Gửi phiếu yêu cầu')")
    page.wait_for_selector("#request-status")
    assert page.inner_text("#request-status") == "đã gửi"
    request_url = page.url
    page.click("text=Đăng xuất")

    # The technician accepts it and opens the record.
    sign_in(page, "tech")
    page.goto(request_url)
    page.click("button:has-text('Tiếp nhận phiếu yêu cầu')")
    page.click("button:has-text('Lập biên bản')")
    page.wait_for_selector("#record-form")
    assert page.inner_text("#record-status") == "bản nháp"
    # A standard past its calibration due date is shown, but cannot be ticked, with the reason.
    old_id = db.scalar(select(type(lab.standards["F1"]).id).where(type(lab.standards["F1"]).code == "F2-OLD"))
    assert page.is_disabled(f"#standards input[value='{old_id}']")
    assert "hết hạn hiệu chuẩn" in page.inner_text("[data-reason='F2-OLD']")

    # Environment from the thermo-hygrometer, readings of point 16 (repeatability) live from the balance.
    page.click("#read-environment")
    page.wait_for_selector("#read-environment[data-done='1']")
    assert page.input_value("#env-temperature") == "23,1" and page.input_value("#env-humidity") == "55,2"
    page.click("#point-16 button.capture")
    page.wait_for_selector("#live-16[data-done='1']")
    live = page.inner_text("#live-16")
    assert "…" in live and "✓" in live  # unstable readings while settling, then stable ones
    assert page.input_value("#rd-16") == "30; 30; 30"
    assert "mt-sics" in page.input_value("#src-16")

    page.check(f"#standards input[value='{lab.standards['F1'].id}']")
    page.check(f"#standards input[value='{lab.standards['M1'].id}']")
    # Zero, loads up and down, eccentricity on 4 positions, each with ΔL = ½e (OIML R76-1 A.4.4.3);
    # discrimination: the indication before and after 1.4 d (A.4.8.2); the checklist (A.1).
    typed = {1: "0", 2: "0,2", 3: "5", 4: "20,01", 5: "30,01", 6: "60,01", 7: "60,01", 8: "30,01", 9: "20,01",
             10: "5", 11: "0,2", 12: "20", 13: "20,01", 14: "20", 15: "19,99"}
    for seq, value in typed.items():
        page.fill(f"#rd-{seq}", value)
        page.fill(f"#dl-{seq}", "0,005")
    for seq, value in {17: "0,2 0,21", 18: "30 30,01", 19: "60 60,01"}.items():
        page.fill(f"#rd-{seq}", value)
    for key in ("markings", "seals", "levelling", "zero_indicator", "condition"):
        page.check(f"input[name='check-{key}'][value='ok']")
    page.click("#save")
    page.wait_for_load_state()
    assert page.locator("#form-errors").count() == 0, page.locator(".field-error").all_inner_texts()
    page.wait_for_selector("#verdict")
    assert page.inner_text("#verdict") == "đạt"
    assert page.locator("svg.error-chart circle.e").count() == 16  # discrimination has no error to draw
    assert page.locator("#results-table tbody tr").count() == 19
    page.click("#submit")
    page.wait_for_selector("#record-status[data-status='submitted']")
    record_url = page.url
    page.click("text=Đăng xuất")

    # The reviewer approves, in English.
    sign_in(page, "reviewer")
    page.goto(record_url + "?lang=en")
    assert "Overall result:" in page.inner_text("#results")
    page.click("#approve")
    page.wait_for_selector("#record-status[data-status='approved']")
    assert page.inner_text("#record-status") == "approved"
    number = page.inner_text("#certificate")
    db.expire_all()
    rec = db.scalar(select(Record).where(Record.status == "approved"))
    assert rec is not None and rec.points[15].source["driver"] == "mt-sics"
    assert db.scalar(select(Certificate.number).where(Certificate.record_id == rec.id)) == number


def test_a_device_fault_and_bad_readings_show_clear_messages_and_change_nothing(page, sign_in, lab, db):
    from tests.services.workflow_factory import open_scale_record

    rec = open_scale_record(db, lab)
    sign_in(page, "tech")
    page.goto("/workstation?lang=en")
    page.fill("#f-balance-port", "mock://mt-sics?weight={nominal}{unit}&fault=garbled")
    page.click("button:has-text('Save')")
    page.goto(f"/records/{rec.id}")
    page.click("#point-5 button.capture")
    # A selector, not wait_for_function: the page's CSP refuses the evaluated string that would need.
    page.wait_for_selector("#caperr-5:not(:empty)")
    assert "mock://mt-sics" in page.inner_text("#caperr-5")
    assert page.input_value("#rd-5") == ""
    page.fill("#rd-5", "60 L")
    page.fill("#env-temperature", "80")
    page.click("#save")
    page.wait_for_selector("#form-errors")
    assert "L" in page.inner_text("[data-field='points.5.readings']")
    assert page.input_value("#rd-5") == "60 L"  # what was typed stays
    db.expire_all()
    assert db.get(Record, rec.id).version_id == rec.version_id
