"""``lims jobs run-due``: every scheduled job once, each one's outcome printed, exit 1 if any
failed; a second run does nothing new (no mail, no new checkpoint)."""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from lims.cli import main
from lims.services import catalog
from lims.services.policy import SYSTEM
from tests.mail_server import free_port, smtp_server  # noqa: F401 - the fixture


@pytest.fixture
def cli(committed_db, database_url, monkeypatch) -> CliRunner:
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    return CliRunner()


@pytest.fixture
def due(db, cli):
    kind = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="PG", name_vi="Áp kế", name_en="Pressure gauge", quantity="pressure", unit="bar"))
    org = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Hop Tac", email="hoptac@example.vn"))
    catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
        owner_id=org.id, type_id=kind.id, serial_number="PG-1", range_max=10, range_unit="bar",
        next_due=date.today() + timedelta(days=3)))
    db.commit()


def _checkpoints() -> list[Path]:
    folder = Path(os.environ["LIMS_AUDIT_CHECKPOINT_DIR"])
    return sorted(folder.glob("checkpoint-*.json")) if folder.exists() else []


def test_run_due_sends_the_reminders_and_checkpoints_the_chain_and_a_second_run_does_nothing_new(
        cli, due, smtp_server):  # noqa: F811
    first = cli.invoke(main, ["jobs", "run-due"])
    assert first.exit_code == 0, first.output
    assert "reminders: done" in first.output and "audit-checkpoint: done" in first.output
    assert "jobs: 2 done, 0 skipped, 0 failed" in first.output
    (mail,) = smtp_server.messages
    assert mail.rcpt_tos == ["hoptac@example.vn"] and "PG-1" in mail.body
    (written,) = _checkpoints()
    assert f"checkpoint written: {written}" in first.output

    second = cli.invoke(main, ["jobs", "run-due"])
    assert second.exit_code == 0, second.output
    assert len(smtp_server.messages) == 1 and _checkpoints() == [written]
    assert "reminders: 0 mail(s) sent" in second.output
    assert "a checkpoint of event #" in second.output and "exists already" in second.output


def test_a_failing_job_is_reported_the_others_still_run_and_the_exit_code_is_1(cli, due, smtp_server,  # noqa: F811
                                                                              monkeypatch):
    monkeypatch.setenv("LIMS_SMTP_PORT", str(free_port()))  # the mail server is down
    result = cli.invoke(main, ["jobs", "run-due"])
    assert result.exit_code == 1, result.output
    assert "reminders: FAILED" in result.output and "cannot be used" in result.output
    assert "audit-checkpoint: done" in result.output and len(_checkpoints()) == 1
    assert "jobs: 1 done, 0 skipped, 1 failed" in result.output


def test_without_a_mail_server_the_reminders_are_skipped_not_failed(cli, due, monkeypatch):
    monkeypatch.delenv("LIMS_SMTP_HOST", raising=False)
    result = cli.invoke(main, ["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "reminders: skipped" in result.output and "LIMS_SMTP_HOST" in result.output
    assert "jobs: 1 done, 1 skipped, 0 failed" in result.output
