"""Who am I, and health."""
from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.db import check_database
from lims.i18n import translator
from lims.web.api.blueprints import api_blueprint
from lims.web.auth import public
from lims.web.context import get_db
from lims.web.extensions import limiter
from lims.web.openapi import ERROR_RESPONSES, ErrorSchema
from lims.web.unavailable import RETRY_AFTER, message, outage, request_language

bp = Blueprint("api_meta", __name__, url_prefix="", description="Session and service status")
api_blueprint(bp)


class MeSchema(Schema):
    id = fields.Int()
    username = fields.Str()
    full_name = fields.Str()
    roles = fields.List(fields.Str())
    organisation_id = fields.Int(allow_none=True)


class HealthSchema(Schema):
    status = fields.Str()
    database = fields.Str(metadata={"description": "the database's dialect (sqlite, postgresql)"})
    rate_limit_storage = fields.Str(
        metadata={"description": "memory (each process its own), ok (a shared store such as Redis answers)"})


@bp.route("/me")
class Me(MethodView):
    @bp.response(200, MeSchema)
    def get(self):
        """The user the request is authenticated as."""
        return {
            "id": current_user.id,
            "username": current_user.username,
            "full_name": current_user.full_name,
            "roles": sorted(current_user.roles),
            "organisation_id": current_user.organisation_id,
        }


@public
@bp.route("/health")
@bp.response(200, HealthSchema)
@bp.alt_response(503, schema=ErrorSchema, headers=ERROR_RESPONSES[503][2],
                 description="A dependency is down: ``detail`` names each one "
                             "(``database``, ``rate_limit_storage``) as ``unreachable``; "
                             "``Retry-After`` says when to ask again.")
@bp.doc(security=[])
def health() -> Any:
    """Liveness and dependency check (no login): the database, and the rate-limit storage when
    it is shared (Redis); 503 naming what is down."""
    down: dict[str, str] = {}
    found: dict[str, str] = {"status": "ok"}
    try:
        found["database"] = check_database(get_db())
    except Exception as exc:  # noqa: BLE001 - whatever the reason, the database does not answer
        outage.failed(exc, current_app.logger)
        down["database"] = "unreachable"
    found["rate_limit_storage"] = _rate_limit_storage()
    if found["rate_limit_storage"] == "unreachable":
        down["rate_limit_storage"] = "unreachable"
    if not down:
        return found
    lang = request_language()
    text = message(lang) if "database" in down \
        else translator(lang)("The rate-limit storage (Redis) cannot be reached just now.")
    resp = jsonify({"error": text, "detail": down})
    resp.status_code = 503
    resp.headers["Retry-After"] = str(RETRY_AFTER)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _rate_limit_storage() -> str:
    """"memory" for the process's own counts, else whether the shared storage answers."""
    url = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if url.startswith("memory://"):
        return "memory"
    try:
        return "ok" if limiter.limiter.storage.check() else "unreachable"
    except Exception:  # noqa: BLE001 - a storage that cannot be asked is down
        return "unreachable"
