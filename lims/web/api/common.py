"""Helpers shared by the API modules."""
from __future__ import annotations

from flask import request
from marshmallow import Schema

from lims.errors import ValidationError
from lims.i18n import _
from lims.web.query import query_int

__all__ = ["body", "int_param", "json_body", "query_int"]


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Send a JSON object in the request body (Content-Type: application/json)."))
    return data


def body(schema: type[Schema] | Schema, description: str = "") -> dict:
    """An OpenAPI requestBody for ``@bp.doc``; the services validate the content."""
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


def int_param(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "integer"}}
