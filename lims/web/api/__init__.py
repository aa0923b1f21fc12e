"""The JSON API under /api/v1, described by OpenAPI 3 at /api/v1/openapi.json.

Authentication: ``Authorization: Bearer <token>`` (``lims user token USERNAME``), or the
browser session for pages that call the API (then unsafe methods need ``X-CSRFToken``).
Errors: ``{"error": "...", "detail": {...}}`` with a 4xx status; validation errors name the
field in ``detail.fields``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint

from lims.web.api import catalog, certificates, meta, workflow, workflow_schemas
from lims.web.openapi import document_input_limits

__all__ = ["BLUEPRINTS", "register"]

# In the order the OpenAPI description lists them.
BLUEPRINTS: list[Blueprint] = [meta.bp, catalog.bp, certificates.bp, workflow.bp]

for _pairs in (catalog.INPUT_SCHEMAS, certificates.INPUT_SCHEMAS.items(), workflow_schemas.INPUT_SCHEMAS.items()):
    document_input_limits(_pairs)


def register(api: Any) -> None:
    for bp in BLUEPRINTS:
        api.register_blueprint(bp, url_prefix="/api/v1" + (bp.url_prefix or ""))
