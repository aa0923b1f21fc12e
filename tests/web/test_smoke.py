"""Pages and API answer, in Vietnamese by default and in English on request."""
from __future__ import annotations


def test_home_page_is_public_and_vietnamese_by_default(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert 'lang="vi"' in resp.get_data(as_text=True)


def test_openapi_description_is_served(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/instruments" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
