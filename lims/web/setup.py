"""Building the web layer onto an app: extensions, auth, errors, blueprints, menus, transactions.

Called once by :func:`lims.app.create_app`. Every view module is imported here, and none of them
imports this module, so the imports of the web package form no cycle.
"""
from __future__ import annotations

from flask import Flask, g
from flask_babel import get_locale

from lims.config import LANGUAGES
from lims.i18n import set_language
from lims.web import (
    accounts,
    certificates,
    instruments,
    office,
    password_reset,
    public,
    public_certificates,
    resolver,
    trace_front_door,
    trace_pages,
    ui,
)
from lims.web import imports as imports_ui
from lims.web import places as places_ui
from lims.web import products as products_ui
from lims.web import trace_recording as trace_recording_ui
from lims.web import workflow as workflow_ui
from lims.web.api import BLUEPRINTS, register
from lims.web.auth import init_auth
from lims.web.catalog_pages import bp as catalog_pages_bp
from lims.web.converters import init_converters
from lims.web.errors import init_errors
from lims.web.extensions import babel, csrf, limiter
from lims.web.filters import init_filters
from lims.web.headers import init_security_headers
from lims.web.language import select_language
from lims.web.login_limits import init_login_limits
from lims.web.nav import init_nav
from lims.web.openapi import Api
from lims.web.query import refuse_control_characters
from lims.web.transaction import wrap_views
from lims.web.unavailable import init_unavailable

__all__ = ["init_web"]


def init_web(app: Flask) -> None:
    init_converters(app)  # before any blueprint adds its routes
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_language)
    limiter.init_app(app)
    init_auth(app)
    init_login_limits(app)
    init_errors(app)
    init_unavailable(app)
    init_security_headers(app)  # every answer; the front door of /v/<token> adds the same

    @app.before_request
    def _language_for_services():
        g.lang = str(get_locale() or "vi")
        g._lang_token = set_language(g.lang)

    @app.teardown_request
    def _language_forgotten(_exc: BaseException | None) -> None:
        # A thread of `lims serve` serves request after request: what runs before the next
        # request's own choice (a 429 from the rate limiter, an error page) must not speak the
        # language of the previous client.
        set_language(None)

    app.before_request(refuse_control_characters)  # in the request's language

    @app.context_processor
    def _globals():
        return {"lang": g.get("lang", "vi"), "languages": LANGUAGES}

    init_filters(app)
    # The GS1 resolver's usual answers, before Flask (and after the check page's front door,
    # which public_certificates puts in front of it when registered).
    trace_front_door.install(app)
    app.register_blueprint(ui.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(workflow_ui.bp)
    app.register_blueprint(public_certificates.bp)
    app.register_blueprint(trace_pages.bp)
    app.register_blueprint(resolver.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(office.bp)
    app.register_blueprint(imports_ui.bp)
    app.register_blueprint(instruments.bp)
    app.register_blueprint(catalog_pages_bp)
    app.register_blueprint(password_reset.bp)
    app.register_blueprint(products_ui.bp)  # products, batches and places of businesses
    app.register_blueprint(places_ui.bp)
    app.register_blueprint(trace_recording_ui.bp)
    api = Api(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    register(api)
    for bp in BLUEPRINTS:
        csrf.exempt(bp)
    init_nav(app)  # menu and dashboard panels declared by the registered blueprints' modules

    wrap_views(app)
