"""The `lims` command: demo, db upgrade, user add/token, and clear errors."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from lims.cli import main
from lims.models import Instrument, Organisation, User


@pytest.fixture
def cli_env(committed_db, database_url, instance_dir, monkeypatch):
    """The commands open an engine of their own: the data is committed."""
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(instance_dir))
    return CliRunner()


def test_demo_seeds_once_and_reuses_its_data(cli_env, engine, monkeypatch):
    monkeypatch.setenv("LIMS_DEMO_PASSWORD", "demo-password-1")
    first = cli_env.invoke(main, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "demo-password-1" in first.output
    for username in ("admin", "ktv.lan", "soatxet.minh", "thanhtra.thu", "dn.huunghi"):
        assert username in first.output
    second = cli_env.invoke(main, ["demo", "--no-serve"])
    assert second.exit_code == 0 and "demo-password-1" not in second.output and "reusing" in second.output
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        # the lab, two businesses, and the two calibrating labs of the standards (VMI, QUATEST 1)
        assert s.scalar(select(func.count()).select_from(Organisation)) == 5
        assert s.scalar(select(func.count()).select_from(Instrument)) >= 5
        roles = {r for u in s.scalars(select(User)) for r in u.roles}
        assert roles == {"admin", "technician", "reviewer", "inspector", "business"}
    verify = cli_env.invoke(main, ["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_user_add_and_token(cli_env, client):
    result = cli_env.invoke(main, ["user", "add", "ktv.binh", "--role", "technician", "--full-name", "Trần Bình"],
                            input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    token = cli_env.invoke(main, ["user", "token", "ktv.binh"]).output.strip()
    assert token.startswith("lims_")
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.get_json()["username"] == "ktv.binh"


def test_errors_end_with_a_message_and_non_zero_exit(cli_env):
    result = cli_env.invoke(main, ["user", "token", "nobody"])
    assert result.exit_code == 1
    assert "No user named 'nobody'" in result.output or "Không có người dùng" in result.output
    assert "Traceback" not in result.output
    bad = cli_env.invoke(main, ["user", "add", "x", "--role", "technician"], input="short\nshort\n")
    assert bad.exit_code == 1 and "Traceback" not in bad.output


def test_db_upgrade_is_idempotent(cli_env):
    result = cli_env.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "head" in result.output


def test_unreachable_database_is_a_clear_error(tmp_path):
    env = {**os.environ, "LIMS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
           "LIMS_INSTANCE_PATH": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "lims.cli", "db", "upgrade"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "Error:" in proc.stderr
