"""A `lims` command run outside a project says where it looked and creates nothing; a database
without its schema, or behind the migrations, is named with the command that fixes it."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from lims.cli import main
from lims.migrate import current_heads


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A folder with no instance/, no LIMS_DATABASE_URL, no LIMS_INSTANCE_PATH."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIMS_DATABASE_URL", raising=False)
    monkeypatch.delenv("LIMS_INSTANCE_PATH", raising=False)
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    return tmp_path


@pytest.mark.parametrize("args", [["user", "token", "admin"], ["audit", "verify"], ["certificates", "list"],
                                  ["procedures", "list"], ["backup", "out.tar"], ["certificates", "keys"]])
def test_outside_a_project_a_command_says_where_it_looked_and_creates_nothing(elsewhere, args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert f"{elsewhere / 'instance'}" in result.output and "lims.sqlite3" in result.output
    assert "LIMS_INSTANCE_PATH" in result.output and "LIMS_DATABASE_URL" in result.output
    assert "Traceback" not in result.output and "no such table" not in result.output
    assert list(elsewhere.iterdir()) == []  # nothing created


def test_the_message_is_in_vietnamese_by_default(elsewhere, monkeypatch):
    monkeypatch.setenv("LIMS_LANGUAGE", "vi")
    result = CliRunner().invoke(main, ["user", "token", "admin"])
    assert result.exit_code == 1 and "Không có dự án ở đây" in result.output
    assert list(elsewhere.iterdir()) == []


def test_commands_that_need_no_project_still_run(elsewhere):
    mpe = ["mpe", "r76", "--accuracy-class", "III", "--e", "10 g", "--load", "1 kg"]
    assert CliRunner().invoke(main, mpe).exit_code == 0
    assert CliRunner().invoke(main, ["user", "--help"]).exit_code == 0
    assert list(elsewhere.iterdir()) == []


def test_an_instance_path_without_a_database_is_named_and_left_alone(elsewhere, monkeypatch):
    folder = elsewhere / "inst"
    folder.mkdir()
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(folder))
    result = CliRunner().invoke(main, ["user", "token", "admin"])
    assert result.exit_code == 1 and str(folder / "lims.sqlite3") in result.output
    assert "lims db upgrade" in result.output
    assert list(folder.iterdir()) == []


def test_a_database_without_schema_asks_for_db_upgrade_and_hides_the_password(elsewhere, monkeypatch):
    path = elsewhere / "empty.sqlite3"
    sqlite3.connect(path).close()
    monkeypatch.setenv("LIMS_DATABASE_URL", f"sqlite:///{path}")
    result = CliRunner().invoke(main, ["user", "token", "admin"])
    assert result.exit_code == 1 and "has no schema: run `lims db upgrade`" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv("LIMS_DATABASE_URL", "postgresql+psycopg://lims:s3cret-pw@127.0.0.1:1/none")
    result = CliRunner().invoke(main, ["user", "token", "admin"])
    assert result.exit_code == 1 and "s3cret-pw" not in result.output


def test_a_database_behind_the_migrations_asks_for_db_upgrade(committed_db, database_url, instance_dir,
                                                              engine, monkeypatch):
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(instance_dir))
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    (head,) = current_heads()
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    try:
        result = CliRunner().invoke(main, ["audit", "verify"])
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert result.exit_code == 1
    assert f"is at revision 0003 and this program needs {head}: run `lims db upgrade`" in result.output
    assert CliRunner().invoke(main, ["audit", "verify"]).exit_code == 0
