"""Flask application factory: ``lims.app:create_app``."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, g
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from lims.config import Settings
from lims.db import make_engine, make_session_factory
from lims.i18n import translation_dirs
from lims.web.context import get_db, wants_json
from lims.web.setup import init_web

__all__ = ["create_app", "get_db", "wants_json"]


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the app. ``overrides`` are passed to :meth:`Settings.from_env` (tests use them)."""
    settings = settings or Settings.from_env(**overrides)
    app = Flask(__name__, instance_path=str(settings.instance_path),
                template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        LIMS=settings,
        BABEL_DEFAULT_LOCALE=settings.language,
        BABEL_TRANSLATION_DIRECTORIES=";".join(str(d) for d in translation_dirs()),
        # Cookies (docs/reliability.md, "Sessions and headers"): HttpOnly and SameSite=Lax always,
        # Secure when the public address is https; "remember me" lasts LIMS_REMEMBER_DAYS.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.https,
        REMEMBER_COOKIE_DURATION=timedelta(days=settings.remember_days),
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_url,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_ENABLED=True,
        API_TITLE="Metrology LIMS API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.config.update(settings.extra)

    engine = make_engine(settings.database_url)
    app.extensions["lims.engine"] = engine
    app.extensions["lims.sessions"] = make_session_factory(engine, settings.audit_key_file)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        db: Session | None = g.pop("db", None)
        if db is not None:
            if exc is not None:
                db.rollback()
            db.close()

    init_web(app)
    if settings.trusted_proxies:
        # Outermost, so the rate limits (also the public page's front door) see the client's address.
        n = settings.trusted_proxies
        # Replacing wsgi_app with a middleware is Flask's documented way; mypy sees a method assigned.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app
