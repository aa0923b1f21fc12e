"""A business's products (truy xuất nguồn gốc): register, correct, withdraw; read and list them.

* A product is a trade item of one business, identified by its GTIN (GS1 General Specifications
  7.9: the check digit; GTIN-8/12/13/14 accepted, stored as GTIN-14, unique across the system),
  named in Vietnamese (and English), with its nominal net quantity (> 0) in a mass, volume or length
  unit of the lab's unit table (:mod:`lims.metrology.units_table`) when it is prepackaged, and a
  category.
* Who: a business manages its own products, an admin any business's; the lab's staff and
  inspectors read all (:func:`lims.services.policy.can_manage_products`, ``can_read_products``).
  Another business's product is not found (404), as an instrument is.
* A correction is the creation's input, the fields that change and the ``version_id`` read
  (:func:`product_change`): stale is a 409 naming who changed it; one audit event with the changed
  fields (``product.update``, or ``product.withdraw`` / ``product.reinstate``). The GTIN is fixed
  once the product has a batch (its Digital Links are printed on packages); the kind of its net
  quantity (mass, volume, length) too.

Batches are in :mod:`lims.services.batches`, places in :mod:`lims.services.trace_locations`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lims.config import base_url
from lims.errors import NotFound, PermissionDenied, ValidationError
from lims.i18n import _
from lims.metrology.units import UNIT_TABLE, reportable_unit, unit_info
from lims.models import Batch, Organisation, OrgKind, Product, Role
from lims.services import audit, listing, policy
from lims.services.catalog_edits import apply_change, change_of, changed_fields, values_of
from lims.services.inputs import opts, service_input
from lims.services.listing import Page
from lims.services.policy import Actor
from lims.services.validation import Checker
from lims.services.workflow.locking import check_version
from traceability import gs1

__all__ = ["COUNT_UNIT", "DISCLOSURE_PARTS", "NET_KINDS", "NewProduct", "ProductChange", "ProductFilter",
           "PRODUCT_SORTS", "check_owner", "create_product", "digital_link", "get_product", "like", "net_units",
           "product_change", "product_frozen", "product_values", "search_products", "table_unit",
           "unit_kind", "update_product"]

#: The kinds of quantity a net content is stated in (Vietnamese rules on prepackaged goods), with a
#: unit of each to compare dimensions with.
NET_KINDS: dict[str, str] = {"mass": "kg", "volume": "L", "length": "m"}

#: What the public batch page may show, by part, and the default of each (docs/traceability.md):
#: product, lot, production and expiry dates, inspection results and the chain of places are
#: public unless the business hides them; the names of partner businesses are not, unless it shows them.
DISCLOSURE_PARTS: dict[str, bool] = {"product": True, "lot": True, "dates": True, "inspections": True,
                                     "places": True, "partners": False}

#: The unit of a batch counted in packages or pieces (UN/ECE Rec 20 H87).
COUNT_UNIT = "piece"

PRODUCT_SORTS: dict[str, Any] = {"id": Product.id, "gtin": Product.gtin, "name": Product.name_vi,
                                 "category": Product.category}


@service_input
@dataclass(frozen=True, kw_only=True)
class NewProduct:
    """A product: ``owner_id`` is the business (a business user's own when left out)."""

    owner_id: int | None = None
    gtin: str = field(metadata=opts(max_len=14))
    name_vi: str
    name_en: str = ""
    net_quantity: float | None = field(default=None, metadata=opts(positive=True))
    net_unit: str = field(default="", metadata=opts(max_len=32))
    category: str = field(default="", metadata=opts(max_len=80))
    description: str = field(default="", metadata=opts(max_len=2000))


@service_input
@dataclass(frozen=True, kw_only=True)
class ProductChange(NewProduct):
    """A product as corrected, withdrawn (``active`` false) or reinstated, and the version read;
    ``disclosure``: what the public batch page shows, by part (:data:`DISCLOSURE_PARTS`)."""

    active: bool = True
    disclosure: dict[str, Any] | None = None
    version_id: int


# ---------------------------------------------------------------- shared checks


def unit_kind(unit: str) -> str | None:
    """``mass``, ``volume``, ``length`` (:data:`NET_KINDS`), ``count`` for counted pieces (Rec 20
    ``H87``), or None for any other unit."""
    try:
        info = unit_info(unit)
    except Exception:
        return None
    if info.text == COUNT_UNIT:
        return "count"
    for kind, ref in NET_KINDS.items():
        if info.dimensionality == unit_info(ref).dimensionality:
            return kind
    return None


def net_units() -> list[str]:
    """The table's units a net quantity may be stated in (storage texts), in the table's order."""
    return [row.pint for row in UNIT_TABLE if unit_kind(row.pint) in NET_KINDS]


def table_unit(c: Checker, field_name: str, text: str, kinds: tuple[str, ...]) -> str:
    """The storage text of ``text``, a unit of the lab's table of one of ``kinds``; else the field fails."""
    row = reportable_unit(text)
    if row is None or unit_kind(row.pint) not in kinds:
        accepted = ", ".join(row.symbol or row.pint for row in UNIT_TABLE if unit_kind(row.pint) in kinds)
        c.fail(field_name, _("The unit %(unit)s is not one goods are measured in here. Use one of: %(accepted)s.",
                             unit=repr(text), accepted=accepted))
        return text
    return row.pint


def check_owner(session: Session, actor: Actor | None, c: Checker, owner_id: int | None) -> int | None:
    """The business a product, batch or place is registered for: a business user's own (another is
    403); an admin names it (a business, not withdrawn)."""
    own = policy.organisation_of(actor)
    if owner_id is None:
        if own is None or policy.has_role(actor, Role.admin):
            c.fail("owner_id", _("This field is required."))
            return None
        owner_id = own
    if not policy.can_manage_products(actor, owner_id):
        raise PermissionDenied(_("You manage only your own business's products, batches and places."))
    org = session.get(Organisation, owner_id)
    if org is None or org.kind != OrgKind.business.value:
        c.fail("owner_id", _("No business with id %(id)s.", id=owner_id))
    elif not org.active:
        c.fail("owner_id", _("%(name)s has been withdrawn from the catalogue: it takes no new work.", name=org.name))
    return owner_id


def digital_link(gtin14: str, lot: str | None = None) -> str:
    """The GS1 Digital Link of a product, or of one of its batches, at the resolver's root
    (``LIMS_BASE_URL``): ``{base}/01/{gtin14}`` and ``…/10/{lot}``."""
    return gs1.DigitalLink.build(base_url(), "01", gtin14, {"10": lot} if lot else None).uri


def like(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere (its wildcards escaped with a backslash)."""
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# ---------------------------------------------------------------- products


def _gtin14(c: Checker, value: str) -> str:
    try:
        return gs1.gtin(value).gtin14
    except gs1.GS1Error as exc:
        c.fail("gtin", exc.reason)
        return value


def _check_net(c: Checker, quantity: float | None, unit: str) -> str:
    if quantity is not None and not quantity > 0:  # parse checks it; a seeder's input too
        c.fail("net_quantity", _("Must be greater than zero."))
    if quantity is None and unit:
        c.fail("net_quantity", _("Give the net quantity with its unit, or neither."))
    if quantity is not None and not unit:
        c.fail("net_unit", _("This field is required."))
    return table_unit(c, "net_unit", unit, tuple(NET_KINDS)) if unit else ""


def _gtin_taken(session: Session, c: Checker, gtin14: str, own_id: int | None = None) -> None:
    other = session.scalar(select(Product).where(Product.gtin == gtin14, Product.id != (own_id or 0)))
    if other is not None:
        c.fail("gtin", _("GTIN %(gtin)s is registered already (%(name)s).", gtin=gtin14, name=other.name_vi))


def create_product(session: Session, actor: Actor | None, new: NewProduct) -> Product:
    """Register a product of a business (the business itself, or an admin)."""
    policy.require(actor, Role.admin, Role.business)
    c = Checker()
    owner_id = check_owner(session, actor, c, new.owner_id)
    gtin14 = _gtin14(c, new.gtin)
    if "gtin" not in c.errors:
        _gtin_taken(session, c, gtin14)
    net_unit = _check_net(c, new.net_quantity, new.net_unit)
    c.done()
    assert owner_id is not None
    product = Product(owner_id=owner_id, gtin=gtin14, name_vi=new.name_vi, name_en=new.name_en,
                      net_quantity=new.net_quantity, net_unit=net_unit, category=new.category,
                      description=new.description, disclosure={})
    try:
        with session.begin_nested():
            session.add(product)
            session.flush()
    except IntegrityError:  # the same GTIN registered by someone else at the same moment
        raise ValidationError(_("GTIN %(gtin)s is registered already.", gtin=gtin14), field="gtin") from None
    audit.record(session, actor, "product.create", product, after=audit.snapshot(product))
    return product


def get_product(session: Session, actor: Actor | None, product_id: int) -> Product:
    """A product ``actor`` may read (another business's: not found)."""
    policy.require(actor, *policy.STAFF_ROLES, Role.business)
    product = session.get(Product, product_id)
    if product is None or not policy.can_read_products(actor, product.owner_id):
        raise NotFound(_("No product with id %(id)s.", id=product_id))
    return product


def product_values(product: Product) -> dict[str, Any]:
    values = values_of(product, ProductChange)
    values["disclosure"] = dict(product.disclosure or {})
    return values


def product_change(product: Product, given: Mapping[str, Any]) -> ProductChange:
    """``given`` (the fields that change and ``version_id``) over the product's current values."""
    return change_of(ProductChange, product_values(product), given)


def product_frozen(session: Session, product: Product) -> tuple[str, ...]:
    """What can no longer change: the GTIN once a batch of it exists (its Digital Links are printed)."""
    has_batch = session.scalar(select(Batch.id).where(Batch.product_id == product.id).limit(1)) is not None
    return ("gtin",) if has_batch else ()


def _check_disclosure(c: Checker, value: Any) -> dict[str, bool]:
    """Only the known parts, each true or false; a part left out keeps its default."""
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        c.fail("disclosure", _("Must be an object naming parts: %(parts)s.", parts=", ".join(DISCLOSURE_PARTS)))
        return {}
    out: dict[str, bool] = {}
    for key, shown in value.items():
        if key not in DISCLOSURE_PARTS:
            c.fail(f"disclosure.{key}", _("Must be one of: %(choices)s.", choices=", ".join(DISCLOSURE_PARTS)))
        elif not isinstance(shown, bool):
            c.fail(f"disclosure.{key}", _("Must be true or false."))
        elif shown != DISCLOSURE_PARTS[key]:
            out[key] = shown  # only what differs from the default is kept
    return out


def update_product(session: Session, actor: Actor | None, product_id: int, change: ProductChange) -> Product:
    """Correct, withdraw or reinstate a product, or set what the public sees (its business, an admin)."""
    product = get_product(session, actor, product_id)
    if not policy.can_manage_products(actor, product.owner_id):
        raise PermissionDenied(_("You manage only your own business's products, batches and places."))
    check_version(product, change.version_id, _("This product"))
    before = product_values(product)
    after = {name: getattr(change, name) for name in before}
    c = Checker()
    if change.owner_id != product.owner_id:
        c.fail("owner_id", _("A product stays with the business that registered it."))
    after["gtin"] = _gtin14(c, change.gtin)
    if "gtin" not in c.errors and after["gtin"] != product.gtin:
        if product_frozen(session, product):
            c.fail("gtin", _("Batches of this product exist, and their labels carry this GTIN; it can no longer "
                             "be changed. Register a new product instead."))
        else:
            _gtin_taken(session, c, after["gtin"], product.id)
    after["net_unit"] = _check_net(c, change.net_quantity, change.net_unit)
    if (product.net_unit and after["net_unit"] and unit_kind(product.net_unit) != unit_kind(after["net_unit"])
            and product_frozen(session, product)):
        c.fail("net_unit", _("Batches of this product are counted in %(kind)s units; the kind of its net "
                             "quantity can no longer be changed.", kind=unit_kind(product.net_unit)))
    after["disclosure"] = _check_disclosure(c, change.disclosure)
    c.done()
    changed = changed_fields(before, after)
    action_fields = [n for n in changed if n != "disclosure"]
    if changed == ["disclosure"]:
        product.disclosure = after["disclosure"]
        session.flush()
        audit.record(session, actor, "product.disclosure", product, before={"disclosure": before["disclosure"]},
                     after={"disclosure": after["disclosure"]})
        return product
    if "disclosure" in changed:
        product.disclosure = after["disclosure"]
        action_fields.append("disclosure")
    apply_change(session, actor, product, "product", before, after, action_fields)
    return product


# ---------------------------------------------------------------- the list


@dataclass(frozen=True, kw_only=True)
class ProductFilter:
    q: str | None = None
    owner_id: int | None = None
    active: str | None = None  # "true", "false"
    sort: str | None = None


def search_products(session: Session, viewer: Actor | None, f: ProductFilter, *, limit: int,
                    offset: int) -> Page[Product]:
    """The products ``viewer`` may read (a business: its own) matching ``f``: ``q`` in the GTIN,
    the names or the category; sorted by name unless asked; paged."""
    policy.require(viewer, *policy.STAFF_ROLES, Role.business)
    listing.check_choice("active", f.active, ("true", "false"))
    q = select(Product).options(selectinload(Product.owner))
    own = policy.products_owner(viewer)
    if own is not None:
        q = q.where(Product.owner_id == own)
    if f.owner_id is not None:
        q = q.where(Product.owner_id == f.owner_id)
    if f.active:
        q = q.where(Product.active.is_(f.active == "true"))
    if f.q:
        pattern = like(f.q)
        q = q.where(or_(*(func.lower(col).like(pattern, escape="\\")
                          for col in (Product.gtin, Product.name_vi, Product.name_en, Product.category))))
    q = listing.ordered(q, Product, PRODUCT_SORTS, f.sort, "name")
    return listing.page(session, q, Product, limit=limit, offset=offset)
