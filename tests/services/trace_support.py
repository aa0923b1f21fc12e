"""Two businesses with a user each, an admin, a technician and an inspector: what the tests of
products, batches, places and event recording start from."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lims.models import Batch, Organisation, Product, TraceLocation, User
from lims.services import batches, catalog, products, trace_locations
from lims.services.policy import SYSTEM

__all__ = ["STAR_ANISE_GTIN", "TEA_GTIN", "TraceWorld", "make_world"]

#: GTIN-13s with a Vietnamese prefix (893) and the right check digit (GS1 General Specifications 7.9).
STAR_ANISE_GTIN = "8935123400012"
TEA_GTIN = "8935123400029"
RAW_GTIN = "8935123400036"


@dataclass
class TraceWorld:
    farm: Organisation  # business A (star anise)
    shop: Organisation  # business B (tea, receives the star anise)
    farmer: User
    seller: User
    admin: User
    technician: User
    inspector: User

    def product(self, db: Any, owner: User | None = None, **given: Any) -> Product:
        values = {"gtin": STAR_ANISE_GTIN, "name_vi": "Hoa hồi khô Lạng Sơn", "name_en": "Lang Son dried star anise",
                  "net_quantity": 500.0, "net_unit": "g", "category": "spice"} | given
        return products.create_product(db, owner or self.farmer, products.NewProduct(**values))

    def place(self, db: Any, owner: User | None = None, **given: Any) -> TraceLocation:
        values = {"name": "Xưởng sấy Lộc Bình", "address": "Xã Mẫu Sơn, Lộc Bình, Lạng Sơn"} | given
        return trace_locations.create_location(db, owner or self.farmer, trace_locations.NewLocation(**values))

    def batch(self, db: Any, product: Product, owner: User | None = None, **given: Any) -> Batch:
        values = {"product_id": product.id, "lot": "HOI-2025-01", "production_date": date(2025, 10, 2),
                  "expiry_date": date(2027, 10, 2), "quantity": 2000.0, "quantity_unit": "piece"} | given
        return batches.create_batch(db, owner or self.farmer, batches.NewBatch(**values))


def make_world(db: Any, make_user: Any) -> TraceWorld:
    farm = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Hợp tác xã Nông sản Mẫu Sơn"))
    shop = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Công ty TNHH Hữu Nghị"))
    db.commit()
    return TraceWorld(farm=farm, shop=shop,
                      farmer=make_user("dn.farm", "business", organisation_id=farm.id),
                      seller=make_user("dn.shop", "business", organisation_id=shop.id),
                      admin=make_user("boss", "admin"), technician=make_user("ktv", "technician"),
                      inspector=make_user("thanhtra", "inspector"))
