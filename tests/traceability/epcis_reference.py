"""The EPCIS schema README's own way of validating (jsonschema with its format checks, the
modular schema files read from disk): the reference the tests hold every document we write to."""
from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource

from traceability.epcis_document import ROOT_SCHEMA, SCHEMA_BASE, schema_dir


def _retrieve(uri: str) -> Resource[Any]:
    assert uri.startswith(SCHEMA_BASE), f"non-local $ref: {uri}"
    return Resource.from_contents(json.loads((schema_dir() / uri[len(SCHEMA_BASE):]).read_text("utf-8")))


@cache
def _validator() -> Draft7Validator:
    root = json.loads((schema_dir() / ROOT_SCHEMA).read_text("utf-8"))
    return Draft7Validator(root, registry=Registry(retrieve=_retrieve), format_checker=FormatChecker())


def reference_errors(document: Any) -> list[str]:
    """Every schema error of ``document`` as "path: message" (empty when valid)."""
    return ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in _validator().iter_errors(document)]


def assert_schema_valid(document: Any) -> None:
    errors = reference_errors(document)
    assert not errors, "\n".join(errors[:10])
