"""EPCIS 2.0 JSON-LD documents: the envelope around events, and the check against GS1's schema.

The schema is GS1's EPCIS 2.0 JSON Schema (draft-07), shipped unchanged in
``traceability/schemas/epcis/`` (see ``NOTICE.txt`` there); its ``$ref``s, all under
``https://gs1.github.io/EPCIS/JSON-Schema/``, are read from that folder, never from the network.
Format checking is on, as the schema's README asks: the schema accepts any URI as a ``bizStep``,
a ``disposition`` or an extension property's name, so only the ``uri`` format check refuses a
typo such as ``"bizStep": "commisioning"`` or a stray property ``"foo"``.

The validator is jsonschema-rs (compiled): a 1,000-event document is checked in about 10 ms, where
the pure-Python ``jsonschema`` takes some 25 s. The tests check the documents the system writes
with ``jsonschema`` too, the way the schema's README does, so the two must agree.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_BASE = "https://gs1.github.io/EPCIS/JSON-Schema/"
ROOT_SCHEMA = "EPCIS-JSON-Schema-root.json"


def schema_dir() -> Path:
    """Folder of the bundled EPCIS 2.0 JSON Schema files."""
    return Path(str(resources.files("traceability").joinpath("schemas", "epcis", "JSON-Schema")))


def _retrieve(uri: str) -> Any:
    if not uri.startswith(SCHEMA_BASE):
        raise LookupError(f"EPCIS schema reference outside the bundled schema: {uri}")
    return json.loads((schema_dir() / uri[len(SCHEMA_BASE):]).read_text("utf-8"))


@cache
def validator() -> jsonschema_rs.Draft7Validator:
    """The EPCIS 2.0 validator with format checking, built once per process."""
    root = json.loads((schema_dir() / ROOT_SCHEMA).read_text("utf-8"))
    return jsonschema_rs.Draft7Validator(root, validate_formats=True, retriever=_retrieve)


@dataclass(frozen=True)
class SchemaProblem:
    """One place where a document breaks the schema: ``path`` as JSON Pointer-like segments
    (``epcisBody/eventList/3/eventTime``) and the validator's message."""

    path: tuple[str | int, ...]
    message: str

    @property
    def where(self) -> str:
        return "/".join(str(p) for p in self.path) or "<root>"

    @property
    def event_index(self) -> int | None:
        """The index in ``eventList`` of the event the problem is in, if it is in one."""
        path = self.path
        for k in range(len(path) - 1):
            if path[k] == "eventList" and isinstance(path[k + 1], int):
                return int(path[k + 1])
        return None


def schema_problems(document: Mapping[str, Any]) -> list[SchemaProblem]:
    """Every schema problem of ``document`` (an EPCISDocument, EPCISQueryDocument or bare event),
    in document order; empty when it is valid."""
    found = [SchemaProblem(tuple(error.instance_path), error.message) for error in validator().iter_errors(document)]
    return sorted(found, key=lambda p: [str(x).zfill(9) if isinstance(x, int) else x for x in p.path])


def epcis_document(events: Sequence[Mapping[str, Any]], created: datetime) -> dict[str, Any]:
    """An EPCISDocument holding ``events`` (EPCIS 2.0 JSON-LD event objects), made at ``created``
    (a time-zone-aware datetime, written with its offset)."""
    if created.tzinfo is None:
        raise ValueError("creationDate needs a time zone")
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": [dict(event) for event in events]},
    }


def query_document(events: Sequence[Mapping[str, Any]], created: datetime,
                   query_name: str = "SimpleEventQuery") -> dict[str, Any]:
    """An EPCISQueryDocument answering a query with ``events`` (the EPCIS 2.0 REST binding's
    ``GET /events`` body)."""
    document = epcis_document((), created)
    document["type"] = "EPCISQueryDocument"
    document["epcisBody"] = {"queryResults": {"queryName": query_name,
                                              "resultsBody": {"eventList": [dict(e) for e in events]}}}
    return document
