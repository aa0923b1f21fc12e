"""The one error hierarchy: :class:`LimsError` and the domain errors of the application layer.

Every error a user is meant to read is a :class:`LimsError`: these, and those of the pure
packages (:mod:`lims.metrology.errors`, :mod:`certificates.errors`, :mod:`instruments.errors`),
whose classes also inherit a built-in where one fits. The web layer's one handler turns any of
them into a page or a JSON problem ``{"error": ..., "detail": ...}`` with the class's
``status`` (a 4xx for what the user can fix, a 5xx for a fault of the server or of a device);
the CLI into a message on stderr and a non-zero exit code.

This module imports nothing but the standard library's ``typing`` when loaded (only a refusal of
:class:`FieldErrors` loads :mod:`lims.field_labels`, which reads the catalogs), so the pure packages
can build on it and stay free of Flask and the database.
"""
from __future__ import annotations

from typing import Any


class LimsError(Exception):
    """Base of every error a user is meant to read."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, detail: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.detail = dict(detail or {})
        if field and "field" not in self.detail:
            self.detail["field"] = field

    def to_problem(self) -> dict[str, Any]:
        return {"error": self.message, "detail": self.detail}


class ValidationError(LimsError):
    """Bad input: names the field; nothing was written."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None):
        detail: dict[str, Any] = {}
        if errors:
            detail["fields"] = errors
        super().__init__(message, field=field, detail=detail)
        self.errors = errors or ({field: message} if field else {})


class FieldErrors:
    """Collects every bad field of one input, then refuses them at once (first field in the
    message, named as the form labels it; all of them in ``errors``, by their internal paths) — so a
    form or API answer names every fault together."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def done(self) -> None:
        if self.errors:
            from lims.field_labels import field_label  # the catalogs, loaded only when refusing

            field, message = next(iter(self.errors.items()))
            raise ValidationError(f"{field_label(field)}: {message}", field=field, errors=dict(self.errors))


class NotFound(LimsError):
    status = 404
    code = "not_found"


class PermissionDenied(LimsError):
    status = 403
    code = "forbidden"


class Conflict(LimsError):
    """The data changed under the user (optimistic locking) or a uniqueness rule was hit."""

    status = 409
    code = "conflict"
