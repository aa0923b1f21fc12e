"""One handler turns every LimsError into its status, as a JSON problem or a page, and rolls back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.errors import LimsError
from lims.models import Organisation


class _DocumentRefused(LimsError, ValueError):
    """Shaped like certificates.errors.DocumentError made a LimsError: a status, only a message."""

    status = 422

    def __init__(self, field: str, reason: str) -> None:
        Exception.__init__(self, f"certificate field {field!r}: {reason}")  # no .message, no .detail


class _Odd(LimsError):
    status = 99  # not an HTTP error status


@pytest.fixture
def refusing_app(make_app):
    """An app of its own: routes cannot be added to the shared one once it has served."""
    app = make_app()
    from lims.services import catalog
    from lims.services.policy import SYSTEM
    from lims.web.auth import public
    from lims.web.context import get_db

    def refuse():
        catalog.create_organisation(get_db(), SYSTEM, catalog.NewOrganisation(name="Written, then refused"))
        raise _DocumentRefused("results[0].mpe", "missing")

    def odd():
        raise _Odd("odd")

    app.add_url_rule("/test-refused", "test_refused", public(refuse))
    app.add_url_rule("/test-odd", "test_odd", public(odd))
    return app


def test_a_domain_error_with_only_a_message_answers_its_status_as_json_and_as_a_page(refusing_app, db):
    client = refusing_app.test_client()
    as_json = client.get("/test-refused", headers={"Accept": "application/json"})
    assert as_json.status_code == 422
    assert as_json.get_json() == {"error": "certificate field 'results[0].mpe': missing", "detail": {}}
    page = client.get("/test-refused", headers={"Accept": "text/html"})
    assert page.status_code == 422 and page.mimetype == "text/html"
    assert "certificate field &#39;results[0].mpe&#39;: missing" in page.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Organisation)) == 0  # rolled back


def test_a_status_that_is_no_http_error_becomes_500(refusing_app):
    resp = refusing_app.test_client().get("/test-odd", headers={"Accept": "application/json"})
    assert resp.status_code == 500 and resp.get_json()["error"] == "odd"


def test_validation_errors_name_every_bad_field(client, make_user, token_for):
    headers = token_for(make_user("boss", "admin"))
    resp = client.post("/api/v1/organisations", json={"name": "", "kind": "shop"}, headers=headers)
    assert resp.status_code == 422
    assert set(resp.get_json()["detail"]["fields"]) == {"name", "kind"}
