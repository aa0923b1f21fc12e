"""Every demo DCC as PTB's readers read it: ``dcc-json-toolkit`` and ``dccquantities`` (issue 10,
"Done when": tables, reference values, errors, U with consistent k and p, and verdicts).

The demo is seeded (``lims demo``: verifications, a notice of non-conformity, calibrations, a
superseded and a revoked certificate); each certificate's DCC, as stored at issue, is checked
against the XSD, read back by both readers, and compared with the stored document it was written
from. The example documents of ``certificates.examples`` are read the same way.
"""
from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pytest
from sqlalchemy import select

from certificates import jsonform
from certificates.dcc import to_dcc_xml
from certificates.dcc_schema import validate_dcc
from certificates.dcc_tables import tables_of
from certificates.examples import example_calibration, example_verification
from certificates.hashing import sha256_hex
from certificates.keystore import KeyStore
from certificates.model import CertificateDocument, Kind, ResultRow, Verdict
from certificates.units import rescale
from lims.models import Certificate
from lims.services import certificates as certs
from lims.services.demo import seed_demo
from tests.certificates.ptb_readers import PTB_BASIC_REF_TYPES, Readers, normal_k, prepare

CONFORMITY = {Verdict.PASS: "pass", Verdict.FAIL: "fail", Verdict.CONDITIONAL_PASS: "conditionalPass",
              Verdict.CONDITIONAL_FAIL: "conditionalFail"}


@pytest.fixture(scope="module")
def readers(tmp_path_factory) -> Readers:
    return prepare(tmp_path_factory.mktemp("ptb-readers"))


@pytest.fixture
def demo_dccs(db, tmp_path) -> list[tuple[Certificate, CertificateDocument, bytes]]:
    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="http://127.0.0.1:5000",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        seed_demo(db, "demo-password-1")
        db.flush()
        certs.write_pending(db)
    out = []
    for cert in db.scalars(select(Certificate).order_by(Certificate.id)):
        data = (tmp_path / cert.dcc_path).read_bytes()
        assert sha256_hex(data) == cert.dcc_sha256 and certs.dcc_export(cert, ctx) == data
        out.append((cert, jsonform.from_json_dict(cert.document["certificate"]), data))
    return out


def _refs(item: dict) -> list[str]:
    ref = item.get("@refType") or []
    return ref.split() if isinstance(ref, str) else list(ref)


def _walk(node: object):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _quantity(table, ref_type: str):
    found = [q for q in table.all_quantities if ref_type in q.ref_type and q.is_top_level]
    assert len(found) == 1, f"one {ref_type} column"
    return found[0]


def _close(values, expected) -> bool:
    return len(values) == len(expected) and all(math.isclose(a, float(b), rel_tol=1e-12, abs_tol=1e-15)
                                                for a, b in zip(values, expected, strict=True))


def _check_uncertainty(q, rows: tuple[ResultRow, ...], unit: str, lists: dict) -> None:
    """U/k of each row is the standard uncertainty dccquantities computes; k and p agree with the
    stated distribution (normal: p = erf(k/√2) within 0.01; t: k above the normal factor)."""
    us = [r.uncertainty for r in rows]
    assert all(u is not None for u in us)
    expected = [float(rescale(u.expanded.value, u.expanded.unit, unit)) / float(u.k) for u in us if u]
    assert _close(q.uncertainties.tolist(), expected)
    distributions = lists.get("si:distributionXMLList")
    for u in us:
        assert u is not None
        k, p = float(u.k), float(u.coverage_probability)
        if distributions == ["normal"] or distributions is None:
            assert abs(math.erf(k / math.sqrt(2)) - p) <= 0.01, f"k = {k} and p = {p} are not normal"
        else:
            assert set(distributions) <= {"normal", "t"} and k > normal_k(p) - 0.01


def _error_lists(as_dict: dict, index: int) -> tuple[dict, dict]:
    """The error column's si:expandedUncXMLList and its conformity metaData, from the toolkit's dict."""
    lists = [node for node in _walk(as_dict) if "basic_1IndexTable" in _refs(node)]
    error = next(q for q in lists[index]["dcc:quantity"] if "basic_measurementError" in _refs(q))
    unc = error["si:realListXMLList"].get("si:expandedUncXMLList", {})
    meta = next((m for m in error.get("dcc:measurementMetaData", {}).get("dcc:metaData", [])
                 if "basic_conformity" in _refs(m)), {})
    return unc, meta


def _check_table(table, rows: tuple[ResultRow, ...], as_dict: dict, index: int) -> None:
    ref = _quantity(table, "basic_referenceValue")
    assert "basic_tableIndex0" in ref.ref_type and len(table) == len(rows)
    unit = (rows[0].reference or rows[0].nominal).unit
    assert _close(ref.values.tolist(), [rescale((r.reference or r.nominal).value, (r.reference or r.nominal).unit,
                                                unit) for r in rows])
    if rows[0].indication is not None:
        assert _close(_quantity(table, "basic_measuredValue").values.tolist(),
                      [rescale(r.indication.value, r.indication.unit, rows[0].indication.unit)
                       for r in rows if r.indication])
    if rows[0].error is None:
        return
    error = _quantity(table, "basic_measurementError")
    eu = rows[0].error.unit
    assert _close(error.values.tolist(), [rescale(r.error.value, r.error.unit, eu) for r in rows if r.error])
    unc, meta = _error_lists(as_dict, index)
    if rows[0].uncertainty is not None:
        _check_uncertainty(error, rows, eu, unc)
    if rows[0].verdict is not None:
        assert meta["dcc:conformityXMLList"] == [CONFORMITY[r.verdict] for r in rows if r.verdict]
        assert meta["@refId"] == ["decision-rule"]
    if rows[0].mpe is not None:
        upper = next(q for q in meta["dcc:data"]["dcc:quantity"] if "basic_toleranceLimitUpper" in _refs(q))
        assert _close(upper["si:realListXMLList"]["si:valueXMLList"],
                      [rescale(r.mpe.value, r.mpe.unit, eu) for r in rows if r.mpe])


def _check(readers: Readers, doc: CertificateDocument, xml: bytes) -> int:
    """Everything the readers must find in one DCC; the number of tables."""
    validate_dcc(xml)
    as_dict = readers.as_dict(xml)
    used = {t for node in _walk(as_dict) for t in _refs(node)}
    assert {t for t in used if t.startswith("basic_")} <= PTB_BASIC_REF_TYPES
    assert all(t.startswith(("basic_", "lims_")) for t in used)
    tables, caught = readers.tables(xml)
    rows = [run for section in doc.results for run in tables_of(section)]
    assert len(tables) == len(rows) >= len(doc.results)
    for index, (table, run) in enumerate(zip(tables, rows, strict=True)):
        assert type(table).__name__ == "DccLongTable"
        _check_table(table, run, as_dict, index)
    if b"<si:distributionXMLList>t" not in xml:  # dccquantities knows normal and uniform only
        assert not [w for w in caught if "mismatch" in w or "distribution" in w.lower()], caught
    statements = {r: node for node in _walk(as_dict) for r in _refs(node) if "dcc:declaration" in node
                  or "dcc:conformity" in node or "dcc:convention" in node}
    if doc.conformity is not None:
        assert statements["basic_conformity"]["dcc:conformity"] == CONFORMITY[doc.conformity.verdict]
    kind = statements["lims_documentKind"]["dcc:convention"]
    failed = doc.kind is Kind.VERIFICATION and doc.conformity and doc.conformity.verdict is not Verdict.PASS
    assert kind == ("calibrationCertificate" if doc.kind is Kind.CALIBRATION
                    else "nonConformityNotice" if failed else "verificationCertificate")
    return len(tables)


@pytest.mark.slow
def test_every_demo_dcc_reads_back_with_ptbs_readers(readers, demo_dccs) -> None:
    kinds = set()
    for cert, doc, xml in demo_dccs:
        assert _check(readers, doc, xml) >= 1, cert.number
        kinds.add((cert.kind, cert.document["summary"]["notice"]))
    assert kinds >= {("verification", False), ("verification", True), ("calibration", False)}


def test_the_example_documents_read_back_with_ptbs_readers(readers) -> None:
    for doc in (example_verification(), example_calibration()):
        assert _check(readers, doc, to_dcc_xml(doc, verify_url="https://lims.tdc.gov.vn/v/abc")) == len(doc.results)


def test_a_t_distribution_is_stated_and_read_as_what_it_is(readers) -> None:
    """k = 2.43 at p = 0.9545 (the demo thermometer's budget, νeff ≈ 6): the DCC says "t", and
    dccquantities still gives U/k as the standard uncertainty."""
    doc = example_calibration()
    rows = tuple(dataclasses.replace(r, uncertainty=dataclasses.replace(
        r.uncertainty, k=Decimal("2.43"), coverage_probability=Decimal("0.9545"))) for r in doc.results[0].rows)
    doc = dataclasses.replace(doc, results=(dataclasses.replace(doc.results[0], rows=rows),))
    xml = to_dcc_xml(doc)
    assert b"<si:distributionXMLList>t</si:distributionXMLList>" in xml
    assert _check(readers, doc, xml) == 1
