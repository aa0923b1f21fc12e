"""The import page in a real browser: an admin chooses a file, checks it, reads the table of every
row and column at fault (in Vietnamese), checks a corrected file and imports it — at 1366 px and
on a 390 px phone, where nothing scrolls sideways."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lims.models import Organisation

pytestmark = pytest.mark.browser

BAD = "name,tax_code,email\r\nA,0101234567,a@x.vn\r\nB,12345,not-mail\r\n,0101234567,\r\n"
GOOD = "name,tax_code\r\nCông ty Cân Hữu Nghị,0101234567\r\nCơ sở Mẫu Sơn,0209876543\r\n"


@pytest.mark.parametrize("width", [1366, 390])
def test_dry_run_lists_the_faults_then_the_corrected_file_is_imported(browser, live_server, sign_in, make_user, db,
                                                                      tmp_path, width):
    make_user("boss", "admin")
    bad, good = tmp_path / "khach-hang.csv", tmp_path / "khach-hang-sua.csv"
    bad.write_bytes(BAD.encode("utf-8-sig"))
    good.write_bytes(GOOD.encode("utf-8-sig"))
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        sign_in(page, "boss")
        page.goto("/admin/import")
        page.select_option("#f-kind", "customers")
        page.set_input_files("#f-file", str(bad))
        page.click("#import-check button[type=submit]")
        page.wait_for_selector("#import-errors")
        rows = page.locator("#import-errors tbody tr")
        assert rows.count() == 4
        assert [rows.nth(i).locator("td").first.inner_text() for i in range(4)] == ["3", "3", "4", "4"]
        assert rows.nth(3).locator("td").nth(1).inner_text() == "Mã số thuế"
        assert rows.nth(3).locator("td").nth(2).inner_text() == "Mã số thuế này đã có ở dòng 2."
        assert page.locator("#import-run").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"import-errors-{width}.png"), full_page=True)
        page.set_input_files("#f-file", str(good))
        page.click("#import-check button[type=submit]")
        page.wait_for_selector("#import-run")
        page.screenshot(path=str(tmp_path / f"import-ok-{width}.png"), full_page=True)
        page.click("#import-run button[type=submit]")
        page.wait_for_selector(".flash")
        assert "Đã nhập 2 dòng từ khach-hang-sua.csv." in page.inner_text("body")
        if width < 700:  # the menu folds on a phone
            page.click(".menu-toggle")
        page.click("nav >> text=Xuất dữ liệu")
        page.wait_for_url("**/admin/export")
        assert page.locator("#exports a[data-export]").count() == 8
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"export-{width}.png"), full_page=True)
    finally:
        context.close()
    names = set(db.scalars(select(Organisation.name)))
    assert names == {"Công ty Cân Hữu Nghị", "Cơ sở Mẫu Sơn"}
