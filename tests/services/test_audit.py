"""The audit trail is a hash chain; an edit behind the application's back is caught."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from lims.cli import main
from lims.models import AuditEvent
from lims.services import audit, catalog
from lims.services.policy import SYSTEM


def _org(db, name):
    org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name=name))
    db.commit()
    return org


def test_each_event_links_to_the_previous_one(db):
    for i in range(3):
        _org(db, f"Org {i}")
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert audit.verify_chain(db).ok


@pytest.mark.committed  # edits on a connection of its own, then the CLI reads
def test_tampering_with_an_event_is_caught_and_named(db, database_url, monkeypatch):
    for i in range(4):
        _org(db, f"Org {i}")
    # Edit the second event's snapshot directly in the database, as an intruder would.
    second = db.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
    with db.get_bind().begin() as conn:
        conn.execute(text("UPDATE audit_event SET after = :a WHERE id = :id"),
                      {"a": '{"name": "Someone else"}', "id": second.id})
    db.expire_all()
    report = audit.verify_chain(db)
    assert not report.ok and report.first_bad_seq == 2 and "hash" in report.reason

    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "event #2" in result.output


@pytest.mark.committed  # deletes on a connection of its own
def test_deleting_an_event_is_caught(db):
    for i in range(3):
        _org(db, f"Org {i}")
    with db.get_bind().begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    db.expire_all()
    report = audit.verify_chain(db)
    assert not report.ok and report.first_bad_seq == 3 and "missing" in report.reason


def test_relinking_after_an_edit_is_still_caught(db):
    """Recomputing the edited event's own hash breaks the link from the next event."""
    for i in range(3):
        _org(db, f"Org {i}")
    ev = db.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
    ev.actor = "intruder"
    ev.hash = audit._digest(audit._fields(ev))
    db.commit()
    report = audit.verify_chain(db)
    assert not report.ok and report.first_bad_seq == 3 and "link" in report.reason


@pytest.mark.committed  # the CLI reads with an engine of its own
def test_clean_chain_verifies_from_the_cli(db, database_url, monkeypatch):
    _org(db, "Org")
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 1 events" in result.output
