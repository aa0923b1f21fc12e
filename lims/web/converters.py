"""URL converters of the app: ``<int:...>`` in a route is an id both databases can hold.

Registered as ``int`` before any blueprint, so every ``<int:record_id>`` of every route is read by
:class:`IdConverter`: a whole number from 1 to 2^31 − 1 (PostgreSQL's ``INTEGER``; SQLite's ids
are wider). A path with a larger number (or 0) is answered 404 — whatever other methods the path
has, not 405 — before a query could overflow the database's integer (which answered 500). flask-smorest
documents the bounds in the OpenAPI description (it reads ``min`` and ``max`` of an
``IntegerConverter``).
"""
from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, Map, ValidationError

from lims.services.validation import DB_INT_MAX

__all__ = ["IdConverter", "init_converters"]


class IdConverter(IntegerConverter):
    """``<int:name>``: 1 … 2^31 − 1 unless the rule says otherwise (``<int(min=0):seq>``)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = 1,  # noqa: A002 - werkzeug's names
                 max: int | None = DB_INT_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        try:
            return int(super().to_python(value))
        except ValidationError:
            # Not werkzeug's "this rule does not match", which a rule of the same path for another
            # method would answer 405: no record has this id.
            raise NotFound() from None


def init_converters(app: Flask) -> None:
    """Before the first route is added: rules compile their converters when they are added."""
    app.url_map.converters["int"] = IdConverter
