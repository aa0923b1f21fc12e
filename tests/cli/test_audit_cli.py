"""``lims audit verify`` and ``lims audit checkpoint``: what they print, the files they write,
their exit codes (0 only when all is well). The commands open an engine of their own, so the
data is committed. Each test has its own checkpoint folder (``LIMS_AUDIT_CHECKPOINT_DIR``)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from certificates.keystore import KeyStore
from lims.cli import main
from lims.services import catalog
from lims.services import certificates as certs
from lims.services.demo_certificates import sample_lab
from lims.services.policy import SYSTEM


@pytest.fixture
def cli(committed_db, database_url, monkeypatch) -> CliRunner:
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    return CliRunner()


def _checkpoints() -> list[Path]:
    folder = Path(os.environ["LIMS_AUDIT_CHECKPOINT_DIR"])
    return sorted(folder.glob("checkpoint-*.json")) if folder.exists() else []


def _orgs(db, n):
    for i in range(n):
        catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name=f"Org {i}"))
        db.commit()


def test_verify_prints_what_it_checked_and_writes_a_checkpoint_the_next_verify_checks(cli, db):
    _orgs(db, 3)
    first = cli.invoke(main, ["audit", "verify"])
    assert first.exit_code == 0, first.output
    assert "events checked: 3" in first.output
    assert "scheme: HMAC-SHA256 (keyed) from the first event" in first.output
    assert "checkpoints checked: 0 (0 failed, 0 superseded by a restore)" in first.output
    assert "disagreements between stored state and the audit trail: 0" in first.output
    (written,) = _checkpoints()
    assert f"checkpoint written: {written}" in first.output and "audit chain intact" in first.output
    assert json.loads(written.read_text())["seq"] == 3

    _orgs(db, 1)
    daily = cli.invoke(main, ["audit", "checkpoint"])
    assert daily.exit_code == 0, daily.output
    assert len(_checkpoints()) == 2 and daily.output.strip().startswith("checkpoint written: ")
    second = cli.invoke(main, ["audit", "verify"])
    assert second.exit_code == 0, second.output
    assert "checkpoints checked: 2 (0 failed" in second.output and len(_checkpoints()) == 3


def test_checkpoint_of_an_empty_chain_writes_nothing(cli):
    result = cli.invoke(main, ["audit", "checkpoint"])
    assert result.exit_code == 0 and "empty" in result.output and not _checkpoints()


def test_truncation_after_a_checkpoint_fails_verify_naming_the_seq_and_writes_no_checkpoint(cli, db, engine):
    """Fails on the old code: the shortened chain verified "intact"."""
    _orgs(db, 4)
    assert cli.invoke(main, ["audit", "verify"]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq >= 3"))
    result = cli.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "truncated" in result.output and "records event #4, but the chain ends at event #2" in result.output
    assert len(_checkpoints()) == 1  # none of the truncated head


def test_a_certificate_status_edited_in_its_table_fails_verify_naming_it(cli, db, engine, tmp_path):
    """Fails on the old code: a revoked certificate set valid again with plain SQL went unnoticed."""
    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="http://127.0.0.1:5000",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        lab = sample_lab(db)
        cert = certs.issue_for_record(db, lab.reviewer, lab.scale_record(db), context=ctx)
        db.commit()
        certs.revoke_certificate(db, lab.reviewer, cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
        db.commit()
    assert cli.invoke(main, ["audit", "verify"]).exit_code == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE certificate SET status = 'valid' WHERE id = :id"), {"id": cert.id})
    result = cli.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "disagreements between stored state and the audit trail: 1" in result.output
    assert f"certificate {cert.id}: status is 'valid' in the table, 'revoked' in the last event" in result.output


def test_another_key_or_no_key_is_reported_clearly(cli, db, tmp_path, monkeypatch):
    _orgs(db, 2)
    assert cli.invoke(main, ["audit", "verify"]).exit_code == 0
    other = tmp_path / "other.key"
    other.write_text("11" * 32)
    monkeypatch.setenv("LIMS_AUDIT_KEY_FILE", str(other))
    wrong = cli.invoke(main, ["audit", "verify"])
    assert wrong.exit_code == 1
    assert "the key is not the one the chain was written with" in wrong.output
    assert "signed with another audit key" in wrong.output  # the checkpoint says so too
    assert len(_checkpoints()) == 1
    monkeypatch.setenv("LIMS_AUDIT_KEY_FILE", str(tmp_path / "lost.key"))
    missing = cli.invoke(main, ["audit", "verify"])
    assert missing.exit_code == 1 and "lost.key does not exist" in missing.output
    assert "Traceback" not in missing.output and not (tmp_path / "lost.key").exists()


def test_checkpoint_refuses_an_edited_head_and_writes_nothing(cli, db, engine):
    _orgs(db, 2)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'intruder' WHERE seq = 2"))
    result = cli.invoke(main, ["audit", "checkpoint"])
    assert result.exit_code == 1 and "#2" in result.output and "lims audit verify" in result.output
    assert not _checkpoints()


def test_after_a_restore_event_verify_lists_the_superseded_checkpoints_and_passes(cli, db, engine):
    from lims.services import audit

    _orgs(db, 3)
    assert cli.invoke(main, ["audit", "checkpoint"]).exit_code == 0  # head #3
    with engine.begin() as conn:
        head_hash = conn.execute(text("SELECT hash FROM audit_event WHERE seq = 2")).scalar_one()
        conn.execute(text("DELETE FROM audit_event WHERE seq = 3"))  # the backup ended at #2
    before = cli.invoke(main, ["audit", "verify"])
    assert before.exit_code == 1 and "truncated" in before.output
    audit.record(db, None, "audit.restored", entity_type="audit", entity_id="2", after={
        "head_seq": 2, "head_hash": head_hash, "archive_sha256": "ab" * 32, "backup_at": "2026-11-28T02:15:00+00:00"})
    db.commit()
    result = cli.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "checkpoints checked: 1 (0 failed, 1 superseded by a restore)" in result.output
    assert "superseded by the restore at seq 3 (back to event #2)" in result.output
