"""traceability.resolver: link types, the RFC 9264 linkset, the Link header (RFC 8288, RFC 8187)."""
from __future__ import annotations

from traceability import resolver as rs

ANCHOR = "https://id.example.vn/01/09506000134352/10/ABC123"


def test_a_link_type_is_named_compactly_or_by_its_gs1_web_vocabulary_uri():
    assert rs.requested_link_type("gs1:epcis") == "gs1:epcis"
    assert rs.requested_link_type("https://gs1.org/voc/pip") == "gs1:pip"
    assert rs.requested_link_type("http://gs1.org/voc/pip") == "gs1:pip"
    assert rs.requested_link_type("linkset") == rs.requested_link_type("all") == "all"
    assert rs.requested_link_type("") is None and rs.link_type_uri("gs1:pip") == "https://gs1.org/voc/pip"


def test_rfc_9264_linkset_groups_targets_by_link_type_uri_with_titles_in_each_language():
    links = [rs.Link(rs.PIP, "https://x.vn/p", "Thông tin sản phẩm", "text/html", ("vi", "en"), "vi",
                     (("en", "Product information"),)),
             rs.Link(rs.CERTIFICATION_INFO, "https://x.vn/v/a", "GCN 1"),
             rs.Link(rs.CERTIFICATION_INFO, "https://x.vn/v/b", "GCN 2")]
    (context,) = rs.linkset(ANCHOR, links, description="Hoa hồi")["linkset"]
    assert context["anchor"] == ANCHOR and context["itemDescription"] == "Hoa hồi"
    assert context["https://gs1.org/voc/pip"] == [{
        "href": "https://x.vn/p", "title": "Thông tin sản phẩm", "type": "text/html", "hreflang": ["vi", "en"],
        "title*": [{"value": "Product information", "language": "en"}]}]
    assert [t["href"] for t in context["https://gs1.org/voc/certificationInfo"]] == ["https://x.vn/v/a",
                                                                                     "https://x.vn/v/b"]


def test_link_header_names_the_linkset_first_and_writes_a_vietnamese_title_per_rfc_8187():
    header = rs.link_header(f"{ANCHOR}?linkType=all", [
        rs.Link(rs.DEFAULT_LINK, "https://x.vn/b", "Lô ABC123", hreflang=("vi",), title_lang="vi"),
        rs.Link(rs.EPCIS, f"{ANCHOR}?linkType=gs1:epcis", 'EPCIS "events"', rs.EPCIS_TYPE)])
    first, default, epcis = header.split(", <")
    assert first == f'<{ANCHOR}?linkType=all>; rel="linkset"; type="application/linkset+json"'
    assert default == ('https://x.vn/b>; rel="https://gs1.org/voc/defaultLink"; type="text/html"; hreflang="vi"; '
                       "title*=UTF-8'vi'L%C3%B4%20ABC123")
    assert epcis.endswith('type="application/ld+json"; title="EPCIS \\"events\\""')
    header.encode("latin-1")  # an HTTP header holds no other characters


def test_the_resolver_description_names_root_keys_and_link_types():
    described = rs.resolver_description(name="Resolver", root="https://id.example.vn")
    assert described["resolverRoot"] == "https://id.example.vn" and described["supportedPrimaryKeys"] == ["01"]
    assert {"linkType": "gs1:epcis", "uri": "https://gs1.org/voc/epcis"} in described["linkTypes"]
