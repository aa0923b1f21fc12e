"""Helpers shared by the API modules."""
from __future__ import annotations

from typing import overload

from flask import request
from marshmallow import Schema

from lims.errors import ValidationError
from lims.i18n import _


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Send a JSON object in the request body (Content-Type: application/json)."))
    return data


def body(schema: type[Schema] | Schema, description: str = "") -> dict:
    """An OpenAPI requestBody for ``@bp.doc``; the services validate the content."""
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


@overload
def query_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int: ...
@overload
def query_int(name: str, default: None = None, *, minimum: int = 0, maximum: int | None = None) -> int | None: ...


def query_int(name: str, default: int | None = None, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """The whole number in the query string's ``name`` (``default`` when absent), within limits."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(_("%(value)s is not a whole number.", value=repr(raw)), field=name) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise ValidationError(_("Must be between %(lo)s and %(hi)s.", lo=minimum, hi=maximum), field=name)
    return value


def int_param(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "integer"}}
