"""Bringing a lab's history in (lims.services.imports): templates, the dry run that names every
row and column at fault, all rows or none, duplicates, decimal commas and ambiguous numbers,
imported certificates (their PDF kept with its SHA-256, the instrument's next due date), and
the export that imports back into an empty system."""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lims.errors import PermissionDenied
from lims.i18n import use_language
from lims.models import AuditEvent, Certificate, Instrument, Organisation, ReferenceStandard
from lims.services import catalog, imports
from lims.services.imports import ImportRefused, number_text, run_import
from lims.services.policy import SYSTEM

CUSTOMERS = (
    "name,tax_code,address,phone,email\r\n"
    "Công ty Cân Hữu Nghị,0101234567,12 Lê Lợi,0238 3841 234,kt@huunghi.vn\r\n"
    "Cửa hàng xăng Mẫu Sơn,0209876543,,,\r\n"
)


def _csv(text: str) -> bytes:
    return text.encode("utf-8-sig")


@pytest.fixture
def base(db):
    """The lab and one instrument type (types are the lab's catalogue, not imported)."""
    catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Trung tâm KT TĐC", kind="lab"))
    catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="NAWI", name_vi="Cân không tự động", name_en="Non-automatic weighing instrument", quantity="mass",
        unit="kg", requires_verification=True, verification_interval_months=12))
    db.flush()
    return db


def _import(db, kind, text_or_bytes, *, name="f.csv", dry_run=False, **kw):
    data = _csv(text_or_bytes) if isinstance(text_or_bytes, str) else text_or_bytes
    return run_import(db, SYSTEM, kind, name, data, dry_run=dry_run, **kw)


def _instruments_csv(*rows: str) -> str:
    return "owner,type_code,serial_number,range_max,range_unit,resolution\r\n" + "".join(r + "\r\n" for r in rows)


def test_only_an_admin_imports(db, make_user):
    tech = make_user("ktv", "technician")
    with pytest.raises(PermissionDenied):
        run_import(db, tech, "customers", "c.csv", _csv(CUSTOMERS))


def test_customers_are_created_by_the_service_with_one_audit_event_for_the_import(base):
    """Two rows: two organisations (each with the service's own organisation.create event) and one
    import.run event naming the kind, file, its SHA-256 and the row count."""
    data = _csv(CUSTOMERS)
    result = _import(base, "customers", data, name="khach.csv")
    assert result.ok and result.rows == 2
    org = base.scalar(select(Organisation).where(Organisation.tax_code == "0101234567"))
    assert (org.name, org.phone, org.email) == ("Công ty Cân Hữu Nghị", "0238 3841 234", "kt@huunghi.vn")
    creates = base.scalar(select(func.count()).where(AuditEvent.action == "organisation.create"))
    assert creates == 3  # the lab and the two rows
    run = base.scalar(select(AuditEvent).where(AuditEvent.action == "import.run"))
    assert run.after == {"kind": "customers", "file": "khach.csv", "sha256": hashlib.sha256(data).hexdigest(),
                         "rows": 2}


def test_the_dry_run_names_every_row_and_column_at_fault_and_writes_nothing(base):
    """Row 2 is good; row 3 has a bad tax code and a bad e-mail; row 4 repeats row 2's tax code
    and has no name; the dry run lists all four faults (in English and in Vietnamese) and the
    database stays without any of the rows."""
    text = ("name,tax_code,email\r\n"
            "A,0101234567,a@x.vn\r\n"
            "B,12345,not-mail\r\n"
            ",0101234567,\r\n")
    with use_language("en"):
        result = _import(base, "customers", text, dry_run=True)
    faults = [(e.row, e.column) for e in result.errors]
    assert faults == [(3, "tax_code"), (3, "email"), (4, "name"), (4, "tax_code")]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(4, "tax_code")] == "The same tax code is in row 2."
    assert messages[(4, "name")] == "This field is required."
    with use_language("vi"):
        vi = _import(base, "customers", text, dry_run=True)
    assert {(e.row, e.column): e.message for e in vi.errors}[(4, "tax_code")] == "Mã số thuế này đã có ở dòng 2."
    assert base.scalar(select(func.count()).select_from(Organisation)) == 1  # the lab only
    assert base.scalar(select(func.count()).where(AuditEvent.action == "import.run")) == 0


def test_a_good_dry_run_writes_nothing_either(base):
    result = _import(base, "customers", CUSTOMERS, dry_run=True)
    assert result.ok and result.rows == 2
    assert base.scalar(select(func.count()).select_from(Organisation)) == 1


def test_all_or_nothing_a_bad_row_900_of_1000_writes_nothing(base):
    """999 good customers and one with a bad tax code at line 901 (row 900 of the data): the
    import is refused with that one fault and not one organisation is written."""
    lines = ["name,tax_code"] + [f"Cơ sở {i},{1000000000 + i}" for i in range(1, 1001)]
    lines[900] = "Cơ sở 900,12-34"
    with use_language("en"), pytest.raises(ImportRefused) as refused:
        _import(base, "customers", "\r\n".join(lines))
    result = refused.value.result
    assert [(e.row, e.column) for e in result.errors] == [(901, "tax_code")]
    assert refused.value.status == 422 and refused.value.detail["errors"][0]["row"] == 901
    assert base.scalar(select(func.count()).select_from(Organisation)) == 1


def test_a_duplicate_of_the_database_is_an_error_of_its_row(base):
    _import(base, "customers", CUSTOMERS)
    with use_language("en"):
        result = _import(base, "customers", "name,tax_code\r\nOther,0209876543\r\n", dry_run=True)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "tax_code", "An organisation with tax code 0209876543 exists already.")]


@pytest.mark.parametrize(("text", "expected"), [
    ("0,02", "0.02"), ("0.02", "0.02"), ("60", "60"), ("-1,5", "-1.5"), ("1,0000", "1.0000"), ("0,125", "0.125"),
    ("1 234,5", None), ("1.234,5", None), ("1,000", None), ("12.500", None), ("abc", None),
])
def test_numbers_take_a_decimal_comma_or_point_and_refuse_what_reads_two_ways(text, expected):
    """1,000 and 12.500 could carry a thousands separator: refused, not guessed."""
    if expected is None:
        with pytest.raises(ValueError):
            number_text(text)
    else:
        assert number_text(text) == expected


def test_instruments_by_owner_tax_code_or_name_with_decimal_commas(base):
    _import(base, "customers", CUSTOMERS)
    result = _import(base, "instruments", _instruments_csv(
        '0101234567,NAWI,SN-1,60,kg,"0,02"',
        'Cửa hàng xăng Mẫu Sơn,NAWI,SN-2,"1,5",kg,"0,0005"'))
    assert result.ok
    one, two = base.scalars(select(Instrument).order_by(Instrument.id))
    assert (one.owner.tax_code, one.range_max, one.resolution) == ("0101234567", 60.0, 0.02)
    assert (two.owner.name, two.range_max, two.resolution) == ("Cửa hàng xăng Mẫu Sơn", 1.5, 0.0005)


def test_instrument_rows_obey_the_services_rules_and_name_their_columns(base):
    """Unknown owner, unknown type, an ambiguous number, a resolution above the range (the
    service's own rule) and a repeated owner + serial are each named by their column."""
    _import(base, "customers", CUSTOMERS)
    with use_language("en"):
        result = _import(base, "instruments", _instruments_csv(
            "0101234567,NAWI,SN-1,60,kg,",
            "9999999999,NAWI,SN-2,60,kg,",
            "0101234567,XX,SN-3,\"1,000\",kg,",
            "0101234567,NAWI,SN-4,60,kg,80",
            "0101234567,NAWI,SN-1,30,kg,"), dry_run=True)
    got = [(e.row, e.column) for e in result.errors]
    assert got == [(3, "owner"), (4, "type_code"), (4, "range_max"), (5, "resolution"), (6, "serial_number")]
    assert "The same owner and serial number are in row 2." in [e.message for e in result.errors]


def test_unknown_and_missing_columns_are_errors_of_the_header(base):
    with use_language("en"):
        result = _import(base, "instruments", "owner,colour\r\nA,red\r\n", dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [
        (1, "colour"), (1, "type_code"), (1, "serial_number"), (1, "range_max"), (1, "range_unit")]


def test_the_template_has_keys_labels_and_an_example_row_the_import_refuses(base):
    """Row 1 keys, row 2 labels in the page's language (required marked *), row 3 the example;
    importing the template unchanged names the example row instead of importing it."""
    with use_language("vi"):
        data = imports.template_file("customers", "csv")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "name,tax_code,address,phone,email"
    assert lines[1].startswith("Tên *,Mã số thuế,")
    with use_language("en"):
        result = _import(base, "customers", data, dry_run=True)
        xlsx = imports.template_file("instruments", "xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(3, None)]
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["owner", "type_code", "serial_number"]
    assert [c.value for c in sheet[2]][0] == "Owner (tax code or name) *"


def test_a_file_with_labels_only_and_semicolons_as_excel_writes_it(base):
    """A header of Vietnamese labels (no keys row) and semicolons, as Excel saves CSV in a locale
    with a decimal comma."""
    text = "Tên;Mã số thuế;Điện thoại\r\nCông ty A;0101234567;0909\r\n"
    result = _import(base, "customers", text)
    assert result.ok and base.scalar(select(Organisation.phone).where(Organisation.tax_code == "0101234567")) == "0909"


def test_reference_standards_one_row_per_calibration(base):
    text = ("standard_code,name,quantity,range_max,range_unit,certificate_number,calibrated_by,calibration_date,"
            "due_date,expanded_uncertainty,uncertainty_unit,coverage_factor\r\n"
            'QC-1,Quả cân F1,mass,2,kg,V-2023/1,VMI,10/01/2023,10/01/2025,"0,0003",g,2\r\n'
            'QC-1,Quả cân F1,mass,2,kg,V-2025/7,VMI,2025-01-09,2027-01-09,"0,0002",g,2\r\n')
    assert _import(base, "standards", text).ok
    std = base.scalar(select(ReferenceStandard).where(ReferenceStandard.code == "QC-1"))
    assert [(c.certificate_number, c.expanded_uncertainty) for c in std.calibrations] == [
        ("V-2023/1", 0.0003), ("V-2025/7", 0.0002)]
    # Issue 13: calibrated_by names the calibrating lab, made once as a calibration lab (audited).
    labs = {c.lab for c in std.calibrations}
    assert [(lab.name, lab.kind) for lab in labs] == [("VMI", "calibration_lab")]
    assert base.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "organisation.create", AuditEvent.entity_id == str(labs.pop().id))) == 1


# ---------------------------------------------------------------- certificates

PDF = b"%PDF-1.4\n% a certificate the lab issued on paper, scanned\n%%EOF\n"


def _with_instrument(db):
    _import(db, "customers", CUSTOMERS)
    _import(db, "instruments", _instruments_csv("0101234567,NAWI,SN-1,60,kg,"))
    return db.scalar(select(Instrument))


def test_past_certificates_with_their_pdf_in_a_zip(base, ctx):
    """The ZIP holds the CSV and a PDF named by the certificate number: the certificate is kept as
    imported, without record, with the PDF's SHA-256; the instrument's next due date follows the
    latest valid-until; the PDF is written under the instance folder once committed."""
    inst = _with_instrument(base)
    last_year = date.today() - timedelta(days=200)
    until = last_year + timedelta(days=364)
    csv_text = ("number,kind,owner,serial_number,issue_date,valid_until,verdict,stamp_number\r\n"
                f"KĐ-A/1,verification,0101234567,SN-1,{(last_year - timedelta(days=365)).strftime('%d/%m/%Y')},"
                f"{(last_year - timedelta(days=1)).isoformat()},pass,T-1\r\n"
                f"KĐ-A/2,verification,0101234567,SN-1,{last_year.strftime('%d/%m/%Y')},{until.isoformat()},pass,T-2\r\n")
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("certificates.csv", _csv(csv_text))
        archive.writestr("KĐ-A_2.pdf", PDF)
    result = _import(base, "certificates", bundle.getvalue(), name="lich-su.zip")
    assert result.ok and result.rows == 2
    first, second = base.scalars(select(Certificate).order_by(Certificate.id))
    assert (first.origin, first.record_id, first.seq, first.pdf_sha256) == ("imported", None, None, None)
    assert second.pdf_sha256 == hashlib.sha256(PDF).hexdigest()
    assert second.document["summary"]["imported"] is True and second.document["summary"]["owner"] == inst.owner.name
    assert inst.next_due == until
    from lims.services.certificates import write_pending

    base.commit()
    assert write_pending(base) == 1
    assert (ctx.instance_path / second.pdf_path).read_bytes() == PDF


def test_certificate_rows_at_fault(base, ctx):
    _with_instrument(base)
    text = ("number,kind,owner,serial_number,issue_date,valid_until,verdict,stamp_number,pdf_file\r\n"
            "C-1,verification,0101234567,SN-9,01/02/2024,31/01/2025,pass,,\r\n"
            "C-2,repair,0101234567,SN-1,31/02/2024,,,,\r\n"
            "C-3,verification,0101234567,SN-1,01/02/2024,01/01/2024,fail,T-3,x.pdf\r\n"
            "C-3,calibration,0101234567,SN-1,01/02/2024,,,,\r\n")
    with use_language("en"):
        result = _import(base, "certificates", text, dry_run=True)
    got = [(e.row, e.column) for e in result.errors]
    assert got == [(2, "serial_number"), (3, "kind"), (3, "issue_date"),
                   (4, "valid_until"), (4, "stamp_number"), (4, "pdf_file"), (5, "number")]


def test_export_imports_into_an_empty_system_and_exports_the_same(base, ctx):
    """Export → delete nothing but import into the same-shaped empty data (a savepoint rolled
    back) → export again: the same CSV bytes (numbers written so they read back exactly)."""
    _import(base, "customers", CUSTOMERS)
    _import(base, "instruments", _instruments_csv('0101234567,NAWI,SN-1,"12,1250",kg,"0,001"'))
    _import(base, "certificates", "number,kind,owner,serial_number,issue_date,valid_until,verdict\r\n"
                                  "C-1,calibration,0101234567,SN-1,01/02/2024,,\r\n")
    files = {k: imports.export_file(base, SYSTEM, k, "csv") for k in ("customers", "instruments", "certificates")}
    assert "12.1250" in files["instruments"].decode("utf-8-sig")
    nested = base.begin_nested()
    for model in (Certificate, Instrument):
        for row in base.scalars(select(model)):
            base.delete(row)
    base.flush()
    for org in base.scalars(select(Organisation).where(Organisation.kind == "business")):
        base.delete(org)
    base.flush()
    for kind in ("customers", "instruments", "certificates"):
        assert _import(base, kind, files[kind], name=f"{kind}.csv").ok
    again = {k: imports.export_file(base, SYSTEM, k, "csv") for k in files}
    nested.rollback()
    assert again == files


def test_an_imported_certificate_is_revoked_like_any_and_corrected_only_from_a_record(base, ctx):
    """Revoking needs no record; amending without naming a newer approved record is refused on
    record_id (an imported certificate has none of its own); the audit trail keeps both."""
    from lims.errors import ValidationError
    from lims.services import certificates as certs

    _with_instrument(base)
    _import(base, "certificates", "number,kind,owner,serial_number,issue_date,verdict,stamp_number\r\n"
                                  "KĐ-1,verification,0101234567,SN-1,01/02/2024,pass,T-1\r\n")
    cert = base.scalar(select(Certificate))
    with use_language("en"), pytest.raises(ValidationError) as refused:
        certs.amend_certificate(base, SYSTEM, cert.id, certs.AmendCertificate(reason="wrong serial number"))
    assert set(refused.value.errors) == {"record_id"}
    certs.revoke_certificate(base, SYSTEM, cert.id, certs.RevokeCertificate(reason="issued in error"))
    assert cert.status == "revoked"
    actions = list(base.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "certificate")))
    assert actions == ["certificate.import", "certificate.revoke"]


def test_an_xlsx_file_with_number_and_date_cells(base):
    """Numbers and dates typed as such in Excel are taken as they are (no decimal-mark question);
    a text cell "1,000" in the same sheet is still refused as ambiguous."""
    from openpyxl import Workbook

    _import(base, "customers", CUSTOMERS)
    book = Workbook()
    sheet = book.active
    sheet.append(["owner", "type_code", "serial_number", "range_max", "range_unit", "resolution", "next_due"])
    sheet.append(["0101234567", "NAWI", 4571, 12.125, "kg", 0.005, date(2027, 3, 15)])
    sheet.append(["0101234567", "NAWI", "SN-2", "1,000", "kg", None, None])
    out = io.BytesIO()
    book.save(out)
    with use_language("en"):
        result = _import(base, "instruments", out.getvalue(), name="pt.xlsx", dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "range_max")]
    sheet.delete_rows(3)
    out = io.BytesIO()
    book.save(out)
    assert _import(base, "instruments", out.getvalue(), name="pt.xlsx").ok
    inst = base.scalar(select(Instrument))
    assert (inst.serial_number, inst.range_max, inst.resolution, inst.next_due) == (
        "4571", 12.125, 0.005, date(2027, 3, 15))


def test_render_all_missing_leaves_imported_certificates_alone(base, ctx):
    """An imported certificate has no document to draw a PDF or DCC from: ``render --all-missing``
    does not list it, even before its PDF is written."""
    from lims.services import certificates as certs

    _with_instrument(base)
    _import(base, "certificates", "number,kind,owner,serial_number,issue_date\r\n"
                                  "HC-1,calibration,0101234567,SN-1,01/02/2024\r\n", pdfs={"HC-1.pdf": PDF})
    assert base.scalar(select(Certificate.pdf_path)) == "certificates/2024/HC-1.pdf"
    assert certs.missing_pdfs(base, ctx) == [] and certs.missing_dccs(base, ctx) == []


def test_a_number_of_this_systems_form_moves_its_counter_on(base, ctx):
    """Certificate 2024-KD-000150 brought in: the verification counter of 2024 goes on at 151, so
    a certificate issued later never gets the same number; a number of another form leaves it."""
    from lims.services.imports.certificate_rows import sequence_of
    from lims.services.numbering import next_value

    assert sequence_of("{year}-{kind}-{seq:06d}", "2024-KD-000150", kind="verification", year=2024) == 150
    assert sequence_of("{year}-{kind}-{seq:06d}", "2024-HC-000150", kind="verification", year=2024) is None
    assert sequence_of("{year}-{kind}-{seq:06d}", "KĐ-2024/0815", kind="verification", year=2024) is None
    _with_instrument(base)
    _import(base, "certificates", "number,kind,owner,serial_number,issue_date,verdict\r\n"
                                  "2024-KD-000150,verification,0101234567,SN-1,01/02/2024,pass\r\n"
                                  "2024-KD-000007,verification,0101234567,SN-1,01/01/2024,pass\r\n")
    assert next_value(base, "certificate:verification", 2024) == 151
    assert next_value(base, "certificate:calibration", 2024) == 1


def test_the_xlsx_export_imports_back_to_the_same_cells(base, ctx):
    """XLSX round trip: export, import into the same-shaped empty data, export again: every cell equal."""
    _import(base, "customers", CUSTOMERS)
    _import(base, "instruments", _instruments_csv('0101234567,NAWI,=SN-1,"12,1250",kg,"0,001"'))
    first = imports.export_file(base, SYSTEM, "instruments", "xlsx")
    cells = [[c.value for c in row] for row in load_workbook(io.BytesIO(first)).worksheets[0].iter_rows()]
    assert cells[2][:4] == ["0101234567", "NAWI", "=SN-1", None]  # a formula-like serial stays text
    nested = base.begin_nested()
    for row in base.scalars(select(Instrument)):
        base.delete(row)
    base.flush()
    assert _import(base, "instruments", first, name="pt.xlsx").ok
    again = imports.export_file(base, SYSTEM, "instruments", "xlsx")
    nested.rollback()
    assert [[c.value for c in row] for row in load_workbook(io.BytesIO(again)).worksheets[0].iter_rows()] == cells


def test_a_kept_upload_comes_back_with_its_pdfs_and_is_refused_once_changed(tmp_path):
    from lims.errors import ValidationError
    from lims.services.imports.uploads import discard_upload, keep_upload, kept_upload

    digest = keep_upload(tmp_path, "lich-su.csv", b"number\r\n", {"../../KĐ-1.pdf": PDF})
    assert digest == hashlib.sha256(b"number\r\n").hexdigest()
    assert kept_upload(tmp_path, digest) == ("lich-su.csv", b"number\r\n", {"../../KĐ-1.pdf": PDF})
    assert sorted(p.name for p in (tmp_path / "imports" / digest).iterdir()) == ["file", "manifest.json", "pdf-0"]
    (tmp_path / "imports" / digest / "file").write_bytes(b"other\r\n")
    with pytest.raises(ValidationError):
        kept_upload(tmp_path, digest)
    with pytest.raises(ValidationError):
        kept_upload(tmp_path, "../" + digest)
    discard_upload(tmp_path, digest)
    assert not (tmp_path / "imports" / digest).exists()


def test_imported_certificates_count_in_the_office_overdue_trend(base, ctx):
    """An imported certificate is part of the instrument's history for the office's overdue trend
    (lims.services.office_summary): two certificates 1 Jan 2024 → 31 Dec 2024 and 1 Mar 2025 →
    28 Feb 2026 leave the instrument overdue from 1 Jan 2025 to 28 Feb 2025 and again from
    1 Mar 2026 on, as a recomputation from all certificates finds too."""
    from lims.models import OverdueSpan
    from lims.services import office_summary
    from lims.services.office_summary import OPEN_END

    inst = _with_instrument(base)
    csv_text = ("number,kind,owner,serial_number,issue_date,valid_until,verdict\r\n"
                "KĐ-B/1,verification,0101234567,SN-1,01/01/2024,31/12/2024,pass\r\n"
                "KĐ-B/2,verification,0101234567,SN-1,01/03/2025,28/02/2026,pass\r\n")
    assert _import(base, "certificates", _csv(csv_text)).ok

    def spans() -> list[tuple]:
        return base.execute(select(OverdueSpan.start_day, OverdueSpan.end_day)
                            .where(OverdueSpan.instrument_id == inst.id).order_by(OverdueSpan.start_day)).all()

    kept = spans()
    assert kept == [(date(2025, 1, 1), date(2025, 2, 28)), (date(2026, 3, 1), OPEN_END)]
    office_summary.rebuild(base)
    assert spans() == kept
