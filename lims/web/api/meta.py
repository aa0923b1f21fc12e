"""Who am I, and health."""
from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.db import check_database
from lims.web.api.blueprints import api_blueprint
from lims.web.auth import public
from lims.web.context import get_db

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
    database = fields.Str()


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
@bp.doc(security=[])
def health():
    """Liveness and database check (no login)."""
    return {"status": "ok", "database": check_database(get_db())}
