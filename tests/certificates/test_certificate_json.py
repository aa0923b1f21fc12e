"""JSON form of the certificate: stable keys, stored digits, round trip."""
from __future__ import annotations

import json

import pytest

from certificates.errors import DocumentError
from certificates.jsonform import from_json, from_json_dict, to_json, to_json_dict

TOP_KEYS = [
    "format", "format_version", "number", "kind", "laboratory", "customer", "instrument", "method",
    "performed_on", "issued_on", "results", "reference_standards", "authorised_by", "environment",
    "received_on", "performed_until", "performance_location", "performance_address", "performed_by",
    "conformity", "valid_until", "stamp_number", "status", "supersedes", "language", "title",
    "traceability_statement", "adjustment_note", "deviations", "remarks", "verification_type",
    "periodic_verification", "validity_basis",
]
ROW_KEYS = ["nominal", "reference", "indication", "error", "uncertainty", "mpe", "verdict", "label"]


def test_keys_are_stable_and_always_present(verification, calibration) -> None:
    """The key list is part of the contract: consumers can rely on every key being there."""
    for doc in (verification, calibration):
        data = to_json_dict(doc)
        assert list(data) == TOP_KEYS
        assert list(data["results"][0]["rows"][0]) == ROW_KEYS
        assert list(data["results"][0]["rows"][0]["uncertainty"]) == [
            "expanded", "k", "coverage_probability", "distribution"]


def test_values_are_the_stored_digits_with_units(verification, calibration) -> None:
    """Numbers travel as decimal strings beside their unit: 60.000 kg keeps its three zeros."""
    row = to_json_dict(verification)["results"][0]["rows"][4]
    assert row["nominal"] == {"value": "60.000", "unit": "kg"}
    assert row["error"] == {"value": "20", "unit": "g"}
    assert row["mpe"] == {"value": "30", "unit": "g"}
    assert row["uncertainty"]["expanded"] == {"value": "6", "unit": "g"}
    assert (row["uncertainty"]["k"], row["uncertainty"]["coverage_probability"]) == ("2", "0.95")
    assert row["verdict"] == "pass"
    data = to_json_dict(calibration)
    assert data["results"][1]["rows"][2]["indication"] == {"value": "100.0002", "unit": "g"}
    assert data["results"][1]["stage"] == "after_adjustment"
    assert data["performed_until"] == "2025-04-03"
    assert data["instrument"]["name"] == {"vi": "Cân phân tích", "en": "Analytical balance"}


def test_round_trip_gives_the_same_document_and_the_same_json(verification, calibration) -> None:
    for doc in (verification, calibration):
        data = to_json_dict(doc)
        again = from_json_dict(json.loads(json.dumps(data)))
        assert again == doc
        assert to_json_dict(again) == data  # digits preserved ("60.000" is not "60")
        assert from_json(to_json(doc)) == doc


def test_json_text_keeps_vietnamese_letters(verification) -> None:
    assert "Cân bàn điện tử" in to_json(verification)


def test_bad_input_names_the_field(verification) -> None:
    data = to_json_dict(verification)
    with pytest.raises(DocumentError, match="unknown keys: colour"):
        from_json_dict({**data, "colour": "red"})
    bad = json.loads(json.dumps(data))
    bad["results"][0]["rows"][0]["nominal"]["value"] = "abc"
    with pytest.raises(DocumentError, match="results\\[0\\].rows\\[0\\].nominal.value"):
        from_json_dict(bad)
    bad = json.loads(json.dumps(data))
    bad["issued_on"] = "05/03/2025"
    with pytest.raises(DocumentError, match="issued_on"):
        from_json_dict(bad)
    with pytest.raises(DocumentError, match="format_version"):
        from_json_dict({**data, "format_version": 99})
    with pytest.raises(DocumentError, match="not valid JSON"):
        from_json("{")
    with pytest.raises(DocumentError, match="incomplete"):
        from_json_dict({"number": "1"})
