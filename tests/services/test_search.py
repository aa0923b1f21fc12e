"""Searching the lists (lims.services.search): diacritics and case ignored, the search text kept up to
date after edits and renames, a business never finding others' rows, filters, sorting and paging.

The workflow lab (tests/services/workflow_factory.py): "Công ty Cân Việt" owns SC-60 (Mettler Toledo
scale), PG-16 (Wika gauge) and TH-104 (Testo thermometer); "HTX Rau sạch" owns SC-OTHER.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lims.errors import ValidationError
from lims.models import Instrument, Organisation, Record, ServiceRequest
from lims.services import search
from lims.services.policy import SYSTEM
from lims.text_search import fold
from tests.services.workflow_factory import open_scale_record

ALL = {"limit": 50, "offset": 0}


def serials(page) -> list[str]:
    return [i.serial_number for i in page.rows]


def find(db, actor, **kw) -> list[str]:
    return serials(search.search_instruments(db, actor, search.InstrumentFilter(**kw), **ALL))


def test_search_ignores_diacritics_and_case(db, lab):
    """"can viet", "CÂN VIỆT" and "Cân Việt" all find the three instruments of Công ty Cân Việt."""
    for q in ("can viet", "CÂN VIỆT", "cân  việt", "cong ty can"):
        assert find(db, SYSTEM, q=q) == ["SC-60", "PG-16", "TH-104"], q
    assert find(db, SYSTEM, q="rau sach") == ["SC-OTHER"]


def test_every_word_must_be_found_in_any_field(db, lab):
    """Words may come from different fields (owner's name, manufacturer) and in any order."""
    assert find(db, SYSTEM, q="mettler viet") == ["SC-60"]
    assert find(db, SYSTEM, q="viet mettler") == ["SC-60"]
    assert find(db, SYSTEM, q="mettler rau") == []
    assert find(db, SYSTEM, q="ap ke") == ["PG-16"]  # the type's Vietnamese name "Áp kế", two short words
    assert find(db, SYSTEM, q="pressure gauge") == ["PG-16"]  # its English name


def test_short_words_and_like_wildcards(db, lab):
    """A two-letter word is found too (by a scan on SQLite), and % or _ typed are plain characters."""
    assert find(db, SYSTEM, q="sc") == ["SC-60", "SC-OTHER"]
    assert find(db, SYSTEM, q="%") == []
    assert find(db, SYSTEM, q="_") == []


def test_the_search_text_follows_an_organisation_renamed(db, lab):
    """Rename the owner to "Đồng Đăng": its instruments, requests and records are found by the new name
    ("dong dang", đ folded by hand) and no longer by the old one; their version_id does not move (a
    rename is no edit of them: nobody's open form goes stale)."""
    rec = open_scale_record(db, lab)
    req = db.get(ServiceRequest, rec.request_item.request_id)
    versions = {i.id: i.version_id for i in db.scalars(select(Instrument))}
    org = db.get(Organisation, lab.business.id)
    org.name = "Công ty Đồng Đăng"
    db.flush()
    assert find(db, SYSTEM, q="dong dang") == ["SC-60", "PG-16", "TH-104"]
    assert find(db, SYSTEM, q="can viet") == []
    f = search.RequestFilter(q="đồng đăng")
    assert [r.id for r in search.search_requests(db, SYSTEM, f, **ALL).rows] == [req.id]
    found = search.search_records(db, SYSTEM, search.RecordFilter(q="DONG DANG sc-60"), **ALL)
    assert [r.id for r in found.rows] == [rec.id]
    assert "cong ty dong dang" in lab.instruments["scale"].search_text  # the loaded row shows it too
    db.expire_all()
    assert {i.id: i.version_id for i in db.scalars(select(Instrument))} == versions


def test_the_search_text_follows_an_instrument_edited(db, lab):
    """A new serial number is found at once, in the instrument's list and in its records'."""
    rec = open_scale_record(db, lab)
    inst = db.get(Instrument, lab.instruments["scale"].id)
    inst.serial_number = "ĐH-2024-777"
    db.flush()
    assert find(db, SYSTEM, q="dh-2024") == ["ĐH-2024-777"]
    assert find(db, SYSTEM, q="sc-60") == []
    found = search.search_records(db, SYSTEM, search.RecordFilter(q="dh-2024-777"), **ALL)
    assert [r.id for r in found.rows] == [rec.id]
    db.expire_all()
    assert db.get(Record, rec.id).search_text == fold(f"{rec.number} ĐH-2024-777 Mettler Toledo ICS425 "
                                                      f"Công ty Cân Việt {rec.procedure.code}")


def test_a_new_instrument_is_found_at_once(db, lab):
    from lims.services import catalog

    catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=lab.other_business.id, type_id=lab.types["dial"].id, serial_number="LX-9", range_max=30,
        range_unit="kg", manufacturer="Nhơn Hòa"))
    db.flush()
    assert find(db, SYSTEM, q="nhon hoa") == ["LX-9"]
    assert find(db, SYSTEM, q="dong ho lo xo") == ["LX-9"]  # "Cân đồng hồ lò xo", its type


def test_a_business_never_finds_another_business_rows(db, lab):
    """The business of Công ty Cân Việt searching "sc" or "rau sach" finds only its own; staff find all."""
    biz = lab.users["biz"]
    assert find(db, biz, q="sc") == ["SC-60"]
    assert find(db, biz, q="rau sach") == []
    assert find(db, biz, owner_id=lab.other_business.id) == []  # asking for another's instruments by id: nothing
    assert find(db, lab.users["otherbiz"], q="sc") == ["SC-OTHER"]
    open_scale_record(db, lab)
    assert search.search_requests(db, lab.users["otherbiz"], search.RequestFilter(q="can viet"), **ALL).rows == []


def test_sorting_by_a_key_either_way_and_paging_without_overlap(db, lab):
    assert find(db, SYSTEM, sort="serial") == ["PG-16", "SC-60", "SC-OTHER", "TH-104"]
    assert find(db, SYSTEM, sort="-serial") == ["TH-104", "SC-OTHER", "SC-60", "PG-16"]
    f = search.InstrumentFilter(sort="serial")
    first = search.search_instruments(db, SYSTEM, f, limit=3, offset=0)
    second = search.search_instruments(db, SYSTEM, f, limit=3, offset=3)
    assert (serials(first), first.total, first.capped) == (["PG-16", "SC-60", "SC-OTHER"], 4, False)
    assert (serials(second), second.total) == (["TH-104"], 4)


def test_due_filters(db, lab):
    """Overdue: next due before today; soon: within 30 days; or a period of due dates."""
    today = date.today()
    dues = {"SC-60": today - timedelta(days=1), "PG-16": today + timedelta(days=30),
            "TH-104": today + timedelta(days=31)}
    for inst in db.scalars(select(Instrument).where(Instrument.serial_number.in_(dues))):
        inst.next_due = dues[inst.serial_number]
    db.flush()
    assert find(db, SYSTEM, due="overdue") == ["SC-60"]
    assert find(db, SYSTEM, due="soon") == ["PG-16"]
    assert find(db, SYSTEM, due_from=today, due_to=today + timedelta(days=31), sort="due") == ["PG-16", "TH-104"]


@pytest.mark.parametrize(("kw", "field"), [
    ({"sort": "owner"}, "sort"), ({"sort": "--serial"}, "sort"), ({"status": "broken"}, "status"),
    ({"due": "tomorrow"}, "due"), ({"due_from": date(2026, 5, 2), "due_to": date(2026, 5, 1)}, "due_to"),
])
def test_bad_parameters_are_refused_naming_them(db, lab, kw, field):
    with pytest.raises(ValidationError) as exc:
        search.search_instruments(db, SYSTEM, search.InstrumentFilter(**kw), **ALL)
    assert exc.value.field == field


def test_organisations_and_records_filters(db, lab):
    f = search.OrganisationFilter(q="TDC")
    assert [o.name for o in search.search_organisations(db, SYSTEM, f, **ALL).rows] == ["Trung tâm TĐC"]
    f = search.OrganisationFilter(kind="business", sort="-name")
    assert [o.name for o in search.search_organisations(db, SYSTEM, f, **ALL).rows] == ["HTX Rau sạch",
                                                                                        "Công ty Cân Việt"]
    rec = open_scale_record(db, lab)
    assert [r.id for r in search.search_records(db, SYSTEM, search.RecordFilter(status="draft"), **ALL).rows] \
        == [rec.id]
    assert search.search_records(db, SYSTEM, search.RecordFilter(status="approved"), **ALL).rows == []
    with pytest.raises(ValidationError) as exc:
        search.search_records(db, SYSTEM, search.RecordFilter(kind="repair"), **ALL)
    assert exc.value.field == "kind"


def test_the_total_is_counted_up_to_the_cap(db, lab, monkeypatch):
    """With the cap at 2 (10 000 in use): 4 instruments read as "more than 2" from the first page; a last
    page that is not full gives the exact total without counting; a full page reaching past the cap
    with a row beyond it says "more" without counting either."""
    from lims.services import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 2)
    f = search.InstrumentFilter(sort="serial")
    first = search.search_instruments(db, SYSTEM, f, limit=1, offset=0)
    assert (serials(first), first.total, first.capped) == (["PG-16"], 2, True)
    deep = search.search_instruments(db, SYSTEM, f, limit=2, offset=1)
    assert (serials(deep), deep.total, deep.capped) == (["SC-60", "SC-OTHER"], 2, True)
    last = search.search_instruments(db, SYSTEM, f, limit=3, offset=3)
    assert (serials(last), last.total, last.capped) == (["TH-104"], 4, False)
    beyond = search.search_instruments(db, SYSTEM, f, limit=3, offset=10)
    assert (beyond.rows, beyond.total, beyond.capped) == ([], 2, True)


def test_the_search_text_is_no_part_of_the_audit_trail(db, lab):
    """It is computed from other columns: an audit snapshot (and so the history) leaves it out."""
    from lims.services import audit

    inst = db.get(Instrument, lab.instruments["scale"].id)
    assert inst.search_text  # filled
    snap = audit.snapshot(inst)
    assert "search_text" not in snap and snap["serial_number"] == "SC-60"
    assert "search_text" not in audit.snapshot(inst, exclude=("location",))
