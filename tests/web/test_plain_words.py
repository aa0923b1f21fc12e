"""People read words, not identifiers: the submit checklist names fields as the form labels them,
the history reads as sentences, the certificate page names the lab as issuer and the approver, and
HTTP errors speak the page's language (never werkzeug's stock English)."""
from __future__ import annotations

import re

import pytest

from lims.errors import FieldErrors, ValidationError
from lims.field_labels import field_label
from lims.i18n import use_language
from lims.models import AuditEvent, Record
from lims.services import audit_sentences, workflow
from tests.services.workflow_factory import open_scale_record

STOCK = ("not found on the server", "permission to access", "Method Not Allowed", "The method is not allowed")


def _missing_list(page: str) -> str:
    match = re.search(r'<ul id="missing">(.*?)</ul>', page, re.S)
    assert match, "no checklist on the page"
    return match.group(1)


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", ("Nhiệt độ môi trường: ", "Điểm 1 – số đọc: ", "Chuẩn đo lường: ")),
    ("en", ("Ambient temperature: ", "Point 1 – readings: ", "Reference standards: ")),
])
def test_the_submit_checklist_names_the_fields_as_the_form_labels_them(db, lab, client, login, lang, words):
    rec = open_scale_record(db, lab)
    login("tech")
    checklist = _missing_list(client.get(f"/records/{rec.id}?lang={lang}").get_data(as_text=True))
    for word in words:
        assert word in checklist
    assert "environment.temperature:" not in checklist and "points.1.readings:" not in checklist
    assert 'data-field="points.1.readings"' in checklist  # programs still find the field by its path


def test_submitting_an_incomplete_record_names_the_field_and_changes_nothing(db, lab):
    rec = open_scale_record(db, lab)
    with use_language("en"), pytest.raises(ValidationError) as caught:
        workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    assert caught.value.message.startswith("The record is not complete: Ambient temperature: ")
    assert "environment.temperature" in caught.value.errors
    db.rollback()
    assert db.get(Record, rec.id).status == "draft" and db.get(Record, rec.id).version_id == rec.version_id


def test_field_errors_name_the_label_in_the_message_and_the_path_in_the_fields():
    errors = FieldErrors()
    errors.fail("points.3.reference_value", "Must not be negative.")
    with use_language("vi"), pytest.raises(ValidationError) as caught:
        errors.done()
    assert caught.value.message == "Điểm 3 – giá trị chuẩn: Must not be negative."
    assert caught.value.errors == {"points.3.reference_value": "Must not be negative."}


def test_field_labels_read_the_checklist_titles_of_the_procedure():
    spec = {"checks": [{"key": "markings", "title_vi": "Ghi nhãn", "title_en": "Markings"}]}
    with use_language("en"):
        assert field_label("checks.markings", spec) == "Markings"
        assert field_label("checks.markings.note", spec) == "Markings – note"
        assert field_label("environment.humidity") == "Relative humidity"
        assert field_label("points.12") == "Point 12"
    with use_language("vi"):
        assert field_label("checks.markings", spec) == "Ghi nhãn"
        assert field_label("work_date") == "Ngày thực hiện"


def test_the_record_history_reads_as_sentences_with_the_full_name(db, lab, client, login):
    rec = open_scale_record(db, lab)
    login("tech")
    vi = client.get(f"/records/{rec.id}?lang=vi").get_data(as_text=True)
    history = re.search(r'<details id="history">(.*?)</details>', vi, re.S).group(1)
    assert "Tech mở biên bản" in history and 'data-action="record.open"' in history
    assert "— record.open" not in history and "— tech —" not in history
    en = client.get(f"/records/{rec.id}?lang=en").get_data(as_text=True)
    assert "Tech opened the record" in re.search(r'<details id="history">(.*?)</details>', en, re.S).group(1)


def test_an_unknown_action_reads_as_a_generic_sentence_never_its_internal_name(db, lab):
    event = AuditEvent(seq=1, actor_id=lab.tech.id, actor="tech", action="record.teleport", entity_type="record",
                       entity_id="1", prev_hash="", hash="")
    with use_language("en"):
        (line,) = audit_sentences.history(db, [event])
    assert line.text == "Tech changed this item" and "teleport" not in line.text


def test_the_certificate_page_names_the_lab_as_issuer_and_the_approver(issued, client, login):
    login("reviewer1")
    for lang, issuer, approver in (("vi", "Đơn vị cấp", "Người phê duyệt"), ("en", "Issuing body", "Approved by")):
        page = client.get(f"/certificates/{issued.cert.id}?lang={lang}").get_data(as_text=True)
        facts = page.split('<details class="technical"', 1)
        assert len(facts) == 2, "the signing key is kept in the technical details"
        assert f"<dt>{issuer}</dt><dd data-fact=\"issuer\">{issued.cert.document['summary']['laboratory']}" in facts[0]
        assert f"<dt>{approver}</dt><dd data-fact=\"approver\">" in facts[0]
        assert "Khóa ký" not in facts[0] and "Signing key" not in facts[0]
        assert issued.cert.signing_key_id in facts[1]
    en = client.get(f"/certificates/{issued.cert.id}?lang=en").get_data(as_text=True)
    assert "Reviewer1 issued the certificate" in en


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", "Trang hoặc mục này không tồn tại."), ("en", "This page or item does not exist."),
])
def test_a_missing_page_and_api_item_speak_the_page_language(client, login, lab, lang, expected):
    login("tech")
    page = client.get(f"/no-such-page?lang={lang}")
    assert page.status_code == 404 and expected in page.get_data(as_text=True)
    api = client.get(f"/api/v1/no-such-collection?lang={lang}")
    assert api.status_code == 404 and api.get_json()["error"].startswith(expected)
    for text in (page.get_data(as_text=True), api.get_data(as_text=True)):
        assert not any(stock in text for stock in STOCK)


def test_a_wrong_method_and_a_forbidden_page_speak_vietnamese(client, login, lab):
    login("biz")
    forbidden = client.get("/records?lang=vi")
    assert forbidden.status_code == 403
    assert "Bạn không có quyền" in forbidden.get_data(as_text=True)
    wrong = client.delete("/api/v1/records?lang=vi")
    assert wrong.status_code == 405
    assert wrong.get_json()["error"].startswith("Không thể thực hiện thao tác theo cách này")
    assert not any(stock in forbidden.get_data(as_text=True) + wrong.get_data(as_text=True) for stock in STOCK)


def test_reading_errors_on_the_record_page_speak_vietnamese_with_units_as_people_write_them(db, lab, client, login):
    from tests.web.test_workflow_pages import form_for

    rec = open_scale_record(db, lab)
    login("tech")
    resp = client.post(f"/records/{rec.id}?lang=vi",
                       data=form_for(rec, **{"p-2-readings": "5 bar", "env-temperature": "20 kg"}))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "không đọc được &#39;5 bar&#39; theo kg: bar là áp suất, kg là khối lượng" in page
    assert "theo °C: kg là khối lượng, °C là nhiệt độ" in page
    assert "cannot be read" not in page and "degC" not in page
    db.expire_all()
    assert db.get(Record, rec.id).version_id == rec.version_id  # nothing was saved


def test_unit_reading_messages_follow_the_language():
    from lims.metrology.errors import UnitError
    from lims.metrology.units import parse_quantity

    with use_language("vi"), pytest.raises(UnitError) as vi:
        parse_quantity("abc", "kg")
    assert vi.value.message == "'abc' không phải là một số kèm đơn vị (ví dụ '10,02 bar')"
    with use_language("en"), pytest.raises(UnitError) as en:
        parse_quantity("21 kg", "degC")
    assert en.value.message == "'21 kg' cannot be read in °C: kg is a mass, °C is a temperature"
