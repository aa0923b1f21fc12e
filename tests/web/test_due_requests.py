"""A business requests verification of several due instruments at once (dashboard panel, its
instruments list, the instrument page, the pre-checked request form, the API), and an instrument
already in an open request, someone else's, or of a type without a procedure is refused with the
reason (nothing created)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lims.models import Instrument, ServiceRequest
from lims.services import workflow
from lims.services.workflow import due_requests
from tests.services.workflow_factory import add_due_instruments

VI_NO_PROCEDURE = "Trung tâm chưa có quy trình kiểm định cho loại phương tiện này"
EN_NO_PROCEDURE = "The lab has no verification procedure for this instrument type"


@pytest.fixture
def due(db, lab):
    """OVER-1 (3 days overdue) and SOON-1 (due in 10 days) of the business, OTHER-1 (1 day overdue)
    of the other business, and the business's pressure gauge 7 days overdue (no verification
    procedure for its type); the business's scale is due in a year (not listed)."""
    add_due_instruments(db, lab)
    lab.instruments["gauge"].next_due = date.today() - timedelta(days=7)
    lab.instruments["scale"].next_due = date.today() + timedelta(days=365)
    db.commit()
    by_serial = {i.serial_number: i for i in db.scalars(select(Instrument))}
    return by_serial


def _requests(db) -> int:
    return db.scalar(select(func.count()).select_from(ServiceRequest))


def _checkbox(instrument_id: int) -> str:
    return f'name="instrument_ids" value="{instrument_id}"'


def test_the_service_offers_the_due_instruments_with_what_stands_in_the_way(db, lab, due):
    """Most overdue first; the gauge's type has no verification procedure; once OVER-1 is in an
    open request it names that request; another business's instrument is not listed."""
    offers = due_requests.due_offers(db, lab.biz)
    assert [(o.due.serial_number, o.due.days_left, o.state.can_request) for o in offers] == [
        ("PG-16", -7, False), ("OVER-1", -3, True), ("SOON-1", 10, True)]
    assert offers[0].state.serviceable is False and offers[0].state.open_request_id is None
    req = workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
        kind="verification", instrument_ids=[due["OVER-1"].id]))
    db.commit()
    over = next(o for o in due_requests.due_offers(db, lab.biz) if o.due.serial_number == "OVER-1")
    assert (over.state.can_request, over.state.open_request_id, over.state.open_request_number) == (
        False, req.id, req.number)
    # A calibration request is another kind of work: OVER-1 can still be asked for calibration.
    assert due_requests.request_states(db, [due["OVER-1"].id], "calibration")[due["OVER-1"].id].open_request_id is None


def test_the_reminder_setting_is_the_horizon(db, lab, due, monkeypatch):
    """LIMS_REMINDER_DAYS=5: SOON-1, due in 10 days, is not listed; the overdue ones are."""
    monkeypatch.setenv("LIMS_REMINDER_DAYS", "5")
    assert [o.due.serial_number for o in due_requests.due_offers(db, lab.biz)] == ["PG-16", "OVER-1"]


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("Due and overdue instruments", "3 days", "due in 10 days", "Request verification", EN_NO_PROCEDURE,
            "In open request")),
    ("vi", ("Phương tiện đo đến hạn và quá hạn kiểm định", "3 ngày", "còn 10 ngày", "Yêu cầu kiểm định",
            VI_NO_PROCEDURE, "Đã có trong yêu cầu"))])
def test_the_dashboard_panel(db, lab, due, client, login, lang, words):
    """Checkboxes for OVER-1 and SOON-1 in one form to the request form, none for the gauge (the
    reason said) nor for the other business's OTHER-1; after OVER-1 is requested, a link to that
    request instead of its checkbox."""
    title, overdue, soon, button, no_procedure, in_request = words
    login("biz")
    page = client.get(f"/dashboard?lang={lang}").get_data(as_text=True)
    panel = page[page.index('id="due-instruments"'):]
    assert title in panel and overdue in panel and soon in panel and no_procedure in panel
    assert _checkbox(due["OVER-1"].id) in panel and _checkbox(due["SOON-1"].id) in panel
    assert _checkbox(lab.instruments["gauge"].id) not in panel and "OTHER-1" not in panel
    assert 'action="/requests/new"' in panel and 'name="kind" value="verification"' in panel and button in panel
    assert f'href="/requests/new?kind=verification&amp;instrument_ids={due["OVER-1"].id}"' in panel
    req = workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
        kind="verification", instrument_ids=[due["OVER-1"].id]))
    db.commit()
    panel = client.get(f"/dashboard?lang={lang}").get_data(as_text=True)
    assert _checkbox(due["OVER-1"].id) not in panel and f'href="/requests/{req.id}"' in panel
    assert in_request in panel and req.number in panel


def test_staff_see_no_request_panel(db, lab, due, client, login):
    login("tech")
    assert 'id="due-instruments"' not in client.get("/dashboard").get_data(as_text=True)


def test_the_form_comes_pre_checked_and_files_one_request_for_both(db, lab, due, client, login):
    """GET /requests/new with the panel's two ticks shows both checked; filing it makes one
    request holding both instruments."""
    login("biz")
    over, soon = due["OVER-1"].id, due["SOON-1"].id
    page = client.get(f"/requests/new?kind=verification&instrument_ids={over}&instrument_ids={soon}&lang=en"
                      ).get_data(as_text=True)
    for iid in (over, soon):
        assert f'{_checkbox(iid)} checked' in page
    assert f'{_checkbox(lab.instruments["scale"].id)} checked' not in page
    # The kind's own form (sent when another kind is chosen) carries the ticks along.
    for iid in (over, soon):
        assert f'<input type="hidden" name="instrument_ids" value="{iid}">' in page
    before = _requests(db)
    resp = client.post("/requests/new", data={"kind": "verification", "verification_type": "periodic",
                                              "instrument_ids": [str(over), str(soon)]})
    assert resp.status_code == 302 and _requests(db) == before + 1
    req = db.scalar(select(ServiceRequest).order_by(ServiceRequest.id.desc()))
    assert sorted(i.instrument_id for i in req.items) == sorted([over, soon]) and req.kind == "verification"
    # Filing them again is refused, naming the open request (nothing created).
    resp = client.post("/requests/new?lang=vi", data={"kind": "verification", "instrument_ids": [str(over)]})
    assert resp.status_code == 422 and _requests(db) == before + 1
    assert f"Phương tiện đo OVER-1 đã có trong yêu cầu {req.number} đang xử lý." in resp.get_data(as_text=True)


def test_the_instruments_list_has_a_checkbox_column_for_a_business(db, lab, due, client, login):
    login("biz")
    page = client.get("/admin/instruments?lang=en").get_data(as_text=True)
    assert 'id="request-instruments"' in page and 'id="request-selected"' in page
    for key in ("scale",):
        assert _checkbox(lab.instruments[key].id) in page  # any serviceable instrument, due or not
    assert _checkbox(due["OVER-1"].id) in page and _checkbox(lab.instruments["gauge"].id) not in page
    assert EN_NO_PROCEDURE in page
    login("tech")
    assert 'id="request-instruments"' not in client.get("/admin/instruments").get_data(as_text=True)


def test_the_instrument_page_links_a_due_instrument_to_the_request_form(db, lab, due, client, login):
    login("biz")
    page = client.get(f"/admin/instruments/{due['OVER-1'].id}?lang=en").get_data(as_text=True)
    assert f'href="/requests/new?kind=verification&amp;instrument_ids={due["OVER-1"].id}"' in page
    assert "Request verification" in page
    page = client.get(f"/admin/instruments/{lab.instruments['scale'].id}?lang=en").get_data(as_text=True)
    assert 'id="instrument-request"' not in page  # due in a year
    page = client.get(f"/admin/instruments/{lab.instruments['gauge'].id}?lang=vi").get_data(as_text=True)
    assert VI_NO_PROCEDURE in page and "/requests/new?kind=verification" not in page


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_api_files_one_request_for_several_and_refuses_with_the_reason(db, lab, due, client, token_for,
                                                                           lang):
    """A business's token: two due instruments → 201, one request holding both. Then 422 with the
    reason, and nothing created, for one already in that open request, for another business's
    instrument, and for a type without a verification procedure."""
    headers = {**token_for(lab.biz), "Accept-Language": lang}
    over, soon = due["OVER-1"].id, due["SOON-1"].id
    resp = client.post("/api/v1/service-requests", json={"kind": "verification", "instrument_ids": [over, soon]},
                       headers=headers)
    assert resp.status_code == 201, resp.get_json()
    number = resp.get_json()["number"]
    req = db.scalar(select(ServiceRequest).where(ServiceRequest.number == number))
    assert sorted(i.instrument_id for i in req.items) == sorted([over, soon])
    before = _requests(db)
    reasons = {
        "en": (f"Instrument OVER-1 is already in open request {number}.",
               f"Instrument {due['OTHER-1'].id} does not belong to", EN_NO_PROCEDURE),
        "vi": (f"Phương tiện đo OVER-1 đã có trong yêu cầu {number} đang xử lý.", str(due["OTHER-1"].id),
               VI_NO_PROCEDURE)}[lang]
    for ids, reason in zip(([over], [due["OTHER-1"].id], [lab.instruments["gauge"].id]), reasons, strict=True):
        resp = client.post("/api/v1/service-requests", json={"kind": "verification", "instrument_ids": ids},
                           headers=headers)
        body = resp.get_json()
        assert resp.status_code == 422 and reason in str(body["detail"]), body
    assert _requests(db) == before


def test_the_request_form_links_an_instrument_already_in_an_open_request(db, lab, due, client, login):
    """The form offers no checkbox for OVER-1 once it is in an open verification request, and
    links to that request."""
    req = workflow.create_service_request(db, lab.biz, workflow.NewServiceRequest(
        kind="verification", instrument_ids=[due["OVER-1"].id]))
    db.commit()
    login("biz")
    page = client.get("/requests/new?kind=verification&lang=en").get_data(as_text=True)
    assert _checkbox(due["OVER-1"].id) not in page and _checkbox(due["SOON-1"].id) in page
    assert f'href="/requests/{req.id}"' in page and f"In open request {req.number}" in page


def test_a_customer_with_more_instruments_than_the_form_lists_is_told_and_keeps_its_ticks(
        db, lab, due, client, login, monkeypatch):
    """The request form lists a customer's first instruments only (1,000; 2 here): it says how many
    more there are and where to find them — it used to stop at 1,000 without a word — and an
    instrument ticked elsewhere (the instruments list, the due panel) is offered and ticked whatever
    its place."""
    from lims.web.workflow import requests as request_pages

    monkeypatch.setattr(request_pages, "FORM_INSTRUMENTS", 2)
    owned = list(db.scalars(select(Instrument).where(Instrument.owner_id == lab.business.id).order_by(Instrument.id)))
    serviceable = workflow.serviceable_type_ids(db, "verification")
    assert len(owned) > 3
    last = [i for i in owned[2:] if i.type_id in serviceable][-1]
    login("biz")
    page = client.get(f"/requests/new?kind=verification&instrument_ids={last.id}&lang=en").get_data(as_text=True)
    assert f"This customer has {len(owned) - 2} more instruments than the 2 listed here" in page
    assert f"/admin/instruments?owner_id={lab.business.id}" in page
    assert f"{_checkbox(last.id)} checked" in page
    assert all(_checkbox(i.id) not in page for i in owned[2:] if i.id != last.id)
    page = client.get("/requests/new?kind=verification&lang=vi").get_data(as_text=True)
    assert f"Khách hàng này còn {len(owned) - 2} phương tiện đo" in page
