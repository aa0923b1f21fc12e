"""The query string, read by pages and the API alike: whole numbers within the databases' range,
no control characters."""
from __future__ import annotations

from typing import overload

from flask import request

from lims.errors import ValidationError
from lims.i18n import _
from lims.services.validation import DB_INT_MAX, control_character

__all__ = ["query_int", "refuse_control_characters"]


@overload
def query_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int: ...
@overload
def query_int(name: str, default: None = None, *, minimum: int = 0, maximum: int | None = None) -> int | None: ...


def query_int(name: str, default: int | None = None, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """The whole number in the query string's ``name`` (``default`` when absent), within limits:
    ``maximum`` at most 2^31 − 1, the largest whole number both databases hold; a value outside
    them is refused (422) naming the parameter."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    hi = DB_INT_MAX if maximum is None else min(maximum, DB_INT_MAX)
    try:
        value = int(raw)
    except ValueError:
        message = _("%(value)s is not a whole number.", value=repr(raw))
        raise ValidationError(f"{name}: {message}", field=name, errors={name: message}) from None
    if value < minimum or value > hi:
        message = _("Must be between %(lo)s and %(hi)s.", lo=minimum, hi=hi)
        raise ValidationError(f"{name}: {message}", field=name, errors={name: message})
    return value


def refuse_control_characters() -> None:
    """Before every view: a control character in a query parameter is refused (422 naming it), as in
    every typed input (:func:`lims.services.validation.control_character`), so no NUL reaches the
    database. (A path's text is the view's: a token is checked by its signature, a certificate
    number looked up only when it holds none.)"""
    for name, value in request.args.items(multi=True):
        found = control_character(value) or control_character(name)
        if found:
            message = _("Contains a control character (%(char)s), which text may not hold.", char=found)
            raise ValidationError(f"{name}: {message}", field=name, errors={name: message})
