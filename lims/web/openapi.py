"""The OpenAPI document says what the API answers: the error body it sends and every error status.

Every error of the app is the JSON problem of :func:`lims.web.errors.problem`,
``{"error": "<message>", "detail": {...}}`` — domain errors, 401 from the login manager, CSRF
refusals, 404/405 of werkzeug, webargs' 422 (field errors under ``detail.fields``), the 503 of a
database that cannot be reached. :class:`ErrorSchema` is that body, and flask-smorest's error
schema (``Api.ERROR_SCHEMA``): the ``default`` response of every operation.

:class:`ErrorResponses`, an apispec plugin, adds to each operation the error statuses it can
answer, from what the route is — so a new blueprint gets them with no decorator:

=====  ====================================================================================
400    unsafe methods: a cookie session without ``X-CSRFToken`` (bearer tokens need none)
401    every operation that is not public (no token, or one revoked or of a deactivated user)
403    operations that check roles: ``roles_required``, every write, every path naming an
       object (a business user asking for another's)
404    every path with a parameter (nothing with that id, or not visible to the user)
409    unsafe methods: a stale ``version_id``, a uniqueness rule, a lock not obtained in time
422    operations with a request body or query parameters: bad input, naming the field
503    every operation: the database (or the shared rate-limit storage) cannot be reached;
       ``Retry-After`` says when to ask again
=====  ====================================================================================

Statuses an operation documents itself (``@bp.alt_response(502, ...)``, or ``429`` for a rate
limited one) are kept as written.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api as _Api
from marshmallow import Schema, fields, validate

from lims.services.inputs import number_limits, text_limits
from lims.web.auth import ROLES_ATTR, is_public_endpoint
from lims.web.unavailable import RETRY_AFTER

__all__ = ["ERROR_RESPONSES", "Api", "ErrorResponses", "ErrorSchema", "document_input_limits"]

UNSAFE = {"post", "put", "patch", "delete"}


class ErrorSchema(Schema):
    """The body of every error answer (:func:`lims.web.errors.problem`)."""

    error = fields.Str(required=True, metadata={"description": "what went wrong, in the request's language"})
    detail = fields.Dict(required=True, metadata={
        "description": "more about it: 'fields' ({field: message}) for bad input, 'field' (the first one "
                       "named), 'hint', or the dependencies that are down ({'database': 'unreachable'}); "
                       "{} when there is nothing more"})


#: Each error status an operation may document: (component name, description, headers).
ERROR_RESPONSES: dict[int, tuple[str, str, dict[str, Any]]] = {
    400: ("BadRequest", "The request was refused as such: a cookie session's write without a valid "
                        "X-CSRFToken header.", {}),
    401: ("Unauthorized", "Authentication required: send 'Authorization: Bearer <token>' (lims user token).", {}),
    403: ("Forbidden", "The user's roles do not allow this, or the object is not theirs to see.", {}),
    404: ("NotFound", "Nothing with that id (or by that number) that the user may see.", {}),
    409: ("Conflict", "The data changed since it was read (stale version_id), or a uniqueness rule or a lock "
                      "stopped the change; nothing was written.", {}),
    422: ("InvalidInput", "Bad input: the message names the first field, detail.fields every one; nothing was "
                          "written.", {}),
    429: ("TooManyRequests", "Too many requests from this client; try again later.", {}),
    502: ("DeviceFault", "The device did not answer as it should (the port is named); nothing was written.", {}),
    503: ("Unavailable", "The database cannot be reached just now; try again after Retry-After seconds.", {
        "Retry-After": {"description": f"seconds to wait before asking again ({RETRY_AFTER})",
                        "schema": {"type": "integer"}, "required": True}}),
}


def _view_method(app: Flask, endpoint: str, method: str) -> Callable[..., Any] | None:
    view = app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, method, None) if view_class is not None else view


def error_statuses(app: Flask, endpoint: str, method: str, operation: dict[str, Any], *, has_object: bool) -> list[int]:
    """The error statuses the operation ``method`` of ``endpoint`` can answer (table above)."""
    unsafe = method in UNSAFE
    statuses = [503]
    if is_public_endpoint(app, endpoint):
        return statuses
    statuses.append(401)
    view = _view_method(app, endpoint, method)
    if unsafe or has_object or getattr(view, ROLES_ATTR, None):
        statuses.append(403)
    if has_object:
        statuses.append(404)
    if unsafe:
        statuses += [400, 409]
    parameters = operation.get("parameters") or []
    if "requestBody" in operation or any(p.get("in") == "query" for p in parameters if isinstance(p, dict)):
        statuses.append(422)
    return sorted(statuses)


def document_input_limits(pairs: Any) -> None:
    """Each request schema states the limits its service input checks: text lengths
    (``minLength``, ``maxLength``: :func:`lims.services.inputs.text_limits`) and number ranges
    (``minimum``, ``maximum``, ``exclusiveMinimum``: :func:`lims.services.inputs.number_limits`);
    ``pairs`` are (input, schema) as an API module's ``INPUT_SCHEMAS`` holds them. Once per schema
    field (one that has its own validator is left as it is), in place: the schema instances made at
    import (``@bp.response(200, Schema(many=True))``) share their fields' validators and metadata.
    The schemas only document; the services parse the body."""
    for input_cls, schema_cls in pairs:
        declared = schema_cls._declared_fields
        for name, (least, most) in text_limits(input_cls).items():
            field = declared.get(name)
            if isinstance(field, fields.String) and not field.validators:
                field.validators.append(validate.Length(min=least or None, max=most))
        for name, (low, high, low_allowed) in number_limits(input_cls).items():
            field = declared.get(name)
            if isinstance(field, fields.Number) and not field.validators:
                field.validators.append(validate.Range(min=low, max=high, min_inclusive=low_allowed))
                if not low_allowed:  # apispec writes a Range's bounds, not whether they are allowed
                    metadata = field.metadata  # typed Mapping; a dict of the field's own (marshmallow 4)
                    if isinstance(metadata, dict):  # in place: schema instances share it
                        metadata["exclusiveMinimum"] = True


class ErrorResponses(BasePlugin):
    """Adds the error responses of :func:`error_statuses` to every operation of the document."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        app = getattr(self.api, "_app", None)
        if rule is None or app is None or not operations:
            return
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete") or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            documented = {str(status) for status in responses}  # flask-smorest's keys are ints
            for status in error_statuses(app, rule.endpoint, method, operation, has_object=bool(rule.arguments)):
                if str(status) not in documented:
                    responses[str(status)] = ERROR_RESPONSES[status][0]
            if "default" not in documented:
                responses["default"] = "DEFAULT_ERROR"


class Api(_Api):
    """flask-smorest's Api with the app's error body, and without its app-wide error handlers
    (ours answer HTML or JSON: :mod:`lims.web.errors`)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:  # noqa: D401 - overriding
        return None

    def _init_spec(self, *, extra_plugins: Any = None, **options: Any) -> None:
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), ErrorResponses(self)], **options)
        for name, description, headers in ERROR_RESPONSES.values():
            response: dict[str, Any] = {"description": description,
                                        "content": {"application/json": {"schema": ErrorSchema}}}
            if headers:
                response["headers"] = headers
            self.spec.components.response(name, response, lazy=True)
