"""A 390 px phone: every cell of the recall tables carries its column label, and the record
page's "read from the balance" button keeps its words on one line."""
from __future__ import annotations

import pytest

from tests.services.workflow_factory import add_due_instruments, open_scale_record

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

#: (label shown before the cell, the cell's text) of every cell of every table.data on the page.
CELLS = """() => [...document.querySelectorAll('table.data td')].map(td => {
  const before = getComputedStyle(td, '::before').content;
  return [before === 'none' ? '' : before.replace(/^"|"$/g, ''), td.innerText.trim()];
})"""

#: Lines of text in an element: the distinct tops of its text's line boxes.
LINES = """el => { const r = document.createRange(); r.selectNodeContents(el);
  return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport=PHONE, is_mobile=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_recall_tables_label_every_cell_on_a_phone(phone, sign_in, lab, db, lang):
    add_due_instruments(db, lab)
    sign_in(phone, "tech")
    phone.goto(f"/recall?lang={lang}")
    cells = phone.evaluate(CELLS)
    assert len(cells) > 10
    assert all(label for label, _text in cells), [c for c in cells if not c[0]]
    by_business = phone.evaluate("""() => [...document.querySelectorAll('#recall-by-business td')]
        .map(td => getComputedStyle(td, '::before').content)""")
    overdue, soon = ("quá hạn", "đến hạn trong") if lang == "vi" else ("overdue", "due within")
    assert any(overdue in label for label in by_business) and any(soon in label for label in by_business)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone


def test_the_capture_button_keeps_its_text_on_one_line_on_a_phone(phone, sign_in, lab, db):
    rec = open_scale_record(db, lab)
    sign_in(phone, "tech")
    phone.goto(f"/records/{rec.id}")
    buttons = phone.locator("button.capture")
    assert buttons.count() > 0
    button = buttons.first
    button.scroll_into_view_if_needed()
    assert button.evaluate(LINES) == 1
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
