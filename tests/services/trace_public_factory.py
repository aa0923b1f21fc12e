"""Test data of the public traceability pages, made with the models directly: two businesses, the
lab, their places, a product made from a raw-material lot, and a batch's EPCIS 2.0 events
(documents written by hand as partners' systems send them).

The batch ``HL2025-01`` of dried star anise (:data:`ANISE_GTIN`) is produced from
the raw lot ``RAW-07`` at the producer's factory, inspected by the lab (conformant), shipped to
the partner, received at the partner's warehouse, and stored: the first storing event was
declared erroneous (wrong time) and replaced by a corrective one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from lims.models import Batch, Organisation, Product, TraceEvent, TraceEventBatch, TraceLocation
from traceability.gs1 import check_digit

BASE = "https://id.example.vn"
PRODUCER = "Hợp tác xã Hồi Văn Quan"
PARTNER = "Công ty TNHH Thương mại Chè Xứ Lạng"
LAB = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng"


def gtin14(data13: str) -> str:
    """A GTIN-14 from its first 13 digits (check digit computed)."""
    return data13 + str(check_digit(data13))


ANISE_GTIN = gtin14("0893456701234")
RAW_GTIN = gtin14("0893456701999")
LOT = "HL2025-01"
RAW_LOT = "RAW-07"
FARM_GLN = "8934567000017"  # 893456700001 + its check digit 7
ERRONEOUS_ID = "urn:uuid:0d5e7a52-0000-4000-8000-000000000005"


def local_uri(owner: Organisation, local_id: str) -> str:
    return f"{BASE}/trace/places/{owner.id}/{local_id}"


def batch_class(gtin: str, lot: str) -> str:
    return f"{BASE}/01/{gtin}/10/{lot}"


@dataclass
class TraceWorld:
    producer: Organisation
    partner: Organisation
    lab: Organisation
    product: Product
    raw_product: Product
    batch: Batch
    raw_batch: Batch
    factory: TraceLocation
    farm: TraceLocation
    warehouse: TraceLocation
    events: list[TraceEvent] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/01/{self.product.gtin}/10/{self.batch.lot}"


def _event(db: Any, world: TraceWorld, *, owner: Organisation, document: dict[str, Any],
           roles: list[tuple[Batch, str, float | None, str | None]], record_id: int | None = None,
           verdict: str | None = None, error_declared: bool = False) -> TraceEvent:
    time = datetime.fromisoformat(document["eventTime"]).astimezone(UTC)
    row = TraceEvent(event_id=document["eventID"], event_type=document["type"], action=document.get("action"),
                     biz_step=document.get("bizStep"), disposition=document.get("disposition"), event_time=time,
                     time_zone=document["eventTimeZoneOffset"], read_point=(document.get("readPoint") or {}).get("id"),
                     biz_location=(document.get("bizLocation") or {}).get("id"), owner_id=owner.id,
                     record_id=record_id, verdict=verdict, error_declared=error_declared, document=document)
    db.add(row)
    db.flush()
    for batch, role, quantity, uom in roles:
        db.add(TraceEventBatch(event_row_id=row.id, batch_id=batch.id, role=role, quantity=quantity, uom=uom))
    db.flush()
    world.events.append(row)
    return row


def _object(event_id: str, when: str, step: str, disposition: str, epc_class: str, *, quantity: float = 1200,
            place: str | None = None, action: str = "OBSERVE", **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "ObjectEvent", "eventID": event_id, "eventTime": when,
                           "eventTimeZoneOffset": when[-6:], "action": action, "bizStep": step,
                           "disposition": disposition,
                           "quantityList": [{"epcClass": epc_class, "quantity": quantity, "uom": "KGM"}]}
    if place:
        doc["readPoint"] = {"id": place}
        doc["bizLocation"] = {"id": place}
    doc.update(extra)
    return doc


def make_trace(db: Any, *, record_id: int | None = None, lab: Organisation | None = None,
               disclosure: dict[str, Any] | None = None) -> TraceWorld:
    """The world of the module docstring; ``record_id`` is the lab record the inspection links to."""
    producer = Organisation(name=PRODUCER, address="Xã Tân Đoàn, huyện Văn Quan, Lạng Sơn")
    partner = Organisation(name=PARTNER, address="Phường Đông Kinh, thành phố Lạng Sơn")
    lab = lab or Organisation(name=LAB, kind="lab", address="Số 2 đường Hoàng Văn Thụ, thành phố Lạng Sơn")
    db.add_all([producer, partner, lab])
    db.flush()
    farm = TraceLocation(owner_id=producer.id, name="Vườn hồi Tân Đoàn", address="Xã Tân Đoàn, Văn Quan",
                         gln=FARM_GLN)
    factory = TraceLocation(owner_id=producer.id, name="Xưởng sấy Văn Quan", address="Thị trấn Văn Quan",
                            local_id="XUONG-1")
    warehouse = TraceLocation(owner_id=partner.id, name="Kho Chè Xứ Lạng", address="Phường Đông Kinh, Lạng Sơn",
                              local_id="KHO-1")
    db.add_all([farm, factory, warehouse])
    db.flush()
    product = Product(owner_id=producer.id, gtin=ANISE_GTIN, name_vi="Hoa hồi khô Văn Quan",
                      name_en="Văn Quan dried star anise", net_quantity=500, net_unit="g", category="spice",
                      disclosure=disclosure or {})
    raw = Product(owner_id=producer.id, gtin=RAW_GTIN, name_vi="Hoa hồi tươi", name_en="Fresh star anise",
                  net_quantity=None, net_unit="kg")
    db.add_all([product, raw])
    db.flush()
    batch = Batch(product_id=product.id, lot=LOT, production_date=date(2025, 10, 1), expiry_date=date(2027, 9, 30),
                  quantity=1200, quantity_unit="kg", location_id=factory.id)
    raw_batch = Batch(product_id=raw.id, lot=RAW_LOT, production_date=date(2025, 9, 20), quantity=5000,
                      quantity_unit="kg", location_id=farm.id)
    db.add_all([batch, raw_batch])
    db.flush()
    world = TraceWorld(producer, partner, lab, product, raw, batch, raw_batch, factory, farm, warehouse)
    anise, fresh = batch_class(ANISE_GTIN, LOT), batch_class(RAW_GTIN, RAW_LOT)
    factory_uri, warehouse_uri = local_uri(producer, "XUONG-1"), local_uri(partner, "KHO-1")
    farm_uri = "urn:epc:id:sgln:8934567.00001.0"
    _event(db, world, owner=producer, roles=[(raw_batch, "object", 5000, "KGM")], document=_object(
        "urn:uuid:0d5e7a52-0000-4000-8000-000000000001", "2025-09-20T07:00:00.000+07:00", "commissioning",
        "active", fresh, quantity=5000, place=farm_uri, action="ADD"))
    _event(db, world, owner=producer, roles=[(raw_batch, "input", 5000, "KGM"), (batch, "output", 1200, "KGM")],
           document={"type": "TransformationEvent", "eventID": "urn:uuid:0d5e7a52-0000-4000-8000-000000000002",
                     "eventTime": "2025-10-01T08:30:00.000+07:00", "eventTimeZoneOffset": "+07:00",
                     "bizStep": "commissioning", "disposition": "active",
                     "inputQuantityList": [{"epcClass": fresh, "quantity": 5000, "uom": "KGM"}],
                     "outputQuantityList": [{"epcClass": anise, "quantity": 1200, "uom": "KGM"}],
                     "readPoint": {"id": factory_uri}, "bizLocation": {"id": factory_uri}})
    _event(db, world, owner=lab, roles=[(batch, "object", None, None)], record_id=record_id, verdict="conformant",
           document=_object("urn:uuid:0d5e7a52-0000-4000-8000-000000000003", "2025-10-02T09:15:00.000+07:00",
                            "inspecting", "conformant", anise, place=factory_uri))
    _event(db, world, owner=producer, roles=[(batch, "object", 800, "KGM")], document=_object(
        "urn:uuid:0d5e7a52-0000-4000-8000-000000000004", "2025-10-03T14:00:00.000+07:00", "shipping",
        "in_transit", anise, quantity=800, place=factory_uri,
        destinationList=[{"type": "owning_party", "destination": f"{BASE}/trace/parties/{partner.id}"}],
        bizTransactionList=[{"type": "po", "bizTransaction": f"{BASE}/trace/po/PO-2025-118"}]))
    _event(db, world, owner=partner, roles=[(batch, "object", 800, "KGM")], document=_object(
        ERRONEOUS_ID, "2025-10-05T10:00:00.000+07:00", "receiving", "sellable_not_accessible", anise,
        quantity=800, place=warehouse_uri))
    corrective = "urn:uuid:0d5e7a52-0000-4000-8000-000000000006"
    erroneous = dict(world.events[-1].document)
    erroneous["errorDeclaration"] = {"declarationTime": "2025-10-05T12:00:00.000+07:00",
                                     "reason": "incorrect_data", "correctiveEventIDs": [corrective]}
    _event(db, world, owner=partner, roles=[(batch, "object", 800, "KGM")], document=erroneous,
           error_declared=True)
    _event(db, world, owner=partner, roles=[(batch, "object", 800, "KGM")], document=_object(
        corrective, "2025-10-04T16:45:00.000+07:00", "receiving", "sellable_not_accessible", anise,
        quantity=800, place=warehouse_uri))
    db.commit()
    return world
