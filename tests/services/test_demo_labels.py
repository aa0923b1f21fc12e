"""Issue 13, "Done when": the demo's package labels, decoded from their PNG by a real QR decoder
(ZXing C++), give the GS1 Digital Link of their own batch, and that link opens the batch's page
through the resolver (307, then the page naming the product and the lot)."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from lims.models import Batch, Product
from lims.services.demo import seed_demo
from lims.services.trace_labels import package_label
from traceability.gs1 import DigitalLink
from traceability.label import label_png

BASE = "https://truyxuat.tdc.gov.vn"


@pytest.mark.committed
def test_every_demo_label_decodes_to_the_link_that_opens_its_own_batch_page(db, ctx, client):
    seed_demo(db, "demo-password-1")
    db.commit()
    batches = db.execute(select(Batch, Product).join(Product).order_by(Batch.id)).all()
    assert len(batches) >= 4  # the star anise and tea lots and their raw-material lots
    for batch, product in batches:
        label = package_label(db, BASE, product.gtin, batch.lot, "vi")
        assert label is not None
        image = Image.open(io.BytesIO(label_png(label)))
        (uri,) = [b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]
        assert uri == DigitalLink.build(BASE, "01", product.gtin, {"10": batch.lot}).uri
        resolved = client.get(urlsplit(uri).path)
        assert resolved.status_code == 307, uri
        page = client.get(urlsplit(resolved.headers["Location"]).path)
        assert page.status_code == 200, uri
        text = page.get_data(as_text=True)
        assert batch.lot in text and product.name_vi in text, uri
