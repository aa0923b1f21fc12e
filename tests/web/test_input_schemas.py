"""The API's request schemas agree with the services' typed inputs.

An API module pairs each typed input (registered in ``lims.services.inputs.INPUTS``) with the
marshmallow schema that documents it, in a module constant::

    INPUT_SCHEMAS = ((catalog.NewInstrument, InstrumentSchema), ...)

This test collects the pairs of every module under ``lims.web.api`` and checks that each
schema loads exactly the input's fields and marks as required exactly the fields the parser
requires and those marked ``checked_later`` (required, but checked by the use case with the
rest). Once one input of a service module is paired, every input of that module must be, so a
new input cannot slip past its schema. Another aggregate joins by declaring its own
``INPUT_SCHEMAS`` in its API module; nothing here changes.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import get_type_hints

import pytest
from marshmallow import Schema

import lims.web.api
from lims.services.inputs import INPUTS


def _pairs() -> list[tuple[type, type[Schema]]]:
    pairs: list[tuple[type, type[Schema]]] = []
    for info in pkgutil.iter_modules(lims.web.api.__path__):
        module = importlib.import_module(f"lims.web.api.{info.name}")
        declared = getattr(module, "INPUT_SCHEMAS", ())
        pairs.extend(declared.items() if isinstance(declared, dict) else declared)
    return pairs


PAIRS = _pairs()


def _required_by_parser(cls: type) -> set[str]:
    """Fields the use case requires: those ``inputs.parse`` refuses to miss (no default, and not
    ``X | None``), and those marked ``checked_later`` (the service checks them with the rest)."""
    hints = get_type_hints(cls)
    required = set()
    for f in dataclasses.fields(cls):
        if f.init and f.metadata.get("required"):
            required.add(f.name)
            continue
        if not f.init or f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            continue
        if type(None) in getattr(hints[f.name], "__args__", ()):
            continue
        required.add(f.name)
    return required


def test_the_inputs_of_every_aggregate_are_paired():
    paired = {cls.__name__ for cls, _schema in PAIRS}
    assert {"NewOrganisation", "NewInstrumentType", "NewInstrument", "NewReferenceStandard",
            "NewStandardCalibration", "NewProcedure", "NewUser"} <= paired  # catalogue and users
    assert {"NewServiceRequest", "OpenRecord", "SaveRecord", "Version", "ReturnRecord"} <= paired  # workflow
    assert {"AmendCertificate", "RevokeCertificate"} <= paired  # certificates


@pytest.mark.parametrize("cls,schema", PAIRS, ids=lambda p: getattr(p, "__name__", str(p)))
def test_schema_loads_the_fields_of_the_input_and_requires_the_same(cls, schema):
    assert cls in INPUTS, f"{cls.__name__} is not registered with @service_input"
    loaded = {name: f for name, f in schema().load_fields.items()}
    fields = {f.name for f in dataclasses.fields(cls) if f.init}
    assert set(loaded) == fields, (f"{schema.__name__} loads {sorted(set(loaded) - fields)} that "
                                   f"{cls.__name__} lacks, lacks {sorted(fields - set(loaded))}")
    required = {name for name, f in loaded.items() if f.required}
    assert required == _required_by_parser(cls), f"{schema.__name__} and {cls.__name__} disagree on what is required"


def test_every_input_of_a_paired_service_module_is_paired():
    paired = {cls for cls, _schema in PAIRS}
    modules = {cls.__module__ for cls in paired}
    missing = [f"{cls.__module__}.{cls.__name__}" for cls in INPUTS if cls.__module__ in modules and cls not in paired]
    assert not missing, f"inputs without a schema in any INPUT_SCHEMAS: {missing}"
