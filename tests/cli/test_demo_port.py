"""`lims demo --port N`: QR codes and public links point to port N unless LIMS_BASE_URL is set."""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.cli import main
from lims.config import Settings, served_base_url
from lims.models import Certificate


@pytest.fixture
def cli_env(committed_db, database_url, instance_dir, monkeypatch):
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(instance_dir))
    monkeypatch.setenv("LIMS_DEMO_PASSWORD", "demo-password-1")
    monkeypatch.setenv("LIMS_BASE_URL", "")  # unset for the command, restored after the test
    return CliRunner()


def test_demo_on_another_port_links_to_that_port(cli_env, engine):
    result = cli_env.invoke(main, ["demo", "--no-serve", "--port", "5101"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5101" in result.output
    with Session(engine) as s:
        certs = s.scalars(select(Certificate)).all()
        assert certs
        for cert in certs:  # the QR link stored as issued
            assert cert.document["verification"]["url"].startswith("http://127.0.0.1:5101/v/"), cert.number


def test_the_served_app_reads_the_port_and_lims_base_url_wins(cli_env, monkeypatch):
    served: list[str] = []
    monkeypatch.setattr("lims.commands.serve.run_server",
                        lambda host, port: served.append(Settings.from_env().base_url))
    monkeypatch.setattr("lims.services.demo.demo_present", lambda session: True)  # no seeding needed
    assert cli_env.invoke(main, ["demo", "--port", "5102"]).exit_code == 0
    monkeypatch.setenv("LIMS_BASE_URL", "https://lims.example.vn")
    assert cli_env.invoke(main, ["demo", "--port", "5103"]).exit_code == 0
    assert served == ["http://127.0.0.1:5102", "https://lims.example.vn"]


def test_lims_base_url_wins_over_the_port(monkeypatch):
    monkeypatch.setenv("LIMS_BASE_URL", "https://lims.example.vn/")
    assert served_base_url("127.0.0.1", 5101) == "https://lims.example.vn"
    monkeypatch.setenv("LIMS_BASE_URL", "")
    assert served_base_url("0.0.0.0", 5101) == "http://127.0.0.1:5101"
    assert served_base_url("::1", 8080) == "http://[::1]:8080"
    assert os.environ["LIMS_BASE_URL"] == ""
