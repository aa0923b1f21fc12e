"""The API's request schemas (lims.web.api.workflow) say what the services' typed inputs take.

Walks every input registered with ``lims.services.inputs.service_input`` by the workflow and
compares it, field by field, with the marshmallow schema that documents it: the same names, and
the same required ones (a dataclass field without a default, or marked ``checked_later``).
"""
from __future__ import annotations

import dataclasses

import pytest

from lims.services import workflow
from lims.services.inputs import INPUTS
from lims.web.api.workflow_schemas import INPUT_SCHEMAS

WORKFLOW_INPUTS = [cls for cls in INPUTS if cls.__module__.startswith("lims.services.workflow")]


def _input_fields(cls: type) -> dict[str, bool]:
    out = {}
    for f in dataclasses.fields(cls):
        no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out[f.name] = no_default or bool(f.metadata.get("required"))
    return out


def _schema_fields(schema: type) -> dict[str, bool]:
    return {name: fld.required for name, fld in schema().fields.items() if not fld.dump_only}


def test_every_workflow_input_has_a_schema() -> None:
    assert WORKFLOW_INPUTS, "the workflow registers its inputs"
    assert sorted(c.__name__ for c in WORKFLOW_INPUTS) == sorted(c.__name__ for c in INPUT_SCHEMAS)
    assert workflow.SaveRecord in WORKFLOW_INPUTS


@pytest.mark.parametrize("cls", WORKFLOW_INPUTS, ids=lambda c: c.__name__)
def test_schema_fields_match_the_input(cls: type) -> None:
    assert _schema_fields(INPUT_SCHEMAS[cls]) == _input_fields(cls)
