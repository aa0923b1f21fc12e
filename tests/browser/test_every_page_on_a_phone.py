"""Issue "Daily use", Phone: every page of the demo checked at 390 px in a real browser — as the
admin (every list, record, request, certificate, catalogue entry, correction form, the office,
import and export) and as a business (its dashboard, instruments, requests, certificates, recall).
On each page nothing is wider than the phone (no sideways scrolling), and every cell of a data
table carries its column's label (a phone shows the table as label: value lines, so a cell without
one is a bare number nobody can read — as the recall table's "3 / 2" was)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lims.models import Certificate, Instrument, Organisation, Record, ReferenceStandard, ServiceRequest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "demo-password-1"

#: Data cells shown without the label their column gives them on a phone (an action cell — a link or a
#: form that names itself, class "act" — needs none).
UNLABELLED = """() => [...document.querySelectorAll('table.data td:not(.act)')].filter(td => {
  const before = getComputedStyle(td, '::before').content;
  return td.innerText.trim() !== '' && (before === 'none' || before === '""' || before === '');
}).map(td => td.innerText.trim().slice(0, 40))"""


@pytest.fixture
def demo(db, tmp_path):
    from certificates.keystore import KeyStore
    from lims.services import certificates as certs
    from lims.services.demo import seed_demo

    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="http://127.0.0.1:5000",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        seed_demo(db, DEMO_PASSWORD)
    db.commit()


def _admin_pages(db) -> list[str]:
    pages = ["/dashboard", "/requests", "/requests/new", "/records", "/certificates", "/recall", "/standards",
             "/workstation", "/office", "/admin/import", "/admin/export", "/account/password"]
    pages += [f"/admin/{key}" for key in ("organisations", "instrument-types", "instruments", "standards",
                                          "national-standards", "users")]
    pages += [f"/records/{i}" for i in db.scalars(select(Record.id).order_by(Record.id))]
    pages += [f"/requests/{i}" for i in db.scalars(select(ServiceRequest.id).order_by(ServiceRequest.id))]
    pages += [f"/certificates/{i}" for i in db.scalars(select(Certificate.id).order_by(Certificate.id))]
    pages += [f"/certificates/{i}/traceability" for i in db.scalars(select(Certificate.id).order_by(Certificate.id))]
    pages += [f"/admin/standards/{i}" for i in db.scalars(select(ReferenceStandard.id).order_by(ReferenceStandard.id))]
    pages += [f"/admin/instruments/{i}" for i in db.scalars(select(Instrument.id).order_by(Instrument.id))]
    pages += [f"/admin/organisations/{i}" for i in db.scalars(select(Organisation.id).order_by(Organisation.id))]
    pages += ["/admin/organisations/2/edit", "/admin/instrument-types/1", "/admin/instrument-types/1/edit",
              "/admin/standards/1", "/admin/users/2", "/admin/instruments/1/edit"]
    return pages


def _walk(page, paths: list[str]) -> list[str]:
    faults = []
    for path in paths:
        resp = page.goto(path)
        if resp is None or resp.status != 200:
            faults.append(f"{path}: {resp.status if resp else 'no answer'}")
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            faults.append(f"{path}: {width} px wide")
        bare = page.evaluate(UNLABELLED)
        if bare:
            faults.append(f"{path}: cells without their column's label: {bare[:3]}")
    return faults


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_demo_page_fits_a_phone_with_every_cell_labelled(browser, live_server, sign_in, demo, db, lang):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="vi-VN", is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, "admin", DEMO_PASSWORD)
        page.goto(f"/dashboard?lang={lang}")  # the language is kept for the session
        admin_pages = _admin_pages(db)
        faults = _walk(page, admin_pages)
        context.clear_cookies()
        sign_in(page, "dn.huunghi", DEMO_PASSWORD)
        page.goto(f"/dashboard?lang={lang}")
        faults += _walk(page, ["/dashboard", "/admin/instruments", "/requests", "/requests/new", "/certificates",
                               "/recall", "/account/password"])
        assert len(admin_pages) > 40
        assert faults == [], "\n".join(faults)
    finally:
        context.close()


def test_a_phone_sorts_a_list_without_its_header_row(browser, live_server, sign_in, demo):
    """A phone shows no table header, where the sort links of a wide screen are: the lists offer the
    same sorts as a row of links there (and only there), each a second time the other way round."""
    for width, shown in ((390, True), (1366, False)):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 844})
        page = context.new_page()
        try:
            sign_in(page, "admin", DEMO_PASSWORD)
            for path in ("/records", "/requests", "/certificates", "/admin/instruments", "/admin/organisations"):
                page.goto(f"{path}?lang=en")
                assert page.is_visible(".sort-links") is shown, (path, width)
            if shown:
                page.goto("/records?lang=en")
                page.click(".sort-links a:has-text('Work date')")
                page.wait_for_url("**sort=work_date*")
                assert page.get_attribute(".sort-links a:has-text('Work date')", "aria-current") == "true"
                page.click(".sort-links a:has-text('Work date')")
                page.wait_for_url("**sort=-work_date*")
        finally:
            context.close()
