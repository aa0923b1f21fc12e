"""A user's API tokens and deactivation (admin), and one's own password.

The same actions as the admin page of a user (:mod:`lims.web.accounts`) and the ``lims user``
commands, through the same services (:mod:`lims.services.users`), audited there. The users'
list and creation are in :mod:`lims.web.api.catalog`.
"""
from __future__ import annotations

from flask import g, request
from flask.views import MethodView
from flask_login import login_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.errors import ValidationError
from lims.models import Role
from lims.services import users
from lims.services.inputs import parse
from lims.web import login_limits
from lims.web.api.blueprints import api_blueprint
from lims.web.api.catalog import UserSchema
from lims.web.api.common import body, json_body
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db

bp = Blueprint("api_users", __name__, url_prefix="", description="Users: API tokens, deactivation, password")
api_blueprint(bp)


class RevokeTokensSchema(Schema):
    label = fields.Str(metadata={"description": "revoke the user's valid tokens with this label"})
    all = fields.Bool(metadata={"description": "true: revoke every valid token of the user (give this or a label)"})


class DeactivateUserSchema(Schema):
    reason = fields.Str(metadata={"description": "why (kept in the audit trail); may be left out"})


class ChangePasswordSchema(Schema):
    current_password = fields.Str(load_only=True, required=True)
    new_password = fields.Str(load_only=True, required=True, metadata={"description": "at least 8 characters"})


class ApiTokenSchema(Schema):
    id = fields.Int()
    label = fields.Str()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked = fields.Bool()


class RevokedSchema(Schema):
    revoked = fields.List(fields.Nested(ApiTokenSchema), metadata={"description": "the tokens revoked now"})


#: Each typed service input with the schema that documents it in the API (checked by a test).
INPUT_SCHEMAS: tuple[tuple[type, type[Schema]], ...] = (
    (users.RevokeTokens, RevokeTokensSchema),
    (users.DeactivateUser, DeactivateUserSchema),
    (users.ChangePassword, ChangePasswordSchema),
)


def _optional_body() -> dict:
    """The JSON object sent, or nothing at all (an empty body)."""
    return json_body() if request.get_data(cache=True) else {}


@bp.route("/users/<int:user_id>/tokens")
class UserTokens(MethodView):
    @roles_required(Role.admin)
    @bp.response(200, ApiTokenSchema(many=True))
    def get(self, user_id: int):
        """A user's API tokens, newest first: labels and dates, never the token itself (admin)."""
        return users.api_tokens(get_db(), acting_user(), user_id)


@bp.route("/users/<int:user_id>/tokens/revoke")
class UserTokensRevoke(MethodView):
    @roles_required(Role.admin)
    @bp.doc(**body(RevokeTokensSchema, "either {\"label\": \"...\"} or {\"all\": true}"))
    @bp.response(200, RevokedSchema)
    def post(self, user_id: int):
        """Revoke a user's API tokens by label, or all of them (admin): a bearer request with one is
        then 401. 404: no such user, or no valid token with that label; 422: neither or both asked."""
        rows = users.revoke_api_tokens(get_db(), acting_user(), user_id, parse(users.RevokeTokens, json_body()))
        return {"revoked": rows}


@bp.route("/users/<int:user_id>/deactivate")
class UserDeactivate(MethodView):
    @roles_required(Role.admin)
    @bp.doc(requestBody={"required": False, "content": {"application/json": {"schema": DeactivateUserSchema}}})
    @bp.response(200, UserSchema)
    def post(self, user_id: int):
        """Deactivate a user (admin): every session of theirs ends at its next request, they cannot
        sign in, their API tokens are refused. 404: no such user; 409: already deactivated; 422:
        yourself (another administrator must do it)."""
        return users.deactivate_user(get_db(), acting_user(), user_id, parse(users.DeactivateUser, _optional_body()))


@bp.route("/me/password")
class MyPassword(MethodView):
    @bp.doc(**body(ChangePasswordSchema))
    @bp.response(204)
    def post(self):
        """Change your own password, giving the current one: every session and remember cookie of
        yours ends (a browser session making this call stays signed in); API tokens stay valid.
        422: the current password is wrong, or the new one too short or the same; a wrong current
        password counts as a failed sign-in from this address (429 once blocked)."""
        username = getattr(acting_user(), "username", "")
        seconds = login_limits.wait(username)
        if seconds:
            return login_limits.too_many(seconds)
        try:
            user = users.change_password(get_db(), acting_user(), parse(users.ChangePassword, json_body()))
        except ValidationError as exc:
            seconds = login_limits.password_refused(username, exc.errors or {})
            if seconds:
                return login_limits.too_many(seconds)
            raise
        if not g.get("api_token_auth"):
            login_user(user)  # this browser session carries the new version
        return None
