"""The places of businesses for traceability (farm, factory, warehouse, shop).

* ``/places`` — the list (a business: its own; the lab and inspectors: all), searched and paged;
* ``/places/new``, ``/places/<id>/edit`` — name, address, GLN or local identifier (generated when
  both are left empty); ``/places/<id>/active`` — withdraw or put back in use.

Views parse, call one service (:mod:`lims.services.trace_locations`) and render.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lims.errors import LimsError
from lims.services import policy, trace_locations
from lims.services.catalog_edits import values_of
from lims.services.inputs import parse
from lims.web.admin_sections import Field
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.listing import page_paging, pager, query_text
from lims.web.products import MANAGERS, READERS, Form, form_page, owner_field
from lims.web.transaction import rollback

bp = Blueprint("places", __name__)


def place_form(title: Any, *, new: bool) -> Form:
    return Form("places", title, (owner_field() if new else ()) + (
        Field("name", _l("Name"), "text", True, help=_l("e.g. drying house, warehouse, shop")),
        Field("address", _l("Address"), "textarea"),
        Field("gln", _l("GLN"), help=_l("13 digits, when the business has a GS1 Global Location Number")),
        Field("local_id", _l("Local identifier"), help=_l("without a GLN: letters, digits, - . _ ; left empty, "
                                                          "one is given (LOC-001 …)")),
    ))


@bp.route("/places")
@roles_required(*READERS)
def places_list() -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    number, per_page, offset = page_paging()
    f = trace_locations.LocationFilter(q=query_text(), active=request.args.get("active") or None,
                                       sort=(request.args.get("sort") or "").strip() or None)
    found = trace_locations.search_locations(db, actor, f, limit=per_page, offset=offset)
    return render_template("products/places.html", found=found, f=f,
                           pager=pager(found, number, per_page, f.sort, "name"),
                           can_add=policy.has_role(actor, *MANAGERS), staff=policy.is_staff(actor),
                           manages=lambda place: policy.can_manage_products(actor, place.owner_id))


@bp.route("/places/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def place_new() -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    return form_page(place_form(_("New place"), new=True), {},
                     lambda sent: trace_locations.create_location(db, actor, parse(trace_locations.NewLocation, sent)),
                     lambda _p: url_for("places.places_list"), cancel=url_for("places.places_list"))


@bp.route("/places/<int:location_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def place_edit(location_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    place = trace_locations.get_location(db, actor, location_id)
    back = url_for("places.places_list")
    return form_page(place_form(_("Correct place %(name)s", name=place.name), new=False),
                     values_of(place, trace_locations.NewLocation),
                     lambda sent: trace_locations.update_location(db, actor, location_id,
                                                                  trace_locations.location_change(place, sent)),
                     lambda _p: back, cancel=back, frozen=trace_locations.location_frozen(db, place),
                     frozen_help=_("Fixed: batches or events name this place by its identifier."))


@bp.route("/places/<int:location_id>/active", methods=["POST"])
@roles_required(*MANAGERS)
def place_active(location_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    place = trace_locations.get_location(db, actor, location_id)
    active = request.form.get("active") == "1"
    try:
        trace_locations.update_location(db, actor, location_id,
                                        trace_locations.location_change(place, {"active": active}))
    except LimsError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        flash(_("Back in use.") if active else _("Withdrawn: offered for no new batch or event."), "success")
    return redirect(url_for("places.places_list"))
