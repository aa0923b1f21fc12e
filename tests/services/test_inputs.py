"""The one adapter from a form or a JSON body to a typed, frozen service input."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pytest

from lims.errors import ValidationError
from lims.i18n import use_language
from lims.services.inputs import INPUTS, opts, parse, service_input


@service_input
@dataclass(frozen=True)
class _Example:
    customer_id: int
    kind: Literal["verification", "calibration", "test"]
    instrument_ids: tuple[int, ...]
    on_site: bool = False
    wanted_by: date | None = None
    notes: str | None = field(default=None, metadata=opts(max_len=10))
    verification_type: Literal["initial", "periodic", "after_repair"] = "periodic"


def test_form_strings_and_json_values_give_the_same_typed_input():
    from_form = parse(_Example, {"customer_id": "3", "kind": "verification", "instrument_ids": "1, 2",
                                 "on_site": "on", "wanted_by": "2030-01-02"})
    from_json = parse(_Example, {"customer_id": 3, "kind": "verification", "instrument_ids": [1, 2],
                                 "on_site": True, "wanted_by": "2030-01-02"})
    assert from_form == from_json == _Example(3, "verification", (1, 2), True, date(2030, 1, 2))
    assert parse(_Example, {"kind": "test", "instrument_ids": [4]}, customer_id=7).customer_id == 7


def test_every_bad_field_is_named_at_once_and_nothing_is_built():
    with use_language("en"), pytest.raises(ValidationError) as caught:
        parse(_Example, {"customer_id": "x", "kind": "bad", "instrument_ids": [], "notes": "x" * 20})
    assert set(caught.value.errors) == {"customer_id", "kind", "instrument_ids", "notes"}
    assert caught.value.errors["notes"] == "At most 10 characters."


def test_inputs_are_frozen_and_registered():
    assert _Example in INPUTS
    built = parse(_Example, {"customer_id": 1, "kind": "test", "instrument_ids": [1]})
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.customer_id = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        service_input(type("Loose", (), {}))
