"""Budgets shared by the measurement-core tests (fresh copies for every test)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _messages_in_english() -> Iterator[None]:
    """The measurement core's messages go through the catalogs (Vietnamese by default); these
    tests read them in English, their message ids. A test of another language says so
    (``with use_language("vi")``)."""
    from lims.i18n import use_language

    with use_language("en"):
        yield


def load_pressure_budget() -> dict:
    """The budget of the issue (pressure gauge calibration, six inputs)."""
    return json.loads((DATA / "pressure_gauge.json").read_text(encoding="utf-8"))


def make_impedance_budget(model: str, with_phase: bool = True) -> dict:
    """JCGM 100 H.2 (simultaneous resistance and reactance), approach 1 of H.2.3."""
    inputs = [
        {"symbol": "V", "value": "4.9990 V", "standard_uncertainty": "0.0032 V"},
        {"symbol": "I", "value": "19.6610 mA", "standard_uncertainty": "0.0095 mA"},
        {"symbol": "phi", "value": "1.04446 rad", "standard_uncertainty": "0.00075 rad"},
    ]
    correlations = [{"a": "V", "b": "I", "r": -0.36}, {"a": "V", "b": "phi", "r": 0.86},
                    {"a": "I", "b": "phi", "r": -0.65}]
    if not with_phase:
        inputs, correlations = inputs[:2], correlations[:1]
    return {"measurand": {"symbol": "Z", "unit": "ohm"}, "model": model, "inputs": inputs,
            "correlations": correlations}


@pytest.fixture
def pressure_budget() -> dict:
    return load_pressure_budget()


@pytest.fixture
def impedance_budget() -> Callable[..., dict]:
    return make_impedance_budget
