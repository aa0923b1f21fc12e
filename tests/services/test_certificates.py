"""Issuing, amending, revoking and checking certificates (lims.services.certificates).

Worked numbers: the sample scale is OIML R76-1 class III with e = d = 0.01 kg, verified at
0.2 kg (20 e), 5 kg (500 e), 20 kg (2 000 e) and 60 kg (6 000 e). Table 6 of R76-1 gives
the MPE at verification: ±0.5 e up to 500 e, ±1 e up to 2 000 e, ±1.5 e above, i.e.
±0.005 kg, ±0.005 kg, ±0.01 kg and ±0.015 kg. Errors of 0, 0, +1 e, +1 e pass; +2 e at
60 kg (0.02 kg > 0.015 kg) fails.
"""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from certificates import jsonform, tokens
from certificates.hashing import sha256_file
from certificates.keystore import KeyStore
from lims.errors import Conflict, PermissionDenied, ValidationError
from lims.models import AuditEvent, Certificate, NumberSequence, RecordStatus
from lims.services import certificates as certs
from lims.services.certificates.document import add_months
from lims.services.certificates.numbers import decimal_of
from lims.services.demo_certificates import (
    approved_record,
    pressure_points,
    sample_lab,
    scale_points,
)
from lims.services.inputs import parse

ISSUE = date(2026, 3, 5)


@pytest.fixture
def lab(db):
    lab = sample_lab(db)
    lab.work_date = ISSUE - timedelta(days=1)
    return lab


def issue(db, lab, record, ctx, day=ISSUE):
    return certs.issue_for_record(db, lab.reviewer, record, issue_date=day, context=ctx)


def rows(cert):
    return cert.document["certificate"]["results"][0]["rows"]


def test_a_passed_verification_gets_number_stamp_validity_pdf_and_audit_event(db, lab, ctx):
    record = lab.scale_record(db, work_date=ISSUE - timedelta(days=1))
    cert = issue(db, lab, record, ctx)
    db.commit()
    certs.write_pending(db)

    assert cert.number == "2026-KD-000001" and (cert.year, cert.seq) == (2026, 1)
    # Circular 23/2013/TT-BKHCN: scales 12 months, counted from the date of verification (the work
    # date, the day before the issue), to the same day of the month (LIMS_VALID_UNTIL_RULE's default).
    assert cert.valid_until == date(2027, 3, 4)
    assert cert.stamp_number == "T26-0000001"
    assert cert.status == "valid" and cert.customer_id == lab.customer.id
    # The nominal to the scale's resolution; reference, indication and error to the decimal place of
    # U (U = 0.0082 kg, two significant digits: JCGM 100 7.2.6), never coarser than d = 0.01 kg;
    # MPEs of OIML R76-1 class III as stated.
    got = [(r["nominal"]["value"], r["reference"]["value"], r["indication"]["value"], r["error"]["value"],
            r["mpe"]["value"], r["verdict"]) for r in rows(cert)]
    assert got == [("0.20", "0.2000", "0.2000", "0.0000", "0.005", "pass"),
                   ("5.00", "5.0000", "5.0000", "0.0000", "0.005", "pass"),
                   ("20.00", "20.0000", "20.0100", "0.0100", "0.01", "pass"),
                   ("60.00", "60.0000", "60.0100", "0.0100", "0.015", "pass")]
    assert rows(cert)[2]["uncertainty"]["expanded"] == {"value": "0.0040", "unit": "kg"}
    assert rows(cert)[2]["uncertainty"]["k"] == "2.00"
    doc = cert.document["certificate"]
    assert doc["conformity"]["verdict"] == "pass" and "ILAC G8" in doc["conformity"]["decision_rule"]["en"]
    assert doc["reference_standards"][0]["certificate_number"] == "VMI-KL-0415"
    assert doc["reference_standards"][0]["calibrated_by"] == "Viện Đo lường Việt Nam (VMI)"
    assert doc["method"]["code"] == "ĐLVN 16:2009"
    assert {e["quantity"]["en"]: e["value"] for e in doc["environment"]} == {
        "Temperature": {"value": "24.8", "unit": "degC"}, "Relative humidity": {"value": "62", "unit": "percent"}}
    # The stored PDF is the hashed one; the token names this certificate and verifies.
    path = ctx.instance_path / cert.pdf_path
    assert cert.pdf_path == "certificates/2026/2026-KD-000001.pdf" and sha256_file(path) == cert.pdf_sha256
    assert cert.signing_key_id == ctx.keystore.current_key_id
    assert tokens.verify(certs.verification_token(cert), ctx.keystore).certificate_id == cert.id
    assert certs.verify_url(cert).startswith("https://lims.tdc.gov.vn/v/")
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "certificate")))
    assert actions == ["certificate.issue"]


def test_a_failed_verification_gets_a_notice_of_non_conformity_without_stamp_or_validity(db, lab, ctx):
    cert = issue(db, lab, lab.scale_record(db, (0, 0, 1, 2)), ctx)
    assert cert.number == "2026-KD-000001"  # same register as certificates: every number accounted for
    assert cert.valid_until is None and cert.stamp_number is None
    doc = cert.document["certificate"]
    assert doc["title"]["vi"] == "THÔNG BÁO KẾT QUẢ KIỂM ĐỊNH KHÔNG ĐẠT"
    assert doc["conformity"]["verdict"] == "fail" and rows(cert)[3]["verdict"] == "fail"
    assert cert.document["summary"]["notice"] is True
    assert db.scalar(select(NumberSequence.last_value).where(NumberSequence.name == "stamp")) is None


def test_calibration_of_a_thermometer_states_uncertainty_in_kelvin_differences(db, lab, ctx):
    cert = issue(db, lab, lab.thermometer_record(db), ctx)
    assert cert.number == "2026-HC-000001" and cert.valid_until is None and cert.stamp_number is None
    got = [(r["nominal"], r["error"], r["uncertainty"]["expanded"]) for r in rows(cert)]
    assert got[0] == ({"value": "-20.0", "unit": "degC"}, {"value": "-0.10", "unit": "delta_degC"},
                      {"value": "0.12", "unit": "delta_degC"})
    assert got[2][1] == {"value": "0.20", "unit": "delta_degC"}
    assert cert.document["certificate"]["conformity"] is None  # no conformity asked for


def test_issue_refuses_what_is_not_an_approved_record_and_writes_nothing(db, lab, ctx):
    submitted = approved_record(db, instrument=lab.scale, procedure=lab.scale_procedure, technician=lab.technician,
                                reviewer=lab.reviewer, points=scale_points(lab.scale, (0, 0, 0, 0)),
                                standards=[lab.weights], kind="verification", work_date=ISSUE,
                                status=RecordStatus.submitted.value)
    with pytest.raises(Conflict):
        issue(db, lab, submitted, ctx)
    record = lab.scale_record(db)
    with pytest.raises(PermissionDenied):
        certs.issue_for_record(db, lab.technician, record, issue_date=ISSUE, context=ctx)
    assert db.scalar(select(func.count()).select_from(Certificate)) == 0
    first = issue(db, lab, record, ctx)
    assert first.number == "2026-KD-000001"
    with pytest.raises(Conflict, match=first.number):
        issue(db, lab, record, ctx)


def test_a_record_the_certificate_cannot_state_is_refused_naming_the_field_and_gives_no_number_away(db, lab, ctx):
    record = approved_record(db, instrument=lab.gauge, procedure=lab.gauge_procedure, technician=lab.technician,
                             reviewer=lab.reviewer, points=pressure_points(lab.gauge, (0, 0, 0, 0, 0)),
                             standards=[lab.pressure_standard], kind="calibration", work_date=ISSUE, verdict=None)
    record_without_u = approved_record(
        db, instrument=lab.gauge, procedure=lab.gauge_procedure, technician=lab.technician, reviewer=lab.reviewer,
        points=[dataclasses.replace(p, uncertainty=None) if i == 0 else p
                for i, p in enumerate(pressure_points(lab.gauge, (0, 0, 0, 0, 0)))],
        standards=[lab.pressure_standard], kind="calibration", work_date=ISSUE, verdict=None)
    with pytest.raises(ValidationError) as err:  # a calibration result needs its U (ISO/IEC 17025 7.8.4.1 a)
        issue(db, lab, record_without_u, ctx)
    assert "uncertainty" in err.value.field
    assert db.scalar(select(NumberSequence.last_value).where(NumberSequence.name == "certificate:calibration")) is None
    assert issue(db, lab, record, ctx).number == "2026-HC-000001"


def test_the_number_pattern_is_configurable_and_checked(db, lab, ctx):
    custom = dataclasses.replace(ctx, number_pattern="GCN/{kind}/{year}/{seq:04d}")
    cert = issue(db, lab, lab.scale_record(db), custom)
    assert cert.number == "GCN/KD/2026/0001"
    assert cert.pdf_path == "certificates/2026/GCN_KD_2026_0001.pdf"
    with pytest.raises(ValidationError) as err:
        issue(db, lab, lab.gauge_record(db), dataclasses.replace(ctx, number_pattern="{year}-{seq}"))
    assert err.value.field == "LIMS_CERTIFICATE_NUMBER_PATTERN"


def test_add_months_keeps_the_day_or_takes_the_last_day_of_the_month():
    assert add_months(date(2026, 3, 5), 12) == date(2027, 3, 5)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 30), 18) == date(2028, 5, 30)


def test_float_noise_is_not_printed_and_resolution_digits_are_kept():
    assert decimal_of(20.01 - 20.0) == Decimal("0.01")
    assert str(decimal_of(0.1 + 0.2)) == "0.3"
    assert str(decimal_of(20.0, places_like=0.01)) == "20.00"
    assert str(decimal_of(0.005, places_like=0.01)) == "0.005"  # padded, never rounded


def test_amendment_issues_a_new_certificate_that_supersedes_the_old_one(db, lab, ctx):
    old = issue(db, lab, lab.scale_record(db), ctx)
    lab.customer.address = "Số 5 phố Kỳ Lừa, Lạng Sơn"  # the correction, made in the catalog
    new = certs.amend_certificate(db, lab.reviewer, old.id, certs.AmendCertificate(reason="Sửa địa chỉ khách hàng"),
                                  issue_date=ISSUE + timedelta(days=10), context=ctx)
    db.commit()
    certs.write_pending(db)
    assert old.status == "superseded" and new.status == "valid"
    assert new.number == "2026-KD-000002" and new.supersedes_id == old.id
    # Same record: the stamp on the instrument and the validity stay those of the original.
    assert (new.valid_until, new.stamp_number) == (old.valid_until, old.stamp_number)
    doc = new.document["certificate"]
    assert doc["supersedes"] == old.number and doc["customer"]["address"] == "Số 5 phố Kỳ Lừa, Lạng Sơn"
    # No English reason given: the English copy says so in English, never in Vietnamese.
    assert {"vi": "Sửa đổi: Sửa địa chỉ khách hàng",
            "en": "Amendment: this certificate corrects certificate no. 2026-KD-000001 (the reason is stated in "
                  "the Vietnamese copy)"} in doc["remarks"]
    assert old.document["certificate"]["customer"]["address"] == "Chợ Đông Kinh, Lạng Sơn"  # never rewritten
    assert certs.superseded_by(db, old).id == new.id
    actions = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[-2:] == ["certificate.supersede", "certificate.amend"]
    with pytest.raises(Conflict):
        certs.amend_certificate(db, lab.reviewer, old.id, certs.AmendCertificate(reason="again please"), context=ctx)


def test_amendment_from_a_newer_record_counts_validity_afresh(db, lab, ctx):
    old = issue(db, lab, lab.scale_record(db, work_date=ISSUE), ctx)
    redo = lab.scale_record(db, (0, 0, 0, 1), work_date=ISSUE + timedelta(days=3))
    new = certs.amend_certificate(db, lab.reviewer, old.id,
                                  parse(certs.AmendCertificate, {"reason": "Kiểm định lại sau khi sửa",
                                                                 "record_id": redo.id}),
                                  issue_date=ISSUE + timedelta(days=4), context=ctx)
    assert new.record_id == redo.id and new.valid_until == date(2027, 3, 8)  # from the newer work date
    assert new.stamp_number == "T26-0000002"


@pytest.mark.parametrize("data,field", [
    ({}, "reason"),
    ({"reason": "x"}, "reason"),
    ({"reason": "correct it", "record_id": "abc"}, "record_id"),
    ({"reason": "correct it", "record_id": 99999}, "record_id"),
    ({"reason": "correct it", "language": "fr"}, "language"),
])
def test_amendment_with_bad_input_names_the_field_and_changes_nothing(db, lab, ctx, data, field):
    old = issue(db, lab, lab.scale_record(db), ctx)
    db.commit()
    certs.write_pending(db)
    with pytest.raises(ValidationError) as err:
        certs.amend_certificate(db, lab.reviewer, old.id, parse(certs.AmendCertificate, data), context=ctx)
    assert field in err.value.errors
    db.rollback()
    assert db.get(Certificate, old.id).status == "valid"
    assert db.scalar(select(func.count()).select_from(Certificate)) == 1


def test_revocation_needs_a_reviewer_and_a_reason(db, lab, ctx):
    cert = issue(db, lab, lab.scale_record(db), ctx)
    db.commit()
    certs.write_pending(db)
    with pytest.raises(PermissionDenied):
        certs.revoke_certificate(db, lab.technician, cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
    with pytest.raises(PermissionDenied):
        certs.revoke_certificate(db, None, cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
    with pytest.raises(ValidationError) as err:
        certs.revoke_certificate(db, lab.reviewer, cert.id, parse(certs.RevokeCertificate, {"reason": "  "}))
    assert err.value.field == "reason"
    assert db.get(Certificate, cert.id).status == "valid"
    certs.revoke_certificate(db, lab.reviewer, cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
    db.commit()
    certs.write_pending(db)
    assert cert.status == "revoked" and cert.revoke_reason == "Chuẩn vượt dung sai"
    assert cert.revoked_by_id == lab.reviewer.id and cert.revoked_at is not None
    assert cert.pdf_sha256 and (ctx.instance_path / cert.pdf_path).exists()  # nothing deleted
    with pytest.raises(Conflict):
        certs.revoke_certificate(db, lab.reviewer, cert.id, certs.RevokeCertificate(reason="Chuẩn vượt dung sai"))
    with pytest.raises(Conflict):
        certs.amend_certificate(db, lab.reviewer, cert.id, certs.AmendCertificate(reason="Chuẩn vượt dung sai"),
                                context=ctx)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert event.after["reason"] == "Chuẩn vượt dung sai" and event.entity_id == str(cert.id)


def test_public_lookup_tells_valid_expired_superseded_revoked_and_refuses_forgeries(db, lab, ctx, tmp_path):
    a = issue(db, lab, lab.scale_record(db), ctx)
    b = issue(db, lab, lab.gauge_record(db), ctx)
    view = certs.public_lookup(db, certs.verification_token(a), ctx, today=ISSUE)
    assert (view.number, view.status, view.pdf_sha256) == (a.number, "valid", a.pdf_sha256)
    assert view.as_json(ctx.base_url)["instrument"]["serial_number"] == "MT-0001"
    assert certs.public_lookup(db, certs.verification_token(a), ctx, today=date(2027, 3, 6)).status == "expired"
    assert certs.public_lookup(db, certs.verification_token(b), ctx, today=date(2040, 1, 1)).status == "valid"

    new = certs.amend_certificate(db, lab.reviewer, a.id, certs.AmendCertificate(reason="Sửa số sản xuất"), context=ctx)
    view = certs.public_lookup(db, certs.verification_token(a), ctx)
    assert view.status == "superseded" and view.superseded_by_number == new.number
    assert view.as_json(ctx.base_url)["superseded_by"]["url"] == certs.verify_url(new)
    certs.revoke_certificate(db, lab.reviewer, b.id, certs.RevokeCertificate(reason="Áp kế chuẩn hỏng"))
    assert certs.public_lookup(db, certs.verification_token(b), ctx).status == "revoked"

    good = certs.verification_token(new)
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    stranger = tokens.sign_token(new.id, KeyStore.in_directory(tmp_path / "other-lab"))
    unknown = tokens.sign_token(987654, ctx.keystore)
    for token in (forged, stranger, unknown, "", "x" * 300, "not-a-token"):
        with pytest.raises(certs.NotGenuine):
            certs.public_lookup(db, token, ctx)


def test_a_rotated_key_keeps_old_certificates_verifying(db, lab, ctx):
    old = issue(db, lab, lab.scale_record(db), ctx)
    first_key = ctx.keystore.current_key_id
    new_key = ctx.keystore.rotate()
    new = issue(db, lab, lab.gauge_record(db), ctx)
    assert (old.signing_key_id, new.signing_key_id) == (first_key, new_key) and first_key != new_key
    assert certs.public_lookup(db, certs.verification_token(old), ctx).number == old.number
    assert certs.public_lookup(db, certs.verification_token(new), ctx).number == new.number
    published = tokens.PublicKeySet.from_jwks(certs.public_keys(ctx))
    assert set(published.key_ids()) == {first_key, new_key}
    assert tokens.verify(certs.verification_token(old), published).certificate_id == old.id


def test_a_lost_pdf_is_drawn_again_byte_for_byte_from_the_stored_document(db, lab, ctx):
    cert = issue(db, lab, lab.scale_record(db), ctx)
    db.commit()
    certs.write_pending(db)
    (ctx.instance_path / cert.pdf_path).unlink()
    assert [c.id for c in certs.missing_pdfs(db, ctx)] == [cert.id]
    data = certs.render_stored(cert.document["certificate"], certs.verify_url(cert), cert.language)
    assert certs.store_rendered(db, cert, data, ctx) is True
    assert sha256_file(ctx.instance_path / cert.pdf_path) == cert.pdf_sha256
    assert certs.missing_pdfs(db, ctx) == []


def test_exports_carry_the_stored_document_and_the_current_status(db, lab, ctx):
    from certificates.dcc_schema import validate_dcc

    cert = issue(db, lab, lab.gauge_record(db), ctx)
    assert jsonform.from_json_dict(certs.json_export(cert)).number == cert.number
    validate_dcc(certs.dcc_export(cert, ctx))
    certs.revoke_certificate(db, lab.reviewer, cert.id, certs.RevokeCertificate(reason="Áp kế chuẩn hỏng"))
    assert certs.json_export(cert)["status"] == "revoked"
    assert cert.document["certificate"]["status"] == "valid"  # the stored document is as issued


def test_listing_filters_and_keeps_businesses_to_their_own(db, lab, ctx, make_user):
    a = issue(db, lab, lab.scale_record(db), ctx)
    b = issue(db, lab, lab.gauge_record(db), ctx)
    certs.revoke_certificate(db, lab.reviewer, b.id, certs.RevokeCertificate(reason="Áp kế chuẩn hỏng"))
    db.commit()
    certs.write_pending(db)
    assert [c.number for c in certs.list_certificates(db, lab.reviewer)[0]] == [b.number, a.number]
    assert [c.id for c in certs.list_certificates(db, lab.reviewer, status="revoked")[0]] == [b.id]
    assert [c.id for c in certs.list_certificates(db, lab.reviewer, kind="verification")[0]] == [a.id]
    assert [c.id for c in certs.list_certificates(db, lab.reviewer, query="wk-0001")[0]] == [b.id]
    owner = make_user("owner", "business", organisation_id=lab.customer.id)
    stranger = make_user("stranger", "business")
    assert certs.list_certificates(db, owner)[1] == 2
    assert certs.list_certificates(db, stranger) == ([], 0)
    with pytest.raises(ValidationError):
        certs.list_certificates(db, lab.reviewer, status="lost")
