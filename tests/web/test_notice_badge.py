"""A notice of non-conformity carries a visible badge ("Thông báo không đạt" / "Notice of
non-conformity") in every page that lists or shows certificates; a certificate carries none."""
from __future__ import annotations

import re

import pytest

from lims.services import certificates as certs

BADGE = {"vi": "Thông báo không đạt", "en": "Notice of non-conformity"}


@pytest.fixture
def notice(issued, db):
    """The sample scale failed at Max: a notice of non-conformity beside the valid certificate."""
    issued.notice = certs.issue_for_record(db, issued.reviewer, issued.scale_record(db, (0, 0, 1, 2)),
                                           context=issued.ctx)
    db.commit()
    return issued


def _badges(html: str) -> list[str]:
    return re.findall(r'<span class="badge bad notice-badge" data-kind="non_conformity_notice">([^<]*)</span>', html)


def _row_of(page: str, number: str) -> str:
    match = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(number)}(?:(?!</tr>).)*</tr>", page, re.S)
    assert match, number
    return match.group(0)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_certificate_list_badges_the_notice_only(notice, login, lang):
    page = login("reviewer1").get(f"/certificates?lang={lang}").get_data(as_text=True)
    assert _badges(_row_of(page, notice.notice.number)) == [BADGE[lang]]
    assert _badges(_row_of(page, notice.cert.number)) == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_certificate_and_record_pages_badge_the_notice(notice, login, lang):
    client = login("reviewer1")
    assert _badges(client.get(f"/certificates/{notice.notice.id}?lang={lang}").get_data(as_text=True)) == [BADGE[lang]]
    assert _badges(client.get(f"/certificates/{notice.cert.id}?lang={lang}").get_data(as_text=True)) == []


def _approved_scale(db, lab, **readings):
    from lims.services import workflow
    from tests.services.workflow_factory import complete_scale_record, open_scale_record

    rec = complete_scale_record(db, lab, open_scale_record(db, lab), **readings)
    workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
    workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
    db.commit()
    return rec


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_record_page_badges_its_notice(db, lab, login, tmp_path, lang):
    from certificates.keystore import KeyStore
    from tests.helpers import BASE_URL
    from tests.services.workflow_factory import PASSING

    ctx = certs.CertificateContext(instance_path=tmp_path, base_url=BASE_URL,
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        failed = _approved_scale(db, lab, weighing={**PASSING, 60.0: [60.03]})  # 3 e at Max: not passed
        passed = _approved_scale(db, lab)
    client = login("reviewer")
    assert _badges(client.get(f"/records/{failed.id}?lang={lang}").get_data(as_text=True)) == [BADGE[lang]]
    assert _badges(client.get(f"/records/{passed.id}?lang={lang}").get_data(as_text=True)) == []


def test_the_standard_impact_page_badges_the_notice(notice, login):
    page = login("reviewer1").get(f"/standards/{notice.weights.id}/impact?lang=en").get_data(as_text=True)
    assert _badges(_row_of(page, notice.notice.number)) == [BADGE["en"]]
    assert _badges(_row_of(page, notice.cert.number)) == []
