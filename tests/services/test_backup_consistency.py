"""A backup taken while the app keeps writing is one point in time.

Every table is read in one read-only transaction (REPEATABLE READ on PostgreSQL, a read
transaction on SQLite in WAL mode), so what another connection commits meanwhile is not in the
archive: the row counts match the manifest, the manifest's audit head is the last event the
archive holds, and each organisation in the archive has its ``organisation.create`` event there
(read at different moments, the organisation table and the audit table would disagree). Runs on
SQLite, and on PostgreSQL with ``LIMS_TEST_DATABASE_URL``, in databases of its own.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.db import make_engine
from lims.migrate import upgrade
from lims.models import AuditEvent, Organisation
from lims.services import catalog
from lims.services.audit import verify_chain
from lims.services.backup import backup
from lims.services.backup_archive import open_archive
from lims.services.policy import SYSTEM
from lims.services.restore import restore
from tests.cli.backup_support import ENGINES, Databases


@pytest.fixture
def dbs(tmp_path) -> Iterator[Databases]:
    made = Databases(tmp_path)
    yield made
    made.close()


def _add_organisation(engine, name: str) -> None:
    with Session(engine) as session:
        catalog.create_organisation(session, SYSTEM, catalog.NewOrganisation(name=name))
        session.commit()


def _archive_facts(path: Path) -> dict:
    """What the archive holds: its manifest, its audit events' (seq, hash, action), its organisations."""
    archive = open_archive(path)  # checks each table's row count against the manifest
    try:
        columns, _kinds, rows = archive.table_rows("audit_event")
        at = {c: columns.index(c) for c in ("seq", "hash", "action")}
        events = [(r[at["seq"]], r[at["hash"]], r[at["action"]]) for r in rows]
        columns, _kinds, rows = archive.table_rows("organisation")
        organisations = [r[columns.index("name")] for r in rows]
        return {"manifest": archive.manifest, "events": events, "organisations": organisations}
    finally:
        archive.close()


def _check_point_in_time(facts: dict) -> None:
    manifest, events = facts["manifest"], facts["events"]
    last_seq, last_hash, _ = max(events)
    assert manifest["audit"] == {"head_seq": last_seq, "head_hash": last_hash}
    assert [seq for seq, *_ in sorted(events)] == list(range(1, last_seq + 1))
    assert manifest["tables"]["organisation"] == len(facts["organisations"])
    created = sum(1 for *_, action in events if action == "organisation.create")
    assert created == len(facts["organisations"])


@pytest.mark.parametrize("engine_name", ENGINES)
def test_writes_committed_between_the_tables_read_are_not_in_the_archive(dbs, tmp_path, engine_name):
    url = dbs.new(engine_name, "live")
    upgrade(url)
    engine = make_engine(url)
    writer = make_engine(url)  # the app, on connections of its own
    try:
        for n in range(3):
            _add_organisation(engine, f"Before {n}")
        written: list[str] = []

        def app_writes(table: str) -> None:  # called inside the backup's snapshot, after each table
            written.append(table)
            _add_organisation(writer, f"During {table}")

        report = backup(engine, tmp_path / "instance", tmp_path / "live.backup",
                        signing_key_path=tmp_path / "instance" / "signing-keys", after_table=app_writes)
        with Session(engine) as session:
            now_orgs = session.scalar(select(func.count()).select_from(Organisation))
            now_events = session.scalar(select(func.count()).select_from(AuditEvent))
    finally:
        writer.dispose()
        engine.dispose()
    assert "organisation" in written and "audit_event" in written
    assert now_orgs == 3 + len(written) and now_events == 3 + len(written)  # the writes did commit

    facts = _archive_facts(report.path)
    _check_point_in_time(facts)
    assert facts["organisations"] == ["Before 0", "Before 1", "Before 2"]
    assert report.audit_head_seq == 3 and report.tables["organisation"] == 3

    target = make_engine(dbs.new(engine_name, "live_restored"))
    try:
        restore(target, tmp_path / "restored", report.path, signing_key_path=tmp_path / "restored" / "keys")
        with Session(target) as session:
            chain = verify_chain(session)
    finally:
        target.dispose()
    assert chain.ok and chain.checked == 4


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_backup_taken_while_a_writer_runs_is_consistent(dbs, tmp_path, engine_name):
    url = dbs.new(engine_name, "busy")
    upgrade(url)
    engine = make_engine(url)
    writer = make_engine(url)
    stop = threading.Event()
    done: list[int] = []

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            _add_organisation(writer, f"Busy {n}")
            n += 1
        done.append(n)

    try:
        _add_organisation(engine, "First")
        thread = threading.Thread(target=keep_writing)
        thread.start()
        try:
            reports = [backup(engine, tmp_path / "instance", tmp_path / f"busy-{i}.backup",
                              signing_key_path=tmp_path / "instance" / "signing-keys") for i in range(3)]
        finally:
            stop.set()
            thread.join()
    finally:
        writer.dispose()
        engine.dispose()
    assert done and done[0] > 0
    for report in reports:
        _check_point_in_time(_archive_facts(report.path))
