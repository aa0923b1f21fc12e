"""``lims import`` and ``lims export``: a dry run that prints every fault and exits 1, an import,
and the round trip the export promises — export, import into a fresh database (migrated from
nothing), export again: the same files, byte for byte."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lims.cli import main
from lims.migrate import upgrade
from lims.services import catalog
from lims.services.policy import SYSTEM

CUSTOMERS = "name,tax_code,address\r\nCông ty Cân Hữu Nghị,0101234567,12 Lê Lợi\r\nCơ sở Mẫu Sơn,,Lạng Sơn\r\n"
INSTRUMENTS = ("owner,type_code,serial_number,range_max,range_unit,resolution,accuracy_class,next_due\r\n"
               '0101234567,NAWI,SN-1,"60",kg,"0,02",III,15/03/2027\r\n'
               'Cơ sở Mẫu Sơn,NAWI,SN-2,"12,1250",kg,"0,0005",II,\r\n')
CERTIFICATES = ("number,kind,owner,serial_number,issue_date,valid_until,verdict,stamp_number\r\n"
                "KĐ-2024/0815,verification,0101234567,SN-1,15/03/2024,14/03/2025,pass,T24-0012345\r\n"
                "HC-2024/0007,calibration,Cơ sở Mẫu Sơn,SN-2,2024-06-01,,,\r\n")


def _catalogue(session) -> None:
    """What a lab sets up before importing: itself and its instrument types."""
    catalog.create_organisation(session, SYSTEM, catalog.NewOrganisation(name="Trung tâm KT TĐC", kind="lab"))
    catalog.create_instrument_type(session, SYSTEM, catalog.NewInstrumentType(
        code="NAWI", name_vi="Cân không tự động", quantity="mass", unit="kg", requires_verification=True,
        verification_interval_months=12))
    session.commit()


@pytest.fixture
def cli(committed_db, database_url, monkeypatch, tmp_path) -> CliRunner:
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(tmp_path / "instance"))
    return CliRunner()


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8-sig"))
    return path


def test_dry_run_prints_every_fault_and_exits_1(cli, db, tmp_path):
    _catalogue(db)
    bad = _write(tmp_path, "bad.csv", "name,tax_code\r\nA,12345\r\n,0101234567\r\n")
    result = cli.invoke(main, ["import", "customers", str(bad), "--dry-run"])
    assert result.exit_code == 1
    assert "row 2, tax_code: A tax code is 10 digits" in result.output
    assert "row 3, name: This field is required." in result.output


def test_export_imports_into_a_fresh_database_and_exports_the_same_files(cli, db, tmp_path, monkeypatch):
    """Import three kinds, export them; migrate an empty SQLite database from nothing, import the
    exports there, export again: the three CSV files are identical."""
    _catalogue(db)
    for kind, text in (("customers", CUSTOMERS), ("instruments", INSTRUMENTS), ("certificates", CERTIFICATES)):
        result = cli.invoke(main, ["import", kind, str(_write(tmp_path, f"{kind}.csv", text))])
        assert result.exit_code == 0, result.output
    first = tmp_path / "first"
    first.mkdir()
    for kind in ("customers", "instruments", "certificates"):
        assert cli.invoke(main, ["export", kind, str(first / f"{kind}.csv")]).exit_code == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(fresh)
    monkeypatch.setenv("LIMS_DATABASE_URL", fresh)
    from lims.db import make_engine, make_session_factory

    engine = make_engine(fresh)
    with make_session_factory(engine)() as session:
        _catalogue(session)
    engine.dispose()
    second = tmp_path / "second"
    second.mkdir()
    for kind in ("customers", "instruments", "certificates"):
        result = cli.invoke(main, ["import", kind, str(first / f"{kind}.csv")])
        assert result.exit_code == 0, result.output
    for kind in ("customers", "instruments", "certificates"):
        assert cli.invoke(main, ["export", kind, str(second / f"{kind}.csv")]).exit_code == 0
        assert (second / f"{kind}.csv").read_bytes() == (first / f"{kind}.csv").read_bytes(), kind
    lines = (first / "instruments.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert lines[2:] == ["0101234567,NAWI,SN-1,,,0,60,kg,0.02,,III,,2025-03-14",
                         "Cơ sở Mẫu Sơn,NAWI,SN-2,,,0,12.1250,kg,0.0005,,II,,"]


def test_an_imported_certificate_and_its_pdf_survive_backup_and_restore(tmp_path, monkeypatch):
    """A fresh site imports a certificate with its PDF; ``lims backup`` then ``lims restore`` into
    another empty site gives back the row (origin imported, no record) and the PDF with its
    SHA-256, and ``lims audit verify`` agrees with the statuses."""
    import hashlib

    from sqlalchemy import create_engine, text

    from lims.db import make_engine, make_session_factory
    from tests.cli.backup_support import Site

    pdf = b"%PDF-1.4\n% paper certificate, scanned\n%%EOF\n"
    source = Site(f"sqlite:///{tmp_path / 'source.db'}", tmp_path / "source")
    target = Site(f"sqlite:///{tmp_path / 'target.db'}", tmp_path / "target")
    assert source.lims("db", "upgrade").exit_code == 0
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(source.instance))  # the site's own audit key
    monkeypatch.delenv("LIMS_AUDIT_KEY_FILE", raising=False)
    engine = make_engine(source.url)
    with make_session_factory(engine)() as session:
        _catalogue(session)
    engine.dispose()
    for kind, text_ in (("customers", CUSTOMERS), ("instruments", INSTRUMENTS)):
        assert source.lims("import", kind, str(_write(tmp_path, f"{kind}.csv", text_))).exit_code == 0
    (tmp_path / "KĐ-2024_0815.pdf").write_bytes(pdf)
    result = source.lims("import", "certificates", str(_write(tmp_path, "certificates.csv", CERTIFICATES)),
                         "--pdf", str(tmp_path / "KĐ-2024_0815.pdf"))
    assert result.exit_code == 0, result.output
    archive = tmp_path / "site.backup"
    assert source.lims("backup", str(archive)).exit_code == 0
    target.instance.mkdir()
    shutil.copy2(source.instance / "audit.key", target.instance / "audit.key")  # kept apart from backups
    restored = target.lims("restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert target.lims("audit", "verify").exit_code == 0
    check = create_engine(target.url)
    with check.connect() as conn:
        row = conn.execute(text("SELECT origin, record_id, pdf_sha256, pdf_path FROM certificate "
                                "WHERE number = 'KĐ-2024/0815'")).one()
    check.dispose()
    assert row[:3] == ("imported", None, hashlib.sha256(pdf).hexdigest())
    assert (target.instance / row[3]).read_bytes() == pdf
