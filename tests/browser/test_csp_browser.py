"""Chromium reports no Content-Security-Policy violation on the pages with scripts (record entry,
workstation, a certificate with its revoke confirmation, the requests list with its auto-sending
filter, the admin page of a user) and on the public check page, while their scripts still work:
the menu opens, a capture fills the readings, the confirmation is asked."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from lims.services import certificates as certs
from lims.web.headers import CSP

pytestmark = pytest.mark.browser


@pytest.fixture
def console(page):
    """Every console message and page error of the page (a CSP violation is reported as one)."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: seen.append(f"pageerror: {exc}"))
    return seen


def _violations(seen: list[str]) -> list[str]:
    return [m for m in seen if "Content Security Policy" in m or "Content-Security-Policy" in m
            or m.startswith("pageerror")]


def test_the_record_page_and_the_workstation_run_their_scripts_without_violation(page, sign_in, lab, db, console):
    from tests.services.workflow_factory import open_scale_record

    rec = open_scale_record(db, lab)
    sign_in(page, "tech")
    resp = page.goto("/workstation?lang=en")
    assert resp is not None and resp.headers["content-security-policy"] == CSP
    page.goto(f"/records/{rec.id}")
    page.wait_for_selector("#record-form")
    page.click("#point-5 button.capture")  # record.js: a live capture from the mock balance
    page.wait_for_selector("#live-5[data-done='1']")
    assert page.input_value("#rd-5") != ""
    page.fill("#rd-5", "1")  # typing drops the captured source
    assert page.input_value("#src-5") == ""

    page.set_viewport_size({"width": 500, "height": 800})  # lims.js: the menu on a small screen
    assert not page.is_visible(".main-nav")
    page.click(".menu-toggle")
    assert page.is_visible(".main-nav")
    page.goto("/requests/new")
    page.select_option("#f-kind", "calibration")  # sends its form by itself
    page.wait_for_url("**kind=calibration**")
    assert _violations(console) == [], console


@pytest.fixture
def certificate(live_app, db, make_user):
    from lims.services.demo_certificates import sample_lab
    from lims.web.public_certificates import certificate_context

    reviewer = make_user("reviewer1", "reviewer")
    lab = sample_lab(db, reviewer=reviewer)
    cert = certs.issue_for_record(db, reviewer, lab.scale_record(db), context=certificate_context(live_app))
    db.commit()
    certs.write_pending(db)
    return cert


def test_the_certificate_page_asks_before_revoking_and_the_public_page_is_clean(page, sign_in, certificate,
                                                                               console):
    cert = certificate
    sign_in(page, "reviewer1")
    page.goto(f"/certificates/{cert.id}?lang=en")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.fill("#reason", "typo in the owner's name")
    page.click("button[data-confirm]")
    assert asked == ["Revoke this certificate? This cannot be undone."]
    assert page.url.endswith(f"/certificates/{cert.id}?lang=en")  # dismissed: nothing sent
    page.goto(urlsplit(certs.verify_url(cert)).path)
    assert page.locator(".card").count() >= 1
    assert _violations(console) == [], console
