"""`lims certificates`: list, export, render --all-missing, keys."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from certificates import jsonform
from certificates.dcc_schema import validate_dcc
from certificates.hashing import sha256_file
from lims.cli import main
from lims.services import certificates as certs
from lims.services.demo_certificates import sample_lab
from lims.services.inputs import parse
from lims.services.policy import SYSTEM

ISSUE = date(2026, 4, 2)


@pytest.fixture
def issued(committed_db, db, database_url, tmp_path, monkeypatch):
    """Two certificates (a verification, then a calibration that is revoked) under tmp_path,
    committed (the commands read them with an engine of their own)."""
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LIMS_BASE_URL", "https://lims.tdc.gov.vn")
    monkeypatch.delenv("LIMS_SIGNING_KEY_FILE", raising=False)
    ctx = certs.context_from_env()
    lab = sample_lab(db)
    lab.work_date = ISSUE - timedelta(days=1)
    a = certs.issue_for_record(db, lab.reviewer, lab.scale_record(db), issue_date=ISSUE, context=ctx)
    b = certs.issue_for_record(db, lab.reviewer, lab.gauge_record(db), issue_date=ISSUE, context=ctx)
    certs.revoke_certificate(db, lab.reviewer, b.id, parse(certs.RevokeCertificate, {"reason": "Áp kế chuẩn hỏng"}))
    db.commit()
    certs.write_pending(db)
    return {"runner": CliRunner(), "ctx": ctx, "a": a, "b": b, "db": db}


def test_list_as_json_gives_what_scripts_need(issued):
    result = issued["runner"].invoke(main, ["certificates", "list", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    a, b = issued["a"], issued["b"]
    assert [(i["number"], i["kind"], i["status"]) for i in items] == [
        (b.number, "calibration", "revoked"), (a.number, "verification", certs.effective_status(a))]
    # Valid-until: 12 months from the date of verification (the work date, 1 April), Circular 23/2013/TT-BKHCN.
    assert items[1]["issue_date"] == "2026-04-02" and items[1]["valid_until"] == "2027-04-01"
    assert items[1]["verify_url"] == certs.verify_url(a)
    assert items[1]["verify_url"].startswith("https://lims.tdc.gov.vn/v/")


def test_list_as_a_table_and_filtered(issued):
    out = issued["runner"].invoke(main, ["certificates", "list", "--status", "revoked"]).output
    assert issued["b"].number in out and issued["a"].number not in out
    bad = issued["runner"].invoke(main, ["certificates", "list", "--status", "lost"])
    assert bad.exit_code == 2 and "lost" in bad.output


def test_export_pdf_json_and_dcc(issued, tmp_path):
    runner, a = issued["runner"], issued["a"]
    target = tmp_path / "out.pdf"
    result = runner.invoke(main, ["certificates", "export", a.number, "--format", "pdf", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert sha256_file(target) == a.pdf_sha256
    as_json = runner.invoke(main, ["certificates", "export", a.number, "--format", "json"])
    assert jsonform.from_json(as_json.stdout_bytes).number == a.number
    dcc = runner.invoke(main, ["certificates", "export", a.number, "--format", "dcc"])
    validate_dcc(dcc.stdout_bytes)
    missing = runner.invoke(main, ["certificates", "export", "2026-KD-999999"])
    assert missing.exit_code == 1 and "2026-KD-999999" in missing.output and "Traceback" not in missing.output


def test_render_all_missing_restores_the_issued_pdfs(issued):
    ctx, a, b = issued["ctx"], issued["a"], issued["b"]
    for cert in (a, b):
        (ctx.instance_path / cert.pdf_path).unlink()
    result = issued["runner"].invoke(main, ["certificates", "render", "--all-missing"])
    assert result.exit_code == 0, result.output
    assert "rendered 2 PDF(s) with 2 process(es)" in result.output and "differ" not in result.output
    for cert in (a, b):
        assert sha256_file(ctx.instance_path / cert.pdf_path) == cert.pdf_sha256
    again = issued["runner"].invoke(main, ["certificates", "render", "--all-missing"])
    assert "every certificate has its PDF" in again.output


def test_key_rotation_from_the_command_line_keeps_old_certificates_verifying(issued):
    ctx, a = issued["ctx"], issued["a"]
    old_key = ctx.keystore.current_key_id
    result = issued["runner"].invoke(main, ["certificates", "keys", "--rotate"])
    assert result.exit_code == 0, result.output
    assert old_key in result.output and "retired" in result.output and "current" in result.output
    assert ctx.keystore.current_key_id != old_key
    assert certs.public_lookup(issued["db"], certs.verification_token(a), ctx).number == a.number


def test_a_crash_between_the_commit_and_the_file_is_repaired_by_render_all_missing(issued):
    """The row is committed with the PDF's hash and path, the process dies before writing the
    file: ``render --all-missing`` draws it from the stored document, byte for byte."""
    db, ctx, lab_cert = issued["db"], issued["ctx"], issued["a"]
    record = lab_cert.record
    record_id = record.id
    c = certs.amend_certificate(db, SYSTEM, lab_cert.id, certs.AmendCertificate(reason="Sửa số sản xuất"),
                                issue_date=ISSUE, context=ctx)
    db.commit()  # ... and the process stops here: write_pending never runs
    db.info.clear()
    path = ctx.instance_path / c.pdf_path
    assert c.record_id == record_id and c.pdf_sha256 and not path.exists()
    result = issued["runner"].invoke(main, ["certificates", "render", "--all-missing"])
    assert result.exit_code == 0, result.output
    assert "rendered 1 PDF(s)" in result.output and "differ" not in result.output
    assert sha256_file(path) == c.pdf_sha256
    assert "wrote 1 DCC(s)" in result.output  # the DCC is a record too, kept the same way
    assert sha256_file(ctx.instance_path / c.dcc_path) == c.dcc_sha256


def test_a_certificate_issued_before_dccs_were_kept_gets_its_dcc_from_render_all_missing(issued):
    """A certificate from before this release has no dcc_path and no dcc_sha256: ``render
    --all-missing`` writes its DCC from the stored document and records its hash; from then on
    the export is that file, byte for byte (the DCC is a record, DESIGN "Storage")."""
    db, ctx, a, b = issued["db"], issued["ctx"], issued["a"], issued["b"]
    for cert in (a, b):
        (ctx.instance_path / cert.dcc_path).unlink()
        cert.dcc_path = cert.dcc_sha256 = None
    db.commit()
    assert {c.id for c in certs.missing_dccs(db, ctx)} == {a.id, b.id}
    result = issued["runner"].invoke(main, ["certificates", "render", "--all-missing"])
    assert result.exit_code == 0, result.output
    assert "every certificate has its PDF" in result.output and "wrote 2 DCC(s)" in result.output
    assert "differ" not in result.output
    db.expire_all()
    for cert in (a, b):
        stored = (ctx.instance_path / cert.dcc_path).read_bytes()
        assert cert.dcc_sha256 == sha256_file(ctx.instance_path / cert.dcc_path)
        assert certs.dcc_export(cert, ctx) == stored
        validate_dcc(stored)
    again = issued["runner"].invoke(main, ["certificates", "render", "--all-missing"])
    assert "every certificate has its DCC" in again.output


def test_a_notice_of_non_conformity_is_listed_as_a_notice_never_as_valid(committed_db, db, database_url, tmp_path,
                                                                        monkeypatch):
    """A failed verification's notice: ``non_conformity_notice`` in JSON, "thông báo: không đạt" in
    the table (as the web list badges it), never "valid"."""
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LIMS_LANGUAGE", "vi")
    monkeypatch.delenv("LIMS_SIGNING_KEY_FILE", raising=False)
    ctx = certs.context_from_env()
    lab = sample_lab(db)
    lab.work_date = ISSUE - timedelta(days=1)
    notice = certs.issue_for_record(db, lab.reviewer, lab.scale_record(db, (0, 1, 2, 4)), issue_date=ISSUE,
                                    context=ctx)
    db.commit()
    assert certs.document_kind(notice) == certs.NOTICE
    runner = CliRunner()
    (item,) = json.loads(runner.invoke(main, ["certificates", "list", "--json"]).output)
    assert (item["number"], item["document"], item["status"]) == (notice.number, certs.NOTICE, certs.NOTICE)
    table = runner.invoke(main, ["certificates", "list"]).output
    assert notice.number in table and "thông báo: không đạt" in table and "còn hiệu lực" not in table


def _probe_engine(url: str):
    """An engine whose writes give up after 2 s of waiting for a lock, instead of 30 s or forever."""
    from sqlalchemy import event

    from lims.db import make_engine

    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_conn, _record):  # registered after make_engine's own: it wins
        cur = dbapi_conn.cursor()
        cur.execute("SET lock_timeout = 2000" if url.startswith("postgresql") else "PRAGMA busy_timeout=2000")
        cur.close()

    return engine


def test_render_all_missing_commits_each_file_and_keeps_its_audit_when_interrupted(issued, database_url,
                                                                                  monkeypatch):
    """Issue 11, finding 8 (batch rendering holds the audit lock): ``render --all-missing`` ran in
    one transaction, so the app's writers waited behind the whole run and an interrupted run lost
    its re-renders' audit events. Now each file is stored and audited in a transaction of its own:
    while the next one is drawn, the app writes to the audit chain at once, and after an
    interruption the stored ones keep their ``certificate.rerender`` events."""
    from sqlalchemy import select

    from lims.db import make_session_factory
    from lims.models import AuditEvent
    from lims.services import audit

    ctx, db, a, b = issued["ctx"], issued["db"], issued["a"], issued["b"]
    for cert in (a, b):
        (ctx.instance_path / cert.pdf_path).unlink()
    real_store, stored, probed, probe = certs.store_rendered, [], [], _probe_engine(database_url)

    def store_then_stop(session, cert, data, context=None):
        if stored:  # the second file: the app writes beside the run, then the run is interrupted
            with make_session_factory(probe).begin() as other:
                audit.record(other, SYSTEM, "user.login", entity_type="user", entity_id=1)
            probed.append(True)  # not kept waiting (a lock wait of 2 s is an error)
            raise KeyboardInterrupt
        stored.append(cert.id)
        return real_store(session, cert, data, context)

    monkeypatch.setattr(certs, "store_rendered", store_then_stop)
    try:
        result = issued["runner"].invoke(main, ["certificates", "render", "--all-missing", "--workers", "1"])
    finally:
        probe.dispose()
    assert probed == [True], result.output
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0, result.output  # Ctrl-C
    db.expire_all()
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    rerenders = [e for e in events if e.action == "certificate.rerender"]
    assert [(e.entity_id, e.actor) for e in rerenders] == [(str(stored[0]), "system")]
    assert events[-1].action == "user.login"  # written while the run was still going
    first = a if stored[0] == a.id else b
    assert sha256_file(ctx.instance_path / first.pdf_path) == first.pdf_sha256
    assert audit.verify_chain(db).ok
    monkeypatch.setattr(certs, "store_rendered", real_store)
    again = issued["runner"].invoke(main, ["certificates", "render", "--all-missing"])
    assert "rendered 1 PDF(s)" in again.output, again.output  # the rest, on the next run
