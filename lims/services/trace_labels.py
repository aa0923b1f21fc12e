"""The products and batches of product traceability as the lab's command line lists them, and the
package label of a batch (``lims trace list``, ``lims trace label``).

The label carries the batch's GS1 Digital Link (``{LIMS_BASE_URL}/01/{gtin14}/10/{lot}``) as a QR
code, the product's name, the lot, the expiry date and the net quantity, written as the label's
language writes them (:mod:`lims.metrology.units_format`: ``30/09/2027``, ``500 g``).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.i18n import translator
from lims.metrology.units_format import page_day, page_quantity
from lims.models import Batch, Organisation, Product
from lims.services.trace_public_views import digital_link
from traceability.label import PackageLabel

__all__ = ["catalogue", "package_label"]


def catalogue(session: Session, base: str) -> list[dict[str, Any]]:
    """One entry per batch (and one per product without a batch, ``lot`` None), by GTIN then lot:
    ``gtin``, ``lot``, ``digital_link``, the product's names, its owner, the dates."""
    rows = session.execute(
        select(Product.gtin, Product.name_vi, Product.name_en, Organisation.name.label("owner"), Batch.lot,
               Batch.production_date, Batch.expiry_date)
        .join(Organisation, Organisation.id == Product.owner_id)
        .outerjoin(Batch, Batch.product_id == Product.id)
        .order_by(Product.gtin, Batch.lot)).all()
    return [{"gtin": r.gtin, "lot": r.lot, "digital_link": digital_link(base, r.gtin, r.lot),
             "product": r.name_vi, "product_en": r.name_en, "owner": r.owner,
             "production_date": r.production_date.isoformat() if r.production_date else None,
             "expiry_date": r.expiry_date.isoformat() if r.expiry_date else None} for r in rows]


def package_label(session: Session, base: str, gtin14: str, lot: str, lang: str) -> PackageLabel | None:
    """The label of batch ``lot`` of the product with GTIN-14 ``gtin14``, or None when not registered."""
    row = session.execute(
        select(Product.name_vi, Product.name_en, Product.net_quantity, Product.net_unit, Batch.expiry_date)
        .join(Batch, Batch.product_id == Product.id).where(Product.gtin == gtin14, Batch.lot == lot)).first()
    if row is None:
        return None
    _ = translator(lang)
    lines = [(_("LOT"), lot)]
    if row.expiry_date:
        lines.append((_("EXP"), page_day(row.expiry_date, lang)))
    if row.net_quantity:
        lines.append((_("NET"), page_quantity(row.net_quantity, row.net_unit, lang).replace("\u00a0", " ")))
    title = row.name_en if lang == "en" and row.name_en else row.name_vi
    return PackageLabel(uri=digital_link(base, gtin14, lot), title=title, lines=tuple(lines),
                        footer=f"GTIN {gtin14}")
