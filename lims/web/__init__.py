"""Web layer: blueprints ``ui`` (staff and business pages), ``public`` (no login) and ``api`` (/api/v1)."""
from __future__ import annotations

from flask import Flask, g

from lims.config import LANGUAGES
from lims.i18n import set_language
from lims.web.extensions import Api, babel, csrf, limiter
from lims.web.language import select_language

__all__ = ["init_web", "select_language"]


def init_web(app: Flask) -> None:
    from lims.web.auth import init_auth
    from lims.web.errors import init_errors

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_language)
    limiter.init_app(app)
    init_auth(app)
    init_errors(app)

    @app.before_request
    def _language_for_services():
        from flask_babel import get_locale

        g.lang = str(get_locale() or "vi")
        g._lang_token = set_language(g.lang)

    @app.context_processor
    def _globals():
        return {"lang": g.get("lang", "vi"), "languages": LANGUAGES}

    from lims.web import public, ui
    from lims.web.api import BLUEPRINTS, register
    from lims.web.filters import init_filters

    init_filters(app)
    app.register_blueprint(ui.bp)
    app.register_blueprint(public.bp)
    from lims.web import workflow as workflow_ui

    app.register_blueprint(workflow_ui.bp)
    from lims.web import certificates, public_certificates

    app.register_blueprint(public_certificates.bp)
    app.register_blueprint(certificates.bp)
    api = Api(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    register(api)
    for bp in BLUEPRINTS:
        csrf.exempt(bp)
    from lims.web.nav import init_nav
    from lims.web.transaction import wrap_views

    init_nav(app)  # menu and dashboard panels declared by the registered blueprints' modules

    wrap_views(app)
