"""The JSON API under /api/v1, described by OpenAPI 3 at /api/v1/openapi.json.

Authentication: ``Authorization: Bearer <token>`` (``lims user token USERNAME``), or the
browser session for pages that call the API (then unsafe methods need ``X-CSRFToken``).
Errors: ``{"error": "...", "detail": {...}}`` with a 4xx or 5xx status (every status an operation
can answer is in the description: :mod:`lims.web.openapi`); validation errors name the field in
``detail.fields``. Each module's ``INPUT_SCHEMAS`` (typed input → the schema documenting it) get
the limits their inputs check when the package is imported.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from flask import Blueprint

from lims.web.api import (
    catalog,
    catalog_items,
    certificates,
    epcis,
    imports,
    meta,
    office,
    trace_products,
    traceability,
    users,
    workflow,
)
from lims.web.openapi import document_input_limits

__all__ = ["BLUEPRINTS", "register"]

# In the order the OpenAPI description lists them.
BLUEPRINTS: list[Blueprint] = [meta.bp, catalog.bp, catalog_items.bp, users.bp, certificates.bp, traceability.bp,
                                workflow.bp, office.bp, imports.bp, imports.export_bp, trace_products.bp, epcis.bp]

for _info in pkgutil.iter_modules(__path__):  # every module of the package, a new one too
    _declared = getattr(importlib.import_module(f"{__name__}.{_info.name}"), "INPUT_SCHEMAS", ())
    document_input_limits(_declared.items() if isinstance(_declared, dict) else _declared)


def register(api: Any) -> None:
    for bp in BLUEPRINTS:
        api.register_blueprint(bp, url_prefix="/api/v1" + (bp.url_prefix or ""))
