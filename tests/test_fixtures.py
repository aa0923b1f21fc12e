"""The shared fixtures keep tests apart: what a test writes or changes is gone for the next one.

The tests of a pair run in file order in one process; under pytest-xdist they may land on two
workers, where the second one still holds.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from lims.models import Organisation, User


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_requests_and_the_test_share_one_transaction(db, make_user, token_for, client):
    headers = token_for(make_user("boss", "admin"))  # committed by the test's session
    assert client.post("/api/v1/organisations", json={"name": "Công ty A"}, headers=headers).status_code == 201
    assert db.scalar(select(Organisation.name)) == "Công ty A"  # committed by the request


def test_nothing_is_left_by_the_test_before(db):
    assert _count(db, User) == 0 and _count(db, Organisation) == 0


def test_changes_to_the_app_are_undone_after_the_test(app, make_app):
    app.config["WTF_CSRF_ENABLED"] = True
    app.extensions["lims.certificates"] = "changed"
    app.wsgi_app.wsgi_app = None  # what a spy on the front door does
    make_app(extra={"TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})


def test_the_app_is_as_built(app, client):
    from lims.web.extensions import limiter

    assert app.config["WTF_CSRF_ENABLED"] is False and app.extensions.get("lims.certificates") != "changed"
    assert not limiter.enabled
    assert client.get("/").status_code == 200


@pytest.mark.committed
def test_committed_data_is_seen_by_other_connections(db, engine):
    db.add(Organisation(name="Công ty B"))
    db.commit()
    with engine.connect() as other:
        assert other.execute(text("SELECT name FROM organisation")).scalar_one() == "Công ty B"


def test_nothing_is_left_by_a_committed_test(db):
    assert _count(db, Organisation) == 0
