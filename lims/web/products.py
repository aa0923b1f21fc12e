"""The pages of products and batches: the business's own (its portal), read by the lab and inspectors.

* ``/products`` — the list (search, pager); ``/products/new``; ``/products/<id>`` — its data, its
  batches, its Digital Link (the public page) and, for its business, Correct, Withdraw / Reinstate
  and "What the public sees"; ``/products/<id>/edit``, ``/products/<id>/disclosure``.
* ``/products/<id>/batches/new``; ``/batches/<id>`` — the batch (internal): its data, the timeline
  of every event about it (an erroneous one struck through with its declaration and links to the
  corrective events) and the forms to record an event (:mod:`lims.web.trace_recording`);
  ``/batches/<id>/edit``.

Views parse, call one service (:mod:`lims.services.products`, :mod:`lims.services.batches`) and render.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lims.errors import Conflict, LimsError, ValidationError
from lims.models import Role
from lims.services import batches, catalog, policy, products, trace_locations
from lims.services.audit_sentences import history_of
from lims.services.catalog_edits import values_of
from lims.services.inputs import parse
from lims.services.trace_timeline import batch_timeline
from lims.web.admin_sections import Field
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.filters import unit_symbol
from lims.web.instruments import _form_value
from lims.web.listing import page_paging, pager, query_text
from lims.web.nav import NavItem
from lims.web.transaction import rollback

bp = Blueprint("products", __name__)

READERS = (*policy.STAFF_ROLES, Role.business)
MANAGERS = (Role.admin, Role.business)
NAV = (NavItem("products.products_list", _l("Products"), READERS, order=30),)

#: What each part of the public page is, for the disclosure form.
DISCLOSURE_LABELS = {
    "product": _l("The product: name, GTIN, net quantity, category"),
    "lot": _l("The lot number and quantity produced"),
    "dates": _l("Production and expiry dates"),
    "inspections": _l("Inspection results, with links to certificates"),
    "places": _l("The chain of places the batch went through"),
    "partners": _l("The names of partner businesses (where goods came from or went to)"),
}
STEP_LABELS = {
    "commissioning": _l("Commissioned (produced)"), "shipping": _l("Shipped"), "receiving": _l("Received"),
    "storing": _l("Stored"), "packing": _l("Packed"), "transformation": _l("Made from other lots"),
    "inspecting": _l("Inspected"), "TransformationEvent": _l("Made from other lots"),
}
REASON_LABELS = {"did_not_occur": _l("it did not happen"), "incorrect_data": _l("its data were wrong")}
ROLE_LABELS = {"object": "", "input": _l("input"), "output": _l("output"), "child": _l("packed")}


@dataclass(frozen=True)
class Form:
    """A form drawn by ``admin/form.html``: its title and fields."""

    key: str
    title: Any
    fields: tuple[Field, ...]


def _businesses(_value: str = "") -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in catalog.list_organisations(get_db(), "business", active_only=True)]


def owner_field() -> tuple[Field, ...]:
    """The business a new entry is for: asked of an admin only (a business registers for itself)."""
    if policy.has_role(acting_user(), Role.admin):
        return (Field("owner_id", _l("Business"), "select", True, _businesses),)
    return ()


def _units(units: list[str]) -> Callable[..., list[tuple[str, str]]]:
    def choices(_value: str = "") -> list[tuple[str, str]]:
        return [(u, _("packages, pieces") if u == products.COUNT_UNIT else unit_symbol(u)) for u in units]
    return choices


def product_form(title: Any) -> Form:
    return Form("products", title, owner_field() + (
        Field("gtin", _l("GTIN"), "text", True, help=_l("8, 12, 13 or 14 digits with the check digit, e.g. "
                                                        "893… for a Vietnamese company prefix")),
        Field("name_vi", _l("Name (Vietnamese)"), "text", True),
        Field("name_en", _l("Name (English)")),
        Field("net_quantity", _l("Net quantity"), "number",
              help=_l("of one package; leave empty for goods sold loose")),
        Field("net_unit", _l("Unit of the net quantity"), "select", False, _units(products.net_units())),
        Field("category", _l("Category"), help=_l("e.g. spice, tea, dried fruit")),
        Field("description", _l("Description"), "textarea"),
    ))


def batch_form(title: Any, product: Any) -> Form:
    def places(_value: str = "") -> list[tuple[str, str]]:
        return [(str(p.id), p.name) for p in trace_locations.owned_locations(get_db(), product.owner_id)]

    return Form("batches", title, (
        Field("lot", _l("Lot number"), "text", True, help=_l("up to 20 letters, digits or - . / _ (GS1 AI 10)")),
        Field("production_date", _l("Production date"), "date"),
        Field("expiry_date", _l("Expiry date"), "date"),
        Field("quantity", _l("Quantity produced"), "number"),
        Field("quantity_unit", _l("Unit of the quantity"), "select", False, _units(batches.batch_units(product))),
        Field("location_id", _l("Place of production"), "select", False, places),
    ))


def form_page(form: Form, values: dict[str, Any], save: Callable[[dict[str, Any]], Any], done: Callable[[Any], str],
              *, cancel: str, frozen: tuple[str, ...] = (), frozen_help: Any = "",
              version: int | None = None) -> ResponseReturnValue:
    """GET: the form with ``values``. POST: the fields sent (not the frozen ones) saved by ``save``;
    a refusal shows the form again with what was typed (422, or 409 for a stale version)."""
    errors: dict[str, str] = {}
    status = 200
    data = {k: _form_value(v) for k, v in values.items()}
    if request.method == "POST":
        sent: dict[str, Any] = {f.name: request.form.get(f.name, "") for f in form.fields
                                if f.name not in frozen and f.name in request.form}
        if version is not None:
            sent["version_id"] = request.form.get("version_id", "")
        try:
            saved = save(sent)
        except ValidationError as exc:
            rollback()
            errors, status = exc.errors or {"": exc.message}, 422
        except Conflict as exc:
            rollback()
            errors, status = {"": exc.message}, 409
        else:
            flash(_("Saved."), "success")
            return redirect(done(saved))
        data.update({k: v for k, v in sent.items() if k != "version_id"})
        version = sent.get("version_id", version)
    hidden = {"version_id": version} if version is not None else {}
    return render_template("admin/form.html", section=form, data=data, errors=errors, hidden=hidden, frozen=frozen,
                           frozen_help=frozen_help, title=form.title, cancel=cancel), status


# ---------------------------------------------------------------- products


@bp.route("/products")
@roles_required(*READERS)
def products_list() -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    number, per_page, offset = page_paging()
    f = products.ProductFilter(q=query_text(), active=request.args.get("active") or None,
                               sort=(request.args.get("sort") or "").strip() or None)
    found = products.search_products(db, actor, f, limit=per_page, offset=offset)
    return render_template("products/list.html", found=found, f=f, pager=pager(found, number, per_page, f.sort, "name"),
                           can_add=policy.has_role(actor, *MANAGERS), staff=policy.is_staff(actor),
                           incoming=policy.has_role(actor, Role.business) and policy.organisation_of(actor) is not None
                           and not policy.is_staff(actor))


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def product_new() -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    return form_page(product_form(_("New product")), {},
                     lambda sent: products.create_product(db, actor, parse(products.NewProduct, sent)),
                     lambda p: url_for("products.product_page", product_id=p.id),
                     cancel=url_for("products.products_list"))


@bp.route("/products/<int:product_id>")
@roles_required(*READERS)
def product_page(product_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    product = products.get_product(db, actor, product_id)
    found = batches.search_batches(db, actor, batches.BatchFilter(product_id=product.id), limit=200, offset=0)
    return render_template("products/product.html", p=product, batches=found, link=products.digital_link(product.gtin),
                           can_manage=policy.can_manage_products(actor, product.owner_id),
                           disclosure=_disclosure(product), labels=DISCLOSURE_LABELS,
                           history=history_of(db, "product", product.id) if policy.is_staff(actor) or
                           policy.can_manage_products(actor, product.owner_id) else [])


def _disclosure(product: Any) -> dict[str, bool]:
    return {part: bool((product.disclosure or {}).get(part, default))
            for part, default in products.DISCLOSURE_PARTS.items()}


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def product_edit(product_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    product = products.get_product(db, actor, product_id)
    values = values_of(product, products.NewProduct)
    page = url_for("products.product_page", product_id=product_id)
    form = Form("products", _("Correct product %(gtin)s", gtin=product.gtin),
                tuple(f for f in product_form("").fields if f.name != "owner_id"))
    return form_page(form, values, lambda sent: products.update_product(
        db, actor, product_id, products.product_change(product, sent)), lambda _p: page, cancel=page,
        frozen=products.product_frozen(db, product), version=product.version_id,
        frozen_help=_("Fixed: batches of this product exist and their labels carry this GTIN."))


@bp.route("/products/<int:product_id>/active", methods=["POST"])
@roles_required(*MANAGERS)
def product_active(product_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    product = products.get_product(db, actor, product_id)
    active = request.form.get("active") == "1"
    try:
        products.update_product(db, actor, product_id, products.product_change(product, {
            "version_id": request.form.get("version_id", ""), "active": active}))
    except LimsError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        flash(_("Reinstated.") if active else _("Withdrawn: no new batch of it."), "success")
    return redirect(url_for("products.product_page", product_id=product_id))


@bp.route("/products/<int:product_id>/disclosure", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def product_disclosure(product_id: int) -> ResponseReturnValue:
    """What the public batch page shows of the product's batches (defaults stated)."""
    db, actor = get_db(), acting_user()
    product = products.get_product(db, actor, product_id)
    error, status = "", 200
    if request.method == "POST":
        chosen = {part: bool(request.form.get(part)) for part in products.DISCLOSURE_PARTS}
        try:
            products.update_product(db, actor, product_id, products.product_change(product, {
                "version_id": request.form.get("version_id", ""), "disclosure": chosen}))
        except LimsError as exc:
            rollback()
            error, status = exc.message, exc.status
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("products.product_page", product_id=product_id))
    return render_template("products/disclosure.html", p=product, shown=_disclosure(product), labels=DISCLOSURE_LABELS,
                           defaults=products.DISCLOSURE_PARTS, error=error), status


# ---------------------------------------------------------------- batches


@bp.route("/products/<int:product_id>/batches/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def batch_new(product_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    product = products.get_product(db, actor, product_id)
    return form_page(batch_form(_("New batch of %(name)s", name=product.name(_lang())), product), {},
                     lambda sent: batches.create_batch(db, actor, parse(batches.NewBatch, {**sent,
                                                                                          "product_id": product.id})),
                     lambda b: url_for("products.batch_page", batch_id=b.id),
                     cancel=url_for("products.product_page", product_id=product_id))


def _lang() -> str:
    from flask import g

    return str(g.get("lang", "vi"))


@bp.route("/batches/<int:batch_id>")
@roles_required(*READERS)
def batch_page(batch_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    batch = batches.get_batch(db, actor, batch_id)
    lines = batch_timeline(db, batch)
    own = policy.organisation_of(actor)
    return render_template("products/batch.html", b=batch, p=batch.product, lines=lines,
                           link=products.digital_link(batch.product.gtin, batch.lot),
                           can_manage=policy.can_manage_products(actor, batch.product.owner_id),
                           can_record=policy.has_role(actor, Role.business) and own == batch.product.owner_id,
                           own=own, step_labels=STEP_LABELS, reason_labels=REASON_LABELS, role_labels=ROLE_LABELS,
                           steps=("commissioning", "transformation", "packing", "storing", "shipping", "receiving"))


@bp.route("/batches/<int:batch_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def batch_edit(batch_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    batch = batches.get_batch(db, actor, batch_id)
    page = url_for("products.batch_page", batch_id=batch_id)
    return form_page(batch_form(_("Correct batch %(lot)s", lot=batch.lot), batch.product),
                     values_of(batch, batches.NewBatch),
                     lambda sent: batches.update_batch(db, actor, batch_id, batches.batch_change(batch, sent)),
                     lambda _b: page, cancel=page, frozen=batches.batch_frozen(db, batch),
                     frozen_help=_("Fixed: events name this batch by its lot."))
