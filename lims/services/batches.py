"""Batches (lô) of a business's products: register, correct; read and list them.

* The lot number is GS1 AI (10): at most 20 characters of GS1 character set 82 (GS1 General
  Specifications 3.2 and 7.11), checked by building the batch's GS1 Digital Link
  (:class:`traceability.gs1.DigitalLink`); unique per product.
* Dates: the expiry date is not before the production date, the production date not after today
  (in the lab's time zone, ``LIMS_TIMEZONE``).
* The quantity produced (> 0) is in a unit of the lab's table that fits the product: of the same
  kind as its net quantity (mass, volume, length), or a count of packages (``piece``, UN/ECE
  Rec 20 ``H87``).
* The place where it was produced is one of the business's own places, in use.

Who: as for products (:mod:`lims.services.products`). The lot is fixed once an event names the
batch (EPCIS events carry it in their ``epcClass``); a batch is never deleted.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lims.config import time_zone
from lims.errors import NotFound, PermissionDenied, ValidationError
from lims.i18n import _
from lims.metrology.units import UNIT_TABLE
from lims.metrology.units_format import page_day
from lims.models import Batch, Product, Role, TraceEventBatch, TraceLocation
from lims.services import audit, listing, policy
from lims.services.catalog_edits import change_of, changed_fields, values_of
from lims.services.inputs import opts, service_input
from lims.services.listing import Page
from lims.services.policy import Actor
from lims.services.products import COUNT_UNIT, NET_KINDS, get_product, like, table_unit, unit_kind
from lims.services.validation import Checker
from traceability import gs1

__all__ = ["BATCH_SORTS", "BatchChange", "BatchFilter", "NewBatch", "batch_change", "batch_frozen", "batch_units",
           "create_batch", "get_batch", "local_today", "search_batches", "update_batch"]

BATCH_SORTS: dict[str, Any] = {"id": Batch.id, "lot": Batch.lot, "production_date": Batch.production_date,
                               "expiry_date": Batch.expiry_date}
#: Any Digital Link host checks a lot the same way; the batch's own link uses ``LIMS_BASE_URL``.
_CHECK_BASE = "https://id.gs1.org"


@service_input
@dataclass(frozen=True, kw_only=True)
class NewBatch:
    product_id: int
    lot: str = field(metadata=opts(max_len=20))
    production_date: date | None = None
    expiry_date: date | None = None
    quantity: float | None = field(default=None, metadata=opts(positive=True))
    quantity_unit: str = field(default="", metadata=opts(max_len=32))
    location_id: int | None = None


@service_input
@dataclass(frozen=True, kw_only=True)
class BatchChange(NewBatch):
    """A batch as corrected (the batch table keeps no version: the last save wins)."""


def local_today() -> date:
    """Today in the lab's time zone (a production date after it is in the future)."""
    return datetime.now(time_zone()).date()


def batch_units(product: Product) -> list[str]:
    """The units a batch of ``product`` may be counted in: those of its net quantity's kind (every
    mass, volume and length unit when it states none), and a count of packages."""
    kinds = (unit_kind(product.net_unit),) if product.net_unit else tuple(NET_KINDS)
    return [row.pint for row in UNIT_TABLE if unit_kind(row.pint) in kinds] + [COUNT_UNIT]


def _check(session: Session, c: Checker, product: Product, new: NewBatch, *, own_id: int | None = None) -> str:
    """Every rule of a batch; the unit's storage text."""
    try:
        gs1.DigitalLink.build(_CHECK_BASE, "01", product.gtin, {"10": new.lot})
    except gs1.GS1Error as exc:
        c.fail("lot", exc.reason)
    else:
        taken = session.scalar(select(Batch.id).where(Batch.product_id == product.id, Batch.lot == new.lot,
                                                      Batch.id != (own_id or 0)))
        if taken is not None:
            c.fail("lot", _("This product has a batch %(lot)s already.", lot=new.lot))
    if new.production_date is not None and new.production_date > local_today():
        c.fail("production_date", _("The production date %(day)s is in the future.",
                                    day=page_day(new.production_date)))
    if new.production_date and new.expiry_date and new.expiry_date < new.production_date:
        c.fail("expiry_date", _("The expiry date comes before the production date (%(day)s).",
                                day=page_day(new.production_date)))
    unit = ""
    if new.quantity is not None and not new.quantity > 0:  # parse checks it; a seeder's input too
        c.fail("quantity", _("Must be greater than zero."))
    if new.quantity is not None and not new.quantity_unit:
        c.fail("quantity_unit", _("This field is required."))
    elif new.quantity is None and new.quantity_unit:
        c.fail("quantity", _("Give the quantity with its unit, or neither."))
    elif new.quantity_unit:
        kinds = ((unit_kind(product.net_unit) or "",) if product.net_unit else tuple(NET_KINDS)) + ("count",)
        unit = table_unit(c, "quantity_unit", new.quantity_unit, kinds)
    if new.location_id is not None:
        place = session.get(TraceLocation, new.location_id)
        if place is None or place.owner_id != product.owner_id:
            c.fail("location_id", _("No place of this business with id %(id)s.", id=new.location_id))
        elif not place.active and own_id is None:
            c.fail("location_id", _("The place %(name)s is no longer in use.", name=place.name))
    return unit


def _managed_product(session: Session, actor: Actor | None, product_id: int) -> Product:
    product = get_product(session, actor, product_id)
    if not policy.can_manage_products(actor, product.owner_id):
        raise PermissionDenied(_("You manage only your own business's products, batches and places."))
    return product


def create_batch(session: Session, actor: Actor | None, new: NewBatch) -> Batch:
    """Register a batch of a product (its business, an admin)."""
    policy.require(actor, Role.admin, Role.business)
    c = Checker()
    product = session.get(Product, new.product_id)
    if product is None or not policy.can_read_products(actor, product.owner_id):
        c.fail("product_id", _("No product with id %(id)s.", id=new.product_id))
        c.done()
    assert product is not None
    if not policy.can_manage_products(actor, product.owner_id):
        raise PermissionDenied(_("You manage only your own business's products, batches and places."))
    if not product.active:
        c.fail("product_id", _("The product %(name)s has been withdrawn: it takes no new batch.",
                               name=product.name_vi))
    unit = _check(session, c, product, new)
    c.done()
    batch = Batch(product_id=product.id, lot=new.lot, production_date=new.production_date,
                  expiry_date=new.expiry_date, quantity=new.quantity, quantity_unit=unit,
                  location_id=new.location_id)
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:  # the same lot registered by someone else at the same moment
        raise ValidationError(_("This product has a batch %(lot)s already.", lot=new.lot), field="lot") from None
    audit.record(session, actor, "batch.create", batch, after=audit.snapshot(batch))
    return batch


def get_batch(session: Session, actor: Actor | None, batch_id: int) -> Batch:
    """A batch ``actor`` may read (of another business's product: not found)."""
    policy.require(actor, *policy.STAFF_ROLES, Role.business)
    batch = session.get(Batch, batch_id)
    if batch is None or not policy.can_read_products(actor, batch.product.owner_id):
        raise NotFound(_("No batch with id %(id)s.", id=batch_id))
    return batch


def batch_frozen(session: Session, batch: Batch) -> tuple[str, ...]:
    """The lot is fixed once an event names the batch (and the product always)."""
    named = session.scalar(select(TraceEventBatch.id).where(TraceEventBatch.batch_id == batch.id).limit(1))
    return ("product_id", "lot") if named is not None else ("product_id",)


def batch_change(batch: Batch, given: Mapping[str, Any]) -> BatchChange:
    """``given`` (the fields that change) over the batch's current values, checked as a creation is."""
    return change_of(BatchChange, values_of(batch, BatchChange), given)


def update_batch(session: Session, actor: Actor | None, batch_id: int, change: BatchChange) -> Batch:
    """Correct a batch (its business, an admin); one ``batch.update`` audit event with what changed."""
    batch = get_batch(session, actor, batch_id)
    product = _managed_product(session, actor, batch.product_id)
    before = values_of(batch, BatchChange)
    c = Checker()
    frozen = batch_frozen(session, batch)
    if change.product_id != batch.product_id:
        c.fail("product_id", _("A batch stays with its product."))
    if change.lot != batch.lot and "lot" in frozen:
        c.fail("lot", _("Events name this batch by its lot; it can no longer be changed."))
    unit = _check(session, c, product, change, own_id=batch.id)
    c.done()
    after = {name: getattr(change, name) for name in before}
    after["quantity_unit"] = unit
    changed = changed_fields(before, after)
    if changed:
        for name in changed:
            setattr(batch, name, after[name])
        session.flush()
        audit.record(session, actor, "batch.update", batch, before={n: before[n] for n in changed},
                     after={n: after[n] for n in changed})
    return batch


# ---------------------------------------------------------------- the list


@dataclass(frozen=True, kw_only=True)
class BatchFilter:
    q: str | None = None
    product_id: int | None = None
    owner_id: int | None = None
    sort: str | None = None


def search_batches(session: Session, viewer: Actor | None, f: BatchFilter, *, limit: int,
                   offset: int) -> Page[Batch]:
    """The batches ``viewer`` may read (a business: of its own products): ``q`` in the lot number;
    newest first unless asked; paged."""
    policy.require(viewer, *policy.STAFF_ROLES, Role.business)
    q = select(Batch).join(Product, Batch.product_id == Product.id).options(
        selectinload(Batch.product), selectinload(Batch.location))
    own = policy.products_owner(viewer)
    if own is not None:
        q = q.where(Product.owner_id == own)
    if f.owner_id is not None:
        q = q.where(Product.owner_id == f.owner_id)
    if f.product_id is not None:
        q = q.where(Batch.product_id == f.product_id)
    if f.q:
        q = q.where(func.lower(Batch.lot).like(like(f.q), escape="\\"))
    q = listing.ordered(q, Batch, BATCH_SORTS, f.sort, "-id")
    return listing.page(session, q, Batch, limit=limit, offset=offset)
