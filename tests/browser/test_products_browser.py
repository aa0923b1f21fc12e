"""Products, batches, places and event recording in a real browser (issue 13 part 2): a business records
an event on a 390 px phone; every page of the feature fits a phone (no sideways scrolling, every table
cell labelled) and a 1366 px screen, in both languages. Screenshots go to ``LIMS_SCREENSHOTS`` when set."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from lims.models import Batch, Product, Record, TraceEvent
from lims.services.demo_products import ANISE_LOT, TEA_LOT

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
DEMO_PASSWORD = "demo-password-1"
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


def _context(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server, viewport=viewport, locale="vi-VN",
                                  is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    context.set_default_timeout(15_000)
    return context


def _shot(page, name: str) -> None:
    folder = os.environ.get("LIMS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _batch_id(db, lot: str) -> int:
    return db.scalar(select(Batch.id).where(Batch.lot == lot))


def test_a_business_records_a_storing_event_on_a_phone(browser, live_server, sign_in, demo, db):
    """The batch page, the step button, the form filled and sent, and the event on the timeline."""
    batch_id = _batch_id(db, TEA_LOT)
    context = _context(browser, live_server, PHONE)
    page = context.new_page()
    try:
        sign_in(page, "dn.huunghi", DEMO_PASSWORD)
        page.goto(f"/batches/{batch_id}?lang=en")
        before = page.locator("ol.timeline li.event").count()
        page.click("#record-event a[data-step=storing]")
        page.wait_for_url("**/record?step=storing")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.select_option("#f-place_id", label="Kho hàng cửa khẩu Đồng Đăng")
        page.fill("#f-quantity", "200")
        page.select_option("#f-quantity_unit", "piece")
        _shot(page, "record-storing-390")
        page.click("#record-submit")
        page.wait_for_url(f"**/batches/{batch_id}")
        assert page.locator("ol.timeline li.event").count() == before + 1
        assert page.locator("ol.timeline li.event[data-step=storing]").count() >= 2
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
    assert db.scalar(select(TraceEvent.id).where(TraceEvent.biz_step == "storing").order_by(TraceEvent.id.desc()))


def _pages(db, who: str) -> list[tuple[str, str]]:
    anise, tea = _batch_id(db, ANISE_LOT), _batch_id(db, TEA_LOT)
    anise_product = db.scalar(select(Batch.product_id).where(Batch.id == anise))
    tea_product = db.scalar(select(Batch.product_id).where(Batch.id == tea))
    declared = db.scalar(select(TraceEvent.id).where(TraceEvent.biz_step == "commissioning",
                                                     TraceEvent.owner_id == db.get(Product, tea_product).owner_id))
    if who == "dn.mauson":
        return [("products", "/products"), ("product", f"/products/{anise_product}"), ("batch", f"/batches/{anise}"),
                ("new-product", "/products/new"), ("edit-product", f"/products/{anise_product}/edit"),
                ("disclosure", f"/products/{anise_product}/disclosure"),
                ("new-batch", f"/products/{anise_product}/batches/new"), ("edit-batch", f"/batches/{anise}/edit"),
                ("places", "/places"), ("new-place", "/places/new"),
                ("record-transformation", f"/batches/{anise}/record?step=transformation"),
                ("record-shipping", f"/batches/{anise}/record?step=shipping"),
                ("record-packing", f"/batches/{anise}/record?step=packing")]
    if who == "dn.huunghi":
        return [("tea-batch", f"/batches/{tea}"), ("incoming", "/incoming"),
                ("declare", f"/trace-events/{declared}/declare")]
    record = db.scalar(select(TraceEvent.record_id).where(TraceEvent.biz_step == "inspecting"))
    assert db.get(Record, record) is not None
    return [("lab-products", "/products"), ("lab-batch", f"/batches/{anise}"), ("lab-places", "/places"),
            ("inspecting", f"/records/{record}/inspecting")]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_fits_a_phone_and_a_wide_screen(browser, live_server, sign_in, demo, db, lang):
    faults = []
    for who in ("dn.mauson", "dn.huunghi", "ktv.lan"):
        for viewport, size in ((PHONE, 390), (WIDE, 1366)):
            context = _context(browser, live_server, viewport)
            page = context.new_page()
            try:
                sign_in(page, who, DEMO_PASSWORD)
                page.goto(f"/dashboard?lang={lang}")
                for name, path in _pages(db, who):
                    resp = page.goto(path)
                    if resp is None or resp.status != 200:
                        faults.append(f"{who} {path}: {resp.status if resp else 'no answer'}")
                        continue
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > viewport["width"]:
                        faults.append(f"{who} {path}: {width} px wide at {size}")
                    bare = page.evaluate(UNLABELLED) if size == 390 else []
                    if bare:
                        faults.append(f"{who} {path}: cells without their column's label: {bare[:3]}")
                    _shot(page, f"{name}-{lang}-{size}")
            finally:
                context.close()
    assert not faults, "\n".join(faults)
