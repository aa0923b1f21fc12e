"""What a certificate states (lims.services.certificates.document and .rows).

Hand-worked figures:

* Thermometer calibration (as on 2026-HC-000001): reference thermometer readings 0.013, 37.013 and
  100.013 °C at the nominal 0, 37 and 100 °C; indications 0.133333333333, 37.133333333333,
  100.463333333333 °C; errors 0.120333333333, 0.120333333333, 0.450333333333 °C;
  U = 0.113344423838 °C, k = 2.42880908223. JCGM 100 7.2.6 and EA-4/02 M §5: U to two
  significant digits, 0.11 °C (ordinary rounding lowers it by 2.9 %, under 5 %: no round-up),
  k = 2.43; reference, indication and error to U's two decimals (d = 0.1 °C is coarser):
  0.01 / 0.13 / +0.12, 37.01 / 37.13 / +0.12, 100.01 / 100.46 / +0.45 °C — the printed indication
  minus the printed reference is the printed error.
* OIML R76-1 Table 3, Min: class III, e = 0.01 kg → 20 e = 0.20 kg; class II, e = 0.1 g
  (≥ 0.1 g) → 50 e = 5 g; with d = 0.01 g.
"""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from certificates import jsonform
from certificates.errors import DocumentError
from certificates.model import Measure
from certificates.pdf import render_pdf
from certificates.pdf.results import columns
from lims.errors import ValidationError
from lims.models import RecordStatus
from lims.services import certificates as certs
from lims.services import users, workflow
from lims.services.certificates.document import rule_facts
from lims.services.certificates.rows import result_sections
from lims.services.demo_certificates import Point, approved_record, sample_lab, scale_points
from lims.services.inputs import parse
from lims.services.policy import SYSTEM
from tests.helpers import pdf_text

WORK = date(2026, 3, 4)
ISSUE = WORK + timedelta(days=1)


@pytest.fixture
def lab(db):
    lab = sample_lab(db)
    lab.work_date = WORK
    return lab


def _approve(db, record):
    record.status = RecordStatus.approved.value
    db.flush()
    return record


def thermometer_record(db, lab):
    """HC-000001's numbers, stored as the workflow stores them (results.points with the reference)."""
    refs, shown = (0.013, 37.013, 100.013), (0.133333333333, 37.133333333333, 100.463333333333)
    points = [Point(nominal=n, indication=i, error=round(i - r, 12), uncertainty=0.113344423838,
                    coverage_factor=2.42880908223, mpe=0.5, verdict="pass", unit="degC", test="calibration")
              for n, r, i in zip((0.0, 37.0, 100.0), refs, shown, strict=True)]
    record = approved_record(db, instrument=lab.thermometer, procedure=lab.thermometer_procedure,
                             technician=lab.technician, reviewer=lab.reviewer, points=points,
                             standards=[lab.thermometer_standard], kind="calibration", work_date=WORK,
                             status=RecordStatus.submitted.value)
    record.results = {**record.results, "points": [
        {"seq": p.seq, "reference_value": {"value": r, "unit": "degC"}} for p, r in zip(record.points, refs,
                                                                                       strict=True)]}
    return _approve(db, record)


def issue(db, lab, record, ctx, **kwargs):
    return certs.issue_for_record(db, lab.reviewer, record, issue_date=ISSUE, context=ctx, **kwargs)


def document(cert):
    return jsonform.from_json_dict(cert.document["certificate"])


def test_the_reference_column_is_the_measured_reference_rounded_with_u_jcgm100_726(db, lab, ctx):
    """JCGM 100 7.2.6, EA-4/02 M §5: the worked numbers of the module docstring."""
    doc = document(issue(db, lab, thermometer_record(db, lab), ctx))
    rows = doc.results[0].rows
    got = [(str(r.nominal.value), str(r.reference.value), str(r.indication.value), str(r.error.value),
            str(r.uncertainty.expanded.value), str(r.uncertainty.k)) for r in rows]
    assert got == [("0.0", "0.01", "0.13", "0.12", "0.11", "2.43"),
                   ("37.0", "37.01", "37.13", "0.12", "0.11", "2.43"),
                   ("100.0", "100.01", "100.46", "0.45", "0.11", "2.43")]
    for r in rows:  # printed indication − printed reference = printed error, to one unit of the last place
        assert abs(r.indication.value - r.reference.value - r.error.value) <= Decimal("0.01")
    assert (rows[0].reference.unit, rows[0].error.unit) == ("degC", "delta_degC")
    text = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="vi"))
    # The nominal differs from the reference, so both columns are printed (the nominal first).
    assert "Giá trị danh định" in text and "Giá trị chuẩn" in text
    assert "100,01" in text and "100,46" in text and "+0,45" in text and "k = 2,43" in text


def test_the_nominal_column_is_left_out_where_nominal_and_reference_agree(db, lab, ctx):
    """The scale's weights are used at nominal here: one reference column only."""
    doc = document(issue(db, lab, lab.scale_record(db), ctx))
    assert all(r.reference.value == r.nominal.value for r in doc.results[0].rows)
    assert [c.key for c in columns(doc.results[0])][:2] == ["col.reference", "col.indication"]
    text = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="en"))
    assert "Reference value" in text


def test_without_u_reference_indication_and_error_share_the_resolution_plus_one_decimal(db, lab):
    """No budget: d = 0.01 kg gives three decimals, the third dropped when it is zero in all three."""
    points = [Point(nominal=30.0, indication=30.0067, error=0.0067, uncertainty=None, mpe=0.015, verdict="pass",
                    unit="kg"),
              Point(nominal=20.0, indication=20.01, error=0.01, uncertainty=None, mpe=0.01, verdict="pass",
                    unit="kg")]
    record = approved_record(db, instrument=lab.scale, procedure=lab.scale_procedure, technician=lab.technician,
                             reviewer=lab.reviewer, points=points, standards=[lab.weights], kind="verification",
                             work_date=WORK)
    rows = result_sections(record)[0].rows
    assert [(str(r.reference.value), str(r.indication.value), str(r.error.value)) for r in rows] == [
        ("30.000", "30.007", "0.007"), ("20.00", "20.01", "0.01")]


def test_scales_state_max_min_e_d_year_pattern_approval_and_place_of_use_r76_table_3(db, lab, ctx):
    """OIML R76-1 Table 3: class III, e = d = 0.01 kg (no e registered: e = d) gives Min = 20 e = 0.20 kg."""
    lab.scale.year_of_manufacture, lab.scale.pattern_approval = 2021, "PDM 063-2019"
    lab.scale.location = "Chợ Đông Kinh, quầy 12"
    db.flush()
    doc = document(issue(db, lab, lab.scale_record(db), ctx))
    ins = doc.instrument
    assert (str(ins.max_capacity.value), str(ins.min_capacity.value), str(ins.scale_interval.value),
            str(ins.resolution.value), ins.max_capacity.unit) == ("60", "0.20", "0.01", "0.01", "kg")
    assert (ins.year_of_manufacture, ins.pattern_approval, ins.place_of_use) == (2021, "PDM 063-2019",
                                                                                 "Chợ Đông Kinh, quầy 12")
    vi = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="vi"))
    for words in ("Mức cân lớn nhất (Max)", "Mức cân nhỏ nhất (Min)", "0,20 kg", "Giá trị độ chia kiểm (e)",
                  "Giá trị độ chia thực (d)", "Năm sản xuất", "2021", "PDM 063-2019", "Cơ sở sử dụng",
                  "Chợ Đông Kinh, quầy 12", "Chế độ kiểm định", "Định kỳ"):
        assert words in vi, words
    en = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="en"))
    assert "Minimum capacity (Min)" in en and "Periodic verification" in en and "Place of use" in en


def test_a_class_ii_balance_with_d_below_e_gets_min_50_e(db, lab, ctx):
    """OIML R76-1 Table 3: class II, e = 0.1 g ≥ 0.1 g: Min = 50 e = 5 g; d = 0.01 g printed beside e."""
    scale = lab.scale
    scale.accuracy_class, scale.range_max, scale.resolution, scale.scale_interval = "II", 0.6, 0.00001, 0.0001
    scale.location = ""
    db.flush()
    points = [Point(nominal=0.1, indication=0.1, error=0.0, uncertainty=0.00004, mpe=0.0001, verdict="pass",
                    unit="kg")]
    record = approved_record(db, instrument=scale, procedure=lab.scale_procedure, technician=lab.technician,
                             reviewer=lab.reviewer, points=points, standards=[lab.weights], kind="verification",
                             work_date=WORK)
    doc = document(issue(db, lab, record, ctx))
    ins = doc.instrument
    assert (ins.min_capacity.value, ins.scale_interval.value, ins.resolution.value) == (
        Decimal("0.0050"), Decimal("0.0001"), Decimal("0.00001"))
    assert ins.place_of_use == lab.customer.name  # no location: the customer


def test_the_national_procedure_and_the_signatorys_job_title_are_printed(db, lab, ctx):
    """ISO/IEC 17025 7.8.2.1 f (method: ĐLVN 16:2009 beside the lab's procedure) and o (who authorised it)."""
    proc = lab.scale_procedure
    proc.spec = {**proc.spec, "national_procedure": "ĐLVN 16:2009"}
    lab.reviewer.job_title = "Phó Giám đốc"
    db.flush()
    doc = document(issue(db, lab, lab.scale_record(db), ctx))
    assert doc.method.national_procedure == "ĐLVN 16:2009" and doc.authorised_by.role == "Phó Giám đốc"
    assert doc.performed_by.role.vi == "Kiểm định viên"  # no job title: the role
    text = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="vi"))
    assert "theo ĐLVN 16:2009" in text and "Phó Giám đốc" in text


def _on_site_record(db, lab, site_address):
    req = workflow.create_service_request(db, lab.technician, workflow.NewServiceRequest(
        kind="verification", customer_id=lab.customer.id, instrument_ids=[lab.scale.id], on_site=True,
        site_address=site_address))
    record = approved_record(db, instrument=lab.scale, procedure=lab.scale_procedure, technician=lab.technician,
                             reviewer=lab.reviewer, points=scale_points(lab.scale, (0, 0, 1, 1)),
                             standards=[lab.weights], kind="verification", work_date=WORK, place="Kho hàng số 2",
                             status=RecordStatus.submitted.value)
    record.request_item_id = req.items[0].id
    return _approve(db, record)


SITE = "Kho hàng cửa khẩu Đồng Đăng, Cao Lộc"


@pytest.mark.parametrize("site, printed", [(SITE, SITE), (None, "Chợ Đông Kinh, Lạng Sơn")])
def test_on_site_work_is_placed_at_the_customers_premises_iso17025_7821c(db, lab, ctx, site, printed):
    """7.8.2.1 c: on-site work reads "Tại cơ sở của khách hàng: <site address, else the customer's address>"."""
    doc = document(issue(db, lab, _on_site_record(db, lab, site), ctx))
    assert doc.performance_location.value == "customer_site" and doc.performance_address == printed
    text = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="vi"))
    assert f"Tại cơ sở của khách hàng: {printed}" in text and "Tại phòng thí nghiệm" not in text


def test_valid_until_to_the_end_of_the_month_is_a_setting_stated_on_the_certificate(db, lab, ctx):
    """Circular 23/2013/TT-BKHCN, 12 months from the verification on 4 March 2026: 31 March 2027."""
    end_of_month = dataclasses.replace(ctx, valid_until_rule="end_of_month")
    cert = certs.issue_for_record(db, lab.reviewer, lab.scale_record(db), issue_date=ISSUE, context=end_of_month)
    assert cert.valid_until == date(2027, 3, 31)
    doc = document(cert)
    assert doc.validity_basis.vi == "12 tháng, tính từ ngày kiểm định, đến hết ngày cuối cùng của tháng"
    assert doc.validity_basis.en == "12 months from the date of verification, to the last day of that month"
    assert "Chu kỳ kiểm định" in pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="vi"))


def test_a_type_without_periodic_verification_gets_a_certificate_without_valid_until(db, lab, ctx):
    """Circular 23/2013/TT-BKHCN: a type verified only initially has no interval; the pass still earns a stamp."""
    lab.scale.type.verification_interval_months = None
    db.flush()
    cert = issue(db, lab, lab.scale_record(db), ctx)
    assert cert.valid_until is None and cert.stamp_number
    doc = document(cert)
    assert doc.periodic_verification is False and doc.validity_basis.en.startswith("No periodic verification")
    text = pdf_text(render_pdf(doc, verify_url="https://lims.example/v/x", lang="vi"))
    assert "Có hiệu lực đến ngày" not in text and "Không quy định kiểm định định kỳ" in text
    with pytest.raises(DocumentError) as exc:  # and the model refuses a date where none applies
        dataclasses.replace(doc, valid_until=date(2027, 3, 4))
    assert exc.value.field == "valid_until"
    # the stamp label prints, saying that no periodic verification applies instead of a date
    label = pdf_text(certs.stamp_label(cert, context=ctx))
    assert cert.stamp_number in label and "Không quy định thời hạn" in label and "Hiệu lực đến" not in label
    assert "No periodic verification" in pdf_text(certs.stamp_label(cert, lang="en", context=ctx))


def test_the_english_amendment_remark_is_english(db, lab, ctx):
    """The English copy prints reason_en; the Vietnamese copy the reason."""
    old = issue(db, lab, lab.scale_record(db), ctx)
    new = certs.amend_certificate(db, lab.reviewer, old.id, certs.AmendCertificate(
        reason="Sửa địa chỉ khách hàng", reason_en="Customer's address corrected"), issue_date=ISSUE, context=ctx)
    assert {"vi": "Sửa đổi: Sửa địa chỉ khách hàng", "en": "Amendment: Customer's address corrected"} \
        in new.document["certificate"]["remarks"]
    # the reason as data too, so the DCC need not read it from the remark
    assert new.document["certificate"]["amendment_reason"] == {"vi": "Sửa địa chỉ khách hàng",
                                                               "en": "Customer's address corrected"}
    assert document(new).amendment_reason.en == "Customer's address corrected"
    # The same record: valid-until, its basis and the stamp stay those of the original.
    assert new.document["certificate"]["validity_basis"] == old.document["certificate"]["validity_basis"]


def test_an_unknown_test_is_titled_in_words_never_by_its_code(db, lab):
    """A Vietnamese certificate prints no English word in a heading."""
    points = [Point(nominal=20.0, indication=20.0, error=0.0, uncertainty=0.004, mpe=0.01, verdict="pass",
                    unit="kg", test="sensitivity_drift")]
    record = approved_record(db, instrument=lab.scale, procedure=lab.scale_procedure, technician=lab.technician,
                             reviewer=lab.reviewer, points=points, standards=[lab.weights], kind="verification",
                             work_date=WORK)
    title = result_sections(record)[0].title
    assert (title.vi, title.en) == ("Kết quả", "Results")


def test_a_site_address_without_on_site_work_is_refused_naming_the_field(db, lab):
    """The address of the site belongs to on-site work only (ISO/IEC 17025 7.8.2.1 c); nothing is written."""
    with pytest.raises(ValidationError) as exc:
        workflow.create_service_request(db, lab.technician, parse(workflow.NewServiceRequest, {
            "kind": "verification", "customer_id": lab.customer.id, "instrument_ids": [lab.scale.id],
            "site_address": SITE}))
    assert set(exc.value.errors) == {"site_address"}


def test_a_users_job_title_comes_from_the_admin_form(db):
    """The title printed under the signature (7.8.2.1 o) is a field of the user, kept as typed."""
    user = users.create_user(db, SYSTEM, parse(users.NewUser, {
        "username": "pgd.hoa", "password": "a-long-password", "roles": ["reviewer"], "full_name": "Trần Thị Hoa",
        "job_title": "Phó Giám đốc Trung tâm"}))
    assert user.job_title == "Phó Giám đốc Trung tâm"
    with pytest.raises(ValidationError) as exc:
        parse(users.NewUser, {"username": "x.y", "password": "a-long-password", "roles": ["reviewer"],
                              "job_title": "x" * 121})
    assert set(exc.value.errors) == {"job_title"}


def test_the_document_states_as_data_what_the_dcc_used_to_read_from_printed_text(db, lab, ctx):
    """Range limits, the customer's city and country, the standards' asset code and serial
    number, the decision rule's ILAC G8 clause and guard band factor, a repeatability spread."""
    record = approved_record(db, instrument=lab.scale, procedure=lab.scale_procedure, technician=lab.technician,
                             reviewer=lab.reviewer, points=scale_points(lab.scale, (0, 0, 1, 1)),
                             standards=[lab.weights], kind="verification", work_date=WORK,
                             status=RecordStatus.submitted.value)
    record.results = {**record.results, "decision_rule": {"rule": "guard_band", "r": 0.5, "text_vi": "Quy tắc",
                                                          "text_en": "Rule"},
                      "points": [{"seq": record.points[-1].seq, "spread": {"value": 0.02, "unit": "kg"}}]}
    _approve(db, record)
    doc = document(issue(db, lab, record, ctx))
    assert (doc.instrument.range_min, doc.instrument.range_max) == (Measure("0", "kg"), Measure("60", "kg"))
    assert (doc.customer.city, doc.customer.country_code) == ("Lạng Sơn", "VN")
    assert doc.laboratory.city == "Lạng Sơn"
    (standard,) = doc.reference_standards
    assert (standard.asset_code, standard.serial_number) == ("S-QC-M1", "QC-2201")
    assert standard.identification == "S-QC-M1 (S/N QC-2201)"  # as printed
    assert (doc.conformity.clause, doc.conformity.guard_band_factor) == ("4.2.2", Decimal("0.5"))
    spread_row = doc.results[0].rows[-1]
    assert spread_row.spread == Measure("0.02", "kg") and spread_row.label.vi == "max − min = 0,02\u00a0kg"
    assert [r.spread for r in doc.results[0].rows[:-1]] == [None] * (len(doc.results[0].rows) - 1)


@pytest.mark.parametrize(("rule", "facts"), [
    ({}, ("4.2.1", None)), ({"rule": "simple"}, ("4.2.1", None)),
    ({"rule": "guard_band", "r": 1.0}, ("4.2.2", Decimal("1"))), ({"rule": "non_binary"}, ("4.2.3", Decimal("1"))),
    ({"rule": "unheard_of"}, (None, None)), ({"text_en": "Guard band (ILAC G8:09/2019 4.2.2), w = U"}, (None, None)),
])
def test_the_decision_rule_as_stored_gives_its_clause_and_guard_band(rule, facts):
    assert rule_facts(rule) == facts
