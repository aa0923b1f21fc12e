"""Products, batches and places of businesses (product traceability).

A business user lists, reads, registers and corrects its own; an admin any business's (naming
``owner_id``); the lab's staff and inspectors read all. Another business's entry is 404, as it is
not theirs to see; a write by a reader is 403. Lists take ``q``, ``sort``, their filters, ``limit``
and ``offset`` and answer the total in ``X-Total-Count``. A correction (``PATCH``) takes only the
fields that change; a product's also the ``version_id`` read (stale: 409). Bad input: 422 naming
every field (:mod:`lims.services.products`, :mod:`lims.services.batches`,
:mod:`lims.services.trace_locations`).
"""
from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from lims.models import Role
from lims.services import batches, products, trace_locations
from lims.services.inputs import parse
from lims.services.policy import STAFF_ROLES
from lims.web.api.blueprints import api_blueprint
from lims.web.api.common import body, int_param, json_body
from lims.web.api.list_params import TOTAL_HEADERS_DOC, enum_param
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.listing import API_LIMIT, API_MAX_LIMIT, MAX_Q, api_paging, query_text, total_headers
from lims.web.query import query_int

bp = Blueprint("api_trace_products", __name__, url_prefix="",
               description="Products, batches and places of businesses (product traceability)")
api_blueprint(bp)

READERS = (*STAFF_ROLES, Role.business)
ONLY_GIVEN = "only the fields given change"
UNIT = {"description": "a unit of the lab's unit table (mass, volume or length: g, kg, mL, L, m …)"}


class ProductSchema(Schema):
    id = fields.Int(dump_only=True)
    owner_id = fields.Int(allow_none=True, metadata={
        "description": "the business; a business user's own when left out (an admin names it)"})
    owner_name = fields.Function(lambda p: p.owner.name, dump_only=True)
    gtin = fields.Str(required=True, metadata={
        "description": "GTIN-8, -12, -13 or -14 with its check digit; answered as GTIN-14"})
    name_vi = fields.Str(required=True)
    name_en = fields.Str()
    net_quantity = fields.Float(allow_none=True, metadata={"description": "nominal net quantity of one package"})
    net_unit = fields.Str(metadata=UNIT)
    category = fields.Str()
    description = fields.Str()
    disclosure = fields.Dict(dump_only=True, metadata={
        "description": "what the public batch page shows that differs from the defaults (product, lot, dates, "
                       "inspections, places: shown; partners: hidden)"})
    active = fields.Bool(dump_only=True, metadata={"description": "false: withdrawn (no new batch)"})
    digital_link = fields.Function(lambda p: products.digital_link(p.gtin), dump_only=True,
                                   metadata={"description": "the product's GS1 Digital Link"})
    version_id = fields.Int(dump_only=True)


class ProductChangeSchema(ProductSchema):
    active = fields.Bool(metadata={"description": "false: withdrawn (no new batch); true: reinstated"})
    disclosure = fields.Dict(allow_none=True, keys=fields.Str(), values=fields.Bool(), metadata={
        "description": "what the public sees, by part: product, lot, dates, inspections, places, partners "
                       "(true: shown); a part left out keeps its default"})
    version_id = fields.Int(required=True, metadata={"description": "the version_id read (409 when stale)"})


class BatchSchema(Schema):
    id = fields.Int(dump_only=True)
    product_id = fields.Int(required=True)
    gtin = fields.Function(lambda b: b.product.gtin, dump_only=True)
    lot = fields.Str(required=True, metadata={"description": "GS1 AI (10): up to 20 characters of GS1 character "
                                                             "set 82; unique per product"})
    production_date = fields.Date(allow_none=True, metadata={"description": "not in the future"})
    expiry_date = fields.Date(allow_none=True, metadata={"description": "not before the production date"})
    quantity = fields.Float(allow_none=True, metadata={"description": "quantity produced"})
    quantity_unit = fields.Str(metadata={
        "description": "a unit of the kind of the product's net quantity, or \"piece\" for a count of "
                       "packages"})
    location_id = fields.Int(allow_none=True, metadata={"description": "the business's place where it was produced"})
    digital_link = fields.Function(lambda b: products.digital_link(b.product.gtin, b.lot), dump_only=True,
                                   metadata={"description": "the batch's GS1 Digital Link (its label's QR)"})


class BatchChangeSchema(BatchSchema):
    """A correction: only the fields given change (no version: the last save wins)."""


class LocationSchema(Schema):
    id = fields.Int(dump_only=True)
    owner_id = fields.Int(allow_none=True, metadata={
        "description": "the business; a business user's own when left out (an admin names it)"})
    name = fields.Str(required=True, metadata={"description": "unique in the business"})
    address = fields.Str()
    gln = fields.Str(allow_none=True, metadata={"description": "GS1 Global Location Number (13 digits)"})
    local_id = fields.Str(allow_none=True, metadata={
        "description": "without a GLN: letters, digits, '.', '_', '-', unique in the business (generated when "
                       "neither is given)"})
    active = fields.Bool(dump_only=True, metadata={"description": "false: withdrawn (no new batch or event)"})


class LocationChangeSchema(LocationSchema):
    active = fields.Bool(metadata={"description": "false: withdrawn; true: back in use"})


#: Each typed service input with the schema that documents it (checked by tests/web/test_input_schemas.py).
INPUT_SCHEMAS: tuple[tuple[type, type[Schema]], ...] = (
    (products.NewProduct, ProductSchema),
    (products.ProductChange, ProductChangeSchema),
    (batches.NewBatch, BatchSchema),
    (batches.BatchChange, BatchChangeSchema),
    (trace_locations.NewLocation, LocationSchema),
    (trace_locations.LocationChange, LocationChangeSchema),
)


def _params(sorts: dict[str, Any], default: str, searched: str, *filters: dict[str, Any]) -> list[dict[str, Any]]:
    keys = sorted(sorts) + sorted(f"-{k}" for k in sorts)
    return [
        {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": MAX_Q},
         "description": f"text to find in {searched} (case ignored)"},
        enum_param("sort", keys, f"sort key, \"-\" in front for descending (default {default}); ties by id"),
        *filters,
        {"name": "limit", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 0, "maximum": API_MAX_LIMIT},
         "description": f"at most this many (default {API_LIMIT}, max {API_MAX_LIMIT})"},
        int_param("offset", "skip this many"),
    ]


def _sort() -> str | None:
    return (request.args.get("sort") or "").strip() or None


OWNER = int_param("owner_id", "only this business's")
ACTIVE = enum_param("active", ["true", "false"], "in use (true) or withdrawn (false)")


@bp.route("/products")
class Products(MethodView):
    @roles_required(*READERS)
    @bp.doc(parameters=_params(products.PRODUCT_SORTS, "name", "the GTIN, names and category", OWNER, ACTIVE))
    @bp.response(200, ProductSchema(many=True), headers=TOTAL_HEADERS_DOC)
    def get(self):
        """List products (a business: its own; staff and inspectors: all)."""
        f = products.ProductFilter(q=query_text(), owner_id=query_int("owner_id"),
                                   active=request.args.get("active") or None, sort=_sort())
        found = products.search_products(get_db(), acting_user(), f, **api_paging())
        return found.rows, total_headers(found)

    @bp.doc(**body(ProductSchema))
    @bp.response(201, ProductSchema)
    def post(self):
        """Register a product (its business; an admin for any business). 422: a wrong check digit, a GTIN
        registered already, a net quantity not above zero or in a unit goods are not measured in."""
        return products.create_product(get_db(), acting_user(), parse(products.NewProduct, json_body()))


@bp.route("/products/<int:product_id>")
class ProductItem(MethodView):
    @roles_required(*READERS)
    @bp.response(200, ProductSchema)
    def get(self, product_id: int):
        """One product."""
        return products.get_product(get_db(), acting_user(), product_id)

    @bp.doc(**body(ProductChangeSchema(partial=("gtin", "name_vi")), f"{ONLY_GIVEN}; version_id required"))
    @bp.response(200, ProductSchema)
    def patch(self, product_id: int):
        """Correct a product, withdraw it ("active": false), reinstate it or set what the public sees
        ("disclosure"). 409: stale version_id; 422: a wrong field, the GTIN once batches of it exist."""
        db, actor = get_db(), acting_user()
        product = products.get_product(db, actor, product_id)
        return products.update_product(db, actor, product_id, products.product_change(product, json_body()))


@bp.route("/batches")
class Batches(MethodView):
    @roles_required(*READERS)
    @bp.doc(parameters=_params(batches.BATCH_SORTS, "-id", "the lot number", OWNER,
                               int_param("product_id", "only this product's")))
    @bp.response(200, BatchSchema(many=True), headers=TOTAL_HEADERS_DOC)
    def get(self):
        """List batches (a business: of its own products; staff and inspectors: all)."""
        f = batches.BatchFilter(q=query_text(), owner_id=query_int("owner_id"), product_id=query_int("product_id"),
                                sort=_sort())
        found = batches.search_batches(get_db(), acting_user(), f, **api_paging())
        return found.rows, total_headers(found)

    @bp.doc(**body(BatchSchema))
    @bp.response(201, BatchSchema)
    def post(self):
        """Register a batch of a product. 422: a lot not in GS1 AI (10)'s form or taken, an expiry before the
        production date, a production date in the future, a unit that does not fit the product."""
        return batches.create_batch(get_db(), acting_user(), parse(batches.NewBatch, json_body()))


@bp.route("/batches/<int:batch_id>")
class BatchItem(MethodView):
    @roles_required(*READERS)
    @bp.response(200, BatchSchema)
    def get(self, batch_id: int):
        """One batch."""
        return batches.get_batch(get_db(), acting_user(), batch_id)

    @bp.doc(**body(BatchChangeSchema(partial=("product_id", "lot")), ONLY_GIVEN))
    @bp.response(200, BatchSchema)
    def patch(self, batch_id: int):
        """Correct a batch. 422: a wrong field, its lot once an event names it."""
        db, actor = get_db(), acting_user()
        batch = batches.get_batch(db, actor, batch_id)
        return batches.update_batch(db, actor, batch_id, batches.batch_change(batch, json_body()))


@bp.route("/trace-locations")
class Locations(MethodView):
    @roles_required(*READERS)
    @bp.doc(parameters=_params(trace_locations.LOCATION_SORTS, "name", "the name, address, GLN and local "
                               "identifier", OWNER, ACTIVE))
    @bp.response(200, LocationSchema(many=True), headers=TOTAL_HEADERS_DOC)
    def get(self):
        """List places (a business: its own; staff and inspectors: all)."""
        f = trace_locations.LocationFilter(q=query_text(), owner_id=query_int("owner_id"),
                                           active=request.args.get("active") or None, sort=_sort())
        found = trace_locations.search_locations(get_db(), acting_user(), f, **api_paging())
        return found.rows, total_headers(found)

    @bp.doc(**body(LocationSchema))
    @bp.response(201, LocationSchema)
    def post(self):
        """Register a place. 422: a wrong GLN or one naming another place, a name or local identifier the
        business uses already."""
        return trace_locations.create_location(get_db(), acting_user(),
                                               parse(trace_locations.NewLocation, json_body()))


@bp.route("/trace-locations/<int:location_id>")
class LocationItem(MethodView):
    @roles_required(*READERS)
    @bp.response(200, LocationSchema)
    def get(self, location_id: int):
        """One place."""
        return trace_locations.get_location(get_db(), acting_user(), location_id)

    @bp.doc(**body(LocationChangeSchema(partial=("name",)), ONLY_GIVEN))
    @bp.response(200, LocationSchema)
    def patch(self, location_id: int):
        """Correct a place, withdraw it ("active": false) or put it back in use. 422: a wrong field, its GLN
        or local identifier once batches or events name it."""
        db, actor = get_db(), acting_user()
        place = trace_locations.get_location(db, actor, location_id)
        return trace_locations.update_location(db, actor, location_id,
                                               trace_locations.location_change(place, json_body()))
