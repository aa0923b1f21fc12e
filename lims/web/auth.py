"""Who is asking: session login for pages, bearer tokens for the API, and role checks.

Every endpoint is closed to anonymous users unless its view is marked with :func:`public`;
the route-permission test walks the URL map to prove it. Role checks ask
:mod:`lims.services.policy`; templates find it as ``policy`` (e.g.
``policy.can_edit_record(current_user, record)``) instead of re-deriving a rule from roles.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from lims.models import Role, User
from lims.services import policy, users
from lims.web.context import get_db, wants_json
from lims.web.errors import problem
from lims.web.extensions import login_manager

PUBLIC_ATTR = "_lims_public"
#: Set on a view by :func:`roles_required`: the roles it lets in (the OpenAPI document lists 403 for it).
ROLES_ATTR = "_lims_roles"
# Endpoints of libraries that are public by design (views we do not define ourselves).
PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json"}


def public(view: Callable) -> Callable:
    """Mark a view as open to anonymous users (public verification pages, login, health)."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def is_public_endpoint(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # 404s and the like: nothing to protect
    if endpoint in PUBLIC_ENDPOINTS:
        return True
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    return bool(getattr(view, PUBLIC_ATTR, False) or getattr(view_class, PUBLIC_ATTR, False))


def roles_required(*roles: str | Role) -> Callable:
    """Allow the view only to users holding one of ``roles`` (admins hold every role)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user
            if not user.is_authenticated:
                return login_manager.unauthorized()
            if not policy.has_role(user, *roles):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ROLES_ATTR, roles)
        return wrapped

    return decorator


def acting_user() -> User | None:
    user = current_user  # flask_login has no types: the signed-in User, or its anonymous user
    return user if user.is_authenticated else None


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    app.jinja_env.globals["policy"] = policy
    login_manager.login_view = "ui.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(key: str) -> User | None:
        # The session's and the remember cookie's "<id>:<session version>" (User.get_id).
        return users.session_user(get_db(), key)

    @login_manager.request_loader
    def _load_from_token(req) -> User | None:
        token = _bearer_token()
        if not token:
            return None
        user = users.user_for_token(get_db(), token)  # last_used_at: committed with the request
        if user is not None:
            g.api_token_auth = True
        return user

    @login_manager.unauthorized_handler
    def _unauthorized():
        if wants_json():
            return problem(401, "Authentication required.",
                           {"hint": "Send 'Authorization: Bearer <token>' (see `lims user token`)."})
        return redirect(url_for("ui.login", next=request.full_path if request.query_string else request.path))

    @app.before_request
    def _deny_anonymous_by_default():
        if is_public_endpoint(current_app, request.endpoint):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
