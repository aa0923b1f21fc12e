"""Demo product traceability: two local products of the demo businesses and what happened to them.

* **Hợp tác xã Nông sản Mẫu Sơn** grows and dries star anise: its farm (local identifier
  ``VUON-HOI``) and its drying house at Lộc Bình (GLN 8936050000009). Two lots of fresh star anise
  (sold loose, by the kilogram) are commissioned at the farm; a TransformationEvent turns them into
  a lot of *Hoa hồi khô Lạng Sơn* (dried star anise, 500 g packages, GTIN-13 8936050000016), which is
  stored, packed onto a pallet (SSCC) and shipped to Hữu Nghị's warehouse.
* **Công ty TNHH Thương mại Hữu Nghị** receives and stores the star anise at its border warehouse
  (``KHO-DD``), and packs its own *Chè Shan tuyết Mẫu Sơn* (200 g packages, GTIN-13 8936051000015)
  in its tea workshop; one storing event of the tea was recorded with a wrong quantity and is
  declared erroneous (``incorrect_data``) with the event that replaces it.
* **The lab** records an inspecting event on the star anise lot from the approved verification of a
  scale — Hữu Nghị's warehouse scale, which weighed the packs when they arrived — with its verdict.

Every event goes through the same services as the pages (:mod:`lims.services.trace_recording`, hence
the capture service with GS1's schema and every rule), recorded by the businesses' demo users and a
technician. The dates are counted back from today. Run once, after the certificates' seeder; it adds
nothing when the products exist already.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.config import time_zone
from lims.models import Batch, Instrument, Product, Record, TraceEvent, User
from lims.services import batches, products, trace_locations
from lims.services.demo import DemoContext, seeder
from lims.services.trace_recording import DeclareError, NewEvent, RecordInspection, declare, record_event
from lims.services.trace_recording import record_inspection as inspect
from traceability.gs1 import check_digit

__all__ = ["ANISE_GTIN", "ANISE_LOT", "TEA_GTIN", "TEA_LOT", "seed_products"]

ANISE_GTIN = "8936050000016"  # Hoa hồi khô Lạng Sơn, 500 g
FRESH_GTIN = "8936050000023"  # Hồi tươi Mẫu Sơn, sold loose
TEA_GTIN = "8936051000015"  # Chè Shan tuyết Mẫu Sơn, 200 g
DRYER_GLN = "8936050000009"
ANISE_LOT = "HK2510-01"
TEA_LOT = "CST2511-07"
_PALLET = "0" + "8936050" + "000000017"  # extension digit, company prefix, serial reference
SSCC = _PALLET + str(check_digit(_PALLET))


def _user(session: Session, ctx: DemoContext, username: str) -> User:
    user = ctx.user_objs.get(username) or session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return user


def _at(days_ago: float, hour: int = 8) -> str:
    """A local time ``days_ago`` days back, at ``hour`` o'clock (a form's value)."""
    day = datetime.now(time_zone()) - timedelta(days=days_ago)
    return day.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def _day(days_ago: int):  # type: ignore[no-untyped-def]
    return (datetime.now(time_zone()) - timedelta(days=days_ago)).date()


@seeder
def seed_products(session: Session, ctx: DemoContext) -> None:
    if session.scalar(select(Product.id).where(Product.gtin == "0" + ANISE_GTIN)) is not None:
        return
    hn, _ms = ctx.businesses
    farmer, trader = _user(session, ctx, "dn.mauson"), _user(session, ctx, "dn.huunghi")
    new_place = trace_locations.create_location
    farm = new_place(session, farmer, trace_locations.NewLocation(
        name="Vườn hồi Mẫu Sơn", address="Thôn Khuổi Cáp, xã Mẫu Sơn, huyện Lộc Bình, Lạng Sơn", local_id="VUON-HOI"))
    dryer = new_place(session, farmer, trace_locations.NewLocation(
        name="Lò sấy hồi Lộc Bình", address="Thị trấn Lộc Bình, huyện Lộc Bình, Lạng Sơn", gln=DRYER_GLN))
    warehouse = new_place(session, trader, trace_locations.NewLocation(
        name="Kho hàng cửa khẩu Đồng Đăng", address="Khu kinh tế cửa khẩu Đồng Đăng, huyện Cao Lộc, Lạng Sơn",
        local_id="KHO-DD"))
    workshop = new_place(session, trader, trace_locations.NewLocation(
        name="Xưởng đóng gói chè Cao Lộc", address="Xã Hợp Thành, huyện Cao Lộc, Lạng Sơn"))

    fresh = products.create_product(session, farmer, products.NewProduct(
        gtin=FRESH_GTIN, name_vi="Hồi tươi Mẫu Sơn", name_en="Mau Son fresh star anise", category="nông sản"))
    anise = products.create_product(session, farmer, products.NewProduct(
        gtin=ANISE_GTIN, name_vi="Hoa hồi khô Lạng Sơn", name_en="Lang Son dried star anise", net_quantity=500,
        net_unit="g", category="gia vị", description="Hoa hồi vụ thu, phơi và sấy tại Lộc Bình."))
    tea = products.create_product(session, trader, products.NewProduct(
        gtin=TEA_GTIN, name_vi="Chè Shan tuyết Mẫu Sơn", name_en="Mau Son Shan tuyet tea", net_quantity=200,
        net_unit="g", category="chè"))

    new_batch = batches.create_batch
    raw = [new_batch(session, farmer, batches.NewBatch(product_id=fresh.id, lot=lot, production_date=_day(days),
                                                       quantity=kg, quantity_unit="kg", location_id=farm.id))
           for lot, days, kg in (("HT2509-A", 40, 1200.0), ("HT2509-B", 38, 900.0))]
    dried = new_batch(session, farmer, batches.NewBatch(
        product_id=anise.id, lot=ANISE_LOT, production_date=_day(30), expiry_date=_day(30 - 730), quantity=1000.0,
        quantity_unit="piece", location_id=dryer.id))
    tea_lot = new_batch(session, trader, batches.NewBatch(
        product_id=tea.id, lot=TEA_LOT, production_date=_day(12), expiry_date=_day(12 - 365), quantity=600.0,
        quantity_unit="piece", location_id=workshop.id))

    for lot, days, kg in zip(raw, (40, 38), (1200.0, 900.0), strict=True):
        record_event(session, farmer, lot.id, NewEvent(step="commissioning", event_time=_at(days, 7),
                                                       place_id=farm.id, quantity=kg, quantity_unit="kg"))
    record_event(session, farmer, dried.id, NewEvent(
        step="transformation", event_time=_at(30, 16), place_id=dryer.id, quantity=500.0, quantity_unit="kg",
        input_1_batch_id=raw[0].id, input_1_quantity=1200.0, input_1_unit="kg",
        input_2_batch_id=raw[1].id, input_2_quantity=900.0, input_2_unit="kg"))
    record_event(session, farmer, dried.id, NewEvent(step="storing", event_time=_at(29), place_id=dryer.id,
                                                     quantity=1000.0, quantity_unit="piece"))
    record_event(session, farmer, dried.id, NewEvent(step="packing", event_time=_at(20, 9), place_id=dryer.id,
                                                     sscc=SSCC, quantity=400.0, quantity_unit="piece"))
    record_event(session, farmer, dried.id, NewEvent(
        step="shipping", event_time=_at(20, 14), place_id=dryer.id, destination_id=warehouse.id, quantity=400.0,
        quantity_unit="piece"))
    record_event(session, trader, dried.id, NewEvent(step="receiving", event_time=_at(19, 10),
                                                     place_id=warehouse.id, quantity=400.0, quantity_unit="piece"))
    record_event(session, trader, dried.id, NewEvent(step="storing", event_time=_at(19, 11), place_id=warehouse.id,
                                                     quantity=400.0, quantity_unit="piece"))

    record_event(session, trader, tea_lot.id, NewEvent(step="commissioning", event_time=_at(12, 15),
                                                       place_id=workshop.id, quantity=600.0, quantity_unit="piece"))
    record_event(session, trader, tea_lot.id, NewEvent(step="storing", event_time=_at(11), place_id=warehouse.id,
                                                       quantity=6000.0, quantity_unit="piece"))  # a zero too many
    wrong = session.scalars(select(TraceEvent).where(TraceEvent.biz_step == "storing", TraceEvent.owner_id == hn.id)
                            .order_by(TraceEvent.id.desc())).first()
    assert wrong is not None
    declare(session, trader, wrong.id, DeclareError(reason="incorrect_data", step="storing", event_time=_at(11),
                                                    place_id=warehouse.id, quantity=600.0, quantity_unit="piece"))
    _inspection(session, ctx, dried, hn.id)


def _inspection(session: Session, ctx: DemoContext, batch: Batch, owner_id: int) -> None:
    """The lab's inspecting event on ``batch`` from an approved scale verification that passed —
    of a scale of the business when there is one (the scale that weighed the packs)."""
    found = session.execute(
        select(Record, Instrument).join(Instrument, Record.instrument_id == Instrument.id)
        .where(Record.status == "approved", Record.kind == "verification", Record.verdict == "pass")
        .order_by(Record.id)).all()
    if not found:
        return
    record = next((r for r, inst in found if inst.owner_id == owner_id), found[0][0])
    technician = _user(session, ctx, "ktv.lan")
    inspect(session, technician, record.id, RecordInspection(batch_id=batch.id, event_time=_at(18, 9)))
