"""Number input and output in the page's language, end to end: a record reading typed "5.000,5 g" on a
Vietnamese page is saved as 5.0005 kg (and "5,000.5 g" on an English one); "20.010 g", which could be read
two ways, is refused naming the field and saves nothing; the API's validation texts speak the request's
language. Before, "5.000,5 g" was refused ("unknown unit ,5") and "1,000" on an English page was read as 1."""
from __future__ import annotations

from lims.models import Record
from tests.services.workflow_factory import open_scale_record
from tests.web.test_workflow_pages import form_for


def _weighing_seq(rec) -> int:
    return next(p.seq for p in rec.points if p.test == "weighing" and p.nominal == 5.0)


def test_a_reading_typed_with_thousands_grouped_is_saved_as_its_number(db, lab, client, login):
    rec = open_scale_record(db, lab)
    seq = _weighing_seq(rec)
    login("tech")
    stds = [lab.standards["F1"].id, lab.standards["M1"].id]
    resp = client.post(f"/records/{rec.id}?lang=vi", data=form_for(rec, standards=stds,
                                                                   **{f"p-{seq}-readings": "5.000,5 g"}))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.expire_all()
    saved = db.get(Record, rec.id)
    assert next(p for p in saved.points if p.seq == seq).readings == [5.0005]  # 5000.5 g = 5.0005 kg

    resp = client.post(f"/records/{rec.id}?lang=en", data=form_for(saved, standards=stds, **{
        f"p-{seq}-readings": "5,000.5 g", "env-temperature": "23.5"}))
    assert resp.status_code == 302
    db.expire_all()
    assert db.get(Record, rec.id).environment["temperature"]["value"] == 23.5


def test_a_reading_that_could_be_read_two_ways_is_refused_in_both_languages(db, lab, client, login):
    rec = open_scale_record(db, lab)
    seq = _weighing_seq(rec)
    login("tech")
    for lang, typed, message in (
        ("vi", "5.000 g", "'5.000' đọc được theo hai cách: viết 5000 nếu là số nguyên, hoặc 5,000 nếu là số "
                          "thập phân."),
        ("en", "5,000 g", "'5,000' can be read two ways: write 5000 if it is a whole number, or 5.000 if it is a "
                          "decimal number."),
    ):
        resp = client.post(f"/records/{rec.id}?lang={lang}", data=form_for(rec, **{f"p-{seq}-readings": typed}))
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422 and f'data-field="points.{seq}.readings"' in page
        assert message in page.replace("&#39;", "'")
        db.expire_all()
        assert db.get(Record, rec.id).version_id == rec.version_id  # nothing saved


def test_pages_show_the_1_mg_weight_and_class_1_6_in_the_page_language(db, lab, client, login, make_user):
    inst = lab.instruments["scale"]
    inst.accuracy_class = "1.6"
    std = lab.standards["F1"]
    std.range_min, std.range_max, std.range_unit = 0.000001, 20.0, "kg"
    db.commit()
    make_user("boss", "admin")
    login("boss")
    vi = client.get(f"/admin/instruments/{inst.id}?lang=vi").get_data(as_text=True)
    en = client.get(f"/admin/instruments/{inst.id}?lang=en").get_data(as_text=True)
    assert "<dd>1,6</dd>" in vi and "<dd>1.6</dd>" in en
    vi = client.get("/admin/standards?lang=vi").get_data(as_text=True)
    assert "1\u00a0mg … 20\u00a0kg" in vi and "0,000001" not in vi


def test_marshmallow_validation_texts_speak_the_request_language():
    """webargs' 422 messages (marshmallow fills them in English) are translated field by field, those
    with a value in them too; a message of our own passes unchanged."""
    from lims.i18n import use_language
    from lims.web.errors import _fields_of

    data = {"messages": {"json": {"points": {"0": {"seq": ["Not a valid integer."]}},
                                  "name": ["Longer than maximum length 255."],
                                  "x": ["Missing data for required field."],
                                  "note": ["Tự viết."]}}}
    with use_language("vi"):
        assert _fields_of(data) == {"points.0.seq": "Không phải là số nguyên hợp lệ.",
                                    "name": "Dài hơn độ dài tối đa 255.", "x": "Trường này là bắt buộc.",
                                    "note": "Tự viết."}
    with use_language("en"):
        assert _fields_of(data)["points.0.seq"] == "Not a valid integer."


def test_readings_separated_by_spaces_and_a_number_grouped_by_spaces():
    """Spaces separate readings ("20,01 20,02", "100 100 100"); "1 000,5" — a thousand grouped by a space,
    or the readings 1 and 0,5? — is kept whole and refused by the record (below); with its unit it is one
    quantity ("5 000,5 g")."""
    from lims.services.workflow.record_input import SpaceGrouped, split_readings

    assert split_readings("20,01 20,02; 30.5") == ["20,01", "20,02", "30.5"]
    assert split_readings("100 100 100") == ["100", "100", "100"]
    assert split_readings("5 000,5 g") == ["5 000,5 g"]
    grouped = split_readings("1 000,5")
    assert grouped == ["1 000,5"] and isinstance(grouped[0], SpaceGrouped)


def test_a_reading_grouped_by_a_space_is_refused_saying_how_to_write_it(db, lab, client, login):
    rec = open_scale_record(db, lab)
    seq = _weighing_seq(rec)
    login("tech")
    resp = client.post(f"/records/{rec.id}?lang=vi", data=form_for(rec, **{f"p-{seq}-readings": "5 000,5"}))
    page = resp.get_data(as_text=True).replace("&#39;", "'")
    assert resp.status_code == 422
    assert ("'5 000,5' có thể là một số hoặc nhiều số đọc: viết 5000,5 nếu là một số, hoặc đặt ';' giữa các số "
            "đọc.") in page



def test_a_form_sent_without_its_csrf_token_is_refused_in_the_page_language(make_app):
    """Flask-WTF's refusal ("The CSRF token is missing.") was English on Vietnamese pages; now the
    catalogs translate it and say what to do."""
    app = make_app(extra={"TESTING": True, "RATELIMIT_ENABLED": False})  # CSRF protection on, as in production
    client = app.test_client()
    for lang, text in (("vi", "Biểu mẫu thiếu mã bảo vệ (CSRF). Hãy tải lại trang rồi gửi lại."),
                       ("en", "The CSRF token is missing.")):
        resp = client.post(f"/login?lang={lang}", data={"username": "x", "password": "y"})
        assert resp.status_code == 400 and text in resp.get_data(as_text=True)
