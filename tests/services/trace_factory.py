"""Test data for the EPCIS repository: the lab, two businesses and their places, products and lots.

* Hợp tác xã Mẫu Sơn grows star anise (GTIN 8938501000019, sold by the kilogram) at its farm
  (GLN 8938501000002); lot HOI-2026-01 (1 200 kg) is known.
* Công ty Hữu Nghị packs tea (GTIN 8938502000018, net 100 g a package) in its factory (no GLN,
  local id XUONG-1); lot TRA-2026-01 (400 packages) is known, and a second product, spiced tea
  (GTIN 8938502000025, net 100 g), has no lot yet.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from lims.config import base_url
from lims.models import Batch, Organisation, Product, TraceLocation, User, UserRole
from tests.services.workflow_factory import _password_hash

ICT = timezone(timedelta(hours=7))
ANISE = "08938501000019"
TEA = "08938502000018"
SPICED_TEA = "08938502000025"
FARM_GLN = "8938501000002"


@dataclass
class TraceWorld:
    lab: Organisation
    farm: Organisation
    packer: Organisation
    users: dict[str, User] = field(default_factory=dict)
    places: dict[str, TraceLocation] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    batches: dict[str, Batch] = field(default_factory=dict)


def _user(db, username: str, role: str, org: Organisation) -> User:
    user = User(username=username, password_hash=_password_hash(), full_name=username, organisation_id=org.id,
                role_rows=[UserRole(role=role)])
    db.add(user)
    return user


def make_world(db) -> TraceWorld:
    lab = Organisation(name="Trung tâm TĐC", kind="lab")
    farm = Organisation(name="HTX Mẫu Sơn", tax_code="4900345679")
    packer = Organisation(name="Công ty Hữu Nghị", tax_code="4900234568")
    db.add_all([lab, farm, packer])
    db.flush()
    world = TraceWorld(lab, farm, packer)
    for username, role, org in (("tech", "technician", lab), ("inspector", "inspector", lab),
                                ("farmer", "business", farm), ("packer", "business", packer)):
        world.users[username] = _user(db, f"trace.{username}", role, org)
    world.places["farm"] = TraceLocation(owner_id=farm.id, name="Vườn hồi Mẫu Sơn", gln=FARM_GLN)
    world.places["factory"] = TraceLocation(owner_id=packer.id, name="Xưởng chè", local_id="XUONG-1")
    world.products["anise"] = Product(owner_id=farm.id, gtin=ANISE, name_vi="Hoa hồi Lạng Sơn", net_unit="kg",
                                      category="spice")
    world.products["tea"] = Product(owner_id=packer.id, gtin=TEA, name_vi="Chè xanh", net_quantity=100,
                                    net_unit="g", category="tea")
    world.products["spiced"] = Product(owner_id=packer.id, gtin=SPICED_TEA, name_vi="Chè hồi", net_quantity=100,
                                       net_unit="g", category="tea")
    db.add_all([*world.places.values(), *world.products.values()])
    db.flush()
    world.batches["anise"] = Batch(product=world.products["anise"], lot="HOI-2026-01",
                                   production_date=date(2026, 1, 10), quantity=1200, quantity_unit="kg",
                                   location=world.places["farm"])
    world.batches["tea"] = Batch(product=world.products["tea"], lot="TRA-2026-01", production_date=date(2026, 1, 20),
                                 quantity=400, quantity_unit="piece", location=world.places["factory"])
    db.add_all(world.batches.values())
    db.flush()
    return world


def link(gtin: str, lot: str | None = None, host: str | None = None) -> str:
    return f"{host or base_url()}/01/{gtin}" + (f"/10/{lot}" if lot else "")


def when(days_ago: float = 1) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).astimezone(ICT).isoformat(timespec="milliseconds")


def object_event(epc_class: str, *, step: str = "shipping", action: str = "OBSERVE", quantity: float | None = 10,
                 uom: str | None = "KGM", days_ago: float = 1, **more: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": epc_class}
    if quantity is not None:
        element["quantity"] = quantity
        if uom:
            element["uom"] = uom
    return {"type": "ObjectEvent", "eventTime": when(days_ago), "eventTimeZoneOffset": "+07:00", "action": action,
            "bizStep": step, "quantityList": [element], **more}


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": when(0), "epcisBody": {"eventList": list(events)}}
