"""`lims trace list` and `lims trace label`: the package label's QR code, read back by a real
decoder (ZXing C++) from the PNG and from the PDF rendered by pdftoppm, opens the batch's page."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from certificates.errors import RenderError
from lims.cli import main
from tests.helpers import pdf_text
from tests.services.trace_public_factory import ANISE_GTIN, LOT, RAW_GTIN, RAW_LOT, make_trace
from traceability.label import MIN_MODULE_MM, PackageLabel, label_layout

BASE = "https://truyxuat.tdc.gov.vn"


@pytest.fixture
def traced(committed_db, db, database_url, tmp_path, monkeypatch):
    """The trace test data, committed (the commands read it with an engine of their own)."""
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LIMS_BASE_URL", BASE)
    monkeypatch.setenv("LIMS_LANGUAGE", "vi")
    return make_trace(db)


def _qr_texts(image: Image.Image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]


def _opens_the_batch_page(client, uri: str) -> str:
    """GET the decoded URI through the app, following the resolver's redirect; the page's text."""
    assert uri == f"{BASE}/01/{ANISE_GTIN}/10/{LOT}"
    resp = client.get(urlsplit(uri).path)
    assert resp.status_code == 307
    page = client.get(urlsplit(resp.headers["Location"]).path)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_list_as_json_names_gtin_lot_and_digital_link_of_every_batch(traced):
    result = CliRunner().invoke(main, ["trace", "list", "--json"])
    assert result.exit_code == 0, result.output
    entries = {(e["gtin"], e["lot"]): e for e in json.loads(result.output)}
    assert set(entries) == {(ANISE_GTIN, LOT), (RAW_GTIN, RAW_LOT)}
    anise = entries[(ANISE_GTIN, LOT)]
    assert anise["digital_link"] == f"{BASE}/01/{ANISE_GTIN}/10/{LOT}"
    assert anise["product"] == "Hoa hồi khô Văn Quan" and anise["expiry_date"] == "2027-09-30"
    table = CliRunner().invoke(main, ["trace", "list"]).output
    assert f"{ANISE_GTIN}  {LOT}  Hoa hồi khô Văn Quan" in table


def test_png_label_at_300_dpi_decodes_to_the_digital_link_that_opens_the_batch_page(traced, client, tmp_path):
    out = tmp_path / "label.png"
    result = CliRunner().invoke(main, ["trace", "label", ANISE_GTIN, LOT, "-o", str(out)])
    assert result.exit_code == 0, result.output
    image = Image.open(out)
    assert image.size == (591, 354)  # 50 × 30 mm at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    (uri,) = _qr_texts(image)
    page = _opens_the_batch_page(client, uri)
    assert LOT in page and "Hoa hồi khô Văn Quan" in page


def test_pdf_label_rendered_by_pdftoppm_decodes_to_the_same_link(traced, client, tmp_path):
    out = tmp_path / "label.pdf"
    result = CliRunner().invoke(main, ["trace", "label", ANISE_GTIN[1:], LOT, "-o", str(out)])  # a GTIN-13 too
    assert result.exit_code == 0, result.output
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(out), str(tmp_path / "page")], check=True)
    (uri,) = _qr_texts(Image.open(tmp_path / "page.png"))
    _opens_the_batch_page(client, uri)
    text = " ".join(pdf_text(out.read_bytes()).split())
    for shown in ("Hoa hồi khô Văn Quan", f"LÔ {LOT}", "HSD 30/09/2027", "ĐỊNH LƯỢNG 500 g"):
        assert shown in text


def test_an_english_label_writes_dates_and_numbers_as_english_does(traced, tmp_path):
    out = tmp_path / "label-en.pdf"
    assert CliRunner().invoke(main, ["trace", "label", ANISE_GTIN, LOT, "-o", str(out), "--lang", "en"]).exit_code == 0
    text = " ".join(pdf_text(out.read_bytes()).split())
    assert "Văn Quan dried star anise" in text and "EXP 2027-09-30" in text and "NET 500 g" in text


def test_gs1_x_dimension_qr_modules_are_at_least_0_33_mm_and_a_too_long_link_is_refused():
    layout = label_layout(PackageLabel(uri=f"{BASE}/01/{ANISE_GTIN}/10/{LOT}", title="Hoa hồi"))
    assert layout.module_mm >= MIN_MODULE_MM
    too_long = PackageLabel(uri=f"{BASE}/01/{ANISE_GTIN}/10/{LOT}?x={'A' * 400}", title="Hoa hồi")
    with pytest.raises(RenderError, match="mô-đun QR chỉ còn 0,27\u00a0mm, nhỏ hơn 0,33\u00a0mm"):
        label_layout(too_long)


@pytest.mark.parametrize(("args", "message"), [
    ([ANISE_GTIN[:-1] + "0", LOT], "Số kiểm tra phải là 8, không phải 0."),
    ([ANISE_GTIN, "NOPE"], f"Lô NOPE của GTIN {ANISE_GTIN} chưa được đăng ký."),
    ([ANISE_GTIN, LOT, "-o", "label.svg"], "Tệp nhãn phải có đuôi .png hoặc .pdf"),
])
def test_bad_input_exits_2_with_the_reason_and_writes_nothing(traced, tmp_path, args, message):
    out = tmp_path / "label.png"
    full = ["trace", "label", *args] + ([] if "-o" in args else ["-o", str(out)])
    result = CliRunner().invoke(main, full)
    assert result.exit_code == 2 and message in result.output
    assert not out.exists() and not Path("label.svg").exists()
