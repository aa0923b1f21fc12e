"""The audit trail is a keyed hash chain; an edit behind the application's back is caught.

Events are hashed with HMAC-SHA256 under the audit key, kept outside the database. The tests
marked "fails on the old code" describe what a tester saw with the plain SHA-256 chain: an
intruder with database access recomputed the hashes after an edit and the chain still
verified. Checkpoints, restores and the state cross-check: ``test_audit_checkpoints.py``.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from lims import config
from lims.cli import main
from lims.i18n import use_language
from lims.models import AuditEvent
from lims.services import audit, catalog
from lims.services.audit_keys import AuditKeyError, forget_keys, key_id, load_key
from lims.services.policy import SYSTEM


@pytest.fixture(autouse=True)
def _english():
    """The reports are read in English here (their Vietnamese is checked by tests/i18n)."""
    with use_language("en"):
        yield


def _org(db, name):
    org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name=name))
    db.commit()
    return org


def rehash_plain(db, from_seq: int = 1) -> None:
    """Recompute the hashes from ``from_seq`` on with plain SHA-256, as an intruder without the
    key would (and as releases before the keyed chain wrote them)."""
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    prev = audit.GENESIS
    for ev in events:
        if ev.seq >= from_seq:
            ev.prev_hash = prev
            ev.hash = audit._digest(audit._fields(ev))
        prev = ev.hash
    db.commit()


def test_each_event_links_to_the_previous_one(db):
    for i in range(3):
        _org(db, f"Org {i}")
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    report = audit.verify_chain(db)
    assert report.ok and report.keyed_from == 1 and report.checked == 3


def test_new_events_are_hmac_sha256_under_the_audit_key_kept_in_a_private_file(db):
    _org(db, "Org")
    ev = db.scalar(select(AuditEvent))
    path = audit.key_file(db)
    key = load_key(path)
    assert ev.hash == audit.keyed_digest(key, audit._fields(ev)) != audit._digest(audit._fields(ev))
    assert path == config.audit_key_file()  # the app's sessions and the commands agree (the test run's key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text().strip())) == 32


def test_the_key_is_made_once_with_mode_0600_and_read_once_per_process(tmp_path):
    path = tmp_path / "sub" / "audit.key"
    key = load_key(path)
    assert len(key) == 32 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    path.unlink()  # served from memory from now on: no file read on the path of audit.record
    assert load_key(path) == key
    forget_keys()
    assert load_key(path) != key  # a new key was made, since the file is gone


def test_a_missing_or_broken_key_file_is_refused_with_a_message_naming_it(tmp_path):
    with pytest.raises(AuditKeyError) as missing:
        load_key(tmp_path / "none.key", create=False)
    assert "none.key" in missing.value.message and not (tmp_path / "none.key").exists()
    (tmp_path / "bad.key").write_text("not hex")
    with pytest.raises(AuditKeyError) as bad:
        load_key(tmp_path / "bad.key")
    assert "bad.key" in bad.value.message
    (tmp_path / "short.key").write_text("ab" * 16)
    with pytest.raises(AuditKeyError):
        load_key(tmp_path / "short.key")
    assert (tmp_path / "short.key").read_text() == "ab" * 16  # left as it was


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
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "event #2" in result.output
    folder = Path(os.environ["LIMS_AUDIT_CHECKPOINT_DIR"])
    assert not folder.exists() or not any(folder.iterdir())  # no checkpoint of a broken chain


@pytest.mark.committed  # deletes on a connection of its own
def test_deleting_an_event_is_caught(db):
    for i in range(3):
        _org(db, f"Org {i}")
    with db.get_bind().begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    db.expire_all()
    report = audit.verify_chain(db)
    assert not report.ok and report.first_bad_seq == 3 and "missing" in report.reason


def test_recomputing_the_edited_event_and_every_later_hash_without_the_key_is_caught(db):
    """Fails on the old code: there the intruder's recomputed SHA-256 chain verified "intact"."""
    for i in range(4):
        _org(db, f"Org {i}")
    ev = db.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
    ev.actor = "intruder"
    db.flush()
    rehash_plain(db, from_seq=2)
    report = audit.verify_chain(db)
    assert not report.ok and report.first_bad_seq == 2
    assert "rewritten and hashed again without the audit key" in report.reason


def test_a_whole_chain_recomputed_as_plain_sha256_is_not_accepted(db):
    """Fails on the old code: a chain rewritten from its first event with SHA-256 verified."""
    for i in range(3):
        _org(db, f"Org {i}")
    db.scalar(select(AuditEvent).where(AuditEvent.seq == 3)).actor = "intruder"
    rehash_plain(db)
    report = audit.verify_chain(db)
    assert not report.ok and report.checked == 3 and report.keyed_from is None
    assert "no audit.keyed event" in report.reason


def test_a_plain_chain_is_re_anchored_once_and_verifies_sha256_before_and_hmac_after(db):
    for i in range(3):
        _org(db, f"Org {i}")
    rehash_plain(db)  # the chain as the release before the keyed chain left it
    marker = audit.reanchor(db)
    db.commit()
    assert marker is not None and marker.seq == 4 and marker.action == audit.KEYED
    assert marker.after["plain_until_seq"] == 3 and marker.after["key_id"] == key_id(audit.session_key(db))
    assert "events up to seq 3 were hashed with SHA-256" in marker.after["note"]
    assert audit.reanchor(db) is None  # keyed already: nothing more
    _org(db, "After the upgrade")
    report = audit.verify_chain(db)
    assert report.ok and report.keyed_from == 4 and report.checked == 5

    ev = db.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
    ev.actor = "intruder"  # an edit before the marker, its SHA-256 and the later plain ones recomputed
    db.flush()
    events = db.scalars(select(AuditEvent).where(AuditEvent.seq.in_([2, 3])).order_by(AuditEvent.seq)).all()
    prev = db.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 1))
    for e in events:
        e.prev_hash = prev
        e.hash = audit._digest(audit._fields(e))
        prev = e.hash
    db.commit()
    report = audit.verify_chain(db)
    assert not report.ok and report.first_bad_seq == 4 and "link" in report.reason  # the keyed marker holds


def test_an_empty_or_keyed_chain_is_not_re_anchored(db):
    assert audit.reanchor(db) is None
    _org(db, "Org")
    assert audit.reanchor(db) is None
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_a_chain_whose_first_event_matches_neither_scheme_is_left_alone_by_the_upgrade(db):
    _org(db, "Org")
    rehash_plain(db)
    db.execute(text("UPDATE audit_event SET actor = 'intruder' WHERE seq = 1"))
    db.commit()
    assert audit.scheme(db, audit.session_key(db)) == "unknown"
    assert audit.reanchor(db) is None
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 1  # nothing appended


def test_a_keyed_event_after_plain_ones_without_the_marker_is_refused(db):
    for i in range(2):
        _org(db, f"Org {i}")
    rehash_plain(db)
    _org(db, "Keyed, but never re-anchored")
    report = audit.verify_chain(db)
    assert not report.ok and report.first_bad_seq == 3 and "no audit.keyed event comes before it" in report.reason


def test_verifying_with_another_key_says_so(db):
    for i in range(3):
        _org(db, f"Org {i}")
    report = audit.verify_chain(db, key=b"\x01" * 32)
    assert not report.ok and report.first_bad_seq == 1
    assert "not the one the chain was written with" in report.reason


def test_verifying_a_re_anchored_chain_with_another_key_names_both_key_ids(db):
    _org(db, "Org")
    rehash_plain(db)
    audit.reanchor(db)
    db.commit()
    other = b"\x02" * 32
    report = audit.verify_chain(db, key=other)
    assert not report.ok and report.first_bad_seq == 2
    assert key_id(other) in report.reason and key_id(audit.session_key(db)) in report.reason


@pytest.mark.committed  # the CLI reads with an engine of its own
def test_clean_chain_verifies_from_the_cli(db, database_url, monkeypatch):
    _org(db, "Org")
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    result = CliRunner().invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "events checked: 1" in result.output and "audit chain intact" in result.output
