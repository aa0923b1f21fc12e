"""One organisation, instrument type, reference standard or user: read it, correct it, withdraw it.

``GET`` answers the entry with its ``version_id``; ``PATCH`` takes only the fields that change
and the ``version_id`` read (stale: 409 naming who changed it), checked as a creation is (a
wrong field: 422 naming it), refused with the reason when it would make existing records
disagree (:mod:`lims.services.catalog_edits`, :mod:`lims.services.standard_edits`,
:mod:`lims.services.user_edits`). Withdraw an organisation or an instrument type with
``{"active": false}``, retire a standard with ``{"status": "retired"}``; a user is deactivated
and reactivated by their own operations. Admins only, but reading a type (everyone) and an
organisation or standard (staff).
"""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.models import Role
from lims.services import catalog, catalog_edits, policy, standard_edits, user_edits
from lims.services.inputs import parse
from lims.services.policy import STAFF_ROLES
from lims.services.users import get_user_by_id
from lims.web.api.blueprints import api_blueprint
from lims.web.api.catalog import InstrumentTypeSchema, OrganisationSchema, ReferenceStandardSchema, UserSchema
from lims.web.api.common import body, json_body
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db

bp = Blueprint("api_catalog_items", __name__, url_prefix="",
               description="Correcting and withdrawing organisations, instrument types, standards and users")
api_blueprint(bp)

VERSION = {"description": "the version_id read (409 when stale)"}


class OrganisationChangeSchema(OrganisationSchema):
    """A correction: only the fields given change; ``active`` false withdraws it from new work."""

    active = fields.Bool(metadata={"description": "false: withdrawn (no new instrument, request or user names "
                                                  "it; what refers to it stays); the lab cannot be withdrawn"})
    version_id = fields.Int(required=True, metadata=VERSION)


class InstrumentTypeChangeSchema(InstrumentTypeSchema):
    active = fields.Bool(metadata={"description": "false: withdrawn (no new instrument or request with it)"})
    version_id = fields.Int(required=True, metadata=VERSION)


class StandardChangeSchema(ReferenceStandardSchema):
    status = fields.Str(metadata={"enum": ["in_use", "out_of_tolerance", "retired"],
                                  "description": "retired: offered for no new record"})
    version_id = fields.Int(required=True, metadata=VERSION)


class UserChangeSchema(Schema):
    full_name = fields.Str()
    job_title = fields.Str(metadata={"description": "printed under the signature on certificates"})
    email = fields.Str()
    language = fields.Str(allow_none=True, metadata={"enum": ["vi", "en", None]})
    roles = fields.List(fields.Str(), required=True)
    organisation_id = fields.Int(allow_none=True)
    version_id = fields.Int(required=True, metadata=VERSION)


class ReactivateUserSchema(Schema):
    reason = fields.Str(metadata={"description": "why (kept in the audit trail); may be left out"})


#: Each typed service input with the schema that documents it in the API (checked by a test).
INPUT_SCHEMAS: tuple[tuple[type, type[Schema]], ...] = (
    (catalog_edits.OrganisationChange, OrganisationChangeSchema),
    (catalog_edits.InstrumentTypeChange, InstrumentTypeChangeSchema),
    (standard_edits.StandardChange, StandardChangeSchema),
    (user_edits.UserChange, UserChangeSchema),
    (user_edits.ReactivateUser, ReactivateUserSchema),
)

ONLY_GIVEN = "only the fields given change; version_id required"


def _optional_body() -> dict:
    """The JSON object sent, or nothing at all (an empty body)."""
    return json_body() if request.get_data(cache=True) else {}


@bp.route("/organisations/<int:organisation_id>")
class OrganisationItem(MethodView):
    @roles_required(*STAFF_ROLES)
    @bp.response(200, OrganisationSchema)
    def get(self, organisation_id: int):
        """One organisation (staff)."""
        return catalog_edits.get_organisation(get_db(), organisation_id)

    @bp.doc(**body(OrganisationChangeSchema(partial=("name",)), ONLY_GIVEN))
    @bp.response(200, OrganisationSchema)
    def patch(self, organisation_id: int):
        """Correct an organisation, withdraw it ("active": false) or reinstate it (admin). 422: a wrong
        field, the tax code of another, its kind once it has instruments or requests, withdrawing the lab."""
        db, actor = get_db(), acting_user()
        policy.require(actor, Role.admin)
        org = catalog_edits.get_organisation(db, organisation_id)
        return catalog_edits.update_organisation(db, actor, organisation_id,
                                                 catalog_edits.organisation_change(org, json_body()))


@bp.route("/instrument-types/<int:type_id>")
class InstrumentTypeItem(MethodView):
    @bp.response(200, InstrumentTypeSchema)
    def get(self, type_id: int):
        """One instrument type."""
        return catalog_edits.get_instrument_type(get_db(), type_id)

    @bp.doc(**body(InstrumentTypeChangeSchema(partial=("code", "name_vi", "quantity", "unit")), ONLY_GIVEN))
    @bp.response(200, InstrumentTypeSchema)
    def patch(self, type_id: int):
        """Correct an instrument type, withdraw it ("active": false) or reinstate it (admin). 422: a wrong
        field, the code of another, its quantity or unit once instruments are registered with it."""
        db, actor = get_db(), acting_user()
        policy.require(actor, Role.admin)
        itype = catalog_edits.get_instrument_type(db, type_id)
        return catalog_edits.update_instrument_type(db, actor, type_id, catalog_edits.type_change(itype, json_body()))


@bp.route("/reference-standards/<int:standard_id>")
class ReferenceStandardItem(MethodView):
    @roles_required(*STAFF_ROLES)
    @bp.response(200, ReferenceStandardSchema)
    def get(self, standard_id: int):
        """One reference standard with its calibrations (staff)."""
        return catalog.get_reference_standard(get_db(), standard_id)

    @bp.doc(**body(StandardChangeSchema(partial=("code", "name", "quantity", "range_max", "range_unit")),
                   ONLY_GIVEN))
    @bp.response(200, ReferenceStandardSchema)
    def patch(self, standard_id: int):
        """Correct a reference standard or set its status, e.g. "retired" (admin). 422: a wrong field, the
        code of another, its quantity or range unit once a record used it (its quantity once calibrated)."""
        db, actor = get_db(), acting_user()
        policy.require(actor, Role.admin)
        std = catalog.get_reference_standard(db, standard_id)
        return standard_edits.update_reference_standard(db, actor, standard_id,
                                                        standard_edits.standard_change(std, json_body()))


@bp.route("/users/<int:user_id>")
class UserItem(MethodView):
    @roles_required(Role.admin)
    @bp.response(200, UserSchema)
    def get(self, user_id: int):
        """One user (admin)."""
        return get_user_by_id(get_db(), user_id)

    @bp.doc(**body(UserChangeSchema(partial=("roles",)), ONLY_GIVEN))
    @bp.response(200, UserSchema)
    def patch(self, user_id: int):
        """Correct a user's name, job title, e-mail, language, roles or organisation (admin). 422: a wrong
        field, removing your own administrator role or the last active administrator's."""
        db, actor = get_db(), acting_user()
        policy.require(actor, Role.admin)
        user = get_user_by_id(db, user_id)
        return user_edits.update_user(db, actor, user_id, user_edits.user_change(user, json_body()))


@bp.route("/users/<int:user_id>/reactivate")
class UserReactivate(MethodView):
    @roles_required(Role.admin)
    @bp.doc(requestBody={"required": False, "content": {"application/json": {"schema": ReactivateUserSchema}}})
    @bp.response(200, UserSchema)
    def post(self, user_id: int):
        """Reactivate a deactivated user (admin): they may sign in again. 404: no such user; 409: active."""
        return user_edits.reactivate_user(get_db(), acting_user(), user_id,
                                          parse(user_edits.ReactivateUser, _optional_body()))
