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
    "periodic_verification", "validity_basis", "amendment_reason",
]
ROW_KEYS = ["nominal", "reference", "indication", "error", "uncertainty", "mpe", "verdict", "label", "spread"]
#: Keys added after documents were first stored (optional when reading, format_version 1 still).
LATER_KEYS = {"": ["amendment_reason"], "customer": ["city", "country_code"],
              "instrument": ["range_min", "range_max"], "conformity": ["clause", "guard_band_factor"]}


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


def test_a_document_stored_before_the_structured_fields_still_loads(verification, calibration) -> None:
    """A stored document is never rebuilt: one written before the structured fields (spread,
    clause and guard band, range limits, city and country, a standard's serial number and asset
    code, amendment reason) existed loads, with those fields empty."""
    for doc in (verification, calibration):
        data = json.loads(json.dumps(to_json_dict(doc)))
        for part, keys in LATER_KEYS.items():
            for key in keys:
                ((data[part] or {}) if part else data).pop(key, None)
        for standard in data["reference_standards"]:
            standard.pop("serial_number"), standard.pop("asset_code")
        for section in data["results"]:
            for row in section["rows"]:
                row.pop("spread")
        old = from_json_dict(data)
        assert data["format_version"] == 1
        assert old.amendment_reason is None and old.customer.city is None and old.instrument.range_min is None
        assert all(s.serial_number is None for s in old.reference_standards)
