"""Shared fixtures for tests that drive the pages in a real headless browser.

* ``live_server`` — the app served by werkzeug in a background thread on 127.0.0.1 (a free
  port), against the test database, with CSRF protection on as in production; yields the
  base URL. The server's threads use connections of their own, so these tests use committed
  data (``committed_db``: tables emptied before and after each test).
* ``browser`` — Debian's Chromium driven by Playwright, once per test session.
* ``page`` — a fresh browser context and page per test (cookies do not leak between tests).
* ``sign_in(page, username)`` — fills the login form.

Mark browser tests with ``@pytest.mark.browser``.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.helpers import PASSWORD

CHROMIUM = os.environ.get("LIMS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_app(committed_db, make_app):
    return make_app(secret_key="browser-test-secret-key", extra={"TESTING": True, "RATELIMIT_ENABLED": False})


@pytest.fixture
def live_server(live_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (set LIMS_TEST_CHROMIUM)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def sign_in():
    def do(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")

    return do
