"""Checkpoints of the audit chain's head outside the database, restores, and the state cross-check.

Truncation (the last events deleted) and a chain recomputed from some event on leave a chain
that links from its first event to its last; only a record of the head kept elsewhere shows
them. Fails on the old code, which checked audit rows only: truncation, recomputation, and a
certificate's status edited in its table (revoked → valid).
"""
from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from lims.i18n import use_language
from lims.models import AuditEvent
from lims.services import audit, catalog
from lims.services import certificates as certs
from lims.services.audit_checkpoints import read_checkpoints, write_checkpoint
from lims.services.audit_verify import CheckpointRefused, take_checkpoint
from lims.services.demo_certificates import sample_lab
from lims.services.policy import SYSTEM
from tests.services.test_audit import rehash_plain

EARLIER = datetime.now(UTC) - timedelta(hours=1)



@pytest.fixture(autouse=True)
def _english():
    """The reports are read in English here (their Vietnamese is checked by tests/i18n)."""
    with use_language("en"):
        yield


def _orgs(db, n, start=0):
    for i in range(start, start + n):
        catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name=f"Org {i}"))
        db.commit()


def _head(db):
    return db.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).one()


def _delete_from(db, seq):
    db.execute(AuditEvent.__table__.delete().where(AuditEvent.seq >= seq))
    db.commit()


def test_a_checkpoint_is_a_signed_private_file_of_the_head(db, tmp_path):
    _orgs(db, 3)
    folder = tmp_path / "checkpoints"
    path = take_checkpoint(db, folder)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    body = json.loads(path.read_text())
    seq, hash_ = _head(db)
    assert (body["seq"], body["hash"], body["events"]) == (seq, hash_, 3) and body["signature"]
    good, bad = read_checkpoints(folder, audit.session_key(db))
    assert [c.seq for c in good] == [3] and not bad
    report = audit.verify_chain(db, checkpoint_dir=folder)
    assert report.ok and report.checkpoints_checked == 1 and not report.checkpoint_findings


def test_an_empty_chain_gets_no_checkpoint(db, tmp_path):
    assert take_checkpoint(db, tmp_path / "c") is None
    assert not (tmp_path / "c").exists()


def test_truncation_is_caught_by_the_checkpoint_naming_its_seq(db, tmp_path):
    """Fails on the old code: deleting the last events left a chain that verified "intact"."""
    _orgs(db, 5)
    take_checkpoint(db, tmp_path)
    _delete_from(db, 4)
    report = audit.verify_chain(db, checkpoint_dir=tmp_path)
    assert report.walk_ok and report.checked == 3  # the chain alone still links
    assert not report.ok
    (finding,) = report.checkpoint_findings
    assert finding.failure and "truncated" in finding.message and "#5" in finding.message and "#3" in finding.message


def test_a_chain_emptied_after_a_checkpoint_is_caught(db, tmp_path):
    _orgs(db, 2)
    take_checkpoint(db, tmp_path)
    _delete_from(db, 1)
    report = audit.verify_chain(db, checkpoint_dir=tmp_path)
    assert report.walk_ok and report.checked == 0 and not report.ok
    (finding,) = report.checkpoint_findings
    assert "truncated" in finding.message and "#2" in finding.message


def test_truncation_then_new_events_is_caught_as_a_different_hash(db, tmp_path):
    _orgs(db, 4)
    take_checkpoint(db, tmp_path)
    _delete_from(db, 3)
    _orgs(db, 2, start=10)  # the app goes on writing: seq 3 and 4 again, other events
    report = audit.verify_chain(db, checkpoint_dir=tmp_path)
    assert report.walk_ok and not report.ok
    (finding,) = report.checkpoint_findings
    assert "rewritten" in finding.message and "#4" in finding.message


def test_a_chain_forged_as_plain_sha256_without_the_marker_is_caught_by_the_checkpoints(db, tmp_path):
    """Fails on the old code: an intruder rewrote every event and recomputed the chain."""
    _orgs(db, 3)
    take_checkpoint(db, tmp_path)
    db.scalar(select(AuditEvent).where(AuditEvent.seq == 1)).actor = "intruder"
    rehash_plain(db)
    report = audit.verify_chain(db, checkpoint_dir=tmp_path)
    assert not report.walk_ok and "no audit.keyed event" in report.reason
    (finding,) = report.checkpoint_findings
    assert finding.failure and "rewritten" in finding.message and "#3" in finding.message


def test_a_tampered_or_foreign_checkpoint_file_is_reported(db, tmp_path):
    _orgs(db, 2)
    path = take_checkpoint(db, tmp_path)
    body = json.loads(path.read_text())
    body["seq"] = 1  # an intruder who can write files but has not the key lowers the head
    path.write_text(json.dumps(body))
    write_checkpoint(tmp_path, b"\x03" * 32, 2, "ab" * 32, 2)
    (tmp_path / "checkpoint-garbage.json").write_text("{not json")
    report = audit.verify_chain(db, checkpoint_dir=tmp_path)
    assert report.walk_ok and not report.ok and report.checkpoints_checked == 3
    messages = sorted(f.message for f in report.checkpoint_findings)
    assert len(messages) == 3 and all(f.failure for f in report.checkpoint_findings)
    assert any("signature does not match" in m and path.name in m for m in messages)
    assert any("signed with another audit key" in m for m in messages)
    assert any("cannot be read" in m and "checkpoint-garbage.json" in m for m in messages)


def test_the_checkpoint_command_refuses_a_head_that_does_not_match_and_writes_nothing(db, tmp_path):
    _orgs(db, 2)
    db.execute(text("UPDATE audit_event SET actor = 'intruder' WHERE seq = 2"))
    db.commit()
    with pytest.raises(CheckpointRefused) as err:
        take_checkpoint(db, tmp_path / "c")
    assert "#2" in err.value.message and not (tmp_path / "c").exists()


def _restore(db, head_seq, head_hash=None):
    """What ``lims restore`` does after putting a backup back: the restored head, and the event."""
    hash_ = db.scalar(select(AuditEvent.hash).where(AuditEvent.seq == head_seq))
    _delete_from(db, head_seq + 1)
    event = audit.record(db, None, audit.RESTORED, entity_type="audit", entity_id=str(head_seq), after={
        "head_seq": head_seq, "head_hash": head_hash or hash_, "archive_sha256": "ab" * 32,
        "backup_at": EARLIER.isoformat()})
    db.commit()
    return event


def test_a_restore_event_stands_in_for_the_checkpoints_after_the_restored_head(db, tmp_path):
    _orgs(db, 3)
    write_checkpoint(tmp_path, audit.session_key(db), *_head(db), 3, now=EARLIER)
    _orgs(db, 2, start=10)
    take_checkpoint(db, tmp_path)  # seq 5, before the restore
    write_checkpoint(tmp_path, audit.session_key(db), *_head(db), 5, now=EARLIER + timedelta(minutes=1))
    restore = _restore(db, 3)
    assert restore.seq == 4
    _orgs(db, 1, start=20)
    take_checkpoint(db, tmp_path)  # seq 5 again, after the restore: checked as any other
    report = audit.verify_chain(db, checkpoint_dir=tmp_path)
    assert report.ok, report
    assert report.checkpoints_checked == 4
    superseded = [f for f in report.checkpoint_findings if not f.failure]
    assert len(superseded) == 2 and len(report.checkpoint_findings) == 2
    assert all("superseded by the restore at seq 4" in f.message for f in superseded)


def test_a_restore_event_naming_a_head_the_chain_has_not_is_reported(db, tmp_path):
    _orgs(db, 4)
    write_checkpoint(tmp_path, audit.session_key(db), *_head(db), 4, now=EARLIER)
    _restore(db, 2, head_hash="cd" * 32)
    report = audit.verify_chain(db, checkpoint_dir=tmp_path)
    assert report.walk_ok and not report.ok
    (problem,) = report.restore_problems
    assert "restore at seq 3" in problem and "#2" in problem
    (finding,) = report.checkpoint_findings
    assert finding.failure  # not superseded by a restore that does not hold


def test_a_checkpoint_taken_after_the_restore_is_not_superseded_by_it(db, tmp_path):
    _orgs(db, 4)
    _restore(db, 2)
    _orgs(db, 3, start=10)  # up to seq 6
    take_checkpoint(db, tmp_path)
    _delete_from(db, 6)
    report = audit.verify_chain(db, checkpoint_dir=tmp_path)
    (finding,) = report.checkpoint_findings
    assert finding.failure and "truncated" in finding.message


# ---------------------------------------------------------------- the state the chain describes


@pytest.fixture
def sample(db):
    return sample_lab(db)


def test_a_revoked_certificate_set_valid_in_its_table_is_named(db, sample, ctx):
    """Fails on the old code: only audit rows were checked, so the edited status went unnoticed."""
    cert = certs.issue_for_record(db, sample.reviewer, sample.scale_record(db), context=ctx)
    db.commit()
    certs.revoke_certificate(db, sample.reviewer, cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
    db.commit()
    assert audit.verify_chain(db).ok
    revoke_seq = db.scalar(select(AuditEvent.seq).where(AuditEvent.action == "certificate.revoke"))
    db.execute(text("UPDATE certificate SET status = 'valid' WHERE id = :id"), {"id": cert.id})
    db.commit()
    report = audit.verify_chain(db)
    assert report.walk_ok and not report.ok
    (d,) = report.disagreements
    assert (d.entity_type, d.entity_id, d.field, d.stored, d.in_event, d.seq) == \
        ("certificate", str(cert.id), "status", "valid", "revoked", revoke_seq)
    assert d.message() == f"certificate {cert.id}: status is 'valid' in the table, 'revoked' in the last event " \
                          f"about it (#{revoke_seq})"


def test_a_record_status_and_an_instrument_next_due_edited_in_their_tables_are_named(db, sample):
    record = sample.scale_record(db)
    # the workflow's own event when a record is submitted (transitions.submit_record)
    event = audit.record(db, SYSTEM, "record.submit", record, before={"status": "draft"},
                         after={"status": "submitted", "verdict": record.verdict})
    db.commit()
    created = db.scalar(select(AuditEvent).where(AuditEvent.action == "instrument.create",
                                                 AuditEvent.entity_id == str(sample.gauge.id)))
    assert "next_due" in created.after  # the instrument's snapshot names its due date
    db.execute(text("UPDATE instrument SET next_due = :d WHERE id = :id"), {"d": "2031-01-01", "id": sample.gauge.id})
    db.commit()
    report = audit.verify_chain(db)
    assert report.walk_ok and not report.ok
    found = {(d.entity_type, d.entity_id, d.field, d.stored, d.in_event, d.seq) for d in report.disagreements}
    assert found == {("record", str(record.id), "status", "approved", "submitted", event.seq),
                     ("instrument", str(sample.gauge.id), "next_due", "2031-01-01", created.after["next_due"],
                      created.seq)}


def test_rows_without_an_event_about_the_field_are_not_disagreements(db, sample, ctx):
    # sample_lab's records are stored approved without a status event (demo_sample.approved_record)
    record = sample.scale_record(db)
    db.commit()
    assert not db.scalar(select(AuditEvent).where(AuditEvent.entity_type == "record",
                                                  AuditEvent.entity_id == str(record.id)))
    db.execute(text("UPDATE record SET status = 'returned' WHERE id = :id"), {"id": record.id})
    db.commit()
    assert audit.verify_chain(db).ok


def test_a_status_change_committed_while_verify_reads_the_tables_is_not_a_disagreement(db, sample, ctx, monkeypatch):
    from lims.services import audit_verify

    cert = certs.issue_for_record(db, sample.reviewer, sample.scale_record(db), context=ctx)
    db.commit()
    real, calls = audit_verify._disagreements, []

    def revoked_meanwhile(session, state):
        if not calls:  # a reviewer revokes between the walk and the reading of the tables
            certs.revoke_certificate(db, sample.reviewer, cert.id, certs.RevokeCertificate(reason="Chuẩn hỏng"))
            db.commit()
        calls.append(1)
        return real(session, state)

    monkeypatch.setattr(audit_verify, "_disagreements", revoked_meanwhile)
    report = audit.verify_chain(db)
    assert report.ok and len(calls) == 2  # the revoke event was walked, the table read again
    assert report.head_seq == db.scalar(select(AuditEvent.seq).where(AuditEvent.action == "certificate.revoke"))
